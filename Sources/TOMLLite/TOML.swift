/// A small TOML 1.0 reader in pure Swift: every error is a line and column, never a crash.
///
/// It replaced a C++ parser whose assertions aborted the process on some malformed input
/// (`[[[` did it); a bad theme or scenario file must be a one-line error with exit code 2.
/// Supported: comments, bare/quoted/dotted keys, basic and literal strings (single- and
/// multi-line), integers (decimal, hex, octal, binary, underscores), floats (inf, nan),
/// booleans, arrays, inline tables, `[table]` and `[[array of tables]]`. Dates and times are
/// reported as unsupported. Every key remembers where it was written, for messages.
public enum TOMLValue: Equatable, Sendable {
    case string(String)
    case integer(Int64)
    case float(Double)
    case bool(Bool)
    case array([TOMLValue])
    case table(TOMLTable)

    public var string: String? { if case .string(let s) = self { s } else { nil } }
    public var integer: Int64? { if case .integer(let i) = self { i } else { nil } }
    public var int: Int? { integer.map { Int($0) } }
    public var bool: Bool? { if case .bool(let b) = self { b } else { nil } }
    public var array: [TOMLValue]? { if case .array(let a) = self { a } else { nil } }
    public var table: TOMLTable? { if case .table(let t) = self { t } else { nil } }
    /// A float, or an integer read as a float.
    public var double: Double? {
        switch self {
        case .float(let d): d
        case .integer(let i): Double(i)
        default: nil
        }
    }

    /// The kind of value, in words, for error messages.
    public var typeName: String {
        switch self {
        case .string: "a string"
        case .integer: "an integer"
        case .float: "a float"
        case .bool: "a boolean"
        case .array: "an array"
        case .table: "a table"
        }
    }
}

extension TOMLValue: CustomDebugStringConvertible {
    /// The value written back as TOML, for messages ("bad colour \"#zz\"").
    public var debugDescription: String {
        switch self {
        case .string(let s):
            var out = "\""
            for u in s.unicodeScalars {
                switch u {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case "\n": out += "\\n"
                case "\t": out += "\\t"
                default:
                    // Other control characters may not appear raw in a TOML string.
                    if u.value < 0x20 || u.value == 0x7F {
                        let hex = String(u.value, radix: 16, uppercase: true)
                        out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                    } else {
                        out.unicodeScalars.append(u)
                    }
                }
            }
            return out + "\""
        case .integer(let i): return String(i)
        case .float(let d): return String(d)
        case .bool(let b): return String(b)
        case .array(let a): return "[" + a.map(\.debugDescription).joined(separator: ", ") + "]"
        case .table(let t): return "{ " + t.keys.map { "\($0) = \(t[$0]!.debugDescription)" }.joined(separator: ", ") + " }"
        }
    }
}

extension TOMLValue {
    /// The value for a message: as written in TOML, safe for a terminal, and cut if long.
    public var shortDescription: String {
        if case .string(let s) = self { return TerminalText.quoted(s) }
        return TerminalText.safe(debugDescription, limit: TerminalText.valueLimit)
    }
}

/// A table: keys in the order written, each with its value and where it was written.
public struct TOMLTable: Equatable, Sendable {
    public struct Entry: Equatable, Sendable {
        public var value: TOMLValue
        /// 1-based line and column of the key.
        public var line: Int
        public var column: Int
    }

    public private(set) var keys: [String] = []
    private var entries: [String: Entry] = [:]

    public init() {}

    init(keys: [String], entries: [String: Entry]) {
        self.keys = keys
        self.entries = entries
    }

    public subscript(key: String) -> TOMLValue? { entries[key]?.value }
    public func entry(_ key: String) -> Entry? { entries[key] }
    public var isEmpty: Bool { keys.isEmpty }
}

public struct TOMLError: Error, Equatable, Sendable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    public var message: String
    public var description: String { "\(line):\(column): \(message)" }
}

/// A file that cannot be used, located: `file:line:column: message`, one line.
///
/// Themes and scenarios report their errors in this one shape.
public struct FileError: Error, Equatable, Sendable, CustomStringConvertible {
    public var fileName: String
    public var line: Int
    public var column: Int
    public var message: String

    public init(fileName: String, line: Int, column: Int, message: String) {
        self.fileName = fileName
        self.line = line
        self.column = column
        self.message = message
    }

