/* Text on the screen, measured in display cells (a wide character counts
 * 2, a combining one 0; a line is never cut inside a UTF-8 character):
 * role-coloured text, a filled row, and word-wrapped text. */
#ifndef RW_WIDGETS_TEXT_H
#define RW_WIDGETS_TEXT_H

#include <stddef.h>

#include "term.h"

/* Display cells of the first `bytes` bytes of s (SIZE_MAX: all of it). */
int wg_cells(const char *s, size_t bytes);
/* s clipped to n cells at (y, x) in role (n <= 0: nothing). */
void wg_put(int y, int x, int n, enum term_role role, const char *s);
/* Row y filled with blanks in role, across the screen. */
void wg_fill_row(int y, enum term_role role);
/* The next wrapped line of s for a width of `cells`: its length in bytes
 * (cut at the last blank that fits, else at the width; never inside a
 * character). *next gets where the following line starts (blanks skipped). */
size_t wg_wrap_line(const char *s, int cells, const char **next);
/* s word-wrapped into width cells from (y, x), at most max rows. Returns
 * the rows used. */
int wg_wrap(int y, int x, int width, int max, enum term_role role, const char *s);

#endif
