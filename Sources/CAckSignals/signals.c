#include <sys/prctl.h>
#include "ack_signals.h"

#include <signal.h>
#include <string.h>

// The only thing the handler touches; async-signal-safe by type. Exactly one definition.
static volatile sig_atomic_t ack_signal_flag = 0;

static void ack_signal_handler(int sig) { ack_signal_flag = sig; }

int ack_install_signal_handler(int sig) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = ack_signal_handler;
    sigemptyset(&action.sa_mask);
    action.sa_flags = 0;
    return sigaction(sig, &action, NULL);
}

int ack_install_signal_handler_headless(int sig) {
    struct sigaction current;
    if (sigaction(sig, NULL, &current) != 0) return -1;
    if (current.sa_handler == SIG_IGN) return 0;
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = ack_signal_handler;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    return sigaction(sig, &action, NULL) == 0 ? 1 : -1;
}

int ack_default_signal_handler(int sig) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = SIG_DFL;
    sigemptyset(&action.sa_mask);
    return sigaction(sig, &action, NULL);
}

int ack_unblock_terminal_signals(void) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGWINCH);
    sigaddset(&set, SIGTSTP);
    sigaddset(&set, SIGCONT);
    return sigprocmask(SIG_UNBLOCK, &set, NULL);
}

int ack_pending_signal(void) { return (int)ack_signal_flag; }

void ack_clear_signal(void) { ack_signal_flag = 0; }

const volatile void *ack_signal_flag_address(void) { return &ack_signal_flag; }

int ack_die_with_parent(void) {
    return prctl(PR_SET_PDEATHSIG, SIGKILL);
}
