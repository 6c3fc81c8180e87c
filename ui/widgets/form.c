/* The one form focus (ui/widgets/form.h). */
#include "widgets/form.h"

#include <curses.h>

#include "widgets/keys.h"

bool wg_form_move(size_t *sel, size_t count, int key)
{
	if (!count)
		return false;
	switch (key) {
	case KEY_UP:
	case KEY_BTAB:
		*sel = *sel > 0 ? *sel - 1 : count - 1;
		return true;
	case KEY_DOWN:
	case '\t':
		*sel = *sel + 1 < count ? *sel + 1 : 0;
		return true;
	default:
		return false;
	}
}

enum wg_form_action wg_form_key(size_t *sel, size_t count, int key)
{
	if (wg_form_move(sel, count, key))
		return WG_FORM_MOVED;
	if (key == KEY_ESC)
		return WG_FORM_BACK;
	if (key == '\r' || key == '\n' || key == KEY_ENTER)
		return WG_FORM_ENTER;
	return WG_FORM_OTHER;
}
