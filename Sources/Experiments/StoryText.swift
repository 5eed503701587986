import DeliverySim

/// A piece of a story line and how it is shown: the dashboard maps the style to a theme
/// role, `ackscope trace` prints the text, the SVG picks a colour.
public struct StorySpan: Equatable, Sendable {
    public var text: String
    public var style: StoryStyle
    public init(_ text: String, _ style: StoryStyle) {
        self.text = text
        self.style = style
    }
}

public enum StoryStyle: Equatable, Sendable {
    case text, dim, title, time
    /// A drop, a loss: the message went missing here.
    case drop
    case effect
    /// A second effect: the damage.
    case duplicate
    case suppressed
    /// The window of doubt: delivered, ack not yet at the broker.
    case doubt
    case redelivery
    case fault
    /// The row where the lanes' fates part.
    case parting
}

/// One line of a story: spans left to right.
public struct StoryLine: Equatable, Sendable {
    public var spans: [StorySpan]
    public init(_ spans: [StorySpan] = []) { self.spans = spans }
    public init(_ text: String, _ style: StoryStyle = .text) { spans = [StorySpan(text, style)] }
    public var plain: String { spans.map(\.text).joined() }
}

/// The story's glyphs: Unicode, or ASCII where the terminal cannot show it.
public struct StoryGlyphs: Sendable {
    public var line, lifeline, doubt, down, arrowRight, arrowLeft, drop, effect, effectAgain, suppressed, deadLetter: String
    public var crash, restart, partition, otherFault, covered, arrived, onWire, crossing: String
    /// A lane without this hop; the row where the fates part; between items of a line.
    public var absent, parting, separator: String

    public static let unicode = StoryGlyphs(
        line: "─", lifeline: "│", doubt: "┃", down: "┊", arrowRight: "▶", arrowLeft: "◀", drop: "✗", effect: "●",
        effectAgain: "◉", suppressed: "⊘", deadLetter: "■", crash: "✸", restart: "↺", partition: "╳", otherFault: "◇",
        covered: "┄", arrived: "✓", onWire: "…", crossing: "┼", absent: "·", parting: "◆", separator: " · ")
    public static let ascii = StoryGlyphs(
        line: "-", lifeline: "|", doubt: "#", down: ":", arrowRight: ">", arrowLeft: "<", drop: "X", effect: "o",
        effectAgain: "@", suppressed: "/", deadLetter: "D", crash: "*", restart: "^", partition: "x", otherFault: "~",
        covered: ".", arrived: "ok", onWire: "...", crossing: "+", absent: ".", parting: "!", separator: " - ")
}

/// The words of a story: one sentence per step, in the vocabulary of the event stream.
public enum StoryWords {
    /// Virtual time to the microsecond: `1.759677s`.
    public static func time(_ micros: Micros) -> String { Format.fixed(micros, decimals: 6) + "s" }

    /// Columns for a time column holding these times: at least two blanks before the
    /// longest, so a mark in front of it never touches it (11 up to 9.999999s).
    public static func timeColumn(_ times: [Micros]) -> Int { max(11, (times.map { time($0).count }.max() ?? 0) + 2) }

