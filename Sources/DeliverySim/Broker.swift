import DequeModule

/// A message as the broker stores it.
struct StoredMsg {
    var ref: MsgRef
    /// Deliveries so far; a delivery with count > 1 carries the `redelivered` flag.
    var deliveryCount: Int32
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
    /// Put the message back in the ready queue for another delivery.
    case redeliver(StoredMsg)
    /// Give up: max deliveries reached.
    case deadLetter(StoredMsg)
    /// An at-most-once slot frees up; there is nothing to redeliver.
    case releaseSlot
    /// The delivery was acked (or reset) before its deadline.
    case none
}

/// The broker's bookkeeping as a value type whose transitions return what must happen.
///
/// The lane performs the returned action (tracking copies, counting, scheduling), so this
/// logic is tested by asserting on actions alone.
struct Broker {
    var up = true
    var durable: Bool
    var maxDeliveries: Int
    var ready: Deque<StoredMsg> = []
    var deliveries = U64Map<Delivery>(capacity: 256)
    /// Ack deadlines in the order they were set; the timeout is constant, so this is sorted.
    var deadlines: Deque<(Micros, UInt64)> = []
    var deadlineTimerArmed = false
    var outstanding: [Int]
    /// The broker's view of which consumers are connected (a crash closes the connection).
    var connected: [Bool]
    var nextDeliveryID: UInt64 = 1
    var roundRobin = 0
    var unackedCount = 0
    /// Recently published ids → expiry (dedup of producer retries).
    var dedup = U64Map<Micros>()
    var dedupQueue: Deque<(Micros, UInt64)> = []
    var dedupTimerArmed = false

    init(consumers: Int, durable: Bool, maxDeliveries: Int) {
        self.durable = durable
        self.maxDeliveries = maxDeliveries
        outstanding = Array(repeating: 0, count: consumers)
        connected = Array(repeating: true, count: consumers)
    }

    /// The next consumer that may take a delivery, round robin, or nil.
    mutating func pickConsumer(prefetch: Int) -> Int? {
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

    /// Records a delivery of `msg` to consumer `c`; returns its id.
    mutating func recordDelivery(_ msg: StoredMsg, to c: Int, holdsCopy: Bool, deadline: Micros) -> UInt64 {
        let id = nextDeliveryID
        nextDeliveryID += 1
        deliveries.insert(id, Delivery(msg: msg, consumer: Int32(c), holdsCopy: holdsCopy, deadlineMicros: deadline))
        deadlines.append((deadline, id))
        outstanding[c] += 1
        if holdsCopy { unackedCount += 1 }
        return id
    }

    /// An ack (or at-most-once credit) arrived; returns the settled delivery, if still open.
    mutating func settle(_ deliveryID: UInt64) -> Delivery? {
        guard let d = deliveries.removeValue(forKey: deliveryID) else { return nil }
        outstanding[Int(d.consumer)] -= 1
        if d.holdsCopy { unackedCount -= 1 }
        return d
    }

    mutating func ackDeadlinePassed(_ deliveryID: UInt64) -> AckDeadlineAction {
        guard let d = settle(deliveryID) else { return .none }
        guard d.holdsCopy else { return .releaseSlot }
        if maxDeliveries > 0 && Int(d.msg.deliveryCount) >= maxDeliveries { return .deadLetter(d.msg) }
        return .redeliver(d.msg)
    }

    /// A durable broker restarts: every message it had delivered and not seen acked goes
    /// back to ready, in delivery order, flagged as delivered before.
    mutating func recoverAfterRestart() {
        let open = deliveries.sortedKeys()
        var back: [StoredMsg] = []
        for id in open where deliveries[id]!.holdsCopy { back.append(deliveries[id]!.msg) }
        deliveries.removeAll()
        deadlines.removeAll()
        unackedCount = 0
        for i in outstanding.indices { outstanding[i] = 0 }
        ready.insert(contentsOf: back, at: 0)
    }

    /// Messages stored now, ready and unacked: what the backlog limit bounds.
    var stored: Int { ready.count + unackedCount }

    /// A refused publish must not count as seen by the dedup window: its retry is not a duplicate.
    mutating func forgetPublish(_ id: MessageID) {
        dedup.removeValue(forKey: id.raw)
    }

    /// Whether `id` was published within the dedup window (and so must be dropped).
    mutating func isDuplicatePublish(_ id: MessageID, now: Micros, window: Micros) -> Bool {
        guard window > 0 else { return false }
        if let expiry = dedup[id.raw], expiry > now { return true }
        dedup.insert(id.raw, now + window)
        dedupQueue.append((now + window, id.raw))
        return false
    }

    /// Drops dedup entries that have expired by `now`.
    mutating func expireDedup(now: Micros) {
        while let (expiry, raw) = dedupQueue.first, expiry <= now {
            dedupQueue.removeFirst()
            if let current = dedup[raw], current <= now { dedup.removeValue(forKey: raw) }
        }
    }
}
