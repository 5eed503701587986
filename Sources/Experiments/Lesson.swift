import DeliverySim
import TOMLLite

/// A guided lesson: a workload, then steps in order, each waiting for the learner, a
/// predicate on the world, or both.
///
/// ```toml
/// title = "At-least-once: send again after a timeout"
/// goal = "See a lost ack turn into a second effect."   # one line, shown in `ackscope lessons`
/// view = "flow"                  # optional: the dashboard's view at the start
/// speed = 0.5                    # optional: virtual seconds per wall second at the start
/// [workload]                     # the knobs of `ackscope run`, as in a scenario
/// seed = 3
/// modes = ["at-least-once", "effectively-once"]
/// [[steps]]
/// kind = "narrate"               # narrate, demo, predict, task or recap
/// title = "Send, then wait"      # the step list's name for it
/// text = "What the panel says."
/// [[steps]]
/// kind = "demo"                  # apply actions, run until a predicate holds
/// actions = [{ at = "0s", action = "partition-one-way", target = "consumer-1" }]
/// until = "at-least-once event:dropped/ack >= 1"
/// after = "What the screen now shows."
/// [[steps]]
/// kind = "predict"               # asked before the world runs on
/// choices = ["…", "…"]
/// outcomes = ["at-least-once duplicate_effects == 0", "at-least-once duplicate_effects >= 1"]
/// answer = 2                     # the choice whose outcome happens (checked)
/// run = "3s"                     # how long the world runs after the answer
/// [[steps]]
/// kind = "task"                  # the learner causes it with the fault keys
/// until = "at-least-once duplicate_effects >= 1 and effectively-once duplicate_effects == 0"
/// hint = "Select consumer-1 with Tab, then press a."
/// solution = [{ at = "0s", action = "partition-one-way", target = "consumer-1" }]
/// ```
/// Unknown keys, keys a step's kind does not take, lanes the workload lacks and nodes it
/// does not have are errors with the file, line and column.
public struct Lesson: Sendable {
    public var fileName: String
    public var title: String
    public var goal: String
    /// The workload: production runs until the lesson ends (its duration is ignored).
    public var settings: Settings
    public var view: DashboardView?
    public var speed: Double?
    public var steps: [LessonStep]

    public static let topKeys = ["title", "goal", "view", "speed", "workload", "steps"]
    public static let speedLimits = 0.001...1_000.0
}

public struct LessonStep: Equatable, Sendable {
    public enum Kind: String, CaseIterable, Sendable {
        case narrate, demo, predict, task, recap
    }

    public var kind: Kind
    public var title: String
    public var text: String
    /// Applied when the world starts running in this step (for a prediction: after the
    /// answer), at these offsets from that moment.
    public var actions: [TimedAction] = []
    /// Demo and task: the step is done once this holds.
    public var until: LessonPredicate?
    /// Demo and task: how long (virtual) `--check` waits for `until` before failing.
    public var withinMicros: Micros = LessonStep.defaultWithinMicros
    /// Demo without `until`: how long it runs. Predict: how long the world runs after the answer.
    public var runMicros: Micros?
    public var choices: [String] = []
    /// Per choice, what would have to happen for it to be right.
    public var outcomes: [LessonPredicate] = []
    /// 0-based: the choice the file says happens.
    public var answer = 0
    public var hint: String?
    /// Wall time in the task before its hint shows by itself.
    public var hintAfterMicros: Micros = 20_000_000
    /// Task: what "show me" plays, at offsets from the key press; `--check` plays it too.
    public var solution: [TimedAction] = []
    /// Shown under the text once the step's world part is over.
    public var after: String?
    public var view: DashboardView?
    /// Opens the message story on this message when the step's world part is over (or at
    /// its start, for narrate and recap).
    public var story: MessageID?
    public var speed: Double?
    /// Where the step starts in its file (1-based), for `--check`'s messages.
    public var line = 0

    public static let defaultWithinMicros: Micros = 60_000_000

    /// Whether the world runs in this step (narrate and recap hold it still).
    public var runs: Bool { kind != .narrate && kind != .recap }

