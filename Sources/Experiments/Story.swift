import DeliverySim

/// One message's life, read from the typed event stream: per lane, its steps in time order.
///
/// The dashboard's story view, `ackscope trace` and its SVG all read this one shape; the
/// words, the side-by-side table and the diagram are views of it.
public struct MessageStory: Equatable, Sendable {
    public var message: MessageID
    /// One per lane, in the run's lane order.
    public var lanes: [LaneStory]

    public init(message: MessageID, lanes: [LaneStory]) {
        self.message = message
        self.lanes = lanes
    }
}

/// The message in one lane: what happened to it, hop by hop.
public struct LaneStory: Equatable, Sendable {
    public var mode: Mode
    public var steps: [StoryStep]
    /// Events dropped from the middle of a very long history (the first ones and the newest
    /// are kept).
    public var elided = 0

    /// Reads one lane's event stream: the events of `message` and the faults, in the order
    /// the lane recorded them (so a fault stands before what it caused at the same
    /// instant). A fault is kept when it lands on a node the message touched while the
    /// message was still alive in this lane (up to `now` for a message not settled yet).
    public init(mode: Mode, message: MessageID, events: [SimEvent], settings: Settings, now: Micros, elided: Int = 0) {
        self.mode = mode
        self.elided = elided
        var steps: [StoryStep] = []
        /// Faults, each with the number of steps before it.
        var faults: [(position: Int, event: SimEvent)] = []
        /// The packet steps sent, by hop, attempt and node.
        var sends: [PacketKey: [Int]] = [:]
        for e in events {
            if e.kind == .fault {
                faults.append((steps.count, e))
                continue
            }
            guard e.message == message else { continue }
            switch e.kind {
            case .published, .confirmed, .delivered, .redelivered, .acked, .credited:
                var step = StoryStep(e, kind: .packet(e.hop))
                if e.kind == .acked && e.cause == .cumulativeAck { step.outcome = .covered }
                if e.kind == .acked && mode.consumersInProcess {
                    // Committed with the effect, in the broker's own process: no wire to cross.
                    step.outcome = .arrived
                    step.arrivals = [e.atMicros]
                }
                sends[PacketKey(e), default: []].append(steps.count)
                steps.append(step)
            case .arrived, .dropped:
                // The send it ends: the earliest one still on the wire; else it was a copy the
                // network made of the last one.
                let candidates = sends[PacketKey(e)] ?? []
                let open = candidates.first { steps[$0].outcome == .onWire }
                if e.kind == .arrived {
                    guard let k = open ?? candidates.last else { break }
                    if steps[k].arrivals.isEmpty { steps[k].again = e.again }
                    steps[k].arrivals.append(e.atMicros)
                    if steps[k].outcome == .dropped {
                        // The original was cut, its copy made it.
                        steps[k].copyDropped = steps[k].cause
                        steps[k].cause = .none
                        steps[k].droppedAt = nil
                    }
                    steps[k].outcome = .arrived
                } else if let k = open {
                    steps[k].outcome = .dropped
                    steps[k].droppedAt = e.atMicros
                    steps[k].cause = e.cause
                    steps[k].count = e.count
                    steps[k].again = e.again
                } else if let k = candidates.last {
                    steps[k].copyDropped = e.cause
                } else {
                    // Dropped without a send: an ack still in its consumer's buffer when it crashed.
                    var step = StoryStep(e, kind: .packet(e.hop))
                    step.outcome = .dropped
                    step.droppedAt = e.atMicros
                    steps.append(step)
                }
            case .applied: steps.append(StoryStep(e, kind: .applied))
            case .suppressed: steps.append(StoryStep(e, kind: .suppressed))
            case .lost: steps.append(StoryStep(e, kind: .lost))
            case .deadLettered: steps.append(StoryStep(e, kind: .deadLettered))
            case .discarded: steps.append(StoryStep(e, kind: .discarded))
            case .trapFired: steps.append(StoryStep(e, kind: .trap))
            case .fault: break
            }
        }
        Self.giveReasons(&steps, faults: faults.map(\.event), mode: mode, settings: settings)
        // The faults that touched it, where the stream had them.
        guard let first = steps.first?.at else {
            self.steps = steps
            return
        }
        let last = Self.isSettled(steps, mode: mode) ? (steps.last?.at ?? first) : max(now, steps.last?.at ?? first)
        var nodes: [Node] = [.broker, .producer(message.producer)]
        for s in steps { if let n = s.node, !nodes.contains(n) { nodes.append(n) } }
        var merged: [StoryStep] = []
        var f = 0
        func takeFaults(before position: Int) {
            while f < faults.count && faults[f].position <= position {
                let e = faults[f].event
                f += 1
                guard let action = e.action, e.atMicros >= first && e.atMicros <= last else { continue }
                if let target = action.target, !nodes.contains(target) { continue }
                var step = StoryStep(e, kind: .fault)
                step.node = action.target
                merged.append(step)
            }
        }
        for (i, s) in steps.enumerated() {
            takeFaults(before: i)
            merged.append(s)
        }
        takeFaults(before: Int.max)
        self.steps = merged
    }

