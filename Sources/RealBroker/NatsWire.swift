/// The NATS client protocol as bytes: what a client sends, and a parser for what a server
/// sends. Plain text lines ending in CRLF; a message's payload follows its line by count.
/// No I/O here: `NatsConnection` feeds the parser whatever its socket read.
public enum NatsWire {
    /// One thing the server said.
    public enum Frame: Equatable, Sendable {
        case info(String)
        case ping
        case pong
        case ok
        case err(String)
        case msg(NatsMessage)
    }

    static func connect(name: String) -> [UInt8] {
        Array("CONNECT {\"verbose\":false,\"pedantic\":false,\"headers\":true,\"no_responders\":true,\"lang\":\"swift\",\"version\":\"0\",\"name\":\"\(name)\"}\r\nPING\r\n".utf8)
    }

    static func sub(_ subject: String, sid: Int) -> [UInt8] { Array("SUB \(subject) \(sid)\r\n".utf8) }

    /// PUB, or HPUB when there are headers.
    static func pub(_ subject: String, reply: String?, headers: [(String, String)], payload: [UInt8]) -> [UInt8] {
        let replyPart = reply.map { " " + $0 } ?? ""
        if headers.isEmpty {
            return Array("PUB \(subject)\(replyPart) \(payload.count)\r\n".utf8) + payload + [13, 10]
        }
        var head = "NATS/1.0\r\n"
        for (k, v) in headers { head += k + ": " + v + "\r\n" }
        head += "\r\n"
        let h = Array(head.utf8)
        return Array("HPUB \(subject)\(replyPart) \(h.count) \(h.count + payload.count)\r\n".utf8) + h + payload + [13, 10]
    }

    static let pong: [UInt8] = Array("PONG\r\n".utf8)

    /// Incremental parser: append bytes, take whole frames.
    public struct Parser: Sendable {
        var buffer: [UInt8] = []
        var start = 0
        /// A protocol line the parser could not read (the connection should be dropped).
        public private(set) var failure: String?
        /// The longest control line accepted (the server's default max_control_line is 4 KiB).
        static let maxLine = 64 * 1024

        public init() {}

        public mutating func append(_ bytes: ArraySlice<UInt8>) { buffer += bytes }

        /// The next whole frame, or nil until more bytes arrive.
        public mutating func next() -> Frame? {
            // Empty lines are skipped in a loop: a server sending many cannot deepen the stack.
            while let read = readOne() {
                if let frame = read.frame { return frame }
            }
            return nil
        }

        /// One line read: its frame, or none for an empty line.
        private struct Read { var frame: Frame? }

        /// Reads one line: nil when more bytes are needed (or it failed), a Read with no
        /// frame for an empty line.
        private mutating func readOne() -> Read? {
            guard failure == nil else { return nil }
            guard let eol = lineEnd(from: start) else {
                if buffer.count - start > Self.maxLine { failure = "a protocol line longer than \(Self.maxLine) bytes" }
                return nil
            }
            let line = String(decoding: buffer[start..<eol], as: UTF8.self)
            let after = eol + 2
            let words = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            guard let verb = words.first?.uppercased() else { consume(to: after); return Read(frame: nil) }
            switch verb {
            case "PING": consume(to: after); return Read(frame: .ping)
            case "PONG": consume(to: after); return Read(frame: .pong)
            case "+OK": consume(to: after); return Read(frame: .ok)
            case "-ERR":
                consume(to: after)
                return Read(frame: .err(String(line.dropFirst(4)).trimmingSpaces))
            case "INFO":
                consume(to: after)
                return Read(frame: .info(String(line.dropFirst(4)).trimmingSpaces))
            case "MSG", "HMSG":
                let headed = verb == "HMSG"
                // MSG subject sid [reply] size; HMSG subject sid [reply] hdr_size total_size
                let withoutReply = headed ? 5 : 4
                guard words.count == withoutReply || words.count == withoutReply + 1 else { failure = "a bad \(verb) line: \(line)"; return nil }
                let hasReply = words.count == withoutReply + 1
                guard let total = Int(words[words.count - 1]), total >= 0, total <= 64 * 1024 * 1024 else {
                    failure = "a bad size in \(verb): \(line)"; return nil
                }
                let headerSize = headed ? Int(words[words.count - 2]) ?? -1 : 0
                guard headerSize >= 0, headerSize <= total, let sid = Int(words[2]) else { failure = "a bad \(verb) line: \(line)"; return nil }
                guard buffer.count >= after + total + 2 else { return nil }
                let headerBytes = buffer[after..<(after + headerSize)]
                let payload = Array(buffer[(after + headerSize)..<(after + total)])
                let message = NatsMessage(subject: words[1], sid: sid, reply: hasReply ? words[3] : nil,
                                          headerText: headed ? String(decoding: headerBytes, as: UTF8.self) : nil, payload: payload)
                consume(to: after + total + 2)
                return Read(frame: .msg(message))
            default:
                failure = "an unknown protocol line: \(line.prefix(80))"
                return nil
            }
        }

        private func lineEnd(from i: Int) -> Int? {
            var j = i
            while j + 1 < buffer.count {
                if buffer[j] == 13 && buffer[j + 1] == 10 { return j }
                j += 1
            }
            return nil
        }

        private mutating func consume(to i: Int) {
            start = i
            if start > 64 * 1024 || start == buffer.count {
                buffer.removeFirst(start)
                start = 0
            }
        }
    }
}

/// A message the server delivered (MSG or HMSG).
public struct NatsMessage: Equatable, Sendable {
    public var subject: String
    public var sid: Int
    public var reply: String?
    /// The raw header block (`NATS/1.0 [status]\r\nKey: Value\r\n…`), for HMSG.
    public var headerText: String?
    public var payload: [UInt8]

    /// A status message (no messages, request timeout, no responders…): its code.
    public var status: Int? {
        guard let h = headerText, let first = h.split(separator: "\r\n", maxSplits: 1).first else { return nil }
        let parts = first.split(separator: " ")
        return parts.count >= 2 ? Int(parts[1]) : nil
    }

    /// A header's value (names compare case-insensitively).
    public func header(_ name: String) -> String? {
        guard let h = headerText else { return nil }
        let want = name.lowercased()
        for line in h.split(separator: "\r\n").dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            if line[..<colon].lowercased() == want { return String(line[line.index(after: colon)...]).trimmingSpaces }
        }
        return nil
    }

    public var text: String { String(decoding: payload, as: UTF8.self) }
}

/// What a JetStream delivery's reply subject says:
/// `$JS.ACK.<stream>.<consumer>.<delivery count>.<stream seq>.<consumer seq>.<timestamp>.<pending>`.
public struct AckMetadata: Equatable, Sendable {
    public var stream: String
    public var consumer: String
    public var deliveryCount: Int
    public var streamSeq: UInt64
    public var consumerSeq: UInt64
    public var pending: UInt64

    public init?(reply: String) {
        let t = reply.split(separator: ".", omittingEmptySubsequences: false)
        // The 2.9 form has 9 tokens; newer servers add a domain and an account hash (12+).
        guard t.count >= 9, t[0] == "$JS", t[1] == "ACK" else { return nil }
        let base = t.count == 9 ? 2 : 4
        guard t.count >= base + 7,
              let count = Int(t[base + 2]), let sseq = UInt64(t[base + 3]), let cseq = UInt64(t[base + 4]),
              let pending = UInt64(t[base + 6]) else { return nil }
        stream = String(t[base])
        consumer = String(t[base + 1])
        deliveryCount = count
        streamSeq = sseq
        consumerSeq = cseq
        self.pending = pending
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return String(s)
    }
}
