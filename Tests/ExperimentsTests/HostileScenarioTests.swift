import DeliverySim
import Testing
import TOMLLite
@testable import Experiments

/// Scenario files made to hurt: each is a one-line located error or a scenario, never a
/// crash, and nothing from the file reaches a message unescaped or uncut.
@Suite struct HostileScenarioTests {
    static let head = "title = \"t\"\nexplanation = \"e\"\n"

    static func error(_ text: String) -> ScenarioError? {
        do {
            _ = try ScenarioFile.parse(text: text, fileName: "bad.toml").resolved()
            return nil
        } catch {
            return error
        }
    }

    @Test func deepNestingIsALocatedError() throws {
        let inline = try #require(Self.error(Self.head + "deep = " + String(repeating: "{a=", count: 30_000) + "1"))
        #expect(inline.description.hasPrefix("bad.toml:3:\(8 + 128 * 3): not valid TOML: nesting deeper than 128"))
        let arrays = try #require(Self.error(Self.head + "deep = " + String(repeating: "[", count: 50_000)))
        #expect(arrays.description.hasPrefix("bad.toml:3:\(8 + 128): not valid TOML: nesting deeper than 128"))
    }

    static func actions(_ n: Int) -> String {
        String(repeating: "[[actions]]\nat = \"1s\"\naction = \"heal-all\"\n", count: n)
    }

    @Test func twentyThousandActionsAreRead() throws {
        let file = try ScenarioFile.parse(text: Self.head + "[workload]\nduration = \"2s\"\n" + Self.actions(20_000), fileName: "many.toml")
        #expect(file.actions.count == 20_000 && file.actions.last?.entry == 19_999)
        #expect(try file.resolved().timeline.count == 20_000)
    }

    /// The first problem in the file is the one reported, however many entries follow it,
    /// and errors deep in the file still point at the right entry.
    @Test func errorsAmongTwentyThousandActionsAreLocated() throws {
        let early = try #require(Self.error(Self.head + "[workload]\ndurationn = \"2s\"\n" + Self.actions(20_000)))
        #expect(early.description.hasPrefix("bad.toml:4:1: unknown key 'durationn' in [workload]"))
        let late = try #require(Self.error(Self.head + Self.actions(19_999) + "[[actions]]\nat = \"1s\"\naction = \"crush\"\n"))
        #expect(late.description.hasPrefix("bad.toml:\(2 + 19_999 * 3 + 3):10: actions[20000].action = \"crush\": unknown action"), "\(late)")
    }

    @Test func hugeKeysAndValuesAreCutInMessages() throws {
        let key = String(repeating: "k", count: 1_000_000)
        let unknown = try #require(Self.error(Self.head + key + " = 1\n"))
        #expect(unknown.description.utf8.count < 400, "\(unknown.description.prefix(500))")
        #expect(unknown.description.hasPrefix("bad.toml:3:1: unknown key 'kkkk") && unknown.description.contains("(1000000 bytes in all)"))
        let value = try #require(Self.error(Self.head + "[workload]\nloss = \"" + key + "\"\n"))
        #expect(value.description.utf8.count < 400 && value.description.contains("workload.loss = \"kkk"))
        let at = try #require(Self.error(Self.head + "[[actions]]\nat = \"" + key + "\"\naction = \"crash\"\n"))
        #expect(at.description.utf8.count < 400)
    }

    @Test func controlCharactersInValuesAreEscapedInMessages() throws {
        let error = try #require(Self.error(Self.head + "[[actions]]\nat = \"\\u001b[2J\"\naction = \"crash\"\ntarget = \"broker\"\n"))
        #expect(error.description == "bad.toml:4:6: actions[1].at = \"\\u{1B}[2J\": expected a duration with a unit: us, ms, s, m or h (e.g. \"12.5s\")")
        let key = try #require(Self.error(Self.head + "\"\\u009b2J\" = 1\n"))
        #expect(!key.description.unicodeScalars.contains { TerminalText.needsEscape($0) })
        #expect(key.description.contains("'\\u{9B}2J'"))
        let mode = try #require(Self.error(Self.head + "[workload]\nmodes = [\"\\u001b[2J\"]\n"))
        #expect(mode.description.contains("'\\u{1B}[2J' is not a mode"))
    }

    /// A title may hold anything TOML allows; it is the printing side that escapes it.
    @Test func titlesKeepWhatTheFileSays() throws {
        let file = try ScenarioFile.parse(text: "title = \"\\u001b[2Jgotcha\"\nexplanation = \"e\"\n", fileName: "t.toml")
        #expect(file.title == "\u{1B}[2Jgotcha")
        #expect(TerminalText.safe(file.title) == "\\u{1B}[2Jgotcha")
    }

    /// A recording writes the title back escaped, C1 controls and DEL included, and reads
    /// it back the same.
    @Test func controlCharactersInTitlesSurviveARecording() throws {
        let scenario = try ScenarioFile.parse(text: "title = \"a\\u009b31m\\u007fb\"\nexplanation = \"e\\u001b\"\n", fileName: "t.toml").resolved()
        #expect(scenario.title == "a\u{9B}31m\u{7F}b")
        let written = scenario.tomlText()
        #expect(!written.unicodeScalars.contains { $0 != "\n" && TerminalText.needsEscape($0) })
        #expect(written.contains("title = \"a\\u009b31m\\u007fb\""))
        #expect(try ScenarioFile.parse(text: written, fileName: "w.toml").resolved() == scenario)
    }

    /// A CRLF file locates values like an LF one.
    @Test func crlfFilesAreLocated() throws {
        let text = (Self.head + "[workload]\nloss = \"3x\"\n").replacingOccurrences(of: "\n", with: "\r\n")
        #expect(Self.error(text)?.description.hasPrefix("bad.toml:4:8: workload.loss") == true)
    }
}

extension String {
    fileprivate func replacingOccurrences(of target: String, with replacement: String) -> String {
        split(separator: Character(target), omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
