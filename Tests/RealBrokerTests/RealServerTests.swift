import DeliverySim
import Glibc
import Testing
@testable import RealBroker

/// Against a real nats-server (Debian's `nats-server` package), started on a free
/// loopback port by each test and stopped after. Without it installed these are skipped,
/// with the package named.
@Suite(.serialized, .enabled(if: NatsServer.find() != nil, "nats-server is not installed (Debian/Ubuntu: apt-get install nats-server): real-broker tests skipped"))
struct RealServerTests {
    /// Pumps `conn` until `done` or 5 s.
    static func pump(_ conns: [NatsConnection], until done: () -> Bool) {
        let until = RealRun.monotonicNanos() + 5_000_000_000
        while !done() && RealRun.monotonicNanos() < until { NatsPoll.poll(conns, timeoutMillis: 10) }
    }

    static func request(_ c: NatsConnection, _ subject: String, _ body: String, tag: String) -> JSONValue? {
        c.incoming.removeAll()
        let reply = c.inboxPrefix + "." + tag
        c.publish(subject, reply: reply, payload: Array(body.utf8))
        pump([c]) { c.incoming.contains { $0.subject == reply } }
        return c.incoming.first { $0.subject == reply }.flatMap { JSONValue.parse($0.payload) }
    }

    @Test func theClientSpeaksJetStream() throws {
        let server = try NatsServer()
        defer { server.stop() }
        let c = NatsConnection(name: "t", port: server.port)
        #expect(c.open())
        Self.pump([c]) { c.ready }
        #expect(c.ready, "CONNECT and PING answered")
        let stream = Self.request(c, "$JS.API.STREAM.CREATE.S", "{\"name\":\"S\",\"subjects\":[\"s.m\"],\"storage\":\"memory\"}", tag: "1")
        #expect(stream?["error"] == nil && stream?["config"]?["name"]?.string == "S")
        let consumer = Self.request(c, "$JS.API.CONSUMER.DURABLE.CREATE.S.C",
                                    "{\"stream_name\":\"S\",\"config\":{\"durable_name\":\"C\",\"ack_policy\":\"explicit\",\"ack_wait\":1000000000}}", tag: "2")
        #expect(consumer?["name"]?.string == "C")
        // The same message id twice: stored once, the second answer says duplicate.
        var acks: [JSONValue] = []
        for k in 1...2 {
            c.incoming.removeAll()
            let reply = c.inboxPrefix + ".pub\(k)"
            c.publish("s.m", reply: reply, headers: [("Nats-Msg-Id", "p1-1")], payload: Array("p1-1 0".utf8))
            Self.pump([c]) { c.incoming.contains { $0.subject == reply } }
            acks += c.incoming.compactMap { JSONValue.parse($0.payload) }
        }
        #expect(acks.count == 2 && acks[0]["seq"]?.int == 1 && acks[0]["duplicate"] == nil)
        #expect(acks.count == 2 && acks[1]["seq"]?.int == 1 && acks[1]["duplicate"]?.bool == true)
        // Pull it, read the ack metadata, ack it as a request: the server answers.
        c.incoming.removeAll()
        c.publish("$JS.API.CONSUMER.MSG.NEXT.S.C", reply: c.inboxPrefix + ".pull", payload: Array("{\"batch\":1,\"expires\":1000000000}".utf8))
        Self.pump([c]) { c.incoming.contains { $0.reply?.hasPrefix("$JS.ACK.") == true } }
        let delivery = try #require(c.incoming.first { $0.reply?.hasPrefix("$JS.ACK.") == true })
        let meta = try #require(AckMetadata(reply: delivery.reply!))
        #expect(meta.stream == "S" && meta.deliveryCount == 1 && meta.streamSeq == 1)
        #expect(delivery.header("Nats-Msg-Id") == "p1-1" && delivery.text == "p1-1 0")
        let pendingInfo = Self.request(c, "$JS.API.CONSUMER.INFO.S.C", "", tag: "info1")
        #expect(pendingInfo?["num_ack_pending"]?.int == 1)
        c.incoming.removeAll()
        c.publish(delivery.reply!, reply: c.inboxPrefix + ".ack", payload: Array("+ACK".utf8))
        Self.pump([c]) { c.incoming.contains { $0.subject == c.inboxPrefix + ".ack" } }
        #expect(c.incoming.contains { $0.subject == c.inboxPrefix + ".ack" }, "the ack answered")
        let info = Self.request(c, "$JS.API.CONSUMER.INFO.S.C", "", tag: "info2")
        #expect(info?["num_ack_pending"]?.int == 0 && info?["num_pending"]?.int == 0)
        let missing = Self.request(c, "$JS.API.CONSUMER.INFO.S.NOPE", "", tag: "info3")
        #expect(missing?["error"]?["err_code"]?.int == 10014)
    }

