import ArgumentParser
import DeliverySim
import Experiments
import Glibc
import Synchronization

/// The outputs of a sweep, shared by `sweep` and `merge`: what they print and write.
struct SweepOutputOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The metric of the chart and of the paired differences: " + SweepMetric.Choice.names.joined(separator: ", ")
                                   + " (default duplicate_effects).", valueName: "name"))
    var metric: String = "duplicate_effects"

    @Option(help: ArgumentHelp("Write one row per point × lane × metric as CSV to PATH ('-' for stdout).", valueName: "path"))
    var csv: String?

    @Option(name: .customLong("pairs-csv"),
            help: ArgumentHelp("Write one row per point × pair of lanes × metric (paired and unpaired intervals) as CSV to PATH.", valueName: "path"))
    var pairsCSV: String?

    @Option(help: ArgumentHelp("Write the whole sweep as JSON to PATH ('-' for stdout).", valueName: "path"))
    var json: String?

    @Option(help: ArgumentHelp("Write the chart of --metric as an SVG image to PATH.", valueName: "path"))
    var svg: String?

    @Option(help: ArgumentHelp("Write a page with the chart and the tables to PATH.", valueName: "path"))
    var html: String?

    @Option(help: ArgumentHelp("Logarithmic axes on the charts: x, y or xy.", valueName: "axes"))
    var log: String?

    @Flag(help: "Draw the terminal chart with plain ASCII instead of braille.")
    var ascii = false

    @Flag(name: .customLong("no-chart"), help: "Print the table without the terminal chart.")
    var noChart = false

    var logX: Bool { log?.contains("x") ?? false }
    var logY: Bool { log?.contains("y") ?? false }

    mutating func validate() throws {
        if case .failure(let e) = SweepMetric.Choice.parse(metric) { throw ValidationError("--metric: " + e.message) }
        if let log, !["x", "y", "xy", "yx"].contains(log) { throw ValidationError("--log takes x, y or xy, got '\(Output.printable(log))'") }
    }

    /// A log x axis needs numbers above 0 on the first knob.
    func check(firstAxis axis: SweepAxis) throws(CommandError) {
        guard logX else { return }
        guard axis.isNumeric else { throw CommandError("--log x: \(axis.key) takes names, not numbers; a log scale needs numbers above 0") }
        if let i = axis.values.indices.first(where: { axis.number($0) <= 0 }) {
            throw CommandError("--log x: \(axis.key) takes \(axis.text(i)); a log scale needs every value above 0")
        }
    }

    func choice() throws(CommandError) -> SweepMetric.Choice {
        switch SweepMetric.Choice.parse(metric) {
        case .success(let c): return c
        case .failure(let e): throw CommandError("--metric: " + e.message)
        }
    }

    private var outputs: [(flag: String, path: String?)] {
        [("--csv", csv), ("--pairs-csv", pairsCSV), ("--json", json), ("--svg", svg), ("--html", html)]
    }

    /// The output flags given.
    var givenPaths: [String] { outputs.filter { $0.path != nil }.map(\.flag) }

    /// Whether an output goes to stdout (the table then does not).
    var writesStdout: Bool { outputs.contains { $0.path == "-" } }

    /// Opens every output before anything runs: an unwritable path fails at once.
    func open() throws(CommandError) -> [(flag: String, file: OutputFile)] {
        try checkOutputPaths(outputs)
        var files: [(flag: String, file: OutputFile)] = []
        for (flag, path) in outputs {
            guard let path else { continue }
            files.append((flag, try OutputFile(path)))
        }
        return files
    }

    /// Prints the table and the chart (unless an output goes to stdout) and writes the
    /// files; returns the lines of what could not be written.
    func emit(_ report: SweepReport, choice: SweepMetric.Choice, files: [(flag: String, file: OutputFile)]) -> [String] {
        if !writesStdout {
            var out = report.table(choice)
            if !noChart {
                // Narrower than 30 columns, ChartText says so in one line instead of a chart.
                let width = min(100, Output.terminalSize(1).columns - 1)
                let lines = ChartText.lines(report.chart(choice, logX: logX, logY: logY), width: width, height: 12, style: ascii ? .ascii : .braille)
                out += "\n" + lines.joined(separator: "\n") + "\n"
            }
            print(out, terminator: "")
            fflush(nil)
        }
        var problems: [String] = []
        for (flag, file) in files {
            switch flag {
            case "--csv": file.write(report.csv)
            case "--pairs-csv": file.write(report.pairsCSV)
            case "--json": file.write(report.json)
            case "--svg": file.write(ChartSVG.document(report.chart(choice, logX: logX, logY: logY)))
            default: file.write(report.html(choice, logX: logX, logY: logY))
            }
            if let problem = file.close() { problems.append(problem) }
        }
        return problems
    }

    /// Exit 2 when an output could not be written; exit 1, with the line that reproduces it,
    /// when a run failed a check.
    static func finish(_ report: SweepReport, problems: [String]) throws {
        for problem in problems { Output.error(problem) }
        if !problems.isEmpty { throw ExitCode(2) }
        if let failure = report.firstFailure {
            Output.error("a check failed in \(failure.mode.rawValue); reproduce: " + failure.command)
            throw ExitCode(1)
        }
    }
}

