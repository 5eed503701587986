/// Means and 95% confidence intervals over seeds, with Student's t.
///
/// Pure Swift arithmetic only (square roots, no libm): the same figures on every machine,
/// so a sweep merged from shards is byte-identical to the whole.
public enum SweepStats {
    /// The mean of values over seeds and the half-width of its 95% confidence interval.
    public struct Estimate: Equatable, Sendable {
        public var n: Int
        public var mean: Double
        /// Sample standard deviation (n − 1 in the denominator); 0 for one value.
        public var sd: Double
        /// The interval is mean ± half; nil with fewer than two values (no interval).
        public var half: Double?

        public var low: Double? { half.map { mean - $0 } }
        public var high: Double? { half.map { mean + $0 } }
    }

    /// Mean, standard deviation and t interval of `values` (in the order given: the sums
    /// are the same in every process that adds the same values in the same order).
    public static func estimate(_ values: [Double]) -> Estimate {
        let n = values.count
        guard n > 0 else { return Estimate(n: 0, mean: 0, sd: 0, half: nil) }
        var sum = 0.0
        for v in values { sum += v }
        let mean = sum / Double(n)
        guard n > 1 else { return Estimate(n: 1, mean: mean, sd: 0, half: nil) }
        var squares = 0.0
        for v in values { squares += (v - mean) * (v - mean) }
        let sd = (squares / Double(n - 1)).squareRoot()
        return Estimate(n: n, mean: mean, sd: sd, half: t975(n - 1) * sd / Double(n).squareRoot())
    }

    /// The interval of a difference of two means taken as if the samples were independent
    /// (Welch): what one would report without pairing by seed. Its degrees of freedom are
    /// Welch–Satterthwaite's, rounded down (a slightly wider, conservative interval).
    public static func unpairedHalf(_ a: Estimate, _ b: Estimate) -> Double? {
        guard a.n > 1, b.n > 1 else { return nil }
        let va = a.sd * a.sd / Double(a.n), vb = b.sd * b.sd / Double(b.n)
        let se = (va + vb).squareRoot()
        guard se > 0 else { return 0 }
        let df = (va + vb) * (va + vb) / (va * va / Double(a.n - 1) + vb * vb / Double(b.n - 1))
        return t975(max(1, Int(df.rounded(.down)))) * se
    }

    // MARK: - Student's t

    /// The 97.5th percentile of Student's t with `df` degrees of freedom: the factor of a
    /// two-sided 95% interval (12.706 at 1, 2.093 at 19, 1.984 at 100, → 1.960).
    ///
    /// Found by bisection on the exact distribution function for whole degrees of freedom
    /// (Abramowitz & Stegun 26.7.3–4) up to 1,000; above, the Cornish–Fisher expansion,
    /// whose error there is far below the digits printed.
    public static func t975(_ df: Int) -> Double {
        precondition(df >= 1)
        if df > 1_000 {
            let z = 1.959963984540054, v = Double(df)
            let z2 = z * z
            let g1 = (z2 + 1) * z / 4
            let g2 = ((5 * z2 + 16) * z2 + 3) * z / 96
            let g3 = (((3 * z2 + 19) * z2 + 17) * z2 - 15) * z / 384
            let g4 = ((((79 * z2 + 776) * z2 + 1_482) * z2 - 1_920) * z2 - 945) * z / 92_160
            return z + g1 / v + g2 / (v * v) + g3 / (v * v * v) + g4 / (v * v * v * v)
        }
        var lo = 0.0, hi = 1_000.0
        for _ in 0..<80 {
            let mid = (lo + hi) / 2
            if centralProbability(mid, df: df) < 0.95 { lo = mid } else { hi = mid }
        }
        return (lo + hi) / 2
    }

    /// P(|T| < t) for Student's t with `df` whole degrees of freedom.
    static func centralProbability(_ t: Double, df: Int) -> Double {
        let v = Double(df)
        let sinTheta = t / (v + t * t).squareRoot()
        let cos2 = v / (v + t * t)
        if df % 2 == 0 {
            // sinθ (1 + 1/2 cos²θ + 1·3/(2·4) cos⁴θ + … up to cos^(df−2)θ)
            return sinTheta * series(cos2, from: 2, to: df - 2)
        }
        // (2/π)(θ + sinθ cosθ (1 + 2/3 cos²θ + 2·4/(3·5) cos⁴θ + … up to cos^(df−3)θ)); df = 1: 2θ/π.
        let theta = arctangent(t / v.squareRoot())
        guard df > 1 else { return 2 * theta / Double.pi }
        return 2 / Double.pi * (theta + sinTheta * cos2.squareRoot() * series(cos2, from: 3, to: df - 2))
    }

    /// 1 + Σ over k = first, first + 2, … ≤ last of the running product of cos²θ·(k−1)/k.
    private static func series(_ cos2: Double, from first: Int, to last: Int) -> Double {
        var term = 1.0, sum = 1.0
        var k = first
        while k <= last {
            term *= cos2 * Double(k - 1) / Double(k)
            sum += term
            k += 2
        }
        return sum
    }

    /// atan(x) for x ≥ 0 without libm: halve the angle three times, then the series.
    static func arctangent(_ x: Double) -> Double {
        if x > 1 { return Double.pi / 2 - arctangent(1 / x) }
        var y = x
        for _ in 0..<3 { y /= 1 + (1 + y * y).squareRoot() }
        // |y| ≤ tan(π/32) < 0.1: the series converges to full precision in a dozen terms.
        var sum = 0.0, power = y, k = 1.0
        let y2 = y * y
        for i in 0..<24 {
            sum += (i % 2 == 0 ? power : -power) / k
            power *= y2
            k += 2
        }
        return 8 * sum
    }
}