    /// What happened at this step, as a student would read it aloud.
    public static func sentence(_ s: StoryStep, of message: MessageID, mode: Mode, settings: Settings) -> String {
        let who = s.node?.short ?? "?"
        switch s.kind {
        case .packet(.publish):
            var text = s.attempt == 1 ? "published by \(who) (publish 1)"
                : "published again by \(who) (publish \(s.attempt), "
                    + (s.cause == .restart ? "after its restart)" : "no confirm within \(Format.duration(settings.confirmTimeoutMicros)))")
            switch s.outcome {
            case .arrived: text += "; arrived at the broker" + (s.arrivals.count > 1 ? " twice (the network duplicated it)" : "")
            case .dropped: text += "; dropped " + dropWhere(s.cause, s.node)
            case .onWire, .covered: text += "; on the wire"
            }
            return text + copyWords(s)
        case .packet(.confirm):
            switch s.outcome {
            case .arrived: return "confirmed to \(who) (publish \(s.attempt))"
            case .dropped: return "confirm of publish \(s.attempt) to \(who) dropped " + dropWhere(s.cause, s.node)
            case .onWire, .covered: return "confirm of publish \(s.attempt) to \(who) on the wire"
            }
        case .packet(.deliver):
            var text = s.attempt == 1 ? "delivered to \(who) (delivery 1)" : "redelivered to \(who) (delivery \(s.attempt))"
            let before = s.reasonNode?.short ?? "its consumer"
            switch s.reason {
            case .deadline: text += " after the ack deadline"
            case .requeue: text += ", requeued at once when \(before)'s connection closed"
            case .rollback: text += " after \(before)'s crash rolled it back"
            case .brokerRestart: text += " after the broker restarted"
            case .none: break
            }
            switch s.outcome {
            case .arrived where s.again: text += "; a consumer had received it before: a duplicate delivery" + twice(s)
            case .arrived: text += twice(s)
            case .dropped: text += "; dropped " + dropWhere(s.cause, s.node)
            case .onWire, .covered: text += "; on the wire"
            }
            return text + copyWords(s)
        case .packet(.ack):
            switch s.outcome {
            case .arrived where mode.consumersInProcess:
                return "acked by \(who) (delivery \(s.attempt)) in the same atomic step as the effect: no network between"
            case .arrived: return "acked by \(who) (delivery \(s.attempt))"
            case .covered: return "ack of delivery \(s.attempt) left inside \(who)'s cumulative ack of \(MessageID(raw: s.other))"
            case .dropped where s.neverSent:
                return "\(who) crashed before its ack of delivery \(s.attempt) left" + (s.again ? "; requeued at once" : "")
            case .dropped: return "ack of delivery \(s.attempt) from \(who) dropped " + dropWhere(s.cause, s.node)
            case .onWire: return "ack of delivery \(s.attempt) from \(who) on the wire"
            }
        case .packet(.credit):
            let base = "\(who) freed its prefetch slot (auto-ack: the broker forgot it when it sent it)"
            return s.outcome == .dropped ? base + "; the credit was dropped " + dropWhere(s.cause, s.node) : base
        case .packet(.none):
            return ""
        case .applied:
            var text = s.count <= 1 ? "applied by \(who) (first effect)" : "applied AGAIN by \(who): effect \(s.count), a duplicate"
            if s.other > 0 {
                text += "; out of order: \(MessageID(producer: message.producer, seq: s.other)) of its key was applied before"
            }
            return text
        case .suppressed:
            switch s.cause {
            case .dedupWindow: return "publish \(s.attempt) suppressed by the broker's dedup window"
            case .storeKey: return "publish \(s.attempt) already in the broker's store (keyed by message id)"
            default: return "suppressed by the idempotency record at \(who): not applied again"
            }
        case .lost:
            return "LOST: never applied; the last copy went when " + lostBecause(s.cause, node: s.node, settings: settings)
        case .discarded:
            return "DISCARDED: never applied; " + lostBecause(s.cause, node: s.node, settings: settings)
        case .deadLettered:
            return "dead-lettered after \(s.attempt) deliveries"
        case .trap:
            return trap(cause: s.cause, node: s.node, again: s.again, redeliveryAt: s.count, mode: mode, settings: settings)
        case .fault:
            return "fault: " + (s.action?.description ?? "?")
        }
    }

    /// Where a packet fell.
    public static func dropWhere(_ cause: SimEvent.Cause, _ node: Node?) -> String {
        switch cause {
        case .partition: "by a partition"
        case .brokerDown: "at the crashed broker"
        case .consumerDown: "at \(node?.short ?? "?"), which was down"
        case .consumerCrash: "in \(node?.short ?? "?")'s crash"
        default: "on the wire"
        }
    }

    static func twice(_ s: StoryStep) -> String {
        s.arrivals.count > 1 ? "; arrived twice (the network duplicated it)" : ""
    }

    static func copyWords(_ s: StoryStep) -> String {
        s.copyDropped.map { "; a copy the network made of it was dropped " + dropWhere($0, s.node) } ?? ""
    }

    /// How the last copy of a message went (the end of "the last copy went when …").
    public static func lostBecause(_ cause: SimEvent.Cause, node: Node?, settings: Settings) -> String {
        let who = node?.short ?? "?"
        switch cause {
        case .partition: return "a partition cut it off on the wire"
        case .publishLost: return "its publish was lost on the wire"
        case .brokerDown: return "it reached a crashed broker"
        case .autoAck: return "its delivery was lost and the broker had already forgotten it (auto-ack)"
        case .consumerDown: return "its delivery reached \(who) while it was down"
        case .consumerCrash: return "\(who) crashed holding it"
        case .brokerCrash: return "the transient broker crashed with it in memory"
        case .backlogFull: return "the broker's backlog was full (\(settings.maxBacklog) messages) and it refused the publish"
        case .dropHead: return "the broker's backlog was full and it dropped the oldest ready message (drop-head)"
        case .cumulativeAck: return "a cumulative ack had covered a delivery of it that never reached its consumer"
        default: return "the last node holding it let it go"
        }
    }

    /// An armed window-of-doubt crash that fired (`again`: the message was acked already;
    /// `redeliveryAt`: when the broker will redeliver, 0 when unknown or requeued).
    public static func trap(cause: SimEvent.Cause, node: Node?, again: Bool, redeliveryAt: Int64, mode: Mode,
                            settings: Settings) -> String {
        let who = node?.short ?? "?"
        if mode.consumersInProcess {
            return cause == .trapAfterAck
                ? "\(who) crashed before its commit: neither the effect nor the ack happened"
                : "\(who) crashed after its commit: the effect and the ack happened together"
        }
        if cause == .trapAfterAck {
            return again ? "\(who) crashed after the ack (auto-ack) and before the effect"
                         : "\(who) crashed before the effect; not acked yet, so the broker still has it"
        }
        if again { return "\(who) crashed after the effect; the broker had forgotten it already" }
        let base = "\(who) crashed after the effect, before the ack"
        if redeliveryAt > 0 { return base + "; redelivery due " + Format.seconds(redeliveryAt) }
        return settings.requeueOnDisconnect ? base + "; requeued at once" : base
    }
}
