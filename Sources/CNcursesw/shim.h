// Everything ackscope needs from ncursesw that Swift 6 cannot import directly.
//
// Swift drops C macros that are not simple constants (A_BOLD, COLOR_PAIR, getmaxyx) and
// rejects ncurses' global variables (stdscr, LINES, COLS, COLORS) as shared mutable state,
// so each is wrapped in a `static inline` function here.
#ifndef ACKSCOPE_CNCURSESW_SHIM_H
#define ACKSCOPE_CNCURSESW_SHIM_H

// SwiftPM drops pkg-config's -D flags; without this, cchar_t and the *_wch functions vanish.
#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif

#include <locale.h>
#include <langinfo.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>
#include <curses.h>

// MARK: globals

static inline WINDOW *ack_stdscr(void) { return stdscr; }
static inline int ack_lines(void) { return LINES; }
static inline int ack_cols(void) { return COLS; }
static inline int ack_colors(void) { return COLORS; }
static inline int ack_color_pairs(void) { return COLOR_PAIRS; }
static inline int ack_getmaxy(WINDOW *w) { int y, x; getmaxyx(w, y, x); (void)x; return y; }
static inline int ack_getmaxx(WINDOW *w) { int y, x; getmaxyx(w, y, x); (void)y; return x; }

// MARK: attributes

static inline attr_t ack_a_normal(void) { return A_NORMAL; }
static inline attr_t ack_a_bold(void) { return A_BOLD; }
static inline attr_t ack_a_dim(void) { return A_DIM; }
static inline attr_t ack_a_underline(void) { return A_UNDERLINE; }
static inline attr_t ack_a_reverse(void) { return A_REVERSE; }
static inline int ack_color_pair(int n) { return (int)COLOR_PAIR(n); }

// MARK: keys and return codes

static inline int ack_ok(void) { return OK; }
static inline int ack_err(void) { return ERR; }
static inline int ack_key_code_yes(void) { return KEY_CODE_YES; }
static inline int ack_key_up(void) { return KEY_UP; }
static inline int ack_key_down(void) { return KEY_DOWN; }
static inline int ack_key_left(void) { return KEY_LEFT; }
static inline int ack_key_right(void) { return KEY_RIGHT; }
static inline int ack_key_enter(void) { return KEY_ENTER; }
static inline int ack_key_backspace(void) { return KEY_BACKSPACE; }
static inline int ack_key_btab(void) { return KEY_BTAB; }
static inline int ack_key_resize(void) { return KEY_RESIZE; }
static inline int ack_key_dc(void) { return KEY_DC; }

// MARK: screens

/// newterm on the process's own stdout/stdin: unlike initscr, a failure returns NULL
/// instead of printing and exiting. (Swift 6 rejects Glibc's `stdout` global too.)
static inline SCREEN *ack_newterm_stdio(const char *term) { return newterm(term, stdout, stdin); }

/// The locale's codeset (call after setlocale); "UTF-8" when Unicode output is safe.
static inline const char *ack_codeset(void) { return nl_langinfo(CODESET); }

/// Writes one cell: a single wide character with attributes and an (extended) colour pair.
///
/// Done in C so Swift never builds a cchar_t; the pair goes through setcchar's `opts`
/// argument, which is how ncurses takes pair numbers beyond a short.
static inline int ack_put_cell(WINDOW *w, int y, int x, wchar_t ch, attr_t attrs, int pair) {
    cchar_t cell;
    wchar_t text[2] = { ch, 0 };
    memset(&cell, 0, sizeof cell);
    if (setcchar(&cell, text, attrs, 0, &pair) == ERR) return ERR;
    return mvwadd_wch(w, y, x, &cell);
}

#endif
