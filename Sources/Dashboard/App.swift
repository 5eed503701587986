import DeliverySim
import Experiments

/// Everything the dashboard shows and remembers, advanced only by `press` and `advance`.
///
/// No clock and no terminal: the real-time loop feeds wall time in as `advance(byWallMicros:)`,
/// tests feed it by hand, so a key-script test never sleeps.
public struct App: Sendable {
    public private(set) var settings: Settings
    /// The world: lanes, the actions due, virtual time (the one `Timeline` every runner drives).
    public internal(set) var sim: Timeline
    public internal(set) var paused = false
    /// Virtual seconds per wall second.
    public internal(set) var speed: Double = 1
    public private(set) var selection = 0
    public internal(set) var showHelp = false
    public let unicode: Bool
    /// The scenario being played, if any: its words and its timeline.
    public let script: Script?
    public var scenarioName: String? { script?.title }
    /// The scenario's actions, in the order they are applied, and how many were.
    public var scriptQueue: [TimedAction] { sim.script }
    public var scriptDone: Int { sim.scriptApplied }
    /// Why each entry of `sim.applied` happened, index for index.
    public var actionOrigins: [ActionOrigin] { sim.applied.map(\.origin) }
    /// The info overlay (`i`): the scenario's explanation and timeline.
    public internal(set) var showInfo = false
    public let themeNames: [String]
    public private(set) var themeIndex = 0
    /// Which lanes are shown, as indices into `sim.lanes`.
    public private(set) var laneFilter = 0
    public private(set) var lossStep = 1
    /// The status line: what the last key did, in plain words.
    public internal(set) var status = "Press ? for every key and what it demonstrates."
    public private(set) var log: [LogLine] = []
    /// One sample per virtual second per lane: rates for the sparklines.
    public private(set) var history: [[Sample]]
    private var lastSampleAt: Micros = 0
    private var lastCounters: [Counters]
    /// Fractional virtual time carried between frames so slow speeds still advance.
    var carryMicros: Double = 0
    /// Every lane's recent message histories: what the story view tells.
    public private(set) var book: StoryBook
    /// The message being followed, if any: its story takes the place of the lanes.
    public internal(set) var story: StoryFocus?
    /// A message id being typed after `/`, if any.
    public private(set) var typedID: String?
    /// The flow view (`v`) in the topology's place; it lasts until quit, and `--record`
    /// writes it into the session's file.
    public internal(set) var flowView = false
    /// The lane the flow view follows when one was picked with a digit (into `sim.lanes`).
    public internal(set) var flowPick: Int?
    /// What the flow view remembers of the event stream: drop marks and rates per wire.
    public private(set) var wires: WireMemory
    /// The lesson being followed (`ackscope lesson N`), if any: its panel takes the
    /// scenario strip's place and its steps decide when the world runs.
    public internal(set) var lesson: LessonSession?
    /// Where each step so far began: back replays the world from the seed to one of these.
    var lessonStarts: [LessonStart] = []
    /// The last key was Backspace: another one goes a step further back.
    var lessonBackAgain = false
    /// Per lane, how many of the events recorded since the last `collect` the lesson has seen.
    var lessonFed: [Int] = []

    /// The story view: which message, and which lane's diagram (nil: the lanes side by side).
    public struct StoryFocus: Equatable, Sendable {
        public var message: MessageID
        /// Index into `shownLanes` (the digit pressed, less one).
        public var lane: Int?
        /// Rows scrolled past at the top.
        public var scroll = 0
    }

