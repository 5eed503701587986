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

    private var entries: [Entry] = []
    /// Header lines: table name and array index → position of the `[`.
    private var headers: [(table: String, index: Int?, at: Position)] = []

    init(text: String) {
        var table = ""
        var index: Int? = nil
        var arrayCounts: [String: Int] = [:]
        var lineNumber = 0
        var closer: String? = nil   // inside a multi-line string: its closing delimiter
        var bracketDepth = 0        // inside a multi-line array or inline table
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let line = Array(raw.hasSuffix("\r") ? raw.dropLast() : raw)
            if let c = closer {
                if String(line).contains(c) { closer = nil }
                continue
            }
            if bracketDepth > 0 {
                bracketDepth += Self.depthChange(line)
                continue
            }
            var i = 0
            while i < line.count, line[i] == " " || line[i] == "\t" { i += 1 }
            guard i < line.count, line[i] != "#" else { continue }
            if line[i] == "[" {
                let isArray = i + 1 < line.count && line[i + 1] == "["
                let start = i + (isArray ? 2 : 1)
                var end = start
                while end < line.count, line[end] != "]" { end += 1 }
                let name = Self.unquote(String(line[start..<min(end, line.count)]))
                table = name
                if isArray {
                    let n = arrayCounts[name, default: 0]
                    arrayCounts[name] = n + 1
                    index = n
                } else {
                    index = nil
                }
                headers.append((table, index, Position(line: lineNumber, column: i + 1)))
                continue
            }
            guard let eq = Self.firstUnquoted("=", in: line, from: i) else { continue }
            var key = Self.unquote(String(line[i..<eq]))
            var entryTable = table
            // A dotted key (`workload.seed = 1`) belongs to the table its prefix names.
            if !key.hasPrefix("\""), !key.hasPrefix("'"), let dot = key.lastIndex(of: ".") {
                let prefix = key[..<dot].split(separator: ".").map { Self.unquote(String($0)) }.joined(separator: ".")
                entryTable = entryTable.isEmpty ? prefix : entryTable + "." + prefix
                key = Self.unquote(String(key[key.index(after: dot)...]))
            }
            var v = eq + 1
            while v < line.count, line[v] == " " || line[v] == "\t" { v += 1 }
            entries.append(Entry(table: entryTable, index: index, key: key,
                                 keyAt: Position(line: lineNumber, column: i + 1),
                                 valueAt: Position(line: lineNumber, column: v + 1)))
            let rest = String(line[min(v, line.count)...])
            for delimiter in ["\"\"\"", "'''"] where rest.hasPrefix(delimiter) {
                if !String(rest.dropFirst(3)).contains(delimiter) { closer = delimiter }
            }
            if closer == nil, rest.hasPrefix("[") || rest.hasPrefix("{") {
                bracketDepth = max(0, Self.depthChange(Array(rest)))
            }
        }
    }

    /// The position of `key`'s value (or of the key itself) in `table` (entry `index` of an
    /// array of tables); falls back to the table's header, then to 1:1.
    func position(table: String, index: Int? = nil, key: String?, value: Bool = true) -> Position {
        if let key, let e = entries.first(where: { $0.table == table && $0.index == index && $0.key == key }) {
            return value ? e.valueAt : e.keyAt
        }
        return header(table: table, index: index)
    }

    /// The position of a `[table]` or the `index`th `[[table]]` header; 1:1 if absent.
    func header(table: String, index: Int? = nil) -> Position {
        headers.first { $0.table == table && $0.index == index }?.at ?? Position(line: 1, column: 1)
    }

    private static func firstUnquoted(_ target: Character, in line: [Character], from start: Int) -> Int? {
        var quote: Character? = nil
        var i = start
        while i < line.count {
            let ch = line[i]
            if let q = quote {
                if ch == "\\" && q == "\"" { i += 2; continue }
                if ch == q { quote = nil }
            } else if ch == "\"" || ch == "'" {
                quote = ch
            } else if ch == "#" {
                return nil
            } else if ch == target {
                return i
            }
            i += 1
        }
        return nil
    }

    /// Net change in `[`/`{` nesting over a line, ignoring strings and comments.
    private static func depthChange(_ line: [Character]) -> Int {
        var depth = 0
        var quote: Character? = nil
        var i = 0
        while i < line.count {
            let ch = line[i]
            if let q = quote {
                if ch == "\\" && q == "\"" { i += 2; continue }
                if ch == q { quote = nil }
            } else {
                switch ch {
                case "\"", "'": quote = ch
                case "[", "{": depth += 1
                case "]", "}": depth -= 1
                case "#": return depth
                default: break
                }
            }
            i += 1
        }
        return depth
    }

    private static func unquote(_ key: String) -> String {
        var s = Substring(key)
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        if s.count >= 2, let f = s.first, f == "\"" || f == "'", s.last == f { s = s.dropFirst().dropLast() }
        return String(s)
    }
}
