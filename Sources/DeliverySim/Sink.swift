/// The consumers' sink, per (producer, key): the value last written and the newest
/// sequence applied. One write rule for every lane, simulated or real.
public struct Sink: Equatable, Sendable {
    /// Highest sequence applied per slot: `out_of_order` and the version check.
    var lastApplied: [UInt64]
    /// The value per slot: the sequence of the last write performed. With ordered
    /// processing it ends equal to `lastApplied`; a late old write leaves it stale.
    var value: [UInt64]

    public init(slots: Int) {
        lastApplied = Array(repeating: 0, count: slots)
        value = lastApplied
    }

    public var slots: Int { value.count }

    /// Writes `seq` into `slot`. With the version check (effectively-once) an older write
    /// never overwrites a newer one; without it whatever arrives last wins. Returns the
    /// newer sequence an older write overtook: an out-of-order effect (0: in order).
    @inline(__always)
    public mutating func write(_ seq: UInt64, slot: Int, versionCheck: Bool) -> UInt64 {
        if versionCheck {
            if seq > lastApplied[slot] {
                lastApplied[slot] = seq
                value[slot] = seq
            }
            return 0
        }
        value[slot] = seq
        if seq < lastApplied[slot] { return lastApplied[slot] }
        lastApplied[slot] = seq
        return 0
    }

    /// Slots whose final value is not their newest message's.
    public var staleKeys: Int { zip(value, lastApplied).reduce(0) { $0 + ($1.0 != $1.1 ? 1 : 0) } }
}