    public static let speeds: [Double] = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000]
    public static let lossSteps: [Int32] = [0, 10_000, 50_000, 200_000]
    public static let sampleMicros: Micros = 1_000_000
    public static let historyLength = 240
    public static let logLength = 200

    public struct LogLine: Equatable, Sendable {
        /// The lanes it happened in; empty for a fault, which applies to every lane.
        public var modes: [Mode]
        public var atMicros: Micros
        public var kind: LogKind
        /// The words after the time and the lanes.
        public var words: String
        /// For a line that stands for several events of one kind: how many.
        public var summaryCount: Int? = nil
        /// The message it is about, if one (`f` and `[`/`]` open its story).
        public var message: MessageID? = nil

        static func summary(modes: [Mode], kind: LogKind, count: Int, at: Micros, unicode: Bool) -> LogLine {
            LogLine(modes: modes, atMicros: at, kind: kind, words: (unicode ? "…" : "...") + " and \(count) more \(kind.plural)",
                    summaryCount: count)
        }
        public var text: String { text(showing: nil) }

        /// The line naming only the lanes on screen (`nil`: every lane it happened in).
        public func text(showing shown: Set<Mode>?) -> String {
            let named = shown.map { set in modes.filter(set.contains) } ?? modes
            let lanes = modes.isEmpty ? "all lanes" : named.map(\.rawValue).joined(separator: "+")
            return Format.seconds(atMicros) + " " + lanes + " " + words
        }
    }

    /// What a key asks of the real-time loop, beyond the app's own state.
    public enum Command: Equatable, Sendable {
        case quit
        /// Write a snapshot file (screen and JSON summary); report back with `snapshotTaken`.
        case writeSnapshot
        /// Switch the terminal's colours to `themeNames[index]`.
        case setTheme(index: Int)
    }

    /// Per-second deltas of the counters the sparklines show.
    public struct Sample: Equatable, Sendable {
        public var delivered = 0, redelivered = 0, duplicateEffects = 0, lost = 0, unacked = 0
    }

    /// A scenario to play: title, one-paragraph explanation, actions at virtual times.
    public struct Script: Equatable, Sendable {
        public var title: String
        public var explanation: String
        public var actions: [TimedAction]
        public init(title: String, explanation: String, actions: [TimedAction]) {
            self.title = title
            self.explanation = explanation
            self.actions = actions
        }
    }

    public init(settings: Settings, unicode: Bool = true, script: Script? = nil, themeNames: [String] = ["default"], themeIndex: Int = 0,
                view: DashboardView = .topology) {
        self.settings = settings
        self.unicode = unicode
        self.script = script
        self.themeNames = themeNames.isEmpty ? ["default"] : themeNames
        self.themeIndex = min(max(0, themeIndex), self.themeNames.count - 1)
        sim = Self.world(settings, script)
        laneChoices = Self.laneChoices(settings.modes)
        history = Array(repeating: [], count: settings.modes.count)
        lastCounters = Array(repeating: Counters(), count: settings.modes.count)
        lossStep = Self.lossSteps.firstIndex(of: settings.lossPerMillion) ?? -1
        book = StoryBook(lanes: settings.modes.count, producers: settings.producers)
        wires = WireMemory(lanes: settings.modes.count, producers: settings.producers, consumers: settings.consumers)
        flowView = view == .flow
    }

    /// What shows beside the lanes.
    public var view: DashboardView { flowView ? .flow : .topology }

    /// The world records every event: the log reads the notable ones, the book keeps them all.
    private static func world(_ settings: Settings, _ script: Script?) -> Timeline {
        Timeline(settings: settings, actions: script?.actions ?? [], recording: StoryBook.filter)
    }

    // MARK: - Nodes and lanes

    /// Producers, then the broker, then consumers: the order Tab walks.
    public var nodes: [Node] {
        (0..<settings.producers).map { Node.producer($0) } + [.broker] + (0..<settings.consumers).map { Node.consumer($0) }
    }

    public var selectedNode: Node { nodes[min(selection, nodes.count - 1)] }

    /// Lane filters `m` cycles through. With every mode running: the seed's first three,
    /// then idempotent next to at-least-once and effectively-once, then in-process next to
    /// them, then each lane alone; otherwise all the lanes given, then each alone. Fixed by
    /// the modes, so worked out once.
    public let laneChoices: [[Int]]

    static func laneChoices(_ modes: [Mode]) -> [[Int]] {
        let all = Array(modes.indices)
        guard all.count > 1 else { return [all] }
        var sets: [[Int]] = []
        if modes == Mode.allCases {
            for group in [Mode.classic, [.atLeastOnce, .idempotent, .effectivelyOnce], [.atLeastOnce, .effectivelyOnce, .inProcess]] {
                sets.append(group.compactMap { modes.firstIndex(of: $0) })
            }
        } else {
            sets.append(all)
        }
        return sets + all.map { [$0] }
    }

    public var shownLanes: [Int] { laneChoices[laneFilter % laneChoices.count] }

    // MARK: - Input

    /// Applies one key: every fault key calls the same action API as the headless runner,
    /// at the current virtual time, and the simulation records it with that time.
    @discardableResult
    public mutating func press(_ key: Key) -> Command? {
        switch Overlay.key(key, help: &showHelp, info: &showInfo) {
        case .quit: return .quit
        case .taken: return nil
        case .notOpen: break
        }
        if typedID != nil {
            typeID(key)
            return nil
        }
        if lesson != nil, lessonKey(key) { return nil }
        if storyKey(key) { return nil }
        switch key {
        case .character("q"): return .quit
        case .character("?"): showHelp = true
        case .character("i"): showInfo = true
        case .character("e"):
            status = "Writing a snapshot…"
            return .writeSnapshot
        case .character(" "):
            paused.toggle()
            status = paused ? "Paused: press . to process one event, space to resume." : "Running."
        case .character("v"):
            // Over a story, v shows the flow view (closing the story), never a hidden one.
            flowView = story != nil ? true : !flowView
            story = nil
            status = flowView
                ? "Flow view of the \(sim.lanes[flowLaneIndex].mode.rawValue) lane: packets on their wires, unacked deliveries under each consumer. v: back."
                : "Topology: each node's state and numbers. v: the flow view."
        case .character(let ch) where flowView && ch.isWholeNumber:
            let n = ch.wholeNumberValue ?? 0
            if n >= 1 && n <= shownLanes.count {
                flowPick = shownLanes[n - 1]
                status = "The flow view follows the \(sim.lanes[shownLanes[n - 1]].mode.rawValue) lane."
            } else {
                status = "\(shownLanes.count) lane\(shownLanes.count == 1 ? " is" : "s are") shown: 1 to \(shownLanes.count) picks the one the flow view follows."
            }
        case .character("."):
            if paused {
                step()
            } else {
                status = "Pause first (space), then . steps one event at a time."
            }
        case .character("+"), .character("="): changeSpeed(+1)
        case .character("-"), .character("_"): changeSpeed(-1)
        case .tab, .down, .right: selection = (selection + 1) % nodes.count
        case .backTab, .up, .left: selection = (selection + nodes.count - 1) % nodes.count
        case .character("c"): toggleCrash(selectedNode)
        case .character("p"):
            if case .producer = selectedNode { toggleCrash(selectedNode) } else { toggleCrash(.producer(0)) }
        case .character("b"): toggleCrash(.broker)
        case .character("x"): togglePartition(selectedNode)
        case .character("a"): toggleOneWay(selectedNode)
        case .character("h"):
            act(.healAll, "Healed every link.")
        case .character("l"):
            lossStep = (lossStep + 1) % Self.lossSteps.count
            let ppm = Self.lossSteps[lossStep]
            act(.setLoss(nil, perMillion: ppm), "Loss on every link is now \(Format.percent(ppm)) each way.")
        case .character("s"): toggleSlow(selectedNode)
        case .character("d"): arm(.crashAfterEffect, selectedNode)
        case .character("D"): arm(.crashAfterAck, selectedNode)
        case .character("m"):
            laneFilter = (laneFilter + 1) % laneChoices.count
            story?.lane = nil
            status = "Showing " + shownLanes.map { sim.lanes[$0].mode.rawValue }.joined(separator: ", ") + "."
        case .character("t"):
            themeIndex = (themeIndex + 1) % themeNames.count
            status = "Theme: \(themeNames[themeIndex])."
            return .setTheme(index: themeIndex)
        case .character("r"): restart(seed: settings.seed)
        case .character("R"):
            restart(seed: Dice(seed: settings.seed).word(.reseed, 0) % 1_000_000)
        default:
            break
        }
        return nil
    }

    /// Sets the speed (one of `speeds`; others snap to the nearest above).
    public mutating func setSpeed(_ s: Double) {
        speed = Self.speeds.first { $0 >= s } ?? Self.speeds.last!
    }

    public mutating func setStatus(_ text: String) { status = text }

    /// The real-time loop wrote (or failed to write) the snapshot `e` asked for.
    public mutating func snapshotTaken(_ words: String) {
        status = words
    }

    private mutating func changeSpeed(_ direction: Int) {
        let i = Self.speeds.firstIndex { $0 >= speed } ?? Self.speeds.count - 1
        speed = Self.speeds[max(0, min(Self.speeds.count - 1, i + direction))]
        status = "Speed \(Self.speedText(speed)) (virtual time per wall second)."
    }

    public static func speedText(_ s: Double) -> String { JSON.number(s) + "x" }

    private mutating func act(_ action: Action, _ words: String) {
        sim.apply(action, origin: .key)
        collect()
        status = inProcessWords(action) ?? words
    }

    /// With the in-process lane on screen, a partition of a consumer says what it does not
    /// do there: that lane has no network between broker and consumer.
    private func inProcessWords(_ action: Action) -> String? {
        guard case .consumer? = action.target, shownLanes.contains(where: { sim.lanes[$0].mode == .inProcess }) else { return nil }
        switch action {
        case .partition(let node):
            return "Partitioned \(node) both ways; the in-process lane has no network there to cut."
        case .partitionOneWay(let node):
            return "\(node)'s acks are lost one way; in-process, the ack is committed with the effect: nothing to lose."
        default:
            return nil
        }
    }

    /// The lane whose node states and numbers the topology shows when only one fits: the
    /// at-least-once lane if shown (its unacked counts are the window of doubt), else the first.
    public var referenceLaneIndex: Int {
        shownLanes.first { sim.lanes[$0].mode == .atLeastOnce } ?? shownLanes.first ?? 0
    }

    private var referenceLane: Lane { sim.lanes[referenceLaneIndex] }

    private mutating func toggleCrash(_ node: Node) {
        if referenceLane.state(of: node).up {
            act(.crash(node), crashWords(node))
        } else {
            act(.restart(node), "Restarted \(node).")
        }
    }

    private func crashWords(_ node: Node) -> String {
        switch node {
        case .consumer:
            settings.requeueOnDisconnect
                ? "Crashed \(node): its memory and unsent acks are gone; the broker requeues its unacked messages at once."
                : "Crashed \(node): its memory and unsent acks are gone; its unacked messages come back after the ack timeout."
        case .producer: "Crashed \(node): it stops publishing; its outbox of unconfirmed messages waits for the restart."
        case .broker: settings.durable ? "Crashed the durable broker: it keeps its messages and redelivers what was unacked." : "Crashed the transient broker: everything it held is gone."
        }
    }

    private mutating func togglePartition(_ node: Node) {
        let st = referenceLane.state(of: node)
        if st.partitioned || st.oneWay {
            act(.heal(node), "Healed \(node).")
        } else {
            act(.partition(node), "Partitioned \(node) both ways: nothing in or out, and the broker does not know.")
        }
    }

    private mutating func toggleOneWay(_ node: Node) {
        guard node != .broker else {
            status = "Select a producer or consumer (Tab) to drop its acks one way."
            return
        }
        let st = referenceLane.state(of: node)
        if st.oneWay || st.partitioned {
            act(.heal(node), "Healed \(node).")
        } else {
            act(.partitionOneWay(node), "One-way partition on \(node): deliveries still arrive, its acks are lost.")
        }
    }

    private mutating func toggleSlow(_ node: Node) {
        guard case .consumer = node else {
            status = "Select a consumer (Tab) to make it slow."
            return
        }
        if referenceLane.state(of: node).slow {
            act(.unslow(node), "\(node) is back to normal speed.")
        } else {
            act(.slow(node), "\(node) now takes longer than the ack timeout: watch redeliveries pile up.")
        }
    }

    private mutating func arm(_ trap: Trap, _ node: Node) {
        guard case .consumer = node else {
            status = "Select a consumer (Tab) to arm a window-of-doubt crash."
            return
        }
        guard referenceLane.state(of: node).up else {
            status = "\(node) is down; restart it first (c)."
            return
        }
        switch trap {
        case .crashAfterEffect:
            act(.crashAfterEffect(node), "Armed: \(node) crashes after its next effect, before the ack.")
        case .crashAfterAck:
            act(.crashAfterAck(node), "Armed: \(node) crashes with its next message acked but not applied.")
        }
    }

    mutating func restart(seed: UInt64) {
        settings.seed = seed
        sim = Self.world(settings, script)
        history = Array(repeating: [], count: settings.modes.count)
        lastCounters = Array(repeating: Counters(), count: settings.modes.count)
        lastSampleAt = 0
        carryMicros = 0
        log.removeAll()
        logFlood = LogFlood()
        book.removeAll()
        wires.removeAll()
        for i in lessonFed.indices { lessonFed[i] = 0 }
        story = nil
        lossStep = Self.lossSteps.firstIndex(of: settings.lossPerMillion) ?? -1
        status = "Restarted with seed \(seed)."
    }

    // MARK: - Following a message

    /// The keys of the story view; false for a key it leaves to the dashboard (the fault
    /// keys go on working while a story is open, and the story follows what they cause).
    private mutating func storyKey(_ key: Key) -> Bool {
        switch key {
        case .character("f"): followNewest()
        case .character("["): stepNotable(older: true)
        case .character("]"): stepNotable(older: false)
        case .character("/"):
            typedID = ""  // the status line shows the prompt while it is set
        case .escape where story != nil:
            story = nil
            status = "Back to the lanes."
        case .character(let ch) where story != nil && ch.isWholeNumber:
            let n = ch.wholeNumberValue ?? 0
            if n == 0 || story?.lane == n - 1 {
                story?.lane = nil
                status = "The lanes side by side."
            } else if n <= shownLanes.count {
                story?.lane = n - 1
                status = "The \(sim.lanes[shownLanes[n - 1]].mode.rawValue) lane's diagram; press \(n) again for the lanes side by side."
            } else {
                status = "\(shownLanes.count) lanes are shown: 1 to \(shownLanes.count) (m shows others)."
            }
            story?.scroll = 0
        case .up where story != nil: story!.scroll = max(0, min(story!.scroll, maxStoryScroll) - 1)
        case .down where story != nil: story!.scroll = min(story!.scroll + 1, maxStoryScroll)
        default: return false
        }
        return true
    }

    /// The terminal's width as last drawn (the loop sets it; scrolling stops at the end).
    public var screenWidth = 120

    /// How far the story can scroll at the last drawn width.
    var maxStoryScroll: Int {
        guard let story else { return 0 }
        return max(0, storyLines(story, inner: screenWidth - 4).count - Self.storyRows)
    }

    /// The messages of the log's lines, oldest first, each once (its newest line counts).
    public var notableMessages: [MessageID] {
        var seen = Set<MessageID>()
        var out: [MessageID] = []
        for line in log.reversed() {
            if let m = line.message, seen.insert(m).inserted { out.append(m) }
        }
        return out.reversed()
    }

    private mutating func follow(_ id: MessageID, why: String) {
        let lane = story?.lane
        story = StoryFocus(message: id, lane: lane)
        status = "Following \(id)" + why + ". [ ] older/newer, / an id, 1-\(shownLanes.count) a lane, Esc back."
    }

    private mutating func followNewest() {
        guard let id = notableMessages.last else {
            status = "Nothing notable to follow yet: wait for a duplicate or a loss, or type an id after /."
            return
        }
        follow(id, why: ", the newest notable message")
    }

    private mutating func stepNotable(older: Bool) {
        let list = notableMessages
        guard !list.isEmpty else {
            status = "Nothing notable to follow yet: wait for a duplicate or a loss, or type an id after /."
            return
        }
        guard let current = story?.message, let k = list.lastIndex(of: current) else {
            follow(list[list.count - 1], why: ", the newest notable message")
            return
        }
        let next = older ? k - 1 : k + 1
        guard list.indices.contains(next) else {
            status = older ? "No older notable message in the log." : "No newer notable message in the log."
            return
        }
        follow(list[next], why: " (\(next + 1) of \(list.count) in the log)")
    }

    static func typingPrompt(_ text: String) -> String {
        "Follow message: " + text + "_   (an id such as p1-42; Enter opens, Esc cancels)"
    }

    private mutating func typeID(_ key: Key) {
        switch key {
        case .escape:
            typedID = nil
            status = story.map { "Still following \($0.message)." } ?? "No message opened."
        case .enter:
            let text = typedID ?? ""
            typedID = nil
            if let id = MessageID.parse(text), id.producer < settings.producers {
                follow(id, why: "")
            } else {
                status = "'\(text)' is not a message of this run: ids are p1-1 to p\(settings.producers)-N, as the log names them."
            }
        case .backspace:
            if typedID?.isEmpty == false { typedID!.removeLast() }
        case .character(let ch) where (ch.isLetter || ch.isNumber || ch == "-") && ch.isASCII && (typedID?.count ?? 0) < 24:
            typedID! += String(ch)
        default:
            break
        }
    }

    // MARK: - Time

    /// Advances virtual time by wall time × speed (nothing while paused).
    public mutating func advance(byWallMicros wall: Micros, overBudget: (() -> Bool)? = nil) {
        if lesson != nil {
            advanceLesson(byWallMicros: wall, overBudget: overBudget)
            return
        }
        guard !paused, wall > 0 else { return }
        let whole = virtualMicros(forWall: wall)
        guard let overBudget else {
            advanceVirtual(by: whole)
            return
        }
        // In slices of about `sliceEvents` events, so that a world too big for this speed
        // slows down instead of freezing the screen and the keys: the clock is read after
        // every slice, and what does not fit in the frame's budget is dropped. The slice's
        // virtual length adapts to how many events the last one held (it starts at 1 µs, so
        // even the first frame of a huge world cannot be held up by one long slice).
        var done: Micros = 0
        while done < whole {
            let step = min(sliceMicros, whole - done)
            let before = sim.events
            advanceVirtual(by: step)
            done += step
            let held = sim.events - before
            if held > Self.sliceEvents * 2 {
                sliceMicros = max(1, sliceMicros / 2)
            } else if held < Self.sliceEvents / 2 && step == sliceMicros {
                sliceMicros = min(sliceMicros * 2, Self.maxSliceMicros)
            }
            if done < whole && overBudget() {
                fallingBehind = true
                status = "The simulation cannot keep up at \(Self.speedText(speed)): it runs slower than that (press - to lower the speed)."
                return
            }
        }
        fallingBehind = false
    }

    /// The virtual time `wall` stands for at this speed, whole microseconds, the fraction
    /// carried to the next frame. Never more than one wall second per frame, so a stalled
    /// terminal does not jump.
    mutating func virtualMicros(forWall wall: Micros) -> Micros {
        carryMicros += Double(min(wall, 1_000_000)) * speed
        let whole = Micros(carryMicros)
        carryMicros -= Double(whole)
        return whole
    }

    /// Events one slice of a frame aims at: a fraction of a millisecond of work.
    static let sliceEvents = 2_000
    static let maxSliceMicros: Micros = 1_000_000
    /// Virtual length of the next slice (see `advance(byWallMicros:overBudget:)`).
    private var sliceMicros: Micros = 1

    /// Set when the last frame could not simulate all the virtual time the speed asked for.
    public internal(set) var fallingBehind = false

    /// Advances virtual time directly (tests and replays). The timeline applies every
    /// scheduled action (scenario, `--crash-every`, `--chaos`) at its instant, as a
    /// headless run does; the app stops at each sample time for its sparklines.
    public mutating func advanceVirtual(by micros: Micros) {
        guard micros > 0 else { return }
        let target = sim.now + micros
        let appliedBefore = sim.applied.count
        advanceSampling(to: target)
        if let last = sim.applied[appliedBefore...].last(where: { $0.origin == .scenario }) {
            status = "Scenario: " + last.timed.action.description + "."
        }
        collect()
    }

    /// Advances the timeline to `t`, stopping at each sample time for the sparklines.
    mutating func advanceSampling(to t: Micros) {
        while true {
            let nextSample = lastSampleAt + Self.sampleMicros
            let stop = min(t, nextSample)
            sim.advance(to: stop)
            if stop == nextSample {
                lastSampleAt += Self.sampleMicros
                sample()
            }
            if stop >= t { break }
        }
    }

    /// While paused: one event, or the next scheduled action if it comes first.
    private mutating func step() {
        // In the flow view, one event of the lane it shows: the picture moves by one hop.
        let lane = flowView && story == nil ? flowLaneIndex : nil
        let before = lane.map { sim.lanes[$0].recorded.count } ?? 0
        switch sim.step(lane: lane) {
        case .action(let timed):
            status = "Scheduled action at " + Format.seconds(timed.atMicros) + ": " + timed.action.description + "."
        case .event:
            if let lane {
                status = FlowWords.step(sim.lanes[lane].recorded[before...], mode: sim.lanes[lane].mode, at: sim.now, width: screenWidth - 2)
            } else {
                status = "One event: virtual time " + Format.seconds(sim.now) + "."
            }
        case .nothing:
            status = lane.map { "Nothing left to happen in the \(sim.lanes[$0].mode.rawValue) lane." } ?? "Nothing left to happen."
        }
        collect()
    }

    // MARK: - The session as a run

    /// Completes an instant left half-processed by `.`, so the session ends between whole
    /// instants like any headless run (call before writing `--json` or `--record`).
    public mutating func finishSession() {
        sim.completeInstant()
    }

    /// The settings that replay this session headless: production until now (or until
    /// `--duration`, if that came first), no drain, and no fault generators, because
    /// every generated action is in `sim.applied` with its time.
    public var sessionSettings: Settings {
        var s = settings
        s.durationMicros = min(settings.durationMicros, sim.now)
        s.drain = false
        s.crashEveryMicros = 0
        s.crashForMicros = 0
        s.chaos = false
        return s
    }

    /// When production stopped before the session ended: the virtual time it ended.
    public var sessionStopAtMicros: Micros? { settings.durationMicros < sim.now ? sim.now : nil }

    /// What the session shows, as `ackscope run --json` would print it for its replay.
    public func sessionSummary() -> Summary {
        Summary(settings: sessionSettings, lanes: sim.lanes, drainedAt: Array(repeating: nil, count: sim.lanes.count),
                drainRequested: false)
    }

    /// `ackscope-snapshot-<seed>-<virtual ms>.txt`.
    public var snapshotFileName: String { "ackscope-snapshot-\(settings.seed)-\(sim.now / 1_000).txt" }

    /// The screen as text, then the JSON summary: what `e` writes.
    public func snapshotText(width: Int, height: Int) -> String {
        var copy = self
        copy.showHelp = false
        copy.showInfo = false
        let screen = copy.render(width: max(width, Self.minWidth), height: max(height, Self.minHeight)).plainText()
        return Pieces.snapshot("seed \(settings.seed), virtual time \(Format.seconds(sim.now))", script: script, screen: screen)
            + sessionSummary().json()
    }

    private mutating func sample() {
        for (i, lane) in sim.lanes.enumerated() {
            let c = lane.counters, p = lastCounters[i]
            history[i].append(Sample(delivered: c.delivered - p.delivered, redelivered: c.redelivered - p.redelivered,
                                     duplicateEffects: c.duplicateEffects - p.duplicateEffects, lost: c.lost - p.lost,
                                     unacked: c.unacked))
            if history[i].count > Self.historyLength { history[i].removeFirst(history[i].count - Self.historyLength) }
            lastCounters[i] = c
        }
        collect()
        wires.sample()
    }

    /// Files every new event into the book, and pulls the notable ones into the log,
    /// rate-limited per kind. Lane by lane: the lines are put in time order afterwards, so
    /// the many events that make no line are never merged or sorted.
    mutating func collect() {
        feedLesson()
        let narration = Narration(settings: settings)
        var batch = LogFlood.Batch()
        for lane in sim.lanes.indices {
            let events = sim.takeEvents(lane: lane)
            guard !events.isEmpty else { continue }
            let mode = sim.lanes[lane].mode
            for e in events {
                book.record(lane: lane, e)
                wires.note(lane: lane, e)
                if e.kind == .fault {
                    // Faults are the same in every lane: log them once.
                    if lane == 0, let (kind, words) = narration.line(e, mode: mode) {
                        batch.fresh.append(LogLine(modes: [], atMicros: e.atMicros, kind: kind, words: words))
                    }
                    continue
                }
                guard let (kind, words) = narration.line(e, mode: mode) else { continue }
                // At most three lines of a kind per lane per virtual second; the rest are counted.
                logFlood.offer(LogLine(modes: [mode], atMicros: e.atMicros, kind: kind, words: words, message: e.message), into: &batch)
            }
        }
        for i in lessonFed.indices { lessonFed[i] = 0 }
        LogFlood.file(batch, into: &log, unicode: unicode)
    }

    /// How far back a summary line looks for one of its kind to fold into.
    static let foldWindow = 24
    /// Lines shown per kind and lane in the current virtual second (the flood limit).
    private var logFlood = LogFlood()
}
