import DeliverySim
import TOMLLite

/// A sweep's report as text: the table, the CSV files, the JSON and the chart's data.
///
/// Each depends only on the report (its header and the runs' results), so a merged sweep
/// writes the same bytes as the whole one.
extension SweepReport {
    // MARK: Numbers

    /// A figure with `places` decimals at most, trailing zeros dropped: 0.125, 2, -1.5. With
    /// six places or more, a figure under 0.1 keeps six significant digits (a loss rate of
    /// 1.4e-7 per message is not 0).
    static func decimal(_ x: Double, places: Int = 6) -> String {
        guard x.isFinite else { return "" }
        var p = places
        if places >= 6, x != 0 {
            var m = abs(x)
            while m < 0.1, p < 18 {
                m *= 10
                p += 1
            }
        }
        var scale = 1.0
        for _ in 0..<p { scale *= 10 }
        let scaled = (x * scale).rounded()
        // Beyond what 64 bits hold (only a part file edited by hand gets there): Swift's own form.
        guard abs(scaled) < 9e18 else { return abs(x) < 9e18 ? String(Int64(x.rounded())) : x.description }
        let v = Int64(scaled)
        return v == 0 ? "0" : Format.trimmed(Format.fixed(v, decimals: p))
    }

    /// A figure for a table: three significant digits or so.
    static func short(_ x: Double, like scale: Double) -> String {
        let m = abs(scale)
        let places = m >= 1_000 ? 0 : m >= 100 ? 1 : m >= 10 ? 2 : 3
        return decimal(x, places: places)
    }

    /// "1.35 ± 0.52", "4 (one seed)" without an interval.
    static func meanText(_ e: SweepStats.Estimate, times: Double = 1) -> String {
        guard e.n > 0 else { return "–" }
        let scale = max(abs(e.mean), e.half ?? 0) * times
        guard let half = e.half else { return short(e.mean * times, like: scale) }
        return short(e.mean * times, like: scale) + " ± " + short(half * times, like: scale)
    }

    // MARK: The table

