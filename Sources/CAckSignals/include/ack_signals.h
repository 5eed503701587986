// The flag SIGINT, SIGTERM and SIGHUP set, and the calls around it.
//
// The flag is defined once, in signals.c. A `static` definition in a header (as this once
// was) gives every Swift module that imports the header its own copy; with cross-module
// inlining in release builds the handler then set one copy while the loop read another,
// and the dashboard ignored Ctrl-C.
#ifndef ACKSCOPE_SIGNALS_H
#define ACKSCOPE_SIGNALS_H

/// Installs the flag-setting handler for `sig` with sigaction and no SA_RESTART, so a
/// blocking read returns early and the loop sees the flag promptly.
int ack_install_signal_handler(int sig);

/// For headless runs, which poll the flag between slices of work: installs the handler
/// with SA_RESTART, so a write to a pipe that a signal interrupts goes on instead of
/// failing with EINTR, and leaves `sig` alone when it is ignored (`nohup`, a background
/// job of a script). Returns 1 if installed, 0 if left ignored, -1 on error.
int ack_install_signal_handler_headless(int sig);

/// Restores the default disposition of `sig`.
int ack_default_signal_handler(int sig);

/// Unblocks the signals a terminal program must receive. A parent may hand us a blocked
/// mask (a process spawned from a thread pool inherits that thread's mask), and then Ctrl-C,
/// SIGTERM and window resizes would silently never arrive.
int ack_unblock_terminal_signals(void);

/// In a child between fork and exec: SIGKILL it when its parent dies, however the parent
/// ends (a private nats-server is never left behind). Returns prctl's result.
int ack_die_with_parent(void);

/// The last signal received and not yet cleared, or 0.
int ack_pending_signal(void);

/// Forgets a received signal.
void ack_clear_signal(void);

/// The address of the one flag, so a test can show that every module sees the same one.
const volatile void *ack_signal_flag_address(void);

#endif
