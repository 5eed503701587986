import DeliverySim
import Experiments

/// The characters of the flow view.
struct FlowGlyphs: Sendable {
    var publish, confirm, deliver, redeliver, ack, credit, drop: Unicode.Scalar
    var wire: Unicode.Scalar
    /// A box of the window of doubt, by eighths of the ack timeout left (index 0 = 1/8).
    var levels: [Unicode.Scalar]
    /// A message held with no deadline (at-most-once memory, in-process deliveries).
    var held: Unicode.Scalar
    /// A delivery whose consumer is gone: it comes back at its deadline.
    var back: Unicode.Scalar
    /// Horizontal eighths for the ready bar (index 0 = empty).
    var eighths: [Unicode.Scalar]
    var done, left, deadline: Unicode.Scalar
    var times: String
    /// Corners and tees, by the directions they join.
    var joint: @Sendable (_ up: Bool, _ down: Bool, _ left: Bool, _ right: Bool) -> Unicode.Scalar

    static let unicode = FlowGlyphs(
        publish: "●", confirm: "○", deliver: "■", redeliver: "◆", ack: "□", credit: "·", drop: "✗", wire: "─",
        levels: ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"], held: "▪", back: "↻",
        eighths: [" ", "▏", "▎", "▍", "▌", "▋", "▊", "▉", "█"], done: "▓", left: "░", deadline: "┃", times: "×",
        joint: { u, d, l, r in
            switch (u, d, l, r) {
            case (true, true, true, true): "┼"
            case (true, true, true, false): "┤"
            case (true, true, false, true): "├"
            case (false, true, true, true): "┬"
            case (true, false, true, true): "┴"
            case (false, true, false, true): "╭"
            case (false, true, true, false): "╮"
            case (true, false, false, true): "╰"
            case (true, false, true, false): "╯"
            case (false, false, _, _): "─"
            default: "│"
            }
        })

    static let ascii = FlowGlyphs(
        publish: "P", confirm: "c", deliver: "D", redeliver: "R", ack: "a", credit: ".", drop: "x", wire: "-",
        levels: ["1", "2", "3", "4", "5", "6", "7", "8"], held: "o", back: "@",
        eighths: [" ", ".", ".", ":", ":", "=", "=", "#", "#"], done: "#", left: ".", deadline: "|", times: "x",
        joint: { u, d, l, r in (u || d) && (l || r) ? "+" : (u || d ? "|" : "-") })

    /// A packet's glyph and role: requests filled, replies hollow.
    func packet(_ p: WirePacket) -> (Unicode.Scalar, StyleRole) {
        switch p.hop {
        case .publish: (publish, .packetPublish)
        case .confirm: (confirm, .packetConfirm)
        case .deliver: p.isRedelivery ? (redeliver, .packetRedeliver) : (deliver, .packetDeliver)
        case .ack: (ack, .packetAck)
        case .credit, .none: (credit, .packetAck)
        }
    }
}

/// The flow view (`v`): producers, the broker with its ready queue, consumers with their
/// unacked deliveries, and every packet of one lane on its wire, placed at
/// (now - sent) / (arrival - sent) of the way, as RaftScope draws Raft's messages.
extension App {
    /// Above this speed the wires show packets per second: motion means nothing there.
    public static let flowMotionMaxSpeed: Double = 20
    /// A drop's mark stays this long in wall seconds at the speed set: bright, then dim.
    static let markBrightWall = 0.5
    static let markWall = 1.5
    /// Narrower than this beside the lanes, the flow view takes the whole width (compact).
    static let flowMinWidth = 56

    /// The lane the flow view follows: the one picked with a digit, if shown, else the
    /// reference lane (at-least-once when shown).
    public var flowLaneIndex: Int {
        if let flowPick, shownLanes.contains(flowPick) { return flowPick }
        return referenceLaneIndex
    }

