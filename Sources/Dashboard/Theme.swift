import DeliverySim
import Experiments
import TOMLLite

/// The sixteen basic terminal colours, by their ANSI index.
///
/// A theme that uses these follows the user's own terminal palette in every colour depth,
/// which is why the default theme is written with them.
public enum NamedColor: UInt8, CaseIterable, Sendable, Hashable {
    case black = 0, red, green, yellow, blue, magenta, cyan, white
    case brightBlack, brightRed, brightGreen, brightYellow, brightBlue, brightMagenta, brightCyan, brightWhite

    /// The name used in theme files (snake_case).
    public var key: String {
        switch self {
        case .black: "black"
        case .red: "red"
        case .green: "green"
        case .yellow: "yellow"
        case .blue: "blue"
        case .magenta: "magenta"
        case .cyan: "cyan"
        case .white: "white"
        case .brightBlack: "bright_black"
        case .brightRed: "bright_red"
        case .brightGreen: "bright_green"
        case .brightYellow: "bright_yellow"
        case .brightBlue: "bright_blue"
        case .brightMagenta: "bright_magenta"
        case .brightCyan: "bright_cyan"
        case .brightWhite: "bright_white"
        }
    }
}

/// A colour as a theme names it; the terminal layer maps it to what the terminal can show.
public enum ColorSpec: Equatable, Hashable, Sendable, CustomStringConvertible {
    /// The terminal's own foreground or background (transparent background).
    case terminalDefault
    case rgb(UInt8, UInt8, UInt8)
    /// An xterm 256-colour palette index.
    case palette(UInt8)
    case named(NamedColor)

    /// Parses a theme-file string: `#rrggbb`, `default`, or a basic colour name.
    ///
    /// Integers (palette indices) are not strings in TOML, so they are handled by the parser.
    public init?(parsing text: String) {
        let lower = text.lowercased()
        if lower == "default" {
            self = .terminalDefault
            return
        }
        if lower.hasPrefix("#") {
            let hex = Array(lower.utf8.dropFirst())
            guard hex.count == 6 else { return nil }
            var bytes: [UInt8] = []
            for i in stride(from: 0, to: 6, by: 2) {
                guard let hi = Self.hexValue(hex[i]), let lo = Self.hexValue(hex[i + 1]) else { return nil }
                bytes.append(hi << 4 | lo)
            }
            self = .rgb(bytes[0], bytes[1], bytes[2])
            return
        }
        guard let named = NamedColor.allCases.first(where: { $0.key == lower }) else { return nil }
        self = .named(named)
    }

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        default: nil
        }
    }

    /// The theme-file spelling: `"#88c0d0"`, `"default"`, `"bright_red"`, or `42`.
    public var description: String {
        switch self {
        case .terminalDefault: return "default"
        case .rgb(let r, let g, let b):
            let digits = Array("0123456789abcdef")
            var s = "#"
            for byte in [r, g, b] {
                s.append(digits[Int(byte >> 4)])
                s.append(digits[Int(byte & 0xF)])
            }
            return s
        case .palette(let n): return String(n)
        case .named(let n): return n.key
        }
    }
}

/// How one role is drawn: colours and attributes.
///
/// Attributes matter as much as colour: with `NO_COLOR` or a monochrome theme they are
/// all that is left, so states keep distinct attributes in every shipped theme.
public struct RoleStyle: Equatable, Hashable, Sendable {
    public var fg: ColorSpec
    public var bg: ColorSpec
    public var bold: Bool
    public var dim: Bool
    public var underline: Bool
    public var reverse: Bool

    public init(
        fg: ColorSpec = .terminalDefault, bg: ColorSpec = .terminalDefault,
        bold: Bool = false, dim: Bool = false, underline: Bool = false, reverse: Bool = false
    ) {
        self.fg = fg
        self.bg = bg
        self.bold = bold
        self.dim = dim
        self.underline = underline
        self.reverse = reverse
    }

    /// The same attributes with both colours set to the terminal's default.
    public var withoutColor: RoleStyle {
        RoleStyle(bold: bold, dim: dim, underline: underline, reverse: reverse)
    }
}

