import DeliverySim
import TOMLLite

/// A workload knob's value; which case a knob holds is fixed by its `kind`.
public enum KnobValue: Equatable, Sendable {
    case seed(UInt64)
    case count(Int)
    case rate(Double)
    case duration(Micros)
    case range(Micros, Micros)
    case percent(Int32)
    case bool(Bool)
    case modes([Mode])
    case overflow(Overflow)
    case profile(Profile)
}

/// What a knob holds, and so how every text form reads and writes it.
public enum KnobKind: Equatable, Sendable {
    case seed
    /// A whole number within the limits.
    case count(ClosedRange<Int>)
    /// Messages per second, from `KnobLimits.rateMin` to `rateMax`.
    case rate
    case duration(DurationFloor)
    /// A latency range MIN..MAX (or one duration).
    case range
    case percent
    /// On or off: `--FLAG`, or `--OFF` (`--transient`, `--no-drain`).
    case bool(off: String)
    case modes
    case overflow
    /// A broker profile: sets other knobs' defaults (see `Profile`).
    case profile
}

/// The smallest duration a knob takes.
public enum DurationFloor: Equatable, Sendable {
    case zero
    case aboveZero
    /// Above 0s on the command line; a file may say 0s (a recording of a session quit at once).
    case aboveZeroOnCommandLine
    /// 0s (never) or at least this much.
    case zeroOrAtLeast(Micros)
}

/// One workload knob: its names, help, limits, and how the command line, scenario files,
/// the JSON settings and the reproduce line read and write it.
///
/// `Knob.all` is the one list of knobs, as `Counters.named` is the one list of counters:
/// flags, `[workload]`, JSON and the reproduce line all walk it, so a knob added here is
/// added everywhere (and a test fails if one place is missed).
public struct Knob: Sendable {
    /// The name in `[workload]` and in the JSON settings: `ack_timeout`.
    public let key: String
    public let help: String
    /// The help of the off flag, when it is not `--no-FLAG` (`--transient`).
    public let offHelp: String?
    /// What the help shows as the value: `<duration>`.
    public let valueName: String
    public let kind: KnobKind
    /// Its value in settings; nil when it has none (no message limit, no time limit).
    public let get: @Sendable (Settings) -> KnobValue?
    let put: @Sendable (inout Settings, KnobValue) -> Void
    /// Whether files and the reproduce line write it for these settings (`crash_for` only
    /// matters with `crash_every`).
    let matters: @Sendable (Settings) -> Bool
    /// Whether the reproduce line gives it even at its default (the seed and the duration).
    let alwaysOnCommandLine: Bool
    /// Whether the JSON settings hold it (the seed is at the top of the JSON instead).
    public let inSettingsJSON: Bool

    init(_ key: String, _ kind: KnobKind, valueName: String? = nil, help: String, offHelp: String? = nil,
         always: Bool = false, inJSON: Bool = true, matters: @escaping @Sendable (Settings) -> Bool = { _ in true },
         get: @escaping @Sendable (Settings) -> KnobValue?, put: @escaping @Sendable (inout Settings, KnobValue) -> Void) {
        self.key = key
        self.kind = kind
        self.help = help
        self.offHelp = offHelp
        self.valueName = valueName ?? key.replacingUnderscores()
        self.get = get
        self.put = put
        self.matters = matters
        alwaysOnCommandLine = always
        inSettingsJSON = inJSON
    }

    /// The long flag, without dashes: `ack-timeout`.
    public var flag: String { key.replacingUnderscores() }

    /// The off flag of an on/off knob, without dashes: `transient`, `no-drain`.
    public var offFlag: String {
        if case .bool(let off) = kind { return off }
        return "no-" + flag
    }

    /// Sets this knob in `s`.
    public func set(_ s: inout Settings, _ v: KnobValue) { put(&s, v) }
}

extension String {
    fileprivate func replacingUnderscores() -> String { String(map { $0 == "_" ? "-" : $0 }) }
}

// MARK: - The list

