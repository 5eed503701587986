import CNcursesw
import Dashboard
import Glibc

/// Why the terminal could not be opened; `description` is the one line to print.
public enum TerminalError: Error, Equatable, Sendable, CustomStringConvertible {
    /// stdin, stdout or both are not a tty (piped, redirected, CI); says which.
    case notATerminal(stdin: Bool, stdout: Bool)
    /// TERM is unset or empty.
    case noTerm
    /// TERM=dumb: no cursor addressing.
    case dumbTerminal
    /// ncurses could not set up this TERM (unknown to terminfo, most likely).
    case setupFailed(term: String)

    public var description: String {
        switch self {
        case .notATerminal(let stdinIsTTY, let stdoutIsTTY):
            "ackscope: no terminal ("
                + (stdinIsTTY ? "stdout is" : stdoutIsTTY ? "stdin is" : "stdin and stdout are")
                + " not a tty); use `ackscope run` for headless runs"
        case .noTerm:
            "ackscope: TERM is not set; set it (e.g. TERM=xterm-256color) or use `ackscope run` for headless runs"
        case .dumbTerminal:
            "ackscope: TERM=dumb cannot show the dashboard; use `ackscope run` for headless runs"
        case .setupFailed(let term):
            "ackscope: unknown terminal type \"\(term)\" (not in terminfo); try TERM=xterm-256color"
        }
    }
}

/// The only code that touches the terminal: opens ncurses, reads keys, blits a ScreenBuffer.
///
/// Not thread-safe and not Sendable: ncurses has one global state, so a `Terminal` lives on
/// the thread that runs the loop. `draw` writes only the cells that changed since the last
/// frame, so a 10 fps dashboard costs little when little moves.
public final class Terminal {
    /// Whether the locale's codeset is UTF-8; when false the UI should draw ASCII (and any
    /// non-ASCII cell is shown as `?` rather than garbage).
    public let unicode: Bool
    /// The colour depth actually in use, after capping by the terminal.
    public private(set) var colorMode: ColorMode
    /// How 24-bit colour is done, when `colorMode` is `.truecolor`.
    public private(set) var truecolorMethod: TruecolorMethod?
    /// The theme in use (as given, colours included even when `colorMode` is `.noColor`).
    public private(set) var theme: Theme
    /// Cells written by the last `draw` (all of them after a resize, redraw or theme change).
    public private(set) var cellsWrittenInLastDraw = 0

    /// How `.truecolor` reaches the screen.
    public enum TruecolorMethod: Sendable, Equatable {
        /// A direct-colour terminfo entry (`colors` >= 2^24, e.g. TERM=xterm-direct): real RGB.
        case direct
        /// A 256-colour terminal that can redefine palette entries (`can_change_color`): the
        /// theme's RGB colours are loaded into entries 255, 254, ... and ncurses restores the
        /// terminal's palette at `endwin`. Up to 240 distinct colours; beyond that, nearest-256.
        case redefinedPalette
    }

    private let screen: OpaquePointer
    private let window: UnsafeMutablePointer<WINDOW>
    /// Files opened for a test terminal, closed with it.
    private let ownedFiles: [UnsafeMutablePointer<FILE>]
    private let installedSignals: Bool
    private var isOpen = true
    private var previous: ScreenBuffer?
    private var fullRedrawPending = true
    private var clearPending = false
    private var attributes: [attr_t] = []
    private var pairs: [Int32] = []
    private var defaultColorsWork = false

    // MARK: opening and closing

    /// Sets up the controlling terminal for the dashboard.
    ///
    /// - Parameters:
    ///   - theme: Colours and attributes per role.
    ///   - colorMode: The most colour wanted; nil decides from `NO_COLOR`, `COLORTERM` and
    ///     `TERM` (pass `.noColor` for `--no-color`). Always capped by what the terminal has.
    public static func open(theme: Theme, colorMode: ColorMode?) throws(TerminalError) -> Terminal {
        let stdinIsTTY = isatty(STDIN_FILENO) == 1, stdoutIsTTY = isatty(STDOUT_FILENO) == 1
        guard stdinIsTTY, stdoutIsTTY else { throw .notATerminal(stdin: stdinIsTTY, stdout: stdoutIsTTY) }
        guard let term = Self.environment("TERM"), !term.isEmpty else { throw .noTerm }
        guard term != "dumb" else { throw .dumbTerminal }
        let wanted =
            colorMode
            ?? ColorMode.requested(
                noColorFlag: false, noColor: environment("NO_COLOR"), colorTerm: environment("COLORTERM"), term: term)

        setlocale(LC_ALL, "")
        Signals.install()
        guard let screen = ack_newterm_stdio(nil) else {
            Signals.restoreDefaults()
            throw .setupFailed(term: term)
        }
        return Terminal(screen: screen, theme: theme, wanted: wanted, ownedFiles: [], installedSignals: true)
    }

