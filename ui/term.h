/* The terminal: curses set-up and restore (on every exit path, fatal
 * signals included), the semantic colour table with its monochrome
 * fallback (NO_COLOR honoured), line-drawing glyphs (UTF-8 or ASCII) and a
 * text dump of the screen for the screen tests. */
#ifndef RW_TERM_H
#define RW_TERM_H

#include <stdbool.h>
#include <stdio.h>

#include <curses.h>

/* Semantic roles; drawing code never names a colour. */
enum term_role {
	ROLE_NORMAL,
	ROLE_TITLE,      /* top bar */
	ROLE_KEYS,       /* bottom key help */
	ROLE_SELECTED,
	ROLE_OK,
	ROLE_RUNNING,
	ROLE_WARN,
	ROLE_ERROR,
	ROLE_DIM,
	ROLE_FRAME,
	ROLE_COUNT,
};

/* The minimum size; below it only a notice is drawn. */
#define TERM_MIN_COLS 80
#define TERM_MIN_ROWS 24

/* Interactive: newterm on the tty, fatal-signal + atexit restore. */
bool term_init(void);
/* Headless (screen tests): newterm on the given files at rows x cols. */
SCREEN *term_init_headless(FILE *out, FILE *in, int rows, int cols);
void term_done(void);
bool term_utf8(void);
attr_t term_attr(enum term_role role);

/* Glyphs for boxes and rules. */
void term_hline(int y, int x, int n);
void term_box(int y, int x, int h, int w, const char *title);
/* Text clipped to n columns (multibyte-aware; control characters drawn as
 * '?'); returns columns used. */
int term_put(int y, int x, int n, const char *s);

/* stdscr as text, one line per row, trailing blanks cut. */
char *term_dump(void);

#endif
