/* What every full-screen view draws around its content: the title row, the
 * key help row, and the notice shown instead when the terminal is smaller
 * than TERM_MIN_COLS x TERM_MIN_ROWS. */
#ifndef RW_WIDGETS_FRAME_H
#define RW_WIDGETS_FRAME_H

#include <stdbool.h>

/* The screen is too small: the notice is drawn (the caller draws nothing
 * else) and true is returned. */
bool wg_too_small(void);
/* Row 0 in the title role with text from its first column. */
void wg_title_bar(const char *text);
/* The start of a full-screen view's draw: the screen erased, then either the
 * too-small notice (refreshed; false: the caller draws nothing else) or the
 * title row " replica-wizard - WHAT  PATH" (true). */
bool wg_view_begin(const char *what, const char *path);
/* The last row in the key-help role with keys. */
void wg_key_bar(const char *keys);

#endif
