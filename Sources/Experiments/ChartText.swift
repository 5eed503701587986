import DeliverySim

/// `ackscope sweep`'s chart in the terminal, printed under its table: the same axes and
/// points as `ChartSVG`, in characters.
///
/// The means only (the table above gives the confidence intervals): a line per series
/// between consecutive points, each point a marker (series k: ● ■ ▲ ◆ ○ □ …, or in ASCII
/// o x * # @ % …) that wins over line dots in its cell. Braille draws lines with 2×4 dots
/// per cell; ASCII with `- | / \` for terminals or logs without Unicode. No colours and no
/// escape codes: control characters in any text are removed, and in ASCII style every
/// character that is not ASCII becomes an ASCII look-alike or `?`.
public enum ChartText {
    public enum Style: Sendable {
        case braille, ascii
    }

    /// The chart in at most `width` characters a line (counted as Characters), trailing
    /// spaces trimmed, with a plot area of `height` rows.
    ///
    /// The lines, in order: the title, the y label, the `height` plot rows (y tick labels
    /// on the left), the x axis, the x tick texts, the x label (so `height + 5` so far),
    /// then the legend (one line, more only when the names do not fit in one, none without
    /// series), the note (wrapped; none when empty), and one line when points at 0 or
    /// below were left out of a log scale. Below 30 columns or 3 rows, only a line saying
    /// so (which may be longer than `width`).
    public static func lines(_ chart: SweepChart, width: Int, height: Int, style: Style) -> [String] {
        guard width >= 30 else { return ["(chart needs at least 30 columns)"] }
        guard height >= 3 else { return ["(chart needs at least 3 rows)"] }
        let clean: (String) -> String = { style == .ascii ? ascii(plain($0)) : plain($0) }
        let data = ChartData(chart)
        let (dotsAcross, dotsDown) = style == .braille ? (2, 4) : (1, 1)
        let rows = height
        func dotRow(_ fraction: Double) -> Int {
            clampedIndex(((1 - fraction) * Double(rows * dotsDown - 1)).rounded(), rows * dotsDown)
        }
        func row(_ fraction: Double) -> Int { dotRow(fraction) / dotsDown }

        // The y axis: as many nice ticks as fit two rows apart (one when the plot is short).
        let rowsApart = height >= 5 ? 2 : 1
        func tickRows(_ axis: ChartAxis) -> [Int] { axis.ticks.map { row(axis.fraction(ofCoordinate: $0.position)) } }
        var yAxis = ChartAxis.y(chart.yScale, data, intervals: 1)
        for intervals in stride(from: max(1, min(6, (height - 1) / 2)), through: 2, by: -1) {
            let axis = ChartAxis.y(chart.yScale, data, intervals: intervals)
            let r = tickRows(axis)
            if zip(r, r.dropFirst()).allSatisfy({ abs($0 - $1) >= rowsApart }) {
                yAxis = axis
                break
            }
        }
        var yLabels = [String?](repeating: nil, count: rows)
        var yTickRows = [Bool](repeating: false, count: rows)
        let yRows = tickRows(yAxis)
        for r in yRows { yTickRows[r] = true }
        // Many decades on a log scale: every k-th labelled, from the bottom, and the top one.
        for k in ChartLabels.spaced(centres: yRows.map { -Double($0) }, widths: yRows.map { _ in 1 }, gap: Double(rowsApart - 1)) {
            yLabels[yRows[k]] = String(clean(yAxis.ticks[k].text).prefix(10))
        }
        let labelColumns = max(1, yLabels.map { $0?.count ?? 0 }.max() ?? 1)
        let plotColumns = width - labelColumns - 1
        func dotColumn(_ fraction: Double) -> Int {
            clampedIndex((fraction * Double(plotColumns * dotsAcross - 1)).rounded(), plotColumns * dotsAcross)
        }

        // The plot: line dots (braille) or line characters (ASCII), then markers over them.
        let xAxis = ChartAxis.x(chart, data)
        var dots = [[UInt8]](repeating: [UInt8](repeating: 0, count: plotColumns), count: rows)
        var strokes = [[Character?]](repeating: [Character?](repeating: nil, count: plotColumns), count: rows)
        var marks = [[Character?]](repeating: [Character?](repeating: nil, count: plotColumns), count: rows)
        for (k, points) in data.series.enumerated() {
            let placed = points.compactMap { p -> (column: Int, row: Int)? in
                guard let fx = xAxis.fraction(p.x), let fy = yAxis.fraction(p.y) else { return nil }
                return (dotColumn(fx), dotRow(fy))
            }
            for (a, b) in zip(placed, placed.dropFirst()) {
                if style == .braille {
                    bresenham(from: a, to: b) { c, r in dots[r / 4][c / 2] |= brailleBit(column: c % 2, row: r % 4) }
                } else {
                    let stroke = asciiStroke(columns: b.column - a.column, rowsDown: b.row - a.row)
                    bresenham(from: a, to: b) { c, r in strokes[r][c] = stroke }
                }
            }
            let marker = marker(k, of: chart.series.count, style)
            for p in placed { marks[p.row / dotsDown][p.column / dotsAcross] = marker }
        }

        var out: [String] = []
        out.append(fit(clean(chart.title), width, style))
        out.append(fit(clean(chart.yLabel), width, style))
        for r in 0..<rows {
            var line = Format.leftPad(yLabels[r] ?? "", labelColumns)
            line += yTickRows[r] ? (style == .braille ? "┤" : "+") : (style == .braille ? "│" : "|")
            for c in 0..<plotColumns {
                if let m = marks[r][c] {
                    line.append(m)
                } else if style == .braille {
                    line.append(dots[r][c] == 0 ? " " : Character(Unicode.Scalar(0x2800 + UInt32(dots[r][c])) ?? " "))
                } else {
                    line.append(strokes[r][c] ?? " ")
                }
            }
            out.append(Format.trimmedRight(line))
        }

        // The x axis, its ticks and their texts (every k-th when they would touch).
        let tickColumns = xAxis.ticks.map { labelColumns + 1 + dotColumn(xAxis.fraction(ofCoordinate: $0.position)) / dotsAcross }
        var axis = [Character](repeating: style == .braille ? "─" : "-", count: width)
        for c in 0..<labelColumns { axis[c] = " " }
        axis[labelColumns] = style == .braille ? "└" : "+"
        for c in tickColumns where c < width { axis[c] = style == .braille ? "┬" : "+" }
        out.append(Format.trimmedRight(String(axis)))
        let tickTexts = xAxis.ticks.map { String(clean($0.text).prefix(width)) }
        let starts = zip(tickColumns, tickTexts).map { c, t in min(max(0, c - (t.count - 1) / 2), width - t.count) }
        let shown = ChartLabels.spaced(centres: zip(starts, tickTexts).map { Double($0) + Double($1.count) / 2 },
                                       widths: tickTexts.map { Double($0.count) }, gap: 1)
        var labels = [Character](repeating: " ", count: width)
        for k in shown {
            for (i, ch) in tickTexts[k].enumerated() { labels[starts[k] + i] = ch }
        }
        out.append(Format.trimmedRight(String(labels)))
        let xLabel = fit(clean(chart.xLabel), width, style)
        let indent = max(0, min(labelColumns + 1 + (plotColumns - xLabel.count) / 2, width - xLabel.count))
        out.append(Format.trimmedRight(String(repeating: " ", count: indent) + xLabel))

        // Legend, note, and what a log scale left out.
        var legend = ""
        for (k, s) in chart.series.enumerated() {
            let item = fit(String(marker(k, of: chart.series.count, style)) + " " + clean(s.name), width, style)
            if legend.isEmpty {
                legend = item
            } else if legend.count + 2 + item.count <= width {
                legend += "  " + item
            } else {
                out.append(Format.trimmedRight(legend))
                legend = item
            }
        }
        if !legend.isEmpty { out.append(Format.trimmedRight(legend)) }
        out += Format.wrap(clean(chart.note), width: width).map { Format.trimmedRight(fit($0, width, style)) }
        if let omission = data.omissionText { out.append(fit(omission, width, style)) }
        return out
    }

