/* A node asks for its key's passphrase or a login password: handed to the
 * backend at once and wiped here; Esc answers none (the connection fails
 * with its message). */
#include "pages/page.h"

#include <stdio.h>
#include <string.h>

static unsigned key(struct view *v, int k)
{
	struct wizard *w = page_wizard(v);
	bool enter = page_is_enter(k);
	if (k == KEY_ESC || enter) {
		w->dialog = DLG_NONE;
		if (w->be.secret)
			w->be.secret(w, enter ? w->sec_input : NULL);
		explicit_bzero(w->sec_input, sizeof w->sec_input);
	} else {
		wg_field_key(w->sec_input, sizeof w->sec_input, k);
	}
	return VIEW_CHANGED;
}

static void draw(struct view *v)
{
	const struct wizard *w = page_wizard(v);
	int y, x, wd = page_dialog_width();
	char buf[1024];
	wg_dialog(10, wd, "SSH login", &y, &x);
	snprintf(buf, sizeof buf, "%s asks for the %s:", w->sec_node ? w->sec_node : "", w->sec_what);
	wg_wrap(y + 2, x + 2, wd - 4, 2, ROLE_NORMAL, buf);
	wg_field_draw_masked(y + 5, x + 2, wd - 4, ROLE_SELECTED, w->sec_input);
	wg_wrap(y + 7, x + 2, wd - 4, 2, ROLE_DIM,
		"Enter send (this connection only, never stored)   Esc none: the connection fails");
}

const struct view_ops dialog_secret_ops = { .name = "secret", .key = key, .draw = draw };
