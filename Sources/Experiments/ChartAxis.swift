import DeliverySim

/// The points of a `SweepChart` that can be drawn, cleaned once for both renderers.
///
/// `ChartSVG` and `ChartText` must agree on what is shown: a point with a value that is not
/// finite is dropped (the sweep never makes one, but a renderer must not print NaN), values
/// are clamped to ±1e15 so every later step stays finite, and on a log axis a point at 0 or
/// below is left out and counted, so the chart can say how many it does not show.
struct ChartData {
    struct Point: Equatable {
        var x: Double
        var y: Double
        /// The confidence interval, ordered (`low` ≤ `high`); a bound that was not finite is `y`.
        var low: Double
        var high: Double
    }

    /// Per series of the chart, in its order: the points that can be drawn, in their order.
    var series: [[Point]]
    /// Points left out because their x or y was 0 or below on a log axis.
    var omittedCount: Int

    static let limit = 1e15

    init(_ chart: SweepChart) {
        var omitted = 0
        series = chart.series.map { s in
            s.points.compactMap { p -> Point? in
                guard p.x.isFinite, p.y.isFinite else { return nil }
                if (chart.xScale == .log && p.x <= 0) || (chart.yScale == .log && p.y <= 0) {
                    omitted += 1
                    return nil
                }
                let y = Self.clamped(p.y)
                let low = p.low.isFinite ? Self.clamped(p.low) : y
                let high = p.high.isFinite ? Self.clamped(p.high) : y
                return Point(x: Self.clamped(p.x), y: y, low: min(low, high, y), high: max(low, high, y))
            }
        }
        omittedCount = omitted
    }

    static func clamped(_ v: Double) -> Double { min(max(v, -limit), limit) }

    /// "3 points not shown: 0 or below on a log scale", or nil when every point is shown.
    var omissionText: String? {
        guard omittedCount > 0 else { return nil }
        return "\(omittedCount) point\(omittedCount == 1 ? "" : "s") not shown: 0 or below on a log scale"
    }
}

/// One axis of a chart: its range and ticks, in the scale's own coordinate (the value on a
/// linear axis, its base-10 logarithm on a log axis).
///
/// Both renderers ask the same axis for positions as fractions of its length (0 at `low`,
/// 1 at `high`), so they only differ in how many pixels or dots a fraction is.
struct ChartAxis: Equatable {
    struct Tick: Equatable {
        /// In the axis's coordinate (log10 of the value on a log axis).
        var position: Double
        /// Empty for a tick drawn without a label.
        var text: String
    }

    var scale: SweepChart.Scale
    /// In the axis's coordinate; always `high > low`.
    var low: Double
    var high: Double
    var ticks: [Tick]

    /// The value in the axis's coordinate, or nil when a log axis cannot show it.
    func coordinate(_ value: Double) -> Double? {
        guard value.isFinite else { return nil }
        switch scale {
        case .linear: return value
        case .log: return value > 0 ? ChartMath.log10(value) : nil
        }
    }

    /// Where a value sits along the axis: 0 at its start, 1 at its end; nil when not drawable.
    func fraction(_ value: Double) -> Double? {
        coordinate(value).map { fraction(ofCoordinate: $0) }
    }

    func fraction(ofCoordinate c: Double) -> Double {
        let f = (c - low) / (high - low)
        return f.isFinite ? min(max(f, -0.05), 1.05) : 0
    }

    /// The x axis: spans every tick of the knob (finished or not) and every point.
    static func x(_ chart: SweepChart, _ data: ChartData) -> ChartAxis {
        let scale = chart.xScale
        var ticks: [Tick] = []
        var coordinates: [Double] = []
        let probe = ChartAxis(scale: scale, low: 0, high: 1, ticks: [])
        for t in chart.xTicks {
            guard let c = probe.coordinate(ChartData.clamped(t.x)) else { continue }
            ticks.append(Tick(position: c, text: ChartText.plain(t.text)))
            coordinates.append(c)
        }
        for s in data.series {
            for p in s { if let c = probe.coordinate(p.x) { coordinates.append(c) } }
        }
        guard var low = coordinates.min(), var high = coordinates.max() else {
            return ChartAxis(scale: scale, low: 0, high: 1, ticks: ticks)
        }
        if high - low < 1e-9 {
            low -= 1
            high += 1
        }
        return ChartAxis(scale: scale, low: low, high: high, ticks: ticks)
    }

