import DeliverySim
import Experiments

/// Drawing the real-broker dashboard: the simulated dashboard's layout and pieces, reading
/// observed lanes. No terminal here.
extension RealApp {
    /// The whole screen at `width` × `height`; nothing is drawn outside it at any size.
    public func render(width: Int, height: Int) -> ScreenBuffer {
        var buf = ScreenBuffer(width: width, height: height)
        guard width >= App.minWidth, height >= App.minHeight else {
            Pieces.drawTooSmall(&buf, minWidth: App.minWidth, minHeight: App.minHeight)
            return buf
        }
        drawHeader(&buf, y: 0)
        let laneHeight = App.panelHeight
        let laneWidth = Pieces.laneBoxWidth(total: width, lanes: shownLanes.count, narrow: false)
        let columns = shownLanes.map {
            LaneColumn(mode: lanes[$0].mode, counters: lanes[$0].counters, unobservable: lanes[$0].unobservable,
                       history: $0 < history.count ? history[$0] : [])
        }
        Pieces.drawLanes(&buf, glyphs: glyphs, x: 0, y: 1, width: laneWidth, height: laneHeight,
                         title: "lanes: one server, same faults, different guarantee", columns: columns)
        drawTopology(&buf, x: laneWidth, y: 1, width: width - laneWidth, height: laneHeight)
        var logTop = 1 + laneHeight
        var logHeight = height - logTop - 2
        var title = (" events: faults, redeliveries, duplicates, losses ", StyleRole.title)
        if let script {
            let rows = Pieces.scriptStripRows(explanation: script.explanation, width: width, logHeight: logHeight)
            if rows > 0 {
                Pieces.drawScriptStrip(&buf, explanation: script.explanation, timeline: timelineLine, unicode: unicode,
                                       x: 0, y: logTop, width: width, height: rows)
                logTop += rows
                logHeight -= rows
            } else {
                // No room for the scenario strip: its timeline takes the log's title.
                title = (" " + timelineLine + " ", .warning)
            }
        }
        let shownModes = Set(shownLanes.map { lanes[$0].mode })
        let lines = log.filter { $0.modes.isEmpty || $0.modes.contains(where: shownModes.contains) }.map {
            ($0.text(showing: shownModes), App.logRole($0.kind))
        }
        Pieces.drawLog(&buf, glyphs: glyphs, unicode: unicode, x: 0, y: logTop, width: width, height: logHeight, title: title,
                       lines: lines, emptyHint: "nothing notable yet: press c to crash a consumer, a to hold its acks, s to slow it")
        if let drainMessage {
            buf.put(drainMessage, x: 1, y: height - 2, role: .warning, maxWidth: width - 2)
        } else {
            buf.put(status, x: 1, y: height - 2, role: .dim, maxWidth: width - 2)
        }
        Pieces.drawFooter(&buf, y: height - 1, items: Self.footerItems + (script != nil ? [("i", "scenario")] : [("i", "info")]))
        if showHelp {
            Pieces.drawHelp(&buf, glyphs: glyphs, help: Self.keyHelp, title: "keys: faults on a real server",
                            footer: "Exactly-once delivery does not exist, on a real server either.")
        }
        if showInfo { drawInfo(&buf) }
        return buf
    }

    static let footerItems: [(String, String)] = [
        ("q", "quit"), ("?", "help"), ("Tab", "select"), ("c", "crash"), ("b", "server"), ("x", "partition"), ("a", "one-way"),
        ("d/D", "traps"), ("s", "slow"), ("h", "heal"), ("m", "lanes"), ("e", "snapshot"),
    ]

    /// Every key with one line on what it does here; the simulated dashboard's keys that
    /// have no meaning on a real server are listed last, with why.
    public static let keyHelp: [(String, String)] = [
        ("q", "quit (Ctrl-C too)"),
        ("?", "this help; any key closes it"),
        ("i", "what is real here, and the scenario if one is playing"),
        ("Tab / arrows", "select a node (producers, server, consumers)"),
        ("c", "crash / restart the selected node: a client drops its connection"),
        ("p / b", "crash / restart a producer / kill and restart the NATS server"),
        ("x", "partition / heal the selected node, both ways"),
        ("a", "one-way: what it sends waits; deliveries it asked for arrive"),
        ("h", "heal every link"),
        ("s", "slow consumer: processing outlasts AckWait: redelivery"),
        ("d", "crash after the next effect, before its ack: a duplicate"),
        ("D", "crash after the ack, before the effect: a loss in every lane"),
        ("l", "loss: the proxy drops whole messages (TCP loses no byte)"),
        ("m", "next set of lanes shown"),
        ("t", "next colour theme"),
        ("e", "snapshot: the screen and the JSON summary to a file here"),
        ("spc + - .", "nothing here: the server keeps the wall clock"),
        ("v f / r R", "nothing here: they need the simulation's record of every packet"),
    ]

