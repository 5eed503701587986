@testable import Dashboard
import DeliverySim
import Experiments
import Testing

/// The flow view (`v`): packets placed along their wires, the window of doubt under each
/// consumer, faults drawn, lanes followed.
@Suite struct FlowViewTests {
    static func app(seed: UInt64 = 1, _ change: (inout Settings) -> Void = { _ in }) -> App {
        var s = Settings()
        s.seed = seed
        s.durationMicros = Settings.unlimitedMicros
        change(&s)
        var app = App(settings: s, unicode: true)
        app.press(.character("v"))
        return app
    }

    /// Steps virtual time in 100 µs until `lane` has a packet on the wire that `ok` accepts.
    static func advance(_ app: inout App, until ok: (WirePacket) -> Bool) -> WirePacket? {
        for _ in 0..<100_000 {
            app.advanceVirtual(by: 100)
            var found: WirePacket?
            app.sim.lanes[app.flowLaneIndex].forEachPacketOnWire { p in if found == nil && ok(p) { found = p } }
            if let found { return found }
        }
        return nil
    }

    /// The rows of the flow panel's diagram (right of the lanes panel at 120 columns).
    static func flowText(_ app: App, width: Int = 120, height: Int = 40) -> [String] {
        let buf = app.render(width: width, height: height)
        let x0 = app.flowCompact(width: width) ? 0 : app.laneBoxWidth(total: width)
        return (1..<(1 + App.panelHeight)).map { y in String(String.UnicodeScalarView((x0..<width).map { buf[$0, y].scalar })) }
    }

    @Test func progressIsTheStraightInterpolationOfSendAndArrival() {
        let p = WirePacket(hop: .publish, message: MessageID(producer: 0, seq: 1), attempt: 1, node: .producer(0), toBroker: true,
                           sentMicros: 1_000, arrivalMicros: 3_000)
        #expect(p.progress(at: 1_000) == 0)
        #expect(p.progress(at: 1_500) == 0.25)
        #expect(p.progress(at: 3_000) == 1)
        #expect(p.progress(at: 900) == 0 && p.progress(at: 9_000) == 1)
    }

    /// A publish on p1's wire sits at (now - sent) / (arrival - sent) of the way from p1
    /// to the broker, and moves that way as time passes.
    @Test func aPublishIsDrawnWhereItsTimesPutIt() throws {
        var app = Self.app()
        let p = try #require(Self.advance(&app) { $0.hop == .publish && $0.arrivalMicros - $0.sentMicros >= 1_000 })
        let width = 120
        let x0 = app.laneBoxWidth(total: width)
        let layout = FlowLayout(app: app, x: x0 + 1, top: 4, bottom: 1 + App.panelHeight - 3, width: width - x0 - 2)
        let buf = app.render(width: width, height: 40)
        let row = layout.producerRows[0]
        let cells = layout.producerWire.count
        let expected = layout.producerWire.lowerBound + Int((p.progress(at: app.sim.now) * Double(cells - 1)).rounded())
        #expect(buf[expected, row].scalar == "●", "publish at column \(expected) of the wire \(layout.producerWire)")
        #expect(buf[expected, row].role == .packetPublish)
        // Later, further along (or arrived).
        let before = expected
        app.advanceVirtual(by: (p.arrivalMicros - app.sim.now) / 2)
        let later = app.render(width: width, height: 40)
        let now = layout.producerWire.first { later[$0, row].scalar == "●" }
        #expect(now.map { $0 >= before } ?? true)
    }

    @Test func theLegendNamesEveryPacketKind() {
        let text = Self.flowText(Self.app()).joined(separator: "\n")
        for word in ["publish", "confirm", "deliver", "redeliver", "ack", "drop", "flow: at-least-once lane"] {
            #expect(text.contains(word), "\(word)")
        }
        // At-most-once has no acks: its legend says what comes back instead.
        var amo = Self.app()
        amo.press(.character("1"))
        let amoText = Self.flowText(amo).joined(separator: "\n")
        #expect(amoText.contains("flow: at-most-once lane") && amoText.contains("credit (no ack)"))
    }

