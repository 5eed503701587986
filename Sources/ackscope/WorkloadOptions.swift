import ArgumentParser
import DeliverySim
import Experiments

/// Turns a flag's text into a value, or a one-line error that names what is allowed.
enum FlagParse {
    /// A duration flag that is not a workload knob (`--sample-every`).
    static func duration(_ text: String) throws -> Micros {
        try Knob.parseDuration(text).mapError { ValidationError($0.message) }.get()
    }
}

extension Knob {
    /// The flag's help, with its value name: `--latency <range>`.
    var argumentHelp: ArgumentHelp { ArgumentHelp(help, valueName: valueName) }

    /// The knob's own parsing, as ArgumentParser calls it (a bad value: "The value '…' is
    /// invalid for '--flag <name>': why").
    func transform(_ text: String) throws -> KnobValue {
        try parse(flagText: text).mapError { ValidationError($0.message) }.get()
    }
}

/// Refuses a workload the process could not hold in memory, before anything starts.
func checkMemory(_ s: Settings) throws {
    if let problem = MemoryBudget(s).problem { throw CommandError(problem) }
}

/// `--seed`: the dashboard and run take one; compare takes `--seeds` instead.
struct SeedOption: ParsableArguments {
    @Option(name: .customLong(Knob.seed.flag), parsing: .unconditional, help: Knob.seed.argumentHelp, transform: Knob.seed.transform)
    var seed: KnobValue?
}

/// `--drain`/`--no-drain`: headless runs (run, compare); the dashboard never drains.
struct DrainOption: ParsableArguments {
    @Flag(name: .customLong(Knob.drain.flag), inversion: .prefixedNo, help: ArgumentHelp(Knob.drain.help))
    var drain: Bool?
}

/// The workload knobs shared by the dashboard, the headless runner and compare (but the
/// seed and drain: see `SeedOption`, `DrainOption`).
///
/// Names, help and parsing come from `Knob.all`; ArgumentParser needs one declared
/// property per flag, and `given` pairs each with its knob; everything after parsing walks
/// that. Every knob is optional: with `--scenario`, a flag given on the command line
/// overrides the scenario's value and the others keep it; without one, `Settings()`
/// defaults apply.
struct WorkloadOptions: ParsableArguments {
    @Option(name: .customLong(Knob.duration.flag), parsing: .unconditional, help: Knob.duration.argumentHelp, transform: Knob.duration.transform)
    var duration: KnobValue?
    @Option(name: .customLong(Knob.messages.flag), parsing: .unconditional, help: Knob.messages.argumentHelp, transform: Knob.messages.transform)
    var messages: KnobValue?
    @Option(name: .customLong(Knob.modes.flag), parsing: .unconditional, help: Knob.modes.argumentHelp, transform: Knob.modes.transform)
    var modes: KnobValue?
    @Option(name: .customLong(Knob.producers.flag), parsing: .unconditional, help: Knob.producers.argumentHelp, transform: Knob.producers.transform)
    var producers: KnobValue?
    @Option(name: .customLong(Knob.rate.flag), parsing: .unconditional, help: Knob.rate.argumentHelp, transform: Knob.rate.transform)
    var rate: KnobValue?
    @Option(name: .customLong(Knob.consumers.flag), parsing: .unconditional, help: Knob.consumers.argumentHelp, transform: Knob.consumers.transform)
    var consumers: KnobValue?
    @Option(name: .customLong(Knob.prefetch.flag), parsing: .unconditional, help: Knob.prefetch.argumentHelp, transform: Knob.prefetch.transform)
    var prefetch: KnobValue?
    @Option(name: .customLong(Knob.processing.flag), parsing: .unconditional, help: Knob.processing.argumentHelp, transform: Knob.processing.transform)
    var processing: KnobValue?
    @Option(name: .customLong(Knob.latency.flag), parsing: .unconditional, help: Knob.latency.argumentHelp, transform: Knob.latency.transform)
    var latency: KnobValue?
    @Option(name: .customLong(Knob.loss.flag), parsing: .unconditional, help: Knob.loss.argumentHelp, transform: Knob.loss.transform)
    var loss: KnobValue?
    @Option(name: .customLong(Knob.duplication.flag), parsing: .unconditional, help: Knob.duplication.argumentHelp, transform: Knob.duplication.transform)
    var duplication: KnobValue?
    @Option(name: .customLong(Knob.ackTimeout.flag), parsing: .unconditional, help: Knob.ackTimeout.argumentHelp, transform: Knob.ackTimeout.transform)
    var ackTimeout: KnobValue?
    @Option(name: .customLong(Knob.confirmTimeout.flag), parsing: .unconditional, help: Knob.confirmTimeout.argumentHelp, transform: Knob.confirmTimeout.transform)
    var confirmTimeout: KnobValue?
    @Option(name: .customLong(Knob.maxDeliveries.flag), parsing: .unconditional, help: Knob.maxDeliveries.argumentHelp, transform: Knob.maxDeliveries.transform)
    var maxDeliveries: KnobValue?
    @Flag(name: .customLong(Knob.durable.flag), help: ArgumentHelp(Knob.durable.help))
    var durable = false
    @Flag(name: .customLong(Knob.durable.offFlag), help: ArgumentHelp(Knob.durable.offHelp ?? ""))
    var transient = false
    @Option(name: .customLong(Knob.dedupWindow.flag), parsing: .unconditional, help: Knob.dedupWindow.argumentHelp, transform: Knob.dedupWindow.transform)
    var dedupWindow: KnobValue?
    @Option(name: .customLong(Knob.crashEvery.flag), parsing: .unconditional, help: Knob.crashEvery.argumentHelp, transform: Knob.crashEvery.transform)
    var crashEvery: KnobValue?
    @Option(name: .customLong(Knob.crashFor.flag), parsing: .unconditional, help: Knob.crashFor.argumentHelp, transform: Knob.crashFor.transform)
    var crashFor: KnobValue?
    @Flag(name: .customLong(Knob.chaos.flag), inversion: .prefixedNo, help: ArgumentHelp(Knob.chaos.help))
    var chaos: Bool?
    @Option(name: .customLong(Knob.keys.flag), parsing: .unconditional, help: Knob.keys.argumentHelp, transform: Knob.keys.transform)
    var keys: KnobValue?
    @Option(name: .customLong(Knob.maxBacklog.flag), parsing: .unconditional, help: Knob.maxBacklog.argumentHelp, transform: Knob.maxBacklog.transform)
    var maxBacklog: KnobValue?
    @Option(name: .customLong(Knob.overflow.flag), parsing: .unconditional, help: Knob.overflow.argumentHelp, transform: Knob.overflow.transform)
    var overflow: KnobValue?
    @Option(name: .customLong(Knob.maxUnconfirmed.flag), parsing: .unconditional, help: Knob.maxUnconfirmed.argumentHelp, transform: Knob.maxUnconfirmed.transform)
    var maxUnconfirmed: KnobValue?
    @Option(name: .customLong(Knob.profile.flag), parsing: .unconditional, help: Knob.profile.argumentHelp, transform: Knob.profile.transform)
    var profile: KnobValue?
    @Option(name: .customLong(Knob.ackDelay.flag), parsing: .unconditional, help: Knob.ackDelay.argumentHelp, transform: Knob.ackDelay.transform)
    var ackDelay: KnobValue?
    @Option(name: .customLong(Knob.ackEvery.flag), parsing: .unconditional, help: Knob.ackEvery.argumentHelp, transform: Knob.ackEvery.transform)
    var ackEvery: KnobValue?
    @Option(name: .customLong(Knob.ackInterval.flag), parsing: .unconditional, help: Knob.ackInterval.argumentHelp, transform: Knob.ackInterval.transform)
    var ackInterval: KnobValue?
    @Flag(name: .customLong(Knob.cumulativeAcks.flag), help: ArgumentHelp(Knob.cumulativeAcks.help))
    var cumulativeAcks = false
    @Flag(name: .customLong(Knob.cumulativeAcks.offFlag), help: ArgumentHelp(Knob.cumulativeAcks.offHelp ?? ""))
    var individualAcks = false
    @Flag(name: .customLong(Knob.requeueOnDisconnect.flag), inversion: .prefixedNo, help: ArgumentHelp(Knob.requeueOnDisconnect.help))
    var requeueOnDisconnect: Bool?

