import Testing
@testable import DeliverySim

/// The gap between an effect and its ack: delayed, batched and cumulative acks, and
/// requeue on disconnect.
@Suite struct AckTimingTests {
    /// A steady one-consumer world that applies many messages: what a batch of acks needs.
    private func batchWorld(ackEvery: Int, cumulative: Bool = false) -> Settings {
        var s = storySettings(messages: 400)
        s.modes = [.atLeastOnce, .effectivelyOnce]
        s.ratePerSecond = 100
        s.prefetch = 1_000
        s.ackEvery = ackEvery
        s.ackIntervalMicros = Duration.seconds(60)
        // Longer than the interval: a last, partial batch waits for the interval, and a
        // shorter deadline would redeliver it before it leaves.
        s.ackTimeoutMicros = Duration.seconds(120)
        s.cumulativeAcks = cumulative
        return s
    }

    /// Runs to `t`, reads each lane's pending acks, crashes consumer-1, and runs to the end.
    private func crashWithAcksPending(_ s: Settings, at t: Micros) -> (pending: [Int], lanes: [Lane], summary: Summary) {
        var sim = Timeline(settings: s, actions: [], checkEveryEvent: true)
        sim.advance(to: t)
        let pending = sim.lanes.map { $0.counters.acksPending }
        _ = sim.apply(.crash(.consumer(0)), origin: .key)
        sim.advance(to: t + Duration.seconds(2))
        _ = sim.apply(.restart(.consumer(0)), origin: .key)
        let summary = sim.runToEnd()
        for lane in sim.lanes { #expect(lane.violation == nil, "\(lane.mode): \(String(describing: lane.violation))") }
        return (pending, sim.lanes, summary)
    }

    @Test func aCrashWithFiftyAcksPendingMakesFiftyDuplicates() {
        // Acks leave in batches of 50: just before the 50th closes a batch, 49 are pending;
        // find an instant with a known count and crash there.
        let s = batchWorld(ackEvery: 50)
        var probe = Timeline(settings: s, actions: [])
        var t: Micros = Duration.seconds(1)
        while probe.lanes[0].counters.acksPending < 40 && t < Duration.seconds(4) {
            t += 1_000
            probe.advance(to: t)
        }
        let (pending, lanes, summary) = crashWithAcksPending(s, at: t)
        #expect(pending[0] >= 40 && pending[0] < 50, "acks pending at the crash: \(pending[0])")
        #expect(pending[0] == pending[1], "both lanes hold the same batch")
        let alo = summary.lanes[0], eo = summary.lanes[1]
        // Every pending ack was an effect done and not acknowledged: each is redelivered and
        // applied again at-least-once, and caught by the idempotency record effectively-once.
        #expect(alo.counters.duplicateEffects == pending[0])
        #expect(eo.counters.duplicateEffects == 0)
        #expect(eo.counters.duplicatesSuppressed == pending[1])
        #expect(alo.counters.lost == 0 && eo.counters.lost == 0)
        #expect(lanes.allSatisfy { $0.pending == 0 })
    }

    @Test func withoutAnAckDelayACrashCannotFallBetweenEffectAndAck() {
        var s = batchWorld(ackEvery: 1)
        s.ackDelayMicros = 0
        let (pending, _, summary) = crashWithAcksPending(s, at: Duration.seconds(2))
        #expect(pending == [0, 0])
        #expect(summary.lanes[0].counters.duplicateEffects == 0)
    }

    @Test func anAckDelayLetsACrashLandInTheGap() {
        // Processing takes 1ms, the ack leaves 1ms after the effect: crash in that gap.
        var s = storySettings(messages: 1)
        s.modes = [.atLeastOnce, .effectivelyOnce]
        s.ackDelayMicros = 1_000
        var sim = Timeline(settings: s, actions: [], checkEveryEvent: true, recording: .everything)
        var t: Micros = 0
        while sim.lanes[0].counters.acksPending == 0 && t < Duration.seconds(1) {
            t += 50
            sim.advance(to: t)
        }
        #expect(sim.lanes[0].counters.acksPending == 1)
        #expect(sim.lanes[0].counters.processed == 1 && sim.lanes[0].counters.acked == 0)
        _ = sim.apply(.crash(.consumer(0)), origin: .key)
        let dropped = sim.takeEvents().filter { $0.event.kind == .dropped && $0.event.cause == .consumerCrash }
        #expect(dropped.count == 2 && dropped.allSatisfy { $0.event.hop == .ack && $0.event.message?.seq == 1 })
        _ = sim.apply(.restart(.consumer(0)), origin: .key)
        let summary = sim.runToEnd()
        #expect(summary.lanes[0].counters.duplicateEffects == 1)
        #expect(summary.lanes[1].counters.duplicatesSuppressed == 1)
    }

    @Test func cumulativeAcksSendOneAckPerBatchAndSettleEveryDeliveryItCovers() {
        let individual = run(batchWorld(ackEvery: 20))
        let cumulative = run(batchWorld(ackEvery: 20, cumulative: true))
        for lanes in [individual, cumulative] {
            let alo = lanes[.atLeastOnce]!
            #expect(alo.counters.acked == 400, "every delivery is acked once")
            #expect(alo.counters.duplicateEffects == 0 && alo.counters.lost == 0)
            #expect(check(alo, "no_loss") == .pass)
        }
    }

    @Test func aCumulativeAckRepairsTheLossOfAnEarlierOne() {
        // Acks are lost on the wire half the time; with cumulative acks the next one that
        // arrives covers the lost ones, so far fewer deliveries wait for their deadline.
        func redelivered(cumulative: Bool) -> Int {
            var s = batchWorld(ackEvery: 1, cumulative: cumulative)
            s.modes = [.atLeastOnce]
            s.ackDelayMicros = 0
            let actions = [TimedAction(at: 0, .partitionOneWay(.consumer(0))),
                           TimedAction(at: Duration.seconds(2), .heal(.consumer(0)))]
            var sim = Timeline(settings: s, actions: actions, checkEveryEvent: true)
            _ = sim.runToEnd()
            return sim.lanes[0].counters.redelivered
        }
        // One-way partition for 2 s: every ack in it is lost either way; after the heal,
        // the first cumulative ack settles everything still unacked before it.
        #expect(redelivered(cumulative: true) < redelivered(cumulative: false))
    }

    @Test func aCumulativeAckOnTheWireWhenItsConsumerCrashesStillCoversItsBatch() {
        // The batch leaves, and the consumer crashes while its ack is on the wire: the ack
        // still speaks for every delivery of that connection, as individual acks would.
        func duplicates(cumulative: Bool) -> (Int, Int) {
            var s = batchWorld(ackEvery: 0, cumulative: cumulative)
            s.modes = [.atLeastOnce]
            s.ackIntervalMicros = 50_000
            s.ackDelayMicros = 0
            var sim = Timeline(settings: s, actions: [], checkEveryEvent: true)
            var t: Micros = 0, seen = 0
            while t < Duration.seconds(1) {
                t += 100
                sim.advance(to: t)
                let pending = sim.lanes[0].counters.acksPending
                if seen > 0 && pending == 0 { break }  // the batch just left
                seen = max(seen, pending)
            }
            #expect(sim.lanes[0].counters.inFlight > 0, "the batch is on the wire")
            _ = sim.apply(.crash(.consumer(0)), origin: .key)
            sim.advance(to: t + 50_000)
            _ = sim.apply(.restart(.consumer(0)), origin: .key)
            _ = sim.runToEnd()
            #expect(sim.lanes[0].violation == nil)
            return (seen, sim.lanes[0].counters.duplicateEffects)
        }
        let (batch, individual) = duplicates(cumulative: false)
        let (_, cumulative) = duplicates(cumulative: true)
        #expect(batch > 1)
        #expect(individual == 0 && cumulative == 0)
    }

    @Test func aCumulativeAckOverADroppedDeliveryVoidsTheNoLossPromise() {
        var s = batchWorld(ackEvery: 10, cumulative: true)
        s.lossPerMillion = 50_000
        let lanes = run(s)
        let alo = lanes[.atLeastOnce]!
        #expect(alo.counters.lost > 0)
        #expect(check(alo, "no_loss") == .notInForce)
        // The same world with individual acks keeps the promise.
        s.cumulativeAcks = false
        #expect(check(run(s)[.atLeastOnce]!, "no_loss") == .pass)
    }

    /// One consumer crashes holding unacked deliveries (the first instant after 1 s that it
    /// holds some); the other takes over.
    private func requeueStory(requeue: Bool) throws -> (crashAt: Micros, redeliveries: [Micros], lane: Lane) {
        var s = storySettings(messages: 300, consumers: 2)
        s.modes = [.atLeastOnce]
        s.ratePerSecond = 100
        s.processingMicrosMean = 15_000
        // Room at the survivor, so the requeued deliveries can go out at once.
        s.prefetch = 100
        s.ackTimeoutMicros = Duration.seconds(1)
        s.requeueOnDisconnect = requeue
        var sim = Timeline(settings: s, actions: [], checkEveryEvent: true, recording: EventFilter([.redelivered]))
        var t = Duration.seconds(1)
        sim.advance(to: t)
        while sim.lanes[0].state(of: .consumer(0)).unacked == 0 && t < Duration.seconds(2) {
            t += 100
            sim.advance(to: t)
        }
        #expect(sim.lanes[0].state(of: .consumer(0)).unacked > 0, "consumer-1 holds unacked deliveries at the crash")
        _ = sim.apply(.crash(.consumer(0)), origin: .key)
        sim.advance(to: t + Duration.seconds(5))
        _ = sim.apply(.restart(.consumer(0)), origin: .key)
        _ = sim.runToEnd()
        let times = sim.takeEvents().map(\.event.atMicros)
        return (t, times, sim.lanes[0])
    }

    @Test func requeueOnDisconnectRedeliversWithinTheLinkLatency() throws {
        let (crashAt, times, lane) = try requeueStory(requeue: true)
        #expect(lane.violation == nil && lane.counters.lost == 0)
        // Requeued at the crash and sent to the survivor at once: the redelivery is sent
        // at the crash's instant and arrives one link latency (1ms) later.
        #expect(try #require(times.first) == crashAt)
        let (crashedAt, waited, _) = try requeueStory(requeue: false)
        // Without requeue it waits for the deadlines (1 s after each delivery; the oldest
        // unacked delivery at the crash was sent a little before it).
        #expect(try #require(waited.first) - crashedAt > Duration.seconds(1) / 2, "without requeue it waits for the ack deadline")
    }

    @Test func requeueGivesUpAtMaxDeliveries() {
        var b = Broker(consumers: 2, producers: 1, settings: {
            var s = Settings()
            s.maxDeliveries = 1
            return s
        }(), keyedStore: false)
        let msg = StoredMsg(ref: MsgRef(id: MessageID(producer: 0, seq: 1), key: 0, bornMicros: 0), deliveryCount: 0, origin: 2)
        _ = b.receive(msg, now: 0, dedupWindow: 0)
        let d = b.nextDispatch(prefetch: 8, holdsCopy: true, deadline: 1_000)
        #expect(d?.consumer == 0)
        b.disconnect(0)
        let out = b.requeue(consumer: 0)
        guard case .deadLetter(let m)? = out.first else {
            Issue.record("expected a dead letter, got \(out)")
            return
        }
        #expect(m.ref.id.seq == 1 && b.unackedCount == 0 && b.readyCount == 0)
    }
}

@Suite struct ProfileTests {
    private func profiled(_ p: Profile) -> Settings {
        var s = Settings()
        p.apply(to: &s)
        return s
    }

