import DeliverySim
import Experiments

/// The event log's reading of the typed event stream: which events are worth a line, and
/// the line's words. Only faults, redeliveries, duplicates, losses, dead letters and order
/// breaks are notable, never the ordinary traffic.
public enum LogKind: String, Sendable, Hashable {
    case fault, redelivery, duplicateDelivery, duplicateEffect, suppressed, lost, deadLettered, discarded
    case outOfOrder, ackDropped, confirmDropped, retry, crashTrap

    /// The plural, for a line that stands for many ("… and 12 more dropped acks").
    var plural: String {
        switch self {
        case .fault: "faults"
        case .redelivery: "redeliveries"
        case .duplicateDelivery: "duplicate deliveries"
        case .duplicateEffect: "duplicate effects"
        case .suppressed: "suppressed duplicates"
        case .lost: "losses"
        case .deadLettered: "dead letters"
        case .discarded: "discarded messages"
        case .outOfOrder: "out-of-order effects"
        case .ackDropped: "dropped acks"
        case .confirmDropped: "dropped confirms"
        case .retry: "producer retries"
        case .crashTrap: "trap crashes"
        }
    }
}

/// The event kinds the log reads.
let logFilter = EventFilter([.fault, .redelivered, .arrived, .applied, .suppressed, .lost, .deadLettered, .discarded,
                             .dropped, .published, .trapFired])

/// A notable event in words: its kind, and the sentence after the time and the lanes.
struct Narration {
    let settings: Settings

    func line(_ e: SimEvent, mode: Mode) -> (LogKind, String)? {
        let id = e.message.map { $0.description + ": " } ?? ""
        let who = e.node?.short ?? "?"
        switch e.kind {
        case .fault:
            return e.action.map { (.fault, $0.description) }
        case .redelivered:
            return (.redelivery, id + "redelivered to \(who) (delivery \(e.attempt))")
        case .arrived where e.again && e.hop == .deliver:
            return (.duplicateDelivery, id + "delivered again, to \(who), which already had it once")
        case .applied where e.count > 1:
            return (.duplicateEffect, id + "effect applied again by \(who) (\(e.count) times now)")
        case .applied where e.other > 0 && (e.attempt > 1 || e.count > 1):
            // Logged when a redelivery caused it; competing consumers also reorder now and
            // then, which the counter includes but the log would drown in.
            let newer = MessageID(producer: e.message?.producer ?? 0, seq: e.other)
            return (.outOfOrder, id + "applied by \(who) after \(newer) of the same key: out of order")
        case .suppressed:
            switch e.cause {
            case .dedupWindow: return (.suppressed, id + "re-published copy dropped by the broker's dedup window")
            case .storeKey: return (.suppressed, id + "re-published copy already in the broker's store (keyed by message id)")
            default: return (.suppressed, id + "duplicate caught by the idempotency record at \(who); effect not applied again")
            }
        case .lost:
            return (.lost, id + "LOST: never applied; the last copy went when " + why(e))
        case .discarded:
            return (.discarded, id + "DISCARDED: never applied; " + why(e))
        case .deadLettered:
            return (.deadLettered, id + "dead-lettered after \(e.attempt) deliveries")
        case .dropped where e.hop == .ack && mode.acksAfterProcessing && e.cause == .consumerCrash:
            // The seed's case: the effect is done, the ack had not left when the crash came.
            var text = id + "applied by \(who), but \(who) crashed before its ack left"
            if e.again { text += "; requeued at once" } else if e.count > 0 { text += "; redelivery due " + Format.seconds(e.count) }
            return (.ackDropped, text)
        case .dropped where e.hop == .ack && mode.acksAfterProcessing:
            var text = id + "ack from \(who) dropped (\(dropWords(e)))"
            if e.count > 0 { text += "; redelivery due " + Format.seconds(e.count) }
            return (.ackDropped, text)
        case .dropped where e.hop == .confirm:
            return (.confirmDropped, id + "confirm to \(who) dropped (\(dropWords(e))); it will publish again")
        case .published where e.attempt > 1:
            let producer = e.node?.short ?? "?"
            return e.cause == .restart
                ? (.retry, id + "\(producer) restarted; it publishes it again")
                : (.retry, id + "no confirm within \(Format.duration(settings.confirmTimeoutMicros)); \(producer) publishes it again")
        case .trapFired:
            return (.crashTrap, id + trapWords(e, mode: mode))
        default:
            return nil
        }
    }

    private func dropWords(_ e: SimEvent) -> String {
        e.cause == .partition ? "\(e.node?.short ?? "?") partitioned" : "lost on the wire"
    }

    private func trapWords(_ e: SimEvent, mode: Mode) -> String {
        let who = e.node?.short ?? "?"
        if mode.consumersInProcess {
            return e.cause == .trapAfterAck
                ? "\(who) crashed before its commit: neither the effect nor the ack happened"
                : "\(who) crashed after its commit: the effect and the ack happened together"
        }
        if e.cause == .trapAfterAck {
            return e.again ? "\(who) crashed after the ack (auto-ack) and before the effect"
                           : "\(who) crashed before the effect; not acked yet, so the broker still has it"
        }
        if e.again { return "\(who) crashed after the effect; the broker had forgotten it already" }
        let base = "\(who) crashed after the effect, before the ack"
        if e.count > 0 { return base + "; redelivery due " + Format.seconds(e.count) }
        return settings.requeueOnDisconnect ? base + "; requeued at once" : base
    }

    /// How the last copy of a message went.
    private func why(_ e: SimEvent) -> String {
        let who = e.node?.short ?? "?"
        switch e.cause {
        case .partition: return "a partition cut it off on the wire"
        case .publishLost: return "its publish was lost on the wire"
        case .brokerDown: return "it reached a crashed broker"
        case .autoAck: return "its delivery was lost and the broker had already forgotten it (auto-ack)"
        case .consumerDown: return "its delivery reached \(who) while it was down"
        case .consumerCrash: return "\(who) crashed holding it"
        case .brokerCrash: return "the transient broker crashed with it in memory"
        case .backlogFull: return "the broker's backlog was full (\(settings.maxBacklog) messages) and it refused the publish"
        case .dropHead: return "the broker's backlog was full and it dropped the oldest ready message (drop-head)"
        case .cumulativeAck: return "a cumulative ack had covered a delivery of it that never reached its consumer"
        default: return "its last copy was removed"
        }
    }
}
