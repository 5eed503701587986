import Foundation
import Testing

/// Whether Debian's nats-server is installed (on PATH, or in /usr/sbin where it goes).
func natsServerInstalled() -> Bool {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
    return (path.split(separator: ":").map(String.init) + ["/usr/sbin", "/usr/local/sbin"]).contains {
        FileManager.default.isExecutableFile(atPath: $0 + "/nats-server")
    }
}

/// Whether something accepts connections on 127.0.0.1:port.
func listening(_ port: Int) -> Bool {
    sh(["/bin/bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/\(port)"]).0 == 0
}

/// The real binary against a real nats-server it starts itself, as a person would run it.
@Suite(.serialized, .enabled(if: natsServerInstalled(), "nats-server is not installed (Debian/Ubuntu: apt-get install nats-server): real-broker tests skipped"))
struct RealBrokerEndToEndTests {
    /// The command: crashes every 5 s for 1 s on a real server, JSON on stdout.
    @Test func aRunWithCrashesOnARealServer() throws {
        let bin = try #require(ackscopeBinary())
        let (status, out, err) = sh([bin, "run", "--broker", "nats", "--duration", "15s", "--crash-every", "5s", "--crash-for", "1s", "--json", "-"])
        #expect(status == 0, "stderr: \(err)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])
        #expect(json["broker"] as? String == "nats" && json["clock"] as? String == "wall" && json["deterministic"] as? Bool == false)
        let lanes = try #require(json["lanes"] as? [[String: Any]])
        #expect(lanes.map { $0["mode"] as? String } == ["at-most-once", "at-least-once", "effectively-once"])
        for lane in lanes {
            #expect((lane["delivered"] as? Int ?? 0) > 0)
            #expect(lane["in_flight"] is NSNull, "in_flight is unobservable: null")
            let checks = try #require(lane["checks"] as? [String: [String: String]])
            #expect(!checks.isEmpty && checks.values.allSatisfy { $0["status"] != "fail" }, "\(checks)")
            #expect(checks["drained"]?["status"] == "pass")
        }
        #expect((lanes[1]["redelivered"] as? Int ?? 0) > 0 && lanes[1]["lost"] as? Int == 0)
        #expect(lanes[0]["duplicate_effects"] as? Int == 0 && lanes[2]["duplicate_effects"] as? Int == 0)
        // The private server it started is gone: its port no longer answers.
        let notes = try #require(json["notes"] as? [String])
        let port = try #require(notes.first.flatMap { n in n.split(separator: ":").dropFirst().first.flatMap { Int($0.prefix { $0.isNumber }) } })
        #expect(!listening(port), "the private server on \(port) was stopped")
    }

    /// The dashboard on real lanes: c on a consumer, at-least-once redelivers after AckWait;
    /// q exits 0, the terminal is restored and the server stopped.
    @Test func theDashboardCrashesARealConsumer() throws {
        guard requireTmux() else { return }
        let bin = try #require(ackscopeBinary())
        // More than two consumers can process: each holds its prefetch when it crashes. An
        // AckWait of 3 s, far above a wait behind the prefetch (4 × 200 ms): the crash alone redelivers.
        let command = "\(bin) --broker nats --loss 0% --rate 15 --consumers 2 --prefetch 4 --processing 200ms --ack-timeout 3s"
        guard let tmux = Tmux(width: 120, height: 40, command: command) else { return }
        defer { tmux.kill() }
        tmux.waitFor("the real lanes", seconds: 15) { s in
            s.contains("NATS JetStream (real)") && (row("delivered", in: s)?.first ?? 0) > 0
        }
        let server = try #require(tmux.programPID().flatMap { pid in
            (try? String(contentsOfFile: "/proc/\(pid)/task/\(pid)/children", encoding: .utf8))?.split(separator: " ").first.flatMap { Int32($0) }
        }, "ackscope started nats-server as its child")
        #expect(kill(server, 0) == 0)
        #expect(row("redelivered", in: tmux.screen())?.dropFirst().first == 0, "no redelivery before the crash")
        tmux.keys("Tab")
        tmux.keys("Tab")
        tmux.waitFor("selection on c1") { $0.contains("▶c1") }
        tmux.keys("c")
        let crashedAt = Date()
        tmux.waitFor("c1 crashed") { s in s.split(separator: "\n").contains { $0.contains("▶c1") && $0.contains("CRASHED") } }
        tmux.waitFor("at-least-once redelivers after AckWait", seconds: 15) { s in
            (row("redelivered", in: s)?.dropFirst().first ?? 0) > 0 && s.contains("redelivered to c2")
        }
        let after = Date().timeIntervalSince(crashedAt)
        #expect(after > 2.5, "redelivered \(after) s after the crash: AckWait is 3 s")
        tmux.keys("q")
        let end = tmux.waitFor("exit status 0", seconds: 10) { $0.contains("EXIT=0") }
        #expect(!end.contains("lanes:"), "the terminal was restored")
        usleep(200_000)
        #expect(kill(server, 0) == -1, "the server was stopped")
    }

    /// `| head` closes stdout mid-run: the run still stops its server and removes its store.
    @Test func aClosedPipeLeavesNothingBehind() throws {
        let bin = try #require(ackscopeBinary())
        let dir = NSTemporaryDirectory() + "ackscope-pipe-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (status, out, _) = sh(["/bin/bash", "-c", "TMPDIR=\(dir) '\(bin)' run --broker nats --duration 3s --events - | head -1; echo \"${PIPESTATUS[0]}\""])
        #expect(status == 0)
        let lines = out.split(separator: "\n")
        #expect(lines.count == 2 && lines.first?.hasPrefix("{") == true, "\(out)")
        #expect(lines.last == "141", "ended as SIGPIPE would have ended it: \(out)")
        #expect((try? FileManager.default.contentsOfDirectory(atPath: dir)) == [], "no store left in \(dir)")
    }

    @Test func badBrokerInputIsOneLineAndExitTwo() throws {
        let bin = try #require(ackscopeBinary())
        for args in [["run", "--broker", "kafka"], ["run", "--broker", "nats://10.0.0.1:4222"],
                     ["compare-broker"], ["compare-broker", "--all", "--scenario", "partition-heal"],
                     ["compare-broker", "--scenario", "partition-heal", "--broker", "sim"],
                     ["run", "--broker", "nats", "--modes", "in-process"], ["--broker", "nats", "--record", "/tmp/x.toml"]] {
            let (status, out, err) = sh([bin] + args)
            #expect(status == 2, "\(args)")
            #expect(out.isEmpty && err.hasPrefix("ackscope: ") && err.split(separator: "\n").count == 1, "\(args): \(err)")
        }
        // Nothing listens on port 1: said in one line.
        let (status, _, err) = sh([bin, "run", "--broker", "nats://127.0.0.1:1", "--duration", "1s"])
        #expect(status == 2 && err.contains("no NATS server answers at 127.0.0.1:1"), "\(err)")
    }
}