    /// A packet's identity among a message's packets.
    private struct PacketKey: Hashable {
        var hop: UInt8, attempt: Int32, node: Node?
        init(_ e: SimEvent) {
            hop = e.hop.rawValue
            attempt = e.attempt
            node = e.node
        }
    }

    /// Why each redelivery came, from what happened since the delivery before it: the
    /// consumer's crash with requeue on disconnect (or an in-process rollback), the ack
    /// deadline, or a broker restart.
    private static func giveReasons(_ steps: inout [StoryStep], faults: [SimEvent], mode: Mode, settings: Settings) {
        var previous: StoryStep?
        for k in steps.indices where steps[k].kind == .packet(.deliver) && !steps[k].neverSent {
            defer { previous = steps[k] }
            guard let p = previous, let consumer = p.node, steps[k].attempt > p.attempt else { continue }
            let at = steps[k].at
            let span = { (t: Micros) in t >= p.at && t <= at }
            let consumerCrash = faults.first { span($0.atMicros) && $0.action == .crash(consumer) }?.atMicros
                ?? steps.first { $0.kind == .trap && $0.node == consumer && span($0.at) }?.at
            let brokerCrash = faults.first { span($0.atMicros) && $0.action == .crash(.broker) }?.atMicros
            let deadline = p.at + settings.ackTimeoutMicros
            steps[k].reasonNode = consumer
            if let c = consumerCrash, mode.consumersInProcess || (settings.requeueOnDisconnect && c < deadline) {
                steps[k].reason = mode.consumersInProcess ? .rollback : .requeue
            } else if !mode.consumersInProcess && deadline <= at && brokerCrash.map({ deadline <= $0 }) ?? true {
                steps[k].reason = .deadline
            } else if faults.contains(where: { span($0.atMicros) && $0.action == .restart(.broker) }) {
                steps[k].reason = .brokerRestart
            }
        }
    }

    /// Whether the message's life in this lane is over: gone, or applied with nothing left
    /// on the wire and its last delivery acked.
    static func isSettled(_ steps: [StoryStep], mode: Mode) -> Bool {
        if steps.contains(where: { $0.kind == .lost || $0.kind == .deadLettered || $0.kind == .discarded }) { return true }
        guard steps.contains(where: { $0.kind == .applied }) else { return false }
        if steps.contains(where: { $0.isPacketStep && $0.outcome == .onWire }) { return false }
        // At-most-once: the broker forgot it when it sent it; nothing waits for the credit.
        if !mode.acksAfterProcessing { return true }
        guard let lastDelivery = steps.last(where: { $0.kind == .packet(.deliver) }) else { return false }
        return steps.contains { $0.kind == .packet(.ack) && $0.attempt == lastDelivery.attempt
            && ($0.outcome == .arrived || $0.outcome == .covered) }
    }

    /// What became of the message in this lane, so far.
    public var fate: Fate {
        var f = Fate()
        for s in steps { f.count(s) }
        return f
    }

    /// Whether the story starts at the message's birth (its first publish).
    public var isComplete: Bool { steps.first.map { $0.kind == .packet(.publish) && $0.attempt == 1 } ?? false }
}

/// The outcome of a message in a lane: effects applied, duplicates caught, or gone.
public struct Fate: Equatable, Sendable {
    public enum Gone: Equatable, Sendable { case lost, deadLettered, discarded }
    public var effects = 0
    public var suppressed = 0
    public var gone: Gone?

    public init(effects: Int = 0, suppressed: Int = 0, gone: Gone? = nil) {
        self.effects = effects
        self.suppressed = suppressed
        self.gone = gone
    }

    /// Adds what a step did to the message.
    mutating func count(_ s: StoryStep) {
        switch s.kind {
        case .applied: effects += 1
        case .suppressed: suppressed += 1
        case .lost: gone = .lost
        case .deadLettered: gone = .deadLettered
        case .discarded: gone = .discarded
        default: break
        }
    }

