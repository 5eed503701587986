/// The one event stream of a lane: typed facts, no words.
///
/// Every view reads it: the dashboard's event log builds its sentences from it, `--events`
/// writes it as JSON Lines, and tests assert on it. A lane records only the kinds someone
/// asked for (`EventFilter`); with nothing asked, emitting is one bit test and nothing else.
public struct SimEvent: Equatable, Sendable {
    public enum Kind: UInt8, Sendable, CaseIterable {
        /// A producer sent a publish (attempt: which publish of the message, 1 = first).
        case published
        /// The broker sent a publisher confirm (attempt: the publish it answers).
        case confirmed
        /// The broker sent a first delivery (attempt 1).
        case delivered
        /// The broker sent a delivery of a message it had delivered before (attempt > 1).
        case redelivered
        /// A consumer sent an ack (attempt: the delivery it acks).
        case acked
        /// An at-most-once consumer freed a prefetch slot (the broker had forgotten the message).
        case credited
        /// A packet was lost: on the wire, or cut off by a partition (`cause`).
        case dropped
        /// A packet reached its node. For a delivery, `again` says the consumers had it before.
        case arrived
        /// A consumer applied the effect (`count`: effects of this message so far, 1 = first;
        /// `other`: when out of order, the newer sequence already applied for the key).
        case applied
        /// A duplicate caught: by the broker's dedup window or the idempotency record (`cause`).
        case suppressed
        /// A message ceased to exist without ever being applied (`cause`: how its last copy went).
        case lost
        /// The broker gave up after max deliveries.
        case deadLettered
        /// The broker's overflow policy refused it or dropped it (`cause`).
        case discarded
        /// An armed window-of-doubt crash fired (`cause`: which trap; `again`: whether the
        /// message had been acked already).
        case trapFired
        /// A fault or repair was applied (`action`).
        case fault
    }

    /// What a packet is: the hop of a message's journey.
    public enum Hop: UInt8, Sendable, CaseIterable {
        case none, publish, confirm, deliver, ack, credit

        /// Publishes, acks and credits travel toward the broker; confirms and deliveries away.
        public var towardBroker: Bool { self == .publish || self == .ack || self == .credit }

        public var name: String {
            switch self {
            case .none: ""
            case .publish: "publish"
            case .confirm: "confirm"
            case .deliver: "deliver"
            case .ack: "ack"
            case .credit: "credit"
            }
        }
    }

    /// Why something happened, where the kind alone does not say.
    public enum Cause: UInt8, Sendable, CaseIterable {
        case none
        /// Lost on the wire (the link's loss).
        case wire
        /// A partition cut it, when sent or while on the wire.
        case partition
        /// It reached a crashed broker.
        case brokerDown
        /// Its delivery reached a consumer that was down.
        case consumerDown
        /// A consumer crashed holding it in memory.
        case consumerCrash
        /// The transient broker crashed with it in memory.
        case brokerCrash
        /// At-most-once: its delivery was lost and the broker had already forgotten it.
        case autoAck
        /// At-most-once: its only publish was lost.
        case publishLost
        /// A full backlog: the broker refused the publish.
        case backlogFull
        /// A full backlog: the broker dropped the oldest ready message (drop-head).
        case dropHead
        /// The broker's dedup window.
        case dedupWindow
        /// The consumer's idempotency record.
        case idempotencyRecord
        /// The broker's store is keyed by message id (in-process): a re-published copy is
        /// the same entry.
        case storeKey
        /// A producer re-published after its confirm timeout.
        case confirmTimeout
        /// A restarted producer re-published its outbox.
        case restart
        /// Crash-after-effect and crash-after-ack traps.
        case trapAfterEffect
        case trapAfterAck
        /// A cumulative ack covered a delivery that never reached its consumer.
        case cumulativeAck
        /// A real lane's fault proxy dropped the whole message (its loss setting, by the
        /// same dice as the model's wire); TCP itself lost nothing.
        case proxy
    }

    public var atMicros: Micros
    public var kind: Kind
    public var hop: Hop = .none
    public var cause: Cause = .none
    /// The message, if the event is about one.
    public var message: MessageID?
    /// Publish attempt (publish, confirm) or delivery number (deliver, ack, credit, apply).
    public var attempt: Int32 = 0
    /// The producer or consumer at the far end of the link (or the consumer that applied).
    public var node: Node?
    /// A delivery that consumers had received before; an ack already sent (trap); an ack
    /// lost in a crash whose delivery the broker requeued at once.
    public var again = false
    /// `applied`: effects so far; `dropped` ack: when the broker will redeliver (µs; 0 when
    /// unknown or requeued, which `again` says).
    public var count: Int64 = 0
    /// `applied` out of order: the newer sequence already applied for the key.
    public var other: UInt64 = 0
    /// `fault`: what was applied.
    public var action: Action?

    public init(atMicros: Micros, kind: Kind, hop: Hop = .none, cause: Cause = .none, message: MessageID? = nil,
                attempt: Int32 = 0, node: Node? = nil, again: Bool = false, count: Int64 = 0, other: UInt64 = 0,
                action: Action? = nil) {
        self.atMicros = atMicros
        self.kind = kind
        self.hop = hop
        self.cause = cause
        self.message = message
        self.attempt = attempt
        self.node = node
        self.again = again
        self.count = count
        self.other = other
        self.action = action
    }
}

/// Which event kinds a lane records.
public struct EventFilter: OptionSet, Sendable, Equatable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public init(_ kinds: [SimEvent.Kind]) {
        rawValue = kinds.reduce(0) { $0 | (1 << UInt32($1.rawValue)) }
    }

    @inline(__always)
    public func wants(_ kind: SimEvent.Kind) -> Bool { rawValue & (1 << UInt32(kind.rawValue)) != 0 }

    public static let nothing = EventFilter([])
    public static let everything = EventFilter(SimEvent.Kind.allCases)
}

/// One lane's event, as a timeline hands them out merged across lanes.
public struct LaneEvent: Equatable, Sendable {
    /// Index into the timeline's lanes.
    public var lane: Int
    public var event: SimEvent

    public init(lane: Int, event: SimEvent) {
        self.lane = lane
        self.event = event
    }
}