    /// The table: per metric a block of points × lanes (mean ± half-width of the 95%
    /// interval), the chosen metric per 1,000 messages, and its paired differences.
    public func table(_ choice: SweepMetric.Choice) -> String {
        let h = header
        var out = ""
        if incomplete {
            out += "INCOMPLETE: stopped after \(runsFinished) of \(h.runCount) runs; the figures are those of the runs that finished\n"
        }
        out += "sweep: " + h.axes.map { "\($0.key) \($0.values.indices.map($0.text).joined(separator: ", "))" }.joined(separator: " × ")
        out += " · \(h.seeds.count) seed\(h.seeds.count == 1 ? "" : "s") (\(TerminalText.safe(h.seedsSpec, limit: 80))) · \(h.runCount) run\(h.runCount == 1 ? "" : "s")"
        if let title = h.title { out += " · " + TerminalText.safe(title) }
        out += "\nper run: \(h.production); mean ± half-width of the 95% interval over seeds (Student t)\n"

        let axisWidth = h.axes.map { a in max(a.key.count, a.values.indices.map { a.text($0).count }.max() ?? 0) + 2 }
        let laneWidth = max(18, (h.modes.map(\.rawValue.count).max() ?? 0) + 2)
        func rowStart(_ p: Int) -> String {
            let indices = h.points[p]
            return h.axes.indices.map { Format.rightPad(h.axes[$0].text(indices[$0]), axisWidth[$0]) }.joined()
        }
        let axisHead = h.axes.indices.map { Format.rightPad(h.axes[$0].key, axisWidth[$0]) }.joined()
        func block(_ title: String, _ cell: (Int, Int) -> String) {
            out += "\n" + title + "\n" + Format.trimmedRight(axisHead + h.modes.map { Format.rightPad($0.rawValue, laneWidth) }.joined()) + "\n"
            for p in points.indices {
                var line = rowStart(p)
                for l in h.modes.indices { line += Format.rightPad(cell(p, l), laneWidth) }
                out += Format.trimmedRight(line) + "\n"
            }
        }
        let order = [choice.index] + SweepMetric.all.indices.filter { $0 != choice.index }
        for i in order {
            let m = SweepMetric.all[i]
            block("\(m.label) (\(m.unit))") { p, l in Self.meanText(points[p].lanes[l].metrics[i]) }
            if i == choice.index, m.perMessage {
                block("\(m.label) per 1,000 messages produced") { p, l in
                    points[p].lanes[l].perMessage[i].map { Self.meanText($0, times: 1_000) } ?? "–"
                }
            }
        }
        if h.modes.count > 1 {
            let m = choice.metric
            out += "\npaired by seed: \(m.label) (\(m.unit)), lane minus lane; 95% interval of the per-seed differences, "
                + "and of the difference of the two means (unpaired, Welch)\n"
            let pairWidth = max(30, (h.modes.map(\.rawValue.count).max() ?? 0) * 2 + 5)
            out += axisHead + Format.rightPad("lanes", pairWidth) + Format.leftPad("difference", 12) + Format.leftPad("paired ±", 12)
                + Format.leftPad("unpaired ±", 12) + Format.leftPad("width ratio", 13) + "\n"
            for p in points.indices {
                for pair in points[p].pairs {
                    let e = pair.paired[choice.index]
                    let u = pair.unpairedHalf[choice.index]
                    let scale = max(abs(e.mean), e.half ?? 0, u ?? 0)
                    var line = rowStart(p) + Format.rightPad("\(h.modes[pair.a].rawValue) − \(h.modes[pair.b].rawValue)", pairWidth)
                    line += Format.leftPad(e.n > 0 ? Self.short(e.mean, like: scale) : "–", 12)
                    line += Format.leftPad(e.half.map { Self.short($0, like: scale) } ?? "–", 12)
                    line += Format.leftPad(u.map { Self.short($0, like: scale) } ?? "–", 12)
                    line += Format.leftPad(Self.ratioText(e.half, u), 13)
                    out += line + "\n"
                }
            }
        }
        out += "\n" + checksText()
        return out
    }

    /// Paired width over unpaired width: "0.21"; "–" without both, or when the unpaired
    /// width is 0 (both lanes the same in every run: nothing to compare).
    static func ratioText(_ paired: Double?, _ unpaired: Double?) -> String {
        guard let paired, let unpaired, unpaired > 0 else { return "–" }
        return decimal(paired / unpaired, places: 2)
    }

    /// "checks: passed in every run", or per lane the points and seeds that failed.
    func checksText() -> String {
        var out = ""
        for (l, mode) in header.modes.enumerated() {
            let failures = points.indices.flatMap { p in points[p].lanes[l].failedSeeds.map { (p, $0) } }
            guard !failures.isEmpty else { continue }
            out += "checks: \(mode.rawValue) failed in \(failures.count) run(s): "
            out += failures.prefix(5).map { "\(header.pointText($0.0)) seed \($0.1)" }.joined(separator: "; ")
            out += (failures.count > 5 ? "; …" : "") + "\n"
        }
        return out.isEmpty ? "checks: passed in every run\n" : out
    }

    /// The first failed run: its point's reproduce line with its seed, and the lane.
    public var firstFailure: (mode: Mode, command: String)? {
        for p in points.indices {
            for lane in points[p].lanes {
                if let seed = lane.failedSeeds.first {
                    let template = p < header.reproduce.count ? header.reproduce[p] : "ackscope run --seed {seed}"
                    return (lane.mode, template.replacingSeed(seed))
                }
            }
        }
        return nil
    }

    // MARK: CSV

    static func csvCell(_ s: String) -> String {
        s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
            ? "\"" + s.replacingQuotes() + "\"" : s
    }

