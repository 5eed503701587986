import Dashboard
import Glibc
import Testing

/// The package's `Themes/` folder, found from this file's path.
private let themesDirectory: String = {
    var path = #filePath
    for _ in 0..<3 {  // .../Tests/DashboardTests/ThemeTests.swift -> package root
        if let slash = path.lastIndex(of: "/") { path = String(path[..<slash]) }
    }
    return path + "/Themes"
}()

private func readText(_ path: String) -> String? {
    guard let file = fopen(path, "rb") else { return nil }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 4096)
    while true {
        let n = fread(&chunk, 1, chunk.count, file)
        if n <= 0 { break }
        bytes += chunk[0..<n]
    }
    return String(decoding: bytes, as: UTF8.self)
}

private func shippedThemeFiles() -> [String] {
    guard let dir = opendir(themesDirectory) else { return [] }
    defer { closedir(dir) }
    var names: [String] = []
    while let entry = readdir(dir) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        if name.hasSuffix(".toml") { names.append(name) }
    }
    return names.sorted()
}

private func loadShipped(_ file: String) throws -> ParsedTheme {
    let text = try #require(readText(themesDirectory + "/" + file))
    return try Theme.parse(text: text, fileName: "Themes/" + file, base: .defaultDark)
}

private let okabeIto: Set<ColorSpec> = [
    .rgb(0xE6, 0x9F, 0x00), .rgb(0x56, 0xB4, 0xE9), .rgb(0x00, 0x9E, 0x73), .rgb(0xF0, 0xE4, 0x42),
    .rgb(0x00, 0x72, 0xB2), .rgb(0xD5, 0x5E, 0x00), .rgb(0xCC, 0x79, 0xA7), .rgb(0x00, 0x00, 0x00),
]

@Suite struct ShippedThemeTests {
    @Test func theExpectedThemesAreShipped() {
        let names = shippedThemeFiles()
        for expected in [
            "default", "light", "high-contrast", "colorblind", "monochrome", "nord", "solarized-dark", "dracula",
        ] {
            #expect(names.contains(expected + ".toml"), "missing Themes/\(expected).toml")
        }
    }

    @Test(arguments: shippedThemeFiles())
    func loadsWithoutWarnings(file: String) throws {
        let parsed = try loadShipped(file)
        #expect(parsed.warnings == [])
        #expect(parsed.theme.name == String(file.dropLast(5)), "name should match the file name")
    }

    /// States must never be told apart by colour alone: within message states, and within
    /// node states, no two roles share the same attributes in any shipped theme.
    @Test(arguments: shippedThemeFiles())
    func statesDifferInAttributesNotOnlyColour(file: String) throws {
        let theme = try loadShipped(file).theme
        for group in [Theme.messageStateRoles, Theme.nodeStateRoles] {
            let attributeSets = group.map { theme[$0].withoutColor }
            #expect(Set(attributeSets).count == group.count, "\(file): two states share attributes")
        }
    }

    @Test func defaultFileSpellsOutTheBuiltInDefault() throws {
        #expect(try loadShipped("default.toml").theme == Theme.defaultDark)
    }

    @Test func monochromeHasNoColourAtAll() throws {
        let theme = try loadShipped("monochrome.toml").theme
        for role in StyleRole.allCases {
            #expect(theme[role].fg == .terminalDefault && theme[role].bg == .terminalDefault, "\(role.key)")
        }
        #expect(theme == Theme.defaultDark.withoutColor.renamed("monochrome"))
    }

    @Test func colorblindStatesUseOnlyOkabeIto() throws {
        let theme = try loadShipped("colorblind.toml").theme
        for role in Theme.messageStateRoles + Theme.nodeStateRoles + [.ok, .warning] {
            #expect(okabeIto.contains(theme[role].fg), "\(role.key): \(theme[role].fg)")
            #expect(theme[role].bg == .terminalDefault, "\(role.key)")
        }
        // Good and bad node states also differ in attributes, not only in hue.
        #expect(theme[.nodeUp].withoutColor != theme[.nodeCrashed].withoutColor)
    }

    @Test(arguments: shippedThemeFiles())
    func tomlTextRoundTrips(file: String) throws {
        let theme = try loadShipped(file).theme
        let again = try Theme.parse(text: theme.tomlText(), fileName: "round-trip.toml", base: .defaultDark)
        #expect(again.warnings == [])
        #expect(again.theme == theme)
    }
}

@Suite struct ThemeParsingTests {
    @Test func emptyFileIsTheBaseNamedAfterTheFile() throws {
        let parsed = try Theme.parse(text: "", fileName: "/home/u/.config/ackscope/themes/mine.toml", base: .defaultDark)
        #expect(parsed.warnings == [])
        #expect(parsed.theme == Theme.defaultDark.renamed("mine"))
    }

