import DeliverySim
import Experiments
import Glibc
import TOMLLite

/// A problem that stops a command before it runs (bad file, unwritable path): one line.
struct CommandError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Finds and reads scenario files (`--scenario NAME|PATH`, `ackscope scenarios`).
///
/// A value containing `/` or ending in `.toml` is a path; otherwise NAME.toml is looked up
/// in the package's `Scenarios/` folder, found from the executable's real path walking up
/// its parents (so `.build/debug/ackscope` finds the checkout's folder; also
/// `PREFIX/share/ackscope/Scenarios` for an install), then in `./Scenarios`. As for themes.
enum ScenarioFiles {
    /// Existing `Scenarios/` folders, nearest to the executable first.
    static func directories(_ env: ThemeFiles.Environment = .current()) -> [String] {
        FileSystem.packageFolders(named: "Scenarios", env)
    }

    /// Every shipped scenario: (name, path), by name, the nearest folder winning.
    static func available(_ env: ThemeFiles.Environment = .current()) -> [(name: String, path: String)] {
        var byName: [String: String] = [:]
        for dir in directories(env) {
            for file in FileSystem.listDirectory(dir) where file.hasSuffix(".toml") && file.count > 5 {
                let name = String(file.dropLast(5))
                if byName[name] == nil { byName[name] = dir + "/" + file }
            }
        }
        return byName.keys.sorted().map { ($0, byName[$0]!) }
    }

    /// The file `--scenario` means.
    static func resolve(_ nameOrPath: String, _ env: ThemeFiles.Environment = .current()) throws(CommandError) -> String {
        if nameOrPath.contains("/") || nameOrPath.hasSuffix(".toml") {
            if let problem = FileSystem.problem(nameOrPath, kind: "scenario file") { throw CommandError(problem) }
            return nameOrPath
        }
        for dir in directories(env) where FileSystem.isRegularFile(dir + "/" + nameOrPath + ".toml") {
            return dir + "/" + nameOrPath + ".toml"
        }
        let known = available(env).map(\.name)
        let dirs = directories(env)
        throw CommandError("no scenario named '\(TerminalText.safe(nameOrPath))'"
            + (dirs.isEmpty ? " (no Scenarios/ folder found; give a path to a .toml file)"
                : known.isEmpty ? " (none in \(TerminalText.safe(dirs.joined(separator: ", "), limit: 2_000)))"
                : " (known: \(TerminalText.safe(known.joined(separator: ", "), limit: 2_000)))"))
    }

    /// Reads and parses a scenario (not yet resolved against the command line).
    static func load(_ nameOrPath: String) throws(CommandError) -> ScenarioFile {
        let path = try resolve(nameOrPath)
        let text: String
        switch FileSystem.readText(path, kind: "scenario file") {
        case .success(let read): text = read
        case .failure(let problem): throw CommandError(problem.description)
        }
        do {
            return try ScenarioFile.parse(text: text, fileName: path)
        } catch {
            throw CommandError(error.description)
        }
    }

    /// The headless experiment a command means: `--scenario` with the command line's knobs
    /// over it, or the knobs alone. Returns the scenario's title, if any.
    static func experiment(_ scenario: String?, overrides: Workload) throws(CommandError) -> (experiment: Experiment, title: String?) {
        guard let scenario else { return (Experiment(settings: overrides.settings), nil) }
        let loaded = try load(scenario, overrides: overrides)
        return (loaded.experiment, loaded.title)
    }

    /// Loads `--scenario` and applies the command line's knobs over it.
    static func load(_ nameOrPath: String, overrides: Workload) throws(CommandError) -> Scenario {
        let file = try load(nameOrPath)
        do {
            return try file.resolved(overrides: overrides)
        } catch {
            throw CommandError(error.description)
        }
    }

}