extension Knob {
    public static let seed = Knob("seed", .seed, help: "Seed of every random choice; same seed and flags, same numbers (default 1).",
                                  always: true, inJSON: false,
                                  get: { .seed($0.seed) }, put: { if case .seed(let v) = $1 { $0.seed = v } })
    public static let duration = Knob("duration", .duration(.aboveZeroOnCommandLine),
                                      help: "How long producers produce, in virtual time (run: default 60s, or no limit with --messages; dashboard: until you quit).",
                                      always: true,
                                      get: { $0.durationMicros >= Settings.unlimitedMicros ? nil : .duration($0.durationMicros) },
                                      put: { $0.durationMicros = $1.micros ?? $0.durationMicros })
    public static let messages = Knob("messages", .count(1...Int.max), valueName: "messages",
                                      help: "Stop producing after N messages in all (without --duration: exactly N, however long it takes).",
                                      get: { $0.messageLimit.map(KnobValue.count) }, put: { $0.messageLimit = $1.int })
    public static let modes = Knob("modes", .modes,
                                   help: "Lanes to run, comma-separated (default: at-most-once,at-least-once,effectively-once; the dashboard runs all and m cycles them): " + Mode.allCases.map(\.rawValue).joined(separator: ",") + ".",
                                   get: { .modes($0.modes) }, put: { if case .modes(let m) = $1 { $0.modes = m } })
    public static let producers = count("producers", KnobLimits.producers, "Number of producers (default 1).", \.producers)
    public static let rate = Knob("rate", .rate, help: "Messages per second per producer, Poisson arrivals (default 50).",
                                  get: { .rate($0.ratePerSecond) }, put: { if case .rate(let r) = $1 { $0.ratePerSecond = r } })
    public static let consumers = count("consumers", KnobLimits.consumers, "Number of consumers (default 4).", \.consumers)
    public static let prefetch = count("prefetch", KnobLimits.prefetch, "Max unacked deliveries per consumer (default 8).", \.prefetch)
    public static let processing = duration("processing", .zero, "Mean processing time, exponential (default 2ms).", \.processingMicrosMean)
    public static let latency = Knob("latency", .range, valueName: "range", help: "Link latency, uniform MIN..MAX (default 0.5ms..2ms).",
                                     get: { .range($0.latencyMicrosMin, $0.latencyMicrosMax) },
                                     put: { if case .range(let lo, let hi) = $1 { $0.latencyMicrosMin = lo; $0.latencyMicrosMax = hi } })
    public static let loss = percent("loss", "Packet loss on every link, each direction (default 1%).", \.lossPerMillion)
    public static let duplication = percent("duplication", "Packet duplication on every link (default 0%).", \.duplicationPerMillion)
    public static let ackTimeout = duration("ack_timeout", .aboveZero, "Ack deadline of a delivery (default 1s).", \.ackTimeoutMicros)
    public static let confirmTimeout = duration("confirm_timeout", .aboveZero, "Producer waits this long for a confirm, then publishes again (default 1s).",
                                                \.confirmTimeoutMicros)
    public static let maxDeliveries = count("max_deliveries", 0...Int.max, "Deliveries of a message before it is dead-lettered (0: never; default 10).",
                                            \.maxDeliveries)
    public static let durable = bool("durable", off: "transient", "The broker keeps messages across a crash (default).", \.durable,
                                     offHelp: "The broker loses what it holds when it crashes.")
    public static let dedupWindow = duration("dedup_window", .zero, "The broker drops a re-published message id seen within this window (default 0s: off).",
                                             \.dedupWindowMicros)
    public static let crashEvery = duration("crash_every", .zeroOrAtLeast(KnobLimits.crashEveryMinMicros),
                                            "A random consumer crashes every DURATION (default 0s: never).", \.crashEveryMicros)
    public static let crashFor = Knob("crash_for", .duration(.zero), valueName: "duration", help: "How long each of those crashes lasts (default 2s).",
                                      matters: { $0.crashEveryMicros > 0 },
                                      get: { .duration($0.crashForMicros) }, put: { $0.crashForMicros = $1.micros ?? $0.crashForMicros })
    public static let chaos = bool("chaos", off: "no-chaos",
                                   "Add a random fault schedule drawn from the seed: crashes, partitions, slow consumers, traps (default off).", \.chaos)
    public static let keys = count("keys", KnobLimits.keys, "Keys per producer; per-key order is what out-of-order measures (default 8).", \.keys)
    public static let drain = bool("drain", off: "no-drain",
                                   "After production stops, heal and restart everything and run until nothing is pending (default on).", \.drain)
    public static let maxBacklog = count("max_backlog", KnobLimits.maxBacklog, "Messages the broker stores at most, ready and unacked (default 100000).",
                                         \.maxBacklog)
    public static let overflow = Knob("overflow", .overflow, valueName: "policy",
                                      help: "With a full backlog: reject-publish (refuse the new message; a retrying producer sends it again) or drop-head (drop the oldest ready one) (default reject-publish).",
                                      get: { .overflow($0.overflow) }, put: { if case .overflow(let o) = $1 { $0.overflow = o } })
    public static let maxUnconfirmed = count("max_unconfirmed", KnobLimits.maxUnconfirmed,
                                             "Unconfirmed messages a retrying producer holds at most; then it waits (default 4000).", \.maxUnconfirmed)
    public static let profile = Knob("profile", .profile, valueName: "broker",
                                     help: "Start from what a real broker does out of the box: " + Profile.allCases.map(\.rawValue).joined(separator: ", ")
                                         + " (ack timeout, max deliveries, dedup window, requeue, prefetch); other flags override it.",
                                     always: true,
                                     get: { $0.profile.map(KnobValue.profile) },
                                     put: { if case .profile(let p) = $1 { p.apply(to: &$0) } })
    public static let ackDelay = duration("ack_delay", .zero,
                                          "Time from a batch of acks closing to its leaving the consumer; a crash in between loses them (default 1ms).",
                                          \.ackDelayMicros)
    public static let ackEvery = count("ack_every", KnobLimits.ackEvery,
                                       "A batch of acks closes when it holds N (default 1: every ack alone; 0: only --ack-interval closes it).", \.ackEvery)
    public static let ackInterval = Knob("ack_interval", .duration(.aboveZero), valueName: "duration",
                                         help: "A batch of acks closes this long after its first ack at the latest, as an offset commit interval (default 100ms).",
                                         matters: { $0.ackEvery != 1 },
                                         get: { .duration($0.ackIntervalMicros) }, put: { $0.ackIntervalMicros = $1.micros ?? $0.ackIntervalMicros })
    public static let cumulativeAcks = bool("cumulative_acks", off: "individual-acks",
                                            "Each ack also covers every earlier delivery to the same consumer connection, as an offset commit does (default off).",
                                            \.cumulativeAcks, offHelp: "Each ack covers its own delivery only (default).")
    public static let requeueOnDisconnect = bool("requeue_on_disconnect", off: "no-requeue-on-disconnect",
                                                 "When a consumer's connection closes, requeue its unacked deliveries at once instead of waiting for their ack deadlines (default off).",
                                                 \.requeueOnDisconnect)

