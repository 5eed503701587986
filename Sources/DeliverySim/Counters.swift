/// The per-lane counters of DESIGN.md, under their exact JSON names.
public struct Counters: Equatable, Sendable {
    /// Publish attempts, retries included.
    public var published = 0
    /// Publisher confirms received.
    public var confirmed = 0
    /// Stored, waiting for a consumer (gauge).
    public var ready = 0
    /// Packets on the simulated wire now: publishes, deliveries, acks, confirms (gauge).
    public var inFlight = 0
    /// Delivered, ack not yet seen by the broker: the window of doubt (gauge).
    public var unacked = 0
    /// Acks written by consumers and not sent yet (gauge): the broker still counts their
    /// deliveries as unacked; a consumer crash now turns them into redeliveries.
    public var acksPending = 0
    /// Deliveries sent, redeliveries included.
    public var delivered = 0
    /// Deliveries of a message delivered before.
    public var redelivered = 0
    /// Acks the broker received (a cumulative ack counts each open delivery it covers).
    public var acked = 0
    /// Effects applied.
    public var processed = 0
    /// Deliveries, beyond the first, of a message consumers had already received.
    ///
    /// Legal under at-least-once; counted so the dashboard shows the price, not hides it.
    public var duplicateDeliveries = 0
    /// Applications of a message's effect beyond the first: the visible damage.
    public var duplicateEffects = 0
    /// Duplicates caught by the idempotency record or the broker's dedup window.
    public var duplicatesSuppressed = 0
    /// Messages that exist nowhere any more and were never applied.
    public var lost = 0
    /// Messages the broker gave up on after max deliveries, never applied.
    public var deadLettered = 0
    /// Effects older than one already applied for their key.
    public var outOfOrder = 0
    /// Messages the broker's overflow policy refused or dropped (a full backlog), never applied.
    public var discarded = 0

    public init() {}

    /// (JSON name, field) in the documented order; the one list every export walks, and
    /// what a lesson's predicate resolves a counter's name to.
    public static let fields: [(name: String, path: KeyPath<Counters, Int> & Sendable)] = [
        ("published", \.published), ("confirmed", \.confirmed), ("ready", \.ready), ("in_flight", \.inFlight),
        ("unacked", \.unacked), ("acks_pending", \.acksPending), ("delivered", \.delivered), ("redelivered", \.redelivered),
        ("acked", \.acked), ("processed", \.processed), ("duplicate_deliveries", \.duplicateDeliveries),
        ("duplicate_effects", \.duplicateEffects), ("duplicates_suppressed", \.duplicatesSuppressed),
        ("lost", \.lost), ("dead_lettered", \.deadLettered), ("discarded", \.discarded), ("out_of_order", \.outOfOrder),
    ]

    /// (JSON name, value) in the documented order.
    public var named: [(String, Int)] { Self.fields.map { ($0.name, self[keyPath: $0.path]) } }

    public static let names = fields.map(\.name)
}

/// What happened to each message, kept only while some copy of it still exists.
///
/// Memory follows what is pending, not what was ever sent: once the last copy of a message
/// is gone its fate is final and it is folded into the totals.
struct Track {
    var copies: Int32 = 0
    var effects: Int32 = 0
    var received = false
    var deadLettered = false
    /// The broker's overflow policy refused or dropped a copy of it.
    var discarded = false
    /// A cumulative ack covered one of its deliveries (it may never have reached anyone).
    var covered = false
}

struct Tracker {
    var live = U64Map<Track>(capacity: 1_024)
    var produced = 0
    var effected = 0
    var deadLettered = 0
    var discarded = 0
    var lost = 0
    /// Of `lost`: messages a cumulative ack had covered.
    var lostToCumulativeAck = 0

    /// Messages with a copy somewhere and no effect yet.
    var pending: Int { produced - effected - deadLettered - discarded - lost }

