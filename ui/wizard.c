/* The wizard's model (see wizard.h): what the engine reports turned into
 * model changes, and the dispatch of keys and drawing to the page's and
 * the dialog's views (ui/pages, ui/dialogs). Nothing here talks to the
 * engine directly. */
#include "wizard.h"

#include <ctype.h>
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "flow.h"
#include "install.h"
#include "names.h"
#include "pane.h"
#include "site.h"
#include "term.h"
#include "view.h"
#include "widgets/frame.h"
#include "widgets/text.h"
#include "xalloc.h"


#define WIZARD_PAGE_OPS(ID, name) [PAGE_##ID] = &page_##name##_ops,
#define WIZARD_DIALOG_OPS(ID, name) [DLG_##ID] = &dialog_##name##_ops,
static const struct view_ops *const page_ops[PAGE_COUNT] = { WIZARD_PAGES(WIZARD_PAGE_OPS) };
static const struct view_ops *const dialog_ops[DLG_COUNT] = { WIZARD_DIALOGS(WIZARD_DIALOG_OPS) };

/* The view of a page or dialog over the wizard (the views find their own
 * state with wizard_view_state). */
static struct view view_of(struct wizard *w, const struct view_ops *ops)
{
	return (struct view){ .ops = ops, .priv = w, .ui = w->ui };
}

struct wizard *wizard_new(void)
{
	struct wizard *w = xcalloc(1, sizeof *w);
	w->dirty = true;
	w->ldap_port = SITE_DEFAULT_LDAP_PORT;
	for (int i = 0; i < PW_COUNT; i++)
		w->pw[i] = PWS_UNSET;
	w->report = pane_new(WIZARD_PANE_LINES);
	wizard_set_answer_nodes(w, NULL, 0);
	snprintf(w->dv_field[DV_PORT], WIZARD_FIELD_MAX, "%d", SITE_DEFAULT_DOVEADM_PORT);
	snprintf(w->dv_field[DV_MAX_CONNS], WIZARD_FIELD_MAX, "%d", SITE_DEFAULT_MAX_CONNS);
	return w;
}

static void free_plan_cmds(struct wizard *w)
{
	if (w->plan_cmds && w->plan)
		for (size_t i = 0; i < w->plan->n; i++)
			free(w->plan_cmds[i]);
	free(w->plan_cmds);
	w->plan_cmds = NULL;
}

static void ans_clear(struct wizard *w)
{
	names_free(&w->ans_names, w->n_ans);
	free(w->ans_checked);
	w->ans_checked = NULL;
	w->n_ans = 0;
}

static void srv_clear(struct wizard *w)
{
	names_free(&w->srv_names, w->n_srv);
	names_free(&w->srv_roles, w->n_srv);
	free(w->srv_skip);
	w->srv_skip = NULL;
	w->n_srv = 0;
}

static void *view_state(struct wizard *w, size_t slot, size_t size)
{
	if (slot >= PAGE_COUNT + DLG_COUNT)
		abort(); /* not a page's nor a dialog's view */
	if (!w->view_state[slot].p) {
		w->view_state[slot].p = xcalloc(1, size);
		w->view_state[slot].size = size;
	}
	return w->view_state[slot].p;
}

void *wizard_view_state(struct wizard *w, const struct view_ops *ops, size_t size)
{
	for (size_t p = 0; p < PAGE_COUNT; p++)
		if (page_ops[p] == ops)
			return view_state(w, p, size);
	for (size_t d = 1; d < DLG_COUNT; d++)
		if (dialog_ops[d] == ops)
			return view_state(w, PAGE_COUNT + d, size);
	return view_state(w, PAGE_COUNT + DLG_COUNT, size); /* aborts */
}

/* Every view's own state: its leave (what it holds), then wiped (a typed
 * secret) and freed. */
static void free_view_states(struct wizard *w)
{
	for (size_t i = 0; i < PAGE_COUNT + DLG_COUNT; i++) {
		if (!w->view_state[i].p)
			continue;
		const struct view_ops *ops = i < PAGE_COUNT ? page_ops[i] : dialog_ops[i - PAGE_COUNT];
		struct view v = view_of(w, ops);
		if (ops && ops->leave)
			ops->leave(&v);
		explicit_bzero(w->view_state[i].p, w->view_state[i].size);
		free(w->view_state[i].p);
		w->view_state[i].p = NULL;
	}
}

