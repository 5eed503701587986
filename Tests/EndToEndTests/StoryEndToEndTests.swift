import Foundation
import FoundationXML
import Testing

/// Following one message through the real binary: in a real terminal (`f`), and headless
/// (`ackscope trace`, text and SVG).
@Suite(.serialized) struct StoryEndToEndTests {
    /// Start the dashboard, wait for a duplicate, press f: the story of a message with the
    /// lanes' columns and hop rows; a lane's diagram; Esc returns; q exits 0.
    @Test(arguments: [(120, 40), (80, 24)])
    func fOpensTheStoryOfTheNewestDuplicateAndEscReturns(width: Int, height: Int) throws {
        guard requireTmux() else { return }
        let bin = try #require(ackscopeBinary(), "ackscope binary not built next to the tests")
        guard let tmux = Tmux(width: width, height: height, command: "\(bin) --seed 1 --speed 5") else { return }
        defer { tmux.kill() }
        tmux.waitFor("a duplicate effect in at-least-once", seconds: 20) { s in (row("dup effects", in: s)?.dropFirst().first ?? 0) > 0 }
        tmux.keys("f")
        let story = tmux.waitFor("the story view") { s in
            s.contains("─ message p1-") && s.contains("hop") && s.contains("publish #1") && s.contains("fate")
        }
        for lane in width >= 120 ? ["at-most-once", "at-least-once", "effectively-once"] : ["at-most-once", "at-least-once", "eff-once"] {
            #expect(story.contains(lane), "\(lane) column:\n\(story)")
        }
        #expect(!story.contains("lanes: same seed"))
        tmux.keys("2")
        tmux.waitFor("the at-least-once diagram") { $0.contains("the at-least-once lane, time downward") && $0.contains("sink") }
        tmux.keys("Escape")
        tmux.waitFor("the lanes back") { $0.contains("in flight") && !$0.contains("─ message p1-") }
        tmux.keys("q")
        tmux.waitFor("exit status 0") { $0.contains("EXIT=0") }
    }

    /// Seed 1, p1-81: at-most-once lost its only delivery; at-least-once redelivered it.
    @Test func traceTellsTheStoryAsTextAndSVG() throws {
        let bin = try #require(ackscopeBinary())
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ackscope-trace-\(getpid())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (status, out, err) = sh([bin, "trace", "--seed", "1", "--message", "p1-81", "--svg", dir + "/p1-81.svg"])
        #expect(status == 0, "\(err)")
        #expect(out.hasPrefix("message p1-81 · seed 1 · lanes at-most-once, at-least-once, effectively-once\n"))
        #expect(out.contains("at-most-once: lost\n") && out.contains("at-least-once: applied once\n"))
        #expect(out.contains("redelivered to c2 (delivery 2) after the ack deadline"))
        // The same bytes again: stable, diffable.
        #expect(sh([bin, "trace", "--seed", "1", "--message", "p1-81"]).1 == out)
        let svg = try Data(contentsOf: URL(fileURLWithPath: dir + "/p1-81.svg"))
        let parser = XMLParser(data: svg)
        #expect(parser.parse(), "\(String(describing: parser.parserError))")
        #expect(String(decoding: svg, as: UTF8.self).contains("at-most-once: lost"))

        // One lane's diagram only; and as ASCII.
        let (_, one, _) = sh([bin, "trace", "--seed", "1", "--message", "p1-81", "--lane", "at-least-once", "--ascii"])
        #expect(one.contains("at-least-once: applied once\n") && !one.contains("at-most-once: lost\n"))
        #expect(!one.contains("│") && one.contains("|"))
    }

    @Test(arguments: [
        (["trace", "--message", "x1-4"], "is not a message id (allowed: pPRODUCER-SEQ, e.g. p1-42)"),
        (["trace", "--message", "p2-4"], "--message p2-4: this run has producers p1 to p1"),
        (["trace", "--message", "p1-4", "--lane", "in-process"], "--lane in-process is not a lane of this run"),
        (["trace", "--message", "p1-4", "--lane", "sometimes"], "is not a mode (allowed: at-most-once"),
        (["trace"], "Missing expected argument '--message <id>'"),
    ])
    func badTraceInputIsOneLineAndExitTwo(_ args: [String], _ words: String) throws {
        let bin = try #require(ackscopeBinary())
        let (status, out, err) = sh([bin] + args)
        #expect(status == 2, "\(args): exit \(status)")
        #expect(out.isEmpty)
        #expect(err.hasPrefix("ackscope: ") && err.split(separator: "\n").count == 1 && err.contains(words), "\(args): \(err)")
    }
}
