import Experiments
import Foundation
import Testing

/// The flags of the one knob list, through the real binary.
@Suite(.serialized) struct KnobFlagsEndToEndTests {
    func help(_ command: String) throws -> String {
        let bin = try #require(ackscopeBinary(), "ackscope binary not built next to the tests")
        let (status, out, err) = sh([bin, command, "--help"])
        #expect(status == 0, "\(err)")
        return out
    }

    /// Every knob is a flag of run (a knob added to the list but not to WorkloadOptions fails).
    @Test func runListsEveryKnob() throws {
        let text = try help("run")
        for k in Knob.all { #expect(text.contains("--\(k.flag)"), "--\(k.flag) not in run --help") }
        #expect(text.contains("--transient") && text.contains("--no-drain") && text.contains("--no-chaos"))
    }

    /// compare takes --seeds, and its help shows only what it accepts.
    @Test func compareHelpHasSeedsNotSeed() throws {
        let text = try help("compare")
        #expect(text.contains("--seeds"))
        #expect(!text.contains("--seed ") && !text.contains("--seed <"), "\(text)")
        for k in Knob.all where k.key != "seed" { #expect(text.contains("--\(k.flag)"), "--\(k.flag) not in compare --help") }
        let bin = try #require(ackscopeBinary())
        let (status, _, err) = sh([bin, "compare", "--seed", "3"])
        #expect(status == 2 && err == "ackscope: --seed does not apply to compare; give --seeds FIRST..LAST\n", "\(err)")
    }

    /// `--messages N` alone: exactly N, not what 60 s of production makes.
    @Test func messagesAloneProduceExactlyThatMany() throws {
        let bin = try #require(ackscopeBinary())
        let (status, out, err) = sh([bin, "run", "--messages", "3500", "--modes", "at-least-once", "--json", "-"])
        #expect(status == 0, "\(err)")
        #expect(out.contains("\"production_ended_by\":\"messages\""), "\(out.prefix(200))")
        #expect(out.contains("\"produced\":3500,"), "\(out.prefix(400))")
    }
}
