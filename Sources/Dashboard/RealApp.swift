import DeliverySim
import Experiments

/// The dashboard of real-broker lanes: what a NATS JetStream server and its clients
/// reported, advanced only by `observe` and `press`.
///
/// A smaller state than `App`: the story view, the flow view, stepping, speed and restarts
/// need the simulation's record of every packet and its virtual clock, which a real server
/// does not have. What is left is the same screen, the same keys for faults and the same
/// words, reading `ObservedLane`s. `press` never touches the world: a fault key returns
/// `.apply(action)` and the real-time loop applies it to the real lanes.
public struct RealApp: Sendable {
    public let settings: Settings
    /// Which server, for the header: e.g. "nats-server 2.9.10, 127.0.0.1:41234 (private)".
    public let broker: String
    /// The scenario being played, if any: its words and its timeline.
    public let script: App.Script?
    public let unicode: Bool
    public let themeNames: [String]
    public private(set) var themeIndex: Int
    /// The lanes as last observed (one per mode of `settings.modes` until the first observation).
    public private(set) var lanes: [ObservedLane]
    /// Wall-clock microseconds since the run started.
    public private(set) var now: Micros = 0
    /// Whether the server process was up at the last observation.
    public private(set) var brokerUp = true
    /// The status line: what the last key did, in plain words.
    public internal(set) var status = "Press ? for every key, i for what is real here."
    /// While the loop drains the lanes (heal, restart, wait until nothing is pending), what
    /// it is doing: it takes the status line's place, and the header says DRAINING.
    public var drainMessage: String?
    public private(set) var selection = 0
    /// Where `l` stands in `App.lossSteps`.
    public private(set) var lossStep: Int
    public internal(set) var showHelp = false
    /// The info overlay (`i`): the scenario, and what is real here.
    public internal(set) var showInfo = false
    /// Which lanes are shown: an index into `laneChoices`.
    public private(set) var laneFilter = 0
    /// Lane sets `m` cycles through, as the simulated dashboard's (fixed by the modes).
    public let laneChoices: [[Int]]
    public private(set) var log: [App.LogLine] = []
    /// One sample per wall second per lane: rates for the sparklines.
    public private(set) var history: [[App.Sample]]
    private var lastCounters: [Counters]
    /// Wall seconds sampled so far.
    private var sampledSeconds: Micros = 0
    private var logFlood = LogFlood()
    /// The scenario's actions in the order they are applied, and how many the loop applied.
    public let scriptQueue: [TimedAction]
    public private(set) var scriptDone = 0

    public init(settings: Settings, broker: String, script: App.Script?, unicode: Bool = true,
                themeNames: [String] = ["default"], themeIndex: Int = 0) {
        self.settings = settings
        self.broker = broker
        self.script = script
        self.unicode = unicode
        self.themeNames = themeNames.isEmpty ? ["default"] : themeNames
        self.themeIndex = min(max(0, themeIndex), self.themeNames.count - 1)
        lanes = settings.modes.map(ObservedLane.init)
        laneChoices = App.laneChoices(settings.modes)
        history = Array(repeating: [], count: settings.modes.count)
        lastCounters = Array(repeating: Counters(), count: settings.modes.count)
        scriptQueue = stableSortedByTime(script?.actions ?? [])
        lossStep = App.lossSteps.firstIndex(of: settings.lossPerMillion) ?? -1
    }

    public var glyphs: Glyphs { unicode ? .unicode : .ascii }

    // MARK: - Nodes and lanes

    /// Producers, then the broker, then consumers: the order Tab walks (as `App.nodes`).
    public var nodes: [Node] {
        (0..<settings.producers).map { Node.producer($0) } + [.broker] + (0..<settings.consumers).map { Node.consumer($0) }
    }

    public var selectedNode: Node { nodes[min(selection, nodes.count - 1)] }

    /// The lanes shown, as indices into `lanes`.
    public var shownLanes: [Int] { laneChoices[laneFilter % laneChoices.count].filter { $0 < lanes.count } }

    /// The lane whose node states the topology shows and the keys toggle on: the
    /// at-least-once lane if shown (its unacked counts are the window of doubt), else the first.
    public var referenceLaneIndex: Int {
        shownLanes.first { lanes[$0].mode == .atLeastOnce } ?? shownLanes.first ?? 0
    }

    var referenceLane: ObservedLane {
        lanes.indices.contains(referenceLaneIndex) ? lanes[referenceLaneIndex] : ObservedLane(mode: .atLeastOnce)
    }

    /// A node's state in the reference lane; the broker is down when the server process is.
    func state(of node: Node) -> NodeState {
        var st = referenceLane.state(of: node)
        if node == .broker && !brokerUp { st.up = false }
        return st
    }

    // MARK: - Observing

