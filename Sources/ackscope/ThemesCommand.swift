import ArgumentParser
import Dashboard
import Glibc
import TOMLLite

/// `ackscope themes`: every theme it can find, with a swatch line each.
struct ThemesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "themes",
        abstract: "List the colour themes, each with a swatch line.",
        discussion: """
            Themes are TOML files. A NAME given to --theme or ACKSCOPE_THEME is looked up as \
            NAME.toml in $XDG_CONFIG_HOME/ackscope/themes (default ~/.config/ackscope/themes), \
            then in the package's Themes/ folder; a value containing '/' or ending in .toml is \
            a path. Themes/default.toml documents every role.
            """
    )

    @Flag(name: .customLong("no-color"), help: "Swatches without colour (as when NO_COLOR is set).")
    var noColor = false

    /// The swatch: every message state, then every node state, with labels short enough
    /// that the line fits 80 columns.
    static let swatch: [(role: StyleRole, label: String)?] = [
        (.stateReady, "ready"), (.stateInFlight, "inflight"), (.stateUnacked, "unacked"),
        (.stateRedelivered, "redeliv"), (.stateDuplicate, "dup"), (.stateLost, "lost"),
        (.stateDeadLettered, "dead"), (.stateOutOfOrder, "order"), nil,
        (.nodeUp, "up"), (.nodeCrashed, "crash"), (.nodePartitioned, "part"), (.nodeOneWay, "oneway"),
        (.nodeSlow, "slow"),
    ]

    mutating func run() throws {
        let env = ThemeFiles.Environment.current()
        let mode = Self.outputMode(noColorFlag: noColor)
        var failed = false
        for source in ThemeFiles.available(env) {
            do {
                let loaded = try ThemeFiles.load(source)
                print(Self.headerLine(loaded))
                print(Self.swatchLine(loaded.theme, mode: mode))
                for warning in loaded.warnings { Self.printError("warning: \(warning)") }
            } catch {
                failed = true
                print(Self.pad(source.name) + "(cannot load: see below)")
                Self.printError(error.description)
            }
        }
        if failed { throw ExitCode(2) }
    }

    /// Colour for swatches: none when stdout is not a terminal (attributes would be escape
    /// noise in a file) or when NO_COLOR/--no-color; attributes only when it is a terminal
    /// but colour is off.
    static func outputMode(noColorFlag: Bool) -> ColorMode? {
        guard isatty(STDOUT_FILENO) == 1 else { return nil }
        func env(_ name: String) -> String? { getenv(name).map { String(cString: $0) } }
        return ColorMode.requested(
            noColorFlag: noColorFlag, noColor: env("NO_COLOR"), colorTerm: env("COLORTERM"), term: env("TERM"))
    }

    /// Name, description and file of a theme, all escaped: they come from the file and its
    /// name, and `description = "\u001b[2J"` must not clear the screen.
    static func headerLine(_ loaded: LoadedTheme) -> String {
        let where_ = loaded.source.path.map { TerminalText.safe($0) } ?? "built in"
        let description = loaded.description.map { TerminalText.safe($0) + "  " } ?? ""
        return pad(TerminalText.safe(loaded.source.name, limit: TerminalText.valueLimit)) + description + "(" + where_ + ")"
    }

    /// Each swatch label drawn in its role's style; plain labels when `mode` is nil.
    static func swatchLine(_ theme: Theme, mode: ColorMode?) -> String {
        var line = " "
        for entry in swatch {
            guard let (role, label) = entry else {
                line += " "
                continue
            }
            line += " "
            if let mode {
                line += theme[role].sgr(for: mode) + label + "\u{1B}[0m"
            } else {
                line += label
            }
        }
        return line
    }

    private static func pad(_ name: String) -> String {
        name.count >= 16 ? name + "  " : name + String(repeating: " ", count: 16 - name.count)
    }

    private static func printError(_ line: String) { Output.error(line) }
}
