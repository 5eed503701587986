import DeliverySim
import Experiments
import FoundationXML
import Foundation
import Testing

/// One message's story, read from the event stream: the stories the issue promises, from
/// known seeds, and the stories of every message checked against the lanes' own counters.
@Suite struct StoryTests {
    /// The story of `id` on seed `seed` with the default workload (three lanes).
    static func story(seed: UInt64, _ id: String, _ change: (inout Settings) -> Void = { _ in }) -> (MessageStory, Settings) {
        var s = Settings()
        s.seed = seed
        change(&s)
        let message = MessageID.parse(id)!
        var recorder = StoryRecorder(message: message, modes: s.modes)
        _ = Experiment(settings: s).run(observer: &recorder)
        return (recorder.story(settings: s), s)
    }

    static func lane(_ story: MessageStory, _ mode: Mode) -> LaneStory { story.lanes.first { $0.mode == mode }! }

    /// Seed 1, p1-81: its first delivery is dropped on the wire. At-most-once had already
    /// forgotten it: lost. At-least-once redelivers it after the ack deadline and applies it.
    @Test func aDroppedFirstDeliveryIsLostAtMostOnceAndRedeliveredAtLeastOnce() {
        let (story, settings) = Self.story(seed: 1, "p1-81")
        let amo = Self.lane(story, .atMostOnce), alo = Self.lane(story, .atLeastOnce)
        let firstAMO = amo.steps.first { $0.kind == .packet(.deliver) }
        #expect(firstAMO?.outcome == .dropped && firstAMO?.cause == .wire)
        #expect(amo.steps.last?.kind == .lost && amo.steps.last?.cause == .autoAck)
        #expect(amo.fate.gone == .lost && amo.fate.effects == 0)

        let deliveries = alo.steps.filter { $0.kind == .packet(.deliver) }
        #expect(deliveries.map(\.attempt) == [1, 2])
        #expect(deliveries.map(\.outcome) == [.dropped, .arrived])
        #expect(deliveries[1].reason == .deadline)
        #expect(alo.fate == Fate(effects: 1, suppressed: 0, gone: nil))

        let text = TraceText.text(story, settings: settings, lanes: settings.modes)
        #expect(text.hasPrefix("message p1-81 · seed 1"))
        #expect(text.contains("at-most-once: lost\n"))
        #expect(text.contains("LOST: never applied; the last copy went when its delivery was lost and the broker had already forgotten it (auto-ack)"))
        let atLeastOnce = String(text[text.range(of: "at-least-once: applied once\n")!.lowerBound...])
        let redelivered = atLeastOnce.range(of: "redelivered to c2 (delivery 2) after the ack deadline")
        let applied = atLeastOnce.range(of: "applied by c2 (first effect)")
        #expect(redelivered != nil && applied != nil && redelivered!.lowerBound < applied!.lowerBound)
        // The table marks where the fates part: the at-most-once loss.
        let table = StoryTable(story: story)
        #expect(table.parting.map { table.rows[$0].label } == "fate")
    }

    /// Seed 1, p1-13: its first ack is dropped; the redelivery is applied again at-least-once
    /// and caught by the idempotency record effectively-once.
    @Test func aDroppedAckIsAppliedTwiceAtLeastOnceAndSuppressedEffectivelyOnce() {
        let (story, settings) = Self.story(seed: 1, "p1-13")
        let alo = Self.lane(story, .atLeastOnce), eo = Self.lane(story, .effectivelyOnce)
        let ack = alo.steps.first { $0.kind == .packet(.ack) }
        #expect(ack?.attempt == 1 && ack?.outcome == .dropped && ack?.cause == .wire)
        #expect(alo.steps.filter { $0.kind == .applied }.map(\.count) == [1, 2])
        #expect(eo.steps.filter { $0.kind == .applied }.count == 1)
        #expect(eo.steps.contains { $0.kind == .suppressed && $0.cause == .idempotencyRecord && $0.attempt == 2 })
        #expect(alo.fate.words == "applied twice")
        #expect(eo.fate.words == "applied once, 1 suppressed")

        let text = TraceText.text(story, settings: settings, lanes: settings.modes)
        #expect(text.contains("applied by c4 (first effect)"))
        #expect(text.contains("applied AGAIN by c3: effect 2, a duplicate"))
        #expect(text.contains("suppressed by the idempotency record at c3: not applied again"))
        let table = StoryTable(story: story)
        let parting = try? #require(table.parting)
        #expect(parting.map { table.rows[$0].label } == "process #2")
        let row = parting.map { table.rows[$0] }
        #expect(row?.cells[1]?.style == .duplicate && row?.cells[2]?.text.contains("suppressed") == true)
    }

