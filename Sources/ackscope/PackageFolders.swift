import Glibc
import TOMLLite

/// Why a file could not be read, in one line.
struct FileProblem: Error, CustomStringConvertible {
    let description: String
}

/// File-system helpers shared by theme and scenario lookup (Glibc, no Foundation).
enum FileSystem {
    static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let p = String(path[..<slash])
        return p.isEmpty ? "/" : p
    }

    static func fileMode(_ path: String) -> mode_t? {
        var info = stat()
        return stat(path, &info) == 0 ? info.st_mode & S_IFMT : nil
    }

    static func isDirectory(_ path: String) -> Bool { fileMode(path) == S_IFDIR }
    static func isRegularFile(_ path: String) -> Bool { fileMode(path) == S_IFREG }

    /// What a file that is not a regular file is, in words ("a directory"); nil for a
    /// regular file.
    static func kindName(_ mode: mode_t) -> String? {
        switch mode & S_IFMT {
        case S_IFREG: nil
        case S_IFDIR: "a directory"
        case S_IFCHR: "a character device"
        case S_IFBLK: "a block device"
        case S_IFIFO: "a FIFO (named pipe)"
        case S_IFSOCK: "a socket"
        default: "not a regular file"
        }
    }

    /// Why `path` cannot be read as a `kind` ("scenario file"), in one line; nil if it is
    /// a regular file. `/dev/null` or a folder given as a file used to be "not found".
    static func problem(_ path: String, kind: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else {
            return errno == ENOENT || errno == ENOTDIR ? "\(kind) '\(TerminalText.safe(path, limit: TerminalText.valueLimit))' not found"
                : "cannot read \(kind) '\(TerminalText.safe(path, limit: TerminalText.valueLimit))': \(String(cString: strerror(errno)))"
        }
        return kindName(info.st_mode).map { "\(TerminalText.safe(path, limit: TerminalText.valueLimit)) is \($0), not a \(kind)" }
    }

    /// A whole regular file as UTF-8 text, strictly; otherwise why not, in one line
    /// (`file:line:column:` for a byte that is not UTF-8).
    ///
    /// Opened without blocking and checked on the open descriptor, so a FIFO swapped in
    /// after a check cannot hang the program waiting for a writer.
    static func readText(_ path: String, kind: String) -> Result<String, FileProblem> {
        let shown = TerminalText.safe(path, limit: TerminalText.valueLimit)
        func failure(_ what: String) -> Result<String, FileProblem> { .failure(FileProblem(description: what)) }
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            return failure(errno == ENOENT || errno == ENOTDIR ? "\(kind) '\(shown)' not found"
                : "cannot read \(kind) '\(shown)': \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { return failure("cannot read \(kind) '\(shown)': \(String(cString: strerror(errno)))") }
        if let what = kindName(info.st_mode) { return failure("\(shown) is \(what), not a \(kind)") }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Int(info.st_size))
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 { return failure("cannot read \(kind) '\(shown)': \(String(cString: strerror(errno)))") }
            if n == 0 { break }
            bytes += chunk[0..<n]
        }
        do {
            return .success(try TOML.text(utf8: bytes))
        } catch {
            return failure(FileError(fileName: path, line: error.line, column: error.column, message: error.message).description)
        }
    }

    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// Entry names of a folder, sorted (never the file system's order).
    static func listDirectory(_ path: String) -> [String] {
        guard let dir = opendir(path) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != ".", name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    /// Existing copies of one of the package's top-level folders (`Themes`, `Scenarios`),
    /// nearest to the executable first: walking up from its real path (so
    /// `.build/debug/ackscope` finds the checkout's folder, and `PREFIX/share/ackscope/NAME`
    /// serves an install), then in the current directory.
    static func packageFolders(named name: String, _ env: ThemeFiles.Environment) -> [String] {
        var found: [String] = []
        func consider(_ dir: String) {
            guard isDirectory(dir) else { return }
            let canonical = realPath(dir) ?? dir
            if !found.contains(canonical) { found.append(canonical) }
        }
        if let exe = env.executablePath {
            var dir = parent(of: realPath(exe) ?? exe)
            while true {
                consider(dir + "/" + name)
                consider(dir + "/share/ackscope/" + name)
                if dir == "/" { break }
                dir = parent(of: dir)
            }
        }
        if let cwd = env.currentDirectory { consider(cwd + "/" + name) }
        return found
    }
}