    /// Series k's marker among `count`: `markers(style)[k]`, or with more series than those,
    /// a letter or digit each (62 before any repeats), so no two lines share a marker.
    static func marker(_ k: Int, of count: Int, _ style: Style) -> Character {
        let shapes = markers(style)
        guard count > shapes.count else { return shapes[k % shapes.count] }
        let many = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        return many[k % many.count]
    }

    /// The markers of up to eight series: shapes in braille style (the same order as the
    /// SVG's markers), distinct letters and signs in ASCII.
    static func markers(_ style: Style) -> [Character] {
        switch style {
        case .braille: ["●", "■", "▲", "◆", "○", "□", "△", "◇"]
        case .ascii: ["o", "x", "*", "#", "@", "%", "&", "$"]
        }
    }

    /// The bit of a braille cell's dot (columns 0–1, rows 0–3 from the top): dots 1–8.
    static func brailleBit(column: Int, row: Int) -> UInt8 {
        let left: [UInt8] = [0x01, 0x02, 0x04, 0x40], right: [UInt8] = [0x08, 0x10, 0x20, 0x80]
        return column == 0 ? left[row] : right[row]
    }

    /// The ASCII character for a segment by its slope in cells (rows grow downwards).
    static func asciiStroke(columns: Int, rowsDown: Int) -> Character {
        guard columns != 0 else { return "|" }
        let rise = -Double(rowsDown) / Double(columns)
        if abs(rise) <= 0.5 { return "-" }
        if abs(rise) >= 2 { return "|" }
        return rise > 0 ? "/" : "\\"
    }

