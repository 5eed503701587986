import DeliverySim
import Experiments

/// What the flow view remembers of each lane's event stream: where packets fell (marks that
/// fade), what a consumer's crash lost, and how many packets each wire carried in the last
/// virtual second (the picture above ~20x, where motion means nothing).
///
/// Wires are numbered as the lane's links: producers first, then consumers.
public struct WireMemory: Sendable {
    /// A drop where it fell, or a loss in a consumer's crash.
    public struct Mark: Equatable, Sendable {
        public var atMicros: Micros
        public var wire: Int
        public var toBroker: Bool
        /// Where along the wire, from its sender (0) to its receiver (1).
        public var place: Double
        /// A message lost with a crashed consumer's memory (drawn at the consumer).
        public var lost = false
    }

    /// Packets a wire carried each way, and how many of them fell.
    public struct Traffic: Equatable, Sendable {
        public var toBroker = 0, fromBroker = 0, dropped = 0
    }

    /// Marks per lane, oldest first, at most `markLimit`.
    public private(set) var marks: [[Mark]]
    /// Per lane and wire: the last whole virtual second's traffic.
    public private(set) var rates: [[Traffic]]
    private var counting: [[Traffic]]
    /// Per lane: the last packet sent (a partition's drop at that instant fell as it left).
    private var lastSent: [(message: MessageID?, hop: SimEvent.Hop, attempt: Int32, at: Micros)]
    private let producers: Int

    public static let markLimit = 64

    public init(lanes: Int, producers: Int, consumers: Int) {
        self.producers = producers
        marks = Array(repeating: [], count: lanes)
        rates = Array(repeating: Array(repeating: Traffic(), count: producers + consumers), count: lanes)
        counting = rates
        lastSent = Array(repeating: (nil, .none, 0, -1), count: lanes)
    }

    public mutating func removeAll() {
        self = WireMemory(lanes: marks.count, producers: producers, consumers: rates.first.map { $0.count - producers } ?? 0)
    }

    /// The wire of a client node.
    func wire(_ node: Node?) -> Int? {
        switch node {
        case .producer(let p)?: p
        case .consumer(let c)?: producers + c
        default: nil
        }
    }

    /// Files one event of lane `lane`.
    mutating func note(lane: Int, _ e: SimEvent) {
        switch e.kind {
        case .published, .confirmed, .delivered, .redelivered, .acked, .credited:
            guard let w = wire(e.node) else { return }
            if e.hop.towardBroker { counting[lane][w].toBroker += 1 } else { counting[lane][w].fromBroker += 1 }
            lastSent[lane] = (e.message, e.hop, e.attempt, e.atMicros)
        case .dropped:
            guard let w = wire(e.node) else { return }
            counting[lane][w].dropped += 1
            let last = lastSent[lane]
            let asItLeft = last.message == e.message && last.hop == e.hop && last.attempt == e.attempt && last.at == e.atMicros
            let place: Double = switch e.cause {
            case .wire, .proxy: 0.5                          // the loss is drawn when sent: mid-wire
            case .partition: asItLeft ? 0.1 : 0.9            // cut as it left, or on arrival
            case .consumerCrash: 0                           // an ack that never left
            default: 0.9                                     // reached a node that was down
            }
            add(lane, Mark(atMicros: e.atMicros, wire: w, toBroker: e.hop.towardBroker, place: place))
        case .lost where e.cause == .consumerCrash:
            guard let w = wire(e.node) else { return }
            add(lane, Mark(atMicros: e.atMicros, wire: w, toBroker: false, place: 1, lost: true))
        default:
            break
        }
    }

    private mutating func add(_ lane: Int, _ mark: Mark) {
        marks[lane].append(mark)
        if marks[lane].count > Self.markLimit { marks[lane].removeFirst(marks[lane].count - Self.markLimit) }
    }

    /// A virtual second ended: its traffic becomes the rates shown.
    mutating func sample() {
        rates = counting
        for i in counting.indices { for w in counting[i].indices { counting[i][w] = Traffic() } }
    }
}

/// One event in words, for the status line when `.` steps the flow view's lane.
enum FlowWords {
    static func event(_ e: SimEvent) -> String? {
        let id = e.message.map(\.description) ?? ""
        let node = e.node?.short ?? ""
        switch e.kind {
        case .published: return "\(node) published \(id)" + (e.attempt > 1 ? " again (attempt \(e.attempt))" : "")
        case .confirmed: return "the broker sent \(node) its confirm of \(id)"
        case .delivered: return "the broker sent \(id) to \(node)"
        case .redelivered: return "the broker sent \(id) to \(node) again (delivery \(e.attempt))"
        case .acked: return "\(node) sent its ack of \(id)"
        case .credited: return "\(node) freed its slot of \(id) (no ack at-most-once)"
        case .arrived: return "\(id)'s \(packet(e.hop)) reached " + (e.hop.towardBroker ? "the broker" : node)
        case .dropped: return "\(id)'s \(packet(e.hop)) " + (e.hop.towardBroker ? "from " : "to ") + node + " was dropped "
            + StoryWords.dropWhere(e.cause, e.node)
        case .applied: return e.count > 1 ? "\(node) applied \(id) AGAIN (effect \(e.count))" : "\(node) applied \(id)"
        case .suppressed: return "a duplicate of \(id) was suppressed"
        case .lost: return "\(id) is lost"
        case .deadLettered: return "\(id) was dead-lettered"
        case .discarded: return "\(id) was discarded"
        case .trapFired: return "\(node) crashed on \(id) (armed trap)"
        case .fault: return nil
        }
    }

    /// What one step did in a lane: its events, at most three.
    /// A packet as a noun: "p1-6's delivery", not "p1-6's deliver".
    static func packet(_ hop: SimEvent.Hop) -> String { hop == .deliver ? "delivery" : hop.name }

    /// What one step did in a lane, in at most `width` characters: as many of its events as
    /// fit whole, then "…".
    static func step(_ events: ArraySlice<SimEvent>, mode: Mode, at now: Micros, width: Int) -> String {
        let words = events.compactMap(event)
        let head = "One event of \(mode.rawValue) at \(Format.seconds(now))"
        guard !words.isEmpty else { return head + ": a timer fired; nothing was sent or applied." }
        var line = head + ": " + words[0]
        for (k, w) in words.enumerated().dropFirst() {
            let more = k + 1 < words.count ? "; …" : ""
            guard (line + "; " + w + more + ".").count <= width else { return line + "; …" }
            line += "; " + w
        }
        return line + "."
    }
}
