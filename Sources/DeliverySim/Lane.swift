import DequeModule

/// One world: a broker, producers, consumers and their links, under one delivery mode.
///
/// Lanes of a run share seed, workload and fault actions and differ only in mode, so
/// their counters can be compared side by side.
public struct Lane: Sendable {
    public let mode: Mode
    public let settings: Settings
    public internal(set) var now: Micros = 0
    /// The event counters; the gauges (ready, unacked, lost, dead-lettered) are left at 0
    /// here and read from where they live when `counters` is asked for.
    var tally = Counters()

    /// Every counter of DESIGN.md for this lane, now.
    public var counters: Counters {
        var c = tally
        c.ready = broker.ready.count
        c.unacked = broker.unackedCount
        c.lost = tracker.lost
        c.deadLettered = tracker.deadLettered
        c.discarded = tracker.discarded
        return c
    }
    public internal(set) var latency = LatencyHistogram()
    /// Events processed so far.
    public internal(set) var events = 0
    /// Set when a transient broker crashed: the no-loss promise was not in force.
    public internal(set) var transientBrokerCrashed = false
    /// Set when duplication was ever on: at-most-once's no-duplicate promise was not in force.
    public internal(set) var duplicationEverOn = false
    /// Notable events, newest last, capped (the dashboard reads them by sequence number).
    public internal(set) var notables: Deque<Notable> = []
    /// Sequence number of the next notable (so readers can ask for "everything after n").
    public internal(set) var notableCount = 0
    public var recordNotables = false
    /// Record every message event for export (`drainTrace()`); off by default, it costs.
    public var recordTrace = false
    var trace: [TraceEvent] = []
    /// Run the conservation checker after every event (tests and debug runs).
    public var checkEveryEvent = false
    /// The first conservation violation seen, if any.
    public internal(set) var violation: String?

    var queue = EventQueue()
    var tracker = Tracker()
    var broker: Broker
    var links: [Link]
    var producers: [Producer]
    var consumers: [Consumer]
    var record: IdempotencyRecord
    /// Highest sequence applied per (producer, key): `out_of_order` and the version check.
    var lastApplied: [UInt64]
    /// The sink's value per (producer, key): the sequence of the last write performed. With
    /// ordered processing it ends equal to `lastApplied`; a late old write leaves it stale.
    var sinkValue: [UInt64]
    var brokerIsolated = false
    var productionOver = false

    static let notableCapacity = 512

    public init(mode: Mode, settings: Settings) {
        self.mode = mode
        self.settings = settings
        let s = settings
        broker = Broker(consumers: s.consumers, durable: s.durable, maxDeliveries: s.maxDeliveries)
        links = (0..<(s.producers + s.consumers)).map { i in
            Link(lossPerMillion: s.lossPerMillion, duplicationPerMillion: s.duplicationPerMillion,
                 latencyMicrosMin: s.latencyMicrosMin, latencyMicrosMax: s.latencyMicrosMax,
                 rng: PRNG.child(of: s.seed, stream: 1_000 + UInt64(i)))
        }
        producers = (0..<s.producers).map { p in
            Producer(timing: PRNG.child(of: s.seed, stream: 2_000 + UInt64(p)),
                     keys: PRNG.child(of: s.seed, stream: 3_000 + UInt64(p)))
        }
        consumers = (0..<s.consumers).map { c in
            Consumer(rng: PRNG.child(of: s.seed, stream: 4_000 + UInt64(c)))
        }
        record = IdempotencyRecord(producers: s.producers)
        lastApplied = Array(repeating: 0, count: s.producers * max(1, s.keys))
        sinkValue = lastApplied
        duplicationEverOn = s.duplicationPerMillion > 0
        for p in 0..<s.producers {
            let first = producers[p].timing.exponential(meanMicros: Self.meanInterval(s))
            queue.push(time: first, kind: .produce, link: Int32(p), packet: Self.noPacket)
        }
    }

    static let noPacket = Packet(kind: .ack, msg: MsgRef(id: MessageID(producer: 0, seq: 0), key: 0, bornMicros: 0))

    // MARK: - Views

