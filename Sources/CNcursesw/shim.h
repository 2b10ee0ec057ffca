#ifndef CNCURSESW_SHIM_H
#define CNCURSESW_SHIM_H

// The wide-character API (setcchar, wadd_wch, wget_wch, mvwaddwstr) is only
// declared when this is defined before curses.h.
#define _XOPEN_SOURCE_EXTENDED 1

#include <locale.h>
#include <wchar.h>
#include <ncursesw/curses.h>

// A_* attributes are macros built from NCURSES_BITS(...): Swift drops them.
static inline attr_t rw_a_bold(void)      { return A_BOLD; }
static inline attr_t rw_a_reverse(void)   { return A_REVERSE; }
static inline attr_t rw_a_dim(void)       { return A_DIM; }
static inline attr_t rw_a_underline(void) { return A_UNDERLINE; }
static inline attr_t rw_a_italic(void)    { return A_ITALIC; }

// Swift 6 rejects reads of C globals (stdscr, LINES, COLS, COLORS) as shared
// mutable state; functions are fine. Keep these stateless: a static variable
// here would be copied into every Swift module that imports the header.
static inline int rw_lines(void)       { return LINES; }
static inline int rw_cols(void)        { return COLS; }
static inline int rw_colors(void)      { return COLORS; }
static inline int rw_color_pairs(void) { return COLOR_PAIRS; }

// wcwidth is hidden by the Glibc module (it wants _XOPEN_SOURCE).
extern int wcwidth(wchar_t c);

#endif
