import Testing
@testable import DeliverySim

/// The generators against published known answers, and the same-dice rule on real runs.
@Suite struct DiceTests {
    @Test func splitMix64MatchesThePublishedVectors() {
        // Rosetta Code, "Pseudo-random numbers/Splitmix64": the first five outputs for seed
        // 1234567, from the reference splitmix64.c.
        var sm = SplitMix64(state: 1_234_567)
        let expected: [UInt64] = [6_457_827_717_110_365_317, 3_203_168_211_198_807_973, 9_817_491_932_198_370_423,
                                  4_593_380_528_125_082_431, 16_408_922_859_458_223_821]
        #expect((0..<5).map { _ in sm.next() } == expected)
        var zero = SplitMix64(state: 0)
        #expect(zero.next() == 0xE220_A839_7B1D_CDAF)
    }

    @Test func xoshiro256StarStarMatchesTheReferenceImplementation() {
        // xoshiro256starstar.c from the state {1, 2, 3, 4}.
        var rng = PRNG(state: (1, 2, 3, 4))
        let expected: [UInt64] = [11_520, 0, 1_509_978_240, 1_215_971_899_390_074_240,
                                  1_216_172_134_540_287_360, 607_988_272_756_665_600]
        #expect((0..<6).map { _ in rng.next() } == expected)
    }

    @Test func aDrawIsSplitMixStepsOverItsFields() {
        // The definition, spelled out with the generator the vectors above pin down.
        let seed: UInt64 = 42, entity: UInt64 = MessageID(producer: 0, seq: 42).raw, attempt: UInt64 = 3
        func step(_ state: UInt64) -> UInt64 {
            var sm = SplitMix64(state: state)
            return sm.next()
        }
        var h = step(seed)
        h = step(h ^ Dice.Purpose.loss.rawValue)
        h = step(h ^ entity)
        h = step(h ^ attempt)
        #expect(Dice(seed: seed).word(.loss, entity, attempt) == h)
    }

    @Test func drawsDependOnEveryFieldAndOnNothingElse() {
        let dice = Dice(seed: 7)
        var seen = Set<UInt64>()
        for purpose in [Dice.Purpose.loss, .latency, .processing] {
            for entity in UInt64(1)...200 {
                for attempt in UInt64(0)..<5 { seen.insert(dice.word(purpose, entity, attempt)) }
            }
        }
        #expect(seen.count == 3 * 200 * 5)  // no two keys share a word
        #expect(Dice(seed: 7).word(.loss, 9, 1) == dice.word(.loss, 9, 1))
        #expect(Dice(seed: 8).word(.loss, 9, 1) != dice.word(.loss, 9, 1))
    }

    @Test func chanceAndBelowAreUniformEnough() {
        let dice = Dice(seed: 11)
        var hits = 0, buckets = [Int](repeating: 0, count: 10)
        let n = 200_000
        for i in 0..<n {
            if Dice.chance(50_000, dice.word(.loss, UInt64(i))) { hits += 1 }
            buckets[Int(Dice.below(10, dice.word(.key, UInt64(i))))] += 1
        }
        #expect(abs(Double(hits) / Double(n) - 0.05) < 0.003)
        #expect(buckets.allSatisfy { abs($0 - n / 10) < n / 100 })
    }

    /// The measurement as a test: 5% loss, no crashes, two lanes.
    @Test func lanesMeetTheSameDiceForTheSameMessage() {
        var s = Settings()
        s.seed = 5
        s.lossPerMillion = 50_000
        s.durationMicros = Duration.seconds(30)
        s.modes = Mode.allCases
        var world = Timeline(settings: s, recording: EventFilter([.published, .delivered, .dropped, .arrived]))
        world.advance(to: s.durationMicros)
        var firstPublishDropped = [Set<MessageID>](repeating: [], count: s.modes.count)
        var firstDelivery = [[MessageID: Bool]](repeating: [:], count: s.modes.count)  // dropped?
        for item in world.takeEvents() {
            let e = item.event
            guard let id = e.message, e.attempt == 1 else { continue }
            if e.hop == .publish && e.kind == .dropped { firstPublishDropped[item.lane].insert(id) }
            if e.hop == .deliver && (e.kind == .dropped || e.kind == .arrived), firstDelivery[item.lane][id] == nil {
                firstDelivery[item.lane][id] = e.kind == .dropped
            }
        }
        let amo = s.modes.firstIndex(of: .atMostOnce)!
        #expect(firstPublishDropped[amo].count > 40)
        // In-process deliveries cross no network: only the others are compared on them.
        for lane in s.modes.indices where lane != amo {
            #expect(firstPublishDropped[lane] == firstPublishDropped[amo], "\(s.modes[lane])")
            guard s.modes[lane] != .inProcess else { continue }
            let both = Set(firstDelivery[lane].keys).intersection(firstDelivery[amo].keys)
            #expect(both.count > 1_000)
            let differ = both.filter { firstDelivery[lane][$0] != firstDelivery[amo][$0] }
            #expect(differ.isEmpty, "\(s.modes[lane]): \(differ.count) of \(both.count) first deliveries differ")
            #expect(both.filter { firstDelivery[amo][$0]! }.count > 40)
        }
    }
}