    /// A crashed consumer is greyed out; at-least-once, its unacked deliveries turn into
    /// "back at t" (their deadline); at-most-once, what it held is gone, counted as lost.
    @Test func aCrashTurnsTheWindowOfDoubtIntoRedeliveriesOrLosses() throws {
        var app = Self.app { $0.lossPerMillion = 0; $0.processingMicrosMean = 200_000; $0.consumers = 1 }
        app.advanceVirtual(by: 1_000_000)
        let alo = app.sim.lanes[app.flowLaneIndex]
        var open = 0
        alo.forEachOpenDeliveryByDeadline(limit: 1_000) { _ in open += 1; return true }
        #expect(open >= 2, "a slow consumer holds several unacked deliveries")
        let before = Self.flowText(app)
        let boxes = before.first { $0.contains("▁") || $0.contains("█") || $0.contains("▇") }
        #expect(boxes != nil, "\(before.joined(separator: "\n"))")
        app.press(.tab)
        app.press(.tab)
        #expect(app.selectedNode == .consumer(0))
        app.press(.character("c"))
        let after = Self.flowText(app).joined(separator: "\n")
        #expect(after.contains("c1 ✖ CRASHED"))
        #expect(after.contains(String(repeating: "↻", count: open) + " at "), "\(after)")
        #expect(after.contains("↻ redelivered at its deadline"))
        let buf = app.render(width: 120, height: 40)
        let labelRow = (0..<40).first { y in (0..<118).contains { buf[$0, y].scalar == "c" && buf[$0 + 1, y].scalar == "1" && buf[$0 + 3, y].scalar == "✖" } }
        #expect(labelRow != nil)
        app.press(.character("1"))  // the at-most-once lane
        let amo = Self.flowText(app).joined(separator: "\n")
        #expect(amo.contains("flow: at-most-once lane"))
        #expect(amo.contains("lost "), "what the crashed consumer held is lost at-most-once:\n\(amo)")
        #expect(!amo.contains("↻"))
    }

    @Test func partitionsAreDrawnCutAndSayWhichWayIsDead() {
        var app = Self.app()
        app.advanceVirtual(by: 200_000)
        for _ in 0..<3 { app.press(.tab) }   // c2
        app.press(.character("x"))
        #expect(Self.flowText(app).contains { $0.contains("✗ cut ✗") && $0.contains("c2") })
        app.press(.character("x"))
        app.press(.character("a"))
        #expect(Self.flowText(app).contains { $0.contains("←✗ acks") && $0.contains("c2") })
        app.press(.character("h"))
        #expect(!Self.flowText(app).contains { $0.contains("acks") && $0.contains("c2") })
    }

    /// Every lane meets the same dice: until the modes part, the lanes' wires carry the
    /// same packets at the same places.
    @Test func switchingLanesAtOneInstantShowsTheSamePacketsUntilTheModesPart() {
        var app = Self.app { $0.lossPerMillion = 0 }
        var compared = 0
        for _ in 0..<40 {
            app.advanceVirtual(by: 700)
            app.press(.character("2"))
            let alo = Self.flowText(app).dropFirst(3).dropLast(2)
            app.press(.character("3"))
            let eo = Self.flowText(app).dropFirst(3).dropLast(2)
            #expect(Array(alo) == Array(eo), "at \(app.sim.now) µs")
            compared += 1
        }
        #expect(compared == 40)
        // At-most-once parts at once: its consumers send credits, not acks.
        var parted = false
        for _ in 0..<400 where !parted {
            app.advanceVirtual(by: 300)
            app.press(.character("1"))
            let amo = Self.flowText(app).joined()
            parted = amo.contains("·")
        }
        #expect(parted)
    }

    @Test func aboveTwentyTimesTheWiresShowRates() {
        var app = Self.app()
        app.setSpeed(50)
        app.advanceVirtual(by: 3_000_000)
        let text = Self.flowText(app).joined(separator: "\n")
        #expect(text.contains("packets per virtual second on each wire"))
        #expect(text.contains("→←"), "\(text)")
    }

