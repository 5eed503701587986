/// Where keys and values sit in TOML text: line and column, for error messages.
///
/// Positions of values (the parser keeps only keys' lines), so this scans the text itself: it
/// follows `[table]` and `[[array]]` headers (counting array entries), and for each
/// `key = value` line remembers the key's and the value's column. It skips the bodies of
/// multi-line strings and arrays. It only locates; TOMLLite does the parsing.
struct TOMLPositions: Sendable {
    struct Position: Equatable, Sendable {
        /// 1-based.
        var line: Int
        /// 1-based, in characters.
        var column: Int
    }

    private struct Entry: Sendable {
        var table: String
        var index: Int?
        var key: String
        var keyAt: Position
        var valueAt: Position
    }

    private struct Place: Hashable, Sendable {
        var table: String
        var index: Int?
        var key: String?
    }

    /// The first entry written for each place. A dictionary, not a list searched per
    /// lookup: a scenario with 20,000 actions asks for 20,000 positions.
    private var entries: [Place: Entry] = [:]
    /// Header lines: table name and array index → position of the first `[`.
    private var headers: [Place: Position] = [:]

    /// Scans `text` once, over its UTF-8 bytes (every delimiter is ASCII): a 10 MB line cost
    /// seconds when it was first split into `Character`s. Lines end at `\n` (a `\r` before
    /// it is dropped); columns count Unicode scalars.
    init(text: String) {
        let bytes = Array(text.utf8)
        var table = ""
        var index: Int? = nil
        var arrayCounts: [String: Int] = [:]
        var lineNumber = 0
        var closer: [UInt8]? = nil  // inside a multi-line string: its closing delimiter
        var bracketDepth = 0        // inside a multi-line array or inline table
        var lineStart = 0
        while lineStart <= bytes.count {
            var lineEnd = lineStart
            while lineEnd < bytes.count, bytes[lineEnd] != UInt8(ascii: "\n") { lineEnd += 1 }
            defer { lineStart = lineEnd + 1 }
            lineNumber += 1
            var end = lineEnd
            if end > lineStart, bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
            let line = bytes[lineStart..<end]
            func column(_ at: Int) -> Int { 1 + bytes[lineStart..<at].count(where: { $0 & 0xC0 != 0x80 }) }
            if let c = closer {
                if Self.find(c, in: line) != nil { closer = nil }
                continue
            }
            if bracketDepth > 0 {
                bracketDepth += Self.depthChange(line)
                continue
            }
            var i = lineStart
            while i < end, bytes[i] == UInt8(ascii: " ") || bytes[i] == UInt8(ascii: "\t") { i += 1 }
            guard i < end, bytes[i] != UInt8(ascii: "#") else { continue }
            if bytes[i] == UInt8(ascii: "[") {
                let isArray = i + 1 < end && bytes[i + 1] == UInt8(ascii: "[")
                let start = i + (isArray ? 2 : 1)
                var close = start
                while close < end, bytes[close] != UInt8(ascii: "]") { close += 1 }
                let name = Self.unquote(bytes[start..<close])
                table = name
                if isArray {
                    let n = arrayCounts[name, default: 0]
                    arrayCounts[name] = n + 1
                    index = n
                } else {
                    index = nil
                }
                let place = Place(table: table, index: index, key: nil)
                if headers[place] == nil { headers[place] = Position(line: lineNumber, column: column(i)) }
                continue
            }
            guard let eq = Self.firstUnquoted(UInt8(ascii: "="), in: line, from: i) else { continue }
            var keyBytes = Self.trimmed(bytes[i..<eq])
            var entryTable = table
            // A dotted key (`workload.seed = 1`) belongs to the table its prefix names.
            if let first = keyBytes.first, first != UInt8(ascii: "\""), first != UInt8(ascii: "'"),
               let dot = keyBytes.lastIndex(of: UInt8(ascii: ".")) {
                let prefix = keyBytes[..<dot].split(separator: UInt8(ascii: "."))
                    .map { Self.unquote($0) }.joined(separator: ".")
                entryTable = entryTable.isEmpty ? prefix : entryTable + "." + prefix
                keyBytes = Self.trimmed(keyBytes[(dot + 1)...])
            }
            let key = Self.unquote(keyBytes)
            var v = eq + 1
            while v < end, bytes[v] == UInt8(ascii: " ") || bytes[v] == UInt8(ascii: "\t") { v += 1 }
            let place = Place(table: entryTable, index: index, key: key)
            if entries[place] == nil {
                entries[place] = Entry(table: entryTable, index: index, key: key,
                                       keyAt: Position(line: lineNumber, column: column(i)),
                                       valueAt: Position(line: lineNumber, column: column(v)))
            }
            let rest = bytes[v..<end]
            for delimiter in [Array("\"\"\"".utf8), Array("'''".utf8)] where rest.starts(with: delimiter) {
                if Self.find(delimiter, in: rest.dropFirst(3)) == nil { closer = delimiter }
            }
            if closer == nil, rest.first == UInt8(ascii: "[") || rest.first == UInt8(ascii: "{") {
                bracketDepth = max(0, Self.depthChange(rest))
            }
        }
    }

