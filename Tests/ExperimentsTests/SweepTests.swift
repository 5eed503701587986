import DeliverySim
import Testing
@testable import Experiments

/// Student's t and the intervals a sweep reports.
@Suite struct SweepStatsTests {
    /// The 97.5th percentiles printed in every statistics textbook's t table.
    @Test func tMatchesThePublishedTable() {
        let table: [(Int, Double)] = [(1, 12.706), (2, 4.303), (3, 3.182), (4, 2.776), (5, 2.571), (9, 2.262), (10, 2.228),
                                      (19, 2.093), (29, 2.045), (30, 2.042), (60, 2.000), (99, 1.984), (120, 1.980)]
        for (df, t) in table {
            #expect(abs(SweepStats.t975(df) - t) < 6e-4, "df \(df): \(SweepStats.t975(df)) vs \(t)")
        }
        // The expansion used above 1,000 meets the exact function where they hand over.
        #expect(abs(SweepStats.t975(1_000) - SweepStats.t975(1_001)) < 1e-5)
        #expect(abs(SweepStats.t975(1_000) - 1.962_339) < 1e-5)
        #expect(abs(SweepStats.t975(1_000_000) - 1.959_966) < 1e-5)
        // Decreasing towards the normal's 1.96.
        #expect((1..<200).allSatisfy { SweepStats.t975($0) > SweepStats.t975($0 + 1) })
    }

    @Test func arctangentWithoutLibm() {
        #expect(abs(SweepStats.arctangent(1) - Double.pi / 4) < 1e-15)
        #expect(abs(SweepStats.arctangent(3.0.squareRoot()) - Double.pi / 3) < 1e-15)
        #expect(abs(SweepStats.arctangent(1 / 3.0.squareRoot()) - Double.pi / 6) < 1e-15)
        #expect(SweepStats.arctangent(0) == 0)
        #expect(abs(SweepStats.arctangent(1e9) - (Double.pi / 2 - 1e-9)) < 1e-15)
    }

    @Test func meanSdAndInterval() {
        let e = SweepStats.estimate([1, 2, 3, 4])
        #expect(e.n == 4 && e.mean == 2.5)
        #expect(abs(e.sd - 1.290_994_4) < 1e-6)
        // t(3) = 3.182446, sd/√4
        #expect(abs((e.half ?? 0) - 3.182_446 * 1.290_994_4 / 2) < 1e-5)
        #expect(SweepStats.estimate([7]).half == nil)
        #expect(SweepStats.estimate([]).n == 0)
        #expect(SweepStats.estimate([5, 5, 5]).half == 0)
    }

    /// Pairing removes what two lanes share: with shared noise the paired interval is far
    /// narrower; against a lane that never varies (0 every time) there is nothing to remove,
    /// and the two intervals are the same.
    @Test func pairedAgainstUnpaired() {
        let noise: [Double] = [3, 9, 1, 14, 6, 11, 2, 8, 13, 5]
        let a = noise.enumerated().map { $0.element + 10 + Double($0.offset % 3) }
        let b = noise
        let paired = SweepStats.estimate(zip(a, b).map { $0 - $1 })
        let unpaired = SweepStats.unpairedHalf(SweepStats.estimate(a), SweepStats.estimate(b))
        #expect(abs(paired.mean - (SweepStats.estimate(a).mean - SweepStats.estimate(b).mean)) < 1e-12)
        #expect((paired.half ?? 99) < (unpaired ?? 0) / 5)

        let zeros = Array(repeating: 0.0, count: noise.count)
        let againstZero = SweepStats.estimate(zip(a, zeros).map { $0 - $1 })
        let unpairedZero = SweepStats.unpairedHalf(SweepStats.estimate(a), SweepStats.estimate(zeros))
        #expect(abs((againstZero.half ?? 0) - (unpairedZero ?? 1)) < 1e-12)
    }
}

/// `--vary KNOB=VALUES`: what it accepts and how it refuses.
@Suite struct SweepAxisTests {
    static func values(_ spec: String) -> [String] {
        guard case .success(let axis) = SweepAxis.parse(spec) else { return [] }
        return axis.values.indices.map(axis.text)
    }

    static func error(_ spec: String) -> String {
        if case .failure(let e) = SweepAxis.parse(spec) { return e.message }
        return ""
    }

