import Foundation
import Testing
@testable import TOMLLite

@Suite struct TOMLTests {
    @Test func readsTheSubsetThemesAndScenariosUse() throws {
        let doc = try TOML.parse("""
        # a comment
        name = "Nord"   # trailing comment
        description = 'literal \\ kept'
        count = 1_000
        hex = 0xff
        ratio = 0.5
        big = 1e3
        neg = -7
        on = true
        list = [1, 2,
          3, # comment inside
        ]
        explanation = \"\"\"
        Two lines, \\
          joined; and "quotes".\"\"\"

        [roles]
        ready = { fg = "#88c0d0", bg = "default", bold = true }
        "quoted key" = 42
        a.b.c = "dotted"

        [[actions]]
        at = "1s"
        action = "crash"

        [[actions]]
        at = "2s"
        action = "restart"
        """)
        #expect(doc["name"]?.string == "Nord")
        #expect(doc["description"]?.string == "literal \\ kept")
        #expect(doc["count"]?.integer == 1_000)
        #expect(doc["hex"]?.integer == 255)
        #expect(doc["ratio"]?.double == 0.5)
        #expect(doc["big"]?.double == 1_000)
        #expect(doc["neg"]?.integer == -7)
        #expect(doc["on"]?.bool == true)
        #expect(doc["list"]?.array == [.integer(1), .integer(2), .integer(3)])
        #expect(doc["explanation"]?.string == "Two lines, joined; and \"quotes\".")
        let roles = try #require(doc["roles"]?.table)
        #expect(roles["ready"]?.table?["fg"]?.string == "#88c0d0")
        #expect(roles["ready"]?.table?["bold"]?.bool == true)
        #expect(roles["quoted key"]?.integer == 42)
        #expect(roles["a"]?.table?["b"]?.table?["c"]?.string == "dotted")
        #expect(roles.entry("ready")?.line == 18)
        let actions = try #require(doc["actions"]?.array)
        #expect(actions.count == 2)
        #expect(actions[1].table?["action"]?.string == "restart")
        #expect(doc.keys.first == "name")
    }

    @Test(arguments: [
        ("[[[", 1, 3, "expected a key"),
        ("a = ", 1, 5, "expected a value"),
        ("a = 1\na = 2", 2, 1, "defined twice"),
        ("[t]\n[t]", 2, 1, "defined twice"),
        ("a = \"open", 1, 5, "unterminated string"),
        ("a = [1, 2", 1, 5, "unterminated array"),
        ("a = 1 b", 1, 7, "expected the end of the line"),
        ("a = 2024-01-01", 1, 5, "dates and times are not supported"),
        ("a = 01", 1, 5, "leading zeros"),
        ("a = hello", 1, 5, "not a value"),
        ("a = \"\\q\"", 1, 7, "unknown escape"),
        ("= 1", 1, 1, "expected a key"),
        ("a = 1\n[a]", 2, 1, "not a table"),
        ("a = []\n[[a.b]]", 2, 1, "not a table"),
        ("x = { a = 1", 1, 12, "unterminated inline table"),
    ])
    func errorsSayWhereAndWhat(text: String, line: Int, column: Int, words: String) {
        do {
            _ = try TOML.parse(text)
            Issue.record("parsed: \(text)")
        } catch {
            #expect(error.line == line && error.column == column, "\(text): \(error)")
            #expect(error.message.contains(words), "\(text): \(error)")
        }
    }

    /// Random mutations of real files: the parser must answer (value or error), never trap.
    @Test func mutatedFilesNeverCrash() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        var corpus: [[UInt8]] = []
        for dir in ["Themes", "Scenarios"] {
            let url = root.appendingPathComponent(dir)
            for name in (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? [] where name.hasSuffix(".toml") {
                if let d = FileManager.default.contents(atPath: url.appendingPathComponent(name).path) { corpus.append(Array(d)) }
            }
        }
        #expect(corpus.count >= 5)
        let alphabet = Array("[]{}=\"'#.,\n\\ 0123456789abcxyz-_+e:\t\r".utf8)
        var state: UInt64 = 12_345
        func next() -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(truncatingIfNeeded: state >> 33)
        }
        var parsed = 0, rejected = 0
        for round in 0..<4_000 {
            var bytes = corpus[round % corpus.count]
            for _ in 0..<(1 + next() % 6) {
                guard !bytes.isEmpty else { break }
                let at = next() % bytes.count
                switch next() % 3 {
                case 0: bytes[at] = alphabet[next() % alphabet.count]
                case 1: bytes.insert(alphabet[next() % alphabet.count], at: at)
                default: bytes.remove(at: at)
                }
            }
            do { _ = try TOML.parse(String(decoding: bytes, as: UTF8.self)); parsed += 1 } catch { rejected += 1 }
        }
        #expect(parsed > 0 && rejected > 0)
    }
}