    @Test func aSubsetOverridesOnlyWhatItNames() throws {
        let text = """
            name = "Mine"
            [roles]
            ready = { fg = "#88c0d0", bg = "default" }
            lost = "bright_green"
            border = 244

            [roles.unacked]
            bg = "#000000"
            underline = true
            """
        let parsed = try Theme.parse(text: text, fileName: "mine.toml", base: .defaultDark)
        #expect(parsed.warnings == [])
        let theme = parsed.theme
        #expect(theme.name == "Mine")
        #expect(theme[.stateReady] == RoleStyle(fg: .rgb(0x88, 0xc0, 0xd0)))
        var lost = Theme.defaultDark[.stateLost]
        lost.fg = .named(.brightGreen)
        #expect(theme[.stateLost] == lost)
        #expect(theme[.border].fg == .palette(244))
        #expect(theme[.stateUnacked].bg == .rgb(0, 0, 0))
        #expect(theme[.stateUnacked].bold && theme[.stateUnacked].underline)
        #expect(theme[.text] == Theme.defaultDark[.text])
    }

    @Test func unknownKeysAndBadValuesWarnWithFileLineAndKey() throws {
        let text = """
            # a comment
            name = "Broken"
            colour = "blue"

            [roles]
            redy = "#ff0000"
            ready = { fg = "#12345", bold = "yes", blink = true }
            lost = 300
            unacked = true
            """
        let parsed = try Theme.parse(text: text, fileName: "broken.toml", base: .defaultDark)
        let lines = parsed.warnings.map(\.description)
        #expect(lines.count == 7)
        #expect(lines.contains { $0.hasPrefix("broken.toml:3: colour: unknown key") })
        #expect(lines.contains { $0 == "broken.toml:6: roles.redy: unknown role (did you mean \"ready\"?); default kept" })
        #expect(lines.contains { $0.hasPrefix("broken.toml:7: roles.ready.fg: bad colour \"#12345\"") })
        #expect(lines.contains { $0.hasPrefix("broken.toml:7: roles.ready.bold: expected true or false") })
        #expect(lines.contains { $0.hasPrefix("broken.toml:7: roles.ready.blink: unknown field") })
        #expect(lines.contains { $0.hasPrefix("broken.toml:8: roles.lost: bad value 300") })
        #expect(lines.allSatisfy { $0.hasSuffix("; default kept") })
        // Sorted by line.
        #expect(parsed.warnings.map(\.line) == parsed.warnings.map(\.line).sorted())
        #expect(lines.contains { $0.hasPrefix("broken.toml:9: roles.unacked: bad value true") })
        // Defaults kept for everything that was wrong.
        #expect(parsed.theme[.stateReady] == Theme.defaultDark[.stateReady])
        #expect(parsed.theme[.stateLost] == Theme.defaultDark[.stateLost])
        #expect(parsed.theme.name == "Broken")
    }

    @Test func fieldsInASubtableAreFoundOnTheirOwnLine() throws {
        let text = """
            [roles.ready]
            fg = "#88c0d0"
            bold = 1
            """
        let parsed = try Theme.parse(text: text, fileName: "sub.toml", base: .defaultDark)
        #expect(parsed.warnings.map(\.description) == [
            "sub.toml:3: roles.ready.bold: expected true or false; default kept"
        ])
        #expect(parsed.theme[.stateReady].fg == .rgb(0x88, 0xc0, 0xd0))
    }

    @Test func notTOMLIsAnErrorWithLineAndColumn() {
        let text = """
            name = "ok"
            [roles]
            ready = { fg = "#88c0d0"
            """
        #expect {
            _ = try Theme.parse(text: text, fileName: "bad.toml", base: .defaultDark)
        } throws: { error in
            guard let error = error as? ThemeError else { return false }
            return error.fileName == "bad.toml" && error.line == 3 && error.column > 1
                && error.description.hasPrefix("bad.toml:3:\(error.column): not valid TOML")
        }
    }

    @Test func rolesMustBeATable() throws {
        let parsed = try Theme.parse(text: "roles = 3\nname = 4\n", fileName: "r.toml", base: .defaultDark)
        #expect(parsed.warnings.map(\.description) == [
            "r.toml:1: roles: expected a table of roles ([roles]); default kept",
            "r.toml:2: name: expected a non-empty string; default kept",
        ])
        #expect(parsed.theme.name == "r")
    }
}

extension Theme {
    fileprivate func renamed(_ name: String) -> Theme {
        var copy = self
        copy.name = name
        return copy
    }
}