    @Test func theProxyHoldsBytesWhileCutAndReleasesThemOnHeal() throws {
        let server = try NatsServer()
        defer { server.stop() }
        let a = NatsConnection(name: "a", port: server.port), b = NatsConnection(name: "b", port: server.port)
        #expect(a.open() && b.open())
        b.subscribe("x")
        Self.pump([a, b]) { a.ready && b.ready }
        b.holdIn = true
        a.publish("x", payload: Array("1".utf8))
        NatsPoll.poll([a, b], timeoutMillis: 200)
        NatsPoll.poll([a, b], timeoutMillis: 200)
        #expect(b.incoming.isEmpty, "held while the link from the server is cut")
        b.holdIn = false
        #expect(b.incoming.map(\.text) == ["1"], "released on heal")
        a.holdOut = true
        a.publish("x", payload: Array("2".utf8))
        NatsPoll.poll([a, b], timeoutMillis: 200)
        #expect(a.unsentBytes > 0 && b.incoming.count == 1, "held while the link to the server is cut")
        a.holdOut = false
        a.flush()
        Self.pump([a, b]) { b.incoming.count == 2 }
        #expect(b.incoming.map(\.text) == ["1", "2"])
    }

    static func settings(_ modes: [Mode], consumers: Int = 2, seconds: Int64 = 4) -> Settings {
        var s = Settings()
        s.modes = modes
        s.consumers = consumers
        s.lossPerMillion = 0
        s.durationMicros = seconds * 1_000_000
        return s
    }

    /// Production, then the drain; the observed lanes and when each drained.
    static func run(_ s: Settings, _ script: [TimedAction], target: BrokerTarget = .privateServer) throws -> ([ObservedLane], [Micros?], RealRun) {
        let real = try RealRun(settings: s, script: script, target: target)
        while !real.productionOver { real.pump(millis: 50) }
        let drained = real.drain(limitMicros: 30_000_000)
        return (real.observed(), drained, real)
    }

    static func passes(_ lane: ObservedLane, drained: Bool = true) -> Bool {
        lane.promiseChecks(drained: drained).allSatisfy { $0.status != .fail }
    }