    /// Every knob, in the order files, JSON and the reproduce line list them.
    /// `profile` comes right after the seed: applying a workload in this order lets every
    /// knob after it override what the profile set.
    public static let all: [Knob] = [
        seed, profile, duration, messages, modes, producers, rate, consumers, prefetch, processing, latency, loss, duplication,
        ackTimeout, confirmTimeout, maxDeliveries, durable, dedupWindow, crashEvery, crashFor, chaos, keys, drain,
        maxBacklog, overflow, maxUnconfirmed, ackDelay, ackEvery, ackInterval, cumulativeAcks, requeueOnDisconnect,
    ]

    /// The knob named `key` in files and JSON.
    public static func named(_ key: String) -> Knob? { all.first { $0.key == key } }

    private static func count(_ key: String, _ limits: ClosedRange<Int>, _ help: String,
                              _ path: WritableKeyPath<Settings, Int> & Sendable) -> Knob {
        Knob(key, .count(limits), help: help, get: { .count($0[keyPath: path]) }, put: { s, v in if let n = v.int { s[keyPath: path] = n } })
    }

    private static func duration(_ key: String, _ floor: DurationFloor, _ help: String,
                                 _ path: WritableKeyPath<Settings, Micros> & Sendable) -> Knob {
        Knob(key, .duration(floor), valueName: "duration", help: help,
             get: { .duration($0[keyPath: path]) }, put: { s, v in if let d = v.micros { s[keyPath: path] = d } })
    }

    private static func percent(_ key: String, _ help: String, _ path: WritableKeyPath<Settings, Int32> & Sendable) -> Knob {
        Knob(key, .percent, valueName: "percent", help: help,
             get: { .percent($0[keyPath: path]) }, put: { s, v in if case .percent(let p) = v { s[keyPath: path] = p } })
    }

