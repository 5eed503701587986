/// How many colours the terminal layer may use, from none to 24-bit.
///
/// The pure half of colour handling lives here so it can be tested without a terminal: the
/// depth the environment asks for, what a terminal with N colours can give, and the
/// nearest palette entry for an RGB colour.
public enum ColorMode: Int, CaseIterable, Sendable, Comparable, CustomStringConvertible {
    /// Attributes only: `NO_COLOR`, `--no-color`, or a terminal without colours.
    case noColor = 0
    case ansi8
    case ansi16
    case palette256
    case truecolor

    public static func < (a: ColorMode, b: ColorMode) -> Bool { a.rawValue < b.rawValue }

    public var description: String {
        switch self {
        case .noColor: "no colour"
        case .ansi8: "8 colours"
        case .ansi16: "16 colours"
        case .palette256: "256 colours"
        case .truecolor: "24-bit colour"
        }
    }

    /// The most the environment asks for; the terminal may give less (`supported`).
    ///
    /// - `--no-color` or a non-empty `NO_COLOR` (no-color.org): no colour at all.
    /// - `TERM` unset or `dumb`: no colour.
    /// - `COLORTERM` `truecolor` or `24bit`: 24-bit.
    /// - otherwise 256, to be capped by what the terminal reports.
    public static func requested(noColorFlag: Bool, noColor: String?, colorTerm: String?, term: String?) -> ColorMode {
        if noColorFlag { return .noColor }
        if let noColor, !noColor.isEmpty { return .noColor }
        guard let term, !term.isEmpty, term != "dumb" else { return .noColor }
        switch colorTerm?.lowercased() {
        case "truecolor", "24bit": return .truecolor
        default: return .palette256
        }
    }

    /// This mode capped by what a terminal reporting `colors` colours can show.
    ///
    /// 24-bit needs either a direct-colour terminfo entry (`colors` >= 2^24, e.g.
    /// `xterm-direct`) or a 256-colour terminal that lets palette entries be redefined
    /// (`canChangeColor`); otherwise it falls back to the nearest of 256.
    public func supported(colors: Int, canChangeColor: Bool) -> ColorMode {
        let capacity: ColorMode
        if colors >= 1 << 24 || (colors >= 256 && canChangeColor) {
            capacity = .truecolor
        } else if colors >= 256 {
            capacity = .palette256
        } else if colors >= 16 {
            capacity = .ansi16
        } else if colors >= 8 {
            capacity = .ansi8
        } else {
            capacity = .noColor
        }
        return min(self, capacity)
    }
}

/// An 8-bit-per-channel colour.
public struct RGB: Equatable, Hashable, Sendable, CustomStringConvertible {
    public var r: UInt8
    public var g: UInt8
    public var b: UInt8

    public init(_ r: UInt8, _ g: UInt8, _ b: UInt8) {
        self.r = r
        self.g = g
        self.b = b
    }

    public var description: String { ColorSpec.rgb(r, g, b).description }

    /// Squared Euclidean distance in RGB; good enough to pick a palette entry.
    public func distanceSquared(to other: RGB) -> Int {
        let dr = Int(r) - Int(other.r), dg = Int(g) - Int(other.g), db = Int(b) - Int(other.b)
        return dr * dr + dg * dg + db * db
    }
}

/// xterm's default palette and nearest-entry searches over it.
public enum Palette {
    /// xterm's defaults for the 16 basic colours; real terminals vary, so a theme that
    /// wants exact colours uses `#rrggbb` and lets the depth decide.
    public static let basic: [RGB] = [
        RGB(0x00, 0x00, 0x00), RGB(0xcd, 0x00, 0x00), RGB(0x00, 0xcd, 0x00), RGB(0xcd, 0xcd, 0x00),
        RGB(0x00, 0x00, 0xee), RGB(0xcd, 0x00, 0xcd), RGB(0x00, 0xcd, 0xcd), RGB(0xe5, 0xe5, 0xe5),
        RGB(0x7f, 0x7f, 0x7f), RGB(0xff, 0x00, 0x00), RGB(0x00, 0xff, 0x00), RGB(0xff, 0xff, 0x00),
        RGB(0x5c, 0x5c, 0xff), RGB(0xff, 0x00, 0xff), RGB(0x00, 0xff, 0xff), RGB(0xff, 0xff, 0xff),
    ]

    /// The six channel levels of the 6x6x6 cube (indices 16-231).
    public static let cubeLevels: [UInt8] = [0, 95, 135, 175, 215, 255]

    /// The RGB value xterm gives palette entry `index`.
    public static func rgb(ofIndex index: UInt8) -> RGB {
        switch index {
        case 0..<16:
            return basic[Int(index)]
        case 16..<232:
            let n = Int(index) - 16
            return RGB(cubeLevels[n / 36], cubeLevels[(n / 6) % 6], cubeLevels[n % 6])
        default:
            let level = UInt8(8 + 10 * (Int(index) - 232))
            return RGB(level, level, level)
        }
    }

