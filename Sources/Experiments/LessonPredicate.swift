import DeliverySim
import TOMLLite

/// A condition on what a lesson step has seen: counters and typed events, per lane.
///
/// Written as terms joined by `and`, each `LANE SUBJECT OP NUMBER`:
/// `at-least-once duplicate_effects >= 1 and effectively-once duplicate_effects == 0`.
/// A subject is a counter (the JSON names, plus `stale_keys`) or `event:KIND` /
/// `event:KIND/DETAIL` (a count of typed events; the detail is a hop such as `ack` or a
/// cause such as `dedup_window`).
///
/// Counts are of the step, not of the run: a counter that only grows (delivered,
/// duplicate_effects…) and an event count start at 0 when the step begins, so "make it
/// happen" means in this step. Levels (ready, in_flight, unacked, acks_pending,
/// stale_keys) are read as they stand.
public struct LessonPredicate: Equatable, Sendable, CustomStringConvertible {
    public var terms: [Term]

    public struct Term: Equatable, Sendable {
        /// Index into the lesson's lanes (its workload's modes).
        public var lane: Int
        public var mode: Mode
        public var subject: Subject
        public var op: Op
        public var value: Int
    }

    public enum Subject: Equatable, Sendable {
        /// A counter (index into `Counters.fields`): a level, or a total counted from the
        /// step's start.
        case counter(Int)
        case staleKeys
        /// Typed events of a kind, optionally only of one hop or one cause.
        case events(SimEvent.Kind, detail: Detail?)
    }

    public enum Detail: Equatable, Sendable {
        case hop(SimEvent.Hop)
        case cause(SimEvent.Cause)
    }

    public enum Op: String, CaseIterable, Sendable {
        case atLeast = ">=", atMost = "<=", equal = "==", notEqual = "!=", more = ">", less = "<"

        func holds(_ a: Int, _ b: Int) -> Bool {
            switch self {
            case .atLeast: a >= b
            case .atMost: a <= b
            case .equal: a == b
            case .notEqual: a != b
            case .more: a > b
            case .less: a < b
            }
        }
    }

    /// Counters read as they stand; every other counter only grows.
    public static let levels: Set<String> = ["ready", "in_flight", "unacked", "acks_pending"]
    /// Per entry of `Counters.fields`: whether it is a level.
    static let isLevel = Counters.fields.map { levels.contains($0.name) }

    public static let eventKindNames: [(String, SimEvent.Kind)] = [
        ("published", .published), ("confirmed", .confirmed), ("delivered", .delivered), ("redelivered", .redelivered),
        ("acked", .acked), ("credited", .credited), ("dropped", .dropped), ("arrived", .arrived), ("applied", .applied),
        ("suppressed", .suppressed), ("lost", .lost), ("dead_lettered", .deadLettered), ("discarded", .discarded),
        ("trap_fired", .trapFired), ("fault", .fault),
    ]
    static let hopNames = SimEvent.Hop.allCases.filter { $0 != .none }.map { ($0.name, $0) }
    static let causes = SimEvent.Cause.allCases.filter { $0 != .none }

    /// Parses `text` against the lesson's lanes; the error is one line naming what is allowed.
    public static func parse(_ text: String, modes: [Mode]) -> Result<LessonPredicate, KnobError> {
        let parts = text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }).map(String.init)
        guard !parts.isEmpty else { return .failure(KnobError("empty: expected e.g. \"at-least-once duplicate_effects >= 1\"")) }
        var terms: [Term] = []
        var i = 0
        while i < parts.count {
            guard i + 4 <= parts.count else {
                return .failure(KnobError("\(q(parts[i...].joined(separator: " "))): expected LANE SUBJECT OP NUMBER, e.g. \"at-least-once lost >= 1\""))
            }
            switch term(parts[i..<(i + 4)], modes: modes) {
            case .success(let t): terms.append(t)
            case .failure(let e): return .failure(e)
            }
            i += 4
            if i < parts.count {
                guard parts[i] == "and" else { return .failure(KnobError("\(q(parts[i])): terms are joined by 'and'")) }
                i += 1
                if i == parts.count { return .failure(KnobError("nothing after the last 'and'")) }
            }
        }
        return .success(LessonPredicate(terms: terms))
    }

    private static func term(_ p: ArraySlice<String>, modes: [Mode]) -> Result<Term, KnobError> {
        let w = Array(p)
        guard let mode = Mode(rawValue: w[0]) else {
            return .failure(KnobError("\(q(w[0])) is not a lane (the lesson's lanes: \(modes.map(\.rawValue).joined(separator: ", ")))"))
        }
        guard let lane = modes.firstIndex(of: mode) else {
            return .failure(KnobError("the \(w[0]) lane is not in this lesson (its lanes: \(modes.map(\.rawValue).joined(separator: ", ")); add it to workload.modes)"))
        }
        let subject: Subject
        switch Self.subject(w[1]) {
        case .success(let s): subject = s
        case .failure(let e): return .failure(e)
        }
        guard let op = Op(rawValue: w[2]) else {
            return .failure(KnobError("\(q(w[2])) is not a comparison (allowed: \(Op.allCases.map(\.rawValue).joined(separator: " ")))"))
        }
        guard let value = Int(w[3]), value >= 0 else { return .failure(KnobError("\(q(w[3])): expected a whole number, 0 or more")) }
        return .success(Term(lane: lane, mode: mode, subject: subject, op: op, value: value))
    }

    static func subject(_ word: String) -> Result<Subject, KnobError> {
        if word == "stale_keys" { return .success(.staleKeys) }
        if let i = Counters.names.firstIndex(of: word) { return .success(.counter(i)) }
        guard word.hasPrefix("event:") else {
            let hint = Suggest.closest(to: word, among: Counters.names + ["stale_keys"]).map { "did you mean '\($0)'? " } ?? ""
            return .failure(KnobError("\(q(word)) is not a counter (\(hint)allowed: \((Counters.names + ["stale_keys"]).joined(separator: ", ")), or event:KIND)"))
        }
        let rest = word.dropFirst("event:".count).split(separator: "/", maxSplits: 1).map(String.init)
        guard let kindName = rest.first, let kind = eventKindNames.first(where: { $0.0 == kindName })?.1 else {
            return .failure(KnobError("\(q(word)): unknown event kind (allowed: \(eventKindNames.map(\.0).joined(separator: ", ")))"))
        }
        guard rest.count == 2 else { return .success(.events(kind, detail: nil)) }
        if let hop = hopNames.first(where: { $0.0 == rest[1] })?.1 { return .success(.events(kind, detail: .hop(hop))) }
        if let cause = causes.first(where: { $0.name == rest[1] }) { return .success(.events(kind, detail: .cause(cause))) }
        return .failure(KnobError("\(q(word)): unknown detail \(q(rest[1])) (a hop: \(hopNames.map(\.0).joined(separator: ", ")); or a cause: \(causes.map(\.name).joined(separator: ", ")))"))
    }

    /// A word from the file, quoted and escaped for an error line.
    static func q(_ word: String) -> String { "'" + TerminalText.safe(word, limit: TerminalText.valueLimit) + "'" }

    public var description: String {
        terms.map { t in "\(t.mode.rawValue) \(t.subjectName) \(t.op.rawValue) \(t.value)" }.joined(separator: " and ")
    }

    /// Whether the predicate holds for what `watch` has seen in these lanes.
    public func holds(_ watch: StepWatch, lanes: [Lane]) -> Bool {
        terms.allSatisfy { $0.op.holds(watch.value($0, lanes: lanes), $0.value) }
    }
}

