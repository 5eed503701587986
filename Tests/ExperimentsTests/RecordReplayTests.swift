import Dashboard
import DeliverySim
import Testing
@testable import Experiments

/// A dashboard session, written as a recording, replays headless to the same JSON.
@Suite struct RecordReplayTests {
    static func replay(_ app: App) throws -> String {
        let text = Recording.text(session: app.sessionSettings, original: app.settings, actions: app.sim.applied.map(\.timed),
                                  origins: app.actionOrigins.map(\.rawValue), stopAtMicros: app.sessionStopAtMicros,
                                  endedAtMicros: app.sim.now, scenarioTitle: app.script?.title)
        return try ScenarioFile.parse(text: text, fileName: "rec.toml").resolved().experiment.run().json()
    }

    /// The flow view on at quit is written into the file, and read back for the dashboard;
    /// runs ignore it.
    @Test func theFlowViewIsRecorded() throws {
        var s = Settings()
        s.durationMicros = Settings.unlimitedMicros
        var app = App(settings: s)
        app.press(.character("v"))
        app.advanceVirtual(by: 1_000_000)
        app.finishSession()
        let text = Recording.text(session: app.sessionSettings, original: app.settings, actions: app.sim.applied.map(\.timed),
                                  origins: app.actionOrigins.map(\.rawValue), stopAtMicros: app.sessionStopAtMicros,
                                  endedAtMicros: app.sim.now, scenarioTitle: nil, view: app.view)
        #expect(text.contains("\nview = \"flow\"\n"))
        let file = try ScenarioFile.parse(text: text, fileName: "rec.toml")
        #expect(file.view == .flow)
        #expect(try file.resolved().view == .flow)
        #expect(try file.resolved().experiment.run().json() == app.sessionSummary().json())
        let without = Recording.text(session: app.sessionSettings, original: app.settings, actions: [], origins: [],
                                     stopAtMicros: nil, endedAtMicros: app.sim.now, scenarioTitle: nil)
        #expect(try ScenarioFile.parse(text: without, fileName: "rec.toml").view == nil)
    }

    @Test func keysScenarioAndGeneratorsReplayExactly() throws {
        var s = Settings()
        s.seed = 42
        s.durationMicros = Settings.unlimitedMicros
        s.crashEveryMicros = 1_500_000
        s.crashForMicros = 400_000
        s.chaos = true
        let script = App.Script(title: "t", explanation: "e",
                                actions: [TimedAction(at: 2_000_000, .slow(.consumer(2))), TimedAction(at: 6_000_000, .unslow(.consumer(2)))])
        var app = App(settings: s, script: script)
        app.advanceVirtual(by: 1_234_567)
        app.press(.tab); app.press(.tab); app.press(.character("a"))
        app.advanceVirtual(by: 700_001)
        app.press(.character("l"))
        app.press(.character("b"))
        app.advanceVirtual(by: 2_000_000)
        app.press(.character("b"))
        app.press(.character(" "))
        for _ in 0..<3 { app.press(.character(".")) }
        app.press(.character("d"))
        app.press(.character(" "))
        app.advanceVirtual(by: 4_321_000)
        app.finishSession()
        #expect(app.actionOrigins.contains(.chaos) || app.actionOrigins.contains(.crashEvery))
        #expect(try Self.replay(app) == app.sessionSummary().json())
    }

    @Test func aSessionThatOutlivesItsDurationReplaysWithStopAt() throws {
        var s = Settings()
        s.seed = 5
        s.durationMicros = 3_000_000
        var app = App(settings: s)
        app.advanceVirtual(by: 2_000_000)
        app.press(.tab); app.press(.tab); app.press(.character("c"))
        app.advanceVirtual(by: 3_500_000)   // production stopped at 3s; the session goes on
        app.press(.character("c"))
        app.advanceVirtual(by: 1_000_000)
        #expect(app.sessionStopAtMicros == 6_500_000)
        #expect(try Self.replay(app) == app.sessionSummary().json())
    }
}
