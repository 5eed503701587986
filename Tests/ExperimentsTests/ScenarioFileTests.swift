import DeliverySim
import Testing
@testable import Experiments

/// Scenario files: what they mean, and every kind of bad input, with file:line:column.
@Suite struct ScenarioFileTests {
    static let valid = """
        title = "Crash and see"
        explanation = \"\"\"
        Two lines of
        explanation.\"\"\"

        [workload]
        seed = 7
        duration = "20s"
        modes = ["at-least-once", "effectively-once"]
        consumers = 2
        rate = 12.5
        latency = "1ms..3ms"
        loss = "0.5%"
        durable = false
        crash_every = "5s"
        drain = false

        [[actions]]
        at = "12.5s"
        action = "crash"
        target = "consumer-2"

        [[actions]]
        at = "2s"
        action = "loss"
        target = "all"
        value = "5%"

        [[actions]]
        at = "3s"
        action = "heal-all"
        """

    @Test func parsesEveryPart() throws {
        let file = try ScenarioFile.parse(text: Self.valid, fileName: "s.toml")
        #expect(file.title == "Crash and see")
        #expect(file.explanation == "Two lines of explanation.")
        let scenario = try file.resolved()
        let s = scenario.settings
        #expect(s.seed == 7 && s.durationMicros == 20_000_000 && s.modes == [.atLeastOnce, .effectivelyOnce])
        #expect(s.consumers == 2 && s.ratePerSecond == 12.5 && s.latencyMicrosMin == 1_000 && s.latencyMicrosMax == 3_000)
        #expect(s.lossPerMillion == 5_000 && !s.durable && !s.drain)
        #expect(s.crashEveryMicros == 5_000_000 && s.crashForMicros == 2_000_000, "crash_for defaults to 2s")
        #expect(s.producers == Settings().producers, "what the file does not give keeps the default")
        #expect(scenario.timeline == [TimedAction(at: 12_500_000, .crash(.consumer(1))),
                                      TimedAction(at: 2_000_000, .setLoss(nil, perMillion: 50_000)),
                                      TimedAction(at: 3_000_000, .healAll)])
    }

    @Test func flagsOverrideTheFile() throws {
        var flags = Workload()
        flags.seed = 9
        flags.consumers = 3
        flags.drain = true
        let s = try ScenarioFile.parse(text: Self.valid, fileName: "s.toml").resolved(overrides: flags).settings
        #expect(s.seed == 9 && s.consumers == 3 && s.drain)
        #expect(s.durationMicros == 20_000_000, "not overridden: the file's value")
    }

    @Test func writtenFilesReadBackToTheSameScenario() throws {
        var s = Settings()
        s.seed = UInt64.max - 3            // above Int64.max: written as a string
        s.ratePerSecond = 33.333333333333336
        s.lossPerMillion = 12_345
        s.latencyMicrosMin = 500
        s.latencyMicrosMax = 2_250
        s.messageLimit = 999
        s.durationMicros = 12_345_678
        s.drain = false
        s.modes = [.effectivelyOnce, .atMostOnce]
        let original = Scenario(title: "T \"quoted\"", explanation: "One paragraph.", settings: s,
                                timeline: [TimedAction(at: 1, .setLatency(nil, minMicros: 100, maxMicros: 200)),
                                           TimedAction(at: 5_000_000, .crashAfterAck(.consumer(3))),
                                           TimedAction(at: 5_000_000, .setDuplication(.producer(0), perMillion: 1)),
                                           TimedAction(at: 12_345_678, .healAll)],
                                stopAtMicros: 20_000_000)
        let text = original.tomlText(preamble: ["a comment"], comments: ["from key", nil, "from chaos", nil])
        let back = try ScenarioFile.parse(text: text, fileName: "w.toml").resolved()
        #expect(back == original)
    }

    /// Each kind of bad input: one line naming file, line, column and the key or value.
    @Test(arguments: [
        // Not TOML.
        ("title = \"x", "bad.toml:1:9: not valid TOML: unterminated string"),
        ("[[[", "bad.toml:3:3: not valid TOML: expected a key"),
        // Top level.
        ("explanation = \"e\"", "bad.toml:1:1: title is missing"),
        ("title = \"t\"", "bad.toml:1:1: explanation is missing"),
        ("title = \"t\"\nexplanation = \"e\"\ntitel = \"x\"", "bad.toml:3:1: unknown key 'titel' at the top level (did you mean 'title'?)"),
        ("title = 3\nexplanation = \"e\"", "bad.toml:1:9: title = 3: expected a one-line string"),
        ("title = \"t\"\nexplanation = \"e\"\nview = \"graph\"", "bad.toml:3:8: view = \"graph\": expected \"topology\" or \"flow\""),
        ("title = \"t\"\nexplanation = \"e\"\nworkload = 1", "bad.toml:3:12: workload = 1: expected a table ([workload])"),
        ("title = \"t\"\nexplanation = \"e\"\nactions = 1", "bad.toml:3:11: actions = 1: expected an array of tables ([[actions]])"),
        ("title = \"t\"\nexplanation = \"e\"\nstop_at = \"soon\"", "bad.toml:3:11: stop_at = \"soon\": expected a duration such as \"45.2s\""),
        // [workload] values, one kind each.
        ("[workload]\nlos = \"1%\"", "bad.toml:4:1: unknown key 'los' in [workload] (did you mean 'loss'?)"),
        ("[workload]\nloss = \"3x\"", "bad.toml:4:8: workload.loss = \"3x\": expected a percentage from 0% to 100% as a string (e.g. \"1%\", \"0.5%\")"),
        ("[workload]\nloss = 1", "bad.toml:4:8: workload.loss = 1: expected a percentage"),
        ("[workload]\nduration = 30", "bad.toml:4:12: workload.duration = 30: expected a duration with a unit"),
        ("[workload]\nack_timeout = \"0s\"", "bad.toml:4:15: workload.ack_timeout = \"0s\": expected a duration above 0s"),
        ("[workload]\nconsumers = 0", "bad.toml:4:13: workload.consumers = 0: expected a whole number from 1 to 256"),
        ("[workload]\nproducers = \"2\"", "bad.toml:4:13: workload.producers = \"2\": expected a whole number from 1 to 64"),
        ("[workload]\ndurable = \"yes\"", "bad.toml:4:11: workload.durable = \"yes\": expected true or false"),
        ("[workload]\nmodes = [\"sometimes\"]", "bad.toml:4:9: workload.modes = […]: 'sometimes' is not a mode"),
        ("[workload]\nrate = 0", "bad.toml:4:8: workload.rate = 0: expected a number from 0.000001 to 100000000"),
        ("[workload]\nlatency = \"2ms..1ms\"", "bad.toml:4:11: workload.latency = \"2ms..1ms\": expected a duration or a range"),
        ("[workload]\nseed = -1", "bad.toml:4:8: workload.seed = -1: expected a whole number from 0"),
        // [[actions]] entries.
        ("[[actions]]\nat = \"1s\"\naction = \"crash\"\ntarget = \"consumer-1\"\nwhen = 3", "bad.toml:7:1: unknown key 'when' in actions[1]"),
        ("[[actions]]\naction = \"crash\"\ntarget = \"consumer-1\"", "bad.toml:3:1: actions[1]: 'at' is missing"),
        ("[[actions]]\nat = 5\naction = \"crash\"", "bad.toml:4:6: actions[1].at = 5: expected a string such as \"12.5s\""),
        ("[[actions]]\nat = \"5\"\naction = \"crash\"", "bad.toml:4:6: actions[1].at = \"5\": expected a duration with a unit"),
        ("[[actions]]\nat = \"5s\"", "bad.toml:3:1: actions[1]: 'action' is missing"),
        ("[[actions]]\nat = \"5s\"\naction = \"crush\"\ntarget = \"consumer-1\"", "bad.toml:5:10: actions[1].action = \"crush\": unknown action (did you mean 'crash'?"),
        ("[[actions]]\nat = \"5s\"\naction = \"crash\"\ntarget = \"server-1\"", "bad.toml:6:10: actions[1].target = \"server-1\": unknown target (allowed: broker, producer-N, consumer-N, all)"),
        ("[[actions]]\nat = \"5s\"\naction = \"crash\"", "bad.toml:5:10: actions[1].action = \"crash\": 'crash' needs a target"),
        ("[[actions]]\nat = \"5s\"\naction = \"slow\"\ntarget = \"broker\"", "bad.toml:6:10: actions[1].target = \"broker\": 'slow' needs a consumer target"),
        ("[[actions]]\nat = \"5s\"\naction = \"crash\"\ntarget = \"broker\"\nvalue = \"5%\"", "bad.toml:7:9: actions[1].value = \"5%\": 'crash' takes no value"),
        ("[[actions]]\nat = \"5s\"\naction = \"heal-all\"\ntarget = \"broker\"", "bad.toml:6:10: actions[1].target: 'heal-all' takes no target"),
        ("[[actions]]\nat = \"5s\"\naction = \"loss\"\nvalue = \"lots\"", "bad.toml:6:9: actions[1].value = \"lots\": 'loss' needs a value such as \"1%\""),
        ("[[actions]]\nat = \"5s\"\naction = \"loss\"", "bad.toml:5:10: actions[1].action = \"loss\": 'loss' needs a value"),
        // The first problem in file order is the one reported.
        ("[workload]\nloss = \"3x\"\nconsumers = 0", "bad.toml:4:8: workload.loss"),
    ])
    func badInputNamesWhereAndWhat(_ body: String, _ expected: String) {
        let text = body.hasPrefix("title") || body.hasPrefix("explanation") ? body : "title = \"t\"\nexplanation = \"e\"\n" + body
        do {
            _ = try ScenarioFile.parse(text: text, fileName: "bad.toml").resolved()
            Issue.record("expected an error for:\n\(text)")
        } catch {
            #expect(error.description.hasPrefix(expected), "got: \(error.description)")
            #expect(!error.description.contains("\n"))
        }
    }

    /// Errors that depend on the run: nodes that do not exist, actions after the end.
    @Test(arguments: [
        ("[workload]\nconsumers = 2\n[[actions]]\nat = \"5s\"\naction = \"crash\"\ntarget = \"consumer-3\"",
         Workload(), "bad.toml:8:10: actions[1].target = \"consumer-3\": unknown target 'consumer-3': this run has consumer-1 to consumer-2"),
        ("[[actions]]\nat = \"5s\"\naction = \"crash\"\ntarget = \"producer-2\"",
         Workload(), "bad.toml:6:10: actions[1].target = \"producer-2\": unknown target 'producer-2': this run has producer-1 to producer-1"),
        ("[workload]\nduration = \"10s\"\n[[actions]]\nat = \"10.5s\"\naction = \"heal-all\"",
         Workload(), "bad.toml:6:6: actions[1].at = \"10.5s\": after the end of the run (duration 10s)"),
        ("[[actions]]\nat = \"61s\"\naction = \"heal-all\"",
         Workload(), "bad.toml:4:6: actions[1].at = \"61s\": after the end of the run (duration 60s, the default)"),
        ("stop_at = \"20s\"\n[workload]\nduration = \"10s\"", Workload(), "bad.toml:3:11: stop_at = \"20s\": needs drain = false"),
        ("stop_at = \"5s\"\n[workload]\nduration = \"10s\"\ndrain = false", Workload(), "bad.toml:3:11: stop_at = \"5s\": before the end of production (duration 10s)"),
    ] as [(String, Workload, String)])
    func runDependentErrors(_ body: String, _ flags: Workload, _ expected: String) {
        let text = "title = \"t\"\nexplanation = \"e\"\n" + body
        do {
            _ = try ScenarioFile.parse(text: text, fileName: "bad.toml").resolved(overrides: flags)
            Issue.record("expected an error for:\n\(text)")
        } catch {
            #expect(error.description.hasPrefix(expected), "got: \(error.description)")
        }
    }

    @Test func flagsThatBreakTheScenarioSaySo() throws {
        var flags = Workload()
        flags.consumers = 1
        flags.durationMicros = 10_000_000
        let file = try ScenarioFile.parse(text: Self.valid, fileName: "s.toml")
        #expect(throws: ScenarioError.self) { try file.resolved(overrides: flags) }
        do { _ = try file.resolved(overrides: flags) } catch {
            #expect(error.description.contains("(duration 10s, from --duration)") || error.description.contains("(--consumers)"),
                    "got: \(error.description)")
        }
    }
}

@Suite struct ScenarioTimeTextTests {
    @Test func timesAreExactAndReadable() {
        for micros: Micros in [0, 1, 999, 250_000, 1_000_000, 1_000_001, 12_345_678, 29_270_720, 51_755_940, 3_600_000_000, 987_654_321_123] {
            let text = Scenario.time(micros)
            #expect(UnitParse.duration(text) == micros, "\(micros) → \(text)")
        }
        #expect(Scenario.time(29_270_720) == "29.27072s")
        #expect(Scenario.time(250_000) == "250ms")
    }
}
