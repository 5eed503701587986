import DeliverySim
import Experiments

/// Where a lesson step began: its virtual time and how many actions had been applied.
struct LessonStart: Equatable, Sendable {
    var atMicros: Micros
    var applied: Int
}

/// A lesson in the dashboard: keys, time and the steps.
///
/// Narrate, recap and an unanswered prediction hold the world still; a demo, a prediction
/// once answered and a task let it run, at the speed set, in the lesson's 1 ms grid (so it
/// stops at the instant `lessons --check` stops). Back replays from the seed: a new world,
/// every action applied before the step's start at its virtual time, then the time itself.
extension App {
    public init(lesson: Lesson, unicode: Bool = true, themeNames: [String] = ["default"], themeIndex: Int = 0) {
        self.init(settings: lesson.settings, unicode: unicode, themeNames: themeNames, themeIndex: themeIndex,
                  view: lesson.view ?? .topology)
        if let s = lesson.speed { setSpeed(s) }
        self.lesson = LessonSession(lesson: lesson)
        lessonFed = Array(repeating: 0, count: sim.lanes.count)
        beginStep(0)
    }

    /// The learner's progress in this session, for the progress file.
    public var lessonProgress: LessonProgress? { lesson?.summary }

    /// The lesson's keys; false for a key it leaves to the dashboard.
    mutating func lessonKey(_ key: Key) -> Bool {
        guard let session = lesson else { return false }
        let backAgain = lessonBackAgain
        lessonBackAgain = false
        switch key {
        case .enter where session.canContinue, .character(" ") where session.canContinue:
            goOn()
        case .enter, .character(" ") where session.phase == .finished:
            status = waitingWords(session)
        case .character("."):
            // Stepping one event would run the world outside the step's grid and actions.
            status = "In a lesson the world runs only as its steps say; . steps one event in the dashboard without a lesson."
        case .character(let ch) where session.phase == .asking && ch.isWholeNumber:
            let n = ch.wholeNumberValue ?? 0
            guard n >= 1 && n <= session.step.choices.count else {
                status = "Answer with a number from 1 to \(session.step.choices.count)."
                return true
            }
            lesson!.answer(n - 1, lanes: sim.lanes, now: sim.now)
            paused = false
            status = "You chose \(n). The world runs on for \(Format.duration(session.step.runMicros ?? 0))."
        case .backspace, .character("u"):
            back(further: backAgain)
            lessonBackAgain = true
        case .character("H"):
            status = lesson!.showHint() ? "Hint shown in the lesson panel." : "This step has no hint."
        case .character("S"):
            if lesson!.showMe(now: sim.now) {
                paused = false
                status = "Showing one way to do it. It will not count as solved: Backspace tries again."
            } else if session.step.kind != .task {
                status = "Show me is for task steps."
            } else {
                status = session.phase == .running ? "Already showing." : "This task is over: Enter goes on, Backspace tries it again."
            }
        case .character("r"):
            replay(to: 0)
            flowView = session.lesson.view == .flow
            story = nil
            status = "The lesson starts again from step 1, with the same seed."
        case .character("R"):
            status = "A lesson keeps its seed, so that what it says is what happens. r starts it again."
        default:
            return false
        }
        return true
    }

    private func waitingWords(_ session: LessonSession) -> String {
        switch session.phase {
        case .asking: "First answer: press 1 to \(session.step.choices.count)."
        case .running where session.step.kind == .task:
            "Do it with the fault keys, or press S to be shown (H: a hint; Backspace starts the step again)."
        case .running: "Watch: when it has happened, the world stops and Enter goes on."
        case .finished: "That was the last step. q quits; `ackscope lessons` lists the others."
        default: ""
        }
    }

    /// Space or Enter on a step that waits for it.
    private mutating func goOn() {
        sim.completeInstant()
        guard lesson!.next(lanes: sim.lanes, now: sim.now) else {
            status = "Lesson complete. q quits; `ackscope lessons` lists the others."
            return
        }
        lessonStarts.append(LessonStart(atMicros: sim.now, applied: sim.applied.count))
        enterStep()
    }

    /// Starts step `i` of the lesson here and now.
    private mutating func beginStep(_ i: Int) {
        sim.completeInstant()
        lessonStarts.removeSubrange(min(i, lessonStarts.count)...)
        lessonStarts.append(LessonStart(atMicros: sim.now, applied: sim.applied.count))
        lesson!.begin(i, lanes: sim.lanes, now: sim.now)
        enterStep()
    }

