/// A notable event of one lane, in the words of the window of doubt.
///
/// The dashboard's event log shows these; only faults, redeliveries, duplicates, losses,
/// dead letters and order breaks are notable, never the ordinary traffic.
public struct Notable: Equatable, Sendable {
    public enum Kind: String, Sendable {
        case fault, redelivery, duplicateDelivery, duplicateEffect, suppressed, lost, deadLettered, discarded
        case outOfOrder, ackDropped, confirmDropped, retry, crashTrap
    }
    public var atMicros: Micros
    public var kind: Kind
    public var message: MessageID?
    public var node: Node?
    /// The rest of the sentence, already in plain words.
    public var text: String

    public init(atMicros: Micros, kind: Kind, message: MessageID?, node: Node?, text: String) {
        self.atMicros = atMicros
        self.kind = kind
        self.message = message
        self.node = node
        self.text = text
    }

    /// The full line as the event log shows it (without the lane, which the caller adds).
    public var line: String {
        var s = Format.seconds(atMicros)
        if let message { s += " " + message.description + ":" }
        s += " " + text
        return s
    }
}
