import DeliverySim

/// `--events`: the typed event stream as JSON Lines, one message event per line.
///
/// Field names and values are a promise to people's scripts: `t_us`, `lane`, `event`
/// (send, drop, arrive, apply, suppress, lost, dead_letter, discarded), `packet`,
/// `message`, `node`, `delivery`; later additions (`attempt`; `cause` of a drop: wire,
/// partition, consumer_crash, and of a fate: how its last copy went; `covered_by` of an
/// ack a cumulative one covered) only add fields.
public enum EventLines {
    /// The kinds `--events` writes (faults and traps are not message events).
    public static let filter = EventFilter([
        .published, .confirmed, .delivered, .redelivered, .acked, .credited, .dropped, .arrived,
        .applied, .suppressed, .lost, .deadLettered, .discarded,
    ])

    /// The event as one JSON object, fields in a fixed order; nil for a kind not exported.
    public static func line(_ e: SimEvent, mode: Mode) -> String? {
        let name: String
        switch e.kind {
        case .published, .confirmed, .delivered, .redelivered, .acked, .credited: name = "send"
        case .dropped: name = "drop"
        case .arrived: name = "arrive"
        case .applied: name = "apply"
        case .suppressed: name = "suppress"
        case .lost: name = "lost"
        case .deadLettered: name = "dead_letter"
        case .discarded: name = "discarded"
        case .trapFired, .fault: return nil
        }
        guard let message = e.message else { return nil }
        let isPacket = name == "send" || name == "drop" || name == "arrive"
        // Fates are the broker's verdict on a message; effects and duplicates name a node.
        let isFate = e.kind == .lost || e.kind == .deadLettered || e.kind == .discarded
        let node: Node = isFate ? .broker : (e.node ?? .broker)
        var s = "{\"t_us\":\(e.atMicros),\"lane\":\"\(mode.rawValue)\",\"event\":\"\(name)\""
        if isPacket { s += ",\"packet\":\"\(e.hop.name)\"" }
        s += ",\"message\":\"\(message)\",\"node\":\"\(node)\""
        let carriesDelivery = isPacket ? e.hop == .deliver : (e.kind == .applied || (e.kind == .suppressed && e.hop == .deliver))
        if carriesDelivery && e.attempt > 0 { s += ",\"delivery\":\(e.attempt)" }
        if e.attempt > 0 { s += ",\"attempt\":\(e.attempt)" }
        // A drop says where it fell; an ack that a cumulative one covered names that one
        // (it never went on the wire itself).
        if (e.kind == .dropped || isFate) && e.cause != .none { s += ",\"cause\":\"\(e.cause.name)\"" }
        if e.kind == .acked && e.cause == .cumulativeAck { s += ",\"covered_by\":\"\(MessageID(raw: e.other))\"" }
        return s + "}"
    }
}

extension SimEvent.Cause {
    /// The cause as `--events` writes it: snake case of its name.
    public var name: String {
        switch self {
        case .none: ""
        case .wire: "wire"
        case .partition: "partition"
        case .brokerDown: "broker_down"
        case .consumerDown: "consumer_down"
        case .consumerCrash: "consumer_crash"
        case .brokerCrash: "broker_crash"
        case .autoAck: "auto_ack"
        case .publishLost: "publish_lost"
        case .backlogFull: "backlog_full"
        case .dropHead: "drop_head"
        case .dedupWindow: "dedup_window"
        case .idempotencyRecord: "idempotency_record"
        case .storeKey: "store_key"
        case .confirmTimeout: "confirm_timeout"
        case .restart: "restart"
        case .trapAfterEffect: "trap_after_effect"
        case .trapAfterAck: "trap_after_ack"
        case .cumulativeAck: "cumulative_ack"
        case .proxy: "proxy"
        }
    }
}
