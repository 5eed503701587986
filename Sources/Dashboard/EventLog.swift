import DeliverySim
import Experiments

/// The event log's reading of the typed event stream: which events are worth a line, and
/// the line's words. Only faults, redeliveries, duplicates, losses, dead letters and order
/// breaks are notable, never the ordinary traffic.
public enum LogKind: String, Sendable, Hashable {
    case fault, redelivery, duplicateDelivery, duplicateEffect, suppressed, lost, deadLettered, discarded
    case outOfOrder, ackDropped, confirmDropped, retry, crashTrap

    /// The plural, for a line that stands for many ("… and 12 more dropped acks").
    var plural: String {
        switch self {
        case .fault: "faults"
        case .redelivery: "redeliveries"
        case .duplicateDelivery: "duplicate deliveries"
        case .duplicateEffect: "duplicate effects"
        case .suppressed: "suppressed duplicates"
        case .lost: "losses"
        case .deadLettered: "dead letters"
        case .discarded: "discarded messages"
        case .outOfOrder: "out-of-order effects"
        case .ackDropped: "dropped acks"
        case .confirmDropped: "dropped confirms"
        case .retry: "producer retries"
        case .crashTrap: "trap crashes"
        }
    }
}

/// A notable event in words: its kind, and the sentence after the time and the lanes.
struct Narration {
    let settings: Settings

    func line(_ e: SimEvent, mode: Mode) -> (LogKind, String)? {
        // Most events make no line: their words are built only once a case matches.
        var id: String { e.message.map { $0.description + ": " } ?? "" }
        var who: String { e.node?.short ?? "?" }
        switch e.kind {
        case .fault:
            return e.action.map { (.fault, $0.description) }
        case .redelivered:
            return (.redelivery, id + "redelivered to \(who) (delivery \(e.attempt))")
        case .arrived where e.again && e.hop == .deliver:
            return (.duplicateDelivery, id + "delivered again, now to \(who): a consumer already had it")
        case .applied where e.count > 1:
            return (.duplicateEffect, id + "effect applied again by \(who) (\(e.count) times now)")
        case .applied where e.other > 0 && (e.attempt > 1 || e.count > 1):
            // Logged when a redelivery caused it; competing consumers also reorder now and
            // then, which the counter includes but the log would drown in.
            let newer = MessageID(producer: e.message?.producer ?? 0, seq: e.other)
            return (.outOfOrder, id + "applied by \(who) after \(newer) of the same key: out of order")
        case .suppressed:
            switch e.cause {
            case .dedupWindow: return (.suppressed, id + "re-published copy dropped by the broker's dedup window")
            case .storeKey: return (.suppressed, id + "re-published copy already in the broker's store (keyed by message id)")
            default: return (.suppressed, id + "duplicate caught by the idempotency record at \(who); effect not applied again")
            }
        case .lost:
            return (.lost, id + "LOST: never applied; the last copy went when " + StoryWords.lostBecause(e.cause, node: e.node, settings: settings))
        case .discarded:
            return (.discarded, id + "DISCARDED: never applied; " + StoryWords.lostBecause(e.cause, node: e.node, settings: settings))
        case .deadLettered:
            return (.deadLettered, id + "dead-lettered after \(e.attempt) deliveries")
        case .dropped where e.hop == .ack && mode.acksAfterProcessing && e.cause == .consumerCrash:
            // The seed's case: the effect is done, the ack had not left when the crash came.
            var text = id + "applied by \(who), but \(who) crashed before its ack left"
            if e.again { text += "; requeued at once" } else if e.count > 0 { text += "; redelivery due " + Format.seconds(e.count) }
            return (.ackDropped, text)
        case .dropped where e.hop == .ack && mode.acksAfterProcessing:
            var text = id + "ack from \(who) dropped (\(dropWords(e)))"
            if e.count > 0 { text += "; redelivery due " + Format.seconds(e.count) }
            return (.ackDropped, text)
        case .dropped where e.hop == .confirm:
            return (.confirmDropped, id + "confirm to \(who) dropped (\(dropWords(e))); it will publish again")
        case .published where e.attempt > 1:
            let producer = e.node?.short ?? "?"
            return e.cause == .restart
                ? (.retry, id + "\(producer) restarted; it publishes it again")
                : (.retry, id + "no confirm within \(Format.duration(settings.confirmTimeoutMicros)); \(producer) publishes it again")
        case .trapFired:
            return (.crashTrap, id + StoryWords.trap(cause: e.cause, node: e.node, again: e.again, redeliveryAt: e.count, mode: mode, settings: settings))
        default:
            return nil
        }
    }

