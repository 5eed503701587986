import ArgumentParser
import Dashboard
import DeliverySim
import TerminalNcurses

/// `ackscope` (no subcommand): the live ncurses dashboard.
struct DashboardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dashboard",
        abstract: "Open the live dashboard: three lanes, one workload, keys that inject faults (the default).",
        discussion: "Press ? in the dashboard for every key. Without a terminal, use `ackscope run`.")

    @OptionGroup var workload: WorkloadOptions

    @Option(help: "Virtual seconds per wall second at start (0.1 to 1000).")
    var speed: Double = 1

    @Option(help: ArgumentHelp("Colour theme: a name from `ackscope themes` or a path to a .toml file (default: $ACKSCOPE_THEME or default).", valueName: "name|path"))
    var theme: String?

    @Flag(name: .customLong("no-color"), help: "No colour at all (also when NO_COLOR is set); states keep their symbols.")
    var noColor = false

    mutating func validate() throws {
        guard App.speeds.contains(speed) else {
            throw ValidationError("--speed must be one of " + App.speeds.map(JSON.number).joined(separator: ", "))
        }
    }

    func run() throws {
        // Everything that can fail on bad input fails here, before the terminal changes.
        let env = ThemeFiles.Environment.current()
        let chosen: LoadedTheme
        do {
            chosen = try ThemeFiles.load(nameOrPath: theme, env)
        } catch {
            Output.writeFD(2, "ackscope: " + error.description + "\n")
            throw ExitCode(2)
        }
        for w in chosen.warnings { Output.error("warning: " + w.description) }
        var themes = [chosen]
        for other in ThemeFiles.loadAll(env).themes where other.source.name != chosen.source.name {
            themes.append(other)
        }

        Signals.install()
        let term: Terminal
        do {
            term = try Terminal.open(theme: chosen.theme, colorMode: noColor ? .noColor : nil)
        } catch {
            Signals.restoreDefaults()
            Output.writeFD(2, error.description + "\n")
            throw ExitCode(2)
        }

        var settings = workload.settings
        if !workload.durationGiven { settings.durationMicros = Settings.unlimitedMicros }
        var app = App(settings: settings, unicode: term.unicode,
                      themeNames: themes.map(\.source.name), themeIndex: 0)
        app.setSpeed(speed)
        if !chosen.warnings.isEmpty { app.setStatus("Theme warnings: \(chosen.warnings.count); see stderr after quitting.") }
        let exitSignal = Self.loop(&app, term: term, themes: themes)
        term.close()
        if let exitSignal { Signals.reraise(exitSignal) }
        Signals.restoreDefaults()
    }

    /// The real-time loop: block in getch up to one frame, feed wall time, redraw at most
    /// ~20 times a second. Returns the signal that ended it, if any.
    static func loop(_ app: inout App, term: Terminal, themes: [LoadedTheme]) -> Int32? {
        let frameNanos: UInt64 = 50_000_000
        var last = Output.monotonicNanos()
        var lastDraw: UInt64 = 0
        var themeIndex = app.themeIndex
        var dirty = true
        while true {
            if let sig = Signals.pending() { return sig }
            if let key = term.readKey(timeoutMillis: 50) {
                if key == .resize || key == .redraw { term.invalidate(clearScreen: key == .redraw) }
                app.press(key)
                dirty = true
            }
            let now = Output.monotonicNanos()
            let elapsedMicros = (now - last) / 1_000
            last += elapsedMicros * 1_000
            app.advance(byWallMicros: Micros(elapsedMicros))
            if app.quitRequested { return nil }
            if app.themeIndex != themeIndex {
                themeIndex = app.themeIndex
                term.setTheme(themes[themeIndex].theme)
                dirty = true
            }
            if dirty || now - lastDraw >= frameNanos {
                let (w, h) = term.size
                term.draw(app.render(width: w, height: h))
                lastDraw = now
                dirty = false
            }
        }
    }
}
