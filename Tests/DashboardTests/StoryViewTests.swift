import Dashboard
import DeliverySim
import Experiments
import Testing

/// The story view (`f`) and the event log it opens from, driven by keys and virtual time.
@Suite struct StoryViewTests {
    /// Seed 1, the default dashboard workload, run until at-least-once has applied a message
    /// twice (p1-63 at 2.43 s is the first).
    static func appWithADuplicate() -> App {
        var s = Settings()
        s.seed = 1
        s.durationMicros = Settings.unlimitedMicros
        var app = App(settings: s, unicode: true)
        app.advanceVirtual(by: 2_500_000)
        return app
    }

    @Test func fFollowsTheNewestNotableMessageAndEscReturns() {
        var app = Self.appWithADuplicate()
        let alo = app.sim.lanes.first { $0.mode == .atLeastOnce }!
        #expect(alo.counters.duplicateEffects >= 1)
        let newest = app.notableMessages.last
        #expect(newest != nil)
        app.press(.character("f"))
        #expect(app.story?.message == newest)
        let screen = app.render(width: 120, height: 40).plainText()
        #expect(screen.contains("message \(newest!)"))
        for lane in ["at-most-once", "at-least-once", "effectively-once", "hop", "publish #1", "fate"] {
            #expect(screen.contains(lane), "\(lane) on the story screen")
        }
        #expect(!screen.contains("lanes: same seed"))
        app.press(.escape)
        #expect(app.story == nil)
        #expect(app.render(width: 120, height: 40).plainText().contains("lanes: same seed"))
    }

    @Test func theStoryOfADuplicateSideBySideAndAsADiagram() {
        var app = Self.appWithADuplicate()
        app.press(.character("/"))
        for ch in "p1-63" { app.press(.character(ch)) }
        app.press(.enter)
        #expect(app.story?.message == MessageID(producer: 0, seq: 63))
        let table = app.render(width: 120, height: 40).plainText()
        #expect(table.contains("applied twice") && table.contains("suppressed"))
        assertSnapshot(table, named: "story-120x40")
        assertSnapshot(app.render(width: 80, height: 24).plainText(), named: "story-80x24")
        app.press(.character("2"))
        #expect(app.story?.lane == 1)
        let diagram = app.render(width: 120, height: 40).plainText()
        #expect(diagram.contains("the at-least-once lane, time downward: applied twice"))
        #expect(diagram.contains("applied AGAIN by"))
        #expect(diagram.contains("window of doubt"))
        assertSnapshot(diagram, named: "story-diagram-120x40")
        assertSnapshot(app.render(width: 80, height: 24).plainText(), named: "story-diagram-80x24")
        app.press(.character("2"))
        #expect(app.story?.lane == nil)
    }

    /// The world keeps running with the story open, and the story grows with it.
    @Test func theStoryUpdatesAsTheMessageLivesOn() {
        var s = Settings()
        s.seed = 1
        s.durationMicros = Settings.unlimitedMicros
        var app = App(settings: s, unicode: true)
        app.advanceVirtual(by: 2_300_000)
        // p1-63's first delivery is out; its duplicate comes at 2.43 s.
        app.press(.character("/"))
        for ch in "p1-63" { app.press(.character(ch)) }
        app.press(.enter)
        let before = app.followedStory()!.lanes[1]
        #expect(before.fate.effects == 1)
        app.advanceVirtual(by: 500_000)
        let after = app.followedStory()!.lanes[1]
        #expect(after.fate.effects == 2)
        #expect(after.steps.count > before.steps.count)
    }

