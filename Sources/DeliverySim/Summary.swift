/// The result of a run, per lane: counters, latency, checks. Renders as a table or JSON.
public struct Summary: Sendable, Equatable {
    public struct LaneSummary: Sendable, Equatable {
        public var mode: Mode
        public var counters: Counters
        public var produced: Int
        public var effected: Int
        public var pending: Int
        /// Keys whose final sink value is not their newest message's.
        public var staleKeys: Int
        public var latencyP50Micros: Micros
        public var latencyP99Micros: Micros
        public var latencyMaxMicros: Micros
        public var events: Int
        public var drainedAtMicros: Micros?
        public var checks: [Check]
    }

    public var settings: Settings
    public var lanes: [LaneSummary]

    /// Where a run that was stopped before its end (a signal) stopped.
    public struct Interruption: Equatable, Sendable {
        /// The virtual time every lane had reached.
        public var atMicros: Micros
        /// Whether production was over and the run was draining.
        public var draining: Bool

        public init(atMicros: Micros, draining: Bool) {
            self.atMicros = atMicros
            self.draining = draining
        }
    }

    /// Set when the run stopped early: the numbers are those of that instant, not drained,
    /// and only conservation (which holds at every instant) is checked.
    public var interruption: Interruption?

    public init(settings: Settings, lanes: [Lane], drainedAt: [Micros?], drainRequested: Bool) {
        self.settings = settings
        self.lanes = lanes.enumerated().map { i, lane in
            LaneSummary(mode: lane.mode, counters: lane.counters, produced: lane.produced, effected: lane.effected,
                        pending: lane.pending, staleKeys: lane.staleKeys, latencyP50Micros: lane.latency.quantile(0.5),
                        latencyP99Micros: lane.latency.quantile(0.99), latencyMaxMicros: lane.latency.maxMicros,
                        events: lane.events, drainedAtMicros: drainedAt[i],
                        checks: drainRequested ? lane.promiseChecks(drained: drainedAt[i] != nil)
                                               : Array(lane.promiseChecks(drained: false).prefix(1)))
        }
    }

    /// Whether any check failed (not counting promises that were not in force).
    public var anyFailed: Bool { lanes.contains { $0.checks.contains { $0.status == .fail } } }

    // MARK: - JSON

    /// Deterministic JSON: fixed key order, integers and fixed-point decimals only.
    public func json() -> String {
        var out = "{\"seed\":\(settings.seed),\"virtual_ms\":\(settings.durationMicros / 1_000),"
        if let interruption {
            out += "\"incomplete\":true,\"reached_virtual_ms\":\(interruption.atMicros / 1_000),"
            out += "\"interrupted_while\":\"" + (interruption.draining ? "draining" : "producing") + "\","
        }
        out += "\"settings\":" + SettingsText.json(settings) + ",\"lanes\":["
        for (i, lane) in lanes.enumerated() {
            if i > 0 { out += "," }
            out += "{\"mode\":\"\(lane.mode.rawValue)\""
            for (name, value) in lane.counters.named { out += ",\"\(name)\":\(value)" }
            out += ",\"produced\":\(lane.produced),\"effected\":\(lane.effected),\"pending\":\(lane.pending),\"stale_keys\":\(lane.staleKeys)"
            out += ",\"latency_ms\":{\"p50\":\(Format.millis(lane.latencyP50Micros)),\"p99\":\(Format.millis(lane.latencyP99Micros)),\"max\":\(Format.millis(lane.latencyMaxMicros))}"
            out += ",\"events\":\(lane.events)"
            out += ",\"drained_at_ms\":" + (lane.drainedAtMicros.map { Format.millis($0) } ?? "null")
            out += ",\"checks\":{"
            for (j, c) in lane.checks.enumerated() {
                if j > 0 { out += "," }
                out += "\"\(c.name)\":{\"status\":\"\(c.status.rawValue)\",\"detail\":" + JSON.string(c.detail) + "}"
            }
            out += "}}"
        }
        out += "]}\n"
        return out
    }

    // MARK: - Table

