/* The run: the steps (the running one in view) and the node panes with
 * their live output. Two or more replicas (they run side by side) and room
 * for a pane each: the master and every replica; else the master and the
 * focused other node. Tab moves the focus among the panes shown, Up/Down
 * scroll the focused one back, End follows, l its full log. */
#include "page.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

/* a pane each only while each keeps a border and four lines of output,
 * and a column of them at least half an 80-column terminal */
enum { PANE_MIN_H = 6, PANE_MIN_W = 40 };

struct pane_rect {
	size_t node;
	int y, x, h, w;
};

static int list_height(int rows)
{
	return rows >= 40 ? 14 : 7;
}

static size_t count_replicas(const struct wizard *w)
{
	size_t nr = 0;
	for (size_t i = 1; i < w->n_nodes; i++)
		nr += w->nodes[i].replica;
	return nr;
}

/* The replicas' panes in columns over the area, in node order (out may be
 * NULL: does it fit?); false if a pane would be smaller than the minimum. */
static bool grid(const struct wizard *w, int y, int x, int h, int wd, size_t nr, struct pane_rect *out,
		 size_t *n_out)
{
	int fit = h / PANE_MIN_H;
	if (fit < 1)
		return false;
	size_t ncol = (nr + (size_t)fit - 1) / (size_t)fit;
	int colw = wd / (int)ncol;
	if (colw < PANE_MIN_W)
		return false;
	size_t node = 1;
	for (size_t c = 0; c < ncol; c++) {
		size_t k = nr / ncol + (c < nr % ncol); /* at most fit, at least one */
		int cx = x + (int)c * colw, cw = c + 1 == ncol ? wd - (int)c * colw : colw;
		int ch = h / (int)k;
		for (size_t r = 0; r < k; r++) {
			while (!w->nodes[node].replica)
				node++;
			if (out)
				out[*n_out] = (struct pane_rect){
					node, y + (int)r * ch, cx, r + 1 == k ? h - (int)r * ch : ch, cw,
				};
			(*n_out)++, node++;
		}
	}
	return true;
}

/* The master and every replica, if there are two or more and they fit:
 * the master on the left and the replicas in a grid on the right (from
 * 120 columns), else all stacked. 0 when they do not: the two panes. */
static size_t replica_panes(const struct wizard *w, int rows, int cols, struct pane_rect *out)
{
	size_t nr = count_replicas(w), n = 0;
	if (nr < 2)
		return 0;
	int py = 2 + list_height(rows), ph = rows - 1 - py;
	if (cols >= 120) {
		int half = cols / 2;
		if (out)
			out[n] = (struct pane_rect){ 0, py, 0, ph, half };
		n++;
		return grid(w, py, half, ph, cols - half, nr, out, &n) ? n : 0;
	}
	int h = ph / (int)(nr + 1);
	if (h < PANE_MIN_H)
		return 0;
	for (size_t i = 0; i < w->n_nodes; i++)
		if (i == 0 || w->nodes[i].replica) {
			if (out)
				out[n] = (struct pane_rect){ i, py + (int)n * h, 0, n == nr ? ph - (int)n * h : h, cols };
			n++;
		}
	return n;
}

/* Started from the plan review: the run proper goes on. */
static bool enter(struct view *v, void *arg, char *err, size_t err_size)
{
	struct wizard *w = page_wizard(v);
	(void)arg, (void)err, (void)err_size;
	w->run_continued = true;
	if (w->be.start)
		w->be.start(w);
	return true;
}

static bool every_replica_shown(const struct wizard *w)
{
	int rows, cols;
	getmaxyx(stdscr, rows, cols);
	return replica_panes(w, rows, cols, NULL) > 0;
}

/* Tab goes round the panes shown: with a pane per replica, the master's
 * and the replicas' (not an MTA's) */
static bool pane_shown(const struct wizard *w, bool every_replica, size_t i)
{
	return !every_replica || i == 0 || w->nodes[i].replica;
}

/* the focused node, kept on a pane shown (the terminal may have grown) */
static struct wizard_node *focused(struct wizard *w)
{
	if (!w->n_nodes)
		return NULL;
	if (w->run_sel >= w->n_nodes || !pane_shown(w, every_replica_shown(w), w->run_sel))
		w->run_sel = 0;
	return &w->nodes[w->run_sel];
}

static void scroll_node(struct wizard_node *n, int delta)
{
	size_t count = pane_count(n->pane);
	if (delta < 0) {
		size_t d = (size_t)-delta;
		n->scroll = n->scroll > d ? n->scroll - d : 0;
	} else {
		n->scroll += (size_t)delta;
		if (n->scroll >= count)
			n->scroll = count ? count - 1 : 0;
	}
}

static unsigned key(struct view *v, int k)
{
	struct wizard *w = page_wizard(v);
	struct wizard_node *n = focused(w);
	switch (k) {
	case '\t':
		if (n) {
			bool every = every_replica_shown(w);
			do
				w->run_sel = (w->run_sel + 1) % w->n_nodes;
			while (!pane_shown(w, every, w->run_sel));
		}
		break;
	case KEY_UP: if (n) scroll_node(n, 1); break;
	case KEY_DOWN: if (n) scroll_node(n, -1); break;
	case KEY_PPAGE: if (n) scroll_node(n, 10); break;
	case KEY_NPAGE: if (n) scroll_node(n, -10); break;
	case KEY_END:
	case 'f':
		if (n)
			n->scroll = 0;
		break;
	case 'l':
		wizard_open_dialog(w, DLG_LOG); /* the focused pane's */
		break;
	}
	return VIEW_CHANGED;
}

