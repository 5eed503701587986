/// A key press, decoded by the terminal layer and consumed by the pure app update.
public enum Key: Equatable, Sendable {
    case character(Character)
    case tab, backTab, up, down, left, right, enter, escape, backspace
    /// The terminal changed size; the app re-lays out on the next frame.
    case resize
    /// Ctrl-L: redraw everything.
    case redraw
}

/// The help and info overlays: while one is open, q quits, a resize or redraw keeps it,
/// and any other key closes it (and does nothing else).
enum Overlay {
    enum Result { case notOpen, quit, taken }

    static func key(_ key: Key, help: inout Bool, info: inout Bool) -> Result {
        guard help || info else { return .notOpen }
        switch key {
        case .character("q"): return .quit
        case .resize, .redraw: break
        default:
            help = false
            info = false
        }
        return .taken
    }
}
