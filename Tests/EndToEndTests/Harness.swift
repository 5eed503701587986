import Foundation
import Testing

/// Runs a command and returns (exit status, stdout, stderr).
@discardableResult
func sh(_ args: [String], env: [String: String]? = nil, stdin: FileHandle? = nil) -> (Int32, String, String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = args
    if let env { p.environment = env }
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    if let stdin { p.standardInput = stdin }
    do { try p.run() } catch { return (-1, "", "\(error)") }
    let o = out.fileHandleForReading.readDataToEndOfFile()
    let e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
}

/// The `ackscope` binary built next to this test bundle.
func ackscopeBinary() -> String? {
    let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    var dir = URL(fileURLWithPath: exe).deletingLastPathComponent()
    for _ in 0..<4 {
        let candidate = dir.appendingPathComponent("ackscope").path
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        dir = dir.deletingLastPathComponent()
    }
    return nil
}

/// A tmux server of our own (its own socket), so tests never touch a user's sessions.
final class Tmux {
    let socket: String
    let session = "e2e"

    init?(width: Int, height: Int, command: String, env: [String: String] = [:]) {
        socket = "ackscope-e2e-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        var envPrefix = ""
        for (k, v) in env.sorted(by: { $0.key < $1.key }) { envPrefix += "\(k)=\(v) " }
        // The tmux server this starts is a daemon: it must inherit none of our descriptors,
        // or it holds open the pipes and the socket Foundation's Process uses to see the
        // child exit, and waitUntilExit never returns. bash closes them all first.
        // TERM stays tmux's own ("screen"): another terminal's description inside tmux (say
        // xterm's back-colour-erase) garbles the screen. `trap : INT` keeps this shell alive
        // when Ctrl-C kills the program, so it can print the exit status.
        let inner = "trap : INT; env LANG=C.UTF-8 \(envPrefix)\(command); echo EXIT=$?; sleep 30"
        let line = "tmux -L \(socket) -f /dev/null new-session -d -s \(session) -x \(width) -y \(height) '\(inner)' </dev/null >/dev/null 2>&1"
        let closeAll = "for ((fd=3; fd<1024; fd++)); do eval \"exec $fd>&-\"; done 2>/dev/null; "
        let status = spawnClean(["/bin/bash", "-c", closeAll + line])
        if status != 0 {
            Issue.record("tmux new-session failed with status \(status)")
            return nil
        }
    }

    deinit { kill() }

    /// Ends the server and whatever runs in it. Tests call it with `defer`: a test process
    /// may exit before deinit runs, and a dashboard left behind would run on.
    func kill() { sh(["tmux", "-L", socket, "kill-server"]) }

    func keys(_ keys: String...) { sh(["tmux", "-L", socket, "send-keys", "-t", session] + keys) }

    func screen(colors: Bool = false) -> String {
        sh(["tmux", "-L", socket, "capture-pane", "-p", "-t", session] + (colors ? ["-e"] : [])).1
    }

    /// The pid of the program running in the pane (the pane shell's child).
    func programPID() -> Int32? {
        let pane = sh(["tmux", "-L", socket, "display", "-p", "-t", session, "#{pane_pid}"]).1
        guard let shell = Int32(pane.trimmingCharacters(in: .whitespacesAndNewlines)),
              let children = try? String(contentsOfFile: "/proc/\(shell)/task/\(shell)/children", encoding: .utf8)
        else { return nil }
        return children.split(separator: " ").first.flatMap { Int32($0) }
    }

    func resize(width: Int, height: Int) {
        _ = sh(["tmux", "-L", socket, "resize-window", "-t", session, "-x", String(width), "-y", String(height)])
    }

    /// Polls the screen until `condition` holds or `seconds` pass; returns the last screen.
    @discardableResult
    func waitFor(_ what: String, seconds: Double = 10, _ condition: (String) -> Bool) -> String {
        let deadline = Date().addingTimeInterval(seconds)
        var last = ""
        while Date() < deadline {
            last = screen()
            if condition(last) { return last }
            usleep(50_000)
        }
        Issue.record("timed out waiting for \(what); screen was:\n\(last)")
        return last
    }
}

