/* Install's form: the master, the replicas, how to reach them over SSH,
 * and whether the site's nodes answer queries from the new replicas
 * afterwards (Space: all or none; Enter: the DLG_ANSWER checklist). F5
 * asks the typed master for the site's servers (the Discover review, a
 * view over the wizard); what is taken shows below the form. */
#include "page.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

static bool enter_row(struct wizard *w, int f)
{
	if (f == FIELD_ANSWER) {
		wizard_open_dialog(w, DLG_ANSWER);
		return true;
	}
	if (f != FIELD_CONNECT)
		return false;
	wizard_connect(w);
	return true;
}

/* Space on "Answer queries": all or none (the checklist chooses) */
static void all_or_none(struct wizard *w)
{
	w->answer_queries = !w->answer_queries;
	if (w->answer_queries)
		for (size_t i = 0; i <= w->n_ans; i++)
			w->ans_checked[i] = true;
}

/* "[x] 2 of 3: mta, master" — the nodes whose ldap_url the run rewrites. */
static void answer_summary(const struct wizard *w, char *buf, size_t size)
{
	if (!w->answer_queries) {
		snprintf(buf, size, "[ ] no: ldap_url unchanged");
		return;
	}
	size_t n = 0, total = w->n_ans + 1;
	const char **some = wizard_answer_nodes(w, &n);
	if (!some) {
		snprintf(buf, size, "[x] yes: all %zu node%s (MTA, other nodes, the master last)", total,
			 total == 1 ? "" : "s");
		return;
	}
	size_t len = (size_t)snprintf(buf, size, "[x] %zu of %zu:", n, total);
	for (size_t i = 0; i < n && len < size; i++)
		len += (size_t)snprintf(buf + len, size - len, "%s %s", i ? "," : "", some[i]);
	free(some);
}

static void answer_draw(const struct wizard *w, int y, int x, int width, enum term_role role)
{
	char buf[WIZARD_FIELD_MAX + 64];
	answer_summary(w, buf, sizeof buf);
	wg_put(y, x, width, role, buf);
	if (role == ROLE_SELECTED)
		wg_put(y + 1, x, width, ROLE_DIM, "Space: every node or none  Enter: choose nodes");
}

static const char *const labels[] = {
	[FIELD_MASTER] = "Master (LDAP provider)", [FIELD_REPLICAS] = "Replicas (space separated)",
	[FIELD_USER] = "SSH user", [FIELD_PORT] = "SSH port",
	[FIELD_IDENTITY] = "SSH key (identity file)", [FIELD_KNOWN_HOSTS] = "known_hosts file",
	[FIELD_ANSWER] = "Answer queries afterwards",
};

static const char *const placeholders[FIELD_COUNT] = {
	[FIELD_IDENTITY] = "(ssh agent, then the default keys)",
};

static const struct page_form form = {
	.count = FIELD_COUNT, .n_text = FIELD_ANSWER,
	.sel = offsetof(struct wizard, field_sel), .text = offsetof(struct wizard, field),
	.labels = labels, .placeholders = placeholders, .enter = enter_row,
	.special_row = FIELD_ANSWER, .special_key = ' ', .special = all_or_none, .special_draw = answer_draw,
};

static unsigned key(struct view *v, int k)
{
	if (k == KEY_F(5)) {
		wizard_discover(page_wizard(v));
		return VIEW_CHANGED;
	}
	return page_form_key(page_wizard(v), &form, k);
}

/* "Discovered on M: replicas ..., MTA ..., other nodes ...": what Connect
 * sets in the site file (or that the master changed since). */
static void discovered_text(const struct wizard *w, char *buf, size_t size)
{
	if (!wizard_discovery_current(w)) {
		snprintf(buf, size, "Discovered on %s, but the master is now %s: F5 asks it.", w->disc_from,
			 w->field[FIELD_MASTER]);
		return;
	}
	const char *none = "(none)";
	snprintf(buf, size, "Discovered on %s (into the site file on Connect): replicas %s, MTA %s, other "
		 "nodes %s.", w->disc_from, *w->disc[DISCOVER_REPLICAS] ? w->disc[DISCOVER_REPLICAS] : none,
		 *w->disc[DISCOVER_MTA] ? w->disc[DISCOVER_MTA] : none,
		 *w->disc[DISCOVER_OTHER_NODES] ? w->disc[DISCOVER_OTHER_NODES] : none);
}

static void draw(struct view *v)
{
	const struct wizard *w = page_wizard(v);
	int cols = getmaxx(stdscr);
	int y = page_intro("The master, the replica(s) to install, and how to reach them over SSH.");
	y = page_form_draw(w, &form, y);
	char buf[4 * WIZARD_FIELD_MAX + 1200];
	if (w->disc_from)
		discovered_text(w, buf, sizeof buf);
	else
		snprintf(buf, sizeof buf, "Site file: %s (saved on Connect, without any password)",
			 w->site_path ? w->site_path : "(none)");
	y += wg_wrap(y, 2, cols - 4, 2, w->disc_from && !wizard_discovery_current(w) ? ROLE_WARN : ROLE_DIM, buf) - 1;
	page_form_end(w, y + 2, 3, "Tab/Down next  Up previous  ^U clear  F5 discover  Enter on Connect  Esc home");
}

const struct view_ops page_nodes_ops = { .name = "nodes", .key = key, .draw = draw };
