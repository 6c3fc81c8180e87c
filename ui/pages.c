/* Drawing: every pass redraws the whole screen from the wizard model into
 * stdscr; the caller does one doupdate(). Never changes the model except
 * clamping scroll offsets to what fits. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "home.h"
#include "pane.h"
#include "widgets/dialog.h"
#include "widgets/field.h"
#include "widgets/frame.h"
#include "widgets/list.h"
#include "widgets/text.h"
#include "term.h"
#include "wizard.h"
#include "xalloc.h"

static int rows, cols;

static const char *const page_names[] = {
	[PAGE_HOME] = "Home", [PAGE_NODES] = "1 Nodes", [PAGE_CONNECT] = "1 Connect",
	[PAGE_PREFLIGHT] = "2 Preflight", [PAGE_MENU] = "3 Bootstrap menus",
	[PAGE_PLAN] = "4 Plan review", [PAGE_RUN] = "5 Run", [PAGE_FINISH] = "6 Verification",
};

/* remove and dovecot have no bootstrap menus: one step less */
static const char *const page_names_other[] = {
	[PAGE_HOME] = "Home", [PAGE_REMOVE] = "1 Replicas", [PAGE_DOVECOT] = "1 Settings",
	[PAGE_CONNECT] = "1 Connect", [PAGE_PREFLIGHT] = "2 Preflight", [PAGE_PLAN] = "3 Plan review",
	[PAGE_RUN] = "4 Run", [PAGE_FINISH] = "5 Verification",
};

static void title_bar(const struct wizard *w)
{
	wg_fill_row(0, ROLE_TITLE);
	char buf[256];
	const char *page = w->op == OP_INSTALL ? page_names[w->page] : page_names_other[w->page];
	if (w->page == PAGE_HOME)
		snprintf(buf, sizeof buf, " replica-wizard");
	else
		snprintf(buf, sizeof buf, " replica-wizard %s %s %s %s", term_utf8() ? "\u2014" : "-",
			 wizard_op_title(w->op), term_utf8() ? "\u203a" : ">", page ? page : "");
	wg_put(0, 0, cols, ROLE_TITLE, buf);
}


static void status_line(const struct wizard *w)
{
	if (w->status[0])
		wg_put(rows - 2, 1, cols - 2, ROLE_WARN, w->status);
}

/* ---- pages ---- */

static void draw_home(const struct wizard *w)
{
	int y = 3;
	wg_put(y, 4, cols - 8, ROLE_RUNNING, "What do you want to do?");
	y += 2;
	for (size_t i = 0; i < home_count; i++, y += 2) {
		char buf[160];
		snprintf(buf, sizeof buf, " %zu) %-34s", i + 1, home_entries[i].label);
		wg_put(y, 4, 40, (int)i == w->home_sel ? ROLE_SELECTED : ROLE_NORMAL, buf);
		wg_put(y, 46, cols - 48, ROLE_NORMAL, home_entries[i].note);
	}
	char keys[80];
	snprintf(keys, sizeof keys, "Up/Down move  Enter choose  1-%zu pick  q quit", home_count);
	wg_key_bar(keys);
}

static const char *const field_labels[] = {
	[FIELD_MASTER] = "Master (LDAP provider)", [FIELD_REPLICAS] = "Replicas (space separated)",
	[FIELD_USER] = "SSH user", [FIELD_PORT] = "SSH port",
	[FIELD_IDENTITY] = "SSH key (identity file)", [FIELD_KNOWN_HOSTS] = "known_hosts file",
	[FIELD_ANSWER] = "Answer queries afterwards",
};

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

static void draw_nodes(const struct wizard *w)
{
	int y = 2;
	wg_put(y, 2, cols - 4, ROLE_RUNNING, "The master, the replica(s) to install, and how to reach them over SSH.");
	y += 2;
	int fw = cols - 34;
	for (int f = 0; f < FIELD_CONNECT; f++, y += 2) {
		wg_put(y, 2, 28, ROLE_NORMAL, field_labels[f]);
		enum term_role role = f == w->field_sel ? ROLE_SELECTED : ROLE_NORMAL;
		char buf[WIZARD_FIELD_MAX + 64];
		if (f == FIELD_ANSWER) {
			answer_summary(w, buf, sizeof buf);
			wg_put(y, 31, fw, role, buf);
			if (f == w->field_sel)
				wg_put(y + 1, 31, fw, ROLE_DIM, "Space: every node or none  Enter: choose nodes");
			continue;
		}
		const char *v = w->field[f];
		if (f == FIELD_IDENTITY && !*v && f != w->field_sel)
			v = "(ssh agent, then the default keys)";
		wg_field_draw(y, 31, fw, role, v, f == w->field_sel);
	}
	wg_put(y, 31, 12, w->field_sel == FIELD_CONNECT ? ROLE_SELECTED : ROLE_NORMAL, "[ Connect ]");
	y += 2;
	char buf[1200];
	snprintf(buf, sizeof buf, "Site file: %s (saved on Connect, without any password)",
		 w->site_path ? w->site_path : "(none)");
	y += wg_wrap(y, 2, cols - 4, 2, ROLE_DIM, buf) - 1;
	if (w->form_error)
		wg_wrap(y + 2, 2, cols - 4, 3, ROLE_ERROR, w->form_error);
	wg_key_bar("Tab/Down next  Up previous  type to edit  ^U clear  Enter on Connect  Esc home");
}

