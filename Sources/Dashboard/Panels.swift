import DeliverySim
import Experiments

/// Drawing: pure functions from the app state to cells. No terminal here.
extension App {
    public static let minWidth = 80
    public static let minHeight = 24

    public var glyphs: Glyphs { unicode ? .unicode : .ascii }

    /// The whole screen at `width` × `height`.
    public func render(width: Int, height: Int) -> ScreenBuffer {
        var buf = ScreenBuffer(width: width, height: height)
        guard width >= Self.minWidth, height >= Self.minHeight else {
            drawTooSmall(&buf)
            return buf
        }
        drawHeader(&buf, y: 0)
        let laneHeight = Self.panelHeight
        let laneWidth = laneBoxWidth(total: width)
        if let story {
            drawStory(&buf, story, x: 0, y: 1, width: width, height: laneHeight)
        } else if flowView && flowCompact(width: width) {
            drawFlow(&buf, x: 0, y: 1, width: width, height: laneHeight, compact: true)
        } else {
            drawLanes(&buf, x: 0, y: 1, width: laneWidth, height: laneHeight)
            if flowView {
                drawFlow(&buf, x: laneWidth, y: 1, width: width - laneWidth, height: laneHeight, compact: false)
            } else {
                drawTopology(&buf, x: laneWidth, y: 1, width: width - laneWidth, height: laneHeight)
            }
        }
        var logTop = 1 + laneHeight
        var logHeight = height - logTop - 2
        var timelineInLogTitle = false
        if let lesson {
            let rows = lessonPanelRows(lesson, available: logHeight, width: width)
            // A short terminal has no room below the panels: the lesson panel then covers
            // their bottom rows (the sparklines), so its words still show.
            let cover = max(0, Self.lessonMinRows - rows)
            buf.fill(x: 0, y: logTop - cover, width: width, height: rows + cover, role: .text)
            drawLessonPanel(&buf, lesson, x: 0, y: logTop - cover, width: width, height: rows + cover)
            logTop += rows
            logHeight -= rows
        } else if let script {
            let rows = scriptStripRows(script, width: width, logHeight: logHeight)
            if rows > 0 {
                drawScriptStrip(&buf, script, x: 0, y: logTop, width: width, height: rows)
                logTop += rows
                logHeight -= rows
            } else {
                timelineInLogTitle = true
            }
        }
        drawLog(&buf, x: 0, y: logTop, width: width, height: logHeight, timelineInTitle: timelineInLogTitle)
        if let typedID {
            buf.put(Self.typingPrompt(typedID), x: 1, y: height - 2, role: .warning, maxWidth: width - 2)
        } else {
            buf.put(status, x: 1, y: height - 2, role: .dim, maxWidth: width - 2)
        }
        drawFooter(&buf, y: height - 1)
        if showHelp { drawHelp(&buf) }
        if showInfo { drawInfo(&buf) }
        return buf
    }

    // MARK: - Scenario

    /// Rows for the scenario strip above the log: explanation lines plus the timeline line,
    /// only when the log keeps at least four rows; 0 puts the timeline in the log's title.
    func scriptStripRows(_ script: Script, width: Int, logHeight: Int) -> Int {
        Pieces.scriptStripRows(explanation: script.explanation, width: width, logHeight: logHeight)
    }

    /// Where the scenario stands: how many actions are done and which comes next.
    func timelineLine(_ script: Script) -> String {
        Pieces.timelineLine(queue: scriptQueue, done: scriptDone)
    }

    func drawScriptStrip(_ buf: inout ScreenBuffer, _ script: Script, x: Int, y: Int, width: Int, height: Int) {
        Pieces.drawScriptStrip(&buf, explanation: script.explanation, timeline: timelineLine(script), unicode: unicode,
                               x: x, y: y, width: width, height: height)
    }

