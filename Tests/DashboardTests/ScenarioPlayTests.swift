import DeliverySim
import Experiments
import Testing
@testable import Dashboard

/// A scenario in the dashboard: its words on screen, its actions at their exact times.
@Suite struct ScenarioPlayTests {
    static let script = App.Script(
        title: "A lost ack becomes a duplicate",
        explanation: "At 1.5s consumer-1's acks start to vanish; at 2.25s the link heals. The broker cannot tell a lost ack from a slow consumer, so it redelivers after the ack timeout, and at-least-once applies those messages twice.",
        actions: [TimedAction(at: 2_250_000, .heal(.consumer(0))), TimedAction(at: 1_500_000, .partitionOneWay(.consumer(0)))])

    static func app(_ configure: (inout Settings) -> Void = { _ in }) -> App {
        var s = Settings()
        s.seed = 7
        s.lossPerMillion = 0
        configure(&s)
        return App(settings: s, unicode: true, script: script)
    }

    @Test func actionsApplyExactlyAtTheirTimesWhateverTheFrames() {
        var app = Self.app()
        for _ in 0..<7 { app.advanceVirtual(by: 700_000) }
        #expect(app.sim.applied.map(\.timed) == [TimedAction(at: 1_500_000, .partitionOneWay(.consumer(0))), TimedAction(at: 2_250_000, .heal(.consumer(0)))])
        #expect(app.actionOrigins == [.scenario, .scenario])
        #expect(app.scriptDone == 2)
        // Same world as a headless run of the same timeline.
        var other = Self.app()
        other.advanceVirtual(by: 4_900_000)
        #expect(other.sim.lanes.map(\.counters) == app.sim.lanes.map(\.counters))
    }

    @Test func stepStopsAtTheNextScenarioActionFirst() {
        var app = Self.app()
        app.advanceVirtual(by: 1_499_990)
        app.press(.character(" "))
        for _ in 0..<200 where app.sim.applied.isEmpty { app.press(.character(".")) }
        #expect(app.sim.applied.first?.timed == TimedAction(at: 1_500_000, .partitionOneWay(.consumer(0))))
    }

    @Test func crashEveryIsGeneratedAheadNeverUnbounded() {
        var app = Self.app {
            $0.durationMicros = Settings.unlimitedMicros
            $0.crashEveryMicros = 700_000
            $0.crashForMicros = 200_000
        }
        app.advanceVirtual(by: 50_000_000)
        // The k-th crash at k x 0.7s, its restart 0.2s later, of the same consumer: 71 pairs
        // by 50s, however far the session runs (each is drawn from its own dice).
        let generated = app.sim.applied.filter { $0.origin == .crashEvery }.map(\.timed)
        #expect(generated.count == 142)
        for k in 0..<71 {
            let crash = generated[2 * k], restart = generated[2 * k + 1]
            #expect(crash.atMicros == Micros(k + 1) * 700_000 && restart.atMicros == crash.atMicros + 200_000)
            guard case .crash(let node) = crash.action else { Issue.record("expected a crash"); return }
            #expect(restart.action == .restart(node))
        }
        #expect(Set(generated.compactMap(\.action.target)).count > 1)
        #expect(app.actionOrigins.filter { $0 == .scenario }.count == 2)
    }

    @Test func sessionSettingsReplayWithoutGenerators() {
        var app = Self.app {
            $0.durationMicros = Settings.unlimitedMicros
            $0.crashEveryMicros = 1_000_000
            $0.crashForMicros = 300_000
            $0.chaos = true
        }
        app.advanceVirtual(by: 3_000_000)
        app.press(.tab); app.press(.tab); app.press(.character("c"))
        app.press(.character(" "))
        for _ in 0..<5 { app.press(.character(".")) }
        app.press(.character("c"))  // after stepping: applied at a whole instant
        app.press(.character(" "))
        app.advanceVirtual(by: 2_345_678)
        app.finishSession()
        let s = app.sessionSettings
        #expect(s.durationMicros == app.sim.now && !s.drain && s.crashEveryMicros == 0 && !s.chaos)
        var replay = Timeline(settings: s, actions: app.sim.applied.map(\.timed))
        #expect(replay.runToEnd().json() == app.sessionSummary().json())
    }

    @Test func screensShowTheScenario() {
        var app = Self.app()
        app.advanceVirtual(by: 2_000_000)
        let tall = app.render(width: 100, height: 30).plainText()
        #expect(tall.contains("scenario: A lost ack becomes a duplicate"))
        #expect(tall.contains("timeline 1/2 · next 2.25s heal consumer-1"))
        assertSnapshot(tall, named: "scenario-100x30")
        // At the minimum size the timeline moves into the log's title.
        let small = app.render(width: 80, height: 24).plainText()
        #expect(small.contains("timeline 1/2"))
        app.press(.character("i"))
        let info = app.render(width: 100, height: 30).plainText()
        assertSnapshot(info, named: "scenario-info-100x30")
        #expect(info.contains("✓     1.50s  partition-one-way consumer-1"))
        app.press(.character("x"))  // any key closes it and does nothing else
        #expect(!app.showInfo && app.sim.applied.count == 1)
    }

    @Test func snapshotKeyAsksTheLoopAndTheTextHasScreenAndJSON() {
        var app = Self.app()
        app.advanceVirtual(by: 1_234_000)
        #expect(app.press(.character("e")) == .writeSnapshot)
        #expect(app.snapshotFileName == "ackscope-snapshot-7-1234.txt")
        let text = app.snapshotText(width: 100, height: 30)
        #expect(text.contains("in flight") && text.contains("{\"seed\":7,\"virtual_ms\":1234,"))
        app.snapshotTaken("Snapshot written.")
        #expect(app.status == "Snapshot written.")
    }
}