    /// Every grid point on the line from `a` to `b`, both ends included.
    static func bresenham(from a: (column: Int, row: Int), to b: (column: Int, row: Int), _ plot: (Int, Int) -> Void) {
        var x = a.column, y = a.row
        let dx = abs(b.column - x), dy = -abs(b.row - y)
        let stepX = x < b.column ? 1 : -1, stepY = y < b.row ? 1 : -1
        var error = dx + dy
        while true {
            plot(x, y)
            if x == b.column && y == b.row { break }
            let twice = 2 * error
            if twice >= dy {
                error += dy
                x += stepX
            }
            if twice <= dx {
                error += dx
                y += stepY
            }
        }
    }

    static func clampedIndex(_ v: Double, _ count: Int) -> Int {
        guard v.isFinite else { return 0 }
        return Int(min(max(v, 0), Double(count - 1)))
    }

    static func fit(_ s: String, _ width: Int, _ style: Style) -> String {
        guard s.count > width else { return s }
        return style == .braille ? String(s.prefix(width - 1)) + "…" : String(s.prefix(width - 3)) + "..."
    }

    /// The text without control characters (C0, DEL, C1: escape codes in a terminal, not
    /// allowed in XML 1.0); tabs and line breaks become spaces.
    static func plain(_ s: String) -> String {
        var out = String.UnicodeScalarView()
        for u in s.unicodeScalars {
            switch u.value {
            case 0x09, 0x0A, 0x0D: out.append(" ")
            case 0x00...0x1F, 0x7F...0x9F, 0xFFFE, 0xFFFF: continue
            default: out.append(u)
            }
        }
        return String(out)
    }

    /// The text in ASCII: look-alikes for the few signs the sweep writes ("·", "–", "µ",
    /// "…"), `?` for anything else.
    static func ascii(_ s: String) -> String {
        var out = ""
        for u in s.unicodeScalars {
            if u.isASCII {
                out.unicodeScalars.append(u)
                continue
            }
            switch u {
            case "·", "•", "–", "—", "−": out += "-"
            case "…": out += "..."
            case "µ", "μ": out += "u"
            case "×": out += "x"
            case "≤": out += "<="
            case "≥": out += ">="
            case "→": out += "->"
            default: out += "?"
            }
        }
        return out
    }
}
