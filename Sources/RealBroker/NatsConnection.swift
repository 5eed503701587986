import Glibc

/// One client connection to a NATS server over a non-blocking TCP socket, with the fault
/// proxy in its path.
///
/// The proxy sits between the client's protocol code and its socket, in this process:
/// `holdOut` stops forwarding what the client sends, `holdIn` stops forwarding what the
/// server sends. Held bytes wait, as TCP would keep them while a link is cut, and flow
/// when the direction opens again. A crash is `close()`: the socket goes, and with it
/// everything held in either direction.
public final class NatsConnection {
    public let name: String
    public let port: UInt16
    public private(set) var fd: Int32 = -1
    /// The server answered the first PING: CONNECT was accepted.
    public private(set) var ready = false
    /// Increases on every (re)connect, so replies to an older connection are told apart.
    public private(set) var generation = 0
    /// Proxy: the client's bytes are held, not sent (a cut link toward the server).
    public var holdOut = false
    /// Proxy: the server's bytes are held, not read by the client (a cut link from it).
    public var holdIn = false {
        didSet {
            if !holdIn && !heldIn.isEmpty {
                parser.append(heldIn[...])
                heldIn.removeAll()
                parse()
            }
        }
    }
    /// The last reason the connection ended, if it did.
    public private(set) var lastError: String?
    /// Messages received since the owner last took them.
    public var incoming: [NatsMessage] = []

    private var out: [UInt8] = []
    private var heldIn: [UInt8] = []
    private var parser = NatsWire.Parser()
    private var nextSid = 2
    private var readBuffer = [UInt8](repeating: 0, count: 64 * 1024)

    public init(name: String, port: UInt16) {
        self.name = name
        self.port = port
    }

    deinit { if fd >= 0 { Glibc.close(fd) } }

    public var isOpen: Bool { fd >= 0 }

    /// Every reply to this connection's requests arrives under this prefix (subscribed as
    /// sid 1 on connect).
    public var inboxPrefix: String { "_INBOX.\(name).\(generation)" }

    /// Connects to 127.0.0.1:port. False (and `lastError`) when the server is not there.
    @discardableResult
    public func open() -> Bool {
        if fd >= 0 { close() }
        let s = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard s >= 0 else { lastError = "socket: errno \(errno)"; return false }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = port.bigEndian
        addr.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(s, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else {
            lastError = errno == ECONNREFUSED ? "connection refused" : "connect: errno \(errno)"
            Glibc.close(s)
            return false
        }
        var one: Int32 = 1
        setsockopt(s, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        _ = fcntl(s, F_SETFL, fcntl(s, F_GETFL) | O_NONBLOCK)
        fd = s
        generation += 1
        ready = false
        lastError = nil
        parser = NatsWire.Parser()
        out = NatsWire.connect(name: name) + NatsWire.sub(inboxPrefix + ".>", sid: 1)
        heldIn = []
        nextSid = 2
        flush()
        return true
    }

    /// Drops the connection and everything held in it, either way.
    public func close(_ reason: String? = nil) {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
        ready = false
        out.removeAll()
        heldIn.removeAll()
        incoming.removeAll()
        if let reason { lastError = reason }
    }

    public func publish(_ subject: String, reply: String? = nil, headers: [(String, String)] = [], payload: [UInt8]) {
        guard fd >= 0 else { return }
        out += NatsWire.pub(subject, reply: reply, headers: headers, payload: payload)
        flush()
    }

    @discardableResult
    public func subscribe(_ subject: String) -> Int {
        let sid = nextSid
        nextSid += 1
        if fd >= 0 { out += NatsWire.sub(subject, sid: sid); flush() }
        return sid
    }

    /// Bytes written by the client and not yet sent (held by the proxy or the socket full).
    public var unsentBytes: Int { out.count }

    /// What to poll for.
    public var pollEvents: Int16 {
        guard fd >= 0 else { return 0 }
        return Int16(POLLIN) | (!holdOut && !out.isEmpty ? Int16(POLLOUT) : 0)
    }

    /// Reads and writes what the socket allows; parses what arrived.
    public func service(_ revents: Int16) {
        guard fd >= 0 else { return }
        if revents & Int16(POLLIN | POLLHUP | POLLERR) != 0 { readAvailable() }
        if fd >= 0 { flush() }
    }

    /// Sends what the proxy lets through, as far as the socket takes it.
    public func flush() {
        guard fd >= 0, !holdOut, !out.isEmpty else { return }
        let n = out.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        if n > 0 {
            out.removeFirst(n)
        } else if n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR {
            close("send: errno \(errno)")
        }
    }

    private func readAvailable() {
        while fd >= 0 {
            let n = readBuffer.withUnsafeMutableBytes { Glibc.recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 {
                if holdIn {
                    heldIn += readBuffer[0..<n]
                } else {
                    parser.append(readBuffer[0..<n])
                    parse()
                }
                if n < readBuffer.count { return }
            } else if n == 0 {
                close("the server closed the connection")
                return
            } else {
                if errno == EAGAIN || errno == EWOULDBLOCK { return }
                if errno == EINTR { continue }
                close("recv: errno \(errno)")
                return
            }
        }
    }

    private func parse() {
        while let frame = parser.next() {
            switch frame {
            case .ping: out += NatsWire.pong
            case .pong: ready = true
            case .info, .ok: break
            case .err(let text): lastError = "server: " + text
            case .msg(let m): incoming.append(m)
            }
        }
        if let failure = parser.failure { close("protocol: " + failure) }
    }
}

/// Waits on many connections at once.
public enum NatsPoll {
    /// Polls every open connection for up to `timeoutMillis`, then services the ready ones.
    public static func poll(_ connections: [NatsConnection], timeoutMillis: Int32) {
        let open = connections.filter(\.isOpen)
        guard !open.isEmpty else {
            if timeoutMillis > 0 { usleep(UInt32(timeoutMillis) * 1_000) }
            return
        }
        var fds = open.map { pollfd(fd: $0.fd, events: $0.pollEvents, revents: 0) }
        let n = Glibc.poll(&fds, nfds_t(fds.count), timeoutMillis)
        guard n > 0 else { return }
        for (i, c) in open.enumerated() where fds[i].revents != 0 { c.service(fds[i].revents) }
    }
}
