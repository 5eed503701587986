import ArgumentParser
import DeliverySim
import Experiments

/// `ackscope selfcheck`: the random-fault property check, on this build.
struct SelfCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "selfcheck",
        abstract: "Check the model: conservation after every event and every mode's promise, over many seeds.",
        discussion: """
            Each seed is a small world (4 s, every mode) with a random fault schedule, random \
            durability, dedup and duplication. A failure prints the command that reproduces \
            it and exits 1. CI runs 10,000 seeds.
            """
    )

    @Option(name: .customLong("seeds"), parsing: .unconditional, help: "How many seeds to check (1 to 10000000).")
    var seeds: Int = 10_000

    @Option(name: .customLong("first"), parsing: .unconditional, help: "The first seed.")
    var first: UInt64 = 1

    func validate() throws {
        guard (1...10_000_000).contains(seeds) else { throw ValidationError("--seeds must be from 1 to 10000000, got \(seeds)") }
        guard first <= UInt64.max - UInt64(seeds) else { throw ValidationError("--first \(first) is too large for --seeds \(seeds)") }
    }

    func run() throws {
        let start = Output.monotonicNanos()
        let last = first + UInt64(seeds) - 1
        let r = PropertySweep.run(seeds: first...last)
        let seconds = Double(Output.monotonicNanos() - start) / 1e9
        for f in r.failures { print("FAIL " + f) }
        print("selfcheck: seeds \(first)-\(last) (\(r.seeds) run), \(Mode.allCases.count) lanes each, "
              + "\(r.failures.count) failures, \(JSON.number(seconds))s")
        print("  exercised: loss \(r.sawLoss), duplicate effects \(r.sawDuplicate), stale keys \(r.sawStale), "
              + "store-key duplicates \(r.sawSuppressed), promises not in force \(r.sawNotInForce)")
        if !r.failures.isEmpty { throw ExitCode(1) }
    }
}
