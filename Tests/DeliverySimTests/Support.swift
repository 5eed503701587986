import Testing
@testable import DeliverySim

/// A quiet, fault-free, one-producer one-consumer world where each story sets only what it
/// is about: no loss, fixed 1ms latency, 1ms processing.
func storySettings(messages: Int = 1, consumers: Int = 1) -> Settings {
    var s = Settings()
    s.seed = 42
    s.messageLimit = messages
    s.durationMicros = Duration.seconds(30)
    s.consumers = consumers
    s.ratePerSecond = 10
    s.lossPerMillion = 0
    s.latencyMicrosMin = 1_000
    s.latencyMicrosMax = 1_000
    s.processingMicrosMean = 1_000
    return s
}

/// Runs a timeline to the end (with drain) and returns the lanes by mode.
///
/// A lane that broke an invariant is a failure of the calling test, reported at its line;
/// the other tests go on (a `precondition` here stopped the whole test run).
func run(_ s: Settings, _ timeline: [TimedAction] = [],
         sourceLocation: SourceLocation = #_sourceLocation) -> [Mode: Summary.LaneSummary] {
    var sim = Timeline(settings: s, actions: timeline, checkEveryEvent: true)
    let summary = sim.runToEnd()
    for lane in sim.lanes {
        if let violation = lane.violation {
            Issue.record("\(lane.mode): \(violation)", sourceLocation: sourceLocation)
        }
    }
    var out: [Mode: Summary.LaneSummary] = [:]
    for lane in summary.lanes { out[lane.mode] = lane }
    return out
}

func check(_ lane: Summary.LaneSummary, _ name: String) -> CheckStatus? {
    lane.checks.first { $0.name == name }?.status
}
