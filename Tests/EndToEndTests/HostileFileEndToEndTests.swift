import Foundation
import Testing

/// Hostile files through the real binary: each is one line on stderr and exit 2 (never a
/// crash, a hang or "not found"), and nothing from a file reaches the terminal raw.
@Suite struct HostileFileEndToEndTests {
    static func tempDir() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ackscope-hostile-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.path
    }

    static func write(_ bytes: [UInt8], to path: String) {
        #expect(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
    }

    /// The control characters a terminal would act on, in what the binary printed.
    static func hasRawControls(_ text: String) -> Bool {
        text.unicodeScalars.contains { ($0.value < 0x20 && $0 != "\n") || (0x7F...0x9F).contains($0.value) }
    }

    @Test func filesThatAreNotFilesSayWhatTheyAre() throws {
        let bin = try #require(ackscopeBinary())
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let fifo = dir + "/pipe.toml"
        #expect(mkfifo(fifo, 0o600) == 0)
        for (args, expected) in [
            (["run", "--scenario", "/dev/null"], "ackscope: /dev/null is a character device, not a scenario file"),
            (["run", "--scenario", dir], "ackscope: \(dir) is a directory, not a scenario file"),
            (["run", "--scenario", fifo], "ackscope: \(fifo) is a FIFO (named pipe), not a scenario file"),
            (["run", "--scenario", dir + "/missing.toml"], "ackscope: scenario file '\(dir)/missing.toml' not found"),
            (["--theme", "/dev/null"], "ackscope: /dev/null is a character device, not a theme file"),
            (["--theme", fifo], "ackscope: \(fifo) is a FIFO (named pipe), not a theme file"),
            (["--theme", dir + "/"], "ackscope: \(dir)/ is a directory, not a theme file"),
        ] {
            let (status, out, err) = sh([bin] + args, stdin: FileHandle(forReadingAtPath: "/dev/null"))
            #expect(status == 2 && out.isEmpty, "\(args): exit \(status)")
            #expect(err == expected + "\n", "\(args)")
        }
    }

    @Test func deepNestingAndInvalidUTF8AreLocatedErrors() throws {
        let bin = try #require(ackscopeBinary())
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let head = "title = \"t\"\nexplanation = \"e\"\n"
        let deep = dir + "/deep.toml"
        Self.write(Array((head + "deep = " + String(repeating: "{a=", count: 30_000) + "1" + String(repeating: "}", count: 30_000) + "\n").utf8), to: deep)
        let arrays = dir + "/arrays.toml"
        Self.write(Array((head + "deep = " + String(repeating: "[", count: 50_000) + String(repeating: "]", count: 50_000) + "\n").utf8), to: arrays)
        let latin1 = dir + "/latin1.toml"
        Self.write(Array((head + "[workload]\nmodes = \"caf").utf8) + [0xE9] + Array("\"\n".utf8), to: latin1)
        let theme = dir + "/latin1-theme.toml"
        Self.write(Array("name = \"caf".utf8) + [0xE9] + Array("\"\n".utf8), to: theme)
        for (args, expected) in [
            (["run", "--scenario", deep], "\(deep):3:\(8 + 128 * 3): not valid TOML: nesting deeper than 128 levels (tables, arrays and inline tables)"),
            (["run", "--scenario", arrays], "\(arrays):3:\(8 + 128): not valid TOML: nesting deeper than 128 levels"),
            (["run", "--scenario", latin1], "\(latin1):4:13: not valid UTF-8 (byte 0xE9); save the file as UTF-8"),
            (["--theme", theme], "\(theme):1:12: not valid UTF-8 (byte 0xE9)"),
        ] {
            let (status, _, err) = sh([bin] + args, stdin: FileHandle(forReadingAtPath: "/dev/null"))
            #expect(status == 2, "\(args): exit \(status)")
            #expect(err.hasPrefix("ackscope: " + expected) && err.split(separator: "\n").count == 1, "\(args): \(err)")
        }
    }

    @Test func themesListingEscapesWhatTheFilesSay() throws {
        let bin = try #require(ackscopeBinary())
        let config = try Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: config) }
        let themes = config + "/ackscope/themes"
        try FileManager.default.createDirectory(atPath: themes, withIntermediateDirectories: true)
        Self.write(Array("description = \"\\u001b[2J\\u001b[31mpwned\\u009b0m\"\n[roles]\nready = { fg = \"\\u001b]0;title\\u0007\" }\n".utf8),
                   to: themes + "/evil.toml")
        Self.write(Array("description = \"\(String(repeating: "d", count: 100_000))\"\n".utf8), to: themes + "/long.toml")
        let (status, out, err) = sh([bin, "themes"], env: ["XDG_CONFIG_HOME": config, "PATH": "/usr/bin:/bin"])
        #expect(status == 0, "\(err)")
        #expect(!Self.hasRawControls(out) && !Self.hasRawControls(err), "\(out)\(err)")
        #expect(out.contains("evil            \\u{1B}[2J\\u{1B}[31mpwned\\u{9B}0m  ("))
        #expect(err.contains("roles.ready.fg: bad colour \"\\u{1B}]0;title\\u{7}\""))
        let longLine = try #require(out.split(separator: "\n").first { $0.hasPrefix("long ") })
        #expect(longLine.utf8.count < 400 && longLine.contains("… (100000 bytes in all)"))
    }

    @Test func scenariosListingEscapesTitlesAndExplanations() throws {
        let bin = try #require(ackscopeBinary())
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/Scenarios", withIntermediateDirectories: true)
        Self.write(Array("title = \"\\u001b[2Jgotcha\"\nexplanation = \"clear \\u001b[2J and \\u009b31m\"\n".utf8),
                   to: dir + "/Scenarios/zz-evil.toml")
        // The package's Scenarios/ come first; the current directory's are added to them.
        let (status, out, err) = sh(["/bin/bash", "-c", "cd '\(dir)' && exec '\(bin)' scenarios --verbose"])
        #expect(status == 0, "\(err)")
        #expect(!Self.hasRawControls(out), "\(out)")
        #expect(out.contains("zz-evil") && out.contains("\\u{1B}[2Jgotcha") && out.contains("clear \\u{1B}[2J and \\u{9B}31m"))
        let (runStatus, runOut, _) = sh([bin, "run", "--scenario", dir + "/Scenarios/zz-evil.toml", "--duration", "1s"])
        #expect(runStatus == 0 && runOut.hasPrefix("scenario: \\u{1B}[2Jgotcha\n") && !Self.hasRawControls(runOut))
    }

    @Test func hugeKeysGiveShortErrorLines() throws {
        let bin = try #require(ackscopeBinary())
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/key.toml"
        Self.write(Array(("title = \"t\"\nexplanation = \"e\"\n" + String(repeating: "k", count: 10_000_000) + " = 1\n").utf8), to: path)
        let (status, _, err) = sh([bin, "run", "--scenario", path])
        #expect(status == 2)
        #expect(err.utf8.count < 500 && err.hasPrefix("ackscope: \(path):3:1: unknown key 'kkkk") && err.contains("(10000000 bytes in all)"), "\(err.prefix(600))")
    }
}
