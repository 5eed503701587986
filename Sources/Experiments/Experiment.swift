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
    /// About how many events a lane processes between two calls of the `shouldStop` hook:
    /// a few milliseconds of work, so a signal is answered promptly at any rate.
    public var sliceEvents = 16_384

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
        stableSortedByTime(timeline + generatedFaults).filter { $0.atMicros <= endMicros }
    }

    /// Message events are drained from the lanes at least this often (virtual), so an
    /// `--events` export holds one chunk in memory, not the run.
    public static let traceChunkMicros: Micros = 100_000

    public func run(checkEveryEvent: Bool = false, shouldStop: (RunProgress) -> Bool = { _ in false }) -> Summary {
        var none = NoObserver()
        return run(checkEveryEvent: checkEveryEvent, observer: &none, shouldStop: shouldStop)
    }

    /// Runs the experiment, calling `observer` at every sample time and with every chunk of
    /// message events; returns the summary (`ackscope run`'s table and JSON).
    ///
    /// `shouldStop` is asked between slices of virtual time that hold about `sliceEvents`
    /// events per lane (and told where the run is, for a progress line). Every lane runs
    /// to the end of a slice before the next one starts, so they stand at one virtual time
    /// when asked. When it answers true the run stops there: the message events recorded
    /// so far go to the observer (but no end sample: nothing ended), and the summary is
    /// marked `interruption`, not drained, with only the conservation check. Otherwise the
    /// hook changes nothing: stopping at a slice's end moves no event.
    public func run<O: RunObserver>(checkEveryEvent: Bool = false, observer: inout O,
                                    shouldStop: (RunProgress) -> Bool = { _ in false }) -> Summary {
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
        var slicer = Slicer(targetEvents: max(1, sliceEvents))
        var phase = RunPhase.run
        /// The virtual time every lane has been run to.
        var reached: Micros = 0
        var eventsAtLastAsk = 0
        var stopsSinceAsk = 0
        /// Asks the hook where the run is; unless `force`, only once a slice's worth of
        /// events, or many stops, have passed since it was last asked (samples 1us apart
        /// may carry no events at all).
        func stopRequested(force: Bool) -> Bool {
            stopsSinceAsk += 1
            let events = lanes.reduce(0) { $0 + $1.events }
            guard force || events - eventsAtLastAsk >= slicer.targetEvents || stopsSinceAsk >= 4_096 else { return false }
            eventsAtLastAsk = events
            stopsSinceAsk = 0
            return shouldStop(RunProgress(phase: phase, atMicros: reached, endMicros: endMicros,
                                          produced: lanes.map(\.produced).max() ?? 0, events: events))
        }
        /// Runs every lane (`draining`: those not `done`) slice by slice to `t`, asking the
        /// hook between slices; false if it said stop. A drain also ends once no lane has
        /// anything left to do before `t`.
        func advance(to t: Micros, draining done: [Bool]? = nil) -> Bool {
            while reached < t && (done != nil || !productionEndedByMessages(lanes)) {
                let u = slicer.end(from: reached, limit: t)
                let before = lanes.map(\.events)
                for i in lanes.indices {
                    if let done {
                        if !done[i] { lanes[i].runUntilQuiescent(limit: u) }
                    } else {
                        lanes[i].run(until: u)
                    }
                }
                slicer.learn(events: lanes.indices.map { lanes[$0].events - before[$0] }.max() ?? 0)
                reached = u
                if let done, lanes.indices.allSatisfy({ i in
                    done[i] || lanes[i].isQuiescent || (lanes[i].nextEventMicros.map { $0 > t } ?? true)
                }) {
                    reached = t
                    return true
                }
                if reached < t, stopRequested(force: true) { return false }
            }
            return true
        }
        /// Ends the run where it is (every lane at `reached`).
        func interrupt() -> Summary {
            flushEvents()
            var summary = Summary(settings: s, lanes: lanes, drainedAt: lanes.map { _ in nil }, drainRequested: false)
            summary.interruption = Summary.Interruption(atMicros: reached, draining: phase == .drain)
            return summary
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
                if !advance(to: t) { return interrupt() }
                now = reached
                if now < t { break }  // every lane has produced `messages`: drain from here
            }
            reached = now
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
            if stopRequested(force: false) { return interrupt() }
        }

        // The drain: heal, restart, run until nothing is pending (or the limit passes).
        var drainedAt: [Micros?] = Array(repeating: nil, count: lanes.count)
        var endAt = Array(repeating: now, count: lanes.count)
        if s.drain {
            let limit = min(s.durationMicros, now) + s.drainLimitMicros
            for i in lanes.indices { lanes[i].beginDrain() }
            phase = .drain
            var done = Array(repeating: false, count: lanes.count)
            var t = now
            reached = now
            while done.contains(false) {
                let step = min(nextSample, nextChunk, limit)
                // As `runUntilQuiescent(limit: step)` on each lane not done, in slices.
                if !advance(to: step, draining: done) { return interrupt() }
                for i in lanes.indices where !done[i] {
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
                if stopRequested(force: false) { return interrupt() }
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

/// Cuts a run into slices of virtual time of about `targetEvents` events per lane,
/// learning how dense events are as it goes (they may be 1 per virtual minute or 100 per
/// microsecond): a slice twice too full halves the next, one half empty doubles it.
struct Slicer {
    let targetEvents: Int
    private(set) var micros: Micros = 1_000

    init(targetEvents: Int) { self.targetEvents = targetEvents }

    /// Where the slice that starts at `from` ends, not past `limit`.
    func end(from: Micros, limit: Micros) -> Micros {
        limit - from <= micros ? limit : from + micros
    }

    mutating func learn(events: Int) {
        if events > 2 * targetEvents {
            micros = max(1, micros / 2)
        } else if events * 2 < targetEvents, micros < Micros(1) << 52 {
            micros *= 2
        }
    }
}

/// Where a headless run is: what the `shouldStop` hook is told, for a progress line.
public struct RunProgress: Equatable, Sendable {
    /// Producing (`.run`) or draining.
    public var phase: RunPhase
    /// Virtual time every lane has reached.
    public var atMicros: Micros
    /// Where the timed part ends; the drain's end is not known in advance.
    public var endMicros: Micros
    /// Messages produced so far (the lane ahead; lanes share the workload).
    public var produced: Int
    /// Events processed so far, all lanes.
    public var events: Int

    public init(phase: RunPhase, atMicros: Micros, endMicros: Micros, produced: Int, events: Int) {
        self.phase = phase
        self.atMicros = atMicros
        self.endMicros = endMicros
        self.produced = produced
        self.events = events
    }
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
