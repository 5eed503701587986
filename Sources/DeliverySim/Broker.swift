import DequeModule

/// A message as the broker stores it.
struct StoredMsg {
    var ref: MsgRef
    /// Deliveries so far; a delivery with count > 1 carries the `redelivered` flag.
    var deliveryCount: Int32
    /// Which publish made this copy (publish attempt × 2, + 1 for a copy the network
    /// duplicated): keys the dice of its deliveries, so two stored copies of one message
    /// do not share them.
    var origin: UInt32
}

/// An outstanding delivery: the broker's half of the window of doubt.
struct Delivery {
    var msg: StoredMsg
    var consumer: Int32
    /// False for at-most-once: the broker forgot the message when it sent it and keeps this
    /// record only to bound how much it sends a consumer (prefetch).
    var holdsCopy: Bool
    var deadlineMicros: Micros
}

/// What the broker must do when an ack deadline passes.
enum AckDeadlineAction {
    /// The message went back to the ready queue for another delivery.
    case redeliver(StoredMsg)
    /// Give up: max deliveries reached.
    case deadLetter(StoredMsg)
    /// An at-most-once slot freed up; there is nothing to redeliver.
    case releaseSlot
}

/// What became of a publish that reached the broker.
enum PublishOutcome {
    /// Dropped as a duplicate: by the dedup window, or by a store keyed by message id.
    case duplicate(SimEvent.Cause)
    /// The backlog was full and the broker refused it (no confirm).
    case refused
    /// Stored; with drop-head, the oldest ready message it dropped to make room.
    case stored(droppedHead: StoredMsg?)
}

/// A delivery the broker decided to send.
struct Dispatch {
    var consumer: Int
    var msg: StoredMsg
    var deliveryID: UInt64
    /// When the ack-deadline timer must be armed for it, if it is not armed yet.
    var armTimerAt: Micros?
}

/// The broker: a state machine whose fields are its own. Every transition returns what
/// must happen next (deliveries to send, messages to redeliver or give up on, timers to
/// arm), and the lane performs it: copies, counters, events, scheduling. So the broker's
/// logic is tested by asserting on what it returns.
struct Broker {
    private(set) var up = true
    let durable: Bool
    let maxDeliveries: Int
    let maxBacklog: Int
    let overflow: Overflow
    /// Every ack also settles the earlier deliveries of the same connection.
    let cumulativeAcks: Bool
    private var ready: Deque<StoredMsg> = []
    private var deliveries = U64Map<Delivery>(capacity: 256)
    /// Ack deadlines in the order they were set; the timeout is constant, so this is sorted.
    private var deadlines: Deque<(Micros, UInt64)> = []
    private var deadlineTimerArmed = false
    private var outstanding: [Int]
    /// The broker's view of which consumers are connected (a crash closes the connection).
    private var connected: [Bool]
    private var nextDeliveryID: UInt64 = 1
    private var roundRobin = 0
    private(set) var unackedCount = 0
    /// Recently published ids → expiry (dedup of producer retries).
    private var dedup = U64Map<Micros>()
    private var dedupQueue: Deque<(Micros, UInt64)> = []
    private var dedupTimerArmed = false
    /// In-process: every id ever stored (the store is keyed by message id).
    private var storedIDs: IdempotencyRecord?
    /// Cumulative acks: per consumer, its deliveries and the connection each was sent on,
    /// oldest first (ids settled another way are skipped when reached).
    private var sentOnConnection: [Deque<(id: UInt64, connection: UInt32)>]
    /// Per consumer, which connection it is on (a disconnect starts the next one).
    private var connection: [UInt32]

    init(consumers: Int, producers: Int, settings s: Settings, keyedStore: Bool) {
        durable = s.durable
        maxDeliveries = s.maxDeliveries
        maxBacklog = s.maxBacklog
        overflow = s.overflow
        // In-process, the effect and the ack are one step: nothing to cover.
        cumulativeAcks = s.cumulativeAcks && !keyedStore
        sentOnConnection = Array(repeating: [], count: cumulativeAcks ? consumers : 0)
        connection = Array(repeating: 0, count: consumers)
        outstanding = Array(repeating: 0, count: consumers)
        connected = Array(repeating: true, count: consumers)
        storedIDs = keyedStore ? IdempotencyRecord(producers: producers) : nil
    }

    // MARK: - Views