    /// Whether the flow view takes the whole width at `width` columns (the lanes then show as
    /// one line of verdicts inside it).
    func flowCompact(width: Int) -> Bool {
        width - laneBoxWidth(total: width) < Self.flowMinWidth
    }

    var flowGlyphs: FlowGlyphs { unicode ? .unicode : .ascii }
    var separator: String { unicode ? " · " : " - " }

    func drawFlow(_ buf: inout ScreenBuffer, x: Int, y: Int, width: Int, height: Int, compact: Bool) {
        let k = flowLaneIndex
        let lane = sim.lanes[k]
        let pick = shownLanes.count > 1 ? separator + "keys 1-\(shownLanes.count) pick one" : ""
        drawBox(&buf, x: x, y: y, width: width, height: height, title: "flow: \(lane.mode.rawValue) lane" + pick)
        let ix = x + 1, iw = width - 2
        var top = y + 1
        var bottom = y + height - 2
        top = drawFlowLegend(&buf, lane.mode, x: ix + 1, y: top, width: iw - 2, rows: height >= 17 ? 2 : 1)
        if compact {
            drawVerdictLine(&buf, x: ix + 1, y: top, width: iw - 2)
            top += 1
        }
        let caption = bottom
        bottom -= 1
        guard bottom - top >= 2, iw >= 40 else { return }
        let layout = FlowLayout(app: self, x: ix, top: top, bottom: bottom, width: iw)
        let fates = drawFlowDiagram(&buf, layout, lane: lane, laneIndex: k)
        buf.put(flowCaption(layout, lane: lane, fates: fates, width: iw - 2), x: ix + 1, y: caption, role: .dim, maxWidth: iw - 2)
    }

    /// The glyphs' meanings, on one row or two; returns the row after it.
    func drawFlowLegend(_ buf: inout ScreenBuffer, _ mode: Mode, x: Int, y: Int, width: Int, rows: Int) -> Int {
        let g = flowGlyphs
        var items: [(Unicode.Scalar, StyleRole, String)] = [
            (g.publish, .packetPublish, "publish"), (g.confirm, .packetConfirm, "confirm"),
            (g.deliver, .packetDeliver, "deliver"), (g.redeliver, .packetRedeliver, "redeliver"),
            mode.acksAfterProcessing ? (g.ack, .packetAck, "ack") : (g.credit, .packetAck, "credit (no ack)"),
            (g.drop, .stateLost, "drop"),
        ]
        switch mode {
        case .atMostOnce: items.append((g.held, .stateInFlight, "held by a consumer, no ack"))
        case .inProcess: items.append((g.held, .stateUnacked, "unacked (no deadline in one process)"))
        default: items.append((g.levels[5], .stateUnacked, unicode ? "unacked: height = time to ack deadline" : "unacked: 8ths of the ack timeout left"))
        }
        var cx = x, row = y
        for (glyph, role, word) in items {
            if cx + 2 + word.count > x + width {
                guard row + 1 < y + rows else { break }
                row += 1
                cx = x
            }
            buf[cx, row] = Cell(glyph, role)
            cx = buf.put(" " + word + "  ", x: cx + 1, y: row, role: .dim, maxWidth: x + width - cx - 1)
        }
        return y + rows
    }

    /// The compact layout's stand-in for the lanes panel: each shown lane's verdict.
    func drawVerdictLine(_ buf: inout ScreenBuffer, x: Int, y: Int, width: Int) {
        var cx = x
        for i in shownLanes {
            let lane = sim.lanes[i]
            let name = Self.laneName(lane.mode, width: 10)
            let (text, role) = verdict(lane, width: 10)
            guard cx + name.count + text.count + 1 <= x + width else { break }
            cx = buf.put(name + " ", x: cx, y: y, role: Self.laneRole(lane.mode))
            cx = buf.put(text + "   ", x: cx, y: y, role: role, maxWidth: x + width - cx)
        }
    }