    @Test func bracketsStepThroughTheLogsMessages() {
        var app = Self.appWithADuplicate()
        let list = app.notableMessages
        #expect(list.count >= 3)
        app.press(.character("["))  // opens the newest
        #expect(app.story?.message == list.last)
        app.press(.character("["))
        #expect(app.story?.message == list[list.count - 2])
        app.press(.character("]"))
        #expect(app.story?.message == list.last)
        app.press(.character("]"))
        #expect(app.story?.message == list.last)
        #expect(app.status.contains("No newer notable message"))
        // The followed message's log lines are highlighted.
        let buf = app.render(width: 120, height: 40)
        let text = buf.plainText().split(separator: "\n")
        let rowsOfIt = text.indices.filter { text[$0].contains(list.last!.description + ":") }
        #expect(!rowsOfIt.isEmpty)
        for y in rowsOfIt { #expect(buf[2, y].role == .selection, "log row \(y) highlighted") }
    }

    @Test func typingAnIDThatIsNotThereSaysWhy() {
        var app = Self.appWithADuplicate()
        app.press(.character("/"))
        #expect(app.typedID == "")
        for ch in "p1-9x" { app.press(.character(ch)) }
        app.press(.backspace)
        app.press(.character("9"))
        #expect(app.typedID == "p1-99")
        app.press(.character("q"))  // typed, not quit
        #expect(app.typedID == "p1-99q")
        app.press(.enter)
        #expect(app.story == nil)
        #expect(app.status.contains("'p1-99q' is not a message of this run"))

        app.press(.character("/"))
        for ch in "p1-9999" { app.press(.character(ch)) }
        app.press(.enter)
        #expect(app.story?.message == MessageID(producer: 0, seq: 9999))
        #expect(app.render(width: 120, height: 40).plainText().contains("p1-9999 has not been published yet"))

        app.press(.character("/"))
        app.press(.character("p"))
        // The prompt stays on screen whatever else writes the status line.
        app.setStatus("The simulation cannot keep up")
        #expect(app.render(width: 100, height: 30).plainText().contains("Follow message: p_"))
        app.press(.escape)
        #expect(app.typedID == nil && app.story != nil)
    }

    /// Scrolling stops at the story's end, so one press up always moves it.
    @Test func scrollingStopsAtTheEnd() {
        var app = Self.appWithADuplicate()
        app.screenWidth = 80
        app.press(.character("/"))
        for ch in "p1-63" { app.press(.character(ch)) }
        app.press(.enter)
        app.press(.character("2"))
        for _ in 0..<50 { app.press(.down) }
        let bottom = app.story?.scroll ?? 0
        #expect(bottom > 0 && bottom < 10)
        let end = app.render(width: 80, height: 24).plainText()
        app.press(.up)
        #expect(app.story?.scroll == bottom - 1)
        #expect(app.render(width: 80, height: 24).plainText() != end)
    }

    @Test func anOldMessageHasScrolledOutOfReach() {
        var s = Settings()
        s.seed = 1
        s.durationMicros = Settings.unlimitedMicros
        s.ratePerSecond = 500
        var app = App(settings: s, unicode: true)
        app.advanceVirtual(by: 6_000_000)  // about 3,000 messages: more than the book keeps
        app.press(.character("/"))
        for ch in "p1-1" { app.press(.character(ch)) }
        app.press(.enter)
        let screen = app.render(width: 120, height: 40).plainText()
        #expect(screen.contains("p1-1: its story has scrolled out of reach"))
        #expect(screen.contains("`ackscope trace") && screen.contains("--message p1-1` tells any of them"))
    }

    /// A sentence longer than the log's line wraps, indented, instead of being cut.
    @Test func theLogWrapsLongSentences() {
        var app = Self.appWithADuplicate()
        app.advanceVirtual(by: 2_000_000)  // past p1-192's loss at 4.05 s
        let screen = app.render(width: 120, height: 40).plainText()
        let lines = screen.split(separator: "\n").map(String.init)
        let k = try? #require(lines.firstIndex { $0.contains("p1-192: LOST") })
        #expect(k.map { lines[$0 + 1].hasPrefix("     ") && lines[$0 + 1].contains("(auto-ack)") } == true, "\(screen)")
    }
}

/// `ackscope trace`'s text, golden: the two stories the seed's argument rests on.
@Suite struct TraceGoldenTests {
    @Test(arguments: ["p1-81", "p1-13"])
    func traceText(_ id: String) throws {
        var s = Settings()
        s.seed = 1
        var recorder = StoryRecorder(message: try #require(MessageID.parse(id)), modes: s.modes)
        _ = Experiment(settings: s).run(observer: &recorder)
        let story = recorder.story(settings: s)
        assertSnapshot(TraceText.text(story, settings: s, lanes: s.modes), named: "trace-seed1-\(id)")
        assertSnapshot(TraceText.text(story, settings: s, lanes: [.atLeastOnce], unicode: false), named: "trace-seed1-\(id)-ascii")
    }
}
