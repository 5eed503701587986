import ArgumentParser
import Glibc
import Dashboard
import DeliverySim
import Experiments
import TOMLLite
import TerminalNcurses

/// `ackscope` (no subcommand): the live ncurses dashboard.
struct DashboardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dashboard",
        abstract: "Open the live dashboard: lanes of one workload side by side, keys that inject faults (the default).",
        discussion: """
            Press ? in the dashboard for every key. Without a terminal, use `ackscope run`.

            With --scenario, the scenario's title and explanation are shown and its actions \
            are applied as virtual time reaches them; workload flags given too override the \
            file's values. Production goes on until you quit unless --duration is given (the \
            file's duration is for headless runs). Without --duration, --chaos draws its \
            faults over the first 60s and --crash-every goes on until you quit.

            --record FILE writes the session, at quit, as a scenario file: the seed, the \
            settings and every action (keys, scenario, generated faults) with its virtual \
            time; `ackscope run --scenario FILE --json -` then prints exactly the JSON that \
            --json writes here, and `view = "flow"` if the flow view was on at quit.
            """)

    @OptionGroup var seed: SeedOption
    @OptionGroup var workload: WorkloadOptions

    @Option(parsing: .unconditional, help: "Virtual seconds per wall second at start (0.001 to 1000).")
    var speed: Double = 1

    @Option(help: ArgumentHelp("Colour theme: a name from `ackscope themes` or a path to a .toml file (default: $ACKSCOPE_THEME or default).", valueName: "name|path"))
    var theme: String?

    @Option(help: ArgumentHelp("Beside the lanes: topology (each node's numbers) or flow (packets on their wires); v switches.", valueName: "view"),
            transform: { text in
                guard let v = DashboardView(rawValue: text) else { throw ValidationError("allowed: topology, flow") }
                return v
            })
    var view: DashboardView?

    @Flag(name: .customLong("no-color"), help: "No colour at all (also when NO_COLOR is set); states keep their symbols.")
    var noColor = false
    @Option(help: ArgumentHelp("Play a scenario: a NAME from Scenarios/ (see `ackscope scenarios`) or a PATH to a .toml file.", valueName: "name|path"))
    var scenario: String?
    @Option(help: ArgumentHelp("At quit, write the session as a scenario file that replays it exactly.", valueName: "path"))
    var record: String?
    @Option(help: ArgumentHelp("At quit, write the JSON summary of what the session shows ('-' for stdout).", valueName: "path"))
    var json: String?
    @OptionGroup var brokerOption: BrokerOption

    mutating func validate() throws {
        guard App.speeds.contains(speed) else {
            throw ValidationError("--speed must be one of " + App.speeds.map(JSON.number).joined(separator: ", "))
        }
    }

    func run() throws {
        // Everything that can fail on bad input fails here, before the terminal changes.
        let flags = workload.workload(seed: seed)
        var settings = flags.settings
        var script: App.Script? = nil
        var shownView = view ?? .topology
        if let scenario {
            let loaded = try ScenarioFiles.load(scenario, overrides: flags)
            settings = loaded.settings
            // Shown on screen: escaped like everything else read from a file (not cut: the
            // panels clip, and a recording writes the title back).
            script = App.Script(title: TerminalText.safe(loaded.title, limit: .max),
                                explanation: TerminalText.safe(loaded.explanation, limit: .max), actions: loaded.timeline)
            if view == nil, let v = loaded.view { shownView = v }
        }
        if !workload.durationGiven { settings.durationMicros = Settings.unlimitedMicros }
        if let target = try brokerOption.target() {
            // The real lanes: the seed's three unless told which (in-process has no real form).
            try RealDashboard.run(settings: settings, script: script, target: target, theme: theme, noColor: noColor,
                                  record: record, json: json, speedGiven: speed != 1)
            return
        }
        // The seed's three lanes on screen, and the other two a key (`m`) away: the
        // dashboard runs every mode unless told which.
        if settings.modes == Mode.classic { settings.modes = Mode.allCases }
        try checkMemory(settings)
        try checkOutputPaths([("--record", record), ("--json", json)])
        let recordFile = try record.map { path throws(CommandError) in try OutputFile(path) }
        let jsonFile = try json.map { path throws(CommandError) in try OutputFile(path) }
        let speed = self.speed
        var (app, exitSignal) = try Self.session(theme: theme, noColor: noColor) { unicode, themeNames, warnings in
            var app = App(settings: settings, unicode: unicode, script: script, themeNames: themeNames, themeIndex: 0, view: shownView)
            app.setSpeed(speed)
            if warnings > 0 { app.setStatus("Theme warnings: \(warnings); see stderr after quitting.") }
            return app
        }
        // The session's files, after the terminal is back (a signal quits here too).
        app.finishSession()
        var problems: [String] = []
        if let recordFile {
            recordFile.write(Self.recording(app))
            if let p = recordFile.close() { problems.append(p) }
        }
        if let jsonFile {
            jsonFile.write(app.sessionSummary().json())
            if let p = jsonFile.close() { problems.append(p) }
        }
        for p in problems { Output.error(p) }
        if let exitSignal { Signals.reraise(exitSignal) }
        Signals.restoreDefaults()
        if !problems.isEmpty { throw ExitCode(2) }
    }

    /// Loads the theme, opens the terminal, runs the loop with the app `makeApp` builds
    /// (told whether the terminal draws Unicode, the theme names, and how many warnings the
    /// theme had), and restores the terminal. Returns the app and the signal that ended it.
    static func session(theme: String?, noColor: Bool,
                        makeApp: (_ unicode: Bool, _ themeNames: [String], _ warnings: Int) -> App) throws -> (App, Int32?) {
        let (term, themes, warnings) = try openTerminal(theme: theme, noColor: noColor)
        var app = makeApp(term.unicode, themes.map { TerminalText.safe($0.source.name, limit: .max) }, warnings)
        let exitSignal = loop(&app, term: term, themes: themes)
        term.close()
        return (app, exitSignal)
    }

    /// Loads the theme (the chosen one first, then every other), installs the signal
    /// handlers and opens the terminal; a bad theme or no terminal is one line and exit 2.
    static func openTerminal(theme: String?, noColor: Bool) throws -> (Terminal, [LoadedTheme], warnings: Int) {
        let env = ThemeFiles.Environment.current()
        let chosen: LoadedTheme
        do {
            chosen = try ThemeFiles.load(nameOrPath: theme, env)
        } catch {
            Output.error(error.description)
            throw ExitCode(2)
        }
        for w in chosen.warnings { Output.error("warning: " + w.description) }
        var themes = [chosen]
        for other in ThemeFiles.loadAll(env).themes where other.source.name != chosen.source.name {
            themes.append(other)
        }

        Signals.install()
        do {
            let term = try Terminal.open(theme: chosen.theme, colorMode: noColor ? .noColor : nil)
            return (term, themes, chosen.warnings.count)
        } catch {
            Signals.restoreDefaults()
            Output.writeFD(2, error.description + "\n")
            throw ExitCode(2)
        }
    }

    /// The session as a scenario file that replays it exactly (see `Recording`).
    static func recording(_ app: App) -> String {
        Recording.text(session: app.sessionSettings, original: app.settings, actions: app.sim.applied.map(\.timed),
                       origins: app.actionOrigins.map(\.rawValue), stopAtMicros: app.sessionStopAtMicros,
                       endedAtMicros: app.sim.now, scenarioTitle: app.script?.title, view: app.flowView ? .flow : nil)
    }

    /// Writes the snapshot `e` asked for, and says where on the status line.
    static func writeSnapshot(_ app: inout App, width: Int, height: Int) {
        let name = app.snapshotFileName
        if let problem = Output.write(app.snapshotText(width: width, height: height), to: name) {
            app.snapshotTaken("Snapshot failed: " + problem)
        } else {
            app.snapshotTaken("Snapshot written to ./" + name + " (screen + JSON summary).")
        }
    }

    /// A key for the app, then what it asked of the terminal; true when it asked to quit.
    static func handle(_ key: Key, _ app: inout App, _ term: Terminal, themes: [LoadedTheme]) -> Bool {
        if key == .resize || key == .redraw { term.invalidate(clearScreen: key == .redraw) }
        switch app.press(key) {
        case .quit?:
            return true
        case .writeSnapshot?:
            let (w, h) = term.size
            writeSnapshot(&app, width: w, height: h)
        case .setTheme(let index)?:
            term.setTheme(themes[index].theme)
        case nil:
            break
        }
        return false
    }

    /// The real-time loop: block in getch until the next frame is due (or a key comes), feed
    /// wall time, redraw 10 times a second, and at once after a key, before simulating.
    /// Returns the signal that ended it, if any.
    ///
    /// One wake-up per frame when nothing happens: the wait ends at the frame's deadline,
    /// not a fixed timeout after whatever the last frame cost. 10 fps rather than 20: at 1x
    /// most of the dashboard's CPU is per frame (App.render, then ncurses' update), and at
    /// 120x40 20 fps cost about 1.4% of a core against 0.8% at 10 (release, 2026-11-27).
    static func loop(_ app: inout App, term: Terminal, themes: [LoadedTheme]) -> Int32? {
        let frameNanos: UInt64 = 100_000_000
        var last = Output.monotonicNanos()
        var nextFrame: UInt64
        var dirty = false
        var quickEmptyReads = 0
        // The first frame before any simulation: whatever the workload, it shows at once.
        do {
            let (w, h) = term.size
            app.screenWidth = w
            term.draw(app.render(width: w, height: h))
            nextFrame = Output.monotonicNanos() + frameNanos
        }
        while true {
            if let sig = Signals.pending() { return sig }
            let before = Output.monotonicNanos()
            // Until the frame is due, rounded up so the wait never ends just short of it. A
            // world that cannot keep up has used the frame already: only look for keys.
            let waitMillis: Int32 =
                app.fallingBehind ? 5 : nextFrame > before ? Int32((nextFrame - before + 999_999) / 1_000_000) : 0
            if let key = term.readKey(timeoutMillis: waitMillis) {
                if handle(key, &app, term, themes: themes) { return nil }
                dirty = true
                quickEmptyReads = 0
                // Take every key already typed, so a busy frame never queues them up.
                var more = 0
                while more < 64, let next = term.readKey(timeoutMillis: 0) {
                    if handle(next, &app, term, themes: themes) { return nil }
                    more += 1
                }
            } else if waitMillis >= 5 && Output.monotonicNanos() - before < 5_000_000 {
                // No key and no wait: the terminal may be gone (a hangup without SIGHUP).
                quickEmptyReads += 1
                if quickEmptyReads >= 10 && term.inputHungUp() { return SIGHUP }
            } else if waitMillis >= 5 {
                quickEmptyReads = 0
            }
            if dirty {
                // What a key did shows at once, before this frame's simulation (which, in a
                // world too big for its speed, takes most of a frame).
                let (w, h) = term.size
                app.screenWidth = w
                term.draw(app.render(width: w, height: h))
                dirty = false
            }
            let now = Output.monotonicNanos()
            let elapsedMicros = (now - last) / 1_000
            last += elapsedMicros * 1_000
            // Simulate for at most 70% of a frame, and not a slice more once a key or a signal
            // is waiting: it is handled before the rest of the frame's simulation. A world that
            // cannot keep up simulates only until the frame is due, so the screen still changes
            // once a frame.
            let simStart = Output.monotonicNanos()
            var budgetEnd = simStart + frameNanos * 7 / 10
            if app.fallingBehind { budgetEnd = min(budgetEnd, max(nextFrame, simStart)) }
            app.advance(byWallMicros: Micros(elapsedMicros)) {
                Output.monotonicNanos() > budgetEnd || term.inputPending() || Signals.pending() != nil
            }
            if now >= nextFrame {
                let (w, h) = term.size
                app.screenWidth = w
                term.draw(app.render(width: w, height: h))
                // The next deadline one frame on; a frame that came late (a busy world)
                // starts the count again from now instead of catching up in a burst.
                nextFrame = now < nextFrame + frameNanos / 2 ? nextFrame + frameNanos : now + frameNanos
            }
        }
    }
}
