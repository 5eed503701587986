import DeliverySim
import Glibc

/// Where the real lanes' server is.
public enum BrokerTarget: Equatable, Sendable {
    /// A private nats-server this run starts (and stops): loopback only, temporary store.
    case privateServer
    /// A running server at 127.0.0.1:port; only the streams this run creates are touched.
    case running(port: UInt16)

    /// `nats` or `nats://127.0.0.1:4222` (`localhost` too). Nil: not a NATS address.
    public static func parse(_ text: String) -> Result<BrokerTarget, RealBrokerError> {
        if text == "nats" { return .success(.privateServer) }
        guard text.hasPrefix("nats://") else {
            return .failure(RealBrokerError("--broker takes sim, nats, or nats://127.0.0.1:PORT, not '\(text)'"))
        }
        let rest = text.dropFirst("nats://".count)
        let parts = rest.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, ["127.0.0.1", "localhost"].contains(String(parts[0])) else {
            return .failure(RealBrokerError("--broker nats://HOST:PORT: HOST must be 127.0.0.1 or localhost (the client speaks to loopback only), not '\(text)'"))
        }
        guard let port = UInt16(parts[1]), port > 0 else {
            return .failure(RealBrokerError("--broker nats://127.0.0.1:PORT: PORT must be 1 to 65535, not '\(parts[1])'"))
        }
        return .success(.running(port: port))
    }
}

public struct RealBrokerError: Error, CustomStringConvertible {
    public let description: String
    public init(_ d: String) { description = d }
}

/// Every real lane of one run, the server they share, and the wall clock they run on.
///
/// Single-threaded: `pump` polls every connection with a short timeout and then lets each
/// lane act on the time. Actions (keys, a scenario's timeline, `--crash-every`) come
/// from a `Timeline` with no simulated lanes: the same schedule, the same crash targets,
/// applied at the wall-clock instant they are due.
public final class RealRun {
    public let settings: Settings
    public let target: BrokerTarget
    let server: NatsServer?
    let port: UInt16
    let lanes: [RealLane]
    private var schedule: Timeline
    private var appliedSeen = 0
    public private(set) var now: Micros = 0
    public private(set) var brokerUp = true
    /// When the broker was crashed by an action (nil: it runs).
    private var reconnectAt: Micros = 0
    public private(set) var draining = false

    /// Words for the header and the JSON: which server, where.
    public var brokerWords: String {
        switch target {
        case .privateServer: "nats-server \(server?.version ?? "?"), 127.0.0.1:\(port) (private, stopped on exit)"
        case .running(let p): "nats-server at 127.0.0.1:\(p) (running; only this run's streams are touched)"
        }
    }

    /// Starts (or reaches) the server and sets up every lane's stream and consumer.
    public init(settings: Settings, script: [TimedAction] = [], target: BrokerTarget, recording: EventFilter = .nothing) throws(RealBrokerError) {
        if let mode = settings.modes.first(where: { $0 == .inProcess }) {
            throw RealBrokerError("the \(mode.rawValue) lane has no real-broker form: its point is that no network sits between broker and consumer; "
                + "give --modes without it (at-most-once, at-least-once, idempotent, effectively-once)")
        }
        self.settings = settings
        self.target = target
        switch target {
        case .privateServer:
            do { server = try NatsServer() } catch { throw RealBrokerError(error.description) }
            port = server!.port
        case .running(let p):
            server = nil
            port = p
            guard NatsServer.accepts(p) else { throw RealBrokerError("no NATS server answers at 127.0.0.1:\(p) (start one with: nats-server -js -a 127.0.0.1 -p \(p))") }
        }
        var scheduleSettings = settings
        scheduleSettings.modes = []
        schedule = Timeline(settings: scheduleSettings, actions: script)
        let runID = Self.runID()
        let lanePort = port
        lanes = settings.modes.enumerated().map { i, mode in
            RealLane(index: i, mode: mode, settings: settings, runID: runID, port: lanePort, recording: recording)
        }
        for lane in lanes { lane.reconnect() }
        // Set up before time starts: 10 s for every stream and consumer to exist.
        let deadline = Self.monotonicNanos() + 10_000_000_000
        while !lanes.allSatisfy(\.isSetUp) {
            if Self.monotonicNanos() > deadline - 7_000_000_000 && !lanes.contains(where: { $0.control.ready }) {
                close()
                throw RealBrokerError("127.0.0.1:\(port) answers but does not speak NATS (no reply to CONNECT and PING in 3 s)")
            }
            NatsPoll.poll(connections, timeoutMillis: 20)
            for lane in lanes { lane.turn(producing: false) }
            if let failed = lanes.compactMap(\.setupError).first {
                close()
                throw RealBrokerError("the server refused the setup: " + failed)
            }
            if Self.monotonicNanos() > deadline {
                close()
                let why = lanes.compactMap(\.control.lastError).first.map { " (\($0))" }
                    ?? server.map { "; its log ends: " + NatsServer.tail($0.storeDir + "/server.log") } ?? ""
                throw RealBrokerError("the server at 127.0.0.1:\(port) did not set up JetStream streams within 10 s\(why)")
            }
        }
        startClock()
    }

