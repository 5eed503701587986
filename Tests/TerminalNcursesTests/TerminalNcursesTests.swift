import Dashboard
import Glibc
import Testing

@testable import TerminalNcurses

/// A terminal writing to /dev/null (and reading from `input`, /dev/null by default).
///
/// ncurses has one global state, so every test that opens a screen is in this one
/// serialized suite.
private func makeTerminal(
    term: String = "xterm-256color", colorMode: ColorMode = .palette256, theme: Theme = .defaultDark,
    input: UnsafeMutablePointer<FILE>? = nil
) throws -> Terminal {
    let output = try #require(fopen("/dev/null", "w"))
    let input = try input ?? #require(fopen("/dev/null", "r"))
    return try Terminal.openForTesting(term: term, input: input, output: output, theme: theme, colorMode: colorMode)
}


/// Everything a terminal wrote while drawing `buffer` once and closing.
private func bytesWritten(term: String, colorMode: ColorMode, theme: Theme, buffer: ScreenBuffer) throws -> String {
    let output = try #require(tmpfile())
    let input = try #require(fopen("/dev/null", "r"))
    // The terminal closes `output` itself; keep our own descriptor to read it back.
    let fd = dup(fileno(output))
    defer { Glibc.close(fd) }
    let terminal = try Terminal.openForTesting(term: term, input: input, output: output, theme: theme, colorMode: colorMode)
    terminal.draw(buffer)
    terminal.close()
    lseek(fd, 0, SEEK_SET)
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65_536)
    while true {
        let n = read(fd, &chunk, chunk.count)
        if n <= 0 { break }
        bytes += chunk[0..<n]
    }
    return String(decoding: bytes, as: UTF8.self)
}

/// SGR parameter lists (`ESC [ ... m`) in `text`.
private func sgrParameters(_ text: String) -> [[String]] {
    var result: [[String]] = []
    let scalars = Array(text.unicodeScalars)
    var i = 0
    while i + 1 < scalars.count {
        if scalars[i] == "\u{1B}", scalars[i + 1] == "[" {
            var j = i + 2
            var params = ""
            while j < scalars.count, ("0"..."9").contains(scalars[j]) || scalars[j] == ";" || scalars[j] == ":" {
                params.unicodeScalars.append(scalars[j])
                j += 1
            }
            if j < scalars.count, scalars[j] == "m" {
                result.append(params.split(separator: ";", omittingEmptySubsequences: false).map(String.init))
            }
            i = j
        } else {
            i += 1
        }
    }
    return result
}

/// Whether an SGR parameter list sets a colour (30-49 except the attribute codes, 90-107).
private func setsColour(_ params: [String]) -> Bool {
    params.contains { p in
        guard let n = Int(p) else { return false }
        return (30...49).contains(n) || (90...107).contains(n)
    }
}

@Suite(.serialized)
struct TerminalNcursesTests {
    @Test func sizeComesFromTerminfoWithUseEnvOff() throws {
        let terminal = try makeTerminal()
        defer { terminal.close() }
        #expect(terminal.size.width == 80)
        #expect(terminal.size.height == 24)
    }

    @Test func drawWritesOnlyChangedCells() throws {
        let terminal = try makeTerminal()
        defer { terminal.close() }
        var buffer = ScreenBuffer(width: 80, height: 24)
        buffer.put("ackscope ── at-least-once", x: 0, y: 0, role: .title)
        buffer.put("lost ✗", x: 2, y: 5, role: .stateLost)

        terminal.draw(buffer)
        #expect(terminal.cellsWrittenInLastDraw == 80 * 24)

        terminal.draw(buffer)
        #expect(terminal.cellsWrittenInLastDraw == 0)

        buffer.put("abc", x: 10, y: 10)
        terminal.draw(buffer)
        #expect(terminal.cellsWrittenInLastDraw == 3)

        // Same character, new role: a change too.
        buffer[10, 10] = Cell("a", .warning)
        terminal.draw(buffer)
        #expect(terminal.cellsWrittenInLastDraw == 1)
    }

    @Test func invalidateAndThemeChangeRedrawEverything() throws {
        let terminal = try makeTerminal()
        defer { terminal.close() }
        let buffer = ScreenBuffer(width: 80, height: 24)
        terminal.draw(buffer)
        terminal.invalidate(clearScreen: true)
        terminal.draw(buffer)
        #expect(terminal.cellsWrittenInLastDraw == 80 * 24)

        var light = Theme.defaultDark
        light.name = "other"
        light[.text] = RoleStyle(fg: .rgb(0x20, 0x20, 0x20), bg: .rgb(0xfa, 0xfa, 0xfa))
        terminal.setTheme(light)
        terminal.draw(buffer)
        #expect(terminal.cellsWrittenInLastDraw == 80 * 24)
        terminal.draw(buffer)
        #expect(terminal.cellsWrittenInLastDraw == 0)
    }