    /// Readable labels for the counters, in `Counters.named` order.
    public static let labels: [String: String] = [
        "published": "published", "confirmed": "confirmed", "ready": "ready", "in_flight": "in flight",
        "unacked": "unacked", "delivered": "delivered", "redelivered": "redelivered", "acked": "acked",
        "processed": "processed", "duplicate_deliveries": "duplicate deliveries",
        "duplicate_effects": "duplicate effects", "duplicates_suppressed": "duplicates suppressed",
        "lost": "lost", "dead_lettered": "dead-lettered", "discarded": "discarded", "out_of_order": "out of order",
    ]

    /// Lanes as columns, counters as rows, then latency and checks.
    public func table() -> String {
        let labelWidth = 22
        let col = 18
        var out = "seed \(settings.seed) · \(Format.duration(settings.durationMicros)) virtual"
        out += settings.drain ? " + drain\n" : "\n"
        if let interruption {
            out += "INCOMPLETE: stopped at \(Format.seconds(interruption.atMicros)) virtual, while "
            out += (interruption.draining ? "draining" : "producing") + "; the numbers are those of that instant, not drained\n"
        }
        out += "\n"
        out += Format.rightPad("", labelWidth)
        for lane in lanes { out += Format.leftPad(lane.mode.rawValue, col) }
        out += "\n"
        func row(_ label: String, _ values: [String]) {
            out += Format.rightPad(label, labelWidth)
            for v in values { out += Format.leftPad(v, col) }
            out += "\n"
        }
        row("produced", lanes.map { String($0.produced) })
        for (k, name) in Counters.names.enumerated() {
            row(Self.labels[name] ?? name, lanes.map { String($0.counters.named[k].1) })
        }
        row("stale keys (end)", lanes.map { String($0.staleKeys) })
        row("latency p50 (ms)", lanes.map { Format.millis($0.latencyP50Micros) })
        row("latency p99 (ms)", lanes.map { Format.millis($0.latencyP99Micros) })
        row("latency max (ms)", lanes.map { Format.millis($0.latencyMaxMicros) })
        row("events", lanes.map { String($0.events) })
        out += "\nchecks\n"
        for lane in lanes {
            for c in lane.checks {
                let mark: String = switch c.status {
                case .pass: "ok  "
                case .fail: "FAIL"
                case .notInForce: "n/a "
                }
                out += "  \(mark) \(Format.rightPad(lane.mode.rawValue, 17)) \(Format.rightPad(c.name, 21)) \(c.detail)"
                if c.status == .notInForce { out += " (promise not in force)" }
                out += "\n"
            }
        }
        return out
    }
}

/// The settings of a run as text: JSON, and the flags that reproduce it.
public enum SettingsText {
    public static func json(_ s: Settings) -> String {
        var parts: [String] = []
        parts.append("\"duration\":\"\(Format.duration(s.durationMicros))\"")
        parts.append("\"messages\":" + (s.messageLimit.map(String.init) ?? "null"))
        parts.append("\"modes\":[" + s.modes.map { "\"\($0.rawValue)\"" }.joined(separator: ",") + "]")
        parts.append("\"producers\":\(s.producers)")
        parts.append("\"rate\":" + JSON.exact(s.ratePerSecond))
        parts.append("\"consumers\":\(s.consumers)")
        parts.append("\"prefetch\":\(s.prefetch)")
        parts.append("\"processing\":\"\(Format.duration(s.processingMicrosMean))\"")
        parts.append("\"latency\":\"\(Format.duration(s.latencyMicrosMin))..\(Format.duration(s.latencyMicrosMax))\"")
        parts.append("\"loss\":\"\(Format.percent(s.lossPerMillion))\"")
        parts.append("\"duplication\":\"\(Format.percent(s.duplicationPerMillion))\"")
        parts.append("\"ack_timeout\":\"\(Format.duration(s.ackTimeoutMicros))\"")
        parts.append("\"confirm_timeout\":\"\(Format.duration(s.confirmTimeoutMicros))\"")
        parts.append("\"max_deliveries\":\(s.maxDeliveries)")
        parts.append("\"durable\":\(s.durable)")
        parts.append("\"dedup_window\":\"\(Format.duration(s.dedupWindowMicros))\"")
        parts.append("\"crash_every\":\"\(Format.duration(s.crashEveryMicros))\"")
        parts.append("\"crash_for\":\"\(Format.duration(s.crashForMicros))\"")
        parts.append("\"chaos\":\(s.chaos)")
        parts.append("\"keys\":\(s.keys)")
        parts.append("\"drain\":\(s.drain)")
        parts.append("\"max_backlog\":\(s.maxBacklog)")
        parts.append("\"overflow\":\"\(s.overflow.rawValue)\"")
        parts.append("\"max_unconfirmed\":\(s.maxUnconfirmed)")
        return "{" + parts.joined(separator: ",") + "}"
    }

