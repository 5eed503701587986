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
func run(_ s: Settings, _ timeline: [TimedAction] = []) -> [Mode: Summary.LaneSummary] {
    var sim = Timeline(settings: s, actions: timeline, checkEveryEvent: true)
    let summary = sim.runToEnd()
    for lane in sim.lanes {
        precondition(lane.violation == nil, "\(lane.mode): \(lane.violation!)")
    }
    var out: [Mode: Summary.LaneSummary] = [:]
    for lane in summary.lanes { out[lane.mode] = lane }
    return out
}

func check(_ lane: Summary.LaneSummary, _ name: String) -> CheckStatus? {
    lane.checks.first { $0.name == name }?.status
}