    /// Every message's story on a few seeds with chaos, against the counters the lanes keep
    /// on their own: effects, duplicate effects, losses and dead letters add up.
    @Test(arguments: [1, 2, 3] as [UInt64])
    func everyStoryAgreesWithTheCounters(seed: UInt64) {
        var s = Settings()
        s.seed = seed
        s.modes = Mode.allCases
        s.durationMicros = Duration.seconds(20)
        s.chaos = true
        s.lossPerMillion = 30_000
        var all = AllEvents(modes: s.modes)
        let summary = Experiment(settings: s).run(observer: &all)
        for (l, mode) in s.modes.enumerated() {
            var effects = 0, duplicates = 0, lost = 0, deadLettered = 0, redelivered = 0
            for (raw, indices) in all.byMessage[l] {
                let stream = (indices + all.faults[l]).sorted().map { all.streams[l][$0] }
                let story = LaneStory(mode: mode, message: MessageID(raw: raw), events: stream, settings: s, now: all.end)
                let f = story.fate
                effects += f.effects
                duplicates += max(0, f.effects - 1)
                if f.gone == .lost { lost += 1 }
                if f.gone == .deadLettered { deadLettered += 1 }
                redelivered += story.steps.filter { $0.kind == .packet(.deliver) && $0.attempt > 1 && !$0.neverSent }.count
                #expect(story.isComplete, "\(mode) \(MessageID(raw: raw)) starts with \(String(describing: story.steps.first?.kind))")
            }
            let c = summary.lanes[l].counters
            #expect(effects == c.processed, "\(mode) seed \(seed)")
            #expect(duplicates == c.duplicateEffects, "\(mode) seed \(seed)")
            #expect(lost == c.lost, "\(mode) seed \(seed)")
            #expect(deadLettered == c.deadLettered, "\(mode) seed \(seed)")
            #expect(redelivered == c.redelivered, "\(mode) seed \(seed)")
        }
    }

    /// Every event of a run, per lane in the lane's order, indexed by message.
    struct AllEvents: RunObserver {
        let modes: [Mode]
        var streams: [[SimEvent]]
        var byMessage: [[UInt64: [Int]]]
        var faults: [[Int]]
        var end: Micros = 0
        init(modes: [Mode]) {
            self.modes = modes
            streams = Array(repeating: [], count: modes.count)
            byMessage = Array(repeating: [:], count: modes.count)
            faults = Array(repeating: [], count: modes.count)
        }
        var wantsEvents: Bool { true }
        var eventKinds: EventFilter { StoryBook.filter }
        mutating func events(_ batch: [(Mode, SimEvent)]) {
            for (mode, e) in batch {
                let l = modes.firstIndex(of: mode)!
                if let m = e.message { byMessage[l][m.raw, default: []].append(streams[l].count) }
                if e.kind == .fault { faults[l].append(streams[l].count) }
                streams[l].append(e)
            }
        }
        mutating func finish(atMicros: [Micros], lanes: [Lane]) { end = atMicros.max() ?? 0 }
    }

    /// In-process has no ack deadline: a redelivery there follows a crash that rolled the
    /// delivery back, and the faults stand in the order they happened in, before what they caused.
    @Test func aRollbackIsNotADeadlineAndFaultsComeBeforeWhatTheyCaused() {
        let (story, settings) = Self.story(seed: 7, "p1-58") {
            $0.durationMicros = Duration.seconds(10)
            $0.crashEveryMicros = 500_000
            $0.crashForMicros = Duration.seconds(3)
            $0.consumers = 2
            $0.processingMicrosMean = 50_000
            $0.modes = [.atLeastOnce, .inProcess]
            $0.maxDeliveries = 2
        }
        let ip = Self.lane(story, .inProcess)
        let redelivery = try? #require(ip.steps.first { $0.kind == .packet(.deliver) && $0.attempt == 2 })
        #expect(redelivery?.reason == .rollback && redelivery?.reasonNode == .consumer(1))
        let text = TraceText.text(story, settings: settings, lanes: [.inProcess])
        #expect(text.contains("redelivered to c1 (delivery 2) after c2's crash rolled it back"))
        #expect(!text.contains("after the ack deadline"))
        // restart c1, then the delivery to c1, then c1's crash, then the dead letter: one instant.
        let tail = ip.steps.suffix(4).map { s -> String in
            switch s.kind {
            case .fault: s.action?.description ?? "?"
            case .packet(.deliver): "deliver \(s.attempt)"
            case .deadLettered: "dead-lettered"
            default: "other"
            }
        }
        #expect(tail == ["restart consumer-1", "deliver 2", "crash consumer-1", "dead-lettered"])
        #expect(Set(ip.steps.suffix(4).map(\.at)).count == 1)
    }

