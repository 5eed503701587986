import Dispatch
import DeliverySim
import TOMLLite
import Synchronization

/// `ackscope compare`: one experiment over many seeds, per lane the spread of the damage.
///
/// Each seed is a whole run (drain included if set). Per seed and lane it keeps lost,
/// duplicate_effects, redelivered and that run's p99 latency; across seeds it reports the
/// mean, p50 and p99 (nearest rank) of each. Seeds run on `jobs` threads; results are
/// collected per seed and aggregated in seed order, so the output is identical whatever
/// the scheduling or the number of threads.
public enum Compare {
    /// One lane of one seed's run.
    public struct LaneResult: Equatable, Sendable {
        public var mode: Mode
        public var lost: Int
        public var duplicateEffects: Int
        public var redelivered: Int
        public var latencyP99Micros: Micros
        /// A check failed (not counting promises that were not in force).
        public var failed: Bool
        public var deadLettered = 0
        public var staleKeys = 0
        public var latencyP50Micros: Micros = 0
        /// Messages whose effect reached the sink, and messages the producers made.
        public var effected = 0
        public var produced = 0
        /// When a message last had its first effect: `effected` over it is the lane's throughput.
        public var lastEffectMicros: Micros = 0
    }

    /// The metrics, in the order they are printed: JSON name, label, whether in micros.
    public static let metrics: [(name: String, label: String, micros: Bool, value: @Sendable (LaneResult) -> Int64)] = [
        ("lost", "lost", false, { Int64($0.lost) }),
        ("duplicate_effects", "duplicate effects", false, { Int64($0.duplicateEffects) }),
        ("redelivered", "redelivered", false, { Int64($0.redelivered) }),
        ("latency_p99_ms", "latency p99 (ms)", true, { $0.latencyP99Micros }),
    ]

    /// Runs `experiment` once per seed; `results[k]` belongs to `seeds[k]`.
    public static func run(_ experiment: Experiment, seeds: [UInt64], jobs: Int) -> [[LaneResult]] {
        run(experiment, seeds: seeds, jobs: jobs, shouldStop: { _ in false }).map { $0! }
    }

    /// As `run`, asking `shouldStop` (with the number of runs finished so far; from any
    /// worker thread) before each seed and between slices of each run. Once it says stop,
    /// no seed starts and the runs under way end early; `results[k]` is nil for a seed
    /// whose run did not finish.
    public static func run(_ experiment: Experiment, seeds: [UInt64], jobs: Int,
                           shouldStop: @escaping @Sendable (_ finishedRuns: Int) -> Bool) -> [[LaneResult]?] {
        ParallelRuns.run(count: seeds.count, jobs: jobs, shouldStop: shouldStop) { k, stop in
            var e = experiment
            e.settings.seed = seeds[k]
            return laneResults(e, stop: stop)
        }
    }

    /// One whole run's lanes, or nil when `stop` ended it early.
    public static func laneResults(_ e: Experiment, stop: () -> Bool) -> [LaneResult]? {
        let summary = e.run { _ in stop() }
        guard summary.interruption == nil else { return nil }
        return summary.lanes.map(LaneResult.init)
    }

    /// Mean, p50 and p99 across seeds of one metric of one lane.
    public struct Stat: Equatable, Sendable {
        /// Thousandths (of a count, or of a millisecond for latency): exact integer arithmetic.
        public var meanMilli: Int64
        public var p50: Int64
        public var p99: Int64
    }

    public struct LaneReport: Equatable, Sendable {
        public var mode: Mode
        /// In `metrics` order.
        public var stats: [Stat]
        /// Seeds whose run failed a check in this lane.
        public var failedSeeds: [UInt64]
    }

    /// Aggregates per lane, in seed order.
    public static func aggregate(_ results: [[LaneResult]], seeds: [UInt64]) -> [LaneReport] {
        guard let first = results.first else { return [] }
        return first.indices.map { l in
            let stats = metrics.map { metric -> Stat in
                let values = results.map { metric.value($0[l]) }
                let sorted = values.sorted()
                let n = Int64(values.count)
                let sum = values.reduce(0, +)
                // Latency is in micros: its mean in thousandths of a ms is the mean in micros.
                let meanMilli = metric.micros ? (sum + n / 2) / n : (sum * 1_000 + n / 2) / n
                return Stat(meanMilli: meanMilli, p50: rank(sorted, 0.50), p99: rank(sorted, 0.99))
            }
            let failed = results.indices.filter { results[$0][l].failed }.map { seeds[$0] }
            return LaneReport(mode: first[l].mode, stats: stats, failedSeeds: failed)
        }
    }