    /// What the picture needs said, most important first, as many parts as fit whole.
    /// `fates`: what the shown crashed consumers' boxes become at their deadlines.
    func flowCaption(_ layout: FlowLayout, lane: Lane, fates: Set<String>, width: Int) -> String {
        var parts: [String] = []
        if paused {
            parts.append("paused: . steps one event of this lane")
        } else if speed > Self.flowMotionMaxSpeed {
            parts.append("above \(Self.speedText(Self.flowMotionMaxSpeed)): packets per virtual second on each wire")
        } else {
            let n = lane.counters.inFlight
            parts.append("\(n) packet\(n == 1 ? "" : "s") on the wires")
        }
        if layout.consumers.count < settings.consumers {
            parts.append("consumers c\(layout.consumers.lowerBound + 1)-c\(layout.consumers.upperBound) of \(settings.consumers) (Tab)")
        }
        if layout.producers.count < settings.producers {
            parts.append("producers p\(layout.producers.lowerBound + 1)-p\(layout.producers.upperBound) of \(settings.producers)")
        }
        // A crashed consumer's boxes are deliveries waiting for their deadlines.
        if !fates.isEmpty {
            parts.insert("\(flowGlyphs.back) " + fates.sorted().reversed().joined(separator: " or ") + " at its deadline", at: 0)
        }
        if !lane.brokerUp && lane.mode.acksAfterProcessing && lane.mode != .inProcess {
            parts.insert("broker down: no deadline fires until it restarts", at: 0)
        }
        var line = ""
        for part in parts {
            let next = line.isEmpty ? part : line + separator + part
            if next.count <= width { line = next }
        }
        return line
    }

    /// Entries of the broker's deadline queue looked at per frame for the boxes: enough for
    /// every box on screen in any ordinary world, bounded in a huge one.
    static let deadlineScanLimit = 2_048

