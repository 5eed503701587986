import Testing
@testable import DeliverySim

/// Every structure that grows with the workload has a bound, and what the bound refuses or
/// drops is counted and conserved.
@Suite struct BoundsTests {
    /// Consumers down for 5 s while 200 messages arrive at a broker that stores at most 50.
    static func overflowing(_ overflow: Overflow) -> Settings {
        var s = storySettings(messages: 200)
        s.ratePerSecond = 100
        s.maxBacklog = 50
        s.overflow = overflow
        return s
    }
    static let consumerDownFiveSeconds = [TimedAction(at: 0, .crash(.consumer(0))),
                                          TimedAction(at: 5_000_000, .restart(.consumer(0)))]

    @Test func rejectPublishKeepsTheBacklogBoundedAndAtLeastOnceLosesNothing() {
        // `run` checks conservation, and the backlog bound, after every event.
        let lanes = run(Self.overflowing(.rejectPublish), Self.consumerDownFiveSeconds)
        let amo = lanes[.atMostOnce]!, alo = lanes[.atLeastOnce]!, eo = lanes[.effectivelyOnce]!
        // Fire and forget: a refused publish is gone, and counted as discarded, not lost.
        #expect(amo.counters.discarded == 150)
        #expect(amo.produced == amo.effected + amo.counters.discarded + amo.counters.lost)
        // Retrying producers publish the refused messages again after the confirm timeout.
        for lane in [alo, eo] {
            #expect(lane.counters.discarded == 0)
            #expect(lane.counters.lost == 0)
            #expect(lane.effected == 200)
            #expect(lane.counters.published > 200)
            #expect(check(lane, "no_loss") == .pass)
        }
    }

    @Test func dropHeadDiscardsTheOldestAndVoidsTheNoLossPromise() {
        let lanes = run(Self.overflowing(.dropHead), Self.consumerDownFiveSeconds)
        for lane in lanes.values {
            #expect(lane.counters.discarded == 150, "\(lane.mode)")
            #expect(lane.effected == 50, "\(lane.mode)")
        }
        #expect(check(lanes[.atLeastOnce]!, "no_loss") == .notInForce)
        #expect(check(lanes[.effectivelyOnce]!, "conservation") == .pass)
    }

    @Test func aFullOutboxMakesTheProducerWaitNotGrow() {
        var s = storySettings(messages: 100)
        s.ratePerSecond = 1_000
        s.maxUnconfirmed = 5
        var sim = Timeline(settings: s, checkEveryEvent: true)
        // Confirms cannot come back for 3 s: the outbox fills up to 5 and stays there.
        sim.apply(.partition(.producer(0)))
        sim.advance(to: 3_000_000)
        for lane in sim.lanes where lane.mode.producerRetries {
            #expect(lane.state(of: .producer(0)).unacked == 5, "\(lane.mode)")
            #expect(lane.produced == 5, "\(lane.mode)")
        }
        sim.apply(.heal(.producer(0)))
        let summary = sim.runToEnd()
        for lane in summary.lanes where lane.mode.producerRetries {
            #expect(lane.produced == 100 && lane.effected == 100, "\(lane.mode)")
        }
    }

    @Test func aDrainLeavesNothingOnTheWire() {
        // At-most-once sends credits back for every delivery; a drain used to stop with the
        // last ones still travelling, so in_flight read 1 or 2 after "nothing pending".
        for seed in UInt64(1)...30 {
            var s = Settings()
            s.seed = seed
            s.durationMicros = Duration.seconds(10)
            s.chaos = true
            var sim = Timeline(settings: s)
            let summary = sim.runToEnd()
            for lane in summary.lanes {
                #expect(lane.counters.inFlight == 0, "seed \(seed) \(lane.mode): in_flight \(lane.counters.inFlight)")
                #expect(check(lane, "drained") == .pass, "seed \(seed) \(lane.mode)")
            }
        }
    }
}
