import Testing
@testable import DeliverySim
import Experiments

@Suite struct UnitTests {
    @Test func durationsPercentsAndRangesParse() {
        #expect(UnitParse.duration("2ms") == 2_000)
        #expect(UnitParse.duration("1.5s") == 1_500_000)
        #expect(UnitParse.duration("250us") == 250)
        #expect(UnitParse.duration("2m") == 120_000_000)
        #expect(UnitParse.duration("12") == nil)
        #expect(UnitParse.duration("-1s") == nil)
        #expect(UnitParse.duration("1e3s") == nil)
        #expect(UnitParse.percent("1%") == 10_000)
        #expect(UnitParse.percent("0.5%") == 5_000)
        #expect(UnitParse.percent("0") == 0)
        #expect(UnitParse.percent("101%") == nil)
        #expect(UnitParse.percent("5") == nil)
        #expect(UnitParse.range("0.5ms..2ms")! == (500, 2_000))
        #expect(UnitParse.range("3ms")! == (3_000, 3_000))
        #expect(UnitParse.range("2ms..1ms") == nil)
    }

    /// A well-formed value outside what is accepted is told apart from a malformed one, so
    /// that an error can say "out of range" or "MIN is greater than MAX" instead of "expected".
    @Test func parseErrorsSayWhatIsWrong() {
        #expect(UnitParse.parseDuration("-1s") == .failure(.outOfRange))
        #expect(UnitParse.parseDuration("10000000000s") == .failure(.outOfRange))
        #expect(UnitParse.parseDuration("2500000h") == .success(UnitParse.durationMaxMicros))
        #expect(UnitParse.parseDuration("2500000.1h") == .failure(.outOfRange))
        #expect(UnitParse.parseDuration("12") == .failure(.malformed))
        #expect(UnitParse.parseDuration("-s") == .failure(.malformed))
        #expect(UnitParse.parseDuration("1\u{01}s") == .failure(.malformed))
        #expect(UnitParse.parsePercent("-1%") == .failure(.outOfRange))
        #expect(UnitParse.parsePercent("100.5%") == .failure(.outOfRange))
        #expect(UnitParse.parsePercent("x%") == .failure(.malformed))
        #expect(UnitParse.parsePercent("100%") == .success(1_000_000))
        func rangeError(_ text: String) -> UnitError? {
            if case .failure(let e) = UnitParse.parseRange(text) { return e }
            return nil
        }
        #expect(rangeError("5ms..1ms") == .minAboveMax(min: 5_000, max: 1_000))
        #expect(rangeError("-1ms..2ms") == .outOfRange)
        #expect(rangeError("1ms..-2ms") == .outOfRange)
        #expect(rangeError("-1ms") == .outOfRange)
        #expect(rangeError("1ms..x") == .malformed)
        #expect(rangeError("1ms..2ms") == nil)
    }

    @Test func formattingRoundTrips() {
        for text in ["2ms", "1.5s", "250us", "60s", "1.25ms"] {
            #expect(Format.duration(UnitParse.duration(text)!) == text)
        }
        #expect(Format.percent(10_000) == "1%")
        #expect(Format.percent(5_000) == "0.5%")
        #expect(Format.millis(1_234) == "1.234")
        #expect(Format.seconds(12_310_000) == "12.31s")
    }

    /// One wrap for the log, the scenario strip and the story's sentences.
    @Test func wrappingBreaksAtSpacesIndentsAndCutsOnlyWhatCannotFit() {
        #expect(Format.wrap("the ack was dropped on the wire", width: 12) == ["the ack was", "dropped on", "the wire"])
        #expect(Format.wrap("the ack was dropped on the wire", width: 12, indent: 4) == ["the ack was", "    dropped", "    on the", "    wire"])
        #expect(Format.wrap("fits", width: 12, indent: 4) == ["fits"])
        #expect(Format.wrap("abcdefghijklmnop qr", width: 6, indent: 2) == ["abcdef", "  qr"])
        #expect(Format.wrap("", width: 10).isEmpty && Format.wrap("x", width: 0).isEmpty)
        for width in 1...20 {
            for row in Format.wrap("redelivered to c3 (delivery 2) after the ack deadline", width: width, indent: 4) {
                #expect(row.count <= width, "width \(width): \(row)")
            }
        }
    }

    @Test func exponentialHasTheRightMean() {
        let dice = Dice(seed: 3)
        var sum: Int64 = 0
        let n = 200_000
        for i in 0..<n { sum += Dice.exponential(meanMicros: 1_000, dice.word(.processing, UInt64(i))) }
        let mean = Double(sum) / Double(n)
        #expect(mean > 990 && mean < 1_010)
    }

    @Test func naturalLogMatchesKnownValues() {
        #expect(abs(naturalLog(1) - 0) < 1e-15)
        #expect(abs(naturalLog(2) - 0.693_147_180_559_945_3) < 1e-14)
        #expect(abs(naturalLog(10) - 2.302_585_092_994_046) < 1e-13)
        #expect(abs(naturalLog(1e-9) - -20.723_265_836_946_41) < 1e-11)
    }

