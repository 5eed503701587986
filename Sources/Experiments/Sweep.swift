import DeliverySim
import TOMLLite

// MARK: - Axes

/// One knob a sweep varies, and the values it takes in order: `--vary loss=0%..10%:2%`.
public struct SweepAxis: Equatable, Sendable {
    /// The knob's key: `ack_timeout`.
    public var key: String
    /// What was given, as given: `ack-timeout=100ms,500ms,1s`.
    public var spec: String
    public var values: [KnobValue]

    public var knob: Knob { Knob.named(key) ?? .loss }

    /// Values one axis takes at most.
    public static let maxValues = 1_000

    /// `KNOB=VALUES`: a list (`100ms,500ms,1s`) or a range with a step (`0%..10%:1%`,
    /// `1..64:x2`); the knob by its flag (`ack-timeout`) or its key (`ack_timeout`).
    public static func parse(_ spec: String) -> Result<SweepAxis, KnobError> {
        // Messages quote what was given: made terminal-safe once, here, whatever the path.
        read(spec).mapError { KnobError(TerminalText.safe($0.message, limit: 1_000)) }
    }

    private static func read(_ spec: String) -> Result<SweepAxis, KnobError> {
        func fail(_ m: String) -> Result<SweepAxis, KnobError> { .failure(KnobError(m)) }
        guard let eq = spec.firstIndex(of: "=") else {
            return fail("expected KNOB=VALUES, e.g. loss=0%..10%:2% or ack-timeout=100ms,500ms,1s")
        }
        let name = String(spec[..<eq]).trimmingSpaces()
        let valuesText = String(spec[spec.index(after: eq)...]).trimmingSpaces()
        let key = String(name.map { $0 == "-" ? "_" : $0 })
        if key == Knob.seed.key { return fail("the seed is not a knob to vary: give the seeds with --seeds FIRST..LAST") }
        if key == Knob.modes.key { return fail("the modes are the lanes, not a knob to vary: give them with --modes") }
        guard let knob = Knob.named(key) else {
            let keys = Knob.all.map(\.key).filter { $0 != Knob.seed.key && $0 != Knob.modes.key }
            let guess = Suggest.closest(to: key, among: keys).map { "did you mean \($0)? " } ?? ""
            return fail("unknown knob '\(TerminalText.safe(name, limit: 60))'; \(guess)knobs: " + keys.joined(separator: ", "))
        }
        guard !valuesText.isEmpty else { return fail("\(knob.key): the list of values is empty") }
        let values: [KnobValue]
        if let colon = valuesText.lastIndex(of: ":") {
            switch range(knob, String(valuesText[..<colon]), step: String(valuesText[valuesText.index(after: colon)...])) {
            case .success(let v): values = v
            case .failure(let e): return .failure(e)
            }
        } else {
            switch list(knob, valuesText) {
            case .success(let v): values = v
            case .failure(let e): return .failure(e)
            }
            // `latency=1ms..10ms` is one value (a uniform range): a sweep of one point, most
            // likely a step forgotten.
            if values.count == 1, case .range(let lo, let hi) = values[0], lo != hi {
                return fail("\(knob.key): \(valuesText) is one value, a uniform range; to vary a fixed latency give a step (\(valuesText):1ms), or list several ranges")
            }
        }
        for v in values {
            if let problem = knob.commandLineProblem(v) {
                return fail("\(knob.key) \(text(v, knob: knob)): " + problem.replacingFlag("--" + knob.flag))
            }
        }
        return .success(SweepAxis(key: knob.key, spec: spec, values: values))
    }

    private static func list(_ knob: Knob, _ listText: String) -> Result<[KnobValue], KnobError> {
        var values: [KnobValue] = []
        for part in listText.split(separator: ",", omittingEmptySubsequences: false) {
            let item = String(part).trimmingSpaces()
            guard !item.isEmpty else { return .failure(KnobError("\(knob.key): an empty value in the list '\(TerminalText.safe(listText, limit: 80))'")) }
            if item.contains(".."), knob.kind != .range {
                return .failure(KnobError("\(knob.key): a range needs a step: FIRST..LAST:STEP (e.g. 0%..10%:2%) or FIRST..LAST:xFACTOR (e.g. 1..64:x2)"))
            }
            switch knob.parse(flagText: item) {
            case .success(let v):
                if values.contains(v) { return .failure(KnobError("\(knob.key): \(text(v, knob: knob)) is in the list twice")) }
                values.append(v)
            case .failure(let e):
                return .failure(KnobError("\(knob.key): '\(TerminalText.safe(item, limit: 60))': " + e.message))
            }
        }
        guard values.count <= maxValues else { return .failure(KnobError("\(knob.key): at most \(maxValues) values")) }
        return .success(values)
    }