    /// Returns what the shown crashed consumers' boxes become at their deadlines.
    func drawFlowDiagram(_ buf: inout ScreenBuffer, _ L: FlowLayout, lane: Lane, laneIndex: Int) -> Set<String> {
        let g = flowGlyphs
        let now = sim.now
        // The buses beside the broker, and the broker's box.
        drawBus(&buf, x: L.leftBus, rows: L.producerRows, mid: L.mid, clientsLeft: true)
        drawBus(&buf, x: L.rightBus, rows: L.consumerRows, mid: L.mid, clientsLeft: false)
        drawBrokerBox(&buf, L, lane: lane)
        // The shown consumers' unacked deliveries, earliest deadline first: one walk of the
        // broker's deadline queue, stopping once each has as many boxes as fit.
        let boxRoom = L.right - L.consumerLabel
        var open = Array(repeating: [OpenDelivery](), count: L.consumers.count)
        if lane.mode.acksAfterProcessing && lane.mode != .inProcess {
            // Each consumer needs as many as fit, or as many as it has: then the walk stops.
            let wanted = L.consumers.map { min(boxRoom, lane.state(of: .consumer($0)).unacked) }
            var full = zip(open, wanted).filter { $0.0.count >= $0.1 }.count
            if full < open.count {
                lane.forEachOpenDeliveryByDeadline(limit: Self.deadlineScanLimit) { d in
                    guard L.consumers.contains(d.consumer) else { return true }
                    let k = d.consumer - L.consumers.lowerBound
                    if open[k].count < wanted[k] {
                        open[k].append(d)
                        if open[k].count == wanted[k] { full += 1 }
                    }
                    return full < open.count
                }
            }
        }
        // Drops still shown, by wire (not above the motion speed: rates say it there).
        let rates = speed > Self.flowMotionMaxSpeed
        var marks: [Int: [(WireMemory.Mark, Double)]] = [:]
        var lostIn: [Int: Int] = [:]
        if !rates {
            for m in wires.marks[laneIndex] {
                guard let age = markAge(m) else { continue }
                if m.lost { lostIn[m.wire, default: 0] += 1 } else { marks[m.wire, default: []].append((m, age)) }
            }
        }
        // Each client's wire and label.
        for (j, p) in L.producers.enumerated() {
            let node = Node.producer(p)
            drawWire(&buf, from: L.producerWire.lowerBound, to: L.producerWire.upperBound, y: L.producerRows[j], node: node, lane: lane)
            drawNodeLabel(&buf, node, lane: lane, x: L.x, y: L.producerRows[j])
        }
        var fates = Set<String>()
        for (j, c) in L.consumers.enumerated() {
            let node = Node.consumer(c)
            drawWire(&buf, from: L.consumerWire.lowerBound, to: L.consumerWire.upperBound, y: L.consumerRows[j], node: node, lane: lane)
            let after = drawNodeLabel(&buf, node, lane: lane, x: L.consumerLabel, y: L.consumerRows[j])
            let fate = drawConsumerWork(&buf, c, lane: lane, open: open[j], lost: lostIn[settings.producers + c] ?? 0,
                                        x: after + 1, y: L.consumerRows[j], width: L.right - after - 1, under: L.consumerLabel)
            if let fate { fates.insert(fate) }
        }
        if rates {
            drawRates(&buf, L, laneIndex: laneIndex)
            return fates
        }
        // What is on the wires, by wire.
        var onWire: [Int: [WirePacket]] = [:]
        lane.forEachPacketOnWire { p in
            if let w = L.wire(of: p.node) { onWire[w, default: []].append(p) }
        }
        var crowded = Set<Int>()
        for (wire, packets) in onWire.sorted(by: { $0.key < $1.key }) {
            guard let (row, span, brokerOnLeft) = L.wire(ofIndex: wire) else { continue }
            let cells = span.count
            if packets.count > cells {
                // A count, not a smear; the drops on it join the count.
                let n = packets.count, drops = marks[wire]?.count ?? 0
                let d = drops > 0 ? " \(g.drop)\(g.times)\(drops)" : ""
                let text = [" \(n) on the wire\(d) ", "\(n) on the wire\(d)", "\(n) on wire\(d)", "\(n)\(d)", "\(n)"].first { $0.count <= cells } ?? ""
                buf.put(text, x: span.lowerBound + (cells - text.count) / 2, y: row, role: .stateInFlight, maxWidth: cells)
                crowded.insert(wire)
                continue
            }
            for p in packets.sorted(by: Self.packetOrder) {
                let (glyph, role) = g.packet(p)
                let along = Int((p.progress(at: now) * Double(cells - 1)).rounded())
                // Toward the broker means toward its side of the wire.
                let fromLeft = p.toBroker != brokerOnLeft
                buf[fromLeft ? span.lowerBound + along : span.upperBound - 1 - along, row] = Cell(glyph, role)
            }
        }
        drawMarks(&buf, L, marks.filter { !crowded.contains($0.key) }, lane: lane)
        return fates
    }

    /// Deterministic drawing order: the packet sent last is drawn on top.
    static func packetOrder(_ a: WirePacket, _ b: WirePacket) -> Bool {
        (a.sentMicros, a.arrivalMicros, a.message.raw, a.attempt, a.hop.rawValue)
            < (b.sentMicros, b.arrivalMicros, b.message.raw, b.attempt, b.hop.rawValue)
    }

    func drawBus(_ buf: inout ScreenBuffer, x: Int, rows: [Int], mid: Int, clientsLeft: Bool) {
        guard let first = rows.first, let last = rows.last else { return }
        let lo = min(first, mid), hi = max(last, mid)
        let g = flowGlyphs
        for r in lo...hi {
            let client = rows.contains(r)
            let left = clientsLeft ? client : r == mid
            let right = clientsLeft ? r == mid : client
            guard r > lo || r < hi || left || right else { continue }
            buf[x, r] = Cell(g.joint(r > lo, r < hi, left, right), .border)
        }
    }

