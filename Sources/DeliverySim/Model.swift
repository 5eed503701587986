/// A lane's delivery guarantee. Lanes differ only in this.
public enum Mode: String, CaseIterable, Sendable, Equatable {
    /// The broker forgets a message once sent (auto-ack); producers fire and forget.
    case atMostOnce = "at-most-once"
    /// Consumers ack after processing; producers retry until confirmed.
    case atLeastOnce = "at-least-once"
    /// At-least-once plus an idempotency record written with the effect, but no per-key
    /// version check: nothing twice, nothing lost, yet a redelivery can overtake a newer write.
    case idempotent
    /// The idempotency record and a per-key version check: once per message, in order.
    case effectivelyOnce = "effectively-once"
    /// Broker and consumers in one process: the effect and the ack are one atomic step and
    /// nothing crosses a network between them; the broker's store is keyed by message id.
    case inProcess = "in-process"

    /// Whether the broker keeps a message until the consumer acks it.
    public var acksAfterProcessing: Bool { self != .atMostOnce }
    /// Whether producers keep a message until the broker confirms it, and retry.
    public var producerRetries: Bool { self != .atMostOnce }
    /// Whether the sink keeps an idempotency record (message ids applied).
    public var keepsIdempotencyRecord: Bool { self == .idempotent || self == .effectivelyOnce }
    /// Whether consumers run inside the broker's process (no network between them).
    public var consumersInProcess: Bool { self == .inProcess }

    /// The three lanes of the seed's first argument: what a run shows by default.
    public static let classic: [Mode] = [.atMostOnce, .atLeastOnce, .effectivelyOnce]
}

/// A real broker's out-of-the-box behaviour, as knob values (sources in the README).
public enum Profile: String, CaseIterable, Sendable, Equatable {
    case rabbitmq, jetstream, sqs

    /// Sets the knobs this system decides, leaving the workload (rates, faults) alone.
    public func apply(to s: inout Settings) {
        s.profile = self
        s.ackEvery = 1
        s.cumulativeAcks = false
        switch self {
        case .rabbitmq:
            // consumer_timeout 30 min; classic queue: no delivery limit, no dedup; a closed
            // channel's unacked messages are requeued at once; no basic.qos: unlimited.
            s.ackTimeoutMicros = Duration.seconds(1_800)
            s.maxDeliveries = 0
            s.dedupWindowMicros = 0
            s.requeueOnDisconnect = true
            s.prefetch = Profile.unlimitedPrefetch
        case .jetstream:
            // AckWait 30 s, MaxDeliver -1 (unlimited), Duplicates window 2 min,
            // MaxAckPending 1000; redelivery waits for AckWait.
            s.ackTimeoutMicros = Duration.seconds(30)
            s.maxDeliveries = 0
            s.dedupWindowMicros = Duration.seconds(120)
            s.requeueOnDisconnect = false
            s.prefetch = 1_000
        case .sqs:
            // Standard queue: visibility timeout 30 s, no redrive policy (no
            // maxReceiveCount), no deduplication; ReceiveMessage returns 1 message by default.
            s.ackTimeoutMicros = Duration.seconds(30)
            s.maxDeliveries = 0
            s.dedupWindowMicros = 0
            s.requeueOnDisconnect = false
            s.prefetch = 1
        }
    }

    /// "No limit" where the model needs a number: the most a consumer may hold.
    public static let unlimitedPrefetch = 100_000
}

/// A node of the topology, named as in actions: `producer-1`, `consumer-2`, `broker`.
public enum Node: Equatable, Hashable, Sendable, CustomStringConvertible {
    /// Zero-based index; shown one-based (`p1`, `producer-1`).
    case producer(Int)
    case consumer(Int)
    case broker

    public var description: String {
        switch self {
        case .producer(let i): "producer-\(i + 1)"
        case .consumer(let i): "consumer-\(i + 1)"
        case .broker: "broker"
        }
    }