    /// `FIRST..LAST:STEP` or `FIRST..LAST:xFACTOR`, which must land on LAST exactly.
    private static func range(_ knob: Knob, _ bounds: String, step stepText: String) -> Result<[KnobValue], KnobError> {
        func fail(_ m: String) -> Result<[KnobValue], KnobError> { .failure(KnobError("\(knob.key): " + m)) }
        let example = "FIRST..LAST:STEP (e.g. 0%..10%:2%) or FIRST..LAST:xFACTOR (e.g. 1..64:x2)"
        guard let dots = bounds.range(of: "..") else { return fail("a range is " + example) }
        let firstText = String(bounds[..<dots.lowerBound]).trimmingSpaces(), lastText = String(bounds[dots.upperBound...]).trimmingSpaces()
        let step = stepText.trimmingSpaces()
        guard !step.isEmpty else { return fail("the range has no step after ':'; a range is " + example) }
        let factor = step.hasPrefix("x") ? String(step.dropFirst()) : nil

        if case .rate = knob.kind {
            guard let lo = Double(firstText), let hi = Double(lastText) else { return fail("expected numbers in \(firstText)..\(lastText)") }
            guard lo <= hi else { return fail("\(firstText)..\(lastText) is empty: FIRST must not exceed LAST") }
            var out: [Double] = [lo]
            if let factor {
                guard let f = Double(factor), f > 1, lo > 0 else { return fail("x\(factor): a factor is a number above 1, from a FIRST above 0") }
                while out[out.count - 1] * f <= hi * (1 + 1e-9), out.count <= maxValues { out.append(round9(out[out.count - 1] * f)) }
            } else {
                guard let s = Double(step), s > 0 else { return fail("the step '\(TerminalText.safe(step, limit: 40))' is not a number above 0") }
                while out.count <= maxValues, round9(lo + Double(out.count) * s) <= hi * (1 + 1e-12) { out.append(round9(lo + Double(out.count) * s)) }
            }
            guard out.count <= maxValues else { return fail("at most \(maxValues) values") }
            guard abs(out[out.count - 1] - hi) <= 1e-9 * max(1, hi) else {
                let shown = (out.count > 3 ? "…, " : "") + out.suffix(3).map(JSON.exact).joined(separator: ", ")
                return fail("the step \(step) never reaches \(lastText): it goes \(shown), then past it; choose a step that lands on it")
            }
            out[out.count - 1] = hi
            // A step below the nine decimals kept would make equal values.
            guard zip(out, out.dropFirst()).allSatisfy({ $0 < $1 }) else { return fail("the step \(step) is too small to tell the values apart") }
            return .success(out.map(KnobValue.rate))
        }

        // Every other steppable kind is a whole number underneath: a count, microseconds, ppm.
        let whole: (String) -> Result<Int64, KnobError>
        let make: (Int64) -> KnobValue
        switch knob.kind {
        case .count:
            whole = { t in Int64(t).map { .success($0) } ?? .failure(KnobError("\(knob.key): '\(TerminalText.safe(t, limit: 40))' is not a whole number")) }
            make = { .count(Int($0)) }
        case .duration:
            whole = { t in Knob.parseDuration(t).mapError { KnobError("\(knob.key): '\(TerminalText.safe(t, limit: 40))': " + $0.message) } }
            make = { .duration($0) }
        case .range:
            whole = { t in Knob.parseDuration(t).mapError { KnobError("\(knob.key): '\(TerminalText.safe(t, limit: 40))': " + $0.message) } }
            make = { .range($0, $0) }
        case .percent:
            whole = { t in
                UnitParse.parsePercent(t).map(Int64.init).mapError { _ in
                    KnobError("\(knob.key): '\(TerminalText.safe(t, limit: 40))': expected a percentage from 0% to 100% (e.g. 1%, 0.5%)")
                }
            }
            make = { .percent(Int32($0)) }
        default:
            if case .bool = knob.kind { return fail("takes a list, not a range: true,false") }
            return fail("takes a list, not a range (values separated by commas)")
        }
        let lo: Int64, hi: Int64
        switch (whole(firstText), whole(lastText)) {
        case (.success(let a), .success(let b)): (lo, hi) = (a, b)
        case (.failure(let e), _), (_, .failure(let e)): return .failure(e)
        }
        guard lo <= hi else { return fail("\(firstText)..\(lastText) is empty: FIRST must not exceed LAST") }
        var out: [Int64] = [lo]
        if let factor {
            guard let f = Int64(factor), f >= 2 else { return fail("x\(TerminalText.safe(factor, limit: 20)): a factor is a whole number 2 or more") }
            guard lo > 0 else { return fail("a range by a factor starts above 0, not at \(firstText)") }
            while out[out.count - 1] < hi, out.count <= maxValues {
                let (next, overflow) = out[out.count - 1].multipliedReportingOverflow(by: f)
                if overflow { break }
                out.append(next)
            }
        } else {
            let s: Int64
            switch whole(step) {
            case .success(let v): s = v
            case .failure(let e): return .failure(e)
            }
            guard s > 0 else { return fail("the step must be above 0") }
            while out[out.count - 1] < hi, out.count <= maxValues {
                let (next, overflow) = out[out.count - 1].addingReportingOverflow(s)
                if overflow { break }
                out.append(next)
            }
        }
        guard out.count <= maxValues else { return fail("at most \(maxValues) values") }
        guard out[out.count - 1] == hi else {
            let below = out.filter { $0 <= hi }
            let shown = (below.count > 3 ? "…, " : "") + below.suffix(3).map { text(make($0), knob: knob) }.joined(separator: ", ")
            return fail("the step \(TerminalText.safe(step, limit: 40)) never reaches \(text(make(hi), knob: knob)): it goes \(shown), then past it; choose a step that lands on it")
        }
        return .success(out.map(make))
    }