    /// What the loop observed since the last call: the lanes now, the wall time now, the
    /// new events (all lanes, time order) and the actions applied (by keys, the scenario,
    /// `--crash-every`) since the last call.
    ///
    /// Faults are logged from `applied`, once, since they apply to every lane; `fault`
    /// events in `events` are therefore not logged again.
    public mutating func observe(lanes observed: [ObservedLane], now wall: Micros, events: [LaneEvent], applied: [AppliedAction],
                                 brokerUp up: Bool) {
        lanes = observed
        while history.count < lanes.count {
            history.append([])
            lastCounters.append(Counters())
        }
        now = max(now, wall)
        brokerUp = up
        sample()
        collect(events, applied)
        let scenario = applied.filter { $0.origin == .scenario }
        scriptDone = min(scriptQueue.count, scriptDone + scenario.count)
        if let last = scenario.last {
            status = "Scenario: " + last.timed.action.description + "."
        }
    }

    /// A sample per wall second passed: the counters' change since the last one.
    private mutating func sample() {
        let second = now / App.sampleMicros
        // After a long stall, only the newest seconds matter to the sparklines.
        if second - sampledSeconds > Micros(App.historyLength) { sampledSeconds = second - Micros(App.historyLength) }
        while sampledSeconds < second {
            sampledSeconds += 1
            for (i, lane) in lanes.enumerated() {
                let c = lane.counters, p = lastCounters[i]
                history[i].append(App.Sample(delivered: c.delivered - p.delivered, redelivered: c.redelivered - p.redelivered,
                                             duplicateEffects: c.duplicateEffects - p.duplicateEffects, lost: c.lost - p.lost,
                                             unacked: c.unacked))
                if history[i].count > App.historyLength { history[i].removeFirst(history[i].count - App.historyLength) }
                lastCounters[i] = c
            }
        }
    }

    /// Pulls the notable events into the log with the simulated dashboard's words and flood
    /// limit (three lines of a kind per lane per wall second, the rest counted).
    private mutating func collect(_ events: [LaneEvent], _ applied: [AppliedAction]) {
        let narration = Narration(settings: settings)
        var batch = LogFlood.Batch()
        for a in applied {
            let e = SimEvent(atMicros: a.timed.atMicros, kind: .fault, action: a.timed.action)
            if let (kind, words) = narration.line(e, mode: .atLeastOnce) {
                batch.fresh.append(App.LogLine(modes: [], atMicros: e.atMicros, kind: kind, words: words))
            }
        }
        for item in events where item.event.kind != .fault && lanes.indices.contains(item.lane) {
            let mode = lanes[item.lane].mode
            guard let (kind, words) = narration.line(item.event, mode: mode) else { continue }
            logFlood.offer(App.LogLine(modes: [mode], atMicros: item.event.atMicros, kind: kind, words: words, message: item.event.message),
                           into: &batch)
        }
        LogFlood.file(batch, into: &log, unicode: unicode)
    }

    // MARK: - Input

    /// What a key asks of the real-time loop. Nothing here changes the world: `.apply`
    /// hands the action to the loop, which applies it to every real lane.
    public enum Command: Equatable, Sendable {
        case quit
        /// Apply this fault or repair to every lane now.
        case apply(Action)
        /// Write a snapshot file (the screen, then the loop's JSON summary).
        case writeSnapshot
        /// Switch the terminal's colours to `themeNames[index]`.
        case setTheme(index: Int)
    }

    /// Why a key of the simulated dashboard does nothing here: one sentence each.
    public enum Refusal {
        public static let pause = "A real server does not pause: it runs on the wall clock."
        public static let speed = "Speed is fixed at 1x: the server runs on the wall clock."
        public static let step = "Stepping one event at a time needs the simulation's clock; a real server runs on the wall clock."
        public static let flow = "The flow view needs the simulation's record of every packet; not available on a real broker."
        public static let story = "Following a message needs the simulation's record of every packet; not available on a real broker."
        public static let restart = "Restarting from a seed needs the simulation; a real server cannot be replayed."
    }