    @Test func listsAndRanges() {
        #expect(Self.values("loss=0%..10%:2%") == ["0%", "2%", "4%", "6%", "8%", "10%"])
        #expect(Self.values("ack-timeout=100ms,500ms,1s") == ["100ms", "500ms", "1s"])
        #expect(Self.values("ack_timeout=100ms..1s:300ms") == ["100ms", "400ms", "700ms", "1s"])
        #expect(Self.values("prefetch=1..64:x2") == ["1", "2", "4", "8", "16", "32", "64"])
        #expect(Self.values("dedup_window=0s..2s:1s") == ["0s", "1s", "2s"])
        #expect(Self.values("rate=0.5..2:0.5") == ["0.5", "1", "1.5", "2"])
        #expect(Self.values("rate=0.1..0.3:0.1") == ["0.1", "0.2", "0.3"])
        #expect(Self.values("rate=10..1000:x10") == ["10", "100", "1000"])
        #expect(Self.values("latency=1ms..3ms:1ms") == ["1ms", "2ms", "3ms"])
        #expect(Self.values("latency=0.5ms..2ms,5ms") == ["500us..2ms", "5ms"])
        #expect(Self.values("durable=true,false") == ["true", "false"])
        #expect(Self.values("profile=rabbitmq,sqs") == ["rabbitmq", "sqs"])
        #expect(Self.values("loss=3%") == ["3%"])
    }

    @Test func axisNumbersAndColumns() throws {
        let axis = try SweepAxis.parse("loss=0%..10%:2.5%").get()
        #expect(axis.values.indices.map(axis.number) == [0, 2.5, 5, 7.5, 10])
        #expect(axis.column == "loss_pct" && axis.label == "loss (%)" && axis.cell(1) == "2.5")
        let t = try SweepAxis.parse("ack-timeout=250ms,1.5s").get()
        #expect(t.column == "ack_timeout_ms" && t.cell(1) == "1500" && t.number(0) == 250 && t.label == "ack timeout (ms)")
        let d = try SweepAxis.parse("overflow=reject-publish,drop-head").get()
        #expect(!d.isNumeric && d.number(1) == 1 && d.cell(1) == "drop-head")
    }

    @Test func refusals() {
        #expect(Self.error("lossy=1%").hasPrefix("unknown knob 'lossy'; did you mean loss?"))
        #expect(Self.error("loss").hasPrefix("expected KNOB=VALUES"))
        #expect(Self.error("loss=") == "loss: the list of values is empty")
        #expect(Self.error("loss=1%,,2%").contains("an empty value in the list"))
        #expect(Self.error("loss=0%..10%").contains("a range needs a step"))
        #expect(Self.error("loss=0%..10%:") .contains("no step after ':'"))
        #expect(Self.error("loss=0%..10%:3%") == "loss: the step 3% never reaches 10%: it goes …, 3%, 6%, 9%, then past it; choose a step that lands on it")
        #expect(Self.error("prefetch=1..100:x2").contains("never reaches 100"))
        #expect(Self.error("prefetch=0..64:x2").contains("starts above 0"))
        #expect(Self.error("prefetch=1..64:x1").contains("a factor is a whole number 2 or more"))
        #expect(Self.error("loss=0%..10%:0%").contains("the step must be above 0"))
        #expect(Self.error("loss=5%..1%:1%").contains("is empty: FIRST must not exceed LAST"))
        #expect(Self.error("loss=1%,1%") == "loss: 1% is in the list twice")
        #expect(Self.error("loss=150%").contains("out of range"))
        #expect(Self.error("durable=0..1:1") == "durable: takes a list, not a range: true,false")
        #expect(Self.error("prefetch=0,8").contains("must be from 1"))
        #expect(Self.error("seed=1,2").contains("--seeds"))
        #expect(Self.error("modes=at-most-once").contains("--modes"))
        #expect(Self.error("prefetch=1..100000:1").contains("at most 1000 values"))
        // Found by review: these crashed (arithmetic overflow) or made equal points.
        #expect(Self.error("consumers=0..9223372036854775807:5000000000000000000").contains("never reaches"))
        #expect(Self.error("rate=1..1.000000001:0.0000000001").contains("too small to tell the values apart"))
        #expect(Self.error("latency=1ms..10ms").contains("is one value, a uniform range"))
    }

