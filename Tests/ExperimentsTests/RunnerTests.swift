import DeliverySim
import Testing
@testable import Experiments

/// The experiment runner is `Timeline.runToEnd` with stops: same numbers, byte for byte.
@Suite struct RunnerTests {
    static func settings(_ seed: UInt64, _ configure: (inout Settings) -> Void = { _ in }) -> Settings {
        var s = Settings()
        s.seed = seed
        s.durationMicros = Duration.seconds(10)
        configure(&s)
        return s
    }

    static let timeline = [
        TimedAction(at: 2_000_000, .crash(.consumer(1))),
        TimedAction(at: 2_000_000, .partitionOneWay(.consumer(0))),
        TimedAction(at: 4_500_000, .restart(.consumer(1))),
        TimedAction(at: 5_000_000, .heal(.consumer(0))),
        TimedAction(at: 6_000_000, .crash(.broker)),
        TimedAction(at: 6_500_000, .restart(.broker)),
        TimedAction(at: 10_000_000, .setLoss(nil, perMillion: 50_000)),
    ]

    @Test(arguments: [
        settings(1),
        settings(2) { $0.chaos = true; $0.durable = false },
        settings(3) { $0.crashEveryMicros = 1_000_000; $0.crashForMicros = 300_000 },
        settings(4) { $0.drain = false; $0.dedupWindowMicros = 500_000; $0.duplicationPerMillion = 20_000 },
        settings(5) { $0.messageLimit = 200; $0.modes = [.atLeastOnce] },
    ])
    func sameSummaryAsRunToEnd(_ s: Settings) {
        var sim = Timeline(settings: s, actions: Self.timeline)
        let expected = sim.runToEnd().json()
        #expect(Experiment(settings: s, timeline: Self.timeline).run().json() == expected)
        // Stopping for samples and trace chunks changes nothing either.
        var observer = ExportObserver(sampleEveryMicros: 250_000, csv: { _ in }, events: { _ in })
        #expect(Experiment(settings: s, timeline: Self.timeline).run(observer: &observer).json() == expected)
        #expect(observer.csvRows > 0 && observer.eventCount > 0)
    }

    @Test func stopAtObservesAfterProductionStopped() {
        var s = Self.settings(6)
        s.drain = false
        let short = Experiment(settings: s, timeline: Self.timeline, stopAtMicros: nil).run()
        let longer = Experiment(settings: s, timeline: Self.timeline, stopAtMicros: 15_000_000).run()
        #expect(short.lanes.map(\.produced) == longer.lanes.map(\.produced))
        #expect(short.lanes.map(\.events) != longer.lanes.map(\.events))
        #expect(longer.json().hasPrefix("{\"seed\":6,\"virtual_ms\":10000,"))
    }

    /// Slices as small as 7 events, with the hook asked between them, change no number.
    @Test(arguments: [settings(7), settings(8) { $0.chaos = true }])
    func slicingChangesNothing(_ s: Settings) {
        let expected = Experiment(settings: s, timeline: Self.timeline).run().json()
        var e = Experiment(settings: s, timeline: Self.timeline)
        e.sliceEvents = 7
        var seen: [RunProgress] = []
        var observer = ExportObserver(sampleEveryMicros: 250_000, csv: { _ in }, events: { _ in })
        let summary = e.run(observer: &observer) { progress in
            seen.append(progress)
            return false
        }
        #expect(summary.json() == expected)
        #expect(summary.interruption == nil)
        #expect(seen.count > 100)
        #expect(seen.contains { $0.phase == .run } && seen.contains { $0.phase == .drain })
        // Progress only moves forward.
        for (a, b) in zip(seen, seen.dropFirst()) {
            #expect(a.atMicros <= b.atMicros && a.produced <= b.produced && a.events <= b.events)
        }
        #expect(seen.allSatisfy { $0.endMicros == s.durationMicros })
    }

    /// Told to stop, a run ends where it is: lanes at one virtual time, marked incomplete,
    /// the events so far exported, no end rows, only conservation checked.
    @Test func stopsWhenAskedAndSaysItIsIncomplete() {
        var s = Self.settings(9)
        s.durationMicros = Duration.seconds(3_600)
        var e = Experiment(settings: s, timeline: Self.timeline)
        e.sliceEvents = 100
        var csv = "", lines = 0
        var observer = ExportObserver(sampleEveryMicros: 1_000_000, csv: { csv += $0 }, events: { _ in lines += 1 })
        var asked = 0
        let summary = e.run(observer: &observer) { progress in
            asked += 1
            return progress.atMicros >= 5_000_000
        }
        let stop = try! #require(summary.interruption)
        #expect(!stop.draining)
        #expect(stop.atMicros >= 5_000_000 && stop.atMicros < 6_000_000, "\(stop.atMicros)")
        #expect(summary.lanes.allSatisfy { $0.checks.map(\.name) == ["conservation"] && $0.checks[0].status == .pass })
        #expect(summary.lanes.allSatisfy { $0.drainedAtMicros == nil && $0.produced > 0 })
        #expect(Set(summary.lanes.map(\.produced)).count == 1, "lanes stopped at different times")
        let json = summary.json()
        #expect(json.hasPrefix("{\"seed\":9,\"virtual_ms\":3600000,\"incomplete\":true,\"reached_virtual_ms\":\(stop.atMicros / 1_000),\"interrupted_while\":\"producing\",\"settings\":"))
        #expect(summary.table().contains("INCOMPLETE: stopped at "))
        #expect(!csv.contains(",end,"))
        #expect(csv.contains("\n5000.000,run,"))
        #expect(lines == observer.eventCount && lines > 0)
    }

    @Test func stopsWhileDraining() {
        var s = Self.settings(10)
        s.crashEveryMicros = 1_000_000
        s.crashForMicros = 3_000_000
        var e = Experiment(settings: s)
        e.sliceEvents = 1
        let summary = e.run { $0.phase == .drain }
        #expect(summary.interruption?.draining == true)
        #expect(summary.json().contains("\"incomplete\":true,\"reached_virtual_ms\":"))
        #expect(summary.json().contains("\"interrupted_while\":\"draining\""))
    }

    @Test func progressText() {
        let p = RunProgress(phase: .run, atMicros: 12_500_000, endMicros: 3_600_000_000, produced: 6_250, events: 40_000)
        #expect(ProgressText.run(p, wallNanos: 1_250_000_000) == "virtual 12.50s of 3600s (0.3%) · 6250 messages · 5000 msg/s · 5m59s left")
        var drain = p
        drain.phase = .drain
        drain.atMicros = 3_612_000_000
        #expect(ProgressText.run(drain, wallNanos: 2_000_000_000) == "draining at virtual 3612s · 6250 messages · 3125 msg/s")
        #expect(ProgressText.compare(finished: 25, total: 100, wallNanos: 10_000_000_000) == "compare: 25 of 100 runs · 30s left")
        #expect(ProgressText.compare(finished: 0, total: 100, wallNanos: 10_000_000_000) == "compare: 0 of 100 runs")
        #expect(ProgressText.duration(seconds: 0.2) == "1s")
        #expect(ProgressText.duration(seconds: 245) == "4m05s")
        #expect(ProgressText.duration(seconds: 7_980) == "2h13m")
        #expect(ProgressText.duration(seconds: 273_600) == "3d04h")
        #expect(ProgressText.duration(seconds: .infinity) == "more than 99999d")
    }
}
