import DeliverySim
import Foundation
import Testing
import TOMLLite
@testable import Experiments

/// Lesson files: parsing with positions, predicates counted from a step's start, and the
/// headless check that plays every step.
struct LessonTests {
    static let lessonsFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Lessons")

    /// A small lesson: a lost ack, predicted, then caused by a task's solution.
    /// A small lesson: a lost ack, predicted, then caused by a task's solution (shared with
    /// the dashboard's tests).
    static let sample: String = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/sample-lesson.toml")
        return (try? String(contentsOf: url, encoding: .utf8)) ?? ""
    }()

    static func parse(_ text: String) throws -> Lesson { try Lesson.parse(text: text, fileName: "l.toml") }

    static func error(_ text: String) -> FileError? {
        do {
            _ = try Lesson.parse(text: text, fileName: "l.toml")
            return nil
        } catch {
            return error
        }
    }

    @Test func theSampleParsesAndPassesItsCheck() throws {
        let lesson = try Self.parse(Self.sample)
        #expect(lesson.steps.map(\.kind) == [.narrate, .demo, .predict, .demo, .task, .recap])
        #expect(lesson.settings.productionUnlimited, "a lesson's production runs until it ends")
        #expect(lesson.steps[2].answer == 1 && lesson.steps[2].actions.count == 1)
        #expect(lesson.steps[4].until?.terms.count == 1)
        let report = LessonCheck.run(lesson)
        #expect(report.problems.isEmpty, "\(report.problems)")
        #expect(report.stepEnds.count == 6)
        // Narrate holds the world still; the demo ran; the prediction ran exactly its 3s
        // (on the 1 ms grid); the heal demo its 3s.
        #expect(report.stepEnds[0] == 0)
        #expect(report.stepEnds[1] > 0)
        #expect(report.stepEnds[2] == report.stepEnds[1] + 3_000_000)
        #expect(report.stepEnds[3] == report.stepEnds[2] + 3_000_000)
        #expect(report.stepEnds[4] >= report.stepEnds[3] + 2_000_000, "the task is done only once its solution's heal is applied")
        // Same file, same instants; the same without skipping grid points.
        #expect(LessonCheck.run(lesson).stepEnds == report.stepEnds)
        #expect(LessonCheck.run(lesson, skipping: false).stepEnds == report.stepEnds)
    }

    @Test func aWrongStatedAnswerFailsTheCheck() throws {
        let lesson = try Self.parse(Self.sample.replacingOccurrences(of: "answer = 2", with: "answer = 1"))
        let problems = LessonCheck.run(lesson).problems
        #expect(problems.count == 1)
        #expect(problems.first?.contains("step 3 (predict, line") == true)
        #expect(problems.first?.contains("the stated answer is choice 1, but what held: choice 2") == true, "\(problems)")
    }

    @Test func aPredicateThatNeverHoldsFailsTheCheckWithWhatWasSeen() throws {
        let lesson = try Self.parse(Self.sample.replacingOccurrences(of: "until = \"at-least-once delivered >= 5\"",
                                                                       with: "until = \"at-least-once lost >= 1\"\nwithin = \"2s\""))
        let problems = LessonCheck.run(lesson).problems
        #expect(problems.count == 1)
        #expect(problems.first?.contains("step 2 (demo, line 17): 'at-least-once lost >= 1' never held within 2s (at-least-once lost was 0)") == true,
                "\(problems)")
    }

    @Test func aStoryOfAMessageNotYetPublishedFailsTheCheck() throws {
        let lesson = try Self.parse(Self.sample.replacingOccurrences(of: "text = \"Words to read aloud.\"", with: "text = \"Words to read aloud.\"\nstory = \"p1-500\""))
        let problems = LessonCheck.run(lesson).problems
        #expect(problems.contains { $0.contains("story = \"p1-500\", a message not yet published") }, "\(problems)")
    }

    /// Every malformed file is one line with the file, line and column of the fault.
    @Test func malformedFilesNameTheLineAndColumn() throws {
        let cases: [(String, String, String)] = [
            ("title = \"Sample\"", "tittle = \"Sample\"", "l.toml:1:1: unknown key 'tittle' at the top level (did you mean 'title'?)"),
            ("kind = \"demo\"\ntitle = \"Watch\"", "kind = \"demos\"\ntitle = \"Watch\"", "l.toml:18:8: steps[2].kind = \"demos\": expected one of narrate, demo, predict, task, recap"),
            ("until = \"at-least-once delivered >= 5\"", "until = \"effectively-once delivered >= 5\"",
             "l.toml:21:9: steps[2].until = \"effectively-once delivered >= 5\": the effectively-once lane is not in this lesson"),
            ("until = \"at-least-once delivered >= 5\"", "until = \"at-least-once delivred >= 5\"", "did you mean 'delivered'?"),
            ("until = \"at-least-once delivered >= 5\"", "until = \"at-least-once delivered => 5\"", "'=>' is not a comparison"),
            ("until = \"at-least-once delivered >= 5\"", "until = \"at-least-once event:dropped/acks >= 5\"", "unknown detail 'acks'"),
            ("run = \"3s\"\nactions", "actions", "l.toml:23:1: steps[3]: a predict step needs 'run'"),
            ("answer = 2", "answer = 3", "l.toml:29:10: steps[3].answer = 3: expected the number of a choice, 1 to 2"),
            ("text = \"Deliveries go right.\"", "text = \"Deliveries go right.\"\nhint = \"no\"", "l.toml:21:1: steps[2].hint: a demo step takes no 'hint'"),
            ("target = \"consumer-2\" }, { at", "target = \"consumer-3\" }, { at", "steps[5].solution[1].target = \"consumer-3\": "),
            ("hint = \"Tab, then a.\"\n", "", "a task step needs 'hint'"),
            ("outcomes = [\"at-least-once duplicate_effects == 0\", ", "outcomes = [", "1 predicates for 2 choices"),
        ]
        for (from, to, want) in cases {
            let text = Self.sample.replacingOccurrences(of: from, with: to)
            #expect(text != Self.sample, "the case changes the file: \(from)")
            let e = Self.error(text)
            #expect(e?.description.contains(want) == true, "\(from) → \(to): got \(e?.description ?? "no error"), want \(want)")
            #expect(e.map { !$0.description.contains("\n") } ?? false)
        }
        // Found by fuzzing: a control character inside a predicate's word reached the error line.
        let tab = Self.error(Self.sample.replacingOccurrences(of: "at-least-once delivered >= 5", with: "at-least-once deli\\u001bvered >= 5"))
        #expect(tab?.description.contains("vered' is not a counter") == true, "\(tab?.description ?? "")")
        #expect(tab.map { !$0.description.unicodeScalars.contains(where: TerminalText.needsEscape) } == true)
        #expect(Self.error("title = \"x\"\ngoal = \"y\"\n")?.description == "l.toml:1:1: steps are missing: a lesson needs [[steps]] (kind = \"narrate\", …)")
        #expect(Self.error("title = [")?.description.hasPrefix("l.toml:1:") == true)
    }

    /// Totals count from the step's start; levels are read as they stand; events are counted.
    @Test func predicatesCountFromTheStepsStart() throws {
        let modes: [Mode] = [.atLeastOnce]
        var settings = Settings()
        settings.modes = modes
        settings.lossPerMillion = 0
        var sim = Timeline(settings: settings, recording: .everything)
        sim.advance(to: 2_000_000)
        let delivered = try LessonPredicate.parse("at-least-once delivered >= 1", modes: modes).get()
        let unacked = try LessonPredicate.parse("at-least-once unacked >= 0 and at-least-once ready == 0", modes: modes).get()
        let events = try LessonPredicate.parse("at-least-once event:delivered >= 3", modes: modes).get()
        var watch = StepWatch(lanes: sim.lanes, predicates: [delivered, unacked, events])
        _ = sim.takeEvents()
        #expect(sim.lanes[0].counters.delivered > 50)
        #expect(!delivered.holds(watch, lanes: sim.lanes), "what was delivered before the step does not count")
        #expect(unacked.holds(watch, lanes: sim.lanes))
        sim.advance(to: 2_200_000)
        for e in sim.takeEvents() { watch.note(lane: e.lane, e.event) }
        #expect(delivered.holds(watch, lanes: sim.lanes))
        #expect(events.holds(watch, lanes: sim.lanes))
        let first = try #require(delivered.terms.first)
        #expect(watch.value(first, lanes: sim.lanes) == sim.lanes[0].counters.delivered - watch.baseline[0].delivered)
        #expect(LessonPredicate.parse("at-least-once lost >= 1 and", modes: modes).failure?.message == "nothing after the last 'and'")
        #expect(LessonPredicate.parse("at-least-once lost >= 1 or at-least-once lost == 0", modes: modes).failure?.message
                == "'or': terms are joined by 'and'")
        #expect(LessonPredicate.parse("exactly-once lost >= 1", modes: modes).failure?.message.hasPrefix("'exactly-once' is not a lane") == true)
        #expect(delivered.description == "at-least-once delivered >= 1")
        #expect(events.description == "at-least-once event:delivered >= 3")
    }

    /// Every lesson in Lessons/ parses and passes its check; the issue's seven are there.
    @Test func everyShippedLessonPassesItsCheck() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.lessonsFolder.path).filter { $0.hasSuffix(".toml") }.sorted()
        #expect(files.count >= 7, "\(files)")
        for file in files {
            let path = Self.lessonsFolder.appendingPathComponent(file).path
            let lesson = try Lesson.parse(text: String(contentsOfFile: path, encoding: .utf8), fileName: path)
            let report = LessonCheck.run(lesson)
            #expect(report.problems.isEmpty, "\(file): \(report.problems)")
            #expect(lesson.steps.contains { $0.kind == .predict } && lesson.steps.contains { $0.kind == .task }, "\(file) asks and tasks")
            #expect(lesson.steps.last?.kind == .recap, "\(file) ends with a recap")
            // Skipping the grid points before the world's next change stops every step
            // where checking each point does.
            #expect(LessonCheck.run(lesson, skipping: false).stepEnds == report.stepEnds, "\(file)")
            // Under ten minutes at the speed it opens with: the virtual time its steps run.
            #expect(Double(report.endedAtMicros) / 1e6 / (lesson.speed ?? 1) < 600, "\(file) runs \(report.endedAtMicros) µs")
        }
    }
}

extension Result {
    var failure: Failure? { if case .failure(let e) = self { e } else { nil } }
}
