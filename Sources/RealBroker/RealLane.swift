import DeliverySim

/// One lane on a real NATS JetStream server: its own stream and durable pull consumer,
/// real producer and consumer connections in this process, and the sink they write to.
///
/// Everything it counts is what its clients observed, or what the server's API reported
/// (`CONSUMER.INFO`, max-deliveries advisories). What neither can see stays unobservable.
final class RealLane {
    let index: Int
    let mode: Mode
    let settings: Settings
    let stream: String
    let subject: String
    let consumerName = "C"
    let dice: Dice
    var recording: EventFilter
    private(set) var recorded: [SimEvent] = []
    private(set) var eventCount = 0
    var now: Micros = 0

    private(set) var counters = Counters()
    private var latency = LatencyHistogram()
    private var lastEffectMicros: Micros = 0
    var transientBrokerCrashed = false

    let control: NatsConnection
    private(set) var producers: [Producer]
    private(set) var consumers: [Consumer]

    // The sink and its idempotency record: durable, they survive a consumer crash.
    private var effects: [MessageID: Int] = [:]
    private var record: Set<MessageID> = []
    private var sink: Sink
    /// Messages some consumer received before (duplicate deliveries).
    private var received: Set<MessageID> = []
    /// Messages whose last copy a client saw go: an at-most-once consumer crashed holding it.
    private var knownLost: Set<MessageID> = []
    private var deadLettered: Set<MessageID> = []
    /// Stream sequence → message, from publish acks and deliveries (advisories name a sequence).
    private var idBySeq: [UInt64: MessageID] = [:]
    private var bornAt: [MessageID: Micros] = [:]

    // What the server said last.
    private(set) var numPending = 0
    private(set) var numAckPending = 0
    private(set) var infoAt: Micros = -1
    private var infoAsked: Micros = -1_000_000
    /// The control connection generation whose stream and consumer are set up.
    private(set) var setUpGeneration = -1
    private var setupStep = 0
    /// When the setup's last request left, and on which connection: an answer that never
    /// comes (a reconnect in between, a server still starting) is asked again after 2 s.
    private var setupSentNanos: Int64 = 0
    private var setupGeneration = -1
    private var advisoryGeneration = -1
    private(set) var setupError: String?
    private var requestSeq = 0

    /// Loss per link, parts per million: the proxy drops whole messages with that chance.
    private var producerLoss: [Int32]
    private var consumerLoss: [Int32]

    var brokerUp = true
    /// The drain ended and the losses were settled.
    private(set) var settled = false
    var brokerIsolated = false

    struct Producer {
        var conn: NatsConnection
        var up = true
        var nextSeq: UInt64 = 1
        var nextAt: Micros
        var skipped: UInt64 = 0
        /// Retrying modes: sent and not confirmed (the outbox survives a crash, as the model's).
        var outbox: [MessageID: (attempt: Int32, sentAt: Micros, key: UInt16)] = [:]
        var partitioned = false
        var oneWay = false
    }

    struct Delivery {
        var id: MessageID
        var key: UInt16
        var ackSubject: String
        var count: Int32
    }

    struct Consumer {
        var conn: NatsConnection
        var up = true
        var slow = false
        var trap: Trap?
        var held: [Delivery] = []
        var busyUntil: Micros?
        var pull: (batch: Int, got: Int, sentAt: Micros)?
        /// Numbers the pull requests: each has its own reply subject.
        var pullSeq = 0
        var partitioned = false
        var oneWay = false
        var processed = 0
    }

    static let unobservable = ["in_flight", "acks_pending"]