    /// The info overlay (`i`): the scenario's title, explanation and whole timeline.
    func drawInfo(_ buf: inout ScreenBuffer) {
        let w = min(buf.width - 4, 90)
        let textWidth = w - 4
        var lines: [(String, StyleRole)] = []
        if let lesson {
            lines += lessonInfoLines(lesson, width: textWidth)
        } else if let script {
            lines += Format.wrap(script.explanation, width: textWidth).map { ($0, .text) }
            lines.append(("", .text))
            let queue = scriptQueue
            if queue.isEmpty { lines.append(("No timed actions: the workload is the experiment.", .dim)) }
            var actionLines: [(String, StyleRole)] = queue.enumerated().map { k, item in
                let mark = k < scriptDone ? (unicode ? "✓" : "+") : (k == scriptDone ? (unicode ? "▸" : ">") : " ")
                return (mark + " " + Format.leftPad(Format.seconds(item.atMicros), 9) + "  " + item.action.description,
                        k < scriptDone ? .dim : (k == scriptDone ? .warning : .text))
            }
            let room = buf.height - 6 - lines.count
            if actionLines.count > room, room > 0 {
                // Keep the next action in view.
                let start = max(0, min(scriptDone - room / 2, actionLines.count - room))
                actionLines = Array(actionLines[start..<(start + room)])
            }
            lines += actionLines
        } else {
            lines.append(("No scenario. Start one with --scenario NAME|FILE; `ackscope scenarios` lists them.", .text))
        }
        let h = min(buf.height - 2, lines.count + 4)
        let x = (buf.width - w) / 2, y = max(1, (buf.height - h) / 2)
        buf.fill(x: x, y: y, width: w, height: h, role: .text)
        drawBox(&buf, x: x, y: y, width: w, height: h, title: lesson.map { "lesson: " + $0.lesson.title } ?? script.map { "scenario: " + $0.title } ?? "scenario")
        for (k, (text, role)) in lines.prefix(h - 4).enumerated() {
            buf.put(text, x: x + 2, y: y + 1 + k, role: role, maxWidth: textWidth)
        }
        buf.put("Any key closes this.", x: x + 2, y: y + h - 2, role: .dim, maxWidth: textWidth)
    }

    static func ellipsized(_ line: String, width: Int, glyph: String) -> String {
        line.count + glyph.count <= width ? line + glyph : String(line.prefix(max(0, width - glyph.count))) + glyph
    }

    // MARK: - Pieces

    func drawTooSmall(_ buf: inout ScreenBuffer) {
        Pieces.drawTooSmall(&buf, minWidth: Self.minWidth, minHeight: Self.minHeight)
    }

    func drawHeader(_ buf: inout ScreenBuffer, y: Int) {
        buf.fill(x: 0, y: y, width: buf.width, height: 1, role: .header)
        var x = buf.put(" ackscope ", x: 0, y: y, role: .title)
        var parts = ["seed \(settings.seed)", "t " + Format.seconds(sim.now), "speed " + Self.speedText(speed)]
        if let profile = settings.profile { parts.insert("profile " + profile.rawValue, at: 1) }
        // The lanes, once `m` chose other than the first set (the title then says which).
        if laneFilter % laneChoices.count != 0 { parts.append("lanes: " + shownLanes.map { sim.lanes[$0].mode.rawValue }.joined(separator: ",")) }
        for p in parts { x = buf.put(" " + p + " ", x: x, y: y, role: .header) }
        if paused { x = buf.put(" PAUSED ", x: x + 1, y: y, role: .paused) }
        if let scenarioName { x = buf.put(" scenario: " + scenarioName + " ", x: x + 1, y: y, role: .header) }
        let right = "theme " + themeNames[themeIndex] + " "
        if x + right.count + 1 < buf.width { buf.put(right, x: buf.width - right.count, y: y, role: .dim) }
    }

    func drawBox(_ buf: inout ScreenBuffer, x: Int, y: Int, width: Int, height: Int, title: String) {
        Pieces.drawBox(&buf, glyphs: glyphs, x: x, y: y, width: width, height: height, title: title)
    }

