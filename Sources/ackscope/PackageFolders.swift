import Glibc

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