    // MARK: - Pieces

    func drawHeader(_ buf: inout ScreenBuffer, y: Int) {
        buf.fill(x: 0, y: y, width: buf.width, height: 1, role: .header)
        var x = buf.put(" ackscope ", x: 0, y: y, role: .title)
        var parts = ["NATS JetStream (real)", broker, "wall t " + Format.seconds(now), "speed 1x fixed"]
        if laneFilter % laneChoices.count != 0 { parts.append("lanes: " + shownLanes.map { lanes[$0].mode.rawValue }.joined(separator: ",")) }
        var flags: [String] = []
        if !brokerUp { flags.append(" SERVER DOWN ") }
        if drainMessage != nil { flags.append(" DRAINING ") }
        let scenario = script.map { " scenario: " + $0.title + " " }
        let right = "theme " + themeNames[themeIndex] + " "
        // The theme goes first when the line is too long, then the server's words (`i` shows them).
        let length = 10 + parts.reduce(0) { $0 + $1.count + 2 } + flags.reduce(0) { $0 + $1.count + 1 } + (scenario.map { $0.count + 1 } ?? 0)
        if length > buf.width { parts.remove(at: 1) }
        for p in parts { x = buf.put(" " + p + " ", x: x, y: y, role: .header) }
        for f in flags { x = buf.put(f, x: x + 1, y: y, role: .paused) }
        if let scenario { x = buf.put(scenario, x: x + 1, y: y, role: .header) }
        if x + right.count + 1 < buf.width { buf.put(right, x: buf.width - right.count, y: y, role: .dim) }
    }

    /// Where the scenario stands, from the actions the loop applied for it.
    var timelineLine: String { Pieces.timelineLine(queue: scriptQueue, done: scriptDone) }

    /// A node's state in words; a node whose only news is an armed trap says so.
    func nodeWords(_ st: NodeState) -> (String, String, StyleRole) {
        let g = glyphs
        if !st.up { return (g.crashed, "CRASHED", .nodeCrashed) }
        if st.partitioned { return (g.partitioned, "PARTITIONED", .nodePartitioned) }
        if st.oneWay { return (g.oneWay, "ONE-WAY", .nodeOneWay) }
        if st.slow { return (g.slow, "SLOW", .nodeSlow) }
        if let trap = st.trap { return (g.warn, trap == .crashAfterEffect ? "ARMED d" : "ARMED D", .warning) }
        return (g.up, "up", .nodeUp)
    }

