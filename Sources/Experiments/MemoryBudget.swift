import DeliverySim

/// What a workload could hold in memory at its peak, so that a configuration the process
/// cannot hold is refused with a sentence before it starts, never ended by the allocator.
///
/// Every structure of a lane that grows with the workload is bounded by a knob (the
/// broker's backlog, the producers' outboxes, the consumers' prefetch, the wire by rate ×
/// latency); this sums those bounds with bytes per entry. The entry sizes are about twice
/// the structures' own, because peak RSS also holds what growing tables and queues double
/// into and what the allocator keeps: `run --rate 100000 --producers 64 --consumers 256
/// --prefetch 3000 --keys 10000 --duration 2s` was estimated at 370 MiB with half these
/// sizes and peaked at 720 MiB (release build).
public struct MemoryBudget: Sendable {
    public struct Term: Sendable {
        /// The flags that set this bound, as a user would write them.
        public var flags: String
        public var what: String
        public var bytes: Double
    }

    public var terms: [Term]
    public var totalBytes: Double { terms.reduce(0) { $0 + $1.bytes } }

    /// The most a run may plan to hold: well under a gigabyte with the rest of the process.
    public static let limitBytes: Double = 768 * 1_048_576

    static let bytesPerStored: Double = 440
    static let bytesPerHeld: Double = 240
    static let bytesPerUnconfirmed: Double = 320
    static let bytesPerPacket: Double = 240
    static let bytesPerDedupEntry: Double = 96

    public init(_ s: Settings) {
        let lanes = Double(max(1, s.modes.count))
        let retrying = Double(s.modes.filter(\.producerRetries).count)
        let autoAck = Double(s.modes.filter { !$0.acksAfterProcessing }.count)
        // A producer publishes at most one message per microsecond (the clock's grain).
        let perProducer = min(s.ratePerSecond, 1_000_000)
        let publishesPerSecond = Double(s.producers) * perProducer
        let wireSeconds = Double(max(s.latencyMicrosMax, 1)) / 1_000_000
        terms = [
            Term(flags: Self.flag(.maxBacklog, s), what: "messages stored by the broker",
                 bytes: lanes * Double(s.maxBacklog) * Self.bytesPerStored),
            Term(flags: Self.flag(.consumers, s) + " × " + Self.flag(.prefetch, s), what: "messages held by consumers",
                 bytes: autoAck * Double(s.consumers) * Double(s.prefetch) * Self.bytesPerHeld),
            Term(flags: Self.flag(.producers, s) + " × " + Self.flag(.maxUnconfirmed, s), what: "unconfirmed messages in producer outboxes",
                 bytes: retrying * Double(s.producers) * Double(s.maxUnconfirmed) * Self.bytesPerUnconfirmed),
            Term(flags: Self.flag(.producers, s) + " × " + Self.flag(.rate, s) + " × --\(Knob.latency.flag) max \(Format.duration(s.latencyMicrosMax))",
                 what: "packets on the wire", bytes: lanes * 2 * publishesPerSecond * wireSeconds * Self.bytesPerPacket),
            Term(flags: Self.flag(.producers, s) + " × " + Self.flag(.rate, s) + " × " + Self.flag(.dedupWindow, s),
                 what: "ids in the dedup window",
                 bytes: lanes * publishesPerSecond * Double(s.dedupWindowMicros) / 1_000_000 * Self.bytesPerDedupEntry),
        ]
    }

    /// A knob as a user writes it on the command line: `--prefetch 8`.
    static func flag(_ k: Knob, _ s: Settings) -> String {
        let text = "--\(k.flag) " + (k.get(s).map(k.commandText) ?? "")
        // A value the profile set, not the user: say where it came from.
        guard let profile = s.profile else { return text }
        var profiled = Settings()
        profile.apply(to: &profiled)
        return k.get(profiled) == k.get(s) && k.get(Settings()) != k.get(s) ? text + ", set by --profile \(profile.rawValue)" : text
    }

    /// A one-line reason to refuse the workload, or nil when it fits.
    public var problem: String? {
        guard totalBytes > Self.limitBytes, let top = terms.max(by: { $0.bytes < $1.bytes }) else { return nil }
        return "this workload could need about \(Self.text(totalBytes)) of memory, "
            + "\(Self.text(top.bytes)) of it for \(top.what) (\(top.flags)); "
            + "the limit is \(Self.text(Self.limitBytes)): lower those flags"
    }

    static func text(_ bytes: Double) -> String {
        let mib = bytes / 1_048_576
        if mib >= 1_024 { return JSON.number((mib / 1_024 * 10).rounded() / 10) + " GiB" }
        return JSON.number(mib.rounded()) + " MiB"
    }
}
