import DeliverySim
import Testing
@testable import Experiments

/// Many seeds on several threads: the same output whatever the scheduling.
@Suite struct CompareTests {
    static let experiment: Experiment = {
        var s = Settings()
        s.durationMicros = 4_000_000
        s.chaos = true
        return Experiment(settings: s, timeline: [TimedAction(at: 1_000_000, .partitionOneWay(.consumer(1))),
                                                  TimedAction(at: 2_000_000, .heal(.consumer(1)))])
    }()

    static func output(jobs: Int, seeds: [UInt64]) -> String {
        let results = Compare.run(experiment, seeds: seeds, jobs: jobs)
        let reports = Compare.aggregate(results, seeds: seeds)
        return Compare.table(reports, seedsText: "x", seedCount: seeds.count, settings: experiment.settings, title: nil)
            + Compare.json(reports, seedsText: "x", seedCount: seeds.count, settings: experiment.settings, title: nil)
    }

    @Test func sameOutputWhateverTheJobs() {
        let seeds = Array(UInt64(1)...24)
        let one = Self.output(jobs: 1, seeds: seeds)
        #expect(Self.output(jobs: 2, seeds: seeds) == one)
        #expect(Self.output(jobs: 5, seeds: seeds) == one)
        #expect(Self.output(jobs: 2, seeds: seeds) == one)
        #expect(one.contains("at-least-once") && one.contains("\"latency_p99_ms\":{\"mean\":"))
    }

    @Test func perSeedResultsAreTheHeadlessRuns() {
        let results = Compare.run(Self.experiment, seeds: [3, 4], jobs: 2)
        for (k, seed) in [UInt64(3), 4].enumerated() {
            var e = Self.experiment
            e.settings.seed = seed
            let summary = e.run()
            #expect(results[k].map(\.lost) == summary.lanes.map(\.counters.lost))
            #expect(results[k].map(\.latencyP99Micros) == summary.lanes.map(\.latencyP99Micros))
        }
    }

    @Test func statisticsAreMeanAndNearestRank() {
        let results = (1...100).map { n in
            [Compare.LaneResult(mode: .atMostOnce, lost: n, duplicateEffects: 0, redelivered: n % 2, latencyP99Micros: Micros(n) * 1_000, failed: n == 7)]
        }
        let r = Compare.aggregate(results, seeds: Array(1...100))[0]
        #expect(r.stats[0] == Compare.Stat(meanMilli: 50_500, p50: 50, p99: 99))
        #expect(r.stats[2] == Compare.Stat(meanMilli: 500, p50: 0, p99: 1))
        #expect(r.stats[3] == Compare.Stat(meanMilli: 50_500, p50: 50_000, p99: 99_000))
        #expect(r.failedSeeds == [7])
    }

    @Test func seedSpecs() throws {
        #expect(try Compare.parseSeeds("1..5").get() == [1, 2, 3, 4, 5])
        #expect(try Compare.parseSeeds("9").get() == [9])
        #expect(try Compare.parseSeeds("3, 1,2").get() == [3, 1, 2])
        for bad in ["5..1", "a..b", "1..", "1,,2", "x", "0..2000000"] {
            if case .success = Compare.parseSeeds(bad) { Issue.record("accepted \(bad)") }
        }
        // Whole numbers that are not seeds are out of range, not malformed.
        for bad in ["-1..5", "1..-5", "-3", "1,18446744073709551616"] {
            guard case .failure(let e) = Compare.parseSeeds(bad) else { Issue.record("accepted \(bad)"); continue }
            #expect(e.message == "out of range: a seed is from 0 to 18446744073709551615", "\(bad): \(e.message)")
        }
    }
}
