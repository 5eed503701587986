import DeliverySim

/// `ackscope trace` as text: stable and diffable (no widths from the terminal, no colour).
public enum TraceText {
    public static func text(_ story: MessageStory, settings: Settings, lanes shown: [Mode], unicode: Bool = true) -> String {
        let dot = (unicode ? StoryGlyphs.unicode : StoryGlyphs.ascii).separator
        var out: [String] = []
        out.append("message \(story.message)" + dot + "seed \(settings.seed)" + dot + "lanes " + story.lanes.map(\.mode.rawValue).joined(separator: ", "))
        guard story.lanes.contains(where: { !$0.steps.isEmpty }) else {
            out.append("it was never published in this run: nothing to follow (a shorter run, or a producer that crashed?)")
            return out.joined(separator: "\n") + "\n"
        }
        out.append("fates: " + story.lanes.map { $0.mode.rawValue + " " + $0.fate.words }.joined(separator: dot))
        out.append("")
        if story.lanes.count > 1 {
            out.append("side by side (#n: the publish attempt or the delivery number)")
            out += StoryTable(story: story, unicode: unicode).lines().map { trimmed($0.plain) }
            out.append("")
        }
        for lane in story.lanes where shown.contains(lane.mode) {
            let diagram = StoryDiagram(story: lane, message: story.message, settings: settings, unicode: unicode)
            out.append(lane.mode.rawValue + ": " + lane.fate.words)
            out += diagram.lines().map { trimmed($0.plain) }
            out += diagram.legend().map { trimmed($0.plain) }
            out.append("")
        }
        return out.joined(separator: "\n")
    }

    static func trimmed(_ line: String) -> String {
        var s = Substring(line)
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}