    /// The `ackscope run` command line that reproduces these settings exactly.
    public static func command(_ s: Settings) -> String {
        let d = Settings()
        var f = ["ackscope run", "--seed \(s.seed)", "--duration \(Format.duration(s.durationMicros))"]
        if let n = s.messageLimit { f.append("--messages \(n)") }
        if s.modes != d.modes { f.append("--modes " + s.modes.map(\.rawValue).joined(separator: ",")) }
        if s.producers != d.producers { f.append("--producers \(s.producers)") }
        if s.ratePerSecond != d.ratePerSecond { f.append("--rate " + JSON.exact(s.ratePerSecond)) }
        if s.consumers != d.consumers { f.append("--consumers \(s.consumers)") }
        if s.prefetch != d.prefetch { f.append("--prefetch \(s.prefetch)") }
        if s.processingMicrosMean != d.processingMicrosMean { f.append("--processing \(Format.duration(s.processingMicrosMean))") }
        if s.latencyMicrosMin != d.latencyMicrosMin || s.latencyMicrosMax != d.latencyMicrosMax {
            f.append("--latency \(Format.duration(s.latencyMicrosMin))..\(Format.duration(s.latencyMicrosMax))")
        }
        if s.lossPerMillion != d.lossPerMillion { f.append("--loss \(Format.percent(s.lossPerMillion))") }
        if s.duplicationPerMillion != d.duplicationPerMillion { f.append("--duplication \(Format.percent(s.duplicationPerMillion))") }
        if s.ackTimeoutMicros != d.ackTimeoutMicros { f.append("--ack-timeout \(Format.duration(s.ackTimeoutMicros))") }
        if s.confirmTimeoutMicros != d.confirmTimeoutMicros { f.append("--confirm-timeout \(Format.duration(s.confirmTimeoutMicros))") }
        if s.maxDeliveries != d.maxDeliveries { f.append("--max-deliveries \(s.maxDeliveries)") }
        if !s.durable { f.append("--transient") }
        if s.dedupWindowMicros != d.dedupWindowMicros { f.append("--dedup-window \(Format.duration(s.dedupWindowMicros))") }
        if s.crashEveryMicros > 0 { f.append("--crash-every \(Format.duration(s.crashEveryMicros)) --crash-for \(Format.duration(s.crashForMicros))") }
        if s.chaos { f.append("--chaos") }
        if s.keys != d.keys { f.append("--keys \(s.keys)") }
        if !s.drain { f.append("--no-drain") }
        if s.maxBacklog != d.maxBacklog { f.append("--max-backlog \(s.maxBacklog)") }
        if s.overflow != d.overflow { f.append("--overflow \(s.overflow.rawValue)") }
        if s.maxUnconfirmed != d.maxUnconfirmed { f.append("--max-unconfirmed \(s.maxUnconfirmed)") }
        return f.joined(separator: " ")
    }
}

/// Minimal JSON text helpers (no Foundation).
public enum JSON {
    /// A JSON string literal. DEL and the C1 controls are escaped too (JSON allows it): the
    /// text may be a scenario title printed by `--json -` on a terminal, and scenario files
    /// are written with this quoting, where TOML refuses a raw DEL.
    public static func string(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 || (0x7F...0x9F).contains(u.value) {
                    let hex = String(u.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "\""
    }

    /// A double exactly, in the shortest form that reads back to the same value: 50 → "50",
    /// 0.33337 → "0.33337", 1e-06 → "1e-06". For settings that must reproduce a run.
    public static func exact(_ d: Double) -> String {
        if d == d.rounded(), abs(d) < 1e15 { return String(Int64(d)) }
        return d.description
    }

    /// A number with at most three decimals, deterministic: 50 → "50", 0.5 → "0.5".
    public static func number(_ d: Double) -> String {
        let scaled = Int64((d * 1_000).rounded())
        return Format.trimmed(Format.fixed(scaled, decimals: 3))
    }
}