    func drawBrokerBox(_ buf: inout ScreenBuffer, _ L: FlowLayout, lane: Lane) {
        let x = L.brokerBox.lowerBound, w = L.brokerBox.count
        drawBox(&buf, x: x, y: L.boxTop, width: w, height: L.boxHeight, title: "broker")
        let g = flowGlyphs
        buf[x, L.mid] = Cell(g.joint(true, true, true, false), .border)
        buf[x + w - 1, L.mid] = Cell(g.joint(true, true, false, true), .border)
        let st = lane.state(of: .broker)
        let (symbol, word, role) = nodeWords(st)
        let inner = w - 2
        let c = lane.counters
        var rows: [(String, StyleRole)] = [(symbol + " " + word, role), ("ready " + Format.abbreviated(c.ready, width: inner - 6), .stateReady)]
        let barRow = rows.count
        rows.append(("", .stateReady))
        rows.append(("unacked " + Format.abbreviated(c.unacked, width: inner - 8), .stateUnacked))
        for (i, (text, role)) in rows.prefix(L.boxHeight - 2).enumerated() {
            let y = L.boxTop + 1 + i
            if i == barRow {
                // The ready queue as a bar: one eighth of a cell per message, full beyond that.
                let eighths = min(c.ready, inner * 8)
                for cell in 0..<inner {
                    let e = max(0, min(8, eighths - cell * 8))
                    if e > 0 { buf[x + 1 + cell, y] = Cell(g.eighths[e], .stateReady) }
                }
                if c.ready > inner * 8 { buf[x + w - 2, y] = Cell(unicode ? "»" : ">", .stateReady) }
            } else {
                buf.put(text, x: x + 1, y: y, role: role, maxWidth: inner)
            }
        }
    }

    /// A client's wire: a line, cut where a partition cuts it, saying which way is dead.
    func drawWire(_ buf: inout ScreenBuffer, from: Int, to: Int, y: Int, node: Node, lane: Lane) {
        let g = flowGlyphs
        let cut = lane.cut(of: node)
        let down = !lane.state(of: node).up
        buf.fill(x: from, y: y, width: to - from, height: 1, scalar: g.wire, role: down || cut.any ? .dim : .border)
        guard cut.any else { return }
        let x = unicode ? "✗" : "x"
        let (right, left) = unicode ? ("→", "←") : (">", "<")
        let forms: [String]
        if cut.toBroker && cut.fromBroker {
            forms = [" \(x) cut \(x) ", "\(x)cut\(x)", "\(x)\(x)"]
        } else if cut.toBroker {
            // One way: what travels toward the broker is lost; the arrow points that way.
            if case .producer = node {
                forms = [" publishes \(x)\(right) ", "pubs \(x)\(right)", "\(x)\(right)"]
            } else {
                forms = [" \(left)\(x) acks ", "\(left)\(x)acks", "\(left)\(x)"]
            }
        } else {
            if case .producer = node {
                forms = [" \(left)\(x) confirms ", "\(left)\(x)"]
            } else {
                forms = [" deliveries \(x)\(right) ", "\(x)\(right)"]
            }
        }
        let width = to - from
        let shown = forms.first { $0.count <= width } ?? ""
        buf.put(shown, x: from + max(0, (width - shown.count) / 2), y: y, role: .nodePartitioned, maxWidth: width)
    }

    /// `p1 ●`, selected or not; returns the column after it.
    @discardableResult
    func drawNodeLabel(_ buf: inout ScreenBuffer, _ node: Node, lane: Lane, x: Int, y: Int) -> Int {
        let st = lane.state(of: node)
        let (symbol, _, role) = nodeWords(st)
        let selected = selectedNode == node
        // A crashed node is greyed out; its symbol still says why.
        let cx = buf.put(node.short, x: x, y: y, role: selected ? .selection : (st.up ? .text : .dim))
        return buf.put(" " + symbol, x: cx, y: y, role: role)
    }