    /// Nearest-rank percentile of sorted values.
    static func rank(_ sorted: [Int64], _ p: Double) -> Int64 {
        guard !sorted.isEmpty else { return 0 }
        let k = Int((p * Double(sorted.count)).rounded(.up)) - 1
        return sorted[max(0, min(sorted.count - 1, k))]
    }

    /// A metric's value as printed: counts as integers, latency in ms with three decimals.
    static func text(_ v: Int64, micros: Bool) -> String { micros ? Format.millis(v) : String(v) }
    static func meanText(_ milli: Int64) -> String { Format.fixed(milli, decimals: 3) }

    /// The comparison as a table (lanes as row groups).
    public static func table(_ reports: [LaneReport], seedsText: String, seedCount: Int, settings: Settings, title: String?) -> String {
        var out = "compare: \(seedCount) seeds (\(seedsText))"
        if let title { out += " · \(TerminalText.safe(title))" }
        out += "\n\(settings.productionText)" + (settings.drain ? " + drain" : "") + " per run; "
        out += "per run: lost, duplicate effects, redelivered, and its p99 latency; across runs: mean, p50, p99\n\n"
        out += Format.rightPad("lane", 18) + Format.rightPad("metric", 20)
            + ["mean", "p50", "p99"].map { Format.leftPad($0, 12) }.joined() + "\n"
        for r in reports {
            for (i, metric) in metrics.enumerated() {
                let s = r.stats[i]
                out += Format.rightPad(i == 0 ? r.mode.rawValue : "", 18) + Format.rightPad(metric.label, 20)
                out += Format.leftPad(meanText(s.meanMilli), 12) + Format.leftPad(text(s.p50, micros: metric.micros), 12)
                out += Format.leftPad(text(s.p99, micros: metric.micros), 12) + "\n"
            }
        }
        let failures = reports.filter { !$0.failedSeeds.isEmpty }
        out += "\n"
        if failures.isEmpty {
            out += "checks: passed in every run\n"
        } else {
            for r in failures {
                out += "checks: \(r.mode.rawValue) failed in \(r.failedSeeds.count) run(s), seeds "
                out += r.failedSeeds.prefix(10).map(String.init).joined(separator: ", ") + (r.failedSeeds.count > 10 ? ", …" : "") + "\n"
            }
        }
        return out
    }

    /// The comparison as JSON: fixed key order, integers and fixed-point decimals only.
    ///
    /// `runsRequested`, when more than `seedCount`: the comparison was stopped early and
    /// covers the `seedCount` runs that finished; it says so (`"incomplete":true`).
    public static func json(_ reports: [LaneReport], seedsText: String, seedCount: Int, settings: Settings, title: String?,
                            runsRequested: Int? = nil) -> String {
        var out = "{\"seeds\":{\"spec\":" + JSON.string(seedsText) + ",\"count\":\(seedCount)}"
        if let runsRequested, runsRequested > seedCount {
            out += ",\"incomplete\":true,\"runs_requested\":\(runsRequested)"
        }
        out += ",\"scenario\":" + (title.map(JSON.string) ?? "null")
        out += ",\"settings\":" + SettingsText.json(settings)
        out += ",\"aggregate\":\"per run value; mean, p50 and p99 (nearest rank) across runs\""
        out += ",\"lanes\":["
        for (k, r) in reports.enumerated() {
            if k > 0 { out += "," }
            out += "{\"mode\":\"\(r.mode.rawValue)\""
            for (i, metric) in metrics.enumerated() {
                let s = r.stats[i]
                out += ",\"\(metric.name)\":{\"mean\":\(meanText(s.meanMilli)),\"p50\":\(text(s.p50, micros: metric.micros)),\"p99\":\(text(s.p99, micros: metric.micros))}"
            }
            out += ",\"failed_seeds\":[" + r.failedSeeds.map(String.init).joined(separator: ",") + "]}"
        }
        return out + "]}\n"
    }