    /// The counters rows of the lanes panel: label, JSON name, role when non-zero.
    static var laneRows: [(String, KeyPath<Counters, Int>, StyleRole)] { [
        ("in flight", \.inFlight, .stateInFlight),
        ("unacked", \.unacked, .stateUnacked),
        // Part of unacked: effects done whose acks have not left their consumer yet.
        ("  acks unsent", \.acksPending, .stateUnacked),
        ("ready", \.ready, .stateReady),
        ("delivered", \.delivered, .text),
        ("redelivered", \.redelivered, .stateRedelivered),
        ("dup deliveries", \.duplicateDeliveries, .stateDuplicate),
        ("dup effects", \.duplicateEffects, .stateDuplicate),
        ("suppressed", \.duplicatesSuppressed, .ok),
        ("lost", \.lost, .stateLost),
        ("dead-lettered", \.deadLettered, .stateDeadLettered),
        ("out of order", \.outOfOrder, .stateOutOfOrder),
        ("processed", \.processed, .text),
    ] }

    static let labelWidth = 15

    /// Height of the top panels (lanes and topology, or the story): the counter rows, the
    /// lane names and verdict, three sparklines and the border.
    static var panelHeight: Int { laneRows.count + 6 }

    /// The lanes panel's width; beside the flow view its columns are as narrow as they go.
    func laneBoxWidth(total: Int) -> Int {
        Pieces.laneBoxWidth(total: total, lanes: shownLanes.count, narrow: flowView)
    }

    /// A lane's name in `width` columns: "effectively-once" becomes "eff-once" when narrow.
    static func laneName(_ mode: Mode, width: Int) -> String { mode.name(fitting: width) }

    static func laneRole(_ mode: Mode) -> StyleRole {
        switch mode {
        case .atMostOnce: .laneAtMostOnce
        case .atLeastOnce, .idempotent: .laneAtLeastOnce
        case .effectivelyOnce, .inProcess: .laneEffectivelyOnce
        }
    }

    /// One line on what a lane's numbers say: the symbol and colour never stand alone.
    func verdict(_ lane: Lane, width: Int) -> (String, StyleRole) {
        Pieces.verdict(lane.counters, glyphs: glyphs, width: width)
    }

    func drawLanes(_ buf: inout ScreenBuffer, x: Int, y: Int, width: Int, height: Int) {
        let columns = shownLanes.map { LaneColumn(mode: sim.lanes[$0].mode, counters: sim.lanes[$0].counters, history: history[$0]) }
        Pieces.drawLanes(&buf, glyphs: glyphs, x: x, y: y, width: width, height: height,
                         title: "lanes: same seed, same faults, different guarantee", columns: columns)
    }

    func nodeWords(_ st: NodeState) -> (String, String, StyleRole) {
        let g = glyphs
        if !st.up { return (g.crashed, "CRASHED", .nodeCrashed) }
        if st.partitioned { return (g.partitioned, "PARTITIONED", .nodePartitioned) }
        if st.oneWay { return (g.oneWay, "ACKS LOST", .nodeOneWay) }
        if st.slow { return (g.slow, "SLOW", .nodeSlow) }
        return (g.up, "up", .nodeUp)
    }