    /// Each knob with the value its flag gave: the one place that pairs flags with knobs.
    var given: [(knob: Knob, value: KnobValue?)] {
        [
            (.duration, duration), (.messages, messages), (.modes, modes), (.producers, producers), (.rate, rate),
            (.consumers, consumers), (.prefetch, prefetch), (.processing, processing), (.latency, latency), (.loss, loss),
            (.duplication, duplication), (.ackTimeout, ackTimeout), (.confirmTimeout, confirmTimeout),
            (.maxDeliveries, maxDeliveries), (.durable, durable ? .bool(true) : (transient ? .bool(false) : nil)),
            (.dedupWindow, dedupWindow), (.crashEvery, crashEvery), (.crashFor, crashFor), (.chaos, chaos.map(KnobValue.bool)),
            (.keys, keys), (.maxBacklog, maxBacklog), (.overflow, overflow), (.maxUnconfirmed, maxUnconfirmed),
            (.profile, profile), (.ackDelay, ackDelay), (.ackEvery, ackEvery), (.ackInterval, ackInterval),
            (.cumulativeAcks, cumulativeAcks ? .bool(true) : (individualAcks ? .bool(false) : nil)),
            (.requeueOnDisconnect, requeueOnDisconnect.map(KnobValue.bool)),
        ]
    }

    mutating func validate() throws {
        for (knob, value) in given {
            if let value, let problem = knob.commandLineProblem(value) { throw ValidationError(problem) }
        }
        if durable && transient { throw ValidationError("--\(Knob.durable.flag) and --\(Knob.durable.offFlag) exclude each other; choose one") }
        if cumulativeAcks && individualAcks {
            throw ValidationError("--\(Knob.cumulativeAcks.flag) and --\(Knob.cumulativeAcks.offFlag) exclude each other; choose one")
        }
    }

    /// Whether --duration was given (the dashboard otherwise produces until you quit).
    var durationGiven: Bool { duration != nil }

    /// The knobs given on the command line (nil for the others), with the seed and drain
    /// when the command takes them.
    func workload(seed: SeedOption? = nil, drain: DrainOption? = nil) -> Workload {
        var w = Workload()
        for (knob, value) in given { w[knob] = value }
        if let seed { w[.seed] = seed.seed }
        if let drain { w[.drain] = drain.drain.map(KnobValue.bool) }
        return w
    }
}