    @Test func buffersOfAnotherSizeAreClippedNotFatal() throws {
        let terminal = try makeTerminal()
        defer { terminal.close() }
        var big = ScreenBuffer(width: 200, height: 60)
        big.fill(x: 0, y: 0, width: 200, height: 60, scalar: "█", role: .sparkHigh)
        terminal.draw(big)
        #expect(terminal.cellsWrittenInLastDraw == 80 * 24)

        // A size change forces a full redraw of the (smaller) new buffer.
        let small = ScreenBuffer(width: 10, height: 3)
        terminal.draw(small)
        #expect(terminal.cellsWrittenInLastDraw == 30)
        terminal.draw(ScreenBuffer(width: 0, height: 0))
        #expect(terminal.cellsWrittenInLastDraw == 0)
    }

    @Test func controlAndNonASCIICharactersDoNotCrash() throws {
        let terminal = try makeTerminal()
        defer { terminal.close() }
        var buffer = ScreenBuffer(width: 80, height: 24)
        buffer.put("\u{1B}[31m\t\u{7F}é│▁█", x: 0, y: 23)
        buffer[79, 23] = Cell("x", .text)  // bottom-right: ncurses returns ERR but places it
        terminal.draw(buffer)
        #expect(terminal.cellsWrittenInLastDraw == 80 * 24)
    }

    @Test(arguments: [
        ("xterm-256color", ColorMode.palette256, ColorMode.palette256),
        ("xterm-256color", ColorMode.ansi16, ColorMode.ansi16),
        ("xterm", ColorMode.palette256, ColorMode.ansi8),
        ("xterm-256color", ColorMode.noColor, ColorMode.noColor),
        ("vt100", ColorMode.palette256, ColorMode.noColor),
    ])
    func colourDepthIsCappedByTheTerminal(term: String, wanted: ColorMode, expected: ColorMode) throws {
        let terminal = try makeTerminal(term: term, colorMode: wanted)
        defer { terminal.close() }
        #expect(terminal.colorMode == expected)
        var buffer = ScreenBuffer(width: 80, height: 24)
        for (i, role) in StyleRole.allCases.enumerated() { buffer.put(role.key, x: 0, y: i % 24, role: role) }
        terminal.draw(buffer)
    }

    @Test func noColorModeWritesAttributesButNoColourEscape() throws {
        var buffer = ScreenBuffer(width: 80, height: 24)
        for (i, role) in StyleRole.allCases.enumerated() { buffer.put(role.key, x: 0, y: i % 24, role: role) }
        let text = try bytesWritten(term: "xterm-256color", colorMode: .noColor, theme: .defaultDark, buffer: buffer)
        let sgrs = sgrParameters(text)
        #expect(!sgrs.isEmpty, "attributes (bold, reverse...) should still be drawn")
        #expect(!sgrs.contains(where: setsColour), "\(sgrs.filter(setsColour))")
        #expect(text.contains("node_crashed"))
    }

    @Test func paletteModeWritesNearest256Colours() throws {
        var theme = Theme.defaultDark
        theme[.stateReady] = RoleStyle(fg: .rgb(0x88, 0xc0, 0xd0))  // nearest 256: 110
        var buffer = ScreenBuffer(width: 80, height: 24)
        buffer.put("ready", x: 0, y: 0, role: .stateReady)
        let text = try bytesWritten(term: "xterm-256color", colorMode: .palette256, theme: theme, buffer: buffer)
        #expect(sgrParameters(text).contains { $0.starts(with: ["38", "5", "110"]) })
    }

    @Test func redefinedPaletteIsRestoredAtClose() throws {
        var theme = Theme.defaultDark
        theme[.stateReady] = RoleStyle(fg: .rgb(0x88, 0xc0, 0xd0))
        var buffer = ScreenBuffer(width: 80, height: 24)
        buffer.put("ready", x: 0, y: 0, role: .stateReady)
        let text = try bytesWritten(term: "xterm-256color", colorMode: .truecolor, theme: theme, buffer: buffer)
        // initc (OSC 4) loads entry 255 with the RGB; oc (OSC 104) at endwin undoes it.
        #expect(text.contains("\u{1B}]4;255;rgb:88/C0/D0"))
        #expect(text.contains("\u{1B}]104"))
        #expect(sgrParameters(text).contains { $0.starts(with: ["38", "5", "255"]) })
    }

    @Test func truecolorOnA256ColourTerminalRedefinesPaletteEntries() throws {
        // xterm-256color has `ccc`/`initc`, so ncurses can load RGB into palette entries.
        let terminal = try makeTerminal(colorMode: .truecolor)
        defer { terminal.close() }
        #expect(terminal.colorMode == .truecolor)
        #expect(terminal.truecolorMethod == .redefinedPalette)
        var theme = Theme.defaultDark
        theme[.stateReady] = RoleStyle(fg: .rgb(0x88, 0xc0, 0xd0), bg: .palette(255))
        terminal.setTheme(theme)
        terminal.draw(ScreenBuffer(width: 80, height: 24))
    }