    /// Beside a consumer: its processing (while slow, the bar outlives the ack deadline),
    /// and under it its unacked deliveries (`open`, earliest deadline first), each a box
    /// shrinking to its deadline.
    /// Returns what its boxes become at their deadlines when it is crashed ("redelivered",
    /// "dead-lettered"), if it has any.
    @discardableResult
    func drawConsumerWork(_ buf: inout ScreenBuffer, _ c: Int, lane: Lane, open: [OpenDelivery], lost: Int,
                          x: Int, y: Int, width: Int, under: Int) -> String? {
        guard width > 3 else { return nil }
        var fates: [String] = []
        let g = flowGlyphs
        let st = lane.state(of: .consumer(c))
        let now = sim.now
        let work = lane.work(of: c)
        // The row of the wire: the state, or the processing bar.
        if !st.up {
            buf.put("CRASHED", x: x, y: y, role: .nodeCrashed, maxWidth: width)
        } else if let p = work.processing, p.until - p.since > Micros(speed * 100_000) {
            // Long enough to be seen for a few frames: from its start to its end or its
            // delivery's ack deadline, whichever is later; the deadline marked.
            let end = max(p.until, p.deadline ?? p.until)
            let span = Double(max(1, end - p.since))
            let doneCells = max(0, min(width, Int(Double(now - p.since) / span * Double(width))))
            let mark = p.deadline.map { max(0, min(width - 1, Int(Double($0 - p.since) / span * Double(width - 1)))) }
            for i in 0..<width {
                let overdue = p.deadline.map { now > $0 && i > (mark ?? width) } ?? false
                let role: StyleRole = overdue ? .stateRedelivered : (st.slow ? .nodeSlow : .stateInFlight)
                buf[x + i, y] = Cell(i < doneCells ? g.done : g.left, i < doneCells ? role : .dim)
            }
            if let mark { buf[x + mark, y] = Cell(g.deadline, .warning) }
        }
        // The row under it: the window of doubt.
        let room = x + width - under
        var cells: [Cell] = []
        var total = 0
        var tails: [String] = [""]
        var tailRole = StyleRole.stateRedelivered
        switch lane.mode {
        case .atMostOnce:
            total = work.held
            cells = Array(repeating: Cell(g.held, .stateInFlight), count: min(total, room))
        case .inProcess:
            total = st.unacked
            cells = Array(repeating: Cell(g.held, .stateUnacked), count: min(total, room))
        default:
            total = st.unacked
            let max = lane.maxDeliveries
            let givesUp = { (d: OpenDelivery) in max > 0 && Int(d.delivery) >= max }
            for d in open {
                let deadline = d.deadlineMicros
                if !st.up {
                    cells.append(Cell(g.back, givesUp(d) ? .stateDeadLettered : .stateRedelivered))
                } else if deadline <= now {
                    // Overdue: only while the broker is down does a deadline wait.
                    cells.append(Cell(g.levels[0], .dim))
                } else {
                    let level = Int((Double(deadline - now) / Double(Swift.max(1, settings.ackTimeoutMicros)) * 8).rounded(.up))
                    cells.append(Cell(g.levels[Swift.max(1, Swift.min(8, level)) - 1], .stateUnacked))
                }
            }
            if !st.up, let first = open.first {
                let t = Format.seconds(first.deadlineMicros)
                let fate = givesUp(first) ? "dead-lettered" : "redelivered"
                if givesUp(first) { tailRole = .stateDeadLettered }
                tails = [" \(fate) at \(t)", " at \(t)", ""]
                fates = [fate]
            }
        }
        let lostText = lost > 0 ? " \(g.drop) lost \(lost)" : ""
        // The longest wording that fits; if even the boxes do not, fewer boxes and a count.
        var shown = cells.count
        func more(_ n: Int) -> String { total > n ? " +\(total - n)" : "" }
        var tail = tails.first { shown + more(shown).count + $0.count + lostText.count <= room }
        while tail == nil && shown > 0 {
            shown -= 1
            tail = shown + more(shown).count + lostText.count <= room ? "" : nil
        }
        var cx = under
        for cell in cells.prefix(shown) { buf[cx, y + 1] = cell; cx += 1 }
        cx = buf.put(more(shown), x: cx, y: y + 1, role: .stateUnacked, maxWidth: under + room - cx)
        cx = buf.put(tail ?? "", x: cx, y: y + 1, role: tailRole, maxWidth: under + room - cx)
        buf.put(lostText, x: cx, y: y + 1, role: .stateLost, maxWidth: under + room - cx)
        return fates.first
    }

