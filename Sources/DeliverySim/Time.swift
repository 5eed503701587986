/// Virtual time and durations, in integer microseconds.
///
/// Integers keep the schedule exact and replayable: no floating-point drift in event order.
public typealias Micros = Int64

public enum Duration {
    public static func millis(_ ms: Int64) -> Micros { ms * 1_000 }
    public static func seconds(_ s: Int64) -> Micros { s * 1_000_000 }
}

