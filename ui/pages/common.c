/* The helpers of ui/pages/page.h. */
#include "page.h"

#include <stdio.h>

void page_status(const struct wizard *w)
{
	int rows, cols;
	getmaxyx(stdscr, rows, cols);
	if (w->status[0])
		wg_put(rows - 2, 1, cols - 2, ROLE_WARN, w->status);
}

enum term_role page_item_role(enum item_state s)
{
	switch (s) {
	case ITEM_DONE: case ITEM_ALREADY: case ITEM_RESUMED: return ROLE_OK;
	case ITEM_RUNNING: case ITEM_WAITING: return ROLE_RUNNING;
	case ITEM_WARNED: case ITEM_SKIPPED: return ROLE_WARN;
	case ITEM_FAILED: return ROLE_ERROR;
	default: return ROLE_DIM;
	}
}

static void item_elapsed(const struct wizard *w, const struct plan_item *it, char *buf, size_t n)
{
	buf[0] = '\0';
	if (it->state == ITEM_RUNNING || it->state == ITEM_WAITING)
		snprintf(buf, n, "%5.1fs", w->now - it->first_started);
	else if (it->finished > 0 && it->first_started > 0)
		snprintf(buf, n, "%5.1fs", it->finished - it->first_started);
}

void page_item_line(const struct wizard *w, int y, size_t i, int width)
{
	const struct plan_item *it = &w->plan->items[i];
	char el[16], buf[512];
	item_elapsed(w, it, el, sizeof el);
	const char *st = it->state == ITEM_FAILED ? "FAILED" : item_state_name(it->state);
	snprintf(buf, sizeof buf, "%2zu %-8s%7s  %-16.16s %s", i + 1, st, el, it->node, it->step->title);
	wg_put(y, 2, width, page_item_role(it->state), buf);
}

void page_form_key(struct wizard *w, int *sel, int count, int key,
		   bool (*enter)(struct wizard *w, int row),
		   void (*other)(struct wizard *w, int row, int key))
{
	size_t s = (size_t)*sel;
	enum wg_form_action act = wg_form_key(&s, (size_t)count, key);
	*sel = (int)s;
	if (act == WG_FORM_BACK)
		wizard_goto(w, PAGE_HOME);
	else if (act == WG_FORM_ENTER && !enter(w, *sel))
		*sel = *sel + 1 < count ? *sel + 1 : *sel;
	else if (act == WG_FORM_OTHER)
		other(w, *sel, key);
}

int page_dialog_width(void)
{
	int cols = getmaxx(stdscr);
	return cols > 100 ? 90 : cols - 6;
}
