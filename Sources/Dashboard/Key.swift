/// A key press, decoded by the terminal layer and consumed by the pure app update.
public enum Key: Equatable, Sendable {
    case character(Character)
    case tab, backTab, up, down, left, right, enter, escape, backspace
    /// The terminal changed size; the app re-lays out on the next frame.
    case resize
    /// Ctrl-L: redraw everything.
    case redraw
}