    public var pending: Int { tracker.pending }
    /// Keys whose final value in the sink is not their newest message's: the lasting damage
    /// of out-of-order effects (0 means processing produced the ordered result).
    public var staleKeys: Int { zip(sinkValue, lastApplied).reduce(0) { $0 + ($1.0 != $1.1 ? 1 : 0) } }
    public var produced: Int { tracker.produced }
    public var effected: Int { tracker.effected }
    public var nextEventMicros: Micros? { queue.nextTime }
    /// Nothing pending, no copy of any message anywhere, and nothing left on the wire (a
    /// last ack, confirm or credit still travelling would leave `in_flight` above zero).
    public var isQuiescent: Bool { tracker.live.isEmpty && productionOver && tally.inFlight == 0 }
    public var producerCount: Int { producers.count }
    public var consumerCount: Int { consumers.count }

    /// A node's state as the topology panel shows it.
    public func state(of node: Node) -> NodeState {
        switch node {
        case .broker:
            return NodeState(up: broker.up, partitioned: brokerIsolated, oneWay: false, slow: false, trap: nil,
                             unacked: broker.unackedCount, processed: 0, held: broker.ready.count)
        case .producer(let p):
            let l = links[p]
            return NodeState(up: producers[p].up, partitioned: l.cutToBroker && l.cutFromBroker,
                             oneWay: l.cutToBroker && !l.cutFromBroker, slow: false, trap: nil,
                             unacked: producers[p].outstanding.count, processed: Int(producers[p].nextSeq - 1), held: 0)
        case .consumer(let c):
            let l = links[producers.count + c]
            let con = consumers[c]
            return NodeState(up: con.up, partitioned: l.cutToBroker && l.cutFromBroker,
                             oneWay: l.cutToBroker && !l.cutFromBroker, slow: con.slow, trap: con.trap,
                             unacked: broker.outstanding[c], processed: con.processed,
                             held: con.buffer.count + (con.busy ? 1 : 0))
        }
    }

    /// Loss on a node's link (per million), for the dashboard.
    public func lossPerMillion(of node: Node) -> Int32 {
        switch node {
        case .producer(let p): links[p].lossPerMillion
        case .consumer(let c): links[producers.count + c].lossPerMillion
        case .broker: links.first?.lossPerMillion ?? 0
        }
    }

    // MARK: - Running

    /// Processes every event due at or before `t`, then sets the clock to `t`.
    public mutating func run(until t: Micros) {
        while let next = queue.nextTime, next <= t {
            step()
        }
        if t > now { now = t }
    }

    /// Processes the next event; returns false if there is none.
    @discardableResult
    public mutating func step() -> Bool {
        guard let e = queue.pop() else { return false }
        now = e.time
        events += 1
        handle(e)
        if checkEveryEvent && violation == nil {
            violation = checkConservation()
        }
        return true
    }

    /// Runs until nothing is pending and no copy remains, or `limit` passes.
    public mutating func runUntilQuiescent(limit: Micros) {
        while !isQuiescent, let next = queue.nextTime, next <= limit {
            step()
        }
    }

    private mutating func handle(_ e: Event) {
        switch e.kind {
        case .arriveAtBroker, .arriveAtClient:
            tally.inFlight -= 1
            let link = Int(e.link), toBroker = e.kind == .arriveAtBroker
            // A partition also cuts what was already on the wire when it began.
            if brokerIsolated || (toBroker ? links[link].cutToBroker : links[link].cutFromBroker) {
                dropped(e.packet, link: link, toBroker: toBroker, partitioned: true)
                if e.packet.kind.carriesMessage { removeCopy(e.packet.msg.id, why: "a partition cut it off on the wire") }
            } else if toBroker {
                if recordTrace { traced(.arrive, e.packet, e.packet.msg.id, nodeOf(link: link)) }
                brokerReceives(e.packet, link: link)
            } else {
                if recordTrace { traced(.arrive, e.packet, e.packet.msg.id, nodeOf(link: link)) }
                clientReceives(e.packet, link: link)
            }
        case .produce:
            produceTick(Int(e.link))
        case .processingDone:
            let c = Int(e.link)
            if consumers[c].up && consumers[c].epoch == e.epoch { finishProcessing(c) }
        case .ackDeadlines:
            broker.deadlineTimerArmed = false
            ackDeadlinesDue()
        case .confirmDeadlines:
            let p = Int(e.link)
            // Only the timer armed last counts; an earlier one re-armed sooner is stale.
            guard producers[p].timerDue == e.time else { break }
            producers[p].timerDue = nil
            confirmDeadlinesDue(p)
        case .dedupExpiry:
            broker.dedupTimerArmed = false
            broker.expireDedup(now: now)
            armDedupTimer()
        }
    }