    /// A terminal on the given files with an explicit TERM, for tests (`/dev/null`, a pipe).
    ///
    /// Calls `use_env(false)` so the size comes from terminfo, not the environment, and
    /// installs no signal handlers. Takes ownership of the files.
    static func openForTesting(
        term: String, input: UnsafeMutablePointer<FILE>, output: UnsafeMutablePointer<FILE>,
        theme: Theme, colorMode: ColorMode
    ) throws(TerminalError) -> Terminal {
        use_env(false)
        guard let screen = newterm(term, output, input) else {
            fclose(input)
            fclose(output)
            throw .setupFailed(term: term)
        }
        return Terminal(screen: screen, theme: theme, wanted: colorMode, ownedFiles: [input, output], installedSignals: false)
    }

    private init(
        screen: OpaquePointer, theme: Theme, wanted: ColorMode, ownedFiles: [UnsafeMutablePointer<FILE>],
        installedSignals: Bool
    ) {
        self.screen = screen
        self.window = ack_stdscr()
        self.ownedFiles = ownedFiles
        self.installedSignals = installedSignals
        self.theme = theme
        self.unicode = ack_codeset().map { String(cString: $0).uppercased().replacingDashes() == "UTF8" } ?? false

        cbreak()
        noecho()
        nonl()
        keypad(window, true)
        intrflush(window, false)
        // Esc is a key here, not only a prefix: wait 25 ms, not ncurses' default second.
        set_escdelay(25)
        curs_set(0)

        // NO_COLOR / --no-color: start_color is never called, so no colour escape is sent.
        var mode = has_colors() ? wanted : .noColor
        if mode != .noColor {
            start_color()
            defaultColorsWork = use_default_colors() == ack_ok()
            // COLORS and COLOR_PAIRS are known only now; cap again. Each role gets its own
            // pair, numbered from 1; a terminal with too few pairs gets attributes only.
            mode = mode.supported(colors: Int(ack_colors()), canChangeColor: can_change_color())
            if Int(ack_color_pairs()) <= StyleRole.allCases.count { mode = .noColor }
        }
        if mode == .truecolor {
            truecolorMethod = Int(ack_colors()) >= 1 << 24 ? .direct : .redefinedPalette
        }
        self.colorMode = mode
        applyTheme()

        // Output in one write per frame. Until the first endwin/refresh cycle ncurses is in
        // its "initial" state, in which it flushes after every cursor move (lib_mvcur.c:
        // `_endwin == ewInitial`): a dashboard frame went out as ~15 small writes to the
        // tty, each a syscall and a wake-up of the terminal. Suspending and resuming once,
        // before anything is drawn, leaves that state; the resume puts the program modes
        // (cbreak, keypad, invisible cursor, colours) back as they were set above.
        endwin()
        doupdate()
        // No peeking at stdin in the middle of an update (ncurses polls for typeahead two
        // or three times per refresh): the loop reads keys itself, between frames, and a
        // frame is small enough to finish.
        typeahead(-1)
    }

    deinit { close() }

    /// Restores the terminal (`endwin`) and frees ncurses' screen; safe to call twice.
    public func close() {
        guard isOpen else { return }
        isOpen = false
        set_term(screen)
        if !isendwin() { endwin() }
        delscreen(screen)
        for file in ownedFiles { fclose(file) }
        if installedSignals { Signals.restoreDefaults() }
    }

    // MARK: size and keys

