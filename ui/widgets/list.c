/* The one scrolling list (ui/widgets/list.h). */
#include "widgets/list.h"

#include <curses.h>

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
