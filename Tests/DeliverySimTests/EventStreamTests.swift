import Testing
@testable import DeliverySim

/// The typed event stream: what a lane records, and in what order.
@Suite struct EventStreamTests {
    /// The first message's journey, lane by lane, as (kind, hop) pairs.
    static func journey(_ mode: Mode) -> [SimEvent] {
        var s = storySettings()
        s.modes = [mode]
        var world = Timeline(settings: s, recording: .everything)
        _ = world.runToEnd()
        return world.takeEvents().map(\.event).filter { $0.message == MessageID(producer: 0, seq: 1) }
    }

    @Test func atLeastOnceSendsAnAckAfterTheEffect() {
        let kinds = Self.journey(.atLeastOnce).map { "\($0.kind)/\($0.hop.name)" }
        #expect(kinds == ["published/publish", "arrived/publish", "confirmed/confirm", "delivered/deliver",
                          "arrived/confirm", "arrived/deliver", "applied/deliver", "acked/ack", "arrived/ack"])
    }

    @Test func inProcessCommitsTheEffectAndTheAckInOneStep() {
        let events = Self.journey(.inProcess)
        #expect(events.map { "\($0.kind)/\($0.hop.name)" } == ["published/publish", "arrived/publish", "confirmed/confirm",
                                                               "delivered/deliver", "arrived/deliver", "applied/deliver",
                                                               "acked/ack", "arrived/confirm"])
        let applied = events.first { $0.kind == .applied }, acked = events.first { $0.kind == .acked }
        #expect(applied != nil && applied?.atMicros == acked?.atMicros)
    }

    @Test func aLaneRecordsOnlyWhatWasAskedFor() {
        var s = storySettings(messages: 20)
        s.lossPerMillion = 100_000
        var quiet = Timeline(settings: s)
        _ = quiet.runToEnd()
        #expect(quiet.takeEvents().isEmpty)
        var some = Timeline(settings: s, recording: EventFilter([.dropped]))
        _ = some.runToEnd()
        let events = some.takeEvents()
        #expect(!events.isEmpty && events.allSatisfy { $0.event.kind == .dropped })
    }
}
