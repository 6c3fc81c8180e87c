/* ui_main: the wizard view on the view stack and its backend — the glue that
 * drives `struct operation` exactly as cli/batch.c does (connect, preflight
 * with pause_after_preflight, runner_continue after the menus and the plan
 * review), with the engine's events turned into model changes. */
#include "ui.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "discover_view.h"
#include "discover_write.h"
#include "dovecot_op.h"
#include "harden.h"
#include "exit_status.h"
#include "install.h"
#include "ldap_route.h"
#include "ldapprobe.h"
#include "names.h"
#include "loop.h"
#include "operation.h"
#include "pane.h"
#include "redact.h"
#include "remove.h"
#include "shell.h"
#include "site.h"
#include "stopsig.h"
#include "state_dir.h"
#include "term.h"
#include "vars.h"
#include "view.h"
#include "wizard.h"
#include "xalloc.h"

struct app;
struct probe_ctx {
	struct app *app;
	enum wizard_pw which;
};

struct app {
	struct wizard *w;
	struct loop *loop;
	struct site *site;
	struct operation *op;
	struct conn **hk_queue;    /* unknown host keys waiting for a decision */
	size_t n_hk;
	struct conn **sec_queue;   /* nodes waiting for a passphrase/password */
	char **sec_what;           /* what each asks for (no secret) */
	size_t n_sec;
	const char **answer;       /* opts.answer_nodes (names owned by the wizard) */
	bool start_pending;        /* all connected: operation_start next pass */
	bool again_pending;        /* a check the nodes did not confirm: run it all again */
	bool menus_loaded;
	struct ldap_route_probe *probe[PW_COUNT];
	struct probe_ctx ctx[PW_COUNT]; /* the probes' userdata */
	char **skip;               /* opts.skip_nodes, from the DLG_SERVERS checklist */
	size_t n_skip;
	char **only;               /* the replicas of this run (opts.only) */
	size_t n_only;
	const char *pair;          /* opts.pair: the chosen Dovecot pair's name in a->site */
	FILE *log;                 /* the shell's log (ui/shell.h), or NULL */
	char *disc_text;           /* remove's Discover: the site file as read before asking */
	size_t disc_len;
};

/* A list of names the app owns (skip, only): freed and emptied. */
static void free_names(char ***names, size_t *n)
{
	names_free(names, *n);
	*n = 0;
}

/* ---- engine events ---- */

static void ev_conn(void *ud, struct conn *c, enum conn_state st)
{
	struct app *a = ud;
	wizard_conn_state(a->w, conn_name(c), st, st == CONN_FAILED ? conn_error(c) : NULL);
	if (st == CONN_FAILED && a->log)
		shell_log(a->log, conn_error(c));
	bool failed = false;
	if (a->op && !a->w->started && operation_connected(a->op, &failed))
		a->start_pending = true; /* not from inside the transport's callback */
}

static void show_next_hostkey(struct app *a)
{
	if (!a->n_hk || a->w->dialog == DLG_HOSTKEY || a->w->dialog == DLG_SECRET)
		return;
	const struct hostkey_info *hk = conn_hostkey(a->hk_queue[0]);
	wizard_hostkey(a->w, conn_name(a->hk_queue[0]), hk ? hk->type : "?",
		       hk ? hk->fingerprint : "?");
}

static void ev_hostkey(void *ud, struct conn *c, const struct hostkey_info *hk)
{
	struct app *a = ud;
	(void)hk;
	a->hk_queue = xrealloc(a->hk_queue, (a->n_hk + 1) * sizeof *a->hk_queue);
	a->hk_queue[a->n_hk++] = c;
	show_next_hostkey(a);
}

static void show_next_secret(struct app *a)
{
	if (!a->n_sec || a->w->dialog == DLG_SECRET || a->w->dialog == DLG_HOSTKEY)
		return;
	wizard_ask_secret(a->w, conn_name(a->sec_queue[0]), a->sec_what[0]);
}

static void ev_secret(void *ud, struct conn *c, enum conn_secret_kind kind, const char *prompt)
{
	struct app *a = ud;
	/* same source as batch mode first: set, it answers without asking */
	const char *pw = harden_secret_env("REPLICA_WIZARD_SSH_PASSWORD");
	if (pw && *pw) {
		redact_add(pw);
		conn_answer_secret(c, pw);
		return;
	}
	a->sec_queue = xrealloc(a->sec_queue, (a->n_sec + 1) * sizeof *a->sec_queue);
	a->sec_what = xrealloc(a->sec_what, (a->n_sec + 1) * sizeof *a->sec_what);
	a->sec_queue[a->n_sec] = c;
	a->sec_what[a->n_sec++] = wizard_secret_what(kind, prompt);
	show_next_secret(a);
}

