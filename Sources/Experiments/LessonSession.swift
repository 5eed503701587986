import DeliverySim

/// Where a learner stands in a lesson: which step, what it waits for, what it has seen.
///
/// Pure and clockless, like the app: the dashboard and `lessons --check` both drive it the
/// same way. Each runs its world to `nextStop`, hands it the events (`observe`) and the
/// actions that came due (`takeDue`), then asks it to `settle`. Predicates are checked at
/// a fixed grid of `sliceMicros` from the moment a step's world part starts, so a step
/// pauses at the same virtual instant in the dashboard, at any speed, and headless.
public struct LessonSession: Sendable {
    public let lesson: Lesson
    public private(set) var index = 0
    public private(set) var phase: Phase = .reading
    /// When the step's world part began (a prediction's: when it was answered).
    public private(set) var runStart: Micros = 0
    /// A prediction's answer (0-based) and, once the world has run, the choices whose
    /// outcome held.
    public private(set) var chosen: Int?
    public private(set) var happened: [Int] = []
    public private(set) var hintShown = false
    /// "Show me" played the task's solution: done, but not solved.
    public private(set) var shown = false
    /// A fault or repair was applied in this step (a key, or "show me"). A task counts only
    /// what happens from then on: it is done by what the learner did, never by the world
    /// alone before it.
    public private(set) var acted = false
    private var rebasePending = false
    /// Wall time spent in the current step (for the task's hint).
    public private(set) var wallInStepMicros: Micros = 0
    /// Each step's result once it was completed, for the step list and the saved progress.
    public private(set) var results: [StepResult?]
    /// Set once the last step was passed: going back afterwards does not undo it.
    public private(set) var completedOnce = false
    /// The most steps completed at any point of the session.
    public private(set) var mostStepsDone = 0
    public private(set) var watch: StepWatch
    /// Actions due, at absolute virtual times, in order.
    private var pending: [TimedAction] = []

    /// Predicates are checked this often (virtual), from the start of a step's world part.
    public static let sliceMicros: Micros = 1_000

    public enum Phase: Equatable, Sendable {
        /// Narrate and recap: the world holds still until the learner goes on.
        case reading
        /// A prediction waits for its answer; the world holds still.
        case asking
        /// The world runs: a demo until its predicate, a prediction for its time, a task
        /// until the learner causes it.
        case running
        /// The step's world part is over; the panel says what happened.
        case done
        /// A demo whose predicate did not hold within its time (the learner's keys changed
        /// the world): back replays the step.
        case timedOut
        /// After the last step.
        case finished
    }

    public enum StepResult: Equatable, Sendable {
        case read, watched, solved, shown
        case predicted(held: Bool)
    }

    public init(lesson: Lesson) {
        self.lesson = lesson
        results = Array(repeating: nil, count: lesson.steps.count)
        watch = StepWatch(lanes: [], predicates: [])
    }

    public var step: LessonStep { lesson.steps[min(index, lesson.steps.count - 1)] }

    /// The event kinds the lanes must record for every predicate of the lesson.
    public var eventFilter: EventFilter { StepWatch.filter(lesson.steps.flatMap(\.predicates)).union(EventFilter([.fault])) }

    /// Starts step `i` at virtual time `now`.
    public mutating func begin(_ i: Int, lanes: [Lane], now: Micros) {
        index = i
        chosen = nil
        happened = []
        hintShown = false
        shown = false
        acted = false
        rebasePending = false
        wallInStepMicros = 0
        pending = []
        for k in i..<results.count { results[k] = nil }
        switch step.kind {
        case .narrate, .recap:
            phase = .reading
        case .predict:
            phase = .asking
        case .demo, .task:
            startRunning(lanes: lanes, now: now)
        }
    }

    private mutating func startRunning(lanes: [Lane], now: Micros) {
        phase = .running
        runStart = now
        watch = StepWatch(lanes: lanes, predicates: step.predicates)
        pending = step.actions.map { TimedAction(at: now + $0.atMicros, $0.action) }
    }

