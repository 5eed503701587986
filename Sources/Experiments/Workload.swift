import DeliverySim

/// The workload knobs as a scenario file or the command line gives them; nil: not given.
///
/// One type for both sources so that "flags override the scenario" is a single merge
/// (`overridden(by:)`) and both end in the same `Settings`. Values are kept per knob
/// (`Knob.all`), so merging and resolving walk the one list.
public struct Workload: Equatable, Sendable {
    /// By `Knob.key`; only looked up, never iterated (the list gives the order).
    private var values: [String: KnobValue] = [:]

    public init() {}

    /// The value given for `knob`, if any.
    public subscript(knob: Knob) -> KnobValue? {
        get { values[knob.key] }
        set { values[knob.key] = newValue }
    }

    /// The knob names, as written under `[workload]`, in the order files list them.
    public static let keys = Knob.all.map(\.key)

    /// How long each `crash_every` crash lasts when only `crash_every` is given.
    public static let defaultCrashForMicros: Micros = Duration.seconds(2)

    /// This workload with every knob `top` gives replaced by `top`'s value.
    public func overridden(by top: Workload) -> Workload {
        var w = self
        for k in Knob.all { if let v = top[k] { w[k] = v } }
        return w
    }

    /// The settings: `Settings()` defaults for everything not given.
    ///
    /// `messages` without `duration` produces exactly that many messages, however long it
    /// takes: production time is then unlimited (it used to stop at the 60 s default).
    public var settings: Settings {
        var s = Settings()
        for k in Knob.all { if let v = self[k] { k.set(&s, v) } }
        if self[.duration] == nil && self[.messages] != nil { s.durationMicros = Settings.unlimitedMicros }
        s.crashForMicros = s.crashEveryMicros > 0 ? (crashForMicros ?? Self.defaultCrashForMicros) : 0
        return s
    }

    /// Every knob of `s`, as a workload that gives them all (what a recording writes).
    public init(all s: Settings) {
        for k in Knob.all { self[k] = k.get(s) }
    }

    // Typed access to the knobs code asks about by name.
    public var seed: UInt64? { get { self[.seed]?.seed } set { self[.seed] = newValue.map(KnobValue.seed) } }
    public var durationMicros: Micros? { get { self[.duration]?.micros } set { self[.duration] = newValue.map(KnobValue.duration) } }
    public var messages: Int? { get { self[.messages]?.int } set { self[.messages] = newValue.map(KnobValue.count) } }
    public var producers: Int? { get { self[.producers]?.int } set { self[.producers] = newValue.map(KnobValue.count) } }
    public var consumers: Int? { get { self[.consumers]?.int } set { self[.consumers] = newValue.map(KnobValue.count) } }
    public var crashForMicros: Micros? { get { self[.crashFor]?.micros } set { self[.crashFor] = newValue.map(KnobValue.duration) } }
    public var drain: Bool? { get { self[.drain]?.bool } set { self[.drain] = newValue.map(KnobValue.bool) } }
}

/// The limits every source of a knob shares (flags and scenario files say the same thing).
public enum KnobLimits {
    public static let producers = 1...64
    public static let consumers = 1...256
    public static let prefetch = 1...Profile.unlimitedPrefetch
    public static let keys = 1...10_000
    public static let maxBacklog = 1...10_000_000
    public static let maxUnconfirmed = 1...1_000_000
    public static let ackEvery = 0...100_000
    public static let rateMax: Double = 100_000_000
    /// One message per ~11.6 virtual days: below this the gap between publishes would not
    /// fit the clock's integer microseconds.
    public static let rateMin: Double = 0.000_001
    /// A crash schedule denser than this would be millions of actions held in memory.
    public static let crashEveryMinMicros: Micros = 1_000
    public static let rateText = "a number from 0.000001 to 100000000"
}