static void drop_secrets(struct app *a)
{
	free_names(&a->sec_what, &a->n_sec);
	free(a->sec_queue);
	a->sec_queue = NULL;
	if (a->w->dialog == DLG_SECRET)
		a->w->dialog = DLG_NONE;
}

static void ev_item(void *ud, const struct plan_item *it)
{
	struct app *a = ud;
	wizard_item(a->w, it);
	if (a->log && (it->state == ITEM_FAILED || it->state == ITEM_DONE || it->state == ITEM_WARNED)) {
		char *m = xasprintf("%s on %s: %s%s%s", it->step->title, it->node, item_state_name(it->state),
				    it->message ? ": " : "", it->message ? it->message : "");
		shell_log(a->log, m);
		free(m);
	}
}

static void ev_output(void *ud, const struct plan_item *it, enum job_stream s, const char *line)
{
	struct app *a = ud;
	(void)s;
	wizard_output(a->w, it, line);
}

/* install: the bootstrap menus show the passwords read from the master
 * (once: the admin's changes stay) */
static void install_paused(struct app *a)
{
	if (a->menus_loaded)
		return;
	for (int p = 0; p < PW_COUNT; p++)
		a->w->pw[p] = install_password(a->op, wizard_pw_name((enum wizard_pw)p)) ? PWS_SET : PWS_UNSET;
	a->menus_loaded = true;
}

/* remove: the site file drops the removed replicas after a complete run */
static void remove_done(struct app *a)
{
	free(a->w->site_saved);
	bool ok;
	char *msg = remove_update_site(a->w->site_path, (const char *const *)a->only, a->n_only, &ok);
	/* the finish page shows it as a sentence */
	if (msg[0])
		msg[0] = (char)toupper((unsigned char)msg[0]);
	a->w->site_saved = msg;
}

/* What each operation asks of the backend, by the wizard's op. */
struct op_backend {
	const struct operation_kind *kind;
	/* the form into a->site (and a->only); false: w->form_error says why */
	bool (*form)(struct app *a, struct wizard *w);
	void (*options)(struct app *a, struct wizard *w, struct operation_options *oo);
	void (*opened)(struct app *a, struct wizard *w); /* after operation_new */
	void (*paused)(struct app *a);  /* the preflight passed */
	void (*done)(struct app *a);    /* the run proper is complete */
};

static const struct op_backend op_backends[OP_DOVECOT + 1]; /* below */

static void ev_state(void *ud, int state)
{
	struct app *a = ud;
	struct runner *r = operation_runner(a->op);
	if (a->w->checking && state == RUNNER_STOPPED) {
		/* a verify step failed: the result is no longer true, so the
		 * procedure runs again (from the loop: this is the runner's
		 * callback); a failed preflight is a failure like any other */
		const struct plan_item *bad = runner_failed_item(r);
		if (bad && !bad->step->phase) {
			char *m = xasprintf("The nodes no longer confirm it: %s on %s: %s. The procedure runs "
					    "again as a new run (steps found done are quick).",
					    bad->step->title, bad->node, bad->message ? bad->message : "failed");
			wizard_report(a->w, m);
			free(m);
			a->again_pending = true;
			return;
		}
	}
	if (a->w->checking && state == RUNNER_DONE)
		a->w->confirmed = true;
	a->w->can_skip = r && runner_can_skip(r);
	const struct op_backend *ob = &op_backends[a->w->op];
	if (state == RUNNER_PAUSED && ob->paused)
		ob->paused(a);
	if (state == RUNNER_DONE && a->w->run_continued && ob->done)
		ob->done(a);
	wizard_runner_state(a->w, state);
	const struct operation_server *srv = NULL;
	size_t n_srv = 0;
	if (state == RUNNER_STOPPED &&
	    operation_refusal(a->op, &srv, &n_srv) == OPERATION_REFUSAL_UNNAMED_SERVERS && n_srv) {
		/* the checklist instead of the failure dialog */
		const char **names = xcalloc(n_srv, sizeof *names), **roles = xcalloc(n_srv, sizeof *roles);
		for (size_t i = 0; i < n_srv; i++) {
			names[i] = srv[i].name;
			roles[i] = srv[i].roles;
		}
		wizard_unnamed_servers(a->w, names, roles, n_srv);
		free(names);
		free(roles);
	}
}


/* ---- backend ---- */

static void drop_operation(struct app *a)
{
	for (int p = 0; p < PW_COUNT; p++)
		if (a->probe[p]) {
			ldap_route_probe_cancel(a->probe[p]);
			a->probe[p] = NULL;
		}
	wizard_set_plan_cmds(a->w, NULL);
	a->w->plan = NULL;
	operation_free(a->op);
	a->op = NULL;
	free_names(&a->skip, &a->n_skip); /* after the operation that pointed at them */
	site_free(a->site);
	a->site = NULL;
	a->pair = NULL; /* a->site's */
	free(a->hk_queue);
	a->hk_queue = NULL;
	a->n_hk = 0;
	drop_secrets(a);
	free(a->answer);
	a->answer = NULL;
	a->start_pending = false;
	a->again_pending = false;
	a->menus_loaded = false;
	a->w->started = false;
	a->w->checking = false;
	a->w->confirmed = false;
}

