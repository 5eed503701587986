/// A run: one lane per mode, the same seed, workload and actions in each.
public struct Simulation: Sendable {
    public let settings: Settings
    public private(set) var lanes: [Lane]
    public private(set) var now: Micros = 0
    /// Every action applied so far, with its virtual time (what a replay file records).
    public private(set) var applied: [TimedAction] = []

    public init(settings: Settings, checkEveryEvent: Bool = false, recordNotables: Bool = false) {
        self.settings = settings
        lanes = settings.modes.map { mode in
            var lane = Lane(mode: mode, settings: settings)
            lane.checkEveryEvent = checkEveryEvent
            lane.recordNotables = recordNotables
            return lane
        }
    }

    /// Events processed so far, all lanes together.
    public var events: Int { lanes.reduce(0) { $0 + $1.events } }

    /// Turns the per-event trace (for `--events`) on or off in every lane.
    public mutating func setRecordTrace(_ on: Bool) {
        for i in lanes.indices { lanes[i].recordTrace = on }
    }

    /// Takes lane `i`'s trace events recorded so far.
    public mutating func drainTrace(lane i: Int) -> [TraceEvent] { lanes[i].drainTrace() }

    /// Advances every lane to virtual time `t`.
    public mutating func advance(to t: Micros) {
        guard t > now else { return }
        for i in lanes.indices { lanes[i].run(until: t) }
        now = t
    }

    /// Processes the single earliest event of any lane (stepping while paused).
    public mutating func stepOneEvent() {
        var best: (Int, Micros)? = nil
        for (i, lane) in lanes.enumerated() {
            if let t = lane.nextEventMicros, best == nil || t < best!.1 { best = (i, t) }
        }
        guard let (i, t) = best else { return }
        for j in lanes.indices where j != i { lanes[j].run(until: t - 1) }
        lanes[i].step()
        now = max(now, t)
    }

    /// Checks that an action names nodes that exist in this run.
    public func validate(_ action: Action) -> ActionError? {
        guard let node = action.target else { return nil }
        switch node {
        case .producer(let p) where p >= settings.producers:
            return ActionError("unknown target '\(node)': this run has producer-1 to producer-\(settings.producers)")
        case .consumer(let c) where c >= settings.consumers:
            return ActionError("unknown target '\(node)': this run has consumer-1 to consumer-\(settings.consumers)")
        default:
            return nil
        }
    }

    /// Applies an action to every lane at the current virtual time.
    public mutating func apply(_ action: Action) {
        guard validate(action) == nil else { return }
        applied.append(TimedAction(at: now, action))
        for i in lanes.indices { lanes[i].apply(action) }
    }

    /// Runs the whole experiment: the timeline, then (if set) the drain. Headless.
    public mutating func runToEnd(timeline: [TimedAction]) -> Summary {
        var schedule = timeline + FaultSchedule.generated(settings)
        // Stable sort by time: same-time actions keep their written order.
        schedule = schedule.enumerated().sorted { a, b in
            a.element.atMicros < b.element.atMicros || (a.element.atMicros == b.element.atMicros && a.offset < b.offset)
        }.map(\.element)
        for item in schedule where item.atMicros <= settings.durationMicros {
            advance(to: item.atMicros)
            apply(item.action)
        }
        advance(to: settings.durationMicros)
        var drainedAt: [Micros?] = Array(repeating: nil, count: lanes.count)
        if settings.drain {
            for i in lanes.indices {
                lanes[i].beginDrain()
                lanes[i].runUntilQuiescent(limit: settings.durationMicros + settings.drainLimitMicros)
                drainedAt[i] = lanes[i].isQuiescent ? lanes[i].now : nil
            }
        }
        return Summary(settings: settings, lanes: lanes, drainedAt: drainedAt, drainRequested: settings.drain)
    }
}

/// Fault schedules generated from the seed: `--crash-every`/`--crash-for` and `--chaos`.
public enum FaultSchedule {
    public static func generated(_ s: Settings) -> [TimedAction] {
        var out: [TimedAction] = []
        if s.crashEveryMicros > 0 && s.consumers > 0 {
            var rng = PRNG.child(of: s.seed, stream: 9_001)
            var t = s.crashEveryMicros
            while t < s.durationMicros {
                let c = Int(rng.below(UInt64(s.consumers)))
                out.append(TimedAction(at: t, .crash(.consumer(c))))
                out.append(TimedAction(at: t + max(1, s.crashForMicros), .restart(.consumer(c))))
                t += s.crashEveryMicros
            }
        }
        if s.chaos { out += chaos(s) }
        return out
    }

    /// A random mix of every fault in the vocabulary, each paired with its repair.
    static func chaos(_ s: Settings) -> [TimedAction] {
        var rng = PRNG.child(of: s.seed, stream: 9_002)
        var out: [TimedAction] = []
        let span = max(1, s.durationMicros)
        let count = 3 + Int(rng.below(6))
        for _ in 0..<count {
            let at = Micros(rng.below(UInt64(span)))
            let length = Micros(rng.below(UInt64(max(1, s.ackTimeoutMicros * 3)))) + 1
            let c = Node.consumer(Int(rng.below(UInt64(max(1, s.consumers)))))
            let p = Node.producer(Int(rng.below(UInt64(max(1, s.producers)))))
            switch rng.below(10) {
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