    /// "lost", "applied once", "applied twice, 1 suppressed"…
    public var words: String {
        switch gone {
        case .lost?: return "lost"
        case .deadLettered?: return "dead-lettered"
        case .discarded?: return "discarded"
        case nil: break
        }
        var text = switch effects {
        case 0: "not applied yet"
        case 1: "applied once"
        case 2: "applied twice"
        default: "applied \(effects) times"
        }
        if suppressed > 0 { text += ", \(suppressed) suppressed" }
        return text
    }

    /// What decides whether two lanes' fates differ: effects and whether it is gone (the
    /// suppressions are how a lane got there, not where it ended).
    var outcome: Int { gone == nil ? effects : -1 }
}

/// One hop or mark of a message's life.
public struct StoryStep: Equatable, Sendable {
    public enum Kind: Equatable, Sendable {
        /// A packet: sent, then arrived or dropped (`outcome`).
        case packet(SimEvent.Hop)
        case applied, suppressed, lost, deadLettered, discarded
        /// An armed window-of-doubt crash fired on it.
        case trap
        /// A fault or repair that touched it (`action`).
        case fault
    }

    /// Where a packet ended up.
    public enum Outcome: Equatable, Sendable {
        case onWire, arrived, dropped
        /// An ack that never went on the wire: a cumulative ack of a later message covered it.
        case covered
    }

    /// Why a redelivery came.
    public enum Reason: Equatable, Sendable {
        case none, deadline, requeue, brokerRestart
        /// In-process: the consumer's crash rolled its transaction back.
        case rollback
    }

    public var kind: Kind
    /// When it was sent, applied, or happened.
    public var at: Micros
    /// The client at the far end of a packet's link, the consumer that applied it, the
    /// fault's target (nil for a fault on every node).
    public var node: Node?
    /// Publish attempt or delivery number.
    public var attempt: Int32
    public var cause: SimEvent.Cause
    /// A delivery the consumers had received before; a trap that fired after the ack.
    public var again: Bool
    /// `applied`: effects so far; a dropped ack: when the broker will redeliver (µs, 0 when
    /// unknown or requeued).
    public var count: Int64
    /// `applied` out of order: the newer sequence already applied; a covered ack: the raw
    /// id of the message whose ack covered it.
    public var other: UInt64
    public var action: Action?
    public var outcome: Outcome = .onWire
    /// When its copies arrived (two when the network duplicated it).
    public var arrivals: [Micros] = []
    public var droppedAt: Micros?
    /// A copy the network made of it was dropped (and why).
    public var copyDropped: SimEvent.Cause?
    public var reason: Reason = .none
    /// A redelivery: the consumer of the delivery before it.
    public var reasonNode: Node?

    init(_ e: SimEvent, kind: Kind) {
        self.kind = kind
        at = e.atMicros
        node = e.node
        attempt = e.attempt
        cause = e.cause
        again = e.again
        count = e.count
        other = e.other
        action = e.action
    }

    public var isPacketStep: Bool { if case .packet = kind { true } else { false } }

    /// A packet's hop as a word: publish, confirm, deliver, redeliver, ack, credit.
    public var hopWord: String {
        guard case .packet(let hop) = kind else { return "" }
        return hop == .deliver && attempt > 1 ? "redeliver" : hop.name
    }

    /// Whether the packet travels from its client to the broker (publish, ack, credit).
    public var towardBroker: Bool {
        if case .packet(let hop) = kind { hop.towardBroker } else { false }
    }

    /// Never on the wire: an ack lost in its consumer's buffer at a crash, a covered ack, a
    /// delivery that reached a consumer already down.
    public var neverSent: Bool { outcome == .covered || (outcome == .dropped && droppedAt == at && cause == .consumerCrash) }
}

extension MessageID {
    /// Parses `p1-42` (producer one-based, sequence from 1).
    public static func parse(_ text: String) -> MessageID? {
        let t = text.lowercased()
        guard t.hasPrefix("p"), let dash = t.firstIndex(of: "-"),
              let p = Int(t[t.index(after: t.startIndex)..<dash]), p >= 1, p <= 1 << 20,
              let seq = UInt64(t[t.index(after: dash)...]), seq >= 1, seq <= 0xFF_FFFF_FFFF else { return nil }
        return MessageID(producer: p - 1, seq: seq)
    }
}
