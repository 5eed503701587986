import Experiments
import Glibc
import TOMLLite

/// Finds and reads lesson files (`ackscope lesson N|NAME`, `ackscope lessons`).
///
/// The package's `Lessons/` folder (found as `Scenarios/` is) holds `NN-name.toml` files;
/// their order is the file names' order, the number is the file's leading number (else its
/// position, from 1), and the name is the file's stem without the leading number.
enum LessonFiles {
    struct Entry {
        var number: Int
        var name: String
        var path: String
    }

    static func directories(_ env: ThemeFiles.Environment = .current()) -> [String] {
        FileSystem.packageFolders(named: "Lessons", env)
    }

    /// The shipped lessons in order (the nearest folder that has any).
    static func available(_ env: ThemeFiles.Environment = .current()) -> [Entry] {
        for dir in directories(env) {
            let files = FileSystem.listDirectory(dir).filter { $0.hasSuffix(".toml") && $0.count > 5 }.sorted()
            guard !files.isEmpty else { continue }
            return files.enumerated().map { k, file in
                Entry(number: Int(file.prefix { $0.isASCII && $0.isNumber }) ?? k + 1, name: name(ofFile: file), path: dir + "/" + file)
            }
        }
        return []
    }

    /// `03-at-least-once.toml` → `at-least-once`.
    static func name(ofFile file: String) -> String {
        let stem = file.hasSuffix(".toml") ? String(file.dropLast(5)) : file
        let digits = stem.prefix { $0.isASCII && $0.isNumber }
        if !digits.isEmpty, stem.dropFirst(digits.count).first == "-" { return String(stem.dropFirst(digits.count + 1)) }
        return stem
    }

    /// The lesson a command line means: a number, a name, or a path to a .toml file.
    static func resolve(_ text: String, _ env: ThemeFiles.Environment = .current()) throws(CommandError) -> Entry {
        if text.contains("/") || text.hasSuffix(".toml") {
            if let problem = FileSystem.problem(text, kind: "lesson file") { throw CommandError(problem) }
            let file = String(text.split(separator: "/").last ?? Substring(text))
            return Entry(number: 0, name: name(ofFile: file), path: text)
        }
        let all = available(env)
        if all.isEmpty { throw CommandError("no Lessons/ folder found next to the executable or in the current directory") }
        if let n = Int(text) {
            guard let e = all.first(where: { $0.number == n }) else {
                throw CommandError("no lesson \(n) (the lessons: \(all.map { "\($0.number) \($0.name)" }.joined(separator: ", ")))")
            }
            return e
        }
        if let e = all.first(where: { $0.name == text }) { return e }
        let hint = Suggest.closest(to: text, among: all.map(\.name)).map { "did you mean '\($0)'? " } ?? ""
        throw CommandError("no lesson named '\(TerminalText.safe(text))' (\(hint)the lessons: \(all.map { "\($0.number) \($0.name)" }.joined(separator: ", ")))")
    }

    static func load(_ path: String) throws(CommandError) -> Lesson {
        let text: String
        switch FileSystem.readText(path, kind: "lesson file") {
        case .success(let read): text = read
        case .failure(let problem): throw CommandError(problem.description)
        }
        do {
            return try Lesson.parse(text: text, fileName: path)
        } catch {
            throw CommandError(error.description)
        }
    }
}

/// The learner's progress, one table per lesson name, in
/// `$XDG_STATE_HOME/ackscope/lessons.toml` (else `~/.local/state/ackscope/lessons.toml`).
enum LessonProgressFile {
    static func path(_ env: [String: String] = environment()) -> String? {
        if let xdg = env["XDG_STATE_HOME"], xdg.hasPrefix("/") { return xdg + "/ackscope/lessons.toml" }
        if let home = env["HOME"], !home.isEmpty { return home + "/.local/state/ackscope/lessons.toml" }
        return nil
    }

    static func environment() -> [String: String] {
        var out: [String: String] = [:]
        for name in ["XDG_STATE_HOME", "HOME"] {
            if let v = getenv(name) { out[name] = String(cString: v) }
        }
        return out
    }

    static let keys = ["steps", "steps_done", "completed", "predictions", "predictions_held", "tasks_solved", "tasks_shown"]

    /// The progress recorded so far (empty when there is no file yet), or a one-line problem.
    static func read(_ path: String) -> Result<[String: LessonProgress], CommandError> {
        guard FileSystem.fileMode(path) != nil else { return .success([:]) }
        let text: String
        switch FileSystem.readText(path, kind: "lesson progress file") {
        case .success(let read): text = read
        case .failure(let problem): return .failure(CommandError(problem.description))
        }
        let table: TOMLTable
        do {
            table = try TOML.parse(text)
        } catch {
            return .failure(CommandError("\(TerminalText.safe(path)):\(error.line):\(error.column): not valid TOML: \(error.message)"))
        }
        var out: [String: LessonProgress] = [:]
        for name in table.keys {
            guard let t = table[name]?.table else { continue }
            func int(_ key: String) -> Int { t[key]?.int.map { max(0, Int(clamping: $0)) } ?? 0 }
            var p = LessonProgress(steps: int("steps"))
            p.stepsDone = int("steps_done")
            p.completed = t["completed"]?.bool ?? false
            p.predictions = int("predictions")
            p.predictionsHeld = int("predictions_held")
            p.tasksSolved = int("tasks_solved")
            p.tasksShown = int("tasks_shown")
            out[name] = p
        }
        return .success(out)
    }

    static func text(_ all: [String: LessonProgress]) -> String {
        var out = "# ackscope: lesson progress, written when a lesson ends (safe to delete).\n"
        for name in all.keys.sorted() {
            let p = all[name]!
            out += "\n[\(JSON.string(name))]\nsteps = \(p.steps)\nsteps_done = \(p.stepsDone)\ncompleted = \(p.completed)\n"
            out += "predictions = \(p.predictions)\npredictions_held = \(p.predictionsHeld)\n"
            out += "tasks_solved = \(p.tasksSolved)\ntasks_shown = \(p.tasksShown)\n"
        }
        return out
    }

    /// Records one session's progress (keeping the better of it and what was there).
    /// Returns a problem in one line, or nil.
    static func record(_ name: String, _ progress: LessonProgress, at path: String) -> String? {
        var all: [String: LessonProgress]
        switch read(path) {
        case .success(let read): all = read
        case .failure(let problem): return "progress not saved: \(problem.description) (delete the file to start afresh)"
        }
        all[name] = all[name].map { $0.merged(with: progress) } ?? progress
        if let problem = makeDirectories(FileSystem.parent(of: path)) { return "progress not saved: " + problem }
        return Output.write(text(all), to: path).map { "progress not saved: " + $0 }
    }

    /// `mkdir -p`, private to the user (0700) as XDG asks of state folders.
    static func makeDirectories(_ dir: String) -> String? {
        if FileSystem.isDirectory(dir) { return nil }
        let parent = FileSystem.parent(of: dir)
        if parent != dir, let problem = makeDirectories(parent) { return problem }
        if mkdir(dir, 0o700) != 0 && errno != EEXIST {
            return "cannot create '\(Output.printable(dir))': \(String(cString: strerror(errno)))"
        }
        return nil
    }
}