    /// The file name escaped for a terminal (a name can hold anything); the message is
    /// written safe where it is made.
    public var description: String { "\(TerminalText.safe(fileName)):\(line):\(column): \(message)" }
}

public enum TOML {
    /// How deep tables, arrays and inline tables may nest (the root table is level 0).
    ///
    /// The reader recurses into arrays and inline tables, and values are freed recursively:
    /// without a limit, `{a={a={…` 30,000 deep overflowed the stack. Real files use 3 or 4.
    public static let maxDepth = 128

    /// Parses a whole document.
    ///
    /// Linear in the size of the text: tables are built in place and frozen into values once,
    /// at the end (copying a table per key made 20,000 `[[actions]]` take a minute).
    public static func parse(_ text: String) throws(TOMLError) -> TOMLTable {
        var p = Parser(text)
        return try p.document()
    }

    /// A file's bytes as text, strictly: the first byte that is not UTF-8 is an error at its
    /// line and column (in characters).
    ///
    /// `String(decoding:as:)` would put U+FFFD in its place without a word, and a file saved
    /// as Latin-1 would load with its accents quietly replaced.
    public static func text(utf8 bytes: [UInt8]) throws(TOMLError) -> String {
        if let text = String(validating: bytes, as: UTF8.self) { return text }
        let bad = firstInvalidUTF8(bytes) ?? 0
        var line = 1, lineStart = 0
        for k in 0..<bad where bytes[k] == UInt8(ascii: "\n") {
            line += 1
            lineStart = k + 1
        }
        // Everything before `bad` is valid: count characters by their first bytes.
        let column = 1 + bytes[lineStart..<bad].count(where: { $0 & 0xC0 != 0x80 })
        let hex = String(bytes[bad], radix: 16, uppercase: true)
        throw TOMLError(line: line, column: column, message: "not valid UTF-8 (byte 0x\(hex)); save the file as UTF-8")
    }

    /// Where the first ill-formed UTF-8 sequence starts (Unicode's table 3-7), or nil.
    static func firstInvalidUTF8(_ b: [UInt8]) -> Int? {
        var k = 0
        func continuation(_ at: Int, _ range: ClosedRange<UInt8> = 0x80...0xBF) -> Bool {
            at < b.count && range.contains(b[at])
        }
        while k < b.count {
            let c = b[k]
            let length: Int
            switch c {
            case 0x00...0x7F: length = 1
            case 0xC2...0xDF: length = continuation(k + 1) ? 2 : 0
            case 0xE0: length = continuation(k + 1, 0xA0...0xBF) && continuation(k + 2) ? 3 : 0
            case 0xE1...0xEC, 0xEE...0xEF: length = continuation(k + 1) && continuation(k + 2) ? 3 : 0
            case 0xED: length = continuation(k + 1, 0x80...0x9F) && continuation(k + 2) ? 3 : 0
            case 0xF0: length = continuation(k + 1, 0x90...0xBF) && continuation(k + 2) && continuation(k + 3) ? 4 : 0
            case 0xF1...0xF3: length = continuation(k + 1) && continuation(k + 2) && continuation(k + 3) ? 4 : 0
            case 0xF4: length = continuation(k + 1, 0x80...0x8F) && continuation(k + 2) && continuation(k + 3) ? 4 : 0
            default: length = 0
            }
            if length == 0 { return k }
            k += length
        }
        return nil
    }
}

/// A table while the document is read: a class, so that keys and `[[array]]` entries are
/// added in place however deep the table is.
private final class TableBuilder {
    enum Item {
        /// Written after `=`: closed (an inline table cannot be extended later).
        case value(TOMLValue)
        /// Made by a `[header]`, a header's path or a dotted key: still open.
        case table(TableBuilder)
        /// Made by `[[header]]`; keys go to the last table.
        case tables(ArrayOfTables)
    }

    struct Slot {
        var item: Item
        var line: Int
        var column: Int
    }

    /// Nesting level: the root is 0, a table in it 1, a table in an array of tables in it 2.
    let depth: Int
    /// Given its own `[header]`: a second one is an error.
    var hasHeader = false
    var keys: [String] = []
    var slots: [String: Slot] = [:]

    init(depth: Int) { self.depth = depth }

    func add(_ key: String, _ item: Item, line: Int, column: Int) {
        keys.append(key)
        slots[key] = Slot(item: item, line: line, column: column)
    }

