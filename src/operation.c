#include "operation.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "journal.h"
#include "loop.h"
#include "procedure.h"
#include "redact.h"
#include "site.h"
#include "sitelock.h"
#include "vars.h"
#include "site_conn.h"
#include "xalloc.h"

struct node_conn {
	char *node;
	struct conn *conn;
};

struct operation {
	struct loop *loop;
	struct site *site;
	char *site_path;
	const struct operation_kind *kind;
	struct operation_options opts;
	struct operation_events ev;
	struct procedure *proc;
	struct vars *vars;
	struct plan plan;
	struct runner *runner;
	struct journal *journal;
	struct journal_run *resume;
	struct node_conn *conns;
	size_t n_conns;
	void *kind_data;
	void (*kind_data_free)(void *);
	struct sitelock *lock;     /* held from the journal's opening */
	bool site_busy;            /* another process held it */
	enum operation_refusal refusal;
	struct operation_server *refused;
	size_t n_refused;
	bool checking;             /* the journal says complete: the nodes are asked */
};

/* ---- runner hooks: forwarded to the kind and the events ---- */

static struct conn *hook_conn_for(void *ud, const char *node)
{
	return operation_conn(ud, node);
}

static const struct operation_word *word_of(const struct operation_kind *kind, enum proc_word_kind wk,
					    const char *name)
{
	for (size_t i = 0; i < kind->n_words; i++)
		if (kind->words[i].kind == wk && strcmp(kind->words[i].name, name) == 0)
			return &kind->words[i];
	return NULL;
}

static bool vocabulary_knows(const void *ud, enum proc_word_kind wk, const char *name)
{
	return word_of(ud, wk, name) != NULL;
}

struct proc_vocabulary operation_vocabulary(const struct operation_kind *kind)
{
	return (struct proc_vocabulary){ .owner = kind->procedure, .knows = vocabulary_knows, .ud = kind };
}

const char *operation_value(struct operation *op, const char *node, const char *name, bool secret)
{
	const struct operation_word *w =
		word_of(op->kind, secret ? PROC_WORD_SECRET : PROC_WORD_VARIABLE, name);
	if (!w || (w->per_node && !node))
		return NULL;
	if (w->value)
		return w->value(op, node);
	return vars_get(op->vars, w->per_node ? node : NULL, name, secret);
}

bool operation_holds(struct operation *op, const char *node, const char *cond)
{
	const struct operation_word *w = word_of(op->kind, PROC_WORD_CONDITION, cond);
	return w && w->holds(op, node);
}

static const char *hook_lookup(void *ud, const struct plan_item *it, const char *name, bool secret)
{
	return operation_value(ud, it ? it->node : NULL, name, secret);
}

static bool hook_condition(void *ud, const struct plan_item *it, const char *cond)
{
	return operation_holds(ud, it->node, cond);
}

static void hook_builtin(void *ud, struct runner *r, struct plan_item *it)
{
	struct operation *op = ud;
	const struct operation_word *w = word_of(op->kind, PROC_WORD_BUILTIN, it->step->builtin);
	if (w)
		w->start(op, r, it);
	else /* the loader refuses it: never seen */
		runner_builtin_done(r, it, false, "unknown built-in step");
}

static void hook_builtin_cancel(void *ud, struct plan_item *it)
{
	struct operation *op = ud;
	if (op->kind->builtin_cancel)
		op->kind->builtin_cancel(op, it);
}

static void hook_item(void *ud, const struct plan_item *it)
{
	struct operation *op = ud;
	if (op->ev.on_item)
		op->ev.on_item(op->ev.ud, it);
}

static void hook_output(void *ud, const struct plan_item *it, enum job_stream s, const char *line)
{
	struct operation *op = ud;
	if (op->ev.on_output)
		op->ev.on_output(op->ev.ud, it, s, line);
}

static void hook_state(void *ud, int st)
{
	struct operation *op = ud;
	if (op->ev.on_state)
		op->ev.on_state(op->ev.ud, st);
}

/* ---- connection callbacks ---- */

static void conn_state_cb(void *ud, struct conn *c, enum conn_state st)
{
	struct operation *op = ud;
	if (op->ev.on_conn)
		op->ev.on_conn(op->ev.ud, c, st);
}

