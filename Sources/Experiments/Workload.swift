import DeliverySim

/// The workload knobs as a scenario file or the command line gives them; nil: not given.
///
/// One type for both sources so that "flags override the scenario" is a single merge
/// (`overridden(by:)`) and both end in the same `Settings`.
public struct Workload: Equatable, Sendable {
    public var seed: UInt64?
    public var durationMicros: Micros?
    public var messages: Int?
    public var modes: [Mode]?
    public var producers: Int?
    public var ratePerSecond: Double?
    public var consumers: Int?
    public var prefetch: Int?
    public var processingMicros: Micros?
    public var latencyMicrosMin: Micros?
    public var latencyMicrosMax: Micros?
    public var lossPerMillion: Int32?
    public var duplicationPerMillion: Int32?
    public var ackTimeoutMicros: Micros?
    public var confirmTimeoutMicros: Micros?
    public var maxDeliveries: Int?
    public var durable: Bool?
    public var dedupWindowMicros: Micros?
    public var crashEveryMicros: Micros?
    public var crashForMicros: Micros?
    public var chaos: Bool?
    public var keys: Int?
    public var drain: Bool?
    public var maxBacklog: Int?
    public var overflow: Overflow?
    public var maxUnconfirmed: Int?

    public init() {}

    /// The knob names, as written under `[workload]`, in the order files list them.
    public static let keys = [
        "seed", "duration", "messages", "modes", "producers", "rate", "consumers", "prefetch", "processing",
        "latency", "loss", "duplication", "ack_timeout", "confirm_timeout", "max_deliveries", "durable",
        "dedup_window", "crash_every", "crash_for", "chaos", "keys", "drain", "max_backlog", "overflow",
        "max_unconfirmed",
    ]

    /// How long each `crash_every` crash lasts when only `crash_every` is given.
    public static let defaultCrashForMicros: Micros = Duration.seconds(2)

    /// This workload with every knob `top` gives replaced by `top`'s value.
    public func overridden(by top: Workload) -> Workload {
        var w = self
        if let v = top.seed { w.seed = v }
        if let v = top.durationMicros { w.durationMicros = v }
        if let v = top.messages { w.messages = v }
        if let v = top.modes { w.modes = v }
        if let v = top.producers { w.producers = v }
        if let v = top.ratePerSecond { w.ratePerSecond = v }
        if let v = top.consumers { w.consumers = v }
        if let v = top.prefetch { w.prefetch = v }
        if let v = top.processingMicros { w.processingMicros = v }
        if let v = top.latencyMicrosMin { w.latencyMicrosMin = v }
        if let v = top.latencyMicrosMax { w.latencyMicrosMax = v }
        if let v = top.lossPerMillion { w.lossPerMillion = v }
        if let v = top.duplicationPerMillion { w.duplicationPerMillion = v }
        if let v = top.ackTimeoutMicros { w.ackTimeoutMicros = v }
        if let v = top.confirmTimeoutMicros { w.confirmTimeoutMicros = v }
        if let v = top.maxDeliveries { w.maxDeliveries = v }
        if let v = top.durable { w.durable = v }
        if let v = top.dedupWindowMicros { w.dedupWindowMicros = v }
        if let v = top.crashEveryMicros { w.crashEveryMicros = v }
        if let v = top.crashForMicros { w.crashForMicros = v }
        if let v = top.chaos { w.chaos = v }
        if let v = top.keys { w.keys = v }
        if let v = top.drain { w.drain = v }
        if let v = top.maxBacklog { w.maxBacklog = v }
        if let v = top.overflow { w.overflow = v }
        if let v = top.maxUnconfirmed { w.maxUnconfirmed = v }
        return w
    }

    /// The settings: `Settings()` defaults for everything not given.
    public var settings: Settings {
        var s = Settings()
        if let v = seed { s.seed = v }
        if let v = durationMicros { s.durationMicros = v }
        if let v = messages { s.messageLimit = v }
        if let v = modes { s.modes = v }
        if let v = producers { s.producers = v }
        if let v = ratePerSecond { s.ratePerSecond = v }
        if let v = consumers { s.consumers = v }
        if let v = prefetch { s.prefetch = v }
        if let v = processingMicros { s.processingMicrosMean = v }
        if let v = latencyMicrosMin { s.latencyMicrosMin = v }
        if let v = latencyMicrosMax { s.latencyMicrosMax = v }
        if let v = lossPerMillion { s.lossPerMillion = v }
        if let v = duplicationPerMillion { s.duplicationPerMillion = v }
        if let v = ackTimeoutMicros { s.ackTimeoutMicros = v }
        if let v = confirmTimeoutMicros { s.confirmTimeoutMicros = v }
        if let v = maxDeliveries { s.maxDeliveries = v }
        if let v = durable { s.durable = v }
        if let v = dedupWindowMicros { s.dedupWindowMicros = v }
        if let v = crashEveryMicros { s.crashEveryMicros = v }
        s.crashForMicros = s.crashEveryMicros > 0 ? (crashForMicros ?? Self.defaultCrashForMicros) : 0
        if let v = chaos { s.chaos = v }
        if let v = keys { s.keys = v }
        if let v = drain { s.drain = v }
        if let v = maxBacklog { s.maxBacklog = v }
        if let v = overflow { s.overflow = v }
        if let v = maxUnconfirmed { s.maxUnconfirmed = v }
        return s
    }

    /// Every knob of `s`, as a workload that gives them all (what a recording writes).
    public init(all s: Settings) {
        seed = s.seed
        durationMicros = s.durationMicros
        messages = s.messageLimit
        modes = s.modes
        producers = s.producers
        ratePerSecond = s.ratePerSecond
        consumers = s.consumers
        prefetch = s.prefetch
        processingMicros = s.processingMicrosMean
        latencyMicrosMin = s.latencyMicrosMin
        latencyMicrosMax = s.latencyMicrosMax
        lossPerMillion = s.lossPerMillion
        duplicationPerMillion = s.duplicationPerMillion
        ackTimeoutMicros = s.ackTimeoutMicros
        confirmTimeoutMicros = s.confirmTimeoutMicros
        maxDeliveries = s.maxDeliveries
        durable = s.durable
        dedupWindowMicros = s.dedupWindowMicros
        crashEveryMicros = s.crashEveryMicros
        crashForMicros = s.crashForMicros
        chaos = s.chaos
        keys = s.keys
        drain = s.drain
        maxBacklog = s.maxBacklog
        overflow = s.overflow
        maxUnconfirmed = s.maxUnconfirmed
    }
}

/// The limits every source of a knob shares (flags and scenario files say the same thing).
public enum KnobLimits {
    public static let producers = 1...64
    public static let consumers = 1...256
    public static let prefetch = 1...100_000
    public static let keys = 1...10_000
    public static let maxBacklog = 1...10_000_000
    public static let maxUnconfirmed = 1...1_000_000
    public static let rateMax: Double = 100_000_000
    /// One message per ~11.6 virtual days: below this the gap between publishes would not
    /// fit the clock's integer microseconds.
    public static let rateMin: Double = 0.000_001
    /// A crash schedule denser than this would be millions of actions held in memory.
    public static let crashEveryMinMicros: Micros = 1_000
    public static let rateText = "a number from 0.000001 to 100000000"
}
