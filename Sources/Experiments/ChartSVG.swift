import DeliverySim

/// `ackscope sweep`'s chart as one self-contained SVG 1.1 document, for a browser or slides.
///
/// A line per series (a lane, or a lane at one value of the other knobs) through the means,
/// with the 95% confidence interval as an error bar at each point. The x axis spans every
/// value of the knob from the start, so a chart redrawn while runs finish never rescales
/// sideways. Colour is the lane (Okabe–Ito, safe for colour-blind readers), the dash the
/// variant, the marker the series' place, so a printout in grey still tells lines apart.
/// No script, no external font or stylesheet; numbers are written from integers, so the
/// same chart gives the same bytes on every machine.
public enum ChartSVG {
    /// The document, `width` × `height` pixels (at least 240 × 180).
    public static func document(_ chart: SweepChart, width: Int = 800, height: Int = 480) -> String {
        let widthPixels = max(width, 240), heightPixels = max(height, 180)
        let data = ChartData(chart)
        let omission = data.omissionText
        let plotTop = 52.0
        let plotBottom = Double(heightPixels) - (omission == nil ? 72 : 90)
        let plotHeight = plotBottom - plotTop
        func yPixels(_ fraction: Double) -> Double { plotBottom - fraction * plotHeight }

        let yAxis = ChartAxis.y(chart.yScale, data, intervals: max(2, min(8, Int(plotHeight / 55))))
        // Log axes can have many decades: every k-th labelled, from the bottom, and the top one.
        let yLabelled = ChartLabels.spaced(centres: yAxis.ticks.map { -yPixels(yAxis.fraction(ofCoordinate: $0.position)) },
                                           widths: yAxis.ticks.map { _ in 11 }, gap: 4)
        let widestYLabel = yLabelled.map { yAxis.ticks[$0].text.count }.max() ?? 1
        let plotLeft = 34 + Double(widestYLabel) * tickCharPixels + 8

        let names = chart.series.map { ChartText.plain($0.name) }
        let roomRight = Double(widthPixels) - plotLeft - 16
        let legendPixels = names.isEmpty ? 0 : min(44 + Double(names.map(\.count).max() ?? 0) * charPixels, roomRight * 0.5)
        let plotRight = Double(widthPixels) - 16 - legendPixels
        let pad = 14.0
        func xPixels(_ fraction: Double) -> Double { plotLeft + pad + fraction * (plotRight - plotLeft - 2 * pad) }

        let xAxis = ChartAxis.x(chart, data)
        var body: [String] = []

        // Grid, ticks and axes.
        for (k, tick) in yAxis.ticks.enumerated() {
            let y = px(yPixels(yAxis.fraction(ofCoordinate: tick.position)))
            body.append(##"<line x1="\##(px(plotLeft))" y1="\##(y)" x2="\##(px(plotRight))" y2="\##(y)" stroke="#e4e4e4" stroke-width="1"/>"##)
            body.append(##"<line x1="\##(px(plotLeft - 5))" y1="\##(y)" x2="\##(px(plotLeft))" y2="\##(y)" stroke="#333" stroke-width="1"/>"##)
            if yLabelled.contains(k) {
                body.append(text(plotLeft - 8, yPixels(yAxis.fraction(ofCoordinate: tick.position)) + 4, tick.text, size: 11, anchor: "end"))
            }
        }
        if yAxis.scale == .linear, yAxis.low < 0, yAxis.high > 0 {
            let y = px(yPixels(yAxis.fraction(ofCoordinate: 0)))
            body.append(##"<line x1="\##(px(plotLeft))" y1="\##(y)" x2="\##(px(plotRight))" y2="\##(y)" stroke="#999" stroke-width="1"/>"##)
        }
        let xCentres = xAxis.ticks.map { xPixels(xAxis.fraction(ofCoordinate: $0.position)) }
        let xLabelled = ChartLabels.spaced(centres: xCentres, widths: xAxis.ticks.map { Double($0.text.count) * tickCharPixels },
                                           gap: 8)
        for (k, tick) in xAxis.ticks.enumerated() {
            let x = px(xCentres[k])
            body.append(##"<line x1="\##(x)" y1="\##(px(plotBottom))" x2="\##(x)" y2="\##(px(plotBottom + 5))" stroke="#333" stroke-width="1"/>"##)
            if xLabelled.contains(k) { body.append(text(xCentres[k], plotBottom + 19, tick.text, size: 11, anchor: "middle")) }
        }
        body.append(##"<path d="M\##(px(plotLeft)),\##(px(plotTop - 4)) V\##(px(plotBottom)) H\##(px(plotRight))" fill="none" stroke="#333" stroke-width="1"/>"##)

        // Error bars under the lines, lines under the markers.
        var bars: [String] = [], lines: [String] = [], markers: [String] = []
        for (k, series) in chart.series.enumerated() {
            let colour = colour(series.mode), name = names[k]
            var barLines: [String] = [], points: [String] = [], marks: [String] = []
            for p in data.series[k] {
                guard let fx = xAxis.fraction(p.x), let fy = yAxis.fraction(p.y) else { continue }
                let x = xPixels(fx), y = yPixels(fy)
                points.append(px(x) + "," + px(y))
                let top = yAxis.fraction(p.high).map(yPixels) ?? y
                let bottom = yAxis.fraction(p.low).map(yPixels)
                if (bottom ?? plotBottom) - top > 0.5 {
                    barLines.append(##"<line x1="\##(px(x))" y1="\##(px(top))" x2="\##(px(x))" y2="\##(px(bottom ?? plotBottom))"/>"##)
                    barLines.append(##"<line x1="\##(px(x - 4))" y1="\##(px(top))" x2="\##(px(x + 4))" y2="\##(px(top))"/>"##)
                    if let bottom {  // clipped at a log axis's bottom: no cap, the bar goes on
                        barLines.append(##"<line x1="\##(px(x - 4))" y1="\##(px(bottom))" x2="\##(px(x + 4))" y2="\##(px(bottom))"/>"##)
                    }
                }
                let tip = "\(name): \(xText(p.x, chart)) → \(ChartNumber.text(p.y)) (95% CI \(ChartNumber.text(p.low)) – \(ChartNumber.text(p.high)))"
                marks.append(marker(k, x: x, y: y, tip: tip))
            }
            if !barLines.isEmpty {
                bars.append(##"<g class="error-bars" stroke="\##(colour)" stroke-width="1.2">"## + barLines.joined() + "</g>")
            }
            // Exactly one polyline per series, empty while it has no point yet.
            lines.append(##"<polyline class="series" data-series="\##(xml(name))" points="\##(points.joined(separator: " "))" "##
                + ##"fill="none" stroke="\##(colour)" stroke-width="2" stroke-linejoin="round"\##(dashAttribute(series.variant))>"##
                + "<title>\(xml(name))</title></polyline>")
            if !marks.isEmpty {
                markers.append(##"<g class="markers" fill="\##(colour)" stroke="\##(colour)" stroke-width="1.5">"## + marks.joined() + "</g>")
            }
        }
        body += bars + lines + markers

        // The legend, right of the plot: as many rows as fit, then "+N more".
        let rowsFitting = max(1, Int(plotHeight / 20))
        let shown = chart.series.count <= rowsFitting ? chart.series.count : rowsFitting - 1
        let nameChars = max(4, Int((legendPixels - 44) / charPixels + 0.001))
        for k in 0..<shown {
            let series = chart.series[k]
            let x = plotRight + 16, y = plotTop + 8 + Double(k) * 20
            let colour = colour(series.mode)
            body.append(##"<g class="legend" data-series="\##(xml(names[k]))">"##
                + ##"<line x1="\##(px(x))" y1="\##(px(y))" x2="\##(px(x + 28))" y2="\##(px(y))" stroke="\##(colour)" stroke-width="2"\##(dashAttribute(series.variant))/>"##
                + ##"<g fill="\##(colour)" stroke="\##(colour)" stroke-width="1.5">\##(marker(k, x: x + 14, y: y, tip: nil))</g>"##
                + text(x + 36, y + 4, truncated(names[k], nameChars)) + "</g>")
        }
        if shown < chart.series.count {
            body.append(text(plotRight + 16, plotTop + 8 + Double(shown) * 20 + 4, "+\(chart.series.count - shown) more", fill: "#555"))
        }

        // Words: title on top, axis labels, the note (and what was left out) under the plot.
        let middle = (plotLeft + plotRight) / 2
        // Cut to the room they have (17px bold is about 10.3px a character), so small charts stay tidy.
        body.append(text(Double(widthPixels) / 2, 30, truncated(plain(chart.title), Int((Double(widthPixels) - 16) / 10.3)), size: 17,
                         weight: "bold", anchor: "middle"))
        body.append(text(middle, plotBottom + 40, truncated(plain(chart.xLabel), Int((plotRight - plotLeft) / charPixels)), anchor: "middle"))
        let yMiddle = px((plotTop + plotBottom) / 2)
        let yLabel = xml(truncated(plain(chart.yLabel), Int((plotHeight + 40) / charPixels)))
        body.append(##"<text x="18" y="\##(yMiddle)" fill="#222" text-anchor="middle" transform="rotate(-90 18 \##(yMiddle))">\##(yLabel)</text>"##)
        let noteChars = Int((Double(widthPixels) - plotLeft - 8) / tickCharPixels)
        body.append(text(plotLeft, plotBottom + 60, truncated(plain(chart.note), noteChars), size: 11, fill: "#555"))
        if let omission { body.append(text(plotLeft, plotBottom + 77, truncated(omission, noteChars), size: 11, fill: "#a33")) }

        let title = ChartText.plain(chart.title).isEmpty ? "ackscope sweep" : chart.title
        return """
        <svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="\(widthPixels)" height="\(heightPixels)" \
        viewBox="0 0 \(widthPixels) \(heightPixels)" font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" font-size="12">
        <title>\(xml(title))</title>
        <rect width="100%" height="100%" fill="white"/>
        \(body.joined(separator: "\n"))
        </svg>

        """
    }

    /// About how wide a character is at 12px and 11px in a monospace font.
    static let charPixels = 7.2
    static let tickCharPixels = 6.6

    /// The lane's colour, from the Okabe–Ito palette (distinct for colour-blind readers).
    public static func colour(_ mode: Mode) -> String {
        switch mode {
        case .atMostOnce: "#D55E00"  // vermillion
        case .atLeastOnce: "#E69F00"  // orange
        case .idempotent: "#0072B2"  // blue
        case .effectivelyOnce: "#009E73"  // bluish green
        case .inProcess: "#CC79A7"  // reddish purple
        }
    }

    /// The variant's dash pattern: 0 is solid, then dashes, dots, dash-dots, …, repeating.
    static func dashAttribute(_ variant: Int) -> String {
        let patterns = ["", "7 4", "2 3", "9 3 2 3", "14 4", "2 2 7 2"]
        let pattern = patterns[((variant % patterns.count) + patterns.count) % patterns.count]
        return pattern.isEmpty ? "" : ##" stroke-dasharray="\##(pattern)""##
    }

    /// Series k's marker: filled circle, square, triangle, diamond, then hollow circle and
    /// square (the same order as `ChartText`'s ● ■ ▲ ◆ ○ □). Fill and stroke come from the group.
    static func marker(_ k: Int, x: Double, y: Double, tip: String?) -> String {
        let title = tip.map { "<title>\(xml($0))</title>" } ?? ""
        let close = title.isEmpty ? "/>" : ">" + title
        switch k % 6 {
        case 0: return ##"<circle cx="\##(px(x))" cy="\##(px(y))" r="4""## + close + (title.isEmpty ? "" : "</circle>")
        case 1:
            return ##"<rect x="\##(px(x - 3.5))" y="\##(px(y - 3.5))" width="7" height="7""## + close + (title.isEmpty ? "" : "</rect>")
        case 2:
            return ##"<polygon points="\##(px(x)),\##(px(y - 5)) \##(px(x + 4.5)),\##(px(y + 3.5)) \##(px(x - 4.5)),\##(px(y + 3.5))""##
                + close + (title.isEmpty ? "" : "</polygon>")
        case 3:
            return ##"<polygon points="\##(px(x)),\##(px(y - 5)) \##(px(x + 5)),\##(px(y)) \##(px(x)),\##(px(y + 5)) \##(px(x - 5)),\##(px(y))""##
                + close + (title.isEmpty ? "" : "</polygon>")
        case 4:
            return ##"<circle cx="\##(px(x))" cy="\##(px(y))" r="4" fill="white""## + close + (title.isEmpty ? "" : "</circle>")
        default:
            return ##"<rect x="\##(px(x - 3.5))" y="\##(px(y - 3.5))" width="7" height="7" fill="white""## + close
                + (title.isEmpty ? "" : "</rect>")
        }
    }

    /// The knob's value as the command line wrote it when it is a tick, else as a number.
    static func xText(_ x: Double, _ chart: SweepChart) -> String {
        chart.xTicks.first(where: { $0.x == x }).map { ChartText.plain($0.text) } ?? ChartNumber.text(x)
    }

    /// A coordinate with at most one decimal, from an integer: 12.25 → "12.3", 40.0 → "40".
    static func px(_ v: Double) -> String {
        guard v.isFinite else { return "0" }
        let tenths = Int64((min(max(v, -1e6), 1e6) * 10).rounded())
        return Format.trimmed(Format.fixed(tenths, decimals: 1))
    }

    static func text(_ x: Double, _ y: Double, _ content: String, size: Int? = nil, weight: String? = nil, fill: String = "#222",
                     anchor: String? = nil) -> String {
        var attributes = ##"x="\##(px(x))" y="\##(px(y))" fill="\##(fill)""##
        if let size { attributes += ##" font-size="\##(size)""## }
        if let weight { attributes += ##" font-weight="\##(weight)""## }
        if let anchor { attributes += ##" text-anchor="\##(anchor)""## }
        return "<text \(attributes)>\(xml(content))</text>"
    }

    static func plain(_ s: String) -> String { ChartText.plain(s) }

    static func truncated(_ s: String, _ chars: Int) -> String {
        s.count <= chars ? s : String(s.prefix(max(1, chars - 1))) + "…"
    }

    /// Text as XML character data or an attribute value: `StorySVG.escaped` on the text
    /// without control characters (not allowed in XML 1.0), and `'` as `&#39;` too.
    static func xml(_ s: String) -> String {
        var out = ""
        for ch in StorySVG.escaped(ChartText.plain(s)) {
            if ch == "'" { out += "&#39;" } else { out.append(ch) }
        }
        return out
    }
}