    private static func round9(_ x: Double) -> Double { (x * 1e9).rounded() / 1e9 }

    // MARK: Reading values

    /// A value as the command line writes it: "2%", "100ms", "1ms" (a fixed latency).
    public static func text(_ v: KnobValue, knob: Knob) -> String {
        if case .range(let lo, let hi) = v, lo == hi { return Format.duration(lo) }
        return knob.commandText(v)
    }

    public func text(_ i: Int) -> String { Self.text(values[i], knob: knob) }

    /// The unit of the axis' numbers: "%", "ms", "messages/s", or "" (a count, or no number).
    public var unit: String {
        switch knob.kind {
        case .percent: "%"
        case .duration, .range: "ms"
        case .rate: "messages/s"
        default: ""
        }
    }

    /// Whether the values are numbers (a chart spaces them by value) or names (evenly).
    public var isNumeric: Bool {
        switch knob.kind {
        case .percent, .duration, .range, .rate, .count: true
        default: false
        }
    }

    /// Whether a value is a range MIN..MAX (its number is then the midpoint).
    var hasRanges: Bool { values.contains { if case .range(let lo, let hi) = $0 { lo != hi } else { false } } }

    /// The CSV column: the key with its unit, `loss_pct`, `ack_timeout_ms`.
    public var column: String {
        switch knob.kind {
        case .percent: key + "_pct"
        case .range where hasRanges: key + "_mid_ms"
        case .duration, .range: key + "_ms"
        case .rate: key + "_per_s"
        default: key
        }
    }

    /// The knob in words: "ack timeout".
    public var words: String { String(key.map { $0 == "_" ? " " : $0 }) }

    /// The axis label of a chart: "loss (%)", "ack timeout (ms)".
    public var label: String { unit.isEmpty ? words : hasRanges ? "\(words) (\(unit), midpoint)" : "\(words) (\(unit))" }

    /// The value's number in `unit` (its position in the list for names).
    public func number(_ i: Int) -> Double {
        switch values[i] {
        case .percent(let ppm): Double(ppm) / 10_000
        case .duration(let d): Double(d) / 1_000
        case .range(let lo, let hi): Double(lo + hi) / 2_000
        case .rate(let r): r
        case .count(let n): Double(n)
        default: Double(i)
        }
    }

    /// The value as a CSV cell: the number in `unit`, or its name.
    public func cell(_ i: Int) -> String {
        switch values[i] {
        case .percent(let ppm): Format.trimmed(Format.fixed(Int64(ppm), decimals: 4))
        case .duration(let d): Format.trimmed(Format.fixed(d, decimals: 3))
        case .range(let lo, let hi): Format.trimmed(Format.fixed((lo + hi) * 5, decimals: 4))
        case .rate(let r): JSON.exact(r)
        case .count(let n): String(n)
        default: text(i)
        }
    }
}