    /// Parses `1..100` (inclusive), `7`, or `1,5,9`; nil with a reason when it cannot.
    public static func parseSeeds(_ text: String) -> Result<[UInt64], ActionError> {
        let t = text.filter { $0 != " " }
        let maxCount = 1_000_000
        // A whole number that is not a seed: negative, or beyond 64 bits.
        func outOfRange(_ part: Substring) -> Bool {
            let digits = part.hasPrefix("-") ? part.dropFirst() : part
            return !digits.isEmpty && digits.allSatisfy { $0.isASCII && $0.isNumber }
        }
        let rangeText = "out of range: a seed is from 0 to \(UInt64.max)"
        if let dots = t.firstRange(of: "..") {
            guard let lo = UInt64(t[..<dots.lowerBound]), let hi = UInt64(t[dots.upperBound...]) else {
                if outOfRange(t[..<dots.lowerBound]) || outOfRange(t[dots.upperBound...]) { return .failure(ActionError(rangeText)) }
                return .failure(ActionError("expected seeds as FIRST..LAST (e.g. 1..100), a seed, or a list 1,5,9"))
            }
            guard lo <= hi else { return .failure(ActionError("\(lo)..\(hi) is empty: the first seed must not exceed the last")) }
            guard hi - lo < UInt64(maxCount) else { return .failure(ActionError("at most \(maxCount) seeds at once")) }
            return .success(Array(lo...hi))
        }
        var seeds: [UInt64] = []
        for part in t.split(separator: ",", omittingEmptySubsequences: false) {
            guard let n = UInt64(part) else {
                if outOfRange(part) { return .failure(ActionError(rangeText)) }
                return .failure(ActionError("'\(TerminalText.safe(String(part), limit: 40))' is not a seed; expected FIRST..LAST (e.g. 1..100), a seed, or a list 1,5,9"))
            }
            seeds.append(n)
        }
        guard seeds.count <= maxCount else { return .failure(ActionError("at most \(maxCount) seeds at once")) }
        return .success(seeds)
    }
}

/// Independent runs on several threads, each result kept at its index.
///
/// Each worker takes the next index not yet taken, so the work balances whatever each run
/// costs; results are read by index, so what follows from them does not depend on the
/// number of threads or their timing.
public enum ParallelRuns {
    /// Runs `work(k, stop)` for every k in `0..<count` on `jobs` threads; `results[k]` is its
    /// result, nil when it did not run or returned nil. `shouldStop` (given the number of
    /// runs finished so far, from any worker thread) is asked before each run and, through
    /// `stop`, between slices of each; once it says stop, no run starts. `finished` is called
    /// on the worker's thread as each run ends with a result.
    public static func run<R: Sendable>(count: Int, jobs: Int,
                                        shouldStop: @escaping @Sendable (_ finishedRuns: Int) -> Bool,
                                        finished: @escaping @Sendable (_ k: Int, _ result: R) -> Void = { _, _ in },
                                        work: @escaping @Sendable (_ k: Int, _ stop: () -> Bool) -> R?) -> [R?] {
        let slots = Mutex<[R?]>(Array(repeating: nil, count: count))
        let done = Counter()
        let next = Counter()
        let one: @Sendable (Int) -> Void = { k in
            guard let result = work(k, { shouldStop(done.value) }) else { return }
            slots.withLock { $0[k] = result }
            _ = done.take()
            finished(k, result)
        }
        let workers = max(1, min(jobs, count))
        if workers == 1 {
            for k in 0..<count {
                if shouldStop(done.value) { break }
                one(k)
            }
        } else {
            DispatchQueue.concurrentPerform(iterations: workers) { _ in
                while !shouldStop(done.value) {
                    let k = next.take()
                    if k >= count { break }
                    one(k)
                }
            }
        }
        return slots.withLock { $0 }
    }
}

/// A count shared by the workers: the next index to run, or the runs finished.
private final class Counter: Sendable {
    private let next = Atomic<Int>(0)
    func take() -> Int { next.wrappingAdd(1, ordering: .relaxed).oldValue }
    var value: Int { next.load(ordering: .relaxed) }
}

extension Compare.LaneResult {
    /// A lane of a finished run.
    init(_ lane: Summary.LaneSummary) {
        self.init(mode: lane.mode, lost: lane.counters.lost, duplicateEffects: lane.counters.duplicateEffects,
                  redelivered: lane.counters.redelivered, latencyP99Micros: lane.latencyP99Micros,
                  failed: lane.checks.contains { $0.status == .fail }, deadLettered: lane.counters.deadLettered,
                  staleKeys: lane.staleKeys, latencyP50Micros: lane.latencyP50Micros, effected: lane.effected,
                  produced: lane.produced, lastEffectMicros: lane.lastEffectMicros)
    }
}
