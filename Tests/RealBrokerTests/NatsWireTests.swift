import Testing
@testable import RealBroker

/// The client's protocol layer, without a socket: what it sends and how it reads.
@Suite struct NatsWireTests {
    static func frames(_ text: String, chunk: Int = .max) -> ([NatsWire.Frame], String?) {
        var p = NatsWire.Parser()
        var out: [NatsWire.Frame] = []
        let bytes = Array(text.utf8)
        var i = 0
        while i < bytes.count {
            let j = min(bytes.count, i + chunk)
            p.append(bytes[i..<j])
            while let f = p.next() { out.append(f) }
            i = j
        }
        return (out, p.failure)
    }

    @Test func readsEveryFrameTheServerSends() {
        let text = "INFO {\"server_id\":\"x\"}\r\nPING\r\nPONG\r\n+OK\r\n-ERR 'Unknown Protocol Operation'\r\n"
            + "MSG _INBOX.a.1.stream.1 1  23\r\n{\"stream\":\"S\", \"seq\":1}\r\n"
            + "HMSG s.msgs 1 $JS.ACK.S.C.2.7.9.1795832782093989840.3 31 38\r\nNATS/1.0\r\nNats-Msg-Id: p1-1\r\n\r\np1-1 k3\r\n"
            + "HMSG _INBOX.x.4 1 81 81\r\nNATS/1.0 408 Request Timeout\r\nNats-Pending-Messages: 1\r\nNats-Pending-Bytes: 0\r\n\r\n\r\n"
        for chunk in [.max, 1, 2, 7, 64] {
            let (frames, failure) = Self.frames(text, chunk: chunk)
            #expect(failure == nil)
            #expect(frames.count == 8, "chunk \(chunk)")
            guard frames.count == 8 else { continue }
            #expect(frames[0] == .info("{\"server_id\":\"x\"}"))
            #expect(frames[1] == .ping)
            #expect(frames[2] == .pong)
            #expect(frames[3] == .ok)
            #expect(frames[4] == .err("'Unknown Protocol Operation'"))
            guard case .msg(let pubAck) = frames[5], case .msg(let delivery) = frames[6], case .msg(let status) = frames[7] else {
                Issue.record("not messages")
                continue
            }
            // Two spaces where the reply would be: no reply.
            #expect(pubAck.reply == nil && pubAck.sid == 1 && pubAck.text == "{\"stream\":\"S\", \"seq\":1}")
            #expect(pubAck.status == nil)
            #expect(delivery.subject == "s.msgs" && delivery.reply?.hasPrefix("$JS.ACK.") == true)
            #expect(delivery.header("nats-msg-id") == "p1-1" && delivery.text == "p1-1 k3")
            #expect(status.status == 408 && status.payload.isEmpty && status.reply == nil)
        }
    }

    @Test func waitsForAWholePayload() {
        var p = NatsWire.Parser()
        p.append(Array("MSG a 1 5\r\nhel".utf8)[...])
        #expect(p.next() == nil)
        p.append(Array("lo\r".utf8)[...])
        #expect(p.next() == nil)
        p.append(Array("\n".utf8)[...])
        #expect(p.next() == .msg(NatsMessage(subject: "a", sid: 1, reply: nil, headerText: nil, payload: Array("hello".utf8))))
    }

    @Test func badLinesFailInsteadOfGuessing() {
        for bad in ["MSG a\r\n", "MSG a x 5\r\n", "HMSG a 1 9 5\r\n", "MSG a 1 -3\r\n", "BOGUS\r\n", "HMSG a 1 r 2 3 4\r\n"] {
            let (frames, failure) = Self.frames(bad)
            #expect(frames.isEmpty, "\(bad)")
            #expect(failure != nil, "\(bad)")
        }
        // A line that never ends stops the parser past its limit.
        var p = NatsWire.Parser()
        p.append(Array(repeating: UInt8(ascii: "x"), count: NatsWire.Parser.maxLine + 10)[...])
        #expect(p.next() == nil)
        #expect(p.failure != nil)
    }

