import ArgumentParser
import DeliverySim
import Experiments

/// Turns a flag's text into a value, or a one-line error that names what is allowed.
enum FlagParse {
    static func duration(_ text: String) throws -> Micros {
        switch UnitParse.parseDuration(text) {
        case .success(let v): return v
        case .failure(let e): throw ValidationError(durationProblem(e))
        }
    }

    static func percent(_ text: String) throws -> Int32 {
        switch UnitParse.parsePercent(text) {
        case .success(let v): return v
        case .failure(.outOfRange): throw ValidationError("out of range: a percentage is from 0% to 100%")
        case .failure: throw ValidationError("expected a percentage from 0% to 100% (e.g. 1%, 0.5%)")
        }
    }

    static func range(_ text: String) throws -> (Micros, Micros) {
        switch UnitParse.parseRange(text) {
        case .success(let v): return v
        case .failure(.minAboveMax(let lo, let hi)):
            throw ValidationError("MIN \(Format.duration(lo)) is greater than MAX \(Format.duration(hi))")
        case .failure(.outOfRange): throw ValidationError(durationProblem(.outOfRange))
        case .failure: throw ValidationError("expected a duration or a range MIN..MAX (e.g. 0.5ms..2ms)")
        }
    }

    static func durationProblem(_ error: UnitError) -> String {
        error == .outOfRange
            ? "out of range: a duration is from 0s to \(UnitParse.durationMaxMicros / 3_600_000_000)h"
            : "expected a duration with a unit: us, ms, s, m or h (e.g. 2ms, 1.5s)"
    }

    /// A seed: a whole number from 0 to 2^64-1; a negative or larger one is out of range.
    static func seed(_ text: String) throws -> UInt64 {
        if let v = UInt64(text) { return v }
        let digits = text.hasPrefix("-") || text.hasPrefix("+") ? text.dropFirst() : Substring(text)
        if !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) {
            throw ValidationError("out of range: a seed is from 0 to \(UInt64.max)")
        }
        throw ValidationError("expected a whole number from 0 to \(UInt64.max)")
    }

    static func overflow(_ text: String) throws -> Overflow {
        guard let o = Overflow(rawValue: text) else {
            throw ValidationError("expected " + Overflow.allCases.map(\.rawValue).joined(separator: " or "))
        }
        return o
    }

    static func modes(_ text: String) throws -> [Mode] {
        var out: [Mode] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard let m = Mode(rawValue: String(part)) else {
                throw ValidationError("'\(Output.printable(String(part)))' is not a mode; allowed: at-most-once, at-least-once, effectively-once (comma-separated)")
            }
            if !out.contains(m) { out.append(m) }
        }
        return out
    }
}

/// Refuses a workload the process could not hold in memory, before anything starts.
func checkMemory(_ s: Settings) throws {
    if let problem = MemoryBudget(s).problem { throw CommandError(problem) }
}