    /// Tidy CSV, one row per point × lane × metric: the knobs' values, the lane, the metric,
    /// n, mean, sd, the 95% interval, and the same per message produced where it applies.
    public var csv: String {
        let h = header
        var out = (h.axes.map(\.column) + ["lane", "metric", "unit", "n", "mean", "sd", "ci95_low", "ci95_high",
                                          "per_message_mean", "per_message_ci95_low", "per_message_ci95_high"]).joined(separator: ",") + "\n"
        for p in points.indices {
            let start = axisCells(p)
            for lane in points[p].lanes {
                for (i, m) in SweepMetric.all.enumerated() {
                    let e = lane.metrics[i]
                    var row = start + [lane.mode.rawValue, m.name, m.unit, String(e.n), Self.number(e.n > 0 ? e.mean : nil),
                                       Self.number(e.n > 1 ? e.sd : nil), Self.number(e.low), Self.number(e.high)]
                    if let r = lane.perMessage[i] {
                        row += [Self.number(r.n > 0 ? r.mean : nil), Self.number(r.low), Self.number(r.high)]
                    } else {
                        row += ["", "", ""]
                    }
                    out += row.map(Self.csvCell).joined(separator: ",") + "\n"
                }
            }
        }
        return out
    }

    /// Tidy CSV of the paired differences, one row per point × pair of lanes × metric.
    public var pairsCSV: String {
        let h = header
        var out = (h.axes.map(\.column) + ["lane_a", "lane_b", "metric", "unit", "n", "difference", "paired_ci95_low", "paired_ci95_high",
                                          "unpaired_ci95_low", "unpaired_ci95_high"]).joined(separator: ",") + "\n"
        for p in points.indices {
            let start = axisCells(p)
            for pair in points[p].pairs {
                for (i, m) in SweepMetric.all.enumerated() {
                    let e = pair.paired[i]
                    let u = pair.unpairedHalf[i]
                    let row = start + [h.modes[pair.a].rawValue, h.modes[pair.b].rawValue, m.name, m.unit, String(e.n),
                                       Self.number(e.n > 0 ? e.mean : nil), Self.number(e.low), Self.number(e.high),
                                       Self.number(u.map { e.mean - $0 }), Self.number(u.map { e.mean + $0 })]
                    out += row.map(Self.csvCell).joined(separator: ",") + "\n"
                }
            }
        }
        return out
    }

    func axisCells(_ p: Int) -> [String] {
        let indices = header.points[p]
        return header.axes.indices.map { header.axes[$0].cell(indices[$0]) }
    }

    static func number(_ x: Double?) -> String { x.map { decimal($0) } ?? "" }

    // MARK: JSON

    static func jsonNumber(_ x: Double?) -> String {
        guard let x, x.isFinite else { return "null" }
        return decimal(x)
    }

    static func jsonInterval(_ low: Double?, _ high: Double?) -> String {
        guard let low, let high else { return "null" }
        return "[" + jsonNumber(low) + "," + jsonNumber(high) + "]"
    }

    static func json(_ e: SweepStats.Estimate) -> String {
        "{\"n\":\(e.n),\"mean\":\(jsonNumber(e.n > 0 ? e.mean : nil)),\"sd\":\(jsonNumber(e.n > 1 ? e.sd : nil)),\"ci95\":\(jsonInterval(e.low, e.high))}"
    }

