/* A node asks for its key's passphrase or a login password: handed to the
 * backend at once and wiped here; Esc answers none (the connection fails
 * with its message). */
#include "pages/page.h"

#include <stdio.h>
#include <string.h>

static unsigned key(struct view *v, int k)
{
	struct wizard *w = page_wizard(v);
	enum wg_entry_action act = wg_entry_key(w->sec_input, sizeof w->sec_input, k);
	if (act == WG_ENTRY_EDITED)
		return VIEW_CHANGED;
	w->dialog = DLG_NONE;
	if (w->be.secret) /* Esc: none */
		w->be.secret(w, act == WG_ENTRY_DONE ? w->sec_input : NULL);
	explicit_bzero(w->sec_input, sizeof w->sec_input);
	return VIEW_CHANGED;
}

static void draw(struct view *v)
{
	const struct wizard *w = page_wizard(v);
	wg_secret_dialog(page_dialog_width(), w->sec_node, w->sec_what, w->sec_input);
}

const struct view_ops dialog_secret_ops = { .name = "secret", .key = key, .draw = draw };
