/* An unknown host key: y accepts (and records it), n rejects. */
#include "pages/page.h"

static unsigned key(struct view *v, int k)
{
	struct wizard *w = page_wizard(v);
	if (k == 'y' || k == 'n') {
		w->dialog = DLG_NONE;
		if (w->be.hostkey)
			w->be.hostkey(w, k == 'y');
	}
	return VIEW_CHANGED;
}

static void draw(struct view *v)
{
	const struct wizard *w = page_wizard(v);
	wg_hostkey_dialog(page_dialog_width(), w->hk_node ? w->hk_node : "", w->hk_type, w->hk_fingerprint);
}

const struct view_ops dialog_hostkey_ops = { .name = "hostkey", .key = key, .draw = draw };
