/* Remove's form: the site's replicas to remove (Space checks one), the
 * disable-LDAP toggle, the Connect button; F5 asks the site's master for
 * its servers (the Discover review writes the site file, the list follows). */
#include "page.h"

#include <stdio.h>

/* page_focus: a replica, n_rm the disable-LDAP toggle, n_rm + 1 Connect;
 * a new operation starts on the first row */

static unsigned key(struct view *v, int k)
{
	struct wizard *w = page_wizard(v);
	enum wg_form_action act = wg_form_key(page_focus(v), w->n_rm + 2, k);
	if (act == WG_FORM_BACK) {
		wizard_goto(w, PAGE_HOME);
	} else if (k == 'c') {
		wizard_connect(w);
	} else if (k == KEY_F(5)) {
		wizard_discover(w);
	} else if (act == WG_FORM_ENTER || k == ' ') {
		if (*page_focus(v) < w->n_rm)
			w->rm_checked[*page_focus(v)] = !w->rm_checked[*page_focus(v)];
		else if (*page_focus(v) == w->n_rm)
			w->disable_ldap = !w->disable_ldap;
		else if (k != ' ')
			wizard_connect(w);
	}
	return VIEW_CHANGED;
}

static void draw(struct view *v)
{
	const struct wizard *w = page_wizard(v);
	int rows, cols;
	getmaxyx(stdscr, rows, cols);
	char buf[1200];
	int y = page_intro("The replicas to remove (from the site file; Space checks one):");
	if (!w->n_rm)
		wg_put(y++, 4, cols - 8, ROLE_WARN, "The site file lists no replica ([carbonio] replicas).");
	/* a window that keeps the selection in view */
	int room = rows - 12;
	size_t first = wg_list_top(*page_focus(v), w->n_rm, room);
	for (size_t i = first; i < w->n_rm && y < 4 + room; i++, y++) {
		snprintf(buf, sizeof buf, "[%c] %s", w->rm_checked[i] ? 'x' : ' ', w->rm_names[i]);
		wg_put(y, 4, cols - 8, i == *page_focus(v) ? ROLE_SELECTED : ROLE_NORMAL, buf);
	}
	y++;
	snprintf(buf, sizeof buf, "[%c] Disable LDAP on the removed replicas", w->disable_ldap ? 'x' : ' ');
	wg_put(y++, 4, cols - 8, *page_focus(v) == w->n_rm ? ROLE_SELECTED : ROLE_NORMAL, buf);
	y += wg_wrap(y, 8, cols - 12, 2, ROLE_DIM,
		  w->disable_ldap ? "yes: take ldap out of their enabled services, point their ldap_url at "
				    "the master and stop their slapd"
				  : "no: the removed replicas are not contacted (a dead one can be removed)");
	y++;
	wg_put(y, 4, 12, *page_focus(v) == w->n_rm + 1 ? ROLE_SELECTED : ROLE_NORMAL, "[ Connect ]");
	y += 2;
	snprintf(buf, sizeof buf, "The preflight reads every node's ldap_url and shows it before and after. "
		 "Site file: %s (updated after the run)", w->site_path ? w->site_path : "(none)");
	y += wg_wrap(y, 2, cols - 4, 2, ROLE_DIM, buf);
	page_form_end(w, y, rows - 2 - y, "Up/Down move  Space/Enter check  c connect  F5 discover  Esc home");
}

const struct view_ops page_remove_ops = { .name = "remove", .enter = page_focus_enter, .key = key, .draw = draw };
