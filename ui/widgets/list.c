/* The one scrolling list (ui/widgets/list.h). */
#include "widgets/list.h"

size_t wg_list_top(size_t sel, size_t n, int rows)
{
	if (sel >= n || rows <= 0 || sel < (size_t)rows)
		return 0;
	return sel - (size_t)rows + 1;
}
