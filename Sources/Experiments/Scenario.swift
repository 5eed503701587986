import DeliverySim
import TOMLLite

/// A scenario file that cannot be used: where, and what is wrong (naming the key and the
/// value at fault: `workload.loss = "3x": expected …`), in one line.
public typealias ScenarioError = FileError

/// One `[[actions]]` entry: an action from the fault vocabulary at a virtual time.
public struct ScenarioAction: Equatable, Sendable {
    public var atMicros: Micros
    public var action: Action
    /// 0-based position among the file's `[[actions]]` (for error positions).
    public var entry: Int

    public var timed: TimedAction { TimedAction(at: atMicros, action) }
}

/// A scenario file as written, before the command line overrides any of it.
///
/// ```toml
/// title = "At-most-once loses what a crashed consumer held"
/// explanation = "One paragraph on what to watch and why."
/// [workload]                 # the knobs of `ackscope run`, same names, same units
/// seed = 7
/// duration = "30s"
/// loss = "0%"
/// [[actions]]
/// at = "10s"
/// action = "crash"           # one of Action.verbs
/// target = "consumer-2"      # broker, producer-N, consumer-N, or all
/// [[actions]]
/// at = "12s"
/// action = "loss"
/// value = "5%"               # for loss, duplication (percent) and latency (range)
/// ```
/// Unknown keys are errors (a mistyped knob would silently change the experiment).
public struct ScenarioFile: Sendable {
    public var fileName: String
    public var title: String
    public var explanation: String
    public var workload: Workload
    /// In file order.
    public var actions: [ScenarioAction]
    /// Only in recordings: when a session went on after production stopped, the virtual
    /// time it ended (the run observes until then; needs `drain = false`).
    public var stopAtMicros: Micros?
    /// The dashboard's view beside the lanes (`view = "flow"`); runs ignore it.
    public var view: DashboardView?
    let positions: TOMLPositions

    public static let topKeys = ["title", "explanation", "workload", "actions", "stop_at", "view"]
    public static let actionKeys = ["at", "action", "target", "value"]

    // MARK: - Parsing

    /// Parses a scenario file's text; pure. The first problem in file order is thrown.
    public static func parse(text: String, fileName: String) throws(ScenarioError) -> ScenarioFile {
        let table: TOMLTable
        do {
            table = try TOML.parse(text)
        } catch {
            throw ScenarioError(fileName: fileName, line: error.line, column: error.column, message: "not valid TOML: \(error.message)")
        }
        var parser = Parser(fileName: fileName, positions: TOMLPositions(text: text))
        let file = parser.file(table)
        if let first = parser.errors.min(by: { ($0.line, $0.column) < ($1.line, $1.column) }) { throw first }
        return file!
    }

    /// Collects every problem with its position; `parse` reports the first in the file.
    /// Lesson files use it too, for their `[workload]` and their steps' actions.
    struct Parser {
        let fileName: String
        let positions: TOMLPositions
        var errors: [ScenarioError] = []

        mutating func fail(_ at: TOMLPositions.Position, _ message: String) {
            errors.append(ScenarioError(fileName: fileName, line: at.line, column: at.column, message: message))
        }

        mutating func fail(table: String = "", index: Int? = nil, key: String, _ message: String) {
            fail(positions.position(table: table, index: index, key: key), message)
        }

