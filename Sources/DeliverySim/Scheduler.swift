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
    /// Publish attempt (publish, confirm) or delivery number (deliver, ack, credit).
    var attempt: Int32 = 0
    /// Publish and confirm: 1 for a copy the network duplicated. Deliveries and their
    /// replies: the stored copy's origin. With `attempt` and the hop, keys the packet's dice.
    var origin: UInt32 = 0

    /// The dice's attempt word for this packet: hop class, origin and attempt. An ack and an
    /// at-most-once credit answer the same delivery, so they share a class.
    @inline(__always)
    var diceAttempt: UInt64 {
        let hop: UInt64 = switch kind {
        case .publish: 1
        case .confirm: 2
        case .deliver: 3
        case .ack, .credit: 4
        }
        return hop << 56 | UInt64(origin & 0xFF_FFFF) << 32 | UInt64(UInt32(bitPattern: attempt))
    }
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
    /// Consumer `link`'s batch of acks leaves (ignored when `epoch` is stale after a crash).
    case ackFlush
}

struct Event {
    var time: Micros
    var kind: EventKind
    var link: Int32
    var epoch: Int32
    var packet: Packet
}

/// What the slab stores: an event without its time, which lives in the heap key.
private struct EventBody {
    var kind: EventKind
    var link: Int32
    var epoch: Int32
    var packet: Packet
}

/// A binary min-heap of events ordered by (time, insertion order).
///
/// Ties go to the event scheduled first, so the run never depends on heap internals. The
/// heap holds only 16-byte keys (time, then insertion counter and payload slot packed in one
/// word); the events themselves sit still in a slab. Sifting 80-byte events was most of the
/// run time in the benchmark.
struct EventQueue {
    private struct Entry {
        var time: Micros
        /// Insertion counter << slotBits | slot.
        var order: UInt64
    }

    private static let slotBits: UInt64 = 28
    private static let slotMask: UInt64 = (1 << slotBits) - 1

    private var heap: [Entry] = []
    private var slab: [EventBody] = []
    private var free: [UInt32] = []
    private var nextSeq: UInt64 = 0

    var count: Int { heap.count }
    var isEmpty: Bool { heap.isEmpty }
    var nextTime: Micros? { heap.first?.time }

    @inline(__always)
    private static func less(_ a: Entry, _ b: Entry) -> Bool {
        a.time < b.time || (a.time == b.time && a.order < b.order)
    }

    mutating func push(time: Micros, kind: EventKind, link: Int32, epoch: Int32 = 0, packet: Packet) {
        let e = EventBody(kind: kind, link: link, epoch: epoch, packet: packet)
        let slot: UInt64
        if let f = free.popLast() {
            slot = UInt64(f)
            slab[Int(f)] = e
        } else {
            slot = UInt64(slab.count)
            precondition(slot <= Self.slotMask, "more than 2^28 events pending at once")
            slab.append(e)
        }
        let entry = Entry(time: time, order: nextSeq << Self.slotBits | slot)
        nextSeq &+= 1
        heap.append(entry)
        var i = heap.count - 1
        heap.withUnsafeMutableBufferPointer { buf in
            while i > 0 {
                let parent = (i - 1) >> 1
                if Self.less(entry, buf[parent]) {
                    buf[i] = buf[parent]
                    i = parent
                } else { break }
            }
            buf[i] = entry
        }
    }

    mutating func pop() -> Event? {
        guard let last = heap.popLast() else { return nil }
        var top = last
        let n = heap.count
        if n > 0 {
            top = heap[0]
            heap.withUnsafeMutableBufferPointer { buf in
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
        }
        let slot = Int(top.order & Self.slotMask)
        free.append(UInt32(slot))
        let b = slab[slot]
        return Event(time: top.time, kind: b.kind, link: b.link, epoch: b.epoch, packet: b.packet)
    }

    /// Every pending event, in no particular order (for the checker's counts).
    func forEachPending(_ body: (Event) -> Void) {
        for entry in heap {
            let b = slab[Int(entry.order & Self.slotMask)]
            body(Event(time: entry.time, kind: b.kind, link: b.link, epoch: b.epoch, packet: b.packet))
        }
    }
}
