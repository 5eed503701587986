/// The result of a run, per lane: counters, latency, checks. Renders as a table or JSON.
public struct Summary: Sendable, Equatable {
    public struct LaneSummary: Sendable, Equatable {
        public var mode: Mode
        public var counters: Counters
        public var produced: Int
        public var effected: Int
        /// When a message last had its first effect.
        public var lastEffectMicros: Micros
        public var pending: Int
        /// Keys whose final sink value is not their newest message's.
        public var staleKeys: Int
        public var latencyP50Micros: Micros
        public var latencyP99Micros: Micros
        public var latencyMaxMicros: Micros
        public var events: Int
        public var drainedAtMicros: Micros?
        public var checks: [Check]
        /// JSON names of counters nobody could observe (a real broker's lane): `null` in
        /// JSON, `n/a` in the table.
        public var unobservable: [String] = []
    }

    /// Which broker the lanes ran on: nil for the embedded simulation (its JSON is
    /// unchanged), "nats" for a real NATS JetStream server.
    public var broker: String?
    /// Where a real broker's run differs from the model, in words for the table and JSON.
    public var notes: [String] = []

    public var settings: Settings
    public var lanes: [LaneSummary]

    /// Where a run that was stopped before its end (a signal) stopped.
    public struct Interruption: Equatable, Sendable {
        /// The virtual time every lane had reached.
        public var atMicros: Micros
        /// Whether production was over and the run was draining.
        public var draining: Bool

        public init(atMicros: Micros, draining: Bool) {
            self.atMicros = atMicros
            self.draining = draining
        }
    }

    /// Set when the run stopped early: the numbers are those of that instant, not drained,
    /// and only conservation (which holds at every instant) is checked.
    public var interruption: Interruption?

    public init(settings: Settings, lanes: [Lane], drainedAt: [Micros?], drainRequested: Bool) {
        self.settings = settings
        self.lanes = lanes.enumerated().map { i, lane in
            LaneSummary(mode: lane.mode, counters: lane.counters, produced: lane.produced, effected: lane.effected,
                        lastEffectMicros: lane.lastEffectMicros, pending: lane.pending, staleKeys: lane.staleKeys, latencyP50Micros: lane.latency.quantile(0.5),
                        latencyP99Micros: lane.latency.quantile(0.99), latencyMaxMicros: lane.latency.maxMicros,
                        events: lane.events, drainedAtMicros: drainedAt[i],
                        checks: drainRequested ? lane.promiseChecks(drained: drainedAt[i] != nil)
                                               : Array(lane.promiseChecks(drained: false).prefix(1)))
        }
    }

    /// A run on a real broker: the lanes as its clients and its server observed them.
    public init(settings: Settings, observed: [ObservedLane], drainedAt: [Micros?], drainRequested: Bool, broker: String) {
        self.settings = settings
        self.broker = broker
        self.lanes = observed.enumerated().map { i, lane in
            LaneSummary(mode: lane.mode, counters: lane.counters, produced: lane.produced, effected: lane.effected,
                        lastEffectMicros: lane.lastEffectMicros, pending: lane.pending, staleKeys: lane.staleKeys,
                        latencyP50Micros: lane.latency.quantile(0.5), latencyP99Micros: lane.latency.quantile(0.99),
                        latencyMaxMicros: lane.latency.maxMicros, events: lane.events, drainedAtMicros: drainedAt[i],
                        checks: drainRequested ? lane.promiseChecks(drained: drainedAt[i] != nil)
                                               : Array(lane.promiseChecks(drained: false).prefix(1)),
                        unobservable: lane.unobservable)
        }
    }

    /// Whether any check failed (not counting promises that were not in force).
    public var anyFailed: Bool { lanes.contains { $0.checks.contains { $0.status == .fail } } }
}
