/* The end of a run: the verdict, the counts, the steps the procedure marks
 * for the finish report, the operation's own note, how to resume, where
 * the site file went; d opens the dashboard, h or Enter goes back to the
 * home screen (the next job is often another operation), q quits. */
#include "page.h"

#include <stdio.h>

#include "dashboard_view.h"

static unsigned key(struct view *v, int k)
{
	struct wizard *w = page_wizard(v);
	if (k == 'd') {
		wizard_open_view(w, &dashboard_view_ops);
		return VIEW_CHANGED;
	}
	if (k == 'h' || page_is_enter(k)) {
		wizard_home(w);
		return VIEW_CHANGED;
	}
	if (k == 'q') {
		w->quit = true;
		return VIEW_QUIT;
	}
	return VIEW_IGNORED;
}

static size_t count_state(const struct wizard *w, enum item_state s)
{
	size_t c = 0;
	for (size_t i = 0; w->plan && i < w->plan->n; i++)
		c += w->plan->items[i].state == s;
	return c;
}

static void draw(struct view *v)
{
	const struct wizard *w = page_wizard(v);
	const struct wizard_flow *f = wizard_flow(w->op);
	int rows, cols;
	getmaxyx(stdscr, rows, cols);
	int y = 2;
	char buf[1024];
	bool ok = w->rstate == RUNNER_DONE;
	/* confirmed: the journal said complete and only the checks ran */
	wg_put(y, 2, cols - 4, ok ? ROLE_OK : ROLE_ERROR,
	       !ok ? f->fail_text
	       : w->confirmed ? "Already complete: the nodes confirm it (preflight and verification steps); nothing was changed."
			      : f->done_text);
	y += 2;
	snprintf(buf, sizeof buf, "%zu done, %zu already done, %zu not applicable, %zu warnings, %zu failed, %zu skipped, %zu not run.",
		 count_state(w, ITEM_DONE), count_state(w, ITEM_ALREADY), count_state(w, ITEM_NA),
		 count_state(w, ITEM_WARNED), count_state(w, ITEM_FAILED), count_state(w, ITEM_SKIPPED),
		 count_state(w, ITEM_PENDING) + count_state(w, ITEM_RUNNING));
	y += wg_wrap(y, 2, cols - 4, 2, ROLE_NORMAL, buf);
	y++;
	wg_put(y++, 2, cols - 4, ROLE_RUNNING, "Verification:");
	for (size_t i = 0; w->plan && i < w->plan->n && y < rows - 6; i++) {
		const struct plan_item *it = &w->plan->items[i];
		/* a confirmed check ran the verify = yes steps alone */
		bool show = w->confirmed ? it->step->verify : it->step->report == PROC_REPORT_FINISH;
		if (!show)
			continue;
		page_item_line(w, y++, i, cols - 4);
		if (it->message)
			y += wg_wrap(y, 31, cols - 33, 2, page_item_role(it->state), it->message);
	}
	y++;
	if (f->finish_note) {
		f->finish_note(w, buf, sizeof buf);
		y += wg_wrap(y, 2, cols - 4, 2, ROLE_NORMAL, buf);
	}
	if (!ok) {
		snprintf(buf, sizeof buf, "The journal keeps what was done: fix the cause, then continue with "
			 "`replica-wizard %s` (steps done are not run again).", f->resume_cmd);
		y += wg_wrap(y, 2, cols - 4, 3, ROLE_WARN, buf);
	}
	if (w->site_saved)
		y += wg_wrap(y, 2, cols - 4, 2, ROLE_DIM, w->site_saved);
	wg_key_bar("d open the dashboard  h/Enter home screen  q quit");
	page_status(w);
}

const struct view_ops page_finish_ops = { .name = "finish", .key = key, .draw = draw };
