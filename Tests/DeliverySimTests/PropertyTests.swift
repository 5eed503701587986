import Testing
@testable import DeliverySim
import Experiments

/// Determinism on a world with every kind of fault (the random-fault sweep itself is
/// `PropertySweep`, run by ExperimentsTests and by `ackscope selfcheck` in CI).
@Suite struct PropertyTests {
    static func settings(seed: UInt64) -> Settings {
        var s = Settings()
        s.seed = seed
        s.modes = Mode.allCases
        s.durationMicros = Duration.seconds(4)
        s.ratePerSecond = 15
        s.consumers = 3
        s.lossPerMillion = 50_000
        s.duplicationPerMillion = 20_000
        s.dedupWindowMicros = 500_000
        s.chaos = true
        return s
    }

    @Test func sameSeedSameSummaryInProcess() {
        let s = Self.settings(seed: 9_123)
        var a = Timeline(settings: s)
        var b = Timeline(settings: s)
        #expect(a.runToEnd() == b.runToEnd())
    }

    @Test func differentSeedsDiffer() {
        var a = Timeline(settings: Self.settings(seed: 1))
        var b = Timeline(settings: Self.settings(seed: 2))
        #expect(a.runToEnd() != b.runToEnd())
    }
}