    /// How old a mark is in wall seconds at the speed set, if it is still shown.
    func markAge(_ m: WireMemory.Mark) -> Double? {
        guard m.atMicros <= sim.now else { return nil }
        let age = Double(sim.now - m.atMicros) / 1_000_000 / max(speed, 0.001)
        return age <= Self.markWall ? age : nil
    }

    /// Where packets fell: a `✗` that fades, or a count when several lie on one wire. A cut
    /// wire says so in its middle instead: everything sent the dead way falls there.
    func drawMarks(_ buf: inout ScreenBuffer, _ L: FlowLayout, _ byWire: [Int: [(WireMemory.Mark, Double)]], lane: Lane) {
        let g = flowGlyphs
        for (wire, marks) in byWire {
            guard let (row, span, brokerOnLeft) = L.wire(ofIndex: wire), !lane.cut(of: L.node(ofWire: wire)).any else { continue }
            let youngest = marks.map(\.1).min() ?? 0
            let role: StyleRole = youngest <= Self.markBrightWall ? .stateLost : .dim
            if marks.count > 1 {
                let text = "\(g.drop)\(g.times)\(marks.count)"
                buf.put(text, x: span.lowerBound + max(0, (span.count - text.count) / 2), y: row, role: role, maxWidth: span.count)
                continue
            }
            let (m, _) = marks[0]
            let along = Int((m.place * Double(span.count - 1)).rounded())
            let fromLeft = m.toBroker != brokerOnLeft
            buf[fromLeft ? span.lowerBound + along : span.upperBound - 1 - along, row] = Cell(g.drop, role)
        }
    }

    /// Above the motion speed: each wire's packets per second both ways, and its drops.
    func drawRates(_ buf: inout ScreenBuffer, _ L: FlowLayout, laneIndex: Int) {
        let rates = wires.rates[laneIndex]
        let (right, left) = unicode ? ("→", "←") : (">", "<")
        for wire in rates.indices {
            guard let (row, span, brokerOnLeft) = L.wire(ofIndex: wire) else { continue }
            guard !sim.lanes[laneIndex].cut(of: L.node(ofWire: wire)).any else { continue }
            let t = rates[wire]
            let rightward = brokerOnLeft ? t.fromBroker : t.toBroker
            let leftward = brokerOnLeft ? t.toBroker : t.fromBroker
            // The widest form that fits: numbers abbreviated harder, then the drops left out.
            var forms: [String] = []
            for w in [4, 3] {
                let a = Format.abbreviated(rightward, width: w), b = Format.abbreviated(leftward, width: w)
                let drops = t.dropped > 0 ? " \(flowGlyphs.drop)\(Format.abbreviated(t.dropped, width: w))" : ""
                forms += [" \(a)\(right) \(left)\(b)\(drops) ", "\(a)\(right)\(left)\(b)\(drops)", "\(a)\(right)\(left)\(b)"]
            }
            let text = forms.first { $0.count <= span.count } ?? ""
            buf.put(text, x: span.lowerBound + (span.count - text.count) / 2, y: row,
                    role: t.dropped > 0 && text.contains(String(flowGlyphs.drop)) ? .stateLost : .stateInFlight, maxWidth: span.count)
        }
    }
}