        mutating func file(_ table: TOMLTable) -> ScenarioFile? {
            var title: String?
            var explanation: String?
            var workload = Workload()
            var actions: [ScenarioAction] = []
            var stopAt: Micros?
            var view: DashboardView?
            for key in table.keys {
                guard let value = table[key] else { continue }
                switch key {
                case "title":
                    if let s = value.string, !s.isEmpty, !s.contains("\n") { title = s } else {
                        fail(key: key, "title = \(show(value)): expected a one-line string")
                    }
                case "explanation":
                    if let s = value.string, !s.isEmpty { explanation = Self.oneParagraph(s) } else {
                        fail(key: key, "explanation = \(show(value)): expected a string (one paragraph)")
                    }
                case "workload":
                    guard let t = value.table else {
                        fail(key: key, "workload = \(show(value)): expected a table ([workload])")
                        continue
                    }
                    workload = self.workload(t)
                case "actions":
                    guard let array = value.array else {
                        fail(key: key, "actions = \(show(value)): expected an array of tables ([[actions]])")
                        continue
                    }
                    let positions = self.positions
                    for (i, element) in array.enumerated() {
                        guard let t = element.table else {
                            fail(key: key, "actions: expected each entry to be a table ([[actions]])")
                            continue
                        }
                        if let a = action(t, entry: i, name: "actions[\(i + 1)]", header: positions.header(table: "actions", index: i),
                                          at: { positions.position(table: "actions", index: i, key: $0, value: $1) }) {
                            actions.append(a)
                        }
                    }
                case "stop_at":
                    if let s = value.string, let d = UnitParse.duration(s) { stopAt = d } else {
                        fail(key: key, "stop_at = \(show(value)): expected a duration such as \"45.2s\"")
                    }
                case "view":
                    if let s = value.string, let v = DashboardView(rawValue: s) { view = v } else {
                        fail(key: key, "view = \(show(value)): expected \"topology\" or \"flow\"")
                    }
                default:
                    fail(key: key, value: false, unknown(key, "at the top level", allowed: ScenarioFile.topKeys))
                }
            }
            if title == nil && table["title"] == nil { fail(TOMLPositions.Position(line: 1, column: 1), "title is missing: every scenario needs title = \"…\"") }
            if explanation == nil && table["explanation"] == nil {
                fail(TOMLPositions.Position(line: 1, column: 1), "explanation is missing: every scenario needs explanation = \"…\" (one paragraph)")
            }
            guard errors.isEmpty, let title, let explanation else { return nil }
            return ScenarioFile(fileName: fileName, title: title, explanation: explanation, workload: workload,
                                actions: actions, stopAtMicros: stopAt, view: view, positions: positions)
        }

        mutating func fail(key: String, value: Bool, _ message: String) {
            fail(positions.position(table: "", key: key, value: value), message)
        }

        func unknown(_ key: String, _ place: String, allowed: [String]) -> String {
            let hint = Suggest.closest(to: key, among: allowed).map { "did you mean '\($0)'?" }
                ?? "allowed: " + allowed.joined(separator: ", ")
            return "unknown key '\(TerminalText.safe(key, limit: TerminalText.valueLimit))' \(place) (\(hint))"
        }

        // MARK: [workload]

        mutating func workload(_ t: TOMLTable) -> Workload {
            var w = Workload()
            for key in t.keys {
                guard let v = t[key] else { continue }
                guard let knob = Knob.named(key) else {
                    fail(positions.position(table: "workload", key: key, value: false), unknown(key, "in [workload]", allowed: Workload.keys))
                    continue
                }
                switch knob.read(toml: v) {
                case .success(let value): w[knob] = value
                case .failure(let e): fail(positions.position(table: "workload", key: key), "workload.\(key) = \(show(v))" + e.message)
                }
            }
            return w
        }

        // MARK: [[actions]]