static void free_nodes(struct wizard *w)
{
	for (size_t i = 0; i < w->n_nodes; i++) {
		free(w->nodes[i].name);
		free(w->nodes[i].conn_msg);
		free(w->nodes[i].step);
		pane_free(w->nodes[i].pane);
	}
	free(w->nodes);
	w->nodes = NULL;
	w->n_nodes = 0;
}

static void dv_pairs_clear(struct wizard *w)
{
	for (size_t i = 0; i < w->n_dv_pairs; i++) {
		struct wizard_dv_pair *p = &w->dv_pairs[i];
		free(p->name);
		free(p->servers[0]);
		free(p->servers[1]);
		free(p->port);
		free(p->max_conns);
		free(p->conf_dir);
	}
	free(w->dv_pairs);
	w->dv_pairs = NULL;
	w->n_dv_pairs = 0;
}

void wizard_free(struct wizard *w)
{
	if (!w)
		return;
	free_view_states(w);
	free_nodes(w);
	free_plan_cmds(w);
	free(w->site_path);
	free(w->form_error);
	free(w->hk_node);
	free(w->site_saved);
	free(w->hostname);
	free(w->master);
	free(w->extra_hosts);
	free(w->message);
	wizard_set_replicas(w, NULL, 0);
	ans_clear(w);
	srv_clear(w);
	free(w->sec_node);
	explicit_bzero(w->sec_input, sizeof w->sec_input);
	pane_free(w->report);
	free(w->report_node);
	explicit_bzero(w->dv_password, sizeof w->dv_password);
	dv_pairs_clear(w);
	wizard_set_discovered(w, NULL, NULL);
	free(w);
}

static void set_field(struct wizard *w, enum wizard_field f, const char *v)
{
	snprintf(w->field[f], sizeof w->field[f], "%s", v ? v : "");
}

void wizard_prefill(struct wizard *w, const char *site_path)
{
	free(w->site_path);
	w->site_path = site_path ? xstrdup(site_path) : NULL;
	set_field(w, FIELD_USER, SITE_DEFAULT_SSH_USER);
	snprintf(w->field[FIELD_PORT], sizeof w->field[FIELD_PORT], "%d", SITE_DEFAULT_SSH_PORT);
	set_field(w, FIELD_KNOWN_HOSTS, SITE_DEFAULT_KNOWN_HOSTS);
	if (!site_path)
		return;
	struct site *s = site_load(site_path, NULL);
	if (!s)
		return; /* a missing or broken file: the empty form */
	set_field(w, FIELD_MASTER, site_get(s, "carbonio", "master"));
	set_field(w, FIELD_REPLICAS, site_get(s, "carbonio", "replicas"));
	const char *v;
	if ((v = site_get(s, "ssh", "user")))
		set_field(w, FIELD_USER, v);
	if ((v = site_get(s, "ssh", "port")))
		set_field(w, FIELD_PORT, v);
	if ((v = site_get(s, "ssh", "identity")))
		set_field(w, FIELD_IDENTITY, v);
	if ((v = site_get(s, "ssh", "known_hosts")))
		set_field(w, FIELD_KNOWN_HOSTS, v);
	size_t n = 0;
	const char *const *reps = site_list(s, SITE_ROLE_REPLICA, &n);
	wizard_set_replicas(w, reps, n);
	/* the run's answering order; the master (last) follows the form */
	const char **cand = install_answer_candidates(s, &n);
	wizard_set_answer_nodes(w, cand, n ? n - 1 : 0);
	free(cand);
	/* the settings page starts with the first pair ([dovecot]) */
	wizard_set_dv_pairs(w, s);
	w->dv_pair = w->n_dv_pairs;
	if (w->n_dv_pairs)
		wizard_choose_dv_pair(w, 0);
	site_free(s);
}

/* A key of a pair: its section's, else [dovecot]'s (every pair's
 * defaults), else def. */
static char *pair_value(const struct site *s, const struct site_pair *p, const char *key, const char *def)
{
	char sec[sizeof "dovecot " + SITE_PAIR_NAME_MAX];
	snprintf(sec, sizeof sec, p->named ? "dovecot %s" : "dovecot", p->name);
	const char *v = site_get(s, sec, key);
	if (!v && p->named)
		v = site_get(s, "dovecot", key);
	return xstrdup(v ? v : def);
}

/* Where the servers' Dovecot configs are: a [host NAME] conf_dir wins over
 * the pair's (as the run resolves it). */