    /// A publish the network duplicated: one step with two arrivals, not two publishes; a
    /// dropped copy is a note on its step. Two stored copies are delivered as two first
    /// deliveries, each with its own window of doubt.
    @Test func networkCopiesAreNotesOnTheirPacket() {
        let (story, settings) = Self.story(seed: 4, "p1-436") {
            $0.chaos = true
            $0.durationMicros = Duration.seconds(30)
            $0.duplicationPerMillion = 300_000
            $0.modes = [.atLeastOnce, .inProcess]
        }
        let alo = Self.lane(story, .atLeastOnce)
        let publishes = alo.steps.filter { $0.kind == .packet(.publish) }
        #expect(publishes.map(\.attempt) == [1, 2])
        #expect(publishes[0].outcome == .dropped && publishes[0].copyDropped == .partition)
        #expect(publishes[1].arrivals.count == 2)
        #expect(alo.fate.effects == 3)
        let table = StoryTable(story: story)
        #expect(table.parting.map { table.rows[$0].label } == "process #1")
        // A fault on every link has no lifeline: no mark in any column (the sink included).
        let diagram = StoryDiagram(story: alo, message: story.message, settings: settings).lines().map(\.plain)
        let lossRow = try? #require(diagram.first { $0.contains("fault: loss 20%") })
        #expect(lossRow.map { !$0.contains("◇") } == true, "\(lossRow ?? "")")
    }

    /// Late in a long session times take more columns: the time column grows, a mark in
    /// front never touches a time, and rows stay aligned.
    @Test func aLateStoryKeepsItsColumns() {
        let id = MessageID(producer: 0, seq: 9)
        let at: Micros = 612_345_678
        let publish = SimEvent(atMicros: at, kind: .published, hop: .publish, message: id, attempt: 1, node: .producer(0))
        let arrive = SimEvent(atMicros: at + 900, kind: .arrived, hop: .publish, message: id, attempt: 1, node: .producer(0))
        let deliver = SimEvent(atMicros: at + 900, kind: .delivered, hop: .deliver, message: id, attempt: 1, node: .consumer(1))
        let drop = SimEvent(atMicros: at + 900, kind: .dropped, hop: .deliver, cause: .wire, message: id, attempt: 1, node: .consumer(1))
        let lost = SimEvent(atMicros: at + 900, kind: .lost, cause: .autoAck, message: id, node: .consumer(1))
        let s = Settings()
        let story = MessageStory(message: id, lanes: [
            LaneStory(mode: .atMostOnce, message: id, events: [publish, arrive, deliver, drop, lost], settings: s, now: at + 1_000),
            LaneStory(mode: .atLeastOnce, message: id, events: [publish, arrive, deliver, drop], settings: s, now: at + 1_000),
        ])
        let table = StoryTable(story: story)
        #expect(table.timeWidth == 13)
        let lines = table.lines().map(\.plain)
        let parting = try? #require(lines.first { $0.hasPrefix("◆") })
        #expect(parting?.hasPrefix("◆ 612.346578s fate") == true, "\(parting ?? "")")
        let hop = lines[0].distance(from: lines[0].startIndex, to: lines[0].range(of: "hop")!.lowerBound)
        for line in lines.dropFirst().prefix(table.rows.count) {
            #expect(line.count > hop && line[line.index(line.startIndex, offsetBy: hop - 1)] == " ", "\(line)")
        }
        let diagram = StoryDiagram(story: story.lanes[0], message: id, settings: s).lines().map(\.plain)
        #expect(diagram[1].hasPrefix(" 612.345678s "))
    }

    @Test func aMessageNeverPublishedSaysSo() {
        let (story, settings) = Self.story(seed: 1, "p1-999999") { $0.durationMicros = Duration.seconds(2) }
        #expect(story.lanes.allSatisfy { $0.steps.isEmpty })
        #expect(TraceText.text(story, settings: settings, lanes: settings.modes).contains("it was never published in this run"))
    }

    @Test func messageIDsParse() {
        #expect(MessageID.parse("p1-42") == MessageID(producer: 0, seq: 42))
        #expect(MessageID.parse("P3-7") == MessageID(producer: 2, seq: 7))
        for bad in ["", "p1", "p0-4", "p1-0", "c1-4", "p1-x", "p-4", "p1--4", "p1-4-5", "p99999999999-1"] {
            #expect(MessageID.parse(bad) == nil, "\(bad)")
        }
    }

    /// The SVG is well-formed XML with one diagram per lane asked for, and says what it draws.
    @Test func theSVGIsWellFormed() throws {
        let (story, settings) = Self.story(seed: 1, "p1-13")
        let svg = StorySVG.document(story, settings: settings, lanes: [.atLeastOnce, .effectivelyOnce])
        let parser = XMLParser(data: Data(svg.utf8))
        #expect(parser.parse(), "\(String(describing: parser.parserError))")
        #expect(svg.contains("<svg xmlns=\"http://www.w3.org/2000/svg\""))
        #expect(svg.contains(">at-least-once: applied twice</text>") && svg.contains(">effectively-once: applied once, 1 suppressed</text>"))
        #expect(!svg.contains(">at-most-once:"))
        #expect(svg.contains("window of doubt") && svg.contains("effect 2: a duplicate"))
        #expect(StorySVG.escaped("a<b & \"c\"") == "a&lt;b &amp; &quot;c&quot;")
    }
}

