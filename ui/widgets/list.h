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

/* What a key did to a checklist. */
enum wg_check_action {
	WG_CHECK_OTHER,   /* not a checklist key */
	WG_CHECK_CHANGED, /* moved, or checks changed */
	WG_CHECK_DONE,    /* Enter */
	WG_CHECK_CANCEL,  /* Esc */
};
/* The one checklist: Up/Down/Tab move sel among n rows (wrapping), Space
 * checks the row, a checks all, n none. */
enum wg_check_action wg_check_key(size_t *sel, bool *checked, size_t n, int key);

#endif
