/// The JetStream API as a lane uses it: requests (a subject and a JSON body) built from
/// plain values, and typed answers read from the server's messages. The lane code neither
/// writes a subject nor reads a JSON key itself.
public enum JetStream {
    /// A request: publish `body` to `subject` with a reply inbox.
    public struct Request: Equatable, Sendable {
        public var subject: String
        public var body: String
    }

    /// A stream holding one subject: file or memory storage, a dedup window for `Nats-Msg-Id`.
    public static func createStream(_ stream: String, subject: String, file: Bool, dedupWindowMicros: Int64) -> Request {
        Request(subject: "$JS.API.STREAM.CREATE.\(stream)",
                body: "{\"name\":\"\(stream)\",\"subjects\":[\"\(subject)\"],\"storage\":\"\(file ? "file" : "memory")\","
                    + "\"duplicate_window\":\(dedupWindowMicros * 1_000)}")
    }

    /// A durable pull consumer. `maxDeliver` ≤ 0: unlimited.
    public static func createConsumer(_ stream: String, _ consumer: String, explicitAcks: Bool, ackWaitMicros: Int64,
                                      maxAckPending: Int, maxDeliver: Int) -> Request {
        Request(subject: "$JS.API.CONSUMER.DURABLE.CREATE.\(stream).\(consumer)",
                body: "{\"stream_name\":\"\(stream)\",\"config\":{\"durable_name\":\"\(consumer)\",\"ack_policy\":\"\(explicitAcks ? "explicit" : "none")\","
                    + "\"ack_wait\":\(ackWaitMicros * 1_000),\"max_ack_pending\":\(maxAckPending),\"max_deliver\":\(maxDeliver > 0 ? maxDeliver : -1)}}")
    }

    public static func consumerInfo(_ stream: String, _ consumer: String) -> Request {
        Request(subject: "$JS.API.CONSUMER.INFO.\(stream).\(consumer)", body: "")
    }

    public static func deleteStream(_ stream: String) -> Request {
        Request(subject: "$JS.API.STREAM.DELETE.\(stream)", body: "")
    }

    /// Up to `batch` deliveries, the request ending after `expiresMicros` if not filled.
    public static func pull(_ stream: String, _ consumer: String, batch: Int, expiresMicros: Int64) -> Request {
        Request(subject: "$JS.API.CONSUMER.MSG.NEXT.\(stream).\(consumer)", body: "{\"batch\":\(batch),\"expires\":\(expiresMicros * 1_000)}")
    }

    /// Where the server says it gave up on a message after max deliveries.
    public static func maxDeliveriesAdvisory(_ stream: String, _ consumer: String) -> String {
        "$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.\(stream).\(consumer)"
    }

    /// An API answer: its JSON, an API error, a status (503: nothing answers the API), or
    /// something that is not JSON.
    public enum Answer: Equatable, Sendable {
        case ok(JSONValue)
        case error(code: Int, description: String)
        case status(Int)
        case notJSON

        public init(_ m: NatsMessage) {
            if let status = m.status { self = .status(status); return }
            guard let json = JSONValue.parse(m.payload) else { self = .notJSON; return }
            if let error = json["error"] {
                self = .error(code: error["err_code"]?.int ?? error["code"]?.int ?? 0, description: error["description"]?.string ?? "error")
            } else {
                self = .ok(json)
            }
        }

        /// The stream or the consumer is gone (a memory stream after a crash).
        public var notFound: Bool {
            if case .error(let code, _) = self { return code == 10014 || code == 10059 }
            return false
        }

        /// Words for a setup that failed on this answer.
        public var failure: String? {
            switch self {
            case .ok: nil
            case .error(_, let description): description
            case .status(503): "nothing answers the JetStream API (status 503): is JetStream enabled (nats-server -js)?"
            case .status(let s): "the JetStream API answered status \(s)"
            case .notJSON: "the JetStream API answered something that is not JSON"
            }
        }
    }

    /// A publish's acknowledgement: the stream sequence, and whether the dedup window
    /// recognised the message id (stored once already).
    public struct PubAck: Equatable, Sendable {
        public var seq: UInt64
        public var duplicate: Bool

        public init?(_ m: NatsMessage) {
            guard case .ok(let json) = Answer(m), let seq = json["seq"]?.int, seq > 0 else { return nil }
            self.seq = UInt64(seq)
            duplicate = json["duplicate"]?.bool == true
        }
    }

    /// `CONSUMER.INFO`'s gauges: ready (`num_pending`) and unacked (`num_ack_pending`).
    public struct ConsumerInfo: Equatable, Sendable {
        public var numPending: Int
        public var numAckPending: Int

        public init?(_ answer: Answer) {
            guard case .ok(let json) = answer, let pending = json["num_pending"]?.int, let ackPending = json["num_ack_pending"]?.int else { return nil }
            numPending = pending
            numAckPending = ackPending
        }
    }

    /// A max-deliveries advisory: the stream sequence given up on, after how many deliveries.
    public struct MaxDeliveries: Equatable, Sendable {
        public var streamSeq: UInt64
        public var deliveries: Int

        public init?(_ m: NatsMessage) {
            guard let json = JSONValue.parse(m.payload), let seq = json["stream_seq"]?.int, seq > 0 else { return nil }
            streamSeq = UInt64(seq)
            deliveries = json["deliveries"]?.int ?? 0
        }
    }

    /// The server's answer to an ack sent as a request: empty once recorded; a status
    /// (503: no consumer to take it) is no ack.
    public static func ackRecorded(_ m: NatsMessage) -> Bool { m.status == nil && m.payload.isEmpty }

    /// The end of a pull request: 408 (expired), 404 (no messages), 409 (a limit).
    public static func pullEnded(_ m: NatsMessage) -> Bool { m.status != nil && m.reply == nil }
}