    /// The finished table. Recursive, but never deeper than `TOML.maxDepth`.
    func freeze() -> TOMLTable {
        var entries: [String: TOMLTable.Entry] = [:]
        entries.reserveCapacity(keys.count)
        for key in keys {
            let slot = slots[key]!
            let value: TOMLValue
            switch slot.item {
            case .value(let v): value = v
            case .table(let t): value = .table(t.freeze())
            case .tables(let a): value = .array(a.tables.map { .table($0.freeze()) })
            }
            entries[key] = TOMLTable.Entry(value: value, line: slot.line, column: slot.column)
        }
        return TOMLTable(keys: keys, entries: entries)
    }
}

private final class ArrayOfTables {
    var tables: [TableBuilder] = []
}

extension TableBuilder.Item {
    /// The kind of item, in words, for error messages.
    var typeName: String {
        switch self {
        case .value(.table): "an inline table (closed where it is written)"
        case .value(let v): v.typeName
        case .table: "a table"
        case .tables: "an array of tables"
        }
    }
}

private struct Parser {
    let b: [UInt8]
    var i = 0
    var line = 1
    var lineStart = 0
    let root = TableBuilder(depth: 0)
    /// Where `key = value` lines go: the last `[header]`'s table (or `[[header]]`'s newest).
    var current: TableBuilder

    init(_ text: String) {
        b = Array(text.utf8)
        current = root
    }

    var column: Int { i - lineStart + 1 }
    var atEnd: Bool { i >= b.count }
    var peek: UInt8 { i < b.count ? b[i] : 0 }
    func peek(_ k: Int) -> UInt8 { i + k < b.count ? b[i + k] : 0 }

    func fail(_ message: String, line l: Int? = nil, column c: Int? = nil) -> TOMLError {
        TOMLError(line: l ?? line, column: c ?? column, message: message)
    }

    static func tooDeep(line: Int, column: Int) -> TOMLError {
        TOMLError(line: line, column: column, message: "nesting deeper than \(TOML.maxDepth) levels (tables, arrays and inline tables)")
    }

    /// A key as it may be shown in a message: control characters visible, long keys cut.
    static func name(_ key: String) -> String { name([key]) }

    /// A dotted key or header path for a message, quoted and cut as a whole.
    static func name(_ path: [String]) -> String { "'" + dotted(path) + "'" }

    /// A dotted key or header path for a message, cut as a whole.
    ///
    /// Cutting each part instead let 50 parts of 80 characters make a 4 KB message.
    static func dotted(_ path: [String]) -> String {
        TerminalText.safe(path.joined(separator: "."), limit: TerminalText.valueLimit)
    }

    mutating func advance() {
        if b[i] == UInt8(ascii: "\n") {
            line += 1
            lineStart = i + 1
        }
        i += 1
    }

    mutating func skipSpaces() {
        while !atEnd, peek == UInt8(ascii: " ") || peek == UInt8(ascii: "\t") { i += 1 }
    }

    mutating func skipComment() throws(TOMLError) {
        guard peek == UInt8(ascii: "#") else { return }
        while !atEnd, peek != UInt8(ascii: "\n") {
            if (peek < 0x20 && peek != UInt8(ascii: "\t") && !(peek == UInt8(ascii: "\r") && peek(1) == UInt8(ascii: "\n"))) || peek == 0x7F {
                throw fail("control character in a comment")
            }
            i += 1
        }
    }

    /// After a statement: spaces, an optional comment, then a newline or the end.
    mutating func endOfLine() throws(TOMLError) {
        skipSpaces()
        try skipComment()
        if atEnd { return }
        if peek == UInt8(ascii: "\r"), peek(1) == UInt8(ascii: "\n") { i += 1 }
        guard peek == UInt8(ascii: "\n") else { throw fail("expected the end of the line, found '\(Self.show(peek))'") }
        advance()
    }

    static func show(_ c: UInt8) -> String {
        c >= 0x20 && c < 0x7f ? String(UnicodeScalar(c)) : "\\u{\(String(c, radix: 16))}"
    }

    mutating func document() throws(TOMLError) -> TOMLTable {
        if b.starts(with: [0xEF, 0xBB, 0xBF]) { i = 3 }
        while !atEnd {
            skipSpaces()
            if atEnd { break }
            switch peek {
            case UInt8(ascii: "#"), UInt8(ascii: "\n"), UInt8(ascii: "\r"):
                try endOfLine()
            case UInt8(ascii: "["):
                try header()
                try endOfLine()
            default:
                try keyValue(into: current)
                try endOfLine()
            }
        }
        return root.freeze()
    }

