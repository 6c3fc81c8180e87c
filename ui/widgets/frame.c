/* Title row, key row, too-small notice (ui/widgets/frame.h). */
#include "widgets/frame.h"

#include <stdio.h>

#include "term.h"
#include "widgets/text.h"

bool wg_too_small(void)
{
	int rows, cols;
	getmaxyx(stdscr, rows, cols);
	if (rows >= TERM_MIN_ROWS && cols >= TERM_MIN_COLS)
		return false;
	char buf[160];
	snprintf(buf, sizeof buf, "Terminal too small: %dx%d.", cols, rows);
	int y = rows / 2 - 1;
	wg_put(y, 1, cols - 2, ROLE_WARN, buf);
	snprintf(buf, sizeof buf, "Need at least %dx%d: please enlarge the window.", TERM_MIN_COLS,
		 TERM_MIN_ROWS);
	wg_wrap(y + 1, 1, cols - 2, 3, ROLE_NORMAL, buf);
	return true;
}

void wg_title_bar(const char *text)
{
	wg_fill_row(0, ROLE_TITLE);
	wg_put(0, 0, getmaxx(stdscr), ROLE_TITLE, text);
}

bool wg_view_begin(const char *what, const char *path)
{
	erase();
	if (wg_too_small()) {
		wnoutrefresh(stdscr);
		return false;
	}
	char buf[1200];
	snprintf(buf, sizeof buf, " replica-wizard %s %s  %s", term_utf8() ? "\u2014" : "-", what, path);
	wg_title_bar(buf);
	return true;
}

void wg_key_bar(const char *keys)
{
	int rows = getmaxy(stdscr), cols = getmaxx(stdscr);
	wg_fill_row(rows - 1, ROLE_KEYS);
	wg_put(rows - 1, 1, cols - 2, ROLE_KEYS, keys);
}
