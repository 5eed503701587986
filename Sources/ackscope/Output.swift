#if canImport(Glibc)
import Glibc
#endif
import TOMLLite

/// Process-level output helpers: stderr lines, files, exit codes. No Foundation.
enum Output {
    /// One line on stderr. Made terminal-safe here too, whatever the caller escaped: the
    /// line may quote a file, and nothing from a file reaches the terminal raw.
    static func error(_ line: String) {
        writeFD(2, "ackscope: " + TerminalText.safe(line, limit: 2_000) + "\n")
    }

    /// Writes straight to a file descriptor (stderr has no Swift-safe global here).
    ///
    /// Retries a write a signal interrupted: the dashboard catches SIGINT, SIGTERM and
    /// SIGHUP without SA_RESTART, and the lines printed after one must not be cut short.
    static func writeFD(_ fd: Int32, _ text: String) {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return }
            bytes = bytes.dropFirst(n)
        }
    }

    /// The size of the terminal on `fd`: 80 × 24 when it is not one or cannot tell.
    static func terminalSize(_ fd: Int32) -> (columns: Int, rows: Int) {
        var size = winsize()
        guard isatty(fd) == 1, ioctl(fd, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0, size.ws_row > 0 else { return (80, 24) }
        return (Int(size.ws_col), Int(size.ws_row))
    }

    /// A value from the command line made safe to quote in a message on a terminal.
    ///
    /// The same escaping as text read from files (`TerminalText`): control characters (C0,
    /// DEL, C1; ESC among them) become visible text (`\u{1B}`, `\n`), so a flag value cannot
    /// move the cursor, change colours or retitle
    /// the window when an error quotes it. A value longer than `limit` characters is cut,
    /// with an ellipsis and its length: the message stays one readable line.
    static func printable(_ text: String, limit: Int = 80) -> String {
        TerminalText.safe(text, limit: limit)
    }

    /// Writes `text` to `path` (whole, or not at all: see `OutputFile`), or stdout for "-".
    /// Returns an error line on failure.
    static func write(_ text: String, to path: String) -> String? {
        do {
            let file = try OutputFile(path)
            file.write(text)
            return file.close()
        } catch {
            return error.description
        }
    }

    /// Reads a whole file as UTF-8, or returns nil.
    static func read(_ path: String) -> String? {
        guard let f = fopen(path, "r") else { return nil }
        defer { fclose(f) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = chunk.withUnsafeMutableBufferPointer { fread($0.baseAddress, 1, $0.count, f) }
            if n <= 0 { break }
            bytes += chunk[0..<n]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Monotonic wall-clock nanoseconds.
    static func monotonicNanos() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    /// A field of /proc/self/status in KiB (VmRSS, VmHWM).
    static func procStatusKiB(_ field: String) -> Int? {
        guard let text = read("/proc/self/status") else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(field + ":") {
            let digits = line.dropFirst(field.count + 1).filter { $0.isNumber }
            return Int(String(digits))
        }
        return nil
    }
}

/// An output file opened up front (so a bad path fails before any work), written in
/// pieces through stdio's buffer; `-` is standard output.
///
/// A file is written under a temporary name in its folder (`.NAME.tmp-PID`) and renamed
/// over PATH by `close`, so PATH holds either its old content or the whole new one: a
/// run that is killed, or fails, never leaves it empty or cut. Not closed (an error
/// before the end), the temporary file is removed and PATH stays as it was. Devices,
/// pipes and folders where no temporary file can be made are written in place.
final class OutputFile {
    let path: String
    private var file: UnsafeMutablePointer<FILE>?
    /// The temporary file being written, renamed to `destination` by `close`; nil when
    /// writing in place.
    private var temporaryPath: String?
    /// Where the temporary file goes: PATH, or the file PATH links to.
    private var destination: String
    private var failed = false

    init(_ path: String) throws(CommandError) {
        self.path = path
        destination = path
        if path == "-" {
            fflush(nil)
            file = fdopen(dup(1), "w")
        } else if let (temporary, target, f) = Self.openTemporary(for: path) {
            temporaryPath = temporary
            destination = target
            file = f
        } else {
            file = fopen(path, "w")
        }
        if file == nil { throw CommandError("cannot write '\(Output.printable(path))': \(String(cString: strerror(errno)))") }
    }

    /// Opens `.NAME.tmp-PID` beside the file PATH names, or returns nil to write in place.
    private static func openTemporary(for path: String) -> (temporary: String, destination: String, file: UnsafeMutablePointer<FILE>)? {
        var st = stat()
        var target = path
        /// The permissions of the file replaced, kept; nil for a new file (umask applies).
        var keptMode: mode_t? = nil
        if lstat(path, &st) == 0 {
            // Through a link, replace the file it names, not the link.
            if (st.st_mode & S_IFMT) == S_IFLNK {
                guard let real = FilePath.real(path), stat(real, &st) == 0 else { return nil }
                target = real
            }
            guard (st.st_mode & S_IFMT) == S_IFREG else { return nil }
            keptMode = st.st_mode & 0o7777
        }
        let (folder, name) = FilePath.split(target)
        guard !name.isEmpty else { return nil }
        let temporary = (folder == "/" ? "" : folder) + "/." + name + ".tmp-\(getpid())"
        let flags = O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC
        var fd = open(temporary, flags, keptMode == nil ? 0o666 : 0o600)
        if fd < 0 && errno == EEXIST {
            // Left by an earlier process that had our pid and was killed outright.
            unlink(temporary)
            fd = open(temporary, flags, keptMode == nil ? 0o666 : 0o600)
        }
        // A folder we cannot create files in (but PATH itself may be writable): in place.
        guard fd >= 0 else { return nil }
        if let keptMode { fchmod(fd, keptMode) }
        guard let file = fdopen(fd, "w") else {
            Glibc.close(fd)
            unlink(temporary)
            return nil
        }
        return (temporary, target, file)
    }

    func write(_ text: String) {
        guard let file, !failed else { return }
        var text = text
        text.withUTF8 { bytes in
            if fwrite(bytes.baseAddress, 1, bytes.count, file) != bytes.count { failed = true }
        }
    }

    /// Flushes, closes and puts the file in place; an error line if anything could not be
    /// written (PATH then keeps what it held before).
    func close() -> String? {
        guard let f = file else { return nil }
        file = nil
        let flushed = fflush(f) == 0
        let closed = fclose(f) == 0
        guard !failed, flushed, closed else {
            if let temporaryPath { unlink(temporaryPath) }
            return "cannot write '\(Output.printable(path))': disk full or I/O error"
        }
        if let temporaryPath, rename(temporaryPath, destination) != 0 {
            let reason = String(cString: strerror(errno))
            unlink(temporaryPath)
            return "cannot write '\(Output.printable(path))': \(reason)"
        }
        return nil
    }

    /// The work did not finish: drops the temporary file and leaves PATH alone (what
    /// happens to a file not closed, also before the process ends by a signal).
    func abandon() {
        guard let f = file else { return }
        file = nil
        fclose(f)
        if let temporaryPath { unlink(temporaryPath) }
    }

    deinit { abandon() }
}

/// Where an output goes, to tell whether two outputs would write one file.
enum OutputTarget: Equatable {
    /// Standard output, when it is not a regular file.
    case stdout
    /// An existing regular file, by device and inode: the same whatever the spelling or link.
    case file(device: UInt64, inode: UInt64)
    /// A file not there yet: its folder's real path and its name.
    case path(String)
    /// A device, pipe or socket (`/dev/null`, a terminal): two outputs there are the user's call.
    case special

    static func of(_ path: String) -> OutputTarget {
        var st = stat()
        if path == "-" {
            // `--json - > out.csv` with `--csv out.csv`: stdout is that file.
            guard fstat(1, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return .stdout }
            return .file(device: UInt64(st.st_dev), inode: UInt64(st.st_ino))
        }
        if stat(path, &st) == 0 {
            guard (st.st_mode & S_IFMT) == S_IFREG else { return .special }
            return .file(device: UInt64(st.st_dev), inode: UInt64(st.st_ino))
        }
        let (folder, name) = FilePath.split(path)
        return .path((FilePath.real(folder) ?? FilePath.lexical(folder)) + "/" + name)
    }
}

/// Refuses two outputs on one file: at most one `-`, and no two paths that name the same
/// file (`x`, `./x`, `dir/../x`, a link to it), which would leave only the last one written.
func checkOutputPaths(_ outputs: [(flag: String, path: String?)]) throws(CommandError) {
    let given = outputs.compactMap { o in o.path.map { (flag: o.flag, path: $0) } }
    let dashes = given.filter { $0.path == "-" }.map(\.flag)
    if dashes.count > 1 {
        throw CommandError("only one output can go to stdout ('-'): \(dashes.joined(separator: ", ")) \(dashes.count == 2 ? "both" : "all") ask for it")
    }
    let targets = given.map { OutputTarget.of($0.path) }
    for j in given.indices {
        for i in 0..<j where targets[i] == targets[j] && targets[i] != .special {
            let (a, b) = (given[i], given[j])
            let what = a.path == b.path
                ? "\(a.flag) and \(b.flag) both write to '\(Output.printable(a.path))'"
                : "\(a.flag) '\(Output.printable(a.path))' and \(b.flag) '\(Output.printable(b.path))' are the same file"
            throw CommandError(what + "; give each output its own file")
        }
    }
}

/// Path helpers for outputs (no Foundation).
enum FilePath {
    /// ("dir", "name") of "dir/name"; the folder of a bare name is ".".
    static func split(_ path: String) -> (folder: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        let folder = String(path[..<slash])
        return (folder.isEmpty ? "/" : folder, String(path[path.index(after: slash)...]))
    }

    /// The canonical absolute path of an existing file or folder (links resolved), or nil.
    static func real(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// An absolute path with `.`, `..` and repeated slashes removed, by text alone: for a
    /// folder that does not exist (the output then fails to open anyway).
    static func lexical(_ path: String) -> String {
        var base = ""
        if !path.hasPrefix("/"), let cwd = getcwd(nil, 0) {
            base = String(cString: cwd)
            free(cwd)
        }
        var parts: [Substring] = []
        for part in (base + "/" + path).split(separator: "/") {
            if part == "." { continue }
            if part == ".." { _ = parts.popLast(); continue }
            parts.append(part)
        }
        return "/" + parts.joined(separator: "/")
    }
}
