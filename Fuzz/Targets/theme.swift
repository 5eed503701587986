// libFuzzer target: the theme loader on arbitrary bytes. Built by Fuzz/build.sh, not SwiftPM.
import Dashboard
import TOMLLite

/// Bytes → strict UTF-8 → `Theme.parse`. Must give a theme or a ThemeError, never trap.
/// A theme that loads must write back (`tomlText`) to a file that loads to the same theme
/// without a warning, and no warning may carry a control character.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTheme(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let text = try? TOML.text(utf8: bytes) else { return 0 }
    let parsed: ParsedTheme
    do {
        parsed = try Theme.parse(text: text, fileName: "fuzz.toml")
    } catch {
        safe(error.description)
        return 0
    }
    for warning in parsed.warnings { safe(warning.description) }
    let written = parsed.theme.tomlText(description: parsed.description)
    guard let again = try? Theme.parse(text: written, fileName: "fuzz.toml") else {
        fatalError("a loaded theme writes a file that does not load:\n\(written)")
    }
    require(again.warnings.isEmpty, "written theme warns: \(again.warnings)")
    require(again.theme == parsed.theme && again.description == parsed.description, "theme changed on the way back:\n\(written)")
    return 0
}

private func safe(_ line: String) {
    require(!line.unicodeScalars.contains(where: TerminalText.needsEscape), "control character in \(line.debugDescription)")
    require(line.utf8.count < 4_000, "a message of \(line.utf8.count) bytes")
}

/// `precondition`, with its message kept in optimized builds (where `precondition` drops
/// it), so that a failure says which property broke.
private func require(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError(message()) }
}