extension String {
    fileprivate func replacingFlag(_ flag: String) -> String {
        hasPrefix(flag + " ") ? String(dropFirst(flag.count + 1)) : self
    }
}

// MARK: - Metrics

/// A figure a sweep reports per lane and run, and across seeds its mean and interval.
public struct SweepMetric: Sendable {
    /// JSON and CSV name: `duplicate_effects`, `latency_p99_ms`.
    public let name: String
    /// For tables and charts: "duplicate effects".
    public let label: String
    /// "per run", "ms", "messages/s".
    public let unit: String
    /// Whether it is also reported per message produced (a count of messages).
    public let perMessage: Bool
    let value: @Sendable (Compare.LaneResult) -> Double

    public static let all: [SweepMetric] = [
        SweepMetric(name: "lost", label: "lost", unit: "per run", perMessage: true) { Double($0.lost) },
        SweepMetric(name: "duplicate_effects", label: "duplicate effects", unit: "per run", perMessage: true) { Double($0.duplicateEffects) },
        SweepMetric(name: "redelivered", label: "redelivered", unit: "per run", perMessage: true) { Double($0.redelivered) },
        SweepMetric(name: "dead_lettered", label: "dead-lettered", unit: "per run", perMessage: true) { Double($0.deadLettered) },
        SweepMetric(name: "stale_keys", label: "stale keys", unit: "per run", perMessage: false) { Double($0.staleKeys) },
        SweepMetric(name: "latency_p50_ms", label: "latency p50", unit: "ms", perMessage: false) { Double($0.latencyP50Micros) / 1_000 },
        SweepMetric(name: "latency_p99_ms", label: "latency p99", unit: "ms", perMessage: false) { Double($0.latencyP99Micros) / 1_000 },
        // Throughput: messages effected per virtual second from the start to the last first effect.
        SweepMetric(name: "effected_per_s", label: "messages effected", unit: "messages/s", perMessage: false) {
            $0.lastEffectMicros > 0 ? Double($0.effected) * 1_000_000 / Double($0.lastEffectMicros) : 0
        },
    ]

    /// The metric's value per message produced (0 when nothing was produced).
    func rate(_ r: Compare.LaneResult) -> Double { r.produced > 0 ? value(r) / Double(r.produced) : 0 }

    /// A metric as `--metric` names it: `duplicate_effects` or `duplicate_effects_per_message`.
    public struct Choice: Equatable, Sendable {
        public var index: Int
        public var perMessage: Bool

        public init(index: Int, perMessage: Bool) {
            self.index = index
            self.perMessage = perMessage
        }

        public var metric: SweepMetric { SweepMetric.all[index] }
        public var name: String { metric.name + (perMessage ? "_per_message" : "") }

        public static let names: [String] = SweepMetric.all.flatMap { m in m.perMessage ? [m.name, m.name + "_per_message"] : [m.name] }

        public static func parse(_ text: String) -> Result<Choice, KnobError> {
            let key = String(text.map { $0 == "-" ? "_" : $0 })
            for (i, m) in SweepMetric.all.enumerated() {
                if key == m.name { return .success(Choice(index: i, perMessage: false)) }
                if m.perMessage, key == m.name + "_per_message" { return .success(Choice(index: i, perMessage: true)) }
            }
            let guess = Suggest.closest(to: key, among: names).map { "did you mean \($0)? " } ?? ""
            return .failure(KnobError("unknown metric '\(TerminalText.safe(text, limit: 60))'; \(guess)metrics: " + names.joined(separator: ", ")))
        }
    }
}

// MARK: - The plan

/// What a sweep is, in the terms its outputs need: the axes, the seeds, the lanes, and the
/// base settings already written out.
///
/// Everything a table, CSV, JSON or chart shows comes from a header and the runs' results,
/// never from `Settings`: a shard writes its header into its part file, `merge` reads it
/// back, and so renders byte for byte what the whole sweep would have.
public struct SweepHeader: Equatable, Sendable {
    /// The `--vary` specs as given; `axes` are read from them.
    public private(set) var vary: [String]
    public private(set) var axes: [SweepAxis]
    public private(set) var seedsSpec: String
    public private(set) var seeds: [UInt64]
    public var modes: [Mode]
    /// The scenario's title, if a scenario was given.
    public var title: String?
    /// The base settings (before any knob varies) as the JSON settings object.
    public var settingsJSON: String
    /// "1 producer at 50/s for 20s + drain".
    public var production: String
    /// Per point, the command that reproduces one of its runs, with `{seed}` for the seed.
    public var reproduce: [String]
    /// What else makes two sweeps different (the scenario's timeline), hashed in.
    public var extra: String

