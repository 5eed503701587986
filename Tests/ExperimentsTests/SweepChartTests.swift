import DeliverySim
import Testing
@testable import Experiments

/// The sweep's chart renderers: a well-formed SVG and a terminal chart that fits its width,
/// whatever the data (empty, flat, one point, zeros on a log scale, hostile names).
@Suite struct SweepChartTests {
    // MARK: Charts to draw

    static let lossTicks = (0...10).map { SweepChart.Tick(x: Double($0), text: "\($0)%") }

    static func chart(_ series: [SweepChart.Series], ticks: [SweepChart.Tick] = lossTicks, xScale: SweepChart.Scale = .linear,
                      yScale: SweepChart.Scale = .linear) -> SweepChart {
        SweepChart(title: "duplicate effects vs loss", xLabel: "loss (%)", yLabel: "duplicate effects per run", xScale: xScale,
                   yScale: yScale, xTicks: ticks, series: series, note: "mean and 95% CI over 20 seeds (1..20) per point")
    }

    static func points(_ ys: [Double], spread: Double = 0) -> [SweepChart.Point] {
        // Counts: a confidence interval never reaches below 0 unless the mean does.
        ys.enumerated().map { k, y in
            SweepChart.Point(x: Double(k), y: y, low: y >= 0 ? max(0, y - spread * Double(k)) : y - spread * Double(k),
                             high: y + spread * Double(k))
        }
    }

    /// Three lanes: one rising 0 → 40, one flat at 0, one rising slowly; the last two points
    /// of the slow one not finished yet (a live chart).
    static let threeLanes = chart([
        SweepChart.Series(name: "at-most-once", mode: .atMostOnce, variant: 0, points: points((0...10).map { Double($0 * $0) * 0.4 }, spread: 0.5)),
        SweepChart.Series(name: "at-least-once", mode: .atLeastOnce, variant: 0, points: points(Array(repeating: 0, count: 11))),
        SweepChart.Series(name: "idempotent", mode: .idempotent, variant: 1, points: points((0...8).map { Double($0) }, spread: 0.2)),
    ])

    static let empty = chart([])
    static let noPoints = chart([SweepChart.Series(name: "at-most-once", mode: .atMostOnce, variant: 0, points: [])])
    static let flatZero = chart(Mode.allCases.map { SweepChart.Series(name: $0.rawValue, mode: $0, variant: 0, points: points([0, 0, 0])) })
    static let onePoint = chart([SweepChart.Series(name: "at-least-once", mode: .atLeastOnce, variant: 0,
                                                   points: [SweepChart.Point(x: 3, y: 7, low: 5, high: 9)])],
                                ticks: [SweepChart.Tick(x: 3, text: "3%")])
    static let logWithZeros = chart([
        SweepChart.Series(name: "at-most-once", mode: .atMostOnce, variant: 0,
                          points: points([0, 0.5, 3, 20, 150, 900, 4000, 0], spread: 0.1)),
        SweepChart.Series(name: "effectively-once", mode: .effectivelyOnce, variant: 0, points: points([0.02, 0.2, 2])),
    ], yScale: .log)
    static let negative = chart([SweepChart.Series(name: "drift", mode: .inProcess, variant: 2, points: points([-3.5, -1, 0.25, 2.5]))])
    static let logXWithZero = chart([SweepChart.Series(name: "at-most-once", mode: .atMostOnce, variant: 0, points: points([1, 2, 3]))],
                                    ticks: [SweepChart.Tick(x: 0, text: "0"), SweepChart.Tick(x: 1, text: "1"),
                                            SweepChart.Tick(x: 2, text: "2")], xScale: .log)
    static let notFinite = chart([SweepChart.Series(name: "at-most-once", mode: .atMostOnce, variant: 0, points: [
        SweepChart.Point(x: 0, y: .nan, low: 0, high: 1), SweepChart.Point(x: 1, y: 2, low: -.infinity, high: .infinity),
        SweepChart.Point(x: .infinity, y: 1, low: 1, high: 1), SweepChart.Point(x: 2, y: 1e300, low: 0, high: 1e300),
    ])])
    static let hostileName = "a<b&c\"d'e\u{1B}[31m"
    static let hostile = SweepChart(title: "t<i>tle & \u{7}bell", xLabel: "x \"label\"", yLabel: "y 'label'", xScale: .linear,
                                    yScale: .linear, xTicks: [SweepChart.Tick(x: 0, text: "<0>"), SweepChart.Tick(x: 1, text: "1&2")],
                                    series: [SweepChart.Series(name: hostileName, mode: .idempotent, variant: 0,
                                                               points: points([1, 2]))],
                                    note: "n<o>te\u{0}\u{85}")
    static let manyTicks = chart([SweepChart.Series(name: "at-least-once · ack_timeout 1s", mode: .atLeastOnce, variant: 3,
                                                    points: points((0..<50).map { Double($0 % 7) }))],
                                 ticks: (0..<50).map { SweepChart.Tick(x: Double($0), text: "\($0 * 100)ms") })