    /// The y axis: nice ticks (1, 2 or 5 × 10^k apart) over every point's interval, from 0
    /// when no value is below 0; on a log scale, whole decades. `intervals` is roughly how
    /// many steps between ticks the caller has room for.
    static func y(_ scale: SweepChart.Scale, _ data: ChartData, intervals: Int) -> ChartAxis {
        let values = data.series.flatMap { $0.flatMap { [$0.low, $0.y, $0.high] } }
        switch scale {
        case .linear:
            var low = values.min() ?? 0, high = values.max() ?? 1
            if low >= 0 { low = 0 }
            if high <= 0 { high = 0 }
            if high - low < 1e-9 {
                if low < 0 && high <= 0 { low = high - 1 } else { high = low + 1 }
            }
            return linear(low: low, high: high, intervals: intervals)
        case .log:
            let positive = values.filter { $0 > 0 }
            guard let smallest = positive.min(), let largest = positive.max() else {
                return decades(from: 0, through: 1)
            }
            let first = Int((ChartMath.log10(smallest) + 1e-9).rounded(.down))
            var last = Int((ChartMath.log10(largest) - 1e-9).rounded(.up))
            if last <= first { last = first + 1 }
            return decades(from: first, through: last)
        }
    }

    static func linear(low: Double, high: Double, intervals: Int) -> ChartAxis {
        let (mantissa, exponent) = ChartMath.niceStep(atLeast: (high - low) / Double(max(1, intervals)))
        let step = Double(mantissa) * ChartMath.power10(exponent)
        let first = ChartMath.integer((low / step + 1e-9).rounded(.down))
        var last = ChartMath.integer((high / step - 1e-9).rounded(.up))
        if last <= first { last = first + 1 }
        let ticks = (first...last).map { i in
            Tick(position: Double(i) * step, text: ChartNumber.text(mantissa: Int64(i) * mantissa, exponent: exponent))
        }
        return ChartAxis(scale: .linear, low: Double(first) * step, high: Double(last) * step, ticks: ticks)
    }

    static func decades(from first: Int, through last: Int) -> ChartAxis {
        ChartAxis(scale: .log, low: Double(first), high: Double(last),
                  ticks: (first...last).map { Tick(position: Double($0), text: ChartNumber.text(mantissa: 1, exponent: $0)) })
    }
}

/// Arithmetic the charts need that the standard library lacks without Foundation, written
/// so it gives the same bits on every machine.
enum ChartMath {
    /// Base-10 logarithm of a positive finite number, from its binary exponent and a series
    /// for the logarithm of its significand (accurate to about 1e-15; charts need 1e-4).
    static func log10(_ x: Double) -> Double {
        guard x > 0, x.isFinite else { return 0 }
        let s = x.significand  // in [1, 2)
        let z = (s - 1) / (s + 1), z2 = z * z  // ln s = 2 atanh z, z < 1/3
        var term = z, sum = 0.0
        for k in 0..<24 {
            sum += term / Double(2 * k + 1)
            term *= z2
        }
        let ln = 2 * sum + Double(x.exponent) * 0.693_147_180_559_945_3
        return ln / 2.302_585_092_994_045_7
    }

    /// 10^k by repeated multiplication (exact up to 10^22).
    static func power10(_ k: Int) -> Double {
        var p = 1.0
        for _ in 0..<min(abs(k), 400) { p *= 10 }
        return k >= 0 ? p : 1 / p
    }

