import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif

@main
struct Ackscope: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ackscope",
        abstract: "Watch message delivery go wrong: at-most-once loses, at-least-once duplicates.",
        subcommands: [DashboardCommand.self, RunCommand.self, CompareCommand.self, CompareBrokerCommand.self, SweepCommand.self, MergeCommand.self, TraceCommand.self, ScenariosCommand.self, LessonsCommand.self, LessonCommand.self, ThemesCommand.self, BenchCommand.self, SelfCheckCommand.self],
        defaultSubcommand: DashboardCommand.self
    )

    /// Parses and runs, turning every usage error into one line and exit code 2.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            let code = exitCode(for: error)
            if code == .success || error is ExitCode {
                exit(withError: error)
            }
            var message = Self.message(for: error).split(separator: "\n").first.map(String.init) ?? "invalid arguments"
            if message.hasPrefix("Error: ") { message.removeFirst(7) }
            // ArgumentParser quotes a rejected value as typed ("The value '…' is invalid"):
            // escape the whole line too. Idempotent on what `printable` already escaped.
            Output.error(Output.printable(message, limit: 600))
            Glibc.exit(2)
        }
    }
}
