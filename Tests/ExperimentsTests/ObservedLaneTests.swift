import DeliverySim
import Testing
@testable import Experiments

/// A lane observed on a real broker: its checks, its summary and the side-by-side table.
@Suite struct ObservedLaneTests {
    static func lane(_ mode: Mode, produced: Int, effected: Int, lost: Int = 0, pending: Int = 0, duplicates: Int = 0) -> ObservedLane {
        var o = ObservedLane(mode: mode)
        o.produced = produced
        o.effected = effected
        o.pending = pending
        o.counters.lost = lost
        o.counters.duplicateEffects = duplicates
        o.counters.delivered = effected + duplicates
        o.counters.inFlight = 7  // unobservable: must never show
        o.unobservable = ["in_flight", "acks_pending"]
        return o
    }

    static func status(_ lane: ObservedLane, _ name: String, drained: Bool = true) -> CheckStatus? {
        lane.promiseChecks(drained: drained).first { $0.name == name }?.status
    }

    @Test func conservationCanFail() {
        #expect(Self.status(Self.lane(.atLeastOnce, produced: 10, effected: 10), "conservation") == .pass)
        // A message counted lost and effected too: the sets overlap, the sum is too big.
        #expect(Self.status(Self.lane(.atMostOnce, produced: 10, effected: 10, lost: 1), "conservation") == .fail)
        #expect(Self.status(Self.lane(.atMostOnce, produced: 10, effected: 8, lost: 1), "conservation") == .fail)
        #expect(Self.status(Self.lane(.atMostOnce, produced: 10, effected: 9, lost: 1), "conservation") == .pass)
    }

    @Test func eachModesPromise() {
        #expect(Self.status(Self.lane(.atLeastOnce, produced: 10, effected: 9, lost: 1), "no_loss") == .fail)
        #expect(Self.status(Self.lane(.effectivelyOnce, produced: 10, effected: 10, duplicates: 1), "no_duplicate_effects") == .fail)
        #expect(Self.status(Self.lane(.atLeastOnce, produced: 10, effected: 10, duplicates: 3), "no_duplicate_effects") == nil,
                "at-least-once promises no such thing")
        var transient = Self.lane(.atLeastOnce, produced: 10, effected: 7, lost: 3)
        transient.transientBrokerCrashed = true
        #expect(Self.status(transient, "no_loss") == .notInForce)
        #expect(Self.status(Self.lane(.atLeastOnce, produced: 10, effected: 8, pending: 2), "drained") == .fail)
        #expect(Self.status(Self.lane(.atLeastOnce, produced: 10, effected: 10), "drained", drained: false) == .fail)
    }

    @Test func theSummarySaysBrokerAndHidesTheUnobservable() {
        let lanes = [Self.lane(.atMostOnce, produced: 10, effected: 9, lost: 1), Self.lane(.atLeastOnce, produced: 10, effected: 10, duplicates: 2)]
        var summary = Summary(settings: Settings(), observed: lanes, drainedAt: [5_000_000, 5_000_000], drainRequested: true, broker: "nats")
        summary.notes = ["a note"]
        let json = summary.json()
        #expect(json.hasPrefix("{\"broker\":\"nats\",\"clock\":\"wall\",\"deterministic\":false,\"notes\":[\"a note\"],\"seed\":"))
        #expect(json.contains("\"in_flight\":null") && json.contains("\"acks_pending\":null") && !json.contains("\"in_flight\":7"))
        let table = summary.table()
        #expect(table.hasPrefix("broker nats (real server, wall clock, not deterministic)"))
        #expect(table.contains("note: a note"))
        let inFlight = table.split(separator: "\n").first { $0.hasPrefix("in flight") }
        #expect(inFlight.map { $0.split(separator: " ").suffix(2) == ["n/a", "n/a"] } == true)
        // A simulated run's JSON is unchanged: no broker key.
        #expect(!Experiment(settings: Settings()).run().json().contains("\"broker\""))
    }

    @Test func sideBySide() {
        var s = Settings()
        s.durationMicros = 1_000_000
        let sim = Experiment(settings: s).run()
        let real = Summary(settings: s, observed: s.modes.map { Self.lane($0, produced: 50, effected: 50) },
                           drainedAt: s.modes.map { _ in 1 }, drainRequested: true, broker: "nats")
        let c = BrokerComparison(title: "t", sim: sim, real: real)
        let lines = c.table().split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines[0].hasPrefix("scenario: t · seed 1"))
        let header = lines.first { $0.contains("sim") && $0.contains("nats") }
        #expect(header.map { $0.components(separatedBy: "sim").count - 1 } == s.modes.count)
        let inFlight = lines.first { $0.hasPrefix("in flight") }?.split(separator: " ").map(String.init) ?? []
        #expect(inFlight.suffix(2 * s.modes.count).enumerated().allSatisfy { i, v in i % 2 == 0 ? v == "0" : v == "n/a" })
        let checkRows = lines.filter { $0.hasPrefix("check ") }
        #expect(checkRows.contains { $0.hasPrefix("check conservation") })
        // Every row is as wide as the header: the columns line up.
        let widths = Set(lines.filter { $0.hasPrefix("produced") || $0.hasPrefix("check ") || $0.hasPrefix("latency") }.map(\.count))
        #expect(widths.count == 1)
        let json = c.json()
        #expect(json.hasPrefix("{\"scenario\":\"t\",\"sim\":{\"seed\":1") && json.contains(",\"nats\":{\"broker\":\"nats\"") && json.hasSuffix("}\n"))
    }

    /// A lane the real broker cannot run (in-process) keeps its model column and shows '-'.
    @Test func aLaneWithoutARealFormShowsADash() {
        var s = Settings()
        s.durationMicros = 1_000_000
        s.modes = [.atLeastOnce, .inProcess]
        let sim = Experiment(settings: s).run()
        let real = Summary(settings: s, observed: [Self.lane(.atLeastOnce, produced: 50, effected: 50)],
                           drainedAt: [1], drainRequested: true, broker: "nats")
        let table = BrokerComparison(title: "t", sim: sim, real: real).table()
        #expect(table.contains("note: the in-process lane has no real-broker form"))
        let produced = table.split(separator: "\n").first { $0.hasPrefix("produced") }?.split(separator: " ").map(String.init) ?? []
        // produced, then sim and nats under at-least-once, then sim and '-' under in-process.
        #expect(produced.count == 5 && produced[2] == "50" && produced[4] == "-" && Int(produced[3]) != nil, "\(produced)")
    }
}