    /// Whether the learner may go on now (Space/Enter).
    public var canContinue: Bool { phase == .reading || phase == .done || phase == .timedOut }

    /// Goes on to the next step; false after the last (the lesson is then finished).
    public mutating func next(lanes: [Lane], now: Micros) -> Bool {
        guard canContinue else { return false }
        // A demo that timed out was passed over, not watched.
        results[index] = phase == .timedOut ? nil : result
        mostStepsDone = max(mostStepsDone, results.count(where: { $0 != nil }))
        guard index + 1 < lesson.steps.count else {
            phase = .finished
            completedOnce = true
            return false
        }
        begin(index + 1, lanes: lanes, now: now)
        return true
    }

    private var result: StepResult {
        switch step.kind {
        case .narrate, .recap: .read
        case .demo: .watched
        case .predict: .predicted(held: chosen.map(happened.contains) ?? false)
        case .task: shown ? .shown : .solved
        }
    }

    /// A prediction's answer; the world then runs on for the step's time.
    public mutating func answer(_ choice: Int, lanes: [Lane], now: Micros) {
        guard phase == .asking, step.choices.indices.contains(choice) else { return }
        chosen = choice
        startRunning(lanes: lanes, now: now)
    }

    /// Whether the prediction held (once the world has run).
    public var predictionHeld: Bool? {
        guard step.kind == .predict, phase == .done, let chosen else { return nil }
        return happened.contains(chosen)
    }

    /// "Show me": plays the task's solution from now; the task then counts as shown.
    public mutating func showMe(now: Micros) -> Bool {
        guard step.kind == .task, phase == .running, !shown else { return false }
        shown = true
        hintShown = true
        pending += step.solution.map { TimedAction(at: now + $0.atMicros, $0.action) }
        pending = stableSortedByTime(pending)
        return true
    }

    public mutating func showHint() -> Bool {
        guard step.kind == .task, step.hint != nil else { return false }
        hintShown = true
        return true
    }

    /// Wall time passing (the task's hint shows by itself after a while).
    public mutating func wallPassed(_ micros: Micros) {
        wallInStepMicros += micros
        if phase == .running, step.kind == .task, wallInStepMicros >= step.hintAfterMicros { hintShown = true }
    }

    /// The next instant the world must stop at: an action due, or the next grid point
    /// where something may have changed.
    ///
    /// `nextChange` is when the world next changes (`Timeline.nextChangeMicros`): nothing a
    /// predicate reads moves before it, so the grid points before it are skipped (at 1000x
    /// the grid is a million points a second), except a step's own time limit, and the
    /// point right after a task's first key, where its counting restarts. The instants a
    /// step stops at are those of checking every grid point.
    public func nextStop(after now: Micros, nextChange: Micros?) -> Micros {
        let slice = Self.sliceMicros
        func gridAtOrAfter(_ t: Micros) -> Micros { runStart + (max(0, t - runStart) + slice - 1) / slice * slice }
        var stop = runStart + (max(now, runStart) - runStart) / slice * slice + slice
        if let next = nextChange, next > stop, !rebasePending {
            stop = gridAtOrAfter(next)
            if let limit = timeLimit, limit > now { stop = min(stop, gridAtOrAfter(limit)) }
        }
        return min(stop, pending.first?.atMicros ?? stop)
    }

    /// When the running step ends by time alone: a run's end, or a demo's `within`.
    private var timeLimit: Micros? {
        switch step.kind {
        case .demo: runStart + (step.until == nil ? step.runMicros ?? 0 : step.withinMicros)
        case .predict: runStart + (step.runMicros ?? 0)
        default: nil
        }
    }

    /// The actions due at or before `now`, removed from the queue.
    public mutating func takeDue(now: Micros) -> [Action] {
        var due: [Action] = []
        while let first = pending.first, first.atMicros <= now {
            due.append(first.action)
            pending.removeFirst()
        }
        return due
    }