    @Test func encodesWhatItSends() {
        #expect(String(decoding: NatsWire.pub("s", reply: nil, headers: [], payload: Array("hi".utf8)), as: UTF8.self) == "PUB s 2\r\nhi\r\n")
        #expect(String(decoding: NatsWire.pub("s", reply: "r", headers: [], payload: []), as: UTF8.self) == "PUB s r 0\r\n\r\n")
        let h = String(decoding: NatsWire.pub("s", reply: "r", headers: [("Nats-Msg-Id", "p1-1")], payload: Array("x".utf8)), as: UTF8.self)
        // 31 bytes of headers, 32 in all.
        #expect(h == "HPUB s r 31 32\r\nNATS/1.0\r\nNats-Msg-Id: p1-1\r\n\r\nx\r\n")
        #expect(String(decoding: NatsWire.sub("a.>", sid: 4), as: UTF8.self) == "SUB a.> 4\r\n")
        let connect = String(decoding: NatsWire.connect(name: "n"), as: UTF8.self)
        #expect(connect.hasPrefix("CONNECT {") && connect.contains("\"headers\":true") && connect.hasSuffix("}\r\nPING\r\n"))
    }

    @Test func ackMetadataOfBothReplyForms() throws {
        let old = try #require(AckMetadata(reply: "$JS.ACK.S.C.2.7.9.1795832782093989840.3"))
        #expect(old.stream == "S" && old.consumer == "C" && old.deliveryCount == 2 && old.streamSeq == 7 && old.consumerSeq == 9 && old.pending == 3)
        let new = try #require(AckMetadata(reply: "$JS.ACK.hub.ACC.S.C.1.42.43.1795832782093989840.0.xyz"))
        #expect(new.stream == "S" && new.deliveryCount == 1 && new.streamSeq == 42)
        #expect(AckMetadata(reply: "_INBOX.a.b") == nil)
        #expect(AckMetadata(reply: "$JS.ACK.S.C.x.7.9.1.3") == nil)
    }