    // MARK: - Network

    /// Sends a packet over link `link`; a message copy on the wire counts as pending.
    mutating func send(_ packet: Packet, link: Int, toBroker: Bool) {
        let cut = brokerIsolated || (toBroker ? links[link].cutToBroker : links[link].cutFromBroker)
        if recordTrace { traced(.send, packet, packet.msg.id, nodeOf(link: link)) }
        if cut || links[link].rng.chance(perMillion: links[link].lossPerMillion) {
            dropped(packet, link: link, toBroker: toBroker, partitioned: cut)
            return
        }
        schedule(packet, link: link, toBroker: toBroker)
        if links[link].duplicationPerMillion > 0 && links[link].rng.chance(perMillion: links[link].duplicationPerMillion) {
            schedule(packet, link: link, toBroker: toBroker)
        }
    }

    private mutating func schedule(_ packet: Packet, link: Int, toBroker: Bool) {
        // Links are connections: FIFO per direction, so the network alone never reorders.
        var at = now + links[link].rng.between(links[link].latencyMicrosMin, links[link].latencyMicrosMax)
        if toBroker {
            at = max(at, links[link].lastArrivalToBroker)
            links[link].lastArrivalToBroker = at
        } else {
            at = max(at, links[link].lastArrivalFromBroker)
            links[link].lastArrivalFromBroker = at
        }
        tally.inFlight += 1
        if packet.kind.carriesMessage { tracker.addCopy(packet.msg.id) }
        queue.push(time: at, kind: toBroker ? .arriveAtBroker : .arriveAtClient, link: Int32(link), packet: packet)
    }

    private mutating func dropped(_ packet: Packet, link: Int, toBroker: Bool, partitioned: Bool) {
        if recordTrace { traced(.drop, packet, packet.msg.id, nodeOf(link: link)) }
        guard recordNotables else { return }
        let node = nodeOf(link: link)
        let why = partitioned ? "\(node.short) partitioned" : "lost on the wire"
        switch packet.kind {
        case .ack where mode.acksAfterProcessing:
            var text = "ack from \(node.short) dropped (\(why))"
            if let d = broker.deliveries[packet.deliveryID] {
                text += "; redelivery due " + Format.seconds(d.deadlineMicros)
            }
            note(.ackDropped, packet.msg.id, node, text)
        case .confirm:
            note(.confirmDropped, packet.msg.id, node, "confirm to \(node.short) dropped (\(why)); it will publish again")
        default:
            break
        }
    }

    func nodeOf(link: Int) -> Node {
        link < producers.count ? .producer(link) : .consumer(link - producers.count)
    }

    // MARK: - Producers

    /// Mean gap between one producer's publishes.
    static func meanInterval(_ s: Settings) -> Micros {
        s.ratePerSecond > 0 ? max(1, Micros((1_000_000 / s.ratePerSecond).rounded())) : Micros.max / 4
    }

