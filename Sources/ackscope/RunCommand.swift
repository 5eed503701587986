import ArgumentParser
import DeliverySim

/// `ackscope run`: the headless runner. A table on stdout, JSON on request.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the simulation headless and print what happened to every message.",
        discussion: """
        Every lane (one per mode) gets the same seed, workload and faults. After production \
        stops the run drains: it heals every link, restarts every node and runs until nothing \
        is pending, then checks conservation and each mode's promise.
        """)

    @OptionGroup var workload: WorkloadOptions

    @Flag(inversion: .prefixedNo, help: "After production stops, heal and restart everything and run until nothing is pending.")
    var drain = true

    @Option(help: ArgumentHelp("Write the JSON summary to PATH ('-' for stdout).", valueName: "path"))
    var json: String?

    @Flag(help: "Check conservation after every event (slow; for debugging).")
    var checkEveryEvent = false

    mutating func run() throws {
        var settings = workload.settings
        settings.drain = drain
        var sim = Simulation(settings: settings, checkEveryEvent: checkEveryEvent)
        let summary = sim.runToEnd(timeline: [])
        if json != "-" { print(summary.table(), terminator: "") }
        if let path = json, let problem = Output.write(summary.json(), to: path) {
            Output.error(problem)
            throw ExitCode(2)
        }
        if summary.anyFailed {
            Output.error("a check failed; reproduce: " + SettingsText.command(settings))
            throw ExitCode(1)
        }
    }
}