    @Test func headerRefusals() {
        func error(_ vary: [String], seeds: String = "1..2") -> String {
            do {
                _ = try SweepHeader(vary: vary, seedsSpec: seeds, modes: Mode.classic, title: nil, settingsJSON: "{}", production: "",
                                    reproduce: [], extra: "")
                return ""
            } catch {
                return error.message
            }
        }
        let thousand = ["loss=0%..99.9%:0.1%", "duplication=0%..99.9%:0.1%", "ack-timeout=1ms..1000ms:1ms", "processing=1ms..1000ms:1ms",
                        "confirm-timeout=1ms..1000ms:1ms", "ack-delay=1ms..1000ms:1ms", "ack-interval=1ms..1000ms:1ms"]
        #expect(error(thousand).hasPrefix("more than 10000 points"))
        #expect(error(["loss=1%"], seeds: "1,2,1").contains("seed 1 is given twice"))
        #expect(error(["loss=1%"]) == "")
    }

    @Test func pointsRunFirstKnobSlowest() throws {
        let h = try SweepHeader(vary: ["loss=1%,2%", "prefetch=1,8,64"], seedsSpec: "5..6", modes: Mode.classic, title: nil,
                                settingsJSON: "{}", production: "p", reproduce: [], extra: "")
        #expect(h.pointCount == 6 && h.runCount == 12)
        #expect(h.points == [[0, 0], [0, 1], [0, 2], [1, 0], [1, 1], [1, 2]])
        #expect(h.pointText(4) == "loss 2%, prefetch 8")
        #expect(h.point(ofRun: 7) == 3 && h.seed(ofRun: 7) == 6)
        #expect(h.overrides(5)[.prefetch] == .count(64) && h.overrides(5)[.loss] == .percent(20_000))
        #expect(throws: KnobError.self) {
            try SweepHeader(vary: ["loss=1%", "loss=2%"], seedsSpec: "1", modes: Mode.classic, title: nil, settingsJSON: "{}",
                            production: "", reproduce: [], extra: "")
        }
    }
}

/// A whole small sweep: what it measures, and that its outputs hold together.
@Suite struct SweepReportTests {
    static let header = try! SweepHeader(vary: ["loss=0%..8%:4%"], seedsSpec: "1..6", modes: Mode.classic, title: nil,
                                         settingsJSON: "{}", production: "4s virtual + drain", reproduce: ["r {seed}", "r {seed}", "r {seed}"],
                                         extra: "")

    /// Runs every point × seed of `header` on `jobs` threads.
    static func results(_ h: SweepHeader, jobs: Int, only: [Int]? = nil) -> [[Compare.LaneResult]?] {
        let indices = only ?? Array(0..<h.runCount)
        let done = ParallelRuns.run(count: indices.count, jobs: jobs, shouldStop: { _ in false }) { k, stop in
            var s = h.overrides(h.point(ofRun: indices[k])).settings
            s.durationMicros = 4_000_000
            s.seed = h.seed(ofRun: indices[k])
            return Compare.laneResults(Experiment(settings: s), stop: stop)
        }
        var all: [[Compare.LaneResult]?] = Array(repeating: nil, count: h.runCount)
        for (k, r) in indices.enumerated() { all[r] = done[k] }
        return all
    }

    static let whole = SweepReport(header: header, results: results(header, jobs: 2))
    static let choice = SweepMetric.Choice(index: 1, perMessage: false)

    @Test func theArgumentHoldsAtEveryPoint() {
        let r = Self.whole
        let lost = r.points.map { $0.lanes[0].metrics[0].mean }
        let dups = r.points.map { $0.lanes[1].metrics[1].mean }
        #expect(lost[0] == 0 && lost[1] > 0 && lost[2] > lost[1], "at-most-once lost \(lost)")
        #expect(dups[0] == 0 && dups[1] > 0 && dups[2] > dups[1], "at-least-once duplicate effects \(dups)")
        #expect(r.points.allSatisfy { $0.lanes[2].metrics[1].mean == 0 && $0.lanes[2].metrics[1].half == 0 })
        #expect(!r.incomplete && r.runsFinished == 18)
        #expect(r.firstFailure == nil)
    }

    /// The figures are those of the runs: a mean recomputed from the headless runs.
    @Test func figuresAreTheRunsFigures() {
        var total = 0
        for seed in UInt64(1)...6 {
            var s = Settings()
            s.lossPerMillion = 40_000
            s.durationMicros = 4_000_000
            s.seed = seed
            total += Experiment(settings: s).run().lanes[1].counters.redelivered
        }
        #expect(Self.whole.points[1].lanes[1].metrics[2].mean == Double(total) / 6)
    }

