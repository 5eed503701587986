import DeliverySim

/// A headless run: settings, the scenario's actions, and an optional time to observe until.
///
/// The same steps as `Simulation.runToEnd` (same schedule, same order, same Summary; a test
/// holds them byte-identical), driven lane by lane so that it can stop at sample times and
/// drain the message trace in chunks for the exports, and so that a recording can run on
/// after production stopped (`stopAtMicros`).
public struct Experiment: Sendable {
    public var settings: Settings
    /// Explicit actions (a scenario's, or a recording's), any order; sorted stably by time.
    public var timeline: [TimedAction]
    /// Observe until this virtual time (recordings only; needs `drain == false`).
    public var stopAtMicros: Micros?

    public init(settings: Settings, timeline: [TimedAction] = [], stopAtMicros: Micros? = nil) {
        self.settings = settings
        self.timeline = timeline
        self.stopAtMicros = stopAtMicros
    }

    /// Where the timed part ends: production's end, or `stopAtMicros` if later.
    public var endMicros: Micros { max(settings.durationMicros, stopAtMicros ?? 0) }

    /// The timeline, then the generated faults (`crash_every`, `chaos`), stable by time:
    /// same-time actions keep their written order, exactly as `Simulation.runToEnd`.
    public var schedule: [TimedAction] {
        stableSortedByTime(timeline + FaultSchedule.generated(settings)).filter { $0.atMicros <= endMicros }
    }

    /// Message events are drained from the lanes at least this often (virtual), so an
    /// `--events` export holds one chunk in memory, not the run.
    public static let traceChunkMicros: Micros = 100_000

    public func run(checkEveryEvent: Bool = false) -> Summary {
        var none = NoObserver()
        return run(checkEveryEvent: checkEveryEvent, observer: &none)
    }

    /// Runs the experiment, calling `observer` at every sample time and with every chunk of
    /// message events; returns the summary (`ackscope run`'s table and JSON).
    public func run<O: RunObserver>(checkEveryEvent: Bool = false, observer: inout O) -> Summary {
        let s = settings
        var lanes = s.modes.map { mode in
            var lane = Lane(mode: mode, settings: s)
            lane.checkEveryEvent = checkEveryEvent
            lane.recordTrace = observer.wantsEvents
            return lane
        }
        let modes = lanes.map(\.mode)
        func flushEvents() {
            guard observer.wantsEvents else { return }
            var batch: [(Int, TraceEvent)] = []
            for i in lanes.indices { batch += lanes[i].drainTrace().map { (i, $0) } }
            guard !batch.isEmpty else { return }
            // Each lane's events are in time order; merge them by time, lanes in order on ties.
            let merged = batch.enumerated().sorted { a, b in
                a.element.1.atMicros < b.element.1.atMicros || (a.element.1.atMicros == b.element.1.atMicros && a.offset < b.offset)
            }
            observer.events(merged.map { (modes[$0.element.0], $0.element.1) })
        }
        let interval = observer.sampleEveryMicros.map { max(1, $0) }
        let chunk: Micros? = observer.wantsEvents ? Self.traceChunkMicros : nil
        var nextSample = interval ?? .max
        var nextChunk = chunk ?? .max

        // The timed part: stop at each action, sample time and trace chunk.
        let end = endMicros
        let schedule = self.schedule
        var now: Micros = 0
        var index = 0
        while true {
            let nextAction = index < schedule.count ? schedule[index].atMicros : Micros.max
            let t = min(nextAction, nextSample, nextChunk, end)
            // Like Simulation.advance: the clock moves only forward; a second stop at the
            // same instant processes nothing new.
            if t > now {
                for i in lanes.indices { lanes[i].run(until: t) }
                now = t
            }
            if let interval, t == nextSample {
                observer.sample(atMicros: t, phase: .run, lanes: lanes)
                nextSample += interval
            }
            if let chunk, t == nextChunk {
                flushEvents()
                nextChunk += chunk
            }
            while index < schedule.count, schedule[index].atMicros == t {
                let action = schedule[index].action
                if Self.isValid(action, s) {
                    for i in lanes.indices { lanes[i].apply(action) }
                }
                index += 1
            }
            if t >= end { break }
        }

        // The drain: heal, restart, run until nothing is pending (or the limit passes).
        var drainedAt: [Micros?] = Array(repeating: nil, count: lanes.count)
        var endAt = Array(repeating: end, count: lanes.count)
        if s.drain {
            let limit = s.durationMicros + s.drainLimitMicros
            for i in lanes.indices { lanes[i].beginDrain() }
            var done = Array(repeating: false, count: lanes.count)
            var t = end
            while done.contains(false) {
                let step = min(nextSample, nextChunk, limit)
                for i in lanes.indices where !done[i] {
                    lanes[i].runUntilQuiescent(limit: step)
                    if lanes[i].isQuiescent || (lanes[i].nextEventMicros.map { $0 > limit } ?? true) { done[i] = true }
                }
                t = step
                if let interval, t == nextSample {
                    observer.sample(atMicros: t, phase: .drain, lanes: lanes)
                    nextSample += interval
                }
                if let chunk, t == nextChunk {
                    flushEvents()
                    nextChunk += chunk
                }
                if t >= limit { break }
            }
            for i in lanes.indices {
                drainedAt[i] = lanes[i].isQuiescent ? lanes[i].now : nil
                endAt[i] = lanes[i].now
            }
        }
        flushEvents()
        observer.finish(atMicros: endAt, lanes: lanes)
        return Summary(settings: s, lanes: lanes, drainedAt: drainedAt, drainRequested: s.drain)
    }

    /// Whether an action names nodes that exist (as `Simulation.validate`; others are skipped).
    static func isValid(_ action: Action, _ s: Settings) -> Bool {
        switch action.target {
        case .producer(let p)?: p < s.producers
        case .consumer(let c)?: c < s.consumers
        default: true
        }
    }
}

/// Where a sample was taken: while producing (or observing), while draining, or the end.
public enum RunPhase: String, Sendable {
    case run, drain, end
}

/// What an export wants from a run: samples at an interval, message events, the end state.
public protocol RunObserver {
    /// Virtual time between samples, or nil for none.
    var sampleEveryMicros: Micros? { get }
    /// Whether to record every message event (it costs) and pass them to `events`.
    var wantsEvents: Bool { get }
    mutating func sample(atMicros: Micros, phase: RunPhase, lanes: [Lane])
    /// A chunk of message events, in time order (lanes in order on ties).
    mutating func events(_ batch: [(Mode, TraceEvent)])
    /// The end: each lane's final time (drained, or the end of the run) and state.
    mutating func finish(atMicros: [Micros], lanes: [Lane])
}

extension RunObserver {
    public var sampleEveryMicros: Micros? { nil }
    public var wantsEvents: Bool { false }
    public mutating func sample(atMicros: Micros, phase: RunPhase, lanes: [Lane]) {}
    public mutating func events(_ batch: [(Mode, TraceEvent)]) {}
    public mutating func finish(atMicros: [Micros], lanes: [Lane]) {}
}

struct NoObserver: RunObserver {}

/// Sorted by time; equal times keep their order (a stable sort, as the runner needs).
public func stableSortedByTime(_ items: [TimedAction]) -> [TimedAction] {
    items.enumerated().sorted { a, b in
        a.element.atMicros < b.element.atMicros || (a.element.atMicros == b.element.atMicros && a.offset < b.offset)
    }.map(\.element)
}