/* Write the form's site to the wizard's site file (no secrets); the
 * finish page says whether it was saved. */
static void save_site(struct wizard *w, const struct site *s)
{
	struct site_error se;
	char buf[1024];
	free(w->site_saved);
	w->site_saved = NULL;
	if (!w->site_path)
		return;
	if (site_write(s, w->site_path, &se) == 0)
		w->site_saved = xasprintf("Site file saved (no secrets): %s", w->site_path);
	else
		w->site_saved = xasprintf("Site file NOT saved: %s", site_error_format(&se, buf, sizeof buf));
}

/* What F5 Discover found and the admin took (the same keys `site discover`
 * writes), while the master field still names the master asked. */
static const char *const disc_keys[DISCOVER_LISTS] = {
	[DISCOVER_REPLICAS] = "replicas", [DISCOVER_MTA] = "mta", [DISCOVER_OTHER_NODES] = "other_nodes",
};

static bool apply_discovered(const struct wizard *w, struct site *s, struct site_error *se)
{
	if (!wizard_discovery_current(w))
		return true;
	for (int l = 0; l < DISCOVER_LISTS; l++)
		if (!site_set(s, "carbonio", disc_keys[l], *w->disc[l] ? w->disc[l] : NULL, se))
			return false;
	return true;
}

static bool form_site(struct app *a, struct wizard *w)
{
	struct site_error se;
	char buf[2048];
	struct site *s = w->site_path ? site_load(w->site_path, &se) : NULL;
	if (!s)
		s = site_new();
	if (!apply_discovered(w, s, &se)) {
		w->form_error = xstrdup(site_error_format(&se, buf, sizeof buf));
		site_free(s);
		return false;
	}
	static const struct { enum wizard_field f; const char *sec, *key; } map[] = {
		{ FIELD_MASTER, "carbonio", "master" }, { FIELD_REPLICAS, "carbonio", "replicas" },
		{ FIELD_USER, "ssh", "user" }, { FIELD_PORT, "ssh", "port" },
		{ FIELD_IDENTITY, "ssh", "identity" }, { FIELD_KNOWN_HOSTS, "ssh", "known_hosts" },
	};
	/* The replicas typed are this run's (opts.only); the site keeps the
	 * others it already lists, and their [host] sections stay valid. */
	free_names(&a->only, &a->n_only);
	char *list = xstrdup(w->field[FIELD_REPLICAS]);
	for (char *save = NULL, *t = strtok_r(list, " \t,", &save); t; t = strtok_r(NULL, " \t,", &save)) {
		a->only = xrealloc(a->only, (a->n_only + 1) * sizeof *a->only);
		a->only[a->n_only++] = xstrdup(t);
	}
	free(list);
	const char *had = site_get(s, "carbonio", "replicas");
	char *all = xstrdup(had ? had : "");
	for (size_t i = 0; i < a->n_only; i++) {
		bool known = false;
		char *copy = xstrdup(all);
		for (char *save = NULL, *t = strtok_r(copy, " ", &save); t; t = strtok_r(NULL, " ", &save))
			known |= strcmp(t, a->only[i]) == 0;
		free(copy);
		if (!known) {
			char *next = xasprintf("%s%s%s", all, *all ? " " : "", a->only[i]);
			free(all);
			all = next;
		}
	}
	bool ok = site_set(s, "carbonio", "replicas", *all ? all : NULL, &se);
	free(all);
	if (!ok) {
		w->form_error = xstrdup(site_error_format(&se, buf, sizeof buf));
		site_free(s);
		return false;
	}
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
		if (map[i].f == FIELD_REPLICAS)
			continue;
		const char *v = w->field[map[i].f];
		if (!site_set(s, map[i].sec, map[i].key, *v ? v : NULL, &se)) {
			w->form_error = xstrdup(site_error_format(&se, buf, sizeof buf));
			site_free(s);
			return false;
		}
	}
	if (!site_validate(s, &se)) {
		w->form_error = xstrdup(site_error_format(&se, buf, sizeof buf));
		site_free(s);
		return false;
	}
	if (a->n_only == 0) {
		w->form_error = xstrdup("Name at least one replica to install.");
		site_free(s);
		return false;
	}
	a->site = s;
	save_site(w, s);
	return true;
}

/* The site Discover asks about: the file (if any) with the form's master
 * and [ssh] settings, not the replicas typed (this run's, not yet in the
 * directory). NULL with w->form_error. */
