import CAckSignals
import Glibc

/// SIGINT, SIGTERM and SIGHUP as a flag the main loop polls.
///
/// The handler (C side, `CAckSignals/signals.c`, the one definition of the flag) only stores the signal number in a `volatile
/// sig_atomic_t`: nothing else is async-signal-safe, and restoring the terminal from a
/// handler would race ncurses. Installed with `sigaction` and no `SA_RESTART`, so a blocking
/// `wget_wch` returns early. SIGWINCH and SIGTSTP are left to ncurses (`KEY_RESIZE`;
/// Ctrl-Z suspends and `fg` redraws), which installs its own handlers only where the
/// disposition is still the default, hence `install()` before `newterm`.
public enum Signals {
    /// The signals turned into a flag.
    public static let handled: [Int32] = [SIGINT, SIGTERM, SIGHUP]

    /// Installs the flag-setting handlers; call before the terminal is set up.
    public static func install() {
        _ = ack_unblock_terminal_signals()
        for sig in handled { _ = ack_install_signal_handler(sig) }
    }

    /// Installs the flag-setting handlers for a headless run (`run`, `compare`): with
    /// SA_RESTART, as nothing blocks waiting for a key, and an ignored signal stays ignored.
    public static func installForHeadless() {
        _ = ack_unblock_terminal_signals()
        for sig in handled { _ = ack_install_signal_handler_headless(sig) }
    }

    /// A headless run with a child server to stop (`--broker nats`): a closed stdout
    /// (`| head`) becomes a flag too, so the run stops the server and removes its store
    /// before ending as SIGPIPE would have ended it.
    public static func installPipeForHeadless() {
        _ = ack_install_signal_handler_headless(SIGPIPE)
    }

    /// Puts the default dispositions back.
    public static func restoreDefaults() {
        for sig in handled + [SIGPIPE] { _ = ack_default_signal_handler(sig) }
    }

    /// The last signal received and not yet cleared, if any.
    public static func pending() -> Int32? {
        let sig = ack_pending_signal()
        return sig == 0 ? nil : sig
    }

    /// Forgets a received signal.
    public static func clear() { ack_clear_signal() }

    /// After the terminal is restored: dies of `sig` with its default action, so the
    /// parent shell sees the conventional status (130 for SIGINT) rather than a plain exit.
    public static func reraise(_ sig: Int32) -> Never {
        fflush(nil)  // dying by signal skips exit's flush of stdio buffers
        _ = ack_default_signal_handler(sig)
        raise(sig)
        exit(128 + sig)
    }
}