    private mutating func produceTick(_ p: Int) {
        // Production runs for [0, duration]: a replay that ends at the moment a dashboard
        // session ended sees every publish the session saw.
        if now > settings.durationMicros || (settings.messageLimit.map { tracker.produced >= $0 } ?? false) {
            productionOver = true
            return
        }
        // A full outbox makes a retrying producer wait (backpressure, as a blocking send
        // does): it sleeps until a confirm frees a place, then goes on at once.
        if mode.producerRetries && producers[p].outstanding.count >= settings.maxUnconfirmed {
            producers[p].waitingForRoom = true
            return
        }
        if producers[p].up {
            let seq = producers[p].nextSeq
            producers[p].nextSeq += 1
            let key = UInt16(producers[p].keys.below(UInt64(max(1, settings.keys))))
            let msg = MsgRef(id: MessageID(producer: p, seq: seq), key: key, bornMicros: now)
            tracker.create(msg.id)
            if mode.producerRetries {
                producers[p].outstanding.insert(seq, OutboxEntry(msg: msg, dueMicros: 0))
                tracker.addCopy(msg.id)  // the producer's outbox holds it until confirmed
            }
            publish(msg, producer: p)
            if !mode.producerRetries, let fate = tracker.settle(msg.id) { fateReached(fate, msg.id, why: "its publish was lost on the wire") }
        }
        let gap = producers[p].timing.exponential(meanMicros: Self.meanInterval(settings))
        queue.push(time: now + max(1, gap), kind: .produce, link: Int32(p), packet: Self.noPacket)
    }

    private mutating func publish(_ msg: MsgRef, producer p: Int) {
        tally.published += 1
        send(Packet(kind: .publish, msg: msg), link: p, toBroker: true)
        if mode.producerRetries {
            let due = now + settings.confirmTimeoutMicros
            producers[p].outstanding.update(msg.id.seq) { $0.dueMicros = due }
            producers[p].deadlines.append((due, msg.id.seq))
            armConfirmTimer(p)
        }
    }

    mutating func armConfirmTimer(_ p: Int) {
        guard let (due, _) = producers[p].deadlines.first else { return }
        let at = max(due, now)
        if let armed = producers[p].timerDue, armed <= at { return }
        producers[p].timerDue = at
        queue.push(time: at, kind: .confirmDeadlines, link: Int32(p), packet: Self.noPacket)
    }

    private mutating func confirmDeadlinesDue(_ p: Int) {
        while let (due, seq) = producers[p].deadlines.first, due <= now {
            producers[p].deadlines.removeFirst()
            // An entry whose message was republished since (a restart) is stale.
            guard producers[p].up, let entry = producers[p].outstanding[seq], entry.dueMicros == due else { continue }
            let msg = entry.msg
            if recordNotables { note(.retry, msg.id, .producer(p), "no confirm within \(Format.duration(settings.confirmTimeoutMicros)); p\(p + 1) publishes it again") }
            publish(msg, producer: p)
        }
        armConfirmTimer(p)
    }

    // MARK: - Broker

    private mutating func brokerReceives(_ packet: Packet, link: Int) {
        guard broker.up else {
            if packet.kind.carriesMessage { removeCopy(packet.msg.id, why: "it reached a crashed broker") }
            return
        }
        switch packet.kind {
        case .publish:
            let p = link
            if broker.isDuplicatePublish(packet.msg.id, now: now, window: settings.dedupWindowMicros) {
                tally.duplicatesSuppressed += 1
                if recordTrace { traced(.suppress, nil, packet.msg.id, .producer(p)) }
                if recordNotables { note(.suppressed, packet.msg.id, .broker, "re-published copy dropped by the broker's dedup window") }
                removeCopy(packet.msg.id, why: "deduplicated")
            } else if broker.stored >= settings.maxBacklog && !makeRoom() {
                // Refused: no confirm, so a retrying producer publishes it again later.
                broker.forgetPublish(packet.msg.id)
                discard(packet.msg.id, why: "the broker's backlog was full (\(settings.maxBacklog) messages) and it refused the publish")
                return
            } else {
                if settings.dedupWindowMicros > 0 { armDedupTimer() }
                broker.ready.append(StoredMsg(ref: packet.msg, deliveryCount: 0))
            }
            if mode.producerRetries {
                send(Packet(kind: .confirm, msg: packet.msg), link: p, toBroker: false)
            }
            dispatch()
        case .ack, .credit:
            if packet.kind == .ack { tally.acked += 1 }
            if let d = broker.settle(packet.deliveryID) {
                if d.holdsCopy { removeCopy(d.msg.ref.id, why: "acked") }
                dispatch()
            }
        case .confirm, .deliver:
            break
        }
    }

    /// With drop-head, drops the oldest ready message to make room; false if it cannot.
    private mutating func makeRoom() -> Bool {
        guard settings.overflow == .dropHead, !broker.ready.isEmpty else { return false }
        let oldest = broker.ready.removeFirst()
        discard(oldest.ref.id, why: "the broker's backlog was full and it dropped the oldest ready message (drop-head)")
        return true
    }

