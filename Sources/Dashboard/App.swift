import DeliverySim
import Experiments

/// Everything the dashboard shows and remembers, advanced only by `press` and `advance`.
///
/// No clock and no terminal: the real-time loop feeds wall time in as `advance(byWallMicros:)`,
/// tests feed it by hand, so a key-script test never sleeps.
public struct App: Sendable {
    public private(set) var settings: Settings
    public private(set) var sim: Simulation
    public private(set) var paused = false
    /// Virtual seconds per wall second.
    public private(set) var speed: Double = 1
    public private(set) var selection = 0
    public private(set) var showHelp = false
    public private(set) var quitRequested = false
    public let unicode: Bool
    /// The scenario being played, if any: its words and its timeline.
    public let script: Script?
    public var scenarioName: String? { script?.title }
    /// The scenario's actions applied so far (they are applied in time order).
    public private(set) var scriptDone = 0
    /// Why each entry of `sim.applied` happened, index for index.
    public private(set) var actionOrigins: [ActionOrigin] = []
    /// The info overlay (`i`): the scenario's explanation and timeline.
    public private(set) var showInfo = false
    /// Set by `e`; the real-time loop writes the snapshot and clears it.
    public private(set) var snapshotRequested = false
    public let themeNames: [String]
    public private(set) var themeIndex = 0
    /// Which lanes are shown, as indices into `sim.lanes`.
    public private(set) var laneFilter = 0
    public private(set) var lossStep = 1
    /// The status line: what the last key did, in plain words.
    public private(set) var status = "Press ? for every key and what it demonstrates."
    public private(set) var log: [LogLine] = []
    /// One sample per virtual second per lane: rates for the sparklines.
    public private(set) var history: [[Sample]]
    private var lastSampleAt: Micros = 0
    private var lastCounters: [Counters]
    private var seenNotables: [Int]
    /// Fractional virtual time carried between frames so slow speeds still advance.
    private var carryMicros: Double = 0
    /// The script's actions, stable-sorted by time (the order they are applied in).
    public private(set) var scriptQueue: [TimedAction] = []
    /// `--crash-every` actions, generated up to `crashHorizon` (never unbounded: the
    /// dashboard may produce for ever), and how many were applied.
    private var crashSchedule: [TimedAction] = []
    private var crashIndex = 0
    private var crashHorizon: Micros = 0
    /// `--chaos` actions (over `--duration`, or over the default 60s when there is none).
    private var chaosSchedule: [TimedAction] = []
    private var chaosIndex = 0
    /// After `.` stepped one event, lanes stand at different instants; the next action
    /// first completes the instant, so that a replay (which applies actions between whole
    /// instants) sees exactly what the session saw.
    private var partialInstant = false

    public static let speeds: [Double] = [0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000]
    public static let lossSteps: [Int32] = [0, 10_000, 50_000, 200_000]
    public static let sampleMicros: Micros = 1_000_000
    public static let historyLength = 240
    public static let logLength = 200

    public struct LogLine: Equatable, Sendable {
        /// The lanes it happened in; empty for a fault, which applies to every lane.
        public var modes: [Mode]
        public var notable: Notable
        /// For a line that stands for several events of one kind: how many.
        public var summaryCount: Int? = nil

        static func summary(modes: [Mode], kind: Notable.Kind, count: Int, at: Micros) -> LogLine {
            LogLine(modes: modes, notable: Notable(atMicros: at, kind: kind, message: nil, node: nil,
                                                   text: "… and \(count) more \(App.kindWords(kind))"),
                    summaryCount: count)
        }
        public var text: String {
            let lanes = modes.isEmpty ? "all lanes" : modes.map(\.rawValue).joined(separator: "+")
            return Format.seconds(notable.atMicros) + " " + lanes + " " + String(notable.line.drop { $0 != " " }.dropFirst())
        }
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

    /// Where an applied action came from (written next to it in a recording).
    public enum ActionOrigin: String, Sendable {
        case key, scenario
        case crashEvery = "crash-every"
        case chaos
    }

    public init(settings: Settings, unicode: Bool = true, script: Script? = nil, themeNames: [String] = ["default"], themeIndex: Int = 0) {
        self.settings = settings
        self.unicode = unicode
        self.script = script
        self.themeNames = themeNames.isEmpty ? ["default"] : themeNames
        self.themeIndex = min(max(0, themeIndex), self.themeNames.count - 1)
        sim = Simulation(settings: settings, recordNotables: true)
        history = Array(repeating: [], count: settings.modes.count)
        lastCounters = Array(repeating: Counters(), count: settings.modes.count)
        seenNotables = Array(repeating: 0, count: settings.modes.count)
        lossStep = Self.lossSteps.firstIndex(of: settings.lossPerMillion) ?? -1
        resetSchedules()
    }

