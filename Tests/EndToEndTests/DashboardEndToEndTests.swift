import Foundation
import Testing

/// The real binary in a real (tmux) terminal: keys pressed, screen read, as a person would.
@Suite(.serialized) struct DashboardEndToEndTests {
    @Test func countersMoveKeysActResizeReflowsAndQExitsZero() throws {
        guard requireTmux() else { return }
        let bin = try #require(ackscopeBinary(), "ackscope binary not built next to the tests")
        guard let tmux = Tmux(width: 120, height: 40, command: "\(bin) --seed 3 --speed 10") else { return }
        defer { tmux.kill() }

        // The labelled counters are there and move.
        var screen = tmux.waitFor("the lanes panel") { s in
            ["in flight", "unacked", "redelivered", "dup deliveries", "dup effects", "lost"].allSatisfy { s.contains($0) }
                && (row("delivered", in: s)?.first ?? 0) > 0
        }
        let delivered1 = row("delivered", in: screen) ?? []
        screen = tmux.waitFor("delivered to grow") { s in
            guard let d = row("delivered", in: s), d.count == 3, delivered1.count == 3 else { return false }
            return d[0] > delivered1[0]
        }
        // At 10x with 1% loss, at-least-once redelivers within a few virtual seconds.
        tmux.waitFor("a redelivery in the at-least-once lane", seconds: 20) { s in
            (row("redelivered", in: s)?.dropFirst().first ?? 0) > 0
        }

        // Select consumer-1 (producer-1, broker, consumer-1) and crash it.
        tmux.keys("Tab")
        tmux.keys("Tab")
        tmux.waitFor("selection on c1") { $0.contains("▶c1") }
        tmux.keys("c")
        tmux.waitFor("c1 crashed") { s in s.split(separator: "\n").contains { $0.contains("▶c1") && $0.contains("CRASHED") } }
        tmux.waitFor("the crash in the event log") { $0.contains("crash consumer-1") }
        tmux.keys("c")
        tmux.waitFor("c1 restarted") { s in s.split(separator: "\n").contains { $0.contains("▶c1") && $0.contains(" up ") } }
        // Partition and heal, then a one-way partition.
        tmux.keys("x")
        tmux.waitFor("c1 partitioned") { s in s.split(separator: "\n").contains { $0.contains("▶c1") && $0.contains("PARTITIONED") } }
        tmux.keys("x")
        tmux.keys("a")
        tmux.waitFor("c1 losing acks") { s in s.split(separator: "\n").contains { $0.contains("▶c1") && $0.contains("ACKS LOST") } }
        tmux.keys("h")

        // Resizing reflows: the right border moves to the new last column.
        tmux.resize(width: 90, height: 30)
        screen = tmux.waitFor("reflow to 90 columns") { s in
            s.split(separator: "\n").contains { $0.hasPrefix("┌") && $0.count == 90 }
        }
        tmux.resize(width: 60, height: 20)
        tmux.waitFor("the too-small message") { $0.contains("Terminal too small: 60x20, needs 80x24") }
        tmux.resize(width: 120, height: 40)
        tmux.waitFor("reflow back to 120 columns") { s in s.split(separator: "\n").contains { $0.hasPrefix("┌") && $0.count == 120 } }

        // Help opens and closes.
        tmux.keys("?")
        tmux.waitFor("the help overlay") { $0.contains("keys: each one is a fault or a view") }
        tmux.keys("Escape")
        tmux.waitFor("help closed") { !$0.contains("keys: each one is a fault or a view") }

        tmux.keys("q")
        tmux.waitFor("exit status 0") { $0.contains("EXIT=0") }
    }

    @Test func noColorMeansNoColourEscapes() throws {
        guard requireTmux() else { return }
        let bin = try #require(ackscopeBinary())
        guard let tmux = Tmux(width: 100, height: 30, command: "\(bin) --seed 1", env: ["NO_COLOR": "1"]) else { return }
        defer { tmux.kill() }
        tmux.waitFor("the dashboard") { $0.contains("in flight") }
        let colored = tmux.screen(colors: true)
        // SGR colour parameters: 30-37, 90-97 (fg), 40-47, 100-107 (bg), 38;… and 48;… (256/RGB).
        let pattern = try NSRegularExpression(pattern: "\u{1b}\\[[0-9;]*(3[0-8]|4[0-8]|9[0-7]|10[0-7])[;m]")
        let matches = pattern.numberOfMatches(in: colored, range: NSRange(colored.startIndex..., in: colored))
        #expect(matches == 0, "colour escapes with NO_COLOR:\n\(colored.prefix(400))")
        tmux.keys("q")
        tmux.waitFor("exit") { $0.contains("EXIT=0") }
    }

    @Test func colourIsUsedByDefault() throws {
        guard requireTmux() else { return }
        let bin = try #require(ackscopeBinary())
        guard let tmux = Tmux(width: 100, height: 30, command: "\(bin) --seed 1") else { return }
        defer { tmux.kill() }
        tmux.waitFor("the dashboard") { $0.contains("in flight") }
        #expect(tmux.screen(colors: true).contains("\u{1b}[3"), "expected colour escapes by default")
        tmux.keys("C-c")
        tmux.waitFor("exit by SIGINT") { $0.contains("EXIT=130") }
    }
}

