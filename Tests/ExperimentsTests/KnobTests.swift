import DeliverySim
import Experiments
import Testing

/// The one list of workload knobs: every knob reaches every text form and comes back.
@Suite struct KnobTests {
    /// Every knob away from its default, so that a form that drops one is seen.
    static var everyKnobSet: Settings {
        var s = Settings()
        s.seed = 77
        s.durationMicros = 12_500_000
        s.messageLimit = 999
        s.modes = Array(Mode.allCases.reversed())
        s.producers = 3
        s.ratePerSecond = 33.333333333333336
        s.consumers = 5
        s.prefetch = 9
        s.processingMicrosMean = 3_500
        s.latencyMicrosMin = 700
        s.latencyMicrosMax = 2_250
        s.lossPerMillion = 12_345
        s.duplicationPerMillion = 500
        s.ackTimeoutMicros = 1_500_000
        s.confirmTimeoutMicros = 2_000_000
        s.maxDeliveries = 4
        s.durable = false
        s.dedupWindowMicros = 10_000_000
        s.crashEveryMicros = 5_000_000
        s.crashForMicros = 750_000
        s.chaos = true
        s.keys = 3
        s.drain = false
        s.maxBacklog = 5_000
        s.overflow = .dropHead
        s.maxUnconfirmed = 300
        s.profile = .sqs
        s.ackDelayMicros = 3_000
        s.ackEvery = 5
        s.ackIntervalMicros = 250_000
        s.cumulativeAcks = true
        s.requeueOnDisconnect = true
        return s
    }

    @Test func theTestSettingsChangeEveryKnob() {
        let d = Settings()
        for k in Knob.all {
            #expect(k.get(Self.everyKnobSet) != k.get(d), "\(k.key) is at its default in everyKnobSet")
        }
    }