/// The dashboard's bounded store of recent histories.
@Suite struct StoryBookTests {
    static func published(_ seq: UInt64, at t: Micros) -> SimEvent {
        SimEvent(atMicros: t, kind: .published, hop: .publish, message: MessageID(producer: 0, seq: seq), attempt: 1, node: .producer(0))
    }

    @Test func aMessageScrollsOutOfReachAndALateEventDoesNotBringItBack() {
        var book = StoryBook(lanes: 1, producers: 1)
        let s = Settings()
        let first = MessageID(producer: 0, seq: 1)
        book.record(lane: 0, Self.published(1, at: 0))
        #expect(book.story(of: first, modes: [.atLeastOnce], settings: s, now: 0)?.lanes[0].steps.count == 1)
        // Enough newer births to take every slot once more.
        for seq in 2...UInt64(StoryBook.messagesPerLane + 1) { book.record(lane: 0, Self.published(seq, at: Micros(seq))) }
        #expect(!book.holds(first, lane: 0))
        #expect(book.story(of: first, modes: [.atLeastOnce], settings: s, now: 0) == nil)
        // A late redelivery of the evicted message is not filed (it would be a story without a start).
        book.record(lane: 0, SimEvent(atMicros: 99_999, kind: .redelivered, hop: .deliver, message: first, attempt: 2, node: .consumer(0)))
        #expect(!book.holds(first, lane: 0))
        #expect(book.holds(MessageID(producer: 0, seq: UInt64(StoryBook.messagesPerLane + 1)), lane: 0))
    }

    @Test func aVeryLongHistoryKeepsItsStartAndItsNewestEvents() {
        var book = StoryBook(lanes: 1, producers: 1)
        let id = MessageID(producer: 0, seq: 5)
        book.record(lane: 0, Self.published(5, at: 0))
        let total = StoryBook.eventsPerMessage + 50
        for k in 1..<total {
            book.record(lane: 0, SimEvent(atMicros: Micros(k), kind: .redelivered, hop: .deliver, message: id, attempt: Int32(k + 1), node: .consumer(0)))
        }
        let story = try! #require(book.story(of: id, modes: [.atLeastOnce], settings: Settings(), now: 0))
        let lane = story.lanes[0]
        #expect(lane.elided == 50)
        #expect(lane.isComplete)
        #expect(lane.steps.last?.attempt == Int32(total))
        #expect(lane.steps.count == StoryBook.eventsPerMessage)
    }

    /// Producers share a lane's slots equally: each keeps its own last messages, whatever
    /// the others publish.
    @Test func everyProducerKeepsItsOwnLastMessages() {
        var book = StoryBook(lanes: 1, producers: 10)
        let kept = book.messagesPerProducer
        #expect(kept == StoryBook.messagesPerLane / 10)
        for seq in 1...UInt64(kept + 100) {
            for p in 0..<10 {
                book.record(lane: 0, SimEvent(atMicros: Micros(seq), kind: .published, hop: .publish,
                                              message: MessageID(producer: p, seq: seq), attempt: 1, node: .producer(p)))
            }
        }
        for p in 0..<10 {
            #expect(book.holds(MessageID(producer: p, seq: UInt64(kept + 100)), lane: 0))
            #expect(book.holds(MessageID(producer: p, seq: 101), lane: 0))
            #expect(!book.holds(MessageID(producer: p, seq: 100), lane: 0))
        }
        #expect(!book.holds(MessageID(producer: 10, seq: 1), lane: 0))
    }

    @Test func faultsAreKeptForEveryLane() {
        var book = StoryBook(lanes: 2, producers: 1)
        let id = MessageID(producer: 0, seq: 1)
        for lane in 0..<2 {
            book.record(lane: lane, Self.published(1, at: 0))
            book.record(lane: lane, SimEvent(atMicros: 10, kind: .delivered, hop: .deliver, message: id, attempt: 1, node: .consumer(1)))
            book.record(lane: lane, SimEvent(atMicros: 20, kind: .fault, node: .consumer(1), action: .crash(.consumer(1))))
        }
        let story = try! #require(book.story(of: id, modes: [.atLeastOnce, .effectivelyOnce], settings: Settings(), now: 30))
        for lane in story.lanes {
            #expect(lane.steps.filter { $0.kind == .fault }.map(\.action) == [.crash(.consumer(1))])
        }
    }
}