/// Where the flow view puts things, worked out once per frame from the space and the
/// selection (a long list of clients shows a window around the selected one).
struct FlowLayout {
    var x: Int
    var right: Int
    var producers: Range<Int>
    var consumers: Range<Int>
    var producerRows: [Int]
    var consumerRows: [Int]
    /// Columns of the wires' cells (packets travel here).
    var producerWire: Range<Int>
    var consumerWire: Range<Int>
    var leftBus: Int
    var rightBus: Int
    var brokerBox: Range<Int>
    var boxTop: Int
    var boxHeight: Int
    var mid: Int
    var consumerLabel: Int
    let producerCount: Int

    init(app: App, x: Int, top: Int, bottom: Int, width: Int) {
        let s = app.settings
        let rows = bottom - top + 1
        self.x = x
        right = x + width
        producerCount = s.producers
        let selected = app.selectedNode
        func window(count: Int, room: Int, selected: Int?) -> Range<Int> {
            let n = max(1, min(count, room))
            let start = max(0, min((selected ?? 0) - n / 2, count - n))
            return start..<(start + n)
        }
        var selP: Int? = nil, selC: Int? = nil
        if case .producer(let p) = selected { selP = p }
        if case .consumer(let c) = selected { selC = c }
        consumers = window(count: s.consumers, room: rows / 2, selected: selC)
        producers = window(count: s.producers, room: rows, selected: selP)
        boxHeight = min(rows, 6)
        mid = top + (rows - 1) / 2
        boxTop = max(top, mid - (boxHeight - 1) / 2)
        let cTop = top + max(0, (rows - 2 * consumers.count) / 2)
        consumerRows = (0..<consumers.count).map { cTop + 2 * $0 }
        let pTop = max(top, min(mid - (producers.count - 1) / 2, bottom - producers.count + 1))
        producerRows = (0..<producers.count).map { pTop + $0 }
        // Columns: producer labels, their wires, a bus, the broker, a bus, consumer wires,
        // consumer labels and what each consumer holds.
        let pLabel = "p\(s.producers)".count + 2
        let cLabel = "c\(s.consumers)".count + 2
        let cInfo = max(10, min(24, width / 4))
        let boxWidth = width >= 70 ? 14 : 12
        let wires = max(8, width - (pLabel + 1) - 1 - boxWidth - 1 - 1 - (cLabel + 1 + cInfo))
        let lw = wires * 2 / 5
        let rw = wires - lw
        producerWire = (x + pLabel + 1)..<(x + pLabel + 1 + lw)
        leftBus = producerWire.upperBound
        brokerBox = (leftBus + 1)..<(leftBus + 1 + boxWidth)
        rightBus = brokerBox.upperBound
        consumerWire = (rightBus + 1)..<(rightBus + 1 + rw)
        consumerLabel = consumerWire.upperBound + 1
    }

    func wire(of node: Node) -> Int? {
        switch node {
        case .producer(let p): producers.contains(p) ? p : nil
        case .consumer(let c): consumers.contains(c) ? producerCount + c : nil
        case .broker: nil
        }
    }

    func node(ofWire w: Int) -> Node { w < producerCount ? .producer(w) : .consumer(w - producerCount) }

    /// A wire's row, its cells, and whether the broker is at its left end.
    func wire(ofIndex w: Int) -> (Int, Range<Int>, Bool)? {
        if w < producerCount {
            guard producers.contains(w) else { return nil }
            return (producerRows[w - producers.lowerBound], producerWire, false)
        }
        let c = w - producerCount
        guard consumers.contains(c) else { return nil }
        return (consumerRows[c - consumers.lowerBound], consumerWire, true)
    }
}