    static let all: [SweepChart] = [threeLanes, empty, noPoints, flatZero, onePoint, logWithZeros, negative, logXWithZero, notFinite,
                                    hostile, manyTicks]

    // MARK: SVG

    @Test func svgIsWellFormedWhateverTheData() {
        for chart in Self.all {
            for (w, h) in [(800, 480), (320, 200), (10, 10), (1600, 900)] {
                let svg = ChartSVG.document(chart, width: w, height: h)
                #expect(XMLCheck.problem(svg) == nil, "\(chart.title) \(w)×\(h): \(XMLCheck.problem(svg) ?? "")")
                #expect(svg.hasPrefix(#"<svg xmlns="http://www.w3.org/2000/svg" "#))
                #expect(svg.contains(#"<rect width="100%" height="100%" fill="white"/>"#))
                #expect(svg.contains("<title>"))
                let lower = svg.lowercased()
                #expect(!lower.contains("nan") && !lower.contains("inf"), "\(chart.title)")
                #expect(svg.components("<polyline") == chart.series.count)
            }
        }
    }

    @Test func svgHasItsSizeTitleAndWords() {
        let svg = ChartSVG.document(Self.threeLanes, width: 640, height: 400)
        #expect(svg.contains(#"width="640" height="400" viewBox="0 0 640 400""#))
        #expect(svg.contains("<title>duplicate effects vs loss</title>"))
        for words in ["loss (%)", "duplicate effects per run", "mean and 95% CI over 20 seeds", ">0%<", ">10%<"] {
            #expect(svg.contains(words), "\(words)")
        }
        // One colour per lane, a dash for the variant.
        #expect(svg.contains(ChartSVG.colour(.atMostOnce)) && svg.contains(ChartSVG.colour(.idempotent)))
        #expect(Set(Mode.allCases.map(ChartSVG.colour)).count == Mode.allCases.count)
        #expect(svg.components("stroke-dasharray") == 2)  // the idempotent line and its legend sample
        // Error bars for the rising lane, none for the flat one (no spread).
        #expect(svg.components(#"class="error-bars""#) == 2)
    }

    @Test func oneLinePerSeriesEvenWithoutPoints() {
        let svg = ChartSVG.document(Self.noPoints)
        #expect(svg.components("<polyline") == 1)
        #expect(svg.contains(#"data-series="at-most-once" points="""#))
        let one = ChartSVG.document(Self.onePoint)
        #expect(Self.polyline(one, "at-least-once").count == 1)
    }

    @Test func textIsEscapedAndControlCharactersRemoved() {
        let svg = ChartSVG.document(Self.hostile)
        #expect(XMLCheck.problem(svg) == nil)
        #expect(svg.contains(#"data-series="a&lt;b&amp;c&quot;d&#39;e[31m""#))
        #expect(svg.contains("t&lt;i&gt;tle &amp; bell"))
        #expect(svg.contains("&lt;0&gt;") && svg.contains("1&amp;2") && svg.contains("y &#39;label&#39;"))
        #expect(!svg.contains(Self.hostileName))
        #expect(!svg.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" } && !svg.unicodeScalars.contains { $0.value == 0x85 })
    }