static void draw_remove(const struct wizard *w)
{
	int y = 2;
	char buf[1200];
	wg_put(y, 2, cols - 4, ROLE_RUNNING,
		 "The replicas to remove (from the site file; Space checks one):");
	y += 2;
	if (!w->n_rm)
		wg_put(y++, 4, cols - 8, ROLE_WARN, "The site file lists no replica ([carbonio] replicas).");
	/* a window that keeps the selection in view */
	int room = rows - 12;
	size_t first = wg_list_top(w->rm_sel, w->n_rm, room);
	for (size_t i = first; i < w->n_rm && y < 4 + room; i++, y++) {
		snprintf(buf, sizeof buf, "[%c] %s", w->rm_checked[i] ? 'x' : ' ', w->rm_names[i]);
		wg_put(y, 4, cols - 8, i == w->rm_sel ? ROLE_SELECTED : ROLE_NORMAL, buf);
	}
	y++;
	snprintf(buf, sizeof buf, "[%c] Disable LDAP on the removed replicas", w->disable_ldap ? 'x' : ' ');
	wg_put(y++, 4, cols - 8, w->rm_sel == w->n_rm ? ROLE_SELECTED : ROLE_NORMAL, buf);
	y += wg_wrap(y, 8, cols - 12, 2, ROLE_DIM,
		  w->disable_ldap ? "yes: take ldap out of their enabled services, point their ldap_url at "
				    "the master and stop their slapd"
				  : "no: the removed replicas are not contacted (a dead one can be removed)");
	y++;
	wg_put(y, 4, 12, w->rm_sel == w->n_rm + 1 ? ROLE_SELECTED : ROLE_NORMAL, "[ Connect ]");
	y += 2;
	snprintf(buf, sizeof buf, "The preflight reads every node's ldap_url and shows it before and after. "
		 "Site file: %s (updated after the run)", w->site_path ? w->site_path : "(none)");
	y += wg_wrap(y, 2, cols - 4, 2, ROLE_DIM, buf);
	if (w->form_error)
		wg_wrap(y, 2, cols - 4, rows - 2 - y, ROLE_ERROR, w->form_error);
	wg_key_bar("Up/Down move  Space/Enter check  c or Enter on Connect: connect  Esc home");
}

static const char *const dv_labels[] = {
	[DV_SERVER1] = "First Dovecot server", [DV_SERVER2] = "Second Dovecot server",
	[DV_PORT] = "Replication port (doveadm)", [DV_MAX_CONNS] = "replication_max_conns",
	[DV_PASSWORD] = "doveadm_password",
};

static void draw_dovecot(const struct wizard *w)
{
	int y = 2;
	char buf[WIZARD_FIELD_MAX + 200];
	wg_put(y, 2, cols - 4, ROLE_RUNNING,
		 "Two-way replication between two Dovecot 2.3 servers (SSH: the site file).");
	y += 2;
	int fw = cols - 34;
	for (int f = 0; f < DV_CONNECT; f++, y += 2) {
		wg_put(y, 2, 28, ROLE_NORMAL, dv_labels[f]);
		enum term_role role = f == w->dv_sel ? ROLE_SELECTED : ROLE_NORMAL;
		if (f == DV_PASSWORD) {
			/* never the password, not even its length */
			snprintf(buf, sizeof buf, "[%s]", w->dv_password[0]
				 ? "typed, hidden (Enter: retype, g: generate)"
				 : "generated / an earlier run's (Enter: type)");
			wg_put(y, 31, fw, role, buf);
			continue;
		}
		wg_field_draw(y, 31, fw, role, w->dv_field[f], f == w->dv_sel);
	}
	wg_put(y, 31, 12, w->dv_sel == DV_CONNECT ? ROLE_SELECTED : ROLE_NORMAL, "[ Connect ]");
	y += 2;
	y += wg_wrap(y, 2, cols - 4, 2, ROLE_DIM,
		  "The preflight resolves each server's partner addresses (the firewall accepts "
		  "the port from them only): confirm them before the plan review.");
	snprintf(buf, sizeof buf, "Site file: %s (saved on Connect, without the password)",
		 w->site_path ? w->site_path : "(none)");
	y += wg_wrap(y, 2, cols - 4, 2, ROLE_DIM, buf);
	if (w->form_error)
		wg_wrap(y, 2, cols - 4, rows - 3 - y, ROLE_ERROR, w->form_error);
	wg_key_bar("Tab/Down next  Up previous  type to edit  ^U clear  Enter on Connect  Esc home");
}

static const char *conn_text(enum conn_state st)
{
	switch (st) {
	case CONN_NEW: return "waiting";
	case CONN_CONNECTING: return "connecting...";
	case CONN_HOSTKEY_WAIT: return "unknown host key: your decision";
	case CONN_AUTHENTICATING: return "authenticating...";
	case CONN_SECRET_WAIT: return "waiting for a secret";
	case CONN_READY: return "connected";
	case CONN_FAILED: return "FAILED";
	}
	return "";
}

