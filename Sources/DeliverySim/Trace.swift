/// One message event for the `--events` export: every send, drop, arrival, effect and fate.
public struct TraceEvent: Equatable, Sendable {
    public enum Kind: String, Sendable {
        /// A packet left its sender.
        case send
        /// A packet was lost: on the wire (loss) or cut off by a partition.
        case drop
        /// A packet reached a node that was up.
        case arrive
        /// A consumer applied the effect.
        case apply
        /// The idempotency record or the broker's dedup window caught a duplicate.
        case suppress
        case lost
        case deadLetter = "dead_letter"
        /// The broker's overflow policy refused or dropped its last copy.
        case discarded
    }
    public var atMicros: Micros
    public var kind: Kind
    /// publish, confirm, deliver, ack or credit; nil for effects and fates.
    public var packet: String?
    public var message: MessageID
    /// The producer or consumer at the far end of the link (or the consumer that applied).
    public var node: Node
    /// For deliveries and effects: which delivery of the message this is (1 = first).
    public var deliveryCount: Int32

    /// The event as one JSON object (a JSON Lines record), fields in a fixed order.
    public func jsonLine(mode: Mode) -> String {
        var s = "{\"t_us\":\(atMicros),\"lane\":\"\(mode.rawValue)\",\"event\":\"\(kind.rawValue)\""
        if let packet { s += ",\"packet\":\"\(packet)\"" }
        s += ",\"message\":\"\(message)\",\"node\":\"\(node)\""
        if deliveryCount > 0 { s += ",\"delivery\":\(deliveryCount)" }
        return s + "}"
    }
}

extension PacketKind {
    var name: String {
        switch self {
        case .publish: "publish"
        case .confirm: "confirm"
        case .deliver: "deliver"
        case .ack: "ack"
        case .credit: "credit"
        }
    }
}

extension Lane {
    /// Takes the trace events recorded so far (when `recordTrace` is on), oldest first.
    public mutating func drainTrace() -> [TraceEvent] {
        let out = trace
        trace.removeAll(keepingCapacity: true)
        return out
    }

    @inline(__always)
    mutating func traced(_ kind: TraceEvent.Kind, _ packet: Packet?, _ id: MessageID, _ node: Node, delivery: Int32 = 0) {
        trace.append(TraceEvent(atMicros: now, kind: kind, packet: packet?.kind.name, message: id, node: node,
                                deliveryCount: packet?.kind == .deliver ? packet!.deliveryCount : delivery))
    }
}
