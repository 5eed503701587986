import ArgumentParser
import DeliverySim
import Experiments
import Glibc
import Synchronization
import TerminalNcurses

/// `ackscope sweep`: a knob (or several) over a range of values, each point over many seeds.
struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Vary a knob over values, run each over many seeds, and report every lane's mean and 95% interval.",
        discussion: """
        Every point (a value of each --vary knob) × seed is a whole headless run, as \
        `ackscope run` (drain included). Per point, lane and metric: the mean over seeds and \
        its 95% confidence interval (Student t); per pair of lanes, the difference seed by \
        seed with its interval beside the unpaired one. Runs go on every core (--jobs); the \
        output does not depend on the number of jobs.

        VALUES is a list (100ms,500ms,1s) or a range with a step that lands on its end \
        (0%..10%:2%, 1..64:x2). With --shard K/N only the K-th of N slices of the runs is \
        run and written to --part; `ackscope merge` combines the parts into exactly the \
        whole sweep's output. K and N are also read from SLURM_ARRAY_TASK_ID (with \
        SLURM_ARRAY_TASK_MIN and SLURM_ARRAY_TASK_COUNT), or from a Kubernetes Indexed \
        Job's JOB_COMPLETION_INDEX with --shard-count.
        """)

    @OptionGroup var workload: WorkloadOptions

    @Option(help: ArgumentHelp("A scenario NAME from Scenarios/ or a PATH to a .toml file.", valueName: "name|path"))
    var scenario: String?

    @Option(parsing: .unconditionalSingleValue,
            help: ArgumentHelp("A knob and its values: loss=0%..10%:2%, ack-timeout=100ms,500ms,1s, prefetch=1..64:x2. Repeat to vary several (every combination).",
                               valueName: "knob=values"))
    var vary: [String] = []

    @Option(parsing: .unconditional, help: ArgumentHelp("Seeds per point: FIRST..LAST (inclusive), a seed, or a list 1,5,9.", valueName: "seeds"))
    var seeds: String = "1..20"

    @OptionGroup var drain: DrainOption

    /// Not in the help: a sweep runs --seeds; given --seed, it says so.
    @Option(name: .customLong(Knob.seed.flag), parsing: .unconditional, help: .hidden)
    var seed: String?

    @Option(parsing: .unconditional, help: ArgumentHelp("Parallel runs (default: one per online core).", valueName: "n"))
    var jobs: Int?

    @OptionGroup var output: SweepOutputOptions

    @Flag(help: "Show progress and the chart filling in as points finish (without a terminal: a progress line on stderr at most once a second).")
    var watch = false

    @Option(parsing: .unconditional, help: ArgumentHelp("Run only the K-th of N slices of the runs and write them to --part.", valueName: "K/N"))
    var shard: String?

    @Option(name: .customLong("shard-count"), parsing: .unconditional,
            help: ArgumentHelp("N when K comes from a Kubernetes Indexed Job (JOB_COMPLETION_INDEX, from 0).", valueName: "n"))
    var shardCount: Int?

    @Option(help: ArgumentHelp("Where a shard writes its part (default: sweep-part-K-of-N.txt).", valueName: "path"))
    var part: String?

    mutating func validate() throws {
        if vary.isEmpty { throw ValidationError("give at least one --vary KNOB=VALUES (e.g. --vary loss=0%..10%:2%)") }
        if let jobs, jobs < 1 || jobs > 1_024 { throw ValidationError("--jobs must be from 1 to 1024, got \(jobs)") }
        if seed != nil { throw ValidationError("--seed does not apply to sweep; give --seeds FIRST..LAST") }
        if case .failure(let e) = Compare.parseSeeds(seeds) { throw ValidationError("--seeds: " + e.message) }
        var axes: [SweepAxis] = []
        for spec in vary {
            switch SweepAxis.parse(spec) {
            case .success(let axis): axes.append(axis)
            case .failure(let e): throw ValidationError("--vary \(Output.printable(spec)): " + e.message)
            }
        }
        for axis in axes {
            if workload.given.contains(where: { $0.knob.key == axis.key && $0.value != nil }) {
                throw ValidationError("--\(axis.knob.flag) is given and varied: give its values in --vary only")
            }
        }
        if let shard, case .failure(let e) = SweepPart.parseShard(shard) { throw ValidationError("--shard: " + e.message) }
        if let shardCount, shardCount < 1 || shardCount > 1_000_000 { throw ValidationError("--shard-count must be from 1 to 1000000, got \(shardCount)") }
        if shard != nil, shardCount != nil { throw ValidationError("--shard-count is for JOB_COMPLETION_INDEX; with --shard K/N it is not needed") }
        try output.check(firstAxis: axes[0])
    }

    /// The shard to run: --shard, else a batch scheduler's environment; nil for the whole.
    func resolvedShard() throws -> (k: Int, n: Int, from: String)? {
        if let shard, case .success(let (k, n)) = SweepPart.parseShard(shard) { return (k, n, "--shard") }
        let env = { (name: String) -> String? in getenv(name).map { String(cString: $0) } }
        if let count = shardCount {
            guard let text = env("JOB_COMPLETION_INDEX") else {
                throw CommandError("--shard-count \(count) needs JOB_COMPLETION_INDEX (a Kubernetes Indexed Job) or --shard K/N")
            }
            guard let index = Int(text), index >= 0, index < count else {
                throw CommandError("JOB_COMPLETION_INDEX=\(Output.printable(text)) is not a shard of --shard-count \(count): expected 0 to \(count - 1)")
            }
            return (index + 1, count, "JOB_COMPLETION_INDEX")
        }
        if let idText = env("SLURM_ARRAY_TASK_ID") {
            let minText = env("SLURM_ARRAY_TASK_MIN") ?? "0", countText = env("SLURM_ARRAY_TASK_COUNT") ?? ""
            guard let id = Int(idText), let low = Int(minText), let count = Int(countText), count >= 1, id - low >= 0, id - low < count else {
                throw CommandError("SLURM_ARRAY_TASK_ID=\(Output.printable(idText)) with SLURM_ARRAY_TASK_MIN=\(Output.printable(minText)) and "
                    + "SLURM_ARRAY_TASK_COUNT=\(Output.printable(countText)) is not a shard: use a contiguous --array (e.g. 0-3), or give --shard K/N")
            }
            return (id - low + 1, count, "SLURM_ARRAY_TASK_ID")
        }
        return nil
    }

    mutating func run() throws {
        let flags = workload.workload(drain: drain)
        let sharding = try resolvedShard()
        if let sharding, let given = output.givenPaths.first {
            let origin = sharding.from == "--shard" ? "" : " (this is shard \(sharding.k)/\(sharding.n), from \(sharding.from); give --shard 1/1 to run the whole sweep here)"
            throw CommandError("\(given) is written by `ackscope merge` from the parts; a shard writes only its part (--part)" + origin)
        }
        if sharding == nil, part != nil { throw CommandError("--part is where a shard writes; give --shard K/N too") }
        let choice = try output.choice()

        // Every point's experiment, checked before anything runs.
        let file = try scenario.map { s throws(CommandError) in try ScenarioFiles.load(s) }
        func experiment(_ w: Workload) throws(CommandError) -> (Experiment, Scenario?) {
            guard let file else { return (Experiment(settings: w.settings), nil) }
            do {
                let s = try file.resolved(overrides: w)
                return (s.experiment, s)
            } catch {
                throw CommandError(error.description)
            }
        }
        let (base, baseScenario) = try experiment(flags)
        var header: SweepHeader
        do {
            header = try SweepHeader(vary: vary, seedsSpec: seeds, modes: base.settings.modes, title: baseScenario?.title, settingsJSON: "",
                                     production: "", reproduce: [], extra: "")
        } catch {
            throw CommandError(error.message)
        }
        var experiments: [Experiment] = []
        var reproduce: [String] = []
        for p in 0..<header.pointCount {
            let w = flags.overridden(by: header.overrides(p))
            let e: Experiment
            do {
                (e, _) = try experiment(w)
                try checkMemory(e.settings)
            } catch {
                throw CommandError("at \(header.pointText(p)): \(error)")
            }
            experiments.append(e)
            if let scenario {
                reproduce.append((["ackscope run --scenario \(Output.printable(scenario, limit: 400)) --seed {seed}"] + SettingsText.flags(w)).joined(separator: " "))
            } else {
                var s = e.settings
                s.seed = 0
                let line = SettingsText.command(s)
                reproduce.append("ackscope run --seed {seed}" + line.dropFirst("ackscope run --seed 0".count))
            }
        }
        // Varied: the knobs given to --vary, and every knob they change (a profile sets five).
        let varied = Knob.all.filter { k in
            header.axes.contains { $0.key == k.key } || experiments.contains { k.get($0.settings) != k.get(experiments[0].settings) }
        }.map(\.key)
        header.settingsJSON = SettingsText.json(base.settings, varied: varied)
        // The production line of the knobs that did not vary; it says when some that shape it did.
        let shaping = [Knob.duration, .messages, .producers, .rate, .drain].map(\.key).filter(varied.contains)
        header.production = base.settings.productionText + (base.settings.drain && !varied.contains(Knob.drain.key) ? " + drain" : "")
            + (shaping.isEmpty ? "" : " (\(shaping.joined(separator: ", ")) as varied)")
        header.reproduce = reproduce
        header.extra = baseScenario?.tomlText() ?? ""

        let partFile: OutputFile?
        if let sharding {
            let path = part ?? "sweep-part-\(sharding.k)-of-\(sharding.n).txt"
            partFile = try OutputFile(path)
            if sharding.from != "--shard" { Output.writeFD(2, "sweep: shard \(sharding.k)/\(sharding.n) from \(sharding.from)\n") }
        } else {
            partFile = nil
        }
        let files = try output.open()

        // From here a signal ends the sweep with the runs finished so far.
        Signals.installForHeadless()
        let indices: [Int] = sharding.map { Array(SweepPart.runs(shard: $0.k, of: $0.n, count: header.runCount)) } ?? Array(0..<header.runCount)
        let cores = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        let live = SweepLive(header: header, indices: indices, choice: choice, watch: watch, unicode: !output.ascii, logX: output.logX, logY: output.logY)
        let start = Output.monotonicNanos()
        let planned = experiments
        let finished = ParallelRuns.run(count: indices.count, jobs: jobs ?? cores, shouldStop: { _ in
            live.tick()
            return Signals.pending() != nil
        }, finished: { k, lanes in
            live.finished(run: indices[k], lanes)
        }) { [header] k, stop in
            let r = indices[k]
            var e = planned[header.point(ofRun: r)]
            e.settings.seed = header.seed(ofRun: r)
            return Compare.laneResults(e, stop: stop)
        }
        live.end()
        let elapsedMillis = (Output.monotonicNanos() - start) / 1_000_000
        let done = finished.count { $0 != nil }
        let wall = "\(done) run\(done == 1 ? "" : "s") in \(Format.fixed(Int64(elapsedMillis), decimals: 3))s wall (jobs: \(jobs ?? cores))"

        if let sharding, let partFile {
            if let sig = Signals.pending() {
                Output.error("stopped by \(RunCommand.signalName(sig)) after \(done) of \(indices.count) runs; no part written")
                partFile.abandon()
                Signals.reraise(sig)
            }
            Signals.restoreDefaults()
            let runs = indices.indices.compactMap { k in finished[k].map { (run: indices[k], lanes: $0) } }
            partFile.write(SweepPart(header: header, shard: sharding.k, shards: sharding.n, runs: runs).text)
            if let problem = partFile.close() {
                Output.error(problem)
                throw ExitCode(2)
            }
            Output.writeFD(2, "sweep: shard \(sharding.k)/\(sharding.n): \(wall); part written to \(Output.printable(partFile.path))\n")
            return
        }

        var results: [[Compare.LaneResult]?] = Array(repeating: nil, count: header.runCount)
        for (k, r) in indices.enumerated() { results[r] = finished[k] }
        let report = SweepReport(header: header, results: results)
        let problems = output.emit(report, choice: choice, files: files)
        if !output.writesStdout { Output.writeFD(2, "sweep: \(wall)\n") }
        if let sig = Signals.pending() {
            if report.incomplete {
                Output.error("stopped by \(RunCommand.signalName(sig)) after \(done) of \(header.runCount) runs"
                    + (files.isEmpty ? "" : "; incomplete output written to " + files.map { Output.printable($0.file.path) }.joined(separator: ", ")))
            }
            Signals.reraise(sig)
        }
        Signals.restoreDefaults()
        try SweepOutputOptions.finish(report, problems: problems)
    }
}

