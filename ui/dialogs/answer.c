/* Install's answer-queries checklist: the site's MTA and other nodes in
 * run order, the master last; checked ones get the new ldap_url. Enter
 * confirms (answer queries is on when any is checked), Esc restores. */
#include "pages/page.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

/* The focus, and the checks as they were when it opened (Esc). */
struct answer_state {
	size_t sel;
	bool *saved;
};

static struct answer_state *state(struct view *v)
{
	return page_state(v, sizeof(struct answer_state));
}

/* Opened from the Nodes page: Esc puts these checks back. */
static bool enter(struct view *v, void *arg, char *err, size_t err_size)
{
	struct wizard *w = page_wizard(v);
	struct answer_state *s = state(v);
	(void)arg, (void)err, (void)err_size;
	s->saved = xrealloc(s->saved, (w->n_ans + 1) * sizeof *s->saved);
	memcpy(s->saved, w->ans_checked, (w->n_ans + 1) * sizeof *s->saved);
	s->sel = 0;
	return true;
}

static void leave(struct view *v)
{
	free(state(v)->saved);
	state(v)->saved = NULL;
}

static unsigned key(struct view *v, int k)
{
	struct wizard *w = page_wizard(v);
	struct answer_state *s = state(v);
	size_t rows = w->n_ans + 1;
	switch (wg_check_key(&s->sel, w->ans_checked, rows, k)) {
	case WG_CHECK_CANCEL:
		memcpy(w->ans_checked, s->saved, rows * sizeof *w->ans_checked);
		w->dialog = DLG_NONE;
		break;
	case WG_CHECK_DONE: {
		bool any = false;
		for (size_t i = 0; i < rows; i++)
			any |= w->ans_checked[i] && !(i < w->n_ans && wizard_answer_is_master(w, i));
		w->answer_queries = any;
		if (!any) /* off again; the next Space means every node */
			for (size_t i = 0; i < rows; i++)
				w->ans_checked[i] = true;
		w->dialog = DLG_NONE;
		break;
	}
	case WG_CHECK_CHANGED:
	case WG_CHECK_OTHER:
		break;
	}
	return VIEW_CHANGED;
}

static void draw(struct view *v)
{
	const struct wizard *w = page_wizard(v);
	size_t sel = state(v)->sel;
	size_t n = w->n_ans + 1;
	char buf[1024];
	struct page_checklist c = page_checklist(
		"Answer queries: which nodes get the new ldap_url",
		"After the replica is verified, each checked node points ldap_url at the replicas "
		"(the master URL last), one at a time, the master last.",
		2, n, sel, "Space check  a all  n none  Enter done  Esc cancel");
	for (int i = 0; i < c.rows && c.top + (size_t)i < n; i++) {
		size_t k = c.top + (size_t)i;
		const char *name = k < w->n_ans ? w->ans_names[k] : w->field[FIELD_MASTER];
		snprintf(buf, sizeof buf, "[%c] %-40s %s", w->ans_checked[k] ? 'x' : ' ',
			 *name ? name : "(no master on the Nodes page)", k == w->n_ans ? "master (last)" : "");
		wg_put(c.y + i, c.x + 4, c.wd - 8, k == sel ? ROLE_SELECTED : ROLE_NORMAL, buf);
	}
}

const struct view_ops dialog_answer_ops = { .name = "answer", .enter = enter, .key = key, .draw = draw,
					     .leave = leave };
