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

unsigned page_form_key(struct wizard *w, const struct page_form *f, int key)
{
	int *sel = (int *)((char *)w + f->sel);
	char (*text)[WIZARD_FIELD_MAX] = (char (*)[WIZARD_FIELD_MAX])((char *)w + f->text);
	size_t s = (size_t)*sel;
	enum wg_form_action act = wg_form_key(&s, (size_t)f->count, key);
	*sel = (int)s;
	if (act == WG_FORM_BACK) /* the page before in the flow (Dovecot's pairs), else home */
		wizard_goto(w, wizard_flow_prev(w) != w->page ? wizard_flow_prev(w) : PAGE_HOME);
	else if (act == WG_FORM_ENTER && !f->enter(w, *sel))
		*sel = *sel + 1 < f->count ? *sel + 1 : *sel;
	else if (act == WG_FORM_OTHER && *sel < f->n_text)
		wg_field_key(text[*sel], WIZARD_FIELD_MAX, key);
	else if (act == WG_FORM_OTHER && *sel == f->special_row && key == f->special_key)
		f->special(w);
	return VIEW_CHANGED;
}

struct page_box page_box(int h, const char *title, const char *text, int text_rows)
{
	struct page_box b = { .wd = page_dialog_width() };
	wg_dialog(h, b.wd, title, &b.y, &b.x);
	if (text)
		wg_wrap(b.y + 2, b.x + 2, b.wd - 4, text_rows, ROLE_NORMAL, text);
	return b;
}

struct page_checklist page_checklist(const char *title, const char *text, int text_rows, size_t n,
				     size_t sel, const char *keys)
{
	struct page_checklist c;
	c.rows = page_list_rows(n, 10 + text_rows);
	struct page_box b = page_box(c.rows + 7 + text_rows, title, text, text_rows);
	c.x = b.x;
	c.wd = b.wd;
	c.y = b.y + 3 + text_rows;
	c.top = wg_list_top(sel, n, c.rows);
	wg_put(c.y + 1 + c.rows, c.x + 2, c.wd - 4, ROLE_DIM, keys);
	return c;
}

int page_form_draw(const struct wizard *w, const struct page_form *f, int y)
{
	int sel = *(const int *)((const char *)w + f->sel);
	const char (*text)[WIZARD_FIELD_MAX] = (const char (*)[WIZARD_FIELD_MAX])((const char *)w + f->text);
	int fw = getmaxx(stdscr) - 34;
	for (int r = 0; r < f->count - 1; r++, y += 2) {
		enum term_role role = r == sel ? ROLE_SELECTED : ROLE_NORMAL;
		wg_put(y, 2, 28, ROLE_NORMAL, f->labels[r]);
		if (r >= f->n_text) {
			f->special_draw(w, y, 31, fw, role);
			continue;
		}
		const char *val = text[r];
		if (!*val && r != sel && f->placeholders && f->placeholders[r])
			val = f->placeholders[r];
		wg_field_draw(y, 31, fw, role, val, r == sel);
	}
	wg_put(y, 31, 12, sel == f->count - 1 ? ROLE_SELECTED : ROLE_NORMAL, "[ Connect ]");
	return y + 2;
}

int page_intro(const char *text)
{
	wg_put(2, 2, getmaxx(stdscr) - 4, ROLE_RUNNING, text);
	return 4;
}

void page_form_end(const struct wizard *w, int y, int max, const char *keys)
{
	if (w->form_error)
		wg_wrap(y, 2, getmaxx(stdscr) - 4, max, ROLE_ERROR, w->form_error);
	wg_key_bar(keys);
	page_status(w);
}

int page_list_rows(size_t n, int reserved)
{
	int room = getmaxy(stdscr) - reserved;
	room = room < 3 ? 3 : room;
	return (int)n < room ? (int)n : room;
}

bool page_focus_enter(struct view *v, void *arg, char *err, size_t err_size)
{
	(void)arg, (void)err, (void)err_size;
	*page_focus(v) = 0;
	return true;
}

int page_dialog_width(void)
{
	int cols = getmaxx(stdscr);
	return cols > 100 ? 90 : cols - 6;
}