    @Test func jsonOfTheAPI() throws {
        let info = try #require(JSONValue.parse(Array("""
            {"type":"io.nats.jetstream.api.v1.consumer_info_response","num_ack_pending":3,"num_pending":12,\
            "delivered":{"consumer_seq":1,"stream_seq":1},"ok":true,"s":"a\\"b\\u00e9","n":null,"l":[1,2.5,-3e2]}
            """.utf8)))
        #expect(info["num_ack_pending"]?.int == 3 && info["num_pending"]?.int == 12)
        #expect(info["delivered"]?["stream_seq"]?.int == 1)
        #expect(info["ok"]?.bool == true && info["s"]?.string == "a\"bé" && info["n"] == .null)
        #expect(info["l"] == .array([.number(1), .number(2.5), .number(-300)]))
        let error = try #require(JSONValue.parse(Array("{\"error\":{\"code\":404,\"err_code\":10014,\"description\":\"consumer not found\"}}".utf8)))
        #expect(error["error"]?["err_code"]?.int == 10014)
        for bad in ["", "{", "{\"a\":}", "[1,]", "{\"a\":1}x", "nul", String(repeating: "[", count: 100) + String(repeating: "]", count: 100)] {
            #expect(JSONValue.parse(Array(bad.utf8)) == nil, "\(bad)")
        }
    }

    @Test func brokerAddresses() throws {
        #expect(try BrokerTarget.parse("nats").get() == .privateServer)
        #expect(try BrokerTarget.parse("nats://127.0.0.1:4222").get() == .running(port: 4222))
        #expect(try BrokerTarget.parse("nats://localhost:5000").get() == .running(port: 5000))
        for bad in ["kafka", "nats://10.0.0.1:4222", "nats://127.0.0.1", "nats://127.0.0.1:0", "nats://127.0.0.1:70000", "nats://127.0.0.1:x"] {
            guard case .failure(let e) = BrokerTarget.parse(bad) else {
                Issue.record("\(bad) accepted")
                continue
            }
            #expect(e.description.hasPrefix("--broker"), "\(bad): \(e)")
        }
    }

    @Test func messageIDsReadBack() {
        #expect(MessageIDText.read("p1-42")?.description == "p1-42")
        #expect(MessageIDText.read("p3-1")?.producer == 2)
        for bad in ["p0-1", "q1-1", "p1-", "p-1", "p1-x", ""] { #expect(MessageIDText.read(bad) == nil, "\(bad)") }
    }
}

/// The JetStream API layer: the requests it builds and how it reads the answers.
@Suite struct JetStreamTests {
    static func message(_ payload: String, subject: String = "_INBOX.x.1", header: String? = nil, reply: String? = nil) -> NatsMessage {
        NatsMessage(subject: subject, sid: 1, reply: reply, headerText: header, payload: Array(payload.utf8))
    }

    @Test func requests() {
        let stream = JetStream.createStream("S", subject: "s.m", file: false, dedupWindowMicros: 2_000_000)
        #expect(stream.subject == "$JS.API.STREAM.CREATE.S")
        #expect(stream.body == "{\"name\":\"S\",\"subjects\":[\"s.m\"],\"storage\":\"memory\",\"duplicate_window\":2000000000}")
        let consumer = JetStream.createConsumer("S", "C", explicitAcks: true, ackWaitMicros: 1_000_000, maxAckPending: 32, maxDeliver: 0)
        #expect(consumer.subject == "$JS.API.CONSUMER.DURABLE.CREATE.S.C")
        #expect(consumer.body == "{\"stream_name\":\"S\",\"config\":{\"durable_name\":\"C\",\"ack_policy\":\"explicit\",\"ack_wait\":1000000000,\"max_ack_pending\":32,\"max_deliver\":-1}}")
        #expect(JetStream.createConsumer("S", "C", explicitAcks: false, ackWaitMicros: 1, maxAckPending: 1, maxDeliver: 3).body.contains("\"ack_policy\":\"none\""))
        #expect(JetStream.pull("S", "C", batch: 8, expiresMicros: 1_000_000) == .init(subject: "$JS.API.CONSUMER.MSG.NEXT.S.C", body: "{\"batch\":8,\"expires\":1000000000}"))
        #expect(JetStream.consumerInfo("S", "C") == .init(subject: "$JS.API.CONSUMER.INFO.S.C", body: ""))
        #expect(JetStream.deleteStream("S").subject == "$JS.API.STREAM.DELETE.S")
        #expect(JetStream.maxDeliveriesAdvisory("S", "C") == "$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.S.C")
    }

    @Test func answers() {
        #expect(JetStream.Answer(Self.message("{\"config\":{}}")) == .ok(.object([("config", .object([]))])))
        let missing = JetStream.Answer(Self.message("{\"error\":{\"code\":404,\"err_code\":10014,\"description\":\"consumer not found\"}}"))
        #expect(missing == .error(code: 10014, description: "consumer not found") && missing.notFound && missing.failure == "consumer not found")
        let noJetStream = JetStream.Answer(Self.message("", header: "NATS/1.0 503\r\n\r\n"))
        #expect(noJetStream == .status(503) && noJetStream.failure?.contains("nats-server -js") == true)
        #expect(JetStream.Answer(Self.message("<html>")) == .notJSON)
        #expect(JetStream.PubAck(Self.message("{\"stream\":\"S\", \"seq\":7}")) == .init(Self.message("{\"stream\":\"S\",\"seq\":7,\"duplicate\":false}")))
        #expect(JetStream.PubAck(Self.message("{\"stream\":\"S\",\"seq\":7,\"duplicate\":true}"))?.duplicate == true)
        #expect(JetStream.PubAck(Self.message("{\"error\":{\"code\":503}}")) == nil)
        #expect(JetStream.PubAck(Self.message("", header: "NATS/1.0 503\r\n\r\n")) == nil)
        let info = JetStream.ConsumerInfo(JetStream.Answer(Self.message("{\"num_pending\":3,\"num_ack_pending\":2,\"num_redelivered\":1}")))
        #expect(info == .init(JetStream.Answer(Self.message("{\"num_ack_pending\":2,\"num_pending\":3}"))) && info?.numPending == 3)
        #expect(JetStream.MaxDeliveries(Self.message("{\"stream_seq\":42,\"deliveries\":3}")) == .init(Self.message("{\"deliveries\":3,\"stream_seq\":42}")))
        #expect(JetStream.MaxDeliveries(Self.message("{}")) == nil)
        #expect(JetStream.ackRecorded(Self.message("")) && !JetStream.ackRecorded(Self.message("", header: "NATS/1.0 503\r\n\r\n")))
        #expect(JetStream.pullEnded(Self.message("", header: "NATS/1.0 408 Request Timeout\r\n\r\n")))
        #expect(!JetStream.pullEnded(Self.message("p1-1 0", reply: "$JS.ACK.S.C.1.1.1.1.0")))
    }
}
