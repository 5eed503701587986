import DeliverySim

/// A lane's story as a sequence diagram: a column per node the message touched (its
/// producer, the broker, the consumers, the sink), time downward, one row per step with its
/// arrow and its sentence. A drop is a `✗` where it fell on the wire; the window of doubt
/// is the consumer's lifeline drawn thick from a delivery until the broker has its ack.
public struct StoryDiagram: Sendable {
    public let story: LaneStory
    public let message: MessageID
    public let settings: Settings
    public let glyphs: StoryGlyphs
    /// The nodes, left to right; nil is the sink.
    public let columns: [Node?]
    /// Columns between two lifelines.
    public let spacing: Int

    /// Columns of the time column.
    public let timeWidth: Int

    public init(story: LaneStory, message: MessageID, settings: Settings, unicode: Bool = true, width: Int? = nil) {
        self.story = story
        self.message = message
        self.settings = settings
        glyphs = unicode ? .unicode : .ascii
        var consumers: [Int] = []
        for s in story.steps {
            if case .consumer(let c)? = s.node, !consumers.contains(c), s.kind != .fault { consumers.append(c) }
        }
        let columns: [Node?] = [.producer(message.producer), .broker] + consumers.sorted().map { .consumer($0) } + [nil]
        self.columns = columns
        let timeWidth = StoryWords.timeColumn(story.steps.map(\.at))
        self.timeWidth = timeWidth
        // Room for the sentences: at least 30 columns of words when a width is given.
        let fit = width.map { ($0 - timeWidth - 2 - 30) / max(1, columns.count) } ?? 9
        spacing = max(6, min(9, fit))
    }

    /// The x of a column's lifeline inside the diagram area.
    func x(_ column: Int) -> Int { spacing / 2 + column * spacing }
    var areaWidth: Int { columns.count * spacing }

    /// The column of a node (nil for no node: the sink is not anyone's column).
    func column(of node: Node?) -> Int? {
        guard let node else { return nil }
        return columns.firstIndex { $0 == node }
    }

    /// The mark of a fault on its target's lifeline.
    func faultMark(_ action: Action) -> String {
        switch action {
        case .crash, .crashAfterAck, .crashAfterEffect: glyphs.crash
        case .restart: glyphs.restart
        case .partition, .partitionOneWay: glyphs.partition
        default: glyphs.otherFault
        }
    }

    /// Where a loss is drawn: where its last copy went (a consumer that crashed holding
    /// it or was down when it came, the producer whose only publish was lost), else the
    /// broker (it forgot it, crashed with it, or dropped it).
    func lossColumn(_ s: StoryStep) -> Int? {
        switch s.cause {
        case .consumerCrash, .consumerDown: column(of: s.node) ?? column(of: .broker)
        case .publishLost: column(of: .producer(message.producer))
        default: column(of: .broker)
        }
    }
    var sink: Int { columns.count - 1 }

    /// The diagram's lines: header, rows (words wrapped to `width` when given), legend.
    public func lines(width: Int? = nil) -> [StoryLine] {
        let steps = story.steps
        let doubt = doubtRows()
        let down = downRows()
        var out: [StoryLine] = []
        var header = [Character](repeating: " ", count: areaWidth)
        for (k, node) in columns.enumerated() {
            let name = Array(node?.short ?? "sink")
            let start = max(0, min(areaWidth - name.count, x(k) - name.count / 2))
            for (i, ch) in name.enumerated() { header[start + i] = ch }
        }
        out.append(StoryLine([StorySpan(Format.rightPad("time", timeWidth), .dim), StorySpan(String(header), .title)]))
        let wordsWidth = width.map { max(12, $0 - timeWidth - areaWidth - 1) }
        for (r, step) in steps.enumerated() {
            var cells = lifelines(row: r, doubt: doubt, down: down)
            draw(step, into: &cells)
            let words = StoryWords.sentence(step, of: message, mode: story.mode, settings: settings)
            let wrapped = wordsWidth.map { Format.wrap(words, width: $0, indent: 2) }.flatMap { $0.isEmpty ? nil : $0 } ?? [words]
            for (k, piece) in wrapped.enumerated() {
                var line = StoryLine()
                line.spans.append(StorySpan(k == 0 ? Format.leftPad(StoryWords.time(step.at), timeWidth - 1) + " " : String(repeating: " ", count: timeWidth), .time))
                let area = k == 0 ? cells : lifelines(row: r, doubt: doubt, down: down)
                line.spans += merged(area)
                line.spans.append(StorySpan(" " + piece, Self.style(of: step)))
                out.append(line)
            }
        }
        if story.elided > 0 {
            out.insert(StoryLine("\(story.elided) events from the middle of this long history are not kept", .dim), at: min(out.count, 2))
        }
        if !story.isComplete && !steps.isEmpty {
            out.insert(StoryLine("its first hops have scrolled out of reach", .dim), at: 1)
        }
        return out
    }

