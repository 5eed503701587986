import Foundation
import Testing
@testable import TOMLLite

/// Files made to hurt the reader: deep nesting, many keys, bad bytes, huge tokens. Each must
/// give a value or a located error, never a crash; speed is measured with a release build
/// (Fuzz/hostile-files.sh), not here.
@Suite struct HostileInputTests {
    static func error(_ text: String) -> TOMLError? {
        do {
            _ = try TOML.parse(text)
            return nil
        } catch {
            return error
        }
    }

    static func repeated(_ s: String, _ n: Int) -> String { String(repeating: s, count: n) }

    @Test func inlineTables30000DeepAreAnErrorNotACrash() throws {
        let text = "title = \"t\"\ndeep = " + Self.repeated("{a=", 30_000) + "1" + Self.repeated("}", 30_000) + "\n"
        let error = try #require(Self.error(text))
        // `deep` is level 1, so the 129th `{` (at column 8 + 128 * 3) is one too many.
        #expect(error.line == 2 && error.column == 8 + 128 * 3, "\(error)")
        #expect(error.message == "nesting deeper than 128 levels (tables, arrays and inline tables)")
    }

    @Test func arrays50000DeepAreAnErrorNotACrash() throws {
        let text = "deep = " + Self.repeated("[", 50_000) + Self.repeated("]", 50_000)
        let error = try #require(Self.error(text))
        #expect(error.line == 1 && error.column == 8 + 128, "\(error)")
        #expect(error.message.hasPrefix("nesting deeper than 128"))
    }

    @Test func nestingUpToTheLimitIsRead() throws {
        let arrays = try TOML.parse("x = " + Self.repeated("[", 128) + Self.repeated("]", 128))
        var value = try #require(arrays["x"])
        var depth = 1
        while let inner = value.array?.first {
            value = inner
            depth += 1
        }
        #expect(depth == 128)
        #expect(Self.error("x = " + Self.repeated("[", 129) + Self.repeated("]", 129)) != nil)
        // Mixed: an array of inline tables of arrays.
        let mixed = "x = " + Self.repeated("[{a=", 64) + "1" + Self.repeated("}]", 64)
        #expect(Self.error(mixed) == nil)
        #expect(Self.error("y = [" + mixed.dropFirst(4) + "]")?.message.hasPrefix("nesting deeper") == true)
    }

    /// Tables count too: values are freed recursively, so a long dotted key or header path
    /// is as deep as nested brackets.
    @Test func longDottedKeysAndHeadersAreLimitedToo() {
        let key = Array(repeating: "a", count: 200).joined(separator: ".")
        let dotted = Self.error(key + " = 1")
        #expect(dotted?.message.hasPrefix("nesting deeper than 128") == true && dotted?.column == 1 + 128 * 2, "\(String(describing: dotted))")
        #expect(Self.error("[" + key + "]")?.message.hasPrefix("nesting deeper than 128") == true)
        #expect(Self.error("[[" + key + "]]")?.message.hasPrefix("nesting deeper than 128") == true)
        // A value under a deep table counts from that table.
        let prefix = Array(repeating: "a", count: 127).joined(separator: ".")
        #expect(Self.error("[" + prefix + "]\nx = 1") == nil)
        #expect(Self.error("[" + prefix + "]\nx = []") == nil)
        #expect(Self.error("[" + prefix + "]\nx = [[]]")?.line == 2)
        // An array of tables is a level, and each of its tables the next.
        #expect(Self.error("[[" + prefix + "]]\nx = 1") == nil)
        #expect(Self.error("[[" + prefix + "]]\nx = []")?.line == 2)
    }

    @Test func twentyThousandArrayTablesKeepTheirOrderAndPositions() throws {
        var text = "[workload]\nseed = 1\n"
        for n in 0..<20_000 { text += "[[actions]]\nat = \"\(n)s\"\n" }
        let doc = try TOML.parse(text)
        let actions = try #require(doc["actions"]?.array)
        #expect(actions.count == 20_000)
        #expect(actions[19_999].table?["at"]?.string == "19999s")
        #expect(actions[7].table?.entry("at")?.line == 3 + 7 * 2 + 1)
        #expect(doc["workload"]?.table?["seed"]?.integer == 1)
    }

    @Test func twentyThousandKeysInOneTable() throws {
        var text = "[roles]\n"
        for n in 0..<20_000 { text += "r\(n) = \"red\"\n" }
        let roles = try #require(try TOML.parse(text)["roles"]?.table)
        #expect(roles.keys.count == 20_000 && roles.keys[12_345] == "r12345")
        #expect(roles.entry("r12345")?.line == 12_347)
        // A duplicate at the end is still found.
        #expect(Self.error(text + "r5 = \"blue\"")?.line == 20_002)
    }

    /// Tables written in several places: every `[[a]]` entry has its own `[a.b]`; a table
    /// written inline is closed; an array of tables is not a table.
    @Test func tablesAreExtendedOnlyWhereTOMLAllows() throws {
        let doc = try TOML.parse("[[a]]\nx = 1\n[a.b]\ny = 1\n[[a]]\nx = 2\n[a.b]\ny = 2\n")
        let entries = try #require(doc["a"]?.array)
        #expect(entries.map { $0.table?["b"]?.table?["y"]?.integer } == [1, 2])
        #expect(Self.error("a = { x = 1 }\n[a.b]")?.message.contains("inline table") == true)
        #expect(Self.error("a = { x = 1 }\na.y = 2")?.message.contains("inline table") == true)
        #expect(Self.error("[[a]]\n[a]")?.message.contains("array of tables") == true)
        #expect(Self.error("[a]\n[[a]]")?.message.contains("not an array of tables") == true)
        #expect(Self.error("a = [{ x = 1 }]\n[[a]]")?.message.contains("not an array of tables") == true)
        #expect(Self.error("[t]\n[t]")?.message.contains("defined twice") == true)
        // A table made by a dotted key or a header path may get its own header once.
        #expect(Self.error("[a.b]\n[a]\nx = 1") == nil)
        #expect(Self.error("x = { a.b = 1, a.c = 2 }") == nil)
        #expect(Self.error("x = { a.b = 1, a.b = 2 }")?.message.contains("defined twice") == true)
    }