    /// The short form used in the event log: p1, c2, broker.
    public var short: String {
        switch self {
        case .producer(let i): "p\(i + 1)"
        case .consumer(let i): "c\(i + 1)"
        case .broker: "broker"
        }
    }

    /// Parses `producer-1`, `consumer-2`, `p1`, `c2`, `broker`.
    public static func parse(_ text: String) -> Node? {
        let t = text.lowercased()
        if t == "broker" || t == "b" { return .broker }
        for (prefix, make) in [("producer-", Node.producer), ("consumer-", Node.consumer), ("p", Node.producer), ("c", Node.consumer)] as [(String, (Int) -> Node)] {
            if t.hasPrefix(prefix), let n = Int(t.dropFirst(prefix.count)), n >= 1 { return make(n - 1) }
        }
        return nil
    }
}

/// A message identity: producer and sequence number (1-based), e.g. `p1-42`.
public struct MessageID: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let raw: UInt64
    public init(producer: Int, seq: UInt64) { raw = UInt64(producer) << 40 | seq }
    public var producer: Int { Int(raw >> 40) }
    public var seq: UInt64 { raw & 0xFF_FFFF_FFFF }
    public var description: String { "p\(producer + 1)-\(seq)" }
    public static func < (a: MessageID, b: MessageID) -> Bool { a.raw < b.raw }
}

/// What a broker with a full backlog does with one more publish.
public enum Overflow: String, CaseIterable, Sendable, Equatable {
    /// Refuse the new message (RabbitMQ `reject-publish`, JetStream discard new): no confirm,
    /// so a retrying producer publishes it again later; a fire-and-forget one loses it.
    case rejectPublish = "reject-publish"
    /// Store it and drop the oldest ready message (RabbitMQ's default `drop-head`,
    /// JetStream discard old): the dropped one is gone for every mode.
    case dropHead = "drop-head"
}

/// Every knob of a run. Defaults are the dashboard's demo workload.
public struct Settings: Equatable, Sendable {
    public var seed: UInt64 = 1
    /// How long producers produce, in virtual time.
    public var durationMicros: Micros = Duration.seconds(60)
    /// Stop producing after this many messages in all (nil: no limit).
    public var messageLimit: Int? = nil
    public var modes: [Mode] = Mode.classic
    public var producers = 1
    /// Publish rate per producer, messages per second (Poisson arrivals).
    public var ratePerSecond: Double = 50
    public var consumers = 4
    /// Max deliveries a consumer may hold unacknowledged.
    public var prefetch = 8
    /// Mean processing time (exponential).
    public var processingMicrosMean: Micros = 2_000
    public var latencyMicrosMin: Micros = 500
    public var latencyMicrosMax: Micros = 2_000
    public var lossPerMillion: Int32 = 10_000
    public var duplicationPerMillion: Int32 = 0
    /// Ack deadline of a delivery (SQS visibility timeout, JetStream AckWait).
    public var ackTimeoutMicros: Micros = Duration.seconds(1)
    /// How long a producer waits for a publisher confirm before publishing again.
    public var confirmTimeoutMicros: Micros = Duration.seconds(1)
    /// Deliveries of one message before it is dead-lettered (0: never).
    public var maxDeliveries = 10
    public var durable = true
    /// Window in which the broker drops a re-published message id (0: no dedup).
    public var dedupWindowMicros: Micros = 0
    /// A random consumer crashes every `crashEvery` for `crashFor` (0: never).
    public var crashEveryMicros: Micros = 0
    public var crashForMicros: Micros = 0
    /// Add a random fault schedule drawn from the seed (every kind of fault, each repaired).
    public var chaos = false
    /// Keys per producer; per-key order is what `out_of_order` measures.
    public var keys = 8
    /// After production stops: heal, restart everything, run until nothing is pending.
    public var drain = true
    /// Messages the broker stores at most, ready and unacked together (RabbitMQ
    /// `x-max-length`, JetStream `max_msgs`). Real brokers bound their queues; so does this
    /// one, so that no workload grows without limit.
    public var maxBacklog = 100_000
    /// What the broker does with a publish when its backlog is full.
    public var overflow: Overflow = .rejectPublish
    /// Unconfirmed messages a retrying producer holds at most (Kafka's `buffer.memory`, a
    /// NATS client's max pending acks); when it is full the producer waits: backpressure.
    public var maxUnconfirmed = 4_000
    /// How long a drain may take before the run is reported as not drained.
    public var drainLimitMicros: Micros = Duration.seconds(3_600)
    /// Time between a batch of acks closing and its leaving the consumer (a client's write
    /// buffer, one turn of its event loop). A crash in that gap loses the acks, not the
    /// effects: the seed's "processed, then crashed before confirming".
    public var ackDelayMicros: Micros = 1_000
    /// A batch of acks closes when it holds this many (1: every ack alone; 0: only
    /// `ackIntervalMicros` closes it). RabbitMQ `multiple=true`, SQS `DeleteMessageBatch`.
    public var ackEvery = 1
    /// A batch of acks closes this long after its first ack at the latest (Kafka's
    /// `auto.commit.interval.ms`). Matters only when `ackEvery` is not 1.
    public var ackIntervalMicros: Micros = 100_000
    /// Every ack also acknowledges every earlier delivery to the same consumer connection,
    /// as an offset commit does (and as RabbitMQ's `multiple=true` does for its batch).
    public var cumulativeAcks = false
    /// When a consumer's connection closes, the broker puts its unacked deliveries back to
    /// ready at once (RabbitMQ) instead of waiting for their ack deadlines (JetStream, SQS).
    public var requeueOnDisconnect = false
    /// The broker profile whose defaults these settings started from, if any (named on
    /// screen and in files; explicit knobs may have changed some of its values since).
    public var profile: Profile? = nil

