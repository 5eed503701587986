import ArgumentParser
import DeliverySim
import Experiments
import Glibc
import Synchronization
import TerminalNcurses

/// `ackscope compare`: one experiment over many seeds; per lane, the spread of the damage.
struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Run one experiment over many seeds and compare the lanes: mean, p50, p99.",
        discussion: """
        Each seed is a whole headless run (as `ackscope run`, drain included). Per run and \
        lane it takes lost, duplicate_effects, redelivered and the run's p99 latency; across \
        runs it prints the mean, p50 and p99 (nearest rank) of each. Seeds run in parallel \
        (--jobs, default one per core); the output does not depend on the number of jobs.

        With --scenario, the file gives the workload and timeline and its seed is replaced \
        by each of --seeds; workload flags given too override the file's values.
        """)

    @OptionGroup var workload: WorkloadOptions

    @Option(help: ArgumentHelp("A scenario NAME from Scenarios/ or a PATH to a .toml file.", valueName: "name|path"))
    var scenario: String?

    @Option(parsing: .unconditional, help: ArgumentHelp("Seeds to run: FIRST..LAST (inclusive), a seed, or a list 1,5,9.", valueName: "seeds"))
    var seeds: String = "1..100"

    @OptionGroup var drain: DrainOption

    /// Not in the help: compare runs --seeds; given --seed, it says so.
    @Option(name: .customLong(Knob.seed.flag), parsing: .unconditional, help: .hidden)
    var seed: String?

    @Option(parsing: .unconditional, help: ArgumentHelp("Parallel runs (default: one per online core).", valueName: "n"))
    var jobs: Int?

    @Option(help: ArgumentHelp("Write the comparison as JSON to PATH ('-' for stdout).", valueName: "path"))
    var json: String?

    mutating func validate() throws {
        if let jobs, jobs < 1 || jobs > 1_024 { throw ValidationError("--jobs must be from 1 to 1024, got \(jobs)") }
        if seed != nil { throw ValidationError("--seed does not apply to compare; give --seeds FIRST..LAST") }
        if case .failure(let e) = Compare.parseSeeds(seeds) { throw ValidationError("--seeds: " + e.message) }
    }

    mutating func run() throws {
        let overrides = workload.workload(drain: drain)
        var (experiment, title) = try ScenarioFiles.experiment(scenario, overrides: overrides)
        try checkMemory(experiment.settings)
        // From here a signal ends the comparison with the runs finished so far.
        Signals.installForHeadless()
        let jsonFile = try json.map { path throws(CommandError) in try OutputFile(path) }
        let requested = (try? Compare.parseSeeds(seeds).get()) ?? []
        let cores = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        let start = Output.monotonicNanos()
        let progress = Mutex(ProgressLine())
        let total = requested.count
        let slots = Compare.run(experiment, seeds: requested, jobs: jobs ?? cores) { finished in
            progress.withLock { line in
                line.update { ProgressText.compare(finished: finished, total: total, wallNanos: line.elapsedNanos) }
            }
            return Signals.pending() != nil
        }
        progress.withLock { $0.clear() }
        let elapsedMillis = (Output.monotonicNanos() - start) / 1_000_000
        // Interrupted: the comparison of the runs that finished, said to be incomplete.
        let seedList = requested.indices.filter { slots[$0] != nil }.map { requested[$0] }
        let results = slots.compactMap { $0 }
        let incomplete = results.count < requested.count
        let reports = Compare.aggregate(results, seeds: seedList)
        experiment.settings.seed = requested.first ?? 0
        if json != "-" {
            if incomplete { print("INCOMPLETE: stopped after \(results.count) of \(requested.count) runs; the figures are those of the runs that finished") }
            print(Compare.table(reports, seedsText: seeds, seedCount: seedList.count, settings: experiment.settings, title: title), terminator: "")
            // Wall time goes to stderr: stdout stays identical from run to run.
            Output.writeFD(2, "compare: \(seedList.count) runs in \(Format.fixed(Int64(elapsedMillis), decimals: 3))s wall (jobs: \(jobs ?? cores))\n")
        }
        var problem: String? = nil
        if let jsonFile {
            jsonFile.write(Compare.json(reports, seedsText: seeds, seedCount: seedList.count, settings: experiment.settings,
                                        title: title, runsRequested: requested.count))
            problem = jsonFile.close()
        }
        if let problem { Output.error(problem) }
        if let sig = Signals.pending() {
            if incomplete {
                Output.error("stopped by \(RunCommand.signalName(sig)) after \(results.count) of \(requested.count) runs"
                    + (json.map { $0 == "-" ? "" : "; incomplete output written to " + Output.printable($0) } ?? ""))
            }
            Signals.reraise(sig)
        }
        Signals.restoreDefaults()
        if problem != nil { throw ExitCode(2) }
        if let lane = reports.first(where: { !$0.failedSeeds.isEmpty }) {
            var s = experiment.settings
            s.seed = lane.failedSeeds[0]
            let command = scenario.map { "ackscope run --scenario \(Output.printable($0)) --seed \(s.seed)" } ?? SettingsText.command(s)
            Output.error("a check failed in \(lane.mode.rawValue); reproduce: " + command)
            throw ExitCode(1)
        }
    }
}
