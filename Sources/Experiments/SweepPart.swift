import DeliverySim
import TOMLLite

/// The K-th of N slices of a sweep's runs, as `--shard K/N` writes it and `merge` reads it.
///
/// Runs are dealt out by index, run r to shard r mod N + 1, so every shard gets a share of
/// every point (runs of a point cost alike, points do not). A part holds the sweep's header
/// (TOML) and each of its runs' integers, never aggregates: `merge` aggregates all the runs
/// in run order, exactly as the whole sweep does, so its outputs are the same bytes.
public struct SweepPart: Sendable {
    public var header: SweepHeader
    public var shard: Int
    public var shards: Int
    /// (run index, its lanes), in run order.
    public var runs: [(run: Int, lanes: [Compare.LaneResult])]

    public init(header: SweepHeader, shard: Int, shards: Int, runs: [(run: Int, lanes: [Compare.LaneResult])]) {
        self.header = header
        self.shard = shard
        self.shards = shards
        self.runs = runs
    }

    static let format = "ackscope-sweep-part-1"

    /// The runs of shard `shard` of `shards` (1-based) among `count`.
    public static func runs(shard: Int, of shards: Int, count: Int) -> StrideTo<Int> {
        stride(from: shard - 1, to: count, by: shards)
    }

    /// `K/N` with 1 ≤ K ≤ N.
    public static func parseShard(_ text: String) -> Result<(Int, Int), KnobError> {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let k = Int(parts[0]), let n = Int(parts[1]) else {
            return .failure(KnobError("expected K/N, the K-th of N shards (e.g. 1/4), got '\(TerminalText.safe(text, limit: 40))'"))
        }
        guard n >= 1, n <= 1_000_000 else { return .failure(KnobError("\(k)/\(n): N must be from 1 to 1000000")) }
        guard k >= 1, k <= n else { return .failure(KnobError("\(k)/\(n): K must be from 1 to N (\(n))")) }
        return .success((k, n))
    }

    // MARK: Writing

    /// The fields of a lane of a run, in the order a part writes them.
    static let laneFields = "failed,lost,duplicate_effects,redelivered,dead_lettered,stale_keys,latency_p50_us,latency_p99_us,effected,produced,last_effect_us"

    public var text: String {
        let h = header
        var out = "# A part of an ackscope sweep: `ackscope merge` combines all the parts of one sweep into its outputs.\n"
        out += "format = \"\(Self.format)\"\n"
        out += "sweep = \"\(h.fingerprint)\"\n"
        out += "shard = \(shard)\nshards = \(shards)\n"
        out += "runs = \(runs.count)\nruns_total = \(h.runCount)\n"
        out += "vary = [" + h.vary.map(JSON.string).joined(separator: ", ") + "]\n"
        out += "seeds = " + JSON.string(h.seedsSpec) + "\n"
        out += "modes = [" + h.modes.map { JSON.string($0.rawValue) }.joined(separator: ", ") + "]\n"
        if let title = h.title { out += "title = " + JSON.string(title) + "\n" }
        out += "settings = " + JSON.string(h.settingsJSON) + "\n"
        out += "production = " + JSON.string(h.production) + "\n"
        out += "reproduce = [" + h.reproduce.map(JSON.string).joined(separator: ", ") + "]\n"
        out += "extra = " + JSON.string(h.extra) + "\n"
        out += "# runs: the run's index, then per lane: \(Self.laneFields)\n"
        for (r, lanes) in runs {
            out += String(r)
            for l in lanes {
                let values: [Int64] = [l.failed ? 1 : 0, Int64(l.lost), Int64(l.duplicateEffects), Int64(l.redelivered), Int64(l.deadLettered),
                                       Int64(l.staleKeys), l.latencyP50Micros, l.latencyP99Micros, Int64(l.effected), Int64(l.produced), l.lastEffectMicros]
                out += " " + values.map(String.init).joined(separator: ",")
            }
            out += "\n"
        }
        return out + "# end \(runs.count)\n"
    }

    // MARK: Reading