static struct site *discover_site(struct wizard *w, bool with_discovered)
{
	struct site_error se;
	char buf[2048];
	if (!w->field[FIELD_MASTER][0]) {
		w->form_error = xstrdup("Type the master first: Discover asks the master's directory.");
		return NULL;
	}
	struct site *s = w->site_path ? site_load(w->site_path, &se) : NULL;
	if (!s)
		s = site_new();
	static const struct { enum wizard_field f; const char *sec, *key; } map[] = {
		{ FIELD_MASTER, "carbonio", "master" }, { FIELD_USER, "ssh", "user" },
		{ FIELD_PORT, "ssh", "port" }, { FIELD_IDENTITY, "ssh", "identity" },
		{ FIELD_KNOWN_HOSTS, "ssh", "known_hosts" },
	};
	bool ok = true;
	for (size_t i = 0; ok && i < sizeof map / sizeof map[0]; i++) {
		const char *v = w->field[map[i].f];
		ok = site_set(s, map[i].sec, map[i].key, *v ? v : NULL, &se);
	}
	ok = ok && (!with_discovered || apply_discovered(w, s, &se)) && site_validate(s, &se);
	if (!ok) {
		w->form_error = xstrdup(site_error_format(&se, buf, sizeof buf));
		site_free(s);
		return NULL;
	}
	return s;
}

/* The review's Enter: the lists kept for Connect, and the answer-queries
 * checklist becomes the discovered MTA and other nodes (run order). */
static void discovered(void *ud, const struct discover_plan *p)
{
	struct app *a = ud;
	struct wizard *w = a->w;
	const char *lists[DISCOVER_LISTS];
	for (int l = 0; l < DISCOVER_LISTS; l++)
		lists[l] = p->lists[l].new_value;
	wizard_set_discovered(w, w->field[FIELD_MASTER], lists);
	struct site *s = discover_site(w, true);
	if (!s)
		return;
	size_t n = 0;
	const char **cand = install_answer_candidates(s, &n);
	wizard_set_answer_nodes(w, cand, n ? n - 1 : 0);
	free(cand);
	site_free(s);
}

static struct site *load_site_for(struct wizard *w);

/* Remove works from the site file: the review's Enter writes it as `site
 * discover` does (the file's text as read before asking, edited in place
 * under the site's lock), and the checklist becomes the replicas it now
 * lists. */
static void discovered_remove(void *ud, const struct discover_plan *p)
{
	struct app *a = ud;
	struct wizard *w = a->w;
	char err[2600];
	if (!discover_plan_changed(p)) {
		snprintf(w->status, sizeof w->status, "Discover: the site file already says so, nothing to change.");
		return;
	}
	if (discover_write(w->site_path, a->disc_text, a->disc_len, p, err, sizeof err) != 0) {
		free(w->form_error);
		w->form_error = xstrdup(err);
		return;
	}
	snprintf(w->status, sizeof w->status, "Discover: site file %s updated.", w->site_path);
	struct site *s = site_load(w->site_path, NULL);
	if (s) {
		size_t n = 0;
		const char *const *reps = site_list(s, SITE_ROLE_REPLICA, &n);
		wizard_set_replicas(w, reps, n);
		site_free(s);
	}
}

static struct site *discover_site_remove(struct app *a, struct wizard *w)
{
	free(a->disc_text);
	a->disc_text = w->site_path ? discover_read_text(w->site_path, &a->disc_len) : NULL;
	if (!a->disc_text) {
		w->form_error = w->site_path ? xasprintf("Discover: cannot open site file %s", w->site_path)
					     : xstrdup("No site file: start the wizard with --site FILE.");
		return NULL;
	}
	return load_site_for(w);
}

static void be_discover(struct wizard *w)
{
	struct app *a = w->be.ud;
	bool rm = w->op == OP_REMOVE;
	struct discover_pick pick = {
		.site = rm ? discover_site_remove(a, w) : discover_site(w, false),
		.label = w->site_path ? w->site_path : "(no site file)",
		.accept = rm ? discovered_remove : discovered, .ud = a,
		.writes = rm,
	};
	if (!pick.site)
		return;
	char err[1024];
	if (!ui_push(w->ui, &discover_pick_ops, &pick, err, sizeof err)) {
		site_free(pick.site); /* the view took it, unless the stack was full */
		wizard_notice(w, err);
	}
}

static struct site *load_site_for(struct wizard *w)
{
	struct site_error se;
	char buf[2048];
	if (!w->site_path) {
		w->form_error = xstrdup("No site file: start the wizard with --site FILE.");
		return NULL;
	}
	struct site *s = site_load(w->site_path, &se);
	if (!s)
		w->form_error = xstrdup(site_error_format(&se, buf, sizeof buf));
	return s;
}

/* Remove: the checked replicas are this run's (opts.only); the site file
 * changes only after a complete run. */
