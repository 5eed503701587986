import DeliverySim

/// The recent histories of messages, per lane, in bounded memory: what the dashboard keeps
/// so that any recent message's story can be told.
///
/// Each lane has `messagesPerLane` slots; a message takes its slot at its first publish
/// (the slot of an older message, which then has scrolled out of reach), and every later
/// event of it lands there in O(1), with no hashing. A very long history keeps its first
/// events and its newest ones. Faults are kept apart, once for all lanes.
public struct StoryBook: Sendable {
    public static let messagesPerLane = 2_048
    public static let eventsPerMessage = 192
    /// Events of a long history always kept from its start.
    static let keptFromStart = 48
    public static let faultsKept = 1_024

    private struct Slot: Sendable {
        var id = UInt64.max
        var events: [Filed] = []
        var elided = 0
    }

    /// A message event as filed: 40 bytes where a `SimEvent` takes 96 (the message is the
    /// slot's, and message events carry no action).
    struct Filed: Sendable {
        var atMicros: Micros
        var count: Int64
        var other: UInt64
        var attempt: Int32
        /// -1 none, -2 the broker, 2p a producer, 2c+1 a consumer.
        var node: Int32
        var kind: UInt8, hop: UInt8, cause: UInt8
        var again: Bool

        init(_ e: SimEvent) {
            atMicros = e.atMicros
            count = e.count
            other = e.other
            attempt = e.attempt
            switch e.node {
            case nil: node = -1
            case .broker?: node = -2
            case .producer(let p)?: node = Int32(p * 2)
            case .consumer(let c)?: node = Int32(c * 2 + 1)
            }
            kind = e.kind.rawValue
            hop = e.hop.rawValue
            cause = e.cause.rawValue
            again = e.again
        }

        func event(_ id: MessageID) -> SimEvent {
            let n: Node? = switch node {
            case -1: nil
            case -2: .broker
            default: node % 2 == 0 ? .producer(Int(node / 2)) : .consumer(Int(node / 2))
            }
            return SimEvent(atMicros: atMicros, kind: SimEvent.Kind(rawValue: kind) ?? .fault, hop: SimEvent.Hop(rawValue: hop) ?? .none,
                            cause: SimEvent.Cause(rawValue: cause) ?? .none, message: id, attempt: attempt, node: n, again: again,
                            count: count, other: other)
        }
    }

    private var slots: [[Slot]]
    private var faults: [SimEvent] = []

    public init(lanes: Int) {
        slots = Array(repeating: Array(repeating: Slot(), count: Self.messagesPerLane), count: lanes)
    }

    /// The events a book reads: every message event, traps and faults.
    public static let filter = EventFilter.everything

    @inline(__always)
    static func slot(_ id: MessageID) -> Int {
        Int((id.seq &+ UInt64(id.producer) &* 7_919) % UInt64(messagesPerLane))
    }

    /// Files one event of lane `lane`.
    public mutating func record(lane: Int, _ e: SimEvent) {
        guard let id = e.message else {
            if e.kind == .fault && lane == 0 {
                faults.append(e)
                if faults.count > Self.faultsKept { faults.removeFirst(faults.count - Self.faultsKept) }
            }
            return
        }
        let k = Self.slot(id)
        if slots[lane][k].id != id.raw {
            // Only a birth takes a slot: a late event of a message that scrolled out is not kept.
            guard e.kind == .published && e.attempt == 1 else { return }
            slots[lane][k].id = id.raw
            // An ordinary history fits in 16 events; a long one's buffer is not kept for the next.
            slots[lane][k].events.removeAll(keepingCapacity: slots[lane][k].events.capacity <= 16)
            slots[lane][k].elided = 0
        }
        if slots[lane][k].events.count >= Self.eventsPerMessage {
            slots[lane][k].events.remove(at: Self.keptFromStart)
            slots[lane][k].elided += 1
        }
        slots[lane][k].events.append(Filed(e))
    }

    /// Whether lane `lane` still holds this message's history.
    public func holds(_ id: MessageID, lane: Int) -> Bool { slots[lane][Self.slot(id)].id == id.raw }

    /// The story of `id` as far as it is kept, or nil when no lane holds it.
    public func story(of id: MessageID, modes: [Mode], settings: Settings, now: Micros) -> MessageStory? {
        guard modes.indices.contains(where: { holds(id, lane: $0) }) else { return nil }
        let lanes = modes.enumerated().map { l, mode -> LaneStory in
            let slot = slots[l][Self.slot(id)]
            let events = slot.id == id.raw ? slot.events.map { $0.event(id) } : []
            return LaneStory(mode: mode, message: id, events: events, faults: faults, settings: settings, now: now,
                             elided: slot.id == id.raw ? slot.elided : 0)
        }
        return MessageStory(message: id, lanes: lanes)
    }

    public mutating func removeAll() {
        for l in slots.indices { slots[l] = Array(repeating: Slot(), count: Self.messagesPerLane) }
        faults.removeAll()
    }
}

/// `ackscope trace`: records one message's events (and the faults) during a headless run.
public struct StoryRecorder: RunObserver {
    public let message: MessageID
    public private(set) var events: [[SimEvent]]
    public private(set) var faults: [SimEvent] = []
    public private(set) var endMicros: Micros = 0
    let modes: [Mode]

    public init(message: MessageID, modes: [Mode]) {
        self.message = message
        self.modes = modes
        events = Array(repeating: [], count: modes.count)
    }

    public var wantsEvents: Bool { true }
    public var eventKinds: EventFilter { StoryBook.filter }

    public mutating func events(_ batch: [(Mode, SimEvent)]) {
        for (mode, e) in batch {
            guard let l = modes.firstIndex(of: mode) else { continue }
            if e.message == message {
                events[l].append(e)
            } else if e.kind == .fault && l == 0 {
                faults.append(e)
            }
        }
    }

    public mutating func finish(atMicros: [Micros], lanes: [Lane]) {
        endMicros = atMicros.max() ?? 0
    }

    /// The story as recorded.
    public func story(settings: Settings) -> MessageStory {
        MessageStory(message: message, lanes: modes.enumerated().map { l, mode in
            LaneStory(mode: mode, message: message, events: events[l], faults: faults, settings: settings, now: endMicros)
        })
    }
}
