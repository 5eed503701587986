import DeliverySim

/// One metric of a sweep against its first knob: what the SVG, HTML and terminal charts draw.
///
/// Pure data, built by the sweep from its aggregates; the renderers (`ChartSVG`,
/// `ChartText`) only read it, so every chart of a sweep shows the same numbers.
public struct SweepChart: Equatable, Sendable {
    public enum Scale: String, Equatable, Sendable {
        case linear, log
    }

    /// A point of one series: the mean over seeds and its 95% confidence interval.
    public struct Point: Equatable, Sendable {
        /// The knob's value in the unit of `xLabel` (percent, milliseconds, a count).
        public var x: Double
        public var y: Double
        public var low: Double
        public var high: Double

        public init(x: Double, y: Double, low: Double, high: Double) {
            self.x = x
            self.y = y
            self.low = low
            self.high = high
        }
    }

    /// One line: a lane, or a lane at one value of the sweep's other knobs.
    public struct Series: Equatable, Sendable {
        /// "at-least-once", or "at-least-once · ack_timeout 1s" when other knobs vary.
        public var name: String
        /// The lane: its colour and marker.
        public var mode: Mode
        /// Which combination of the other knobs' values (0 when only one knob varies): its
        /// dash pattern, so lines of one lane stay apart.
        public var variant: Int
        /// In x order; only the points whose runs have all finished (a live chart fills in).
        public var points: [Point]

        public init(name: String, mode: Mode, variant: Int, points: [Point]) {
            self.name = name
            self.mode = mode
            self.variant = variant
            self.points = points
        }
    }

    /// A value of the knob on the x axis, as the command line gave it ("2%", "100ms").
    public struct Tick: Equatable, Sendable {
        public var x: Double
        public var text: String

        public init(x: Double, text: String) {
            self.x = x
            self.text = text
        }
    }

    /// "duplicate effects vs loss".
    public var title: String
    /// The knob and its unit: "loss (%)", "ack timeout (ms)", "prefetch".
    public var xLabel: String
    /// The metric and its unit: "duplicate effects per run", "latency p99 (ms)".
    public var yLabel: String
    public var xScale: Scale
    public var yScale: Scale
    /// Every value of the x knob, finished or not, in order: the x axis spans them all
    /// from the start, so a live chart does not rescale as points arrive.
    public var xTicks: [Tick]
    public var series: [Series]
    /// One line under the chart: "mean and 95% CI over 20 seeds (1..20) per point".
    public var note: String

    public init(title: String, xLabel: String, yLabel: String, xScale: Scale, yScale: Scale, xTicks: [Tick], series: [Series],
                note: String) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.xScale = xScale
        self.yScale = yScale
        self.xTicks = xTicks
        self.series = series
        self.note = note
    }
}