extension LessonPredicate.Term {
    /// As written in the file.
    public var subjectName: String {
        switch subject {
        case .counter(let i): return Counters.fields[i].name
        case .staleKeys: return "stale_keys"
        case .events(let kind, let detail):
            let k = LessonPredicate.eventKindNames.first { $0.1 == kind }?.0 ?? "?"
            switch detail {
            case nil: return "event:" + k
            case .hop(let h)?: return "event:\(k)/\(h.name)"
            case .cause(let c)?: return "event:\(k)/\(c.name)"
            }
        }
    }

    /// Read as it stands (a level), not counted from the step's start.
    public var isLevel: Bool {
        switch subject {
        case .counter(let i): LessonPredicate.isLevel[i]
        case .staleKeys: true
        case .events: false
        }
    }

    /// Whether this term reads the event stream (and which kind).
    var eventKind: SimEvent.Kind? {
        if case .events(let kind, _) = subject { kind } else { nil }
    }

    func matches(_ e: SimEvent) -> Bool {
        guard case .events(let kind, let detail) = subject, e.kind == kind else { return false }
        switch detail {
        case nil: return true
        case .hop(let h)?: return e.hop == h
        case .cause(let c)?: return e.cause == c
        }
    }
}

/// What a step has seen since it began: the counters at its start, and counts of the
/// events its predicates name. The lesson's one measure of "in this step".
public struct StepWatch: Equatable, Sendable {
    /// Per lane, the counters when the step began.
    var baseline: [Counters]
    /// The event terms watched, and how many matching events each has seen.
    var watched: [LessonPredicate.Term]
    var counts: [Int]

    public init(lanes: [Lane], predicates: [LessonPredicate]) {
        baseline = lanes.map(\.counters)
        watched = predicates.flatMap(\.terms).filter { $0.eventKind != nil }
        counts = Array(repeating: 0, count: watched.count)
    }

    /// The event kinds a lane must record for these predicates.
    public static func filter(_ predicates: [LessonPredicate]) -> EventFilter {
        EventFilter(predicates.flatMap(\.terms).compactMap(\.eventKind))
    }

    /// Totals count from here on (event counts are kept: `zeroCounts` clears them).
    public mutating func rebase(lanes: [Lane]) { baseline = lanes.map(\.counters) }

    public mutating func zeroCounts() { counts = Array(repeating: 0, count: counts.count) }

    public mutating func note(lane: Int, _ e: SimEvent) {
        for k in watched.indices where watched[k].lane == lane && watched[k].matches(e) { counts[k] += 1 }
    }

    /// The term's subject in its lane, as the step counts it.
    public func value(_ term: LessonPredicate.Term, lanes: [Lane]) -> Int {
        let lane = lanes[term.lane]
        switch term.subject {
        case .staleKeys:
            return lane.staleKeys
        case .counter(let i):
            let path = Counters.fields[i].path
            let now = lane.counters[keyPath: path]
            return LessonPredicate.isLevel[i] ? now : now - baseline[term.lane][keyPath: path]
        case .events:
            return watched.firstIndex(of: term).map { counts[$0] } ?? 0
        }
    }
}