        /// One action entry; `name` is how messages call it, `header` where it starts and
        /// `place` where its keys and values are (key, whether the value's position).
        mutating func action(_ t: TOMLTable, entry: Int, name: String, header: TOMLPositions.Position,
                             at place: (String, Bool) -> TOMLPositions.Position) -> ScenarioAction? {
            func at(_ key: String, value: Bool = true) -> TOMLPositions.Position { place(key, value) }
            var ok = true
            for key in t.keys where !ScenarioFile.actionKeys.contains(key) {
                fail(at(key, value: false), unknown(key, "in \(name)", allowed: ScenarioFile.actionKeys))
                ok = false
            }
            var strings: [String: String] = [:]
            for key in ScenarioFile.actionKeys {
                guard let v = t[key] else { continue }
                if let s = v.string { strings[key] = s } else {
                    fail(at(key), "\(name).\(key) = \(show(v)): expected a string" + (key == "at" ? " such as \"12.5s\"" : ""))
                    ok = false
                }
            }
            guard ok else { return nil }
            guard let atText = strings["at"] else {
                fail(header, "\(name): 'at' is missing (when it happens, e.g. at = \"12.5s\")")
                return nil
            }
            guard let atMicros = UnitParse.duration(atText) else {
                fail(at("at"), "\(name).at = \(TerminalText.quoted(atText)): expected a duration with a unit: us, ms, s, m or h (e.g. \"12.5s\")")
                return nil
            }
            guard let verb = strings["action"] else {
                fail(header, "\(name): 'action' is missing (one of \(Action.verbs.joined(separator: ", ")))")
                return nil
            }
            guard Action.verbs.contains(verb) else {
                let hint = Suggest.closest(to: verb, among: Action.verbs).map { "did you mean '\($0)'? " } ?? ""
                fail(at("action"), "\(name).action = \(TerminalText.quoted(verb)): unknown action (\(hint)allowed: \(Action.verbs.joined(separator: ", ")))")
                return nil
            }
            let target = strings["target"], value = strings["value"]
            if let target, target != "all", Node.parse(target) == nil {
                fail(at("target"), "\(name).target = \(TerminalText.quoted(target)): unknown target (allowed: broker, producer-N, consumer-N, all)")
                return nil
            }
            let takesValue = ["loss", "duplication", "latency"].contains(verb)
            if let value, !takesValue {
                fail(at("value"), "\(name).value = \(TerminalText.quoted(value)): '\(verb)' takes no value")
                return nil
            }
            if target != nil, verb == "heal-all" {
                fail(at("target"), "\(name).target: 'heal-all' takes no target (use action = \"heal\" with a target)")
                return nil
            }
            switch Action.parse(verb: verb, target: target, value: value) {
            case .success(let action):
                return ScenarioAction(atMicros: atMicros, action: action, entry: entry)
            case .failure(let error):
                // Which key is at fault: a bad value, else the target, else the action itself.
                if takesValue, let value { fail(at("value"), "\(name).value = \(TerminalText.quoted(value)): \(error.message)") }
                else if let target { fail(at("target"), "\(name).target = \(TerminalText.quoted(target)): \(error.message)") }
                else { fail(at("action"), "\(name).action = \(TerminalText.quoted(verb)): \(error.message)") }
                return nil
            }
        }

        /// Multi-line TOML strings become one paragraph: runs of white space are one space.
        static func oneParagraph(_ s: String) -> String {
            s.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" }).joined(separator: " ")
        }
    }

    // MARK: - Resolving

    /// The scenario with `overrides` (the command line) applied, every action checked
    /// against the run it will be part of: its targets exist and it happens before the end.
    public func resolved(overrides: Workload = Workload()) throws(ScenarioError) -> Scenario {
        let workload = self.workload.overridden(by: overrides)
        let settings = workload.settings
        func fail(_ at: TOMLPositions.Position, _ message: String) -> ScenarioError {
            ScenarioError(fileName: fileName, line: at.line, column: at.column, message: message)
        }
        if let stop = stopAtMicros {
            let at = positions.position(table: "", key: "stop_at")
            if settings.drain {
                throw fail(at, "stop_at = \(TerminalText.quoted(Format.duration(stop))): needs drain = false (a drain runs until nothing is pending)" + (overrides.drain == true ? "; --drain was given" : ""))
            }
            if stop < settings.durationMicros {
                throw fail(at, "stop_at = \(TerminalText.quoted(Format.duration(stop))): before the end of production (duration \(Format.duration(settings.durationMicros))\(overrides.durationMicros != nil ? ", from --duration" : ""))")
            }
        }
        let end = max(settings.durationMicros, stopAtMicros ?? 0)
        for a in actions {
            let name = "actions[\(a.entry + 1)]"
            if a.atMicros > end {
                let source = overrides.durationMicros != nil ? ", from --duration" : (workload.durationMicros == nil ? ", the default" : "")
                throw fail(positions.position(table: "actions", index: a.entry, key: "at"),
                           "\(name).at = \(TerminalText.quoted(Format.duration(a.atMicros))): after the end of the run (duration \(Format.duration(end))\(source))")
            }
            if let error = Timeline.validate(a.action, settings) {
                var message = error.message
                if case .producer = a.action.target, overrides.producers != nil { message += " (--producers)" }
                if case .consumer = a.action.target, overrides.consumers != nil { message += " (--consumers)" }
                throw fail(positions.position(table: "actions", index: a.entry, key: "target"),
                           "\(name).target = \(TerminalText.quoted(a.action.target?.description ?? "")): \(message)")
            }
        }
        return Scenario(title: title, explanation: explanation, settings: settings,
                        timeline: actions.map(\.timed), stopAtMicros: stopAtMicros, view: view)
    }
}

