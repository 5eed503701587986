import Foundation
import Testing

/// Golden-text snapshots: compares `text` with `Snapshots/<name>.txt`.
///
/// Set ACKSCOPE_RECORD_SNAPSHOTS=1 to write the files anew (then review the diff).
func assertSnapshot(_ text: String, named name: String, filePath: String = #filePath, sourceLocation: SourceLocation = #_sourceLocation) {
    let dir = URL(fileURLWithPath: filePath).deletingLastPathComponent().appendingPathComponent("Snapshots")
    let file = dir.appendingPathComponent(name + ".txt")
    if ProcessInfo.processInfo.environment["ACKSCOPE_RECORD_SNAPSHOTS"] == "1" {
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try? text.write(to: file, atomically: true, encoding: .utf8)
        return
    }
    guard let expected = try? String(contentsOf: file, encoding: .utf8) else {
        Issue.record("missing snapshot \(name).txt; record with ACKSCOPE_RECORD_SNAPSHOTS=1 swift test", sourceLocation: sourceLocation)
        return
    }
    if expected != text {
        let a = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let b = text.split(separator: "\n", omittingEmptySubsequences: false)
        var firstDiff = 0
        while firstDiff < min(a.count, b.count) && a[firstDiff] == b[firstDiff] { firstDiff += 1 }
        let want = firstDiff < a.count ? String(a[firstDiff]) : "<end>"
        let got = firstDiff < b.count ? String(b[firstDiff]) : "<end>"
        Issue.record("snapshot \(name) differs at line \(firstDiff + 1)\n  expected: \(want)\n  actual:   \(got)\n\(text)", sourceLocation: sourceLocation)
    }
}