    /// The whole report as JSON: fixed key order, decimals with at most six places.
    public var json: String {
        let h = header
        var out = "{\"sweep\":{\"vary\":["
        out += h.axes.map { a in
            "{\"knob\":\(JSON.string(a.key)),\"spec\":\(JSON.string(a.spec)),\"unit\":\(JSON.string(a.unit)),\"values\":["
                + a.values.indices.map { JSON.string(a.text($0)) }.joined(separator: ",") + "]}"
        }.joined(separator: ",")
        out += "],\"seeds\":{\"spec\":\(JSON.string(h.seedsSpec)),\"count\":\(h.seeds.count)},\"points\":\(h.pointCount),\"runs\":\(h.runCount)}"
        if incomplete { out += ",\"incomplete\":true,\"runs_finished\":\(runsFinished)" }
        out += ",\"scenario\":" + (h.title.map(JSON.string) ?? "null")
        out += ",\"settings\":" + h.settingsJSON
        out += ",\"production\":" + JSON.string(h.production)
        out += ",\"interval\":\"95%, Student t over seeds; pairs: t over the per-seed differences (paired) and Welch over the two lanes (unpaired)\""
        out += ",\"metrics\":[" + SweepMetric.all.map { "{\"name\":\"\($0.name)\",\"unit\":\"\($0.unit)\",\"per_message\":\($0.perMessage)}" }.joined(separator: ",") + "]"
        out += ",\"points\":["
        for (p, point) in points.enumerated() {
            if p > 0 { out += "," }
            let indices = h.points[p]
            out += "{\"values\":{" + h.axes.indices.map { "\(JSON.string(h.axes[$0].key)):\(JSON.string(h.axes[$0].text(indices[$0])))" }.joined(separator: ",")
            out += "},\"runs\":\(point.runs),\"lanes\":["
            out += point.lanes.map { lane in
                var s = "{\"mode\":\"\(lane.mode.rawValue)\""
                for (i, m) in SweepMetric.all.enumerated() {
                    var e = Self.json(lane.metrics[i])
                    if let r = lane.perMessage[i] { e = String(e.dropLast()) + ",\"per_message\":" + Self.json(r) + "}" }
                    s += ",\"\(m.name)\":" + e
                }
                return s + ",\"failed_seeds\":[" + lane.failedSeeds.map(String.init).joined(separator: ",") + "]}"
            }.joined(separator: ",")
            out += "],\"pairs\":["
            out += point.pairs.map { pair in
                var s = "{\"a\":\"\(h.modes[pair.a].rawValue)\",\"b\":\"\(h.modes[pair.b].rawValue)\""
                for (i, m) in SweepMetric.all.enumerated() {
                    let e = pair.paired[i], u = pair.unpairedHalf[i]
                    s += ",\"\(m.name)\":{\"n\":\(e.n),\"difference\":\(Self.jsonNumber(e.n > 0 ? e.mean : nil))"
                    s += ",\"paired_ci95\":\(Self.jsonInterval(e.low, e.high)),\"unpaired_ci95\":\(Self.jsonInterval(u.map { e.mean - $0 }, u.map { e.mean + $0 }))}"
                }
                return s + "}"
            }.joined(separator: ",")
            out += "]}"
        }
        return out + "]}\n"
    }

    // MARK: The chart

    /// The chosen metric against the first knob: a series per lane (and per combination of
    /// the other knobs' values), with the points that have at least `minimumRuns` runs.
    public func chart(_ choice: SweepMetric.Choice, logX: Bool = false, logY: Bool = false, minimumRuns: Int = 1) -> SweepChart {
        let h = header
        let first = h.axes[0]
        let rest = Array(h.axes.dropFirst())
        let variants = rest.reduce(1) { $0 * $1.values.count }
        var series: [SweepChart.Series] = []
        for v in 0..<variants {
            // The point of value i of the first knob at variant v is i × variants + v: the
            // first axis is the slowest.
            for (l, mode) in h.modes.enumerated() {
                var pts: [SweepChart.Point] = []
                for i in first.values.indices {
                    let p = i * variants + v
                    guard points[p].runs >= minimumRuns, let e = estimate(choice, point: p, lane: l), e.n > 0 else { continue }
                    // Every metric is 0 or more: an interval reaching below 0 is drawn to 0.
                    pts.append(SweepChart.Point(x: first.number(i), y: e.mean, low: max(0, e.low ?? e.mean), high: e.high ?? e.mean))
                }
                let name = ([mode.rawValue] + (variants > 1 ? [restVariantText(v)] : [])).joined(separator: " · ")
                series.append(SweepChart.Series(name: name, mode: mode, variant: v, points: pts))
            }
        }
        let m = choice.metric
        let yLabel = choice.perMessage ? "\(m.label) per message produced" : (m.unit == "per run" ? "\(m.label) per run" : "\(m.label) (\(m.unit))")
        return SweepChart(title: "\(m.label)\(choice.perMessage ? " per message" : "") vs \(first.words)",
                          xLabel: first.label, yLabel: yLabel, xScale: logX ? .log : .linear, yScale: logY ? .log : .linear,
                          xTicks: first.values.indices.map { SweepChart.Tick(x: first.number($0), text: first.text($0)) },
                          series: series,
                          note: "mean and 95% interval over \(h.seeds.count) seed\(h.seeds.count == 1 ? "" : "s") (\(h.seedsSpec)) per point"
                              + (rest.isEmpty ? "" : "; lines: lane · " + rest.map(\.key).joined(separator: ", ")))
    }