    public init(vary: [String], seedsSpec: String, modes: [Mode], title: String?, settingsJSON: String, production: String,
                reproduce: [String], extra: String) throws(KnobError) {
        var axes: [SweepAxis] = []
        for spec in vary {
            switch SweepAxis.parse(spec) {
            case .success(let a): axes.append(a)
            case .failure(let e): throw KnobError("--vary \(TerminalText.safe(spec, limit: 80)): " + e.message)
            }
        }
        for (i, a) in axes.enumerated() where axes[..<i].contains(where: { $0.key == a.key }) {
            throw KnobError("--vary \(a.key) is given twice; give all its values in one --vary")
        }
        var count = 1
        for a in axes {
            let (product, overflow) = count.multipliedReportingOverflow(by: a.values.count)
            guard !overflow, product <= Self.maxPoints else {
                throw KnobError("more than \(Self.maxPoints) points (every combination of the --vary values): vary fewer values")
            }
            count = product
        }
        let seeds: [UInt64]
        switch Compare.parseSeeds(seedsSpec) {
        case .success(let s): seeds = s
        case .failure(let e): throw KnobError("--seeds: " + e.message)
        }
        var seen = Set<UInt64>()
        if let twice = seeds.first(where: { !seen.insert($0).inserted }) {
            throw KnobError("--seeds: seed \(twice) is given twice; each seed once (the interval counts seeds as independent)")
        }
        guard count * seeds.count <= Self.maxRuns else {
            throw KnobError("\(count) points × \(seeds.count) seeds is \(count * seeds.count) runs: at most \(Self.maxRuns) in one sweep; split it with --shard")
        }
        self.vary = vary
        self.axes = axes
        var points: [[Int]] = [[]]
        for axis in axes {
            points = points.flatMap { prefix in axis.values.indices.map { prefix + [$0] } }
        }
        self.points = points
        self.seedsSpec = seedsSpec
        self.seeds = seeds
        self.modes = modes
        self.title = title
        self.settingsJSON = settingsJSON
        self.production = production
        self.reproduce = reproduce
        self.extra = extra
    }

    public static let maxPoints = 10_000
    public static let maxRuns = 10_000_000

    /// Every point, first axis slowest: per axis, the index of its value.
    public private(set) var points: [[Int]]

    public var pointCount: Int { points.count }
    public var runCount: Int { pointCount * seeds.count }

    /// Run `r` is the seed `r % seeds` of the point `r / seeds`: points finish in order.
    public func point(ofRun r: Int) -> Int { r / seeds.count }
    public func seed(ofRun r: Int) -> UInt64 { seeds[r % seeds.count] }

    /// The point as words: "loss 2%, ack_timeout 1s".
    public func pointText(_ p: Int) -> String {
        let indices = points[p]
        return axes.indices.map { "\(axes[$0].key) \(axes[$0].text(indices[$0]))" }.joined(separator: ", ")
    }

    /// The workload of a point: each varied knob at its value there.
    public func overrides(_ p: Int) -> Workload {
        var w = Workload()
        let indices = points[p]
        for (a, axis) in axes.enumerated() { w[axis.knob] = axis.values[indices[a]] }
        return w
    }

    /// What differs between two sweeps, in words ("--seeds (1..7 vs 1..6)"), or nil for the
    /// same sweep. The reproduce lines do not count: they hold the scenario's path as typed.
    public func difference(from other: SweepHeader) -> String? {
        if vary != other.vary { return "--vary (\(vary.joined(separator: " ")) vs \(other.vary.joined(separator: " ")))" }
        if seedsSpec != other.seedsSpec { return "--seeds (\(seedsSpec) vs \(other.seedsSpec))" }
        if modes != other.modes { return "lanes" }
        if settingsJSON != other.settingsJSON || production != other.production { return "settings" }
        if title != other.title { return "scenario" }
        if extra != other.extra { return "scenario's workload or timeline" }
        return nil
    }