    @Test func rabbitmqTakesItsDocumentedDefaults() {
        let s = profiled(.rabbitmq)
        #expect(s.profile == .rabbitmq)
        #expect(s.ackTimeoutMicros == Duration.seconds(30 * 60))  // consumer_timeout 30 min
        #expect(s.maxDeliveries == 0)  // classic queue: no delivery limit
        #expect(s.dedupWindowMicros == 0)
        #expect(s.requeueOnDisconnect)
        #expect(s.prefetch == Profile.unlimitedPrefetch)  // no basic.qos
        #expect(s.ackEvery == 1 && !s.cumulativeAcks)
    }

    @Test func jetstreamTakesItsDocumentedDefaults() {
        let s = profiled(.jetstream)
        #expect(s.ackTimeoutMicros == Duration.seconds(30))  // AckWait
        #expect(s.maxDeliveries == 0)  // MaxDeliver -1
        #expect(s.dedupWindowMicros == Duration.seconds(120))  // Duplicates window 2 min
        #expect(!s.requeueOnDisconnect)
        #expect(s.prefetch == 1_000)  // MaxAckPending
        #expect(s.ackEvery == 1 && !s.cumulativeAcks)
    }

    @Test func sqsTakesItsDocumentedDefaults() {
        let s = profiled(.sqs)
        #expect(s.ackTimeoutMicros == Duration.seconds(30))  // visibility timeout
        #expect(s.maxDeliveries == 0)  // no redrive policy
        #expect(s.dedupWindowMicros == 0)  // standard queue
        #expect(!s.requeueOnDisconnect)
        #expect(s.prefetch == 1)  // MaxNumberOfMessages 1
        #expect(s.ackEvery == 1 && !s.cumulativeAcks)
    }

    @Test func aProfileLeavesTheWorkloadAlone() {
        var s = Settings()
        s.ratePerSecond = 123
        s.crashEveryMicros = Duration.seconds(3)
        s.lossPerMillion = 7
        for p in Profile.allCases {
            var t = s
            p.apply(to: &t)
            #expect(t.ratePerSecond == 123 && t.crashEveryMicros == Duration.seconds(3) && t.lossPerMillion == 7)
            #expect(t.ackDelayMicros == s.ackDelayMicros)
        }
    }
}