    @Test func aCrashedConsumerIsRedeliveredToAfterAckWait() throws {
        var s = Self.settings([.atMostOnce, .atLeastOnce, .effectivelyOnce])
        // More than two consumers can process: each holds its full prefetch when c1
        // crashes (4 × 200 ms of work, under AckWait's 1 s).
        s.ratePerSecond = 15
        s.prefetch = 4
        s.processingMicrosMean = 200_000
        let (lanes, drained, real) = try Self.run(s, [TimedAction(at: 2_000_000, .crash(.consumer(0))),
                                                    TimedAction(at: 2_500_000, .restart(.consumer(0)))])
        let pid = real.serverPID, store = real.serverStore
        real.close()
        #expect(drained.allSatisfy { $0 != nil })
        let amo = lanes[0], alo = lanes[1], eo = lanes[2]
        #expect(amo.counters.lost > 0 && amo.counters.redelivered == 0, "at-most-once lost what c1 held: \(amo.counters)")
        #expect(alo.counters.redelivered > 0 && alo.counters.lost == 0, "at-least-once redelivered it: \(alo.counters)")
        #expect(eo.counters.duplicateEffects == 0 && eo.counters.lost == 0 && eo.staleKeys == 0)
        for lane in lanes { #expect(Self.passes(lane), "\(lane.mode): \(lane.promiseChecks(drained: true)) \(lane.counters)") }
        #expect(alo.isObservable("delivered") && !alo.isObservable("in_flight"))
        // The private server is gone, and so is its store.
        #expect(pid > 0 && kill(pid, 0) == -1)
        #expect(store.map { access($0, F_OK) == -1 } == true)
    }

    @Test func aOneWayPartitionTurnsLostAcksIntoDuplicates() throws {
        var s = Self.settings([.atLeastOnce, .effectivelyOnce], seconds: 5)
        s.processingMicrosMean = 20_000
        let (lanes, _, real) = try Self.run(s, [TimedAction(at: 1_500_000, .partitionOneWay(.consumer(0))),
                                              TimedAction(at: 3_500_000, .heal(.consumer(0)))])
        real.close()
        let alo = lanes[0], eo = lanes[1]
        #expect(alo.counters.redelivered > 0 && alo.counters.duplicateEffects > 0, "\(alo.counters)")
        #expect(eo.counters.duplicateEffects == 0 && eo.counters.duplicatesSuppressed > 0, "\(eo.counters)")
        for lane in lanes { #expect(Self.passes(lane), "\(lane.mode): \(lane.promiseChecks(drained: true)) \(lane.counters)") }
    }

    @Test func aBrokerCrashKeepsAFileStreamAndLosesAMemoryOne() throws {
        for durable in [true, false] {
            var s = Self.settings([.atLeastOnce], seconds: 6)
            s.durable = durable
            let script = [TimedAction(at: 1_000_000, .crash(.consumer(0))), TimedAction(at: 1_000_000, .crash(.consumer(1))),
                          TimedAction(at: 3_000_000, .crash(.broker)), TimedAction(at: 3_500_000, .restart(.broker)),
                          TimedAction(at: 4_000_000, .restart(.consumer(0))), TimedAction(at: 4_000_000, .restart(.consumer(1)))]
            let (lanes, drained, real) = try Self.run(s, script)
            real.close()
            let lane = lanes[0]
            #expect(drained[0] != nil)
            if durable {
                #expect(lane.counters.lost == 0 && !lane.transientBrokerCrashed, "file storage kept the backlog: \(lane.counters)")
                #expect(Self.passes(lane), "\(lane.promiseChecks(drained: true)) \(lane.counters)")
            } else {
                #expect(lane.counters.lost > 0 && lane.transientBrokerCrashed, "memory storage lost the backlog: \(lane.counters)")
                let noLoss = lane.promiseChecks(drained: true).first { $0.name == "no_loss" }
                #expect(noLoss?.status == .notInForce)
                #expect(lane.promiseChecks(drained: true).first { $0.name == "conservation" }?.status == .pass)
            }
        }
    }

    /// The two traps as the model has them: crash after the effect (before the ack) makes
    /// a duplicate at-least-once; crash "after the ack" loses only at-most-once, which
    /// acked on delivery; the other modes ack after the effect, so it comes back.
    @Test func theWindowOfDoubtTraps() throws {
        var s = Self.settings([.atMostOnce, .atLeastOnce, .effectivelyOnce], seconds: 5)
        s.processingMicrosMean = 50_000
        let (lanes, drained, real) = try Self.run(s, [TimedAction(at: 1_000_000, .crashAfterAck(.consumer(0))),
                                                    TimedAction(at: 2_000_000, .restart(.consumer(0))),
                                                    TimedAction(at: 2_500_000, .crashAfterEffect(.consumer(1))),
                                                    TimedAction(at: 3_500_000, .restart(.consumer(1)))])
        real.close()
        #expect(drained.allSatisfy { $0 != nil })
        let amo = lanes[0], alo = lanes[1], eo = lanes[2]
        #expect(amo.counters.lost >= 1, "\(amo.counters)")
        #expect(alo.counters.lost == 0 && alo.counters.duplicateEffects >= 1, "\(alo.counters)")
        #expect(eo.counters.lost == 0 && eo.counters.duplicateEffects == 0 && eo.counters.duplicatesSuppressed >= 1, "\(eo.counters)")
        for lane in lanes { #expect(Self.passes(lane), "\(lane.mode): \(lane.promiseChecks(drained: true)) \(lane.counters)") }
    }

    /// A message the server gave up on after max deliveries, but whose effect was applied
    /// (its acks were the ones lost), is effected, not dead-lettered: conservation holds.
    @Test func deadLettersAreMessagesNeverEffected() throws {
        var s = Self.settings([.atLeastOnce, .effectivelyOnce], seconds: 4)
        s.lossPerMillion = 300_000
        s.maxDeliveries = 2
        let (lanes, drained, real) = try Self.run(s, [])
        real.close()
        #expect(drained.allSatisfy { $0 != nil })
        for lane in lanes {
            #expect(lane.counters.deadLettered > 0, "\(lane.counters)")
            #expect(lane.promiseChecks(drained: true).first { $0.name == "conservation" }?.status == .pass,
                    "\(lane.mode): \(lane.promiseChecks(drained: true))")
        }
    }

    @Test func aServerWithoutJetStreamIsOneClearError() throws {
        let server = try NatsServer(jetStream: false)
        defer { server.stop() }
        #expect(throws: RealBrokerError.self) { _ = try RealRun(settings: Self.settings([.atLeastOnce]), target: .running(port: server.port)) }
        do {
            _ = try RealRun(settings: Self.settings([.atLeastOnce]), target: .running(port: server.port))
        } catch {
            #expect(error.description.contains("nats-server -js"), "\(error)")
        }
    }

    @Test func onARunningServerOnlyItsOwnStreamsAreTouched() throws {
        let server = try NatsServer()
        defer { server.stop() }
        let c = NatsConnection(name: "other", port: server.port)
        #expect(c.open())
        Self.pump([c]) { c.ready }
        _ = Self.request(c, "$JS.API.STREAM.CREATE.OTHER", "{\"name\":\"OTHER\",\"subjects\":[\"other\"],\"storage\":\"memory\"}", tag: "1")
        let (lanes, _, real) = try Self.run(Self.settings([.atLeastOnce], seconds: 1), [], target: .running(port: server.port))
        #expect(lanes[0].counters.delivered > 0 && real.serverPID == 0)
        real.close()
        let names = Self.request(c, "$JS.API.STREAM.NAMES", "", tag: "2")
        guard case .array(let list)? = names?["streams"] else {
            Issue.record("no stream list: \(String(describing: names))")
            return
        }
        #expect(list == [.string("OTHER")], "the run deleted its own stream and kept the other")
        #expect(server.isRunning, "a running server is not ours to stop")
    }
}