static void draw_connect(const struct wizard *w)
{
	int y = 2;
	wg_put(y, 2, cols - 4, ROLE_RUNNING, "Opening an SSH session to every node:");
	y += 2;
	bool failed = false;
	for (size_t i = 0; i < w->n_nodes && y < rows - 3; i++) {
		const struct wizard_node *n = &w->nodes[i];
		enum term_role role = n->conn == CONN_READY ? ROLE_OK
				      : n->conn == CONN_FAILED ? ROLE_ERROR : ROLE_RUNNING;
		wg_put(y, 4, 30, ROLE_NORMAL, n->name);
		wg_put(y, 36, cols - 38, role, conn_text(n->conn));
		y++;
		if (n->conn == CONN_FAILED) {
			failed = true;
			y += wg_wrap(y, 8, cols - 10, 4, ROLE_ERROR, n->conn_msg ? n->conn_msg : "");
		}
	}
	if (w->started)
		wg_put(y + 1, 2, cols - 4, ROLE_OK, "All nodes connected: the preflight checks start.");
	wg_key_bar(failed ? "r retry  b back to the nodes  q quit" : "b back to the nodes  q quit");
}

static enum term_role item_role(enum item_state s)
{
	switch (s) {
	case ITEM_DONE: case ITEM_ALREADY: case ITEM_RESUMED: return ROLE_OK;
	case ITEM_RUNNING: case ITEM_WAITING: return ROLE_RUNNING;
	case ITEM_WARNED: case ITEM_SKIPPED: return ROLE_WARN;
	case ITEM_FAILED: return ROLE_ERROR;
	default: return ROLE_DIM;
	}
}

static void item_elapsed(const struct wizard *w, const struct plan_item *it, char *buf, size_t n)
{
	buf[0] = '\0';
	if (it->state == ITEM_RUNNING || it->state == ITEM_WAITING)
		snprintf(buf, n, "%5.1fs", w->now - it->first_started);
	else if (it->finished > 0 && it->first_started > 0)
		snprintf(buf, n, "%5.1fs", it->finished - it->first_started);
}

static int item_line(const struct wizard *w, int y, size_t i, int width)
{
	const struct plan_item *it = &w->plan->items[i];
	char el[16], buf[512];
	item_elapsed(w, it, el, sizeof el);
	const char *st = it->state == ITEM_FAILED ? "FAILED" : item_state_name(it->state);
	snprintf(buf, sizeof buf, "%2zu %-8s%7s  %-16.16s %s", i + 1, st, el, it->node, it->step->title);
	wg_put(y, 2, width, item_role(it->state), buf);
	return 1;
}

static void draw_report(struct wizard *w, int y, int h)
{
	if (h < 3)
		return;
	term_box(y, 0, h, cols, w->op == OP_REMOVE ? "ldap_url before / after" : "Findings");
	int inner = h - 2, width = cols - 2;
	/* wrapped to the box (continuations indented), then a window of it */
	size_t total = 0, cap = 64;
	char **lines = xcalloc(cap, sizeof *lines);
	enum term_role *roles = xcalloc(cap, sizeof *roles);
	for (size_t i = 0; i < pane_count(w->report); i++) {
		const char *line = pane_line(w->report, i);
		enum term_role role = strstr(line, "REFUSED") ? ROLE_ERROR
				      : strstr(line, "DISAGREES") || strstr(line, "WARNING") ? ROLE_WARN
				      : strncmp(line, "+++", 3) != 0 && line[0] == '+' ? ROLE_OK
				      : strncmp(line, "---", 3) != 0 && line[0] == '-' ? ROLE_WARN : ROLE_NORMAL;
		size_t len = strlen(line), off = 0;
		do {
			size_t room = (size_t)width - (off ? 4 : 0);
			size_t cut = len - off > room ? room : len - off;
			if (len - off > room) /* at a blank when there is one */
				for (size_t k = cut; k > room / 2; k--)
					if (line[off + k] == ' ') {
						cut = k;
						break;
					}
			if (total == cap) {
				cap *= 2;
				lines = xrealloc(lines, cap * sizeof *lines);
				roles = xrealloc(roles, cap * sizeof *roles);
			}
			roles[total] = role;
			lines[total++] = xasprintf("%s%.*s", off ? "    " : "", (int)cut, line + off);
			off += cut;
			while (off < len && line[off] == ' ')
				off++;
		} while (off < len);
	}
	size_t count = total;
	size_t max = count > (size_t)inner ? count - (size_t)inner : 0;
	if (w->report_scroll > max)
		w->report_scroll = max;
	size_t start = w->report_scroll; /* lines down from the top */
	for (size_t i = start; i < count && (int)(i - start) < inner; i++)
		wg_put(y + 1 + (int)(i - start), 1, width, roles[i], lines[i]);
	for (size_t i = 0; i < total; i++)
		free(lines[i]);
	free(lines);
	free(roles);
	if (count > (size_t)inner) {
		char buf[64];
		snprintf(buf, sizeof buf, " lines %zu-%zu of %zu ", start + 1,
			 start + (size_t)inner < count ? start + (size_t)inner : count, count);
		wg_put(y + h - 1, cols - 2 - (int)strlen(buf), (int)strlen(buf), ROLE_DIM, buf);
	}
}

