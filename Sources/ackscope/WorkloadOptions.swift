import ArgumentParser
import DeliverySim

/// Turns a flag's text into a value, or a one-line error that names what is allowed.
enum FlagParse {
    static func duration(_ text: String) throws -> Micros {
        guard let v = UnitParse.duration(text) else {
            throw ValidationError("expected a duration with a unit: us, ms, s, m or h (e.g. 2ms, 1.5s)")
        }
        return v
    }

    static func percent(_ text: String) throws -> Int32 {
        guard let v = UnitParse.percent(text) else {
            throw ValidationError("expected a percentage from 0% to 100% (e.g. 1%, 0.5%)")
        }
        return v
    }

    static func range(_ text: String) throws -> (Micros, Micros) {
        guard let v = UnitParse.range(text) else {
            throw ValidationError("expected a duration or a range MIN..MAX (e.g. 0.5ms..2ms)")
        }
        return v
    }

    static func modes(_ text: String) throws -> [Mode] {
        var out: [Mode] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard let m = Mode(rawValue: String(part)) else {
                throw ValidationError("'\(part)' is not a mode; allowed: at-most-once, at-least-once, effectively-once (comma-separated)")
            }
            if !out.contains(m) { out.append(m) }
        }
        return out
    }
}

/// The workload knobs shared by the dashboard and the headless runner.
struct WorkloadOptions: ParsableArguments {
    @Option(help: "Seed of every random choice; same seed and flags, same numbers.")
    var seed: UInt64 = Settings().seed

    @Option(help: ArgumentHelp("How long producers produce, in virtual time (run: default 60s; dashboard: until you quit).", valueName: "duration"),
            transform: FlagParse.duration)
    var duration: Micros?

    @Option(help: "Stop producing after N messages in all.")
    var messages: Int?

    @Option(help: ArgumentHelp("Lanes to run, comma-separated: at-most-once,at-least-once,effectively-once.", valueName: "modes"),
            transform: FlagParse.modes)
    var modes: [Mode] = Mode.allCases

    @Option(help: "Number of producers.")
    var producers: Int = Settings().producers

    @Option(help: "Messages per second per producer (Poisson arrivals).")
    var rate: Double = Settings().ratePerSecond

    @Option(help: "Number of consumers.")
    var consumers: Int = Settings().consumers

    @Option(help: "Max unacked deliveries per consumer.")
    var prefetch: Int = Settings().prefetch

    @Option(help: ArgumentHelp("Mean processing time, exponential (e.g. 2ms).", valueName: "duration"),
            transform: FlagParse.duration)
    var processing: Micros = Settings().processingMicrosMean

    @Option(help: ArgumentHelp("Link latency, uniform MIN..MAX (default 0.5ms..2ms).", valueName: "range"),
            transform: FlagParse.range)
    var latency: (Micros, Micros) = (Settings().latencyMicrosMin, Settings().latencyMicrosMax)

    @Option(help: ArgumentHelp("Packet loss on every link, each direction (default 1%).", valueName: "percent"),
            transform: FlagParse.percent)
    var loss: Int32 = Settings().lossPerMillion

    @Option(help: ArgumentHelp("Packet duplication on every link (default 0%).", valueName: "percent"),
            transform: FlagParse.percent)
    var duplication: Int32 = Settings().duplicationPerMillion

    @Option(name: .customLong("ack-timeout"), help: ArgumentHelp("Ack deadline of a delivery (default 1s).", valueName: "duration"),
            transform: FlagParse.duration)
    var ackTimeout: Micros = Settings().ackTimeoutMicros

    @Option(name: .customLong("confirm-timeout"), help: ArgumentHelp("Producer waits this long for a confirm, then publishes again (default 1s).", valueName: "duration"),
            transform: FlagParse.duration)
    var confirmTimeout: Micros = Settings().confirmTimeoutMicros

    @Option(name: .customLong("max-deliveries"), help: "Deliveries of a message before it is dead-lettered (0: never).")
    var maxDeliveries: Int = Settings().maxDeliveries

    @Flag(name: .customLong("durable"), help: "The broker keeps messages across a crash (default).")
    var durable = false

    @Flag(name: .customLong("transient"), help: "The broker loses what it holds when it crashes.")
    var transient = false

    @Option(name: .customLong("dedup-window"), help: ArgumentHelp("The broker drops a re-published message id seen within this window (default 0s: off).", valueName: "duration"),
            transform: FlagParse.duration)
    var dedupWindow: Micros = Settings().dedupWindowMicros

    @Option(name: .customLong("crash-every"), help: ArgumentHelp("A random consumer crashes every DURATION (default 0s: never).", valueName: "duration"),
            transform: FlagParse.duration)
    var crashEvery: Micros = 0

    @Option(name: .customLong("crash-for"), help: ArgumentHelp("How long each of those crashes lasts (default 2s).", valueName: "duration"),
            transform: FlagParse.duration)
    var crashFor: Micros = Duration.seconds(2)

    @Flag(help: "Add a random fault schedule drawn from the seed (crashes, partitions, slow consumers, traps).")
    var chaos = false

    @Option(help: "Keys per producer (per-key order is what out-of-order measures).")
    var keys: Int = Settings().keys

    mutating func validate() throws {
        func positive(_ v: Int, _ flag: String, max: Int) throws {
            if v < 1 || v > max { throw ValidationError("--\(flag) must be from 1 to \(max), got \(v)") }
        }
        try positive(producers, "producers", max: 64)
        try positive(consumers, "consumers", max: 256)
        try positive(prefetch, "prefetch", max: 100_000)
        try positive(keys, "keys", max: 10_000)
        if !(rate > 0 && rate <= 100_000_000) { throw ValidationError("--rate must be a number above 0 and at most 100000000, got \(rate)") }
        if maxDeliveries < 0 { throw ValidationError("--max-deliveries must be 0 (never) or more, got \(maxDeliveries)") }
        if let m = messages, m < 1 { throw ValidationError("--messages must be 1 or more, got \(m)") }
        if let d = duration, d < 1 { throw ValidationError("--duration must be above 0s") }
        if ackTimeout < 1 { throw ValidationError("--ack-timeout must be above 0s") }
        if confirmTimeout < 1 { throw ValidationError("--confirm-timeout must be above 0s") }
        if durable && transient { throw ValidationError("--durable and --transient exclude each other; choose one") }
        if modes.isEmpty { throw ValidationError("--modes needs at least one of at-most-once, at-least-once, effectively-once") }
    }

    /// Whether --duration was given (the dashboard otherwise produces until you quit).
    var durationGiven: Bool { duration != nil }

    var settings: Settings {
        var s = Settings()
        s.seed = seed
        s.durationMicros = duration ?? Settings().durationMicros
        s.messageLimit = messages
        s.modes = modes
        s.producers = producers
        s.ratePerSecond = rate
        s.consumers = consumers
        s.prefetch = prefetch
        s.processingMicrosMean = processing
        s.latencyMicrosMin = latency.0
        s.latencyMicrosMax = latency.1
        s.lossPerMillion = loss
        s.duplicationPerMillion = duplication
        s.ackTimeoutMicros = ackTimeout
        s.confirmTimeoutMicros = confirmTimeout
        s.maxDeliveries = maxDeliveries
        s.durable = !transient
        s.dedupWindowMicros = dedupWindow
        s.crashEveryMicros = crashEvery
        s.crashForMicros = crashEvery > 0 ? crashFor : 0
        s.chaos = chaos
        s.keys = keys
        return s
    }
}
