import DeliverySim
import Experiments

/// Drawing the lesson panel: the step list, the step's words, and what it waits for.
extension App {
    /// Per entry of `Counters.fields`, its name as the lanes panel writes it (so a goal
    /// names what the learner can find), else as the summary table does.
    static let counterLabels: [String] = Counters.fields.map { field in
        let label = laneRows.first { $0.1 == field.path }?.0 ?? Summary.labels[field.name] ?? field.name
        return String(label.drop { $0 == " " })
    }

    /// A predicate term as the panel says it: "at-least-once dup effects".
    static func termWords(_ t: LessonPredicate.Term) -> String {
        let what: String
        switch t.subject {
        case .counter(let i): what = counterLabels[i]
        case .staleKeys: what = "stale keys"
        case .events(let kind, let detail):
            let k = (LessonPredicate.eventKindNames.first { $0.1 == kind }?.0 ?? "").replacing("_", with: " ")
            switch detail {
            case .hop(let h)?: what = ["publish": "publishes", "confirm": "confirms", "deliver": "deliveries", "ack": "acks", "credit": "credits"][h.name, default: h.name] + " " + k
            case .cause(let c)?: what = k + " (" + c.name.replacing("_", with: " ") + ")"
            case nil: what = k + " events"
            }
        }
        return t.mode.rawValue + " " + what
    }

    /// Rows the lesson panel takes out of `available` (the log keeps the rest): enough for
    /// the step list and for the longest step's words with its choices and results, the same
    /// for every step so the screen does not jump; all of it on a small terminal.
    func lessonPanelRows(_ session: LessonSession, available: Int, width: Int) -> Int {
        guard available >= 14 else { return available }
        let textWidth = width - 2 - lessonListWidth(width: width, rows: available)
        var content = session.lesson.steps.count
        for step in session.lesson.steps {
            var lines = Format.wrap(step.text, width: textWidth).count + 1
            lines += step.choices.reduce(0) { $0 + Format.wrap("1) " + $1, width: textWidth, indent: 2).count } + 1
            lines += (step.until?.terms.count ?? 0) + 1 + (step.after.map { Format.wrap($0, width: textWidth).count } ?? 0)
            if let hint = step.hint { lines += Format.wrap("Hint: " + hint, width: textWidth, indent: 2).count }
            content = max(content, lines)
        }
        return max(6, min(content + 2, available - 4))
    }

    /// The fewest rows the lesson panel takes, covering the panels' bottom if it must.
    static let lessonMinRows = 7

    /// The step list's width, or 0 when the words need the whole width.
    func lessonListWidth(width: Int, rows: Int) -> Int {
        guard width >= 100 && rows >= 4, let lesson else { return 0 }
        let longest = lesson.lesson.steps.map(\.title.count).max() ?? 0
        return min(longest + 7, 38, width / 3)
    }

    func drawLessonPanel(_ buf: inout ScreenBuffer, _ session: LessonSession, x: Int, y: Int, width: Int, height: Int) {
        guard height >= 2 else { return }
        let lesson = session.lesson
        buf.fill(x: x, y: y, width: width, height: 1, scalar: glyphs.horizontal, role: .border)
        let where_ = session.phase == .finished ? "complete" : "step \(session.index + 1) of \(lesson.steps.count)"
        buf.put(" lesson: " + lesson.title + " · " + where_ + " ", x: x + 2, y: y, role: .title, maxWidth: width - 4)
        let rows = height - 1
        // The step list on the left when there is room for it and for the words.
        let listWidth = lessonListWidth(width: width, rows: rows)
        if listWidth > 0 {
            for (k, step) in lesson.steps.enumerated().prefix(rows) {
                let mark: String, role: StyleRole
                if k == session.index && session.phase != .finished {
                    (mark, role) = (unicode ? "▸" : ">", .warning)
                } else if let r = session.results[k] {
                    switch r {
                    case .predicted(held: false): (mark, role) = (unicode ? "✗" : "x", .dim)
                    case .shown: (mark, role) = (unicode ? "○" : "o", .dim)
                    default: (mark, role) = (unicode ? "✓" : "+", .ok)
                    }
                } else {
                    (mark, role) = (" ", .dim)
                }
                buf.put(mark + " " + String(k + 1) + " " + step.title, x: x + 1, y: y + 1 + k, role: role, maxWidth: listWidth - 2)
            }
        }
        let textX = x + 1 + listWidth
        let textWidth = width - 2 - listWidth
        var bottom = lessonStateLines(session, width: textWidth)
        let keys = lessonKeysLine(session)
        // The words first; what the step waits for and the keys stay in view.
        let textRoom = max(1, rows - bottom.count - 1)
        var text = session.phase == .finished
            ? Format.wrap("Lesson complete. q quits; `ackscope lessons` lists the others.", width: textWidth)
            : Format.wrap(session.step.text, width: textWidth)
        if text.count > textRoom {
            text = Array(text.prefix(textRoom))
            text[textRoom - 1] = Self.ellipsized(text[textRoom - 1], width: textWidth - 14, glyph: unicode ? "…" : "...") + " (i: read all)"
        }
        if bottom.count > rows - text.count - 1 { bottom = Array(bottom.prefix(max(0, rows - text.count - 1))) }
        var row = y + 1
        for line in text {
            buf.put(line, x: textX, y: row, role: .text, maxWidth: textWidth)
            row += 1
        }
        if !bottom.isEmpty && row < y + height - 1 - bottom.count { row += 1 }
        for (line, role) in bottom where row < y + height - 1 {
            buf.put(line, x: textX, y: row, role: role, maxWidth: textWidth)
            row += 1
        }
        buf.put(keys, x: textX, y: y + height - 1, role: .dim, maxWidth: textWidth)
    }