    @Test func everyKnobRoundTripsThroughAScenarioFile() throws {
        let s = Self.everyKnobSet
        let text = Scenario(title: "t", explanation: "e", settings: s, timeline: []).tomlText()
        for k in Knob.all { #expect(text.contains("\n\(k.key) = "), "\(k.key) not written") }
        let back = try ScenarioFile.parse(text: text, fileName: "k.toml").resolved().settings
        #expect(back == s)
    }

    /// Reads a reproduce line back as the flags would: `--FLAG VALUE` by the knob's own
    /// parser (what ArgumentParser calls), `--FLAG`/`--OFF` for on/off knobs.
    static func parse(commandLine: String) throws -> Workload {
        var words = commandLine.split(separator: " ").map(String.init)[...]
        #expect(words.prefix(2) == ["ackscope", "run"])
        words = words.dropFirst(2)
        var w = Workload()
        while let word = words.popFirst() {
            let name = String(word.dropFirst(2))
            if let k = Knob.all.first(where: { $0.offFlag == name || ($0.flag == name && $0.kind == .bool(off: $0.offFlag)) }) {
                w[k] = .bool(k.flag == name)
                continue
            }
            let k = try #require(Knob.all.first { $0.flag == name }, "unknown flag \(word)")
            let next = words.popFirst()
            let text = try #require(next, "\(word) without a value")
            let value = try k.parse(flagText: text).get()
            #expect(k.commandLineProblem(value) == nil)
            w[k] = value
        }
        return w
    }

    @Test func everyKnobRoundTripsThroughTheReproduceLine() throws {
        for s in [Self.everyKnobSet, Settings()] {
            let line = SettingsText.command(s)
            let flags = try Self.parse(commandLine: line)
            #expect(flags.settings == s, "\(line)")
        }
        let line = SettingsText.command(Self.everyKnobSet)
        for k in Knob.all {
            let flag = k.kind == .bool(off: k.offFlag) ? [k.flag, k.offFlag] : [k.flag]
            #expect(flag.contains { line.contains("--\($0)") }, "\(k.key) not on the reproduce line")
        }
    }

    @Test func everyKnobIsInTheJSON() {
        let json = SettingsText.json(Self.everyKnobSet)
        for k in Knob.all where k.inSettingsJSON { #expect(json.contains("\"\(k.key)\":"), "\(k.key) not in the JSON") }
        #expect(Knob.all.filter { !$0.inSettingsJSON }.map(\.key) == ["seed"], "only the seed is at the top instead")
    }

    /// Today's bytes, pinned: the JSON settings and reproduce line of the defaults.
    @Test func defaultsAreWrittenAsBefore() {
        let s = Settings()
        #expect(SettingsText.command(s) == "ackscope run --seed 1 --duration 60s")
        #expect(SettingsText.json(s) == "{\"profile\":null,\"duration\":\"60s\",\"messages\":null,\"modes\":[" + Mode.classic.map { "\"\($0.rawValue)\"" }.joined(separator: ",")
            + "],\"producers\":1,\"rate\":50,\"consumers\":4,\"prefetch\":8,\"processing\":\"2ms\",\"latency\":\"500us..2ms\",\"loss\":\"1%\","
            + "\"duplication\":\"0%\",\"ack_timeout\":\"1s\",\"confirm_timeout\":\"1s\",\"max_deliveries\":10,\"durable\":true,\"dedup_window\":\"0s\","
            + "\"crash_every\":\"0s\",\"crash_for\":\"0s\",\"chaos\":false,\"keys\":8,\"drain\":true,\"max_backlog\":100000,"
            + "\"overflow\":\"reject-publish\",\"max_unconfirmed\":4000,\"ack_delay\":\"1ms\",\"ack_every\":1,\"ack_interval\":\"100ms\","
            + "\"cumulative_acks\":false,\"requeue_on_disconnect\":false}")
        var c = s
        c.crashEveryMicros = 3_000_000
        c.crashForMicros = 2_000_000
        c.durable = false
        c.drain = false
        #expect(SettingsText.command(c) == "ackscope run --seed 1 --duration 60s --transient --crash-every 3s --crash-for 2s --no-drain")
    }

    @Test func explicitKnobsOverrideAProfile() throws {
        let flags = try Self.parse(commandLine: "ackscope run --profile jetstream --ack-timeout 5s --requeue-on-disconnect")
        let s = flags.settings
        #expect(s.profile == .jetstream)
        #expect(s.ackTimeoutMicros == 5_000_000 && s.requeueOnDisconnect)
        #expect(s.dedupWindowMicros == 120_000_000 && s.prefetch == 1_000 && s.maxDeliveries == 0, "the rest is the profile's")
        // The reproduce line names the profile and only what differs from it.
        #expect(SettingsText.command(s) == "ackscope run --seed 1 --profile jetstream --duration 60s --ack-timeout 5s --requeue-on-disconnect")
        // A scenario file says which profile it starts from.
        let text = Scenario(title: "t", explanation: "e", settings: s, timeline: []).tomlText()
        #expect(text.contains("\nprofile = \"jetstream\"\n"))
        #expect(try ScenarioFile.parse(text: text, fileName: "p.toml").resolved().settings == s)
        guard case .failure(let e) = Knob.profile.parse(flagText: "kafka") else { Issue.record("kafka parsed as a profile"); return }
        #expect(e.message == "expected one of rabbitmq, jetstream, sqs")
    }

    @Test func flagLimitsSayTheOneWording() throws {
        #expect(Knob.producers.commandLineProblem(.count(0)) == "--producers must be from 1 to 64, got 0")
        #expect(Knob.maxDeliveries.commandLineProblem(.count(-1)) == "--max-deliveries must be 0 (never) or more, got -1")
        #expect(Knob.messages.commandLineProblem(.count(0)) == "--messages must be 1 or more, got 0")
        #expect(Knob.crashEvery.commandLineProblem(.duration(500)) == "--crash-every must be 0s (never) or at least 1ms, got 500us")
        #expect(Knob.ackTimeout.commandLineProblem(.duration(0)) == "--ack-timeout must be above 0s")
        #expect(Knob.rate.commandLineProblem(.rate(-1)) == "--rate must be a number from 0.000001 to 100000000, got -1.0")
        let allowed = Mode.allCases.map(\.rawValue).joined(separator: ", ")
        guard case .failure(let e) = Knob.modes.parse(flagText: "x") else { Issue.record("x parsed as a mode"); return }
        #expect(e.message == "'x' is not a mode; allowed: \(allowed) (comma-separated)")
    }

    // MARK: - messages without duration

    @Test func messagesWithoutDurationProduceExactlyThatMany() throws {
        var flags = Workload()
        flags.messages = 4_000
        flags.seed = 3
        let s = flags.settings
        #expect(s.productionUnlimited, "no time limit: 4000 messages at 50/s take 80s, past the 60s default")
        let summary = Experiment(settings: s).run()
        for lane in summary.lanes { #expect(lane.produced == 4_000, "\(lane.mode)") }
        #expect(!summary.anyFailed)
        #expect(summary.productionEndedBy == "messages")
        let json = summary.json()
        #expect(json.hasPrefix("{\"seed\":3,\"virtual_ms\":null,\"settings\":"), "\(json.prefix(120))")
        #expect(json.contains("},\"production_ended_by\":\"messages\",\"lanes\":["))
        #expect(json.contains("\"duration\":null,\"messages\":4000"))
        #expect(summary.table().contains("production ended after 4000 messages"))
        #expect(SettingsText.command(s) == "ackscope run --seed 3 --messages 4000")
        #expect(try Self.parse(commandLine: SettingsText.command(s)).settings == s)
    }

    @Test func withBothTheFirstLimitEndsProduction() {
        var flags = Workload()
        flags.messages = 4_000
        flags.durationMicros = 10_000_000
        let byTime = Experiment(settings: flags.settings).run()
        #expect(byTime.productionEndedBy == "duration")
        #expect(byTime.lanes.allSatisfy { $0.produced < 4_000 })
        #expect(byTime.table().contains("production ended at 10s, before 4000 messages"))
        flags.messages = 100
        let byCount = Experiment(settings: flags.settings).run()
        #expect(byCount.productionEndedBy == "messages")
        #expect(byCount.lanes.allSatisfy { $0.produced == 100 })
        #expect(byCount.json().contains("\"production_ended_by\":\"messages\""))
    }

    @Test func aScenarioWithMessagesAndNoDurationHasNoTimeLimit() throws {
        let text = "title = \"t\"\nexplanation = \"e\"\n[workload]\nmessages = 3500\ncrash_every = \"5s\"\n[[actions]]\nat = \"65s\"\naction = \"crash\"\ntarget = \"consumer-1\"\n"
        let scenario = try ScenarioFile.parse(text: text, fileName: "m.toml").resolved()
        #expect(scenario.settings.productionUnlimited)
        let summary = scenario.experiment.run()
        #expect(summary.lanes.allSatisfy { $0.produced == 3_500 })
        #expect(!summary.anyFailed)
        // Written back, it still has no duration and reads back the same.
        let again = try ScenarioFile.parse(text: scenario.tomlText(), fileName: "m2.toml").resolved()
        #expect(!scenario.tomlText().contains("duration ="))
        #expect(again == scenario)
    }

    @Test func progressCountsMessagesWithoutATimeLimit() {
        let p = RunProgress(phase: .run, atMicros: 12_500_000, endMicros: Settings.unlimitedMicros, produced: 6_250, events: 0)
        #expect(ProgressText.run(p, wallNanos: 1_250_000_000, messageLimit: 100_000)
            == "virtual 12.50s · 6250 of 100000 messages (6.2%) · 5000 msg/s · 19s left")
    }
}
