@testable import DeliverySim
import Testing
@testable import Dashboard

/// The real-broker dashboard: hand-built observations in, keys pressed, screens compared.
/// Nothing here runs a server or sleeps.
@Suite struct RealAppTests {
    static let broker = "nats-server 2.9.10, 127.0.0.1:41234 (private)"

    static func app(unicode: Bool = true, script: App.Script? = nil) -> RealApp {
        RealApp(settings: Settings(), broker: broker, script: script, unicode: unicode, themeNames: ["default", "light"])
    }

    static func node(up: Bool = true, partitioned: Bool = false, oneWay: Bool = false, slow: Bool = false, trap: Trap? = nil,
                     unacked: Int = 0, processed: Int = 0, held: Int = 0) -> NodeState {
        NodeState(up: up, partitioned: partitioned, oneWay: oneWay, slow: slow, trap: trap, unacked: unacked, processed: processed, held: held)
    }

    /// Three lanes a few seconds into a run, consumer-2 crashed: at-most-once lost 5,
    /// at-least-once redelivered 12 with 3 duplicate effects, effectively-once suppressed 3.
    static func lanes(consumer2Up: Bool = false) -> [ObservedLane] {
        func lane(_ mode: Mode, _ fill: (inout Counters) -> Void) -> ObservedLane {
            var lane = ObservedLane(mode: mode)
            fill(&lane.counters)
            lane.unobservable = ["in_flight", "acks_pending"]
            lane.produced = 160
            lane.producers = [node(unacked: mode == .atMostOnce ? 0 : 2, processed: 160)]
            lane.consumers = [node(unacked: 1, processed: 52, held: 1), node(up: consumer2Up, processed: 31),
                              node(unacked: 2, processed: 40, held: 2), node(slow: true, unacked: 3, processed: 30, held: 3)]
            lane.broker = node(unacked: mode == .atMostOnce ? 0 : 6, held: 2)
            return lane
        }
        return [
            lane(.atMostOnce) {
                $0.published = 160; $0.confirmed = 0; $0.delivered = 153; $0.processed = 153; $0.lost = 5; $0.ready = 2
            },
            lane(.atLeastOnce) {
                $0.published = 163; $0.confirmed = 160; $0.ready = 2; $0.unacked = 6; $0.delivered = 170; $0.redelivered = 12
                $0.duplicateDeliveries = 12; $0.acked = 158; $0.processed = 155; $0.duplicateEffects = 3
            },
            lane(.effectivelyOnce) {
                $0.published = 163; $0.confirmed = 160; $0.ready = 2; $0.unacked = 6; $0.delivered = 170; $0.redelivered = 12
                $0.duplicateDeliveries = 12; $0.acked = 158; $0.processed = 152; $0.duplicatesSuppressed = 3
            },
        ]
    }

    static func event(_ lane: Int, _ t: Micros, _ kind: SimEvent.Kind, seq: UInt64, attempt: Int32 = 2, node: Node = .consumer(0),
                      count: Int64 = 0, cause: SimEvent.Cause = .none, again: Bool = false, hop: SimEvent.Hop = .none) -> LaneEvent {
        LaneEvent(lane: lane, event: SimEvent(atMicros: t, kind: kind, hop: hop, cause: cause, message: MessageID(producer: 0, seq: seq),
                                              attempt: attempt, node: node, again: again, count: count))
    }

    /// The app after an observation a second for three seconds, then the crash of
    /// consumer-2 at 2.5 s and what followed.
    static func observed(_ app: inout RealApp) {
        for k in 1...3 {
            var growing = lanes(consumer2Up: true)
            for i in growing.indices {
                growing[i].counters.delivered = growing[i].counters.delivered * k / 4
                growing[i].counters.redelivered = growing[i].counters.redelivered * (k - 1) / 4
            }
            app.observe(lanes: growing, now: Micros(k) * 1_000_000, events: [], applied: [], brokerUp: true)
        }
        let crash = AppliedAction(timed: TimedAction(at: 2_500_000, .crash(.consumer(1))), origin: .key)
        let events = [
            event(0, 2_500_000, .lost, seq: 101, attempt: 1, node: .consumer(1), cause: .consumerCrash),
            event(1, 3_510_000, .redelivered, seq: 102, node: .consumer(2)),
            event(2, 3_510_000, .redelivered, seq: 102, node: .consumer(2)),
            event(1, 3_520_000, .applied, seq: 102, node: .consumer(2), count: 2),
            event(2, 3_520_000, .suppressed, seq: 102, node: .consumer(2), cause: .idempotencyRecord),
        ]
        app.observe(lanes: lanes(), now: 4_200_000, events: events, applied: [crash], brokerUp: true)
    }

