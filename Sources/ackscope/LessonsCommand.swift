import ArgumentParser
import DeliverySim
import Experiments
import TOMLLite

/// `ackscope lessons`: the guided lessons in order, with the learner's progress.
struct LessonsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lessons",
        abstract: "List the guided lessons in order, with your progress; --check plays each one headless.",
        discussion: """
            Open one with `ackscope lesson N` (or its name). Progress is saved in \
            $XDG_STATE_HOME/ackscope/lessons.toml (else ~/.local/state/ackscope/lessons.toml).

            --check runs every lesson (or those named) without a terminal: each prediction \
            with its stated answer, each task with its scripted solution. It fails (exit 1) \
            when a predicate never holds, a prediction's stated answer is not what happens, \
            or a step names a message that does not exist; a malformed file is exit 2.
            """)

    @Flag(help: "Play every lesson headless and check each step does what it says.")
    var check = false

    @Argument(help: ArgumentHelp("With --check: lessons to check (numbers, names or paths); default all.", valueName: "lesson"))
    var lessons: [String] = []

    func run() throws {
        guard check || lessons.isEmpty else {
            throw ValidationError("lesson names are for --check; to open one: ackscope lesson \(lessons[0])")
        }
        let entries: [LessonFiles.Entry]
        do {
            entries = lessons.isEmpty ? LessonFiles.available() : try lessons.map { text throws(CommandError) in try LessonFiles.resolve(text) }
        } catch {
            Output.error(error.description)
            throw ExitCode(2)
        }
        if entries.isEmpty {
            Output.error("no Lessons/ folder found next to the executable or in the current directory")
            throw ExitCode(2)
        }
        if check { try runCheck(entries) } else { try list(entries) }
    }

    private func list(_ entries: [LessonFiles.Entry]) throws {
        let path = LessonProgressFile.path()
        var progress: [String: LessonProgress] = [:]
        if let path {
            switch LessonProgressFile.read(path) {
            case .success(let read): progress = read
            case .failure(let problem): Output.error("warning: " + problem.description + " (progress not shown)")
            }
        }
        var failed = false
        let nameWidth = (entries.map(\.name.count).max() ?? 0) + 2
        var rows: [(String, String)] = []
        for e in entries {
            let head = Format.leftPad(String(e.number), 3) + "  " + TerminalText.safe(e.name) + String(repeating: " ", count: max(1, nameWidth - e.name.count))
            do {
                let lesson = try LessonFiles.load(e.path)
                rows.append((head + TerminalText.safe(lesson.title), Self.progressText(progress[e.name], steps: lesson.steps.count)))
                rows.append((String(repeating: " ", count: 5 + nameWidth) + TerminalText.safe(lesson.goal), ""))
            } catch {
                failed = true
                rows.append((head + "(cannot load: see below)", ""))
                Output.error(error.description)
            }
        }
        // The progress lines up after the longest title (goal lines run on under it).
        let width = rows.filter { !$0.1.isEmpty }.map(\.0.count).max() ?? 0
        for (left, right) in rows {
            print(right.isEmpty ? left : left + String(repeating: " ", count: width - left.count + 2) + right)
        }
        print("\nOpen one: ackscope lesson N (or its name)." + (path.map { " Progress: \(TerminalText.safe($0))" } ?? ""))
        if failed { throw ExitCode(2) }
    }

    /// "not started", "step 3 of 9", "done · predictions 2/2 held · task solved".
    static func progressText(_ p: LessonProgress?, steps: Int) -> String {
        guard let p, p.stepsDone > 0 || p.completed else { return "not started" }
        var parts = [p.completed ? "done" : "\(p.stepsDone) of \(steps) steps"]
        if p.predictions > 0 { parts.append("predictions \(p.predictionsHeld)/\(p.predictions) held") }
        let tasks = p.tasksSolved + p.tasksShown
        if tasks > 0 { parts.append("tasks \(p.tasksSolved)/\(tasks) solved") }
        return parts.joined(separator: " · ")
    }

    private func runCheck(_ entries: [LessonFiles.Entry]) throws {
        var malformed = false, failed = false
        for e in entries {
            let label = (e.number > 0 ? Format.leftPad(String(e.number), 3) + "  " : "") + TerminalText.safe(e.name)
            let lesson: Lesson
            do {
                lesson = try LessonFiles.load(e.path)
            } catch {
                malformed = true
                print("FAIL " + label)
                Output.error(error.description)
                continue
            }
            let report = LessonCheck.run(lesson)
            if report.problems.isEmpty {
                let predictions = lesson.steps.count { $0.kind == .predict }, tasks = lesson.steps.count { $0.kind == .task }
                print("ok   \(label): \(lesson.steps.count) steps, \(predictions) prediction\(predictions == 1 ? "" : "s"), "
                      + "\(tasks) task\(tasks == 1 ? "" : "s"); ends at \(Format.seconds(report.endedAtMicros)) virtual")
            } else {
                failed = true
                print("FAIL \(label)")
                for p in report.problems { print("     \(TerminalText.safe(e.path)): \(p)") }
            }
        }
        if malformed { throw ExitCode(2) }
        if failed { throw ExitCode(1) }
    }
}
