import DeliverySim

/// `ackscope trace --svg`: the lanes' sequence diagrams as one self-contained SVG, for
/// slides and papers. The same rows as the text diagram (`StoryDiagram`), drawn with
/// lines, arrowheads and marks instead of characters; no script, no external font.
public enum StorySVG {
    static let rowHeight = 22
    static let columnWidth = 86
    static let timeWidth = 96
    static let top = 56

    public static func document(_ story: MessageStory, settings: Settings, lanes shown: [Mode]) -> String {
        let diagrams = story.lanes.filter { shown.contains($0.mode) }.map {
            StoryDiagram(story: $0, message: story.message, settings: settings)
        }
        let widest = diagrams.map(\.columns.count).max() ?? 3
        // Monospace at 12px is about 7.3px a character: room for the longest sentence.
        let longest = diagrams.flatMap { d in
            d.story.steps.map { StoryWords.sentence($0, of: d.message, mode: d.story.mode, settings: settings).count }
        }.max() ?? 40
        let width = timeWidth + widest * columnWidth + 16 + longest * 73 / 10
        var body: [String] = []
        var y = top
        body.append(text(x: 16, y: 28, "message \(story.message) · seed \(settings.seed)", size: 18, weight: "bold"))
        if diagrams.isEmpty || diagrams.allSatisfy({ $0.story.steps.isEmpty }) {
            body.append(text(x: 16, y: y, "it was never published in this run", fill: "#555"))
            y += rowHeight
        }
        for d in diagrams where !d.story.steps.isEmpty {
            y = lane(d, top: y, into: &body)
        }
        let height = y + 12
        return """
        <?xml version="1.0" encoding="UTF-8"?>
        <svg xmlns="http://www.w3.org/2000/svg" width="\(width)" height="\(height)" viewBox="0 0 \(width) \(height)" \
        font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" font-size="12">
        <title>ackscope: message \(story.message)</title>
        <defs>
        <marker id="head" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">\
        <path d="M0,0 L10,5 L0,10 z" fill="#333"/></marker>
        <marker id="headRedelivery" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">\
        <path d="M0,0 L10,5 L0,10 z" fill="#8e24aa"/></marker>
        </defs>
        <rect width="100%" height="100%" fill="white"/>
        \(body.joined(separator: "\n"))
        </svg>

        """
    }