    // MARK: keys

    static func isBare(_ c: UInt8) -> Bool {
        (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x5F || c == 0x2D
    }

    mutating func simpleKey() throws(TOMLError) -> String {
        if peek == UInt8(ascii: "\"") { return try basicString(multiline: false) }
        if peek == UInt8(ascii: "'") { return try literalString(multiline: false) }
        let start = i
        while !atEnd, Self.isBare(peek) { i += 1 }
        guard i > start else {
            throw fail(atEnd ? "expected a key, found the end of the file" : "expected a key, found '\(Self.show(peek))'")
        }
        return String(decoding: b[start..<i], as: UTF8.self)
    }

    /// A dotted key; no longer than the nesting limit allows (each part is a table).
    mutating func dottedKey() throws(TOMLError) -> [String] {
        var parts = [try simpleKey()]
        while true {
            skipSpaces()
            guard peek == UInt8(ascii: ".") else { return parts }
            i += 1
            skipSpaces()
            if parts.count >= TOML.maxDepth { throw Self.tooDeep(line: line, column: column) }
            parts.append(try simpleKey())
        }
    }

    // MARK: tables

    /// The table a dotted key or header path names below `table`, made if missing; an
    /// array of tables gives its newest table.
    static func child(of table: TableBuilder, _ key: String, line l: Int, column c: Int) throws(TOMLError) -> TableBuilder {
        if let slot = table.slots[key] {
            switch slot.item {
            case .table(let inner): return inner
            case .tables(let array) where !array.tables.isEmpty: return array.tables[array.tables.count - 1]
            default:
                throw TOMLError(line: l, column: c, message: "key \(name(key)) is already \(slot.item.typeName), not a table")
            }
        }
        guard table.depth < TOML.maxDepth else { throw tooDeep(line: l, column: c) }
        let inner = TableBuilder(depth: table.depth + 1)
        table.add(key, .table(inner), line: l, column: c)
        return inner
    }

    mutating func header() throws(TOMLError) {
        let hLine = line, hColumn = column
        i += 1
        let isArray = peek == UInt8(ascii: "[")
        if isArray { i += 1 }
        skipSpaces()
        let path = try dottedKey()
        skipSpaces()
        guard peek == UInt8(ascii: "]") else { throw fail("expected ']' to close the table header") }
        i += 1
        if isArray {
            guard peek == UInt8(ascii: "]") else { throw fail("expected ']]' to close the array-of-tables header") }
            i += 1
        }
        var table = root
        for part in path.dropLast() {
            table = try Self.child(of: table, part, line: hLine, column: hColumn)
        }
        let last = path[path.count - 1]
        if isArray {
            // The array is one level, each of its tables the next.
            guard table.depth + 2 <= TOML.maxDepth else { throw Self.tooDeep(line: hLine, column: hColumn) }
            let array: ArrayOfTables
            if let slot = table.slots[last] {
                guard case .tables(let existing) = slot.item else {
                    throw TOMLError(line: hLine, column: hColumn, message: "key \(Self.name(last)) is already \(slot.item.typeName), not an array of tables")
                }
                array = existing
            } else {
                array = ArrayOfTables()
                table.add(last, .tables(array), line: hLine, column: hColumn)
            }
            let inner = TableBuilder(depth: table.depth + 2)
            array.tables.append(inner)
            current = inner
        } else {
            if let slot = table.slots[last], case .table(let existing) = slot.item {
                if existing.hasHeader {
                    throw fail("table [\(Self.dotted(path))] is defined twice", line: hLine, column: hColumn)
                }
                existing.hasHeader = true
                current = existing
            } else if let slot = table.slots[last] {
                throw TOMLError(line: hLine, column: hColumn, message: "key \(Self.name(last)) is already \(slot.item.typeName), not a table")
            } else {
                current = try Self.child(of: table, last, line: hLine, column: hColumn)
                current.hasHeader = true
            }
        }
    }

    // MARK: key = value

    mutating func keyValue(into table: TableBuilder) throws(TOMLError) {
        let kLine = line, kColumn = column
        let path = try dottedKey()
        skipSpaces()
        guard peek == UInt8(ascii: "=") else {
            throw fail(atEnd || peek == UInt8(ascii: "\n") ? "expected '=' after the key \(Self.name(path))"
                                                           : "expected '=' after the key, found '\(Self.show(peek))'")
        }
        i += 1
        skipSpaces()
        // Dotted keys make (or extend) tables before the value is read, so that the value's
        // nesting counts from where it really sits.
        var target = table
        for part in path.dropLast() {
            target = try Self.child(of: target, part, line: kLine, column: kColumn)
        }
        let last = path[path.count - 1]
        if target.slots[last] != nil {
            throw TOMLError(line: kLine, column: kColumn, message: "key \(Self.name(last)) is defined twice")
        }
        let v = try value(depth: target.depth + 1)
        target.add(last, .value(v), line: kLine, column: kColumn)
    }

    // MARK: values

    /// A value; `depth` is the nesting level an array or inline table opened here would have.
    mutating func value(depth: Int) throws(TOMLError) -> TOMLValue {
        guard !atEnd else { throw fail("expected a value, found the end of the file") }
        switch peek {
        case UInt8(ascii: "\""):
            let multi = peek(1) == UInt8(ascii: "\"") && peek(2) == UInt8(ascii: "\"")
            return .string(try basicString(multiline: multi))
        case UInt8(ascii: "'"):
            let multi = peek(1) == UInt8(ascii: "'") && peek(2) == UInt8(ascii: "'")
            return .string(try literalString(multiline: multi))
        case UInt8(ascii: "["):
            return try arrayValue(depth: depth)
        case UInt8(ascii: "{"):
            return try inlineTable(depth: depth)
        case UInt8(ascii: "t"), UInt8(ascii: "f"):
            if matchWord("true") { return .bool(true) }
            if matchWord("false") { return .bool(false) }
            throw fail("expected a value (true, false, a number, a string, an array or a table)")
        default:
            return try number()
        }
    }

    mutating func matchWord(_ w: String) -> Bool {
        let bytes = Array(w.utf8)
        guard i + bytes.count <= b.count, Array(b[i..<(i + bytes.count)]) == bytes else { return false }
        if i + bytes.count < b.count, Self.isBare(b[i + bytes.count]) { return false }
        i += bytes.count
        return true
    }

    mutating func number() throws(TOMLError) -> TOMLValue {
        let sLine = line, sColumn = column
        let start = i
        while !atEnd {
            let c = peek
            let ok = Self.isBare(c) || c == UInt8(ascii: "+") || c == UInt8(ascii: ".") || c == UInt8(ascii: ":")
            if !ok { break }
            i += 1
        }
        let text = String(decoding: b[start..<i], as: UTF8.self)
        // Only bare-key characters get here, but a token can be megabytes long.
        let shown = TerminalText.safe(text, limit: TerminalText.valueLimit)
        func bad(_ why: String) -> TOMLError { TOMLError(line: sLine, column: sColumn, message: why) }
        if text.isEmpty { throw bad("expected a value, found '\(Self.show(peek))'") }
        if text.count >= 10, text.utf8.count > 4, Array(text.utf8)[4] == UInt8(ascii: "-"), text.first!.isNumber {
            throw bad("dates and times are not supported here: '\(shown)'")
        }
        var t = Substring(text)
        var sign: Double = 1
        if t.first == "+" || t.first == "-" {
            if t.first == "-" { sign = -1 }
            t = t.dropFirst()
        }
        if t == "inf" { return .float(sign * .infinity) }
        if t == "nan" { return .float(.nan) }
        // Underscores only between digits.
        let raw = Array(t.utf8)
        for (k, c) in raw.enumerated() where c == UInt8(ascii: "_") {
            let before = k > 0 ? raw[k - 1] : 0, after = k + 1 < raw.count ? raw[k + 1] : 0
            if !Self.isHexDigit(before) || !Self.isHexDigit(after) { throw bad("'\(shown)' is not a number: misplaced '_'") }
        }
        let digits = t.filter { $0 != "_" }
        if digits.hasPrefix("0x") || digits.hasPrefix("0o") || digits.hasPrefix("0b") {
            guard sign == 1, text.first != "+" else { throw bad("'\(shown)': hex, octal and binary take no sign") }
            let radix = digits.hasPrefix("0x") ? 16 : digits.hasPrefix("0o") ? 8 : 2
            guard let v = Int64(digits.dropFirst(2), radix: radix) else { throw bad("'\(shown)' is not a number") }
            return .integer(v)
        }
        if digits.allSatisfy({ $0.isASCII && $0.isNumber }) {
            if digits.count > 1 && digits.first == "0" { throw bad("'\(shown)': leading zeros are not allowed") }
            guard let v = Int64(digits) else { throw bad("'\(shown)' is not a number or is too large") }
            return .integer(sign < 0 ? -v : v)
        }
        // A float: digits, optional fraction, optional exponent.
        let chars = Array(digits.utf8)
        var k = 0
        func run() -> Int {
            let s = k
            while k < chars.count, chars[k] >= 0x30, chars[k] <= 0x39 { k += 1 }
            return k - s
        }
        guard run() > 0 else { throw bad("'\(shown)' is not a value (strings need quotes)") }
        if k < chars.count, chars[k] == UInt8(ascii: ".") {
            k += 1
            guard run() > 0 else { throw bad("'\(shown)': a decimal point needs digits on both sides") }
        }
        if k < chars.count, chars[k] == UInt8(ascii: "e") || chars[k] == UInt8(ascii: "E") {
            k += 1
            if k < chars.count, chars[k] == UInt8(ascii: "+") || chars[k] == UInt8(ascii: "-") { k += 1 }
            guard run() > 0 else { throw bad("'\(shown)': an exponent needs digits") }
        }
        guard k == chars.count, let v = Double(String(digits)) else { throw bad("'\(shown)' is not a value (strings need quotes)") }
        return .float(sign * v)
    }

    static func isHexDigit(_ c: UInt8) -> Bool {
        (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66)
    }

    mutating func basicString(multiline: Bool) throws(TOMLError) -> String {
        let sLine = line, sColumn = column
        i += multiline ? 3 : 1
        if multiline { skipNewlineAfterOpening() }
        var out: [UInt8] = []
        while true {
            guard !atEnd else { throw fail("unterminated string (opened here)", line: sLine, column: sColumn) }
            let c = peek
            if c == UInt8(ascii: "\"") {
                if !multiline { i += 1; break }
                if peek(1) == UInt8(ascii: "\"") && peek(2) == UInt8(ascii: "\"") {
                    i += 3
                    // Up to two quotes may end the content right before the closing three.
                    var extra = 0
                    while peek == UInt8(ascii: "\""), extra < 2 { out.append(c); i += 1; extra += 1 }
                    break
                }
                out.append(c)
                i += 1
                continue
            }
            if c == UInt8(ascii: "\n") {
                guard multiline else { throw fail("a newline in a single-line string (close it with \")") }
                out.append(c)
                advance()
                continue
            }
            if c == UInt8(ascii: "\\") {
                i += 1
                if multiline, peek == UInt8(ascii: " ") || peek == UInt8(ascii: "\t") || peek == UInt8(ascii: "\n") || peek == UInt8(ascii: "\r") {
                    // Line-ending backslash: drop the newline and the leading white space after it.
                    var j = i
                    while j < b.count, b[j] == UInt8(ascii: " ") || b[j] == UInt8(ascii: "\t") { j += 1 }
                    if j < b.count, b[j] == UInt8(ascii: "\n") || b[j] == UInt8(ascii: "\r") {
                        while !atEnd, peek == UInt8(ascii: " ") || peek == UInt8(ascii: "\t") || peek == UInt8(ascii: "\n") || peek == UInt8(ascii: "\r") { advance() }
                        continue
                    }
                }
                try escape(into: &out)
                continue
            }
            if (c < 0x20 && c != UInt8(ascii: "\t") && !(multiline && c == UInt8(ascii: "\r"))) || c == 0x7F {
                throw fail("control character in a string")
            }
            out.append(c)
            i += 1
        }
        guard let s = String(validating: out, as: UTF8.self) else {
            throw fail("the string is not valid UTF-8", line: sLine, column: sColumn)
        }
        return s
    }

    mutating func skipNewlineAfterOpening() {
        if peek == UInt8(ascii: "\r"), peek(1) == UInt8(ascii: "\n") { i += 1 }
        if peek == UInt8(ascii: "\n") { advance() }
    }

    mutating func escape(into out: inout [UInt8]) throws(TOMLError) {
        guard !atEnd else { throw fail("unterminated escape") }
        let c = peek
        i += 1
        switch c {
        case UInt8(ascii: "b"): out.append(0x08)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "n"): out.append(0x0A)
        case UInt8(ascii: "f"): out.append(0x0C)
        case UInt8(ascii: "r"): out.append(0x0D)
        case UInt8(ascii: "e"): out.append(0x1B)
        case UInt8(ascii: "\""): out.append(0x22)
        case UInt8(ascii: "\\"): out.append(0x5C)
        case UInt8(ascii: "u"), UInt8(ascii: "U"):
            let n = c == UInt8(ascii: "u") ? 4 : 8
            guard i + n <= b.count, let v = UInt32(String(decoding: b[i..<(i + n)], as: UTF8.self), radix: 16),
                  let scalar = Unicode.Scalar(v) else { throw fail("bad \\\(Self.show(c)) escape: expected \(n) hex digits of a Unicode scalar") }
            i += n
            out.append(contentsOf: Array(String(Character(scalar)).utf8))
        default:
            throw fail("unknown escape '\\\(Self.show(c))'", column: column - 1)
        }
    }