    /// The nearest of entries 16-255: the better of the closest cube entry and the closest
    /// grey-ramp entry (as tmux does). Entries 0-15 are skipped because users redefine them.
    public static func nearest256(_ color: RGB) -> UInt8 {
        func cubeStep(_ v: UInt8) -> Int {
            // Nearest level index; levels are 0, 95, 135, ..., 255.
            var best = 0
            for (i, level) in cubeLevels.enumerated()
            where abs(Int(level) - Int(v)) < abs(Int(cubeLevels[best]) - Int(v)) {
                best = i
            }
            return best
        }
        let ri = cubeStep(color.r), gi = cubeStep(color.g), bi = cubeStep(color.b)
        let cubeIndex = UInt8(16 + 36 * ri + 6 * gi + bi)
        let cube = RGB(cubeLevels[ri], cubeLevels[gi], cubeLevels[bi])

        let average = (Int(color.r) + Int(color.g) + Int(color.b)) / 3
        let greyStep = average > 238 ? 23 : max(0, (average - 3) / 10)
        let greyIndex = UInt8(232 + greyStep)
        let grey = rgb(ofIndex: greyIndex)

        return grey.distanceSquared(to: color) < cube.distanceSquared(to: color) ? greyIndex : cubeIndex
    }

    /// The nearest of the 16 basic colours (xterm's values).
    public static func nearest16(_ color: RGB) -> UInt8 { nearest(color, among: 0..<16) }

    /// The nearest of the 8 basic colours (xterm's values).
    public static func nearest8(_ color: RGB) -> UInt8 { nearest(color, among: 0..<8) }

    private static func nearest(_ color: RGB, among indices: Range<Int>) -> UInt8 {
        var best = indices.lowerBound
        for i in indices where basic[i].distanceSquared(to: color) < basic[best].distanceSquared(to: color) {
            best = i
        }
        return UInt8(best)
    }
}

/// A theme colour resolved for one colour depth: what the terminal layer must emit.
public enum ResolvedColor: Equatable, Hashable, Sendable {
    /// The terminal's default foreground/background (ncurses -1, SGR 39/49).
    case terminalDefault
    /// A palette index, already within the depth (0-7, 0-15 or 0-255).
    case index(UInt8)
    /// 24-bit colour (only in `.truecolor`).
    case rgb(RGB)
}

extension ColorSpec {
    /// This colour at `mode`; `.noColor` always gives `.terminalDefault`.
    ///
    /// Basic named colours stay palette indices in every depth (so they follow the user's
    /// palette); in 8-colour mode the bright ones fold onto their normal counterparts.
    public func resolved(for mode: ColorMode) -> ResolvedColor {
        switch (self, mode) {
        case (_, .noColor), (.terminalDefault, _):
            return .terminalDefault
        case (.named(let n), .ansi8):
            return .index(n.rawValue & 7)
        case (.named(let n), _):
            return .index(n.rawValue)
        case (.palette(let n), .ansi8):
            return .index(n < 16 ? n & 7 : Palette.nearest8(Palette.rgb(ofIndex: n)))
        case (.palette(let n), .ansi16):
            return .index(n < 16 ? n : Palette.nearest16(Palette.rgb(ofIndex: n)))
        case (.palette(let n), _):
            return .index(n)
        case (.rgb(let r, let g, let b), .ansi8):
            return .index(Palette.nearest8(RGB(r, g, b)))
        case (.rgb(let r, let g, let b), .ansi16):
            return .index(Palette.nearest16(RGB(r, g, b)))
        case (.rgb(let r, let g, let b), .palette256):
            return .index(Palette.nearest256(RGB(r, g, b)))
        case (.rgb(let r, let g, let b), .truecolor):
            return .rgb(RGB(r, g, b))
        }
    }
}

extension RoleStyle {
    /// An ANSI SGR sequence drawing this style at `mode`, starting from a reset.
    ///
    /// For output outside ncurses (`ackscope themes` swatches). `.noColor` emits attributes
    /// only, never a colour parameter.
    public func sgr(for mode: ColorMode) -> String {
        var params = ["0"]
        if bold { params.append("1") }
        if dim { params.append("2") }
        if underline { params.append("4") }
        if reverse { params.append("7") }
        func color(_ spec: ColorSpec, base: Int) {
            switch spec.resolved(for: mode) {
            case .terminalDefault:
                break
            case .index(let n) where n < 8:
                params.append(String(base + Int(n)))
            case .index(let n) where n < 16:
                params.append(String(base + 60 + Int(n) - 8))
            case .index(let n):
                params.append("\(base + 8);5;\(n)")
            case .rgb(let c):
                params.append("\(base + 8);2;\(c.r);\(c.g);\(c.b)")
            }
        }
        color(fg, base: 30)
        color(bg, base: 40)
        return "\u{1B}[" + params.joined(separator: ";") + "m"
    }
}