    /// The broker's overflow policy removes a copy; if it was the last, the message is discarded.
    private mutating func discard(_ id: MessageID, why: String) {
        tracker.markDiscarded(id)
        removeCopy(id, why: why)
    }

    private mutating func armDedupTimer() {
        guard !broker.dedupTimerArmed, let (due, _) = broker.dedupQueue.first else { return }
        broker.dedupTimerArmed = true
        queue.push(time: max(due, now), kind: .dedupExpiry, link: 0, packet: Self.noPacket)
    }

    /// Sends ready messages to consumers with room under their prefetch.
    mutating func dispatch() {
        guard broker.up else { return }
        while !broker.ready.isEmpty, let c = broker.pickConsumer(prefetch: settings.prefetch) {
            var m = broker.ready.removeFirst()
            m.deliveryCount += 1
            tally.delivered += 1
            if m.deliveryCount > 1 {
                tally.redelivered += 1
                if recordNotables { note(.redelivery, m.ref.id, .consumer(c), "redelivered to c\(c + 1) (delivery \(m.deliveryCount))") }
            }
            let holds = mode.acksAfterProcessing
            let deadline = now + settings.ackTimeoutMicros
            let id = broker.recordDelivery(m, to: c, holdsCopy: holds, deadline: deadline)
            if !broker.deadlineTimerArmed {
                broker.deadlineTimerArmed = true
                queue.push(time: deadline, kind: .ackDeadlines, link: 0, packet: Self.noPacket)
            }
            let packet = Packet(kind: .deliver, msg: m.ref, deliveryID: id, deliveryCount: m.deliveryCount)
            send(packet, link: producers.count + c, toBroker: false)
            if !holds {
                // Auto-ack: the broker forgets the message the moment it sends it.
                removeCopy(m.ref.id, why: "its delivery was lost and the broker had already forgotten it (auto-ack)")
            }
        }
    }

    private mutating func ackDeadlinesDue() {
        guard broker.up else { return }
        while let (due, id) = broker.deadlines.first, due <= now {
            broker.deadlines.removeFirst()
            switch broker.ackDeadlinePassed(id) {
            case .redeliver(let m):
                broker.ready.append(m)
            case .deadLetter(let m):
                tracker.markDeadLettered(m.ref.id)
                if recordNotables { note(.deadLettered, m.ref.id, .broker, "dead-lettered after \(m.deliveryCount) deliveries") }
                removeCopy(m.ref.id, why: "dead-lettered")
            case .releaseSlot, .none:
                break
            }
        }
        if let (due, _) = broker.deadlines.first {
            broker.deadlineTimerArmed = true
            queue.push(time: due, kind: .ackDeadlines, link: 0, packet: Self.noPacket)
        }
        dispatch()
    }

    // MARK: - Clients

    private mutating func clientReceives(_ packet: Packet, link: Int) {
        if link < producers.count {
            let p = link
            guard packet.kind == .confirm, producers[p].up else { return }
            tally.confirmed += 1
            if producers[p].outstanding.removeValue(forKey: packet.msg.id.seq) != nil {
                if producers[p].waitingForRoom {
                    producers[p].waitingForRoom = false
                    queue.push(time: now, kind: .produce, link: Int32(p), packet: Self.noPacket)
                }
                removeCopy(packet.msg.id, why: "confirmed")
            }
            return
        }
        let c = link - producers.count
        guard packet.kind == .deliver else { return }
        guard consumers[c].up else {
            removeCopy(packet.msg.id, why: "its delivery reached c\(c + 1) while it was down")
            return
        }
        if tracker.markReceived(packet.msg.id) {
            tally.duplicateDeliveries += 1
            if recordNotables { note(.duplicateDelivery, packet.msg.id, .consumer(c), "delivered again, to c\(c + 1), which already had it once") }
        }
        consumers[c].buffer.append(Inbound(deliveryID: packet.deliveryID, msg: packet.msg, deliveryCount: packet.deliveryCount))
        if !consumers[c].busy { startNext(c) }
    }