    var readyCount: Int { ready.count }
    /// Messages stored now, ready and unacked: what the backlog limit bounds.
    var stored: Int { ready.count + unackedCount }
    func outstanding(of c: Int) -> Int { outstanding[c] }
    func isConnected(_ c: Int) -> Bool { connected[c] }
    func deadline(of deliveryID: UInt64) -> Micros? { deliveries[deliveryID]?.deadlineMicros }
    /// Open deliveries that have a deadline, earliest first, looking at no more than
    /// `limit` entries of the deadline queue (settled ones are skipped); stops when `body`
    /// returns false. The flow view's boxes: the next to come back, cheaply.
    func forEachByDeadline(limit: Int, _ body: (Delivery) -> Bool) {
        for (due, id) in deadlines.prefix(limit) {
            if let d = deliveries[id], d.deadlineMicros == due, !body(d) { return }
        }
    }
    /// Every message copy the broker holds (ready, and unacked deliveries that hold one).
    func forEachCopy(_ body: (MsgRef) -> Void) {
        for m in ready { body(m.ref) }
        deliveries.forEach { _, d in if d.holdsCopy { body(d.msg.ref) } }
    }

    // MARK: - Transitions

    /// A publish arrived.
    mutating func receive(_ msg: StoredMsg, now: Micros, dedupWindow: Micros) -> PublishOutcome {
        let id = msg.ref.id
        if dedupWindow > 0 {
            if let expiry = dedup[id.raw], expiry > now { return .duplicate(.dedupWindow) }
        }
        if let ids = storedIDs, ids.contains(id) { return .duplicate(.storeKey) }
        var dropped: StoredMsg? = nil
        if stored >= maxBacklog {
            guard overflow == .dropHead, !ready.isEmpty else { return .refused }
            dropped = ready.removeFirst()
        }
        if dedupWindow > 0 {
            dedup.insert(id.raw, now + dedupWindow)
            dedupQueue.append((now + dedupWindow, id.raw))
        }
        _ = storedIDs?.insert(id)
        ready.append(msg)
        return .stored(droppedHead: dropped)
    }

    /// When the dedup-expiry timer must fire, if it must be armed now.
    mutating func dedupTimer(now: Micros) -> Micros? {
        guard !dedupTimerArmed, let (due, _) = dedupQueue.first else { return nil }
        dedupTimerArmed = true
        return max(due, now)
    }

    /// The dedup timer fired: drops the entries that have expired.
    mutating func expireDedup(now: Micros) {
        dedupTimerArmed = false
        while let (expiry, raw) = dedupQueue.first, expiry <= now {
            dedupQueue.removeFirst()
            if let current = dedup[raw], current <= now { dedup.removeValue(forKey: raw) }
        }
    }

    /// The next delivery to send, to the next consumer with room under its prefetch (round
    /// robin), or nil. A delivery without a deadline (in-process) waits for its commit or
    /// its consumer's crash, never for a timeout.
    mutating func nextDispatch(prefetch: Int, holdsCopy: Bool, deadline: Micros?) -> Dispatch? {
        guard up, !ready.isEmpty, let c = pickConsumer(prefetch: prefetch) else { return nil }
        var m = ready.removeFirst()
        m.deliveryCount += 1
        let id = nextDeliveryID
        nextDeliveryID += 1
        deliveries.insert(id, Delivery(msg: m, consumer: Int32(c), holdsCopy: holdsCopy, deadlineMicros: deadline ?? .max))
        outstanding[c] += 1
        if holdsCopy { unackedCount += 1 }
        if cumulativeAcks { sentOnConnection[c].append((id, connection[c])) }
        var arm: Micros? = nil
        if let deadline { deadlines.append((deadline, id)) }
        if let deadline, !deadlineTimerArmed {
            deadlineTimerArmed = true
            arm = deadline
        }
        return Dispatch(consumer: c, msg: m, deliveryID: id, armTimerAt: arm)
    }

    private mutating func pickConsumer(prefetch: Int) -> Int? {
        let n = outstanding.count
        for k in 0..<n {
            let c = (roundRobin + k) % n
            if connected[c] && outstanding[c] < prefetch {
                roundRobin = (c + 1) % n
                return c
            }
        }
        return nil
    }

    /// An ack (or at-most-once credit) arrived; returns the settled delivery, if still open.
    mutating func settle(_ deliveryID: UInt64) -> Delivery? {
        guard up, let d = deliveries.removeValue(forKey: deliveryID) else { return nil }
        outstanding[Int(d.consumer)] -= 1
        if d.holdsCopy { unackedCount -= 1 }
        return d
    }

