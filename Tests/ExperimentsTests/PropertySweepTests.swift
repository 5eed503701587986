import DeliverySim
import Testing
@testable import Experiments

/// The random-fault sweep in the debug build (CI also runs 10,000 seeds of it on the
/// release build: `ackscope selfcheck`, in ReleaseBinaryTests).
@Suite struct PropertySweepTests {
    @Test func conservationAndPromisesHoldOverManySeeds() {
        let r = PropertySweep.run(seeds: 1...150)
        #expect(r.failures.isEmpty, "\(r.failures.joined(separator: "\n"))")
        #expect(r.seeds == 150)
        // The sweep must actually exercise the failure modes it claims to check.
        #expect(r.exercised, "loss \(r.sawLoss) dup \(r.sawDuplicate) stale \(r.sawStale) suppressed \(r.sawSuppressed) n/a \(r.sawNotInForce)")
    }

    @Test func aSeedsWorldIsItsOwn() {
        #expect(PropertySweep.settings(seed: 3) == PropertySweep.settings(seed: 3))
        #expect(PropertySweep.settings(seed: 3) != PropertySweep.settings(seed: 4))
    }
}
