/* Dovecot's pair list, shown before the settings page when the site file
 * names several pairs ([dovecot] and [dovecot NAME]): Enter chooses the
 * pair whose servers the settings page edits and the run sets up. */
#include "page.h"

#include <stdio.h>

static int *sel(struct view *v)
{
	return page_state(v, sizeof(int));
}

/* the focus starts on the pair chosen last */
static bool enter(struct view *v, void *arg, char *err, size_t err_size)
{
	(void)arg, (void)err, (void)err_size;
	const struct wizard *w = page_wizard(v);
	*sel(v) = w->dv_pair < w->n_dv_pairs ? (int)w->dv_pair : 0;
	return true;
}

static unsigned key(struct view *v, int k)
{
	struct wizard *w = page_wizard(v);
	if (wg_list_move(sel(v), (int)w->n_dv_pairs, k))
		return VIEW_CHANGED;
	if (k == KEY_ESC) {
		wizard_goto(w, PAGE_HOME);
	} else if (page_is_enter(k) && w->n_dv_pairs) {
		wizard_choose_dv_pair(w, (size_t)*sel(v));
		wizard_goto(w, wizard_flow_next(w));
	} else {
		return VIEW_IGNORED;
	}
	return VIEW_CHANGED;
}

static void draw(struct view *v)
{
	const struct wizard *w = page_wizard(v);
	int rows, cols;
	getmaxyx(stdscr, rows, cols);
	char buf[1200];
	snprintf(buf, sizeof buf, "The site file names %zu Dovecot pairs: choose the one to set up.", w->n_dv_pairs);
	int y = page_intro(buf);
	snprintf(buf, sizeof buf, "%-14s  %s", "Pair", "Servers (they replicate with each other only)");
	wg_put(y++, 4, cols - 8, ROLE_DIM, buf);
	int room = rows - 13;
	size_t s = (size_t)*sel(v);
	size_t first = wg_list_top(s, w->n_dv_pairs, room);
	for (size_t i = first; i < w->n_dv_pairs && y < 5 + room; i++, y++) {
		const struct wizard_dv_pair *p = &w->dv_pairs[i];
		snprintf(buf, sizeof buf, "%-14s  %s + %s", p->name, p->servers[0], p->servers[1]);
		wg_put(y, 4, cols - 8, i == s ? ROLE_SELECTED : ROLE_NORMAL, buf);
	}
	y++;
	if (s < w->n_dv_pairs) {
		const struct wizard_dv_pair *p = &w->dv_pairs[s];
		snprintf(buf, sizeof buf, "[dovecot%s%s] %s + %s: port %s, max_conns %s, conf_dir %s.",
			 p->named ? " " : "", p->named ? p->name : "", p->servers[0], p->servers[1], p->port,
			 p->max_conns, p->conf_dir);
		y += wg_wrap(y, 2, cols - 4, 3, ROLE_NORMAL, buf);
	}
	y += wg_wrap(y, 2, cols - 4, 2, ROLE_DIM,
		     "Each pair has its own journal: choosing a pair whose run was cut short continues "
		     "it; the other pairs are not contacted.");
	wg_key_bar("Up/Down move  Enter choose (then its settings)  Esc home");
	page_status(w);
}

const struct view_ops page_dovecot_pairs_ops = {
	.name = "dovecot-pairs", .enter = enter, .key = key, .draw = draw,
};