    func drawTopology(_ buf: inout ScreenBuffer, x: Int, y: Int, width: Int, height: Int) {
        drawBox(&buf, x: x, y: y, width: width, height: height, title: "topology")
        let lanes = shownLanes.map { sim.lanes[$0] }
        let ref = sim.lanes[referenceLaneIndex]
        let inner = width - 2
        // Three densities: state only; the first shown lane's numbers; every lane's.
        let wide = inner >= 52
        let medium = inner >= 34
        let rows = height - 2
        var list = nodes.enumerated().map { ($0.offset, $0.element) }
        // Keep the selection visible when there are more nodes than rows.
        if list.count > rows {
            let start = max(0, min(selection - rows / 2, list.count - rows))
            list = Array(list[start..<(start + rows)])
        }
        // Numbers as they are, or abbreviated (1.5k) when the line would not fit: never cut.
        func number(_ n: Int, _ short: Bool) -> String { short ? Format.abbreviated(n, width: 4) : String(n) }
        func joined(_ short: Bool, _ f: (Lane) -> Int) -> String {
            wide ? lanes.map { number(f($0), short) }.joined(separator: "/") : number(f(ref), short)
        }
        for (k, (index, node)) in list.enumerated() {
            let row = y + 1 + k
            let st = ref.state(of: node)
            let (symbol, word, role) = nodeWords(st)
            var cx = x + 1
            cx = buf.put(index == selection ? String(glyphs.selected) : " ", x: cx, y: row, role: .selection)
            cx = buf.put(Format.rightPad(node.short, 7), x: cx, y: row, role: index == selection ? .selection : .text)
            cx = buf.put(symbol + " ", x: cx, y: row, role: role)
            var label = word
            if let trap = st.trap { label += trap == .crashAfterEffect ? " d" : " D" }
            cx = buf.put(Format.rightPad(label, medium ? 12 : 10), x: cx, y: row, role: role, maxWidth: x + width - 1 - cx)
            guard medium else { continue }
            func detail(short: Bool) -> [(String, String)] {
                switch node {
                case .broker:
                    [("ready", joined(short) { $0.state(of: node).held }), ("unacked", joined(short) { $0.state(of: node).unacked })]
                case .producer:
                    [("sent", number(st.processed, short)), ("unconfirmed", joined(short) { $0.state(of: node).unacked })]
                case .consumer:
                    [("unacked", joined(short) { $0.state(of: node).unacked }), ("done", joined(short) { $0.state(of: node).processed })]
                }
            }
            // The first that fits: as is; numbers abbreviated; words shortened too; the
            // first item alone. Never a word or a number cut.
            let room = x + width - 1 - cx
            let text = Pieces.fittedDetail(whole: detail(short: false), abbreviated: detail(short: true), room: room)
            buf.put(text, x: cx, y: row, role: .dim, maxWidth: room)
        }
        if medium && list.count + 2 <= rows {
            let legend = wide ? "numbers: " + lanes.map { Self.laneName($0.mode, width: 16) }.joined(separator: " / ")
                              : "numbers: " + ref.mode.rawValue + " lane"
            buf.put(legend, x: x + 2, y: y + height - 2, role: .dim, maxWidth: width - 4)
        }
    }

    static func logRole(_ kind: LogKind) -> StyleRole {
        switch kind {
        case .fault: .warning
        case .redelivery, .retry: .stateRedelivered
        case .duplicateDelivery, .duplicateEffect: .stateDuplicate
        case .suppressed: .ok
        case .lost, .discarded: .stateLost
        case .deadLettered: .stateDeadLettered
        case .outOfOrder: .stateOutOfOrder
        case .ackDropped, .confirmDropped: .stateUnacked
        case .crashTrap: .nodeCrashed
        }
    }

    func drawLog(_ buf: inout ScreenBuffer, x: Int, y: Int, width: Int, height: Int, timelineInTitle: Bool = false) {
        guard height >= 2 else { return }
        let title: (String, StyleRole)
        if timelineInTitle, let script {
            // No room for the scenario strip: its timeline takes the log's title.
            title = (" " + timelineLine(script) + " ", .warning)
        } else {
            title = (" events: faults, redeliveries, duplicates, losses ", .title)
        }
        let shownModes = Set(shownLanes.map { sim.lanes[$0].mode })
        // The followed message's lines are highlighted.
        let lines = log.filter { $0.modes.isEmpty || $0.modes.contains(where: shownModes.contains) }.map { line in
            (line.text(showing: shownModes), story != nil && line.message == story?.message ? StyleRole.selection : Self.logRole(line.kind))
        }
        Pieces.drawLog(&buf, glyphs: glyphs, unicode: unicode, x: x, y: y, width: width, height: height, title: title, lines: lines,
                       emptyHint: "nothing notable yet: press c to crash a consumer, a to drop its acks, l for more loss")
    }