    private mutating func startNext(_ c: Int) {
        guard consumers[c].up, !consumers[c].buffer.isEmpty else {
            consumers[c].busy = false
            return
        }
        consumers[c].busy = true
        var t = consumers[c].rng.exponential(meanMicros: settings.processingMicrosMean)
        if consumers[c].slow { t += settings.ackTimeoutMicros + settings.ackTimeoutMicros / 2 }
        queue.push(time: now + max(1, t), kind: .processingDone, link: Int32(c), epoch: consumers[c].epoch, packet: Self.noPacket)
    }

    private mutating func finishProcessing(_ c: Int) {
        let item = consumers[c].buffer.removeFirst()
        let id = item.msg.id
        if consumers[c].trap == .crashAfterAck {
            // The window of doubt seen from the other side: was the message already acked?
            let acked = !mode.acksAfterProcessing
            if recordNotables {
                note(.crashTrap, id, .consumer(c), acked
                     ? "c\(c + 1) crashed after the ack (auto-ack) and before the effect"
                     : "c\(c + 1) crashed before the effect; not acked yet, so the broker still has it")
            }
            consumers[c].buffer.prepend(item)
            crashConsumer(c, reason: "crash-after-ack")
            return
        }
        applyEffect(item.msg, consumer: c, deliveryCount: item.deliveryCount)
        removeCopy(id, why: "processed")
        if consumers[c].trap == .crashAfterEffect {
            if recordNotables {
                note(.crashTrap, id, .consumer(c), mode.acksAfterProcessing
                     ? "c\(c + 1) crashed after the effect, before the ack; redelivery due " + Format.seconds(broker.deliveries[item.deliveryID]?.deadlineMicros ?? now)
                     : "c\(c + 1) crashed after the effect; the broker had forgotten it already")
            }
            crashConsumer(c, reason: "crash-after-effect")
            return
        }
        send(Packet(kind: mode.acksAfterProcessing ? .ack : .credit, msg: item.msg, deliveryID: item.deliveryID),
             link: producers.count + c, toBroker: true)
        startNext(c)
    }

    private mutating func applyEffect(_ msg: MsgRef, consumer c: Int, deliveryCount: Int32) {
        let id = msg.id
        let slot = id.producer * max(1, settings.keys) + Int(msg.key)
        if mode == .effectivelyOnce {
            // The idempotency record and the effect commit together, in this one step.
            guard record.insert(id) else {
                tally.duplicatesSuppressed += 1
                if recordTrace { traced(.suppress, nil, id, .consumer(c), delivery: deliveryCount) }
                if recordNotables { note(.suppressed, id, .consumer(c), "duplicate caught by the idempotency record at c\(c + 1); effect not applied again") }
                return
            }
            consumers[c].processed += 1
            tally.processed += 1
            if recordTrace { traced(.apply, nil, id, .consumer(c), delivery: deliveryCount) }
            let before = tracker.applyEffect(id)
            if before == 0 { latency.record(now - msg.bornMicros) }
            // Version check: an older write for a key never overwrites a newer one.
            if id.seq > lastApplied[slot] {
                lastApplied[slot] = id.seq
                sinkValue[slot] = id.seq
            }
            return
        }
        consumers[c].processed += 1
        tally.processed += 1
        if recordTrace { traced(.apply, nil, id, .consumer(c), delivery: deliveryCount) }
        let before = tracker.applyEffect(id)
        if before == 0 {
            latency.record(now - msg.bornMicros)
        } else {
            tally.duplicateEffects += 1
            if recordNotables { note(.duplicateEffect, id, .consumer(c), "effect applied again by c\(c + 1) (\(before + 1) times now)") }
        }
        sinkValue[slot] = id.seq  // a plain write: whatever arrives last wins
        if id.seq < lastApplied[slot] {
            tally.outOfOrder += 1
            // Logged when a redelivery caused it; competing consumers also reorder now and
            // then, which the counter includes but the log would drown in.
            if recordNotables && (deliveryCount > 1 || before > 0) { note(.outOfOrder, id, .consumer(c), "applied by c\(c + 1) after p\(id.producer + 1)-\(lastApplied[slot]) of the same key: out of order") }
        } else {
            lastApplied[slot] = id.seq
        }
    }

