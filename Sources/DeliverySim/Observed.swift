/// A lane as observed from outside a broker the project does not own (a real server):
/// the counters its clients saw and its server's API reported, the nodes' states, and the
/// counters nobody can observe there.
///
/// The simulated `Lane` knows every message's whereabouts; an observed lane knows only
/// what crossed its clients or what the server says about itself. A counter named in
/// `unobservable` holds 0 and is shown as `n/a`, never as a guess.
public struct ObservedLane: Equatable, Sendable {
    public var mode: Mode
    public var counters = Counters()
    /// JSON names of the counters this lane cannot observe (e.g. "in_flight").
    public var unobservable: [String] = []
    /// Messages the producers created.
    public var produced = 0
    /// Messages whose effect was applied at least once.
    public var effected = 0
    /// Messages not yet effected, dead-lettered or known lost (stored, held, unconfirmed).
    public var pending = 0
    /// Keys whose final sink value is not their newest message's.
    public var staleKeys = 0
    public var producers: [NodeState] = []
    public var consumers: [NodeState] = []
    public var broker = NodeState(up: true, partitioned: false, oneWay: false, slow: false, trap: nil, unacked: 0, processed: 0, held: 0)
    /// The broker's storage was lost in a crash (memory storage): the no-loss promise is
    /// not in force.
    public var transientBrokerCrashed = false
    public var latency = LatencyHistogram()
    /// When a message last had its first effect.
    public var lastEffectMicros: Micros = 0
    /// Events recorded so far (the count, as `Lane.events`).
    public var events = 0

    public init(mode: Mode) { self.mode = mode }

    /// The state of a node, as the dashboard asks a simulated lane.
    public func state(of node: Node) -> NodeState {
        switch node {
        case .producer(let p): p < producers.count ? producers[p] : broker
        case .consumer(let c): c < consumers.count ? consumers[c] : broker
        case .broker: broker
        }
    }

    public func isObservable(_ counter: String) -> Bool { !unobservable.contains(counter) }

    /// Conservation, drain and each mode's promise, judged on what was observed. The
    /// same checks, by the same names, as a simulated lane's.
    public func promiseChecks(drained: Bool) -> [Check] {
        let c = counters
        let tally = Tally(produced: produced, pending: pending, effected: effected, deadLettered: c.deadLettered,
                          discarded: c.discarded, lost: c.lost)
        var checks: [Check] = []
        if produced == pending + effected + c.deadLettered + c.discarded + c.lost {
            checks.append(Check(name: "conservation", status: .pass, finding: .conservation(tally)))
        } else {
            checks.append(Check(name: "conservation", status: .fail, finding: .violation(.conservation(tally))))
        }
        checks.append(Check(name: "drained", status: drained && pending == 0 ? .pass : .fail,
                            finding: .drained(pending: pending, inFlight: 0, drained: drained)))
        let duplicates = Check(name: "no_duplicate_effects", status: c.duplicateEffects == 0 ? .pass : .fail,
                               finding: .duplicateEffects(c.duplicateEffects, suppressed: c.duplicatesSuppressed))
        let loss = transientBrokerCrashed
            ? Check(name: "no_loss", status: .notInForce, finding: .transientBrokerCrashed(lost: c.lost))
            : Check(name: "no_loss", status: c.lost == 0 ? .pass : .fail, finding: .lost(c.lost))
        switch mode {
        case .atMostOnce:
            checks.append(Check(name: "no_duplicate_effects", status: c.duplicateEffects == 0 ? .pass : .fail,
                                finding: .duplicateEffects(c.duplicateEffects, suppressed: nil)))
            checks.append(Check(name: "no_redelivery", status: c.redelivered == 0 ? .pass : .fail,
                                finding: .redelivered(c.redelivered)))
        case .atLeastOnce:
            checks.append(loss)
        case .idempotent, .inProcess:
            checks.append(loss)
            checks.append(duplicates)
        case .effectivelyOnce:
            checks.append(loss)
            checks.append(duplicates)
            checks.append(Check(name: "final_state", status: c.outOfOrder == 0 && staleKeys == 0 ? .pass : .fail,
                                finding: .finalState(staleKeys: staleKeys, outOfOrder: c.outOfOrder)))
        }
        return checks
    }
}
