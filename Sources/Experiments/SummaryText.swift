import DeliverySim

/// A run's summary as text: the JSON (`--json`) and the table `ackscope run` prints.
///
/// Words and formats live here, at the edge; `Summary` in DeliverySim holds only the facts.
extension Summary {
    // MARK: - JSON

    /// Deterministic JSON: fixed key order, integers and fixed-point decimals only.
    public func json() -> String {
        var out = "{"
        if let broker {
            // A real broker: wall time, not virtual; the seed picks only the workload's dice.
            out += "\"broker\":" + JSON.string(broker) + ",\"clock\":\"wall\",\"deterministic\":false,\"notes\":["
                + notes.map(JSON.string).joined(separator: ",") + "],"
        }
        out += "\"seed\":\(settings.seed),\"virtual_ms\":"
        out += (settings.productionUnlimited ? "null" : String(settings.durationMicros / 1_000)) + ","
        if let interruption {
            out += "\"incomplete\":true,\"reached_virtual_ms\":\(interruption.atMicros / 1_000),"
            out += "\"interrupted_while\":\"" + (interruption.draining ? "draining" : "producing") + "\","
        }
        out += "\"settings\":" + SettingsText.json(settings)
        out += ",\"production_ended_by\":" + (productionEndedBy.map { "\"\($0)\"" } ?? "null") + ",\"lanes\":["
        for (i, lane) in lanes.enumerated() {
            if i > 0 { out += "," }
            out += "{\"mode\":\"\(lane.mode.rawValue)\""
            for (name, value) in lane.counters.named {
                out += ",\"\(name)\":" + (lane.unobservable.contains(name) ? "null" : String(value))
            }
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
        "unacked": "unacked", "acks_pending": "  acks unsent", "delivered": "delivered", "redelivered": "redelivered", "acked": "acked",
        "processed": "processed", "duplicate_deliveries": "duplicate deliveries",
        "duplicate_effects": "duplicate effects", "duplicates_suppressed": "duplicates suppressed",
        "lost": "lost", "dead_lettered": "dead-lettered", "discarded": "discarded", "out_of_order": "out of order",
    ]

    /// Lanes as columns, counters as rows, then latency and checks.
    public func table() -> String {
        let labelWidth = 22
        let col = 18
        var out = broker.map { "broker \($0) (real server, wall clock, not deterministic) · " } ?? ""
        // A real broker's run lasted its duration of wall time, not virtual time.
        out += "seed \(settings.seed) · " + (broker == nil ? settings.productionText : settings.productionText.replacingVirtual)
        out += settings.drain ? " + drain\n" : "\n"
        for note in notes { out += "note: " + note + "\n" }
        if let n = settings.messageLimit, let by = productionEndedBy {
            out += by == "messages" ? "production ended after \(n) messages\n"
                : "production ended at \(Format.duration(settings.durationMicros)), before \(n) messages\n"
        }
        if let interruption {
            out += "INCOMPLETE: stopped at \(Format.seconds(interruption.atMicros)) \(broker == nil ? "virtual" : "wall"), while "
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
            row(Self.labels[name] ?? name, lanes.map { $0.unobservable.contains(name) ? "n/a" : String($0.counters.named[k].1) })
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

extension String {
    /// "30s virtual" → "30s wall".
    var replacingVirtual: String { hasSuffix(" virtual") ? String(dropLast(" virtual".count)) + " wall" : self }
}
