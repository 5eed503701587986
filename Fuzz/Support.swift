// Shared by every libFuzzer target: Fuzz/build.sh compiles it with each one.
import TOMLLite

/// `precondition`, with its message kept in optimized builds (where `precondition` drops
/// it), so that a failure says which property broke.
func require(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError(message()) }
}

/// A message for the terminal: no control character, and short.
func requireSafeLine(_ line: String) {
    require(!line.unicodeScalars.contains(where: TerminalText.needsEscape), "control character in \(line.debugDescription)")
    require(line.utf8.count < 4_000, "a message of \(line.utf8.count) bytes")
}

/// A file's error: a safe line with a position.
func requireErrorLine(_ error: FileError) {
    requireSafeLine(error.description)
    require(error.line >= 1 && error.column >= 1, "error without a position: \(error.description)")
}
