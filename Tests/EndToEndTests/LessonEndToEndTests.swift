import DeliverySim
import Experiments
import Foundation
import Testing

/// Lessons on the release binary: `lesson 3` in a real terminal played as a learner would,
/// `lessons` showing the progress it saved, and `lessons --check` as CI runs it.
@Suite(.serialized) struct LessonEndToEndTests {
    static func lessonFile(_ name: String) throws -> Lesson {
        let path = packageRoot() + "/Lessons/" + name
        return try Lesson.parse(text: String(contentsOfFile: path, encoding: .utf8), fileName: path)
    }

    /// The keys a person presses for an action: Tab to its node, then the fault key.
    static func keys(for action: Action, producers: Int, selected: inout Int) -> [String] {
        var out: [String] = []
        func select(_ node: Node) {
            let index: Int
            switch node {
            case .producer(let p): index = p
            case .broker: index = producers
            case .consumer(let c): index = producers + 1 + c
            }
            while selected != index {
                out.append("Tab")
                selected += 1
                if selected > producers + 8 { selected = 0 }
            }
        }
        switch action {
        case .crash(let n), .restart(let n):
            if n == .broker { return ["b"] }
            select(n)
            out.append(n == .broker ? "b" : (n.isProducer ? "p" : "c"))
        case .partition(let n), .heal(let n):
            select(n)
            out.append("x")
        case .partitionOneWay(let n):
            select(n)
            out.append("a")
        case .slow(let n), .unslow(let n):
            select(n)
            out.append("s")
        case .crashAfterEffect(let n):
            select(n)
            out.append("d")
        case .crashAfterAck(let n):
            select(n)
            out.append("D")
        case .healAll:
            out.append("h")
        default:
            Issue.record("no key for \(action)")
        }
        return out
    }