    init(index: Int, mode: Mode, settings: Settings, runID: String, port: UInt16, recording: EventFilter) {
        self.index = index
        self.mode = mode
        self.settings = settings
        self.recording = recording
        let tag = mode.rawValue.replacingDashes
        stream = "ACKSCOPE_\(runID)_\(tag)"
        subject = "ackscope.\(runID).\(tag)"
        dice = Dice(seed: settings.seed)
        control = NatsConnection(name: "\(runID)-\(tag)-ctl", port: port)
        let slots = max(1, settings.producers * max(1, settings.keys))
        sink = Sink(slots: slots)
        producers = (0..<settings.producers).map { p in
            Producer(conn: NatsConnection(name: "\(runID)-\(tag)-p\(p + 1)", port: port), nextAt: 0)
        }
        consumers = (0..<settings.consumers).map { c in
            Consumer(conn: NatsConnection(name: "\(runID)-\(tag)-c\(c + 1)", port: port))
        }
        producerLoss = Array(repeating: settings.lossPerMillion, count: settings.producers)
        consumerLoss = Array(repeating: settings.lossPerMillion, count: settings.consumers)
        for p in producers.indices { producers[p].nextAt = gap(p) }
    }

    /// The fault proxy's loss: whether it drops this message on this hop, by the model's
    /// own dice (message, hop, attempt), so a real lane meets the losses a simulated one does.
    private func proxyDrops(_ id: MessageID, hop: SimEvent.Hop, attempt: Int32, node: Node) -> Bool {
        let ppm: Int32
        switch node {
        case .producer(let p): ppm = producerLoss[p]
        case .consumer(let c): ppm = consumerLoss[c]
        case .broker: ppm = 0
        }
        guard ppm > 0 else { return false }
        let hopBits: UInt64 = switch hop {
        case .publish: 1
        case .confirm: 2
        case .deliver: 3
        case .ack, .credit: 4
        case .none: 0
        }
        guard Dice.chance(ppm, dice.word(.loss, id.raw, hopBits << 56 | UInt64(UInt32(bitPattern: attempt)))) else { return false }
        emit(SimEvent(atMicros: now, kind: .dropped, hop: hop, cause: .proxy, message: id, attempt: attempt, node: node))
        return true
    }

    var connections: [NatsConnection] { [control] + producers.map(\.conn) + consumers.map(\.conn) }

    var isSetUp: Bool { setUpGeneration == control.generation && control.isOpen }

    // MARK: - Events

    private func emit(_ e: SimEvent) {
        eventCount += 1
        if recording.wants(e.kind) { recorded.append(e) }
    }

    func takeEvents() -> [SimEvent] {
        defer { recorded.removeAll(keepingCapacity: true) }
        return recorded
    }

    // MARK: - Connections

    /// Opens what should be open and is not (after a crash of the server, or at start).
    func reconnect() {
        guard brokerUp else { return }
        if !control.isOpen { control.open() }
        for p in producers.indices where producers[p].up && !producers[p].conn.isOpen {
            if producers[p].conn.open() { applyProxy(producer: p) }
        }
        for c in consumers.indices where consumers[c].up && !consumers[c].conn.isOpen {
            if consumers[c].conn.open() {
                consumers[c].pull = nil
                applyProxy(consumer: c)
            }
        }
    }

    private func applyProxy(producer p: Int) {
        let cut = producers[p].partitioned || brokerIsolated
        producers[p].conn.holdOut = cut || producers[p].oneWay
        producers[p].conn.holdIn = cut
    }

    private func applyProxy(consumer c: Int) {
        let cut = consumers[c].partitioned || brokerIsolated
        consumers[c].conn.holdOut = cut || consumers[c].oneWay
        consumers[c].conn.holdIn = cut
    }

    // MARK: - Setup: the stream and the durable pull consumer

    private func request(_ r: JetStream.Request, tag: String) {
        requestSeq += 1
        control.publish(r.subject, reply: control.inboxPrefix + "." + tag + "." + String(requestSeq), payload: Array(r.body.utf8))
    }

    private func startSetup() {
        setupStep = 1
        setupSentNanos = RealRun.monotonicNanos()
        setupGeneration = control.generation
        request(JetStream.createStream(stream, subject: subject, file: settings.durable,
                                       dedupWindowMicros: settings.dedupWindowMicros > 0 ? settings.dedupWindowMicros : 120_000_000),
                tag: "stream")
        // Once per connection: a setup asked again must not deliver each advisory twice.
        if advisoryGeneration != control.generation {
            advisoryGeneration = control.generation
            control.subscribe(JetStream.maxDeliveriesAdvisory(stream, consumerName))
        }
    }

