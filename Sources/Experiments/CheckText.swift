import DeliverySim

/// The words of a check's finding and of a broken invariant, as the table and the JSON
/// `detail` show them.
extension Check {
    public var detail: String { finding.text }
}

extension Tally {
    var text: String {
        "\(produced) produced = \(pending) pending + \(effected) effected + \(deadLettered) dead-lettered + \(discarded) discarded + \(lost) lost"
    }
}

extension Finding {
    public var text: String {
        switch self {
        case .conservation(let t): t.text
        case .violation(let v): v.text
        case .drained(let pending, let inFlight, let drained):
            drained && pending == 0 && inFlight == 0 ? "nothing pending, nothing on the wire"
                : "\(pending) still pending, \(inFlight) packets on the wire"
        case .duplicateEffects(let n, let suppressed?): "\(n) duplicate effects, \(suppressed) suppressed"
        case .duplicateEffects(let n, nil): "\(n) duplicate effects"
        case .networkDuplicated: "the network duplicated packets"
        case .redelivered(let n): "\(n) redelivered"
        case .lost(let n): "\(n) lost"
        case .transientBrokerCrashed(let lost): "a transient broker crashed (\(lost) lost)"
        case .lostToCumulativeAck(let lost):
            "\(lost) lost: a cumulative ack covered a delivery the network had dropped"
        case .backlogOverflowed(let discarded, let overflow, let lost):
            "the broker's backlog overflowed and it discarded \(discarded) (\(overflow.rawValue)); \(lost) lost"
        case .finalState(let stale, let outOfOrder): "\(stale) keys end with a stale value, \(outOfOrder) out-of-order writes"
        }
    }
}

extension Violation: CustomStringConvertible {
    public var description: String { text }

    public var text: String {
        switch self {
        case .downConsumerHolds(let n): "consumer is down but holds \(n) messages"
        case .liveMessages(let tracked, let withCopies): "tracker knows \(tracked) live messages, \(withCopies) have copies"
        case .untracked(let id): "a copy of \(id) exists but the tracker has none"
        case .copies(let id, let tracked, let found): "\(id): tracker says \(tracked) copies, \(found) exist"
        case .conservation(let t):
            "conservation: produced \(t.produced) != pending \(t.pending) + effected \(t.effected) + dead-lettered \(t.deadLettered) + discarded \(t.discarded) + lost \(t.lost)"
        case .aboveMaxBacklog(let stored, let limit): "the broker stores \(stored) messages, above max_backlog \(limit)"
        case .inFlight(let counted, let onWire): "in_flight says \(counted), \(onWire) packets on the wire"
        case .stored(let counted, let found): "the broker stores \(counted) (ready + unacked), \(found) copies found"
        case .redelivered: "at-most-once redelivered a message"
        case .appliedTwice: "a lane that promises once applied an effect twice"
        case .olderOverNewer: "effectively-once applied an older write over a newer one"
        case .effects(let p, let e): "processed - duplicate_effects (\(p)) != messages effected (\(e))"
        }
    }
}
