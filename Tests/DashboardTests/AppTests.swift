import DeliverySim
import Testing
@testable import Dashboard

/// Key scripts: press keys and advance virtual time by hand. Nothing sleeps.
@Suite struct AppTests {
    static func app(_ configure: (inout Settings) -> Void = { _ in }) -> App {
        var s = Settings()
        s.seed = 7
        configure(&s)
        return App(settings: s, unicode: true, themeNames: ["default", "light"])
    }

    @Test func screensAtBothSizes() {
        var app = Self.app()
        app.advanceVirtual(by: 3_000_000)
        assertSnapshot(app.render(width: 80, height: 24).plainText(), named: "screen-80x24")
        for _ in 0..<3 { app.press(.tab) }  // producer-1, broker, consumer-1, consumer-2
        app.press(.character("c"))
        app.press(.character("a"))
        app.advanceVirtual(by: 4_000_000)
        assertSnapshot(app.render(width: 160, height: 48).plainText(), named: "screen-160x48")
    }

    @Test func asciiWhenTheLocaleIsNotUTF8() {
        var app = App(settings: Settings(), unicode: false)
        app.advanceVirtual(by: 2_000_000)
        let text = app.render(width: 100, height: 30).plainText()
        #expect(text.unicodeScalars.allSatisfy { $0.isASCII })
        assertSnapshot(text, named: "screen-ascii-100x30")
    }