    /// A cumulative ack of `deliveryID` from consumer `c` arrived: settles it and every
    /// earlier delivery still open on the same connection, oldest first, into `settled`.
    ///
    /// An ack speaks for its own connection only: one already on the wire when its consumer
    /// crashed still covers what that connection received, and a later connection's ack
    /// never covers an earlier one's deliveries (those wait for their deadlines).
    mutating func settleCumulative(_ deliveryID: UInt64, consumer c: Int, into settled: inout [(id: UInt64, delivery: Delivery)]) {
        guard up, cumulativeAcks else { return }
        var covered: [(id: UInt64, connection: UInt32)] = []
        while let first = sentOnConnection[c].first, first.id <= deliveryID {
            sentOnConnection[c].removeFirst()
            covered.append(first)
        }
        // Already covered by a later ack when its own entry is gone: nothing more to do.
        guard let own = covered.last, own.id == deliveryID else {
            if let d = settle(deliveryID) { settled.append((deliveryID, d)) }
            return
        }
        for entry in covered where entry.connection == own.connection {
            if let d = settle(entry.id) { settled.append((entry.id, d)) }
        }
    }

    /// The deadline timer fired: the next delivery whose deadline has passed by `now`, and
    /// what that means; nil when none is left (then `rearmDeadlineTimer`).
    mutating func nextPassedDeadline(now: Micros) -> AckDeadlineAction? {
        deadlineTimerArmed = false
        while let (due, id) = deadlines.first, due <= now {
            deadlines.removeFirst()
            guard let d = settle(id) else { continue }
            let action = takenBack(d)
            if case .redeliver(let m) = action { ready.append(m) }
            return action
        }
        return nil
    }

    /// What becomes of a delivery the broker took back (the caller puts a `.redeliver` one
    /// into ready): another delivery, or given up at max deliveries; an at-most-once slot
    /// is only freed.
    private func takenBack(_ d: Delivery) -> AckDeadlineAction {
        guard d.holdsCopy else { return .releaseSlot }
        if maxDeliveries > 0 && Int(d.msg.deliveryCount) >= maxDeliveries { return .deadLetter(d.msg) }
        return .redeliver(d.msg)
    }

    /// When the deadline timer must fire next, if it must be armed now.
    mutating func rearmDeadlineTimer() -> Micros? {
        guard up, !deadlineTimerArmed, let (due, _) = deadlines.first else { return nil }
        deadlineTimerArmed = true
        return due
    }

    mutating func disconnect(_ c: Int) {
        connected[c] = false
        // A later connection's acks do not speak for this one's deliveries.
        connection[c] &+= 1
    }

    /// Consumer `c`'s connection closed and the broker takes its deliveries back at once:
    /// requeue on disconnect (RabbitMQ), or an in-process consumer's uncommitted work
    /// rolling back. They go to the front of the ready queue, in delivery order, flagged as
    /// delivered before; one that reached max deliveries is given up instead. Returns what
    /// became of each.
    mutating func requeue(consumer c: Int) -> [AckDeadlineAction] {
        var mine: [UInt64] = []
        deliveries.forEach { id, d in if Int(d.consumer) == c { mine.append(id) } }
        mine.sort()
        var back: [StoredMsg] = []
        var out: [AckDeadlineAction] = []
        for id in mine {
            guard let d = settle(id) else { continue }
            let action = takenBack(d)
            if case .redeliver(let m) = action { back.append(m) }
            out.append(action)
        }
        ready.insert(contentsOf: back, at: 0)
        return out
    }
    mutating func connect(_ c: Int) { connected[c] = up }

    /// The broker process dies. A transient broker loses everything it held: returned, so
    /// the lane can account for each copy.
    mutating func crash() -> [MsgRef] {
        guard up else { return [] }
        up = false
        for c in connected.indices { connected[c] = false }
        guard !durable else { return [] }
        var gone = ready.map(\.ref)
        for id in deliveries.sortedKeys() where deliveries[id]!.holdsCopy { gone.append(deliveries[id]!.msg.ref) }
        ready.removeAll()
        resetDeliveries()
        dedup.removeAll()
        dedupQueue.removeAll()
        return gone
    }

    /// The broker comes back. A durable one puts every message it had delivered and not
    /// seen acked back to ready, in delivery order, flagged as delivered before.
    mutating func restart(consumersUp: [Bool]) {
        guard !up else { return }
        up = true
        if durable {
            var back: [StoredMsg] = []
            for id in deliveries.sortedKeys() where deliveries[id]!.holdsCopy { back.append(deliveries[id]!.msg) }
            resetDeliveries()
            ready.insert(contentsOf: back, at: 0)
        }
        for c in connected.indices { connected[c] = consumersUp[c] }
    }

    private mutating func resetDeliveries() {
        deliveries.removeAll()
        deadlines.removeAll()
        deadlineTimerArmed = false
        unackedCount = 0
        for i in outstanding.indices { outstanding[i] = 0 }
        for i in sentOnConnection.indices { sentOnConnection[i].removeAll() }
    }
}
