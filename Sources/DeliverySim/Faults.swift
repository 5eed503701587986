/// Applying actions: the one fault vocabulary, at the lane's current virtual time.
extension Lane {
    /// Applies `action` now. Unknown indices are ignored (validated by `Timeline`).
    public mutating func apply(_ action: Action) {
        if recording.wants(.fault) { recorded.append(SimEvent(atMicros: now, kind: .fault, node: action.target, action: action)) }
        // In-process, consumers share the broker's process: no link between them to cut,
        // lose, duplicate or slow down. Producers still publish over the network.
        if mode.consumersInProcess, case .consumer? = action.target {
            switch action {
            case .partition, .partitionOneWay, .heal, .setLoss, .setDuplication, .setLatency: return
            default: break
            }
        }
        switch action {
        case .crash(let node):
            switch node {
            case .consumer(let c): if consumers[c].up { crashConsumer(c) }
            case .producer(let p): producers[p].up = false
            case .broker: crashBroker()
            }
        case .restart(let node):
            switch node {
            case .consumer(let c): restartConsumer(c)
            case .producer(let p): restartProducer(p)
            case .broker: restartBroker()
            }
        case .partition(let node):
            if node == .broker { brokerIsolated = true } else {
                let l = linkIndex(node)
                links[l].cutToBroker = true
                links[l].cutFromBroker = true
            }
        case .partitionOneWay(let node):
            if node != .broker {
                let l = linkIndex(node)
                links[l].cutToBroker = true
                links[l].cutFromBroker = false
            }
        case .heal(let node):
            if node == .broker { brokerIsolated = false } else {
                let l = linkIndex(node)
                links[l].cutToBroker = false
                links[l].cutFromBroker = false
            }
        case .healAll:
            brokerIsolated = false
            for l in links.indices {
                links[l].cutToBroker = false
                links[l].cutFromBroker = false
            }
        case .setLoss(let node, let ppm):
            for l in linkIndices(node) { links[l].lossPerMillion = ppm }
        case .setDuplication(let node, let ppm):
            for l in linkIndices(node) { links[l].duplicationPerMillion = ppm }
            if ppm > 0 { duplicationEverOn = true }
        case .setLatency(let node, let lo, let hi):
            for l in linkIndices(node) {
                links[l].latencyMicrosMin = lo
                links[l].latencyMicrosMax = hi
            }
        case .slow(let node):
            if case .consumer(let c) = node { consumers[c].slow = true }
        case .unslow(let node):
            if case .consumer(let c) = node { consumers[c].slow = false }
        case .crashAfterEffect(let node):
            if case .consumer(let c) = node, consumers[c].up { consumers[c].trap = .crashAfterEffect }
        case .crashAfterAck(let node):
            if case .consumer(let c) = node, consumers[c].up { consumers[c].trap = .crashAfterAck }
        }
    }

    /// Ends production, heals every link and restarts every node: the start of a drain.
    public mutating func beginDrain() {
        productionOver = true
        apply(.healAll)
        for c in consumers.indices {
            consumers[c].slow = false
            consumers[c].trap = nil
            if !consumers[c].up { restartConsumer(c) }
        }
        for p in producers.indices where !producers[p].up { restartProducer(p) }
        if !broker.up { restartBroker() }
    }

    func linkIndex(_ node: Node) -> Int {
        switch node {
        case .producer(let p): p
        case .consumer(let c): producers.count + c
        case .broker: 0
        }
    }

    func linkIndices(_ node: Node?) -> [Int] {
        guard let node, node != .broker else { return Array(links.indices) }
        return [linkIndex(node)]
    }

    /// A consumer process dies: what it held in memory is gone; its sink is durable.
    mutating func crashConsumer(_ c: Int) {
        consumers[c].up = false
        dropMemory(c)
        // The connection closes, so the broker stops sending to it; what it had delivered
        // stays unacked until the ack deadline (the broker cannot know what was done),
        // unless it requeues on disconnect (RabbitMQ). In-process, the broker is the same
        // process and knows nothing was committed: the deliveries roll back at once.
        broker.disconnect(c)
        if mode.consumersInProcess || settings.requeueOnDisconnect {
            for action in broker.requeue(consumer: c) {
                if case .deadLetter(let m) = action { deadLetter(m) }
            }
            dispatch()
        }
    }

    /// Consumer `c` loses what it held in memory (a crash of it, or of its process).
    private mutating func dropMemory(_ c: Int) {
        consumers[c].epoch += 1
        consumers[c].busy = false
        consumers[c].trap = nil
        dropReplies(c)
        let held = consumers[c].buffer
        consumers[c].buffer.removeAll()
        for item in held {
            removeCopy(item.msg.id, .consumerCrash, .consumer(c))
        }
    }

    mutating func restartConsumer(_ c: Int) {
        guard !consumers[c].up else { return }
        consumers[c].up = true
        broker.connect(c)
        dispatch()
    }

    mutating func restartProducer(_ p: Int) {
        guard !producers[p].up else { return }
        producers[p].up = true
        // The outbox is durable: everything unconfirmed is published again now, oldest first.
        // Entries go to the front (they are due now, before anything still waiting), and
        // their older deadlines become stale, so nothing is published twice for one restart.
        producers[p].restartedAt = now
        for seq in producers[p].outstanding.sortedKeys().reversed() {
            producers[p].outstanding.update(seq) { $0.dueMicros = now }
            producers[p].deadlines.prepend((now, seq))
        }
        armConfirmTimer(p)
    }

    mutating func crashBroker() {
        guard broker.up else { return }
        // In-process, the consumers die with the broker's process.
        if mode.consumersInProcess {
            for c in consumers.indices where consumers[c].up { dropMemory(c) }
        }
        let gone = broker.crash()
        if !broker.durable { transientBrokerCrashed = true }
        for m in gone { removeCopy(m.id, .brokerCrash, .broker) }
    }

    mutating func restartBroker() {
        guard !broker.up else { return }
        broker.restart(consumersUp: consumers.map(\.up))
        dispatch()
    }
}
