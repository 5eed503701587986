import DeliverySim

/// The recent histories of messages, per lane, in bounded memory: what the dashboard keeps
/// so that any recent message's story can be told.
///
/// Each lane has `messagesPerLane` slots, shared equally among the producers (each keeps
/// its own last messages, whatever the others do); a message takes its slot at its first
/// publish (the slot of an older message of its producer, which then has scrolled out of
/// reach), and every later event of it lands there in O(1), with no hashing. A very long
/// history keeps its first events and its newest ones. Faults are kept apart, per lane,
/// each with its place in the lane's stream.
public struct StoryBook: Sendable {
    public static let messagesPerLane = 2_048
    public static let eventsPerMessage = 64
    /// Events of a long history always kept from its start.
    static let keptFromStart = 24
    public static let faultsKept = 1_024

    private struct Slot: Sendable {
        var id = UInt64.max
        var events: [Filed] = []
        var elided = 0
    }

    /// A message event as filed: 48 bytes where a `SimEvent` takes 96 (the message is the
    /// slot's, and message events carry no action), with its place in the lane's stream.
    struct Filed: Sendable {
        var ordinal: UInt64
        var atMicros: Micros
        var count: Int64
        var other: UInt64
        var attempt: Int32
        /// -1 none, -2 the broker, 2p a producer, 2c+1 a consumer.
        var node: Int32
        var kind: UInt8, hop: UInt8, cause: UInt8
        var again: Bool

        init(_ e: SimEvent, ordinal: UInt64) {
            self.ordinal = ordinal
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
    private var faults: [[(ordinal: UInt64, event: SimEvent)]]
    /// Events filed per lane so far: the next one's place in the stream.
    private var ordinals: [UInt64]
    /// Slots of each producer in a lane.
    public let messagesPerProducer: Int
    let producers: Int

    public init(lanes: Int, producers: Int) {
        self.producers = max(1, producers)
        messagesPerProducer = max(16, Self.messagesPerLane / self.producers)
        slots = Array(repeating: Array(repeating: Slot(), count: messagesPerProducer * self.producers), count: lanes)
        faults = Array(repeating: [], count: lanes)
        ordinals = Array(repeating: 0, count: lanes)
    }

    /// The events a book reads: every message event, traps and faults.
    public static let filter = EventFilter.everything

    @inline(__always)
    func slot(_ id: MessageID) -> Int? {
        guard id.producer < producers else { return nil }
        return id.producer * messagesPerProducer + Int(id.seq % UInt64(messagesPerProducer))
    }

    /// Files one event of lane `lane` (events of a lane in the order it recorded them).
    public mutating func record(lane: Int, _ e: SimEvent) {
        let ordinal = ordinals[lane]
        ordinals[lane] += 1
        guard let id = e.message else {
            if e.kind == .fault {
                faults[lane].append((ordinal, e))
                if faults[lane].count > Self.faultsKept { faults[lane].removeFirst(faults[lane].count - Self.faultsKept) }
            }
            return
        }
        guard let k = slot(id) else { return }
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
        slots[lane][k].events.append(Filed(e, ordinal: ordinal))
    }

    /// Whether lane `lane` still holds this message's history.
    public func holds(_ id: MessageID, lane: Int) -> Bool { slot(id).map { slots[lane][$0].id == id.raw } ?? false }

    /// The story of `id` in `lanes` (indices into `modes`, the run's lanes; default: all),
    /// as far as it is kept, or nil when none of them holds it.
    public func story(of id: MessageID, modes: [Mode], lanes wanted: [Int]? = nil, settings: Settings, now: Micros) -> MessageStory? {
        let wanted = wanted ?? Array(modes.indices)
        guard let k = slot(id), wanted.contains(where: { holds(id, lane: $0) }) else { return nil }
        let lanes = wanted.map { l -> LaneStory in
            let mode = modes[l]
            let slot = slots[l][k]
            guard slot.id == id.raw else { return LaneStory(mode: mode, message: id, events: [], settings: settings, now: now) }
            // The message's events and the lane's faults, merged back into stream order.
            var stream: [SimEvent] = []
            var f = faults[l].partitionPoint { $0.ordinal < (slot.events.first?.ordinal ?? 0) }
            for filed in slot.events {
                while f < faults[l].count && faults[l][f].ordinal < filed.ordinal {
                    stream.append(faults[l][f].event)
                    f += 1
                }
                stream.append(filed.event(id))
            }
            stream += faults[l][f...].map(\.event)
            return LaneStory(mode: mode, message: id, events: stream, settings: settings, now: now, elided: slot.elided)
        }
        return MessageStory(message: id, lanes: lanes)
    }

    public mutating func removeAll() {
        self = StoryBook(lanes: slots.count, producers: producers)
    }
}

extension Array {
    /// The first index whose element is not `belowTarget` (the elements that are come first).
    func partitionPoint(_ belowTarget: (Element) -> Bool) -> Int {
        var lo = 0, hi = count
        while lo < hi {
            let mid = (lo + hi) / 2
            if belowTarget(self[mid]) { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }
}

/// `ackscope trace`: records one message's events, with the faults, during a headless run.
public struct StoryRecorder: RunObserver {
    public let message: MessageID
    /// Per lane: the message's events and the faults, in the lane's order.
    public private(set) var streams: [[SimEvent]]
    public private(set) var endMicros: Micros = 0
    let modes: [Mode]

    public init(message: MessageID, modes: [Mode]) {
        self.message = message
        self.modes = modes
        streams = Array(repeating: [], count: modes.count)
    }

    public var wantsEvents: Bool { true }
    public var eventKinds: EventFilter { StoryBook.filter }

    public mutating func events(_ batch: [(Mode, SimEvent)]) {
        for (mode, e) in batch where e.message == message || e.kind == .fault {
            guard let l = modes.firstIndex(of: mode) else { continue }
            streams[l].append(e)
        }
    }

    public mutating func finish(atMicros: [Micros], lanes: [Lane]) {
        endMicros = atMicros.max() ?? 0
    }

    /// The story as recorded.
    public func story(settings: Settings) -> MessageStory {
        MessageStory(message: message, lanes: modes.enumerated().map { l, mode in
            LaneStory(mode: mode, message: message, events: streams[l], settings: settings, now: endMicros)
        })
    }
}
