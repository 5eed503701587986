import ArgumentParser
import DeliverySim
import Experiments
import Glibc
import RealBroker
import TerminalNcurses

/// `ackscope compare-broker`: a scenario on the model and on a real NATS JetStream server.
struct CompareBrokerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare-broker",
        abstract: "Run scenarios on the model and on a real NATS JetStream server, and print them side by side.",
        discussion: """
        Each --scenario runs twice with the same seed, workload and timeline: headless on \
        the embedded model (virtual time), then on the real server (wall time: a 30 s \
        scenario takes 30 s and its drain). The table puts the two under each lane. The \
        model's numbers are deterministic; the real server's change a little from run to run.
        """)

    @Option(help: ArgumentHelp("A scenario NAME from Scenarios/ or a PATH to a .toml file (repeat for several).", valueName: "name|path"))
    var scenario: [String] = []

    @Flag(help: "Every shipped scenario (`ackscope scenarios`), in name order.")
    var all = false

    @Option(help: ArgumentHelp("The real broker: nats (a private nats-server, the default) or nats://127.0.0.1:PORT.", valueName: "nats|nats://127.0.0.1:PORT"))
    var broker: String = "nats"

    @OptionGroup var seed: SeedOption
    @OptionGroup var workload: WorkloadOptions

    @Option(help: ArgumentHelp("Write the comparisons as JSON Lines to PATH ('-' for stdout): one object per scenario.", valueName: "path"))
    var json: String?

    mutating func validate() throws {
        if scenario.isEmpty && !all { throw ValidationError("give --scenario NAME (see `ackscope scenarios`; repeat it for several) or --all") }
        if !scenario.isEmpty && all { throw ValidationError("--all runs every shipped scenario: give it without --scenario") }
        if broker == "sim" { throw ValidationError("--broker sim: compare-broker compares the model with a real broker; give nats or nats://127.0.0.1:PORT") }
    }

    func run() throws {
        let target = try BrokerOption(broker: broker).target()!
        let overrides = workload.workload(seed: seed)
        var loaded: [(Experiment, String)] = []
        let names = all ? ScenarioFiles.available().map(\.name) : scenario
        if names.isEmpty { throw CommandError("--all: no Scenarios/ folder found next to the executable or in ./Scenarios") }
        for name in names {
            let (experiment, title) = try ScenarioFiles.experiment(name, overrides: overrides)
            // The in-process lane has no real form: the model runs it, the real side leaves it out.
            if experiment.settings.modes.contains(.inProcess) && experiment.settings.modes.count == 1 {
                throw CommandError("\(name): its only lane is in-process, which has no real-broker form")
            }
            try RealBrokerRun.check(experiment.settings, allowInProcess: true)
            loaded.append((experiment, title ?? name))
        }
        Signals.installForHeadless()
        Signals.installPipeForHeadless()
        let jsonFile = try json.map { path throws(CommandError) in try OutputFile(path) }
        let progress = ProgressLine(streamsToStdout: json == "-")
        for (k, (experiment, title)) in loaded.enumerated() {
            let sim = experiment.run { _ in Signals.pending() != nil }
            progress.update { "\(title): the real server" }
            var realExperiment = experiment
            realExperiment.settings.modes.removeAll { $0 == .inProcess }
            let real = try RealBrokerRun.run(realExperiment, target: target, events: nil, csv: nil, progress: progress) { Signals.pending() != nil }
            progress.clear()
            let comparison = BrokerComparison(title: title, sim: sim, real: real)
            if json != "-" { print((k > 0 ? "\n" : "") + comparison.table(), terminator: "") }
            jsonFile?.write(comparison.json())
            if let sig = Signals.pending() {
                if let p = jsonFile?.close() { Output.error(p) }
                Output.error("stopped by \(RunCommand.signalName(sig)) during \(title)")
                Signals.reraise(sig)
            }
        }
        if let p = jsonFile?.close() {
            Output.error(p)
            throw ExitCode(2)
        }
    }
}