/// A named mapping from every `StyleRole` to a `RoleStyle`.
///
/// `Theme.defaultDark` is the schema (btop's `Default_theme`): every role has a default in
/// code, and a theme file only overrides what it names.
public struct Theme: Equatable, Sendable {
    public var name: String
    /// Indexed by `StyleRole.rawValue` (the enum's raw values are 0, 1, 2, ... in order).
    private var styles: [RoleStyle]

    /// A theme whose every role is drawn in `style(role)`.
    public init(name: String, style: (StyleRole) -> RoleStyle) {
        self.name = name
        let count = (StyleRole.allCases.map { Int($0.rawValue) }.max() ?? -1) + 1
        var styles = Array(repeating: RoleStyle(), count: count)
        for role in StyleRole.allCases { styles[Int(role.rawValue)] = style(role) }
        self.styles = styles
    }

    public subscript(role: StyleRole) -> RoleStyle {
        get { styles[Int(role.rawValue)] }
        set { styles[Int(role.rawValue)] = newValue }
    }

    /// The same theme with every colour removed: attributes only (`NO_COLOR`, `--no-color`).
    public var withoutColor: Theme {
        Theme(name: name) { self[$0].withoutColor }
    }

    /// The built-in dark theme; `Themes/default.toml` spells out the same values.
    ///
    /// Written with the sixteen basic colours so it follows the user's terminal palette in
    /// any colour depth. Message and node states each get a distinct set of attributes, so
    /// they stay apart without colour; the UI adds symbols on top.
    public static let defaultDark = Theme(name: "default") { role in
        switch role {
        case .text: RoleStyle()
        case .dim: RoleStyle(dim: true)
        case .border: RoleStyle(fg: .named(.brightBlack))
        case .title: RoleStyle(fg: .named(.brightCyan), bold: true)
        case .selection: RoleStyle(reverse: true)
        case .footerKey: RoleStyle(fg: .named(.brightYellow), bold: true)
        case .header: RoleStyle(fg: .named(.brightWhite), bold: true, underline: true)
        case .paused: RoleStyle(fg: .named(.yellow), bold: true, reverse: true)
        case .warning: RoleStyle(fg: .named(.brightYellow), bold: true)
        case .ok: RoleStyle(fg: .named(.green))
        case .laneAtMostOnce: RoleStyle(fg: .named(.brightMagenta), bold: true)
        case .laneAtLeastOnce: RoleStyle(fg: .named(.brightYellow), bold: true)
        case .laneEffectivelyOnce: RoleStyle(fg: .named(.brightCyan), bold: true)
        // Message states: attributes distinct pairwise (none, dim, bold, underline,
        // bold+underline, bold+reverse, reverse, dim+underline).
        case .stateReady: RoleStyle(fg: .named(.brightBlue))
        case .stateInFlight: RoleStyle(fg: .named(.cyan), dim: true)
        case .stateUnacked: RoleStyle(fg: .named(.yellow), bold: true)
        case .stateRedelivered: RoleStyle(fg: .named(.magenta), underline: true)
        case .stateDuplicate: RoleStyle(fg: .named(.brightMagenta), bold: true, underline: true)
        case .stateLost: RoleStyle(fg: .named(.brightRed), bold: true, reverse: true)
        case .stateDeadLettered: RoleStyle(fg: .named(.red), reverse: true)
        case .stateOutOfOrder: RoleStyle(fg: .named(.brightYellow), dim: true, underline: true)
        // Node states: none, bold+reverse, bold, underline, dim.
        case .nodeUp: RoleStyle(fg: .named(.green))
        case .nodeCrashed: RoleStyle(fg: .named(.brightRed), bold: true, reverse: true)
        case .nodePartitioned: RoleStyle(fg: .named(.yellow), bold: true)
        case .nodeOneWay: RoleStyle(fg: .named(.yellow), underline: true)
        case .nodeSlow: RoleStyle(fg: .named(.blue), dim: true)
        case .sparkLow: RoleStyle(fg: .named(.cyan))
        case .sparkHigh: RoleStyle(fg: .named(.brightYellow), bold: true)
        // Packets: requests bold, replies plain; the glyphs differ too (filled, hollow).
        case .packetPublish: RoleStyle(fg: .named(.brightGreen), bold: true)
        case .packetConfirm: RoleStyle(fg: .named(.green))
        case .packetDeliver: RoleStyle(fg: .named(.brightCyan), bold: true)
        case .packetRedeliver: RoleStyle(fg: .named(.brightMagenta), bold: true)
        case .packetAck: RoleStyle(fg: .named(.cyan))
        }
    }

