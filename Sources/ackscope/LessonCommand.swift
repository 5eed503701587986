import ArgumentParser
import Dashboard
import DeliverySim
import Experiments
import TOMLLite
import TerminalNcurses

/// `ackscope lesson N|NAME`: a guided lesson in the dashboard.
struct LessonCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lesson",
        abstract: "Open a guided lesson in the dashboard (`ackscope lessons` lists them).",
        discussion: """
            The lesson panel says what to watch; the world holds still while you read. \
            Enter (or space) goes on, 1-4 answer a prediction, Backspace goes back a step \
            (the world is replayed from the seed to that step's start), i shows the step \
            again, H gives a task's hint and S shows one way to do it (which does not count \
            as solving it). Every dashboard key works too. Progress is saved at quit in \
            $XDG_STATE_HOME/ackscope/lessons.toml (else ~/.local/state/ackscope/lessons.toml).
            """)

    @Argument(help: ArgumentHelp("The lesson: its number, its name, or a path to a .toml file.", valueName: "lesson"))
    var lesson: String

    @Option(help: ArgumentHelp("Colour theme: a name from `ackscope themes` or a path to a .toml file (default: $ACKSCOPE_THEME or default).", valueName: "name|path"))
    var theme: String?

    @Flag(name: .customLong("no-color"), help: "No colour at all (also when NO_COLOR is set); states keep their symbols.")
    var noColor = false

    func run() throws {
        let entry: LessonFiles.Entry
        let loaded: Lesson
        do {
            entry = try LessonFiles.resolve(lesson)
            loaded = try LessonFiles.load(entry.path)
        } catch {
            Output.error(error.description)
            throw ExitCode(2)
        }
        try checkMemory(loaded.settings)
        var shown = loaded
        shown.title = TerminalText.safe(loaded.title, limit: .max)
        shown.goal = TerminalText.safe(loaded.goal, limit: .max)
        shown.steps = loaded.steps.map(Self.safe)
        let (app, exitSignal) = try DashboardCommand.session(theme: theme, noColor: noColor) { unicode, themeNames, warnings in
            var app = App(lesson: shown, unicode: unicode, themeNames: themeNames)
            if warnings > 0 { app.setStatus("Theme warnings: \(warnings); see stderr after quitting.") }
            return app
        }
        // After the terminal is back (a signal quits here too): the progress.
        if let progress = app.lessonProgress {
            let label = (entry.number > 0 ? "Lesson \(entry.number) " : "Lesson ") + "(\(TerminalText.safe(entry.name)))"
            if let path = LessonProgressFile.path() {
                if let problem = LessonProgressFile.record(entry.name, progress, at: path) {
                    Output.error("warning: " + problem)
                } else {
                    print("\(label): \(LessonsCommand.progressText(progress, steps: progress.steps)). Progress saved in \(TerminalText.safe(path)).")
                }
            } else {
                Output.error("warning: progress not saved: neither XDG_STATE_HOME nor HOME is set")
            }
        }
        if let exitSignal { Signals.reraise(exitSignal) }
        Signals.restoreDefaults()
    }

    /// Everything read from the file is shown escaped, like scenario text.
    static func safe(_ step: LessonStep) -> LessonStep {
        var s = step
        s.title = TerminalText.safe(s.title, limit: .max)
        s.text = TerminalText.safe(s.text, limit: .max)
        s.after = s.after.map { TerminalText.safe($0, limit: .max) }
        s.hint = s.hint.map { TerminalText.safe($0, limit: .max) }
        s.choices = s.choices.map { TerminalText.safe($0, limit: .max) }
        return s
    }
}