    // MARK: - Nodes and lanes

    /// Producers, then the broker, then consumers: the order Tab walks.
    public var nodes: [Node] {
        (0..<settings.producers).map { Node.producer($0) } + [.broker] + (0..<settings.consumers).map { Node.consumer($0) }
    }

    public var selectedNode: Node { nodes[min(selection, nodes.count - 1)] }

    /// Lane filters `m` cycles through: all, then each lane alone.
    public var laneChoices: [[Int]] {
        let all = Array(sim.lanes.indices)
        return all.count > 1 ? [all] + all.map { [$0] } : [all]
    }

    public var shownLanes: [Int] { laneChoices[laneFilter % laneChoices.count] }

    // MARK: - Input

    /// Applies one key: every fault key calls the same action API as the headless runner,
    /// at the current virtual time, and the simulation records it with that time.
    public mutating func press(_ key: Key) {
        if showHelp || showInfo {
            switch key {
            case .character("q"): quitRequested = true
            case .resize, .redraw: break
            default:
                showHelp = false
                showInfo = false
            }
            return
        }
        switch key {
        case .character("q"): quitRequested = true
        case .character("?"): showHelp = true
        case .character("i"): showInfo = true
        case .character("e"):
            snapshotRequested = true
            status = "Writing a snapshot…"
        case .character(" "):
            paused.toggle()
            status = paused ? "Paused: press . to process one event, space to resume." : "Running."
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
            status = "Showing " + shownLanes.map { sim.lanes[$0].mode.rawValue }.joined(separator: ", ") + "."
        case .character("t"):
            themeIndex = (themeIndex + 1) % themeNames.count
            status = "Theme: \(themeNames[themeIndex])."
        case .character("r"): restart(seed: settings.seed)
        case .character("R"):
            var rng = PRNG(seed: settings.seed)
            restart(seed: rng.next() % 1_000_000)
        default:
            break
        }
    }

    /// Sets the speed (one of `speeds`; others snap to the nearest above).
    public mutating func setSpeed(_ s: Double) {
        speed = Self.speeds.first { $0 >= s } ?? Self.speeds.last!
    }

    public mutating func setStatus(_ text: String) { status = text }

    /// The real-time loop took the snapshot request (`e`).
    public mutating func snapshotTaken(_ words: String) {
        snapshotRequested = false
        status = words
    }

    private mutating func changeSpeed(_ direction: Int) {
        let i = Self.speeds.firstIndex { $0 >= speed } ?? 3
        speed = Self.speeds[max(0, min(Self.speeds.count - 1, i + direction))]
        status = "Speed \(Self.speedText(speed)) (virtual time per wall second)."
    }

    public static func speedText(_ s: Double) -> String { JSON.number(s) + "x" }

    private mutating func act(_ action: Action, _ words: String) {
        if partialInstant { advanceVirtual(by: 1) }
        apply(action, origin: .key)
        collect()
        status = words
    }

