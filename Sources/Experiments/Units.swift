import DeliverySim

/// Why a text is not a duration, a percentage or a latency range.
///
/// Kept apart from "not of the form" so that an error can say what is wrong with a
/// well-formed value: a negative or too large one, or a range given backwards.
public enum UnitError: Error, Equatable, Sendable {
    /// Not of the expected form ("2x", "12" without a unit, "abc").
    case malformed
    /// Of the form, but outside what is accepted (negative, or above the largest value).
    case outOfRange
    /// A range MIN..MAX whose MIN is greater than its MAX.
    case minAboveMax(min: Micros, max: Micros)
}

/// Parsing of the human forms used by flags and scenario files ("2ms", "1%", "0.5ms..2ms").
///
/// Pure and shared, so a flag and a scenario key accept exactly the same text.
public enum UnitParse {
    /// The largest duration accepted: 2,500,000 hours. Sums of durations (a run plus its
    /// drain limit, a time plus a deadline) stay far inside the 64-bit microsecond clock.
    public static let durationMaxMicros: Micros = 9_000_000_000_000_000

    /// "250us", "2ms", "1.5s", "2m", "1h"; a bare number is rejected (the unit is required).
    public static func duration(_ text: String) -> Micros? {
        try? parseDuration(text).get()
    }

    /// As `duration`, saying why a text is not one.
    public static func parseDuration(_ text: String) -> Result<Micros, UnitError> {
        let t = text.trimmingSpaces()
        let units: [(String, Double)] = [("us", 1), ("µs", 1), ("ms", 1_000), ("s", 1_000_000), ("m", 60_000_000), ("h", 3_600_000_000)]
        for (suffix, scale) in units where t.hasSuffix(suffix) {
            let number = String(t.dropLast(suffix.count))
            guard let value = decimal(number) else {
                return number.hasPrefix("-") && decimal(String(number.dropFirst())) != nil ? .failure(.outOfRange) : .failure(.malformed)
            }
            let micros = (value * scale).rounded()
            guard micros <= Double(durationMaxMicros) else { return .failure(.outOfRange) }
            return .success(Micros(micros))
        }
        return .failure(.malformed)
    }

    /// "1%", "0.5%", "0" → parts per million.
    public static func percent(_ text: String) -> Int32? {
        try? parsePercent(text).get()
    }

    /// As `percent`, saying why a text is not one.
    public static func parsePercent(_ text: String) -> Result<Int32, UnitError> {
        var t = text.trimmingSpaces()
        if t.hasSuffix("%") { t.removeLast() } else if t != "0" { return .failure(.malformed) }
        guard let value = decimal(t) else {
            return t.hasPrefix("-") && decimal(String(t.dropFirst())) != nil ? .failure(.outOfRange) : .failure(.malformed)
        }
        guard value <= 100 else { return .failure(.outOfRange) }
        return .success(Int32((value * 10_000).rounded()))
    }

    /// "0.5ms..2ms" (uniform) or a single duration "1ms".
    public static func range(_ text: String) -> (Micros, Micros)? {
        try? parseRange(text).get()
    }

    /// As `range`, saying why a text is not one; MIN is checked before MAX, and both before
    /// their order.
    public static func parseRange(_ text: String) -> Result<(Micros, Micros), UnitError> {
        let t = text.trimmingSpaces()
        guard let dots = t.range(of: "..") else { return parseDuration(t).map { ($0, $0) } }
        let lo: Micros, hi: Micros
        switch parseDuration(String(t[..<dots.lowerBound])) {
        case .success(let v): lo = v
        case .failure(let e): return .failure(e)
        }
        switch parseDuration(String(t[dots.upperBound...])) {
        case .success(let v): hi = v
        case .failure(let e): return .failure(e)
        }
        return lo <= hi ? .success((lo, hi)) : .failure(.minAboveMax(min: lo, max: hi))
    }

    /// A plain decimal number without exponent: "12", "0.5", ".5".
    public static func decimal(_ text: String) -> Double? {
        guard !text.isEmpty else { return nil }
        var intPart: Double = 0, frac: Double = 0, scale: Double = 1
        var seenDot = false, digits = 0
        for ch in text {
            if ch == "." {
                if seenDot { return nil }
                seenDot = true
            } else if let d = ch.wholeNumberValue, ch.isASCII {
                digits += 1
                if seenDot { scale /= 10; frac += Double(d) * scale } else { intPart = intPart * 10 + Double(d) }
            } else {
                return nil
            }
        }
        return digits == 0 ? nil : intPart + frac
    }
}

/// Formatting without Foundation, byte-identical on every machine.
public enum Format {
    /// A count in at most `width` characters when it can be: as is if it fits, else
    /// 1.5k, 15k, 150k, 1.5M, … (rounded, never cut).
    public static func abbreviated(_ n: Int, width: Int) -> String {
        let plain = String(n)
        guard plain.count > width else { return plain }
        let v = Double(n.magnitude), sign = n < 0 ? "-" : ""
        for (scale, unit) in [(1e3, "k"), (1e6, "M"), (1e9, "G"), (1e12, "T"), (1e15, "P")] {
            let x = v / scale
            if x < 9.95 {
                let tenths = Int((x * 10).rounded())
                return sign + "\(tenths / 10).\(tenths % 10)" + unit
            }
            if x < 999.5 { return sign + String(Int(x.rounded())) + unit }
        }
        return plain
    }

    /// Micros as milliseconds with three decimals: 1234 → "1.234".
    public static func millis(_ micros: Micros) -> String { fixed(micros, decimals: 3) }

    /// Micros as seconds with two decimals: 12_310_000 → "12.31s".
    public static func seconds(_ micros: Micros) -> String {
        fixed(micros / 10_000, decimals: 2) + "s"
    }

