/* A step failed: its message and the procedure's hint; r retry, s skip
 * (when the step allows it), a abort, l the failed node's whole log. */
#include "pages/page.h"

#include <stdio.h>

static unsigned key(struct view *v, int k)
{
	struct wizard *w = page_wizard(v);
	switch (k) {
	case 'r':
		w->dialog = DLG_NONE;
		if (w->be.retry)
			w->be.retry(w);
		break;
	case 's':
		if (!w->can_skip)
			break;
		w->dialog = DLG_NONE;
		if (w->be.skip)
			w->be.skip(w);
		break;
	case 'a':
		if (w->be.abort)
			w->be.abort(w);
		break;
	case 'l':
		wizard_open_dialog(w, DLG_LOG); /* the failed node's */
		break;
	}
	return VIEW_CHANGED;
}

static void draw(struct view *v)
{
	const struct wizard *w = page_wizard(v);
	int y, x, wd = page_dialog_width();
	char buf[1024];
	const struct plan_item *it = NULL;
	for (size_t i = 0; w->plan && i < w->plan->n; i++)
		if (w->plan->items[i].state == ITEM_FAILED)
			it = &w->plan->items[i];
	wg_dialog(14, wd, "Step failed", &y, &x);
	int yy = y + 2;
	if (it) {
		snprintf(buf, sizeof buf, "%s on %s", it->step->title, it->node);
		yy += wg_wrap(yy, x + 2, wd - 4, 2, ROLE_ERROR, buf);
		yy += wg_wrap(yy, x + 2, wd - 4, 4, ROLE_NORMAL, it->message ? it->message : "");
		if (plan_item_hint(it)) {
			snprintf(buf, sizeof buf, "hint: %s", plan_item_hint(it));
			wg_wrap(yy + 1, x + 2, wd - 4, 4, ROLE_WARN, buf);
		}
	}
	snprintf(buf, sizeof buf, "r Retry   %sa Abort   l View full log", w->can_skip ? "s Skip   " : "");
	wg_put(y + 12, x + 2, wd - 4, ROLE_NORMAL, buf);
}

const struct view_ops dialog_failure_ops = { .name = "failure", .key = key, .draw = draw };