    /// Every key with one line on what it demonstrates.
    public static let keyHelp: [(String, String)] = [
        ("q", "quit (Ctrl-C too)"),
        ("?", "this help; any key closes it"),
        ("space", "pause / resume virtual time"),
        (".", "while paused: process exactly one event"),
        ("+ / -", "speed 0.001x (watch packets travel) to 1000x"),
        ("Tab / arrows", "select a node (producers, broker, consumers)"),
        ("c", "crash / restart the selected node: memory and unsent acks lost"),
        ("p / b", "crash / restart a producer (its outbox waits) / the broker"),
        ("x", "partition / heal the selected node, both ways"),
        ("a", "one-way partition: deliveries arrive, acks lost: redelivery"),
        ("h", "heal every link"),
        ("l", "cycle loss on every link: 0%, 1%, 5%, 20%"),
        ("s", "slow consumer: processing outlasts the ack timeout"),
        ("d", "crash after the next effect, before its ack: a duplicate"),
        ("D", "crash after the ack, before the effect: a loss at-most-once"),
        ("m", "next set of lanes shown: idempotent, in-process, each alone"),
        ("v", "flow view: packets on the wires, unacked boxes; 1-5 its lane"),
        ("f", "follow a message: the newest duplicate, loss or catch"),
        ("[ / ]", "follow an older / newer message of the log; / types an id"),
        ("1-5  Esc", "in a story: one lane's diagram; Esc back to the lanes"),
        ("t", "next colour theme"),
        ("r / R", "restart with the same seed / a new seed"),
        ("e", "snapshot: the screen and the JSON summary to a file here"),
        ("i", "the scenario: its explanation and timeline"),
    ]

    /// A lesson's own keys, shown first in its help.
    public static let lessonKeyHelp: [(String, String)] = [
        ("Enter / space", "lesson: go on, when the step waits for it"),
        ("1 to 4", "lesson: answer a prediction"),
        ("Backspace / u", "lesson: back to this step's start, or the one before (replayed from the seed)"),
        ("H / S", "lesson: a task's hint / show one way (does not count as solved)"),
        ("i / r", "lesson: the step's words again / start again from step 1"),
    ]

    func drawHelp(_ buf: inout ScreenBuffer) {
        let help = (lesson != nil ? Self.lessonKeyHelp : []) + Self.keyHelp
        Pieces.drawHelp(&buf, glyphs: glyphs, help: help, title: "keys: each one is a fault or a view",
                        footer: "Exactly-once delivery does not exist: watch the lanes disagree.")
    }

    func drawFooter(_ buf: inout ScreenBuffer, y: Int) {
        let lessonItems: [(String, String)] = lesson == nil ? [] : [("Enter", "go on"), (unicode ? "⌫" : "BS", "back")]
        let items: [(String, String)] = lessonItems + [("q", "quit"), ("?", "help"), ("spc", "pause"), ("+/-", "speed"), ("Tab", "select"),
                                         ("c", "crash"), ("x", "partition"), ("a", "drop acks"), ("d/D", "traps"), ("v", "flow"), ("f", "follow"),
                                         ("l", "loss"), ("s", "slow"), ("h", "heal"), ("e", "snapshot")]
            + (script != nil ? [("i", "scenario")] : [])
        Pieces.drawFooter(&buf, y: y, items: items)
    }
}

extension App.Sample {
    var lossAndDuplicates: Int { lost + duplicateEffects }
}

/// One lane's column of the lanes panel, as plain data: the simulated and the real
/// dashboards draw the same panel from it.
struct LaneColumn {
    var mode: Mode
    var counters: Counters
    /// JSON names of the counters this lane cannot observe: shown as n/a, never a number.
    var unobservable: [String] = []
    /// One sample per second, oldest first: the sparklines.
    var history: [App.Sample] = []
}

/// Drawing pieces both dashboards share (the simulated `App` and the real-broker
/// `RealApp`), taking plain data rather than either app's state, so the two look alike.
enum Pieces {
    /// A snapshot file's text before its JSON: a line saying what and when, the screen, a blank line.
    static func snapshot(_ what: String, script: App.Script?, screen: String) -> String {
        "ackscope snapshot: " + what + (script.map { ", scenario \"\($0.title)\"" } ?? "") + "\n\n" + screen
            + (screen.hasSuffix("\n") ? "" : "\n") + "\n"
    }

    static func drawTooSmall(_ buf: inout ScreenBuffer, minWidth: Int, minHeight: Int) {
        let line = "Terminal too small: \(buf.width)x\(buf.height), needs \(minWidth)x\(minHeight)"
        let y = max(0, buf.height / 2 - 1)
        buf.put(line, x: max(0, (buf.width - line.count) / 2), y: y, role: .warning)
        let hint = "enlarge the window, or press q to quit"
        buf.put(hint, x: max(0, (buf.width - hint.count) / 2), y: y + 1, role: .dim)
    }

