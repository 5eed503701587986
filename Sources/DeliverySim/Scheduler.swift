/// A message's identity and what travels with every copy of it.
public struct MsgRef: Equatable, Sendable {
    public var id: MessageID
    public var key: UInt16
    /// When the producer created it: latency runs from here to the first effect.
    public var bornMicros: Micros
}

/// What a packet on a link is.
enum PacketKind: UInt8 {
    case publish, confirm, deliver, ack, credit

    /// Whether the packet is a copy of a message (conservation counts it as pending).
    var carriesMessage: Bool { self == .publish || self == .deliver }
}

struct Packet {
    var kind: PacketKind
    var msg: MsgRef
    var deliveryID: UInt64 = 0
    var deliveryCount: Int32 = 0
}

enum EventKind: UInt8 {
    /// A packet reaches the broker over link `link`.
    case arriveAtBroker
    /// A packet reaches the client at the end of link `link`.
    case arriveAtClient
    /// Producer `link` may publish its next message.
    case produce
    /// Consumer finishes processing (ignored when `epoch` is stale after a crash).
    case processingDone
    /// The broker's earliest ack deadline is due.
    case ackDeadlines
    /// Producer's earliest confirm deadline is due.
    case confirmDeadlines
    /// The broker's earliest dedup entry expires (keeps the dedup table bounded).
    case dedupExpiry
}

struct Event {
    var time: Micros
    var seq: UInt64
    var kind: EventKind
    var link: Int32
    var epoch: Int32
    var packet: Packet
}

/// A binary min-heap of events ordered by (time, insertion order).
///
/// Ties go to the event scheduled first, so the run never depends on heap internals.
struct EventQueue {
    private(set) var items: [Event] = []
    private var nextSeq: UInt64 = 0

    var count: Int { items.count }
    var isEmpty: Bool { items.isEmpty }
    var nextTime: Micros? { items.first?.time }

    @inline(__always)
    private static func less(_ a: Event, _ b: Event) -> Bool {
        a.time < b.time || (a.time == b.time && a.seq < b.seq)
    }

    mutating func push(time: Micros, kind: EventKind, link: Int32, epoch: Int32 = 0, packet: Packet) {
        let e = Event(time: time, seq: nextSeq, kind: kind, link: link, epoch: epoch, packet: packet)
        nextSeq &+= 1
        items.append(e)
        var i = items.count - 1
        items.withUnsafeMutableBufferPointer { buf in
            while i > 0 {
                let parent = (i - 1) >> 1
                if Self.less(e, buf[parent]) {
                    buf[i] = buf[parent]
                    i = parent
                } else { break }
            }
            buf[i] = e
        }
    }

    mutating func pop() -> Event? {
        guard let last = items.popLast() else { return nil }
        if items.isEmpty { return last }
        let top = items[0]
        let n = items.count
        items.withUnsafeMutableBufferPointer { buf in
            var i = 0
            while true {
                let l = 2 * i + 1
                if l >= n { break }
                let r = l + 1
                let c = (r < n && Self.less(buf[r], buf[l])) ? r : l
                if Self.less(buf[c], last) {
                    buf[i] = buf[c]
                    i = c
                } else { break }
            }
            buf[i] = last
        }
        return top
    }
}