    mutating func literalString(multiline: Bool) throws(TOMLError) -> String {
        let sLine = line, sColumn = column
        i += multiline ? 3 : 1
        if multiline { skipNewlineAfterOpening() }
        let start = i
        var end = i
        while true {
            guard !atEnd else { throw fail("unterminated string (opened here)", line: sLine, column: sColumn) }
            let c = peek
            if c == UInt8(ascii: "'") {
                if !multiline { end = i; i += 1; break }
                if peek(1) == UInt8(ascii: "'") && peek(2) == UInt8(ascii: "'") {
                    var extra = 0
                    while peek(3 + extra) == UInt8(ascii: "'") && extra < 2 { extra += 1 }
                    end = i + extra
                    i += 3 + extra
                    break
                }
            }
            if c == UInt8(ascii: "\n") {
                guard multiline else { throw fail("a newline in a single-line string (close it with ')") }
                advance()
                continue
            }
            if (c < 0x20 && c != UInt8(ascii: "\t") && !(multiline && c == UInt8(ascii: "\r"))) || c == 0x7F {
                throw fail("control character in a string")
            }
            i += 1
        }
        guard let s = String(validating: b[start..<end], as: UTF8.self) else {
            throw fail("the string is not valid UTF-8", line: sLine, column: sColumn)
        }
        return s
    }