/* remove, dovecot: the checks in a few lines, the findings below */
static void draw_preflight_other(struct wizard *w)
{
	int y = 2;
	char buf[1024];
	size_t n = w->plan ? w->plan->n : 0, checks = 0, done = 0, failed = 0, warned = 0;
	for (size_t i = 0; i < n; i++) {
		const struct plan_item *it = &w->plan->items[i];
		if (!it->step->phase)
			continue;
		checks++;
		done += it->state == ITEM_DONE || it->state == ITEM_ALREADY;
		failed += it->state == ITEM_FAILED;
		warned += it->state == ITEM_WARNED;
	}
	snprintf(buf, sizeof buf, "Preflight: read-only checks (nothing is changed yet): %zu of %zu passed, "
		 "%zu warnings, %zu failed.", done, checks, warned, failed);
	y += wg_wrap(y, 2, cols - 4, 2, ROLE_RUNNING, buf);
	y++;
	/* the running, failed and warned items with their messages (the
	 * facts and tables are in the box below) */
	int limit = rows / 2;
	for (size_t i = 0; i < n && y < limit; i++) {
		const struct plan_item *it = &w->plan->items[i];
		if (!it->step->phase)
			continue;
		if (it->state != ITEM_RUNNING && it->state != ITEM_WAITING && it->state != ITEM_FAILED &&
		    it->state != ITEM_WARNED)
			continue;
		y += item_line(w, y, i, cols - 4);
		if (it->message && it->state != ITEM_RUNNING)
			y += wg_wrap(y, 6, cols - 8, 3, it->state == ITEM_FAILED ? ROLE_ERROR : ROLE_WARN,
				  it->message);
	}
	draw_report(w, y, rows - 4 - y); /* rows-3: the verdict, rows-2: the status */
	const char *keys = "Up/Down/PgUp/PgDn scroll  q quit";
	if (w->rstate == RUNNER_PAUSED) {
		snprintf(buf, sizeof buf, "Preflight passed%s. Enter: confirm and review the plan.",
			 warned ? " with warnings (above)" : "");
		wg_put(rows - 3, 2, cols - 4, warned ? ROLE_WARN : ROLE_OK, buf);
		keys = "Enter confirm, plan review  Up/Down/PgUp/PgDn scroll  q quit";
	} else if (w->rstate == RUNNER_RUNNING) {
		wg_put(rows - 3, 2, cols - 4, ROLE_RUNNING, "Checking...");
	}
	wg_key_bar(keys);
}

static void draw_preflight(struct wizard *w)
{
	if (w->op != OP_INSTALL) {
		draw_preflight_other(w);
		return;
	}
	int y = 2;
	wg_put(y, 2, cols - 4, ROLE_RUNNING, "Preflight: read-only checks on every node (nothing is changed yet).");
	y += 2;
	size_t failed = 0, warned = 0;
	for (size_t i = 0; w->plan && i < w->plan->n && y < rows - 4; i++) {
		const struct plan_item *it = &w->plan->items[i];
		if (!it->step->phase)
			continue;
		y += item_line(w, y, i, cols - 4);
		if ((it->state == ITEM_FAILED || it->state == ITEM_WARNED) && it->message) {
			y += wg_wrap(y, 31, cols - 33, 2, it->state == ITEM_FAILED ? ROLE_ERROR : ROLE_WARN,
				  it->message);
		}
		failed += it->state == ITEM_FAILED;
		warned += it->state == ITEM_WARNED;
	}
	/* what the operation has to say (e.g. that it continues a run cut
	 * short earlier) */
	if (w->report && pane_count(w->report) > 0 && y + 4 < rows - 4)
		draw_report(w, y + 1, rows - 4 - (y + 1));
	const char *keys = "q quit";
	if (w->rstate == RUNNER_PAUSED) {
		char buf[200];
		snprintf(buf, sizeof buf, "Preflight passed%s%s. Enter: go on to the bootstrap menus.",
			 warned ? " with warnings" : "", warned ? " (read them above)" : "");
		wg_put(rows - 3, 2, cols - 4, warned ? ROLE_WARN : ROLE_OK, buf);
		keys = "Enter continue to the bootstrap menus  q quit";
	} else if (w->rstate == RUNNER_RUNNING) {
		wg_put(rows - 3, 2, cols - 4, ROLE_RUNNING, "Checking...");
	}
	(void)failed;
	wg_key_bar(keys);
}

static void menu_line(int y, const struct wizard_menu_item *it, bool sel, int width)
{
	char buf[256];
	if (it->expansion)
		snprintf(buf, sizeof buf, "%s +%-37s %-30s", it->marked ? "*******" : "       ",
			 it->label, it->value);
	else if (it->action == MACT_SAVE || it->action == MACT_EXPAND || it->action == MACT_QUIT)
		snprintf(buf, sizeof buf, "  %2s) %-40s", it->key, it->label);
	else
		snprintf(buf, sizeof buf, "%s%2s) %-40s %-30s", it->marked ? "**" : "  ", it->key,
			 it->label, it->value);
	/* cut trailing blanks so the highlight hugs the text */
	size_t l = strlen(buf);
	while (l && buf[l - 1] == ' ')
		buf[--l] = '\0';
	wg_put(y, 2, width, sel ? ROLE_SELECTED : it->marked ? ROLE_WARN : ROLE_NORMAL, buf);
}

