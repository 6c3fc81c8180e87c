/* The one scrolling list: which rows of a list are in view so that the
 * selected one is shown. */
#ifndef RW_WIDGETS_LIST_H
#define RW_WIDGETS_LIST_H

#include <stdbool.h>
#include <stddef.h>

/* The first of n rows to show in `rows` screen rows with sel in view (the
 * selection at the bottom once it is past the first page; sel >= n, e.g. a
 * button below the list: the top). */
size_t wg_list_top(size_t sel, size_t n, int rows);
/* Up and Down move sel among n rows (no wrapping). False (sel unchanged):
 * not a list key. */
bool wg_list_move(int *sel, int n, int key);

#endif