    /// An integer scaled by 10^decimals, printed as a decimal: (1234, 3) → "1.234".
    public static func fixed(_ value: Int64, decimals: Int) -> String {
        let negative = value < 0
        let v = negative ? -value : value
        var divisor: Int64 = 1
        for _ in 0..<decimals { divisor *= 10 }
        let whole = v / divisor
        var out = negative ? "-" : ""
        out += String(whole)
        if decimals > 0 {
            var frac = String(v % divisor)
            while frac.count < decimals { frac = "0" + frac }
            out += "." + frac
        }
        return out
    }

    /// A duration in the shortest of the flag forms that is exact: "2ms", "1.5s", "250us".
    public static func duration(_ micros: Micros) -> String {
        if micros == 0 { return "0s" }
        if micros % 1_000_000 == 0 { return String(micros / 1_000_000) + "s" }
        if micros % 1_000 == 0 {
            let ms = micros / 1_000
            if ms >= 1_000 { return trimmed(fixed(ms, decimals: 3)) + "s" }
            return String(ms) + "ms"
        }
        if micros >= 1_000 { return trimmed(fixed(micros, decimals: 3)) + "ms" }
        return String(micros) + "us"
    }

    /// Parts per million as a percentage: 10_000 → "1%", 5_000 → "0.5%".
    public static func percent(_ ppm: Int32) -> String {
        trimmed(fixed(Int64(ppm), decimals: 4)) + "%"
    }

    public static func trimmed(_ s: String) -> String {
        guard s.contains(".") else { return s }
        var t = s
        while t.last == "0" { t.removeLast() }
        if t.last == "." { t.removeLast() }
        return t
    }

    /// The text without trailing spaces.
    static func trimmedRight(_ s: String) -> String {
        var t = Substring(s)
        while t.last == " " { t.removeLast() }
        return String(t)
    }

    /// Pads on the left to `width` characters.
    public static func leftPad(_ s: String, _ width: Int) -> String {
        let n = s.count
        return n >= width ? s : String(repeating: " ", count: width - n) + s
    }

    /// Pads on the right to `width` characters.
    public static func rightPad(_ s: String, _ width: Int) -> String {
        let n = s.count
        return n >= width ? s : s + String(repeating: " ", count: width - n)
    }

    /// Words in rows of `width` columns, broken at spaces; rows after the first start with
    /// `indent` spaces (within the width). A word longer than its row is cut.
    public static func wrap(_ text: String, width: Int, indent: Int = 0) -> [String] {
        guard width > 0, !text.isEmpty else { return [] }
        // The common case, drawn every frame for every log line: it fits.
        if text.utf8.count <= width || text.count <= width { return [text] }
        let pad = String(repeating: " ", count: max(0, min(indent, width - 1)))
        var rows: [String] = []
        var row = ""
        for word in text.split(separator: " ") {
            let room = rows.isEmpty ? width : width - pad.count
            if row.isEmpty {
                row = String(word.prefix(room))
            } else if row.count + 1 + word.count <= room {
                row += " " + word
            } else {
                rows.append(row)
                row = String(word.prefix(width - pad.count))
            }
        }
        if !row.isEmpty { rows.append(row) }
        return rows.enumerated().map { $0.offset == 0 ? $0.element : pad + $0.element }
    }
}

extension String {
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while s.first == " " || s.first == "\t" { s.removeFirst() }
        while s.last == " " || s.last == "\t" { s.removeLast() }
        return String(s)
    }

    func range(of needle: String) -> Range<String.Index>? {
        guard !needle.isEmpty, count >= needle.count else { return nil }
        var i = startIndex
        while i < endIndex {
            if self[i...].hasPrefix(needle) { return i..<index(i, offsetBy: needle.count) }
            i = index(after: i)
        }
        return nil
    }
}

/// "Did you mean" hints for mistyped keys, verbs and roles.
public enum Suggest {
    /// The candidate within edit distance 2 of `word` (case-insensitive), or nil.
    public static func closest(to word: String, among candidates: [String]) -> String? {
        /// Edit distance, or 3 as soon as it must be more than 2 (every entry of a row is).
        func distance(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar]) -> Int {
            if a.isEmpty { return min(3, b.count) }
            if b.isEmpty { return min(3, a.count) }
            var row = Array(0...b.count)
            for i in 1...a.count {
                var diagonal = row[0]
                row[0] = i
                var smallest = row[0]
                for j in 1...b.count {
                    let above = row[j]
                    row[j] = min(above + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1))
                    diagonal = above
                    smallest = min(smallest, row[j])
                }
                if smallest > 2 { return 3 }
            }
            return row[b.count]
        }
        // Nothing is within 2 of a word longer than every candidate by 3: stop counting there
        // rather than lowercase a 10 MB key.
        let longest = 2 + candidates.reduce(0) { max($0, $1.unicodeScalars.count) }
        var length = 0
        for _ in word.unicodeScalars {
            length += 1
            if length > longest { return nil }
        }
        // Scalars, not Characters: the candidates are ASCII names, and splitting into
        // Characters was most of the time of a theme with 20,000 unknown roles.
        let target = Array(word.lowercased().unicodeScalars)
        var best: (word: String, distance: Int)? = nil
        for candidate in candidates {
            let scalars = Array(candidate.unicodeScalars)
            // The distance is at least the difference in length: skip the quadratic work
            // (a 10 MB key took 16 s here).
            guard abs(target.count - scalars.count) <= 2 else { continue }
            let d = distance(target, scalars)
            if d <= 2, d < (best?.distance ?? Int.max) { best = (candidate, d) }
        }
        return best?.word
    }
}
