/// The checker: reads a lane and reports what is wrong. It never changes anything.
///
/// Conservation: every produced message is exactly one of pending, effected, dead-lettered
/// or lost, and the copies the tracker believes in are exactly the copies that exist.
extension Lane {
    /// Returns the first violated invariant, or nil.
    public func checkConservation() -> Violation? {
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
            if !c.up && !c.buffer.isEmpty { return .downConsumerHolds(c.buffer.count) }
            for item in c.buffer { copies[item.msg.id.raw, default: 0] += 1 }
        }
        // 2. Compare with the tracker.
        if copies.count != tracker.live.count {
            return .liveMessages(tracked: tracker.live.count, withCopies: copies.count)
        }
        var pendingSeen = 0
        for (raw, n) in copies {
            guard let t = tracker.live[raw] else { return .untracked(MessageID(raw: raw)) }
            if t.copies != n { return .copies(MessageID(raw: raw), tracked: Int(t.copies), found: Int(n)) }
            if t.effects == 0 { pendingSeen += 1 }
        }
        // 3. The conservation law.
        let total = pendingSeen + tracker.effected + tracker.deadLettered + tracker.discarded + tracker.lost
        if total != tracker.produced {
            return .conservation(Tally(produced: tracker.produced, pending: pendingSeen, effected: tracker.effected,
                                       deadLettered: tracker.deadLettered, discarded: tracker.discarded, lost: tracker.lost))
        }
        if broker.stored > settings.maxBacklog { return .aboveMaxBacklog(stored: broker.stored, limit: settings.maxBacklog) }
        // 4. Gauges agree with the world.
        if wire != counters.inFlight { return .inFlight(counted: counters.inFlight, onWire: wire) }
        if held != broker.stored { return .stored(counted: broker.stored, found: held) }
        // 5. Per-mode invariants that hold at every instant.
        if mode == .atMostOnce && counters.redelivered != 0 { return .redelivered }
        if mode != .atMostOnce && mode != .atLeastOnce && counters.duplicateEffects != 0 { return .appliedTwice }
        if mode == .effectivelyOnce && counters.outOfOrder != 0 { return .olderOverNewer }
        if counters.processed - counters.duplicateEffects != tracker.effected {
            return .effects(processedLessDuplicates: counters.processed - counters.duplicateEffects, effected: tracker.effected)
        }
        return nil
    }
}

extension MessageID {
    public init(raw: UInt64) { self.init(producer: Int(raw >> 40), seq: raw & 0xFF_FFFF_FFFF) }
}

/// The outcome of one promise check after a drain.
public enum CheckStatus: String, Sendable, Equatable {
    case pass
    case fail
    /// The configuration voided the promise (e.g. a transient broker crashed).
    case notInForce = "not_in_force"
}

/// One promise check: its name (a JSON key), its status, and the numbers behind it (the
/// words are written outside the core, from `finding`).
public struct Check: Sendable, Equatable {
    public var name: String
    public var status: CheckStatus
    public var finding: Finding
}

/// The fates of a lane's messages: produced = pending + effected + dead-lettered +
/// discarded + lost.
public struct Tally: Sendable, Equatable {
    public var produced, pending, effected, deadLettered, discarded, lost: Int
}

/// What a check found.
public enum Finding: Sendable, Equatable {
    case conservation(Tally)
    case violation(Violation)
    case drained(pending: Int, inFlight: Int, drained: Bool)
    /// `suppressed` is nil where nothing suppresses duplicates (at-most-once).
    case duplicateEffects(Int, suppressed: Int?)
    case networkDuplicated
    case redelivered(Int)
    case lost(Int)
    case transientBrokerCrashed(lost: Int)
    /// Cumulative acks covered deliveries the network had dropped on their way: lost.
    case lostToCumulativeAck(Int)
    case backlogOverflowed(discarded: Int, overflow: Overflow, lost: Int)
    case finalState(staleKeys: Int, outOfOrder: Int)
}

/// A broken invariant: a bug in the model, found by the conservation checker.
public enum Violation: Sendable, Equatable {
    case downConsumerHolds(Int)
    case liveMessages(tracked: Int, withCopies: Int)
    case untracked(MessageID)
    case copies(MessageID, tracked: Int, found: Int)
    case conservation(Tally)
    case aboveMaxBacklog(stored: Int, limit: Int)
    case inFlight(counted: Int, onWire: Int)
    case stored(counted: Int, found: Int)
    /// At-most-once redelivered a message.
    case redelivered
    /// A lane that promises once applied an effect twice.
    case appliedTwice
    /// Effectively-once applied an older write over a newer one.
    case olderOverNewer
    case effects(processedLessDuplicates: Int, effected: Int)
}

extension Lane {
    /// Conservation, drain and each mode's promise, judged on the lane as it is now.
    public func promiseChecks(drained: Bool) -> [Check] {
        var checks: [Check] = []
        if let v = violation ?? checkConservation() {
            checks.append(Check(name: "conservation", status: .fail, finding: .violation(v)))
        } else {
            checks.append(Check(name: "conservation", status: .pass,
                                finding: .conservation(Tally(produced: produced, pending: pending, effected: effected,
                                                             deadLettered: counters.deadLettered, discarded: counters.discarded,
                                                             lost: counters.lost))))
        }
        let empty = pending == 0 && counters.inFlight == 0
        checks.append(Check(name: "drained", status: drained && empty ? .pass : .fail,
                            finding: .drained(pending: pending, inFlight: counters.inFlight, drained: drained)))
        let duplicates = Check(name: "no_duplicate_effects", status: counters.duplicateEffects == 0 ? .pass : .fail,
                               finding: .duplicateEffects(counters.duplicateEffects, suppressed: counters.duplicatesSuppressed))
        switch mode {
        case .atMostOnce:
            checks.append(duplicationEverOn
                ? Check(name: "no_duplicate_effects", status: .notInForce, finding: .networkDuplicated)
                : Check(name: "no_duplicate_effects", status: counters.duplicateEffects == 0 ? .pass : .fail,
                        finding: .duplicateEffects(counters.duplicateEffects, suppressed: nil)))
            checks.append(Check(name: "no_redelivery", status: counters.redelivered == 0 ? .pass : .fail,
                                finding: .redelivered(counters.redelivered)))
        case .atLeastOnce:
            checks.append(lossCheck())
        case .idempotent, .inProcess:
            checks.append(lossCheck())
            checks.append(duplicates)
        case .effectivelyOnce:
            checks.append(lossCheck())
            checks.append(duplicates)
            checks.append(Check(name: "final_state", status: counters.outOfOrder == 0 && staleKeys == 0 ? .pass : .fail,
                                finding: .finalState(staleKeys: staleKeys, outOfOrder: counters.outOfOrder)))
        }
        return checks
    }

    private func lossCheck() -> Check {
        if transientBrokerCrashed {
            return Check(name: "no_loss", status: .notInForce, finding: .transientBrokerCrashed(lost: counters.lost))
        }
        // Losses a cumulative ack caused void the promise; any other loss still fails it.
        if lostToCumulativeAck > 0 && counters.lost == lostToCumulativeAck {
            return Check(name: "no_loss", status: .notInForce, finding: .lostToCumulativeAck(lostToCumulativeAck))
        }
        if counters.discarded > 0 {
            return Check(name: "no_loss", status: .notInForce,
                         finding: .backlogOverflowed(discarded: counters.discarded, overflow: settings.overflow, lost: counters.lost))
        }
        return Check(name: "no_loss", status: counters.lost == 0 ? .pass : .fail, finding: .lost(counters.lost))
    }
}