static void draw_menu(const struct wizard *w)
{
	struct wizard_menu_item items[WIZARD_MENU_MAX];
	size_t n = wizard_menu_items(w, items);
	static const char *const titles[] = {
		[MENU_MAIN] = "Main menu", [MENU_COMMON] = "Common configuration",
		[MENU_LDAP] = "Ldap configuration",
	};
	int y = 2;
	wg_put(y, 2, cols - 4, ROLE_NORMAL, titles[w->menu]);
	y += 2;
	int k = 0;
	for (size_t i = 0; i < n && y < rows - 5; i++) {
		bool sel = items[i].key[0] && k++ == w->menu_sel;
		menu_line(y++, &items[i], sel, cols - 4);
		/* a blank line closes an expanded block, as the bootstrap prints it */
		if (items[i].expansion && (i + 1 == n || !items[i + 1].expansion))
			y++;
	}
	y++;
	if (w->menu == MENU_MAIN) {
		if (wizard_menus_complete(w)) {
			wg_put(y++, 2, cols - 4, ROLE_OK, "*** CONFIGURATION COMPLETE - press 'y' to apply configuration");
			wg_put(y, 2, cols - 4, ROLE_NORMAL, "Select from menu, or press 'y' to apply config (? - help)");
		} else {
			wg_put(y, 2, cols - 4, ROLE_NORMAL, "Address unconfigured (**) items  (? - help)");
		}
	} else {
		wg_put(y, 2, cols - 4, ROLE_NORMAL, "Select, or 'r' for previous menu [r]");
	}
	if (w->extra_hosts) {
		char buf[600];
		snprintf(buf, sizeof buf, "These answers apply to every replica of this run (also %s).", w->extra_hosts);
		wg_put(rows - 3, 2, cols - 4, ROLE_DIM, buf);
	}
	status_line(w);
	wg_key_bar(w->menu == MENU_MAIN
		? "key or Up/Down+Enter select  y apply (plan review)  x expand  ? help  q quit"
		: "key or Up/Down+Enter select  r previous menu  ? help");
}

static const char *user_of(const struct plan_item *it)
{
	return it->step->user == PROC_USER_ZEXTRAS ? "zextras" : "root";
}

static void draw_plan(struct wizard *w)
{
	int y = 2, bottom = rows - 3;
	char buf[1024];
	size_t n = w->plan ? w->plan->n : 0;
	snprintf(buf, sizeof buf, "Plan: %zu steps, in this order. Secrets show as ****; <name> is read from the nodes during the run.", n);
	wg_put(y, 2, cols - 4, ROLE_RUNNING, buf);
	y += 2;
	/* flatten to display lines, then show a window of them */
	size_t total = 0, cap = 64;
	char **lines = xcalloc(cap, sizeof *lines);
	enum term_role *roles = xcalloc(cap, sizeof *roles);
#define PUSH(role_, ...) do { \
		if (total == cap) { cap *= 2; lines = xrealloc(lines, cap * sizeof *lines); \
			roles = xrealloc(roles, cap * sizeof *roles); } \
		roles[total] = (role_); lines[total++] = xasprintf(__VA_ARGS__); } while (0)
	for (size_t i = 0; i < n; i++) {
		const struct plan_item *it = &w->plan->items[i];
		PUSH(ROLE_NORMAL, "[%2zu] %s", i + 1, it->step->title);
		PUSH(ROLE_DIM, "     node %s, as %s%s", it->node, user_of(it),
		     it->step->phase ? ", preflight (done)" : "");
		const char *cmd = w->plan_cmds && w->plan_cmds[i] ? w->plan_cmds[i] : "";
		const char *p = cmd;
		bool first = true;
		do {
			const char *nl = strchr(p, '\n');
			int len = nl ? (int)(nl - p) : (int)strlen(p);
			PUSH(ROLE_NORMAL, "     %s %.*s", first ? "$" : " ", len, p);
			first = false;
			p = nl ? nl + 1 : NULL;
		} while (p);
	}
#undef PUSH
	size_t room = (size_t)(bottom - y);
	if (total > room && w->plan_scroll > total - room)
		w->plan_scroll = total - room;
	if (total <= room)
		w->plan_scroll = 0;
	for (size_t i = w->plan_scroll; i < total && y < bottom; i++)
		wg_put(y++, 2, cols - 4, roles[i], lines[i]);
	for (size_t i = 0; i < total; i++)
		free(lines[i]);
	free(lines);
	free(roles);
	if (total > room) {
		snprintf(buf, sizeof buf, "lines %zu-%zu of %zu", w->plan_scroll + 1,
			 w->plan_scroll + room < total ? w->plan_scroll + room : total, total);
		wg_put(rows - 2, cols - 2 - (int)strlen(buf), (int)strlen(buf), ROLE_DIM, buf);
	}
	wg_key_bar(w->op == OP_INSTALL ? "Enter/s start the install  Up/Down/PgUp/PgDn scroll  b back to the menus"
	        : w->op == OP_REMOVE ? "Enter/s start the removal  Up/Down/PgUp/PgDn scroll  b back to the preflight"
				     : "Enter/s start the configuration  Up/Down/PgUp/PgDn scroll  b back to the preflight");
}

