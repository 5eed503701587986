import DeliverySim

/// A dashboard session written as a scenario file (`ackscope --record FILE`).
///
/// The file holds the session's settings with production ending when the session did (or
/// at `--duration`, then `stop_at` says when the session ended), `drain = false`, and every
/// applied action with its virtual time: keys, the scenario's actions and the faults that
/// `--crash-every`/`--chaos` generated. The generators are switched off in the file, since
/// their actions are written out; so `ackscope run --scenario FILE` replays exactly.
public enum Recording {
    /// - Parameters:
    ///   - session: settings the replay needs (`App.sessionSettings`).
    ///   - original: the settings the session ran with (to name the generators it used).
    ///   - actions: every applied action in order (`Timeline.applied`).
    ///   - origins: where each came from (key, scenario, crash-every, chaos), same order.
    public static func text(session: Settings, original: Settings, actions: [TimedAction], origins: [String],
                            stopAtMicros: Micros?, endedAtMicros: Micros, scenarioTitle: String?,
                            view: DashboardView? = nil) -> String {
        let n = actions.count
        var explanation = "A dashboard session recorded at quit: \(n) action\(n == 1 ? "" : "s") over \(Format.seconds(endedAtMicros)) of virtual time"
        if let scenarioTitle { explanation += ", playing the scenario \"\(scenarioTitle)\"" }
        explanation += ". Replaying it headless gives the numbers the session showed at quit."
        var preamble = [
            "Recorded by `ackscope --record` at virtual time \(Format.seconds(endedAtMicros)), seed \(session.seed).",
            "Replay: ackscope run --scenario THIS_FILE --json -   (the JSON the session's --json wrote, byte for byte)",
        ]
        var generators: [String] = []
        if original.crashEveryMicros > 0 {
            generators.append("--crash-every \(Format.duration(original.crashEveryMicros)) --crash-for \(Format.duration(original.crashForMicros))")
        }
        if original.chaos { generators.append("--chaos") }
        if !generators.isEmpty {
            preamble.append("The session ran with \(generators.joined(separator: " ")); those faults are written out below as actions.")
        }
        let scenario = Scenario(title: scenarioTitle.map { "Recording: " + $0 } ?? "Recorded dashboard session",
                                explanation: explanation, settings: session, timeline: actions, stopAtMicros: stopAtMicros,
                                view: view)
        return scenario.tomlText(preamble: preamble, comments: origins.map { "from " + $0 })
    }
}
