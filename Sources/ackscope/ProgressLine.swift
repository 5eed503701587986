import Glibc

/// A line on stderr that says how a long run is going, redrawn in place.
///
/// Only when stderr is a terminal (a pipe or a file gets nothing), first after a second
/// and then at most once a second, by the monotonic clock. Drawn with `\r` and erased
/// to the end of the line, cut to the terminal's width so it never wraps; `clear()`
/// removes it, so what is printed next starts on a clean line.
final class ProgressLine {
    private let enabled: Bool
    private let start = Output.monotonicNanos()
    private var lastDraw: UInt64 = 0
    private var shown = false
    static let intervalNanos: UInt64 = 1_000_000_000

    /// `streamsToStdout`: an output streams to stdout during the run (`--events -`); on
    /// the same terminal the line would break into it, so there is none then.
    init(streamsToStdout: Bool = false) {
        enabled = isatty(2) == 1 && !(streamsToStdout && isatty(1) == 1)
    }

    /// Wall time since the line was made.
    var elapsedNanos: UInt64 { Output.monotonicNanos() - start }

    /// Redraws the line with `text()` if a second has passed since it was last drawn.
    func update(_ text: () -> String) {
        guard enabled else { return }
        let now = Output.monotonicNanos()
        guard now - start >= Self.intervalNanos, now - lastDraw >= Self.intervalNanos else { return }
        lastDraw = now
        var line = text()
        let width = Output.terminalSize(2).columns
        if line.count > width - 1 { line = String(line.prefix(max(0, width - 2))) + "…" }
        Output.writeFD(2, "\r" + line + "\u{1b}[K")
        shown = true
    }

    /// Erases the line, if it was drawn.
    func clear() {
        guard shown else { return }
        Output.writeFD(2, "\r\u{1b}[K")
        shown = false
    }
}