    private var clockOrigin: Int64 = 0
    private func startClock() { clockOrigin = Self.monotonicNanos() }

    deinit { close() }

    private var connections: [NatsConnection] { lanes.flatMap(\.connections) }

    static func monotonicNanos() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }

    /// A name no other run on the same server uses: the process id and the clock.
    static func runID() -> String {
        "\(getpid())_\(UInt64(monotonicNanos()) % 1_000_000_007)"
    }

    /// Wall time since the clock started, µs.
    public var wallMicros: Micros { (Self.monotonicNanos() - clockOrigin) / 1_000 }

    /// Runs the lanes for up to `millis` of wall time: I/O, scheduled actions, production
    /// (until the duration), processing.
    public func pump(millis: Int) {
        let until = wallMicros + Micros(millis) * 1_000
        repeat {
            // Sleep in poll until a connection has something or a lane must act.
            let producing = !draining && now <= settings.durationMicros
            var due = lanes.reduce(until) { min($0, $1.nextDeadline(producing: producing)) }
            if !draining, let next = schedule.nextScheduled?.at { due = min(due, next) }
            if brokerUp && connections.contains(where: { !$0.isOpen }) { due = min(due, reconnectAt) }
            let wait = max(0, due - wallMicros)
            NatsPoll.poll(connections, timeoutMillis: Int32(min(50, (wait + 999) / 1_000)))
            tick()
        } while wallMicros < until
    }

    private func tick() {
        now = wallMicros
        for lane in lanes { lane.now = now }
        if !draining {
            schedule.advance(to: now)
            applyNewActions()
        }
        if brokerUp && now >= reconnectAt {
            for lane in lanes { lane.reconnect() }
            reconnectAt = now + 250_000
        }
        let producing = !draining && now <= settings.durationMicros
        for lane in lanes { lane.turn(producing: producing) }
        if !brokerUp {
            for conn in connections where conn.isOpen { conn.close() }
        }
    }

    /// A key: applied now, recorded with the key as its origin.
    public func apply(_ action: Action) {
        now = wallMicros
        for lane in lanes { lane.now = now }
        schedule.apply(action, origin: .key)
        applyNewActions()
    }

    /// Every action applied so far, with its wall time and origin.
    public var applied: [AppliedAction] { schedule.applied }

    private func applyNewActions() {
        while appliedSeen < schedule.applied.count {
            let action = schedule.applied[appliedSeen].timed.action
            appliedSeen += 1
            for lane in lanes { lane.apply(action) }
            switch action {
            case .crash(.broker): crashBroker()
            case .restart(.broker): restartBroker()
            default: break
            }
        }
    }

    private func crashBroker() {
        guard brokerUp else { return }
        brokerUp = false
        switch target {
        case .privateServer: server?.kill()
        case .running: break  // not ours to kill: its connections drop instead
        }
        let killed: Bool
        if case .privateServer = target { killed = true } else { killed = false }
        for lane in lanes { lane.brokerCrashed(killed: killed) }
    }

    private func restartBroker() {
        guard !brokerUp else { return }
        if case .privateServer = target {
            do { try server?.start() } catch { restartFailure = error.description; return }
        }
        brokerUp = true
        for lane in lanes { lane.brokerUp = true }
        reconnectAt = now
    }

    /// Why the broker could not be restarted, if it could not.
    public private(set) var restartFailure: String?

    public func observed() -> [ObservedLane] { lanes.map { $0.observed() } }

    /// Events recorded since the last call, all lanes, in time order.
    public func takeEvents() -> [LaneEvent] {
        var batch: [LaneEvent] = []
        for lane in lanes { batch += lane.takeEvents().map { LaneEvent(lane: lane.index, event: $0) } }
        return batch.enumerated().sorted { a, b in
            a.element.event.atMicros < b.element.event.atMicros
                || (a.element.event.atMicros == b.element.event.atMicros && a.offset < b.offset)
        }.map(\.element)
    }

    public func setRecording(_ filter: EventFilter) { for lane in lanes { lane.recording = filter } }

    /// Production is over (by time or by message limit).
    public var productionOver: Bool {
        now > settings.durationMicros || (settings.messageLimit.map { limit in lanes.allSatisfy { $0.produced >= limit } } ?? false)
    }

    /// The drain: heal every link, restart every node (the broker too), stop producing,
    /// and run until every lane is quiet, with the server's word on it. Returns, per lane,
    /// the wall time it drained (nil: the limit or `shouldStop` came first).
    public func drain(limitMicros: Micros, shouldStop: () -> Bool = { false }) -> [Micros?] {
        draining = true
        now = wallMicros
        for lane in lanes { lane.now = now }
        schedule.apply(.healAll, origin: .key)
        var restarts: [Action] = [.restart(.broker)]
        restarts += (0..<settings.producers).map { .restart(.producer($0)) }
        restarts += (0..<settings.consumers).map { .restart(.consumer($0)) }
        for a in restarts { schedule.apply(a, origin: .key) }
        applyNewActions()
        let deadline = now + limitMicros
        var drainedAt: [Micros?] = Array(repeating: nil, count: lanes.count)
        var quietSince: [Micros?] = Array(repeating: nil, count: lanes.count)
        while drainedAt.contains(where: { $0 == nil }) && now < deadline && !shouldStop() && restartFailure == nil
                && lanes.allSatisfy({ $0.setupError == nil }) {
            pump(millis: 20)
            for (i, lane) in lanes.enumerated() where drainedAt[i] == nil {
                // Quiet, and still quiet on a later answer of the server's.
                if lane.quiet {
                    if let since = quietSince[i] {
                        if lane.heardFromServer(since: since) { drainedAt[i] = now; lane.settleLosses() }
                    } else {
                        quietSince[i] = now
                    }
                } else {
                    quietSince[i] = nil
                }
            }
        }
        return drainedAt
    }

    /// Closes every connection; deletes this run's streams on a running server; stops a
    /// private server and removes its store.
    public func close() {
        if closed { return }
        closed = true
        if case .running = target {
            // Even after a 'broker crash' (its connections dropped): reconnect to delete.
            for lane in lanes { lane.deleteStream() }
            let until = Self.monotonicNanos() + 1_000_000_000
            while Self.monotonicNanos() < until && lanes.contains(where: { $0.control.isOpen && $0.control.unsentBytes > 0 }) {
                NatsPoll.poll(connections, timeoutMillis: 20)
            }
            NatsPoll.poll(connections, timeoutMillis: 100)
        }
        for conn in connections { conn.close() }
        server?.stop()
    }
    private var closed = false

    /// Whether the private server process is gone (for tests and the closing check).
    public var serverPID: Int32 { server?.pid ?? 0 }
    public var serverStore: String? { server?.storeDir }
}
