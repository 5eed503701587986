// libFuzzer target: the TOML reader on arbitrary bytes. Built by Fuzz/build.sh, not SwiftPM.
import TOMLLite

/// Bytes → strict UTF-8 → TOML. Must return a table or throw TOMLError, never trap; on
/// the way, checks two properties the rest of the program relies on:
/// - every string read, written back with `debugDescription` (as themes are written), reads
///   back the same;
/// - `TerminalText` leaves no control character in what it returns, and stays short.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTOML(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let text = try? TOML.text(utf8: bytes) else { return 0 }
    let table: TOMLTable
    do {
        table = try TOML.parse(text)
    } catch {
        check(error.message)
        require(error.line >= 1 && error.column >= 1, "error without a position: \(error)")
        return 0
    }
    visit(.table(table))
    return 0
}

private func visit(_ value: TOMLValue) {
    switch value {
    case .string(let s):
        check(TerminalText.safe(s))
        check(TerminalText.quoted(s))
        let written = "s = " + value.debugDescription
        guard let back = try? TOML.parse(written)["s"] else { fatalError("written string does not read back: \(written)") }
        require(back == value, "string changed on the way back: \(written)")
    case .array(let items):
        items.forEach(visit)
    case .table(let t):
        for key in t.keys {
            check(TerminalText.safe(key, limit: TerminalText.valueLimit))
            visit(t[key]!)
        }
    default:
        check(value.shortDescription)
    }
}

/// Text made for a terminal holds no control character and no more than its limit (plus
/// escapes, which are at most 10 characters per kept one, and the length note).
private func check(_ shown: String) {
    for u in shown.unicodeScalars {
        require(!TerminalText.needsEscape(u), "unescaped U+\(String(u.value, radix: 16)) in \(shown.debugDescription)")
    }
}