    /// Applies an action now and remembers where it came from.
    private mutating func apply(_ action: Action, origin: ActionOrigin) {
        let before = sim.applied.count
        sim.apply(action)
        if sim.applied.count > before { actionOrigins.append(origin) }
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
        case .consumer: "Crashed \(node): what it held in memory is gone; the broker redelivers unacked messages after the ack timeout (not at-most-once)."
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

    private mutating func restart(seed: UInt64) {
        settings.seed = seed
        sim = Simulation(settings: settings, recordNotables: true)
        history = Array(repeating: [], count: settings.modes.count)
        lastCounters = Array(repeating: Counters(), count: settings.modes.count)
        seenNotables = Array(repeating: 0, count: settings.modes.count)
        lastSampleAt = 0
        carryMicros = 0
        log.removeAll()
        lossStep = Self.lossSteps.firstIndex(of: settings.lossPerMillion) ?? -1
        resetSchedules()
        status = "Restarted with seed \(seed)."
    }

    // MARK: - Time

    /// Advances virtual time by wall time × speed (nothing while paused).
    public mutating func advance(byWallMicros wall: Micros, overBudget: (() -> Bool)? = nil) {
        guard !paused, wall > 0 else { return }
        // Never more than one wall second per frame, so a stalled terminal does not jump.
        carryMicros += Double(min(wall, 1_000_000)) * speed
        let whole = Micros(carryMicros)
        carryMicros -= Double(whole)
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

    /// Events one slice of a frame aims at: a fraction of a millisecond of work.
    static let sliceEvents = 2_000
    static let maxSliceMicros: Micros = 1_000_000
    /// Virtual length of the next slice (see `advance(byWallMicros:overBudget:)`).
    private var sliceMicros: Micros = 1

    /// Set when the last frame could not simulate all the virtual time the speed asked for.
    public private(set) var fallingBehind = false

    /// Advances virtual time directly (tests and replays), stopping exactly at each
    /// scheduled action (scenario, `--crash-every`, `--chaos`) to apply it, as a headless
    /// run does: every event up to that instant first, then the action.
    public mutating func advanceVirtual(by micros: Micros) {
        guard micros > 0 else { return }
        let target = sim.now + micros
        partialInstant = false
        while true {
            let nextSample = lastSampleAt + Self.sampleMicros
            let nextAction = nextScheduled()?.at ?? .max
            let stop = min(target, nextSample, nextAction)
            sim.advance(to: stop)
            if stop == nextSample {
                lastSampleAt += Self.sampleMicros
                sample()
            }
            if stop == nextAction { applyDue(at: stop) }
            if stop >= target { break }
        }
        collect()
    }

    /// While paused: one event, or the next scheduled action if it comes first.
    private mutating func step() {
        let nextEvent = sim.lanes.compactMap(\.nextEventMicros).min()
        if let next = nextScheduled(), nextEvent.map({ next.at <= $0 }) ?? true {
            if next.at > sim.now {
                advanceVirtual(by: next.at - sim.now)
            } else {
                applyDue(at: next.at)
                collect()
            }
            status = "Scheduled action at " + Format.seconds(next.at) + ": " + (sim.applied.last?.action.description ?? "") + "."
            return
        }
        sim.stepOneEvent()
        partialInstant = true
        collect()
        status = "One event: virtual time " + Format.seconds(sim.now) + "."
    }

    // MARK: - Scheduled actions

    /// Rebuilds the schedules from the settings (at start and on `r`/`R`).
    private mutating func resetSchedules() {
        scriptQueue = Self.stableSortedByTime(script?.actions ?? [])
        scriptDone = 0
        actionOrigins = []
        partialInstant = false
        crashSchedule = []
        crashIndex = 0
        crashHorizon = 0
        chaosSchedule = []
        chaosIndex = 0
        if settings.chaos {
            var s = settings
            s.crashEveryMicros = 0
            if s.durationMicros >= Settings.unlimitedMicros { s.durationMicros = Settings().durationMicros }
            chaosSchedule = Self.stableSortedByTime(FaultSchedule.generated(s))
        }
    }

    /// The earliest scheduled action not yet applied. Same-time ties go scenario first,
    /// then `--crash-every`, then `--chaos`: the order `Simulation.runToEnd` applies them.
    private mutating func nextScheduled() -> (at: Micros, origin: ActionOrigin)? {
        var best: (at: Micros, origin: ActionOrigin)? = nil
        if scriptDone < scriptQueue.count { best = (scriptQueue[scriptDone].atMicros, .scenario) }
        if let t = nextCrashTime(), best.map({ t < $0.at }) ?? true { best = (t, .crashEvery) }
        if chaosIndex < chaosSchedule.count {
            let t = chaosSchedule[chaosIndex].atMicros
            if best.map({ t < $0.at }) ?? true { best = (t, .chaos) }
        }
        return best
    }

    /// Applies every scheduled action due at `t`, in tie order.
    private mutating func applyDue(at t: Micros) {
        while let next = nextScheduled(), next.at <= t {
            switch next.origin {
            case .scenario:
                apply(scriptQueue[scriptDone].action, origin: .scenario)
                scriptDone += 1
                status = "Scenario: " + scriptQueue[scriptDone - 1].action.description + "."
            case .crashEvery:
                apply(crashSchedule[crashIndex].action, origin: .crashEvery)
                crashIndex += 1
            case .chaos:
                apply(chaosSchedule[chaosIndex].action, origin: .chaos)
                chaosIndex += 1
            case .key:
                return
            }
        }
    }

    /// The time of the next `--crash-every` action, generating further ahead when needed.
    ///
    /// `FaultSchedule.generated` over a longer duration starts with the same actions (it
    /// draws them in time order), so regenerating with a doubled horizon keeps everything
    /// before the old horizon in place, and `crashIndex` stays valid.
    private mutating func nextCrashTime() -> Micros? {
        guard settings.crashEveryMicros > 0, settings.consumers > 0 else { return nil }
        while true {
            let complete = crashHorizon >= settings.durationMicros
            if crashIndex < crashSchedule.count, complete || crashSchedule[crashIndex].atMicros < crashHorizon {
                return crashSchedule[crashIndex].atMicros
            }
            if complete && crashHorizon > 0 { return nil }
            let first = max(Duration.seconds(60), settings.crashEveryMicros * 64)
            crashHorizon = min(settings.durationMicros, crashHorizon == 0 ? first : crashHorizon * 2)
            var s = settings
            s.chaos = false
            s.durationMicros = crashHorizon
            crashSchedule = Self.stableSortedByTime(FaultSchedule.generated(s))
        }
    }

    static func stableSortedByTime(_ items: [TimedAction]) -> [TimedAction] {
        items.enumerated().sorted { a, b in
            a.element.atMicros < b.element.atMicros || (a.element.atMicros == b.element.atMicros && a.offset < b.offset)
        }.map(\.element)
    }

    // MARK: - The session as a run

    /// Completes an instant left half-processed by `.`, so the session ends between whole
    /// instants like any headless run (call before writing `--json` or `--record`).
    public mutating func finishSession() {
        if partialInstant { advanceVirtual(by: 1) }
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
        copy.snapshotRequested = false
        copy.showHelp = false
        copy.showInfo = false
        let screen = copy.render(width: max(width, Self.minWidth), height: max(height, Self.minHeight)).plainText()
        return "ackscope snapshot: seed \(settings.seed), virtual time \(Format.seconds(sim.now))"
            + (script.map { ", scenario \"\($0.title)\"" } ?? "") + "\n\n" + screen
            + (screen.hasSuffix("\n") ? "" : "\n") + "\n" + sessionSummary().json()
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
    }

    /// Pulls new notable events from the lanes into the log, rate-limited per kind.
    private mutating func collect() {
        var fresh: [LogLine] = []
        for (i, lane) in sim.lanes.enumerated() {
            let newCount = lane.notableCount - seenNotables[i]
            guard newCount > 0 else { continue }
            seenNotables[i] = lane.notableCount
            let items = lane.notables.suffix(min(newCount, lane.notables.count))
            var perKind: [Notable.Kind: Int] = [:]
            var skipped: [(Notable.Kind, Int, Micros)] = []
            for n in items {
                if n.kind == .fault {
                    // Faults are the same in every lane: log them once.
                    if i == 0 { fresh.append(LogLine(modes: [], notable: n)) }
                    continue
                }
                let seen = perKind[n.kind, default: 0]
                perKind[n.kind] = seen + 1
                if seen < 3 {
                    fresh.append(LogLine(modes: [lane.mode], notable: n))
                } else if let k = skipped.firstIndex(where: { $0.0 == n.kind }) {
                    skipped[k].1 += 1
                    skipped[k].2 = n.atMicros
                } else {
                    skipped.append((n.kind, 1, n.atMicros))
                }
            }
            for (kind, count, at) in skipped {
                fresh.append(LogLine.summary(modes: [lane.mode], kind: kind, count: count, at: at))
            }
        }
        guard !fresh.isEmpty else { return }
        // Stable by time, so lanes interleave the way things happened.
        let ordered = fresh.enumerated().sorted { a, b in
            a.element.notable.atMicros < b.element.notable.atMicros
                || (a.element.notable.atMicros == b.element.notable.atMicros && a.offset < b.offset)
        }.map(\.element)
        // The same thing in several lanes at the same instant is one line naming them all.
        var merged: [LogLine] = []
        for line in ordered {
            if let k = merged.lastIndex(where: { $0.notable == line.notable && !$0.modes.isEmpty }),
               merged[k].notable.atMicros == line.notable.atMicros, !line.modes.isEmpty {
                merged[k].modes += line.modes
            } else {
                merged.append(line)
            }
        }
        // A flood (a crashed broker at high speed) would push everything else off the log;
        // a summary line following the same summary is folded into it instead.
        for line in merged {
            if let count = line.summaryCount, let last = log.last, let lastCount = last.summaryCount,
               last.notable.kind == line.notable.kind, last.modes == line.modes {
                log[log.count - 1] = LogLine.summary(modes: line.modes, kind: line.notable.kind,
                                                     count: lastCount + count, at: line.notable.atMicros)
            } else {
                log.append(line)
            }
        }
        if log.count > Self.logLength { log.removeFirst(log.count - Self.logLength) }
    }

    static func kindWords(_ k: Notable.Kind) -> String {
        switch k {
        case .fault: "faults"
        case .redelivery: "redeliveries"
        case .duplicateDelivery: "duplicate deliveries"
        case .duplicateEffect: "duplicate effects"
        case .suppressed: "suppressed duplicates"
        case .lost: "losses"
        case .deadLettered: "dead letters"
        case .discarded: "discarded messages"
        case .outOfOrder: "out-of-order effects"
        case .ackDropped: "dropped acks"
        case .confirmDropped: "dropped confirms"
        case .retry: "producer retries"
        case .crashTrap: "trap crashes"
        }
    }
}