    public mutating func observe(lane: Int, _ e: SimEvent) {
        guard phase == .running else { return }
        if e.kind == .fault && !acted && step.kind == .task {
            acted = true
            rebasePending = true
            watch.zeroCounts()
        }
        watch.note(lane: lane, e)
    }

    /// Checks the step's predicate at `now` (a grid point or an action's instant); true when
    /// the step's world part ended here. A step is never done before its actions are applied.
    @discardableResult
    public mutating func settle(lanes: [Lane], now: Micros) -> Bool {
        // Only on the grid: a frame that ends between grid points must not end a step there.
        guard phase == .running, now >= runStart, (now - runStart) % Self.sliceMicros == 0 else { return false }
        if rebasePending {
            // A task's totals count from the grid point after the first fault.
            watch.rebase(lanes: lanes)
            rebasePending = false
        }
        guard pending.isEmpty else { return false }
        let ran = now - runStart
        switch step.kind {
        case .demo:
            if let until = step.until {
                if until.holds(watch, lanes: lanes) { phase = .done }
                else if ran >= step.withinMicros { phase = .timedOut }
            } else if ran >= step.runMicros ?? 0 {
                phase = .done
            }
        case .predict:
            guard ran >= step.runMicros ?? 0 else { return false }
            happened = step.outcomes.indices.filter { step.outcomes[$0].holds(watch, lanes: lanes) }
            phase = .done
        case .task:
            if acted, step.until?.holds(watch, lanes: lanes) == true { phase = .done }
        case .narrate, .recap:
            return false
        }
        return phase != .running
    }

    /// The terms of the running step's predicate with the values the step has seen:
    /// "at-least-once duplicate_effects 0 (wanted >= 1)".
    public func progress(lanes: [Lane]) -> [(term: LessonPredicate.Term, value: Int, holds: Bool)] {
        guard let until = step.until, !watch.baseline.isEmpty else { return [] }
        return until.terms.map { t in
            let v = watch.value(t, lanes: lanes)
            return (t, v, t.op.holds(v, t.value))
        }
    }

    /// The step results as progress: how far, and how predictions and tasks went.
    public var summary: LessonProgress {
        var p = LessonProgress(steps: lesson.steps.count)
        // A step whose world part is over counts, though Enter was not pressed yet.
        var results = self.results
        if phase == .done { results[index] = result }
        p.stepsDone = max(mostStepsDone, results.count(where: { $0 != nil }))
        p.completed = completedOnce
        for r in results {
            switch r {
            case .predicted(let held)?:
                p.predictions += 1
                if held { p.predictionsHeld += 1 }
            case .solved?: p.tasksSolved += 1
            case .shown?: p.tasksShown += 1
            default: break
            }
        }
        return p
    }
}

/// A learner's progress in one lesson, as `ackscope lessons` shows it and the state file keeps it.
public struct LessonProgress: Equatable, Sendable {
    public var steps: Int
    public var stepsDone = 0
    public var completed = false
    public var predictions = 0
    public var predictionsHeld = 0
    public var tasksSolved = 0
    public var tasksShown = 0

    public init(steps: Int) { self.steps = steps }

    /// The better of two sessions' progress (a second, shorter try loses nothing).
    public func merged(with other: LessonProgress) -> LessonProgress {
        if other.completed != completed { return other.completed ? other : self }
        return other.stepsDone > stepsDone ? other : self
    }
}

// MARK: - Checking a lesson headless

/// `ackscope lessons --check`: every step played with its stated answer and scripted
/// solution; what fails is named with the step and its line.
public enum LessonCheck {
    public struct Report: Sendable {
        public var problems: [String] = []
        /// Virtual time at the end, and how each step ended (its virtual time).
        public var endedAtMicros: Micros = 0
        public var stepEnds: [Micros] = []
    }

