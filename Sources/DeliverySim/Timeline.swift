/// One run's timeline: the lanes, the actions due, and virtual time.
///
/// Everything that runs the world drives this one type: the dashboard, the headless
/// runner, scenarios, recordings and their replays, and the tests. It applies every
/// scheduled action (a scenario's, `--crash-every`'s, `--chaos`'s) at its instant, after
/// every event of that instant, and records every action applied, so a session replays.
public struct Timeline: Sendable {
    public let settings: Settings
    public private(set) var lanes: [Lane]
    /// The virtual time every lane has reached.
    public private(set) var now: Micros = 0
    /// Every action applied so far, with its virtual time and where it came from.
    public private(set) var applied: [AppliedAction] = []
    /// Set after `step()` processed one event: the lanes stand at different points of one
    /// instant until the next call completes it.
    public private(set) var partialInstant = false
    /// Scheduled actions after this time are never applied.
    public let actionsUntil: Micros

    /// Explicit actions (a scenario's or a recording's), in the order they are applied.
    public let script: [TimedAction]
    /// How many of `script` have been applied.
    public private(set) var scriptApplied = 0
    private let dice: Dice
    /// The next `--crash-every` crash and restart, by number (the k-th crash is at k × every).
    private var nextCrash = 1
    private var nextRestart = 1
    private let chaos: [TimedAction]
    private var chaosApplied = 0
    /// The drain: started, and which lanes have finished.
    public private(set) var draining = false
    private var drained: [Bool]

    /// `actions` may come in any order; they are sorted by time, same-time ones keeping
    /// their order. `actionsUntil` defaults to the end of production.
    public init(settings: Settings, actions: [TimedAction] = [], actionsUntil: Micros? = nil,
                checkEveryEvent: Bool = false, recording: EventFilter = .nothing) {
        self.settings = settings
        self.actionsUntil = actionsUntil ?? settings.durationMicros
        lanes = settings.modes.map { mode in
            var lane = Lane(mode: mode, settings: settings)
            lane.checkEveryEvent = checkEveryEvent
            lane.recording = recording
            return lane
        }
        dice = Dice(seed: settings.seed)
        script = stableSortedByTime(actions)
        chaos = settings.chaos ? stableSortedByTime(FaultSchedule.chaos(settings)) : []
        drained = Array(repeating: false, count: settings.modes.count)
    }

    /// Events processed so far, all lanes together.
    public var events: Int { lanes.reduce(0) { $0 + $1.events } }

    /// Records these event kinds in every lane from now on.
    public mutating func setRecording(_ filter: EventFilter) {
        for i in lanes.indices { lanes[i].recording = filter }
    }

    /// Takes lane `i`'s events recorded so far, in time order (no merge: the cheap way for
    /// a reader that files them per lane).
    public mutating func takeEvents(lane i: Int) -> [SimEvent] { lanes[i].takeEvents() }

    /// Takes the events recorded so far, merged by time (lanes in order on ties).
    public mutating func takeEvents() -> [LaneEvent] {
        var batch: [LaneEvent] = []
        for i in lanes.indices where !lanes[i].recorded.isEmpty {
            batch += lanes[i].takeEvents().map { LaneEvent(lane: i, event: $0) }
        }
        guard lanes.count > 1 else { return batch }
        // Each lane's events are in time order; a stable sort by time merges them.
        return batch.enumerated().sorted { a, b in
            a.element.event.atMicros < b.element.event.atMicros
                || (a.element.event.atMicros == b.element.event.atMicros && a.offset < b.offset)
        }.map(\.element)
    }

    // MARK: - Actions

    /// Whether an action names nodes that exist in a run with these settings.
    public static func validate(_ action: Action, _ settings: Settings) -> NoSuchNode? {
        switch action.target {
        case .producer(let p)? where p >= settings.producers:
            NoSuchNode(node: .producer(p), count: settings.producers)
        case .consumer(let c)? where c >= settings.consumers:
            NoSuchNode(node: .consumer(c), count: settings.consumers)
        default:
            nil
        }
    }

    /// Applies an action to every lane now (a key). Completes a half-processed instant
    /// first, so a replay, which applies actions between whole instants, sees the same.
    @discardableResult
    public mutating func apply(_ action: Action, origin: ActionOrigin = .key) -> NoSuchNode? {
        if let error = Self.validate(action, settings) { return error }
        completeInstant()
        applied.append(AppliedAction(timed: TimedAction(at: now, action), origin: origin))
        for i in lanes.indices { lanes[i].apply(action) }
        return nil
    }

