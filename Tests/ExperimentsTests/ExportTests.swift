import DeliverySim
import Foundation
import Testing
@testable import Experiments

/// The shape of the exports: CSV rows and JSON Lines records.
@Suite struct ExportTests {
    final class Text: @unchecked Sendable { var value = "" }

    static func experiment(drain: Bool) -> Experiment {
        var s = Settings()
        s.seed = 11
        s.durationMicros = 5_000_000
        s.drain = drain
        return Experiment(settings: s, timeline: [TimedAction(at: 1_000_000, .crash(.consumer(0))),
                                                  TimedAction(at: 2_000_000, .restart(.consumer(0)))])
    }

    @Test func csvHasAHeaderAndOneRowPerLanePerSample() {
        let csv = Text()
        var observer = ExportObserver(sampleEveryMicros: 500_000, csv: { csv.value += $0 }, events: nil)
        let summary = Self.experiment(drain: false).run(observer: &observer)
        let lines = csv.value.split(separator: "\n").map(String.init)
        let header = lines[0].split(separator: ",").map(String.init)
        #expect(header == ["t_ms", "phase", "lane"] + Counters.names + ["produced", "effected", "pending"])
        // 10 samples (0.5s … 5s) × 3 lanes, then an end row per lane.
        #expect(lines.count == 1 + 10 * 3 + 3)
        for line in lines.dropFirst() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            #expect(fields.count == header.count, "\(line)")
            #expect(Double(fields[0]) != nil && ["run", "drain", "end"].contains(fields[1]))
            #expect(Mode(rawValue: String(fields[2])) != nil)
            #expect(fields.dropFirst(3).allSatisfy { Int($0) != nil }, "\(line)")
        }
        #expect(lines[1].hasPrefix("500.000,run,at-most-once,"))
        #expect(lines[4].hasPrefix("1000.000,run,at-most-once,"))
        // The end rows carry the summary's numbers.
        for (k, lane) in summary.lanes.enumerated() {
            let end = lines[lines.count - 3 + k].split(separator: ",").map(String.init)
            #expect(end[1] == "end" && end[2] == lane.mode.rawValue)
            #expect(Array(end[3..<(3 + Counters.names.count)]) == lane.counters.named.map { String($0.1) })
        }
    }

    @Test func csvFollowsTheDrain() {
        let csv = Text()
        var observer = ExportObserver(sampleEveryMicros: 1_000_000, csv: { csv.value += $0 }, events: nil)
        let summary = Self.experiment(drain: true).run(observer: &observer)
        #expect(!summary.anyFailed)
        let phases = csv.value.split(separator: "\n").dropFirst().map { $0.split(separator: ",")[1] }
        #expect(phases.filter { $0 == "run" }.count == 15 && phases.suffix(3).allSatisfy { $0 == "end" })
        #expect(summary.lanes.allSatisfy { $0.pending == 0 })
    }

    @Test func eventsAreJSONLinesInTimeOrder() throws {
        let events = Text()
        var observer = ExportObserver(csv: nil, events: { events.value += $0 })
        let summary = Self.experiment(drain: true).run(observer: &observer)
        let lines = events.value.split(separator: "\n")
        #expect(lines.count == observer.eventCount && lines.count > 1_000)
        var last: Int64 = -1
        var kinds = Set<String>()
        for line in lines {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "\(line)")
            let t = try #require(object["t_us"] as? Int64)
            #expect(t >= last)
            last = t
            #expect(Mode(rawValue: object["lane"] as? String ?? "") != nil)
            let event = try #require(object["event"] as? String)
            kinds.insert(event)
            #expect(object["message"] is String && object["node"] is String)
            if ["send", "drop", "arrive"].contains(event) { #expect(object["packet"] is String, "\(line)") }
            if event == "drop" { #expect(["wire", "partition", "consumer_crash"].contains(object["cause"] as? String ?? ""), "\(line)") }
        }
        #expect(kinds.isSuperset(of: ["send", "arrive", "apply", "lost", "drop"]))
        // Losses in the trace match the counters.
        let lostAtMostOnce = lines.filter { $0.contains("\"lane\":\"at-most-once\",\"event\":\"lost\"") }.count
        #expect(lostAtMostOnce == summary.lanes[0].counters.lost)
    }

    @Test func aDropSaysWhereAndACoveredAckNamesTheAckThatCoveredIt() {
        let id = MessageID(producer: 0, seq: 7), newest = MessageID(producer: 0, seq: 9)
        let covered = SimEvent(atMicros: 5, kind: .acked, hop: .ack, cause: .cumulativeAck, message: id, attempt: 1,
                               node: .consumer(1), other: newest.raw)
        #expect(EventLines.line(covered, mode: .atLeastOnce)
            == "{\"t_us\":5,\"lane\":\"at-least-once\",\"event\":\"send\",\"packet\":\"ack\",\"message\":\"p1-7\",\"node\":\"consumer-2\",\"attempt\":1,\"covered_by\":\"p1-9\"}")
        let crashed = SimEvent(atMicros: 6, kind: .dropped, hop: .ack, cause: .consumerCrash, message: id, attempt: 1, node: .consumer(1))
        #expect(EventLines.line(crashed, mode: .atLeastOnce)?.hasSuffix(",\"attempt\":1,\"cause\":\"consumer_crash\"}") == true)
    }
}