/// `ackscope merge`: a sharded sweep's parts combined into the whole sweep's output.
struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Combine the parts of a sharded sweep into its outputs, byte for byte those of the whole sweep.",
        discussion: """
        Give every part that `ackscope sweep --shard K/N` wrote, K = 1 … N, in any order. \
        Parts of different sweeps, a shard given twice or a shard missing are refused.
        """)

    @Argument(help: ArgumentHelp("The part files.", valueName: "part"))
    var parts: [String] = []

    @OptionGroup var output: SweepOutputOptions

    mutating func validate() throws {
        if parts.isEmpty { throw ValidationError("give the part files to merge (written by ackscope sweep --shard K/N)") }
    }

    mutating func run() throws {
        let choice = try output.choice()
        var read: [(name: String, part: SweepPart)] = []
        for path in parts {
            let text: String
            switch FileSystem.readText(path, kind: "sweep part") {
            case .success(let t): text = t
            case .failure(let problem): throw CommandError(problem.description)
            }
            switch SweepPart.parse(text: text, fileName: path) {
            case .success(let part): read.append((path, part))
            case .failure(let e): throw CommandError(e.message)
            }
        }
        let merged: (header: SweepHeader, results: [[Compare.LaneResult]?])
        switch SweepPart.merge(read) {
        case .success(let m): merged = m
        case .failure(let e): throw CommandError(e.message)
        }
        try output.check(firstAxis: merged.header.axes[0])
        let files = try output.open()
        let report = SweepReport(header: merged.header, results: merged.results)
        let problems = output.emit(report, choice: choice, files: files)
        try SweepOutputOptions.finish(report, problems: problems)
    }
}