    /// The smallest of 1, 2, 5 × 10^k that is at least `rough` (> 0): (mantissa, k).
    static func niceStep(atLeast rough: Double) -> (Int64, Int) {
        guard rough.isFinite, rough > 1e-12 else { return (1, -12) }
        let k = Int(log10(rough).rounded(.down))
        let unit = power10(k)
        for m: Int64 in [1, 2, 5] where Double(m) * unit >= rough * (1 - 1e-9) { return (m, k) }
        return (1, k + 1)
    }

    /// A whole number as an Int, clamped to ±10^12 (tick indices never come near).
    static func integer(_ v: Double) -> Int {
        guard v.isFinite else { return 0 }
        return Int(min(max(v, -1e12), 1e12))
    }
}

/// Numbers as chart labels, without Foundation: "0", "0.5", "2", "-40", "1.5k", "2M".
///
/// Exact decimals from integers (a tick is a multiple of 1, 2 or 5 × 10^k), so a label
/// never reads "0.30000000000000004"; from a thousand up, k, M, G, T, so labels stay short
/// in a terminal's y axis.
enum ChartNumber {
    /// mantissa × 10^exponent.
    static func text(mantissa: Int64, exponent: Int) -> String {
        guard mantissa != 0 else { return "0" }
        var m = mantissa.magnitude, e = exponent
        while m % 10 == 0 {
            m /= 10
            e += 1
        }
        let sign = mantissa < 0 ? "-" : ""
        let digits = String(m)
        let order = digits.count - 1 + e  // floor(log10 |value|)
        let units = ["", "k", "M", "G", "T"]
        let unit = order >= 3 ? min(order / 3, units.count - 1) : 0
        let shift = e - 3 * unit
        if order >= 15 || order < -9 || shift > 15 || -shift > 18 || m > UInt64(Int64.max) {
            // Scientific, for values no sweep metric reaches: "1.5e18", "1e-12".
            let rest = digits.dropFirst()
            return sign + String(digits.prefix(1)) + (rest.isEmpty ? "" : "." + rest) + "e" + String(order)
        }
        if shift >= 0 { return sign + digits + String(repeating: "0", count: shift) + units[unit] }
        return sign + Format.trimmed(Format.fixed(Int64(m), decimals: -shift)) + units[unit]
    }

    /// A measured value to four significant digits: 12.34, 0.005, 1.234k.
    static func text(_ value: Double) -> String {
        guard value.isFinite, value != 0 else { return "0" }
        let v = ChartData.clamped(value)
        let order = Int(ChartMath.log10(abs(v)).rounded(.down))
        let exponent = order - 3
        let scaled = (abs(v) / ChartMath.power10(exponent)).rounded()
        guard scaled.isFinite, scaled < 1e6 else { return "0" }
        return text(mantissa: Int64(scaled) * (v < 0 ? -1 : 1), exponent: exponent)
    }
}

/// Which labels of a row of evenly or unevenly placed ticks to print so none overlaps.
enum ChartLabels {
    /// Every k-th label with the smallest k for which none touches the next (`gap` apart),
    /// always keeping the first and the last (dropping labelled ones before the last that
    /// it would overlap). `centres` in order along the axis; `widths` in the same unit.
    static func spaced(centres: [Double], widths: [Double], gap: Double) -> [Int] {
        let n = min(centres.count, widths.count)
        guard n > 1 else { return n == 1 ? [0] : [] }
        func apart(_ a: Int, _ b: Int) -> Bool {
            abs(centres[b] - centres[a]) >= (widths[a] + widths[b]) / 2 + gap
        }
        for k in 1...n {
            var chosen = Array(stride(from: 0, to: n, by: k))
            if chosen.last != n - 1 {
                while chosen.count > 1, let last = chosen.last, !apart(last, n - 1) { chosen.removeLast() }
                chosen.append(n - 1)
            }
            if zip(chosen, chosen.dropFirst()).allSatisfy({ apart($0, $1) }) { return chosen }
        }
        return [0]
    }
}