    /// What each mark means, in lines of `width` (one line when nil).
    public func legend(width: Int? = nil) -> [StoryLine] {
        let g = glyphs
        var parts = ["\(g.arrowRight) arrived", "\(g.drop) dropped", "\(g.effect) effect", "\(g.effectAgain) effect again",
                     "\(g.suppressed) suppressed", "\(g.crash) crash"]
        if story.mode.acksAfterProcessing && !story.mode.consumersInProcess {
            parts.insert("\(g.doubt) window of doubt (delivered, ack not at the broker)", at: 0)
        }
        var lines: [String] = []
        for part in parts {
            if let last = lines.last, width.map({ last.count + 2 + part.count <= $0 }) ?? true {
                lines[lines.count - 1] += "  " + part
            } else {
                lines.append(part)
            }
        }
        return lines.map { StoryLine($0, .dim) }
    }

    static func style(of s: StoryStep) -> StoryStyle {
        switch s.kind {
        case .applied: s.count > 1 ? .duplicate : .effect
        case .suppressed: .suppressed
        case .lost, .discarded, .deadLettered: .drop
        case .trap, .fault: .fault
        case .packet(.deliver) where s.attempt > 1: s.outcome == .dropped ? .drop : .redelivery
        case .packet: s.outcome == .dropped ? .drop : .text
        }
    }

    // MARK: - Drawing

    private struct Cell {
        var ch: String
        var style: StoryStyle
    }

    /// Rows (inclusive) during which each consumer column holds a delivery the broker has
    /// not heard an ack for. None at-most-once (the broker forgot it on sending) and
    /// in-process (the effect and the ack are one step).
    func doubtRows() -> [Int: [ClosedRange<Int>]] {
        guard story.mode.acksAfterProcessing && !story.mode.consumersInProcess else { return [:] }
        let steps = story.steps
        var spans: [Int: [ClosedRange<Int>]] = [:]
        for (r, s) in steps.enumerated() where s.kind == .packet(.deliver) && !s.neverSent {
            guard let c = column(of: s.node) else { continue }
            // Until the broker has this consumer's ack of this delivery, or takes the message
            // back (its next delivery), or it is gone.
            var end = steps.count - 1
            for k in (r + 1)..<max(r + 1, steps.count) {
                let t = steps[k]
                if t.kind == .packet(.ack), t.attempt == s.attempt, t.node == s.node, t.outcome == .arrived {
                    end = k
                    break
                }
                if (t.kind == .packet(.deliver) && t.attempt == s.attempt + 1) || t.kind == .lost || t.kind == .deadLettered || t.kind == .discarded {
                    end = k - 1
                    break
                }
            }
            spans[c, default: []].append(r...max(r, end))
        }
        return spans
    }

    /// Rows during which a node was down (crashed and not yet restarted), by column.
    func downRows() -> [Int: [ClosedRange<Int>]] {
        var spans: [Int: [ClosedRange<Int>]] = [:]
        var since: [Int: Int] = [:]
        for (r, s) in story.steps.enumerated() where s.kind == .fault {
            guard let action = s.action, let c = column(of: action.target) else { continue }
            switch action {
            case .crash: since[c] = since[c] ?? r
            case .restart:
                if let start = since.removeValue(forKey: c), start + 1 <= r - 1 { spans[c, default: []].append((start + 1)...(r - 1)) }
            default: break
            }
        }
        let last = story.steps.count - 1
        for (c, start) in since where start + 1 <= last { spans[c, default: []].append((start + 1)...last) }
        return spans
    }

