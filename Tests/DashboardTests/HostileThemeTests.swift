import Testing
import TOMLLite
@testable import Dashboard

/// Theme files made to hurt: many roles, deep nesting, control characters, huge values.
@Suite struct HostileThemeTests {
    @Test func twentyThousandUnknownRolesWarnOnTheirOwnLines() throws {
        var text = "name = \"many\"\n[roles]\n"
        for n in 0..<20_000 { text += "role\(n) = \"red\"\n" }
        let parsed = try Theme.parse(text: text, fileName: "many.toml")
        #expect(parsed.warnings.count == 20_000)
        #expect(parsed.warnings[12_345].description == "many.toml:12348: roles.role12345: unknown role (Themes/default.toml lists every role); default kept")
    }

    @Test func deepNestingIsALocatedError() {
        let text = "[roles]\nready = " + String(repeating: "{fg=", count: 30_000)
        #expect {
            _ = try Theme.parse(text: text, fileName: "deep.toml")
        } throws: { error in
            (error as? ThemeError)?.description.hasPrefix("deep.toml:2:\(9 + 127 * 4): not valid TOML: nesting deeper than 128") == true
        }
    }

    @Test func descriptionIsKeptAsWrittenForTheListingToEscape() throws {
        let parsed = try Theme.parse(text: "description = \"\\u001b[2J\\u001b[31mpwned\"\n", fileName: "evil.toml")
        #expect(parsed.description == "\u{1B}[2J\u{1B}[31mpwned")
        #expect(TerminalText.safe(parsed.description!) == "\\u{1B}[2J\\u{1B}[31mpwned")
    }

    @Test func warningsQuoteValuesAndKeysSafelyAndShortly() throws {
        let huge = String(repeating: "x", count: 1_000_000)
        let text = """
            [roles]
            ready = { fg = "\\u001b[2J" }
            lost = "\(huge)"
            "\\u009b31m" = "red"
            """
        let parsed = try Theme.parse(text: text, fileName: "w.toml")
        let lines = parsed.warnings.map(\.description)
        #expect(lines.count == 3)
        #expect(lines.contains { $0.hasPrefix("w.toml:2: roles.ready.fg: bad colour \"\\u{1B}[2J\"") })
        #expect(lines.contains { $0.hasPrefix("w.toml:3: roles.lost: bad value \"xxx") && $0.contains("(1000000 bytes in all)") })
        #expect(lines.contains { $0.contains("roles.\\u{9B}31m: unknown role") })
        for line in lines {
            #expect(line.utf8.count < 300)
            #expect(!line.unicodeScalars.contains { TerminalText.needsEscape($0) })
        }
    }
}