    // MARK: - Copies and fates

    mutating func removeCopy(_ id: MessageID, why: String) {
        if let fate = tracker.removeCopy(id) { fateReached(fate, id, why: why) }
    }

    private mutating func fateReached(_ fate: Tracker.Fate, _ id: MessageID, why: String) {
        switch fate {
        case .effected:
            break
        case .lost:
            if recordTrace { traced(.lost, nil, id, .broker) }
            if recordNotables { note(.lost, id, nil, "LOST: never applied; the last copy went when " + why) }
        case .deadLettered:
            if recordTrace { traced(.deadLetter, nil, id, .broker) }
        case .discarded:
            if recordTrace { traced(.discarded, nil, id, .broker) }
            if recordNotables { note(.discarded, id, nil, "DISCARDED: never applied; " + why) }
        }
        if mode == .effectivelyOnce && fate != .effected { record.retire(id) }
    }

    mutating func note(_ kind: Notable.Kind, _ id: MessageID?, _ node: Node?, _ text: String) {
        notables.append(Notable(atMicros: now, kind: kind, message: id, node: node, text: text))
        notableCount += 1
        if notables.count > Self.notableCapacity { notables.removeFirst() }
    }
}

/// A node's state for display.
public struct NodeState: Equatable, Sendable {
    public var up: Bool
    public var partitioned: Bool
    public var oneWay: Bool
    public var slow: Bool
    public var trap: Trap?
    /// Broker: unacked deliveries; producer: unconfirmed messages; consumer: its unacked.
    public var unacked: Int
    /// Consumer: effects applied; producer: messages created.
    public var processed: Int
    /// Broker: ready messages; consumer: messages in memory.
    public var held: Int
}

/// An armed window-of-doubt crash.
public enum Trap: Equatable, Sendable {
    case crashAfterEffect, crashAfterAck
}

struct Link {
    var lossPerMillion: Int32
    var duplicationPerMillion: Int32
    var latencyMicrosMin: Micros
    var latencyMicrosMax: Micros
    var rng: PRNG
    /// Node → broker direction cut (acks and publishes lost).
    var cutToBroker = false
    /// Broker → node direction cut (deliveries and confirms lost).
    var cutFromBroker = false
    var lastArrivalToBroker: Micros = 0
    var lastArrivalFromBroker: Micros = 0

    init(lossPerMillion: Int32, duplicationPerMillion: Int32, latencyMicrosMin: Micros, latencyMicrosMax: Micros, rng: PRNG) {
        self.lossPerMillion = lossPerMillion
        self.duplicationPerMillion = duplicationPerMillion
        self.latencyMicrosMin = latencyMicrosMin
        self.latencyMicrosMax = latencyMicrosMax
        self.rng = rng
    }
}

struct Producer {
    var up = true
    var nextSeq: UInt64 = 1
    var timing: PRNG
    var keys: PRNG
    /// The durable outbox: published, not yet confirmed (at-least-once and effectively-once).
    var outstanding = U64Map<OutboxEntry>()
    /// (due, seq), oldest first; entries are checked against the outbox when they come due.
    var deadlines: Deque<(Micros, UInt64)> = []
    /// When the confirm timer is armed to fire, if it is.
    var timerDue: Micros? = nil
    /// Its outbox was full at its last turn to publish: it waits for a confirm.
    var waitingForRoom = false

    init(timing: PRNG, keys: PRNG) {
        self.timing = timing
        self.keys = keys
    }
}

/// An unconfirmed message in the producer's outbox and when it is next due for a retry.
struct OutboxEntry {
    var msg: MsgRef
    var dueMicros: Micros
}

struct Inbound {
    var deliveryID: UInt64
    var msg: MsgRef
    var deliveryCount: Int32
}

struct Consumer {
    var up = true
    var epoch: Int32 = 0
    var slow = false
    var trap: Trap? = nil
    /// In memory: the message being processed is `buffer.first` while `busy`.
    var buffer: Deque<Inbound> = []
    var busy = false
    var processed = 0
    var rng: PRNG

    init(rng: PRNG) { self.rng = rng }
}