    static func drawBox(_ buf: inout ScreenBuffer, glyphs g: Glyphs, x: Int, y: Int, width: Int, height: Int, title: String) {
        guard width >= 2, height >= 2 else { return }
        buf[x, y] = Cell(g.topLeft, .border)
        buf[x + width - 1, y] = Cell(g.topRight, .border)
        buf[x, y + height - 1] = Cell(g.bottomLeft, .border)
        buf[x + width - 1, y + height - 1] = Cell(g.bottomRight, .border)
        buf.fill(x: x + 1, y: y, width: width - 2, height: 1, scalar: g.horizontal, role: .border)
        buf.fill(x: x + 1, y: y + height - 1, width: width - 2, height: 1, scalar: g.horizontal, role: .border)
        buf.fill(x: x, y: y + 1, width: 1, height: height - 2, scalar: g.vertical, role: .border)
        buf.fill(x: x + width - 1, y: y + 1, width: 1, height: height - 2, scalar: g.vertical, role: .border)
        buf.put(" " + title + " ", x: x + 2, y: y, role: .title, maxWidth: width - 4)
    }

    /// The lanes panel's width for `lanes` columns; `narrow` (beside the flow view): the
    /// columns as narrow as they go.
    static func laneBoxWidth(total: Int, lanes: Int, narrow: Bool) -> Int {
        let n = max(1, lanes)
        let col = narrow ? 14 : max(14, min(22, (total * 62 / 100 - App.labelWidth - 2) / n))
        return min(total - 21, 2 + App.labelWidth + n * col)
    }

    /// The counters the verdict reads, by JSON name, worst first.
    static let verdictCounters = ["lost", "discarded", "duplicate_effects", "out_of_order", "dead_lettered"]

    /// One line on what a lane's numbers say: the symbol and colour never stand alone. A
    /// counter the lane cannot observe is skipped, and then a clean lane is only "none
    /// seen": "exact" would claim what nobody saw.
    static func verdict(_ c: Counters, unobservable: [String] = [], glyphs g: Glyphs, width: Int) -> (String, StyleRole) {
        func seen(_ name: String) -> Bool { !unobservable.contains(name) }
        if c.lost > 0 && seen("lost") { return (g.bad + " LOST \(c.lost)", .stateLost) }
        if c.discarded > 0 && seen("discarded") { return (g.bad + " DISCARDED \(c.discarded)", .stateLost) }
        if c.duplicateEffects > 0 && seen("duplicate_effects") { return (g.warn + " DUP \(c.duplicateEffects)", .stateDuplicate) }
        if c.outOfOrder > 0 && seen("out_of_order") { return (g.warn + " ORDER \(c.outOfOrder)", .stateOutOfOrder) }
        if c.deadLettered > 0 && seen("dead_lettered") { return (g.warn + " DLQ \(c.deadLettered)", .stateDeadLettered) }
        if verdictCounters.contains(where: { !seen($0) }) { return ("? none seen", .dim) }
        return (g.ok + (width >= 14 ? " exact so far" : " exact"), .ok)
    }

    /// The JSON name of a counter the lanes panel shows.
    static func counterName(_ path: KeyPath<Counters, Int>) -> String? {
        Counters.fields.first { $0.path == path }?.name
    }