    /// Whether the terminal has gone away (its input hung up or closed).
    ///
    /// After a hangup `wget_wch` returns at once instead of waiting, so a loop that only
    /// waited for keys would spin a core forever; the loop asks this when reads come back
    /// too fast and exits as if it had received SIGHUP.
    public func inputHungUp() -> Bool {
        var fds = pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0)
        let n = poll(&fds, 1, 0)
        if n < 0 { return errno != EINTR }
        return fds.revents & Int16(POLLHUP | POLLERR | POLLNVAL) != 0
    }

    /// Whether a key (or anything else) is waiting to be read on stdin, without waiting.
    ///
    /// The real-time loop asks between slices of simulation, so a key pressed while a large
    /// world is being simulated ends the slice at once instead of at the frame's end.
    public func inputPending() -> Bool {
        var fds = pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0)
        return poll(&fds, 1, 0) > 0
    }

    /// Columns and rows of the terminal now (updated by ncurses on `KEY_RESIZE`).
    public var size: (width: Int, height: Int) {
        guard isOpen else { return (0, 0) }
        return (Int(ack_getmaxx(window)), Int(ack_getmaxy(window)))
    }

    /// Waits up to `timeoutMillis` for a key (blocking in ncurses, no busy wait); nil on
    /// timeout, on a signal, or for keys the dashboard does not use.
    ///
    /// `.resize` and `.redraw` also make the next `draw` repaint everything.
    public func readKey(timeoutMillis: Int32) -> Key? {
        guard isOpen else { return nil }
        wtimeout(window, max(-1, timeoutMillis))
        var code: wint_t = 0
        let status = wget_wch(window, &code)
        let key = Self.decodeKey(status: status, code: UInt32(code))
        switch key {
        case .resize: invalidate(clearScreen: false)
        case .redraw: invalidate(clearScreen: true)
        default: break
        }
        return key
    }

    /// Maps `wget_wch`'s result to a `Key`: `status` is `OK` for a character and
    /// `KEY_CODE_YES` for a function key, anything else (ERR) is no key.
    static func decodeKey(status: Int32, code: UInt32) -> Key? {
        if status == ack_key_code_yes() {
            switch Int32(bitPattern: code) {
            case ack_key_up(): return .up
            case ack_key_down(): return .down
            case ack_key_left(): return .left
            case ack_key_right(): return .right
            case ack_key_btab(): return .backTab
            case ack_key_enter(): return .enter
            case ack_key_backspace(): return .backspace
            case ack_key_resize(): return .resize
            default: return nil
            }
        }
        guard status == ack_ok() else { return nil }
        switch code {
        case 9: return .tab
        case 10, 13: return .enter  // nonl(): Enter arrives as CR
        case 27: return .escape
        case 8, 127: return .backspace
        case 12: return .redraw  // Ctrl-L
        case 0..<32: return nil  // other control characters: unused
        default:
            guard let scalar = Unicode.Scalar(code) else { return nil }
            return .character(Character(scalar))
        }
    }

    // MARK: drawing

    /// Makes the next `draw` write every cell; `clearScreen` also repaints the physical
    /// screen from scratch (Ctrl-L after another program scribbled on it).
    public func invalidate(clearScreen: Bool) {
        fullRedrawPending = true
        if clearScreen { clearPending = true }
    }

    /// Blits `buffer`, writing only cells that differ from the previous frame.
    ///
    /// Cells beyond the terminal's size are clipped; on a full redraw, area beyond the
    /// buffer is blanked. A frame equal to the last one costs a comparison and nothing
    /// else: no refresh, no write.
    public func draw(_ buffer: ScreenBuffer) {
        guard isOpen else { return }
        let (width, height) = size
        var full = fullRedrawPending
        if let previous, previous.width != buffer.width || previous.height != buffer.height { full = true }
        let old = full ? nil : previous
        if full { werase(window) }
        let clear = clearPending
        if clearPending {
            clearok(window, true)
            clearPending = false
        }

        var written = 0
        let rows = max(0, min(height, buffer.height)), columns = max(0, min(width, buffer.width))
        let stride = buffer.width
        buffer.cells.withUnsafeBufferPointer { cells in
            guard let base = cells.baseAddress else { return }
            if let old {
                old.cells.withUnsafeBufferPointer { oldCells in
                    guard let oldBase = oldCells.baseAddress else { return }
                    for y in 0..<rows {
                        let row = base + y * stride, oldRow = oldBase + y * stride
                        // Most rows do not change from one frame to the next: one memcmp each
                        // (equal bytes are equal cells; padding that differs only means the
                        // cells are compared one by one).
                        if memcmp(row, oldRow, columns * MemoryLayout<Cell>.stride) == 0 { continue }
                        for x in 0..<columns where row[x] != oldRow[x] {
                            put(row[x], x: x, y: y)
                            written += 1
                        }
                    }
                }
            } else {
                for y in 0..<rows {
                    for x in 0..<columns { put(base[y * stride + x], x: x, y: y) }
                }
                written = rows * columns
            }
        }
        cellsWrittenInLastDraw = written
        previous = buffer
        fullRedrawPending = false
        if written == 0 && !full && !clear { return }
        wnoutrefresh(window)
        doupdate()
    }

    private func put(_ cell: Cell, x: Int, y: Int) {
        var value = cell.scalar.value
        if value < 32 || (127...159).contains(value) {
            value = 32  // a control character (C0, DEL or C1) would move the cursor or start a sequence
        } else if !unicode, value > 126 {
            value = 63  // "?": the locale cannot encode it
        }
        let role = Int(cell.role.rawValue)
        // Writing the bottom-right cell returns ERR (the cursor cannot advance) but the
        // character is placed; nothing to handle.
        _ = ack_put_cell(window, Int32(y), Int32(x), wchar_t(bitPattern: value), attributes[role], pairs[role])
    }

    // MARK: colour

    /// Switches theme; the next `draw` repaints everything in the new colours.
    public func setTheme(_ theme: Theme) {
        self.theme = theme
        guard isOpen else { return }
        applyTheme()
        invalidate(clearScreen: false)
    }

    private func applyTheme() {
        let count = (StyleRole.allCases.map { Int($0.rawValue) }.max() ?? -1) + 1
        attributes = Array(repeating: ack_a_normal(), count: count)
        pairs = Array(repeating: 0, count: count)
        var slots = PaletteSlots(theme: theme)

        for role in StyleRole.allCases {
            let style = theme[role]
            let index = Int(role.rawValue)
            var attrs = ack_a_normal()
            if style.bold { attrs |= ack_a_bold() }
            if style.dim { attrs |= ack_a_dim() }
            if style.underline { attrs |= ack_a_underline() }
            if style.reverse { attrs |= ack_a_reverse() }
            attributes[index] = attrs

            guard colorMode != .noColor else { continue }
            let pair = Int32(index + 1)
            let fg = colorNumber(style.fg, isForeground: true, slots: &slots)
            let bg = colorNumber(style.bg, isForeground: false, slots: &slots)
            if init_extended_pair(pair, fg, bg) == ack_ok() { pairs[index] = pair }
        }
    }

    /// The ncurses colour number for `spec` at the current depth.
    private func colorNumber(_ spec: ColorSpec, isForeground: Bool, slots: inout PaletteSlots) -> Int32 {
        switch spec.resolved(for: colorMode) {
        case .terminalDefault:
            // Without use_default_colors, -1 is invalid: assume white on black.
            return defaultColorsWork ? -1 : (isForeground ? 7 : 0)
        case .index(let n):
            if truecolorMethod == .direct, n >= 8 {
                // Direct-colour terminfo reads numbers >= 8 as RGB.
                return Self.directColor(Palette.rgb(ofIndex: n))
            }
            return Int32(n)
        case .rgb(let c):
            switch truecolorMethod {
            case .direct:
                return Self.directColor(c)
            case .redefinedPalette:
                return slots.slot(for: c)
            case nil:
                return Int32(Palette.nearest256(c))
            }
        }
    }

    /// 0xRRGGBB, avoiding 0-7 (which direct-colour entries read as the ANSI colours).
    private static func directColor(_ c: RGB) -> Int32 {
        max(8, Int32(c.r) << 16 | Int32(c.g) << 8 | Int32(c.b))
    }

    private static func environment(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }
}