static char *pair_conf_dir(const struct site *s, const struct site_pair *p)
{
	const struct site_host *h0 = site_host(s, p->servers[0]), *h1 = site_host(s, p->servers[1]);
	const char *d0 = h0 && h0->conf_dir ? h0->conf_dir : SITE_DEFAULT_CONF_DIR;
	const char *d1 = h1 && h1->conf_dir ? h1->conf_dir : SITE_DEFAULT_CONF_DIR;
	if (strcmp(d0, d1) == 0)
		return xstrdup(d0);
	return xasprintf("%s on %s, %s on %s", d0, p->servers[0], d1, p->servers[1]);
}

void wizard_set_dv_pairs(struct wizard *w, const struct site *s)
{
	char *chosen = w->dv_pair < w->n_dv_pairs ? xstrdup(w->dv_pairs[w->dv_pair].name) : NULL;
	dv_pairs_clear(w);
	size_t n = site_pair_count(s);
	w->dv_pairs = n ? xcalloc(n, sizeof *w->dv_pairs) : NULL;
	char port[16], conns[16];
	snprintf(port, sizeof port, "%d", SITE_DEFAULT_DOVEADM_PORT);
	snprintf(conns, sizeof conns, "%d", SITE_DEFAULT_MAX_CONNS);
	w->dv_pair = 0;
	for (size_t i = 0; i < n; i++) {
		const struct site_pair *sp = site_pair_at(s, i);
		struct wizard_dv_pair *p = &w->dv_pairs[i];
		p->name = xstrdup(sp->name);
		p->named = sp->named;
		p->servers[0] = xstrdup(sp->servers[0]);
		p->servers[1] = xstrdup(sp->servers[1]);
		p->port = pair_value(s, sp, "port", port);
		p->max_conns = pair_value(s, sp, "max_conns", conns);
		p->conf_dir = pair_conf_dir(s, sp);
		if (chosen && strcasecmp(chosen, sp->name) == 0)
			w->dv_pair = i;
	}
	w->n_dv_pairs = n;
	free(chosen);
	w->dirty = true;
}

void wizard_choose_dv_pair(struct wizard *w, size_t i)
{
	if (i >= w->n_dv_pairs || i == w->dv_pair)
		return; /* the same pair: what was typed for it stays */
	const struct wizard_dv_pair *p = &w->dv_pairs[i];
	/* each pair has a doveadm password of its own */
	if (w->dv_pair < w->n_dv_pairs)
		explicit_bzero(w->dv_password, sizeof w->dv_password);
	w->dv_pair = i;
	const char *vals[DV_PASSWORD] = {
		[DV_SERVER1] = p->servers[0], [DV_SERVER2] = p->servers[1],
		[DV_PORT] = p->port, [DV_MAX_CONNS] = p->max_conns,
	};
	for (int f = 0; f < DV_PASSWORD; f++)
		snprintf(w->dv_field[f], WIZARD_FIELD_MAX, "%s", vals[f]);
	w->dirty = true;
}

const struct wizard_dv_pair *wizard_dv_pair(const struct wizard *w)
{
	return w->dv_pair < w->n_dv_pairs ? &w->dv_pairs[w->dv_pair] : NULL;
}

void wizard_set_replicas(struct wizard *w, const char *const *names, size_t n)
{
	names_free(&w->rm_names, w->n_rm);
	free(w->rm_checked);
	w->rm_names = n ? xcalloc(n, sizeof *w->rm_names) : NULL;
	w->rm_checked = n ? xcalloc(n, sizeof *w->rm_checked) : NULL;
	for (size_t i = 0; i < n; i++)
		w->rm_names[i] = xstrdup(names[i]);
	w->n_rm = n;
	w->dirty = true;
}

void wizard_set_answer_nodes(struct wizard *w, const char *const *names, size_t n)
{
	ans_clear(w);
	w->ans_names = n ? xcalloc(n, sizeof *w->ans_names) : NULL;
	w->ans_checked = xcalloc(n + 1, sizeof *w->ans_checked);
	for (size_t i = 0; i < n; i++)
		w->ans_names[i] = xstrdup(names[i]);
	for (size_t i = 0; i <= n; i++)
		w->ans_checked[i] = true; /* the default: every node */
	w->n_ans = n;
	w->dirty = true;
}