static bool form_site_remove(struct app *a, struct wizard *w)
{
	free_names(&a->only, &a->n_only);
	for (size_t i = 0; i < w->n_rm; i++) {
		if (!w->rm_checked[i])
			continue;
		a->only = xrealloc(a->only, (a->n_only + 1) * sizeof *a->only);
		a->only[a->n_only++] = xstrdup(w->rm_names[i]);
	}
	if (!a->n_only) {
		w->form_error = xstrdup("Check at least one replica to remove (Space).");
		return false;
	}
	struct site *s = load_site_for(w);
	if (!s)
		return false;
	for (size_t i = 0; i < a->n_only; i++) {
		const struct site_host *h = site_host(s, a->only[i]);
		if (h && (h->roles & SITE_ROLE_MASTER)) {
			w->form_error = xasprintf("%s is the master: refusing to remove it; a site keeps its "
						  "master last in every ldap_url.", a->only[i]);
			site_free(s);
			return false;
		}
	}
	free(w->site_saved);
	w->site_saved = NULL;
	a->site = s;
	return true;
}

/* A key of the pair's section: the field's value, or left unset while it
 * is still the value shown for an unset key ([dovecot]'s for a named pair,
 * else the default), so that the file keeps saying "inherited". */
static bool set_pair_key(struct site *s, const char *sec, const struct wizard_dv_pair *p, const char *key,
			 const char *field, const char *shown, struct site_error *se)
{
	if (p && !site_get(s, sec, key) && strcmp(field, shown) == 0)
		return true;
	return site_set(s, sec, key, field[0] ? field : NULL, se);
}

/* Dovecot: the chosen pair's two servers, port and max_conns go to its
 * section of the site ([dovecot], or [dovecot NAME]; saved on Connect);
 * the password never does. The pair is asked of dovecot_op_pair() before
 * the operation exists, as the CLI does. */
static bool form_site_dovecot(struct app *a, struct wizard *w)
{
	struct site_error se;
	char buf[2048];
	if (!w->dv_field[DV_SERVER1][0] || !w->dv_field[DV_SERVER2][0]) {
		w->form_error = xstrdup("Name both Dovecot servers.");
		return false;
	}
	struct site *s = w->site_path ? site_load(w->site_path, &se) : NULL;
	if (!s)
		s = site_new();
	const struct wizard_dv_pair *p = wizard_dv_pair(w); /* NULL: none yet, [dovecot] */
	char sec[sizeof "dovecot " + SITE_PAIR_NAME_MAX];
	snprintf(sec, sizeof sec, p && p->named ? "dovecot %s" : "dovecot", p ? p->name : "");
	char *servers = xasprintf("%s %s", w->dv_field[DV_SERVER1], w->dv_field[DV_SERVER2]);
	bool ok = site_set(s, sec, "servers", servers, &se) &&
		  set_pair_key(s, sec, p, "port", w->dv_field[DV_PORT], p ? p->port : "", &se) &&
		  set_pair_key(s, sec, p, "max_conns", w->dv_field[DV_MAX_CONNS], p ? p->max_conns : "", &se) &&
		  site_validate(s, &se);
	free(servers);
	if (!ok) {
		w->form_error = xstrdup(site_error_format(&se, buf, sizeof buf));
		site_free(s);
		return false;
	}
	const struct site_pair *sp = dovecot_op_pair(s, p ? p->name : SITE_DEFAULT_PAIR, buf, sizeof buf);
	if (!sp) {
		w->form_error = xstrdup(buf);
		site_free(s);
		return false;
	}
	save_site(w, s);
	wizard_set_dv_pairs(w, s); /* the pair list shows what was saved */
	free_names(&a->only, &a->n_only);
	a->site = s;
	a->pair = sp->name; /* the site's: lives as long as the operation */
	return true;
}

/* install: what the bootstrap menus show (the first replica's, the
 * master's port, the other replicas) */
static void install_opened(struct app *a, struct wizard *w)
{
	size_t nm = 0, nr = 0;
	const char *const *m = site_list(a->site, SITE_ROLE_MASTER, &nm);
	const char *const *r = (const char *const *)a->only;
	nr = a->n_only;
	free(w->master);
	w->master = nm ? xstrdup(m[0]) : NULL;
	free(w->hostname);
	w->hostname = nr ? xstrdup(r[0]) : NULL;
	free(w->extra_hosts);
	w->extra_hosts = NULL;
	if (nr > 1) {
		size_t len = 1;
		for (size_t i = 1; i < nr; i++)
			len += strlen(r[i]) + 1;
		w->extra_hosts = xcalloc(1, len);
		for (size_t i = 1; i < nr; i++) {
			if (i > 1)
				strcat(w->extra_hosts, " ");
			strcat(w->extra_hosts, r[i]);
		}
	}
	const struct site_host *mh = nm ? site_host(a->site, m[0]) : NULL;
	w->ldap_port = mh ? mh->ldap_port : SITE_DEFAULT_LDAP_PORT;
	const struct site_host *rh = nr ? site_host(a->site, r[0]) : NULL;
	w->replica_mta = rh && (rh->roles & SITE_ROLE_MTA);
}

