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
        requireSafeLine(error.description)
        return 0
    }
    for warning in parsed.warnings { requireSafeLine(warning.description) }
    let written = parsed.theme.tomlText(description: parsed.description)
    guard let again = try? Theme.parse(text: written, fileName: "fuzz.toml") else {
        fatalError("a loaded theme writes a file that does not load:\n\(written)")
    }
    require(again.warnings.isEmpty, "written theme warns: \(again.warnings)")
    require(again.theme == parsed.theme && again.description == parsed.description, "theme changed on the way back:\n\(written)")
    return 0
}
