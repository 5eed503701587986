import ArgumentParser
import Dashboard
import DeliverySim
import Experiments

/// `ackscope bench`: simulated messages per wall second, ns per event, and memory.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure the simulation core: messages/s, ns/event and RSS (release build, one core).",
        discussion: """
        Runs one at-least-once lane with 1% loss and a consumer crash every second, \
        producing --messages messages at a high rate, and samples RSS as it goes so that \
        flat memory can be seen, not assumed. Run it with `swift run -c release ackscope bench`.
        """)

    @Option(parsing: .unconditional, help: "Messages to simulate.")
    var messages: Int = 5_000_000

    @Option(parsing: .unconditional, help: "Times to repeat the measurement (the median is reported).")
    var repeats: Int = 3

    @Option(parsing: .unconditional, help: "RSS samples to print during the last repeat.")
    var samples: Int = 10

    @Option(help: ArgumentHelp("Lane mode.", valueName: "mode"), transform: { text in
        guard let m = Mode(rawValue: text) else { throw ValidationError("allowed: at-most-once, at-least-once, effectively-once") }
        return m
    })
    var mode: Mode = .atLeastOnce

    @Flag(help: "Measure drawing a dashboard frame instead (200x60, three lanes, 50 consumers): lanes, story, flow view.")
    var frame = false

    mutating func validate() throws {
        if messages < 1 { throw ValidationError("--messages must be 1 or more, got \(messages)") }
        if repeats < 1 || repeats > 99 { throw ValidationError("--repeats must be from 1 to 99, got \(repeats)") }
        if samples < 1 || samples > 10_000 { throw ValidationError("--samples must be from 1 to 10000, got \(samples)") }
    }

    func run() throws {
        if frame { return runFrame() }
        var s = Settings()
        s.modes = [mode]
        s.producers = 4
        s.consumers = 16
        s.ratePerSecond = 250_000          // 1M messages per virtual second in all
        s.processingMicrosMean = 10
        s.prefetch = 1_000                 // room for deliveries pinned by loss until their deadline
        s.lossPerMillion = 10_000          // 1%
        s.ackTimeoutMicros = 100_000
        s.confirmTimeoutMicros = 100_000
        s.messageLimit = messages
        // Poisson arrivals: leave room so the message limit, not the clock, ends production.
        s.durationMicros = Micros(Double(messages) / (s.ratePerSecond * Double(s.producers)) * 1_100_000) + 1_000_000
        s.crashEveryMicros = 1_000_000
        s.crashForMicros = 100_000

        print("bench: \(mode.rawValue), \(messages) messages, 4 producers, 16 consumers, 1% loss, a consumer crash every 1s")
        var results: [(msgsPerSec: Double, nsPerEvent: Double, events: Int)] = []
        for r in 0..<repeats {
            let last = r == repeats - 1
            var sim = Timeline(settings: s)
            let step = max(1, s.durationMicros / Micros(max(1, samples)))
            let start = Output.monotonicNanos()
            var t: Micros = 0
            while t < s.durationMicros {
                t = min(s.durationMicros, t + step)
                sim.advance(to: t)
                if last {
                    let lane = sim.lanes[0]
                    print("  t=\(Format.seconds(t)) produced=\(lane.produced) pending=\(lane.pending) rss=\((Output.procStatusKiB("VmRSS") ?? 0) / 1024) MiB")
                }
            }
            let elapsed = Double(Output.monotonicNanos() - start)
            let lane = sim.lanes[0]
            let result = (Double(lane.produced) / (elapsed / 1e9), elapsed / Double(lane.events), lane.events)
            results.append(result)
            print("  run \(r + 1): \(Int(result.0)) msgs/s, \(fmt(result.1)) ns/event, \(result.2) events, lost \(lane.counters.lost), redelivered \(lane.counters.redelivered)")
        }
        let mps = results.map(\.msgsPerSec).sorted()[results.count / 2]
        let npe = results.map(\.nsPerEvent).sorted()[results.count / 2]
        print("median: \(Int(mps)) simulated msgs/s, \(fmt(npe)) ns/event; peak RSS \((Output.procStatusKiB("VmHWM") ?? 0) / 1024) MiB")
    }

    /// State to buffer to diff, as the live loop does each frame (the ncurses write of the
    /// changed cells is not included: it depends on the terminal, not on us): the lanes,
    /// then with a message's story open (`f`), which is rebuilt from the book every frame.
    private func runFrame() {
        var s = Settings()
        s.consumers = 50
        s.ratePerSecond = 500
        s.durationMicros = Settings.unlimitedMicros
        var app = App(settings: s, unicode: true)
        app.advanceVirtual(by: 10_000_000)
        print("frame bench: 200x60, 3 lanes, 50 consumers, 2000 frames")
        measureFrames(&app, "lanes", follow: false)
        measureFrames(&app, "story, the newest notable message", follow: true)
        app.press(.character("2"))
        measureFrames(&app, "at-least-once diagram of it", follow: true)
        app.press(.escape)
        app.press(.character("v"))
        measureFrames(&app, "flow view, the at-least-once lane", follow: false)
        // A crowded broker: tens of thousands of unacked deliveries behind the boxes.
        s.producers = 12
        s.prefetch = 1_000
        s.processingMicrosMean = 500_000
        var heavy = App(settings: s, unicode: true, view: .flow)
        heavy.advanceVirtual(by: 10_000_000)
        let unacked = heavy.sim.lanes[heavy.flowLaneIndex].counters.unacked
        measureFrames(&heavy, "flow view, 12 producers, prefetch 1000, \(unacked) unacked", follow: false)
        heavy.press(.character("v"))
        measureFrames(&heavy, "topology, the same world", follow: false)
    }

    /// With `follow`, `f` is pressed (untimed) before each frame, so the story shown is
    /// always of a recent message, never one scrolled out of reach.
    private func measureFrames(_ app: inout App, _ what: String, follow: Bool) {
        var previous = app.render(width: 200, height: 60)
        var samples: [UInt64] = []
        var changed = 0
        for _ in 0..<2_000 {
            app.advanceVirtual(by: 50_000)  // one frame of virtual time at 1x, not timed
            if follow { app.press(.character("f")) }
            let start = Output.monotonicNanos()
            let buffer = app.render(width: 200, height: 60)
            var diff = 0
            for i in buffer.cells.indices where buffer.cells[i] != previous.cells[i] { diff += 1 }
            samples.append(Output.monotonicNanos() - start)
            changed += diff
            previous = buffer
        }
        samples.sort()
        let us = { (n: UInt64) in JSON.number(Double(n) / 1_000) }
        print("\(what): render+diff per frame: median \(us(samples[samples.count / 2])) us, p99 \(us(samples[samples.count * 99 / 100])) us, max \(us(samples.last!)) us; \(changed / samples.count) cells changed per frame")
    }

    private func fmt(_ d: Double) -> String { JSON.number((d * 10).rounded() / 10) }
}
