/// The checker: reads a lane and reports what is wrong. It never changes anything.
///
/// Conservation: every produced message is exactly one of pending, effected, dead-lettered
/// or lost, and the copies the tracker believes in are exactly the copies that exist.
extension Lane {
    /// Returns a description of the first violated invariant, or nil.
    public func checkConservation() -> String? {
        // 1. Count every copy where it physically is.
        var copies: [UInt64: Int32] = [:]
        var wire = 0
        queue.forEachPending { e in
            guard e.kind == .arriveAtBroker || e.kind == .arriveAtClient else { return }
            wire += 1
            if e.packet.kind.carriesMessage { copies[e.packet.msg.id.raw, default: 0] += 1 }
        }
        for p in producers {
            p.outstanding.forEach { _, e in copies[e.msg.id.raw, default: 0] += 1 }
        }
        var held = 0
        broker.forEachCopy { ref in
            held += 1
            copies[ref.id.raw, default: 0] += 1
        }
        for c in consumers {
            if !c.up && !c.buffer.isEmpty { return "consumer is down but holds \(c.buffer.count) messages" }
            for item in c.buffer { copies[item.msg.id.raw, default: 0] += 1 }
        }
        // 2. Compare with the tracker.
        if copies.count != tracker.live.count {
            return "tracker knows \(tracker.live.count) live messages, \(copies.count) have copies"
        }
        var pendingSeen = 0
        for (raw, n) in copies {
            guard let t = tracker.live[raw] else { return "a copy of \(MessageID(raw: raw)) exists but the tracker has none" }
            if t.copies != n { return "\(MessageID(raw: raw)): tracker says \(t.copies) copies, \(n) exist" }
            if t.effects == 0 { pendingSeen += 1 }
        }
        // 3. The conservation law.
        let total = pendingSeen + tracker.effected + tracker.deadLettered + tracker.discarded + tracker.lost
        if total != tracker.produced {
            return "conservation: produced \(tracker.produced) != pending \(pendingSeen) + effected \(tracker.effected) + dead-lettered \(tracker.deadLettered) + discarded \(tracker.discarded) + lost \(tracker.lost)"
        }
        if broker.stored > settings.maxBacklog { return "the broker stores \(broker.stored) messages, above max_backlog \(settings.maxBacklog)" }
        // 4. Gauges agree with the world.
        if wire != counters.inFlight { return "in_flight says \(counters.inFlight), \(wire) packets on the wire" }
        if held != broker.stored { return "the broker stores \(broker.stored) (ready + unacked), \(held) copies found" }
        // 5. Per-mode invariants that hold at every instant.
        if mode == .atMostOnce && counters.redelivered != 0 { return "at-most-once redelivered a message" }
        if mode != .atMostOnce && mode != .atLeastOnce && counters.duplicateEffects != 0 { return "\(mode.rawValue) applied an effect twice" }
        if mode == .effectivelyOnce && counters.outOfOrder != 0 { return "effectively-once applied an older write over a newer one" }
        if counters.processed - counters.duplicateEffects != tracker.effected {
            return "processed - duplicate_effects (\(counters.processed - counters.duplicateEffects)) != messages effected (\(tracker.effected))"
        }
        return nil
    }
}

extension MessageID {
    init(raw: UInt64) { self.init(producer: Int(raw >> 40), seq: raw & 0xFF_FFFF_FFFF) }
}

/// The outcome of one promise check after a drain.
public enum CheckStatus: String, Sendable, Equatable {
    case pass
    case fail
    /// The configuration voided the promise (e.g. a transient broker crashed).
    case notInForce = "not_in_force"
}

public struct Check: Sendable, Equatable {
    public var name: String
    public var status: CheckStatus
    public var detail: String
}

extension Lane {
    /// Conservation, drain and each mode's promise, judged on the lane as it is now.
    public func promiseChecks(drained: Bool) -> [Check] {
        var checks: [Check] = []
        if let v = violation ?? checkConservation() {
            checks.append(Check(name: "conservation", status: .fail, detail: v))
        } else {
            checks.append(Check(name: "conservation", status: .pass,
                                detail: "\(produced) produced = \(pending) pending + \(effected) effected + \(counters.deadLettered) dead-lettered + \(counters.discarded) discarded + \(counters.lost) lost"))
        }
        let empty = pending == 0 && counters.inFlight == 0
        checks.append(Check(name: "drained", status: drained && empty ? .pass : .fail,
                            detail: drained && empty ? "nothing pending, nothing on the wire"
                                : "\(pending) still pending, \(counters.inFlight) packets on the wire"))
        switch mode {
        case .atMostOnce:
            checks.append(Check(name: "no_duplicate_effects",
                                status: duplicationEverOn ? .notInForce : (counters.duplicateEffects == 0 ? .pass : .fail),
                                detail: duplicationEverOn ? "the network duplicated packets" : "\(counters.duplicateEffects) duplicate effects"))
            checks.append(Check(name: "no_redelivery", status: counters.redelivered == 0 ? .pass : .fail,
                                detail: "\(counters.redelivered) redelivered"))
        case .atLeastOnce:
            checks.append(lossCheck())
        case .idempotent, .inProcess:
            checks.append(lossCheck())
            checks.append(Check(name: "no_duplicate_effects", status: counters.duplicateEffects == 0 ? .pass : .fail,
                                detail: "\(counters.duplicateEffects) duplicate effects, \(counters.duplicatesSuppressed) suppressed"))
        case .effectivelyOnce:
            checks.append(lossCheck())
            checks.append(Check(name: "no_duplicate_effects", status: counters.duplicateEffects == 0 ? .pass : .fail,
                                detail: "\(counters.duplicateEffects) duplicate effects, \(counters.duplicatesSuppressed) suppressed"))
            checks.append(Check(name: "final_state", status: counters.outOfOrder == 0 && staleKeys == 0 ? .pass : .fail,
                                detail: "\(staleKeys) keys end with a stale value, \(counters.outOfOrder) out-of-order writes"))
        }
        return checks
    }

    private func lossCheck() -> Check {
        if transientBrokerCrashed {
            return Check(name: "no_loss", status: .notInForce, detail: "a transient broker crashed (\(counters.lost) lost)")
        }
        if counters.discarded > 0 {
            return Check(name: "no_loss", status: .notInForce,
                         detail: "the broker's backlog overflowed and it discarded \(counters.discarded) (\(settings.overflow.rawValue)); \(counters.lost) lost")
        }
        return Check(name: "no_loss", status: counters.lost == 0 ? .pass : .fail, detail: "\(counters.lost) lost")
    }
}
