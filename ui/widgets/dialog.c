/* A framed, blanked box centred on the screen (ui/widgets/dialog.h). */
#include "widgets/dialog.h"

#include "term.h"

void wg_dialog(int h, int wd, const char *title, int *y, int *x)
{
	int rows, cols;
	getmaxyx(stdscr, rows, cols);
	if (wd > cols - 2)
		wd = cols - 2;
	if (h > rows - 2)
		h = rows - 2;
	*y = (rows - h) / 2;
	*x = (cols - wd) / 2;
	for (int i = 0; i < h; i++)
		mvhline(*y + i, *x, ' ', wd);
	term_box(*y, *x, h, wd, title);
}