/* The name on row i of the checklist (the master: the form's). */
static const char *ans_name(const struct wizard *w, size_t i)
{
	return i < w->n_ans ? w->ans_names[i] : w->field[FIELD_MASTER];
}

bool wizard_answer_is_master(const struct wizard *w, size_t i)
{
	/* an MTA row that names the master is the master's row */
	return i == w->n_ans || strcasecmp(w->ans_names[i], w->field[FIELD_MASTER]) == 0;
}

const char **wizard_answer_nodes(const struct wizard *w, size_t *n)
{
	*n = 0;
	if (!w->answer_queries || !w->ans_checked)
		return NULL;
	const char **out = xcalloc(w->n_ans + 2, sizeof *out);
	size_t k = 0, rows = 0;
	for (size_t i = 0; i <= w->n_ans; i++) {
		if (i < w->n_ans && wizard_answer_is_master(w, i))
			continue;
		rows++;
		if (w->ans_checked[i] && *ans_name(w, i))
			out[k++] = ans_name(w, i);
	}
	if (k == rows) { /* all of them: as --answer-queries */
		free(out);
		return NULL;
	}
	*n = k;
	return out;
}

void wizard_unnamed_servers(struct wizard *w, const char *const *names, const char *const *roles, size_t n)
{
	srv_clear(w);
	w->srv_names = xcalloc(n + 1, sizeof *w->srv_names);
	w->srv_roles = xcalloc(n + 1, sizeof *w->srv_roles);
	w->srv_skip = xcalloc(n + 1, sizeof *w->srv_skip);
	for (size_t i = 0; i < n; i++) {
		w->srv_names[i] = xstrdup(names[i]);
		w->srv_roles[i] = xstrdup(roles[i]);
	}
	w->n_srv = n;
	wizard_open_dialog(w, DLG_SERVERS);
}

const char **wizard_skipped_servers(const struct wizard *w, size_t *n)
{
	const char **out = xcalloc(w->n_srv + 1, sizeof *out);
	size_t k = 0;
	for (size_t i = 0; i < w->n_srv; i++)
		if (w->srv_skip[i])
			out[k++] = w->srv_names[i];
	*n = k;
	return out;
}

void wizard_ask_secret(struct wizard *w, const char *node, const char *what)
{
	free(w->sec_node);
	w->sec_node = xstrdup(node);
	snprintf(w->sec_what, sizeof w->sec_what, "%s", what);
	explicit_bzero(w->sec_input, sizeof w->sec_input);
	w->dialog = DLG_SECRET;
	w->dirty = true;
}

void wizard_begin(struct wizard *w, enum wizard_op op)
{
	w->op = op;
	w->status[0] = '\0';
	free(w->form_error);
	w->form_error = NULL;
	w->field_sel = 0; /* each form starts at its first row */
	w->dv_sel = 0;
	wizard_goto(w, wizard_flow_first(w));
}

void wizard_report(struct wizard *w, const char *line)
{
	pane_add(w->report, line);
	w->dirty = true;
}

void wizard_notice(struct wizard *w, const char *text)
{
	free(w->message);
	w->message = xstrdup(text);
	w->dialog = DLG_MESSAGE;
}

/* ---- engine notifications ---- */

struct wizard_node *wizard_node(struct wizard *w, const char *name)
{
	for (size_t i = 0; i < w->n_nodes; i++)
		if (strcmp(w->nodes[i].name, name) == 0)
			return &w->nodes[i];
	return NULL;
}

struct wizard_node *wizard_add_node(struct wizard *w, const char *name)
{
	struct wizard_node *n = wizard_node(w, name);
	if (n)
		return n;
	w->nodes = xrealloc(w->nodes, (w->n_nodes + 1) * sizeof *w->nodes);
	n = &w->nodes[w->n_nodes++];
	memset(n, 0, sizeof *n);
	n->name = xstrdup(name);
	n->pane = pane_new(WIZARD_PANE_LINES);
	return n;
}

void wizard_conn_state(struct wizard *w, const char *node, enum conn_state st, const char *msg)
{
	struct wizard_node *n = wizard_add_node(w, node);
	n->conn = st;
	free(n->conn_msg);
	n->conn_msg = msg ? xstrdup(msg) : NULL;
	w->dirty = true;
}

void wizard_hostkey(struct wizard *w, const char *node, const char *type, const char *fp)
{
	free(w->hk_node);
	w->hk_node = xstrdup(node);
	snprintf(w->hk_type, sizeof w->hk_type, "%s", type);
	snprintf(w->hk_fingerprint, sizeof w->hk_fingerprint, "%s", fp);
	w->dialog = DLG_HOSTKEY;
	w->dirty = true;
}