    /// The lanes panel: lane names, verdicts, the counter rows and three sparklines.
    static func drawLanes(_ buf: inout ScreenBuffer, glyphs: Glyphs, x: Int, y: Int, width: Int, height: Int, title: String,
                          columns lanes: [LaneColumn]) {
        drawBox(&buf, glyphs: glyphs, x: x, y: y, width: width, height: height, title: title.count + 6 <= width ? title : "lanes")
        let labelWidth = App.labelWidth
        let col = (width - 2 - labelWidth) / max(1, lanes.count)
        let x0 = x + 1 + labelWidth
        var row = y + 1
        for (i, lane) in lanes.enumerated() {
            buf.put(Format.leftPad(App.laneName(lane.mode, width: col - 1), col - 1), x: x0 + i * col, y: row, role: App.laneRole(lane.mode), maxWidth: col)
        }
        row += 1
        buf.put("verdict", x: x + 2, y: row, role: .dim)
        for (i, lane) in lanes.enumerated() {
            let (text, role) = verdict(lane.counters, unobservable: lane.unobservable, glyphs: glyphs, width: col - 1)
            buf.put(Format.leftPad(text, col - 1), x: x0 + i * col, y: row, role: role, maxWidth: col)
        }
        row += 1
        // `discarded` only exists once a backlog overflowed; its row then takes the place of
        // the last sparkline, so the panel keeps its height and the other rows their places.
        var rows = App.laneRows
        if lanes.contains(where: { $0.counters.discarded > 0 }), let lost = rows.firstIndex(where: { $0.0 == "lost" }) {
            rows.insert(("discarded", \.discarded, .stateLost), at: lost + 1)
        }
        for (label, path, role) in rows where row < y + height - 1 {
            buf.put(label, x: x + 2, y: row, role: .text, maxWidth: labelWidth - 1)
            let name = lanes.contains { !$0.unobservable.isEmpty } ? counterName(path) : nil
            for (i, lane) in lanes.enumerated() {
                if let name, lane.unobservable.contains(name) {
                    buf.put(Format.leftPad("n/a", col - 1), x: x0 + i * col, y: row, role: .dim, maxWidth: col)
                    continue
                }
                let v = lane.counters[keyPath: path]
                buf.put(Format.leftPad(String(v), col - 1), x: x0 + i * col, y: row, role: v == 0 ? .dim : role, maxWidth: col)
            }
            row += 1
        }
        let sparks: [(String, KeyPath<App.Sample, Int>)] = [("delivered/s", \.delivered), ("redelivered/s", \.redelivered),
                                                             ("lost+dup/s", \.lossAndDuplicates)]
        for (label, path) in sparks where row < y + height - 1 {
            buf.put(label, x: x + 2, y: row, role: .dim, maxWidth: labelWidth - 1)
            for (i, lane) in lanes.enumerated() {
                drawSpark(&buf, glyphs: glyphs, x: x0 + i * col + 1, y: row, width: col - 2,
                          values: lane.history.suffix(max(0, col - 2)).map { $0[keyPath: path] })
            }
            row += 1
        }
    }

    static func drawSpark(_ buf: inout ScreenBuffer, glyphs: Glyphs, x: Int, y: Int, width: Int, values: [Int]) {
        guard width > 0 else { return }
        let shown = values.suffix(width)
        let top = max(1, shown.max() ?? 1)
        let levels = glyphs.spark
        var cx = x + width - shown.count
        for v in shown {
            let level = v <= 0 ? 0 : max(1, min(levels.count - 1, (v * (levels.count - 1) + top - 1) / top))
            buf[cx, y] = Cell(levels[level], level * 2 > levels.count - 1 ? .sparkHigh : .sparkLow)
            cx += 1
        }
    }

    /// A node's numbers in `room` columns, the first that fits: as is; numbers abbreviated;
    /// words shortened too; the first item alone. Never a word or a number cut.
    static func fittedDetail(whole: [(String, String)], abbreviated: [(String, String)], room: Int) -> String {
        let shortWords = abbreviated.map { ($0.0 == "unconfirmed" ? "unconf" : ($0.0 == "unacked" ? "unack" : $0.0), $0.1) }
        return [whole, abbreviated, shortWords, Array(abbreviated.prefix(1)), Array(shortWords.prefix(1))]
            .map { $0.map { $0.0 + " " + $0.1 }.joined(separator: "  ") }
            .first { $0.count <= room } ?? ""
    }

    /// Rows for the scenario strip above the log: explanation lines plus the timeline line,
    /// only when the log keeps at least four rows; 0 puts the timeline in the log's title.
    static func scriptStripRows(explanation: String, width: Int, logHeight: Int) -> Int {
        guard logHeight >= 8 else { return 0 }
        let lines = Format.wrap(explanation, width: width - 2).count
        return 1 + min(lines, 4, (logHeight - 4) / 2)
    }

