import DequeModule

/// One world: a broker, producers, consumers and their links, under one delivery mode.
///
/// Lanes of a run share seed, workload, dice and fault actions and differ only in mode, so
/// the same message can be followed from lane to lane.
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
        c.ready = broker.readyCount
        c.unacked = broker.unackedCount
        c.lost = tracker.lost
        c.deadLettered = tracker.deadLettered
        c.discarded = tracker.discarded
        c.acksPending = consumers.reduce(0) { $0 + $1.replies.count }
        return c
    }
    public internal(set) var latency = LatencyHistogram()
    /// Events processed so far.
    public internal(set) var events = 0
    /// Set when a transient broker crashed: the no-loss promise was not in force.
    public internal(set) var transientBrokerCrashed = false
    /// Set when duplication was ever on: at-most-once's no-duplicate promise was not in force.
    public internal(set) var duplicationEverOn = false
    /// Messages lost after a cumulative ack covered a delivery of theirs that never reached
    /// its consumer (the network dropped it): the no-loss promise was not in force for them.
    public var lostToCumulativeAck: Int { tracker.lostToCumulativeAck }
    /// Which event kinds to record for readers (`takeEvents()`); nothing by default.
    public var recording: EventFilter = .nothing
    /// Recorded events not yet taken, oldest first.
    public internal(set) var recorded: [SimEvent] = []
    /// Run the conservation checker after every event (tests and debug runs).
    public var checkEveryEvent = false
    /// The first conservation violation seen, if any.
    public internal(set) var violation: Violation?

    let dice: Dice
    var queue = EventQueue()
    var tracker = Tracker()
    var broker: Broker
    var links: [Link]
    var producers: [Producer]
    var consumers: [Consumer]
    var record: IdempotencyRecord
    /// The sink, per (producer, key).
    var sink: Sink
    var brokerIsolated = false
    var productionOver = false

    public init(mode: Mode, settings: Settings) {
        self.mode = mode
        self.settings = settings
        let s = settings
        dice = Dice(seed: s.seed)
        broker = Broker(consumers: s.consumers, producers: s.producers, settings: s, keyedStore: mode.consumersInProcess)
        links = (0..<(s.producers + s.consumers)).map { _ in
            Link(lossPerMillion: s.lossPerMillion, duplicationPerMillion: s.duplicationPerMillion,
                 latencyMicrosMin: s.latencyMicrosMin, latencyMicrosMax: s.latencyMicrosMax)
        }
        producers = Array(repeating: Producer(), count: s.producers)
        consumers = Array(repeating: Consumer(), count: s.consumers)
        record = IdempotencyRecord(producers: s.producers)
        sink = Sink(slots: s.producers * max(1, s.keys))
        duplicationEverOn = s.duplicationPerMillion > 0
        for p in 0..<s.producers {
            queue.push(time: nextGap(p), kind: .produce, link: Int32(p), packet: Self.noPacket)
        }
    }

    static let noPacket = Packet(kind: .ack, msg: MsgRef(id: MessageID(producer: 0, seq: 0), key: 0, bornMicros: 0))

    // MARK: - Views

    public var pending: Int { tracker.pending }
    /// Keys whose final value in the sink is not their newest message's: the lasting damage
    /// of out-of-order effects (0 means processing produced the ordered result).
    public var staleKeys: Int { sink.staleKeys }
    public var produced: Int { tracker.produced }
    /// Whether the message has been published in this lane (its producer got that far).
    public func hasPublished(_ id: MessageID) -> Bool { id.producer < producers.count && id.seq < producers[id.producer].nextSeq }
    public var effected: Int { tracker.effected }
    /// When a message last had its first effect (0 before any): a lane's throughput is
    /// `effected` over this, whatever the run's slices or drain.
    public private(set) var lastEffectMicros: Micros = 0
    public var nextEventMicros: Micros? { queue.nextTime }
    /// Nothing pending, no copy of any message anywhere, and nothing left on the wire (a
    /// last ack, confirm or credit still travelling would leave `in_flight` above zero).
    /// Acks still waiting in a consumer count too: they are on their way to the wire.
    public var isQuiescent: Bool {
        tracker.live.isEmpty && productionOver && tally.inFlight == 0 && consumers.allSatisfy { $0.replies.isEmpty }
    }
    public var producerCount: Int { producers.count }
    public var consumerCount: Int { consumers.count }

    /// A node's state as the topology panel shows it.
    public func state(of node: Node) -> NodeState {
        switch node {
        case .broker:
            return NodeState(up: broker.up, partitioned: brokerIsolated, oneWay: false, slow: false, trap: nil,
                             unacked: broker.unackedCount, processed: 0, held: broker.readyCount)
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
                             unacked: broker.outstanding(of: c), processed: con.processed,
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

    /// Takes the events recorded so far, oldest first.
    public mutating func takeEvents() -> [SimEvent] {
        let out = recorded
        recorded.removeAll(keepingCapacity: true)
        return out
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
                dropped(e.packet, link: link, cause: .partition)
                if e.packet.kind.carriesMessage { removeCopy(e.packet.msg.id, .partition, nodeOf(link: link)) }
            } else if toBroker {
                if recording.wants(.arrived) { recorded.append(packetEvent(.arrived, e.packet, link: link)) }
                brokerReceives(e.packet, link: link)
            } else {
                clientReceives(e.packet, link: link)
            }
        case .produce:
            produceTick(Int(e.link))
        case .processingDone:
            let c = Int(e.link)
            if consumers[c].up && consumers[c].epoch == e.epoch { finishProcessing(c) }
        case .ackDeadlines:
            ackDeadlinesDue()
        case .confirmDeadlines:
            let p = Int(e.link)
            // Only the timer armed last counts; an earlier one re-armed sooner is stale.
            guard producers[p].timerDue == e.time else { break }
            producers[p].timerDue = nil
            confirmDeadlinesDue(p)
        case .dedupExpiry:
            broker.expireDedup(now: now)
            armDedupTimer()
        case .ackFlush:
            let c = Int(e.link)
            // Only the timer armed last counts, and none survives a crash.
            guard consumers[c].up, consumers[c].epoch == e.epoch, consumers[c].flushAt == e.time else { break }
            flushReplies(c)
        }
    }

    // MARK: - Network

    /// The event of a packet's kind on link `link`: who is at the far end, which attempt.
    @inline(__always)
    func packetEvent(_ kind: SimEvent.Kind, _ packet: Packet, link: Int, cause: SimEvent.Cause = .none) -> SimEvent {
        SimEvent(atMicros: now, kind: kind, hop: packet.kind.hop, cause: cause, message: packet.msg.id,
                 attempt: packet.attempt, node: nodeOf(link: link))
    }

    /// Sends a packet over link `link`; a message copy on the wire counts as pending.
    mutating func send(_ packet: Packet, link: Int, toBroker: Bool) {
        let cut = brokerIsolated || (toBroker ? links[link].cutToBroker : links[link].cutFromBroker)
        let sent = packet.kind.sentKind(attempt: packet.attempt)
        if recording.wants(sent) {
            var e = packetEvent(sent, packet, link: link)
            if packet.kind == .publish && packet.attempt > 1 {
                e.cause = producers[link].restartedAt == now ? .restart : .confirmTimeout
            }
            recorded.append(e)
        }
        let key = packet.diceAttempt
        if cut || Dice.chance(links[link].lossPerMillion, dice.word(.loss, packet.msg.id.raw, key)) {
            dropped(packet, link: link, cause: cut ? .partition : .wire)
            return
        }
        schedule(packet, link: link, toBroker: toBroker, latency: dice.word(.latency, packet.msg.id.raw, key))
        if links[link].duplicationPerMillion > 0
            && Dice.chance(links[link].duplicationPerMillion, dice.word(.duplication, packet.msg.id.raw, key)) {
            var copy = packet
            if packet.kind == .publish { copy.origin = 1 }
            schedule(copy, link: link, toBroker: toBroker, latency: dice.word(.latencyOfCopy, packet.msg.id.raw, key))
        }
    }

    private mutating func schedule(_ packet: Packet, link: Int, toBroker: Bool, latency word: UInt64) {
        // Links are connections: FIFO per direction, so the network alone never reorders.
        var at = now + Dice.between(links[link].latencyMicrosMin, links[link].latencyMicrosMax, word)
        if toBroker {
            at = max(at, links[link].lastArrivalToBroker)
            links[link].lastArrivalToBroker = at
        } else {
            at = max(at, links[link].lastArrivalFromBroker)
            links[link].lastArrivalFromBroker = at
        }
        tally.inFlight += 1
        if packet.kind.carriesMessage { tracker.addCopy(packet.msg.id) }
        // An arrival's epoch is unused by its handler: it carries the time on the wire, so
        // the flow view can place the packet between its send and its arrival.
        queue.push(time: at, kind: toBroker ? .arriveAtBroker : .arriveAtClient, link: Int32(link),
                   epoch: Int32(clamping: at - now), packet: packet)
    }

    private mutating func dropped(_ packet: Packet, link: Int, cause: SimEvent.Cause) {
        guard recording.wants(.dropped) else { return }
        var e = packetEvent(.dropped, packet, link: link, cause: cause)
        if packet.kind == .ack { e.count = broker.deadline(of: packet.deliveryID) ?? 0 }
        recorded.append(e)
    }

    func nodeOf(link: Int) -> Node {
        link < producers.count ? .producer(link) : .consumer(link - producers.count)
    }

    // MARK: - Producers

    /// Mean gap between one producer's publishes.
    static func meanInterval(_ s: Settings) -> Micros {
        s.ratePerSecond > 0 ? max(1, Micros((1_000_000 / s.ratePerSecond).rounded())) : Micros.max / 4
    }

    /// The gap before producer `p`'s next turn: the dice of its next message's sequence
    /// number and of the turns it skipped since its last message.
    private func nextGap(_ p: Int) -> Micros {
        let entity = MessageID(producer: p, seq: producers[p].nextSeq).raw
        let gap = Dice.exponential(meanMicros: Self.meanInterval(settings),
                                   dice.word(.publishGap, entity, producers[p].skippedTurns))
        return max(1, gap)
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
            producers[p].skippedTurns = 0
            let id = MessageID(producer: p, seq: seq)
            let key = UInt16(Dice.below(UInt64(max(1, settings.keys)), dice.word(.key, id.raw)))
            let msg = MsgRef(id: id, key: key, bornMicros: now)
            tracker.create(msg.id)
            if mode.producerRetries {
                producers[p].outstanding.insert(seq, OutboxEntry(msg: msg, dueMicros: 0))
                tracker.addCopy(msg.id)  // the producer's outbox holds it until confirmed
            }
            publish(msg, producer: p, attempt: 1)
            if !mode.producerRetries, let fate = tracker.settle(msg.id) { fateReached(fate, msg.id, .publishLost, .producer(p)) }
        } else {
            producers[p].skippedTurns += 1
        }
        queue.push(time: now + nextGap(p), kind: .produce, link: Int32(p), packet: Self.noPacket)
    }

    private mutating func publish(_ msg: MsgRef, producer p: Int, attempt: Int32) {
        tally.published += 1
        if mode.producerRetries {
            let due = now + settings.confirmTimeoutMicros
            producers[p].outstanding.update(msg.id.seq) {
                $0.dueMicros = due
                $0.attempts = attempt
            }
            producers[p].deadlines.append((due, msg.id.seq))
        }
        send(Packet(kind: .publish, msg: msg, attempt: attempt), link: p, toBroker: true)
        if mode.producerRetries { armConfirmTimer(p) }
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
            publish(entry.msg, producer: p, attempt: entry.attempts + 1)
        }
        armConfirmTimer(p)
    }

    // MARK: - Broker

    private mutating func brokerReceives(_ packet: Packet, link: Int) {
        guard broker.up else {
            if packet.kind.carriesMessage { removeCopy(packet.msg.id, .brokerDown, .broker) }
            return
        }
        switch packet.kind {
        case .publish:
            let p = link
            let copy = StoredMsg(ref: packet.msg, deliveryCount: 0, origin: UInt32(packet.attempt) << 1 | packet.origin)
            switch broker.receive(copy, now: now, dedupWindow: settings.dedupWindowMicros) {
            case .duplicate(let cause):
                tally.duplicatesSuppressed += 1
                if recording.wants(.suppressed) {
                    recorded.append(SimEvent(atMicros: now, kind: .suppressed, hop: .publish, cause: cause, message: packet.msg.id,
                                  attempt: packet.attempt, node: .producer(p)))
                }
                removeCopy(packet.msg.id, cause, .broker)
            case .refused:
                // Refused: no confirm, so a retrying producer publishes it again later.
                discard(packet.msg.id, .backlogFull)
                return
            case .stored(let droppedHead):
                if let oldest = droppedHead { discard(oldest.ref.id, .dropHead) }
                if settings.dedupWindowMicros > 0 { armDedupTimer() }
            }
            if mode.producerRetries {
                send(Packet(kind: .confirm, msg: packet.msg, attempt: packet.attempt, origin: packet.origin), link: p, toBroker: false)
            }
            dispatch()
        case .ack, .credit:
            if settings.cumulativeAcks {
                var settled: [(id: UInt64, delivery: Delivery)] = []
                broker.settleCumulative(packet.deliveryID, consumer: link - producers.count, into: &settled)
                for (id, d) in settled {
                    if packet.kind == .ack { tally.acked += 1 }
                    // Covered without being acked itself: if it never reached its consumer,
                    // this was its last copy, and the message is lost.
                    guard d.holdsCopy else { continue }
                    if id != packet.deliveryID { tracker.markCovered(d.msg.ref.id) }
                    removeCopy(d.msg.ref.id, .none, .broker, attempt: d.msg.deliveryCount)
                }
                if !settled.isEmpty { dispatch() }
            } else {
                if packet.kind == .ack { tally.acked += 1 }
                if let d = broker.settle(packet.deliveryID) {
                    if d.holdsCopy { removeCopy(d.msg.ref.id, .none, .broker) }
                    dispatch()
                }
            }
        case .confirm, .deliver:
            break
        }
    }

    /// The broker's overflow policy removes a copy; if it was the last, the message is discarded.
    private mutating func discard(_ id: MessageID, _ cause: SimEvent.Cause) {
        tracker.markDiscarded(id)
        removeCopy(id, cause, .broker)
    }

    private mutating func armDedupTimer() {
        if let at = broker.dedupTimer(now: now) { queue.push(time: at, kind: .dedupExpiry, link: 0, packet: Self.noPacket) }
    }

    /// Sends ready messages to consumers with room under their prefetch.
    mutating func dispatch() {
        let holds = mode.acksAfterProcessing
        // In-process, the broker knows its consumers are alive and working: a delivery is
        // committed or rolled back, never timed out (a lock held by an open transaction).
        let deadline = mode.consumersInProcess ? nil : now + settings.ackTimeoutMicros
        while let d = broker.nextDispatch(prefetch: settings.prefetch, holdsCopy: holds, deadline: deadline) {
            tally.delivered += 1
            if d.msg.deliveryCount > 1 { tally.redelivered += 1 }
            if let at = d.armTimerAt { queue.push(time: at, kind: .ackDeadlines, link: 0, packet: Self.noPacket) }
            let packet = Packet(kind: .deliver, msg: d.msg.ref, deliveryID: d.deliveryID, attempt: d.msg.deliveryCount, origin: d.msg.origin)
            if mode.consumersInProcess {
                // Handed over in memory: sent and arrived at the same instant, no wire.
                let kind = packet.kind.sentKind(attempt: packet.attempt)
                if recording.wants(kind) { recorded.append(packetEvent(kind, packet, link: producers.count + d.consumer)) }
                handOver(packet, to: d.consumer)
                continue
            }
            send(packet, link: producers.count + d.consumer, toBroker: false)
            if !holds {
                // Auto-ack: the broker forgets the message the moment it sends it.
                removeCopy(d.msg.ref.id, .autoAck, .consumer(d.consumer))
            }
        }
    }

    private mutating func ackDeadlinesDue() {
        while let action = broker.nextPassedDeadline(now: now) {
            if case .deadLetter(let m) = action { deadLetter(m) }
        }
        if let at = broker.rearmDeadlineTimer() { queue.push(time: at, kind: .ackDeadlines, link: 0, packet: Self.noPacket) }
        dispatch()
    }

    /// The broker gave up on `m` at max deliveries.
    mutating func deadLetter(_ m: StoredMsg) {
        tracker.markDeadLettered(m.ref.id)
        removeCopy(m.ref.id, .none, .broker, attempt: m.deliveryCount)
    }

    // MARK: - Clients

    private mutating func clientReceives(_ packet: Packet, link: Int) {
        if link < producers.count {
            if recording.wants(.arrived) { recorded.append(packetEvent(.arrived, packet, link: link)) }
            let p = link
            guard packet.kind == .confirm, producers[p].up else { return }
            tally.confirmed += 1
            if producers[p].outstanding.removeValue(forKey: packet.msg.id.seq) != nil {
                if producers[p].waitingForRoom {
                    producers[p].waitingForRoom = false
                    queue.push(time: now, kind: .produce, link: Int32(p), packet: Self.noPacket)
                }
                removeCopy(packet.msg.id, .none, .producer(p))
            }
            return
        }
        guard packet.kind == .deliver else { return }
        handOver(packet, to: link - producers.count)
    }

    /// A delivery reaches consumer `c` (over its link, or in-process directly).
    private mutating func handOver(_ packet: Packet, to c: Int) {
        guard consumers[c].up else {
            if recording.wants(.arrived) { recorded.append(packetEvent(.arrived, packet, link: producers.count + c)) }
            removeCopy(packet.msg.id, .consumerDown, .consumer(c))
            return
        }
        let again = tracker.markReceived(packet.msg.id)
        if again { tally.duplicateDeliveries += 1 }
        if recording.wants(.arrived) {
            var e = packetEvent(.arrived, packet, link: producers.count + c)
            e.again = again
            recorded.append(e)
        }
        if mode.consumersInProcess { tracker.addCopy(packet.msg.id) }  // no wire: straight into memory
        consumers[c].buffer.append(Inbound(deliveryID: packet.deliveryID, msg: packet.msg, deliveryCount: packet.attempt, origin: packet.origin))
        if !consumers[c].busy { startNext(c) }
    }

    private mutating func startNext(_ c: Int) {
        guard consumers[c].up, let item = consumers[c].buffer.first else {
            consumers[c].busy = false
            return
        }
        consumers[c].busy = true
        let word = dice.word(.processing, item.msg.id.raw, UInt64(item.origin) << 32 | UInt64(UInt32(bitPattern: item.deliveryCount)))
        var t = Dice.exponential(meanMicros: settings.processingMicrosMean, word)
        if consumers[c].slow { t += settings.ackTimeoutMicros + settings.ackTimeoutMicros / 2 }
        consumers[c].busySince = now
        consumers[c].busyUntil = now + max(1, t)
        // A delivery the broker no longer holds open was taken back before processing began
        // (its deadline passed while it waited in memory): its deadline is behind us.
        consumers[c].busyDeadline = mode.acksAfterProcessing && !mode.consumersInProcess ? broker.deadline(of: item.deliveryID) ?? now : .max
        queue.push(time: now + max(1, t), kind: .processingDone, link: Int32(c), epoch: consumers[c].epoch, packet: Self.noPacket)
    }

    private mutating func finishProcessing(_ c: Int) {
        let item = consumers[c].buffer.removeFirst()
        let id = item.msg.id
        if consumers[c].trap == .crashAfterAck {
            // The window of doubt seen from the other side: was the message already acked?
            // At-most-once acked it on delivery; everyone else acks after the effect, and
            // in-process the effect and the ack are one step, so neither happened.
            if recording.wants(.trapFired) {
                recorded.append(SimEvent(atMicros: now, kind: .trapFired, cause: .trapAfterAck, message: id, attempt: item.deliveryCount,
                              node: .consumer(c), again: !mode.acksAfterProcessing))
            }
            consumers[c].buffer.prepend(item)
            crashConsumer(c)
            return
        }
        applyEffect(item.msg, consumer: c, deliveryCount: item.deliveryCount)
        if mode.consumersInProcess {
            // One atomic step: the ack is committed with the effect, in the broker's process.
            tally.acked += 1
            if recording.wants(.acked) {
                recorded.append(SimEvent(atMicros: now, kind: .acked, hop: .ack, message: id, attempt: item.deliveryCount, node: .consumer(c)))
            }
            if let d = broker.settle(item.deliveryID), d.holdsCopy { removeCopy(id, .none, .broker) }
        }
        removeCopy(id, .none, .consumer(c))
        if consumers[c].trap == .crashAfterEffect {
            if recording.wants(.trapFired) {
                recorded.append(SimEvent(atMicros: now, kind: .trapFired, cause: .trapAfterEffect, message: id, attempt: item.deliveryCount,
                              node: .consumer(c), again: mode.consumersInProcess || !mode.acksAfterProcessing,
                              count: settings.requeueOnDisconnect && broker.up ? 0 : broker.deadline(of: item.deliveryID) ?? 0))
            }
            crashConsumer(c)
            return
        }
        if mode.consumersInProcess {
            dispatch()
        } else {
            reply(item, from: c)
        }
        startNext(c)
    }

    /// The consumer's ack for `item` joins its outgoing batch,
    /// which leaves `ackDelay` after it closes: when it holds `ackEvery` acks, or
    /// `ackInterval` after its first. Whatever is written by then leaves with it.
    ///
    /// An at-most-once credit leaves at once: auto-ack has no acks to batch, and the credit
    /// only stands for the consumer asking for more.
    private mutating func reply(_ item: Inbound, from c: Int) {
        let s = settings
        if !mode.acksAfterProcessing || (s.ackDelayMicros == 0 && s.ackEvery == 1) {
            send(replyPacket(item), link: producers.count + c, toBroker: true)
            return
        }
        consumers[c].replies.append(item)
        let n = consumers[c].replies.count
        if s.ackEvery > 0 && n >= s.ackEvery {
            armFlush(c, at: now + s.ackDelayMicros)
        } else if n == 1 {
            armFlush(c, at: now + s.ackIntervalMicros + s.ackDelayMicros)
        }
    }

    private func replyPacket(_ item: Inbound) -> Packet {
        Packet(kind: mode.acksAfterProcessing ? .ack : .credit, msg: item.msg, deliveryID: item.deliveryID,
               attempt: item.deliveryCount, origin: item.origin)
    }

    private mutating func armFlush(_ c: Int, at: Micros) {
        if let armed = consumers[c].flushAt, armed <= at { return }
        consumers[c].flushAt = at
        queue.push(time: at, kind: .ackFlush, link: Int32(c), epoch: consumers[c].epoch, packet: Self.noPacket)
    }

    /// Consumer `c`'s batch leaves: one ack per delivery, or with cumulative acks one ack
    /// for the newest (it covers the others; they are recorded as acked with it).
    private mutating func flushReplies(_ c: Int) {
        consumers[c].flushAt = nil
        // Taken out and given back emptied: one buffer per consumer, never copied.
        var batch: Deque<Inbound> = []
        swap(&batch, &consumers[c].replies)
        defer {
            batch.removeAll(keepingCapacity: true)
            swap(&batch, &consumers[c].replies)
        }
        guard let newest = batch.last else { return }
        if settings.cumulativeAcks {
            // Batches hold acks only (an at-most-once credit leaves at once).
            if recording.wants(.acked) {
                for item in batch.dropLast() {
                    var e = packetEvent(.acked, replyPacket(item), link: producers.count + c, cause: .cumulativeAck)
                    e.other = newest.msg.id.raw
                    recorded.append(e)
                }
            }
            send(replyPacket(newest), link: producers.count + c, toBroker: true)
        } else {
            for item in batch { send(replyPacket(item), link: producers.count + c, toBroker: true) }
        }
    }

    /// Consumer `c` crashed: the acks it had written and not sent are gone with it.
    mutating func dropReplies(_ c: Int) {
        consumers[c].flushAt = nil
        guard !consumers[c].replies.isEmpty else { return }
        if recording.wants(.dropped) {
            for item in consumers[c].replies {
                var e = packetEvent(.dropped, replyPacket(item), link: producers.count + c, cause: .consumerCrash)
                // Requeued at once (`again`), or when the broker will redeliver it.
                if settings.requeueOnDisconnect && broker.up { e.again = true } else { e.count = broker.deadline(of: item.deliveryID) ?? 0 }
                recorded.append(e)
            }
        }
        consumers[c].replies.removeAll()
    }

    private mutating func applyEffect(_ msg: MsgRef, consumer c: Int, deliveryCount: Int32) {
        let id = msg.id
        let slot = id.producer * max(1, settings.keys) + Int(msg.key)
        // The idempotency record and the effect commit together, in this one step.
        if mode.keepsIdempotencyRecord && !record.insert(id) {
            tally.duplicatesSuppressed += 1
            if recording.wants(.suppressed) {
                recorded.append(SimEvent(atMicros: now, kind: .suppressed, hop: .deliver, cause: .idempotencyRecord, message: id,
                              attempt: deliveryCount, node: .consumer(c)))
            }
            return
        }
        consumers[c].processed += 1
        tally.processed += 1
        let before = tracker.applyEffect(id)
        if before == 0 {
            lastEffectMicros = now
            latency.record(now - msg.bornMicros)
        } else {
            tally.duplicateEffects += 1
        }
        // Version check for effectively-once: an older write for a key never overwrites a newer one.
        let overtook = sink.write(id.seq, slot: slot, versionCheck: mode == .effectivelyOnce)
        if overtook != 0 { tally.outOfOrder += 1 }
        if recording.wants(.applied) {
            recorded.append(SimEvent(atMicros: now, kind: .applied, hop: .deliver, message: id, attempt: deliveryCount, node: .consumer(c),
                          count: Int64(before) + 1, other: overtook))
        }
    }

    // MARK: - Copies and fates

    /// Removes one copy of a message; `attempt` is the delivery that ends it, if one does.
    mutating func removeCopy(_ id: MessageID, _ cause: SimEvent.Cause, _ node: Node, attempt: Int32 = 0) {
        if let fate = tracker.removeCopy(id) { fateReached(fate, id, cause, node, attempt: attempt) }
    }

    private mutating func fateReached(_ fate: Tracker.Fate, _ id: MessageID, _ cause: SimEvent.Cause, _ node: Node, attempt: Int32 = 0) {
        var cause = cause
        let kind: SimEvent.Kind
        switch fate {
        case .effected: return
        case .lost: kind = .lost
        case .lostCovered:
            // However its last copy went, a cumulative ack had covered a delivery of it.
            kind = .lost
            cause = .cumulativeAck
        case .deadLettered: kind = .deadLettered
        case .discarded: kind = .discarded
        }
        if recording.wants(kind) { recorded.append(SimEvent(atMicros: now, kind: kind, cause: cause, message: id, attempt: attempt, node: node)) }
        if mode.keepsIdempotencyRecord { record.retire(id) }
    }
}