    @Test func aLargerMeanIsDrawnHigherAndLaterValuesFurtherRight() {
        let svg = ChartSVG.document(Self.threeLanes)
        let rising = Self.polyline(svg, "at-most-once")
        #expect(rising.count == 11)
        for (a, b) in zip(rising, rising.dropFirst()) {
            #expect(b.x > a.x)
            #expect(b.y < a.y)  // SVG y grows downwards
        }
        let flat = Self.polyline(svg, "at-least-once")
        #expect(Set(flat.map(\.y)).count == 1 && flat[0].y == rising[0].y)
        // The live lane's points sit at the same x as the finished lane's: the axis spans all ticks.
        let live = Self.polyline(svg, "idempotent")
        #expect(live.count == 9 && zip(live, rising).allSatisfy { $0.x == $1.x })
        // Negative values: still ordered, and the x axis puts a lone tick in the middle.
        let negative = Self.polyline(ChartSVG.document(Self.negative), "drift")
        #expect(zip(negative, negative.dropFirst()).allSatisfy { $1.y < $0.y })
    }

    @Test func logScaleLeavesOutZerosAndSaysSo() {
        let svg = ChartSVG.document(Self.logWithZeros)
        #expect(Self.polyline(svg, "at-most-once").count == 6)
        #expect(svg.contains("2 points not shown: 0 or below on a log scale"))
        for decade in [">0.01<", ">0.1<", ">1<", ">10<", ">100<", ">1k<", ">10k<"] { #expect(svg.contains(decade), "\(decade)") }
        let p = Self.polyline(svg, "at-most-once")
        #expect(zip(p, p.dropFirst()).allSatisfy { $1.y < $0.y })
        #expect(!ChartSVG.document(Self.threeLanes).contains("not shown"))
        let logX = ChartSVG.document(Self.logXWithZero)
        #expect(Self.polyline(logX, "at-most-once").count == 2 && logX.contains("1 point not shown"))
    }

    @Test func crowdedTickTextsAreThinnedKeepingFirstAndLast() {
        let svg = ChartSVG.document(Self.manyTicks, width: 800, height: 480)
        #expect(svg.components(">0ms<") == 1 && svg.components(">4900ms<") == 1)
        let labelled = (0..<50).filter { svg.contains(">\($0 * 100)ms<") }.count
        #expect(labelled > 3 && labelled < 50)
        #expect(svg.components(#"y2=""#) >= 50)  // every tick still has its mark
    }

    @Test func sameChartSameBytes() {
        for chart in Self.all { #expect(ChartSVG.document(chart) == ChartSVG.document(chart)) }
    }

    // MARK: Axes and numbers

    @Test func niceTicks() {
        let data = ChartData(Self.threeLanes)
        let axis = ChartAxis.y(.linear, data, intervals: 5)
        #expect(axis.ticks.map(\.text) == ["0", "10", "20", "30", "40", "50"])
        #expect(axis.low == 0 && axis.high == 50)
        let flat = ChartAxis.y(.linear, ChartData(Self.flatZero), intervals: 4)
        #expect(flat.low == 0 && flat.high > 0 && flat.ticks.first?.text == "0")
        let none = ChartAxis.y(.linear, ChartData(Self.empty), intervals: 4)
        #expect(none.low == 0 && none.high == 1)
        let negative = ChartAxis.y(.linear, ChartData(Self.negative), intervals: 4)
        #expect(negative.low <= -3.5 && negative.high >= 2.5 && negative.ticks.contains { $0.text == "0" })
        #expect(negative.ticks.map(\.text) == ["-4", "-2", "0", "2", "4"])
        let small = ChartAxis.linear(low: 0, high: 0.3, intervals: 3)
        #expect(small.ticks.map(\.text) == ["0", "0.1", "0.2", "0.3"])
        let log = ChartAxis.y(.log, ChartData(Self.logWithZeros), intervals: 4)
        #expect(log.ticks.map(\.text) == ["0.01", "0.1", "1", "10", "100", "1k", "10k"])
        let logEmpty = ChartAxis.y(.log, ChartData(Self.empty), intervals: 4)
        #expect(logEmpty.ticks.map(\.text) == ["1", "10"])
        let x = ChartAxis.x(Self.onePoint, ChartData(Self.onePoint))
        #expect(x.high > x.low && x.fraction(3) == 0.5)
    }

    @Test func numbers() {
        #expect(ChartNumber.text(mantissa: 0, exponent: 5) == "0")
        #expect(ChartNumber.text(mantissa: 5, exponent: -1) == "0.5")
        #expect(ChartNumber.text(mantissa: 3, exponent: -1) == "0.3")
        #expect(ChartNumber.text(mantissa: 2, exponent: 0) == "2")
        #expect(ChartNumber.text(mantissa: -4, exponent: 1) == "-40")
        #expect(ChartNumber.text(mantissa: 999, exponent: 0) == "999")
        #expect(ChartNumber.text(mantissa: 1, exponent: 3) == "1k")
        #expect(ChartNumber.text(mantissa: 15, exponent: 2) == "1.5k")
        #expect(ChartNumber.text(mantissa: -25, exponent: 4) == "-250k")
        #expect(ChartNumber.text(mantissa: 1, exponent: 6) == "1M")
        #expect(ChartNumber.text(mantissa: 1, exponent: -3) == "0.001")
        #expect(ChartNumber.text(mantissa: 1, exponent: 20) == "1e20")
        #expect(ChartNumber.text(12.345) == "12.35" || ChartNumber.text(12.345) == "12.34")
        #expect(ChartNumber.text(0.004) == "0.004")
        #expect(ChartNumber.text(-1234.5) == "-1.235k" || ChartNumber.text(-1234.5) == "-1.234k")
        #expect(ChartNumber.text(.nan) == "0")
        #expect(abs(ChartMath.log10(1000) - 3) < 1e-12 && abs(ChartMath.log10(2) - 0.301_029_995_663_981_2) < 1e-12)
        #expect(abs(ChartMath.log10(0.001) + 3) < 1e-12)
        #expect(ChartSVG.px(12.25) == "12.3" || ChartSVG.px(12.25) == "12.2")
        #expect(ChartSVG.px(40) == "40" && ChartSVG.px(-0.5) == "-0.5" && ChartSVG.px(.nan) == "0")
    }

    @Test func labelSpacing() {
        #expect(ChartLabels.spaced(centres: [0, 10, 20, 30], widths: [4, 4, 4, 4], gap: 1) == [0, 1, 2, 3])
        #expect(ChartLabels.spaced(centres: [0, 3, 6, 9, 12], widths: [4, 4, 4, 4, 4], gap: 1) == [0, 2, 4])
        // The last is kept; a labelled one it would touch is dropped.
        #expect(ChartLabels.spaced(centres: [0, 3, 6, 9], widths: [4, 4, 4, 4], gap: 1) == [0, 3])
        #expect(ChartLabels.spaced(centres: [0, 1], widths: [9, 9], gap: 1) == [0])
        #expect(ChartLabels.spaced(centres: [], widths: [], gap: 1).isEmpty)
    }

    // MARK: Terminal

    @Test func everyLineFitsItsWidth() {
        for chart in Self.all {
            for style in [ChartText.Style.braille, .ascii] {
                for width in [30, 41, 80, 132] {
                    for height in [3, 4, 8, 16] {
                        let lines = ChartText.lines(chart, width: width, height: height, style: style)
                        #expect(lines.allSatisfy { $0.count <= width }, "\(chart.title) \(style) \(width)×\(height)")
                        #expect(lines.allSatisfy { $0.last != " " })
                        let lower = lines.joined().lowercased()
                        #expect(!lower.contains("nan") && !lower.contains("inf"))
                        #expect(!lines.joined().unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) })
                        // title, y label, plot rows, x axis, x tick texts, x label, legend, note, left out.
                        let legendRows = chart.series.isEmpty ? 0 : 1
                        let extra = 5 + legendRows + Format.wrap(chart.note, width: width).count + (ChartData(chart).omittedCount > 0 ? 1 : 0)
                        if width >= 80 { #expect(lines.count == height + extra, "\(chart.title) \(width)×\(height)") }
                        #expect(lines.count >= height + 5)
                    }
                }
            }
        }
    }

    @Test func markersForEverySeriesWithPoints() {
        for style in [ChartText.Style.braille, .ascii] {
            let lines = ChartText.lines(Self.threeLanes, width: 60, height: 10, style: style)
            let plot = lines[2..<12].joined(separator: "\n")
            let markers = ChartText.markers(style)
            // The flat lane at 0 is drawn over by the others only where they share a cell.
            #expect(plot.contains(markers[0]) && plot.contains(markers[1]) && plot.contains(markers[2]), "\(style)")
            let legend = lines[15]
            #expect(legend == "\(markers[0]) at-most-once  \(markers[1]) at-least-once  \(markers[2]) idempotent")
        }
    }

    /// More lines than shapes: each gets a letter of its own, so no two share a legend mark.
    @Test func manySeriesKeepDistinctMarkers() {
        let series = (0..<12).map { k in
            SweepChart.Series(name: "lane \(k)", mode: Mode.allCases[k % Mode.allCases.count], variant: k / 5, points: Self.points([Double(k), Double(k + 1)]))
        }
        for style in [ChartText.Style.braille, .ascii] {
            let marks = (0..<12).map { ChartText.marker($0, of: 12, style) }
            #expect(Set(marks).count == 12)
            let text = ChartText.lines(Self.chart(series), width: 100, height: 12, style: style).joined(separator: "\n")
            for (k, mark) in marks.enumerated() { #expect(text.contains("\(mark) lane \(k)"), "\(style) \(k)") }
        }
        #expect(ChartText.marker(2, of: 3, .braille) == ChartText.markers(.braille)[2])
    }

    @Test func aHigherPointsMarkerSitsOnAnUpperRow() {
        let chart = Self.chart([
            SweepChart.Series(name: "low", mode: .atMostOnce, variant: 0, points: [SweepChart.Point(x: 2, y: 10, low: 10, high: 10)]),
            SweepChart.Series(name: "high", mode: .atLeastOnce, variant: 0, points: [SweepChart.Point(x: 8, y: 30, low: 30, high: 30)]),
        ])
        for style in [ChartText.Style.braille, .ascii] {
            let lines = ChartText.lines(chart, width: 50, height: 12, style: style)
            let markers = ChartText.markers(style)
            let plot = lines[2..<14]
            let lowRow = plot.firstIndex { $0.contains(markers[0]) }, highRow = plot.firstIndex { $0.contains(markers[1]) }
            #expect(lowRow != nil && highRow != nil)
            if let lowRow, let highRow {
                #expect(highRow < lowRow)
                let lowColumn = lines[lowRow].firstIndex(of: markers[0]).map { lines[lowRow].distance(from: lines[lowRow].startIndex, to: $0) }
                let highColumn = lines[highRow].firstIndex(of: markers[1]).map { lines[highRow].distance(from: lines[highRow].startIndex, to: $0) }
                #expect((lowColumn ?? 0) < (highColumn ?? 0))
            }
        }
        // A rising series: its last marker ends the highest row it is on, its first starts the bottom row.
        let lines = ChartText.lines(Self.threeLanes, width: 60, height: 10, style: .braille)
        let top = lines[2..<12].firstIndex { $0.contains("●") }
        #expect(top.map { lines[$0].hasSuffix("●") } == true)
        #expect(lines[11].hasPrefix(" 0┤●") || lines[11].hasPrefix(" 0┤▲"))  // the idempotent lane shares the cell
        #expect((top ?? 99) < 11)
    }

    @Test func asciiStyleIsAscii() {
        for chart in Self.all {
            let lines = ChartText.lines(chart, width: 72, height: 8, style: .ascii)
            #expect(lines.allSatisfy { $0.unicodeScalars.allSatisfy(\.isASCII) }, "\(chart.title)")
        }
        let lines = ChartText.lines(Self.manyTicks, width: 72, height: 8, style: .ascii)
        #expect(lines.contains { $0.contains("o at-least-once - ack_timeout 1s") })
    }

    @Test func textChartAxes() {
        let lines = ChartText.lines(Self.threeLanes, width: 60, height: 10, style: .braille)
        #expect(lines[0] == "duplicate effects vs loss")
        #expect(lines[1] == "duplicate effects per run")
        #expect(lines[11].hasPrefix(" 0┤"))
        #expect(lines.contains { $0.hasPrefix("40┤") })
        #expect(lines[12].hasPrefix("  └┬"))
        #expect(lines[13].hasPrefix("   0%") && lines[13].hasSuffix("10%"))
        #expect(lines[14].trimmingSpaces() == "loss (%)")
        let log = ChartText.lines(Self.logWithZeros, width: 60, height: 10, style: .ascii)
        #expect(log.last == "2 points not shown: 0 or below on a log scale")
        #expect(log[2] == " 10k+" || log[2].hasPrefix(" 10k+ "))
        #expect(log[11].hasPrefix("0.01+"))
    }

    @Test func tinyChartsSaySo() {
        #expect(ChartText.lines(Self.threeLanes, width: 29, height: 10, style: .braille) == ["(chart needs at least 30 columns)"])
        #expect(ChartText.lines(Self.threeLanes, width: 80, height: 2, style: .ascii) == ["(chart needs at least 3 rows)"])
        #expect(ChartText.lines(Self.threeLanes, width: -5, height: -5, style: .ascii).count == 1)
    }

    @Test func sameChartSameLines() {
        for chart in Self.all {
            for style in [ChartText.Style.braille, .ascii] {
                #expect(ChartText.lines(chart, width: 70, height: 9, style: style) == ChartText.lines(chart, width: 70, height: 9, style: style))
            }
        }
    }

    // MARK: Helpers

    /// The points of the series' polyline, in SVG coordinates.
    static func polyline(_ svg: String, _ name: String) -> [(x: Double, y: Double)] {
        let marker = #"class="series" data-series="\#(name)" points=""#
        guard let start = svg.firstRange(of: marker) else { return [] }
        let rest = svg[start.upperBound...]
        guard let end = rest.firstIndex(of: "\"") else { return [] }
        return rest[..<end].split(separator: " ").compactMap { pair in
            let parts = pair.split(separator: ",")
            guard parts.count == 2, let x = Double(String(parts[0])), let y = Double(String(parts[1])) else { return nil }
            return (x, y)
        }
    }
}

extension String {
    /// How many times `needle` occurs (not overlapping).
    func components(_ needle: String) -> Int {
        var count = 0
        var rest = self[...]
        while let r = rest.firstRange(of: needle) {
            count += 1
            rest = rest[r.upperBound...]
        }
        return count
    }
}

/// A small XML well-formedness check, enough for the documents the charts write: one root,
/// balanced tags, quoted unique attributes, entities only where `&` starts one, no `<` or
/// control character in text.
enum XMLCheck {
    static func problem(_ document: String) -> String? {
        let s = Array(document.unicodeScalars)
        var i = 0
        var stack: [String] = []
        var roots = 0
        func isNameScalar(_ u: Unicode.Scalar) -> Bool {
            (u >= "a" && u <= "z") || (u >= "A" && u <= "Z") || (u >= "0" && u <= "9") || u == "-" || u == "_" || u == ":" || u == "."
        }
        func entityOK(at k: Int) -> Bool {
            var j = k + 1
            var name = ""
            while j < s.count, s[j] != ";", j - k < 12 {
                name.unicodeScalars.append(s[j])
                j += 1
            }
            guard j < s.count, s[j] == ";" else { return false }
            if ["amp", "lt", "gt", "quot", "apos"].contains(name) { return true }
            if name.hasPrefix("#x") { return name.count > 2 && name.dropFirst(2).allSatisfy(\.isHexDigit) }
            if name.hasPrefix("#") { return name.count > 1 && name.dropFirst().allSatisfy(\.isNumber) }
            return false
        }
        while i < s.count {
            let u = s[i]
            if u.value < 0x20 && u != "\n" && u != "\t" && u != "\r" { return "control character U+\(String(u.value, radix: 16)) at \(i)" }
            if (0x7F...0x9F).contains(u.value) { return "C1 control character at \(i)" }
            if u == "&" {
                if !entityOK(at: i) { return "raw & at \(i)" }
                i += 1
                continue
            }
            if u == ">" { return "raw > in text at \(i)" }
            if u != "<" {
                if stack.isEmpty && !(u == " " || u == "\n" || u == "\t" || u == "\r") { return "text outside the root at \(i)" }
                i += 1
                continue
            }
            // A tag.
            i += 1
            let closing = i < s.count && s[i] == "/"
            if closing { i += 1 }
            var name = ""
            while i < s.count, isNameScalar(s[i]) {
                name.unicodeScalars.append(s[i])
                i += 1
            }
            if name.isEmpty { return "tag without a name at \(i)" }
            if closing {
                while i < s.count, s[i] == " " { i += 1 }
                guard i < s.count, s[i] == ">" else { return "bad closing tag \(name)" }
                guard stack.last == name else { return "</\(name)> closes <\(stack.last ?? "nothing")>" }
                stack.removeLast()
                i += 1
                continue
            }
            var attributes: Set<String> = []
            var selfClosing = false
            while true {
                while i < s.count, s[i] == " " || s[i] == "\n" || s[i] == "\t" { i += 1 }
                guard i < s.count else { return "unterminated <\(name)" }
                if s[i] == ">" {
                    i += 1
                    break
                }
                if s[i] == "/" {
                    guard i + 1 < s.count, s[i + 1] == ">" else { return "stray / in <\(name)" }
                    selfClosing = true
                    i += 2
                    break
                }
                var attribute = ""
                while i < s.count, isNameScalar(s[i]) {
                    attribute.unicodeScalars.append(s[i])
                    i += 1
                }
                if attribute.isEmpty { return "bad attribute in <\(name)> at \(i)" }
                if !attributes.insert(attribute).inserted { return "duplicate attribute \(attribute) in <\(name)>" }
                guard i + 1 < s.count, s[i] == "=", s[i + 1] == "\"" || s[i + 1] == "'" else { return "unquoted \(attribute) in <\(name)>" }
                let quote = s[i + 1]
                i += 2
                while i < s.count, s[i] != quote {
                    if s[i] == "<" { return "< in attribute \(attribute)" }
                    if s[i] == "&" && !entityOK(at: i) { return "raw & in attribute \(attribute)" }
                    if s[i].value < 0x20 { return "control character in attribute \(attribute)" }
                    i += 1
                }
                guard i < s.count else { return "unterminated attribute \(attribute)" }
                i += 1
            }
            if stack.isEmpty {
                roots += 1
                if roots > 1 { return "a second root <\(name)>" }
            }
            if !selfClosing { stack.append(name) }
        }
        if !stack.isEmpty { return "unclosed <\(stack.joined(separator: "> <"))>" }
        return roots == 1 ? nil : "no root element"
    }
}