    /// The earliest scheduled action not yet applied, and where it comes from. Same-time
    /// ties go the script first, then `--crash-every`, then `--chaos`.
    public var nextScheduled: (at: Micros, origin: ActionOrigin)? {
        var best: (at: Micros, origin: ActionOrigin)? = nil
        func consider(_ t: Micros?, _ origin: ActionOrigin) {
            if let t, t <= actionsUntil, best.map({ t < $0.at }) ?? true { best = (t, origin) }
        }
        consider(scriptApplied < script.count ? script[scriptApplied].atMicros : nil, .scenario)
        consider(nextCrashEvery?.at, .crashEvery)
        consider(chaosApplied < chaos.count ? chaos[chaosApplied].atMicros : nil, .chaos)
        return best
    }

    /// The next `--crash-every` action: the crashes at k × every, each followed by its
    /// restart `crash_for` later; a restart tied with a later crash goes first.
    private var nextCrashEvery: (at: Micros, isCrash: Bool)? {
        let every = settings.crashEveryMicros
        guard every > 0, settings.consumers > 0 else { return nil }
        var best: (at: Micros, isCrash: Bool)? = nil
        if nextRestart < nextCrash { best = (Micros(nextRestart) * every + max(1, settings.crashForMicros), false) }
        let crashAt = Micros(nextCrash) * every
        if crashAt < settings.durationMicros, best.map({ crashAt < $0.at }) ?? true { best = (crashAt, true) }
        return best
    }

    /// The consumer the k-th `--crash-every` crash hits: the same dice in every lane and run.
    private func crashTarget(_ k: Int) -> Node {
        .consumer(Int(Dice.below(UInt64(settings.consumers), dice.word(.crashTarget, UInt64(k)))))
    }

    /// Applies every scheduled action due at or before `t`, in tie order.
    private mutating func applyDue(at t: Micros) {
        while let next = nextScheduled, next.at <= t {
            let action: Action
            switch next.origin {
            case .scenario:
                action = script[scriptApplied].action
                scriptApplied += 1
            case .crashEvery:
                if nextCrashEvery!.isCrash {
                    action = .crash(crashTarget(nextCrash))
                    nextCrash += 1
                } else {
                    action = .restart(crashTarget(nextRestart))
                    nextRestart += 1
                }
            case .chaos:
                action = chaos[chaosApplied].action
                chaosApplied += 1
            case .key, .lesson:
                return
            }
            apply(action, origin: next.origin)
        }
    }

    // MARK: - Time

    /// Advances every lane to `t`, stopping at each scheduled action's instant to apply it
    /// after every event of that instant. Actions due at `t` itself are applied.
    public mutating func advance(to t: Micros) {
        completeInstant()
        while let next = nextScheduled, next.at <= t {
            runLanes(to: next.at)
            applyDue(at: next.at)
        }
        runLanes(to: t)
    }

    private mutating func runLanes(to t: Micros) {
        guard t >= now else { return }
        for i in lanes.indices { lanes[i].run(until: t) }
        now = t
    }

    /// Finishes an instant left half-processed by `step()`.
    public mutating func completeInstant() {
        guard partialInstant else { return }
        partialInstant = false
        for i in lanes.indices { lanes[i].run(until: now) }
    }

    /// What `step()` did.
    public enum Stepped: Equatable, Sendable {
        case event
        case action(TimedAction)
        case nothing
    }

    /// One step while paused: the next scheduled action if it comes no later than the next
    /// event, else the single earliest event of any lane (of lane `only`, when given: the
    /// other lanes then run up to just before it).
    public mutating func step(lane only: Int? = nil) -> Stepped {
        let nextEvent = only.map { lanes[$0].nextEventMicros } ?? lanes.compactMap(\.nextEventMicros).min()
        if let next = nextScheduled, nextEvent.map({ next.at <= $0 }) ?? true {
            advance(to: max(next.at, now))
            return applied.last.map { .action($0.timed) } ?? .nothing
        }
        guard let t = nextEvent, let i = only ?? lanes.firstIndex(where: { $0.nextEventMicros == t }) else { return .nothing }
        for j in lanes.indices where j != i { lanes[j].run(until: t - 1) }
        lanes[i].step()
        now = max(now, t)
        partialInstant = true
        return .event
    }

    // MARK: - The drain

    /// The latest a drain may run to: the drain limit after production ended.
    public var drainLimit: Micros { min(settings.durationMicros, drainStartedAt ?? now) + settings.drainLimitMicros }
    private var drainStartedAt: Micros?

    /// With `messages` and no time limit: whether every lane has produced them all (then
    /// only a drain is left to run).
    public var productionEndedByMessages: Bool {
        guard settings.productionUnlimited, let n = settings.messageLimit else { return false }
        return lanes.allSatisfy { $0.produced >= n }
    }

    /// Ends production, heals everything and restarts every node: the start of a drain.
    public mutating func beginDrain() {
        completeInstant()
        draining = true
        drainStartedAt = now
        for i in lanes.indices { lanes[i].beginDrain() }
    }

