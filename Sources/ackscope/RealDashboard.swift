import ArgumentParser
import Dashboard
import DeliverySim
import Experiments
import Glibc
import RealBroker
import TerminalNcurses
import TOMLLite

/// `ackscope --broker nats`: the dashboard over real lanes on a NATS JetStream server.
///
/// The server is started (or reached) and every lane's stream and consumer set up before
/// the terminal changes, so a missing nats-server is one line and exit 2. The loop reads
/// keys, pumps the real connections, and redraws ten times a wall second.
enum RealDashboard {
    static func run(settings: Settings, script: App.Script?, target: BrokerTarget, theme: String?, noColor: Bool,
                    record: String?, json: String?, speedGiven: Bool) throws {
        if record != nil {
            throw CommandError("--record needs the simulation: a session on a real server cannot be replayed (use --json for its numbers)")
        }
        if speedGiven { throw CommandError("--speed: a real server runs on the wall clock, at 1x only") }
        try RealBrokerRun.check(settings, unlimitedAllowed: true)
        try checkOutputPaths([("--json", json)])
        let jsonFile = try json.map { path throws(CommandError) in try OutputFile(path) }
        // The handlers first: a Ctrl-C while the server starts still stops it and removes its store.
        Signals.install()
        let real: RealRun
        do {
            real = try RealRun(settings: settings, script: script?.actions ?? [], target: target, recording: .everything)
        } catch {
            Signals.restoreDefaults()
            jsonFile?.abandon()
            throw CommandError("--broker: " + error.description)
        }
        if let sig = Signals.pending() {
            real.close()
            jsonFile?.abandon()
            Signals.reraise(sig)
        }
        let term: Terminal, themes: [LoadedTheme], warnings: Int
        do {
            (term, themes, warnings) = try DashboardCommand.openTerminal(theme: theme, noColor: noColor)
        } catch {
            real.close()
            jsonFile?.abandon()
            throw error
        }
        var app = RealApp(settings: settings, broker: real.brokerWords, script: script, unicode: term.unicode,
                          themeNames: themes.map { TerminalText.safe($0.source.name, limit: .max) })
        if warnings > 0 { app.setStatus("Theme warnings: \(warnings); see stderr after quitting.") }
        let exitSignal = loop(&app, real: real, term: term, themes: themes)
        term.close()
        let summary = summary(real)
        real.close()
        var problems: [String] = []
        if let jsonFile {
            jsonFile.write(summary.json())
            if let p = jsonFile.close() { problems.append(p) }
        }
        for p in problems { Output.error(p) }
        if let exitSignal { Signals.reraise(exitSignal) }
        Signals.restoreDefaults()
        if !problems.isEmpty { throw ExitCode(2) }
    }

    /// What the session shows, as JSON: the lanes as observed at quit, not drained.
    static func summary(_ real: RealRun) -> Summary {
        let observed = real.observed()
        var summary = Summary(settings: real.settings, observed: observed, drainedAt: Array(repeating: nil, count: observed.count),
                              drainRequested: false, broker: "nats")
        summary.notes = [real.brokerWords] + RealBrokerRun.notes(real.settings)
        return summary
    }

    static func loop(_ app: inout RealApp, real: RealRun, term: Terminal, themes: [LoadedTheme]) -> Int32? {
        let frameMicros: Micros = 100_000
        var nextFrame: Micros = 0
        var appliedSeen = 0
        var dirty = true
        while true {
            if let sig = Signals.pending() { return sig }
            var keys = 0
            while keys < 64, let key = term.readKey(timeoutMillis: 0) {
                keys += 1
                dirty = true
                if key == .resize || key == .redraw { term.invalidate(clearScreen: key == .redraw) }
                switch app.press(key) {
                case .quit?:
                    return nil
                case .apply(let action)?:
                    real.apply(action)
                case .writeSnapshot?:
                    let (w, h) = term.size
                    let name = app.snapshotFileName
                    if let problem = Output.write(app.snapshotText(width: w, height: h) + summary(real).json(), to: name) {
                        app.setStatus("Snapshot failed: " + problem)
                    } else {
                        app.setStatus("Snapshot written to ./" + name + " (screen + JSON summary).")
                    }
                case .setTheme(let index)?:
                    term.setTheme(themes[index].theme)
                case nil:
                    break
                }
            }
            if let failure = real.restartFailure { app.setStatus("The server did not restart: " + failure) }
            real.pump(millis: 20)
            if dirty || real.now >= nextFrame {
                let applied = Array(real.applied[appliedSeen...])
                appliedSeen = real.applied.count
                app.observe(lanes: real.observed(), now: real.now, events: real.takeEvents(), applied: applied, brokerUp: real.brokerUp)
                let (w, h) = term.size
                term.draw(app.render(width: w, height: h))
                dirty = false
                nextFrame = max(nextFrame + frameMicros, real.now)
            }
        }
    }
}