    /// Applies one key to the dashboard's own state, and says what the loop must do.
    @discardableResult
    public mutating func press(_ key: Key) -> Command? {
        switch Overlay.key(key, help: &showHelp, info: &showInfo) {
        case .quit: return .quit
        case .taken: return nil
        case .notOpen: break
        }
        switch key {
        case .character("q"): return .quit
        case .character("?"): showHelp = true
        case .character("i"): showInfo = true
        case .character("e"):
            status = "Writing a snapshot…"
            return .writeSnapshot
        case .character("t"):
            themeIndex = (themeIndex + 1) % themeNames.count
            status = "Theme: \(themeNames[themeIndex])."
            return .setTheme(index: themeIndex)
        case .character("m"):
            laneFilter = (laneFilter + 1) % laneChoices.count
            status = "Showing " + shownLanes.map { lanes[$0].mode.rawValue }.joined(separator: ", ") + "."
        case .tab, .down, .right: selection = (selection + 1) % nodes.count
        case .backTab, .up, .left: selection = (selection + nodes.count - 1) % nodes.count
        case .character("c"): return toggleCrash(selectedNode)
        case .character("p"):
            if case .producer = selectedNode { return toggleCrash(selectedNode) }
            return toggleCrash(.producer(0))
        case .character("b"): return toggleCrash(.broker)
        case .character("x"): return togglePartition(selectedNode)
        case .character("a"): return toggleOneWay(selectedNode)
        case .character("h"): return act(.healAll, "Healed every link.")
        case .character("s"): return toggleSlow(selectedNode)
        case .character("d"): return arm(.crashAfterEffect, selectedNode)
        case .character("D"): return arm(.crashAfterAck, selectedNode)
        case .character("l"):
            lossStep = (lossStep + 1) % App.lossSteps.count
            let ppm = App.lossSteps[lossStep]
            return act(.setLoss(nil, perMillion: ppm), ppm == 0
                ? "No loss: the proxy drops nothing. TCP itself never loses a byte."
                : "The proxy now drops \(Format.percent(ppm)) of whole messages each way. TCP itself loses none.")
        case .character(" "): status = Refusal.pause
        case .character("+"), .character("="), .character("-"), .character("_"): status = Refusal.speed
        case .character("."): status = Refusal.step
        case .character("v"): status = Refusal.flow
        case .character("f"), .character("/"), .character("["), .character("]"): status = Refusal.story
        case .character("r"), .character("R"): status = Refusal.restart
        default: break
        }
        return nil
    }

    public mutating func setStatus(_ text: String) { status = text }

    private mutating func act(_ action: Action, _ words: String) -> Command {
        status = words
        return .apply(action)
    }

    /// AckWait as the status line says it: "AckWait (1s)".
    private var ackWait: String { "AckWait (" + Format.duration(settings.ackTimeoutMicros) + ")" }

    private mutating func toggleCrash(_ node: Node) -> Command {
        guard state(of: node).up else {
            return act(.restart(node), node == .broker ? "Restarted the NATS server; the clients reconnect." : "Restarted \(node).")
        }
        switch node {
        case .consumer:
            return act(.crash(node), "Crashed \(node): it drops its connection and forgets what it held; JetStream redelivers after \(ackWait).")
        case .producer:
            return act(.crash(node), "Crashed \(node): it stops publishing; what it sent without a PubAck waits for its restart.")
        case .broker:
            return act(.crash(node), settings.durable
                ? "Killed the NATS server: file storage keeps the stream; what was unacked is redelivered once it is back."
                : "Killed the NATS server: memory storage, so the stream and every message in it are gone.")
        }
    }

    private mutating func togglePartition(_ node: Node) -> Command {
        let st = state(of: node)
        if st.partitioned || st.oneWay { return act(.heal(node), "Healed \(node).") }
        if node == .broker {
            return act(.partition(node), "Cut the server off from every client, both ways: nothing in or out.")
        }
        return act(.partition(node), "Partitioned \(node) both ways: nothing in or out, and the server does not know.")
    }

    private mutating func toggleOneWay(_ node: Node) -> Command? {
        guard node != .broker else {
            status = "Select a producer or consumer (Tab) to hold its messages to the server."
            return nil
        }
        let st = state(of: node)
        if st.oneWay || st.partitioned { return act(.heal(node), "Healed \(node).") }
        return act(.partitionOneWay(node), "One-way partition on \(node): what it sends waits (acks, publishes, requests for more); deliveries it asked for still arrive.")
    }

    private mutating func toggleSlow(_ node: Node) -> Command? {
        guard case .consumer = node else {
            status = "Select a consumer (Tab) to make it slow."
            return nil
        }
        if state(of: node).slow { return act(.unslow(node), "\(node) is back to normal speed.") }
        return act(.slow(node), "\(node) now processes for longer than \(ackWait): JetStream redelivers what it is still working on.")
    }

    private mutating func arm(_ trap: Trap, _ node: Node) -> Command? {
        guard case .consumer = node else {
            status = "Select a consumer (Tab) to arm a window-of-doubt crash."
            return nil
        }
        guard state(of: node).up else {
            status = "\(node) is down; restart it first (c)."
            return nil
        }
        switch trap {
        case .crashAfterEffect:
            return act(.crashAfterEffect(node), "Armed: \(node) crashes after its next effect, before the ack.")
        case .crashAfterAck:
            return act(.crashAfterAck(node), "Armed: \(node) crashes with its next message acked but not applied.")
        }
    }

    // MARK: - Snapshot

    /// `ackscope-snapshot-real-<wall ms>.txt`.
    public var snapshotFileName: String { "ackscope-snapshot-real-\(now / 1_000).txt" }

    /// The screen as plain text under a line naming the server and the time, ending with a
    /// blank line: what `e` writes before the loop appends the JSON summary.
    public func snapshotText(width: Int, height: Int) -> String {
        var copy = self
        copy.showHelp = false
        copy.showInfo = false
        let screen = copy.render(width: max(width, App.minWidth), height: max(height, App.minHeight)).plainText()
        return Pieces.snapshot("NATS JetStream (real), \(broker), wall time \(Format.seconds(now))", script: script, screen: screen)
    }
}