static void install_options(struct app *a, struct wizard *w, struct operation_options *oo)
{
	size_t n = 0;
	a->answer = wizard_answer_nodes(w, &n);
	oo->answer_queries = w->answer_queries;
	oo->answer_nodes = a->answer;
	oo->n_answer_nodes = n;
}

static void remove_options(struct app *a, struct wizard *w, struct operation_options *oo)
{
	(void)a;
	oo->disable_ldap = w->disable_ldap;
}

/* dovecot: the pair of this run (its own journal, dovecot.NAME) */
static void dovecot_options(struct app *a, struct wizard *w, struct operation_options *oo)
{
	(void)w;
	oo->pair = a->pair;
}

/* dovecot: a typed doveadm password (else generated or an earlier run's) */
static void dovecot_opened(struct app *a, struct wizard *w)
{
	if (w->dv_password[0])
		dovecot_op_set_password(a->op, w->dv_password);
}

static const struct op_backend op_backends[OP_DOVECOT + 1] = {
	[OP_INSTALL] = { &install_kind, form_site, install_options, install_opened, install_paused, NULL },
	[OP_REMOVE] = { &remove_kind, form_site_remove, remove_options, NULL, NULL, remove_done },
	[OP_DOVECOT] = { &dovecot_kind, form_site_dovecot, dovecot_options, dovecot_opened, NULL, NULL },
};

static void be_connect(struct wizard *w)
{
	struct app *a = w->be.ud;
	if (a->op && w->page == PAGE_CONNECT) {
		/* retry the failed connections */
		operation_connect(a->op);
		return;
	}
	drop_operation(a);
	const struct op_backend *ob = &op_backends[w->op];
	if (!ob->form(a, w))
		return;
	struct operation_options oo = {
		.pause_after_preflight = true,
		.only = a->n_only ? (const char *const *)a->only : NULL,
		.n_only = a->n_only,
	};
	if (ob->options)
		ob->options(a, w, &oo);
	struct operation_events ev = {
		.on_conn = ev_conn, .on_hostkey = ev_hostkey, .on_secret = ev_secret,
		.on_item = ev_item, .on_output = ev_output, .on_state = ev_state, .ud = a,
	};
	char err[1024];
	a->op = operation_new(a->loop, a->site, w->site_path, ob->kind, &oo, &ev, err, sizeof err);
	if (!a->op) {
		w->form_error = xstrdup(err);
		site_free(a->site);
		a->site = NULL;
		a->pair = NULL;
		return;
	}
	if (ob->opened)
		ob->opened(a, w);
	/* Reopening the wizard continues a run that was cut short or aborted,
	 * as --resume does in batch mode. */
	bool resumed = operation_resumable(a->op);
	operation_set_resume(a->op, resumed);
	bool complete = false;
	if (!operation_open_journal(a->op, &complete, err, sizeof err)) {
		w->form_error = xstrdup(err);
		drop_operation(a);
		return;
	}
	/* a new operation: no findings, no panes of an earlier attempt */
	pane_free(w->report);
	w->report = pane_new(WIZARD_PANE_LINES);
	w->report_scroll = 0;
	free(w->report_node);
	w->report_node = NULL;
	w->run_continued = false;
	if (resumed)
		wizard_report(w, "Continuing the run that was cut short earlier (see the journal): "
				 "the steps it finished are not run again.");
	w->checking = complete;
	if (complete)
		wizard_report(w, "The journal says this finished on this site for the same nodes: the nodes "
				 "are asked first (preflight and the verification steps; nothing is changed).");
	w->plan = operation_plan(a->op);
	/* the nodes in plan order: the master first */
	for (size_t i = 0; i < w->plan->n; i++)
		wizard_add_node(w, w->plan->items[i].node);
	/* the replicas of this run (install: installed side by side) */
	for (size_t i = 0; i < a->n_only; i++) {
		struct wizard_node *n = wizard_node(w, a->only[i]);
		if (n)
			n->replica = true;
	}
	wizard_goto(w, PAGE_CONNECT);
	operation_connect(a->op);
}

static void be_hostkey(struct wizard *w, bool accept)
{
	struct app *a = w->be.ud;
	if (!a->n_hk)
		return;
	struct conn *c = a->hk_queue[0];
	memmove(a->hk_queue, a->hk_queue + 1, (a->n_hk - 1) * sizeof *a->hk_queue);
	a->n_hk--;
	conn_hostkey_decide(c, accept);
	show_next_hostkey(a);
	show_next_secret(a);
}

