import ArgumentParser
import DeliverySim
import Experiments
import TOMLLite
import TerminalNcurses

/// `ackscope trace`: one message's story, the lanes side by side and each lane's diagram.
struct TraceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trace",
        abstract: "Follow one message through every lane: its story and a sequence diagram, as text or SVG.",
        discussion: """
        Runs the same headless run as `ackscope run` (the same flags, or --scenario) and \
        records only the one message asked for. Prints the lanes side by side (one row per \
        hop, where their fates part), then each lane's sequence diagram: a column per node, \
        time downward, a ✗ where a packet fell, the window of doubt as a thick line.
        """)

    @Option(help: ArgumentHelp("The message to follow, as the event log names it (p1-42).", valueName: "id"),
            transform: { text in
                guard let id = MessageID.parse(text) else {
                    throw ValidationError("--message '\(Output.printable(text))' is not a message id (allowed: pPRODUCER-SEQ, e.g. p1-42)")
                }
                return id
            })
    var message: MessageID

    @OptionGroup var seed: SeedOption
    @OptionGroup var workload: WorkloadOptions

    @Option(help: ArgumentHelp("Run a scenario: a NAME from Scenarios/ or a PATH to a .toml file. Flags given too override its workload.", valueName: "name|path"))
    var scenario: String?

    @OptionGroup var drain: DrainOption

    @Option(name: .customLong("lane"), help: ArgumentHelp("Print only this lane's diagram (repeat for several; default: every lane).", valueName: "mode"),
            transform: { text in
                guard let m = Mode(rawValue: text) else {
                    throw ValidationError("--lane '\(Output.printable(text))' is not a mode (allowed: \(Mode.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
                return m
            })
    var lanes: [Mode] = []

    @Option(help: ArgumentHelp("Also write the diagrams as a self-contained SVG file to PATH.", valueName: "path"))
    var svg: String?

    @Flag(help: "Draw with ASCII characters only.")
    var ascii = false

    mutating func run() throws {
        let overrides = workload.workload(seed: seed, drain: drain)
        try checkOutputPaths([("--svg", svg)])
        let (experiment, title) = try ScenarioFiles.experiment(scenario, overrides: overrides)
        let settings = experiment.settings
        if let missing = lanes.first(where: { !settings.modes.contains($0) }) {
            throw CommandError("--lane \(missing.rawValue) is not a lane of this run (its lanes: \(settings.modes.map(\.rawValue).joined(separator: ", ")))")
        }
        if message.producer >= settings.producers {
            throw CommandError("--message \(message): this run has producers p1 to p\(settings.producers)")
        }
        try checkMemory(settings)
        let svgFile = try svg.map { path throws(CommandError) in try OutputFile(path) }
        var recorder = StoryRecorder(message: message, modes: settings.modes)
        _ = experiment.run(observer: &recorder)
        let story = recorder.story(settings: settings)
        let shown = lanes.isEmpty ? settings.modes : settings.modes.filter(lanes.contains)
        if svg != "-" {
            if let title { print("scenario: " + TerminalText.safe(title)) }
            print(TraceText.text(story, settings: settings, lanes: shown, unicode: !ascii), terminator: "")
        }
        if let svgFile {
            svgFile.write(StorySVG.document(story, settings: settings, lanes: shown))
            if let problem = svgFile.close() {
                Output.error(problem)
                throw ExitCode(2)
            }
        }
    }
}
