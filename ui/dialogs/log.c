/* A node's whole output, full screen: the failed node's (from the failure
 * dialog) or the focused pane's; q/Esc goes back. */
#include "pages/page.h"

#include <stdio.h>
#include <string.h>

/* Lines up from the end; whether it shows the failed node (opened from
 * the failure dialog) or the focused pane's. */
struct log_state {
	size_t scroll;
	bool failed;
};

static struct log_state *state(struct view *v)
{
	return page_state(v, sizeof(struct log_state));
}

static bool enter(struct view *v, void *arg, char *err, size_t err_size)
{
	(void)arg, (void)err, (void)err_size;
	state(v)->scroll = 0;
	state(v)->failed = page_wizard(v)->dialog == DLG_FAILURE;
	return true;
}

static unsigned key(struct view *v, int k)
{
	struct wizard *w = page_wizard(v);
	struct log_state *s = state(v);
	if (k == KEY_UP)
		s->scroll++;
	else if (k == KEY_DOWN && s->scroll)
		s->scroll--;
	else if (k == KEY_PPAGE)
		s->scroll += 10;
	else if (k == KEY_NPAGE)
		s->scroll = s->scroll > 10 ? s->scroll - 10 : 0;
	else if (k == 'q' || k == KEY_ESC || k == 'l') {
		w->dialog = w->rstate == RUNNER_STOPPED ? DLG_FAILURE : DLG_NONE;
	}
	return VIEW_CHANGED;
}

static void draw(struct view *v)
{
	struct wizard *w = page_wizard(v);
	struct log_state *s = state(v);
	int rows, cols;
	getmaxyx(stdscr, rows, cols);
	char buf[512];
	const struct wizard_node *n = NULL;
	for (size_t i = 0; s->failed && w->plan && i < w->plan->n; i++)
		if (w->plan->items[i].state == ITEM_FAILED) {
			const struct wizard_node *m = wizard_node(w, w->plan->items[i].node);
			n = m ? m : n;
		}
	if (!n && w->n_nodes)
		n = &w->nodes[w->run_sel < w->n_nodes ? w->run_sel : 0];
	for (int i = 1; i < rows - 1; i++)
		mvhline(i, 0, ' ', cols);
	if (!n)
		return;
	snprintf(buf, sizeof buf, "Full log: %s", n->name);
	term_box(1, 0, rows - 2, cols, buf);
	int inner = rows - 4;
	size_t count = pane_count(n->pane);
	if (s->scroll > count)
		s->scroll = count;
	size_t end = count - s->scroll;
	size_t start = end > (size_t)inner ? end - (size_t)inner : 0;
	for (size_t i = start; i < end; i++)
		wg_put(2 + (int)(i - start), 1, cols - 2, ROLE_NORMAL, pane_line(n->pane, i));
	wg_key_bar("Up/Down/PgUp/PgDn scroll  q/Esc back");
}

const struct view_ops dialog_log_ops = { .name = "log", .enter = enter, .key = key, .draw = draw };