    private static func bool(_ key: String, off: String, _ help: String, _ path: WritableKeyPath<Settings, Bool> & Sendable,
                             offHelp: String? = nil) -> Knob {
        Knob(key, .bool(off: off), help: help, offHelp: offHelp, get: { .bool($0[keyPath: path]) }, put: { s, v in if let b = v.bool { s[keyPath: path] = b } })
    }
}

extension KnobValue {
    public var int: Int? { if case .count(let n) = self { n } else { nil } }
    public var micros: Micros? { if case .duration(let d) = self { d } else { nil } }
    public var bool: Bool? { if case .bool(let b) = self { b } else { nil } }
    public var seed: UInt64? { if case .seed(let s) = self { s } else { nil } }
}

// MARK: - The command line

extension Knob {
    /// A flag's text as this knob's value, or a one-line error that names what is allowed
    /// (the limits are checked by `commandLineProblem`, after parsing).
    public func parse(flagText text: String) -> Result<KnobValue, KnobError> {
        switch kind {
        case .seed:
            if let v = UInt64(text) { return .success(.seed(v)) }
            let digits = text.hasPrefix("-") || text.hasPrefix("+") ? text.dropFirst() : Substring(text)
            if !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) {
                return .failure(KnobError("out of range: a seed is from 0 to \(UInt64.max)"))
            }
            return .failure(KnobError("expected a whole number from 0 to \(UInt64.max)"))
        case .count:
            return Int(text).map { .success(.count($0)) } ?? .failure(KnobError("expected a whole number"))
        case .rate:
            return Double(text).map { .success(.rate($0)) } ?? .failure(KnobError("expected \(KnobLimits.rateText)"))
        case .duration:
            return Self.parseDuration(text).map(KnobValue.duration)
        case .range:
            switch UnitParse.parseRange(text) {
            case .success(let (lo, hi)): return .success(.range(lo, hi))
            case .failure(.minAboveMax(let lo, let hi)):
                return .failure(KnobError("MIN \(Format.duration(lo)) is greater than MAX \(Format.duration(hi))"))
            case .failure(.outOfRange): return .failure(KnobError(Self.durationProblem(.outOfRange)))
            case .failure: return .failure(KnobError("expected a duration or a range MIN..MAX (e.g. 0.5ms..2ms)"))
            }
        case .percent:
            switch UnitParse.parsePercent(text) {
            case .success(let v): return .success(.percent(v))
            case .failure(.outOfRange): return .failure(KnobError("out of range: a percentage is from 0% to 100%"))
            case .failure: return .failure(KnobError("expected a percentage from 0% to 100% (e.g. 1%, 0.5%)"))
            }
        case .bool:
            switch text {
            case "true": return .success(.bool(true))
            case "false": return .success(.bool(false))
            default: return .failure(KnobError("expected true or false"))
            }
        case .modes:
            var out: [Mode] = []
            for part in text.split(separator: ",", omittingEmptySubsequences: false) {
                guard let m = Mode(rawValue: String(part)) else {
                    return .failure(KnobError("'\(TerminalText.safe(String(part), limit: 80))' is not a mode; allowed: \(Self.modeNames) (comma-separated)"))
                }
                if !out.contains(m) { out.append(m) }
            }
            return .success(.modes(out))
        case .overflow:
            guard let o = Overflow(rawValue: text) else {
                return .failure(KnobError("expected " + Overflow.allCases.map(\.rawValue).joined(separator: " or ")))
            }
            return .success(.overflow(o))
        case .profile:
            guard let p = Profile(rawValue: text) else { return .failure(KnobError("expected one of \(Self.profileNames)")) }
            return .success(.profile(p))
        }
    }

    /// A duration flag's text (also for flags that are not knobs, such as --sample-every).
    public static func parseDuration(_ text: String) -> Result<Micros, KnobError> {
        UnitParse.parseDuration(text).mapError { KnobError(durationProblem($0)) }
    }

    static func durationProblem(_ error: UnitError) -> String {
        error == .outOfRange
            ? "out of range: a duration is from 0s to \(UnitParse.durationMaxMicros / 3_600_000_000)h"
            : "expected a duration with a unit: us, ms, s, m or h (e.g. 2ms, 1.5s)"
    }

    static var modeNames: String { Mode.allCases.map(\.rawValue).joined(separator: ", ") }
    static var profileNames: String { Profile.allCases.map(\.rawValue).joined(separator: ", ") }

    /// Why a parsed flag value is outside this knob's limits, in one line; nil when it is within.
    public func commandLineProblem(_ v: KnobValue) -> String? {
        let name = "--" + flag
        switch (kind, v) {
        case (.count(let limits), .count(let n)) where !limits.contains(n):
            if limits.upperBound == .max {
                return "\(name) must be \(limits.lowerBound)\(limits.lowerBound == 0 ? " (never)" : "") or more, got \(n)"
            }
            return "\(name) must be from \(limits.lowerBound) to \(limits.upperBound), got \(n)"
        case (.rate, .rate(let r)) where !(r >= KnobLimits.rateMin && r <= KnobLimits.rateMax):
            return "\(name) must be \(KnobLimits.rateText), got \(r)"
        case (.duration(.aboveZero), .duration(let d)) where d < 1, (.duration(.aboveZeroOnCommandLine), .duration(let d)) where d < 1:
            return "\(name) must be above 0s"
        case (.duration(.zeroOrAtLeast(let least)), .duration(let d)) where d > 0 && d < least:
            return "\(name) must be 0s (never) or at least \(Format.duration(least)), got \(Format.duration(d))"
        case (.modes, .modes(let m)) where m.isEmpty:
            return "\(name) needs at least one of \(Self.modeNames)"
        default:
            return nil
        }
    }

    /// The value as the reproduce line writes it after the flag.
    func commandText(_ v: KnobValue) -> String {
        switch v {
        case .seed(let n): String(n)
        case .count(let n): String(n)
        case .rate(let r): JSON.exact(r)
        case .duration(let d): Format.duration(d)
        case .range(let lo, let hi): Format.duration(lo) + ".." + Format.duration(hi)
        case .percent(let p): Format.percent(p)
        case .bool(let b): String(b)
        case .modes(let m): m.map(\.rawValue).joined(separator: ",")
        case .overflow(let o): o.rawValue
        case .profile(let p): p.rawValue
        }
    }
}

