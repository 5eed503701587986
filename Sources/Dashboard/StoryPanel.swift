import DeliverySim
import Experiments

/// The story view (`f`): one message's life, the lanes side by side or one lane's
/// sequence diagram, in the place of the lanes and topology panels.
extension App {
    static func role(_ style: StoryStyle) -> StyleRole {
        switch style {
        case .text: .text
        case .dim, .time: .dim
        case .title: .title
        case .drop: .stateLost
        case .effect, .suppressed: .ok
        case .duplicate: .stateDuplicate
        case .doubt: .stateUnacked
        case .redelivery: .stateRedelivered
        case .fault, .parting: .warning
        }
    }

    /// The story of the followed message as the book holds it now, or nil when no lane
    /// holds it any more (or yet).
    ///
    /// Only the lanes on screen (`m` chooses them), in their order.
    public func followedStory() -> MessageStory? {
        story.flatMap { book.story(of: $0.message, modes: sim.lanes.map(\.mode), lanes: shownLanes, settings: settings, now: sim.now) }
    }

    /// Rows of text in the story panel (it takes the lanes panel's place and height; its
    /// border and key line take three).
    static var storyRows: Int { panelHeight - 3 }

    func storyLines(_ focus: StoryFocus, inner: Int) -> [StoryLine] {
        var lines: [StoryLine] = []
        if let story = followedStory() {
            if let l = focus.lane, story.lanes.indices.contains(l) {
                let lane = story.lanes[l]
                let diagram = StoryDiagram(story: lane, message: story.message, settings: settings, unicode: unicode, width: inner)
                let f = lane.fate
                lines.append(StoryLine([StorySpan("the \(lane.mode.rawValue) lane, time downward: ", .title),
                                        StorySpan(f.words, f.gone != nil ? .drop : (f.effects > 1 ? .duplicate : .text))]))
                lines += diagram.lines(width: inner)
                lines += diagram.legend(width: inner)
            } else {
                lines += StoryTable(story: story, unicode: unicode).lines(width: inner)
            }
        } else {
            let created = sim.lanes.map { $0.state(of: .producer(focus.message.producer)).processed }.max() ?? 0
            let text = focus.message.seq > UInt64(created)
                ? "\(focus.message) has not been published yet: its producer has created \(created) messages so far."
                : "\(focus.message): its story has scrolled out of reach. The dashboard keeps the last "
                    + "\(book.messagesPerProducer) messages of each producer in each lane; `ackscope trace --message \(focus.message)` tells any of them."
            lines = Format.wrap(text, width: inner).map { StoryLine($0, .text) }
        }
        return lines
    }

    func drawStory(_ buf: inout ScreenBuffer, _ focus: StoryFocus, x: Int, y: Int, width: Int, height: Int) {
        drawBox(&buf, x: x, y: y, width: width, height: height, title: "message \(focus.message)")
        let inner = width - 4
        let lines = storyLines(focus, inner: inner)
        let rows = Self.storyRows
        let scroll = max(0, min(focus.scroll, lines.count - rows))
        let shown = lines.dropFirst(scroll).prefix(rows)
        for (k, line) in shown.enumerated() {
            var cx = x + 2
            for span in line.spans where cx < x + width - 2 {
                cx = buf.put(span.text, x: cx, y: y + 1 + k, role: Self.role(span.style), maxWidth: x + width - 2 - cx)
            }
        }
        let more = lines.count - scroll - shown.count
        var hint = "Esc back · [ ] older/newer · / an id · 1-\(shownLanes.count) one lane"
        if scroll > 0 || more > 0 { hint += " · " + (unicode ? "↑↓" : "up/down") + " \(more) more" }
        buf.put(hint, x: x + 2, y: y + height - 2, role: .dim, maxWidth: inner)
    }
}