    mutating func create(_ id: MessageID) {
        produced += 1
        live.insert(id.raw, Track())
    }

    @inline(__always)
    mutating func addCopy(_ id: MessageID) {
        if live.update(id.raw, { $0.copies += 1 }) == nil {
            // Only a bug brings a finished message back; the checker reports it.
            live.insert(id.raw, Track(copies: 1))
        }
    }

    /// Removes one copy; returns the message's final fate when that was the last copy.
    @discardableResult
    mutating func removeCopy(_ id: MessageID) -> Fate? {
        guard let left = live.update(id.raw, { t -> Int32 in t.copies -= 1; return t.copies }), left <= 0 else { return nil }
        return finalize(id.raw)
    }

    /// Call after creating a message that may have no copy at all (a fire-and-forget publish
    /// dropped at once).
    @discardableResult
    mutating func settle(_ id: MessageID) -> Fate? {
        guard let t = live[id.raw], t.copies <= 0 else { return nil }
        return finalize(id.raw)
    }

    private mutating func finalize(_ raw: UInt64) -> Fate {
        let t = live.removeValue(forKey: raw)!
        if t.effects > 0 { return .effected }
        if t.deadLettered { deadLettered += 1; return .deadLettered }
        if t.discarded { discarded += 1; return .discarded }
        lost += 1
        if t.covered {
            lostToCumulativeAck += 1
            return .lostCovered
        }
        return .lost
    }

    /// Marks a consumer's receipt; returns true if a consumer had received it before.
    @inline(__always)
    mutating func markReceived(_ id: MessageID) -> Bool {
        live.update(id.raw) { t -> Bool in
            let before = t.received
            t.received = true
            return before
        } ?? false
    }

    /// Counts an effect; returns how many effects the message had before this one.
    @inline(__always)
    mutating func applyEffect(_ id: MessageID) -> Int32 {
        guard let before = live.update(id.raw, { t -> Int32 in t.effects += 1; return t.effects - 1 }) else { return 0 }
        if before == 0 { effected += 1 }
        return before
    }

    mutating func markDeadLettered(_ id: MessageID) {
        live.update(id.raw) { $0.deadLettered = true }
    }

    mutating func markCovered(_ id: MessageID) {
        live.update(id.raw) { $0.covered = true }
    }

    mutating func markDiscarded(_ id: MessageID) {
        live.update(id.raw) { $0.discarded = true }
    }

    /// `lostCovered`: lost, and a cumulative ack had covered one of its deliveries.
    enum Fate { case effected, deadLettered, discarded, lost, lostCovered }
}

/// The idempotency record of the effectively-once sink: which message ids have been applied.
///
/// Per producer, a contiguous prefix plus the sparse set above it, so it stays small when
/// messages are applied mostly in order. Written atomically with the effect (same step).
struct IdempotencyRecord {
    private var prefix: [UInt64] = []  // every seq < prefix[p] is recorded
    private var above: [Set<UInt64>] = []

    init(producers: Int) {
        prefix = Array(repeating: 1, count: producers)
        above = Array(repeating: [], count: producers)
    }

    func contains(_ id: MessageID) -> Bool {
        let p = id.producer
        return id.seq < prefix[p] || above[p].contains(id.seq)
    }

    /// Records `id`; returns false if it was already recorded.
    mutating func insert(_ id: MessageID) -> Bool {
        let p = id.producer
        if id.seq < prefix[p] { return false }
        if id.seq == prefix[p] {
            prefix[p] += 1
            while above[p].remove(prefix[p]) != nil { prefix[p] += 1 }
            return true
        }
        return above[p].insert(id.seq).inserted
    }

    /// Folds in a message whose fate is final and that no copy can ever bring back.
    ///
    /// Only compaction: no copy of such a message exists, so no lookup can observe it.
    mutating func retire(_ id: MessageID) { _ = insert(id) }

    var sparseCount: Int { above.reduce(0) { $0 + $1.count } }
}