    private func lifelines(row: Int, doubt: [Int: [ClosedRange<Int>]], down: [Int: [ClosedRange<Int>]]) -> [Cell] {
        var cells = [Cell](repeating: Cell(ch: " ", style: .dim), count: areaWidth)
        for k in columns.indices {
            if doubt[k]?.contains(where: { $0.contains(row) }) ?? false {
                cells[x(k)] = Cell(ch: glyphs.doubt, style: .doubt)
            } else if down[k]?.contains(where: { $0.contains(row) }) ?? false {
                cells[x(k)] = Cell(ch: glyphs.down, style: .fault)
            } else {
                cells[x(k)] = Cell(ch: glyphs.lifeline, style: .dim)
            }
        }
        return cells
    }

    private func draw(_ s: StoryStep, into cells: inout [Cell]) {
        let g = glyphs
        let style = Self.style(of: s)
        func put(_ at: Int, _ ch: String, _ st: StoryStyle) {
            if at >= 0 && at < cells.count { cells[at] = Cell(ch: ch, style: st) }
        }
        /// A line from `a` towards `b` (exclusive of both), crossing lifelines visibly.
        func line(_ a: Int, _ b: Int, _ ch: String, _ st: StoryStyle) {
            let lo = min(a, b) + 1, hi = max(a, b) - 1
            guard lo <= hi else { return }
            for i in lo...hi {
                let isLifeline = columns.indices.contains { x($0) == i }
                put(i, isLifeline ? g.crossing : ch, st)
            }
        }
        switch s.kind {
        case .packet:
            guard let client = column(of: s.node), let broker = column(of: .broker) else { return }
            let from = x(s.towardBroker ? client : broker), to = x(s.towardBroker ? broker : client)
            let dir = to > from ? 1 : -1
            let head = dir > 0 ? g.arrowRight : g.arrowLeft
            switch s.outcome {
            case .arrived, .onWire:
                line(from, to, g.line, style)
                put(to - dir, s.outcome == .onWire ? g.onWire : head, style)
            case .covered:
                line(from, to, g.covered, .dim)
                put(to - dir, head, .dim)
            case .dropped:
                var fell: Int
                if s.neverSent {
                    fell = from + dir
                } else if (s.droppedAt ?? s.at) > s.at {
                    fell = to - 2 * dir                       // cut on arrival
                } else if s.cause == .partition {
                    fell = from + 2 * dir                     // cut as it left
                } else {
                    fell = (from + to) / 2                    // lost on the wire
                }
                // Never on another node's lifeline, which would read as "dropped there".
                if columns.indices.contains(where: { x($0) == fell }) { fell -= dir }
                line(from, fell, g.line, style)
                put(fell, g.drop, .drop)
                // Where it was going, faintly, when it had set out.
                if !s.neverSent {
                    var i = fell + dir
                    while i != to {
                        if !columns.indices.contains(where: { x($0) == i }) { put(i, g.covered, .dim) }
                        i += dir
                    }
                }
            }
        case .applied, .suppressed:
            if s.kind == .suppressed && (s.cause == .dedupWindow || s.cause == .storeKey) {
                if let b = column(of: .broker) { put(x(b), g.suppressed, .suppressed) }
                return
            }
            guard let c = column(of: s.node) else { return }
            line(x(c), x(sink), g.line, style)
            put(x(sink), s.kind == .suppressed ? g.suppressed : (s.count > 1 ? g.effectAgain : g.effect), style)
        case .lost, .discarded:
            if let c = lossColumn(s) { put(x(c), g.drop, .drop) }
        case .deadLettered:
            if let b = column(of: .broker) { put(x(b), g.deadLetter, .drop) }
        case .trap:
            if let c = column(of: s.node) { put(x(c), g.crash, .fault) }
        case .fault:
            guard let action = s.action, let c = column(of: action.target) else { return }
            put(x(c), faultMark(action), .fault)
        }
    }

    /// Neighbouring cells of one style as one span.
    private func merged(_ cells: [Cell]) -> [StorySpan] {
        var spans: [StorySpan] = []
        for cell in cells {
            if let last = spans.last, last.style == cell.style {
                spans[spans.count - 1].text += cell.ch
            } else {
                spans.append(StorySpan(cell.ch, cell.style))
            }
        }
        return spans
    }
}