    /// White space, newlines and comments inside an array.
    mutating func skipArrayFiller() throws(TOMLError) {
        while !atEnd {
            switch peek {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"): i += 1
            case UInt8(ascii: "\n"): advance()
            case UInt8(ascii: "#"): try skipComment()
            default: return
            }
        }
    }

    mutating func arrayValue(depth: Int) throws(TOMLError) -> TOMLValue {
        let sLine = line, sColumn = column
        guard depth <= TOML.maxDepth else { throw Self.tooDeep(line: sLine, column: sColumn) }
        i += 1
        var items: [TOMLValue] = []
        while true {
            try skipArrayFiller()
            guard !atEnd else { throw fail("unterminated array (opened here)", line: sLine, column: sColumn) }
            if peek == UInt8(ascii: "]") { i += 1; return .array(items) }
            items.append(try value(depth: depth + 1))
            try skipArrayFiller()
            if peek == UInt8(ascii: ",") { i += 1; continue }
            if peek == UInt8(ascii: "]") { i += 1; return .array(items) }
            if atEnd { throw fail("unterminated array (opened here)", line: sLine, column: sColumn) }
            throw fail("expected ',' or ']' in the array, found '\(Self.show(peek))'")
        }
    }

    mutating func inlineTable(depth: Int) throws(TOMLError) -> TOMLValue {
        guard depth <= TOML.maxDepth else { throw Self.tooDeep(line: line, column: column) }
        i += 1
        let table = TableBuilder(depth: depth)
        skipSpaces()
        if peek == UInt8(ascii: "}") {
            i += 1
            return .table(TOMLTable())
        }
        while true {
            skipSpaces()
            try keyValue(into: table)
            skipSpaces()
            if peek == UInt8(ascii: ",") { i += 1; continue }
            if peek == UInt8(ascii: "}") { i += 1; break }
            throw fail(atEnd ? "unterminated inline table" : "expected ',' or '}' in the inline table, found '\(Self.show(peek))'")
        }
        return .table(table.freeze())
    }
}
