import Foundation
import Testing

/// Runs a command (found in PATH) and returns (exit status, stdout, stderr).
///
/// Both pipes are read at once. Reading stdout to its end and then stderr hung for good
/// when a child filled the stderr pipe (64 KB) first: it waited for us, and we for its
/// stdout. swift-subprocess reads them together too, but only from async code, and `sh` is
/// called from synchronous tests and helpers all over this target; blocking on async work
/// from them could starve the cooperative pool (two threads on this two-core machine).
/// The exit status is as a shell gives it (128 + the signal that ended the command).
@discardableResult
func sh(_ args: [String], env: [String: String]? = nil, stdin: FileHandle? = nil) -> (Int32, String, String) {
    guard let out = closeOnExecPipe() else { return (-1, "", "pipe: errno \(errno)") }
    guard let err = closeOnExecPipe() else {
        close(out[0])
        close(out[1])
        return (-1, "", "pipe: errno \(errno)")
    }
    let pid = spawnClean(["/usr/bin/env"] + args, environment: env,
                         stdin: stdin.map { .descriptor($0.fileDescriptor) } ?? .inherited,
                         stdout: .descriptor(out[1]), stderr: .descriptor(err[1]))
    close(out[1])
    close(err[1])
    let (o, e) = readToEnd(out[0], err[0])
    close(out[0])
    close(err[0])
    guard let pid else { return (-1, "", "posix_spawn failed for \(args)") }
    return (waitExit(pid), String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
}

/// Held while a pipe is made close-on-exec and while a child is spawned, so that no child
/// started by another test in between inherits a pipe's write end (its reader would wait
/// for that child's end). glibc's pipe2, which does both at once, is not visible to Swift.
let spawnLock = NSLock()

/// A pipe (read end, write end) whose ends no child inherits.
func closeOnExecPipe() -> [Int32]? {
    spawnLock.withLock {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { return nil }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        return fds
    }
}

/// Reads two descriptors to their ends, each as soon as it has data.
func readToEnd(_ first: Int32, _ second: Int32) -> ([UInt8], [UInt8]) {
    var fds = [pollfd(fd: first, events: Int16(POLLIN), revents: 0), pollfd(fd: second, events: Int16(POLLIN), revents: 0)]
    var data: [[UInt8]] = [[], []]
    var buffer = [UInt8](repeating: 0, count: 1 << 16)
    while fds.contains(where: { $0.fd >= 0 }) {
        if poll(&fds, nfds_t(fds.count), -1) < 0 {
            if errno == EINTR { continue }
            break
        }
        for k in fds.indices where fds[k].fd >= 0 && fds[k].revents != 0 {
            let n = read(fds[k].fd, &buffer, buffer.count)
            if n > 0 {
                data[k] += buffer[..<n]
            } else if n == 0 || errno != EINTR {
                fds[k].fd = -1  // at its end (or broken): poll skips a negative descriptor
            }
        }
    }
    return (data[0], data[1])
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
        // or it holds open the pipes another test's `sh` reads to their end, and that test
        // never returns. bash closes them all first.
        // TERM stays tmux's own ("screen"): another terminal's description inside tmux (say
        // xterm's back-colour-erase) garbles the screen. `trap : INT` keeps this shell alive
        // when Ctrl-C kills the program, so it can print the exit status.
        let inner = "trap : INT; env LANG=C.UTF-8 \(envPrefix)\(command); echo EXIT=$?; sleep 30"
        let line = "tmux -L \(socket) -f /dev/null new-session -d -s \(session) -x \(width) -y \(height) '\(inner)' </dev/null >/dev/null 2>&1"
        let closeAll = "for ((fd=3; fd<1024; fd++)); do eval \"exec $fd>&-\"; done 2>/dev/null; "
        let status = spawnClean(["/bin/bash", "-c", closeAll + line]).map(waitExit) ?? -1
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

/// Where a child's stdin, stdout or stderr goes.
enum ChildStream {
    /// Where the test process's own goes.
    case inherited
    /// A file: read (stdin), or created and emptied (stdout, stderr).
    case file(String)
    /// A descriptor of ours, such as a pipe's end.
    case descriptor(Int32)
}

/// Starts `argv` (a path, not looked up) with no signal blocked and every signal at its
/// default; returns its pid, for `waitExit`.
///
/// A test runs on a thread-pool thread whose signal mask blocks most signals, and a child
/// inherits that mask: a tmux server started so ignored kill-server's hangups and left its
/// panes running, and ackscope would never see the SIGINT a test sends it. posix_spawn with
/// SETSIGMASK/SETSIGDEF gives the child a clean slate. Every child of these tests starts here.
func spawnClean(_ argv: [String], environment: [String: String]? = nil, stdin: ChildStream = .inherited,
                stdout: ChildStream = .inherited, stderr: ChildStream = .inherited) -> pid_t? {
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
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    for (fd, stream) in [(Int32(0), stdin), (1, stdout), (2, stderr)] {
        switch stream {
        case .inherited: break
        case .file(let path):
            posix_spawn_file_actions_addopen(&actions, fd, path, fd == 0 ? O_RDONLY : O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        case .descriptor(let own): posix_spawn_file_actions_adddup2(&actions, own, fd)
        }
    }
    var cargs = argv.map { strdup($0) } + [nil]
    defer { for p in cargs { free(p) } }
    let variables = environment.map { $0.sorted { $0.key < $1.key }.map { $0.key + "=" + $0.value } }
    var cenv = (variables ?? []).map { strdup($0) } + [nil]
    defer { for p in cenv { free(p) } }
    var pid: pid_t = 0
    let rc = spawnLock.withLock {
        variables == nil ? posix_spawn(&pid, argv[0], &actions, &attr, &cargs, environ)
                         : posix_spawn(&pid, argv[0], &actions, &attr, &cargs, &cenv)
    }
    return rc == 0 ? pid : nil
}

/// Waits for `pid` and returns its status as a shell reports it: the exit code, or 128 +
/// the signal that ended it (143 for SIGTERM).
func waitExit(_ pid: pid_t) -> Int32 {
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
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

/// The harness itself: `sh` must not hang on a child's output, and children start with no
/// signal blocked.
@Suite struct HarnessTests {
    /// A child that fills the stderr pipe before it writes to stdout finishes, and `sh` gets
    /// every byte of both. (`timeout` ends a child that hangs, so a deadlock fails here
    /// instead of hanging the test run.)
    @Test func aChildFillingBothPipesFinishes() {
        let (status, out, err) = sh(["timeout", "30", "/bin/sh", "-c", "head -c 1000000 /dev/zero >&2; head -c 1000000 /dev/zero"])
        #expect(status == 0)
        #expect(out.utf8.count == 1_000_000, "stdout: \(out.utf8.count) bytes")
        #expect(err.utf8.count == 1_000_000, "stderr: \(err.utf8.count) bytes")
    }

    /// `sh`'s children, like `spawnClean`'s, start with no signal blocked and none of the
    /// standard ones ignored. (glibc keeps its own two, 32 and 33, out of `sigfillset`.)
    @Test func childrenStartWithNoSignalBlocked() throws {
        let (status, out, _) = sh(["grep", "-E", "^Sig(Blk|Ign):", "/proc/self/status"])
        #expect(status == 0)
        let masks = out.split(separator: "\n").map { $0.split(separator: "\t") }
        let blocked = try #require(masks.first { $0.first == "SigBlk:" }?.last.flatMap { UInt64($0, radix: 16) }, "\(out)")
        let ignored = try #require(masks.first { $0.first == "SigIgn:" }?.last.flatMap { UInt64($0, radix: 16) }, "\(out)")
        #expect(blocked == 0, "\(out)")
        #expect(ignored & 0x7FFF_FFFF == 0, "signals 1 to 31: \(out)")
    }
}
