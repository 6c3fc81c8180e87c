/* The home page: the entries of ui/home.c (an operation, a view, quit). */
#include "page.h"

#include <stdio.h>

#include "home.h"

static int *sel(struct view *v)
{
	return page_state(v, sizeof(int));
}

static unsigned key(struct view *v, int k)
{
	struct wizard *w = page_wizard(v);
	int n = (int)home_count;
	if (wg_list_move(&*sel(v), n, k))
		return VIEW_CHANGED;
	if (k == 'q') {
		w->quit = true;
		return VIEW_QUIT;
	}
	if (k >= '1' && k <= '0' + n)
		*sel(v) = k - '1';
	else if (!page_is_enter(k))
		return VIEW_IGNORED;
	const struct home_entry *e = &home_entries[*sel(v)];
	switch (e->kind) {
	case HOME_OP:
		wizard_begin(w, e->op);
		break;
	case HOME_VIEW:
		wizard_open_view(w, e->view);
		break;
	case HOME_QUIT:
		w->quit = true;
		return VIEW_QUIT;
	}
	return VIEW_CHANGED;
}

static void draw(struct view *v)
{
	const struct wizard *w = page_wizard(v);
	int cols = getmaxx(stdscr);
	int y = 3;
	wg_put(y, 4, cols - 8, ROLE_RUNNING, "What do you want to do?");
	y += 2;
	for (size_t i = 0; i < home_count; i++, y += 2) {
		char buf[160];
		snprintf(buf, sizeof buf, " %zu) %-34s", i + 1, home_entries[i].label);
		wg_put(y, 4, 40, (int)i == *sel(v) ? ROLE_SELECTED : ROLE_NORMAL, buf);
		/* wrapped by display cells into the blank row below (80 columns) */
		wg_wrap(y, 46, cols - 48, 2, ROLE_NORMAL, home_entries[i].note);
	}
	char keys[80];
	snprintf(keys, sizeof keys, "Up/Down move  Enter choose  1-%zu pick  q quit", home_count);
	wg_key_bar(keys);
	page_status(w);
}

const struct view_ops page_home_ops = { .name = "home", .key = key, .draw = draw };