    /// Runs each lane not yet drained until nothing is pending or `t` passes; true once
    /// every lane is drained or has nothing left to do before the drain limit.
    @discardableResult
    public mutating func advanceDrain(to t: Micros) -> Bool {
        for i in lanes.indices where !drained[i] {
            lanes[i].runUntilQuiescent(limit: t)
            if lanes[i].isQuiescent || (lanes[i].nextEventMicros.map { $0 > drainLimit } ?? true) { drained[i] = true }
        }
        now = max(now, t)
        return !drained.contains(false)
    }

    /// Whether no lane has anything left to do before `t` (a drain slice can end early).
    public func drainIdle(before t: Micros) -> Bool {
        lanes.indices.allSatisfy { i in
            drained[i] || lanes[i].isQuiescent || (lanes[i].nextEventMicros.map { $0 > t } ?? true)
        }
    }

    /// The summary as the run stands: drained lanes say when they drained.
    public func summary() -> Summary {
        let drainedAt: [Micros?] = lanes.map { draining && $0.isQuiescent ? $0.now : nil }
        return Summary(settings: settings, lanes: lanes, drainedAt: drainedAt, drainRequested: draining)
    }

    /// The whole run, headless: the timed part, then (if set) the drain.
    public mutating func runToEnd() -> Summary {
        if settings.productionUnlimited && settings.messageLimit != nil {
            while !productionEndedByMessages { advance(to: now + Duration.seconds(1)) }
        } else {
            advance(to: settings.durationMicros)
        }
        if settings.drain {
            beginDrain()
            advanceDrain(to: drainLimit)
        }
        return summary()
    }
}

/// An action names a producer or consumer the run does not have (it has `count` of them).
public struct NoSuchNode: Error, Equatable, Sendable {
    public var node: Node
    public var count: Int
}

/// Where an applied action came from (written next to it in a recording).
public enum ActionOrigin: String, Sendable {
    case key, scenario
    case crashEvery = "crash-every"
    case chaos
    /// A lesson step's actions (or its "show me"), applied as its time comes.
    case lesson
}

/// An action as applied: when, what, and why.
public struct AppliedAction: Equatable, Sendable {
    public var timed: TimedAction
    public var origin: ActionOrigin
}

/// Sorted by time; equal times keep their order (the one stable sort of actions).
public func stableSortedByTime(_ items: [TimedAction]) -> [TimedAction] {
    items.enumerated().sorted { a, b in
        a.element.atMicros < b.element.atMicros || (a.element.atMicros == b.element.atMicros && a.offset < b.offset)
    }.map(\.element)
}

/// Fault schedules drawn from the seed.
public enum FaultSchedule {
    /// A random mix of every fault in the vocabulary, each paired with its repair, over
    /// the run (or the first minute of an endless one).
    static func chaos(_ s: Settings) -> [TimedAction] {
        let dice = Dice(seed: s.seed)
        var n: UInt64 = 0
        /// The next draw of the schedule: fault number and field.
        func draw(_ bound: UInt64) -> UInt64 {
            n += 1
            return Dice.below(bound, dice.word(.chaos, n))
        }
        var out: [TimedAction] = []
        let span = max(1, s.productionUnlimited ? Settings().durationMicros : s.durationMicros)
        let count = 3 + Int(draw(6))
        for _ in 0..<count {
            let at = Micros(draw(UInt64(span)))
            let length = Micros(draw(UInt64(max(1, s.ackTimeoutMicros * 3)))) + 1
            let c = Node.consumer(Int(draw(UInt64(max(1, s.consumers)))))
            let p = Node.producer(Int(draw(UInt64(max(1, s.producers)))))
            switch draw(10) {
            case 0: out += [TimedAction(at: at, .crash(c)), TimedAction(at: at + length, .restart(c))]
            case 1: out += [TimedAction(at: at, .partition(c)), TimedAction(at: at + length, .heal(c))]
            case 2: out += [TimedAction(at: at, .partitionOneWay(c)), TimedAction(at: at + length, .heal(c))]
            case 3: out += [TimedAction(at: at, .slow(c)), TimedAction(at: at + length, .unslow(c))]
            case 4: out += [TimedAction(at: at, .crashAfterEffect(c)), TimedAction(at: at + length, .restart(c))]
            case 5: out += [TimedAction(at: at, .crashAfterAck(c)), TimedAction(at: at + length, .restart(c))]
            case 6: out += [TimedAction(at: at, .crash(.broker)), TimedAction(at: at + length, .restart(.broker))]
            case 7: out += [TimedAction(at: at, .crash(p)), TimedAction(at: at + length, .restart(p))]
            case 8: out += [TimedAction(at: at, .partition(p)), TimedAction(at: at + length, .heal(p))]
            default: out += [TimedAction(at: at, .setLoss(nil, perMillion: 200_000)),
                             TimedAction(at: at + length, .setLoss(nil, perMillion: s.lossPerMillion))]
            }
        }
        return out
    }
}