/// The workload knobs shared by the dashboard, the headless runner and compare.
///
/// Every knob is optional: with `--scenario`, a flag given on the command line overrides
/// the scenario's value and the others keep it; without one, `Settings()` defaults apply.
struct WorkloadOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: ArgumentHelp("Seed of every random choice; same seed and flags, same numbers (default 1).", valueName: "seed"),
            transform: FlagParse.seed)
    var seed: UInt64?
    @Option(parsing: .unconditional, help: ArgumentHelp("How long producers produce, in virtual time (run: default 60s; dashboard: until you quit).", valueName: "duration"),
            transform: FlagParse.duration)
    var duration: Micros?
    @Option(parsing: .unconditional, help: "Stop producing after N messages in all.")
    var messages: Int?
    @Option(parsing: .unconditional, help: ArgumentHelp("Lanes to run, comma-separated (default all three): at-most-once,at-least-once,effectively-once.", valueName: "modes"),
            transform: FlagParse.modes)
    var modes: [Mode]?
    @Option(parsing: .unconditional, help: "Number of producers (default 1).")
    var producers: Int?
    @Option(parsing: .unconditional, help: "Messages per second per producer, Poisson arrivals (default 50).")
    var rate: Double?
    @Option(parsing: .unconditional, help: "Number of consumers (default 4).")
    var consumers: Int?
    @Option(parsing: .unconditional, help: "Max unacked deliveries per consumer (default 8).")
    var prefetch: Int?
    @Option(parsing: .unconditional, help: ArgumentHelp("Mean processing time, exponential (default 2ms).", valueName: "duration"),
            transform: FlagParse.duration)
    var processing: Micros?
    @Option(parsing: .unconditional, help: ArgumentHelp("Link latency, uniform MIN..MAX (default 0.5ms..2ms).", valueName: "range"),
            transform: FlagParse.range)
    var latency: (Micros, Micros)?
    @Option(parsing: .unconditional, help: ArgumentHelp("Packet loss on every link, each direction (default 1%).", valueName: "percent"),
            transform: FlagParse.percent)
    var loss: Int32?
    @Option(parsing: .unconditional, help: ArgumentHelp("Packet duplication on every link (default 0%).", valueName: "percent"),
            transform: FlagParse.percent)
    var duplication: Int32?
    @Option(name: .customLong("ack-timeout"), parsing: .unconditional, help: ArgumentHelp("Ack deadline of a delivery (default 1s).", valueName: "duration"),
            transform: FlagParse.duration)
    var ackTimeout: Micros?
    @Option(name: .customLong("confirm-timeout"), parsing: .unconditional, help: ArgumentHelp("Producer waits this long for a confirm, then publishes again (default 1s).", valueName: "duration"),
            transform: FlagParse.duration)
    var confirmTimeout: Micros?
    @Option(name: .customLong("max-deliveries"), parsing: .unconditional, help: "Deliveries of a message before it is dead-lettered (0: never; default 10).")
    var maxDeliveries: Int?
    @Flag(name: .customLong("durable"), help: "The broker keeps messages across a crash (default).")
    var durable = false
    @Flag(name: .customLong("transient"), help: "The broker loses what it holds when it crashes.")
    var transient = false
    @Option(name: .customLong("dedup-window"), parsing: .unconditional, help: ArgumentHelp("The broker drops a re-published message id seen within this window (default 0s: off).", valueName: "duration"),
            transform: FlagParse.duration)
    var dedupWindow: Micros?
    @Option(name: .customLong("crash-every"), parsing: .unconditional, help: ArgumentHelp("A random consumer crashes every DURATION (default 0s: never).", valueName: "duration"),
            transform: FlagParse.duration)
    var crashEvery: Micros?
    @Option(name: .customLong("crash-for"), parsing: .unconditional, help: ArgumentHelp("How long each of those crashes lasts (default 2s).", valueName: "duration"),
            transform: FlagParse.duration)
    var crashFor: Micros?
    @Flag(inversion: .prefixedNo, help: "Add a random fault schedule drawn from the seed: crashes, partitions, slow consumers, traps (default off).")
    var chaos: Bool?
    @Option(parsing: .unconditional, help: "Keys per producer; per-key order is what out-of-order measures (default 8).")
    var keys: Int?
    @Option(name: .customLong("max-backlog"), parsing: .unconditional, help: "Messages the broker stores at most, ready and unacked (default 100000).")
    var maxBacklog: Int?
    @Option(help: ArgumentHelp("With a full backlog: reject-publish (refuse the new message; a retrying producer sends it again) or drop-head (drop the oldest ready one) (default reject-publish).", valueName: "policy"),
            transform: FlagParse.overflow)
    var overflow: Overflow?
    @Option(name: .customLong("max-unconfirmed"), parsing: .unconditional, help: "Unconfirmed messages a retrying producer holds at most; then it waits (default 4000).")
    var maxUnconfirmed: Int?

    mutating func validate() throws {
        func positive(_ v: Int?, _ flag: String, _ range: ClosedRange<Int>) throws {
            if let v, !range.contains(v) { throw ValidationError("--\(flag) must be from \(range.lowerBound) to \(range.upperBound), got \(v)") }
        }
        try positive(producers, "producers", KnobLimits.producers)
        try positive(consumers, "consumers", KnobLimits.consumers)
        try positive(prefetch, "prefetch", KnobLimits.prefetch)
        try positive(keys, "keys", KnobLimits.keys)
        try positive(maxBacklog, "max-backlog", KnobLimits.maxBacklog)
        try positive(maxUnconfirmed, "max-unconfirmed", KnobLimits.maxUnconfirmed)
        if let rate, !(rate >= KnobLimits.rateMin && rate <= KnobLimits.rateMax) { throw ValidationError("--rate must be \(KnobLimits.rateText), got \(rate)") }
        if let c = crashEvery, c > 0, c < KnobLimits.crashEveryMinMicros { throw ValidationError("--crash-every must be 0s (never) or at least 1ms, got \(Format.duration(c))") }
        if let maxDeliveries, maxDeliveries < 0 { throw ValidationError("--max-deliveries must be 0 (never) or more, got \(maxDeliveries)") }
        if let m = messages, m < 1 { throw ValidationError("--messages must be 1 or more, got \(m)") }
        if let d = duration, d < 1 { throw ValidationError("--duration must be above 0s") }
        if let t = ackTimeout, t < 1 { throw ValidationError("--ack-timeout must be above 0s") }
        if let t = confirmTimeout, t < 1 { throw ValidationError("--confirm-timeout must be above 0s") }
        if durable && transient { throw ValidationError("--durable and --transient exclude each other; choose one") }
        if let modes, modes.isEmpty { throw ValidationError("--modes needs at least one of at-most-once, at-least-once, effectively-once") }
    }

    /// Whether --duration was given (the dashboard otherwise produces until you quit).
    var durationGiven: Bool { duration != nil }

    /// The knobs given on the command line (nil for the others).
    var workload: Workload {
        var w = Workload()
        w.seed = seed
        w.durationMicros = duration
        w.messages = messages
        w.modes = modes
        w.producers = producers
        w.ratePerSecond = rate
        w.consumers = consumers
        w.prefetch = prefetch
        w.processingMicros = processing
        w.latencyMicrosMin = latency?.0
        w.latencyMicrosMax = latency?.1
        w.lossPerMillion = loss
        w.duplicationPerMillion = duplication
        w.ackTimeoutMicros = ackTimeout
        w.confirmTimeoutMicros = confirmTimeout
        w.maxDeliveries = maxDeliveries
        w.durable = durable ? true : (transient ? false : nil)
        w.dedupWindowMicros = dedupWindow
        w.crashEveryMicros = crashEvery
        w.crashForMicros = crashFor
        w.chaos = chaos
        w.keys = keys
        w.maxBacklog = maxBacklog
        w.overflow = overflow
        w.maxUnconfirmed = maxUnconfirmed
        return w
    }

    /// The settings from the command line alone (defaults for what it does not give).
    var settings: Settings { workload.settings }
}
