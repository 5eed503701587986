import DeliverySim
import Testing
@testable import Experiments

/// The experiment runner is `Simulation.runToEnd` with stops: same numbers, byte for byte.
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
        var sim = Simulation(settings: s)
        let expected = sim.runToEnd(timeline: Self.timeline).json()
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
}