    /// What the step waits for or what happened, under its words.
    func lessonStateLines(_ session: LessonSession, width: Int) -> [(String, StyleRole)] {
        let step = session.step
        var out: [(String, StyleRole)] = []
        func wrapped(_ text: String, _ role: StyleRole, indent: Int = 2) { out += Format.wrap(text, width: width, indent: indent).map { ($0, role) } }
        func goal() {
            for p in session.progress(lanes: sim.lanes) {
                let mark = p.holds ? (unicode ? "✓" : "+") : (unicode ? "·" : "-")
                let since = session.acted ? " since your first key" : " in this step"
                out.append(("\(mark) \(Self.termWords(p.term)): \(p.value)\(p.term.isLevel ? " now" : since) (goal \(p.term.op.rawValue) \(p.term.value))",
                            p.holds ? .ok : .warning))
            }
        }
        switch (step.kind, session.phase) {
        case (_, .finished):
            break
        case (.predict, .asking):
            for (k, c) in step.choices.enumerated() { wrapped("\(k + 1)) " + c, .warning) }
            out.append(("Press 1 to \(step.choices.count) to answer; then the world runs on.", .dim))
        case (.predict, .running), (.predict, .done):
            // The choices stay: the learner's marked, and once the world has run, what happened.
            let chosen = session.chosen ?? 0
            let over = session.phase == .done
            for (k, c) in step.choices.enumerated() {
                let mark = over && session.happened.contains(k) ? (unicode ? "✓" : "+") : (k == chosen ? (unicode ? "▸" : ">") : " ")
                wrapped(mark + " \(k + 1)) " + c, over && session.happened.contains(k) ? .ok : (k == chosen ? .warning : .dim))
            }
            guard over else {
                out.append(("You chose \(chosen + 1). Running for \(Format.duration(step.runMicros ?? 0)): "
                            + Format.seconds(sim.now - session.runStart) + " so far.", .warning))
                break
            }
            let held = session.happened.contains(chosen)
            let happened = session.happened.map { String($0 + 1) }.joined(separator: " and ")
            out.append(((held ? (unicode ? "✓ " : "+ ") : (unicode ? "✗ " : "x ")) + "You chose \(chosen + 1). "
                        + (held ? "Your prediction held." : "It did not hold: what happened was \(happened.isEmpty ? "none of these" : happened)."),
                        held ? .ok : .stateLost))
            if let after = step.after { wrapped(after, .text, indent: 0) }
        case (.demo, .running):
            if step.until != nil { goal() } else {
                out.append(("Running for \(Format.duration(step.runMicros ?? 0)): " + Format.seconds(sim.now - session.runStart) + " so far.", .warning))
            }
        case (.task, .running):
            goal()
            if !session.acted, session.progress(lanes: sim.lanes).allSatisfy(\.holds) {
                out.append(("That happened by itself: it counts once you cause it with a fault key.", .dim))
            }
            if session.shown { out.append(("Showing one way (it will not count as solved).", .dim)) }
            else if session.hintShown, let hint = step.hint { wrapped("Hint: " + hint, .warning) }
        case (_, .timedOut):
            wrapped("This did not happen within \(Format.duration(step.withinMicros)): the keys pressed changed the world. "
                    + "Backspace replays the step; Enter goes on.", .stateLost)
        case (.task, .done):
            out.append((session.shown ? "Shown, not solved. Backspace: try it yourself." : (unicode ? "✓ " : "+ ") + "You did it.",
                        session.shown ? .dim : .ok))
            goal()
            if let after = step.after { wrapped(after, .text, indent: 0) }
        case (_, .done):
            // The goal's values as they stood when it held: what the words after it speak of.
            goal()
            if let after = step.after { wrapped(after, .text, indent: 0) }
        default:
            break
        }
        return out
    }

    func lessonKeysLine(_ session: LessonSession) -> String {
        var parts: [String] = []
        if session.canContinue { parts.append("Enter: continue") }
        switch (session.step.kind, session.phase) {
        case (.predict, .asking): parts.append("1-\(session.step.choices.count): answer")
        case (.task, .running):
            parts.append("H: hint")
            parts.append("S: show me")
        case (_, .running): parts.append("space: pause")
        default: break
        }
        parts += ["Backspace: back", "i: read again", "q: quit"]
        return parts.joined(separator: " · ")
    }

    /// The info overlay's lines in a lesson: the step's whole text and what it waits for.
    func lessonInfoLines(_ session: LessonSession, width: Int) -> [(String, StyleRole)] {
        var lines = Format.wrap(session.step.title, width: width).map { ($0, StyleRole.title) }
        lines += Format.wrap(session.step.text, width: width).map { ($0, StyleRole.text) }
        let state = lessonStateLines(session, width: width)
        if !state.isEmpty { lines.append(("", .text)) }
        return lines + state
    }
}