    /// Paused, `.` processes one event of the followed lane and says which.
    @Test func dotStepsOneEventOfTheFollowedLane() {
        var app = Self.app()
        app.advanceVirtual(by: 30_000)
        app.press(.character(" "))
        let events = app.sim.lanes[app.flowLaneIndex].events
        app.press(.character("."))
        #expect(app.sim.lanes[app.flowLaneIndex].events == events + 1)
        #expect(app.status.hasPrefix("One event of at-least-once at "), "\(app.status)")
        // Each step's words fit the status line whole, and name packets as nouns.
        var sawDelivery = false
        for _ in 0..<40 {
            app.press(.character("."))
            #expect(app.status.count <= app.screenWidth - 2, "\(app.status)")
            #expect(!app.status.contains("'s deliver "), "\(app.status)")
            sawDelivery = sawDelivery || app.status.contains("'s delivery reached c")
        }
        #expect(sawDelivery)
    }

    @Test func vTogglesAndTheLanesPanelStays() {
        var app = Self.app()
        #expect(app.view == .flow)
        let screen = app.render(width: 120, height: 40).plainText()
        #expect(screen.contains("lanes:") && screen.contains("flow: at-least-once lane") && !screen.contains("topology"))
        let compact = app.render(width: 80, height: 24).plainText()
        #expect(compact.contains("flow: at-least-once lane") && compact.contains("at-most ✘") == compact.contains("LOST"))
        app.press(.character("v"))
        #expect(app.view == .topology)
        #expect(app.render(width: 120, height: 40).plainText().contains("topology"))
    }

    /// Paused at a moment with packets on the wires, a slow consumer and unacked deliveries.
    @Test func goldenScreensOfThePausedFlowView() throws {
        var app = Self.app(seed: 3)
        app.advanceVirtual(by: 1_500_000)
        for _ in 0..<4 { app.press(.tab) }
        app.press(.character("s"))   // c3 slow
        app.press(.character("a"))   // and its acks lost
        _ = Self.advance(&app) { $0.hop == .deliver }
        app.advanceVirtual(by: 600_000)
        _ = Self.advance(&app) { $0.hop == .publish }
        app.press(.character(" "))
        assertSnapshot(app.render(width: 120, height: 40).plainText(), named: "flow-120x40")
        assertSnapshot(app.render(width: 80, height: 24).plainText(), named: "flow-80x24")
        var ascii = App(settings: app.settings, unicode: false, view: .flow)
        ascii.advanceVirtual(by: app.sim.now)
        let wide = ascii.render(width: 120, height: 40).plainText().unicodeScalars.filter { $0.value > 127 }
        #expect(wide.isEmpty, "\(String(String.UnicodeScalarView(wide)))")
    }

    /// The processing bar keeps the deadline its delivery had when processing began, so a
    /// slow consumer's bar is seen running past the mark.
    @Test func aSlowConsumersBarRunsPastItsDeadline() {
        var app = Self.app { $0.consumers = 1; $0.ratePerSecond = 5; $0.lossPerMillion = 0 }
        app.press(.tab); app.press(.tab)
        app.press(.character("s"))
        var past = false
        for _ in 0..<40 where !past {
            app.advanceVirtual(by: 100_000)
            guard let row = Self.flowText(app).first(where: { $0.contains("c1 ◔") }),
                  let mark = row.firstIndex(of: "┃") else { continue }
            past = row[row.index(after: mark)...].contains("▓")
        }
        #expect(past, "the bar went past the deadline mark")
    }

    /// With the broker down, deadlines wait: nothing may be drawn outside the consumer's bar.
    @Test func aDownBrokerDrawsNothingOutsideThePanel() {
        var app = Self.app { $0.producers = 3; $0.consumers = 5; $0.processingMicrosMean = 300_000 }
        app.advanceVirtual(by: 800_000)
        app.press(.character("b"))
        for _ in 0..<3 {
            app.advanceVirtual(by: 1_000_000)
            let a = app.render(width: 120, height: 40)
            let x0 = app.laneBoxWidth(total: 120)
            for y in 1..<(1 + App.panelHeight) {
                #expect(!(0...x0).contains { a[$0, y].scalar == "┃" }, "row \(y): nothing of the flow view leaks left")
            }
            #expect(Self.flowText(app).joined().contains("┌─ broker ─"))
            #expect(Self.flowText(app).joined().contains("broker down: no deadline fires until it restarts"))
        }
    }