    private func createConsumer() {
        setupStep = 2
        setupSentNanos = RealRun.monotonicNanos()
        request(JetStream.createConsumer(stream, consumerName, explicitAcks: mode.acksAfterProcessing, ackWaitMicros: settings.ackTimeoutMicros,
                                         maxAckPending: max(1, settings.prefetch) * max(1, settings.consumers), maxDeliver: settings.maxDeliveries),
                tag: "consumer")
    }

    /// Deletes this lane's stream (a server this run did not start keeps nothing of it).
    func deleteStream() {
        if !control.isOpen { control.open() }
        request(JetStream.deleteStream(stream), tag: "delete")
    }

    private func handleControl(_ m: NatsMessage) {
        if m.subject == JetStream.maxDeliveriesAdvisory(stream, consumerName) {
            guard let advisory = JetStream.MaxDeliveries(m) else { return }
            let id = idBySeq[advisory.streamSeq]
            // Effected already: its fate is the effect (as the model's), whatever the server
            // gave up on. (A sequence no client saw stored or delivered is counted as it comes.)
            if let id { guard effects[id] == nil, deadLettered.insert(id).inserted else { return } }
            counters.deadLettered += 1
            emit(SimEvent(atMicros: now, kind: .deadLettered, message: id, attempt: Int32(clamping: advisory.deliveries)))
            return
        }
        let parts = m.subject.split(separator: ".")
        guard parts.count >= 5, m.subject.hasPrefix(control.inboxPrefix + ".") else { return }
        let answer = JetStream.Answer(m)
        switch parts[parts.count - 2] {
        case "stream":
            if let failure = answer.failure {
                setupError = "creating stream \(stream): " + failure
                setupStep = 0
            } else {
                createConsumer()
            }
        case "consumer":
            if let failure = answer.failure {
                setupError = "creating consumer \(consumerName) on \(stream): " + failure
                setupStep = 0
            } else {
                setupStep = 3
                setUpGeneration = control.generation
                setupError = nil
            }
        case "info":
            if answer.notFound {
                // A memory stream is gone after a broker crash: set it up again.
                setUpGeneration = -1
                setupStep = 0
            } else if let info = JetStream.ConsumerInfo(answer) {
                numPending = info.numPending
                numAckPending = info.numAckPending
                infoAt = now
            }
        default:
            break
        }
    }

    // MARK: - The loop

    /// The earliest time this lane must act without any I/O waking it: a publish due, a
    /// processing time ending, a confirm timeout, the next CONSUMER.INFO, a pull given up.
    func nextDeadline(producing: Bool) -> Micros {
        var t = isSetUp ? infoAsked + 200_000 : Micros.max
        for p in producers where p.up {
            if producing && p.nextAt <= settings.durationMicros { t = min(t, p.nextAt) }
            for item in p.outbox.values { t = min(t, item.sentAt + settings.confirmTimeoutMicros) }
        }
        for c in consumers where c.up {
            if let until = c.busyUntil { t = min(t, until) } else if !c.held.isEmpty { return now }
            if let pull = c.pull { t = min(t, pull.sentAt + 5_000_001) }
        }
        return t
    }

    /// One turn: read what arrived, then act on time.
    func turn(producing: Bool) {
        if setupStep == 1 || setupStep == 2,
           setupGeneration != control.generation || RealRun.monotonicNanos() - setupSentNanos > 2_000_000_000 {
            setupStep = 0
        }
        if control.ready && setUpGeneration != control.generation && setupStep == 0 { startSetup() }
        if !control.isOpen { setupStep = 0 }
        for m in take(control) { handleControl(m) }
        if isSetUp && now - infoAsked >= 200_000 {
            infoAsked = now
            request(JetStream.consumerInfo(stream, consumerName), tag: "info")
        }
        for p in producers.indices { producerTurn(p, producing: producing) }
        for c in consumers.indices { consumerTurn(c) }
    }

