/* The wizard's model and key handling (see wizard.h). Handlers only change
 * state and set dirty; nothing here draws or talks to the engine directly. */
#include "wizard.h"

#include "password_rules.h"
#include "dashboard_view.h"
#include "home.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dovecot_op.h"
#include "install.h"
#include "pane.h"
#include "site.h"
#include "view.h"
#include "widgets/field.h"
#include "widgets/form.h"
#include "widgets/keys.h"
#include "widgets/list.h"
#include "xalloc.h"


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
	for (size_t i = 0; i < w->n_ans; i++)
		free(w->ans_names[i]);
	free(w->ans_names);
	free(w->ans_checked);
	free(w->ans_saved);
	w->ans_names = NULL;
	w->ans_checked = w->ans_saved = NULL;
	w->n_ans = 0;
}

static void srv_clear(struct wizard *w)
{
	for (size_t i = 0; i < w->n_srv; i++) {
		free(w->srv_names[i]);
		free(w->srv_roles[i]);
	}
	free(w->srv_names);
	free(w->srv_roles);
	free(w->srv_skip);
	w->srv_names = w->srv_roles = NULL;
	w->srv_skip = NULL;
	w->n_srv = 0;
}

void wizard_free(struct wizard *w)
{
	if (!w)
		return;
	for (size_t i = 0; i < w->n_nodes; i++) {
		free(w->nodes[i].name);
		free(w->nodes[i].conn_msg);
		free(w->nodes[i].step);
		pane_free(w->nodes[i].pane);
	}
	free(w->nodes);
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
	explicit_bzero(w->pw_input, sizeof w->pw_input);
	explicit_bzero(w->dv_password, sizeof w->dv_password);
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
	const char *const *dv = site_list(s, SITE_ROLE_DOVECOT, &n);
	for (size_t i = 0; i < n && i < 2; i++)
		snprintf(w->dv_field[DV_SERVER1 + i], WIZARD_FIELD_MAX, "%s", dv[i]);
	if ((v = site_get(s, "dovecot", "port")))
		snprintf(w->dv_field[DV_PORT], WIZARD_FIELD_MAX, "%s", v);
	if ((v = site_get(s, "dovecot", "max_conns")))
		snprintf(w->dv_field[DV_MAX_CONNS], WIZARD_FIELD_MAX, "%s", v);
	site_free(s);
}

void wizard_set_replicas(struct wizard *w, const char *const *names, size_t n)
{
	for (size_t i = 0; i < w->n_rm; i++)
		free(w->rm_names[i]);
	free(w->rm_names);
	free(w->rm_checked);
	w->rm_names = n ? xcalloc(n, sizeof *w->rm_names) : NULL;
	w->rm_checked = n ? xcalloc(n, sizeof *w->rm_checked) : NULL;
	for (size_t i = 0; i < n; i++)
		w->rm_names[i] = xstrdup(names[i]);
	w->n_rm = n;
	w->rm_sel = 0;
	w->dirty = true;
}

void wizard_set_answer_nodes(struct wizard *w, const char *const *names, size_t n)
{
	ans_clear(w);
	w->ans_names = n ? xcalloc(n, sizeof *w->ans_names) : NULL;
	w->ans_checked = xcalloc(n + 1, sizeof *w->ans_checked);
	w->ans_saved = xcalloc(n + 1, sizeof *w->ans_saved);
	for (size_t i = 0; i < n; i++)
		w->ans_names[i] = xstrdup(names[i]);
	for (size_t i = 0; i <= n; i++)
		w->ans_checked[i] = true; /* the default: every node */
	w->n_ans = n;
	w->ans_sel = 0;
	w->dirty = true;
}

/* The name on row i of the checklist (the master: the form's). */
static const char *ans_name(const struct wizard *w, size_t i)
{
	return i < w->n_ans ? w->ans_names[i] : w->field[FIELD_MASTER];
}

static bool ans_is_master(const struct wizard *w, size_t i)
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
		if (i < w->n_ans && ans_is_master(w, i))
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
	w->srv_sel = 0;
	w->dialog = DLG_SERVERS;
	w->dirty = true;
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