static void draw_pane(const struct wizard_node *n, int y, int x, int h, int wd, bool focus)
{
	char title[512];
	snprintf(title, sizeof title, "%s%s%s%s", n->name, n->step ? " \u2014 " : "",
		 n->step ? n->step : "", focus ? " *" : "");
	if (!term_utf8())
		snprintf(title, sizeof title, "%s%s%s%s", n->name, n->step ? " - " : "",
			 n->step ? n->step : "", focus ? " *" : "");
	term_box(y, x, h, wd, title);
	int inner = h - 2;
	size_t count = pane_count(n->pane);
	size_t end = count > n->scroll ? count - n->scroll : 0;
	size_t start = end > (size_t)inner ? end - (size_t)inner : 0;
	for (size_t i = start; i < end; i++) {
		static const enum term_role roles[] = {
			[PANE_OUTPUT] = ROLE_NORMAL, [PANE_STEP] = ROLE_RUNNING,
			[PANE_FAILED] = ROLE_ERROR, [PANE_WARNING] = ROLE_WARN,
		};
		wg_put(y + 1 + (int)(i - start), x + 1, wd - 2, roles[pane_kind(n->pane, i)],
		       pane_line(n->pane, i));
	}
	if (n->scroll) {
		char buf[48];
		snprintf(buf, sizeof buf, " scrolled: %zu lines below ", n->scroll);
		wg_put(y + h - 1, x + 2, wd - 4, ROLE_WARN, buf);
	}
}

/* No room for a pane each (or one replica): the master and the focused
 * other node. */
static void draw_two_panes(struct wizard *w, int py, int ph, int cols)
{
	const struct wizard_node *a = w->n_nodes ? &w->nodes[0] : NULL;
	size_t bi = w->run_sel ? w->run_sel : 1;
	const struct wizard_node *b = bi < w->n_nodes ? &w->nodes[bi] : NULL;
	if (a && b && (cols >= 120 || wizard_flow(w->op)->panes_side_by_side)) {
		int half = cols / 2;
		draw_pane(a, py, 0, ph, half, w->run_sel == 0);
		draw_pane(b, py, half, ph, cols - half, w->run_sel != 0);
	} else if (a && b) {
		int h1 = ph / 2;
		draw_pane(a, py, 0, h1, cols, w->run_sel == 0);
		draw_pane(b, py + h1, 0, ph - h1, cols, w->run_sel != 0);
	} else if (a) {
		draw_pane(a, py, 0, ph, cols, true);
	}
}

static void draw(struct view *v)
{
	struct wizard *w = page_wizard(v);
	int rows, cols;
	getmaxyx(stdscr, rows, cols);
	int top = 2;
	int list_h = list_height(rows);
	size_t n = w->plan ? w->plan->n : 0;
	/* keep the running (or failed) item in view */
	size_t cur = 0;
	for (size_t i = 0; i < n; i++) {
		enum item_state s = w->plan->items[i].state;
		if (s == ITEM_RUNNING || s == ITEM_WAITING || s == ITEM_FAILED) {
			cur = i;
			break;
		}
		if (s != ITEM_PENDING)
			cur = i;
	}
	size_t first = cur > (size_t)list_h / 2 ? cur - (size_t)list_h / 2 : 0;
	if (n > (size_t)list_h && first > n - (size_t)list_h)
		first = n - (size_t)list_h;
	if (n <= (size_t)list_h)
		first = 0;
	char buf[256];
	size_t done = 0;
	for (size_t i = 0; i < n; i++)
		done += w->plan->items[i].state != ITEM_PENDING && w->plan->items[i].state != ITEM_RUNNING &&
			w->plan->items[i].state != ITEM_WAITING;
	snprintf(buf, sizeof buf, "Steps (%zu of %zu finished)", done, n);
	wg_put(1, 2, cols - 4, ROLE_NORMAL, buf);
	for (size_t i = first; i < n && (int)(i - first) < list_h; i++)
		page_item_line(w, top + (int)(i - first), i, cols - 4);
	int py = top + list_h, ph = rows - 1 - py;
	focused(w);
	struct pane_rect *r = xcalloc(w->n_nodes + 1, sizeof *r);
	size_t np = replica_panes(w, rows, cols, r);
	for (size_t i = 0; i < np; i++)
		draw_pane(&w->nodes[r[i].node], r[i].y, r[i].x, r[i].h, r[i].w, r[i].node == w->run_sel);
	free(r);
	if (!np)
		draw_two_panes(w, py, ph, cols);
	wg_key_bar("Tab switch pane  Up/Down/PgUp/PgDn scroll  End follow  l full log  ^C abort");
}

const struct view_ops page_run_ops = { .name = "run", .enter = enter, .key = key, .draw = draw };
