@testable import Dashboard
import DeliverySim
import Experiments
import Foundation
import Testing

/// A lesson in the dashboard: the world holds while the learner reads, runs to the same
/// instants as `lessons --check`, answers and tasks are judged, back replays from the seed.
@Suite struct LessonAppTests {
    static func lesson(_ text: String = sampleLesson) throws -> Lesson { try Lesson.parse(text: text, fileName: "l.toml") }

    /// Feeds wall time in frames until the step's world part is over (or `frames` pass).
    static func drive(_ app: inout App, frames: Int = 2_000) {
        for _ in 0..<frames where app.lesson?.phase == .running { app.advance(byWallMicros: 100_000) }
    }

    static func panel(_ app: App, width: Int = 120, height: Int = 40) -> String { app.render(width: width, height: height).plainText() }

    /// The stated answers and "show me", at 1x and at 5x: the dashboard stops every step at
    /// the instant the headless check does.
    @Test(arguments: [1.0, 5.0]) func theDashboardStopsWhereTheCheckStops(speed: Double) throws {
        let lesson = try Self.lesson()
        let check = LessonCheck.run(lesson)
        var app = App(lesson: lesson)
        app.setSpeed(speed)
        app.advance(byWallMicros: 5_000_000)
        #expect(app.sim.now == 0, "narrate holds the world still")
        #expect(Self.panel(app).contains("▸ 1 Read"))
        app.press(.enter)
        Self.drive(&app)
        #expect(app.sim.now == check.stepEnds[1])
        #expect(app.lesson?.phase == .done)
        app.press(.character(" "))
        #expect(app.lesson?.phase == .asking)
        app.advance(byWallMicros: 1_000_000)
        #expect(app.sim.now == check.stepEnds[1], "a question holds the world until it is answered")
        app.press(.character("2"))
        Self.drive(&app)
        #expect(app.sim.now == check.stepEnds[2])
        #expect(app.lesson?.predictionHeld == true)
        #expect(Self.panel(app).contains("✓ You chose 2. Your prediction held."))
        app.press(.enter)
        Self.drive(&app)
        #expect(app.sim.now == check.stepEnds[3])
        app.press(.enter)
        app.press(.character("S"))
        Self.drive(&app)
        #expect(app.sim.now == check.stepEnds[4])
        app.press(.enter)
        #expect(app.lesson?.results[4] == .shown, "a result is recorded on going on")
        app.press(.enter)
        let progress = try #require(app.lessonProgress)
        #expect(progress.completed && progress.stepsDone == 6)
        #expect(progress.predictions == 1 && progress.predictionsHeld == 1 && progress.tasksShown == 1 && progress.tasksSolved == 0)
        #expect(Self.panel(app).contains("lesson: Sample · complete"))
    }

    @Test func aWrongPredictionIsSaidSoWithWhatHappened() throws {
        var app = App(lesson: try Self.lesson())
        app.press(.enter)
        Self.drive(&app)
        app.press(.enter)
        app.press(.character("7"))
        #expect(app.lesson?.phase == .asking && app.status == "Answer with a number from 1 to 2.")
        app.press(.character("1"))
        Self.drive(&app)
        #expect(app.lesson?.predictionHeld == false)
        #expect(Self.panel(app).contains("✗ You chose 1. It did not hold: what happened was 2."))
        app.press(.enter)
        Self.drive(&app)
        app.press(.enter)
        app.press(.enter)
        #expect(app.lessonProgress?.predictions == 1 && app.lessonProgress?.predictionsHeld == 0)
    }

