// libFuzzer target: the lesson loader on arbitrary bytes. Built by Fuzz/build.sh, not SwiftPM.
import Experiments
import TOMLLite

/// Bytes → strict UTF-8 → `Lesson.parse`. Must give a lesson or a one-line FileError with a
/// position, never trap. Every predicate of a lesson that loads must print (`description`,
/// as `--check` quotes it) to text that parses back to the same predicate.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzLesson(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let text = try? TOML.text(utf8: bytes) else { return 0 }
    let lesson: Lesson
    do {
        lesson = try Lesson.parse(text: text, fileName: "fuzz.toml")
    } catch {
        requireErrorLine(error)
        return 0
    }
    require(!lesson.steps.isEmpty, "a lesson without steps loaded")
    for step in lesson.steps {
        for p in step.predicates {
            guard case .success(let again) = LessonPredicate.parse(p.description, modes: lesson.settings.modes) else {
                fatalError("predicate '\(p)' does not parse back")
            }
            require(again == p, "predicate '\(p)' changed on the way back")
        }
        if step.kind == .predict { require(step.outcomes.count == step.choices.count && step.choices.indices.contains(step.answer), "a predict step without one outcome per choice loaded") }
    }
    return 0
}
