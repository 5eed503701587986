import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Synchronization
import Testing

/// `ackscope sweep` and `ackscope merge` through the real binary, as separate processes.
@Suite(.serialized) struct SweepEndToEndTests {
    /// The environment without a batch scheduler's shard variables (a test run inside a
    /// Slurm array must not shard the sweeps it means whole).
    static let cleanEnvironment: [String: String] = ProcessInfo.processInfo.environment.filter {
        !$0.key.hasPrefix("SLURM_") && $0.key != "JOB_COMPLETION_INDEX"
    }

    static func run(_ args: [String], env extra: [String: String] = [:], in dir: String) -> (Int32, String, String) {
        sh(["sh", "-c", "cd \"$0\" && exec \"$@\"", dir] + args, env: cleanEnvironment.merging(extra) { $1 },
           stdin: FileHandle(forReadingAtPath: "/dev/null"))
    }

    static func read(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }

    /// The issue's own sweep: a CSV row per point × lane × metric, an SVG with a line per
    /// lane, and the argument at every point: at-most-once loses more and at-least-once
    /// duplicates more as loss rises, effectively-once never duplicates.
    @Test func theLossSweepMakesTheArgument() throws {
        let bin = try #require(ackscopeBinary())
        let dir = try ExperimentsEndToEndTests.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (status, out, err) = Self.run([bin, "sweep", "--vary", "loss=0%..10%:2%", "--seeds", "1..20", "--duration", "20s",
                                           "--csv", "s.csv", "--svg", "s.svg"], in: dir)
        #expect(status == 0, "\(err)")
        #expect(out.contains("sweep: loss 0%, 2%, 4%, 6%, 8%, 10% · 20 seeds (1..20) · 120 runs"))
        #expect(out.contains("paired by seed: duplicate effects") && out.contains("checks: passed in every run"))
        let rows = Self.read(dir + "/s.csv").split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        #expect(rows.count == 1 + 6 * 3 * 8)
        let head = rows[0]
        let lane = try #require(head.firstIndex(of: "lane")), metric = try #require(head.firstIndex(of: "metric")), mean = try #require(head.firstIndex(of: "mean"))
        func means(_ mode: String, _ name: String) -> [Double] {
            rows.dropFirst().filter { $0[lane] == mode && $0[metric] == name }.compactMap { Double($0[mean]) }
        }
        let lost = means("at-most-once", "lost"), dups = means("at-least-once", "duplicate_effects")
        #expect(lost.count == 6 && zip(lost, lost.dropFirst()).allSatisfy { $0 < $1 }, "at-most-once lost \(lost)")
        #expect(dups.count == 6 && zip(dups, dups.dropFirst()).allSatisfy { $0 < $1 }, "at-least-once duplicate effects \(dups)")
        #expect(means("effectively-once", "duplicate_effects") == Array(repeating: 0, count: 6))

        let parser = XMLParser(data: Data(Self.read(dir + "/s.svg").utf8))
        let counter = ElementCounter()
        parser.delegate = counter
        #expect(parser.parse(), "the SVG is not well-formed XML: \(parser.parserError.map { "\($0)" } ?? "")")
        #expect(counter.counts["polyline"] == 3 && counter.counts["svg"] == 1)
    }