static void conn_hostkey_cb(void *ud, struct conn *c, const struct hostkey_info *hk)
{
	struct operation *op = ud;
	if (op->ev.on_hostkey)
		op->ev.on_hostkey(op->ev.ud, c, hk);
	else
		conn_hostkey_decide(c, false);
}

static void conn_secret_cb(void *ud, struct conn *c, enum conn_secret_kind kind, const char *prompt)
{
	struct operation *op = ud;
	if (op->ev.on_secret)
		op->ev.on_secret(op->ev.ud, c, kind, prompt);
	else
		conn_answer_secret(c, NULL);
}

/* The runner of the current plan, journal and mode (verify_only: a check
 * of a complete result, journaled nowhere). */
static struct runner *new_runner(struct operation *op, bool verify_only)
{
	struct runner_config rc = {
		.loop = op->loop,
		.vars = op->vars,
		.journal = verify_only ? NULL : op->journal,
		.resume = op->resume,
		.command_timeout_s = op->opts.command_timeout_s,
		.pause_after_preflight = op->opts.pause_after_preflight,
		.verify_only = verify_only,
		.parallel_preflight = op->kind->parallel_preflight,
		.side_by_side = op->kind->side_by_side,
		.hooks = {
			.conn_for = hook_conn_for, .lookup = hook_lookup,
			.condition = hook_condition, .builtin = hook_builtin,
			.builtin_cancel = hook_builtin_cancel,
			.on_item = hook_item, .on_output = hook_output,
			.on_state = hook_state, .ud = op,
		},
	};
	return runner_new(&rc, &op->plan);
}

struct operation *operation_new(struct loop *loop, struct site *site, const char *site_path,
				const struct operation_kind *kind,
				const struct operation_options *opts,
				const struct operation_events *ev, char *err, size_t errlen)
{
	struct proc_vocabulary vocab = operation_vocabulary(kind);
	struct procedure *proc = procedure_load_named(kind->procedure, &vocab, err, errlen);
	if (!proc)
		return NULL;
	struct operation *op = xcalloc(1, sizeof *op);
	op->loop = loop;
	op->site = site;
	op->site_path = xstrdup(site_path);
	op->kind = kind;
	op->opts = *opts;
	if (ev)
		op->ev = *ev;
	op->proc = proc;
	op->vars = vars_new();
	if (kind->prepare)
		kind->prepare(op);
	kind->build_plan(op);

	op->runner = new_runner(op, false);
	return op;
}

void operation_free(struct operation *op)
{
	if (!op)
		return;
	/* The runner first: it cancels the commands and the builtins' jobs,
	 * timers and probes, so that what the connections still report as they
	 * close (on_done of a cancelled job) reaches nothing freed. The plan and
	 * the kind's data outlive the connections for the same reason. */
	runner_free(op->runner);
	for (size_t i = 0; i < op->n_conns; i++) {
		conn_free(op->conns[i].conn);
		free(op->conns[i].node);
	}
	free(op->conns);
	plan_free(&op->plan);
	if (op->kind_data_free)
		op->kind_data_free(op->kind_data);
	journal_close(op->journal);
	sitelock_release(op->lock);
	journal_run_free(op->resume);
	vars_free(op->vars);
	procedure_free(op->proc);
	free(op->site_path);
	operation_refuse(op, OPERATION_REFUSAL_NONE, NULL, 0);
	free(op);
}

struct site *operation_site(const struct operation *op)
{
	return op->site;
}

const char *operation_master(const struct operation *op)
{
	size_t n = 0;
	const char *const *m = site_list(op->site, SITE_ROLE_MASTER, &n);
	return n ? m[0] : NULL;
}

struct vars *operation_vars(const struct operation *op)
{
	return op->vars;
}

struct loop *operation_loop(const struct operation *op)
{
	return op->loop;
}

const struct operation_options *operation_options(const struct operation *op)
{
	return &op->opts;
}

void *operation_kind_data(const struct operation *op)
{
	return op->kind_data;
}

void operation_set_kind_data(struct operation *op, void *data, void (*free_fn)(void *))
{
	op->kind_data = data;
	op->kind_data_free = free_fn;
}

const struct procedure *operation_procedure(const struct operation *op)
{
	return op->proc;
}

struct journal *operation_journal(const struct operation *op)
{
	return op->journal;
}