    @Test func histogramQuantilesAreWithinTwoPercent() {
        var h = LatencyHistogram()
        for v in 1...10_000 { h.record(Micros(v)) }
        let p50 = Double(h.quantile(0.5)), p99 = Double(h.quantile(0.99))
        #expect(abs(p50 - 5_000) / 5_000 < 0.02)
        #expect(abs(p99 - 9_900) / 9_900 < 0.02)
        #expect(h.maxMicros == 10_000)
        #expect(h.quantile(1.0) == 10_000)
    }

    @Test func eventQueueBreaksTiesByInsertionOrder() {
        var q = EventQueue()
        let p = Lane.noPacket
        for i in 0..<100 { q.push(time: Micros(i % 3), kind: .produce, link: Int32(i), packet: p) }
        var last: (Micros, Int32) = (-1, -1)
        while let e = q.pop() {
            #expect(e.time > last.0 || (e.time == last.0 && e.link > last.1))
            last = (e.time, e.link)
        }
    }

    @Test func brokerAckDeadlineReturnsTheActionToTake() {
        var settings = Settings()
        settings.maxDeliveries = 2
        var b = Broker(consumers: 1, producers: 1, settings: settings, keyedStore: false)
        let m = StoredMsg(ref: MsgRef(id: MessageID(producer: 0, seq: 1), key: 0, bornMicros: 0), deliveryCount: 0, origin: 2)
        guard case .stored(nil) = b.receive(m, now: 0, dedupWindow: 0) else { Issue.record("expected stored"); return }
        let d1 = b.nextDispatch(prefetch: 8, holdsCopy: true, deadline: 10)
        #expect(d1?.consumer == 0 && d1?.msg.deliveryCount == 1 && d1?.armTimerAt == 10)
        #expect(b.nextPassedDeadline(now: 9) == nil)
        guard case .redeliver(let again)? = b.nextPassedDeadline(now: 10) else { Issue.record("expected redeliver"); return }
        #expect(again.deliveryCount == 1 && b.readyCount == 1)
        let d2 = b.nextDispatch(prefetch: 8, holdsCopy: true, deadline: 20)
        #expect(d2?.msg.deliveryCount == 2)
        guard case .deadLetter? = b.nextPassedDeadline(now: 20) else { Issue.record("expected dead letter"); return }
        #expect(b.readyCount == 0 && b.unackedCount == 0)
        // An acked delivery never expires.
        _ = b.receive(m, now: 30, dedupWindow: 0)
        let d3 = b.nextDispatch(prefetch: 8, holdsCopy: true, deadline: 40)!
        #expect(b.settle(d3.deliveryID) != nil)
        #expect(b.nextPassedDeadline(now: 40) == nil)
        #expect(b.outstanding(of: 0) == 0 && b.unackedCount == 0)
    }

    @Test func brokerRefusesOrDropsTheHeadWhenItsBacklogIsFull() {
        var settings = Settings()
        settings.maxBacklog = 1
        let m1 = StoredMsg(ref: MsgRef(id: MessageID(producer: 0, seq: 1), key: 0, bornMicros: 0), deliveryCount: 0, origin: 2)
        var m2 = m1
        m2.ref.id = MessageID(producer: 0, seq: 2)
        var refusing = Broker(consumers: 1, producers: 1, settings: settings, keyedStore: false)
        _ = refusing.receive(m1, now: 0, dedupWindow: 0)
        guard case .refused = refusing.receive(m2, now: 0, dedupWindow: 0) else { Issue.record("expected refused"); return }
        settings.overflow = .dropHead
        var dropping = Broker(consumers: 1, producers: 1, settings: settings, keyedStore: false)
        _ = dropping.receive(m1, now: 0, dedupWindow: 0)
        guard case .stored(let head?) = dropping.receive(m2, now: 0, dedupWindow: 0) else { Issue.record("expected drop-head"); return }
        #expect(head.ref.id == m1.ref.id && dropping.readyCount == 1)
    }

    @Test func aKeyedStoreTakesAMessageIdOnce() {
        var b = Broker(consumers: 1, producers: 1, settings: Settings(), keyedStore: true)
        let m = StoredMsg(ref: MsgRef(id: MessageID(producer: 0, seq: 1), key: 0, bornMicros: 0), deliveryCount: 0, origin: 2)
        guard case .stored = b.receive(m, now: 0, dedupWindow: 0) else { Issue.record("expected stored"); return }
        guard case .duplicate(.storeKey) = b.receive(m, now: 5_000_000, dedupWindow: 0) else { Issue.record("expected duplicate"); return }
    }

    @Test func idempotencyRecordStaysCompactWhenAppliedInOrder() {
        var r = IdempotencyRecord(producers: 1)
        var fresh = 0
        for seq in UInt64(1)...10_000 where r.insert(MessageID(producer: 0, seq: seq)) { fresh += 1 }
        #expect(fresh == 10_000)
        #expect(r.sparseCount == 0)
        let again = r.insert(MessageID(producer: 0, seq: 5))
        #expect(!again)
        let above = r.insert(MessageID(producer: 0, seq: 10_005))
        #expect(above)
        #expect(r.sparseCount == 1)
        #expect(r.contains(MessageID(producer: 0, seq: 10_005)) && !r.contains(MessageID(producer: 0, seq: 10_004)))
    }