    /// Every predicate the step reads.
    public var predicates: [LessonPredicate] { (until.map { [$0] } ?? []) + outcomes }

    public static let commonKeys = ["kind", "title", "text", "view", "story", "speed"]
    public static func keys(_ kind: Kind) -> [String] {
        switch kind {
        case .narrate, .recap: commonKeys
        case .demo: commonKeys + ["actions", "until", "within", "run", "after"]
        case .predict: commonKeys + ["actions", "choices", "outcomes", "answer", "run", "after"]
        case .task: commonKeys + ["until", "within", "hint", "hint_after", "solution", "after"]
        }
    }
    public static let allKeys = Array(Set(Kind.allCases.flatMap(keys))).sorted()
}

extension Lesson {
    /// Parses a lesson file's text; pure. The first problem in file order is thrown.
    public static func parse(text: String, fileName: String) throws(FileError) -> Lesson {
        let table: TOMLTable
        do {
            table = try TOML.parse(text)
        } catch {
            throw FileError(fileName: fileName, line: error.line, column: error.column, message: "not valid TOML: \(error.message)")
        }
        var reader = Reader(parser: ScenarioFile.Parser(fileName: fileName, positions: TOMLPositions(text: text)))
        let lesson = reader.lesson(table)
        if let first = reader.parser.errors.min(by: { ($0.line, $0.column) < ($1.line, $1.column) }) { throw first }
        return lesson!
    }

    private struct Reader {
        var parser: ScenarioFile.Parser
        var positions: TOMLPositions { parser.positions }

        mutating func fail(_ at: TOMLPositions.Position, _ message: String) { parser.fail(at, message) }

        mutating func lesson(_ table: TOMLTable) -> Lesson? {
            var title: String?, goal: String?, view: DashboardView?, speed: Double?
            var workload = Workload()
            func top(_ key: String, value: Bool = true) -> TOMLPositions.Position { positions.position(table: "", key: key, value: value) }
            for key in table.keys where !Lesson.topKeys.contains(key) {
                fail(top(key, value: false), parser.unknown(key, "at the top level", allowed: Lesson.topKeys))
            }
            if let v = table["title"] {
                if let s = v.string, !s.isEmpty, !s.contains("\n") { title = s } else { fail(top("title"), "title = \(show(v)): expected a one-line string") }
            } else {
                fail(TOMLPositions.Position(line: 1, column: 1), "title is missing: every lesson needs title = \"…\"")
            }
            if let v = table["goal"] {
                if let s = v.string, !s.isEmpty, !s.contains("\n") { goal = s } else { fail(top("goal"), "goal = \(show(v)): expected a one-line string") }
            } else {
                fail(TOMLPositions.Position(line: 1, column: 1), "goal is missing: every lesson needs goal = \"…\" (one line: what the learner will see)")
            }
            if let v = table["view"] {
                if let s = v.string, let d = DashboardView(rawValue: s) { view = d } else { fail(top("view"), "view = \(show(v)): expected \"topology\" or \"flow\"") }
            }
            if let v = table["speed"] { speed = self.speed(v, at: top("speed"), name: "speed") }
            if let v = table["workload"] {
                if let t = v.table { workload = parser.workload(t) } else { fail(top("workload"), "workload = \(show(v)): expected a table ([workload])") }
            }
            var settings = workload.settings
            settings.durationMicros = Settings.unlimitedMicros
            settings.drain = false
            var steps: [LessonStep] = []
            if let v = table["steps"] {
                if let array = v.array, !array.isEmpty {
                    for (i, element) in array.enumerated() {
                        guard let t = element.table else {
                            fail(top("steps"), "steps: expected each entry to be a table ([[steps]])")
                            continue
                        }
                        if let step = self.step(t, index: i, settings: settings) { steps.append(step) }
                    }
                } else {
                    fail(top("steps"), "steps = \(show(v)): expected one or more [[steps]] tables")
                }
            } else {
                fail(TOMLPositions.Position(line: 1, column: 1), "steps are missing: a lesson needs [[steps]] (kind = \"narrate\", …)")
            }
            guard parser.errors.isEmpty, let title, let goal else { return nil }
            return Lesson(fileName: parser.fileName, title: title, goal: goal, settings: settings, view: view, speed: speed, steps: steps)
        }

