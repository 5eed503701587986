import Foundation
import Testing

/// The flow view (`v`) in a real terminal, on the release binary the README's command runs.
@Suite(.serialized) struct FlowEndToEndTests {
    /// The rows of the flow panel: from its corner to the right edge, down to its bottom.
    static func flowPanel(_ screen: String) -> String? {
        let lines = screen.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard let top = lines.firstIndex(where: { $0.contains("┌─ flow: ") }),
              let corner = lines[top].range(of: "┌─ flow: ") else { return nil }
        let x = lines[top].distance(from: lines[top].startIndex, to: corner.lowerBound)
        return lines[top..<min(lines.count, top + 19)].map { String($0.dropFirst(x)) }.joined(separator: "\n")
    }

    /// Packets move at 0.5x; the legend names the packets; a crash greys a consumer and
    /// turns its unacked boxes into redeliveries; q exits 0 with the terminal restored.
    @Test func vShowsPacketsMovingAndACrashChangesTheBoxes() throws {
        guard requireTmux() else { return }
        let bin = try releaseBinary()
        guard let tmux = Tmux(width: 120, height: 40, command: "\(bin) --seed 1 --speed 0.5") else { return }
        defer { tmux.kill() }
        tmux.waitFor("the dashboard") { $0.contains("topology") }
        tmux.keys("v")
        let first = tmux.waitFor("the flow view") { Self.flowPanel($0) != nil }
        let panel = try #require(Self.flowPanel(first))
        for word in ["publish", "confirm", "deliver", "ack", "flow: at-least-once lane"] {
            #expect(panel.contains(word), "\(word) in the legend:\n\(panel)")
        }
        #expect(!first.contains("topology"))
        // Two captures 300 ms apart differ inside the flow view.
        let a = Self.flowPanel(tmux.screen())
        usleep(300_000)
        let b = Self.flowPanel(tmux.screen())
        #expect(a != nil && a != b, "the flow view did not change in 300 ms:\n\(a ?? "")")

        // c1's acks lost: its unacked deliveries pile up as boxes; then crash it.
        tmux.keys("Tab", "Tab", "a")
        let piled = tmux.waitFor("unacked boxes under c1", seconds: 15) { s in
            Self.boxesRow(of: "c1", in: Self.flowPanel(s) ?? "").map { $0.contains { "▁▂▃▄▅▆▇█".contains($0) } } ?? false
        }
        let before = Self.boxesRow(of: "c1", in: Self.flowPanel(piled) ?? "")
        tmux.keys("c")
        let crashed = tmux.waitFor("c1 crashed, its boxes waiting for their deadlines") { s in
            (Self.flowPanel(s)?.contains("c1 ✖ CRASHED") ?? false) && (Self.boxesRow(of: "c1", in: Self.flowPanel(s) ?? "")?.contains("↻") ?? false)
        }
        #expect(Self.boxesRow(of: "c1", in: Self.flowPanel(crashed) ?? "") != before)
        #expect(Self.flowPanel(crashed)?.contains("↻ redelivered at its deadline") == true)
        tmux.keys("q")
        let end = tmux.waitFor("exit status 0") { $0.contains("EXIT=0") }
        #expect(!end.contains("flow: "), "the terminal was restored:\n\(end)")
    }

    /// 80x24 without colour: the compact layout, the lanes as a line of verdicts.
    @Test func compactLayoutWithoutColour() throws {
        guard requireTmux() else { return }
        let bin = try releaseBinary()
        guard let tmux = Tmux(width: 80, height: 24, command: "\(bin) --seed 1 --view flow", env: ["NO_COLOR": "1"]) else { return }
        defer { tmux.kill() }
        let screen = tmux.waitFor("the compact flow view") { $0.contains("flow: at-least-once lane") && $0.contains("at-most ") }
        #expect(screen.contains("broker") && screen.contains("c4"))
        let colored = tmux.screen(colors: true)
        let pattern = try NSRegularExpression(pattern: "\u{1b}\\[[0-9;]*(3[0-8]|4[0-8]|9[0-7]|10[0-7])[;m]")
        #expect(pattern.numberOfMatches(in: colored, range: NSRange(colored.startIndex..., in: colored)) == 0, "colour with NO_COLOR")
        tmux.resize(width: 60, height: 20)
        tmux.waitFor("the small-terminal message") { $0.contains("Terminal too small") }
        tmux.resize(width: 80, height: 24)
        tmux.waitFor("the flow view back") { $0.contains("flow: at-least-once lane") }
        tmux.keys("q")
        tmux.waitFor("exit status 0") { $0.contains("EXIT=0") }
    }

    /// A scenario file can open the dashboard in the flow view (`view = "flow"`, as
    /// `--record` writes it); a bad `--view` is one line and exit 2.
    @Test func aScenarioOpensInTheFlowView() throws {
        guard requireTmux() else { return }
        let bin = try releaseBinary()
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ackscope-flow-\(getpid()).toml").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try "title = \"t\"\nexplanation = \"e\"\nview = \"flow\"\n[workload]\nseed = 2\n".write(toFile: path, atomically: true, encoding: .utf8)
        guard let tmux = Tmux(width: 120, height: 40, command: "\(bin) --scenario \(path)") else { return }
        defer { tmux.kill() }
        tmux.waitFor("the flow view") { $0.contains("flow: at-least-once lane") }
        tmux.keys("q")
        tmux.waitFor("exit status 0") { $0.contains("EXIT=0") }
        let (status, out, err) = sh([bin, "--view", "graph"])
        #expect(status == 2 && out.isEmpty && err.split(separator: "\n").count == 1 && err.contains("allowed: topology, flow"), "\(err)")
    }

    /// The row under a consumer's label: its boxes.
    static func boxesRow(of consumer: String, in panel: String) -> String? {
        let lines = panel.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard let k = lines.firstIndex(where: { $0.contains(" \(consumer) ") }), k + 1 < lines.count,
              let at = lines[k].range(of: " \(consumer) ") else { return nil }
        let x = lines[k].distance(from: lines[k].startIndex, to: at.lowerBound)
        return String(lines[k + 1].dropFirst(x))
    }
}
