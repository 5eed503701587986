import CAckSignals
import Glibc

/// A private nats-server: started from PATH on a free loopback port with a temporary
/// JetStream store, killed and restarted on the same port and store for a broker crash,
/// stopped and its store removed at the end.
public final class NatsServer {
    public let executable: String
    public let port: UInt16
    public let storeDir: String
    public let version: String
    public private(set) var pid: pid_t = 0
    let jetStream: Bool

    public enum Failure: Error, Equatable, CustomStringConvertible {
        case notInstalled
        case startFailed(String)
        public var description: String {
            switch self {
            case .notInstalled:
                "nats-server is not installed (Debian/Ubuntu: apt-get install nats-server); --broker sim needs nothing"
            case .startFailed(let why): "nats-server did not start: " + why
            }
        }
    }

    /// Where nats-server is: PATH first, then the sbin folders Debian installs into.
    public static func find() -> String? {
        let path = getenv("PATH").map { String(cString: $0) } ?? ""
        for dir in path.split(separator: ":").map(String.init) + ["/usr/sbin", "/usr/local/sbin", "/sbin", "/usr/local/bin", "/usr/bin"] {
            let candidate = dir + "/nats-server"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }

    /// The folder temporary stores go in: `$TMPDIR`, else /tmp.
    static var temporaryFolder: String {
        let dir = getenv("TMPDIR").map { String(cString: $0) } ?? ""
        return dir.hasPrefix("/") ? String(dir.reversed().drop { $0 == "/" }.reversed()) : "/tmp"
    }

    /// `jetStream: false` only for a test of a server without it.
    public init(jetStream: Bool = true) throws(Failure) {
        self.jetStream = jetStream
        guard let exe = Self.find() else { throw .notInstalled }
        executable = exe
        version = Self.versionOf(exe)
        guard let p = Self.freePort() else { throw .startFailed("no free port on 127.0.0.1") }
        port = p
        var template = Array((Self.temporaryFolder + "/ackscope-nats-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else { throw .startFailed("cannot make a temporary folder in \(Self.temporaryFolder)") }
        storeDir = String(cString: made)
        try start()
    }

    deinit { stop() }

    public var isRunning: Bool { pid > 0 }

    /// Starts the process and waits until it accepts connections (at most 10 s).
    public func start() throws(Failure) {
        guard pid == 0 else { return }
        let args = [executable] + (jetStream ? ["-js"] : []) + ["-a", "127.0.0.1", "-p", String(port), "-sd", storeDir]
        let log = storeDir + "/server.log"
        // Everything the child needs is made before fork: after it, only system calls.
        let logFD = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        let nullFD = open("/dev/null", O_RDONLY | O_CLOEXEC)
        guard logFD >= 0, nullFD >= 0 else { throw .startFailed("cannot write its log in \(storeDir)") }
        defer { Glibc.close(logFD); Glibc.close(nullFD) }
        var cargs = args.map { strdup($0) } + [nil]
        defer { for a in cargs { free(a) } }
        let parent = getpid()
        let child = fork()
        if child == 0 {
            // Killed with ackscope, however ackscope ends (even SIGKILL): never left behind.
            ack_die_with_parent()
            if getppid() != parent { _exit(1) }
            // Its own process group: a Ctrl-C at the terminal reaches ackscope, which stops it.
            setpgid(0, 0)
            var none = sigset_t()
            sigemptyset(&none)
            sigprocmask(SIG_SETMASK, &none, nil)
            dup2(nullFD, 0)
            dup2(logFD, 1)
            dup2(logFD, 2)
            execv(executable, &cargs)
            _exit(127)
        }
        guard child > 0 else { throw .startFailed("fork: errno \(errno)") }
        pid = child
        for _ in 0..<200 {
            if Self.accepts(port) { return }
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid {
                pid = 0
                throw .startFailed("it exited at once; its log: " + Self.tail(log))
            }
            usleep(50_000)
        }
        throw .startFailed("it did not listen on 127.0.0.1:\(port) within 10 s")
    }

    /// A broker crash: SIGKILL, no goodbye. File storage survives it; memory does not.
    public func kill() {
        guard pid > 0 else { return }
        Glibc.kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        pid = 0
    }

    /// Stops the server (SIGTERM, then SIGKILL after 3 s) and removes its store.
    public func stop() {
        if pid > 0 {
            Glibc.kill(pid, SIGTERM)
            var status: Int32 = 0
            var gone = false
            for _ in 0..<60 {
                if waitpid(pid, &status, WNOHANG) == pid { gone = true; break }
                usleep(50_000)
            }
            if !gone { kill() }
            pid = 0
        }
        Self.removeTree(storeDir)
    }

    static func accepts(_ port: UInt16) -> Bool {
        let c = NatsConnection(name: "probe", port: port)
        defer { c.close() }
        return c.open()
    }

    static func freePort() -> UInt16? {
        let s = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard s >= 0 else { return nil }
        defer { Glibc.close(s) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(s, $0, len) == 0 && getsockname(s, $0, &len) == 0 }
        }
        return ok ? UInt16(bigEndian: addr.sin_port) : nil
    }

    /// `nats-server --version`'s words, e.g. "nats-server: v2.9.10" → "2.9.10".
    static func versionOf(_ exe: String) -> String {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { return "?" }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
        posix_spawn_file_actions_addclose(&actions, fds[0])
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        var cargs = [strdup(exe), strdup("--version"), nil]
        defer { for a in cargs { free(a) } }
        var child: pid_t = 0
        let rc = posix_spawn(&child, exe, &actions, nil, &cargs, environ)
        Glibc.close(fds[1])
        defer { Glibc.close(fds[0]) }
        guard rc == 0 else { return "?" }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 256)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fds[0], $0.baseAddress, $0.count) }
            if n <= 0 { break }
            bytes += chunk[0..<n]
        }
        var status: Int32 = 0
        waitpid(child, &status, 0)
        let text = String(decoding: bytes, as: UTF8.self)
        guard let v = text.split(separator: "v").last else { return "?" }
        return String(v.prefix { $0.isNumber || $0 == "." })
    }

    static func tail(_ path: String) -> String {
        guard let f = fopen(path, "r") else { return "(none)" }
        defer { fclose(f) }
        var last = ""
        var line = [CChar](repeating: 0, count: 1024)
        while fgets(&line, Int32(line.count), f) != nil {
            let s = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if !s.trimmingSpaces.isEmpty { last = s }
        }
        return last.split(separator: "\n").first.map(String.init) ?? "(empty)"
    }

    /// Removes a folder this class made, and everything in it.
    static func removeTree(_ path: String) {
        guard path.split(separator: "/").last?.hasPrefix("ackscope-nats-") == true else { return }
        removeTreeUnchecked(path)
    }

    private static func removeTreeUnchecked(_ path: String) {
        guard let dir = opendir(path) else { return }
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) { String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self)) }
            if name == "." || name == ".." { continue }
            let child = path + "/" + name
            var st = stat()
            if lstat(child, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR { removeTreeUnchecked(child) } else { unlink(child) }
        }
        closedir(dir)
        rmdir(path)
    }
}