        mutating func speed(_ v: TOMLValue, at: TOMLPositions.Position, name: String) -> Double? {
            let n = v.double ?? v.int.map(Double.init)
            guard let n, Lesson.speedLimits.contains(n) else {
                fail(at, "\(name) = \(show(v)): expected a number from 0.001 to 1000 (virtual seconds per wall second)")
                return nil
            }
            return n
        }

        mutating func step(_ t: TOMLTable, index i: Int, settings: Settings) -> LessonStep? {
            let name = "steps[\(i + 1)]"
            func at(_ key: String, value: Bool = true) -> TOMLPositions.Position { positions.position(table: "steps", index: i, key: key, value: value) }
            let header = positions.header(table: "steps", index: i)
            let errorsBefore = parser.errors.count
            guard let kindValue = t["kind"] else {
                fail(header, "\(name): 'kind' is missing (one of \(LessonStep.Kind.allCases.map(\.rawValue).joined(separator: ", ")))")
                return nil
            }
            guard let kindText = kindValue.string, let kind = LessonStep.Kind(rawValue: kindText) else {
                fail(at("kind"), "\(name).kind = \(show(kindValue)): expected one of \(LessonStep.Kind.allCases.map(\.rawValue).joined(separator: ", "))")
                return nil
            }
            let allowed = LessonStep.keys(kind)
            for key in t.keys where !allowed.contains(key) {
                let message = LessonStep.allKeys.contains(key)
                    ? "\(name).\(key): a \(kind.rawValue) step takes no '\(key)' (it takes: \(allowed.joined(separator: ", ")))"
                    : parser.unknown(key, "in \(name)", allowed: allowed)
                fail(at(key, value: false), message)
            }
            var step = LessonStep(kind: kind, title: "", text: "", line: header.line)
            func string(_ key: String, oneLine: Bool) -> String? {
                guard let v = t[key] else { return nil }
                if let s = v.string, !s.isEmpty, !(oneLine && s.contains("\n")) { return oneLine ? s : ScenarioFile.Parser.oneParagraph(s) }
                fail(at(key), "\(name).\(key) = \(show(v)): expected \(oneLine ? "a one-line string" : "a string")")
                return nil
            }
            func duration(_ key: String) -> Micros? {
                guard let v = t[key] else { return nil }
                if let s = v.string, let d = UnitParse.duration(s), d > 0 { return d }
                fail(at(key), "\(name).\(key) = \(show(v)): expected a duration above zero with a unit, e.g. \"5s\"")
                return nil
            }
            func predicate(_ key: String, _ text: String) -> LessonPredicate? {
                switch LessonPredicate.parse(text, modes: settings.modes) {
                case .success(let p): return p
                case .failure(let e):
                    fail(at(key), "\(name).\(key) = \(TerminalText.quoted(text)): \(e.message)")
                    return nil
                }
            }
            if let s = string("title", oneLine: true) { step.title = s } else if t["title"] == nil { fail(header, "\(name): 'title' is missing (the step list's name for it)") }
            if let s = string("text", oneLine: false) { step.text = s } else if t["text"] == nil { fail(header, "\(name): 'text' is missing (what the panel says)") }
            step.after = string("after", oneLine: false)
            step.hint = string("hint", oneLine: false)
            if let v = t["view"] {
                if let s = v.string, let d = DashboardView(rawValue: s) { step.view = d } else { fail(at("view"), "\(name).view = \(show(v)): expected \"topology\" or \"flow\"") }
            }
            if let v = t["story"] {
                if let s = v.string, let id = MessageID.parse(s), id.producer < settings.producers { step.story = id } else {
                    fail(at("story"), "\(name).story = \(show(v)): expected a message id of this workload, p1-1 to p\(settings.producers)-N")
                }
            }
            if let v = t["speed"] { step.speed = speed(v, at: at("speed"), name: "\(name).speed") }
            if let v = t["until"] {
                if let s = v.string { step.until = predicate("until", s) } else { fail(at("until"), "\(name).until = \(show(v)): expected a string such as \"at-least-once lost >= 1\"") }
            }
            step.withinMicros = duration("within") ?? LessonStep.defaultWithinMicros
            step.runMicros = duration("run")
            step.hintAfterMicros = duration("hint_after") ?? step.hintAfterMicros
            step.actions = actions("actions", t, index: i, settings: settings)
            step.solution = actions("solution", t, index: i, settings: settings)
            if let v = t["choices"] {
                let list = v.array?.compactMap(\.string) ?? []
                if let a = v.array, a.count == list.count, (2...4).contains(list.count), list.allSatisfy({ !$0.isEmpty && !$0.contains("\n") }) {
                    step.choices = list
                } else {
                    fail(at("choices"), "\(name).choices = \(show(v)): expected 2 to 4 one-line strings")
                }
            }
            if let v = t["outcomes"] {
                let list = v.array?.compactMap(\.string) ?? []
                if let a = v.array, a.count == list.count, !list.isEmpty {
                    step.outcomes = list.compactMap { predicate("outcomes", $0) }
                } else {
                    fail(at("outcomes"), "\(name).outcomes = \(show(v)): expected one predicate string per choice")
                }
            }
            if let v = t["answer"] {
                if let n = v.int, n >= 1, n <= max(1, step.choices.count) { step.answer = n - 1 } else {
                    fail(at("answer"), "\(name).answer = \(show(v)): expected the number of a choice, 1 to \(max(1, step.choices.count))")
                }
            }
            guard parser.errors.count == errorsBefore else { return nil }
            // What each kind needs.
            func missing(_ key: String, _ why: String) { fail(header, "\(name): a \(kind.rawValue) step needs '\(key)' (\(why))") }
            switch kind {
            case .narrate, .recap:
                break
            case .demo:
                if step.until == nil && step.runMicros == nil { missing("until", "a predicate to run until, or run = \"5s\"") }
                if step.until != nil && step.runMicros != nil {
                    fail(at("run"), "\(name).run: a demo runs until its predicate or for a time, not both (within = \"…\" limits the wait)")
                }
            case .predict:
                if step.choices.isEmpty { missing("choices", "2 to 4 answers") }
                if step.runMicros == nil { missing("run", "how long the world runs after the answer, e.g. \"3s\"") }
                if t["answer"] == nil { missing("answer", "the number of the choice that happens") }
                if !step.choices.isEmpty && step.outcomes.count != step.choices.count {
                    fail(at("outcomes"), "\(name).outcomes: \(step.outcomes.count) predicates for \(step.choices.count) choices (one per choice)")
                }
            case .task:
                if step.until == nil { missing("until", "the predicate the learner must make hold") }
                if step.hint == nil { missing("hint", "what to try, shown after a while") }
                if step.solution.isEmpty { missing("solution", "the actions \"show me\" plays, which --check plays too") }
            }
            return parser.errors.count == errorsBefore ? step : nil
        }

        /// `actions = [{ at = "0s", action = "crash", target = "consumer-1" }, …]`.
        mutating func actions(_ key: String, _ t: TOMLTable, index i: Int, settings: Settings) -> [TimedAction] {
            guard let v = t[key] else { return [] }
            let name = "steps[\(i + 1)].\(key)"
            let place = positions.position(table: "steps", index: i, key: key)
            guard let array = v.array else {
                fail(place, "\(name) = \(show(v)): expected an array of inline tables, e.g. [{ at = \"0s\", action = \"crash\", target = \"consumer-1\" }]")
                return []
            }
            var out: [TimedAction] = []
            for (k, element) in array.enumerated() {
                guard let entry = element.table else {
                    fail(place, "\(name)[\(k + 1)]: expected an inline table { at = …, action = …, target = … }")
                    continue
                }
                guard let a = parser.action(entry, entry: k, name: "\(name)[\(k + 1)]", header: place, at: { _, _ in place }) else { continue }
                if let error = Timeline.validate(a.action, settings) {
                    fail(place, "\(name)[\(k + 1)].target = \(TerminalText.quoted(a.action.target?.description ?? "")): \(error.message)")
                    continue
                }
                out.append(a.timed)
            }
            return stableSortedByTime(out)
        }
    }
}
