import Testing
@testable import DeliverySim

/// Each window-of-doubt story as a short, readable scenario across the three lanes.
@Suite struct WindowOfDoubtStories {
    @Test func crashAfterAckBeforeEffectLosesTheMessageOnlyAtMostOnce() {
        let lanes = run(storySettings(), [TimedAction(at: 0, .crashAfterAck(.consumer(0)))])
        let amo = lanes[.atMostOnce]!, alo = lanes[.atLeastOnce]!, eo = lanes[.effectivelyOnce]!
        // At-most-once: auto-ack told the broker "done" on delivery; the crash lost it.
        #expect(amo.counters.lost == 1)
        #expect(amo.counters.processed == 0)
        // At-least-once: not acked yet, so the broker redelivers after the ack timeout.
        #expect(alo.counters.lost == 0)
        #expect(alo.counters.redelivered == 1)
        #expect(alo.counters.processed == 1)
        #expect(eo.counters.lost == 0 && eo.counters.processed == 1)
    }

    @Test func crashAfterEffectBeforeAckDuplicatesAtLeastOnceAndIsSuppressedEffectivelyOnce() {
        let lanes = run(storySettings(), [TimedAction(at: 0, .crashAfterEffect(.consumer(0)))])
        let amo = lanes[.atMostOnce]!, alo = lanes[.atLeastOnce]!, eo = lanes[.effectivelyOnce]!
        #expect(amo.counters.processed == 1 && amo.counters.duplicateEffects == 0 && amo.counters.lost == 0)
        #expect(alo.counters.processed == 2)
        #expect(alo.counters.duplicateEffects == 1)
        #expect(eo.counters.processed == 1)
        #expect(eo.counters.duplicatesSuppressed == 1)
        #expect(eo.counters.duplicateEffects == 0)
    }

    @Test func ackLostInOneWayPartitionIsRedeliveredAndAppliedTwiceAtLeastOnce() {
        // Acks from consumer-1 are lost until 1.5s; deliveries still arrive. Deliveries at
        // ~0s and ~1s are applied and their acks dropped; the one at ~2s is acked.
        let timeline = [TimedAction(at: 0, .partitionOneWay(.consumer(0))),
                        TimedAction(at: 1_500_000, .heal(.consumer(0)))]
        let lanes = run(storySettings(), timeline)
        let amo = lanes[.atMostOnce]!, alo = lanes[.atLeastOnce]!, eo = lanes[.effectivelyOnce]!
        #expect(amo.counters.processed == 1 && amo.counters.redelivered == 0)
        #expect(alo.counters.delivered == 3)
        #expect(alo.counters.redelivered == 2)
        #expect(alo.counters.duplicateDeliveries == 2)
        #expect(alo.counters.processed == 3)
        #expect(alo.counters.duplicateEffects == 2)
        #expect(eo.counters.processed == 1)
        #expect(eo.counters.duplicatesSuppressed == 2)
        #expect(eo.counters.duplicateEffects == 0)
    }

    @Test func slowConsumerPastTheAckTimeoutGetsRedeliveries() {
        var s = storySettings(messages: 3)
        s.ratePerSecond = 1_000
        let lanes = run(s, [TimedAction(at: 0, .slow(.consumer(0))), TimedAction(at: 6_000_000, .unslow(.consumer(0)))])
        let alo = lanes[.atLeastOnce]!, eo = lanes[.effectivelyOnce]!, amo = lanes[.atMostOnce]!
        #expect(alo.counters.redelivered > 0)
        #expect(alo.counters.duplicateDeliveries > 0)
        #expect(alo.counters.duplicateEffects > 0)
        #expect(eo.counters.duplicateEffects == 0 && eo.counters.duplicatesSuppressed > 0)
        // At-most-once never redelivers: slow is only slow.
        #expect(amo.counters.redelivered == 0 && amo.counters.processed == 3)
    }

    /// All consumers down, messages pile up in the broker, then the broker crashes.
    private func brokerCrashStory(durable: Bool) -> [Mode: Summary.LaneSummary] {
        var s = storySettings(messages: 10)
        s.modes = Mode.allCases
        s.ratePerSecond = 100
        s.durable = durable
        let timeline = [TimedAction(at: 0, .crash(.consumer(0))),
                        TimedAction(at: 2_000_000, .crash(.broker)),
                        TimedAction(at: 2_500_000, .restart(.broker)),
                        TimedAction(at: 3_000_000, .restart(.consumer(0)))]
        return run(s, timeline)
    }

    @Test func transientBrokerCrashLosesConfirmedMessagesAndVoidsThePromise() {
        let lanes = brokerCrashStory(durable: false)
        for mode in [Mode.atLeastOnce, .idempotent, .effectivelyOnce, .inProcess] {
            let lane = lanes[mode]!
            #expect(lane.counters.lost == 10, "\(mode)")
            #expect(check(lane, "no_loss") == .notInForce, "\(mode)")
        }
        #expect(lanes[.atMostOnce]!.counters.lost == 10)
    }

    @Test func durableBrokerCrashLosesNothingAtLeastOnce() {
        let lanes = brokerCrashStory(durable: true)
        for mode in Mode.allCases {
            #expect(lanes[mode]!.counters.lost == 0, "\(mode)")
            #expect(lanes[mode]!.counters.processed == 10, "\(mode)")
        }
        #expect(check(lanes[.atLeastOnce]!, "no_loss") == .pass)
    }