    /// One lane's diagram from `top`; returns where the next one starts.
    static func lane(_ d: StoryDiagram, top: Int, into body: inout [String]) -> Int {
        let steps = d.story.steps
        let title = d.story.mode.rawValue + ": " + d.story.fate.words
        body.append(text(x: 16, y: top + 6, title, size: 15, weight: "bold", fill: d.story.fate.gone != nil ? "#c62828" : "#222"))
        let headerY = top + 28
        func cx(_ column: Int) -> Int { timeWidth + column * columnWidth + columnWidth / 2 }
        let firstRow = headerY + 20
        let lastRow = firstRow + max(0, steps.count - 1) * rowHeight
        for (k, node) in d.columns.enumerated() {
            body.append(text(x: cx(k), y: headerY, node?.short ?? "sink", weight: "bold", anchor: "middle"))
            body.append(##"<line x1="\##(cx(k))" y1="\##(headerY + 6)" x2="\##(cx(k))" y2="\##(lastRow + 8)" stroke="#bbb" stroke-width="1"/>"##)
        }
        // The window of doubt: a thick amber bar on the consumer's lifeline.
        for (column, spans) in d.doubtRows().sorted(by: { $0.key < $1.key }) {
            for span in spans {
                let y1 = firstRow + span.lowerBound * rowHeight - 6, y2 = firstRow + span.upperBound * rowHeight + 6
                body.append(##"<rect x="\##(cx(column) - 3)" y="\##(y1)" width="6" height="\##(y2 - y1)" fill="#f9a825" opacity="0.8"><title>window of doubt</title></rect>"##)
            }
        }
        for (column, spans) in d.downRows().sorted(by: { $0.key < $1.key }) {
            for span in spans {
                let y1 = firstRow + span.lowerBound * rowHeight - 10, y2 = firstRow + span.upperBound * rowHeight + 10
                body.append(##"<line x1="\##(cx(column))" y1="\##(y1)" x2="\##(cx(column))" y2="\##(y2)" stroke="white" stroke-width="3" stroke-dasharray="3 3"/>"##)
            }
        }
        let wordsX = timeWidth + d.columns.count * columnWidth + 8
        for (r, s) in steps.enumerated() {
            let y = firstRow + r * rowHeight
            body.append(text(x: timeWidth - 8, y: y + 4, StoryWords.time(s.at), fill: "#666", anchor: "end"))
            let words = StoryWords.sentence(s, of: d.message, mode: d.story.mode, settings: d.settings)
            body.append(text(x: wordsX, y: y + 4, words, fill: colour(StoryDiagram.style(of: s))))
            switch s.kind {
            case .packet:
                guard let client = d.column(of: s.node), let broker = d.column(of: .broker) else { continue }
                let from = cx(s.towardBroker ? client : broker), to = cx(s.towardBroker ? broker : client)
                let redelivery = s.kind == .packet(.deliver) && s.attempt > 1
                let stroke = redelivery ? "#8e24aa" : "#333"
                let label = s.kind == .packet(.deliver) || s.kind == .packet(.ack) ? "\(s.hopWord) \(s.attempt)" : s.hopWord
                switch s.outcome {
                case .arrived, .onWire, .covered:
                    let dash = s.outcome == .arrived ? "" : #" stroke-dasharray="4 3""#
                    body.append(##"<line x1="\##(from)" y1="\##(y)" x2="\##(to - (to > from ? 4 : -4))" y2="\##(y)" stroke="\##(stroke)" stroke-width="1.5"\##(dash) marker-end="url(#\##(redelivery ? "headRedelivery" : "head"))"/>"##)
                case .dropped:
                    let dir = to > from ? 1 : -1
                    var fell = s.neverSent ? from + 12 * dir : (from + to) / 2
                    // Never on another node's lifeline, which would read as "dropped there".
                    if d.columns.indices.contains(where: { abs(cx($0) - fell) < 8 }) { fell -= 14 * dir }
                    body.append(##"<line x1="\##(from)" y1="\##(y)" x2="\##(fell)" y2="\##(y)" stroke="\##(stroke)" stroke-width="1.5"/>"##)
                    if !s.neverSent {
                        body.append(##"<line x1="\##(fell)" y1="\##(y)" x2="\##(to)" y2="\##(y)" stroke="#bbb" stroke-width="1" stroke-dasharray="2 3"/>"##)
                    }
                    body.append(text(x: fell, y: y + 5, "✗", size: 16, weight: "bold", fill: "#c62828", anchor: "middle"))
                }
                body.append(text(x: (from + to) / 2, y: y - 4, label, size: 10, fill: "#555", anchor: "middle"))
            case .applied, .suppressed:
                if s.kind == .suppressed && (s.cause == .dedupWindow || s.cause == .storeKey) {
                    if let b = d.column(of: .broker) { body.append(text(x: cx(b), y: y + 5, "⊘", size: 16, fill: "#2e7d32", anchor: "middle")) }
                    continue
                }
                guard let c = d.column(of: s.node) else { continue }
                let sink = cx(d.sink)
                body.append(##"<line x1="\##(cx(c))" y1="\##(y)" x2="\##(sink - 7)" y2="\##(y)" stroke="#999" stroke-width="1"/>"##)
                if s.kind == .suppressed {
                    body.append(text(x: sink, y: y + 5, "⊘", size: 16, fill: "#2e7d32", anchor: "middle"))
                } else if s.count > 1 {
                    body.append(##"<circle cx="\##(sink)" cy="\##(y)" r="7" fill="#d81b60" stroke="#880e4f" stroke-width="2"><title>effect \##(s.count): a duplicate</title></circle>"##)
                } else {
                    body.append(##"<circle cx="\##(sink)" cy="\##(y)" r="5" fill="#2e7d32"><title>first effect</title></circle>"##)
                }
            case .lost, .discarded, .deadLettered:
                if let c = s.kind == .deadLettered ? d.column(of: .broker) : d.lossColumn(s) {
                    body.append(text(x: cx(c), y: y + 5, s.kind == .deadLettered ? d.glyphs.deadLetter : d.glyphs.drop, size: 16, weight: "bold",
                                     fill: "#c62828", anchor: "middle"))
                }
            case .trap:
                if let c = d.column(of: s.node) { body.append(text(x: cx(c), y: y + 5, d.glyphs.crash, size: 15, fill: "#ef6c00", anchor: "middle")) }
            case .fault:
                if let action = s.action, let c = d.column(of: action.target) {
                    body.append(text(x: cx(c), y: y + 5, d.faultMark(action), size: 15, fill: "#ef6c00", anchor: "middle"))
                }
            }
        }
        return lastRow + rowHeight + 30
    }

    static func colour(_ style: StoryStyle) -> String {
        switch style {
        case .drop: "#c62828"
        case .duplicate: "#d81b60"
        case .effect, .suppressed: "#2e7d32"
        case .redelivery: "#8e24aa"
        case .fault, .parting: "#ef6c00"
        case .doubt: "#f9a825"
        case .dim, .time: "#666"
        case .text, .title: "#222"
        }
    }

    static func text(x: Int, y: Int, _ content: String, size: Int? = nil, weight: String? = nil, fill: String = "#222",
                     anchor: String? = nil) -> String {
        var attributes = ##"x="\##(x)" y="\##(y)" fill="\##(fill)""##
        if let size { attributes += ##" font-size="\##(size)""## }
        if let weight { attributes += ##" font-weight="\##(weight)""## }
        if let anchor { attributes += ##" text-anchor="\##(anchor)""## }
        return "<text \(attributes)>\(escaped(content))</text>"
    }

    /// Text as XML character data.
    public static func escaped(_ s: String) -> String {
        var out = ""
        for ch in s {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(ch)
            }
        }
        return out
    }
}
