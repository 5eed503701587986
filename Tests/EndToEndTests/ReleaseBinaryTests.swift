import Foundation
import Testing

/// The release binary in a real (tmux) terminal: how a user leaves it, and whether it answers.
@Suite(.serialized) struct ReleaseBinaryTests {
    /// Ctrl-C, SIGTERM and SIGHUP each end the dashboard with the conventional status, and the
    /// terminal's settings (`stty -g`) are the same after as before.
    @Test func signalsExitWithTheirCodesAndRestoreTheTerminal() throws {
        guard requireTmux() else { return }
        let bin = try releaseBinary()
        let dir = try tempDir()
        for (how, code) in [("C-c", 130), ("TERM", 143), ("HUP", 129)] {
            let before = dir + "/before-\(how)", after = dir + "/after-\(how)"
            let command = "stty -g > \(before); \(bin) --seed 2; code=$?; stty -g > \(after); (exit $code)"
            guard let tmux = Tmux(width: 100, height: 30, command: command) else { return }
            defer { tmux.kill() }
            tmux.waitFor("the dashboard") { $0.contains("in flight") }
            if how == "C-c" {
                tmux.keys("C-c")
            } else {
                let pid = try #require(tmux.programPID(), "no program in the pane")
                kill(pid, how == "TERM" ? SIGTERM : SIGHUP)
            }
            let screen = tmux.waitFor("exit \(code) after \(how)") { $0.contains("EXIT=") }
            #expect(screen.contains("EXIT=\(code)"), "\(how): \(screen)")
            #expect(!screen.contains("in flight"), "\(how): the dashboard is still on the screen")
            let b = try String(contentsOfFile: before, encoding: .utf8)
            let a = try String(contentsOfFile: after, encoding: .utf8)
            #expect(!b.isEmpty && a == b, "\(how): stty -g before \(b) after \(a)")
        }
    }

    /// Large worlds still draw a first frame and quit on `q`: no single step of the simulation
    /// may hold the loop. (Deadlines are generous: this checks that it answers, not how fast;
    /// the figures are measured separately and quoted in the README.)
    /// The random-fault property sweep over 10,000 seeds, every mode, on the release build
    /// (the debug build runs 150 in ExperimentsTests): about a minute on a quiet machine.
    @Test func tenThousandSeedsKeepEveryPromise() throws {
        let bin = try releaseBinary()
        let (code, out, err) = sh([bin, "selfcheck", "--seeds", "10000"])
        #expect(code == 0, "\(out)\(err)")
        #expect(out.contains("seeds 1-10000 (10000 run), 5 lanes each, 0 failures"), "\(out)")
        #expect(out.contains("exercised: loss true, duplicate effects true, stale keys true, store-key duplicates true, promises not in force true"), "\(out)")
    }

    @Test(arguments: [
        "--rate 10000 --producers 64 --consumers 256 --speed 1000",
        "--rate 100000000",
        "--rate 100000 --speed 1000",
    ])
    func heavyWorldsDrawAndQuit(_ flags: String) throws {
        guard requireTmux() else { return }
        let bin = try releaseBinary()
        guard let tmux = Tmux(width: 120, height: 40, command: "\(bin) \(flags)") else { return }
        defer { tmux.kill() }
        tmux.waitFor("a first frame for \(flags)", seconds: 5) { $0.contains("in flight") }
        usleep(500_000)
        tmux.keys("q")
        let screen = tmux.waitFor("exit after q for \(flags)", seconds: 5) { $0.contains("EXIT=") }
        #expect(screen.contains("EXIT=0"), "\(flags): \(screen)")
    }

    func tempDir() throws -> String {
        let dir = NSTemporaryDirectory() + "ackscope-release-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }
}