static void draw_pane(const struct wizard *w, const struct wizard_node *n, int y, int x, int h,
		      int wd, bool focus)
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
		const char *line = pane_line(n->pane, i);
		enum term_role role = strncmp(line, "== ", 3) == 0 ? ROLE_RUNNING
				      : strncmp(line, "FAILED:", 7) == 0 ? ROLE_ERROR
				      : strncmp(line, "WARNING:", 8) == 0 ? ROLE_WARN : ROLE_NORMAL;
		wg_put(y + 1 + (int)(i - start), x + 1, wd - 2, role, line);
	}
	if (n->scroll) {
		char buf[48];
		snprintf(buf, sizeof buf, " scrolled: %zu lines below ", n->scroll);
		wg_put(y + h - 1, x + 2, wd - 4, ROLE_WARN, buf);
	}
	(void)w;
}

static void draw_run(struct wizard *w)
{
	int top = 2;
	int list_h = rows >= 40 ? 14 : 7;
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
		item_line(w, top + (int)(i - first), i, cols - 4);
	int py = top + list_h, ph = rows - 1 - py;
	/* the master and the focused other node */
	const struct wizard_node *a = w->n_nodes ? &w->nodes[0] : NULL;
	size_t bi = w->run_sel ? w->run_sel : 1;
	const struct wizard_node *b = bi < w->n_nodes ? &w->nodes[bi] : NULL;
	if (a && b && (cols >= 120 || w->op == OP_DOVECOT)) {
		int half = cols / 2;
		draw_pane(w, a, py, 0, ph, half, w->run_sel == 0);
		draw_pane(w, b, py, half, ph, cols - half, w->run_sel != 0);
	} else if (a && b) {
		int h1 = ph / 2;
		draw_pane(w, a, py, 0, h1, cols, w->run_sel == 0);
		draw_pane(w, b, py + h1, 0, ph - h1, cols, w->run_sel != 0);
	} else if (a) {
		draw_pane(w, a, py, 0, ph, cols, true);
	}
	wg_key_bar("Tab switch pane  Up/Down/PgUp/PgDn scroll  End follow  l full log  ^C abort");
}

static size_t count_state(const struct wizard *w, enum item_state s)
{
	size_t c = 0;
	for (size_t i = 0; w->plan && i < w->plan->n; i++)
		c += w->plan->items[i].state == s;
	return c;
}

static void draw_finish(const struct wizard *w)
{
	int y = 2;
	char buf[1024];
	bool ok = w->rstate == RUNNER_DONE;
	static const char *const done_text[] = {
		[OP_INSTALL] = "The Directory Replica is installed and replicates.",
		[OP_REMOVE] = "The replicas are removed from every node's ldap_url.",
		[OP_DOVECOT] = "Dovecot replicates both ways: a test message went each way.",
	};
	static const char *const fail_text[] = {
		[OP_INSTALL] = "The install did not finish.",
		[OP_REMOVE] = "The removal did not finish.",
		[OP_DOVECOT] = "The Dovecot replication setup did not finish.",
	};
	static const char *const resume_cmd[] = {
		[OP_INSTALL] = "install --batch --resume",
		[OP_REMOVE] = "remove --batch --resume --replica HOST",
		[OP_DOVECOT] = "dovecot --batch --resume",
	};
	/* confirmed: the journal said complete and only the checks ran */
	wg_put(y, 2, cols - 4, ok ? ROLE_OK : ROLE_ERROR,
	       !ok ? fail_text[w->op]
	       : w->confirmed ? "Already complete: the nodes confirm it (preflight and verification steps); nothing was changed."
			      : done_text[w->op]);
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
		item_line(w, y++, i, cols - 4);
		if (it->message)
			y += wg_wrap(y, 31, cols - 33, 2, item_role(it->state), it->message);
	}
	y++;
	if (w->op == OP_INSTALL) {
		size_t na = 0;
		const char **some = wizard_answer_nodes(w, &na);
		if (some) {
			size_t len = (size_t)snprintf(buf, sizeof buf, "Answer queries: ldap_url on");
			for (size_t i = 0; i < na && len < sizeof buf; i++)
				len += (size_t)snprintf(buf + len, sizeof buf - len, "%s %s", i ? "," : "", some[i]);
			if (len < sizeof buf)
				snprintf(buf + len, sizeof buf - len,
					 " now lists the replicas first; the other nodes are unchanged.");
			free(some);
		} else if (w->answer_queries)
			snprintf(buf, sizeof buf, "Answer queries: ldap_url on the master, MTA and other nodes now lists the replicas first.");
		else
			snprintf(buf, sizeof buf, "Answer queries: not chosen; ldap_url is unchanged everywhere.");
		y += wg_wrap(y, 2, cols - 4, 2, ROLE_NORMAL, buf);
	} else if (w->op == OP_REMOVE) {
		snprintf(buf, sizeof buf, "%s", w->disable_ldap
			 ? "Disable LDAP: the removed replicas point at the master and their slapd is stopped."
			 : "Disable LDAP: not chosen; the removed replicas were not contacted.");
		y += wg_wrap(y, 2, cols - 4, 2, ROLE_NORMAL, buf);
	}
	if (!ok) {
		snprintf(buf, sizeof buf, "The journal keeps what was done: fix the cause, then continue with "
			 "`replica-wizard %s` (steps done are not run again).", resume_cmd[w->op]);
		y += wg_wrap(y, 2, cols - 4, 3, ROLE_WARN, buf);
	}
	if (w->site_saved)
		y += wg_wrap(y, 2, cols - 4, 2, ROLE_DIM, w->site_saved);
	wg_key_bar("d open the dashboard  q/Enter quit");
}