/* The dialog's answer goes to the transport (which copies and later wipes
 * it); nothing here keeps it. */
static void be_secret(struct wizard *w, const char *value)
{
	struct app *a = w->be.ud;
	if (!a->n_sec)
		return;
	struct conn *c = a->sec_queue[0];
	free(a->sec_what[0]);
	memmove(a->sec_queue, a->sec_queue + 1, (a->n_sec - 1) * sizeof *a->sec_queue);
	memmove(a->sec_what, a->sec_what + 1, (a->n_sec - 1) * sizeof *a->sec_what);
	a->n_sec--;
	conn_answer_secret(c, value);
	show_next_secret(a);
	show_next_hostkey(a);
}

static const char *const bind_dn[PW_COUNT] = {
	[PW_ADMIN] = "uid=zimbra,cn=admins,cn=zimbra",
	[PW_ROOT] = "cn=config",
	[PW_REPLICATION] = "uid=zmreplica,cn=admins,cn=zimbra",
	[PW_POSTFIX] = "uid=zmpostfix,cn=appaccts,cn=zimbra",
	[PW_AMAVIS] = "uid=zmamavis,cn=appaccts,cn=zimbra",
	[PW_NGINX] = "uid=zmnginx,cn=appaccts,cn=zimbra",
};

static void probe_done(void *ud, const struct ldapprobe_result *res)
{
	struct probe_ctx *pc = ud;
	struct app *a = pc->app;
	enum wizard_pw p = pc->which;
	a->probe[p] = NULL;
	a->w->pw[p] = res->ok ? PWS_SET : PWS_NOT_VERIFIED;
	if (res->ok)
		snprintf(a->w->status, sizeof a->w->status, "%s: binds on the master as %s.",
			 wizard_pw_name(p), bind_dn[p]);
	else
		snprintf(a->w->status, sizeof a->w->status, "%s does not bind as %s: %s",
			 wizard_pw_name(p), bind_dn[p], res->error ? res->error : "failed");
	a->w->dirty = true;
}

static void be_password(struct wizard *w, enum wizard_pw which, const char *value)
{
	struct app *a = w->be.ud;
	if (!a->op)
		return;
	redact_add(value);
	install_set_password(a->op, wizard_pw_name(which), value);
	if (a->probe[which]) {
		ldap_route_probe_cancel(a->probe[which]);
		a->probe[which] = NULL;
	}
	if (which == PW_ROOT)
		return;
	const char *url = vars_get(operation_vars(a->op), w->master, "ldap_master_url", false);
	if (!url) {
		w->pw[which] = PWS_NOT_VERIFIED;
		snprintf(w->status, sizeof w->status, "No ldap_master_url read from the master: cannot verify.");
		return;
	}
	char *first = xstrdup(url);
	char *sp = strchr(first, ' ');
	if (sp)
		*sp = '\0';
	struct probe_ctx *pc = &a->ctx[which];
	pc->app = a;
	pc->which = which;
	struct ldapprobe_request req = {
		.kind = LDAPPROBE_BIND, .url = first, .bind_dn = bind_dn[which],
		.password = value, .timeout_s = 10,
	};
	/* the install's route: through the master's own SSH session unless
	 * the site asks for direct (verified TLS) */
	install_ldap_ca_source(a->op);
	a->probe[which] = ldap_route_probe_start(install_ldap_route(a->op),
						 operation_conn(a->op, w->master), &req, probe_done, pc);
	free(first);
	if (!a->probe[which]) {
		w->pw[which] = PWS_NOT_VERIFIED;
	}
}

static void be_review(struct wizard *w)
{
	struct app *a = w->be.ud;
	if (!a->op)
		return;
	struct runner *r = operation_runner(a->op);
	const struct plan *p = operation_plan(a->op);
	char **cmds = xcalloc(p->n + 1, sizeof *cmds);
	for (size_t i = 0; i < p->n; i++) {
		const struct site_host *h = site_host(a->site, p->items[i].node);
		cmds[i] = runner_display_command(r, &p->items[i], h ? h->user : NULL);
	}
	wizard_set_plan_cmds(w, cmds);
}

static void be_start(struct wizard *w)
{
	struct app *a = w->be.ud;
	if (a->op && runner_state(operation_runner(a->op)) == RUNNER_PAUSED)
		runner_continue(operation_runner(a->op));
}

static void be_retry(struct wizard *w)
{
	struct app *a = w->be.ud;
	if (a->op)
		runner_retry(operation_runner(a->op));
}

static void be_skip(struct wizard *w)
{
	struct app *a = w->be.ud;
	if (a->op && runner_can_skip(operation_runner(a->op)))
		runner_skip(operation_runner(a->op));
}

/* Every unnamed server was checked: the check runs again with them skipped
 * (kept for the operation's lifetime). */
