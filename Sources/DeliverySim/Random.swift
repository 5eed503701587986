/// SplitMix64: turns one 64-bit seed into a stream of well-mixed words.
///
/// Used only to seed xoshiro and to derive child seeds, as its authors recommend.
public struct SplitMix64: Sendable {
    public var state: UInt64
    public init(state: UInt64) { self.state = state }

    @inlinable
    public mutating func next() -> UInt64 {
        state &+= Self.gamma
        return Self.mix(state)
    }

    /// The golden-ratio increment between states.
    public static let gamma: UInt64 = 0x9E37_79B9_7F4A_7C15

    /// SplitMix64's output function (Stafford's variant 13): a bijection that spreads every
    /// input bit over the whole word.
    @inlinable
    public static func mix(_ x: UInt64) -> UInt64 {
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Common random numbers: every draw of a run is a pure function of (run seed, purpose,
/// entity, attempt), not the next number of a stream.
///
/// So every lane meets the same dice for the same thing: the first delivery of p1-42 is
/// lost in every lane or in none, whatever else each lane drew before. A lane that retries
/// reads attempt-2 draws the others never read, and nothing else shifts; a new kind of draw
/// is a new purpose and moves no other. Each field is folded in by one SplitMix64 step
/// (state = hash ^ field, plus gamma, then `mix`), which is tested against the published
/// SplitMix64 vectors.
public struct Dice: Sendable, Equatable {
    public let seed: UInt64
    /// The seed folded once, so that a draw costs three `mix` steps.
    @usableFromInline let base: UInt64
    public init(seed: UInt64) {
        self.seed = seed
        base = SplitMix64.mix(seed &+ SplitMix64.gamma)
    }

    /// What a draw is for. The raw values are part of the model: changing one changes every
    /// run's numbers.
    public enum Purpose: UInt64, Sendable {
        /// Whether a packet is lost on its link.
        case loss = 1
        /// Whether the network delivers a second copy of a packet.
        case duplication = 2
        /// A packet's latency; the second copy of a duplicated packet draws `latencyOfCopy`.
        case latency = 3
        case latencyOfCopy = 4
        /// The gap before a producer's next message.
        case publishGap = 5
        /// A message's key.
        case key = 6
        /// How long one delivery of a message takes to process.
        case processing = 7
        /// Which consumer the k-th `--crash-every` crash hits.
        case crashTarget = 8
        /// The `--chaos` fault schedule.
        case chaos = 9
        /// A new seed (the dashboard's `R`).
        case reseed = 10
    }

    /// The raw 64-bit draw for (purpose, entity, attempt).
    @inlinable
    public func word(_ purpose: Purpose, _ entity: UInt64, _ attempt: UInt64 = 0) -> UInt64 {
        var h = SplitMix64.mix((base ^ purpose.rawValue) &+ SplitMix64.gamma)
        h = SplitMix64.mix((h ^ entity) &+ SplitMix64.gamma)
        return SplitMix64.mix((h ^ attempt) &+ SplitMix64.gamma)
    }

    /// An integer in 0..<bound from one word (multiply-high; the bias is below bound / 2^64).
    @inlinable
    public static func below(_ bound: UInt64, _ word: UInt64) -> UInt64 {
        word.multipliedFullWidth(by: bound).high
    }

    /// True with probability perMillion / 1,000,000.
    @inlinable
    public static func chance(_ perMillion: Int32, _ word: UInt64) -> Bool {
        if perMillion <= 0 { return false }
        if perMillion >= 1_000_000 { return true }
        return below(1_000_000, word) < UInt64(perMillion)
    }

    /// An integer in lo...hi.
    @inlinable
    public static func between(_ lo: Int64, _ hi: Int64, _ word: UInt64) -> Int64 {
        if hi <= lo { return lo }
        return lo + Int64(below(UInt64(hi - lo) + 1, word))
    }

    /// An exponentially distributed duration with the given mean, in whole microseconds.
    @inlinable
    public static func exponential(meanMicros: Int64, _ word: UInt64) -> Int64 {
        if meanMicros <= 0 { return 0 }
        let u = 1.0 - Double(word >> 11) * 0x1.0p-53  // (0, 1]
        return Int64((-naturalLog(u) * Double(meanMicros)).rounded(.toNearestOrEven))
    }
}

/// xoshiro256**, a stream generator for tests that want one (the model itself draws only
/// from `Dice`). Never `SystemRandomNumberGenerator`: a run must replay from its seed.
public struct PRNG: RandomNumberGenerator, Sendable {
    @usableFromInline var s0: UInt64
    @usableFromInline var s1: UInt64
    @usableFromInline var s2: UInt64
    @usableFromInline var s3: UInt64

    public init(seed: UInt64) {
        var sm = SplitMix64(state: seed)
        s0 = sm.next(); s1 = sm.next(); s2 = sm.next(); s3 = sm.next()
    }

    /// A generator in exactly this state (for the reference vectors).
    public init(state s: (UInt64, UInt64, UInt64, UInt64)) {
        (s0, s1, s2, s3) = s
    }

    @inlinable
    public mutating func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = (s3 << 45) | (s3 >> 19)
        return result
    }

    /// A uniform integer in 0..<bound (Lemire's method, unbiased).
    @inlinable
    public mutating func below(_ bound: UInt64) -> UInt64 {
        precondition(bound > 0)
        var m = next().multipliedFullWidth(by: bound)
        if m.low < bound {
            let threshold = (0 &- bound) % bound
            while m.low < threshold { m = next().multipliedFullWidth(by: bound) }
        }
        return m.high
    }
}

/// Natural logarithm in pure Swift, so the core needs neither Foundation nor libm.
///
/// x = m * 2^e with m in [sqrt(1/2), sqrt(2)); ln m = 2 atanh(z), z = (m-1)/(m+1), |z| < 0.172,
/// summed as a fixed Horner polynomial in z^2 (13 terms reach double precision). Accurate to
/// ~1e-15 relative, identical on every machine, and free of divisions but one.
@inlinable
public func naturalLog(_ x: Double) -> Double {
    precondition(x > 0)
    var e = Double(x.exponent)
    var m = x.significand  // in [1, 2)
    if m > 1.414_213_562_373_095_1 {
        m *= 0.5
        e += 1
    }
    let z = (m - 1) / (m + 1)
    let z2 = z * z
    // 1/(2k+1) for k = 12 ... 1, Horner from the highest term.
    var p = 1.0 / 25
    p = p * z2 + 1.0 / 23
    p = p * z2 + 1.0 / 21
    p = p * z2 + 1.0 / 19
    p = p * z2 + 1.0 / 17
    p = p * z2 + 1.0 / 15
    p = p * z2 + 1.0 / 13
    p = p * z2 + 1.0 / 11
    p = p * z2 + 1.0 / 9
    p = p * z2 + 1.0 / 7
    p = p * z2 + 1.0 / 5
    p = p * z2 + 1.0 / 3
    p = p * z2 + 1
    return 2 * z * p + e * 0.693_147_180_559_945_309_417_232_121_458
}
