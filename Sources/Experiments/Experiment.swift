import DeliverySim

/// A headless run: settings, the scenario's actions, and an optional time to observe until.
///
/// It drives the one `Timeline` (the same one the dashboard and the tests drive), stopping
/// at sample times and draining the event stream in chunks for the exports, and it can run
/// on after production stopped (`stopAtMicros`) to replay a recording.
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
        let end = endMicros
        var world = Timeline(settings: s, actions: timeline, actionsUntil: end, checkEveryEvent: checkEveryEvent,
                             recording: observer.wantsEvents ? observer.eventKinds : .nothing)
        let modes = world.lanes.map(\.mode)
        func flushEvents() {
            guard observer.wantsEvents else { return }
            let batch = world.takeEvents()
            if !batch.isEmpty { observer.events(batch.map { (modes[$0.lane], $0.event) }) }
        }
        var slicer = Slicer(targetEvents: max(1, sliceEvents))
        var phase = RunPhase.run
        var eventsAtLastAsk = 0
        var stopsSinceAsk = 0
        /// Asks the hook where the run is; unless `force`, only once a slice's worth of
        /// events, or many stops, have passed since it was last asked (samples 1us apart
        /// may carry no events at all).
        func stopRequested(force: Bool) -> Bool {
            stopsSinceAsk += 1
            let events = world.events
            guard force || events - eventsAtLastAsk >= slicer.targetEvents || stopsSinceAsk >= 4_096 else { return false }
            eventsAtLastAsk = events
            stopsSinceAsk = 0
            return shouldStop(RunProgress(phase: phase, atMicros: world.now, endMicros: end,
                                          produced: world.lanes.map(\.produced).max() ?? 0, events: events))
        }
        /// Runs the world slice by slice to `t` (or, draining, until every lane is drained
        /// or idle before `t`), asking the hook between slices; false if it said stop.
        func advance(to t: Micros) -> Bool {
            while world.now < t && (phase == .drain || !world.productionEndedByMessages) {
                let u = slicer.end(from: world.now, limit: t)
                let before = world.events
                if phase == .drain {
                    if world.advanceDrain(to: u) || world.drainIdle(before: t) {
                        world.advanceDrain(to: t)
                        return true
                    }
                } else {
                    world.advance(to: u)
                }
                slicer.learn(events: (world.events - before) / max(1, world.lanes.count))
                if world.now < t, stopRequested(force: true) { return false }
            }
            if phase == .run && world.now == t { world.advance(to: t) }  // the actions due at t itself
            return true
        }
        /// Ends the run where it is (every lane at `world.now`).
        func interrupt() -> Summary {
            flushEvents()
            var summary = Summary(settings: s, lanes: world.lanes, drainedAt: world.lanes.map { _ in nil }, drainRequested: false)
            summary.interruption = Summary.Interruption(atMicros: world.now, draining: phase == .drain)
            return summary
        }
        let interval = observer.sampleEveryMicros.map { max(1, $0) }
        let chunk: Micros? = observer.wantsEvents ? Self.traceChunkMicros : nil
        var nextSample = interval ?? .max
        var nextChunk = chunk ?? .max
        /// Samples and flushes due at `t`.
        func observe(at t: Micros) {
            if let interval, t == nextSample {
                observer.sample(atMicros: t, phase: phase, lanes: world.lanes)
                nextSample += interval
            }
            if let chunk, t == nextChunk {
                flushEvents()
                nextChunk += chunk
            }
        }

        // The timed part: stop at each sample time and trace chunk.
        while true {
            let t = min(nextSample, nextChunk, end)
            if !advance(to: t) { return interrupt() }
            if world.now < t { break }  // every lane has produced `messages`: drain from here
            observe(at: t)
            if t >= end { break }
            if stopRequested(force: false) { return interrupt() }
        }

        // The drain: heal, restart, run until nothing is pending (or the limit passes).
        var endAt = world.lanes.map { _ in world.now }
        if s.drain {
            world.beginDrain()
            let limit = world.drainLimit
            phase = .drain
            var finished = false
            while !finished {
                let t = min(nextSample, nextChunk, limit)
                if !advance(to: t) { return interrupt() }
                finished = world.advanceDrain(to: t) || t >= limit
                observe(at: t)
                if !finished, stopRequested(force: false) { return interrupt() }
            }
            endAt = world.lanes.map(\.now)
        }
        flushEvents()
        observer.finish(atMicros: endAt, lanes: world.lanes)
        return world.summary()
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
    /// The kinds recorded when `wantsEvents` (default: those `--events` writes).
    var eventKinds: EventFilter { get }
    mutating func sample(atMicros: Micros, phase: RunPhase, lanes: [Lane])
    /// A chunk of message events, in time order (lanes in order on ties).
    mutating func events(_ batch: [(Mode, SimEvent)])
    /// The end: each lane's final time (drained, or the end of the run) and state.
    mutating func finish(atMicros: [Micros], lanes: [Lane])
}

extension RunObserver {
    public var sampleEveryMicros: Micros? { nil }
    public var wantsEvents: Bool { false }
    public var eventKinds: EventFilter { EventLines.filter }
    public mutating func sample(atMicros: Micros, phase: RunPhase, lanes: [Lane]) {}
    public mutating func events(_ batch: [(Mode, SimEvent)]) {}
    public mutating func finish(atMicros: [Micros], lanes: [Lane]) {}
}

struct NoObserver: RunObserver {}