    /// What a step changes on entering: its view, speed and story, and the world's clock.
    private mutating func enterStep() {
        guard let session = lesson else { return }
        let step = session.step
        if let v = step.view {
            flowView = v == .flow
            story = nil
        }
        if let s = step.speed { setSpeed(s) }
        carryMicros = 0
        paused = false
        if !step.runs, let id = step.story { story = StoryFocus(message: id, lane: nil) }
        applyLessonDue()
        status = "Step \(session.index + 1) of \(session.lesson.steps.count): " + step.title + "."
    }

    /// Backspace: to the start of this step; again at once (`further`), or on a step that
    /// has not moved, to the start of the one before.
    private mutating func back(further: Bool) {
        guard let session = lesson, !lessonStarts.isEmpty else { return }
        let current = min(session.index, lessonStarts.count - 1)
        let start = lessonStarts[current]
        let moved = sim.now > start.atMicros || sim.applied.count > start.applied || session.phase == .done || session.phase == .finished
            || session.chosen != nil
        let target = (moved && !further) || current == 0 ? current : current - 1
        replay(to: target)
        status = "Back to the start of step \(target + 1), replayed from the seed: " + (lesson?.step.title ?? "") + "."
    }

    /// A new world from the seed, the actions before step `i` began at their times, then
    /// step `i` from its start.
    mutating func replay(to i: Int) {
        guard i < lessonStarts.count else { return }
        let start = lessonStarts[i]
        let actions = sim.applied.prefix(start.applied).filter { $0.origin == .key || $0.origin == .lesson }
        let keepView = flowView
        restart(seed: settings.seed)
        flowView = keepView
        for a in actions {
            advanceVirtual(by: a.timed.atMicros - sim.now)
            sim.apply(a.timed.action, origin: a.origin)
            collect()
        }
        advanceVirtual(by: start.atMicros - sim.now)
        beginStep(i)
    }

    private mutating func applyLessonDue() {
        guard lesson != nil else { return }
        let due = lesson!.takeDue(now: sim.now)
        guard !due.isEmpty else { return }
        for a in due { sim.apply(a, origin: .lesson) }
        feedLesson()
    }

    /// The lesson's time: only while a step runs (and not paused), in the lesson's grid.
    ///
    /// Each grid point costs one timeline advance and a predicate check; the log, the book
    /// and the flow view's memory take the frame's events once at the end (`collect`), and
    /// the lesson reads the events as they are recorded (`feedLesson`).
    mutating func advanceLesson(byWallMicros wall: Micros, overBudget: (() -> Bool)?) {
        guard wall > 0 else { return }
        lesson!.wallPassed(wall)
        guard !paused, lesson!.phase == .running else { return }
        let target = sim.now + virtualMicros(forWall: wall)
        var slices = 0
        defer { collect() }
        while lesson!.phase == .running && sim.now < target {
            advanceSampling(to: min(target, lesson!.nextStop(after: sim.now, nextChange: sim.nextChangeMicros)))
            feedLesson()
            applyLessonDue()
            if lesson!.settle(lanes: sim.lanes, now: sim.now) {
                stepWorldEnded()
                return
            }
            slices += 1
            if slices % 16 == 0, let overBudget, overBudget() {
                fallingBehind = true
                status = "The lesson cannot keep up at \(Self.speedText(speed)): it runs slower than that (press - to lower the speed)."
                return
            }
        }
        fallingBehind = false
    }

    /// Hands the lesson the events recorded since it last looked (before `collect` takes them).
    mutating func feedLesson() {
        guard lesson != nil else { return }
        for i in sim.lanes.indices where i < lessonFed.count && lessonFed[i] < sim.lanes[i].recorded.count {
            for e in sim.lanes[i].recorded[lessonFed[i]...] { lesson!.observe(lane: i, e) }
            lessonFed[i] = sim.lanes[i].recorded.count
        }
    }

    /// A step's world part is over: the world holds still and the panel says what happened.
    private mutating func stepWorldEnded() {
        guard let session = lesson else { return }
        carryMicros = 0
        if let id = session.step.story { story = StoryFocus(message: id, lane: nil) }
        switch session.phase {
        case .timedOut:
            status = "This did not happen in time (the keys pressed changed the world). Backspace replays the step; Enter goes on."
        case .done where session.step.kind == .predict:
            status = session.predictionHeld == true ? "Your prediction held. Enter: continue." : "Your prediction did not hold. Enter: continue."
        case .done where session.step.kind == .task:
            status = session.shown ? "Shown, not solved: Backspace to try it yourself, Enter to go on." : "Solved. Enter: continue."
        default:
            status = "Done. Enter: continue."
        }
    }
}