    private func take(_ conn: NatsConnection) -> [NatsMessage] {
        defer { conn.incoming.removeAll(keepingCapacity: true) }
        return conn.incoming
    }

    // MARK: - Producers

    private func gap(_ p: Int) -> Micros {
        let mean = settings.ratePerSecond > 0 ? max(1, Micros((1_000_000 / settings.ratePerSecond).rounded())) : Micros.max / 4
        let entity = MessageID(producer: p, seq: producers[p].nextSeq).raw
        return max(1, Dice.exponential(meanMicros: mean, dice.word(.publishGap, entity, producers[p].skipped)))
    }

    var produced: Int { producers.reduce(0) { $0 + Int($1.nextSeq - 1) } }

    private func producerTurn(_ p: Int, producing: Bool) {
        for m in take(producers[p].conn) { confirm(m, producer: p) }
        while producing && producers[p].nextAt <= now && producers[p].nextAt <= settings.durationMicros
                && (settings.messageLimit.map { produced < $0 } ?? true) {
            if !producers[p].up {
                producers[p].skipped += 1
                producers[p].nextAt += gap(p)
                continue
            }
            if mode.producerRetries && producers[p].outbox.count >= settings.maxUnconfirmed { break }
            let id = MessageID(producer: p, seq: producers[p].nextSeq)
            let key = UInt16(Dice.below(UInt64(max(1, settings.keys)), dice.word(.key, id.raw)))
            bornAt[id] = producers[p].nextAt
            producers[p].nextSeq += 1
            producers[p].skipped = 0
            producers[p].nextAt += gap(p)
            publish(id, key: key, attempt: 1, producer: p, cause: .none)
        }
        guard mode.producerRetries, producers[p].up else { return }
        var due: [(MessageID, Int32, UInt16)] = []
        for (id, item) in producers[p].outbox where now - item.sentAt >= settings.confirmTimeoutMicros {
            due.append((id, item.attempt + 1, item.key))
        }
        for (id, attempt, key) in due.sorted(by: { $0.0 < $1.0 }) {
            publish(id, key: key, attempt: attempt, producer: p, cause: .confirmTimeout)
        }
    }

    private var usesMsgID: Bool { mode.keepsIdempotencyRecord || settings.dedupWindowMicros > 0 }

    private func publish(_ id: MessageID, key: UInt16, attempt: Int32, producer p: Int, cause: SimEvent.Cause) {
        counters.published += 1
        emit(SimEvent(atMicros: now, kind: .published, hop: .publish, cause: cause, message: id, attempt: attempt, node: .producer(p)))
        let payload = Array("\(id) \(key)".utf8)
        let headers = usesMsgID ? [("Nats-Msg-Id", id.description)] : []
        let dropped = proxyDrops(id, hop: .publish, attempt: attempt, node: .producer(p))
        if mode.producerRetries {
            producers[p].outbox[id] = (attempt, now, key)
            if dropped { return }
            producers[p].conn.publish(subject, reply: producers[p].conn.inboxPrefix + ".c.\(id.raw).\(attempt)", headers: headers, payload: payload)
        } else {
            // Fire and forget: no reply asked, nothing kept.
            if dropped { return }
            producers[p].conn.publish(subject, headers: headers, payload: payload)
        }
    }