    /// At-least-once and effectively-once meet the same dice: they redeliver exactly alike,
    /// so their paired difference is 0 ± 0 while the unpaired interval is wide.
    @Test func pairingShowsTheLanesDifferOnlyInEffects() {
        let p = Self.whole.points[2]
        let pair = p.pairs.first { $0.a == 1 && $0.b == 2 }!
        #expect(pair.paired[2].mean == 0 && pair.paired[2].half == 0)
        #expect((pair.unpairedHalf[2] ?? 0) > 1)
        #expect(pair.paired[1].mean > 0)
    }

    @Test func sameBytesWhateverTheJobs() {
        let one = SweepReport(header: Self.header, results: Self.results(Self.header, jobs: 1))
        #expect(one.json == Self.whole.json && one.csv == Self.whole.csv && one.table(Self.choice) == Self.whole.table(Self.choice))
    }

    @Test func csvHasARowPerPointLaneAndMetric() {
        let rows = Self.whole.csv.split(separator: "\n")
        #expect(rows.count == 1 + 3 * 3 * SweepMetric.all.count)
        #expect(rows[0].hasPrefix("loss_pct,lane,metric,unit,n,mean,sd,ci95_low,ci95_high,per_message_mean"))
        #expect(rows.dropFirst().allSatisfy { $0.split(separator: ",", omittingEmptySubsequences: false).count == 12 })
        let pairs = Self.whole.pairsCSV.split(separator: "\n")
        #expect(pairs.count == 1 + 3 * 3 * SweepMetric.all.count)
        #expect(Self.whole.json.contains("\"paired_ci95\":[") && Self.whole.json.hasSuffix("]}\n"))
    }

    /// Four shards written, read back and merged give the whole sweep's bytes.
    @Test func shardsMergeToTheWhole() throws {
        let h = Self.header
        var parts: [(name: String, part: SweepPart)] = []
        for k in [3, 1, 4, 2] {
            let indices = Array(SweepPart.runs(shard: k, of: 4, count: h.runCount))
            let results = Self.results(h, jobs: 2, only: indices)
            let part = SweepPart(header: h, shard: k, shards: 4, runs: indices.map { ($0, results[$0]!) })
            let read = try SweepPart.parse(text: part.text, fileName: "p\(k)").get()
            #expect(read.header == h && read.runs.count == indices.count)
            parts.append(("p\(k)", read))
        }
        let merged = try SweepPart.merge(parts).get()
        let report = SweepReport(header: merged.header, results: merged.results)
        #expect(report.json == Self.whole.json)
        #expect(report.csv == Self.whole.csv && report.pairsCSV == Self.whole.pairsCSV)
        #expect(report.table(Self.choice) == Self.whole.table(Self.choice))

        // Refused: a shard twice, a shard missing, a part of another sweep.
        func mergeError(_ p: [(name: String, part: SweepPart)]) -> String {
            if case .failure(let e) = SweepPart.merge(p) { return e.message }
            return ""
        }
        #expect(mergeError(parts + [parts[0]]) == "p3 and p3 are both shard 3/4")
        #expect(mergeError(Array(parts.dropLast())) == "shard 2/4 missing: merge needs all 4 parts of the sweep")
        var other = parts[1]
        other.part.header = try SweepHeader(vary: ["loss=0%..8%:4%"], seedsSpec: "1..7", modes: Mode.classic, title: nil, settingsJSON: "{}",
                                            production: "4s virtual + drain", reproduce: [], extra: "")
        #expect(mergeError([parts[0], other]).hasPrefix("p1 is from another sweep than p3: its --seeds (1..7 vs 1..6) differ"))
    }

    @Test func damagedPartsAreRefused() {
        let h = Self.header
        let part = SweepPart(header: h, shard: 1, shards: 9, runs: [(0, Self.results(h, jobs: 1, only: [0])[0]!),
                                                                   (9, Self.results(h, jobs: 1, only: [9])[9]!)])
        let text = part.text
        func error(_ t: String) -> String {
            if case .failure(let e) = SweepPart.parse(text: t, fileName: "x.txt") { return e.message }
            return ""
        }
        #expect(error(text).isEmpty)
        #expect(error(String(text.dropLast(8))).contains("cut short"))
        #expect(error(text.replacingFirst("\"1..6\"", with: "\"1..5\"")).contains("does not match its sweep fingerprint"))
        #expect(error("title = 1\n").contains("not a part of an ackscope sweep"))
        #expect(error(text.replacingFirst("\n9 ", with: "\n10 ")).contains("run 10 is not the next run of shard 1/9"))
        #expect(error(text.replacingFirst("\n0 0,", with: "\n0 7,")).contains("lane 1 of run 0: expected 11 whole numbers"))
        #expect(error(text.replacingFirst("\n9 ", with: "\n9 0,zz,")).contains("lane 1 of run 9: expected 11 whole numbers"))
        #expect(error(text.replacingFirst("shards = 9", with: "shards = 1000000000000000000")).contains("is not a shard"))
        #expect(error(text.replacingFirst("runs = 2", with: "runs = 3")).contains("holds 2 runs; shard 1/9 of 18 runs has 2"))
        // Line ends written as CRLF by some tool on the way still read.
        let crlf = String(text.flatMap { $0 == "\n" ? ["\r", "\n"] : [$0] })
        #expect(error(crlf).isEmpty)
    }

