/// A log-linear latency histogram (HdrHistogram-style, 64 sub-buckets per half power of two).
///
/// Fixed size whatever the run length, so memory stays flat over 100 million messages;
/// quantiles are within about 1.6% of the true value, max is exact.
public struct LatencyHistogram: Equatable, Sendable {
    private static let subBits = 7
    private static let sub = 1 << subBits
    private var buckets = [UInt64](repeating: 0, count: 64 * (1 << 7))
    public private(set) var count: UInt64 = 0
    public private(set) var maxMicros: Micros = 0

    public init() {}

    @inline(__always)
    static func index(_ v: UInt64) -> Int {
        if v < UInt64(sub) { return Int(v) }
        let shift = (64 - v.leadingZeroBitCount) - subBits
        return shift * sub + Int(v >> UInt64(shift))
    }

    /// The largest value that falls into bucket `i`.
    static func upperValue(_ i: Int) -> UInt64 {
        if i < sub { return UInt64(i) }
        let shift = UInt64(i / sub)
        let mantissa = UInt64(i % sub)
        return ((mantissa + 1) << shift) - 1
    }

    public mutating func record(_ micros: Micros) {
        let v = UInt64(max(0, micros))
        buckets[Self.index(v)] += 1
        count += 1
        if micros > maxMicros { maxMicros = micros }
    }

    /// The value at quantile q (0...1), as the upper edge of its bucket, capped at max.
    public func quantile(_ q: Double) -> Micros {
        guard count > 0 else { return 0 }
        var rank = UInt64((q * Double(count)).rounded(.up))
        if rank < 1 { rank = 1 }
        var seen: UInt64 = 0
        for (i, n) in buckets.enumerated() where n > 0 {
            seen += n
            if seen >= rank { return min(Micros(Self.upperValue(i)), maxMicros) }
        }
        return maxMicros
    }
}