    @Test func actionsParseFromTheirWrittenForm() throws {
        #expect(try Action.parse(verb: "crash", target: "consumer-2", value: nil).get() == .crash(.consumer(1)))
        #expect(try Action.parse(verb: "loss", target: nil, value: "5%").get() == .setLoss(nil, perMillion: 50_000))
        #expect(try Action.parse(verb: "partition-one-way", target: "c1", value: nil).get() == .partitionOneWay(.consumer(0)))
        if case .failure(let e) = Action.parse(verb: "explode", target: nil, value: nil) {
            #expect(e.message.contains("unknown action 'explode'"))
        } else { Issue.record("explode must not parse") }
        if case .failure(let e) = Action.parse(verb: "crash", target: "consumer-x", value: nil) {
            #expect(e.message.contains("unknown target"))
        } else { Issue.record("bad target must not parse") }
        for a in [Action.crash(.broker), .setLatency(.consumer(0), minMicros: 500, maxMicros: 2_000), .slow(.consumer(3))] {
            let back = try? Action.parse(verb: a.verb, target: a.target?.description, value: a.value).get()
            #expect(back == a)
        }
    }

    @Test func memoryFollowsPendingNotTotal() {
        var s = Settings()
        s.modes = [.effectivelyOnce]
        s.ratePerSecond = 5_000
        s.consumers = 8
        s.processingMicrosMean = 100
        // Enough prefetch that deliveries pinned by 1% loss until their ack deadline do not
        // starve the consumers (with prefetch 8 this world falls behind and *should* grow).
        s.prefetch = 64
        s.durationMicros = Duration.seconds(20)
        var sim = Timeline(settings: s)
        sim.advance(to: s.durationMicros)
        let lane = sim.lanes[0]
        #expect(lane.produced > 90_000)
        // Only what is still somewhere is tracked; the rest is folded into totals.
        #expect(lane.tracker.live.count < 2_000)
        // The idempotency record keeps a prefix plus what is above the oldest message still
        // awaiting redelivery: about rate x ack timeout, not everything ever applied.
        #expect(lane.record.sparseCount < 15_000)
    }
}

@Suite struct U64MapTests {
    @Test func behavesLikeADictionaryUnderRandomOperations() {
        var map = U64Map<Int>()
        var reference: [UInt64: Int] = [:]
        var rng = PRNG(seed: 11)
        for step in 0..<200_000 {
            // Small key space so inserts, overwrites and deletes collide and wrap around.
            let key = 1 + rng.below(3_000)
            switch rng.below(3) {
            case 0:
                map.insert(key, step)
                reference[key] = step
            case 1:
                #expect(map.removeValue(forKey: key) == reference.removeValue(forKey: key))
            default:
                #expect(map[key] == reference[key])
            }
        }
        #expect(map.count == reference.count)
        #expect(map.sortedKeys() == reference.keys.sorted())
        for (k, v) in reference { #expect(map[k] == v) }
        var visited = 0
        map.forEach { k, v in
            visited += 1
            #expect(reference[k] == v)
        }
        #expect(visited == reference.count)
    }
}

@Suite struct CheckTests {
    /// The effectively-once final-state check must be able to fail: corrupt the sink as a
    /// broken version check would (an old write after a newer one) and it says so.
    @Test func finalStateCheckFailsOnAStaleSink() {
        var s = storySettings(messages: 20)
        s.modes = [.effectivelyOnce]
        var sim = Timeline(settings: s)
        _ = sim.runToEnd()
        var lane = sim.lanes[0]
        #expect(lane.promiseChecks(drained: true).first { $0.name == "final_state" }?.status == .pass)
        let slot = lane.sink.lastApplied.firstIndex { $0 > 1 }!
        lane.sink.value[slot] = lane.sink.lastApplied[slot] - 1
        #expect(lane.staleKeys == 1)
        #expect(lane.promiseChecks(drained: true).first { $0.name == "final_state" }?.status == .fail)
    }

    @Test func atLeastOnceCanEndWithStaleKeysEffectivelyOnceCannot() {
        var staleAtLeastOnce = 0
        for seed in UInt64(1)...20 {
            var s = Settings()
            s.seed = seed
            s.durationMicros = Duration.seconds(20)
            s.keys = 2
            s.chaos = true
            var sim = Timeline(settings: s)
            let summary = sim.runToEnd()
            for lane in summary.lanes {
                if lane.mode == .atLeastOnce { staleAtLeastOnce += lane.staleKeys }
                if lane.mode == .effectivelyOnce { #expect(lane.staleKeys == 0, "seed \(seed)") }
            }
        }
        #expect(staleAtLeastOnce > 0)
    }
}