    /// Four shards run as four processes at once, then merged: byte for byte the whole
    /// sweep's JSON, CSV and table; Slurm's and Kubernetes' indices pick the shard too.
    @Test func shardsMergeToTheWholeByteForByte() throws {
        let bin = try #require(ackscopeBinary())
        let dir = try ExperimentsEndToEndTests.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let sweep = [bin, "sweep", "--vary", "loss=0%..6%:3%", "--vary", "ack-timeout=500ms,2s", "--seeds", "3..10", "--duration", "10s",
                     "--scenario", "lost-ack-duplicate"]
        let outputs = ["--json", "w.json", "--csv", "w.csv", "--pairs-csv", "wp.csv"]
        let (status, whole, err) = Self.run(sweep + outputs, in: dir)
        #expect(status == 0, "\(err)")

        let statuses = Mutex([Int32](repeating: -1, count: 4))
        DispatchQueue.concurrentPerform(iterations: 4) { k in
            let (s, _, e) = Self.run(sweep + ["--shard", "\(k + 1)/4", "--part", "part\(k + 1).txt", "--jobs", "1"], in: dir)
            statuses.withLock { $0[k] = s }
            if s != 0 { Issue.record("shard \(k + 1): \(e)") }
        }
        #expect(statuses.withLock { $0 } == [0, 0, 0, 0])
        let (m, merged, mergeErr) = Self.run([bin, "merge", "part3.txt", "part1.txt", "part4.txt", "part2.txt",
                                              "--json", "m.json", "--csv", "m.csv", "--pairs-csv", "mp.csv"], in: dir)
        #expect(m == 0, "\(mergeErr)")
        #expect(merged == whole && whole.contains("ack_timeout"))
        for (a, b) in [("w.json", "m.json"), ("w.csv", "m.csv"), ("wp.csv", "mp.csv")] {
            let x = Self.read(dir + "/" + a), y = Self.read(dir + "/" + b)
            #expect(!x.isEmpty && x == y, "\(a) and \(b) differ")
        }

        // Slurm: an array 0-1 (task 1 is shard 2/2); Kubernetes: completion index 0 of 2.
        let (s1, _, e1) = Self.run(sweep + ["--part", "slurm.txt"], env: ["SLURM_ARRAY_TASK_ID": "1", "SLURM_ARRAY_TASK_MIN": "0",
                                                                         "SLURM_ARRAY_TASK_COUNT": "2"], in: dir)
        #expect(s1 == 0 && e1.contains("sweep: shard 2/2 from SLURM_ARRAY_TASK_ID"), "\(e1)")
        let (s2, _, e2) = Self.run(sweep + ["--part", "k8s.txt", "--shard-count", "2"], env: ["JOB_COMPLETION_INDEX": "0"], in: dir)
        #expect(s2 == 0 && e2.contains("sweep: shard 1/2 from JOB_COMPLETION_INDEX"), "\(e2)")
        let (s3, _, e3) = Self.run([bin, "merge", "slurm.txt", "k8s.txt", "--json", "two.json"], in: dir)
        #expect(s3 == 0, "\(e3)")
        #expect(Self.read(dir + "/two.json") == Self.read(dir + "/w.json"))

        // Parts that do not make one sweep.
        let (s4, o4, e4) = Self.run([bin, "merge", "part1.txt", "part2.txt", "part3.txt"], in: dir)
        #expect(s4 == 2 && o4.isEmpty && e4 == "ackscope: shard 4/4 missing: merge needs all 4 parts of the sweep\n", "\(e4)")
        let (s5, _, e5) = Self.run([bin, "merge", "part1.txt", "slurm.txt"], in: dir)
        #expect(s5 == 2 && e5.contains("slurm.txt is shard 2/2, part1.txt is 1/4"), "\(e5)")
        let (s6, _, e6) = Self.run([bin, "merge", "part1.txt", "part1.txt", "part2.txt", "part3.txt", "part4.txt"], in: dir)
        #expect(s6 == 2 && e6.contains("are both shard 1/4"), "\(e6)")
        _ = Self.run([bin, "sweep", "--vary", "loss=0%..6%:3%", "--seeds", "3..10", "--duration", "6s", "--shard", "2/4", "--part", "other.txt"], in: dir)
        let (s7, _, e7) = Self.run([bin, "merge", "part1.txt", "other.txt", "part3.txt", "part4.txt"], in: dir)
        #expect(s7 == 2 && e7.contains("other.txt is from another sweep than part1.txt: its --vary"), "\(e7)")
    }

    /// The JSON's settings say "varied" for every knob a point changes: a profile sets five.
    @Test func variedKnobsAreMarkedInTheSettings() throws {
        let bin = try #require(ackscopeBinary())
        let dir = try ExperimentsEndToEndTests.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (status, json, err) = Self.run([bin, "sweep", "--vary", "profile=rabbitmq,sqs", "--vary", "drain=true,false", "--seeds", "1..2",
                                            "--duration", "2s", "--json", "-"], in: dir)
        #expect(status == 0, "\(err)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let settings = try #require(object["settings"] as? [String: Any])
        for key in ["profile", "prefetch", "ack_timeout", "requeue_on_disconnect", "drain"] { #expect(settings[key] as? String == "varied", "\(key)") }
        #expect(settings["loss"] as? String == "1%")
        #expect(object["production"] as? String == "2s virtual (drain as varied)")
        #expect((object["points"] as? [Any])?.count == 4)
    }

    /// Without a terminal, --watch prints a progress line on stderr at most once a second.
    @Test func watchWithoutATerminalPrintsProgressLines() throws {
        let bin = try #require(ackscopeBinary())
        let dir = try ExperimentsEndToEndTests.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let start = Date()
        let (status, out, err) = Self.run([bin, "sweep", "--vary", "loss=1%,5%", "--seeds", "1..30", "--duration", "30s", "--watch", "--jobs", "1"], in: dir)
        let seconds = Date().timeIntervalSince(start)
        #expect(status == 0)
        #expect(out.contains("duplicate effects vs loss"))
        let lines = err.split(separator: "\n").filter { $0.hasPrefix("sweep: ") && $0.contains(" of 60 runs") }
        #expect(!lines.isEmpty && lines.allSatisfy { $0.contains("points · ") }, "\(err)")
        #expect(Double(lines.count) <= seconds + 1, "\(lines.count) lines in \(seconds) s")
        #expect(!err.contains("\u{1b}"))
    }

    /// SIGINT: exit 130, the outputs cover the runs that finished and say so; a shard
    /// stopped so writes no part (merge would otherwise take it for a whole one).
    @Test func sigintFinishesWithTheRunsDone() throws {
        let bin = try #require(ackscopeBinary())
        let dir = try ExperimentsEndToEndTests.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let sweep = [bin, "sweep", "--vary", "loss=1%,2%", "--duration", "60s", "--seeds", "1..100000", "--jobs", "1"]
        let pid = try #require(spawnClean(sweep + ["--json", dir + "/s.json"], environment: Self.cleanEnvironment, stdin: .file("/dev/null"),
                                          stdout: .file(dir + "/stdout"), stderr: .file(dir + "/stderr")))
        #expect(waitUntil(seconds: 20) { FileManager.default.fileExists(atPath: dir + "/.s.json.tmp-\(pid)") })
        usleep(1_500_000)
        kill(pid, SIGINT)
        #expect(waitExit(pid) == 130)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/s.json"))) as? [String: Any])
        #expect(json["incomplete"] as? Bool == true)
        let finished = try #require(json["runs_finished"] as? Int)
        #expect(finished > 0 && finished < 200_000)
        #expect(Self.read(dir + "/stdout").hasPrefix("INCOMPLETE: stopped after \(finished) of 200000 runs"))
        #expect(Self.read(dir + "/stderr").contains("ackscope: stopped by SIGINT after \(finished) of 200000 runs; incomplete output written to \(dir)/s.json\n"))