    /// `skipping: false` checks every grid point (tests compare it with the skipping run).
    public static func run(_ lesson: Lesson, skipping: Bool = true) -> Report {
        var report = Report()
        var session = LessonSession(lesson: lesson)
        var sim = Timeline(settings: lesson.settings, recording: session.eventFilter)
        func place(_ i: Int) -> String {
            "step \(i + 1) (\(lesson.steps[i].kind.rawValue), line \(lesson.steps[i].line))"
        }
        for i in lesson.steps.indices {
            let step = lesson.steps[i]
            session.begin(i, lanes: sim.lanes, now: sim.now)
            if step.kind == .predict { session.answer(step.answer, lanes: sim.lanes, now: sim.now) }
            if step.kind == .task, let problem = solvesItself(session, sim, step: step, skipping: skipping) {
                report.problems.append("\(place(i)): \(problem)")
            }
            if step.kind == .task { _ = session.showMe(now: sim.now) }
            let limit = sim.now + max(step.withinMicros, step.runMicros ?? 0) + LessonSession.sliceMicros
            while session.phase == .running && sim.now <= limit {
                advance(&session, &sim, skipping: skipping)
                session.settle(lanes: sim.lanes, now: sim.now)
            }
            switch session.phase {
            case .running, .timedOut:
                let what = step.until.map { "'\($0)'" } ?? "its run"
                let seen = session.progress(lanes: sim.lanes).map { "\($0.term.mode.rawValue) \($0.term.subjectName) was \($0.value)" }
                report.problems.append("\(place(i)): \(what) never held within \(Format.duration(step.withinMicros))"
                                       + (step.kind == .task ? " of playing its solution" : "")
                                       + (seen.isEmpty ? "" : " (" + seen.joined(separator: ", ") + ")"))
                report.endedAtMicros = sim.now
                return report
            case .done where step.kind == .predict:
                if session.happened != [step.answer] {
                    let what = session.happened.isEmpty ? "no choice's outcome held"
                        : "what held: " + session.happened.map { "choice \($0 + 1) ('\(step.outcomes[$0])')" }.joined(separator: ", ")
                    report.problems.append("\(place(i)): the stated answer is choice \(step.answer + 1), but \(what)")
                }
            default:
                break
            }
            if let id = step.story, !sim.lanes.allSatisfy({ $0.hasPublished(id) }) {
                report.problems.append("\(place(i)): story = \"\(id)\", a message not yet published at \(Format.seconds(sim.now))")
            }
            report.stepEnds.append(sim.now)
            _ = session.next(lanes: sim.lanes, now: sim.now)
        }
        report.endedAtMicros = sim.now
        return report
    }

    /// To the session's next stop: the lanes run, the session sees their events, and the
    /// actions due are applied (the dashboard does the same in `App.advanceLesson`).
    static func advance(_ session: inout LessonSession, _ sim: inout Timeline, skipping: Bool) {
        sim.advance(to: session.nextStop(after: sim.now, nextChange: skipping ? sim.nextChangeMicros : nil))
        for e in sim.takeEvents() { session.observe(lane: e.lane, e.event) }
        for a in session.takeDue(now: sim.now) {
            sim.apply(a, origin: .lesson)
            for e in sim.takeEvents() { session.observe(lane: e.lane, e.event) }
        }
    }

    /// A task whose goal holds with no key pressed teaches nothing: played from the same
    /// world without its solution for `within`, it must not be done.
    static func solvesItself(_ session: LessonSession, _ sim: Timeline, step: LessonStep, skipping: Bool) -> String? {
        guard let until = step.until else { return nil }
        var session = session, sim = sim
        let limit = sim.now + step.withinMicros
        while sim.now < limit {
            advance(&session, &sim, skipping: skipping)
            if until.holds(session.watch, lanes: sim.lanes) {
                return "the task's goal '\(until)' held with no key pressed, after \(Format.duration(sim.now - session.runStart))"
            }
        }
        return nil
    }

}

extension Timeline {
    /// When the world next changes by itself: the earliest event of any lane, or a
    /// scheduled action; nil when nothing is left to happen.
    public var nextChangeMicros: Micros? {
        let events = lanes.lazy.compactMap(\.nextEventMicros).min()
        guard let scheduled = nextScheduled?.at else { return events }
        return min(events ?? scheduled, scheduled)
    }
}