    /// FNV-1a over everything that defines the sweep: parts of different sweeps never merge.
    public var fingerprint: String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        let fields = vary + [seedsSpec, modes.map(\.rawValue).joined(separator: ","), title ?? "\u{0}", settingsJSON, production, extra]
        for field in fields {
            for b in field.utf8 {
                h ^= UInt64(b)
                h = h &* 0x100_0000_01b3
            }
            h ^= 0xff
            h = h &* 0x100_0000_01b3
        }
        let hex = String(h, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}

// MARK: - Aggregates

/// A sweep's figures: per point, per lane and metric the mean and 95% interval over the
/// seeds that finished, and per pair of lanes the paired difference.
public struct SweepReport: Sendable {
    public struct Lane: Sendable {
        public var mode: Mode
        /// In `SweepMetric.all` order.
        public var metrics: [SweepStats.Estimate]
        /// Per message produced; nil for metrics that are not counts of messages.
        public var perMessage: [SweepStats.Estimate?]
        /// Seeds whose run failed a check in this lane.
        public var failedSeeds: [UInt64]
    }

    /// Lane `a` minus lane `b`, seed by seed.
    public struct Pair: Sendable {
        public var a: Int
        public var b: Int
        /// The per-seed differences: their mean is the difference of the means.
        public var paired: [SweepStats.Estimate]
        /// The interval the same difference would get from the two means alone.
        public var unpairedHalf: [Double?]
    }

    public struct Point: Sendable {
        /// Runs finished (all seeds unless interrupted).
        public var runs: Int
        public var lanes: [Lane]
        public var pairs: [Pair]

        public init(runs: Int, lanes: [Lane], pairs: [Pair]) {
            self.runs = runs
            self.lanes = lanes
            self.pairs = pairs
        }
    }

    public var header: SweepHeader
    public var points: [Point]
    /// Runs finished in all; fewer than `header.runCount` when the sweep was stopped.
    public var runsFinished: Int

    public var incomplete: Bool { runsFinished < header.runCount }

    /// A report of points already aggregated (a live chart's).
    public init(header: SweepHeader, points: [Point], runsFinished: Int) {
        self.header = header
        self.points = points
        self.runsFinished = runsFinished
    }

    /// Aggregates `results` (indexed by run, nil for a run that did not finish), in seed order.
    public init(header: SweepHeader, results: [[Compare.LaneResult]?]) {
        self.header = header
        let s = header.seeds.count
        var points: [Point] = []
        var finished = 0
        for p in 0..<header.pointCount {
            let runs = (0..<s).compactMap { k -> (UInt64, [Compare.LaneResult])? in
                results[p * s + k].map { (header.seeds[k], $0) }
            }
            finished += runs.count
            points.append(Self.point(runs, modes: header.modes))
        }
        self.points = points
        runsFinished = finished
    }

    /// One point's figures from its runs, in seed order.
    public static func point(_ runs: [(seed: UInt64, lanes: [Compare.LaneResult])], modes: [Mode]) -> Point {
        let metrics = SweepMetric.all
        let lanes = modes.indices.map { l in
            Lane(mode: modes[l],
                 metrics: metrics.map { m in SweepStats.estimate(runs.map { m.value($0.lanes[l]) }) },
                 perMessage: metrics.map { m in m.perMessage ? SweepStats.estimate(runs.map { m.rate($0.lanes[l]) }) : nil },
                 failedSeeds: runs.filter { $0.lanes[l].failed }.map(\.seed))
        }
        var pairs: [Pair] = []
        for a in modes.indices {
            for b in modes.indices where b > a {
                pairs.append(Pair(a: a, b: b,
                                  paired: metrics.map { m in SweepStats.estimate(runs.map { m.value($0.lanes[a]) - m.value($0.lanes[b]) }) },
                                  unpairedHalf: metrics.indices.map { SweepStats.unpairedHalf(lanes[a].metrics[$0], lanes[b].metrics[$0]) }))
            }
        }
        return Point(runs: runs.count, lanes: lanes, pairs: pairs)
    }

    /// The estimate a choice of metric shows for a lane of a point.
    public func estimate(_ choice: SweepMetric.Choice, point: Int, lane: Int) -> SweepStats.Estimate? {
        let l = points[point].lanes[lane]
        return choice.perMessage ? l.perMessage[choice.index] : l.metrics[choice.index]
    }
}