extension PacketKind {
    var hop: SimEvent.Hop {
        switch self {
        case .publish: .publish
        case .confirm: .confirm
        case .deliver: .deliver
        case .ack: .ack
        case .credit: .credit
        }
    }

    /// The event of sending this packet.
    @inline(__always)
    func sentKind(attempt: Int32) -> SimEvent.Kind {
        switch self {
        case .publish: .published
        case .confirm: .confirmed
        case .deliver: attempt > 1 ? .redelivered : .delivered
        case .ack: .acked
        case .credit: .credited
        }
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

    public init(up: Bool, partitioned: Bool, oneWay: Bool, slow: Bool, trap: Trap?, unacked: Int, processed: Int, held: Int) {
        self.up = up
        self.partitioned = partitioned
        self.oneWay = oneWay
        self.slow = slow
        self.trap = trap
        self.unacked = unacked
        self.processed = processed
        self.held = held
    }
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
    /// Node → broker direction cut (acks and publishes lost).
    var cutToBroker = false
    /// Broker → node direction cut (deliveries and confirms lost).
    var cutFromBroker = false
    var lastArrivalToBroker: Micros = 0
    var lastArrivalFromBroker: Micros = 0

    init(lossPerMillion: Int32, duplicationPerMillion: Int32, latencyMicrosMin: Micros, latencyMicrosMax: Micros) {
        self.lossPerMillion = lossPerMillion
        self.duplicationPerMillion = duplicationPerMillion
        self.latencyMicrosMin = latencyMicrosMin
        self.latencyMicrosMax = latencyMicrosMax
    }
}

struct Producer {
    var up = true
    var nextSeq: UInt64 = 1
    /// Turns to publish since its last message (a down producer skips turns): keys the
    /// dice of the next gap, so a skipped turn draws a fresh gap.
    var skippedTurns: UInt64 = 0
    /// The durable outbox: published, not yet confirmed (at-least-once and effectively-once).
    var outstanding = U64Map<OutboxEntry>()
    /// (due, seq), oldest first; entries are checked against the outbox when they come due.
    var deadlines: Deque<(Micros, UInt64)> = []
    /// When the confirm timer is armed to fire, if it is.
    var timerDue: Micros? = nil
    /// Its outbox was full at its last turn to publish: it waits for a confirm.
    var waitingForRoom = false
    /// When it was last restarted (its outbox is re-published then).
    var restartedAt: Micros = -1
}

/// An unconfirmed message in the producer's outbox and when it is next due for a retry.
struct OutboxEntry {
    var msg: MsgRef
    var dueMicros: Micros
    /// Publishes of it so far.
    var attempts: Int32 = 0
}

struct Inbound {
    var deliveryID: UInt64
    var msg: MsgRef
    var deliveryCount: Int32
    var origin: UInt32
}

struct Consumer {
    var up = true
    var epoch: Int32 = 0
    var slow = false
    var trap: Trap? = nil
    /// In memory: the message being processed is `buffer.first` while `busy`.
    var buffer: Deque<Inbound> = []
    var busy = false
    /// While `busy`: when processing of `buffer.first` began and when it will end.
    var busySince: Micros = 0
    var busyUntil: Micros = 0
    /// The ack deadline of the delivery being processed when it began (.max: none).
    var busyDeadline: Micros = .max
    var processed = 0
    /// Acks (or credits) written and not sent yet: effects done that the broker cannot know of.
    var replies: Deque<Inbound> = []
    /// When the batch of `replies` is due to leave, if a flush is armed.
    var flushAt: Micros? = nil
}