    private func dropWords(_ e: SimEvent) -> String {
        switch e.cause {
        case .partition: "\(e.node?.short ?? "?") partitioned"
        case .proxy: "by the fault proxy"
        default: "lost on the wire"
        }
    }
}

/// The event log's flood limit, shared by the simulated and the real dashboards: at most
/// three lines of a kind per lane per second; the rest are counted into one summary line.
struct LogFlood: Sendable {
    struct Key: Hashable, Sendable {
        var kind: LogKind
        var modes: [Mode]
    }

    /// The lines of one collection: those shown, and per kind and lanes how many were only counted.
    struct Batch {
        var fresh: [App.LogLine] = []
        var skipped: [Key: (count: Int, at: Micros, order: Int)] = [:]
    }

    /// Lines shown per kind and lane in the current second.
    private var linesThisSecond: [Key: (second: Micros, count: Int)] = [:]

    /// Adds a one-lane line to the batch, or counts it when its kind and lane had three this second.
    mutating func offer(_ line: App.LogLine, into batch: inout Batch) {
        let key = Key(kind: line.kind, modes: line.modes)
        let second = line.atMicros / 1_000_000
        let shown = linesThisSecond[key].flatMap { $0.second == second ? $0.count : nil } ?? 0
        if shown < 3 {
            linesThisSecond[key] = (second, shown + 1)
            batch.fresh.append(line)
        } else {
            let old = batch.skipped[key]
            batch.skipped[key] = ((old?.count ?? 0) + 1, line.atMicros, old?.order ?? batch.skipped.count)
        }
    }

    /// Files a batch into the log: summaries for what was counted, time order, the same
    /// words at the same instant in several lanes merged, floods folded, the length bounded.
    static func file(_ batch: Batch, into log: inout [App.LogLine], unicode: Bool) {
        var fresh = batch.fresh
        for (key, v) in batch.skipped.sorted(by: { $0.value.order < $1.value.order }) {
            fresh.append(App.LogLine.summary(modes: key.modes, kind: key.kind, count: v.count, at: v.at, unicode: unicode))
        }
        guard !fresh.isEmpty else { return }
        // Stable by time, so lanes interleave the way things happened.
        let ordered = fresh.enumerated().sorted { a, b in
            a.element.atMicros < b.element.atMicros || (a.element.atMicros == b.element.atMicros && a.offset < b.offset)
        }.map(\.element)
        // The same thing in several lanes at the same instant is one line naming them all.
        var merged: [App.LogLine] = []
        for line in ordered {
            if !line.modes.isEmpty, let k = merged.lastIndex(where: { !$0.modes.isEmpty && $0.words == line.words && $0.kind == line.kind }),
               merged[k].atMicros == line.atMicros {
                merged[k].modes += line.modes
            } else {
                merged.append(line)
            }
        }
        // A flood (a crashed broker at high speed, a full backlog) would push everything else
        // off the log: a summary line is folded into a recent summary of the same kind and
        // lanes, which moves to the end with the newer time, whatever came between.
        for line in merged {
            if let count = line.summaryCount,
               let k = log.indices.suffix(App.foldWindow).last(where: { log[$0].summaryCount != nil && log[$0].kind == line.kind && log[$0].modes == line.modes }) {
                let folded = App.LogLine.summary(modes: line.modes, kind: line.kind, count: log[k].summaryCount! + count, at: line.atMicros,
                                                 unicode: unicode)
                log.remove(at: k)
                log.append(folded)
            } else {
                log.append(line)
            }
        }
        if log.count > App.logLength { log.removeFirst(log.count - App.logLength) }
    }
}