    /// Message-state roles; no two share a set of attributes in a shipped theme.
    public static let messageStateRoles: [StyleRole] = [
        .stateReady, .stateInFlight, .stateUnacked, .stateRedelivered, .stateDuplicate,
        .stateLost, .stateDeadLettered, .stateOutOfOrder,
    ]

    /// Node-state roles; no two share a set of attributes in a shipped theme.
    public static let nodeStateRoles: [StyleRole] = [
        .nodeUp, .nodeCrashed, .nodePartitioned, .nodeOneWay, .nodeSlow,
    ]
}

// MARK: - Theme files (TOML)

/// A problem in a theme file that did not stop it loading: the default was kept.
public struct ThemeWarning: Equatable, Sendable, CustomStringConvertible {
    public var fileName: String
    /// 1-based line where the key appears (found by scanning the text).
    public var line: Int
    /// Dotted key path, e.g. `roles.ready.fg`.
    public var key: String
    public var message: String

    public init(fileName: String, line: Int, key: String, message: String) {
        self.fileName = fileName
        self.line = line
        self.key = key
        self.message = message
    }

    public var description: String { "\(fileName):\(line): \(key): \(message); default kept" }
}

/// A theme file that cannot be used at all (not TOML).
public typealias ThemeError = FileError

/// A theme read from a file, with what was wrong but survivable in it.
public struct ParsedTheme: Equatable, Sendable {
    public var theme: Theme
    public var warnings: [ThemeWarning]
    /// The file's optional `description`, as written (escape it before printing it).
    public var description: String? = nil
}

extension Theme {
    /// Keys of a role's table in a theme file.
    public static let styleFieldKeys = ["fg", "bg", "bold", "dim", "underline", "reverse"]

    /// Reads a theme file's text over `base`; pure (no I/O), never crashes.
    ///
    /// Layout:
    /// ```toml
    /// name = "Nord"
    /// description = "Arctic, north-bluish"   # optional
    /// [roles]
    /// ready = { fg = "#88c0d0", bg = "default", bold = true }
    /// lost = "bright_red"                     # shorthand for { fg = ... }
    /// ```
    /// Fields a role omits keep `base`'s value. Unknown keys and bad values become warnings
    /// naming file, line and key; text that is not TOML throws with file:line:column.
    public static func parse(text: String, fileName: String, base: Theme = .defaultDark) throws(ThemeError) -> ParsedTheme {
        let table: TOMLTable
        do {
            table = try TOML.parse(text)
        } catch {
            throw ThemeError(fileName: fileName, line: error.line, column: error.column, message: "not valid TOML: \(error.message)")
        }

        let locator = TOMLLineLocator(text: text)
        var warnings: [ThemeWarning] = []
        func warn(_ path: [String], _ message: String) {
            // Keys come from the file: shown escaped and cut, like values.
            let key = path.map { TerminalText.safe($0, limit: TerminalText.valueLimit) }.joined(separator: ".")
            warnings.append(ThemeWarning(fileName: fileName, line: locator.line(of: path), key: key, message: message))
        }

        var theme = base
        theme.name = Self.stem(of: fileName)
        let rolesByKey = Dictionary(uniqueKeysWithValues: StyleRole.allCases.map { ($0.key, $0) })
        let roleKeys = StyleRole.allCases.map(\.key)

        for key in table.keys {
            guard let value = table[key] else { continue }
            switch key {
            case "name":
                if let name = value.string, !name.isEmpty { theme.name = name } else { warn([key], "expected a non-empty string") }
            case "description":
                if value.string == nil { warn([key], "expected a string") }
            case "roles":
                guard let roles = value.table else {
                    warn([key], "expected a table of roles ([roles])")
                    continue
                }
                for roleKey in roles.keys {
                    guard let roleValue = roles[roleKey] else { continue }
                    guard let role = rolesByKey[roleKey] else {
                        let hint = Suggest.closest(to: roleKey, among: roleKeys)
                            .map { "did you mean \"\($0)\"?" } ?? "Themes/default.toml lists every role"
                        warn(["roles", roleKey], "unknown role (\(hint))")
                        continue
                    }
                    var style = theme[role]
                    if let roleTable = roleValue.table {
                        for field in roleTable.keys {
                            guard let fieldValue = roleTable[field] else { continue }
                            let path = ["roles", roleKey, field]
                            switch field {
                            case "fg", "bg":
                                guard let color = Self.color(from: fieldValue) else {
                                    warn(path, "bad colour \(fieldValue.shortDescription) (expected \"#rrggbb\", 0-255, a colour name or \"default\")")
                                    continue
                                }
                                if field == "fg" { style.fg = color } else { style.bg = color }
                            case "bold", "dim", "underline", "reverse":
                                guard let flag = fieldValue.bool else {
                                    warn(path, "expected true or false")
                                    continue
                                }
                                switch field {
                                case "bold": style.bold = flag
                                case "dim": style.dim = flag
                                case "underline": style.underline = flag
                                default: style.reverse = flag
                                }
                            default:
                                warn(path, "unknown field (expected \(styleFieldKeys.joined(separator: ", ")))")
                            }
                        }
                    } else if let color = Self.color(from: roleValue) {
                        style.fg = color
                    } else {
                        warn(["roles", roleKey], "bad value \(roleValue.shortDescription) (expected a colour or a table like { fg = \"#rrggbb\", bold = true })")
                        continue
                    }
                    theme[role] = style
                }
            default:
                warn([key], "unknown key (expected name, description, roles)")
            }
        }
        warnings.sort { ($0.line, $0.key) < ($1.line, $1.key) }
        return ParsedTheme(theme: theme, warnings: warnings, description: table["description"]?.string)
    }

