import ArgumentParser
import Experiments
import TOMLLite

/// `ackscope scenarios`: the shipped scenarios, each with its title.
struct ScenariosCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scenarios",
        abstract: "List the scenarios in Scenarios/, each with its title.",
        discussion: """
            Play one in the dashboard with `ackscope --scenario NAME`, run it headless with \
            `ackscope run --scenario NAME`. A scenario is a TOML file: title, explanation, \
            [workload] (the knobs of `ackscope run`) and [[actions]] at virtual times.
            """)

    @Flag(help: "Print each scenario's explanation too.")
    var verbose = false

    func run() throws {
        var failed = false
        let all = ScenarioFiles.available()
        if all.isEmpty { print("no Scenarios/ folder found next to the executable or in the current directory") }
        let width = max(16, (all.map(\.name.count).max() ?? 0) + 2)
        for (name, path) in all {
            // File names and everything in the files are printed escaped: an escape sequence
            // in a title would reach the terminal and act on it.
            let shownName = TerminalText.safe(name, limit: TerminalText.valueLimit)
            let padded = shownName + String(repeating: " ", count: max(1, width - shownName.count))
            do {
                let file = try ScenarioFiles.load(path)
                print(padded + TerminalText.safe(file.title))
                if verbose {
                    print(Self.wrap(TerminalText.safe(file.explanation, limit: 4_000), indent: width, width: 80) + "\n")
                }
            } catch {
                failed = true
                print(padded + "(cannot load: see below)")
                Output.error(error.description)
            }
        }
        if failed { throw ExitCode(2) }
    }

    /// Words wrapped to `width` columns, every line indented by `indent` spaces.
    static func wrap(_ text: String, indent: Int, width: Int) -> String {
        let pad = String(repeating: " ", count: indent)
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ") {
            if !line.isEmpty, indent + line.count + 1 + word.count > width {
                lines.append(pad + line)
                line = ""
            }
            line += (line.isEmpty ? "" : " ") + word
        }
        if !line.isEmpty { lines.append(pad + line) }
        return lines.joined(separator: "\n")
    }
}
