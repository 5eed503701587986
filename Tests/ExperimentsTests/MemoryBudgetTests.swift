import DeliverySim
import Experiments
import Testing

@Suite struct MemoryBudgetTests {
    @Test func theMemoryBudgetRefusesWhatCannotFitAndNamesTheFlags() {
        var s = Settings()
        s.producers = 64
        s.consumers = 256
        s.prefetch = 100_000
        s.ratePerSecond = 100_000
        let problem = MemoryBudget(s).problem
        #expect(problem?.contains("--consumers 256 × --prefetch 100000") == true, "\(problem ?? "nil")")
        #expect(MemoryBudget(Settings()).problem == nil)
        var wide = Settings()
        wide.dedupWindowMicros = Duration.seconds(3_600)
        wide.producers = 64
        wide.ratePerSecond = 1_000_000
        #expect(MemoryBudget(wide).problem?.contains("--dedup-window") == true)
    }
}