void operation_plan_step(struct operation *op, const char *step_id, const char *node)
{
	const struct proc_step *s = procedure_step(op->proc, step_id);
	if (s)
		plan_add(&op->plan, s, node);
}

/* The journal's name: the procedure's, or the kind's own (journal_key). */
static char *journal_key(const struct operation *op)
{
	return op->kind->journal_key ? op->kind->journal_key((struct operation *)op)
				     : xstrdup(op->kind->procedure);
}

static char *journal_path(const struct operation *op)
{
	char *key = journal_key(op);
	char *path = journal_path_for(op->site_path, key);
	free(key);
	return path;
}

bool operation_resumable(const struct operation *op)
{
	char *path = journal_path(op);
	char *scope = op->kind->scope((struct operation *)op);
	struct journal_run *last = journal_last_run(path);
	/* a run that failed never wrote an end line; an aborted one says so */
	bool yes = last && strcmp(last->scope, scope) == 0 &&
		   (!last->end_state || strcmp(last->end_state, "aborted") == 0);
	journal_run_free(last);
	free(scope);
	free(path);
	return yes;
}

void operation_set_resume(struct operation *op, bool resume)
{
	op->opts.resume = resume;
}

static bool lock_site(struct operation *op, char *err, size_t errlen)
{
	if (op->lock)
		return true;
	char *lock_path = sitelock_path_for(op->site_path);
	char *what = journal_key(op);
	op->lock = sitelock_acquire(lock_path, what, &op->site_busy, err, errlen);
	free(what);
	free(lock_path);
	return op->lock != NULL;
}

bool operation_open_journal(struct operation *op, bool *complete, char *err, size_t errlen)
{
	*complete = false;
	char *path = journal_path(op);
	char *scope = op->kind->scope(op);
	struct journal_run *last = journal_last_run(path);
	bool same_scope = last && strcmp(last->scope, scope) == 0;
	bool ok = true;

	if (op->opts.resume && (!same_scope || (last->end_state &&
					       strcmp(last->end_state, "complete") == 0))) {
		snprintf(err, errlen, "nothing to resume: %s", !last ? "no earlier run in the journal"
			 : !same_scope ? "the last run in the journal was for something else"
				       : "the last run finished");
		ok = false;
		goto out;
	}
	if (!op->opts.resume && !op->kind->always_full && same_scope && last->end_state &&
	    strcmp(last->end_state, "complete") == 0) {
		/* the journal only says what was true then: ask the nodes
		 * (under the lock: the check must not race another run) */
		*complete = true;
		if (!lock_site(op, err, errlen)) {
			ok = false;
			goto out;
		}
		op->checking = true;
		runner_free(op->runner);
		op->runner = new_runner(op, true);
		goto out;
	}
	if (op->opts.resume && op->kind->journal_resumed) {
		char why[512] = "";
		if (!op->kind->journal_resumed(op, last, why, sizeof why)) {
			snprintf(err, errlen, "%s: the run to resume: %s; nothing was run (run without --resume "
				 "to start over)", path, why);
			ok = false;
			goto out;
		}
	}
	op->journal = journal_open(path, err, errlen);
	if (!op->journal) {
		ok = false;
		goto out;
	}
	/* one run per site, before this one writes anything */
	if (!lock_site(op, err, errlen)) {
		journal_close(op->journal);
		op->journal = NULL;
		ok = false;
		goto out;
	}
	if (op->opts.resume) {
		journal_begin(op->journal, last->run_id, scope, true);
		op->resume = last;
		last = NULL;
	} else {
		journal_begin(op->journal, NULL, scope, false);
		if (op->kind->journal_started)
			op->kind->journal_started(op);
	}
	/* the runner reads both from its config */
	runner_free(op->runner);
	op->runner = new_runner(op, false);
out:
	journal_run_free(last);
	free(scope);
	free(path);
	return ok;
}

bool operation_checking(const struct operation *op)
{
	return op->checking;
}

bool operation_run_again(struct operation *op, char *err, size_t errlen)
{
	if (!op->checking) {
		snprintf(err, errlen, "no check of a complete run to follow up");
		return false;
	}
	char *path = journal_path(op);
	op->journal = journal_open(path, err, errlen);
	free(path);
	if (!op->journal)
		return false;
	/* the check's runner goes first: nothing of it may call back later */
	runner_free(op->runner);
	op->runner = NULL;
	plan_reset(&op->plan);
	op->checking = false;
	char *scope = op->kind->scope(op);
	journal_begin(op->journal, NULL, scope, false);
	free(scope);
	if (op->kind->journal_started)
		op->kind->journal_started(op);
	op->runner = new_runner(op, false);
	return true;
}

