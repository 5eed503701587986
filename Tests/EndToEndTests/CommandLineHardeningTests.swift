import Foundation
import Testing

/// What the command line says when it is given something wrong, and what it leaves on disk.
@Suite(.serialized) struct CommandLineHardeningTests {
    /// Runs ackscope and returns (status, stdout, stderr).
    func ackscope(_ args: [String]) throws -> (Int32, String, String) {
        let bin = try #require(ackscopeBinary(), "ackscope binary not built next to the tests")
        return sh([bin] + args)
    }

    /// A bad flag: exit 2, nothing on stdout, one line on stderr that starts `ackscope: `.
    func rejected(_ args: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let (status, out, err) = try ackscope(args)
        #expect(status == 2, "\(args): status \(status), stderr \(err)", sourceLocation: sourceLocation)
        #expect(out.isEmpty, "\(args): stdout \(out)", sourceLocation: sourceLocation)
        #expect(err.hasPrefix("ackscope: ") && err.hasSuffix("\n") && err.dropLast().firstIndex(of: "\n") == nil,
                "\(args): not one line: \(err)", sourceLocation: sourceLocation)
        return String(err.dropLast())
    }

    static func tempDir() throws -> String {
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("ackscope-cli-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    // MARK: - Control characters in flag values

    /// No byte of a flag value below 0x20, DEL or a C1 control reaches stderr as is.
    @Test(arguments: [
        ["run", "--duration", "1\u{01}s"],
        ["run", "--modes", "at-most-once,\u{1b}[31mred"],
        ["run", "--scenario", "x\u{7f}y.toml"],
        ["run", "--scenario", "nope\u{9b}2J"],
        ["run", "--consumers", "1\u{1b}]0;title\u{07}"],
        ["--theme", "a\u{1b}[2Jb"],
        ["compare", "--seeds", "1..\u{1b}[5m9"],
        ["run", "--json", "/nonexistent-dir/\u{1b}[1m.json"],
    ])
    func controlCharactersAreEscaped(_ args: [String]) throws {
        let line = try rejected(args)
        let controls = line.unicodeScalars.filter { $0.value < 0x20 || (0x7F..<0xA0).contains($0.value) }
        #expect(controls.isEmpty, "\(args): raw control characters in \(line.debugDescription)")
    }

    @Test func controlCharactersBecomeVisibleText() throws {
        let line = try rejected(["run", "--duration", "1\u{01}s"])
        #expect(line.contains("'1\\x01s'"), "\(line)")
        let c1 = try rejected(["run", "--scenario", "nope\u{9b}2J"])
        #expect(c1 == "ackscope: no scenario named 'nope\\u{9b}2J'" || c1.hasPrefix("ackscope: no scenario named 'nope\\u{9b}2J' ("), "\(c1)")
        let esc = try rejected(["run", "--scenario", "dir/\u{1b}[31m\t.toml"])
        #expect(esc == "ackscope: scenario file 'dir/\\x1b[31m\\t.toml' not found", "\(esc)")
    }

    /// A very long value is cut, with its length, so the error stays one readable line.
    @Test func longValuesAreCut() throws {
        let long = "dir/" + String(repeating: "x", count: 5_000) + ".toml"
        let line = try rejected(["run", "--scenario", long])
        #expect(line.count < 200, "\(line.count) characters")
        #expect(line.contains("… (5009 characters)"), "\(line)")
    }
}