    /// The candidate within edit distance 2 of `word`, for "did you mean" hints.


    private static func color(from value: TOMLValue) -> ColorSpec? {
        if let text = value.string { return ColorSpec(parsing: text) }
        if let index = value.integer, (0...255).contains(index) { return .palette(UInt8(index)) }
        return nil
    }

    /// `Themes/nord.toml` -> `nord`.
    static func stem(of fileName: String) -> String {
        var name = Substring(fileName)
        if let slash = name.lastIndex(of: "/") { name = name[name.index(after: slash)...] }
        if name.hasSuffix(".toml") { name = name.dropLast(5) }
        return name.isEmpty ? fileName : String(name)
    }

    /// The theme as a TOML theme file that `parse` reads back to the same theme.
    public func tomlText(description: String? = nil) -> String {
        var out = "name = \(Self.quoted(name))\n"
        if let description { out += "description = \(Self.quoted(description))\n" }
        out += "\n[roles]\n"
        for role in StyleRole.allCases {
            let style = self[role]
            // Every field spelled out: a reader of the file may use another base.
            let fields = [
                "fg = \(Self.tomlColor(style.fg))", "bg = \(Self.tomlColor(style.bg))", "bold = \(style.bold)",
                "dim = \(style.dim)", "underline = \(style.underline)", "reverse = \(style.reverse)",
            ]
            out += "\(role.key) = { \(fields.joined(separator: ", ")) }\n"
        }
        return out
    }

    private static func tomlColor(_ spec: ColorSpec) -> String {
        if case .palette(let n) = spec { return String(n) }
        return quoted(spec.description)
    }

    /// A TOML string literal (the reader's own quoting, so the two cannot disagree).
    private static func quoted(_ s: String) -> String { TOMLValue.string(s).debugDescription }
}

/// Finds the line of a dotted key in TOML text, for warnings.
///
/// Values carry no position once inside inline tables and arrays, so this scans the text: each line gets
/// a key path (its table header plus its own dotted key), and the line whose path best
/// matches the wanted one wins. Inline tables (`ready = { fg = ... }`) match their fields.
/// Built once, then each lookup is a few dictionary probes: a theme with 20,000 roles and a
/// warning each took half a minute when every lookup scanned every line.
struct TOMLLineLocator {
    /// A key path → the first line that matches it: a line whose own path it is, or whose
    /// path plus one key assigned in an inline table on that line it is.
    private var firstLine: [[String]: Int] = [:]

