import DeliverySim
import Foundation
import Testing
@testable import Experiments

/// Every scenario in Scenarios/ parses and, run headless, shows the point it teaches.
@Suite struct ShippedScenarioTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Scenarios")

    static func run(_ name: String) throws -> Summary {
        let url = folder.appendingPathComponent(name + ".toml")
        let text = try String(contentsOf: url, encoding: .utf8)
        let scenario = try ScenarioFile.parse(text: text, fileName: url.path).resolved()
        #expect(scenario.settings.durationMicros <= Duration.seconds(30), "\(name): shows its point within 30s at 1x")
        return scenario.experiment.run()
    }

    /// (lane mode) → counters, for readable assertions.
    static func lanes(_ s: Summary) -> [Mode: Counters] {
        Dictionary(uniqueKeysWithValues: s.lanes.map { ($0.mode, $0.counters) })
    }

    @Test func everyShippedScenarioIsCoveredHere() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.folder.path)
            .filter { $0.hasSuffix(".toml") }.map { String($0.dropLast(5)) }.sorted()
        #expect(names == ["ack-batching", "at-most-once-crash", "broker-crash-durable", "broker-crash-transient", "dedup-window",
                          "idempotent-not-ordered", "in-process-exactly-once", "lost-ack-duplicate", "partition-heal",
                          "redelivery-order", "requeue-on-disconnect", "slow-consumer-storm", "window-of-doubt-traps"])
    }

    @Test func aCrashWithFiftyAcksUnsentMakesFiftyDuplicates() throws {
        let s = try Self.run("ack-batching")
        let l = Self.lanes(s)
        #expect(l[.atLeastOnce]!.duplicateEffects == 50)
        #expect(l[.effectivelyOnce]!.duplicatesSuppressed == 50 && l[.effectivelyOnce]!.duplicateEffects == 0)
        #expect(l[.atMostOnce]!.duplicateEffects == 0 && l[.atMostOnce]!.lost == 0)
        #expect(!s.anyFailed)
    }

    /// The requeue scenario as shipped, or JetStream's way: when the first duplicate
    /// effect came, and the at-least-once lane's slowest first effect.
    private func requeueStory(requeue: Bool) throws -> (firstDuplicate: Micros, latencyMax: Micros, duplicates: Int) {
        let url = Self.folder.appendingPathComponent("requeue-on-disconnect.toml")
        var scenario = try ScenarioFile.parse(text: try String(contentsOf: url, encoding: .utf8), fileName: url.path).resolved()
        scenario.settings.requeueOnDisconnect = requeue
        var sim = Timeline(settings: scenario.settings, actions: scenario.timeline, recording: EventFilter([.applied]))
        let summary = sim.runToEnd()
        let alo = try #require(sim.lanes.firstIndex { $0.mode == .atLeastOnce })
        let again = sim.takeEvents().filter { $0.lane == alo && $0.event.count > 1 }
        let first = try #require(again.first, "no duplicate effect")
        return (first.event.atMicros, summary.lanes[alo].latencyMaxMicros, summary.lanes[alo].counters.duplicateEffects)
    }

    @Test func requeueOnDisconnectBringsTheDuplicatesAtOnceAndTheLatencyDown() throws {
        let crash = Duration.seconds(5)
        let ackTimeout = Duration.seconds(5)
        let rabbit = try requeueStory(requeue: true)
        let jetstream = try requeueStory(requeue: false)
        #expect(rabbit.duplicates == jetstream.duplicates && rabbit.duplicates > 0, "the same crash, the same duplicates")
        #expect(rabbit.firstDuplicate - crash < 100_000, "requeued at once: \(rabbit.firstDuplicate)")
        #expect(jetstream.firstDuplicate - crash > ackTimeout - 1_000_000, "after the ack deadline: \(jetstream.firstDuplicate)")
        #expect(rabbit.latencyMax < ackTimeout / 2)
        #expect(jetstream.latencyMax > ackTimeout - 1_000_000)
    }

    @Test func idempotentCatchesTheDuplicateButNotTheStaleWrite() throws {
        let s = try Self.run("idempotent-not-ordered")
        let l = Self.lanes(s)
        let stale = Dictionary(uniqueKeysWithValues: s.lanes.map { ($0.mode, $0.staleKeys) })
        #expect(l[.atLeastOnce]!.duplicateEffects > 0)
        #expect(l[.idempotent]!.duplicateEffects == 0 && l[.idempotent]!.duplicatesSuppressed > 0)
        #expect(l[.idempotent]!.outOfOrder > 0 && stale[.idempotent]! > 0)
        #expect(l[.effectivelyOnce]!.outOfOrder == 0 && stale[.effectivelyOnce]! == 0)
        #expect(!s.anyFailed)
    }

    @Test func inProcessAppliesEachMessageOnceThroughEveryFault() throws {
        let s = try Self.run("in-process-exactly-once")
        let l = Self.lanes(s)
        #expect(l[.atLeastOnce]!.duplicateEffects > 0)
        #expect(l[.effectivelyOnce]!.duplicateDeliveries > 0 && l[.effectivelyOnce]!.duplicateEffects == 0)
        #expect(l[.inProcess]!.duplicateDeliveries == 0 && l[.inProcess]!.duplicateEffects == 0)
        #expect(l[.inProcess]!.lost == 0 && l[.inProcess]!.duplicatesSuppressed > 0)
        #expect(!s.anyFailed)
    }

    @Test func atMostOnceLosesOnAConsumerCrash() throws {
        let s = try Self.run("at-most-once-crash")
        let l = Self.lanes(s)
        #expect(l[.atMostOnce]!.lost > 0)
        #expect(l[.atLeastOnce]!.lost == 0 && l[.atLeastOnce]!.redelivered > 0)
        #expect(l[.effectivelyOnce]!.lost == 0)
        #expect(!s.anyFailed)
    }

    @Test func aLostAckBecomesADuplicate() throws {
        let l = Self.lanes(try Self.run("lost-ack-duplicate"))
        #expect(l[.atLeastOnce]!.duplicateEffects > 0)
        #expect(l[.effectivelyOnce]!.duplicateEffects == 0 && l[.effectivelyOnce]!.duplicatesSuppressed > 0)
        #expect(l[.atMostOnce]!.duplicateEffects == 0 && l[.atMostOnce]!.redelivered == 0)
    }

    @Test func aSlowConsumerCausesARedeliveryStorm() throws {
        let l = Self.lanes(try Self.run("slow-consumer-storm"))
        #expect(l[.atLeastOnce]!.redelivered >= 100)
        #expect(l[.atLeastOnce]!.duplicateEffects > 0)
        #expect(l[.effectivelyOnce]!.duplicateEffects == 0 && l[.effectivelyOnce]!.duplicatesSuppressed > 0)
        #expect(l[.atMostOnce]!.redelivered == 0)
    }

    @Test func brokerCrashDurableKeepsTransientLoses() throws {
        let durable = Self.lanes(try Self.run("broker-crash-durable"))
        let transient = Self.lanes(try Self.run("broker-crash-transient"))
        #expect(durable[.atLeastOnce]!.lost == 0 && durable[.effectivelyOnce]!.lost == 0)
        #expect(transient[.atLeastOnce]!.lost > 50 && transient[.effectivelyOnce]!.lost > 50)
        #expect(transient[.atMostOnce]!.lost > durable[.atMostOnce]!.lost)
    }

    @Test func dedupWindowHidesRetriesUntilItExpires() throws {
        let url = Self.folder.appendingPathComponent("dedup-window.toml")
        let scenario = try ScenarioFile.parse(text: try String(contentsOf: url, encoding: .utf8), fileName: url.path).resolved()
        // Up to 12s only the short outage (inside the window) has happened: caught, no duplicate.
        var early = scenario
        early.settings.durationMicros = 12_000_000
        early.timeline = early.timeline.filter { $0.atMicros <= 12_000_000 }
        let e = Self.lanes(early.experiment.run())
        #expect(e[.atLeastOnce]!.duplicatesSuppressed > 0 && e[.atLeastOnce]!.duplicateEffects == 0)
        // The long outage outlasts the window: duplicates get through at-least-once.
        let l = Self.lanes(scenario.experiment.run())
        #expect(l[.atLeastOnce]!.duplicateEffects > 0)
        #expect(l[.effectivelyOnce]!.duplicateEffects == 0)
        #expect(l[.atMostOnce]!.lost > 0 && l[.atMostOnce]!.duplicateEffects == 0)
    }

    @Test func partitionAndHeal() throws {
        let l = Self.lanes(try Self.run("partition-heal"))
        #expect(l[.atMostOnce]!.lost > 0)
        #expect(l[.atLeastOnce]!.lost == 0 && l[.atLeastOnce]!.redelivered > 0)
    }

    @Test func redeliveryBreaksPerKeyOrder() throws {
        let l = Self.lanes(try Self.run("redelivery-order"))
        #expect(l[.atLeastOnce]!.outOfOrder > 0)
        #expect(l[.effectivelyOnce]!.outOfOrder == 0)
        #expect(l[.atMostOnce]!.outOfOrder == 0 && l[.atMostOnce]!.lost > 0)
    }

    @Test func windowOfDoubtTraps() throws {
        let l = Self.lanes(try Self.run("window-of-doubt-traps"))
        #expect(l[.atLeastOnce]!.duplicateEffects == 1 && l[.atLeastOnce]!.lost == 0)
        #expect(l[.atMostOnce]!.lost == 1 && l[.atMostOnce]!.duplicateEffects == 0)
        #expect(l[.effectivelyOnce]!.duplicatesSuppressed == 1)
    }
}