    private func confirm(_ m: NatsMessage, producer p: Int) {
        let parts = m.subject.split(separator: ".")
        guard parts.count >= 6, parts[parts.count - 3] == "c", let raw = UInt64(parts[parts.count - 2]),
              let attempt = Int32(parts[parts.count - 1]) else { return }
        let id = MessageID(raw: raw)
        // No responders (503) or an API error: not stored; the confirm timeout retries it.
        guard let ack = JetStream.PubAck(m) else { return }
        if !ack.duplicate { idBySeq[ack.seq] = id }
        if proxyDrops(id, hop: .confirm, attempt: attempt, node: .producer(p)) { return }
        counters.confirmed += 1
        emit(SimEvent(atMicros: now, kind: .confirmed, hop: .confirm, message: id, attempt: attempt, node: .producer(p)))
        if ack.duplicate {
            counters.duplicatesSuppressed += 1
            emit(SimEvent(atMicros: now, kind: .suppressed, hop: .publish, cause: .dedupWindow, message: id, attempt: attempt, node: .producer(p)))
        }
        producers[p].outbox[id] = nil
    }

    // MARK: - Consumers

    private func consumerTurn(_ c: Int) {
        let conn = consumers[c].conn
        for m in take(conn) { consumerMessage(m, consumer: c) }
        guard consumers[c].up else { return }
        // Process the message at the head of memory.
        while let head = consumers[c].held.first {
            if consumers[c].busyUntil == nil {
                var t = Dice.exponential(meanMicros: settings.processingMicrosMean,
                                         dice.word(.processing, head.id.raw, UInt64(UInt32(bitPattern: head.count))))
                if consumers[c].slow { t += settings.ackTimeoutMicros + settings.ackTimeoutMicros / 2 }
                consumers[c].busyUntil = now + max(1, t)
            }
            guard let until = consumers[c].busyUntil, until <= now else { break }
            consumers[c].busyUntil = nil
            consumers[c].held.removeFirst()
            finish(head, consumer: c)
            if !consumers[c].up { return }
        }
        // Ask for more: one pull request at a time, for the free places.
        if let pull = consumers[c].pull, now - pull.sentAt > 5_000_000 { consumers[c].pull = nil }
        let free = max(1, settings.prefetch) - consumers[c].held.count
        if consumers[c].pull == nil, free > 0, conn.ready, isSetUp {
            consumers[c].pull = (free, 0, now)
            consumers[c].pullSeq += 1
            let pull = JetStream.pull(stream, consumerName, batch: free, expiresMicros: 1_000_000)
            conn.publish(pull.subject, reply: conn.inboxPrefix + ".pull.\(consumers[c].pullSeq)", payload: Array(pull.body.utf8))
        }
    }

    private func consumerMessage(_ m: NatsMessage, consumer c: Int) {
        if let reply = m.reply, let meta = AckMetadata(reply: reply) {
            let words = m.text.split(separator: " ")
            guard words.count == 2, let id = MessageIDText.read(String(words[0])), let key = UInt16(words[1]) else { return }
            idBySeq[meta.streamSeq] = id
            let count = Int32(clamping: meta.deliveryCount)
            if var pull = consumers[c].pull {
                pull.got += 1
                consumers[c].pull = pull.got >= pull.batch ? nil : pull
            }
            if proxyDrops(id, hop: .deliver, attempt: count, node: .consumer(c)) {
                // At-most-once: the server forgot it when it sent it.
                if !mode.acksAfterProcessing && effects[id] == nil && knownLost.insert(id).inserted {
                    counters.lost += 1
                    emit(SimEvent(atMicros: now, kind: .lost, cause: .autoAck, message: id, attempt: count, node: .consumer(c)))
                }
                return
            }
            counters.delivered += 1
            let again = received.contains(id)
            if again { counters.duplicateDeliveries += 1 } else { received.insert(id) }
            if count > 1 { counters.redelivered += 1 }
            emit(SimEvent(atMicros: now, kind: count > 1 ? .redelivered : .delivered, hop: .deliver, message: id, attempt: count,
                          node: .consumer(c), again: again))
            consumers[c].held.append(Delivery(id: id, key: key, ackSubject: reply, count: count))
        } else if m.subject.split(separator: ".").dropLast().last == "pull", JetStream.pullEnded(m) {
            // 408 request timeout, 404 no messages, 409 limits: this pull request is over
            // (an older one's end is not the current one's).
            if let n = Int(m.subject.split(separator: ".").last ?? ""), n == consumers[c].pullSeq { consumers[c].pull = nil }
        } else if m.subject.split(separator: ".").dropLast().last == "a" {
            guard JetStream.ackRecorded(m) else { return }
            counters.acked += 1
            if let raw = UInt64(m.subject.split(separator: ".").last ?? "") {
                emit(SimEvent(atMicros: now, kind: .acked, hop: .ack, message: MessageID(raw: raw), node: .consumer(c)))
            }
        }
    }

