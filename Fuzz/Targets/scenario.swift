// libFuzzer target: the scenario loader on arbitrary bytes. Built by Fuzz/build.sh, not SwiftPM.
import Experiments
import TOMLLite

/// Bytes → strict UTF-8 → `ScenarioFile.parse` → `resolved()`. Must give a scenario or a
/// ScenarioError, never trap. A scenario that resolves must write back (`tomlText`, as
/// `--record` does) to a file that resolves to the same scenario; error lines must be one
/// short line without control characters.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzScenario(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let text = try? TOML.text(utf8: bytes) else { return 0 }
    let scenario: Scenario
    do {
        scenario = try ScenarioFile.parse(text: text, fileName: "fuzz.toml").resolved()
    } catch {
        requireErrorLine(error)
        return 0
    }
    let written = scenario.tomlText()
    do {
        let again = try ScenarioFile.parse(text: written, fileName: "fuzz.toml").resolved()
        require(again == scenario, "scenario changed on the way back:\n\(written)")
    } catch {
        fatalError("a resolved scenario writes a file that does not load: \(error)\n\(written)")
    }
    return 0
}