    /// More packets than cells: a whole count, never a cut word; drops join the count.
    @Test func aCrowdedWireShowsAWholeCount() {
        for (width, height) in [(120, 40), (80, 24)] {
            var app = Self.app { $0.ratePerSecond = 3_000; $0.latencyMicrosMin = 5_000; $0.latencyMicrosMax = 10_000 }
            app.advanceVirtual(by: 500_000)
            let row = Self.flowText(app, width: width, height: height).first { $0.contains("p1 ") && $0.contains("┤") } ?? ""
            let wire = row.split(separator: "┤").first.map { String($0.drop { $0 != "─" && !$0.isNumber }) } ?? ""
            let words = wire.split(whereSeparator: { $0 == "─" || $0 == " " }).joined(separator: " ")
            #expect(words.first?.isNumber == true, "\(width)x\(height): \(row)")
            for word in words.split(separator: " ") {
                #expect(["on", "the", "wire"].contains(word) || word.allSatisfy(\.isNumber) || word.hasPrefix("✗×") || ["●", "○"].contains(word),
                        "\(width)x\(height): '\(word)' in \(row)")
            }
        }
    }

    @Test func aOneWayProducerShowsTheDeadDirectionEvenWhenNarrow() {
        var app = Self.app { $0.producers = 2 }
        app.advanceVirtual(by: 100_000)
        app.press(.tab)   // p2
        app.press(.character("a"))
        for (width, height) in [(120, 40), (80, 24)] {
            let row = Self.flowText(app, width: width, height: height).first { $0.contains("p2 ") } ?? ""
            #expect(row.contains("✗→") && !row.contains("cut"), "\(width)x\(height): \(row)")
        }
    }

    /// At max deliveries the deadline dead-letters: the screen says so, not "redelivered".
    @Test func aCrashedConsumersBoxesSayDeadLetteredAtMaxDeliveries() {
        var app = Self.app { $0.maxDeliveries = 1; $0.consumers = 1; $0.processingMicrosMean = 200_000; $0.lossPerMillion = 0 }
        app.advanceVirtual(by: 1_000_000)
        app.press(.tab); app.press(.tab)
        app.press(.character("c"))
        let text = Self.flowText(app).joined(separator: "\n")
        #expect(text.contains("↻ dead-lettered at its deadline") && !text.contains("redelivered at"), "\(text)")
    }

    @Test func topologyNumbersAbbreviateInsteadOfBeingCut() {
        #expect(Format.abbreviated(1477, width: 4) == "1477")
        #expect(Format.abbreviated(1477, width: 3) == "1.5k")
        #expect(Format.abbreviated(15_120, width: 4) == "15k")
        #expect(Format.abbreviated(999_600, width: 4) == "1.0M")
        #expect(Format.abbreviated(-2_500, width: 3) == "-2.5k")
        var s = Settings()
        s.durationMicros = Settings.unlimitedMicros
        s.ratePerSecond = 2_000
        var app = App(settings: s, unicode: true)
        app.advanceVirtual(by: 8_000_000)
        let screen = app.render(width: 120, height: 40).plainText()
        let producer = screen.split(separator: "\n").first { $0.contains("p1 ") && $0.contains("sent ") }
        #expect(producer.map { $0.contains("unconfirmed ") || $0.contains("unconf ") } == true, "\(producer ?? "")")
        // The line's end is a number, not a cut word.
        let tail = producer?.split(separator: "│").last.map(String.init)?.trimmingSuffix() ?? ""
        #expect(tail.last?.isNumber == true || tail.last == "k" || tail.last == "M", "\(tail)")
    }
}

extension String {
    fileprivate func trimmingSuffix() -> String {
        var s = self
        while s.last == " " { s.removeLast() }
        return s
    }
}