/// Signals and broken terminals, in a real terminal.
@Suite(.serialized) struct TerminalBehaviourTests {
    @Test func sigtermAndSighupRestoreTheTerminalWithTheUsualCodes() throws {
        guard requireTmux() else { return }
        let bin = try #require(ackscopeBinary())
        for (signal, number, code) in [("TERM", SIGTERM, 143), ("HUP", SIGHUP, 129)] {
            guard let tmux = Tmux(width: 100, height: 30, command: bin) else { return }
            defer { tmux.kill() }
            tmux.waitFor("the dashboard") { $0.contains("in flight") }
            let pid = try #require(tmux.programPID(), "no program in the pane")
            kill(pid, number)
            let screen = tmux.waitFor("exit by SIG\(signal)") { $0.contains("EXIT=\(code)") }
            // endwin ran: the dashboard is gone from the visible screen.
            #expect(!screen.contains("in flight"), "terminal not restored after SIG\(signal)")
        }
    }

    @Test func theDashboardExitsWhenItsTerminalGoesAway() throws {
        guard requireTmux() else { return }
        let bin = try #require(ackscopeBinary())
        guard let tmux = Tmux(width: 100, height: 30, command: bin) else { return }
        defer { tmux.kill() }
        tmux.waitFor("the dashboard") { $0.contains("in flight") }
        let pid = try #require(tmux.programPID(), "no program in the pane")
        sh(["tmux", "-L", tmux.socket, "kill-server"])
        // Gone within a few seconds, not left spinning on a dead terminal.
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline && !processEnded(pid) { usleep(50_000) }
        #expect(processEnded(pid), "ackscope (pid \(pid)) still runs after its terminal went away")
        if !processEnded(pid) { kill(pid, SIGKILL) }
    }

    @Test func dumbOrMissingTermIsAClearErrorNotACrash() throws {
        guard requireTmux() else { return }
        let bin = try #require(ackscopeBinary())
        for (env, words) in [("TERM=dumb", "TERM=dumb"), ("-u TERM", "TERM is not set")] {
            guard let tmux = Tmux(width: 100, height: 30, command: "env \(env) \(bin)") else { return }
            defer { tmux.kill() }
            let screen = tmux.waitFor("the error for \(env)") { $0.contains("EXIT=") }
            #expect(screen.contains("EXIT=2"))
            #expect(screen.contains(words), "screen: \(screen)")
        }
    }
}

/// The binary without a terminal, and bad input: one line, exit 2.
@Suite struct CommandLineTests {
    @Test func withoutATtyTheDashboardPointsToRun() throws {
        let bin = try #require(ackscopeBinary())
        let (status, out, err) = sh([bin], stdin: FileHandle(forReadingAtPath: "/dev/null"))
        #expect(status == 2)
        #expect(out.isEmpty)
        #expect(err.contains("ackscope run") && err.split(separator: "\n").count == 1, "stderr: \(err)")
    }

    @Test func badFlagsGetOneLineAndExitTwo() throws {
        let bin = try #require(ackscopeBinary())
        for args in [["run", "--loss", "3x"], ["run", "--modes", "sometimes"], ["run", "--consumers", "0"],
                     ["run", "--latency", "2ms..1ms"], ["run", "--nope"], ["--theme", "no-such-theme"],
                     ["run", "--durable", "--transient"]] {
            let (status, _, err) = sh([bin] + args)
            #expect(status == 2, "\(args): exit \(status)")
            #expect(err.split(separator: "\n").count == 1 && err.hasPrefix("ackscope: "), "\(args): \(err)")
        }
    }

    @Test func sameSeedSameBytesAcrossProcesses() throws {
        let bin = try #require(ackscopeBinary())
        let args = [bin, "run", "--seed", "9123", "--duration", "20s", "--chaos", "--transient", "--json", "-"]
        let (s1, a, _) = sh(args)
        let (s2, b, _) = sh(args)
        #expect(s1 == 0 && s2 == 0)
        #expect(!a.isEmpty && a == b)
        #expect(a.hasPrefix("{\"seed\":9123,"))
        let (_, c, _) = sh([bin, "run", "--seed", "9124", "--duration", "20s", "--chaos", "--transient", "--json", "-"])
        #expect(a != c)
        // Every counter of DESIGN.md is there, under its exact name.
        for name in ["published", "confirmed", "ready", "in_flight", "unacked", "delivered", "redelivered", "acked",
                     "processed", "duplicate_deliveries", "duplicate_effects", "duplicates_suppressed", "lost",
                     "dead_lettered", "out_of_order", "latency_ms", "events", "checks"] {
            #expect(a.contains("\"\(name)\":"), "missing \(name)")
        }
        let parsed = try JSONSerialization.jsonObject(with: Data(a.utf8)) as? [String: Any]
        #expect((parsed?["lanes"] as? [Any])?.count == 3)
    }
}
