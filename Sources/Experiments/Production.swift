import DeliverySim

/// When production ends: at `duration`, after `messages`, or whichever comes first.
///
/// `messages` without `duration` means exactly that many messages however long they take
/// (`Settings.unlimitedMicros`); the headless run then drains once every lane has produced
/// them, and says in its table and JSON which limit ended production.
extension Settings {
    /// Whether production has no time limit (only `messages` ends it).
    public var productionUnlimited: Bool { durationMicros >= Settings.unlimitedMicros }

    /// What ends production, for a table's first line: `60s virtual`, or `100000 messages,
    /// no time limit`.
    public var productionText: String {
        guard productionUnlimited else { return "\(Format.duration(durationMicros)) virtual" }
        return messageLimit.map { "\($0) messages, no time limit" } ?? "no time limit"
    }
}

extension Experiment {
    /// With `messages` and no time limit: whether every lane has produced them all.
    func productionEndedByMessages(_ lanes: [Lane]) -> Bool {
        guard settings.productionUnlimited, let n = settings.messageLimit else { return false }
        return lanes.allSatisfy { $0.produced >= n }
    }

    /// The faults `crash_every` and `chaos` add. Without a time limit, `chaos` draws over
    /// the first 60s (as in the dashboard) and `crash_every` goes on for twice the time the
    /// messages take at the set rate, plus 60s (the run drains once they are produced, so
    /// later crashes are never applied; a run slowed down more than that stops crashing).
    var generatedFaults: [TimedAction] {
        guard settings.productionUnlimited else { return FaultSchedule.generated(settings) }
        var crashes = settings
        crashes.chaos = false
        let messages = Double(settings.messageLimit ?? 0)
        let expectedSeconds = messages / (settings.ratePerSecond * Double(max(1, settings.producers)))
        crashes.durationMicros = Micros(min(2 * expectedSeconds + 60, Double(UnitParse.durationMaxMicros) / 1e6) * 1e6)
        var chaos = settings
        chaos.crashEveryMicros = 0
        chaos.durationMicros = Settings().durationMicros
        return FaultSchedule.generated(crashes) + FaultSchedule.generated(chaos)
    }
}

extension Summary {
    /// Which limit ended production: "messages" when every lane produced `messages`, else
    /// "duration"; nil when the run was stopped while producing.
    public var productionEndedBy: String? {
        if let interruption, !interruption.draining { return nil }
        if let n = settings.messageLimit, lanes.allSatisfy({ $0.produced >= n }) { return "messages" }
        return "duration"
    }
}