/// What a sweep shows while it runs: a progress line, and with --watch the chart filling in.
///
/// Called from the worker threads: `finished` as each run ends, `tick` between slices of
/// runs. Drawing happens under the lock at most four times a second (once a second for the
/// plain progress line, and for --watch without a terminal, where it is a line per second).
final class SweepLive: Sendable {
    private struct State {
        var results: [[Compare.LaneResult]?]
        var left: [Int]
        var finishedRuns = 0
        var finishedPoints = 0
        var points: [SweepReport.Point]
        var lastDrawNanos: UInt64 = 0
        var drawnLines = 0
        var pointsChanged = false
    }

    private let header: SweepHeader
    private let total: Int
    private let choice: SweepMetric.Choice
    private let watch: Bool
    private let unicode: Bool
    private let logX: Bool
    private let logY: Bool
    private let terminal: Bool
    private let startNanos = Output.monotonicNanos()
    /// Points with runs in this process (all of them, unless a shard).
    private let pointsHere: Int
    private let state: Mutex<State>

    init(header: SweepHeader, indices: [Int], choice: SweepMetric.Choice, watch: Bool, unicode: Bool, logX: Bool, logY: Bool) {
        self.header = header
        total = indices.count
        self.choice = choice
        self.watch = watch
        self.unicode = unicode
        self.logX = logX
        self.logY = logY
        terminal = isatty(2) == 1
        var left = Array(repeating: 0, count: header.pointCount)
        for r in indices { left[header.point(ofRun: r)] += 1 }
        pointsHere = left.count { $0 > 0 }
        let empty = SweepReport.Point(runs: 0, lanes: [], pairs: [])
        state = Mutex(State(results: Array(repeating: nil, count: header.runCount), left: left,
                            points: Array(repeating: empty, count: header.pointCount)))
    }

    /// A run ended: kept, and its point aggregated once all of the point's runs here are in.
    func finished(run r: Int, _ lanes: [Compare.LaneResult]) {
        state.withLock { s in
            s.finishedRuns += 1
            guard watch else { return }
            s.results[r] = lanes
            let p = header.point(ofRun: r)
            s.left[p] -= 1
            if s.left[p] == 0 {
                let seeds = header.seeds.count
                let runs = (0..<seeds).compactMap { k in s.results[p * seeds + k].map { (header.seeds[k], $0) } }
                s.points[p] = SweepReport.point(runs, modes: header.modes)
                s.finishedPoints += 1
                s.pointsChanged = true
            }
        }
        tick()
    }

    func tick() {
        state.withLock { s in
            let now = Output.monotonicNanos()
            let interval: UInt64 = watch && terminal ? 250_000_000 : 1_000_000_000
            guard watch || terminal, now - startNanos >= (watch ? 0 : 1_000_000_000),
                  now - s.lastDrawNanos >= interval || (watch && terminal && s.pointsChanged) else { return }
            s.lastDrawNanos = now
            s.pointsChanged = false
            draw(&s, now: now)
        }
    }

    /// Erases what was drawn, so what is printed next starts clean.
    func end() {
        state.withLock { s in
            guard terminal, s.drawnLines > 0 else { return }
            Output.writeFD(2, Self.up(s.drawnLines) + "\u{1b}[J")
            s.drawnLines = 0
        }
    }

    private static func up(_ lines: Int) -> String { lines > 1 ? "\r\u{1b}[\(lines - 1)A" : "\r" }

    private func draw(_ s: inout State, now: UInt64) {
        let seconds = Double(now - startNanos) / 1e9
        var line = "sweep: "
        if watch { line += "\(s.finishedPoints) of \(pointsHere) points · " }
        line += "\(s.finishedRuns) of \(total) runs"
        if seconds > 0, s.finishedRuns > 0 {
            let rate = Double(s.finishedRuns) / seconds
            line += " · " + Format.trimmed(Format.fixed(Int64((rate * 10).rounded()), decimals: 1)) + " runs/s"
            if s.finishedRuns < total { line += " · " + ProgressText.duration(seconds: Double(total - s.finishedRuns) / rate) + " left" }
        }
        guard terminal else {
            Output.writeFD(2, line + "\n")
            return
        }
        let width = Output.terminalSize(2).columns - 1
        var lines = [String(line.prefix(max(1, width)))]
        if watch, width >= 30 {
            // The whole block must fit on the screen, or its top would scroll away where
            // moving the cursor up cannot reach it: a lower chart, or none.
            let report = SweepReport(header: header, points: s.points, runsFinished: s.finishedRuns)
            let chart = report.chart(choice, logX: logX, logY: logY)
            let room = Output.terminalSize(2).rows - 2
            var height = min(12, room)
            while height >= 3 {
                let drawn = ChartText.lines(chart, width: min(100, width), height: height, style: unicode ? .braille : .ascii)
                if drawn.count <= room {
                    lines += drawn.map { String($0.prefix(width)) }
                    break
                }
                height -= drawn.count - room
            }
        }
        Output.writeFD(2, (s.drawnLines > 0 ? Self.up(s.drawnLines) : "\r") + lines.joined(separator: "\u{1b}[K\n") + "\u{1b}[K\u{1b}[J")
        s.drawnLines = lines.count
    }
}