/// Runs a command with no signal blocked and every signal at its default, and waits.
///
/// A test runs on a thread-pool thread whose signal mask blocks most signals, and a child
/// inherits that mask: a tmux server started so ignored kill-server's hangups and left its
/// panes running. posix_spawn with SETSIGMASK/SETSIGDEF gives the child a clean slate.
func spawnClean(_ argv: [String]) -> Int32 {
    var attr = posix_spawnattr_t()
    posix_spawnattr_init(&attr)
    defer { posix_spawnattr_destroy(&attr) }
    var empty = sigset_t()
    sigemptyset(&empty)
    var all = sigset_t()
    sigfillset(&all)
    posix_spawnattr_setsigmask(&attr, &empty)
    posix_spawnattr_setsigdefault(&attr, &all)
    posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
    var cargs = argv.map { strdup($0) } + [nil]
    defer { for p in cargs { free(p) } }
    var pid: pid_t = 0
    let rc = posix_spawn(&pid, argv[0], nil, &attr, &cargs, environ)
    guard rc == 0 else { return -1 }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    return (status & 0x7f) == 0 ? (status >> 8) & 0xff : -1
}

/// tmux must be there: the end-to-end test fails (never skips) without it.
func requireTmux() -> Bool {
    let (status, _, _) = sh(["tmux", "-V"])
    if status != 0 {
        Issue.record("tmux not found: install it (apt-get install tmux); .ci/run does this on a fresh machine")
        return false
    }
    return true
}

/// Whether process `pid` has ended (gone, or a zombie nobody has reaped yet).
func processEnded(_ pid: Int32) -> Bool {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return true }
    // The state follows the command name in parentheses: "123 (ackscope) Z ...".
    guard let close = stat.lastIndex(of: ")") else { return true }
    return stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).hasPrefix("Z")
}

/// The value in a lanes-panel row, per lane: "unacked   0   2   2" → [0, 2, 2].
func row(_ label: String, in screen: String) -> [Int]? {
    for line in screen.split(separator: "\n") {
        let trimmed = line.drop { $0 == "│" || $0 == " " || $0 == "|" }
        guard trimmed.hasPrefix(label + " ") else { continue }
        let lanePart = trimmed.dropFirst(label.count).split(separator: "│").first ?? ""
        let numbers = lanePart.split(separator: " ").compactMap { Int($0) }
        return numbers.isEmpty ? nil : numbers
    }
    return nil
}

/// The package's root folder (this file is Tests/EndToEndTests/Harness.swift).
func packageRoot() -> String {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
}

/// The release binary, the one `swift run -c release ackscope` starts, built once per test run.
///
/// Release builds inline across modules and debug builds do not, so behaviour that depends on
/// it (one signal flag seen by two modules) is only tested against this binary. It is built
/// in its own scratch folder: `swift test` holds the lock on `.build` while tests run.
let releaseBuild: Result<String, ReleaseBuildError> = {
    let root = packageRoot()
    let scratch = root + "/.build-e2e"
    let (status, out, err) = sh(["swift", "build", "-c", "release", "--product", "ackscope",
                                 "--package-path", root, "--scratch-path", scratch])
    guard status == 0 else {
        return .failure(ReleaseBuildError(text: "swift build -c release failed (\(status)):\n\(out.suffix(2_000))\(err.suffix(2_000))"))
    }
    let bin = scratch + "/release/ackscope"
    guard FileManager.default.isExecutableFile(atPath: bin) else {
        return .failure(ReleaseBuildError(text: "no release binary at \(bin)"))
    }
    return .success(bin)
}()

struct ReleaseBuildError: Error, CustomStringConvertible {
    var text: String
    var description: String { text }
}

func releaseBinary() throws -> String { try releaseBuild.get() }