    /// The confirm of the only message is lost in a partition; the producer publishes it
    /// again at ~2s, after the heal. Returns the at-least-once lane.
    private func lostConfirmStory(dedupWindow: Micros) -> Lane {
        var s = storySettings()
        s.modes = [.atLeastOnce]
        s.dedupWindowMicros = dedupWindow
        var sim = Timeline(settings: s, checkEveryEvent: true)
        // Step until the publish has reached the broker (it delivers at once), then cut
        // the producer off before the confirm comes back.
        var t: Micros = 0
        while sim.lanes[0].counters.delivered == 0 {
            t += 100
            sim.advance(to: t)
        }
        #expect(sim.lanes[0].counters.confirmed == 0)
        sim.apply(.partition(.producer(0)))
        sim.advance(to: t + 1_500_000)
        sim.apply(.heal(.producer(0)))
        sim.advance(to: t + 4_000_000)
        #expect(sim.lanes[0].violation == nil)
        return sim.lanes[0]
    }

    @Test func dedupWindowRemovesTheRetriedCopyWhileItLasts() {
        let lane = lostConfirmStory(dedupWindow: Duration.seconds(10))
        #expect(lane.counters.published == 3)  // first, a retry lost in the partition, one after the heal
        #expect(lane.counters.duplicatesSuppressed == 1)
        #expect(lane.counters.duplicateEffects == 0)
        #expect(lane.counters.processed == 1)
    }

    @Test func dedupWindowThatHasExpiredLetsTheCopyThrough() {
        let lane = lostConfirmStory(dedupWindow: 500_000)
        #expect(lane.counters.duplicatesSuppressed == 0)
        #expect(lane.counters.duplicateDeliveries == 1)
        #expect(lane.counters.duplicateEffects == 1)
        #expect(lane.counters.processed == 2)
    }

    @Test func withoutDedupTheRetriedCopyIsAppliedTwice() {
        let lane = lostConfirmStory(dedupWindow: 0)
        #expect(lane.counters.duplicateEffects == 1)
    }

    @Test func aRestartedProducerRepublishesItsOutboxOnceAndAtOnce() {
        var s = storySettings()
        s.modes = [.atLeastOnce]
        var sim = Timeline(settings: s, checkEveryEvent: true)
        var t: Micros = 0
        while sim.lanes[0].counters.delivered == 0 {
            t += 100
            sim.advance(to: t)
        }
        // The confirm is on its way back; the producer dies before it lands.
        sim.apply(.crash(.producer(0)))
        sim.advance(to: t + 50_000)
        let publishedBeforeRestart = sim.lanes[0].counters.published
        sim.apply(.restart(.producer(0)))
        sim.advance(to: t + 50_000 + 5_000)  // a few ms: the republish goes out at the restart
        #expect(sim.lanes[0].counters.published == publishedBeforeRestart + 1)
        sim.advance(to: t + 4_000_000)       // past the old confirm deadline: no third copy
        #expect(sim.lanes[0].counters.published == 2)
        #expect(sim.lanes[0].counters.duplicateEffects == 1)  // the republished copy is applied again (no dedup)
        #expect(sim.lanes[0].violation == nil)
    }

    @Test func atMostOnceLosesWhatACrashedConsumerHeld() {
        var s = storySettings(messages: 50, consumers: 2)
        s.ratePerSecond = 200
        s.processingMicrosMean = 20_000
        let lanes = run(s, [TimedAction(at: 100_000, .crash(.consumer(0))), TimedAction(at: 300_000, .restart(.consumer(0)))])
        #expect(lanes[.atMostOnce]!.counters.lost > 0)
        #expect(lanes[.atLeastOnce]!.counters.lost == 0)
        #expect(lanes[.atLeastOnce]!.counters.redelivered > 0)
        #expect(lanes[.effectivelyOnce]!.counters.lost == 0)
    }

    /// Every ack is lost, so the broker gives up after `maxDeliveries`; but the consumer
    /// applied the message each time, so its fate is effected, not dead-lettered (a dead
    /// letter is a message that was never applied: the next story).
    @Test func maxDeliveriesGivesUpButAnAppliedMessageIsEffectedNotDeadLettered() {
        var s = storySettings()
        s.maxDeliveries = 3
        s.drain = false
        let lanes = run(s, [TimedAction(at: 0, .partitionOneWay(.consumer(0)))])
        let alo = lanes[.atLeastOnce]!
        // The broker stopped at the third delivery and kept no copy (no ack ever reached it).
        #expect(alo.counters.delivered == 3)
        #expect(alo.counters.redelivered == 2)
        #expect(alo.counters.acked == 0)
        #expect(alo.counters.unacked == 0 && alo.counters.ready == 0)
        // Applied three times (the acks were what got lost): effected once, never dead-lettered.
        #expect(alo.counters.processed == 3)
        #expect(alo.produced == 1 && alo.effected == 1)
        #expect(alo.counters.deadLettered == 0)
        #expect(alo.counters.lost == 0)
    }

    @Test func maxDeliveriesDeadLettersWhenDeliveriesNeverArrive() {
        var s = storySettings()
        s.maxDeliveries = 2
        s.drain = false
        let lanes = run(s, [TimedAction(at: 0, .partition(.consumer(0)))])
        #expect(lanes[.atLeastOnce]!.counters.deadLettered == 1)
        #expect(lanes[.atLeastOnce]!.counters.lost == 0)
        #expect(lanes[.atMostOnce]!.counters.lost == 1)
    }
}