/* A line of the findings box, under a heading per node (dovecot: the two
 * servers' findings alternate). */
static void report_line(struct wizard *w, const char *node, const char *line)
{
	if (wizard_flow(w->op)->findings_by_node && (!w->report_node || strcmp(w->report_node, node) != 0)) {
		char *head = xasprintf("%s:", node);
		pane_add(w->report, head);
		free(head);
		free(w->report_node);
		w->report_node = xstrdup(node);
	}
	pane_add(w->report, line);
}

void wizard_item(struct wizard *w, const struct plan_item *it)
{
	struct wizard_node *n = wizard_add_node(w, it->node);
	/* what will be done on a server (partner addresses, SELinux,
	 * firewalld, password source): for the admin to confirm */
	if (it->state == ITEM_DONE && it->message && it->step->report == PROC_REPORT_PREFLIGHT_RESULT)
		report_line(w, it->node, it->message);
	if (it->state == ITEM_RUNNING && !it->in_skip_check && it->attempts <= 1) {
		free(n->step);
		n->step = xstrdup(it->step->title);
		char *head = xasprintf("== %s", it->step->title);
		pane_add_kind(n->pane, PANE_STEP, head);
		free(head);
	}
	if (it->state == ITEM_FAILED || it->state == ITEM_WARNED) {
		char *m = xasprintf("%s: %s", it->state == ITEM_FAILED ? "FAILED" : "WARNING",
				    it->message ? it->message : "");
		pane_add_kind(n->pane, it->state == ITEM_FAILED ? PANE_FAILED : PANE_WARNING, m);
		free(m);
	}
	w->dirty = true;
}

void wizard_output(struct wizard *w, const struct plan_item *it, const char *line)
{
	struct wizard_node *n = wizard_add_node(w, it->node);
	if (it->step->report == PROC_REPORT_PREFLIGHT)
		report_line(w, it->node, line);
	pane_add(n->pane, line);
	if (n->scroll)
		n->scroll++; /* keep the admin's place while reading back */
	w->dirty = true;
}

void wizard_runner_state(struct wizard *w, int state)
{
	w->rstate = state;
	if (state == RUNNER_STOPPED)
		w->dialog = DLG_FAILURE;
	else if (w->dialog == DLG_FAILURE || (w->dialog == DLG_ABORT && state != RUNNER_RUNNING))
		w->dialog = DLG_NONE;
	if (state == RUNNER_DONE || state == RUNNER_ABORTED) {
		if (w->page == PAGE_RUN || w->page == PAGE_PREFLIGHT)
			w->page = PAGE_FINISH;
		if (w->dialog == DLG_LOG)
			w->dialog = DLG_NONE;
	}
	w->dirty = true;
}

void wizard_set_plan_cmds(struct wizard *w, char **cmds)
{
	free_plan_cmds(w);
	w->plan_cmds = cmds;
	w->dirty = true;
}

/* ---- pages and dialogs ---- */

const struct view_ops *wizard_page_ops(enum wizard_page p)
{
	return page_ops[p];
}

static void enter(struct wizard *w, const struct view_ops *ops)
{
	char err[8];
	struct view v = view_of(w, ops);
	if (ops->enter)
		ops->enter(&v, w, err, sizeof err);
}

void wizard_goto(struct wizard *w, enum wizard_page p)
{
	w->page = p;
	w->dirty = true;
	enter(w, page_ops[p]);
}

void wizard_home(struct wizard *w)
{
	if (w->be.home)
		w->be.home(w);
	wizard_set_plan_cmds(w, NULL);
	w->plan = NULL;
	free_nodes(w);
	pane_free(w->report);
	w->report = pane_new(WIZARD_PANE_LINES);
	w->report_scroll = 0;
	free(w->report_node);
	w->report_node = NULL;
	free(w->site_saved);
	w->site_saved = NULL;
	w->rstate = RUNNER_IDLE;
	w->started = w->run_continued = w->checking = w->confirmed = false;
	w->run_sel = 0;
	w->dialog = DLG_NONE;
	w->status[0] = '\0';
	wizard_goto(w, PAGE_HOME);
}

void wizard_back(struct wizard *w)
{
	w->page = wizard_flow_prev(w);
	w->dirty = true;
}