    /// Reads a part; a malformed one is one line naming the file and what is wrong.
    public static func parse(text: String, fileName: String) -> Result<SweepPart, KnobError> {
        let name = TerminalText.safe(fileName, limit: 200)
        func fail(_ m: String, line: Int? = nil) -> Result<SweepPart, KnobError> {
            .failure(KnobError(name + (line.map { ":\($0)" } ?? "") + ": " + m))
        }
        // Any line break: a part copied through a tool that wrote CRLF still reads.
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
        guard let marker = lines.firstIndex(where: { $0.hasPrefix("# runs") }) else {
            return fail("not a part of an ackscope sweep (no '# runs' line); parts are written by ackscope sweep --shard K/N")
        }
        let table: TOMLTable
        do {
            table = try TOML.parse(lines[..<marker].joined(separator: "\n"))
        } catch {
            return fail("not a part of an ackscope sweep: " + error.description)
        }
        guard table["format"]?.string == format else {
            return fail("not a part of an ackscope sweep (format is not \"\(format)\"); parts are written by ackscope sweep --shard K/N")
        }
        func string(_ key: String) -> String? { table[key]?.string }
        func strings(_ key: String) -> [String]? {
            guard let a = table[key]?.array else { return nil }
            let s = a.compactMap(\.string)
            return s.count == a.count ? s : nil
        }
        guard let fingerprint = string("sweep"), let shard = table["shard"]?.int, let shards = table["shards"]?.int,
              let count = table["runs"]?.int, let total = table["runs_total"]?.int, let vary = strings("vary"),
              let seeds = string("seeds"), let modeNames = strings("modes"), let settings = string("settings"),
              let production = string("production"), let reproduce = strings("reproduce"), let extra = string("extra") else {
            return fail("a part of an ackscope sweep with a field missing or of the wrong type")
        }
        var modes: [Mode] = []
        for m in modeNames {
            guard let mode = Mode(rawValue: m) else { return fail("unknown mode '\(TerminalText.safe(m, limit: 40))'") }
            modes.append(mode)
        }
        let header: SweepHeader
        do {
            header = try SweepHeader(vary: vary, seedsSpec: seeds, modes: modes, title: string("title"), settingsJSON: settings,
                                     production: production, reproduce: reproduce, extra: extra)
        } catch {
            return fail(error.message)
        }
        guard header.fingerprint == fingerprint else { return fail("its header does not match its sweep fingerprint; the file was changed") }
        guard shards >= 1, shards <= 1_000_000, shard >= 1, shard <= shards else { return fail("shard \(shard)/\(shards) is not a shard") }
        guard total == header.runCount else { return fail("runs_total \(total) is not the sweep's \(header.runCount) runs") }

        var runs: [(run: Int, lanes: [Compare.LaneResult])] = []
        var expected = Self.runs(shard: shard, of: shards, count: total).makeIterator()
        var ended = false
        for (offset, raw) in lines[(marker + 1)...].enumerated() {
            let lineNumber = marker + 2 + offset
            if raw.isEmpty { continue }
            if raw.hasPrefix("# end ") {
                guard Int(raw.dropFirst(6)) == runs.count else {
                    return fail("the end line counts \(TerminalText.safe(String(raw.dropFirst(6)), limit: 40)) runs, the file holds \(runs.count)", line: lineNumber)
                }
                ended = true
                break
            }
            let fields = raw.split(separator: " ")
            guard fields.count == modes.count + 1, let r = Int(fields[0]) else {
                return fail("expected a run index and \(modes.count) lane(s) of numbers", line: lineNumber)
            }
            guard r == expected.next() else { return fail("run \(r) is not the next run of shard \(shard)/\(shards)", line: lineNumber) }
            var lanes: [Compare.LaneResult] = []
            for (l, field) in fields.dropFirst().enumerated() {
                let cells = field.split(separator: ",", omittingEmptySubsequences: false)
                let v = cells.compactMap { Int64($0) }
                guard cells.count == 11, v.count == 11, !v.contains(where: { $0 < 0 }), v[0] <= 1 else {
                    return fail("lane \(l + 1) of run \(r): expected 11 whole numbers \(laneFields)", line: lineNumber)
                }
                lanes.append(Compare.LaneResult(mode: modes[l], lost: Int(v[1]), duplicateEffects: Int(v[2]), redelivered: Int(v[3]),
                                                latencyP99Micros: v[7], failed: v[0] == 1, deadLettered: Int(v[4]), staleKeys: Int(v[5]),
                                                latencyP50Micros: v[6], effected: Int(v[8]), produced: Int(v[9]), lastEffectMicros: v[10]))
            }
            runs.append((r, lanes))
        }
        guard ended else { return fail("the file ends before its '# end' line: it is cut short") }
        guard runs.count == count, expected.next() == nil else {
            return fail("holds \(runs.count) runs; shard \(shard)/\(shards) of \(total) runs has \(Self.runs(shard: shard, of: shards, count: total).reduce(0) { n, _ in n + 1 })")
        }
        return .success(SweepPart(header: header, shard: shard, shards: shards, runs: runs))
    }

    // MARK: Merging

    /// The whole sweep's results from all its parts, or one line saying why they do not
    /// make one sweep: parts of different sweeps, a shard twice, a shard missing.
    public static func merge(_ parts: [(name: String, part: SweepPart)]) -> Result<(header: SweepHeader, results: [[Compare.LaneResult]?]), KnobError> {
        guard let (firstName, first) = parts.first else { return .failure(KnobError("no parts to merge")) }
        let safeFirst = TerminalText.safe(firstName, limit: 200)
        for (name, part) in parts.dropFirst() {
            if let field = part.header.difference(from: first.header) {
                return .failure(KnobError("\(TerminalText.safe(name, limit: 200)) is from another sweep than \(safeFirst): its \(TerminalText.safe(field, limit: 300)) differ"))
            }
        }
        for (name, part) in parts.dropFirst() where part.shards != first.shards {
            return .failure(KnobError("\(TerminalText.safe(name, limit: 200)) is shard \(part.shard)/\(part.shards), \(safeFirst) is \(first.shard)/\(first.shards): the parts of one sweep share N"))
        }
        var seen: [String?] = Array(repeating: nil, count: first.shards)
        for (name, part) in parts {
            if let other = seen[part.shard - 1] {
                return .failure(KnobError("\(TerminalText.safe(other, limit: 200)) and \(TerminalText.safe(name, limit: 200)) are both shard \(part.shard)/\(part.shards)"))
            }
            seen[part.shard - 1] = name
        }
        let missing = seen.indices.filter { seen[$0] == nil }.map { $0 + 1 }
        guard missing.isEmpty else {
            let shown = missing.prefix(10).map { "\($0)/\(first.shards)" }.joined(separator: ", ") + (missing.count > 10 ? ", …" : "")
            return .failure(KnobError("shard\(missing.count == 1 ? "" : "s") \(shown) missing: merge needs all \(first.shards) parts of the sweep"))
        }
        var results: [[Compare.LaneResult]?] = Array(repeating: nil, count: first.header.runCount)
        for (_, part) in parts {
            for (r, lanes) in part.runs { results[r] = lanes }
        }
        return .success((first.header, results))
    }
}
