import ArgumentParser
import DeliverySim
import Experiments
import TOMLLite
import Glibc
import TerminalNcurses

/// `ackscope run`: the headless runner. A table on stdout, JSON and exports on request.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the simulation headless and print what happened to every message.",
        discussion: """
        Every lane (one per mode) gets the same seed, workload and faults. After production \
        stops the run drains: it heals every link, restarts every node and runs until nothing \
        is pending, then checks conservation and each mode's promise.

        With --scenario, the file gives the workload and a timeline of actions; workload \
        flags given on the command line override the file's values.
        """)

    @OptionGroup var seed: SeedOption
    @OptionGroup var workload: WorkloadOptions

    @Option(help: ArgumentHelp("Run a scenario: a NAME from Scenarios/ (see `ackscope scenarios`) or a PATH to a .toml file. Flags given too override its workload.", valueName: "name|path"))
    var scenario: String?

    @OptionGroup var drain: DrainOption
    @OptionGroup var brokerOption: BrokerOption

    @Option(help: ArgumentHelp("Write the JSON summary to PATH ('-' for stdout).", valueName: "path"))
    var json: String?

    @Option(help: ArgumentHelp("Write every counter, one row per lane per sample interval, as CSV to PATH ('-' for stdout).", valueName: "path"))
    var csv: String?

    @Option(name: .customLong("sample-every"), parsing: .unconditional, help: ArgumentHelp("Virtual time between CSV rows (default 1s).", valueName: "duration"),
            transform: FlagParse.duration)
    var sampleEvery: Micros = Duration.seconds(1)

    @Option(help: ArgumentHelp("Write every message event (send, drop, arrive, apply, suppress, lost, dead_letter) as JSON Lines to PATH ('-' for stdout).", valueName: "path"))
    var events: String?

    @Flag(help: "Check conservation after every event (slow; for debugging).")
    var checkEveryEvent = false

    mutating func validate() throws {
        if sampleEvery < 1 { throw ValidationError("--sample-every must be above 0s") }
    }

    mutating func run() throws {
        let overrides = workload.workload(seed: seed, drain: drain)
        try checkOutputPaths([("--json", json), ("--csv", csv), ("--events", events)])
        let (experiment, title) = try ScenarioFiles.experiment(scenario, overrides: overrides)
        let broker = try brokerOption.target()
        if broker != nil {
            try RealBrokerRun.check(experiment.settings)
            if checkEveryEvent { throw CommandError("--check-every-event needs the simulation's record of every message: not with --broker nats") }
        }
        try checkMemory(experiment.settings)
        // From here a signal ends the run with the files written as far as it went.
        Signals.installForHeadless()
        if broker != nil { Signals.installPipeForHeadless() }
        // Open every output first: a bad path fails before the run.
        let csvFile = try csv.map { path throws(CommandError) in try OutputFile(path) }
        let eventsFile = try events.map { path throws(CommandError) in try OutputFile(path) }
        let jsonFile = try json.map { path throws(CommandError) in try OutputFile(path) }

        var observer = ExportObserver(sampleEveryMicros: sampleEvery,
                                      csv: csvFile.map { f in { f.write($0) } },
                                      events: eventsFile.map { f in { f.write($0) } })
        let progress = ProgressLine(streamsToStdout: csv == "-" || events == "-")
        let summary: Summary
        if let broker {
            summary = try RealBrokerRun.run(experiment, target: broker, events: eventsFile.map { f in { f.write($0) } },
                                            csv: csvFile.map { f in { f.write($0) } }, progress: progress) { Signals.pending() != nil }
        } else {
            summary = experiment.run(checkEveryEvent: checkEveryEvent, observer: &observer) { at in
                progress.update { ProgressText.run(at, wallNanos: progress.elapsedNanos, messageLimit: experiment.settings.messageLimit) }
                return Signals.pending() != nil
            }
        }
        progress.clear()
        var problems: [String] = []
        for file in [csvFile, eventsFile] { if let p = file?.close() { problems.append(p) } }
        if json != "-" && csv != "-" && events != "-" {
            if let title { print("scenario: " + TerminalText.safe(title)) }
            if let stop = experiment.stopAtMicros {
                print("production until \(Format.duration(experiment.settings.durationMicros)), observed until \(Format.seconds(stop)) (stop_at)")
            }
            print(summary.table(), terminator: "")
        }
        if let jsonFile {
            jsonFile.write(summary.json())
            if let p = jsonFile.close() { problems.append(p) }
        }
        for p in problems { Output.error(p) }
        if let interruption = summary.interruption, let sig = Signals.pending() {
            let written = [json, csv, events].compactMap { $0 }.filter { $0 != "-" }
            Output.error("stopped by \(Self.signalName(sig)) at \(Format.seconds(interruption.atMicros)) \(broker == nil ? "virtual" : "wall")"
                + (written.isEmpty ? "" : "; incomplete output written to " + written.map { Output.printable($0) }.joined(separator: ", ")))
        }
        // A signal, even one that came after the run had finished, ends the process as
        // that signal would have (exit status 128 + its number), once the files are done.
        if let sig = Signals.pending() { Signals.reraise(sig) }
        Signals.restoreDefaults()
        if !problems.isEmpty { throw ExitCode(2) }
        if summary.anyFailed {
            Output.error(broker != nil ? "a check failed on the real broker (not deterministic: run it again to see if it recurs)"
                                       : "a check failed; reproduce: " + reproduce(experiment.settings))
            throw ExitCode(1)
        }
    }

    static func signalName(_ sig: Int32) -> String {
        switch sig {
        case SIGINT: "SIGINT"
        case SIGTERM: "SIGTERM"
        case SIGHUP: "SIGHUP"
        case SIGPIPE: "SIGPIPE"
        default: "signal \(sig)"
        }
    }

    /// The command that reproduces a failed run: the scenario (with its seed), or the flags.
    private func reproduce(_ settings: Settings) -> String {
        guard let scenario else { return SettingsText.command(settings) }
        return "ackscope run --scenario \(Output.printable(scenario)) --seed \(settings.seed)"
    }
}