    @Test func screensAtBothSizes() {
        var app = Self.app()
        Self.observed(&app)
        app.press(.tab); app.press(.tab); app.press(.tab)  // broker, consumer-1, consumer-2
        #expect(app.selectedNode == .consumer(1))
        let small = app.render(width: 80, height: 24).plainText()
        assertSnapshot(small, named: "real-80x24")
        #expect(small.contains("NATS JetStream (real)") && small.contains("wall t 4.20s") && small.contains("speed 1x fixed"))
        #expect(small.contains("CRASHED"))
        let large = app.render(width: 120, height: 40).plainText()
        assertSnapshot(large, named: "real-120x40")
        #expect(large.contains(Self.broker))
        #expect(large.contains("p1-102: effect applied again by c3 (2 times now)"))
        #expect(large.contains("crash consumer-2"))
    }

    /// A counter the lane cannot observe shows as n/a, never as a number, and the verdict
    /// does not claim what nobody saw.
    @Test func unobservableCountersShowNA() {
        var app = Self.app()
        var lanes = Self.lanes()
        lanes[1].counters.inFlight = 99  // even a stray value is never shown
        lanes[2].unobservable.append("lost")
        app.observe(lanes: lanes, now: 1_000_000, events: [], applied: [], brokerUp: true)
        let screen = app.render(width: 120, height: 40).plainText()
        let row = screen.split(separator: "\n").first { $0.hasPrefix("│ in flight") }.map(String.init) ?? ""
        let cells = row.split(separator: "│").first.map { $0.split(separator: " ") } ?? []
        #expect(cells.filter { $0 == "n/a" }.count == 3, "\(row)")
        #expect(!row.contains("99"))
        #expect(screen.contains("▲ DUP 3"))
        #expect(screen.contains("✘ LOST 5"))
        #expect(screen.contains("? none seen"), "effectively-once cannot see its losses: no ✔")
        #expect(!screen.contains("exact so far"))
    }

    @Test func faultKeysReturnTheirActionsAndChangeNothing() {
        var app = Self.app()
        app.observe(lanes: Self.lanes(consumer2Up: true), now: 1_000_000, events: [], applied: [], brokerUp: true)
        let lanes = app.lanes
        app.press(.tab); app.press(.tab)  // broker, consumer-1
        #expect(app.selectedNode == .consumer(0))
        let expected: [(Character, Action)] = [
            ("c", .crash(.consumer(0))), ("p", .crash(.producer(0))), ("b", .crash(.broker)), ("x", .partition(.consumer(0))),
            ("a", .partitionOneWay(.consumer(0))), ("h", .healAll), ("s", .slow(.consumer(0))),
            ("d", .crashAfterEffect(.consumer(0))), ("D", .crashAfterAck(.consumer(0))),
        ]
        for (key, action) in expected {
            app.setStatus("")
            #expect(app.press(.character(key)) == .apply(action), "key \(key)")
            #expect(!app.status.isEmpty, "key \(key) says what it did")
        }
        #expect(app.lanes == lanes, "press never applies anything itself")
        app.press(.tab)  // consumer-2
        app.press(.tab)  // consumer-3
        app.press(.tab)  // consumer-4: slow in the reference lane
        #expect(app.press(.character("s")) == .apply(.unslow(.consumer(3))))
        app.press(.character("c"))
        #expect(app.status.contains("AckWait (1s)"), "\(app.status)")
        #expect(app.status.hasPrefix("Crashed consumer-4: it drops its connection"))
    }