bool operation_site_busy(const struct operation *op)
{
	return op->site_busy;
}

const struct journal_run *operation_resumed_run(const struct operation *op)
{
	return op->resume;
}

void operation_connect(struct operation *op)
{
	for (size_t i = 0; i < op->plan.n; i++) {
		const char *node = op->plan.items[i].node;
		if (operation_conn(op, node))
			continue;
		const struct site_host *h = site_host(op->site, node);
		if (!h)
			continue;
		struct conn_config cfg = site_host_conn_config(h, op->opts.connect_timeout_s);
		cfg.keepalive_s = op->opts.keepalive_s;
		struct conn_callbacks cb = {
			.on_state = conn_state_cb,
			.on_hostkey = conn_hostkey_cb,
			.on_secret = conn_secret_cb,
			.ud = op,
		};
		op->conns = xrealloc(op->conns, (op->n_conns + 1) * sizeof *op->conns);
		op->conns[op->n_conns].node = xstrdup(node);
		op->conns[op->n_conns].conn = conn_new(op->loop, &cfg, &cb);
		op->n_conns++;
	}
	for (size_t i = 0; i < op->n_conns; i++)
		if (conn_state(op->conns[i].conn) == CONN_NEW ||
		    conn_state(op->conns[i].conn) == CONN_FAILED)
			conn_start(op->conns[i].conn);
}

bool operation_connected(const struct operation *op, bool *failed)
{
	bool all = true;
	*failed = false;
	for (size_t i = 0; i < op->n_conns; i++) {
		enum conn_state st = conn_state(op->conns[i].conn);
		if (st == CONN_FAILED)
			*failed = true;
		if (st != CONN_READY)
			all = false;
	}
	return all;
}

struct conn *operation_conn(const struct operation *op, const char *node)
{
	for (size_t i = 0; i < op->n_conns; i++)
		if (strcmp(op->conns[i].node, node) == 0)
			return op->conns[i].conn;
	return NULL;
}

bool operation_hostkey_refused(const struct operation *op)
{
	for (size_t i = 0; i < op->n_conns; i++)
		if (conn_hostkey_refused(op->conns[i].conn))
			return true;
	return false;
}

struct runner *operation_runner(const struct operation *op)
{
	return op->runner;
}

void operation_start(struct operation *op)
{
	runner_start(op->runner);
}

struct draining {
	const struct operation *op;
	bool (*give_up)(void);
};

static bool drained(void *ud)
{
	const struct draining *dr = ud;
	for (size_t i = 0; i < dr->op->n_conns; i++)
		if (conn_busy(dr->op->conns[i].conn))
			return dr->give_up && dr->give_up();
	return true;
}

void operation_drain(struct operation *op, double max_s, bool (*give_up)(void))
{
	struct draining dr = { .op = op, .give_up = give_up };
	loop_run_until(op->loop, drained, &dr, max_s);
}

const struct plan *operation_plan(const struct operation *op)
{
	return &op->plan;
}

void operation_output(struct operation *op, const struct plan_item *it, const char *line)
{
	if (!op->ev.on_output)
		return;
	char *safe = redact(line);
	op->ev.on_output(op->ev.ud, it, JOB_STDOUT, safe);
	free(safe);
}

void operation_refuse(struct operation *op, enum operation_refusal why,
		      struct operation_server *servers, size_t n)
{
	for (size_t i = 0; i < op->n_refused; i++) {
		free(op->refused[i].name);
		free(op->refused[i].roles);
	}
	free(op->refused);
	op->refusal = why;
	op->refused = servers;
	op->n_refused = n;
}

enum operation_refusal operation_refusal(const struct operation *op,
					 const struct operation_server **servers, size_t *n)
{
	if (servers)
		*servers = op->refused;
	if (n)
		*n = op->n_refused;
	return op->refusal;
}

void operation_set_skip_nodes(struct operation *op, const char *const *names, size_t n)
{
	op->opts.skip_nodes = names;
	op->opts.n_skip_nodes = n;
}
