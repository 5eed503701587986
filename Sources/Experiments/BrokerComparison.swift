import DeliverySim

/// The same scenario on the model and on a real broker, side by side: per lane, a column
/// for each; every counter, the latency and each check.
public struct BrokerComparison: Sendable {
    public var title: String
    public var sim: Summary
    public var real: Summary

    public init(title: String, sim: Summary, real: Summary) {
        self.title = title
        self.sim = sim
        self.real = real
    }

    /// The table: lanes across, sim and real under each, counters down.
    public func table() -> String {
        let labelWidth = 28, col = 9
        var out = "scenario: \(title) · seed \(sim.settings.seed) · \(sim.settings.productionText)"
        out += sim.settings.drain ? " + drain\n" : "\n"
        for note in real.notes { out += "note (\(real.broker ?? "real")): " + note + "\n" }
        for mode in sim.lanes.map(\.mode) where !real.lanes.contains(where: { $0.mode == mode }) {
            out += "note: the \(mode.rawValue) lane has no real-broker form: its \(real.broker ?? "real") column is '-'\n"
        }
        out += "\n" + Format.rightPad("", labelWidth)
        for lane in sim.lanes { out += Format.leftPad(lane.mode.rawValue, 2 * col) + "  " }
        out += "\n" + Format.rightPad("", labelWidth)
        for _ in sim.lanes { out += Format.leftPad("sim", col) + Format.leftPad(real.broker ?? "real", col) + "  " }
        out += "\n"
        // Lanes matched by mode: a lane the real broker cannot run shows '-'.
        let pairs = sim.lanes.map { s in (s, real.lanes.first { $0.mode == s.mode }) }
        func row(_ label: String, _ value: (Summary.LaneSummary) -> String) {
            out += Format.rightPad(label, labelWidth)
            for (s, r) in pairs { out += Format.leftPad(value(s), col) + Format.leftPad(r.map(value) ?? "-", col) + "  " }
            out += "\n"
        }
        row("produced") { String($0.produced) }
        for (k, name) in Counters.names.enumerated() {
            row(Summary.labels[name] ?? name) { $0.unobservable.contains(name) ? "n/a" : String($0.counters.named[k].1) }
        }
        row("stale keys (end)") { String($0.staleKeys) }
        row("latency p50 (ms)") { Format.millis($0.latencyP50Micros) }
        row("latency p99 (ms)") { Format.millis($0.latencyP99Micros) }
        var names: [String] = []
        for lane in sim.lanes + real.lanes { for c in lane.checks where !names.contains(c.name) { names.append(c.name) } }
        for name in names {
            row("check " + name) { lane in
                switch lane.checks.first(where: { $0.name == name })?.status {
                case .pass?: "ok"
                case .fail?: "FAIL"
                case .notInForce?: "n/a"
                case nil: "-"
                }
            }
        }
        return out
    }

    /// `{"scenario":…,"sim":{…},"nats":{…}}`: each side as `ackscope run --json` writes it.
    public func json() -> String {
        let trim = { (s: String) in s.hasSuffix("\n") ? String(s.dropLast()) : s }
        return "{\"scenario\":" + JSON.string(title) + ",\"sim\":" + trim(sim.json()) + ",\"" + (real.broker ?? "real") + "\":" + trim(real.json()) + "}\n"
    }
}