    /// The position of `key`'s value (or of the key itself) in `table` (entry `index` of an
    /// array of tables); falls back to the table's header, then to 1:1.
    func position(table: String, index: Int? = nil, key: String?, value: Bool = true) -> Position {
        if let key, let e = entries[Place(table: table, index: index, key: key)] {
            return value ? e.valueAt : e.keyAt
        }
        return header(table: table, index: index)
    }

    /// The position of a `[table]` or the `index`th `[[table]]` header; 1:1 if absent.
    func header(table: String, index: Int? = nil) -> Position {
        headers[Place(table: table, index: index, key: nil)] ?? Position(line: 1, column: 1)
    }

    /// Where `needle` first occurs in `haystack` (the haystack's own indices).
    private static func find(_ needle: [UInt8], in haystack: ArraySlice<UInt8>) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        var i = haystack.startIndex
        while i + needle.count <= haystack.endIndex {
            if haystack[i..<(i + needle.count)].elementsEqual(needle) { return i }
            i += 1
        }
        return nil
    }

    private static func firstUnquoted(_ target: UInt8, in line: ArraySlice<UInt8>, from start: Int) -> Int? {
        var quote: UInt8? = nil
        var i = start
        while i < line.endIndex {
            let ch = line[i]
            if let q = quote {
                if ch == UInt8(ascii: "\\") && q == UInt8(ascii: "\"") { i += 2; continue }
                if ch == q { quote = nil }
            } else if ch == UInt8(ascii: "\"") || ch == UInt8(ascii: "'") {
                quote = ch
            } else if ch == UInt8(ascii: "#") {
                return nil
            } else if ch == target {
                return i
            }
            i += 1
        }
        return nil
    }

    /// Net change in `[`/`{` nesting over a line, ignoring strings and comments.
    private static func depthChange(_ line: ArraySlice<UInt8>) -> Int {
        var depth = 0
        var quote: UInt8? = nil
        var i = line.startIndex
        while i < line.endIndex {
            let ch = line[i]
            if let q = quote {
                if ch == UInt8(ascii: "\\") && q == UInt8(ascii: "\"") { i += 2; continue }
                if ch == q { quote = nil }
            } else {
                switch ch {
                case UInt8(ascii: "\""), UInt8(ascii: "'"): quote = ch
                case UInt8(ascii: "["), UInt8(ascii: "{"): depth += 1
                case UInt8(ascii: "]"), UInt8(ascii: "}"): depth -= 1
                case UInt8(ascii: "#"): return depth
                default: break
                }
            }
            i += 1
        }
        return depth
    }

    private static func trimmed(_ s: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var s = s
        while let f = s.first, f == UInt8(ascii: " ") || f == UInt8(ascii: "\t") { s = s.dropFirst() }
        while let l = s.last, l == UInt8(ascii: " ") || l == UInt8(ascii: "\t") { s = s.dropLast() }
        return s
    }

    /// A key as written, without blanks around it or the quotes of a quoted key.
    private static func unquote(_ key: ArraySlice<UInt8>) -> String {
        var s = trimmed(key)
        if s.count >= 2, let f = s.first, f == UInt8(ascii: "\"") || f == UInt8(ascii: "'"), s.last == f {
            s = s.dropFirst().dropLast()
        }
        return String(decoding: s, as: UTF8.self)
    }
}