    /// Processing of `d` is over: effect, ack, in the mode's order, with any armed trap.
    private func finish(_ d: Delivery, consumer c: Int) {
        switch consumers[c].trap {
        case .crashAfterAck?:
            // As the model: at-most-once acked it on delivery (ack policy none); the other
            // modes ack after the effect, so neither happened. It dies with the consumer.
            emit(SimEvent(atMicros: now, kind: .trapFired, cause: .trapAfterAck, message: d.id, attempt: d.count, node: .consumer(c),
                          again: !mode.acksAfterProcessing))
            consumers[c].held.insert(d, at: 0)
            crashConsumer(c)
            return
        case .crashAfterEffect?:
            applyEffect(d, consumer: c)
            emit(SimEvent(atMicros: now, kind: .trapFired, cause: .trapAfterEffect, message: d.id, attempt: d.count, node: .consumer(c),
                          again: !mode.acksAfterProcessing))
            crashConsumer(c)
            return
        case nil:
            applyEffect(d, consumer: c)
            ack(d, consumer: c)
        }
    }

    private func ack(_ d: Delivery, consumer c: Int) {
        guard mode.acksAfterProcessing else { return }
        if proxyDrops(d.id, hop: .ack, attempt: d.count, node: .consumer(c)) { return }
        // Sent as a request: the server answers once the ack is recorded (`acked`).
        consumers[c].conn.publish(d.ackSubject, reply: consumers[c].conn.inboxPrefix + ".a.\(d.id.raw)", payload: Array("+ACK".utf8))
    }

    private func applyEffect(_ d: Delivery, consumer c: Int) {
        let id = d.id
        let slot = id.producer * max(1, settings.keys) + Int(d.key)
        guard slot < sink.slots else { return }
        if mode.keepsIdempotencyRecord && !record.insert(id).inserted {
            counters.duplicatesSuppressed += 1
            emit(SimEvent(atMicros: now, kind: .suppressed, hop: .deliver, cause: .idempotencyRecord, message: id, attempt: d.count, node: .consumer(c)))
            return
        }
        consumers[c].processed += 1
        counters.processed += 1
        let before = effects[id, default: 0]
        effects[id] = before + 1
        if before == 0 {
            // A message counted dead-lettered or lost that is effected after all: its fate is the effect.
            if deadLettered.remove(id) != nil { counters.deadLettered -= 1 }
            if knownLost.remove(id) != nil { counters.lost -= 1 }
            lastEffectMicros = now
            if let born = bornAt[id] { latency.record(max(0, now - born)) }
        } else {
            counters.duplicateEffects += 1
        }
        let overtook = sink.write(id.seq, slot: slot, versionCheck: mode == .effectivelyOnce)
        if overtook != 0 { counters.outOfOrder += 1 }
        emit(SimEvent(atMicros: now, kind: .applied, hop: .deliver, message: id, attempt: d.count, node: .consumer(c),
                      count: Int64(before) + 1, other: overtook))
    }

    // MARK: - Faults

    func crashConsumer(_ c: Int) {
        guard consumers[c].up else { return }
        consumers[c].up = false
        consumers[c].trap = nil
        consumers[c].conn.close()
        consumers[c].pull = nil
        consumers[c].busyUntil = nil
        // What it held in memory is gone. At-most-once: the server forgot it at delivery.
        for d in consumers[c].held where !mode.acksAfterProcessing && effects[d.id] == nil && !knownLost.contains(d.id) {
            knownLost.insert(d.id)
            counters.lost += 1
            emit(SimEvent(atMicros: now, kind: .lost, cause: .consumerCrash, message: d.id, attempt: d.count, node: .consumer(c)))
        }
        consumers[c].held.removeAll()
    }