    /// Each node's state and numbers, from the reference lane: the broker's are the
    /// server's own (unacked = num_ack_pending, ready = num_pending).
    func drawTopology(_ buf: inout ScreenBuffer, x: Int, y: Int, width: Int, height: Int) {
        Pieces.drawBox(&buf, glyphs: glyphs, x: x, y: y, width: width, height: height, title: "topology")
        let ref = referenceLane
        let medium = width - 2 >= 34
        let rows = height - 2
        var list = nodes.enumerated().map { ($0.offset, $0.element) }
        // Keep the selection visible when there are more nodes than rows.
        if list.count > rows {
            let start = max(0, min(selection - rows / 2, list.count - rows))
            list = Array(list[start..<(start + max(0, rows))])
        }
        func number(_ n: Int, _ short: Bool) -> String { short ? Format.abbreviated(n, width: 4) : String(n) }
        for (k, (index, node)) in list.enumerated() {
            let row = y + 1 + k
            let st = state(of: node)
            let (symbol, word, role) = nodeWords(st)
            var cx = x + 1
            cx = buf.put(index == selection ? String(glyphs.selected) : " ", x: cx, y: row, role: .selection)
            cx = buf.put(Format.rightPad(node.short, 7), x: cx, y: row, role: index == selection ? .selection : .text)
            cx = buf.put(symbol + " ", x: cx, y: row, role: role)
            var label = word
            if let trap = st.trap, !word.hasPrefix("ARMED") { label += trap == .crashAfterEffect ? " d" : " D" }
            cx = buf.put(Format.rightPad(label, medium ? 12 : 10), x: cx, y: row, role: role, maxWidth: max(0, x + width - 1 - cx))
            guard medium else { continue }
            func detail(short: Bool) -> [(String, String)] {
                switch node {
                case .broker:
                    // Unknown while the server is down and until it answers again: n/a, as in the lanes panel.
                    lanes.indices.contains(referenceLaneIndex) && !lanes[referenceLaneIndex].isObservable("ready")
                        ? [("unacked", "n/a"), ("ready", "n/a")]
                        : [("unacked", number(st.unacked, short)), ("ready", number(st.held, short))]
                case .producer: [("sent", number(st.processed, short)), ("unconfirmed", number(st.unacked, short))]
                case .consumer: [("held", number(st.held, short)), ("done", number(st.processed, short))]
                }
            }
            let room = x + width - 1 - cx
            let text = Pieces.fittedDetail(whole: detail(short: false), abbreviated: detail(short: true), room: room)
            buf.put(text, x: cx, y: row, role: .dim, maxWidth: max(0, room))
        }
        if medium && list.count + 3 <= rows {
            let names = ["unacked = num_ack_pending, ready = num_pending", "unacked=num_ack_pending ready=num_pending",
                         "unacked = num_ack_pending"].first { $0.count <= width - 4 } ?? ""
            buf.put(names, x: x + 2, y: y + height - 3, role: .dim, maxWidth: width - 4)
            buf.put("numbers: " + ref.mode.rawValue + " lane", x: x + 2, y: y + height - 2, role: .dim, maxWidth: width - 4)
        }
    }

    /// What is real here, in words a student can read aloud.
    var realWords: String {
        "Real: a NATS JetStream server (\(broker)) and real client connections. The counters are what the clients saw "
            + "(publishes, PubAcks, deliveries, acks, effects) and what the server reports about itself "
            + "(ready is num_pending, unacked is num_ack_pending). Time is the wall clock: no seed, no pause, no replay, "
            + "and no run repeats exactly. A counter shown as n/a is one nobody outside the server can observe, "
            + "such as what is inside a TCP connection right now. Crashes are real: a killed client drops its connection; "
            + "a killed server keeps its stream only if it stores it on file (this run: "
            + (settings.durable ? "file" : "memory") + " storage)."
    }

    /// The info overlay (`i`): the scenario's explanation and timeline, then what is real here.
    func drawInfo(_ buf: inout ScreenBuffer) {
        let w = min(buf.width - 4, 90)
        let textWidth = w - 4
        var lines: [(String, StyleRole)] = []
        if let script {
            lines += Format.wrap(script.explanation, width: textWidth).map { ($0, .text) }
            lines.append(("", .text))
            if scriptQueue.isEmpty { lines.append(("No timed actions: the workload is the experiment.", .dim)) }
            var actionLines: [(String, StyleRole)] = scriptQueue.enumerated().map { k, item in
                let mark = k < scriptDone ? (unicode ? "✓" : "+") : (k == scriptDone ? (unicode ? "▸" : ">") : " ")
                return (mark + " " + Format.leftPad(Format.seconds(item.atMicros), 9) + "  " + item.action.description,
                        k < scriptDone ? .dim : (k == scriptDone ? .warning : .text))
            }
            // At most six, keeping the next action in view: the words on what is real follow.
            let room = 6
            if actionLines.count > room {
                let start = max(0, min(scriptDone - room / 2, actionLines.count - room))
                actionLines = Array(actionLines[start..<(start + room)])
            }
            lines += actionLines
            lines.append(("", .text))
        }
        lines += Format.wrap(realWords, width: textWidth).map { ($0, .text) }
        let h = min(buf.height - 2, lines.count + 4)
        let x = (buf.width - w) / 2, y = max(1, (buf.height - h) / 2)
        buf.fill(x: x, y: y, width: w, height: h, role: .text)
        Pieces.drawBox(&buf, glyphs: glyphs, x: x, y: y, width: w, height: h,
                       title: script.map { "scenario: " + $0.title } ?? "what is real here")
        for (k, (text, role)) in lines.prefix(max(0, h - 4)).enumerated() {
            buf.put(text, x: x + 2, y: y + 1 + k, role: role, maxWidth: textWidth)
        }
        buf.put("Any key closes this.", x: x + 2, y: y + h - 2, role: .dim, maxWidth: textWidth)
    }
}
