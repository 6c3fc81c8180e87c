/* A node's whole output, full screen: the failed node's (from the failure
 * dialog) or the focused pane's; q/Esc goes back. */
#include "pages/page.h"

#include <stdio.h>
#include <string.h>

static bool enter(struct view *v, void *arg, char *err, size_t err_size)
{
	(void)arg, (void)err, (void)err_size;
	page_wizard(v)->log_scroll = 0;
	return true;
}

static unsigned key(struct view *v, int k)
{
	struct wizard *w = page_wizard(v);
	if (k == KEY_UP)
		w->log_scroll++;
	else if (k == KEY_DOWN && w->log_scroll)
		w->log_scroll--;
	else if (k == KEY_PPAGE)
		w->log_scroll += 10;
	else if (k == KEY_NPAGE)
		w->log_scroll = w->log_scroll > 10 ? w->log_scroll - 10 : 0;
	else if (k == 'q' || k == KEY_ESC || k == 'l') {
		w->dialog = w->rstate == RUNNER_STOPPED ? DLG_FAILURE : DLG_NONE;
		w->log_for_failed = false;
	}
	return VIEW_CHANGED;
}

static void draw(struct view *v)
{
	struct wizard *w = page_wizard(v);
	int rows, cols;
	getmaxyx(stdscr, rows, cols);
	char buf[512];
	const struct wizard_node *n = NULL;
	for (size_t i = 0; w->log_for_failed && w->plan && i < w->plan->n; i++)
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
	if (w->log_scroll > count)
		w->log_scroll = count;
	size_t end = count - w->log_scroll;
	size_t start = end > (size_t)inner ? end - (size_t)inner : 0;
	for (size_t i = start; i < end; i++)
		wg_put(2 + (int)(i - start), 1, cols - 2, ROLE_NORMAL, pane_line(n->pane, i));
	wg_key_bar("Up/Down/PgUp/PgDn scroll  q/Esc back");
}

const struct view_ops dialog_log_ops = { .name = "log", .enter = enter, .key = key, .draw = draw };
