import Dashboard
import Glibc

/// Where a theme comes from: a TOML file, or the built-in default.
struct ThemeSource: Equatable, Sendable {
    /// The name used with `--theme NAME`: the file name without `.toml`.
    var name: String
    /// nil for the built-in default (used when no `default.toml` can be found).
    var path: String?

    static let builtInDefault = ThemeSource(name: "default", path: nil)
}

/// A theme ready to use, and the file's survivable problems (to print as warnings).
struct LoadedTheme: Sendable {
    var theme: Theme
    var warnings: [ThemeWarning]
    var source: ThemeSource
    /// The file's optional `description`, for listings.
    var description: String?
}

/// A theme that cannot be used; `description` is one line (the caller prints it, exits 2).
struct ThemeFileError: Error, Equatable, CustomStringConvertible {
    let description: String
}

/// Finds, lists and loads theme files (`--theme NAME|PATH`, `ACKSCOPE_THEME`, `ackscope themes`).
///
/// Search order for a NAME: `$XDG_CONFIG_HOME/ackscope/themes` (default
/// `~/.config/ackscope/themes`), then the package's `Themes/` folder, found from the
/// executable's real path (walking up its parent folders, so `.build/debug/ackscope` finds
/// the checkout's `Themes/`; also `PREFIX/share/ackscope/Themes` for an install), then from
/// the current directory. Glibc only: no Foundation in the binary.
enum ThemeFiles {
    /// What the search depends on, so tests can supply their own.
    struct Environment: Sendable {
        var xdgConfigHome: String?
        var home: String?
        var ackscopeTheme: String?
        var currentDirectory: String?
        var executablePath: String?

        /// This process's environment, working directory and `/proc/self/exe`.
        static func current() -> Environment {
            func env(_ name: String) -> String? {
                guard let value = getenv(name) else { return nil }
                let s = String(cString: value)
                return s.isEmpty ? nil : s
            }
            var cwd = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let currentDirectory = getcwd(&cwd, cwd.count) != nil ? String(cString: cwd) : nil
            var exe = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let n = readlink("/proc/self/exe", &exe, exe.count - 1)
            let executablePath = n > 0 ? String(decoding: exe[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self) : nil
            return Environment(
                xdgConfigHome: env("XDG_CONFIG_HOME"), home: env("HOME"), ackscopeTheme: env("ACKSCOPE_THEME"),
                currentDirectory: currentDirectory, executablePath: executablePath)
        }
    }

    /// The user's theme folder (which may not exist).
    static func userDirectory(_ env: Environment) -> String? {
        if let xdg = env.xdgConfigHome, xdg.hasPrefix("/") { return xdg + "/ackscope/themes" }
        if let home = env.home { return home + "/.config/ackscope/themes" }
        return nil
    }

    /// Existing package `Themes/` folders, nearest to the executable first.
    static func packageDirectories(_ env: Environment) -> [String] {
        FileSystem.packageFolders(named: "Themes", env)
    }

    /// Every folder searched for NAME.toml, in order.
    static func searchDirectories(_ env: Environment) -> [String] {
        (userDirectory(env).map { [$0] } ?? []) + packageDirectories(env)
    }

    /// Which file `--theme`/`ACKSCOPE_THEME` means: a path if it contains `/` or ends in
    /// `.toml`, else NAME.toml in the search folders; `default` falls back to the built-in.
    static func resolve(_ nameOrPath: String, _ env: Environment) throws(ThemeFileError) -> ThemeSource {
        if nameOrPath.contains("/") || nameOrPath.hasSuffix(".toml") {
            guard FileSystem.isRegularFile(nameOrPath) else {
                throw ThemeFileError(description: "theme file '\(Output.printable(nameOrPath))' not found")
            }
            return ThemeSource(name: Self.stem(nameOrPath), path: nameOrPath)
        }
        let dirs = searchDirectories(env)
        for dir in dirs where FileSystem.isRegularFile(dir + "/" + nameOrPath + ".toml") {
            return ThemeSource(name: nameOrPath, path: dir + "/" + nameOrPath + ".toml")
        }
        if nameOrPath == "default" { return .builtInDefault }
        let known = available(env).map(\.name).joined(separator: ", ")
        throw ThemeFileError(
            description: "no theme named '\(Output.printable(nameOrPath))' (known: \(known); looked in \(dirs.joined(separator: ", ")))")
    }

    /// Reads and parses a theme; bad TOML or an unreadable file throws.
    static func load(_ source: ThemeSource) throws(ThemeFileError) -> LoadedTheme {
        guard let path = source.path else {
            return LoadedTheme(theme: .defaultDark, warnings: [], source: source, description: nil)
        }
        guard let text = readFile(path) else {
            throw ThemeFileError(description: "cannot read theme file '\(Output.printable(path))': \(String(cString: strerror(errno)))")
        }
        do {
            let parsed = try Theme.parse(text: text, fileName: path, base: .defaultDark)
            return LoadedTheme(
                theme: parsed.theme, warnings: parsed.warnings, source: source,
                description: Theme.description(inThemeText: text))
        } catch {
            throw ThemeFileError(description: error.description)
        }
    }

    /// The theme for `--theme` (if given), else `ACKSCOPE_THEME`, else the default.
    static func load(nameOrPath: String?, _ env: Environment) throws(ThemeFileError) -> LoadedTheme {
        let wanted = nameOrPath ?? env.ackscopeTheme ?? "default"
        return try load(resolve(wanted, env))
    }

    /// All themes by name, `default` first then alphabetical; a user theme hides a package
    /// theme of the same name. Always includes `default` (built in if no file is found).
    static func available(_ env: Environment) -> [ThemeSource] {
        var byName: [String: ThemeSource] = [:]
        for dir in searchDirectories(env) {
            for file in FileSystem.listDirectory(dir) where file.hasSuffix(".toml") && file.count > 5 {
                let name = String(file.dropLast(5))
                if byName[name] == nil, FileSystem.isRegularFile(dir + "/" + file) {
                    byName[name] = ThemeSource(name: name, path: dir + "/" + file)
                }
            }
        }
        if byName["default"] == nil { byName["default"] = .builtInDefault }
        // Sorted, never dictionary order.
        let names = ["default"] + byName.keys.filter { $0 != "default" }.sorted()
        return names.compactMap { byName[$0] }
    }

    /// Loads every available theme for cycling at runtime (`t`); problems come back as lines.
    static func loadAll(_ env: Environment) -> (themes: [LoadedTheme], problems: [String]) {
        var themes: [LoadedTheme] = []
        var problems: [String] = []
        for source in available(env) {
            do {
                let loaded = try load(source)
                themes.append(loaded)
                problems += loaded.warnings.map(\.description)
            } catch {
                problems.append(error.description)
            }
        }
        return (themes, problems)
    }

    // MARK: Glibc helpers

    static func stem(_ path: String) -> String {
        var name = Substring(path)
        if let slash = name.lastIndex(of: "/") { name = name[name.index(after: slash)...] }
        if name.hasSuffix(".toml") { name = name.dropLast(5) }
        return String(name)
    }






    /// A whole file as UTF-8; nil (errno set) if it cannot be read. Theme files are small.
    private static func readFile(_ path: String) -> String? {
        guard let file = fopen(path, "rb") else { return nil }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16_384)
        while true {
            let n = chunk.withUnsafeMutableBufferPointer { fread($0.baseAddress, 1, $0.count, file) }
            if n > 0 { bytes += chunk[0..<n] }
            if n < chunk.count { break }
        }
        if ferror(file) != 0 { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }
}
