import DeliverySim

/// The words of the progress line a long headless run shows on a terminal.
///
/// Pure text from where the run is and how long it has taken; the command line decides
/// whether and when to show it (stderr, a terminal, at most once a second).
public enum ProgressText {
    /// `virtual 12.5s of 3600s (0.3%) · 6250 messages · 5000 msg/s · 11m58s left`; while
    /// draining, `draining at virtual 3612s · …` (a drain's end is not known in advance).
    ///
    /// Without a time limit (`messages` alone), progress is counted in messages:
    /// `virtual 12.50s · 6250 of 100000 messages (6.2%) · 5000 msg/s · 3m07s left`.
    public static func run(_ p: RunProgress, wallNanos: UInt64, messageLimit: Int? = nil) -> String {
        let wallMillis = Int64(wallNanos / 1_000_000)
        if p.phase != .drain, p.endMicros >= Settings.unlimitedMicros, let limit = messageLimit {
            return byMessages(p, limit: limit, wallMillis: wallMillis)
        }
        var parts: [String] = []
        if p.phase == .drain {
            parts.append("draining at virtual " + virtual(p.atMicros))
        } else {
            let permille = p.endMicros > 0 ? Int64((Double(p.atMicros) / Double(p.endMicros) * 1_000).rounded(.down)) : 0
            parts.append("virtual \(virtual(p.atMicros)) of \(virtual(p.endMicros)) (\(Format.fixed(min(permille, 1_000), decimals: 1))%)")
        }
        parts.append("\(p.produced) messages")
        if wallMillis > 0 { parts.append("\(Int64(p.produced) * 1_000 / wallMillis) msg/s") }
        if p.phase != .drain, p.atMicros > 0, wallMillis > 0, p.endMicros > p.atMicros {
            // Virtual time per wall time so far, applied to what is left.
            let leftSeconds = Double(p.endMicros - p.atMicros) / Double(p.atMicros) * Double(wallMillis) / 1_000
            parts.append(duration(seconds: leftSeconds) + " left")
        }
        return parts.joined(separator: " · ")
    }

    private static func byMessages(_ p: RunProgress, limit: Int, wallMillis: Int64) -> String {
        let permille = Int64((Double(p.produced) / Double(max(1, limit)) * 1_000).rounded(.down))
        var parts = ["virtual " + virtual(p.atMicros),
                     "\(p.produced) of \(limit) messages (\(Format.fixed(min(permille, 1_000), decimals: 1))%)"]
        if wallMillis > 0 { parts.append("\(Int64(p.produced) * 1_000 / wallMillis) msg/s") }
        if p.produced > 0, wallMillis > 0, limit > p.produced {
            parts.append(duration(seconds: Double(limit - p.produced) / Double(p.produced) * Double(wallMillis) / 1_000) + " left")
        }
        return parts.joined(separator: " · ")
    }

    /// `compare: 37 of 100 runs · 1m12s left`.
    public static func compare(finished: Int, total: Int, wallNanos: UInt64) -> String {
        var text = "compare: \(finished) of \(total) runs"
        if finished > 0, total > finished {
            let leftSeconds = Double(wallNanos) / 1e9 / Double(finished) * Double(total - finished)
            text += " · " + duration(seconds: leftSeconds) + " left"
        }
        return text
    }

    /// Virtual time: two decimals under 100 s, whole seconds above (`12.35s`, `3600s`).
    static func virtual(_ micros: Micros) -> String {
        micros < 100_000_000 ? Format.seconds(micros) : "\(micros / 1_000_000)s"
    }

    /// A wall-clock estimate in its two largest units: `45s`, `4m05s`, `2h13m`, `3d04h`;
    /// `more than 99999d` past what is worth saying.
    public static func duration(seconds: Double) -> String {
        guard seconds.isFinite, seconds < 99_999 * 86_400 else { return "more than 99999d" }
        let s = Int64(max(0, seconds.rounded(.up)))
        func two(_ n: Int64) -> String { n < 10 ? "0\(n)" : "\(n)" }
        if s < 60 { return "\(s)s" }
        if s < 3_600 { return "\(s / 60)m" + two(s % 60) + "s" }
        if s < 86_400 { return "\(s / 3_600)h" + two(s % 3_600 / 60) + "m" }
        return "\(s / 86_400)d" + two(s % 86_400 / 3_600) + "h"
    }
}
