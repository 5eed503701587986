import Foundation
import Testing

/// Scenarios, recordings, exports and compare, through the real binary.
@Suite(.serialized) struct ExperimentsEndToEndTests {
    static func tempDir() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ackscope-e2e-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.path
    }

    /// Record a session in a real terminal (a scenario, keys, a snapshot), quit, replay
    /// the recording headless: the JSON is the same, byte for byte.
    @Test func recordInTheDashboardReplayHeadlessSameJSON() throws {
        guard requireTmux() else { return }
        let bin = try #require(ackscopeBinary(), "ackscope binary not built next to the tests")
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // Its own folder, for the snapshot `e` writes there.
        let command = "bash -c \"cd \(dir) && exec \(bin) --seed 5 --speed 20 --scenario lost-ack-duplicate --crash-every 3s --crash-for 500ms --record rec.toml --json dash.json\""
        guard let tmux = Tmux(width: 120, height: 40, command: command) else { return }
        defer { tmux.kill() }

        let first = tmux.waitFor("the scenario's title and explanation") { s in
            s.contains("scenario: A lost ack becomes a duplicate") && s.contains("one-way partition")
        }
        guard first.contains("scenario: A lost ack") else { return }
        tmux.waitFor("the scenario's timeline to finish", seconds: 20) { $0.contains("timeline 2/2") }
        // Keys on top of the scenario: crash and restart consumer-1, more loss, the broker.
        tmux.keys("Tab")
        tmux.keys("Tab")
        tmux.waitFor("selection on c1") { $0.contains("▶c1") }
        tmux.keys("c")
        tmux.waitFor("c1 crashed") { $0.contains("crash consumer-1") }
        tmux.keys("l")
        tmux.keys("c")
        tmux.keys("b")
        tmux.waitFor("the broker crashed") { s in
            s.contains("crash broker") || s.split(separator: "\n").contains { $0.contains("broker") && $0.contains("CRASHED") }
        }
        tmux.keys("b")
        // The flow view, on at quit: written into the recording.
        tmux.keys("v")
        tmux.waitFor("the flow view") { $0.contains("flow: at-least-once lane") }
        tmux.keys("e")
        let screen = tmux.waitFor("the snapshot's file name") { $0.contains("Snapshot written to ./ackscope-snapshot-5-") }
        tmux.keys("q")
        tmux.waitFor("exit status 0") { $0.contains("EXIT=0") }

        let dashboard = try String(contentsOfFile: dir + "/dash.json", encoding: .utf8)
        let recording = try String(contentsOfFile: dir + "/rec.toml", encoding: .utf8)
        #expect(recording.contains("# from key") && recording.contains("# from scenario") && recording.contains("# from crash-every"))
        #expect(recording.contains("drain = false") && recording.contains("crash_every = \"0s\""))
        #expect(recording.contains("\nview = \"flow\"\n"))
        let (status, replayed, err) = sh([bin, "run", "--scenario", dir + "/rec.toml", "--json", "-"])
        #expect(status == 0, "\(err)")
        #expect(dashboard.hasPrefix("{\"seed\":5,"))
        #expect(replayed == dashboard, "replay differs from the session:\nsession: \(dashboard)\nreplay:  \(replayed)")

        // The snapshot: screen text, then the JSON summary.
        let name = try #require(screen.split(separator: "\n").first { $0.contains("Snapshot written to ./") }
            .flatMap { $0.split(separator: "/").last?.split(separator: " ").first }.map(String.init))
        let snapshot = try String(contentsOfFile: dir + "/" + name, encoding: .utf8)
        #expect(snapshot.hasPrefix("ackscope snapshot: seed 5,"))
        #expect(snapshot.contains("in flight") && snapshot.contains("{\"seed\":5,\"virtual_ms\":"))
    }

    @Test func runScenarioWritesCSVAndJSONLines() throws {
        let bin = try #require(ackscopeBinary())
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (status, out, err) = sh([bin, "run", "--scenario", "window-of-doubt-traps", "--duration", "20s",
                                     "--csv", dir + "/c.csv", "--sample-every", "2s", "--events", dir + "/e.jsonl"])
        #expect(status == 0, "\(err)")
        #expect(out.hasPrefix("scenario: The window of doubt"))
        let csv = try String(contentsOfFile: dir + "/c.csv", encoding: .utf8).split(separator: "\n")
        #expect(csv[0].hasPrefix("t_ms,phase,lane,published,confirmed,"))
        #expect(csv.filter { $0.contains(",run,") }.count == 10 * 3)
        let events = try String(contentsOfFile: dir + "/e.jsonl", encoding: .utf8).split(separator: "\n")
        #expect(events.count > 1_000)
        for line in events.prefix(50) + events.suffix(50) {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(object?["t_us"] != nil && object?["lane"] != nil && object?["event"] != nil && object?["message"] != nil)
        }
    }

    @Test func compareIsTheSameTwiceAndWithAnyJobs() throws {
        let bin = try #require(ackscopeBinary())
        let args = ["compare", "--scenario", "lost-ack-duplicate", "--seeds", "1..12", "--duration", "12s"]
        let (s1, a, _) = sh([bin] + args + ["--jobs", "2"])
        let (s2, b, _) = sh([bin] + args + ["--jobs", "1"])
        let (s3, c, _) = sh([bin] + args + ["--jobs", "3"])
        #expect(s1 == 0 && s2 == 0 && s3 == 0)
        #expect(a == b && b == c && a.contains("duplicate effects"))
        let (s4, json, _) = sh([bin] + args + ["--json", "-"])
        #expect(s4 == 0)
        let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        #expect((object?["lanes"] as? [Any])?.count == 3)
    }

    @Test func scenariosAreListed() throws {
        let bin = try #require(ackscopeBinary())
        let (status, out, _) = sh([bin, "scenarios"])
        #expect(status == 0)
        #expect(out.contains("at-most-once-crash") && out.contains("redelivery-order"))
    }

    @Test func badExperimentInputGetsOneLineAndExitTwo() throws {
        let bin = try #require(ackscopeBinary())
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let bad = dir + "/bad.toml"
        try "title = \"t\"\nexplanation = \"e\"\n[workload]\nloss = \"3x\"\n".write(toFile: bad, atomically: true, encoding: .utf8)
        let late = dir + "/late.toml"
        try "title = \"t\"\nexplanation = \"e\"\n[[actions]]\nat = \"90s\"\naction = \"heal-all\"\n".write(toFile: late, atomically: true, encoding: .utf8)
        for (args, needle) in [
            (["run", "--scenario", bad], "bad.toml:4:8: workload.loss = \"3x\""),
            (["run", "--scenario", late], "late.toml:4:6: actions[1].at = \"90s\": after the end of the run"),
            (["run", "--scenario", "lost-ack-duplicate", "--consumers", "0"], "--consumers must be from 1 to 256"),
            (["run", "--scenario", "partition-heal", "--consumers", "1"], "unknown target 'consumer-2'"),
            (["run", "--scenario", "no-such-scenario"], "no scenario named 'no-such-scenario'"),
            (["run", "--scenario", dir + "/missing.toml"], "not found"),
            (["run", "--csv", dir + "/no/such/dir.csv"], "cannot write"),
            (["run", "--csv", "-", "--json", "-"], "only one output can go to stdout"),
            (["run", "--sample-every", "0s"], "--sample-every must be above 0s"),
            (["compare", "--seeds", "9..1"], "--seeds"),
            (["compare", "--seed", "3"], "--seeds FIRST..LAST"),
            (["compare", "--jobs", "0"], "--jobs must be from 1"),
            (["--scenario", bad], "bad.toml:4:8:"),
        ] {
            let (status, out, err) = sh([bin] + args, stdin: FileHandle(forReadingAtPath: "/dev/null"))
            #expect(status == 2, "\(args): exit \(status)")
            #expect(out.isEmpty, "\(args): stdout \(out)")
            #expect(err.hasPrefix("ackscope: ") && err.split(separator: "\n").count == 1 && err.contains(needle), "\(args): \(err)")
        }
    }
}