/// Palette entries redefined to a theme's RGB colours (`TruecolorMethod.redefinedPalette`).
///
/// Hands out 255, 254, ... down to 16, skipping any index the theme itself names with
/// `palette(n)`; when they run out, the nearest of 256 is used instead.
private struct PaletteSlots {
    private var assigned: [RGB: Int32] = [:]
    private var next: Int32 = 255
    private let reserved: Set<UInt8>

    init(theme: Theme) {
        var reserved = Set<UInt8>()
        for role in StyleRole.allCases {
            for spec in [theme[role].fg, theme[role].bg] {
                if case .palette(let n) = spec { reserved.insert(n) }
            }
        }
        self.reserved = reserved
    }

    mutating func slot(for color: RGB) -> Int32 {
        if let slot = assigned[color] { return slot }
        while next >= 16, reserved.contains(UInt8(next)) { next -= 1 }
        guard next >= 16 else { return Int32(Palette.nearest256(color)) }
        let slot = next
        next -= 1
        // 0-255 to ncurses' 0-1000, rounding up: terminfo's initc scales back with a
        // truncating v * 255 / 1000, which then gives exactly v.
        func scale(_ v: UInt8) -> Int32 { (Int32(v) * 1000 + 254) / 255 }
        guard init_extended_color(slot, scale(color.r), scale(color.g), scale(color.b)) == ack_ok() else {
            return Int32(Palette.nearest256(color))
        }
        assigned[color] = slot
        return slot
    }
}

extension String {
    fileprivate func replacingDashes() -> String { String(filter { $0 != "-" }) }
}