    /// The reproduce lines hold the scenario's path as typed: two shards run from different
    /// folders are still one sweep.
    @Test func partsFromDifferentFoldersMerge() throws {
        let h = Self.header
        var elsewhere = h
        elsewhere.reproduce = h.reproduce.map { "cd .. && " + $0 }
        let r = Self.results(h, jobs: 2)
        let one = SweepPart(header: h, shard: 1, shards: 2, runs: SweepPart.runs(shard: 1, of: 2, count: h.runCount).map { ($0, r[$0]!) })
        let two = SweepPart(header: elsewhere, shard: 2, shards: 2, runs: SweepPart.runs(shard: 2, of: 2, count: h.runCount).map { ($0, r[$0]!) })
        let merged = try SweepPart.merge([("a", one), ("b", two)]).get()
        #expect(SweepReport(header: merged.header, results: merged.results).json == Self.whole.json)
    }

    @Test func smallAndHugeFiguresAreWritten() {
        #expect(SweepReport.decimal(0.125) == "0.125" && SweepReport.decimal(2) == "2" && SweepReport.decimal(-1.5) == "-1.5")
        #expect(SweepReport.decimal(1.4e-7) == "0.00000014")
        #expect(SweepReport.decimal(0.000_014_123_456) == "0.0000141235")
        #expect(SweepReport.decimal(1e19) == "1e+19" && SweepReport.decimal(-9.3e18) == "-9.3e+18")
        #expect(SweepReport.decimal(0.0004, places: 3) == "0")
    }

    /// Throughput is effected messages over the time of the last first effect, also when a
    /// message limit (no duration) or no drain ends the run.
    @Test func throughputIsEffectedOverTheLastEffect() {
        var s = Settings()
        s.messageLimit = 200
        s.durationMicros = Settings.unlimitedMicros
        s.drain = false
        s.lossPerMillion = 0
        let lanes = Compare.laneResults(Experiment(settings: s), stop: { false })!
        let metric = SweepMetric.all.first { $0.name == "effected_per_s" }!
        for lane in lanes {
            #expect(lane.lastEffectMicros > 3_000_000 && lane.lastEffectMicros < 5_000_000)
            #expect(metric.value(lane) == Double(lane.effected) * 1e6 / Double(lane.lastEffectMicros))
            #expect(metric.value(lane) > 40 && metric.value(lane) < 60, "\(metric.value(lane)) messages/s at 50/s")
        }
    }

    @Test func chartAndPageComeFromTheReport() {
        let chart = Self.whole.chart(Self.choice)
        #expect(chart.series.map(\.name) == ["at-most-once", "at-least-once", "effectively-once"])
        #expect(chart.series[1].points.map(\.x) == [0, 4, 8])
        #expect(chart.series[1].points.map(\.y) == Self.whole.points.map { $0.lanes[1].metrics[1].mean })
        #expect(chart.xLabel == "loss (%)" && chart.yLabel == "duplicate effects per run")
        let page = Self.whole.html(Self.choice)
        #expect(page.hasPrefix("<!DOCTYPE html>") && page.contains("<svg") && page.hasSuffix("</html>\n"))
        #expect(page.components("<polyline").count - 1 == 3)
    }
}

extension String {
    fileprivate func replacingFirst(_ a: String, with b: String) -> String {
        guard let r = range(of: a) else { return self }
        var s = self
        s.replaceSubrange(r, with: b)
        return s
    }

    fileprivate func components(_ s: String) -> [Substring] {
        var out: [Substring] = []
        var rest = self[...]
        while let r = rest.range(of: s) {
            out.append(rest[..<r.lowerBound])
            rest = rest[r.upperBound...]
        }
        out.append(rest)
        return out
    }
}
