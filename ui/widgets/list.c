/* The one scrolling list (ui/widgets/list.h). */
#include "widgets/list.h"

#include <curses.h>

#include "widgets/keys.h"

size_t wg_list_top(size_t sel, size_t n, int rows)
{
	if (sel >= n || rows <= 0 || sel < (size_t)rows)
		return 0;
	return sel - (size_t)rows + 1;
}

bool wg_list_move(int *sel, int n, int key)
{
	if (key == KEY_UP) {
		if (*sel > 0)
			(*sel)--;
		return true;
	}
	if (key == KEY_DOWN) {
		if (*sel + 1 < n)
			(*sel)++;
		return true;
	}
	return false;
}

enum wg_check_action wg_check_key(size_t *sel, bool *checked, size_t n, int key)
{
	if (!n && key != KEY_ESC && key != '\r' && key != '\n' && key != KEY_ENTER)
		return WG_CHECK_OTHER; /* nothing to move to or check */
	switch (key) {
	case KEY_UP:
		*sel = *sel ? *sel - 1 : n - 1;
		return WG_CHECK_CHANGED;
	case KEY_DOWN:
	case '\t':
		*sel = (*sel + 1) % n;
		return WG_CHECK_CHANGED;
	case ' ':
		checked[*sel] = !checked[*sel];
		return WG_CHECK_CHANGED;
	case 'a':
	case 'n':
		for (size_t i = 0; i < n; i++)
			checked[i] = key == 'a';
		return WG_CHECK_CHANGED;
	case KEY_ESC:
		return WG_CHECK_CANCEL;
	case '\r':
	case '\n':
	case KEY_ENTER:
		return WG_CHECK_DONE;
	default:
		return WG_CHECK_OTHER;
	}
}