    public init() {}

    /// A production time no session reaches (about 290,000 years of virtual time).
    public static let unlimitedMicros: Micros = Int64.max / 1_000

    /// Whether production has no time limit (only `messages` ends it).
    public var productionUnlimited: Bool { durationMicros >= Settings.unlimitedMicros }
}

/// One fault or repair, from the single vocabulary shared by keys, scenario files and
/// the headless runner.
public enum Action: Equatable, Sendable {
    case crash(Node)
    case restart(Node)
    /// Cut a node's link in both directions (the broker: every link).
    case partition(Node)
    /// Cut only node → broker: deliveries still arrive, acks and publishes are lost.
    case partitionOneWay(Node)
    case heal(Node)
    case healAll
    /// Loss on a node's link, or on every link when nil.
    case setLoss(Node?, perMillion: Int32)
    case setDuplication(Node?, perMillion: Int32)
    case setLatency(Node?, minMicros: Micros, maxMicros: Micros)
    /// Processing takes longer than the ack timeout.
    case slow(Node)
    case unslow(Node)
    /// The consumer crashes right after applying its next effect, before acking it.
    case crashAfterEffect(Node)
    /// The consumer crashes with its next message acknowledged but its effect not applied.
    case crashAfterAck(Node)

    public var target: Node? {
        switch self {
        case .crash(let n), .restart(let n), .partition(let n), .partitionOneWay(let n), .heal(let n),
             .slow(let n), .unslow(let n), .crashAfterEffect(let n), .crashAfterAck(let n):
            n
        case .setLoss(let n, _), .setDuplication(let n, _), .setLatency(let n, _, _):
            n
        case .healAll:
            nil
        }
    }
}

/// An action at a virtual time.
public struct TimedAction: Equatable, Sendable {
    public var atMicros: Micros
    public var action: Action
    public init(at: Micros, _ action: Action) { self.atMicros = at; self.action = action }
}
