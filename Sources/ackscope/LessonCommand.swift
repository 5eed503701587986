import ArgumentParser
import Dashboard
import DeliverySim
import Experiments
import TOMLLite

/// `ackscope lesson N|NAME`: a guided lesson in the dashboard.
struct LessonCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lesson",
        abstract: "Open a guided lesson in the dashboard (`ackscope lessons` lists them).")

    @Argument(help: ArgumentHelp("The lesson: its number, its name, or a path to a .toml file.", valueName: "lesson"))
    var lesson: String

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
        print("lesson \(loaded.title): not yet in the dashboard")
    }
}