/// Why a knob's text or value cannot be used: one line.
public struct KnobError: Error, Equatable, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

// MARK: - Scenario files

extension Knob {
    /// A `[workload]` value as this knob's value, or what to say after `workload.KEY = VALUE`
    /// (starting with its separator: ": expected …").
    func read(toml v: TOMLValue) -> Result<KnobValue, KnobError> {
        func fail(_ message: String) -> Result<KnobValue, KnobError> { .failure(KnobError(message)) }
        switch kind {
        case .seed:
            if let n = v.int, n >= 0 { return .success(.seed(UInt64(n))) }
            if let s = v.string, let n = UInt64(s) { return .success(.seed(n)) }
            return fail(": expected a whole number from 0 to \(UInt64.max)")
        case .count(let limits):
            guard let n = v.int, limits.contains(n) else {
                let upper = limits.upperBound == Int.max ? "or more" : "to \(limits.upperBound)"
                return fail(": expected a whole number from \(limits.lowerBound) \(upper)")
            }
            return .success(.count(n))
        case .rate:
            if let r = v.double ?? v.int.map(Double.init), r >= KnobLimits.rateMin, r <= KnobLimits.rateMax { return .success(.rate(r)) }
            return fail(": expected \(KnobLimits.rateText) (messages per second per producer)")
        case .duration(let floor):
            let positive = floor == .aboveZero
            guard let s = v.string, let d = UnitParse.duration(s), !positive || d > 0 else {
                return fail(": expected a duration\(positive ? " above 0s" : "") with a unit: us, ms, s, m or h (e.g. \"2ms\", \"1.5s\")")
            }
            if case .zeroOrAtLeast(let least) = floor, d > 0, d < least {
                return fail(": expected 0s (never) or at least \(Format.duration(least))")
            }
            return .success(.duration(d))
        case .range:
            if let s = v.string, let (lo, hi) = UnitParse.range(s) { return .success(.range(lo, hi)) }
            return fail(": expected a duration or a range \"MIN..MAX\" (e.g. \"0.5ms..2ms\")")
        case .percent:
            if let s = v.string, let p = UnitParse.percent(s) { return .success(.percent(p)) }
            return fail(": expected a percentage from 0% to 100% as a string (e.g. \"1%\", \"0.5%\")")
        case .bool:
            if let b = v.bool { return .success(.bool(b)) }
            return fail(": expected true or false")
        case .modes:
            var texts: [String] = []
            if let s = v.string { texts = s.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
            else if let a = v.array { texts = a.map { $0.string ?? "?" } }
            var modes: [Mode] = []
            var bad: String? = texts.isEmpty ? "" : nil
            for text in texts {
                guard let m = Mode(rawValue: text) else { bad = text; break }
                if !modes.contains(m) { modes.append(m) }
            }
            if let bad {
                return fail(": \(bad.isEmpty ? "needs at least one mode" : "'\(TerminalText.safe(bad, limit: TerminalText.valueLimit))' is not a mode"); allowed: \(Self.modeNames)")
            }
            return .success(.modes(modes))
        case .overflow:
            if let s = v.string, let o = Overflow(rawValue: s) { return .success(.overflow(o)) }
            return fail(": expected one of " + Overflow.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", "))
        case .profile:
            if let s = v.string, let p = Profile(rawValue: s) { return .success(.profile(p)) }
            return fail(": expected one of " + Profile.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", "))
        }
    }

    /// The value as `[workload]` writes it.
    func tomlText(_ v: KnobValue) -> String {
        switch v {
        // Above Int64.max, a TOML integer cannot hold it: a string.
        case .seed(let n): n <= UInt64(Int64.max) ? String(n) : "\"\(n)\""
        // Swift's shortest round-trip form: the file gives back exactly this Double.
        case .rate(let r): "\(r)"
        case .duration(let d): "\"\(Scenario.time(d))\""
        case .modes(let m): "[" + m.map { "\"\($0.rawValue)\"" }.joined(separator: ", ") + "]"
        case .count, .bool: commandText(v)
        case .range, .percent, .overflow, .profile: "\"\(commandText(v))\""
        }
    }

    /// The value as the JSON settings write it.
    func jsonText(_ v: KnobValue?) -> String {
        guard let v else { return "null" }
        switch v {
        case .modes(let m): return "[" + m.map { "\"\($0.rawValue)\"" }.joined(separator: ",") + "]"
        case .seed, .count, .rate, .bool: return commandText(v)
        case .duration, .range, .percent, .overflow, .profile: return "\"\(commandText(v))\""
        }
    }
}