    @Test func helpOpensAndCloses() {
        var app = Self.app()
        app.press(.character("?"))
        #expect(app.showHelp)
        let text = app.render(width: 100, height: 30).plainText()
        for (key, what) in App.keyHelp { #expect(text.contains(key) && text.contains(what), "help lists \(key)") }
        assertSnapshot(text, named: "help-100x30")
        app.press(.character("x"))  // any key closes help and does nothing else
        #expect(!app.showHelp)
        #expect(app.sim.applied.isEmpty)
    }

    @Test func pauseFreezesTheCounters() {
        var app = Self.app()
        app.advanceVirtual(by: 2_000_000)
        app.press(.character(" "))
        #expect(app.paused)
        let before = app.sim.lanes.map(\.counters)
        let t = app.sim.now
        app.advance(byWallMicros: 5_000_000)
        #expect(app.sim.lanes.map(\.counters) == before)
        #expect(app.sim.now == t)
        #expect(app.render(width: 80, height: 24).plainText().contains("PAUSED"))
        app.press(.character(" "))
        app.advance(byWallMicros: 1_000_000)
        #expect(app.sim.lanes.map(\.counters) != before)
    }

    @Test func stepProcessesExactlyOneEvent() {
        var app = Self.app()
        app.advanceVirtual(by: 1_000_000)
        app.press(.character(" "))
        let events = app.sim.lanes.map(\.events).reduce(0, +)
        app.press(.character("."))
        #expect(app.sim.lanes.map(\.events).reduce(0, +) == events + 1)
    }

    @Test func crashChangesTopologyAndThenRedeliveries() {
        var app = Self.app { $0.lossPerMillion = 0 }
        app.advanceVirtual(by: 2_000_000)
        // Select consumer-1: producer-1, broker, consumer-1.
        app.press(.tab)
        app.press(.tab)
        #expect(app.selectedNode == .consumer(0))
        app.press(.character("s"))  // slow: its deliveries outlive the ack timeout
        app.advanceVirtual(by: 500_000)
        let before = app.sim.lanes.map(\.counters.redelivered)
        app.press(.character("c"))
        #expect(!app.sim.lanes[0].state(of: .consumer(0)).up)
        let screen = app.render(width: 120, height: 40).plainText()
        #expect(screen.contains("CRASHED"))
        app.advanceVirtual(by: 1_500_000)  // past the ack timeout
        let after = app.sim.lanes.map(\.counters.redelivered)
        #expect(after[1] > before[1], "at-least-once redelivers what the crashed consumer held")
        #expect(after[0] == 0, "at-most-once never redelivers")
        #expect(app.sim.applied.map(\.timed.action) == [.slow(.consumer(0)), .crash(.consumer(0))])
        app.press(.character("c"))
        #expect(app.sim.lanes[0].state(of: .consumer(0)).up)
    }

    @Test func partitionAndOneWayShowOnTheTopology() {
        var app = Self.app()
        app.press(.tab); app.press(.tab)
        app.press(.character("x"))
        #expect(app.render(width: 120, height: 40).plainText().contains("PARTITIONED"))
        app.press(.character("x"))
        app.press(.character("a"))
        #expect(app.render(width: 120, height: 40).plainText().contains("ACKS LOST"))
        app.press(.character("h"))
        #expect(app.sim.applied.map(\.timed.action) == [.partition(.consumer(0)), .heal(.consumer(0)), .partitionOneWay(.consumer(0)), .healAll])
    }

    @Test func trapsProduceTheirStoryInTheLog() {
        var app = Self.app { $0.lossPerMillion = 0 }
        app.press(.tab); app.press(.tab)
        app.press(.character("d"))
        app.advanceVirtual(by: 3_000_000)
        let log = app.log.map(\.text).joined(separator: "\n")
        #expect(log.contains("crash-after-effect consumer-1"))
        #expect(log.contains("crashed after the effect, before the ack"))
        #expect(app.sim.lanes[1].counters.duplicateEffects == 1)
        #expect(app.sim.lanes[2].counters.duplicatesSuppressed == 1)
    }

    @Test func acksUnsentShowAndACrashSaysWhatItCost() {
        var app = Self.app {
            $0.lossPerMillion = 0
            $0.consumers = 1
            $0.prefetch = 1_000
            $0.ackEvery = 0
            $0.ackIntervalMicros = 5_000_000
            $0.ackTimeoutMicros = 30_000_000
            $0.profile = .jetstream
        }
        app.advanceVirtual(by: 2_000_000)
        let pending = app.sim.lanes[1].counters.acksPending
        #expect(pending > 20, "two seconds of acks wait for the 5 s commit")
        let screen = app.render(width: 120, height: 40).plainText()
        #expect(screen.contains("profile jetstream"))
        let row = screen.split(separator: "\n").first { $0.contains("acks unsent") }.map(String.init) ?? ""
        #expect(row.contains(" \(pending) "), "\(row)")
        app.press(.tab); app.press(.tab)  // broker, consumer-1
        app.press(.character("c"))
        let log = app.log.map(\.text).joined(separator: "\n")
        #expect(log.contains("applied by c1, but c1 crashed before its ack left; redelivery due"), "\(log)")
        #expect(app.sim.lanes[1].counters.acksPending == 0)
    }

    @Test func speedLanesThemeAndRestart() {
        var app = Self.app()
        app.press(.character("+"))
        #expect(app.speed == 2)
        for _ in 0..<30 { app.press(.character("+")) }
        #expect(app.speed == 1_000)
        for _ in 0..<30 { app.press(.character("-")) }
        #expect(app.speed == 0.001)
        app.press(.character("m"))
        #expect(app.shownLanes == [0])
        #expect(app.press(.character("t")) == .setTheme(index: 1))
        #expect(app.themeIndex == 1)
        app.advanceVirtual(by: 2_000_000)
        let seed = app.settings.seed
        app.press(.character("r"))
        #expect(app.sim.now == 0 && app.settings.seed == seed)
        app.press(.character("R"))
        #expect(app.settings.seed != seed)
        #expect(app.press(.character("q")) == .quit)
    }

    @Test func tooSmallSaysSoAndQStillQuits() {
        var app = Self.app()
        let text = app.render(width: 60, height: 20).plainText()
        #expect(text.contains("Terminal too small: 60x20, needs 80x24"))
        #expect(app.press(.character("q")) == .quit)
    }

    @Test func sameKeysSameScreen() {
        func session() -> String {
            var app = Self.app()
            app.advanceVirtual(by: 1_000_000)
            app.press(.tab); app.press(.tab); app.press(.character("c"))
            app.advanceVirtual(by: 2_000_000)
            app.press(.character("l"))
            app.advanceVirtual(by: 2_000_000)
            return app.render(width: 120, height: 40).plainText()
        }
        #expect(session() == session())
    }
}

@Suite struct FrameBudgetTests {
    @Test func aFrameOverItsBudgetSimulatesLessAndSaysSo() {
        var app = App(settings: Settings(), unicode: true)
        app.setSpeed(1_000)
        var calls = 0
        // Over budget from the first check: only the first of the frame's slices runs.
        app.advance(byWallMicros: 50_000) { calls += 1; return true }
        #expect(calls == 1)
        #expect(app.fallingBehind)
        #expect(app.sim.now > 0 && app.sim.now < 50_000 * 1_000)
        #expect(app.status.contains("cannot keep up"))
        app.advance(byWallMicros: 50_000) { false }
        #expect(!app.fallingBehind)
    }
}

/// A world far too large for its speed still hands control back between slices.
@Suite struct LoadTests {
    @Test func eachSliceOfAHugeWorldIsSmallSoKeysAreReadWithinAFrame() {
        var s = Settings()
        s.producers = 64
        s.consumers = 256
        s.ratePerSecond = 100_000_000
        var app = App(settings: s, unicode: true)
        app.setSpeed(1_000)
        // The loop's clock is replaced by a count of checks: "over budget" after the third.
        var checks = 0
        app.advance(byWallMicros: 50_000) { checks += 1; return checks >= 3 }
        #expect(app.fallingBehind)
        // Three slices started at 1 µs of virtual time each: a few thousand events, not the
        // millions that 50 virtual seconds of this world hold.
        #expect(app.sim.events < 3 * App.sliceEvents * 4, "\(app.sim.events) events before the first clock check")
        // Later frames adapt the slice to about `sliceEvents` events, never run away.
        for _ in 0..<20 {
            let before = app.sim.events
            var n = 0
            app.advance(byWallMicros: 50_000) { n += 1; return n >= 1 }
            #expect(app.sim.events - before < App.sliceEvents * 8, "slice of \(app.sim.events - before) events")
        }
    }
}

@Suite struct OverflowOnScreenTests {
    /// 2,000 messages a second into a backlog of 100 that drops its head.
    static func overflowingApp() -> App {
        var s = Settings()
        s.ratePerSecond = 2_000
        s.processingMicrosMean = 20_000
        s.maxBacklog = 100
        s.overflow = .dropHead
        return App(settings: s, unicode: true)
    }

