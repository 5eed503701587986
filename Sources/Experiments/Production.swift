import DeliverySim

/// When production ends: at `duration`, after `messages`, or whichever comes first.
///
/// `messages` without `duration` means exactly that many messages however long they take
/// (`Settings.unlimitedMicros`); the headless run then drains once every lane has produced
/// them, and says in its table and JSON which limit ended production.
extension Settings {
    /// What ends production, for a table's first line: `60s virtual`, or `100000 messages,
    /// no time limit`.
    public var productionText: String {
        guard productionUnlimited else { return "\(Format.duration(durationMicros)) virtual" }
        return messageLimit.map { "\($0) messages, no time limit" } ?? "no time limit"
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