    /// Scans the UTF-8 bytes once (every delimiter is ASCII).
    init(text: String) {
        let bytes = Array(text.utf8)
        var header: [String] = []
        var number = 0
        var lineStart = 0
        while lineStart <= bytes.count {
            var lineEnd = lineStart
            while lineEnd < bytes.count, bytes[lineEnd] != UInt8(ascii: "\n") { lineEnd += 1 }
            defer { lineStart = lineEnd + 1 }
            number += 1
            let content = Self.trimmed(Self.strippingComment(bytes[lineStart..<lineEnd]))
            var path: [String] = []
            if content.first == UInt8(ascii: "[") {
                var inner = content.drop { $0 == UInt8(ascii: "[") }
                if let end = inner.firstIndex(of: UInt8(ascii: "]")) { inner = inner[..<end] }
                header = Self.splitKey(inner)
                path = header
            } else if let eq = content.firstIndex(of: UInt8(ascii: "=")) {
                path = header + Self.splitKey(content[..<eq])
            }
            guard !path.isEmpty else { continue }
            if firstLine[path] == nil { firstLine[path] = number }
            for key in Self.inlineKeys(content) where firstLine[path + [key]] == nil {
                firstLine[path + [key]] = number
            }
        }
    }

    /// 1-based line of `path`, or of its longest matched prefix; 1 if nothing matches.
    func line(of path: [String]) -> Int {
        var length = path.count
        while length > 0 {
            if let line = firstLine[Array(path[..<length])] { return line }
            length -= 1
        }
        return 1
    }

    private static func isBlank(_ c: UInt8) -> Bool {
        c == UInt8(ascii: " ") || c == UInt8(ascii: "\t") || c == UInt8(ascii: "\r")
    }

    private static func trimmed(_ s: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var s = s
        while let f = s.first, isBlank(f) { s = s.dropFirst() }
        while let l = s.last, isBlank(l) { s = s.dropLast() }
        return s
    }

    /// Keys assigned in inline tables on a line: a word after `{` or `,` and before `=` or
    /// `.`, the only places an inline-table key can be.
    private static func inlineKeys(_ line: ArraySlice<UInt8>) -> [String] {
        var keys: [String] = []
        var i = line.startIndex
        while i < line.endIndex {
            guard line[i] == UInt8(ascii: "{") || line[i] == UInt8(ascii: ",") else {
                i += 1
                continue
            }
            i += 1
            while i < line.endIndex, line[i] == UInt8(ascii: " ") || line[i] == UInt8(ascii: "\t") { i += 1 }
            let start = i
            while i < line.endIndex, !" \t=.,{}".utf8.contains(line[i]) { i += 1 }
            var after = i
            while after < line.endIndex, line[after] == UInt8(ascii: " ") || line[after] == UInt8(ascii: "\t") { after += 1 }
            if i > start, after < line.endIndex, line[after] == UInt8(ascii: "=") || line[after] == UInt8(ascii: ".") {
                keys.append(String(decoding: line[start..<i], as: UTF8.self))
            }
        }
        return keys
    }

    private static func splitKey(_ key: ArraySlice<UInt8>) -> [String] {
        key.split(separator: UInt8(ascii: ".")).map { part in
            var s = trimmed(part)
            if s.count >= 2, let first = s.first, first == UInt8(ascii: "\"") || first == UInt8(ascii: "'"), s.last == first {
                s = s.dropFirst().dropLast()
            }
            return String(decoding: s, as: UTF8.self)
        }
    }

    /// The line up to a `#` that is not inside quotes.
    private static func strippingComment(_ line: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var quote: UInt8? = nil
        for i in line.indices {
            let c = line[i]
            if let q = quote {
                if c == q { quote = nil }
            } else if c == UInt8(ascii: "\"") || c == UInt8(ascii: "'") {
                quote = c
            } else if c == UInt8(ascii: "#") {
                return line[..<i]
            }
        }
        return line
    }
}