    /// Space advances the narration, a prediction takes its answer key and says whether it
    /// held, the task is marked done when caused with the fault keys, q exits 0 with the
    /// terminal restored, and `ackscope lessons` then shows the progress.
    @Test func lessonThreePlayedWithTheKeys() throws {
        guard requireTmux() else { return }
        let bin = try releaseBinary()
        let lesson = try Self.lessonFile("03-at-least-once.toml")
        let state = FileManager.default.temporaryDirectory.appendingPathComponent("ackscope-lessons-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: state) }
        guard let tmux = Tmux(width: 120, height: 40, command: "\(bin) lesson 3", env: ["XDG_STATE_HOME": state]) else { return }
        defer { tmux.kill() }
        let n = lesson.steps.count
        let speed = lesson.speed ?? 1
        var selected = 0
        var predicted = false, tasked = false
        for (i, step) in lesson.steps.enumerated() {
            let screen = tmux.waitFor("step \(i + 1)") { $0.contains("lesson: \(lesson.title) · step \(i + 1) of \(n)") }
            let opening = String(step.text.prefix(while: { $0 != "." && $0 != "," }).prefix(40))
            #expect(screen.contains(opening), "step \(i + 1)'s words on screen: \(opening)\n\(screen)")
            switch step.kind {
            case .narrate, .recap:
                #expect(screen.contains("Enter: continue"))
                tmux.keys("Space")
            case .demo:
                let seconds = Double(step.runMicros ?? step.withinMicros) / 1e6 / speed + 10
                tmux.waitFor("demo \(i + 1) done", seconds: seconds) { $0.contains("Enter: continue") }
                tmux.keys("Enter")
            case .predict:
                #expect(screen.contains("Press 1 to \(step.choices.count) to answer"))
                tmux.keys(String(step.answer + 1))
                let seconds = Double(step.runMicros ?? 0) / 1e6 / speed + 10
                let done = tmux.waitFor("the prediction judged", seconds: seconds) { $0.contains("Your prediction held.") || $0.contains("It did not hold") }
                #expect(done.contains("✓ You chose \(step.answer + 1). Your prediction held."))
                predicted = true
                tmux.keys("Enter")
            case .task:
                #expect(screen.contains("H: hint · S: show me"))
                var last: Micros = 0
                for item in step.solution {
                    usleep(UInt32(Double(item.atMicros - last) / speed))
                    last = item.atMicros
                    for key in Self.keys(for: item.action, producers: lesson.settings.producers, selected: &selected) { tmux.keys(key) }
                }
                let done = tmux.waitFor("the task done", seconds: Double(step.withinMicros) / 1e6 / speed) { $0.contains("Enter: continue") }
                #expect(done.contains("✓ You did it."), "the task counts as solved:\n\(done)")
                tasked = true
                tmux.keys("Enter")
            }
        }
        #expect(predicted && tasked, "lesson 3 asks a prediction and sets a task")
        tmux.waitFor("the lesson complete") { $0.contains("lesson: \(lesson.title) · complete") }
        tmux.keys("q")
        let end = tmux.waitFor("exit status 0") { $0.contains("EXIT=0") }
        #expect(!end.contains("lesson: "), "the terminal was restored:\n\(end)")
        #expect(end.contains("Lesson 3 (at-least-once): done"))
        let (status, out, err) = sh([bin, "lessons"], env: ["XDG_STATE_HOME": state, "PATH": "/usr/bin:/bin"])
        #expect(status == 0, "\(err)")
        let line = out.split(separator: "\n").first { $0.contains("at-least-once") && $0.hasPrefix("  3") }
        let p = lesson.steps.count { $0.kind == .predict }, t = lesson.steps.count { $0.kind == .task }
        #expect(line?.contains("done · predictions \(p)/\(p) held · tasks \(t)/\(t) solved") == true, "\(out)")
        #expect(out.split(separator: "\n").filter { $0.contains("not started") }.count >= 6, "\(out)")
    }

    /// `lessons --check` passes on the shipped lessons; a malformed lesson is one line with
    /// its position and exit 2; a lesson that does not do what it says is exit 1.
    @Test func checkPassesAndBadLessonsAreOneLine() throws {
        let bin = try releaseBinary()
        let (status, out, err) = sh([bin, "lessons", "--check"])
        #expect(status == 0, "\(out)\(err)")
        #expect(out.split(separator: "\n").filter { $0.hasPrefix("ok ") }.count >= 7, "\(out)")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ackscope-badlesson-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let bad = dir.appendingPathComponent("bad.toml").path
        try "title = \"t\"\ngoal = \"g\"\n[[steps]]\nkind = \"narate\"\n".write(toFile: bad, atomically: true, encoding: .utf8)
        for argv in [[bin, "lessons", "--check", bad], [bin, "lesson", bad]] {
            let (s, o, e) = sh(argv)
            #expect(s == 2 && o.isEmpty == (argv[1] == "lesson"), "\(argv): \(s) \(o) \(e)")
            #expect(e == "ackscope: \(bad):4:8: steps[1].kind = \"narate\": expected one of narrate, demo, predict, task, recap\n", "\(e)")
        }
        let wrong = dir.appendingPathComponent("wrong.toml").path
        try """
            title = "t"
            goal = "g"
            [workload]
            loss = "0%"
            [[steps]]
            kind = "demo"
            title = "never"
            text = "Nothing is lost."
            until = "at-least-once lost >= 1"
            within = "2s"
            """.write(toFile: wrong, atomically: true, encoding: .utf8)
        let (s, o, _) = sh([bin, "lessons", "--check", wrong])
        #expect(s == 1 && o.contains("step 1 (demo, line 5): 'at-least-once lost >= 1' never held within 2s"), "\(o)")
        let (s2, _, e2) = sh([bin, "lesson", "99"])
        #expect(s2 == 2 && e2.hasPrefix("ackscope: no lesson 99 (the lessons: 1 window-of-doubt, ") && e2.split(separator: "\n").count == 1, "\(e2)")
    }
}

extension Node {
    var isProducer: Bool { if case .producer = self { true } else { false } }
}