    /// The values of every knob but the first at variant `v`: "1s", "1s, 8" (the note names
    /// the knobs, so legends stay short enough to show the values that tell lines apart).
    func restVariantText(_ v: Int) -> String {
        let indices = header.points[v]
        return header.axes.indices.dropFirst().map { header.axes[$0].text(indices[$0]) }.joined(separator: ", ")
    }
}

extension String {
    fileprivate func replacingQuotes() -> String {
        var out = ""
        for c in self { out += c == "\"" ? "\"\"" : String(c) }
        return out
    }

    func replacingSeed(_ seed: UInt64) -> String {
        var out = self
        while let r = out.range(of: "{seed}") { out.replaceSubrange(r, with: String(seed)) }
        return out
    }
}

// MARK: - A page

extension SweepReport {
    /// A self-contained HTML page: the chart, the chosen metric as a table, and the whole
    /// text table. No script and nothing fetched: it opens anywhere and drops into slides.
    public func html(_ choice: SweepMetric.Choice, logX: Bool = false, logY: Bool = false) -> String {
        let h = header
        let chart = self.chart(choice, logX: logX, logY: logY)
        func e(_ s: String) -> String { StorySVG.escaped(s) }
        var out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        out += "<title>ackscope sweep: \(e(chart.title))</title>\n"
        out += "<style>body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:1100px}"
            + "pre{font-size:12px;background:#f6f6f6;padding:1em;overflow-x:auto}"
            + "table{border-collapse:collapse;font-variant-numeric:tabular-nums}"
            + "th,td{padding:3px 12px;text-align:right;border-bottom:1px solid #ddd}th{background:#f0f0f0}</style>\n"
        out += "</head>\n<body>\n<h1>\(e(chart.title))</h1>\n"
        if incomplete { out += "<p><strong>Incomplete:</strong> \(runsFinished) of \(h.runCount) runs finished; the figures are those runs'.</p>\n" }
        out += "<p>" + e(h.axes.map { "\($0.key) \($0.values.indices.map($0.text).joined(separator: ", "))" }.joined(separator: " × "))
        out += " · \(h.seeds.count) seeds (\(e(h.seedsSpec))) · \(h.runCount) runs" + (h.title.map { " · " + e($0) } ?? "") + "<br>\n"
        out += "per run: \(e(h.production)); mean and 95% interval over seeds (Student t)</p>\n"
        out += ChartSVG.document(chart) + "\n"
        out += "<h2>\(e(chart.yLabel)): mean ± half-width of the 95% interval</h2>\n<table>\n<tr>"
        out += h.axes.map { "<th>\(e($0.key))</th>" }.joined() + h.modes.map { "<th>\(e($0.rawValue))</th>" }.joined() + "</tr>\n"
        for p in points.indices {
            let indices = h.points[p]
            out += "<tr>" + h.axes.indices.map { "<td>\(e(h.axes[$0].text(indices[$0])))</td>" }.joined()
            for l in h.modes.indices {
                out += "<td>" + (estimate(choice, point: p, lane: l).map { e(Self.meanText($0)) } ?? "–") + "</td>"
            }
            out += "</tr>\n"
        }
        out += "</table>\n<h2>Every metric</h2>\n<pre>\(e(table(choice)))</pre>\n</body>\n</html>\n"
        return out
    }
}