    /// Where a scenario stands: how many actions are done and which comes next.
    static func timelineLine(queue: [TimedAction], done scriptDone: Int) -> String {
        let total = queue.count
        guard total > 0 else { return "scenario: no timed actions" }
        var line = "timeline \(scriptDone)/\(total)"
        if scriptDone < total {
            line += " · next " + Format.seconds(queue[scriptDone].atMicros) + " " + queue[scriptDone].action.description
            if scriptDone + 1 < total {
                line += " · then " + Format.seconds(queue[scriptDone + 1].atMicros) + " " + queue[scriptDone + 1].action.description
            }
        } else {
            line += " · all applied, the last at " + Format.seconds(queue[total - 1].atMicros)
        }
        return line + " · i: details"
    }

    static func drawScriptStrip(_ buf: inout ScreenBuffer, explanation: String, timeline: String, unicode: Bool,
                                x: Int, y: Int, width: Int, height: Int) {
        var lines = Format.wrap(explanation, width: width - 2)
        let room = height - 1
        if lines.count > room {
            lines = Array(lines.prefix(room))
            lines[room - 1] = App.ellipsized(lines[room - 1], width: width - 2, glyph: unicode ? "…" : "...")
        }
        for (k, line) in lines.enumerated() { buf.put(line, x: x + 1, y: y + k, role: .text, maxWidth: width - 2) }
        buf.put(timeline, x: x + 1, y: y + height - 1, role: .warning, maxWidth: width - 2)
    }

    /// The event log: a rule with its title, then the newest lines at the bottom. A sentence
    /// too long for the line wraps, indented, instead of being cut. `lines`: oldest first.
    static func drawLog(_ buf: inout ScreenBuffer, glyphs: Glyphs, unicode: Bool, x: Int, y: Int, width: Int, height: Int,
                        title: (String, StyleRole), lines: [(String, StyleRole)], emptyHint: String) {
        guard height >= 2 else { return }
        buf.fill(x: x, y: y, width: width, height: 1, scalar: glyphs.horizontal, role: .border)
        buf.put(title.0, x: x + 2, y: y, role: title.1, maxWidth: width - 4)
        let rows = height - 1
        var shown: [(String, StyleRole)] = []
        for (text, role) in lines.reversed() {
            guard shown.count < rows else { break }
            var wrapped = Format.wrap(text, width: width - 2, indent: 4)
            if wrapped.count > rows - shown.count {
                // No room for all of it: its start, abbreviated, rather than a fragment.
                wrapped = Array(wrapped.prefix(rows - shown.count))
                wrapped[wrapped.count - 1] = App.ellipsized(wrapped[wrapped.count - 1], width: width - 2, glyph: unicode ? "…" : "...")
            }
            shown += wrapped.reversed().map { ($0, role) }  // bottom up
        }
        if lines.isEmpty {
            buf.put(emptyHint, x: x + 1, y: y + 1, role: .dim, maxWidth: width - 2)
        }
        for (k, (text, role)) in shown.reversed().enumerated() {
            buf.put(text, x: x + 1, y: y + 1 + k, role: role, maxWidth: width - 2)
        }
    }

    /// The help overlay: every key with one line on what it does.
    static func drawHelp(_ buf: inout ScreenBuffer, glyphs: Glyphs, help: [(String, String)], title: String, footer: String) {
        let w = min(buf.width - 4, 84)
        let h = min(buf.height - 2, help.count + 4)
        let x = (buf.width - w) / 2, y = max(1, (buf.height - h) / 2)
        buf.fill(x: x, y: y, width: w, height: h, role: .text)
        drawBox(&buf, glyphs: glyphs, x: x, y: y, width: w, height: h, title: title)
        for (k, (key, what)) in help.prefix(max(0, h - 4)).enumerated() {
            buf.put(key, x: x + 2, y: y + 1 + k, role: .footerKey)
            buf.put(what, x: x + 16, y: y + 1 + k, role: .text, maxWidth: w - 18)
        }
        buf.put(footer, x: x + 2, y: y + h - 2, role: .dim, maxWidth: w - 4)
    }

    /// The footer: keys and their words, as many as fit whole.
    static func drawFooter(_ buf: inout ScreenBuffer, y: Int, items: [(String, String)]) {
        var x = 0
        for (key, what) in items {
            if x + key.count + what.count + 2 > buf.width { break }
            x = buf.put(key, x: x, y: y, role: .footerKey)
            x = buf.put(" " + what + " ", x: x, y: y, role: .dim)
        }
    }
}