// MARK: - Settings as text

/// The settings of a run as text: JSON, the flags that reproduce it, `[workload]` lines.
public enum SettingsText {
    /// Every knob but the seed (the JSON gives it at the top), in list order.
    /// `varied`: the keys of knobs a sweep varies, written as "varied".
    public static func json(_ s: Settings, varied: [String] = []) -> String {
        "{" + Knob.all.filter(\.inSettingsJSON).map {
            "\"\($0.key)\":" + (varied.contains($0.key) ? "\"varied\"" : $0.jsonText($0.get(s)))
        }.joined(separator: ",") + "}"
    }

    /// The `ackscope run` command line that reproduces these settings exactly: the seed and
    /// the duration always, every other knob that differs from its default.
    public static func command(_ s: Settings) -> String {
        // With a profile, the knobs it set are its defaults: only what differs is written.
        var defaults = Settings()
        s.profile?.apply(to: &defaults)
        var f = ["ackscope run"]
        for k in Knob.all where k.matters(s) {
            guard let v = k.get(s) else { continue }
            guard k.alwaysOnCommandLine || !k.matters(defaults) || v != k.get(defaults) else { continue }
            if case .bool(let off) = k.kind {
                f.append("--" + (v.bool == true ? k.flag : off))
            } else {
                f.append("--\(k.flag) " + k.commandText(v))
            }
        }
        return f.joined(separator: " ")
    }

    /// The flags that give the knobs a workload gives, in list order: `--loss 2% --transient`.
    public static func flags(_ w: Workload) -> [String] {
        Knob.all.compactMap { k in
            guard let v = w[k] else { return nil }
            if case .bool(let off) = k.kind { return "--" + (v.bool == true ? k.flag : off) }
            return "--\(k.flag) " + k.commandText(v)
        }
    }

    /// `[workload]` lines for every knob that has a value and matters (defaults included, so a
    /// file means the same thing after the defaults change).
    public static func toml(_ s: Settings) -> String {
        Knob.all.compactMap { k in k.matters(s) ? k.get(s).map { "\(k.key) = " + k.tomlText($0) + "\n" } : nil }.joined()
    }
}