    @Test func unknownTermIsAnErrorNotAnExit() throws {
        let output = try #require(fopen("/dev/null", "w"))
        let input = try #require(fopen("/dev/null", "r"))
        #expect(throws: TerminalError.setupFailed(term: "no-such-terminal-xyz")) {
            try Terminal.openForTesting(
                term: "no-such-terminal-xyz", input: input, output: output, theme: .defaultDark, colorMode: .noColor)
        }
    }

    /// `echo | ackscope` must blame stdin, not stdout.
    @Test func noTerminalSaysWhichStreamIsNotATTY() {
        #expect(TerminalError.notATerminal(stdin: false, stdout: true).description
            == "ackscope: no terminal (stdin is not a tty); use `ackscope run` for headless runs")
        #expect(TerminalError.notATerminal(stdin: true, stdout: false).description
            == "ackscope: no terminal (stdout is not a tty); use `ackscope run` for headless runs")
        #expect(TerminalError.notATerminal(stdin: false, stdout: false).description
            == "ackscope: no terminal (stdin and stdout are not a tty); use `ackscope run` for headless runs")
    }

    @Test func closeTwiceIsSafeAndClosedTerminalIgnoresCalls() throws {
        let terminal = try makeTerminal()
        terminal.close()
        terminal.close()
        terminal.draw(ScreenBuffer(width: 80, height: 24))
        #expect(terminal.readKey(timeoutMillis: 0) == nil)
        #expect(terminal.size.width == 0)
    }

    @Test func keysAreDecodedFromTheInputStream() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        let input = try #require(fdopen(fds[0], "r"))
        // wget_wch decodes UTF-8 input only in a UTF-8 locale.
        let savedLocale = String(cString: setlocale(LC_ALL, nil))
        setlocale(LC_ALL, "C.UTF-8")
        let terminal = try makeTerminal(input: input)
        defer {
            terminal.close()
            Glibc.close(fds[1])
            setlocale(LC_ALL, savedLocale)
        }
        #expect(terminal.unicode)
        // xterm-256color's terminfo key strings (keypad on): kcuu1, kcbt, kbs.
        let bytes = "a\t\u{1B}OA\u{1B}[Z\u{7F}\r\u{0C}é"
        _ = bytes.utf8CString.withUnsafeBufferPointer { write(fds[1], $0.baseAddress, $0.count - 1) }

        var keys: [Key] = []
        for _ in 0..<8 {
            if let key = terminal.readKey(timeoutMillis: 500) { keys.append(key) }
        }
        #expect(keys == [.character("a"), .tab, .up, .backTab, .backspace, .enter, .redraw, .character("é")])

        // A lone Esc is a key after the 25 ms escape delay, not a hang.
        _ = write(fds[1], "\u{1B}", 1)
        #expect(terminal.readKey(timeoutMillis: 1000) == .escape)
        // Nothing pending: the timeout returns nil.
        #expect(terminal.readKey(timeoutMillis: 10) == nil)
    }

    @Test func decodeKeyMapsRawCodes() {
        // ncurses ABI constants: OK = 0, KEY_CODE_YES = 0400, KEY_UP = 0403, KEY_BTAB = 0541,
        // KEY_RESIZE = 0632, KEY_ENTER = 0527, ERR = -1.
        #expect(Terminal.decodeKey(status: 0, code: 0x71) == .character("q"))
        #expect(Terminal.decodeKey(status: 0, code: 9) == .tab)
        #expect(Terminal.decodeKey(status: 0, code: 13) == .enter)
        #expect(Terminal.decodeKey(status: 0, code: 10) == .enter)
        #expect(Terminal.decodeKey(status: 0, code: 27) == .escape)
        #expect(Terminal.decodeKey(status: 0, code: 127) == .backspace)
        #expect(Terminal.decodeKey(status: 0, code: 12) == .redraw)
        #expect(Terminal.decodeKey(status: 0, code: 1) == nil)
        #expect(Terminal.decodeKey(status: 0o400, code: 0o403) == .up)
        #expect(Terminal.decodeKey(status: 0o400, code: 0o541) == .backTab)
        #expect(Terminal.decodeKey(status: 0o400, code: 0o632) == .resize)
        #expect(Terminal.decodeKey(status: 0o400, code: 0o527) == .enter)
        #expect(Terminal.decodeKey(status: 0o400, code: 0o777) == nil)
        #expect(Terminal.decodeKey(status: -1, code: 0) == nil)
    }

    @Test func signalsBecomeAPendingFlag() {
        Signals.clear()
        Signals.install()
        defer {
            Signals.restoreDefaults()
            Signals.clear()
        }
        #expect(Signals.pending() == nil)
        // The test runner's threads may block signals; unblock here so raise delivers now.
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGHUP)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
        raise(SIGHUP)
        #expect(Signals.pending() == SIGHUP)
        Signals.clear()
        #expect(Signals.pending() == nil)
    }
}