void wizard_open_dialog(struct wizard *w, enum wizard_dialog d)
{
	if (d != DLG_NONE)
		enter(w, dialog_ops[d]);
	w->dialog = d;
	w->dirty = true;
}


void wizard_open_view(struct wizard *w, const struct view_ops *ops)
{
	char err[512];
	if (!w->ui)
		snprintf(err, sizeof err, "Not available here.");
	else if (ui_push(w->ui, ops, w->site_path, err, sizeof err))
		return;
	wizard_notice(w, err);
}

void wizard_abort(struct wizard *w)
{
	w->dialog = DLG_NONE;
	if (w->be.abort)
		w->be.abort(w);
}

void wizard_connect(struct wizard *w)
{
	w->status[0] = '\0'; /* the settings page's notices end here */
	free(w->form_error);
	w->form_error = NULL;
	if (w->be.connect)
		w->be.connect(w);
}

/* The transport's prompt as the dialog names it: "Enter passphrase for key
 * 'F': " -> "passphrase for key F", "Password for U@H: " -> "password for
 * U@H". */
char *wizard_secret_what(enum conn_secret_kind kind, const char *prompt)
{
	const char *p = prompt ? prompt : "";
	if (strncmp(p, "Enter ", 6) == 0)
		p += 6;
	char *what = xstrdup(*p ? p : kind == SECRET_KEY_PASSPHRASE ? "passphrase for your SSH key" : "password");
	size_t len = strlen(what);
	while (len && (what[len - 1] == ' ' || what[len - 1] == ':'))
		what[--len] = '\0';
	/* the key file without its quotes */
	char *q = strchr(what, '\'');
	if (q && len > 1 && what[len - 1] == '\'' && q < what + len - 1) {
		memmove(q, q + 1, len - (size_t)(q - what));
		what[len - 2] = '\0';
	}
	what[0] = (char)tolower((unsigned char)what[0]);
	return what;
}

void wizard_discover(struct wizard *w)
{
	w->status[0] = '\0';
	free(w->form_error);
	w->form_error = NULL;
	if (w->be.discover)
		w->be.discover(w);
	else
		wizard_notice(w, "Not available here.");
}

void wizard_set_discovered(struct wizard *w, const char *master, const char *const lists[DISCOVER_LISTS])
{
	free(w->disc_from);
	w->disc_from = master && lists ? xstrdup(master) : NULL;
	for (int l = 0; l < DISCOVER_LISTS; l++) {
		free(w->disc[l]);
		w->disc[l] = w->disc_from ? xstrdup(lists[l] ? lists[l] : "") : NULL;
	}
	w->dirty = true;
}

bool wizard_discovery_current(const struct wizard *w)
{
	return w->disc_from && strcmp(w->disc_from, w->field[FIELD_MASTER]) == 0;
}

void wizard_interrupt(struct wizard *w)
{
	w->dirty = true;
	if (w->started && (w->rstate == RUNNER_RUNNING || w->rstate == RUNNER_STOPPED)) {
		w->dialog = DLG_ABORT;
		return;
	}
	w->quit = true;
}

void wizard_key(struct wizard *w, int key)
{
	w->dirty = true;
	struct view v = view_of(w, w->dialog != DLG_NONE ? dialog_ops[w->dialog] : page_ops[w->page]);
	if (v.ops->key(&v, key) & VIEW_QUIT)
		w->quit = true;
}

static void title_bar(const struct wizard *w)
{
	int cols = getmaxx(stdscr);
	char buf[256];
	wg_fill_row(0, ROLE_TITLE);
	if (w->page == PAGE_HOME)
		snprintf(buf, sizeof buf, " replica-wizard");
	else
		snprintf(buf, sizeof buf, " replica-wizard %s %s %s %s", term_utf8() ? "\u2014" : "-",
			 wizard_flow(w->op)->title, term_utf8() ? "\u203a" : ">", wizard_step_title(w));
	wg_put(0, 0, cols, ROLE_TITLE, buf);
}

void wizard_draw(struct wizard *w)
{
	erase();
	if (!wg_too_small()) {
		title_bar(w);
		struct view v = view_of(w, page_ops[w->page]);
		v.ops->draw(&v);
		if (w->dialog != DLG_NONE) {
			v = view_of(w, dialog_ops[w->dialog]);
			v.ops->draw(&v);
		}
	}
	wnoutrefresh(stdscr);
	w->dirty = false;
}