    /// The task done with the fault keys counts as solved; its hint shows after a while
    /// even while paused; back replays the world to the step's start, without the keys.
    @Test func aTaskSolvedWithTheKeysAndBackReplaysFromTheSeed() throws {
        var app = App(lesson: try Self.lesson())
        for key in [Key.enter, .enter, .character("2"), .enter] {
            app.press(key)
            Self.drive(&app)
        }
        app.press(.enter)
        #expect(app.lesson?.step.kind == .task && app.lesson?.phase == .running)
        let atStart = app.sessionSummary().json()
        let startedAt = app.sim.now
        app.press(.character(" "))  // pause: the world holds, the hint clock runs
        #expect(app.paused == true)
        app.advance(byWallMicros: 1_000_000)
        #expect(app.sim.now == startedAt)
        #expect(app.lesson?.hintShown == false)
        for _ in 0..<20 { app.advance(byWallMicros: 1_000_000) }
        #expect(app.lesson?.hintShown == true)
        #expect(Self.panel(app).contains("Hint: Tab, then a."))
        app.press(.character(" "))
        // c1 is the third node (p1, broker, c1): drop its acks.
        app.press(.tab)
        app.press(.tab)
        app.press(.character("a"))
        Self.drive(&app)
        #expect(app.lesson?.phase == .done && app.sim.now > startedAt)
        #expect(Self.panel(app).contains("✓ You did it."))
        #expect(app.lessonProgress?.tasksSolved == 1 && app.lessonProgress?.stepsDone == 5, "quitting here keeps the solved task")
        app.press(.backspace)
        #expect(app.sim.now == startedAt)
        #expect(app.lesson?.index == 4 && app.lesson?.phase == .running)
        #expect(app.sessionSummary().json() == atStart, "the replay from the seed reaches the same world")
        #expect(app.sim.lanes.allSatisfy { !$0.state(of: .consumer(0)).oneWay }, "the key pressed in the step is not replayed")
        // Back again at the start: the step before, replayed too.
        app.press(.backspace)
        #expect(app.lesson?.index == 3 && app.lesson?.step.title == "Heal")
        #expect(app.lesson?.results[3] == nil && app.lesson?.results[2] == .predicted(held: true))
    }

    @Test func lessonKeysAreInTheHelpAndTheFooter() throws {
        var app = App(lesson: try Self.lesson())
        #expect(Self.panel(app).contains("Enter go on"))
        app.press(.character("?"))
        let help = Self.panel(app)
        #expect(help.contains("lesson: answer a prediction") && help.contains("lesson: go on, when the step waits for it"))
        app.press(.character("x"))
        app.press(.character("R"))
        #expect(app.settings.seed == 3 && app.status.hasPrefix("A lesson keeps its seed"))
    }

    @Test func thePanelAt120x40And80x24() throws {
        var app = App(lesson: try Self.lesson())
        app.press(.enter)
        Self.drive(&app)
        app.press(.enter)
        assertSnapshot(Self.panel(app), named: "lesson-predict-120x40")
        assertSnapshot(Self.panel(app, width: 80, height: 24), named: "lesson-predict-80x24")
    }
}

/// The sample lesson both test targets use (Tests/ExperimentsTests/Fixtures).
let sampleLesson: String = {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("ExperimentsTests/Fixtures/sample-lesson.toml")
    return (try? String(contentsOf: url, encoding: .utf8)) ?? ""
}()

/// What a review found: frames that end between grid points, Backspace twice, `.`,
/// completion kept after going back.
@Suite struct LessonAppEdgeTests {
    /// Frames of 1.37 ms at 1x end between grid points: the steps still end where the check's do.
    @Test func oddFramesStopOnTheGrid() throws {
        let lesson = try LessonAppTests.lesson()
        let check = LessonCheck.run(lesson)
        var app = App(lesson: lesson)
        app.press(.enter)
        for _ in 0..<100_000 where app.lesson?.phase == .running { app.advance(byWallMicros: 1_370) }
        #expect(app.sim.now == check.stepEnds[1])
        app.press(.enter)
        app.press(.character("2"))
        for _ in 0..<100_000 where app.lesson?.phase == .running { app.advance(byWallMicros: 1_370) }
        #expect(app.sim.now == check.stepEnds[2])
    }

