import DeliverySim

/// The lanes side by side: one row per hop, one column per lane, and the row where the
/// lanes' fates part (one loses it, another applies it twice…).
///
/// Rows line up by what a hop is (publish 1, delivery 2, the processing of delivery 2), not
/// by when it happened, so the same hop in every lane is one row even where lanes ran at
/// slightly different times; the row's time is the earliest.
public struct StoryTable: Sendable {
    public struct Row: Equatable, Sendable {
        public var label: String
        public var atMicros: Micros
        /// One per lane; nil where that lane has no such hop.
        public var cells: [StorySpan?]
    }

    public let modes: [Mode]
    public let rows: [Row]
    /// The first row after which the lanes' fates differ.
    public let parting: Int?
    public let fates: [Fate]
    /// Columns of the time column.
    public let timeWidth: Int
    let glyphs: StoryGlyphs

    private enum RowKey: Hashable {
        case packet(UInt8, Int32, Int)
        case process(Int32, Int)
        case dedup(Int32, Int)
        case fate
        case trap(Int32, Int)
        case fault(Micros, Int)
    }

    public init(story: MessageStory, unicode: Bool = true) {
        let g: StoryGlyphs = unicode ? .unicode : .ascii
        glyphs = g
        modes = story.lanes.map(\.mode)
        var order: [RowKey] = []
        var rowsByKey: [RowKey: Row] = [:]
        var keysOfLane: [[RowKey]] = Array(repeating: [], count: story.lanes.count)  // each step's row
        for (l, lane) in story.lanes.enumerated() {
            var seen: [RowKey: Int] = [:]
            func key(_ base: (Int) -> RowKey) -> RowKey {
                let probe = base(0)
                let n = seen[probe, default: 0]
                seen[probe] = n + 1
                return base(n)
            }
            for s in lane.steps {
                let k: RowKey
                let label: String
                switch s.kind {
                case .packet(let hop):
                    k = key { .packet(hop.rawValue, s.attempt, $0) }
                    label = s.hopWord + " #\(s.attempt)"
                case .applied:
                    k = key { .process(s.attempt, $0) }
                    label = "process #\(s.attempt)"
                case .suppressed where s.cause == .dedupWindow || s.cause == .storeKey:
                    k = key { .dedup(s.attempt, $0) }
                    label = "dedup #\(s.attempt)"
                case .suppressed:
                    k = key { .process(s.attempt, $0) }
                    label = "process #\(s.attempt)"
                case .lost, .deadLettered, .discarded:
                    k = .fate
                    label = "fate"
                case .trap:
                    k = key { .trap(s.attempt, $0) }
                    label = "trap #\(s.attempt)"
                case .fault:
                    k = key { .fault(s.at, $0) }
                    label = s.action.map { a in ([a.verb] + [a.target?.short, a.value].compactMap { $0 }).joined(separator: " ") } ?? "fault"
                }
                if rowsByKey[k] == nil {
                    order.append(k)
                    rowsByKey[k] = Row(label: label, atMicros: s.at, cells: Array(repeating: nil, count: story.lanes.count))
                }
                rowsByKey[k]!.atMicros = min(rowsByKey[k]!.atMicros, s.at)
                rowsByKey[k]!.cells[l] = Self.cell(s, g)
                keysOfLane[l].append(k)
            }
        }
        // Earliest first; rows of the same time keep the order they were first seen in.
        let sorted = order.enumerated().sorted { a, b in
            let ta = rowsByKey[a.element]!.atMicros, tb = rowsByKey[b.element]!.atMicros
            return ta < tb || (ta == tb && a.offset < b.offset)
        }.map(\.element)
        rows = sorted.map { rowsByKey[$0]! }
        timeWidth = StoryWords.timeColumn(rows.map(\.atMicros))
        fates = story.lanes.map(\.fate)
        // The first row after which the lanes' fates differ, each lane's fate counting its
        // steps on that row and above (rows are in time order, a lane's steps need not be).
        var position: [RowKey: Int] = [:]
        for (r, k) in sorted.enumerated() { position[k] = r }
        var parting: Int?
        if story.lanes.count > 1 {
            for r in sorted.indices {
                let outcomes = story.lanes.indices.map { l in
                    var f = Fate()
                    for (s, k) in zip(story.lanes[l].steps, keysOfLane[l]) where position[k]! <= r { f.count(s) }
                    return f.outcome
                }
                if Set(outcomes).count > 1 { parting = r; break }
            }
        }
        self.parting = parting
    }

