/// What the flow view reads of a lane: the packets on its wires, the deliveries open at the
/// broker, what each consumer is doing, which links are cut. Views only; nothing changes.

/// A packet on a link now.
public struct WirePacket: Equatable, Sendable {
    public var hop: SimEvent.Hop
    public var message: MessageID
    /// Publish attempt (publish, confirm) or delivery number (deliver, ack, credit).
    public var attempt: Int32
    /// The producer or consumer at the link's far end from the broker.
    public var node: Node
    public var toBroker: Bool
    public var sentMicros: Micros
    public var arrivalMicros: Micros

    public init(hop: SimEvent.Hop, message: MessageID, attempt: Int32, node: Node, toBroker: Bool,
                sentMicros: Micros, arrivalMicros: Micros) {
        self.hop = hop
        self.message = message
        self.attempt = attempt
        self.node = node
        self.toBroker = toBroker
        self.sentMicros = sentMicros
        self.arrivalMicros = arrivalMicros
    }

    /// A delivery of a message the broker had delivered before.
    public var isRedelivery: Bool { hop == .deliver && attempt > 1 }

    /// How far along its wire it is at `now`, from 0 (just sent) to 1 (arriving): the
    /// straight interpolation of its send and arrival times.
    public func progress(at now: Micros) -> Double {
        let span = arrivalMicros - sentMicros
        guard span > 0 else { return 1 }
        return min(1, max(0, Double(now - sentMicros) / Double(span)))
    }
}

/// A delivery the broker has sent and not yet seen settled: one box of the window of doubt.
public struct OpenDelivery: Equatable, Sendable {
    public var consumer: Int
    public var message: MessageID
    /// Delivery number (1 = first).
    public var delivery: Int32
    /// When the broker gives up waiting for its ack.
    public var deadlineMicros: Micros
}

/// What a consumer is doing, as the flow view draws it.
public struct ConsumerWork: Equatable, Sendable {
    /// Messages in its memory, the one being processed first.
    public var held: Int
    /// The message being processed, if busy.
    public var processing: Processing?

    public struct Processing: Equatable, Sendable {
        public var message: MessageID
        /// When processing began and when it will end.
        public var since: Micros, until: Micros
        /// The ack deadline its delivery had when processing began (nil: none).
        public var deadline: Micros?
    }
}

/// Which directions of a client's link are cut.
public struct LinkCut: Equatable, Sendable {
    /// Client → broker: publishes and acks are lost.
    public var toBroker: Bool
    /// Broker → client: deliveries and confirms are lost.
    public var fromBroker: Bool
    public var any: Bool { toBroker || fromBroker }
}

extension Lane {
    /// Every packet on a wire now, in no particular order.
    public func forEachPacketOnWire(_ body: (WirePacket) -> Void) {
        queue.forEachPending { e in
            guard e.kind == .arriveAtBroker || e.kind == .arriveAtClient else { return }
            let p = e.packet
            body(WirePacket(hop: p.kind.hop, message: p.msg.id, attempt: p.attempt, node: nodeOf(link: Int(e.link)),
                            toBroker: e.kind == .arriveAtBroker, sentMicros: e.time - Micros(e.epoch), arrivalMicros: e.time))
        }
    }

    /// Open deliveries that have an ack deadline, earliest deadline first, looking at no
    /// more than `limit` entries of the broker's deadline queue; stops when `body` returns
    /// false. (In-process deliveries have no deadline; at-most-once ones hold no copy.)
    public func forEachOpenDeliveryByDeadline(limit: Int, _ body: (OpenDelivery) -> Bool) {
        broker.forEachByDeadline(limit: limit) { d in
            body(OpenDelivery(consumer: Int(d.consumer), message: d.msg.ref.id, delivery: d.msg.deliveryCount,
                              deadlineMicros: d.deadlineMicros))
        }
    }

    /// What consumer `c` holds and is processing.
    public func work(of c: Int) -> ConsumerWork {
        let con = consumers[c]
        let deadline = con.busyDeadline == .max ? nil : con.busyDeadline
        let processing = con.busy && con.up
            ? con.buffer.first.map { ConsumerWork.Processing(message: $0.msg.id, since: con.busySince, until: con.busyUntil, deadline: deadline) }
            : nil
        return ConsumerWork(held: con.up ? con.buffer.count : 0, processing: processing)
    }

    /// Which directions of a client's link are cut (a partitioned broker cuts every link).
    public func cut(of node: Node) -> LinkCut {
        let link: Link
        switch node {
        case .producer(let p): link = links[p]
        case .consumer(let c): link = links[producers.count + c]
        case .broker: return LinkCut(toBroker: brokerIsolated, fromBroker: brokerIsolated)
        }
        return LinkCut(toBroker: link.cutToBroker || brokerIsolated, fromBroker: link.cutFromBroker || brokerIsolated)
    }

    /// Whether the broker is up.
    public var brokerUp: Bool { broker.up }

    /// Deliveries the broker gives up on at their deadline once they reach this count (0: never).
    public var maxDeliveries: Int { broker.maxDeliveries }
}
