import Testing
import TOMLLite

/// The one helper that makes file text safe to print.
@Suite struct TerminalTextTests {
    @Test func controlCharactersBecomeVisibleEscapes() {
        #expect(TerminalText.safe("a\u{1B}[2Jb") == "a\\u{1B}[2Jb")
        #expect(TerminalText.safe("bell\u{07} del\u{7F} csi\u{9B}") == "bell\\u{7} del\\u{7F} csi\\u{9B}")
        #expect(TerminalText.safe("two\nlines\tand\r") == "two\\nlines\\tand\\r")
        // Bidirectional overrides reorder the rest of the line on screen.
        #expect(TerminalText.safe("abc\u{202E}fed") == "abc\\u{202E}fed")
        #expect(TerminalText.safe("line\u{2028}sep") == "line\\u{2028}sep")
    }

    @Test func ordinaryTextIsUnchanged() {
        for text in ["Nord: arctic, north-bluish", "café ✓ 𝄞 日本語 👩‍👩‍👧", "C:\\path \"quoted\"", ""] {
            #expect(TerminalText.safe(text) == text)
        }
        // Already safe text stays the same: escaping twice changes nothing.
        let once = TerminalText.safe("x\u{1B}y")
        #expect(TerminalText.safe(once) == once)
    }

    @Test func quotedEscapesQuotesAndBackslashesToo() {
        #expect(TerminalText.quoted("say \"hi\" \\ \u{1B}") == "\"say \\\"hi\\\" \\\\ \\u{1B}\"")
        #expect(TerminalText.quoted("3x") == "\"3x\"")
    }

    @Test func longTextIsCutWithItsLength() {
        let big = String(repeating: "k", count: 10_000_000)
        let shown = TerminalText.safe(big)
        #expect(shown == String(repeating: "k", count: TerminalText.lineLimit) + "… (10000000 bytes in all)")
        let quoted = TerminalText.quoted(big)
        #expect(quoted == "\"" + String(repeating: "k", count: TerminalText.valueLimit) + "…\" (10000000 bytes in all)")
        #expect(TerminalText.safe("abcdef", limit: 3) == "abc… (6 bytes in all)")
        #expect(TerminalText.safe("abc", limit: 3) == "abc")
    }

    @Test func valuesInMessagesAreShortAndSafe() {
        #expect(TOMLValue.string("\u{1B}[31mred").shortDescription == "\"\\u{1B}[31mred\"")
        #expect(TOMLValue.integer(300).shortDescription == "300")
        let long = TOMLValue.array(Array(repeating: .integer(1), count: 100_000)).shortDescription
        #expect(long.utf8.count < 150 && long.hasSuffix("bytes in all)"))
    }
}
