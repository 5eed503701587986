import Foundation
import Testing

/// What the command line says when it is given something wrong, and what it leaves on disk.
@Suite(.serialized) struct CommandLineHardeningTests {
    /// Runs ackscope with stdin on /dev/null and returns (status, stdout, stderr).
    func ackscope(_ args: [String]) throws -> (Int32, String, String) {
        let bin = try #require(ackscopeBinary(), "ackscope binary not built next to the tests")
        return sh([bin] + args, stdin: FileHandle(forReadingAtPath: "/dev/null"))
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

    // MARK: - Negative and out-of-range numbers

    /// A negative number is taken as the flag's value (not as an unknown flag, which made
    /// ArgumentParser say "Missing value"), then checked against the flag's range.
    @Test(arguments: [
        (["run", "--consumers", "-1"], "--consumers must be from 1 to 256, got -1"),
        (["run", "--producers", "-1"], "--producers must be from 1 to 64, got -1"),
        (["run", "--prefetch", "-1"], "--prefetch must be from 1 to 100000, got -1"),
        (["run", "--keys", "-1"], "--keys must be from 1 to 10000, got -1"),
        (["run", "--messages", "-1"], "--messages must be 1 or more, got -1"),
        (["run", "--max-deliveries", "-1"], "--max-deliveries must be 0 (never) or more, got -1"),
        (["run", "--rate", "-1"], "--rate must be a number from 0.000001 to 100000000, got -1.0"),
        (["run", "--seed", "-1"], "The value '-1' is invalid for '--seed <seed>': out of range: a seed is from 0 to 18446744073709551615"),
        (["run", "--seed", "18446744073709551616"], "The value '18446744073709551616' is invalid for '--seed <seed>': out of range: a seed is from 0 to 18446744073709551615"),
        (["run", "--loss", "-1%"], "The value '-1%' is invalid for '--loss <percent>': out of range: a percentage is from 0% to 100%"),
        (["run", "--duplication", "101%"], "The value '101%' is invalid for '--duplication <percent>': out of range: a percentage is from 0% to 100%"),
        (["run", "--duration", "-1s"], "The value '-1s' is invalid for '--duration <duration>': out of range: a duration is from 0s to 2500000h"),
        (["run", "--processing", "-2ms"], "The value '-2ms' is invalid for '--processing <duration>': out of range: a duration is from 0s to 2500000h"),
        (["run", "--ack-timeout", "-1s"], "The value '-1s' is invalid for '--ack-timeout <duration>': out of range: a duration is from 0s to 2500000h"),
        (["run", "--confirm-timeout", "-1s"], "The value '-1s' is invalid for '--confirm-timeout <duration>': out of range: a duration is from 0s to 2500000h"),
        (["run", "--dedup-window", "-1s"], "The value '-1s' is invalid for '--dedup-window <duration>': out of range: a duration is from 0s to 2500000h"),
        (["run", "--crash-every", "-1s"], "The value '-1s' is invalid for '--crash-every <duration>': out of range: a duration is from 0s to 2500000h"),
        (["run", "--crash-for", "-1s"], "The value '-1s' is invalid for '--crash-for <duration>': out of range: a duration is from 0s to 2500000h"),
        (["run", "--latency", "-1ms"], "The value '-1ms' is invalid for '--latency <range>': out of range: a duration is from 0s to 2500000h"),
        (["run", "--latency", "-1ms..2ms"], "The value '-1ms..2ms' is invalid for '--latency <range>': out of range: a duration is from 0s to 2500000h"),
        (["run", "--sample-every", "-1s"], "The value '-1s' is invalid for '--sample-every <duration>': out of range: a duration is from 0s to 2500000h"),
        (["compare", "--jobs", "-1"], "--jobs must be from 1 to 1024, got -1"),
        (["compare", "--seeds", "-1..5"], "--seeds: out of range: a seed is from 0 to 18446744073709551615"),
        (["compare", "--consumers", "-3"], "--consumers must be from 1 to 256, got -3"),
        (["--speed", "-1"], "--speed must be one of 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000"),
        (["--consumers", "-1"], "--consumers must be from 1 to 256, got -1"),
        (["bench", "--messages", "-1"], "--messages must be 1 or more, got -1"),
        (["bench", "--repeats", "-1"], "--repeats must be from 1 to 99, got -1"),
        (["bench", "--samples", "-1"], "--samples must be from 1 to 10000, got -1"),
    ])
    func negativeValuesAreOutOfRange(_ args: [String], _ message: String) throws {
        let line = try rejected(args)
        #expect(line == "ackscope: " + message)
    }

    @Test func durationsTooLargeAndRangesBackwards() throws {
        #expect(try rejected(["run", "--duration", "10000000000s"])
            == "ackscope: The value '10000000000s' is invalid for '--duration <duration>': out of range: a duration is from 0s to 2500000h")
        #expect(try rejected(["run", "--latency", "5ms..1ms"])
            == "ackscope: The value '5ms..1ms' is invalid for '--latency <range>': MIN 5ms is greater than MAX 1ms")
        // Still "expected …" for text that is not a duration at all.
        #expect(try rejected(["run", "--duration", "10"])
            == "ackscope: The value '10' is invalid for '--duration <duration>': expected a duration with a unit: us, ms, s, m or h (e.g. 2ms, 1.5s)")
    }

    // MARK: - Two outputs on one file

    /// Two outputs on one file would leave only the last one written: refused, nothing written.
    @Test func twoOutputsOnOneFileAreRefused() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/sub", withIntermediateDirectories: true)
        try "x".write(toFile: dir + "/exists.out", atomically: false, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: dir + "/link.out", withDestinationPath: dir + "/exists.out")
        let cases: [([String], String)] = [
            (["run", "--json", dir + "/same.out", "--csv", dir + "/same.out"],
             "--json and --csv both write to '\(dir)/same.out'; give each output its own file"),
            (["run", "--json", dir + "/same.out", "--events", dir + "/./same.out"],
             "--json '\(dir)/same.out' and --events '\(dir)/./same.out' are the same file; give each output its own file"),
            (["run", "--csv", dir + "/sub/../same.out", "--events", dir + "/same.out"],
             "--csv '\(dir)/sub/../same.out' and --events '\(dir)/same.out' are the same file; give each output its own file"),
            (["run", "--json", dir + "/link.out", "--csv", dir + "/exists.out"],
             "--json '\(dir)/link.out' and --csv '\(dir)/exists.out' are the same file; give each output its own file"),
            (["run", "--json", "-", "--csv", "-"], "only one output can go to stdout ('-'): --json, --csv both ask for it"),
            (["--record", dir + "/rec.toml", "--json", dir + "/sub/../rec.toml"],
             "--record '\(dir)/rec.toml' and --json '\(dir)/sub/../rec.toml' are the same file; give each output its own file"),
        ]
        for (args, message) in cases {
            #expect(try rejected(args) == "ackscope: " + message)
        }
        #expect(!FileManager.default.fileExists(atPath: dir + "/same.out"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/rec.toml"))
        #expect(try String(contentsOfFile: dir + "/exists.out", encoding: .utf8) == "x")

        // `x` relative to the working folder and the same file by its absolute path.
        let bin = try #require(ackscopeBinary())
        let (status, _, err) = sh(["bash", "-c", "cd \(dir) && exec \(bin) run --json same.out --csv \(dir)/same.out"])
        #expect(status == 2 && err == "ackscope: --json 'same.out' and --csv '\(dir)/same.out' are the same file; give each output its own file\n", "\(err)")
        // stdout redirected to the file another output names.
        let (redirected, _, err2) = sh(["bash", "-c", "exec \(bin) run --json - --csv \(dir)/exists.out > \(dir)/exists.out"])
        #expect(redirected == 2 && err2.contains("--json '-' and --csv '\(dir)/exists.out' are the same file"), "\(err2)")
        // Devices are not files: two outputs may be thrown away together.
        let (discarded, out, err3) = try ackscope(["run", "--duration", "1s", "--json", "/dev/null", "--csv", "/dev/null", "--events", "/dev/null"])
        #expect(discarded == 0 && out.contains("checks"), "\(err3)")
    }

    // MARK: - Outputs appear whole or not at all

    /// Outputs are written beside their path and renamed at the end: a run killed outright
    /// leaves the old file as it was (never empty), and a finished run leaves no stray file.
    @Test func outputsAreReplacedWholeOrNotAtAll() throws {
        let bin = try #require(ackscopeBinary())
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "old".write(toFile: dir + "/j.json", atomically: false, encoding: .utf8)
        let pid = try #require(spawnClean([bin, "run", "--duration", "100000000s", "--json", dir + "/j.json", "--events", dir + "/e.jsonl"],
                                          stdin: .file("/dev/null"), stdout: .file(dir + "/stdout"), stderr: .file(dir + "/stderr")))
        let temporary = dir + "/.e.jsonl.tmp-\(pid)"
        #expect(waitUntil(seconds: 20) { ((try? FileManager.default.attributesOfItem(atPath: temporary)[.size] as? Int) ?? 0) > 0 },
                "no growing \(temporary)")
        #expect(FileManager.default.fileExists(atPath: dir + "/.j.json.tmp-\(pid)"))
        kill(pid, SIGKILL)
        _ = waitExit(pid)
        #expect(try String(contentsOfFile: dir + "/j.json", encoding: .utf8) == "old")
        #expect(!FileManager.default.fileExists(atPath: dir + "/e.jsonl"))

        // A finished run: the files in place, nothing else beside them.
        try FileManager.default.removeItem(atPath: temporary)
        try FileManager.default.removeItem(atPath: dir + "/.j.json.tmp-\(pid)")
        let (status, _, err) = sh([bin, "run", "--duration", "2s", "--json", dir + "/j.json", "--csv", dir + "/c.csv", "--events", dir + "/e.jsonl"])
        #expect(status == 0, "\(err)")
        #expect(try String(contentsOfFile: dir + "/j.json", encoding: .utf8).hasPrefix("{\"seed\":1,"))
        let names = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
        #expect(names == ["c.csv", "e.jsonl", "j.json", "stderr", "stdout"], "\(names)")
    }

    // MARK: - Signals: the files say how far the run got

    static func size(_ path: String) -> Int {
        (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
    }

    /// SIGTERM on a long `run`: exit 143; every output at its final path, the JSON valid and
    /// marked incomplete with the virtual time reached, the exports ending on whole lines,
    /// no temporary file left.
    @Test func sigtermFinishesTheFilesMarkedIncomplete() throws {
        let bin = try #require(ackscopeBinary())
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let pid = try #require(spawnClean([bin, "run", "--duration", "100000000s", "--json", dir + "/j.json", "--csv", dir + "/c.csv",
                                           "--sample-every", "100ms", "--events", dir + "/e.jsonl"],
                                          stdin: .file("/dev/null"), stdout: .file(dir + "/stdout"), stderr: .file(dir + "/stderr")))
        // The run is under way once its exports grow.
        #expect(waitUntil(seconds: 20) { Self.size(dir + "/.e.jsonl.tmp-\(pid)") > 100_000 && Self.size(dir + "/.c.csv.tmp-\(pid)") > 0 })
        #expect(FileManager.default.fileExists(atPath: dir + "/.j.json.tmp-\(pid)"))
        kill(pid, SIGTERM)
        #expect(waitExit(pid) == 143)

        let names = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
        #expect(names == ["c.csv", "e.jsonl", "j.json", "stderr", "stdout"], "\(names)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/j.json"))) as? [String: Any])
        #expect(json["incomplete"] as? Bool == true)
        #expect(json["interrupted_while"] as? String == "producing")
        let reached = try #require(json["reached_virtual_ms"] as? Int)
        #expect(reached > 0 && reached < 100_000_000_000)
        let lanes = try #require(json["lanes"] as? [[String: Any]])
        #expect(lanes.count == 3 && lanes.allSatisfy { ($0["produced"] as? Int ?? 0) > 0 })
        let csv = try String(contentsOfFile: dir + "/c.csv", encoding: .utf8)
        #expect(csv.hasSuffix("\n") && !csv.contains(",end,"))
        let columns = csv.split(separator: "\n")[0].split(separator: ",").count
        #expect(csv.split(separator: "\n").allSatisfy { $0.split(separator: ",", omittingEmptySubsequences: false).count == columns })
        let events = try String(contentsOfFile: dir + "/e.jsonl", encoding: .utf8)
        #expect(events.hasSuffix("}\n"))
        let last = try #require(events.split(separator: "\n").last)
        #expect(try JSONSerialization.jsonObject(with: Data(last.utf8)) is [String: Any])
        let stdout = try String(contentsOfFile: dir + "/stdout", encoding: .utf8)
        #expect(stdout.contains("\nINCOMPLETE: stopped at "), "\(stdout)")
        let stderr = try String(contentsOfFile: dir + "/stderr", encoding: .utf8)
        #expect(stderr.hasPrefix("ackscope: stopped by SIGTERM at ") && stderr.hasSuffix("; incomplete output written to \(dir)/j.json, \(dir)/c.csv, \(dir)/e.jsonl\n"), "\(stderr)")
    }

    /// SIGINT on `compare`: exit 130, the JSON covers the runs that finished and says so.
    @Test func sigintFinishesCompareWithTheRunsDone() throws {
        let bin = try #require(ackscopeBinary())
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let pid = try #require(spawnClean([bin, "compare", "--duration", "60s", "--seeds", "1..100000", "--jobs", "1", "--json", dir + "/c.json"],
                                          stdin: .file("/dev/null"), stdout: .file(dir + "/stdout"), stderr: .file(dir + "/stderr")))
        #expect(waitUntil(seconds: 20) { FileManager.default.fileExists(atPath: dir + "/.c.json.tmp-\(pid)") })
        usleep(1_500_000)
        kill(pid, SIGINT)
        #expect(waitExit(pid) == 130)
        #expect(!FileManager.default.fileExists(atPath: dir + "/.c.json.tmp-\(pid)"))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/c.json"))) as? [String: Any])
        #expect(json["incomplete"] as? Bool == true)
        #expect(json["runs_requested"] as? Int == 100_000)
        let count = try #require((json["seeds"] as? [String: Any])?["count"] as? Int)
        #expect(count < 100_000)
        let stdout = try String(contentsOfFile: dir + "/stdout", encoding: .utf8)
        #expect(stdout.hasPrefix("INCOMPLETE: stopped after \(count) of 100000 runs"), "\(stdout)")
        let stderr = try String(contentsOfFile: dir + "/stderr", encoding: .utf8)
        #expect(stderr.contains("ackscope: stopped by SIGINT after \(count) of 100000 runs; incomplete output written to \(dir)/c.json\n"), "\(stderr)")
    }

    // MARK: - A sign of life on a terminal, and only there

    /// On a terminal, a long run redraws one progress line on stderr and clears it before
    /// the table. (`script` gives the run a pseudo-terminal.)
    @Test func progressLineOnATerminal() throws {
        let bin = try #require(ackscopeBinary())
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let command = "timeout --preserve-status -s INT 3.5 \(bin) run --duration 100000000s; echo EXIT=$?"
        let pid = try #require(spawnClean(["/usr/bin/env", "script", "-qec", command, "/dev/null"], stdin: .file("/dev/null"), stdout: .file(dir + "/out"), stderr: .file(dir + "/err")))
        #expect(waitExit(pid) == 0)
        let out = try String(contentsOfFile: dir + "/out", encoding: .utf8)
        // Drawn in place: carriage return, the line, erase to the end of the line.
        let drawn = out.components(separatedBy: "\r").filter { $0.hasPrefix("virtual ") }
        #expect(!drawn.isEmpty && drawn.count <= 4, "\(out.debugDescription)")
        for line in drawn {
            #expect(line.contains(" of 100000000s (") && line.contains(" messages · ") && line.contains(" msg/s · ")
                    && line.hasSuffix(" left\u{1b}[K"), "\(line.debugDescription)")
        }
        #expect(out.contains("\r\u{1b}[Kseed 1 · 100000000s virtual + drain"), "cleared before the table: \(out.debugDescription)")
        #expect(out.contains("EXIT=130"), "\(out)")
    }

    /// With stderr on a pipe or a file, nothing but the final line.
    @Test func noProgressLineWhenStderrIsNotATerminal() throws {
        let bin = try #require(ackscopeBinary())
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let pid = try #require(spawnClean([bin, "run", "--duration", "100000000s"], stdin: .file("/dev/null"), stdout: .file(dir + "/out"), stderr: .file(dir + "/err")))
        usleep(2_500_000)
        kill(pid, SIGTERM)
        #expect(waitExit(pid) == 143)
        let err = try String(contentsOfFile: dir + "/err", encoding: .utf8)
        #expect(err.hasPrefix("ackscope: stopped by SIGTERM at ") && err.split(separator: "\n").count == 1 && !err.contains("\r"), "\(err.debugDescription)")
    }

    // MARK: - No terminal

    /// `echo | ackscope` on a terminal: stdout is one, stdin is not, and the error says so.
    /// (`script` gives the command a pseudo-terminal; the pipe replaces only its stdin.)
    @Test func pipedStdinIsTheOneBlamed() throws {
        let bin = try #require(ackscopeBinary())
        let (status, out, _) = sh(["script", "-qec", "echo | \(bin); echo EXIT=$?", "/dev/null"])
        #expect(status == 0)
        #expect(out.contains("ackscope: no terminal (stdin is not a tty)"), "\(out)")
        #expect(out.contains("EXIT=2"), "\(out)")
        let (_, piped, _) = sh(["script", "-qec", "\(bin) | cat", "/dev/null"])
        #expect(piped.contains("ackscope: no terminal (stdout is not a tty)"), "\(piped)")
        let line = try rejected([])
        #expect(line.hasPrefix("ackscope: no terminal (stdin and stdout are not a tty)"), "\(line)")
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
        #expect(line.contains("'1\\u{1}s'"), "\(line)")
        let c1 = try rejected(["run", "--scenario", "nope\u{9b}2J"])
        #expect(c1 == "ackscope: no scenario named 'nope\\u{9B}2J'" || c1.hasPrefix("ackscope: no scenario named 'nope\\u{9B}2J' ("), "\(c1)")
        let esc = try rejected(["run", "--scenario", "dir/\u{1b}[31m\t.toml"])
        #expect(esc == "ackscope: scenario file 'dir/\\u{1B}[31m\\t.toml' not found", "\(esc)")
    }

    /// A very long value is cut, with its length, so the error stays one readable line.
    @Test func longValuesAreCut() throws {
        let long = "dir/" + String(repeating: "x", count: 5_000) + ".toml"
        let line = try rejected(["run", "--scenario", long])
        #expect(line.count < 200, "\(line.count) characters")
        #expect(line.contains("… (5009 bytes in all)"), "\(line)")
    }
}

/// Polls `condition` every 20 ms until it holds or `seconds` pass.
func waitUntil(seconds: Double, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if condition() { return true }
        usleep(20_000)
    }
    return condition()
}