    @Test func crashTogglesToRestartWhenTheNodeIsDown() {
        var app = Self.app()
        var lanes = Self.lanes()
        lanes[1].producers[0].partitioned = true
        lanes[1].consumers[0].oneWay = true
        lanes[1].consumers[2].trap = .crashAfterEffect
        app.observe(lanes: lanes, now: 1_000_000, events: [], applied: [], brokerUp: true)
        let topology = app.render(width: 120, height: 40).plainText()
        for words in ["p1     ⊘ PARTITIONED", "c1     ⇥ ONE-WAY", "c2     ✖ CRASHED", "c3     ▲ ARMED d", "c4     ◔ SLOW"] {
            #expect(topology.contains(words), "\(words)")
        }
        for _ in 0..<3 { app.press(.tab) }  // consumer-2, down in the reference lane
        #expect(app.press(.character("c")) == .apply(.restart(.consumer(1))))
        #expect(app.press(.character("d")) == nil, "no trap on a crashed consumer")
        #expect(app.status.contains("is down"))
        #expect(app.press(.character("p")) == .apply(.crash(.producer(0))))
        app.press(.backTab); app.press(.backTab); app.press(.backTab)  // producer-1, partitioned
        #expect(app.press(.character("x")) == .apply(.heal(.producer(0))))
        #expect(app.press(.character("a")) == .apply(.heal(.producer(0))))
        // The server process is down: b restarts it.
        app.observe(lanes: lanes, now: 2_000_000, events: [], applied: [], brokerUp: false)
        #expect(app.press(.character("b")) == .apply(.restart(.broker)))
        #expect(app.render(width: 120, height: 40).plainText().contains("SERVER DOWN"))
        app.press(.tab)  // the broker: no one-way partition for it
        #expect(app.press(.character("a")) == nil)
        #expect(app.press(.character("s")) == nil)
    }

    @Test func keysWithoutMeaningOnARealServerDoNothingAndSayWhy() {
        var app = Self.app()
        let cases: [(Key, String)] = [
            (.character(" "), "A real server does not pause: it runs on the wall clock."),
            (.character("+"), "Speed is fixed at 1x: the server runs on the wall clock."),
            (.character("-"), "Speed is fixed at 1x: the server runs on the wall clock."),
            (.character("."), RealApp.Refusal.step),
            (.character("v"), RealApp.Refusal.flow),
            (.character("f"), RealApp.Refusal.story),
            (.character("/"), RealApp.Refusal.story),
            (.character("r"), RealApp.Refusal.restart),
            (.character("R"), RealApp.Refusal.restart),
        ]
        for (key, words) in cases {
            app.setStatus("")
            #expect(app.press(key) == nil, "\(key)")
            #expect(app.status == words, "\(key)")
            #expect(app.render(width: 120, height: 40).plainText().contains(words) || words.count > 116)
        }
        #expect(app.status == RealApp.Refusal.restart)
    }

    /// Loss is the proxy's: whole messages dropped, labelled as such (TCP loses no byte).
    @Test func lossKeyCyclesTheProxysMessageLoss() {
        var app = Self.app()
        let start = app.settings.lossPerMillion
        let i = App.lossSteps.firstIndex(of: start) ?? -1
        let next = App.lossSteps[(i + 1) % App.lossSteps.count]
        #expect(app.press(.character("l")) == .apply(.setLoss(nil, perMillion: next)))
        #expect(app.status.contains("whole messages") || next == 0)
        #expect(app.status.contains("TCP itself"))
        var seen: [Int32] = [next]
        for _ in 1..<App.lossSteps.count {
            guard case .apply(.setLoss(nil, let ppm))? = app.press(.character("l")) else {
                Issue.record("l did not set the loss")
                return
            }
            seen.append(ppm)
        }
        #expect(Set(seen) == Set(App.lossSteps), "l cycles through every step")
    }