    /// A backlog that overflows shows a `discarded` row, in the lanes panel's own height.
    @Test func discardedGetsARowOnceABacklogOverflows() {
        var app = Self.overflowingApp()
        let before = app.render(width: 120, height: 40).plainText()
        #expect(!before.contains("│ discarded"))
        app.advanceVirtual(by: 3_000_000)
        let text = app.render(width: 120, height: 40).plainText()
        let line = text.split(separator: "\n").first { $0.hasPrefix("│ discarded") }
        let numbers = line.map { $0.split(separator: "│")[0].split(separator: " ").compactMap { Int($0) } } ?? []
        #expect(numbers.count == 3 && numbers.allSatisfy { $0 > 0 }, "\(line ?? "no discarded row")")
        // The panel kept its height: the event log's rule is where it was.
        let rule = { (t: String) in t.split(separator: "\n").firstIndex { $0.hasPrefix("── events") } }
        #expect(rule(text) == rule(before))
    }

    /// A flood of discards in lanes that alternate (at-most-once, then the retrying lanes)
    /// folds into one counting line per kind and lanes, instead of a new pair every frame.
    @Test func aFloodFoldsPerKindAndLanes() {
        var app = Self.overflowingApp()
        for _ in 0..<200 { app.advanceVirtual(by: 50_000) }  // 10 s in frames of 50 ms
        // Within the fold window, one counting line per set of lanes, not one per frame.
        let summaries = app.log.suffix(App.foldWindow).filter { $0.summaryCount != nil && $0.kind == .discarded }
        #expect(!summaries.isEmpty)
        #expect(Set(summaries.map(\.modes)).count == summaries.count, "\(summaries.map(\.text))")
        #expect(summaries.map { $0.summaryCount! }.reduce(0, +) > 1_000)
        // Lines of one kind and lane: at most three a virtual second, the rest counted.
        let singles = app.log.filter { $0.summaryCount == nil && $0.kind == .discarded }
        let perSecond = Dictionary(grouping: singles) { "\($0.modes) \($0.atMicros / 1_000_000)" }
        #expect(perSecond.values.allSatisfy { $0.count <= 3 })
    }
}