    func apply(_ action: Action) {
        emit(SimEvent(atMicros: now, kind: .fault, node: action.target, action: action))
        switch action {
        case .crash(.consumer(let c)) where c < consumers.count: crashConsumer(c)
        case .crash(.producer(let p)) where p < producers.count:
            producers[p].up = false
            producers[p].conn.close()
        case .restart(.consumer(let c)) where c < consumers.count:
            guard !consumers[c].up else { return }
            consumers[c].up = true
            if brokerUp, consumers[c].conn.open() { applyProxy(consumer: c) }
        case .restart(.producer(let p)) where p < producers.count:
            guard !producers[p].up else { return }
            producers[p].up = true
            if brokerUp, producers[p].conn.open() { applyProxy(producer: p) }
            // The outbox survived: publish it again.
            for (id, item) in producers[p].outbox.sorted(by: { $0.key < $1.key }) {
                publish(id, key: item.key, attempt: item.attempt + 1, producer: p, cause: .restart)
            }
        case .partition(.broker): brokerIsolated = true; proxyAll()
        case .partition(.producer(let p)) where p < producers.count: producers[p].partitioned = true; applyProxy(producer: p)
        case .partition(.consumer(let c)) where c < consumers.count: consumers[c].partitioned = true; applyProxy(consumer: c)
        case .partitionOneWay(.producer(let p)) where p < producers.count:
            producers[p].oneWay = true; producers[p].partitioned = false; applyProxy(producer: p)
        case .partitionOneWay(.consumer(let c)) where c < consumers.count:
            consumers[c].oneWay = true; consumers[c].partitioned = false; applyProxy(consumer: c)
        case .heal(.broker): brokerIsolated = false; proxyAll()
        case .heal(.producer(let p)) where p < producers.count:
            producers[p].partitioned = false; producers[p].oneWay = false; applyProxy(producer: p)
        case .heal(.consumer(let c)) where c < consumers.count:
            consumers[c].partitioned = false; consumers[c].oneWay = false; applyProxy(consumer: c)
        case .healAll:
            brokerIsolated = false
            for p in producers.indices { producers[p].partitioned = false; producers[p].oneWay = false }
            for c in consumers.indices { consumers[c].partitioned = false; consumers[c].oneWay = false }
            proxyAll()
        case .setLoss(let node, let ppm):
            switch node {
            case .producer(let p)? where p < producers.count: producerLoss[p] = ppm
            case .consumer(let c)? where c < consumers.count: consumerLoss[c] = ppm
            case nil, .broker?:
                producerLoss = producerLoss.map { _ in ppm }
                consumerLoss = consumerLoss.map { _ in ppm }
            default: break
            }
        case .slow(.consumer(let c)) where c < consumers.count: consumers[c].slow = true
        case .unslow(.consumer(let c)) where c < consumers.count: consumers[c].slow = false
        case .crashAfterEffect(.consumer(let c)) where c < consumers.count && consumers[c].up: consumers[c].trap = .crashAfterEffect
        case .crashAfterAck(.consumer(let c)) where c < consumers.count && consumers[c].up: consumers[c].trap = .crashAfterAck
        default:
            // Broker crash and restart are the run's (one server for every lane); loss,
            // duplication and latency have no per-packet meaning on TCP.
            break
        }
    }

    private func proxyAll() {
        for p in producers.indices { applyProxy(producer: p) }
        for c in consumers.indices { applyProxy(consumer: c) }
    }

    /// The server process was killed: every connection of this lane drops.
    /// `killed`: the process was killed (a private server); otherwise only the
    /// connections dropped, and the server kept its streams.
    func brokerCrashed(killed: Bool) {
        brokerUp = false
        for conn in connections { conn.close() }
        for c in consumers.indices { consumers[c].pull = nil }
        setupStep = 0
        setUpGeneration = -1
        // Not known until the server answers again.
        infoAt = -1
        if killed && !settings.durable { transientBrokerCrashed = true }
    }

