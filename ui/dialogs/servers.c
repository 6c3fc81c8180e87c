/* The servers of the master's directory that the site file does not name
 * (the preflight refused with OPERATION_REFUSAL_UNNAMED_SERVERS): Space
 * checks one to skip it; Enter goes on when every one is checked, Esc (or
 * s) stops the run (nothing was changed). */
#include "pages/page.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>


static unsigned key(struct view *v, int k)
{
	struct wizard *w = page_wizard(v);
	enum wg_check_action act = k == 's' ? WG_CHECK_CANCEL : wg_check_key(page_focus(v), w->srv_skip, w->n_srv, k);
	if (act == WG_CHECK_CANCEL) {
		wizard_abort(w);
	} else if (act == WG_CHECK_DONE) {
		size_t n = 0;
		free(wizard_skipped_servers(w, &n));
		if (n < w->n_srv) {
			snprintf(w->status, sizeof w->status,
				 "Check every server to skip it, or stop (Esc) and add it to the site file.");
			return VIEW_CHANGED;
		}
		w->status[0] = '\0';
		w->dialog = DLG_NONE;
		if (w->be.skip_servers)
			w->be.skip_servers(w);
	}
	return VIEW_CHANGED;
}

static void draw(struct view *v)
{
	const struct wizard *w = page_wizard(v);
	size_t n = w->n_srv, s = *page_focus(v);
	char buf[1024];
	struct page_checklist c = page_checklist(
		"Servers the site file does not name",
		"The master's directory lists these servers; the run would leave their ldap_url "
		"as it is (an MTA's Postfix maps too). Nothing was changed. Skip them, or stop "
		"and add them to the site file.",
		3, n, s, "Space skip  a all  n none  Enter go on (all checked)  Esc stop");
	int col = 0; /* the names' column: as wide as the longest, up to 30 */
	for (size_t k = 0; k < n; k++)
		if ((int)strlen(w->srv_names[k]) > col)
			col = (int)strlen(w->srv_names[k]);
	col = col > 30 ? 30 : col;
	for (int i = 0; i < c.rows && c.top + (size_t)i < n; i++) {
		size_t k = c.top + (size_t)i;
		snprintf(buf, sizeof buf, "[%c] %-*s  %s", w->srv_skip[k] ? 'x' : ' ', col, w->srv_names[k],
			 w->srv_roles[k]);
		wg_put(c.y + i, c.x + 4, c.wd - 8, k == s ? ROLE_SELECTED : ROLE_NORMAL, buf);
	}
}

const struct view_ops dialog_servers_ops = { .name = "servers", .enter = page_focus_enter, .key = key, .draw = draw };