/* ---- dialogs ---- */

static void draw_dialog(struct wizard *w)
{
	int y, x, wd = cols > 100 ? 90 : cols - 6;
	char buf[1024];
	switch (w->dialog) {
	case DLG_NONE:
		return;
	case DLG_HOSTKEY:
		wg_hostkey_dialog(wd, w->hk_node ? w->hk_node : "", w->hk_type, w->hk_fingerprint);
		break;
	case DLG_FAILURE: {
		const struct plan_item *it = NULL;
		for (size_t i = 0; w->plan && i < w->plan->n; i++)
			if (w->plan->items[i].state == ITEM_FAILED)
				it = &w->plan->items[i];
		wg_dialog(14, wd, "Step failed", &y, &x);
		int yy = y + 2;
		if (it) {
			snprintf(buf, sizeof buf, "%s on %s", it->step->title, it->node);
			yy += wg_wrap(yy, x + 2, wd - 4, 2, ROLE_ERROR, buf);
			yy += wg_wrap(yy, x + 2, wd - 4, 4, ROLE_NORMAL, it->message ? it->message : "");
			if (plan_item_hint(it)) {
				snprintf(buf, sizeof buf, "hint: %s", plan_item_hint(it));
				yy += wg_wrap(yy + 1, x + 2, wd - 4, 4, ROLE_WARN, buf) + 1;
			}
		}
		snprintf(buf, sizeof buf, "r Retry   %sa Abort   l View full log", w->can_skip ? "s Skip   " : "");
		wg_put(y + 12, x + 2, wd - 4, ROLE_NORMAL, buf);
		(void)yy;
		break;
	}
	case DLG_ABORT:
		wg_dialog(7, wd, "Abort?", &y, &x);
		snprintf(buf, sizeof buf, "Stop the running command and end the %s here? The journal keeps what was done (--resume).",
			 w->op == OP_INSTALL ? "install" : w->op == OP_REMOVE ? "removal" : "configuration");
		wg_wrap(y + 2, x + 2, wd - 4, 2, ROLE_NORMAL, buf);
		wg_put(y + 4, x + 2, wd - 4, ROLE_NORMAL, "y abort    n go on");
		break;
	case DLG_QUIT:
		wg_dialog(5, wd, "Quit", &y, &x);
		wg_put(y + 2, x + 2, wd - 4, ROLE_NORMAL, "Quit without applying changes? [No]  (y/n)");
		break;
	case DLG_HELP:
		wg_dialog(8, wd, "Help", &y, &x);
		wg_put(y + 2, x + 2, wd - 4, ROLE_NORMAL, "Main Menu help");
		wg_put(y + 4, x + 2, wd - 4, ROLE_NORMAL,
			 "Items marked with ** MUST BE CONFIGURED prior to applying configuration");
		wg_put(y + 6, x + 2, wd - 4, ROLE_DIM, "press any key");
		break;
	case DLG_MESSAGE:
		wg_dialog(7, wd, "Notice", &y, &x);
		wg_wrap(y + 2, x + 2, wd - 4, 2, ROLE_NORMAL, w->message ? w->message : "");
		wg_put(y + 5, x + 2, wd - 4, ROLE_DIM, "press any key");
		break;
	case DLG_PASSWORD: {
		wg_dialog(8, wd, "Password", &y, &x);
		wg_put(y + 2, x + 2, wd - 4, ROLE_NORMAL,
			 w->dv_typing ? "doveadm_password for both servers (12+ characters):"
				      : wizard_pw_prompt(w->pw_editing));
		wg_field_draw_masked(y + 3, x + 2, wd - 4, ROLE_SELECTED, w->pw_input);
		wg_put(y + 5, x + 2, wd - 4, ROLE_DIM,
			 w->dv_typing ? "Enter set (never shown, kept in memory only)   Esc cancel"
				      : "Enter set (verified on the master)   Esc cancel");
		status_line(w);
		break;
	}
	case DLG_ANSWER: {
		/* the checklist: MTA and other nodes in run order, the master last */
		size_t n = w->n_ans + 1;
		int room = rows - 12 < 3 ? 3 : rows - 12;
		int list = (int)n < room ? (int)n : room;
		wg_dialog(list + 9, wd, "Answer queries: which nodes get the new ldap_url", &y, &x);
		wg_wrap(y + 2, x + 2, wd - 4, 2, ROLE_NORMAL,
		     "After the replica is verified, each checked node points ldap_url at the replicas "
		     "(the master URL last), one at a time, the master last.");
		size_t top = wg_list_top(w->ans_sel, n, list);
		for (int i = 0; i < list && top + (size_t)i < n; i++) {
			size_t k = top + (size_t)i;
			const char *name = k < w->n_ans ? w->ans_names[k] : w->field[FIELD_MASTER];
			snprintf(buf, sizeof buf, "[%c] %-40s %s", w->ans_checked[k] ? 'x' : ' ',
				 *name ? name : "(no master on the Nodes page)",
				 k == w->n_ans ? "master (last)" : "");
			wg_put(y + 5 + i, x + 4, wd - 8, k == w->ans_sel ? ROLE_SELECTED : ROLE_NORMAL, buf);
		}
		wg_put(y + 6 + list, x + 2, wd - 4, ROLE_DIM,
			 "Space check  a all  n none  Enter done  Esc cancel");
		break;
	}
	case DLG_SERVERS: {
		/* the servers of the master's directory the site does not name */
		size_t n = w->n_srv;
		int room = rows - 13 < 3 ? 3 : rows - 13;
		int list = (int)n < room ? (int)n : room;
		wg_dialog(list + 10, wd, "Servers the site file does not name", &y, &x);
		wg_wrap(y + 2, x + 2, wd - 4, 3, ROLE_NORMAL,
		     "The master's directory lists these servers; the run would leave their ldap_url "
		     "as it is (an MTA's Postfix maps too). Nothing was changed. Skip them, or stop "
		     "and add them to the site file.");
		size_t top = w->srv_sel >= (size_t)list ? w->srv_sel - (size_t)list + 1 : 0;
		int col = 0; /* the names' column: as wide as the longest, up to 30 */
		for (size_t k = 0; k < n; k++)
			if ((int)strlen(w->srv_names[k]) > col)
				col = (int)strlen(w->srv_names[k]);
		col = col > 30 ? 30 : col;
		for (int i = 0; i < list && top + (size_t)i < n; i++) {
			size_t k = top + (size_t)i;
			snprintf(buf, sizeof buf, "[%c] %-*s  %s", w->srv_skip[k] ? 'x' : ' ', col, w->srv_names[k],
				 w->srv_roles[k]);
			wg_put(y + 6 + i, x + 4, wd - 8, k == w->srv_sel ? ROLE_SELECTED : ROLE_NORMAL, buf);
		}
		wg_put(y + 7 + list, x + 2, wd - 4, ROLE_DIM,
			 "Space skip  a all  n none  Enter go on (all checked)  Esc stop");
		break;
	}
	case DLG_SECRET: {
		wg_dialog(10, wd, "SSH login", &y, &x);
		snprintf(buf, sizeof buf, "%s asks for the %s:", w->sec_node ? w->sec_node : "", w->sec_what);
		wg_wrap(y + 2, x + 2, wd - 4, 2, ROLE_NORMAL, buf);
		wg_field_draw_masked(y + 5, x + 2, wd - 4, ROLE_SELECTED, w->sec_input);
		wg_wrap(y + 7, x + 2, wd - 4, 2, ROLE_DIM,
		     "Enter send (this connection only, never stored)   Esc none: the connection fails");
		break;
	}
	case DLG_LOG: {
		/* the failed node's pane (or the focused one), full screen */
		const struct wizard_node *n = NULL;
		for (size_t i = 0; w->log_for_failed && w->plan && i < w->plan->n; i++)
			if (w->plan->items[i].state == ITEM_FAILED)
				for (size_t k = 0; k < w->n_nodes; k++)
					if (strcmp(w->nodes[k].name, w->plan->items[i].node) == 0)
						n = &w->nodes[k];
		if (!n && w->n_nodes)
			n = &w->nodes[w->run_sel < w->n_nodes ? w->run_sel : 0];
		for (int i = 1; i < rows - 1; i++)
			mvhline(i, 0, ' ', cols);
		if (!n)
			break;
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
		break;
	}
	}
}

void wizard_draw(struct wizard *w)
{
	getmaxyx(stdscr, rows, cols);
	erase();
	w->utf8 = term_utf8();
	if (wg_too_small()) {
		wnoutrefresh(stdscr);
		w->dirty = false;
		return;
	}
	title_bar(w);
	switch (w->page) {
	case PAGE_HOME: draw_home(w); break;
	case PAGE_NODES: draw_nodes(w); break;
	case PAGE_REMOVE: draw_remove(w); break;
	case PAGE_DOVECOT: draw_dovecot(w); break;
	case PAGE_CONNECT: draw_connect(w); break;
	case PAGE_PREFLIGHT: draw_preflight(w); break;
	case PAGE_MENU: draw_menu(w); break;
	case PAGE_PLAN: draw_plan(w); break;
	case PAGE_RUN: draw_run(w); break;
	case PAGE_FINISH: draw_finish(w); break;
	}
	if (w->page != PAGE_MENU && w->page != PAGE_RUN)
		status_line(w); /* the run view's panes reach that row */
	draw_dialog(w);
	wnoutrefresh(stdscr);
	w->dirty = false;
}