/// What the dashboard shows beside the lanes: each node's state and numbers, or the flow
/// view of packets on their wires.
public enum DashboardView: String, CaseIterable, Sendable, Equatable {
    case topology, flow
}

/// A scenario ready to run: settings (file, then command line, then defaults) and timeline.
public struct Scenario: Equatable, Sendable {
    public var title: String
    public var explanation: String
    public var settings: Settings
    /// In file order; runs sort it stably by time.
    public var timeline: [TimedAction]
    public var stopAtMicros: Micros?
    /// The dashboard's view beside the lanes, if the file names one.
    public var view: DashboardView?

    public init(title: String, explanation: String, settings: Settings, timeline: [TimedAction], stopAtMicros: Micros? = nil,
                view: DashboardView? = nil) {
        self.view = view
        self.title = title
        self.explanation = explanation
        self.settings = settings
        self.timeline = timeline
        self.stopAtMicros = stopAtMicros
    }

    public var experiment: Experiment { Experiment(settings: settings, timeline: timeline, stopAtMicros: stopAtMicros) }

    // MARK: - Writing

    /// The scenario as a file that parses back to the same settings and timeline.
    ///
    /// Every knob is written, defaults included, so a file means the same thing after the
    /// defaults change. `comments` (one per action, or empty) go after each entry's action;
    /// `preamble` lines go at the top as comments.
    public func tomlText(preamble: [String] = [], comments: [String?] = []) -> String {
        var out = ""
        for line in preamble { out += "# " + line + "\n" }
        if !preamble.isEmpty { out += "\n" }
        out += "title = " + JSON.string(title) + "\n"
        out += "explanation = " + JSON.string(explanation) + "\n"
        if let stop = stopAtMicros {
            out += "# Production stopped at `duration`; the session went on until stop_at.\n"
            out += "stop_at = \"\(Self.time(stop))\"\n"
        }
        if let view {
            out += "# The dashboard opens with this view beside the lanes (v switches).\n"
            out += "view = \"\(view.rawValue)\"\n"
        }
        out += "\n[workload]\n" + SettingsText.toml(settings)
        for (i, item) in timeline.enumerated() {
            out += "\n[[actions]]\n"
            out += "at = \"\(Self.time(item.atMicros))\"\n"
            out += "action = \"\(item.action.verb)\""
            if i < comments.count, let c = comments[i] { out += "  # " + c }
            out += "\n"
            if let t = item.action.target {
                out += "target = \"\(t)\"\n"
            } else if item.action.value != nil {
                out += "target = \"all\"\n"
            }
            if let v = item.action.value { out += "value = \"\(v)\"\n" }
        }
        return out
    }
}

extension Scenario {
    /// A virtual time as a file writes it: seconds when it is a second or more
    /// ("29.27072s", exact to the microsecond), else the shortest exact unit ("250ms").
    static func time(_ micros: Micros) -> String {
        guard micros >= 1_000_000 else { return Format.duration(micros) }
        var text = Format.fixed(micros, decimals: 6)
        while text.last == "0" { text.removeLast() }
        if text.last == "." { text.removeLast() }
        return text + "s"
    }
}

/// Shows a TOML value as it was written (near enough) for error messages.
func show(_ v: TOMLValue) -> String {
    if let s = v.string { return TerminalText.quoted(s) }
    if let n = v.int { return String(n) }
    if let d = v.double { return String(d) }
    if let b = v.bool { return String(b) }
    if v.array != nil { return "[…]" }
    if v.table != nil { return "{…}" }
    return v.typeName
}

/// The candidate within edit distance 2 of `word`, for "did you mean" hints.

