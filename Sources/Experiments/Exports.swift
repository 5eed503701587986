import DeliverySim

/// The `--csv` and `--events` exports of a run, written through sinks the caller owns.
///
/// CSV: a header, then one row per lane per sample interval (virtual time), every counter
/// under its JSON name; a last row per lane (`phase` = `end`) holds the numbers the summary
/// reports. Events: JSON Lines, one message event per line (`EventLines.line`), in
/// virtual-time order, streamed in chunks so memory stays flat.
public struct ExportObserver: RunObserver {
    public var sampleEveryMicros: Micros?
    public var wantsEvents: Bool { eventLine != nil }
    /// Receives the CSV text, a row (or the header) at a time.
    private let csvText: ((String) -> Void)?
    /// Receives each JSON Lines record, newline included.
    private let eventLine: ((String) -> Void)?
    public private(set) var csvRows = 0
    public private(set) var eventCount = 0

    public init(sampleEveryMicros: Micros = Duration.seconds(1), csv: ((String) -> Void)?, events: ((String) -> Void)?) {
        self.sampleEveryMicros = csv == nil ? nil : sampleEveryMicros
        self.csvText = csv
        self.eventLine = events
        csv?(Self.csvHeader)
    }

    /// `t_ms,phase,lane,<every counter>,produced,effected,pending`.
    public static let csvColumns = ["t_ms", "phase", "lane"] + Counters.names + ["produced", "effected", "pending"]
    public static var csvHeader: String { csvColumns.joined(separator: ",") + "\n" }

    /// One CSV row: the lane's counters at `atMicros`.
    public static func csvRow(atMicros: Micros, phase: RunPhase, lane: Lane) -> String {
        var row = Format.millis(atMicros) + "," + phase.rawValue + "," + lane.mode.rawValue
        for (_, value) in lane.counters.named { row += "," + String(value) }
        row += ",\(lane.produced),\(lane.effected),\(lane.pending)\n"
        return row
    }

    /// One CSV row of a real broker's lane: an unobservable counter is an empty field.
    public static func csvRow(atMicros: Micros, phase: RunPhase, observed lane: ObservedLane) -> String {
        var row = Format.millis(atMicros) + "," + phase.rawValue + "," + lane.mode.rawValue
        for (name, value) in lane.counters.named { row += "," + (lane.isObservable(name) ? String(value) : "") }
        row += ",\(lane.produced),\(lane.effected),\(lane.pending)\n"
        return row
    }

    public mutating func sample(atMicros: Micros, phase: RunPhase, lanes: [Lane]) {
        guard let csvText else { return }
        for lane in lanes {
            csvText(Self.csvRow(atMicros: atMicros, phase: phase, lane: lane))
            csvRows += 1
        }
    }

    public mutating func events(_ batch: [(Mode, SimEvent)]) {
        guard let eventLine else { return }
        for (mode, event) in batch {
            guard let line = EventLines.line(event, mode: mode) else { continue }
            eventLine(line + "\n")
            eventCount += 1
        }
    }

    public mutating func finish(atMicros: [Micros], lanes: [Lane]) {
        guard let csvText else { return }
        for (i, lane) in lanes.enumerated() {
            csvText(Self.csvRow(atMicros: atMicros[i], phase: .end, lane: lane))
            csvRows += 1
        }
    }
}
