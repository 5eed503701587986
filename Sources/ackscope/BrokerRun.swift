import ArgumentParser
import DeliverySim
import Experiments
import Glibc
import RealBroker
import TerminalNcurses

/// `--broker sim|nats|nats://127.0.0.1:PORT`: where the lanes run.
struct BrokerOption: ParsableArguments {
    @Option(help: ArgumentHelp("Where the lanes run: sim (the embedded model, the default); nats (a private nats-server from PATH or /usr/sbin, loopback only, started and stopped by this run); nats://127.0.0.1:PORT (a running server with JetStream: only this run's streams are touched).",
                               valueName: "sim|nats|nats://127.0.0.1:PORT"))
    var broker: String = "sim"

    init() {}
    init(broker: String) { self.broker = broker }

    /// Nil for the simulation.
    func target() throws(CommandError) -> BrokerTarget? {
        if broker == "sim" { return nil }
        switch BrokerTarget.parse(broker) {
        case .success(let t): return t
        case .failure(let e): throw CommandError(e.description)
        }
    }
}

/// Runs the lanes on a real NATS JetStream server, headless.
enum RealBrokerRun {
    /// How long a real run's drain may take (the model's default limit is an hour of virtual time).
    static let drainLimitMicros: Micros = 120_000_000

    /// The words a real run's table and JSON carry: where the real server and the model differ.
    static func notes(_ s: Settings) -> [String] {
        var notes = ["wall clock: the numbers change from run to run; the seed fixes only the workload's dice (gaps, keys, processing times)",
                     "in_flight and acks_pending are n/a: bytes on a TCP connection cannot be counted as messages",
                     "link latency is loopback's own, not the model's"]
        if s.lossPerMillion > 0 {
            notes.append("loss \(Format.percent(s.lossPerMillion)): TCP itself loses nothing; the fault proxy drops whole messages (publish, confirm, delivery, ack) with that chance, by the model's dice")
        }
        if s.duplicationPerMillion > 0 { notes.append("duplication not applied: TCP delivers each byte once") }
        if s.cumulativeAcks || s.ackEvery > 1 { notes.append("ack batching not applied: each delivery is acked on its own") }
        if s.requeueOnDisconnect { notes.append("requeue on disconnect not applied: JetStream redelivers after AckWait") }
        return notes
    }

    /// Fails with one line before anything starts when the settings ask what a real lane cannot do.
    static func check(_ s: Settings, unlimitedAllowed: Bool = false, allowInProcess: Bool = false) throws(CommandError) {
        if s.modes.contains(.inProcess) && !allowInProcess {
            throw CommandError("--broker nats: the in-process lane has no real-broker form (its point is that no network sits between broker and consumer); "
                + "use --modes at-most-once,at-least-once,idempotent,effectively-once")
        }
        if !unlimitedAllowed && s.productionUnlimited && s.messageLimit == nil {
            throw CommandError("--broker nats runs on the wall clock: give --duration (or --messages)")
        }
    }

    /// Runs `experiment` on the real server: production on the wall clock, then the
    /// drain. Returns the summary; `shouldStop` is asked every 50 ms.
    static func run(_ experiment: Experiment, target: BrokerTarget, events: ((String) -> Void)?, csv: ((String) -> Void)?,
                    progress: ProgressLine, shouldStop: () -> Bool) throws(CommandError) -> Summary {
        let s = experiment.settings
        let real: RealRun
        do {
            real = try RealRun(settings: s, script: experiment.timeline, target: target, recording: events == nil ? .nothing : .everything)
        } catch {
            throw CommandError("--broker: " + error.description)
        }
        defer { real.close() }
        csv?(ExportObserver.csvHeader)
        var nextSample: Micros = 0
        func export(_ phase: RunPhase) {
            if let events {
                for e in real.takeEvents() {
                    if let line = EventLines.line(e.event, mode: s.modes[e.lane]) { events(line + "\n") }
                }
            }
            if let csv, real.now >= nextSample {
                for lane in real.observed() { csv(ExportObserver.csvRow(atMicros: real.now, phase: phase, observed: lane)) }
                nextSample += 1_000_000
            }
        }
        var stopped = false
        while !real.productionOver {
            real.pump(millis: 50)
            export(.run)
            progress.update { "nats: t \(Format.seconds(real.now)) of \(Format.duration(s.durationMicros)) wall" }
            if shouldStop() { stopped = true; break }
        }
        var drainedAt: [Micros?] = Array(repeating: nil, count: s.modes.count)
        if s.drain && !stopped {
            drainedAt = real.drain(limitMicros: min(s.drainLimitMicros, drainLimitMicros)) {
                export(.drain)
                progress.update { "nats: draining, t \(Format.seconds(real.now)) wall" }
                if shouldStop() { stopped = true }
                return stopped
            }
        }
        export(.end)
        let observed = real.observed()
        if let csv { for lane in observed { csv(ExportObserver.csvRow(atMicros: real.now, phase: .end, observed: lane)) } }
        var summary = Summary(settings: s, observed: observed, drainedAt: drainedAt, drainRequested: s.drain && !stopped, broker: "nats")
        summary.notes = [real.brokerWords] + notes(s)
        if let failure = real.restartFailure { summary.notes.append("the broker did not restart: " + failure) }
        if stopped { summary.interruption = Summary.Interruption(atMicros: real.now, draining: real.draining) }
        return summary
    }
}