        let shard = try #require(spawnClean(sweep + ["--shard", "1/2", "--part", dir + "/p.txt"], environment: Self.cleanEnvironment,
                                            stdin: .file("/dev/null"), stdout: .file(dir + "/stdout2"), stderr: .file(dir + "/stderr2")))
        #expect(waitUntil(seconds: 20) { FileManager.default.fileExists(atPath: dir + "/.p.txt.tmp-\(shard)") })
        usleep(1_000_000)
        kill(shard, SIGINT)
        #expect(waitExit(shard) == 130)
        #expect(!FileManager.default.fileExists(atPath: dir + "/p.txt") && !FileManager.default.fileExists(atPath: dir + "/.p.txt.tmp-\(shard)"))
        #expect(Self.read(dir + "/stderr2").contains("of 100000 runs; no part written"))
    }

    @Test func badSweepInputGetsOneLineAndExitTwo() throws {
        let bin = try #require(ackscopeBinary())
        let dir = try ExperimentsEndToEndTests.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "format = \"x\"\n# runs\n".write(toFile: dir + "/bogus.txt", atomically: true, encoding: .utf8)
        for (args, needle) in [
            (["sweep"], "give at least one --vary"),
            (["sweep", "--vary", "lossy=1%"], "unknown knob 'lossy'; did you mean loss?"),
            (["sweep", "--vary", "loss=0%..10%"], "a range needs a step"),
            (["sweep", "--vary", "loss=0%..10%:3%"], "never reaches 10%"),
            (["sweep", "--vary", "loss="], "the list of values is empty"),
            (["sweep", "--vary", "loss=1%", "--shard", "5/4"], "--shard: 5/4: K must be from 1 to N (4)"),
            (["sweep", "--vary", "loss=1%", "--loss", "2%"], "--loss is given and varied"),
            (["sweep", "--vary", "loss=1%", "--shard", "1/2", "--csv", "x.csv"], "a shard writes only its part"),
            (["sweep", "--vary", "loss=1%", "--metric", "dups"], "unknown metric 'dups'"),
            (["sweep", "--vary", "loss=0%,1%", "--log", "x"], "a log scale needs every value above 0"),
            (["sweep", "--vary", "loss=1%", "--seed", "3"], "--seeds FIRST..LAST"),
            (["sweep", "--vary", "loss=1%", "--shard-count", "2"], "needs JOB_COMPLETION_INDEX"),
            (["merge"], "give the part files"),
            (["merge", "missing.txt"], "not found"),
            (["merge", "bogus.txt"], "not a part of an ackscope sweep"),
        ] {
            let (status, out, err) = Self.run([bin] + args, in: dir)
            #expect(status == 2, "\(args): exit \(status)")
            #expect(out.isEmpty, "\(args): stdout \(out)")
            #expect(err.hasPrefix("ackscope: ") && err.split(separator: "\n").count == 1 && err.contains(needle), "\(args): \(err)")
        }
    }
}

/// Counts an XML document's elements by name.
private final class ElementCounter: NSObject, XMLParserDelegate {
    var counts: [String: Int] = [:]
    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String]) {
        counts[name, default: 0] += 1
    }
}