    // MARK: - The drain and the end

    /// Nothing left anywhere: producers have no unconfirmed message, consumers hold none,
    /// and the server, asked after all that, holds none ready or unacked.
    var quiet: Bool {
        producers.allSatisfy { $0.outbox.isEmpty } && consumers.allSatisfy { $0.held.isEmpty && $0.conn.unsentBytes == 0 }
            && isSetUp && numPending == 0 && numAckPending == 0
    }

    func heardFromServer(since t: Micros) -> Bool { infoAt > t }

    /// After the drain: every produced message neither effected, dead-lettered nor known
    /// lost is lost (never stored, or wiped from a memory stream).
    func settleLosses() {
        settled = true
        for p in producers.indices {
            for seq in 1..<producers[p].nextSeq {
                let id = MessageID(producer: p, seq: seq)
                if effects[id] == nil && !deadLettered.contains(id) && !knownLost.contains(id) {
                    knownLost.insert(id)
                    counters.lost += 1
                    emit(SimEvent(atMicros: now, kind: .lost, cause: transientBrokerCrashed ? .brokerCrash : .none, message: id, node: .producer(p)))
                }
            }
        }
    }

    var staleKeys: Int { sink.staleKeys }

    func observed() -> ObservedLane {
        var o = ObservedLane(mode: mode)
        var c = counters
        c.ready = numPending
        c.unacked = mode.acksAfterProcessing ? numAckPending : 0
        o.counters = c
        // While the server is down, or before it answered since, ready and unacked are unknown.
        o.unobservable = Self.unobservable + (brokerUp && infoAt >= 0 ? [] : ["ready", "unacked"])
        o.produced = produced
        o.effected = effects.count
        // Once settled, what the clients and the server still see (0 after a drain);
        // before, the remainder: messages on their way somewhere nobody can see.
        o.pending = settled ? pendingSeen : max(0, produced - effects.count - counters.deadLettered - counters.lost)
        o.staleKeys = staleKeys
        o.transientBrokerCrashed = transientBrokerCrashed
        o.latency = latency
        o.lastEffectMicros = lastEffectMicros
        o.events = eventCount
        let brokerState = NodeState(up: brokerUp, partitioned: brokerIsolated, oneWay: false, slow: false, trap: nil,
                                    unacked: o.counters.unacked, processed: 0, held: numPending)
        o.broker = brokerState
        o.producers = producers.map { p in
            NodeState(up: p.up, partitioned: p.partitioned || brokerIsolated, oneWay: p.oneWay, slow: false, trap: nil,
                      unacked: p.outbox.count, processed: Int(p.nextSeq - 1), held: 0)
        }
        o.consumers = consumers.map { c in
            NodeState(up: c.up, partitioned: c.partitioned || brokerIsolated, oneWay: c.oneWay, slow: c.slow, trap: c.trap,
                      unacked: c.held.count, processed: c.processed, held: c.held.count)
        }
        return o
    }

    /// What is still somewhere, as the clients and the server see it: unconfirmed at the
    /// producers, held by consumers, ready or unacked at the server.
    var pendingSeen: Int {
        producers.reduce(0) { $0 + $1.outbox.count } + consumers.reduce(0) { $0 + $1.held.count } + numPending + numAckPending
    }
}

enum MessageIDText {
    /// "p1-42" → producer 0, sequence 42 (the payload's first word).
    static func read(_ text: String) -> MessageID? {
        guard text.first == "p", let dash = text.firstIndex(of: "-"),
              let p = Int(text[text.index(after: text.startIndex)..<dash]), p >= 1, p < 1 << 20,
              let seq = UInt64(text[text.index(after: dash)...]), seq < 1 << 40 else { return nil }
        return MessageID(producer: p - 1, seq: seq)
    }
}

extension String {
    var replacingDashes: String { String(map { $0 == "-" ? "_" : $0 }) }
}