    static func cell(_ s: StoryStep, _ g: StoryGlyphs) -> StorySpan {
        let who = s.node?.short ?? ""
        switch s.kind {
        case .packet(let hop):
            switch s.outcome {
            case .arrived:
                var text = who + " " + g.arrived + (s.arrivals.count > 1 ? g.arrived : "")
                if hop == .deliver && s.again { text += " again" }
                return StorySpan(text, hop == .deliver && s.attempt > 1 ? .redelivery : .text)
            case .onWire: return StorySpan(who + " " + g.onWire, .dim)
            case .covered: return StorySpan(who + " " + g.covered + " covered", .dim)
            case .dropped:
                let why = switch s.cause {
                case .partition: "cut"
                case .consumerCrash: "crash"
                case .consumerDown: "down"
                case .brokerDown: "broker down"
                default: "wire"
                }
                return StorySpan(who + " " + g.drop + " " + why, .drop)
            }
        case .applied:
            return s.count > 1 ? StorySpan(g.effectAgain + " applied x\(s.count)", .duplicate) : StorySpan(g.effect + " applied", .effect)
        case .suppressed:
            return StorySpan(g.suppressed + " suppressed", .suppressed)
        case .lost: return StorySpan(g.drop + " LOST", .drop)
        case .discarded: return StorySpan(g.drop + " discarded", .drop)
        case .deadLettered: return StorySpan(g.deadLetter + " dead-lettered", .drop)
        case .trap: return StorySpan(g.crash + " " + who, .fault)
        case .fault:
            switch s.action {
            case .crash?: return StorySpan(g.crash, .fault)
            case .restart?: return StorySpan(g.restart, .fault)
            case .partition?, .partitionOneWay?: return StorySpan(g.partition, .fault)
            default: return StorySpan(g.otherFault, .fault)
            }
        }
    }

    public static let labelWidth = 17

    /// Lane columns wide enough for the cells, narrower when `width` says so.
    public func columnWidth(width: Int?) -> Int {
        guard let width else { return 18 }
        return max(8, min(18, (width - 1 - timeWidth - Self.labelWidth) / max(1, modes.count)))
    }

    /// Header, rows, the parting note and the fates, in `width` columns (or natural width).
    public func lines(width: Int? = nil) -> [StoryLine] {
        let w = columnWidth(width: width)
        func cell(_ text: String) -> String { Format.leftPad(String(text.prefix(w - 1)), w - 1) + " " }
        /// A cell right-aligned: its padding plain, only its words in their style.
        func cell(_ text: String, _ style: StoryStyle) -> [StorySpan] {
            let t = String(text.prefix(w - 1))
            return [StorySpan(String(repeating: " ", count: w - 1 - t.count), .text), StorySpan(t, style), StorySpan(" ", .text)]
        }
        var out: [StoryLine] = []
        var header = StoryLine([StorySpan(" " + Format.rightPad("time", timeWidth) + Format.rightPad("hop", Self.labelWidth), .dim)])
        for m in modes { header.spans.append(StorySpan(cell(m.name(fitting: w - 1)), .title)) }
        out.append(header)
        for (r, row) in rows.enumerated() {
            let mark = r == parting ? glyphs.parting : " "
            var line = StoryLine([StorySpan(mark, .parting),
                                  StorySpan(Format.leftPad(StoryWords.time(row.atMicros), timeWidth - 1) + " ", .time),
                                  StorySpan(Format.rightPad(String(row.label.prefix(Self.labelWidth - 1)), Self.labelWidth), r == parting ? .parting : .text)])
            for c in row.cells {
                line.spans += c.map { cell($0.text, $0.style) } ?? cell(glyphs.absent, .dim)
            }
            out.append(line)
        }
        var fateLine = StoryLine([StorySpan(" " + String(repeating: " ", count: timeWidth) + Format.rightPad("fate", Self.labelWidth), .title)])
        for f in fates { fateLine.spans += cell(f.shortWords, f.gone != nil ? .drop : (f.effects > 1 ? .duplicate : .text)) }
        out.append(fateLine)
        if fates.contains(where: { $0.suppressed > 0 }) {
            var line = StoryLine([StorySpan(" " + String(repeating: " ", count: timeWidth + Self.labelWidth), .dim)])
            for f in fates { line.spans += cell(f.suppressed > 0 ? "\(f.suppressed) suppressed" : "", .suppressed) }
            out.append(line)
        }
        if let parting {
            out.append(StoryLine(glyphs.parting + " where the lanes' fates part: " + rows[parting].label + ", "
                + StoryWords.time(rows[parting].atMicros), .parting))
        } else if modes.count > 1 {
            out.append(StoryLine("the lanes agree on this message so far", .dim))
        }
        return out
    }
}

extension Fate {
    /// The fate in a table cell: "lost", "applied twice".
    public var shortWords: String {
        switch gone {
        case .lost?: return "LOST"
        case .deadLettered?: return "dead-lettered"
        case .discarded?: return "discarded"
        case nil: return effects == 0 ? "not applied" : (effects == 1 ? "applied once" : (effects == 2 ? "applied twice" : "applied \(effects)x"))
        }
    }
}

extension Mode {
    /// The lane's name in `width` columns: "effectively-once" becomes "eff-once".
    public func name(fitting width: Int) -> String {
        if rawValue.count <= width { return rawValue }
        let short = switch self {
        case .atMostOnce: "at-most"
        case .atLeastOnce: "at-least"
        case .idempotent: "idempot."
        case .effectivelyOnce: "eff-once"
        case .inProcess: "in-proc"
        }
        return String(short.prefix(width))
    }
}