    @Test func quitHelpInfoThemeSnapshotAndLanes() {
        var app = Self.app()
        Self.observed(&app)
        #expect(app.press(.character("?")) == nil)
        #expect(app.showHelp)
        let help = app.render(width: 100, height: 30).plainText()
        for (key, what) in RealApp.keyHelp { #expect(help.contains(key) && help.contains(what), "help lists \(key)") }
        assertSnapshot(help, named: "real-help-100x30")
        #expect(app.press(.character("c")) == nil, "any key closes the help and does nothing else")
        #expect(!app.showHelp)
        app.press(.character("i"))
        let info = app.render(width: 100, height: 30).plainText()
        #expect(info.contains("what is real here") && info.contains("num_ack_pending") && info.contains("n/a"))
        assertSnapshot(info, named: "real-info-100x30")
        #expect(app.press(.character("q")) == .quit, "q quits from an overlay too")
        app.press(.escape)
        #expect(!app.showInfo)
        #expect(app.press(.character("t")) == .setTheme(index: 1))
        #expect(app.render(width: 80, height: 24).plainText().contains("theme light"))
        #expect(app.press(.character("e")) == .writeSnapshot)
        #expect(app.press(.character("m")) == nil)
        #expect(app.shownLanes == [0])
        #expect(app.status == "Showing at-most-once.")
        #expect(app.referenceLaneIndex == 0)
        let text = app.snapshotText(width: 120, height: 40)
        #expect(text.hasPrefix("ackscope snapshot: NATS JetStream (real), \(Self.broker), wall time 4.20s\n\n"))
        #expect(text.contains("lanes: at-most-once") && text.hasSuffix("\n\n"))
        #expect(!text.contains("keys: faults"))
        #expect(app.press(.character("q")) == .quit)
    }

    /// At most three lines of a kind per lane per wall second, the rest one summary; faults once.
    @Test func logRateLimit() {
        var app = Self.app()
        let redeliveries = (0..<10).map { Self.event(1, 5_000_000 + Micros($0) * 10_000, .redelivered, seq: UInt64(200 + $0)) }
        let crash = AppliedAction(timed: TimedAction(at: 4_900_000, .crash(.consumer(0))), origin: .crashEvery)
        // The engine may also report the fault per lane: it is logged once, from `applied`.
        let faultEvents = (0..<3).map { LaneEvent(lane: $0, event: SimEvent(atMicros: 4_900_000, kind: .fault, action: .crash(.consumer(0)))) }
        app.observe(lanes: Self.lanes(), now: 5_500_000, events: faultEvents + redeliveries, applied: [crash], brokerUp: true)
        let texts = app.log.map(\.text)
        #expect(texts.filter { $0.contains("crash consumer-1") }.count == 1, "\(texts)")
        #expect(texts.first == "4.90s all lanes crash consumer-1")
        #expect(texts.filter { $0.contains("redelivered to c1") }.count == 3)
        #expect(texts.last == "5.09s at-least-once … and 7 more redeliveries", "\(texts)")
        // The same second, a later observation: still limited.
        app.observe(lanes: Self.lanes(), now: 5_800_000, events: [Self.event(1, 5_700_000, .redelivered, seq: 300)], applied: [], brokerUp: true)
        #expect(app.log.last?.text == "5.70s at-least-once … and 8 more redeliveries", "folded into the summary")
        // The next second: three lines again.
        let next = (0..<4).map { Self.event(1, 6_100_000 + Micros($0), .redelivered, seq: UInt64(400 + $0)) }
        app.observe(lanes: Self.lanes(), now: 6_200_000, events: next, applied: [], brokerUp: true)
        #expect(app.log.suffix(4).filter { $0.summaryCount == nil }.count == 3)
        // Ordinary traffic makes no line.
        let before = app.log.count
        app.observe(lanes: Self.lanes(), now: 6_300_000, events: [Self.event(1, 6_250_000, .delivered, seq: 500, attempt: 1)], applied: [],
                    brokerUp: true)
        #expect(app.log.count == before)
    }

    @Test func scenarioStripFollowsTheLoopsActions() {
        let script = App.Script(title: "A lost ack becomes a duplicate",
                                explanation: "At 1.5s consumer-1's acks stop reaching the server; at 2.25s the link heals.",
                                actions: [TimedAction(at: 2_250_000, .heal(.consumer(0))), TimedAction(at: 1_500_000, .partitionOneWay(.consumer(0)))])
        var app = Self.app(script: script)
        #expect(app.render(width: 100, height: 30).plainText().contains("timeline 0/2 · next 1.50s partition-one-way consumer-1"))
        let applied = AppliedAction(timed: TimedAction(at: 1_500_000, .partitionOneWay(.consumer(0))), origin: .scenario)
        app.observe(lanes: Self.lanes(), now: 1_600_000, events: [], applied: [applied], brokerUp: true)
        #expect(app.scriptDone == 1)
        #expect(app.status == "Scenario: partition-one-way consumer-1.")
        let screen = app.render(width: 120, height: 40).plainText()
        #expect(screen.contains("timeline 1/2 · next 2.25s heal consumer-1"))
        #expect(screen.contains(" scenario: A lost ack becomes a duplicate"))
        // A key's action does not advance the scenario's timeline.
        let key = AppliedAction(timed: TimedAction(at: 1_700_000, .healAll), origin: .key)
        app.observe(lanes: Self.lanes(), now: 1_800_000, events: [], applied: [key], brokerUp: true)
        #expect(app.scriptDone == 1)
        // At 80x24 there is no room for the strip: the timeline takes the log's title.
        #expect(app.render(width: 80, height: 24).plainText().contains("─ timeline 1/2"))
        app.press(.character("i"))
        let info = app.render(width: 100, height: 40).plainText()
        #expect(info.contains("✓     1.50s  partition-one-way consumer-1") && info.contains("▸     2.25s  heal consumer-1"))
    }

    @Test func sparklinesSampleEachWallSecond() {
        var app = Self.app()
        var lanes = Self.lanes()
        app.observe(lanes: lanes, now: 900_000, events: [], applied: [], brokerUp: true)
        #expect(app.history[1].isEmpty)
        app.observe(lanes: lanes, now: 1_000_000, events: [], applied: [], brokerUp: true)
        #expect(app.history[1].map(\.delivered) == [170])
        lanes[1].counters.delivered += 40
        app.observe(lanes: lanes, now: 2_050_000, events: [], applied: [], brokerUp: true)
        #expect(app.history[1].map(\.delivered) == [170, 40])
        app.observe(lanes: lanes, now: 1_000_000_000, events: [], applied: [], brokerUp: true)
        #expect(app.history[1].count == App.historyLength, "a long stall keeps the newest seconds only")
    }

    @Test func asciiWhenTheLocaleIsNotUTF8() {
        var app = Self.app(unicode: false)
        Self.observed(&app)
        for (w, h) in [(80, 24), (120, 40)] {
            let text = app.render(width: w, height: h).plainText()
            #expect(text.unicodeScalars.allSatisfy { $0.isASCII }, "\(w)x\(h)")
            #expect(text.contains("X CRASHED") && text.contains("n/a"))
        }
        app.press(.character("?"))
        #expect(app.render(width: 80, height: 24).plainText().unicodeScalars.allSatisfy { $0.isASCII })
    }

    /// Every size, every overlay: the buffer is the size asked for and nothing traps.
    @Test func noCrashAtAnySize() {
        var app = Self.app(script: App.Script(title: "t", explanation: String(repeating: "words ", count: 80),
                                              actions: [TimedAction(at: 1, .healAll)]))
        Self.observed(&app)
        for _ in 0..<4 { app.press(.tab) }
        app.drainMessage = "Draining: healed and restarted everything; 12 messages pending."
        let sizes = [(80, 24), (120, 40), (200, 60), (20, 5), (0, 0), (1, 1), (79, 24), (80, 23), (81, 25)]
            + (0..<12).map { (60 + $0 * 13, 20 + $0 * 3) }
        for overlay in ["", "?", "i"] {
            var a = app
            if !overlay.isEmpty { a.press(.character(Character(overlay))) }
            for (w, h) in sizes {
                let buf = a.render(width: w, height: h)
                #expect(buf.width == w && buf.height == h && buf.cells.count == w * h)
                let lines = buf.plainText().split(separator: "\n", omittingEmptySubsequences: false).dropLast()
                #expect(lines.count == h && lines.allSatisfy { $0.unicodeScalars.count <= w })
            }
        }
        let tiny = app.render(width: 20, height: 5).plainText()
        #expect(tiny.contains("Terminal"))
        let screen = app.render(width: 120, height: 40).plainText()
        #expect(screen.contains("DRAINING") && screen.contains("12 messages pending"))
        #expect(!app.snapshotText(width: 20, height: 5).isEmpty)
    }

    @Test func anEmptyStartDrawsAndSaysSo() {
        let app = Self.app()
        #expect(app.lanes.map(\.mode) == Settings().modes)
        let screen = app.render(width: 80, height: 24).plainText()
        #expect(screen.contains("wall t 0.00s"))
        #expect(app.render(width: 120, height: 40).plainText().contains("nothing notable yet"))
    }
}
