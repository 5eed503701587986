// libFuzzer target: the sweep part reader and merge on arbitrary bytes. Built by
// Fuzz/build.sh, not SwiftPM.
import DeliverySim
import Experiments
import TOMLLite

/// Bytes → strict UTF-8 → `SweepPart.parse`. Must give a part or one safe line, never
/// trap. A part that loads must write itself back to text that loads to the same header and
/// runs, merge (alone, it is the whole sweep when it is shard 1/1; otherwise merge says a
/// shard is missing), and every output of the merged report must render: the figures in a
/// part are anyone's edit, however large.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPart(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let text = try? TOML.text(utf8: bytes) else { return 0 }
    let part: SweepPart
    switch SweepPart.parse(text: text, fileName: "fuzz.txt") {
    case .success(let p): part = p
    case .failure(let e):
        requireSafeLine(e.message)
        return 0
    }
    guard case .success(let again) = SweepPart.parse(text: part.text, fileName: "again.txt") else {
        fatalError("a part does not read back from its own text")
    }
    require(again.header == part.header && again.runs.map(\.run) == part.runs.map(\.run)
            && zip(again.runs, part.runs).allSatisfy { $0.lanes == $1.lanes }, "a part changed on the way back")
    switch SweepPart.merge([("fuzz.txt", part)]) {
    case .failure(let e):
        require(part.shards > 1, "a lone shard 1/1 did not merge: \(e.message)")
        requireSafeLine(e.message)
    case .success(let merged):
        let report = SweepReport(header: merged.header, results: merged.results)
        let choice = SweepMetric.Choice(index: 1, perMessage: true)
        _ = report.table(choice)
        _ = report.csv
        _ = report.pairsCSV
        _ = report.json
        _ = ChartSVG.document(report.chart(choice, logX: false, logY: true))
        _ = ChartText.lines(report.chart(choice), width: 60, height: 8, style: .braille)
    }
    return 0
}