    @Test func backspaceTwiceGoesToTheStepBeforeAndDotIsRefused() throws {
        var app = App(lesson: try LessonAppTests.lesson())
        for key in [Key.enter, .enter, .character("2"), .enter] {
            app.press(key)
            LessonAppTests.drive(&app)
        }
        #expect(app.lesson?.step.title == "Heal" && app.lesson?.phase == .done)
        app.press(.enter)
        let now = app.sim.now
        app.press(.character("."))
        #expect(app.status.hasPrefix("In a lesson the world runs only as its steps say") && app.sim.now == now)
        app.advance(byWallMicros: 100_000)
        #expect(app.lesson?.step.title == "Do it")
        app.press(.backspace)
        #expect(app.lesson?.step.title == "Do it", "first: this step's start")
        app.advance(byWallMicros: 100_000)
        app.press(.backspace)
        #expect(app.lesson?.step.title == "Heal", "at once again: the step before")
        app.press(.character("u"))
        #expect(app.lesson?.step.title == "Guess")
        #expect(app.lesson?.phase == .asking)
    }

    @Test func finishingThenGoingBackKeepsTheLessonDone() throws {
        var app = App(lesson: try LessonAppTests.lesson())
        for key in [Key.enter, .enter, .character("2"), .enter, .enter, .character("S"), .enter, .enter] {
            app.press(key)
            LessonAppTests.drive(&app)
        }
        #expect(app.lesson?.phase == .finished)
        app.press(.backspace)
        app.press(.backspace)
        #expect(app.lesson?.phase != .finished)
        let p = try #require(app.lessonProgress)
        #expect(p.completed && p.stepsDone == 6)
    }
}

extension LessonAppEdgeTests {
    /// The sample's task goal happens by itself after a few minutes (a processing time
    /// beyond the ack timeout): that is not the learner's doing, and does not count.
    @Test func aTaskIsNotSolvedByTheWorldAlone() throws {
        var app = App(lesson: try LessonAppTests.lesson())
        for key in [Key.enter, .enter, .character("2"), .enter] {
            app.press(key)
            LessonAppTests.drive(&app)
        }
        app.press(.enter)
        app.setSpeed(100)
        for _ in 0..<40 { app.advance(byWallMicros: 100_000) }  // 400 s virtual
        #expect(app.lesson?.phase == .running && app.lesson?.acted == false)
        #expect(app.lesson.map { $0.progress(lanes: app.sim.lanes).allSatisfy(\.holds) } == true, "the goal held by itself")
        #expect(LessonAppTests.panel(app).contains("That happened by itself: it counts once you cause it with a fault key."))
        app.press(.tab)
        app.press(.tab)
        app.press(.character("a"))
        #expect(app.lesson?.acted == true)
        app.setSpeed(1)
        app.advance(byWallMicros: 100_000)
        #expect(app.lesson?.phase == .running, "what happened before the key does not count")
        #expect(LessonAppTests.panel(app).contains("dup effects: 0 since your first key (goal >= 1)"))
        LessonAppTests.drive(&app)
        #expect(app.lesson?.phase == .done)
    }
}

extension LessonAppEdgeTests {
    /// A step can open the message story on the message it is about, and set the view.
    @Test func aStepOpensTheStoryOfItsMessage() throws {
        let text = sampleLesson.replacingOccurrences(of: "text = \"Words to read aloud.\"", with: "text = \"Words to read aloud.\"\nview = \"topology\"")
            .replacingOccurrences(of: "after = \"Five deliveries.\"", with: "after = \"Five deliveries.\"\nstory = \"p1-2\"")
        var app = App(lesson: try LessonAppTests.lesson(text))
        #expect(app.flowView == false, "the step's view wins over the lesson's")
        app.press(.enter)
        #expect(app.story == nil)
        LessonAppTests.drive(&app)
        #expect(app.story?.message == MessageID(producer: 0, seq: 2))
        #expect(LessonAppTests.panel(app).contains("p1-2"))
    }
}