const char *wizard_op_title(enum wizard_op op)
{
	switch (op) {
	case OP_REMOVE: return "Remove a Directory Replica";
	case OP_DOVECOT: return "Configure Dovecot replication";
	case OP_INSTALL: break;
	}
	return "Install a Directory Replica";
}

void wizard_begin(struct wizard *w, enum wizard_op op)
{
	w->op = op;
	w->status[0] = '\0';
	free(w->form_error);
	w->form_error = NULL;
	static const enum wizard_page first_page[] = {
		[OP_INSTALL] = PAGE_NODES, [OP_REMOVE] = PAGE_REMOVE, [OP_DOVECOT] = PAGE_DOVECOT,
	};
	w->page = first_page[op];
	w->field_sel = 0; /* each form starts at its first row */
	w->rm_sel = 0;
	w->dv_sel = 0;
	w->dirty = true;
}

void wizard_report(struct wizard *w, const char *line)
{
	pane_add(w->report, line);
	w->dirty = true;
}

static void notice(struct wizard *w, const char *text)
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
	if (w->op == OP_DOVECOT && (!w->report_node || strcmp(w->report_node, node) != 0)) {
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
		pane_add(n->pane, head);
		free(head);
	}
	if (it->state == ITEM_FAILED || it->state == ITEM_WARNED) {
		char *m = xasprintf("%s: %s", it->state == ITEM_FAILED ? "FAILED" : "WARNING",
				    it->message ? it->message : "");
		pane_add(n->pane, m);
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

/* ---- the bootstrap menus ---- */

static const struct {
	const char *name;   /* install.h */
	const char *label;  /* the menu's label */
	const char *prompt; /* the bootstrap's question */
} pw_info[PW_COUNT] = {
	/* one row each, as the bootstrap shows them */
	[PW_ADMIN] = { "zimbra_ldap_password", "Ldap Admin password:", "Password for ldap admin user (min 6 characters):" },
	[PW_ROOT] = { "ldap_root_password", "Ldap root password:", "Password for ldap root user (min 6 characters):" },
	[PW_REPLICATION] = { "ldap_replication_password", "Ldap replication password:", "Password for ldap replication user (min 6 characters):" },
	[PW_POSTFIX] = { "ldap_postfix_password", "Ldap postfix password:", "Password for ldap Postfix user (min 6 characters):" },
	[PW_AMAVIS] = { "ldap_amavis_password", "Ldap amavis password:", "Password for ldap Amavis user (min 6 characters):" },
	[PW_NGINX] = { "ldap_nginx_password", "Ldap nginx password:", "Password for ldap Nginx user (min 6 characters):" },
};

const char *wizard_pw_name(enum wizard_pw which)
{
	return pw_info[which].name;
}

const char *wizard_pw_prompt(enum wizard_pw which)
{
	return pw_info[which].prompt;
}

const char *wizard_pw_value(enum wizard_pw_state st)
{
	switch (st) {
	case PWS_SET: return "set";
	case PWS_UNSET: return "UNSET";
	default: return "Not Verified";
	}
}

static bool pw_shown(const struct wizard *w, enum wizard_pw p)
{
	/* a pure replica's bootstrap hides these (no MTA, no proxy on it) */
	if (p == PW_POSTFIX || p == PW_AMAVIS || p == PW_NGINX)
		return w->replica_mta;
	return true;
}

static bool common_complete(const struct wizard *w)
{
	return w->pw[PW_ADMIN] == PWS_SET;
}

static bool ldap_complete(const struct wizard *w)
{
	for (int p = PW_ROOT; p < PW_COUNT; p++)
		if (pw_shown(w, (enum wizard_pw)p) && w->pw[p] != PWS_SET)
			return false;
	return true;
}

bool wizard_menus_complete(const struct wizard *w)
{
	return common_complete(w) && ldap_complete(w);
}

static struct wizard_menu_item *add_item(struct wizard_menu_item *out, size_t *n, const char *key,
					 const char *label, const char *value,
					 enum wizard_menu_action act)
{
	if (*n >= WIZARD_MENU_MAX)
		return &out[WIZARD_MENU_MAX - 1];
	struct wizard_menu_item *it = &out[(*n)++];
	memset(it, 0, sizeof *it);
	snprintf(it->key, sizeof it->key, "%s", key);
	snprintf(it->label, sizeof it->label, "%s", label);
	snprintf(it->value, sizeof it->value, "%s", value ? value : "");
	it->action = act;
	/* the bootstrap's rule: empty, none, UNSET or Not Verified get ** */
	it->marked = value && (strcmp(value, "UNSET") == 0 || strcmp(value, "Not Verified") == 0 ||
			       strcmp(value, "none") == 0);
	return it;
}

static size_t common_items(const struct wizard *w, struct wizard_menu_item *out, size_t n,
			   bool expansion)
{
	char port[16], num[12];
	snprintf(port, sizeof port, "%u", w->ldap_port);
	int k = 1;
	struct wizard_menu_item *it;
#define NUM() (expansion ? "" : (snprintf(num, sizeof num, "%d", k++), num))
	it = add_item(out, &n, NUM(), "Hostname:", w->hostname ? w->hostname : "UNSET", MACT_FIXED);
	it->why = "The replica's hostname comes from the Nodes page (one menu set serves every replica).";
	it->expansion = expansion;
	it = add_item(out, &n, NUM(), "Ldap master host:", w->master ? w->master : "UNSET", MACT_FIXED);
	it->why = "The master comes from the Nodes page.";
	it->expansion = expansion;
	it = add_item(out, &n, NUM(), "Ldap port:", port, MACT_FIXED);
	it->why = "The LDAP port comes from the site file (ldap_port).";
	it->expansion = expansion;
	it = add_item(out, &n, NUM(), pw_info[PW_ADMIN].label, wizard_pw_value(w->pw[PW_ADMIN]),
		      MACT_PASSWORD);
	it->pw = PW_ADMIN;
	it->expansion = expansion;
#undef NUM
	return n;
}

static size_t ldap_items(const struct wizard *w, struct wizard_menu_item *out, size_t n,
			 bool expansion)
{
	char num[12];
	int k = 1;
	struct wizard_menu_item *it;
#define NUM() (expansion ? "" : (snprintf(num, sizeof num, "%d", k++), num))
	if (!expansion) {
		it = add_item(out, &n, NUM(), "Status:", "Enabled", MACT_FIXED);
		it->why = "A Directory Replica runs slapd: the status stays Enabled.";
		it = add_item(out, &n, NUM(), "Create Domain:", "no", MACT_FIXED);
		it->why = "A replica creates no domain: the directory comes from the master.";
		it = add_item(out, &n, NUM(), "Ldap replication type:", "replica", MACT_FIXED);
		it->why = "The Ldap master host differs from the hostname: replica.";
	}
	for (int p = PW_ROOT; p < PW_COUNT; p++) {
		if (!pw_shown(w, (enum wizard_pw)p))
			continue;
		if (expansion && w->pw[p] == PWS_SET)
			continue;
		it = add_item(out, &n, NUM(), pw_info[p].label, wizard_pw_value(w->pw[p]), MACT_PASSWORD);
		it->pw = (enum wizard_pw)p;
		it->expansion = expansion;
	}
#undef NUM
	return n;
}

size_t wizard_menu_items(const struct wizard *w, struct wizard_menu_item *out)
{
	size_t n = 0;
	switch (w->menu) {
	case MENU_COMMON:
		return common_items(w, out, 0, false);
	case MENU_LDAP:
		return ldap_items(w, out, 0, false);
	case MENU_MAIN:
		break;
	}
	add_item(out, &n, "1", "Common Configuration:", "", MACT_COMMON);
	if (w->menu_expand || !common_complete(w))
		n = common_items(w, out, n, true);
	add_item(out, &n, "2", "carbonio-directory-server:", "Enabled", MACT_LDAP);
	if (w->menu_expand || !ldap_complete(w))
		n = ldap_items(w, out, n, true);
	add_item(out, &n, "s", "Save config to file", NULL, MACT_SAVE);
	add_item(out, &n, w->menu_expand ? "c" : "x", w->menu_expand ? "Collapse menu" : "Expand menu",
		 NULL, MACT_EXPAND);
	add_item(out, &n, "q", "Quit", NULL, MACT_QUIT);
	return n;
}

static void menu_activate(struct wizard *w, const struct wizard_menu_item *it)
{
	w->status[0] = '\0';
	switch (it->action) {
	case MACT_COMMON:
		w->menu = MENU_COMMON;
		w->menu_sel = 0;
		break;
	case MACT_LDAP:
		w->menu = MENU_LDAP;
		w->menu_sel = 0;
		break;
	case MACT_PASSWORD:
		w->pw_editing = it->pw;
		explicit_bzero(w->pw_input, sizeof w->pw_input);
		w->dialog = DLG_PASSWORD;
		break;
	case MACT_FIXED:
		snprintf(w->status, sizeof w->status, "%s", it->why ? it->why : "");
		break;
	case MACT_SAVE:
		snprintf(w->status, sizeof w->status, "%s",
			 "The wizard hands these answers to carbonio-bootstrap itself (0600 file, removed after use).");
		break;
	case MACT_EXPAND:
		w->menu_expand = !w->menu_expand;
		break;
	case MACT_QUIT:
		w->dialog = DLG_QUIT;
		break;
	case MACT_NONE:
		break;
	}
}

/* The selectable items (those with a key), by position. */
static int menu_selectable(const struct wizard_menu_item *items, size_t n, int *idx)
{
	int k = 0;
	for (size_t i = 0; i < n; i++)
		if (items[i].key[0])
			idx[k++] = (int)i;
	return k;
}

static void menu_key(struct wizard *w, int key)
{
	struct wizard_menu_item items[WIZARD_MENU_MAX];
	size_t n = wizard_menu_items(w, items);
	int idx[WIZARD_MENU_MAX];
	int ns = menu_selectable(items, n, idx);
	if (w->menu_sel >= ns)
		w->menu_sel = ns ? ns - 1 : 0;
	if (wg_list_move(&w->menu_sel, ns, key))
		return;
	switch (key) {
	case '\r':
	case '\n':
	case KEY_ENTER:
		if (ns)
			menu_activate(w, &items[idx[w->menu_sel]]);
		return;
	case '?':
		w->dialog = DLG_HELP;
		return;
	case 'r':
	case KEY_ESC:
	case KEY_LEFT:
		if (w->menu != MENU_MAIN) {
			w->menu_sel = w->menu == MENU_COMMON ? 0 : 1;
			w->menu = MENU_MAIN;
		}
		return;
	case 'y':
		if (w->menu == MENU_MAIN && wizard_menus_complete(w)) {
			if (w->be.review)
				w->be.review(w);
			w->page = PAGE_PLAN;
			w->plan_scroll = 0;
			return;
		}
		break;
	default:
		break;
	}
	for (int k = 0; k < ns; k++) {
		const struct wizard_menu_item *it = &items[idx[k]];
		if (key < 256 && strlen(it->key) == 1 && it->key[0] == key) {
			w->menu_sel = k;
			menu_activate(w, it);
			return;
		}
	}
	snprintf(w->status, sizeof w->status, "Invalid selection! - press any key to continue");
	w->menu_invalid = true;
}

/* Enter on the doveadm password: Dovecot's rules (dovecot_op), kept only
 * in memory and handed to the operation on Connect. */
static void doveadm_password_done(struct wizard *w)
{
	const char *why = dovecot_op_password_problem(w->pw_input);
	if (why) {
		snprintf(w->status, sizeof w->status, "%s", why);
		return;
	}
	snprintf(w->dv_password, sizeof w->dv_password, "%s", w->pw_input);
	explicit_bzero(w->pw_input, sizeof w->pw_input);
	w->dialog = DLG_NONE;
	w->dv_typing = false;
	snprintf(w->status, sizeof w->status, "The doveadm password is set (both servers get it).");
}

static void password_key(struct wizard *w, int key)
{
	if (key == KEY_ESC) {
		explicit_bzero(w->pw_input, sizeof w->pw_input);
		w->dialog = DLG_NONE;
		w->dv_typing = false;
		return;
	}
	if (w->dv_typing && (key == '\r' || key == '\n' || key == KEY_ENTER)) {
		doveadm_password_done(w);
		return;
	}
	if (key == '\r' || key == '\n' || key == KEY_ENTER) {
		/* the same rules as the batch (what Carbonio accepts), before
		 * anything binds with it */
		const char *why = password_rules_ldap_problem(w->pw_input);
		if (why) {
			snprintf(w->status, sizeof w->status, "%s", why);
			return;
		}
		w->dialog = DLG_NONE;
		enum wizard_pw p = w->pw_editing;
		/* the root password is not verified by the bootstrap either */
		w->pw[p] = p == PW_ROOT ? PWS_SET : PWS_CHECKING;
		if (w->be.password)
			w->be.password(w, p, w->pw_input);
		explicit_bzero(w->pw_input, sizeof w->pw_input);
		if (w->pw[p] == PWS_CHECKING)
			snprintf(w->status, sizeof w->status, "Verifying the %s against the master...",
				 pw_info[p].name);
		return;
	}
	wg_field_key(w->pw_input, sizeof w->pw_input, key);
}

/* ---- the other pages ---- */

/* Push a view over the wizard (the dashboard, the site file); a notice
 * when it cannot open (no site file, no terminal) or no stack runs. */
static void open_view(struct wizard *w, const struct view_ops *ops)
{
	char err[512];
	if (!w->ui)
		snprintf(err, sizeof err, "Not available here.");
	else if (ui_push(w->ui, ops, w->site_path, err, sizeof err))
		return;
	notice(w, err);
}

static void home_key(struct wizard *w, int key)
{
	int n = (int)home_count;
	if (wg_list_move(&w->home_sel, n, key))
		return;
	switch (key) {
	case 'q':
		w->quit = true;
		return;
	case '\r':
	case '\n':
	case KEY_ENTER:
		break;
	default:
		if (key >= '1' && key <= '0' + n) {
			w->home_sel = key - '1';
			break;
		}
		return;
	}
	const struct home_entry *e = &home_entries[w->home_sel];
	switch (e->kind) {
	case HOME_OP:
		wizard_begin(w, e->op);
		break;
	case HOME_VIEW:
		open_view(w, e->view);
		break;
	case HOME_QUIT:
		w->quit = true;
		break;
	}
}

/* The forms' shared keys (nodes, Dovecot settings): focus moves, Esc goes
 * home, Enter is the row's (enter; false: on to the next row), any other
 * key is the row's (other). */
static void form_page_key(struct wizard *w, int *sel, int count, int key,
			  bool (*enter)(struct wizard *w, int row),
			  void (*other)(struct wizard *w, int row, int key))
{
	size_t s = (size_t)*sel;
	enum wg_form_action act = wg_form_key(&s, (size_t)count, key);
	*sel = (int)s;
	if (act == WG_FORM_BACK)
		w->page = PAGE_HOME;
	else if (act == WG_FORM_ENTER && !enter(w, *sel))
		*sel = *sel + 1 < count ? *sel + 1 : *sel;
	else if (act == WG_FORM_OTHER)
		other(w, *sel, key);
}

static bool nodes_enter(struct wizard *w, int f)
{
	if (f == FIELD_ANSWER) {
		memcpy(w->ans_saved, w->ans_checked, (w->n_ans + 1) * sizeof *w->ans_saved);
		w->ans_sel = 0;
		w->dialog = DLG_ANSWER;
		return true;
	}
	if (f != FIELD_CONNECT)
		return false;
	free(w->form_error);
	w->form_error = NULL;
	if (w->be.connect)
		w->be.connect(w);
	return true;
}

static void nodes_other(struct wizard *w, int f, int key)
{
	if (f == FIELD_ANSWER && key == ' ') {
		/* all or none: the checklist (Enter) chooses */
		w->answer_queries = !w->answer_queries;
		if (w->answer_queries)
			for (size_t i = 0; i <= w->n_ans; i++)
				w->ans_checked[i] = true;
	} else if (f < FIELD_ANSWER) {
		wg_field_key(w->field[f], sizeof w->field[f], key);
	}
}

static void nodes_key(struct wizard *w, int key)
{
	form_page_key(w, &w->field_sel, FIELD_COUNT, key, nodes_enter, nodes_other);
}

/* The answer-queries checklist: Space checks, a all, n none, Enter
 * confirms (answer queries is on when any is checked), Esc restores. */
static void answer_key(struct wizard *w, int key)
{
	size_t rows = w->n_ans + 1;
	switch (key) {
	case KEY_UP:
		w->ans_sel = w->ans_sel ? w->ans_sel - 1 : rows - 1;
		return;
	case KEY_DOWN:
	case '\t':
		w->ans_sel = (w->ans_sel + 1) % rows;
		return;
	case ' ':
		w->ans_checked[w->ans_sel] = !w->ans_checked[w->ans_sel];
		return;
	case 'a':
	case 'n':
		for (size_t i = 0; i < rows; i++)
			w->ans_checked[i] = key == 'a';
		return;
	case KEY_ESC:
		memcpy(w->ans_checked, w->ans_saved, rows * sizeof *w->ans_checked);
		w->dialog = DLG_NONE;
		return;
	case '\r':
	case '\n':
	case KEY_ENTER: {
		bool any = false;
		for (size_t i = 0; i < rows; i++)
			any |= w->ans_checked[i] && !(i < w->n_ans && ans_is_master(w, i));
		w->answer_queries = any;
		if (!any) /* off again; the next Space means every node */
			for (size_t i = 0; i < rows; i++)
				w->ans_checked[i] = true;
		w->dialog = DLG_NONE;
		return;
	}
	default:
		return;
	}
}

/* The unnamed servers: Space checks (skip), a all, n none; Enter goes on
 * when every one is checked, Esc stops the run (nothing was changed). */
static void servers_key(struct wizard *w, int key)
{
	size_t rows = w->n_srv;
	switch (key) {
	case KEY_UP:
		w->srv_sel = w->srv_sel ? w->srv_sel - 1 : rows - 1;
		return;
	case KEY_DOWN:
	case '\t':
		w->srv_sel = (w->srv_sel + 1) % rows;
		return;
	case ' ':
		w->srv_skip[w->srv_sel] = !w->srv_skip[w->srv_sel];
		return;
	case 'a':
	case 'n':
		for (size_t i = 0; i < rows; i++)
			w->srv_skip[i] = key == 'a';
		return;
	case KEY_ESC:
	case 's':
		w->dialog = DLG_NONE;
		if (w->be.abort)
			w->be.abort(w);
		return;
	case '\r':
	case '\n':
	case KEY_ENTER: {
		size_t n = 0;
		free(wizard_skipped_servers(w, &n));
		if (n < rows) {
			snprintf(w->status, sizeof w->status,
				 "Check every server to skip it, or stop (Esc) and add it to the site file.");
			return;
		}
		w->status[0] = '\0';
		w->dialog = DLG_NONE;
		if (w->be.skip_servers)
			w->be.skip_servers(w);
		return;
	}
	default:
		return;
	}
}

/* A node's passphrase or password: handed to the backend at once and wiped
 * here; Esc answers none (the connection fails with its message). */
static void secret_key(struct wizard *w, int key)
{
	bool enter = key == '\r' || key == '\n' || key == KEY_ENTER;
	if (key == KEY_ESC || enter) {
		w->dialog = DLG_NONE;
		if (w->be.secret)
			w->be.secret(w, enter ? w->sec_input : NULL);
		explicit_bzero(w->sec_input, sizeof w->sec_input);
		return;
	}
	wg_field_key(w->sec_input, sizeof w->sec_input, key);
}

static void do_connect(struct wizard *w)
{
	w->status[0] = '\0'; /* the settings page's notices end here */
	free(w->form_error);
	w->form_error = NULL;
	if (w->be.connect)
		w->be.connect(w);
}

static void remove_key(struct wizard *w, int key)
{
	/* the replicas, the disable-LDAP toggle, the Connect button */
	enum wg_form_action act = wg_form_key(&w->rm_sel, w->n_rm + 2, key);
	if (act == WG_FORM_BACK) {
		w->page = PAGE_HOME;
	} else if (key == 'c') {
		do_connect(w);
	} else if (act == WG_FORM_ENTER || key == ' ') {
		if (w->rm_sel < w->n_rm)
			w->rm_checked[w->rm_sel] = !w->rm_checked[w->rm_sel];
		else if (w->rm_sel == w->n_rm)
			w->disable_ldap = !w->disable_ldap;
		else if (key != ' ')
			do_connect(w);
	}
}

static bool dovecot_enter(struct wizard *w, int f)
{
	if (f == DV_CONNECT)
		do_connect(w);
	else if (f == DV_PASSWORD) {
		explicit_bzero(w->pw_input, sizeof w->pw_input);
		w->dv_typing = true;
		w->dialog = DLG_PASSWORD;
	}
	return f == DV_CONNECT || f == DV_PASSWORD;
}

static void dovecot_other(struct wizard *w, int f, int key)
{
	if (f == DV_PASSWORD && key == 'g') {
		explicit_bzero(w->dv_password, sizeof w->dv_password);
		snprintf(w->status, sizeof w->status, "%s",
			 "The doveadm password will be generated (or kept from an earlier run).");
	} else if (f < DV_PASSWORD) {
		wg_field_key(w->dv_field[f], sizeof w->dv_field[f], key);
	}
}

static void dovecot_key(struct wizard *w, int key)
{
	form_page_key(w, &w->dv_sel, DV_COUNT, key, dovecot_enter, dovecot_other);
}

static void connect_key(struct wizard *w, int key)
{
	bool failed = false;
	for (size_t i = 0; i < w->n_nodes; i++)
		if (w->nodes[i].conn == CONN_FAILED)
			failed = true;
	if (key == 'b' || key == KEY_ESC) {
		if (!w->started) {
			w->page = w->op == OP_REMOVE ? PAGE_REMOVE : w->op == OP_DOVECOT ? PAGE_DOVECOT : PAGE_NODES;
			w->field_sel = FIELD_CONNECT;
		}
		return;
	}
	if (key == 'r' && failed && w->be.connect)
		w->be.connect(w);
	if (key == 'q')
		w->quit = true;
}

static void preflight_key(struct wizard *w, int key)
{
	if ((key == '\r' || key == '\n' || key == KEY_ENTER || key == 'c') &&
	    w->rstate == RUNNER_PAUSED) {
		if (w->op != OP_INSTALL) {
			/* no bootstrap menus: the findings were confirmed */
			if (w->be.review)
				w->be.review(w);
			w->page = PAGE_PLAN;
			w->plan_scroll = 0;
			return;
		}
		w->page = PAGE_MENU;
		w->menu = MENU_MAIN;
		w->menu_sel = 0;
	} else if (key == KEY_DOWN) {
		w->report_scroll++; /* drawing clamps it */
	} else if (key == KEY_UP) {
		if (w->report_scroll)
			w->report_scroll--;
	} else if (key == KEY_NPAGE) {
		w->report_scroll += 10;
	} else if (key == KEY_PPAGE) {
		w->report_scroll = w->report_scroll > 10 ? w->report_scroll - 10 : 0;
	} else if (key == 'q') {
		w->dialog = DLG_QUIT;
	}
}

static void plan_key(struct wizard *w, int key)
{
	switch (key) {
	case KEY_UP: if (w->plan_scroll) w->plan_scroll--; return;
	case KEY_DOWN: w->plan_scroll++; return;
	case KEY_PPAGE: w->plan_scroll = w->plan_scroll > 10 ? w->plan_scroll - 10 : 0; return;
	case KEY_NPAGE: w->plan_scroll += 10; return;
	case KEY_HOME: w->plan_scroll = 0; return;
	case 'b':
	case KEY_ESC:
		w->page = w->op == OP_INSTALL ? PAGE_MENU : PAGE_PREFLIGHT;
		return;
	case 's':
	case '\r':
	case '\n':
	case KEY_ENTER:
		w->page = PAGE_RUN;
		w->run_continued = true;
		if (w->be.start)
			w->be.start(w);
		return;
	default:
		return;
	}
}

static struct wizard_node *focused(struct wizard *w)
{
	if (!w->n_nodes)
		return NULL;
	if (w->run_sel >= w->n_nodes)
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

static void run_key(struct wizard *w, int key)
{
	struct wizard_node *n = focused(w);
	switch (key) {
	case '\t':
		if (w->n_nodes)
			w->run_sel = (w->run_sel + 1) % w->n_nodes;
		return;
	case KEY_UP: if (n) scroll_node(n, 1); return;
	case KEY_DOWN: if (n) scroll_node(n, -1); return;
	case KEY_PPAGE: if (n) scroll_node(n, 10); return;
	case KEY_NPAGE: if (n) scroll_node(n, -10); return;
	case KEY_END:
	case 'f':
		if (n)
			n->scroll = 0;
		return;
	case 'l':
		w->log_scroll = 0;
		w->dialog = DLG_LOG;
		return;
	default:
		return;
	}
}

static void failure_key(struct wizard *w, int key)
{
	switch (key) {
	case 'r':
		w->dialog = DLG_NONE;
		if (w->be.retry)
			w->be.retry(w);
		break;
	case 's':
		if (!w->can_skip)
			break;
		w->dialog = DLG_NONE;
		if (w->be.skip)
			w->be.skip(w);
		break;
	case 'a':
		if (w->be.abort)
			w->be.abort(w);
		break;
	case 'l':
		w->log_for_failed = true;
		w->log_scroll = 0;
		w->dialog = DLG_LOG;
		break;
	default:
		break;
	}
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
	switch (w->dialog) {
	case DLG_HOSTKEY:
		if (key == 'y' || key == 'n') {
			w->dialog = DLG_NONE;
			if (w->be.hostkey)
				w->be.hostkey(w, key == 'y');
		}
		return;
	case DLG_FAILURE:
		failure_key(w, key);
		return;
	case DLG_ABORT:
		if (key == 'y') {
			w->dialog = DLG_NONE;
			if (w->be.abort)
				w->be.abort(w);
		} else if (key == 'n' || key == KEY_ESC || key == '\r' || key == '\n') {
			w->dialog = w->rstate == RUNNER_STOPPED ? DLG_FAILURE : DLG_NONE;
		}
		return;
	case DLG_QUIT:
		if (key == 'y') {
			w->quit = true;
		} else {
			w->dialog = DLG_NONE;
		}
		return;
	case DLG_PASSWORD:
		password_key(w, key);
		return;
	case DLG_ANSWER:
		answer_key(w, key);
		return;
	case DLG_SECRET:
		secret_key(w, key);
		return;
	case DLG_SERVERS:
		servers_key(w, key);
		return;
	case DLG_LOG: {
		if (key == KEY_UP)
			w->log_scroll++;
		else if (key == KEY_DOWN && w->log_scroll)
			w->log_scroll--;
		else if (key == KEY_PPAGE)
			w->log_scroll += 10;
		else if (key == KEY_NPAGE)
			w->log_scroll = w->log_scroll > 10 ? w->log_scroll - 10 : 0;
		else if (key == 'q' || key == KEY_ESC || key == 'l') {
			w->dialog = w->rstate == RUNNER_STOPPED ? DLG_FAILURE : DLG_NONE;
			w->log_for_failed = false;
		}
		return;
	}
	case DLG_HELP:
	case DLG_MESSAGE:
		w->dialog = DLG_NONE;
		return;
	case DLG_NONE:
		break;
	}
	if (w->page == PAGE_MENU && w->menu_invalid) {
		/* "press any key to continue" */
		w->menu_invalid = false;
		w->status[0] = '\0';
		return;
	}
	switch (w->page) {
	case PAGE_HOME: home_key(w, key); break;
	case PAGE_NODES: nodes_key(w, key); break;
	case PAGE_REMOVE: remove_key(w, key); break;
	case PAGE_DOVECOT: dovecot_key(w, key); break;
	case PAGE_CONNECT: connect_key(w, key); break;
	case PAGE_PREFLIGHT: preflight_key(w, key); break;
	case PAGE_MENU: menu_key(w, key); break;
	case PAGE_PLAN: plan_key(w, key); break;
	case PAGE_RUN: run_key(w, key); break;
	case PAGE_FINISH:
		if (key == 'd') {
			open_view(w, &dashboard_view_ops);
		} else if (key == 'q' || key == '\r' || key == '\n' || key == KEY_ENTER) {
			w->quit = true;
		}
		break;
	}
}