static void be_skip_servers(struct wizard *w)
{
	struct app *a = w->be.ud;
	if (!a->op)
		return;
	size_t n = 0;
	const char **names = wizard_skipped_servers(w, &n);
	a->skip = xrealloc(a->skip, (a->n_skip + n + 1) * sizeof *a->skip);
	for (size_t i = 0; i < n; i++)
		a->skip[a->n_skip++] = xstrdup(names[i]);
	free(names);
	operation_set_skip_nodes(a->op, (const char *const *)a->skip, a->n_skip);
	runner_retry(operation_runner(a->op));
}

static void be_home(struct wizard *w)
{
	drop_operation(w->be.ud);
}

static void be_abort(struct wizard *w)
{
	struct app *a = w->be.ud;
	if (a->op)
		runner_abort(operation_runner(a->op));
}

/* ---- the wizard as a view (ui/view.h) ---- */

static unsigned wizard_view_key(struct view *v, int key)
{
	struct app *a = v->priv;
	wizard_key(a->w, key);
	return VIEW_CHANGED | (a->w->quit ? VIEW_QUIT : 0);
}

static void wizard_view_draw(struct view *v)
{
	wizard_draw(((struct app *)v->priv)->w);
}

static unsigned wizard_view_interrupt(struct view *v)
{
	struct app *a = v->priv;
	wizard_interrupt(a->w); /* asks before aborting a run */
	return VIEW_CHANGED | (a->w->quit ? VIEW_QUIT : 0);
}

/* After input: start the run once every node is connected; elapsed times
 * tick while something runs. */
static bool wizard_view_tick(struct view *v)
{
	struct app *a = v->priv;
	a->w->now = loop_now(); /* the clock the next draw shows */
	if (a->again_pending) {
		/* the nodes did not confirm a complete journal: all again */
		char err[1024];
		a->again_pending = false;
		if (operation_run_again(a->op, err, sizeof err)) {
			a->w->checking = false;
			a->start_pending = true;
		} else {
			wizard_report(a->w, err);
			wizard_runner_state(a->w, RUNNER_STOPPED);
		}
	}
	if (a->start_pending) {
		a->start_pending = false;
		a->w->started = true;
		wizard_goto(a->w, PAGE_PREFLIGHT);
		a->w->dirty = true;
		operation_start(a->op);
	}
	if (a->op && (a->w->rstate == RUNNER_RUNNING || a->w->page == PAGE_CONNECT))
		a->w->dirty = true;
	return a->w->dirty;
}

static const struct view_ops wizard_view_ops = {
	.name = "wizard", .key = wizard_view_key, .draw = wizard_view_draw,
	.tick = wizard_view_tick, .interrupt = wizard_view_interrupt,
	/* no enter, no leave: priv is the app, ui_main's (freed after the loop) */
};

int ui_main(const char *progname, const char *path)
{
	struct app a = { 0 };
	struct shell sh;

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "%s: the wizard needs a terminal; see '%s --help' for the commands\n",
			progname, progname);
		return RW_EXIT_USAGE;
	}
	if (!shell_open(&sh, progname))
		return RW_EXIT_FAILED;
	a.log = sh.log;

	a.loop = loop_new();
	a.w = wizard_new();
	wizard_prefill(a.w, path);
	a.w->be = (struct wizard_backend){
		.connect = be_connect, .hostkey = be_hostkey, .password = be_password,
		.start = be_start, .retry = be_retry, .skip = be_skip, .abort = be_abort,
		.review = be_review, .secret = be_secret, .skip_servers = be_skip_servers,
		.home = be_home, .discover = be_discover, .ud = &a,
	};
	struct ui *ui = ui_new(a.loop);
	a.w->ui = ui;
	a.w->now = loop_now(); /* for the first draw; then each tick */
	char err[64];
	ui_push(ui, &wizard_view_ops, &a, err, sizeof err); /* cannot refuse */
	ui_run(ui);
	int stop_sig = ui->stop_sig; /* SIGTERM, SIGHUP: abort without asking, then quit */
	ui_free(ui); /* a dashboard still open is left first */
	a.w->ui = NULL;
	if (a.op) {
		enum runner_state st = runner_state(operation_runner(a.op));
		/* quitting mid-run, or killed: stop the remote command, journal it */
		if (st == RUNNER_RUNNING || (stop_sig && st != RUNNER_DONE))
			runner_abort(operation_runner(a.op));
		/* let a cancelled command be killed on its node (a ^C stops waiting) */
		operation_drain(a.op, 15, stopsig_again);
	}
	drop_operation(&a);
	free_names(&a.only, &a.n_only);
	free(a.disc_text);
	wizard_free(a.w);
	loop_free(a.loop);
	shell_close(&sh);
	return stop_sig ? stopsig_exit_status(stop_sig) : RW_EXIT_OK;
}
