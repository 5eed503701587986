import DeliverySim

/// The random-fault property check: many seeds, each a small world with a random fault
/// schedule (`chaos`), random durability, dedup and duplication, every mode. Conservation
/// is checked after every event; each mode's promises after the drain.
///
/// `ackscope selfcheck` runs it on the release build (CI: 10,000 seeds); the unit tests run
/// a few hundred seeds in the debug build.
public enum PropertySweep {
    /// The world of one seed, drawn from that seed's dice.
    public static func settings(seed: UInt64) -> Settings {
        let dice = Dice(seed: seed)
        var n: UInt64 = 0
        func draw(_ bound: UInt64) -> UInt64 {
            n += 1
            return Dice.below(bound, dice.word(.chaos, 1_000_000 + n))
        }
        var s = Settings()
        s.seed = seed
        s.modes = Mode.allCases
        s.durationMicros = Duration.seconds(4)
        s.ratePerSecond = 15
        s.producers = 1 + Int(draw(2))
        s.consumers = 1 + Int(draw(4))
        s.prefetch = 1 + Int(draw(8))
        s.processingMicrosMean = Micros(500 + draw(20_000))
        s.lossPerMillion = Int32(draw(100_000))
        s.duplicationPerMillion = draw(4) == 0 ? Int32(draw(50_000)) : 0
        s.ackTimeoutMicros = Micros(200_000 + draw(800_000))
        s.confirmTimeoutMicros = Micros(200_000 + draw(800_000))
        s.maxDeliveries = Int(draw(6))
        s.durable = draw(3) != 0
        s.dedupWindowMicros = draw(2) == 0 ? 0 : Micros(draw(3_000_000))
        s.keys = 1 + Int(draw(4))
        // How acks leave: after a delay, in batches (0: by interval only), cumulative or
        // not; and whether a closed connection's deliveries are requeued at once.
        s.ackDelayMicros = Micros(draw(5_000))
        s.ackEvery = draw(3) == 0 ? Int(draw(12)) : 1
        // Below the ack timeout: a batch that waits longer than the deadline is redelivered
        // before its ack leaves, every time, and never drains (as a real broker would).
        s.ackIntervalMicros = Micros(1_000 + draw(UInt64(s.ackTimeoutMicros / 2)))
        s.cumulativeAcks = draw(3) == 0
        s.requeueOnDisconnect = draw(2) == 0
        s.chaos = true
        return s
    }

    public struct Result: Sendable {
        public var seeds = 0
        /// "mode check: detail / reproduce: command", at most `maxFailures` of them.
        public var failures: [String] = []
        /// Whether the sweep met each failure mode it claims to check.
        public var sawLoss = false, sawDuplicate = false, sawNotInForce = false, sawStale = false, sawSuppressed = false
        /// True when the sweep exercised every failure mode (else it proved little).
        public var exercised: Bool { sawLoss && sawDuplicate && sawNotInForce && sawStale && sawSuppressed }
    }

    /// Runs seeds `seeds`, stopping after `maxFailures` failures.
    public static func run(seeds: ClosedRange<UInt64>, maxFailures: Int = 5) -> Result {
        var r = Result()
        for seed in seeds {
            let s = settings(seed: seed)
            var world = Timeline(settings: s, checkEveryEvent: true)
            let summary = world.runToEnd()
            r.seeds += 1
            for lane in summary.lanes {
                for c in lane.checks where c.status == .fail {
                    r.failures.append("\(lane.mode.rawValue) \(c.name): \(c.detail)\n  reproduce: \(SettingsText.command(s))")
                }
                if lane.mode == .atMostOnce && lane.counters.lost > 0 { r.sawLoss = true }
                if lane.mode == .atLeastOnce && lane.counters.duplicateEffects > 0 { r.sawDuplicate = true }
                if lane.mode == .idempotent && lane.staleKeys > 0 { r.sawStale = true }
                if lane.mode == .inProcess && lane.counters.duplicatesSuppressed > 0 { r.sawSuppressed = true }
                if lane.checks.contains(where: { $0.status == .notInForce }) { r.sawNotInForce = true }
            }
            if r.failures.count >= maxFailures { break }
        }
        return r
    }
}