    @Test func invalidUTF8IsAnErrorWithItsPosition() throws {
        let latin1: [UInt8] = Array("title = \"ok\"\nname = \"caf".utf8) + [0xE9] + Array("\"\n".utf8)
        do {
            _ = try TOML.text(utf8: latin1)
            Issue.record("accepted Latin-1")
        } catch {
            #expect(error.line == 2 && error.column == 12, "\(error)")
            #expect(error.message == "not valid UTF-8 (byte 0xE9); save the file as UTF-8")
        }
        // Columns count characters: the é before the bad byte is one.
        let afterAccent: [UInt8] = Array("é = ".utf8) + [0xFF]
        #expect(throws: TOMLError(line: 1, column: 5, message: "not valid UTF-8 (byte 0xFF); save the file as UTF-8")) {
            try TOML.text(utf8: afterAccent)
        }
        // Overlong forms, surrogates and cut-off sequences are all refused, at their first byte.
        for (bytes, column) in [([0xC0, 0xAF], 1), ([0x61, 0xED, 0xA0, 0x80], 2), ([0x61, 0x62, 0xE2, 0x82], 3),
                                ([0xF4, 0x90, 0x80, 0x80], 1), ([0x80], 1)] as [([UInt8], Int)] {
            #expect(throws: TOMLError.self) { try TOML.text(utf8: bytes) }
            #expect(TOML.firstInvalidUTF8(bytes) == column - 1, "\(bytes)")
        }
        #expect(try TOML.text(utf8: Array("ok ✓ 𝄞\n".utf8)) == "ok ✓ 𝄞\n")
        #expect(TOML.firstInvalidUTF8(Array("ok ✓ 𝄞 é".utf8)) == nil)
    }

    @Test func longTokensAreCutInMessages() throws {
        let big = Self.repeated("1", 1_000_000)
        let number = try #require(Self.error("a = " + big + "x"))
        #expect(number.message.utf8.count < 200, "\(number.message.prefix(300))")
        #expect(number.message.contains("… (1000001 bytes in all)"))
        let key = Self.repeated("k", 1_000_000)
        let twice = try #require(Self.error(key + " = 1\n" + key + " = 2"))
        #expect(twice.line == 2 && twice.message.utf8.count < 200)
    }

    /// A dotted key or header path is cut as a whole, not part by part: the scenario fuzz
    /// target found 49 parts of up to 80 characters each making a 4,203-byte message.
    @Test func longDottedPathsAreCutAsAWhole() throws {
        let parts = Array(repeating: Self.repeated("q", 100), count: 100)
        let key = parts.joined(separator: ".")
        let total = key.utf8.count
        let noEquals = try #require(Self.error(key))
        #expect(noEquals.message.utf8.count < 200, "\(noEquals.message.utf8.count) bytes")
        #expect(noEquals.message == "expected '=' after the key '\(Self.repeated("q", 80))… (\(total) bytes in all)'")
        let header = "[" + key + "]\n"
        let twice = try #require(Self.error(header + header))
        #expect(twice.line == 2 && twice.message == "table [\(Self.repeated("q", 80))… (\(total) bytes in all)] is defined twice")
        // Short paths are shown whole, dots and all.
        #expect(Self.error("a.b.c")?.message == "expected '=' after the key 'a.b.c'")
        #expect(Self.error("[a.b]\n[a.b]")?.message == "table [a.b] is defined twice")
    }

    /// The fuzzer's own input (kept in the scenario corpus), read as the fuzz target reads it.
    @Test func theFuzzersLongDottedKeyGivesAShortMessage() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let path = root.appendingPathComponent("Fuzz/corpus/scenario/regress-dotted-key-4203-byte-message.toml").path
        let bytes = try #require(FileManager.default.contents(atPath: path), "missing \(path)")
        let error = try #require(Self.error(try TOML.text(utf8: Array(bytes))))
        #expect(error.message.hasPrefix("expected '=' after the key '5------qqq"), "\(error.message)")
        #expect(error.message.utf8.count < 200, "\(error.message.utf8.count) bytes: \(error.message)")
    }

    @Test func controlCharactersInKeysAreShownEscaped() throws {
        let error = try #require(Self.error("\"\\u001b[2J\" = 1\n\"\\u001b[2J\" = 2"))
        #expect(error.message == "key '\\u{1B}[2J' is defined twice")
        #expect(Self.error("a = \"del\u{7F}\"")?.message == "control character in a string")
        #expect(Self.error("# del \u{7F}\n")?.message == "control character in a comment")
    }

    /// Themes are written back with `debugDescription`: control characters must come out as
    /// escapes the reader takes back, not raw bytes it refuses.
    @Test func writtenStringsReadBack() throws {
        let original = "esc \u{1B}[2J, bell \u{07}, del \u{7F}, tab \t, quote \" and \\"
        let text = "s = " + TOMLValue.string(original).debugDescription
        #expect(!text.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F })
        #expect(try TOML.parse(text)["s"]?.string == original)
    }

    @Test func moreThanTwoQuotesBeforeTheClosingOnesAreAnError() throws {
        #expect(try TOML.parse("a = \"\"\"x\"\"\"\"\"")["a"]?.string == "x\"\"")
        #expect(Self.error("a = \"\"\"x\"\"\"\"\"\"") != nil)
    }
}
