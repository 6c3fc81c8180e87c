#include "runner.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "journal.h"
#include "localconfig_parse.h"
#include "loop.h"
#include "randtok.h"
#include "redact.h"
#include "runner_schedule.h"
#include "runner_verdict.h"
#include "shared_shell.h"
#include "shquote.h"
#include "template.h"
#include "vars.h"
#include "xalloc.h"

/* Output kept per attempt for the step's patterns and captures; the panes
 * keep their own bounded copy for display. */
#define OUT_CAP (256 * 1024)

struct runner {
	struct runner_config cfg;
	struct plan *plan;
	enum runner_state state;
	int advance_timer;
	bool preflight_failed;
	bool paused_once;
	struct schedule_rules rules;
};

const char *item_state_name(enum item_state s)
{
	static const char *const names[] = {
		[ITEM_PENDING] = "pending", [ITEM_RUNNING] = "running",
		[ITEM_WAITING] = "waiting", [ITEM_DONE] = "done",
		[ITEM_ALREADY] = "already", [ITEM_RESUMED] = "resumed",
		[ITEM_NA] = "n/a", [ITEM_WARNED] = "warning",
		[ITEM_FAILED] = "failed", [ITEM_SKIPPED] = "skipped",
	};
	return names[s];
}

void plan_add(struct plan *p, const struct proc_step *step, const char *node)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->items[i].step == step && strcmp(p->items[i].node, node) == 0)
			return; /* a node named in two roles runs a step once */
	p->items = xrealloc(p->items, (p->n + 1) * sizeof *p->items);
	struct plan_item *it = &p->items[p->n++];
	memset(it, 0, sizeof *it);
	it->step = step;
	it->node = xstrdup(node);
	it->exit_status = -1;
}

static void wipe_buf(char **buf, size_t *len, size_t *cap)
{
	if (*buf) {
		explicit_bzero(*buf, *cap);
		free(*buf);
	}
	*buf = NULL;
	*len = *cap = 0;
}

static void clear_out(struct plan_item *it)
{
	wipe_buf(&it->out, &it->out_len, &it->out_cap);
	wipe_buf(&it->cap, &it->cap_len, &it->cap_cap);
}

void plan_free(struct plan *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->items[i].node);
		free(p->items[i].message);
		clear_out(&p->items[i]);
	}
	free(p->items);
	p->items = NULL;
	p->n = 0;
}

void plan_reset(struct plan *p)
{
	for (size_t i = 0; i < p->n; i++) {
		struct plan_item *it = &p->items[i];
		clear_out(it);
		free(it->message);
		it->message = NULL;
		it->state = ITEM_PENDING;
		it->started = it->finished = it->first_started = 0;
		it->attempts = 0;
		it->exit_status = -1;
		it->job = NULL;
		it->in_skip_check = false;
		it->group = NULL;
		it->timer = 0;
		it->owner = NULL;
	}
}

static void set_message(struct plan_item *it, const char *msg)
{
	free(it->message);
	it->message = msg ? redact(msg) : NULL;
}

static void notify_item(struct runner *r, const struct plan_item *it)
{
	if (r->cfg.hooks.on_item)
		r->cfg.hooks.on_item(r->cfg.hooks.ud, it);
}

static void set_state(struct runner *r, enum runner_state st)
{
	r->state = st;
	if (r->cfg.hooks.on_state)
		r->cfg.hooks.on_state(r->cfg.hooks.ud, st);
}

/* ---- expansion ---- */

struct expand_ctx {
	const struct runner *r;
	const struct plan_item *it;
	bool placeholders; /* dry run: show <name> for what is not known yet */
};

static const char *expand_lookup(void *ud, const char *name, bool secret)
{
	struct expand_ctx *c = ud;
	const char *v = c->r->cfg.hooks.lookup(c->r->cfg.hooks.ud, c->it, name, secret);
	if (!v && c->placeholders) {
		static char buf[128];
		snprintf(buf, sizeof buf, "<%s>", name);
		return buf;
	}
	return v;
}

static char *expand(const struct runner *r, const struct plan_item *it, const char *tpl,
		    enum template_ctx ctx, bool mask, bool placeholders, char **err)
{
	struct expand_ctx c = { r, it, placeholders };
	return template_expand(tpl, ctx, mask, expand_lookup, &c, err);
}

static char *wrap_for_user(const struct plan_item *it, const char *login_user, const char *cmd)
{
	enum runas how = it->step->user == PROC_USER_ZEXTRAS ? RUNAS_ZEXTRAS : RUNAS_ROOT;
	return shquote_runas(how, login_user, cmd);
}

char *runner_display_command(const struct runner *r, const struct plan_item *it,
			     const char *login_user)
{
	if (it->step->builtin)
		return xasprintf("(built in: %s)", it->step->builtin);
	char *err = NULL;
	char *cmd = expand(r, it, it->step->run, TEMPLATE_SHELL, true, true, &err);
	if (!cmd) {
		char *msg = xasprintf("(cannot expand: %s)", err);
		free(err);
		return msg;
	}
	char *wrapped = wrap_for_user(it, login_user, cmd);
	free(cmd);
	if (it->step->stdin_tpl) {
		char *in = expand(r, it, it->step->stdin_tpl, TEMPLATE_RAW, true, true, &err);
		if (in) {
			char *both = xasprintf("%s\n    stdin: %s", wrapped, in);
			for (char *p = both + strlen(wrapped) + 1; *p; p++)
				if (*p == '\n')
					*p = ';'; /* one line per command in the plan */
			free(wrapped);
			wrapped = both;
			free(in);
		} else
			free(err);
	}
	return wrapped;
}

/* ---- output ---- */

static void keep_line(char **buf, size_t *blen, size_t *bcap, const char *line, size_t len)
{
	if (*blen + len + 2 > OUT_CAP)
		return;
	if (*blen + len + 2 > *bcap) {
		size_t cap = *bcap ? *bcap : 4096;
		while (cap < *blen + len + 2)
			cap *= 2;
		char *grown = xmalloc(cap); /* by hand: hidden output holds secrets */
		if (*buf) {
			memcpy(grown, *buf, *blen);
			explicit_bzero(*buf, *bcap);
			free(*buf);
		}
		*buf = grown;
		*bcap = cap;
	}
	memcpy(*buf + *blen, line, len);
	*blen += len;
	(*buf)[(*blen)++] = '\n';
	(*buf)[*blen] = '\0';
}

/* Everything for patterns and messages; stdout alone for a capture (a
 * tool's "Warning: ..." on stderr is no value to read). */
static void keep_output(struct plan_item *it, enum job_stream stream, const char *line, size_t len)
{
	keep_line(&it->out, &it->out_len, &it->out_cap, line, len);
	if (it->step->capture_shell && stream == JOB_STDOUT)
		keep_line(&it->cap, &it->cap_len, &it->cap_cap, line, len);
}

/* ---- flow ---- */

static void schedule_advance(struct runner *r);
static void start_attempt(struct runner *r, struct plan_item *it);

static void journal_item(struct runner *r, const struct plan_item *it)
{
	if (!r->cfg.journal || it->state == ITEM_NA || it->state == ITEM_RESUMED)
		return;
	const char *state = it->state == ITEM_DONE ? "done" : item_state_name(it->state);
	journal_step(r->cfg.journal, it->step->id, it->node, state, it->exit_status,
		     it->finished - it->first_started, it->message);
}

static void finish(struct runner *r, struct plan_item *it, enum item_state st, const char *msg)
{
	it->state = st;
	it->finished = loop_now();
	it->job = NULL;
	set_message(it, msg);
	clear_out(it);
	journal_item(r, it);
	notify_item(r, it);
	schedule_advance(r);
}

static void retry_timer_fired(void *ud)
{
	struct plan_item *it = ud;
	struct runner *r = it->owner;
	it->timer = 0;
	if (r->state != RUNNER_RUNNING)
		return;
	start_attempt(r, it);
}

/* A capture step's values, node-scoped and global (secrets stay secret). */
static void store_captured(struct runner *r, const struct plan_item *it, const struct localconfig *lc)
{
	for (size_t i = 0; i < lc->n; i++) {
		vars_set(r->cfg.vars, it->node, lc->items[i].key, lc->items[i].value,
			 it->step->output_hidden);
		vars_set(r->cfg.vars, NULL, lc->items[i].key, lc->items[i].value,
			 it->step->output_hidden);
	}
}

/* The input of a verdict on an item, its output patterns expanded (the
 * strings are freed by verdict_input_done). */
static void verdict_input_init(const struct runner *r, const struct plan_item *it,
			       enum verdict_stage stage, struct verdict_input *in)
{
	memset(in, 0, sizeof *in);
	in->step = it->step;
	in->node = it->node;
	in->stage = stage;
	in->exit_status = it->exit_status;
	in->out = it->out;
	in->out_len = it->out_len;
	in->cap = it->cap;
	in->cap_len = it->cap_len;
	in->elapsed = loop_now() - it->first_started;
	in->may_retry = r->state == RUNNER_RUNNING;
	if (stage != VSTAGE_COMMAND)
		return;
	const char *tpl[3] = { it->step->done_output, it->step->fail_output, it->step->require_output };
	struct verdict_pattern *pat[3] = { &in->done_output, &in->fail_output, &in->require_output };
	for (int i = 0; i < 3; i++) {
		if (!tpl[i])
			continue;
		char *err = NULL;
		pat[i]->re = expand(r, it, tpl[i], TEMPLATE_REGEX, false, false, &err);
		pat[i]->err = pat[i]->re ? NULL : (err ? err : xstrdup("cannot expand the pattern"));
	}
}

static void verdict_input_done(struct verdict_input *in)
{
	struct verdict_pattern *pat[3] = { &in->done_output, &in->fail_output, &in->require_output };
	for (int i = 0; i < 3; i++) {
		free((char *)pat[i]->re);
		free((char *)pat[i]->err);
	}
}

/* Carry out what runner_verdict decided for it. */
static void apply(struct runner *r, struct plan_item *it, struct verdict_result *v)
{
	it->unfinished = v->unfinished;
	switch (v->verdict) {
	case VERDICT_RUN_STEP:
		clear_out(it);
		it->exit_status = -1;
		start_attempt(r, it); /* now the step itself */
		break;
	case VERDICT_DONE:
	case VERDICT_ALREADY:
		if (v->captured)
			store_captured(r, it, v->captured);
		finish(r, it, v->verdict == VERDICT_DONE ? ITEM_DONE : ITEM_ALREADY, v->message);
		break;
	case VERDICT_RETRY:
		it->state = ITEM_WAITING;
		it->job = NULL;
		set_message(it, v->message);
		clear_out(it);
		notify_item(r, it);
		it->timer = loop_timer(r->cfg.loop, it->step->retry_every * 1000, retry_timer_fired, it);
		break;
	case VERDICT_WARNED:
		finish(r, it, ITEM_WARNED, v->message);
		break;
	case VERDICT_FAILED:
		if (v->stops_preflight)
			r->preflight_failed = true;
		finish(r, it, ITEM_FAILED, v->message);
		break;
	}
	verdict_result_free(v);
}

static void decide(struct runner *r, struct plan_item *it, struct verdict_input *in)
{
	struct verdict_result v = runner_verdict(in);
	verdict_input_done(in);
	apply(r, it, &v);
}

/* A line of the item's command: kept for its verdict, shown masked. */
static void item_line(struct runner *r, struct plan_item *it, enum job_stream stream,
		      const char *line, size_t len)
{
	keep_output(it, stream, line, len);
	if (it->step->output_hidden || it->in_skip_check || !r->cfg.hooks.on_output)
		return;
	size_t n;
	char *safe = redact_mem(line, len, &n); /* no unmasked copy left in freed memory */
	r->cfg.hooks.on_output(r->cfg.hooks.ud, it, stream, safe);
	free(safe);
}

static void on_job_line(void *ud, enum job_stream stream, const char *line, size_t len)
{
	struct plan_item *it = ud;
	if (!it->job)
		return; /* a cancelled job of an aborted item (stop_in_flight) */
	item_line(it->owner, it, stream, line, len);
}

static void on_job_done(void *ud, const struct job_result *res)
{
	struct plan_item *it = ud;
	if (!it->job)
		return; /* cancelled by stop_in_flight, already finished */
	struct runner *r = it->owner;
	it->job = NULL;
	it->exit_status = res->exit_status;
	struct verdict_input in;
	verdict_input_init(r, it, it->in_skip_check ? VSTAGE_SKIP_CHECK : VSTAGE_COMMAND, &in);
	it->in_skip_check = false;
	in.timed_out = res->timed_out;
	in.conn_lost = res->conn_lost;
	in.cancelled = res->cancelled;
	in.signaled = res->signal != 0;
	in.error = res->error;
	decide(r, it, &in);
}

/* The command of it could not be started (reason: VREASON_NOT_CONNECTED,
 * _NOT_STARTED or _PREPARE). */
static void not_started(struct runner *r, struct plan_item *it, enum verdict_reason reason,
			const char *error)
{
	struct verdict_input in;
	verdict_input_init(r, it, VSTAGE_START, &in);
	in.start_reason = reason;
	in.error = error;
	decide(r, it, &in);
}

static void start_job(struct runner *r, struct plan_item *it, const char *tpl, bool with_stdin)
{
	struct conn *c = r->cfg.hooks.conn_for(r->cfg.hooks.ud, it->node);
	if (!c || conn_state(c) != CONN_READY) {
		not_started(r, it, VREASON_NOT_CONNECTED, c ? conn_error(c) : NULL);
		return;
	}
	char *err = NULL;
	char *cmd = expand(r, it, tpl, TEMPLATE_SHELL, false, false, &err);
	char *in = NULL;
	if (cmd && with_stdin && it->step->stdin_tpl) {
		char *raw = expand(r, it, it->step->stdin_tpl, TEMPLATE_RAW, false, false, &err);
		if (raw) {
			size_t n = strlen(raw);
			in = xmalloc(n + 2);
			memcpy(in, raw, n);
			in[n] = '\n';
			in[n + 1] = '\0';
			explicit_bzero(raw, n);
			free(raw);
		}
	}
	if (!cmd || (with_stdin && it->step->stdin_tpl && !in)) {
		free(cmd);
		not_started(r, it, VREASON_PREPARE, err);
		free(err);
		return;
	}
	char *wrapped = wrap_for_user(it, conn_login_user(c), cmd);
	struct job_callbacks cb = { .on_line = on_job_line, .on_done = on_job_done, .ud = it };
	int timeout = r->cfg.command_timeout_s ? r->cfg.command_timeout_s : 1800;
	it->job = conn_exec(c, wrapped, in, in ? strlen(in) : 0, timeout, &cb);
	if (in) {
		explicit_bzero(in, strlen(in));
		free(in);
	}
	free(cmd);
	free(wrapped);
	if (!it->job)
		not_started(r, it, VREASON_NOT_STARTED, conn_error(c));
}

static void start_attempt(struct runner *r, struct plan_item *it)
{
	it->state = ITEM_RUNNING;
	it->attempts++;
	it->unfinished = false;
	it->started = loop_now();
	clear_out(it);
	notify_item(r, it);
	if (it->step->builtin) {
		r->cfg.hooks.builtin(r->cfg.hooks.ud, r, it);
		return;
	}
	start_job(r, it, it->step->run, true);
}

static void start_item(struct runner *r, struct plan_item *it)
{
	const struct proc_step *s = it->step;
	for (size_t w = 0; w < s->n_when; w++) {
		const char *cond = s->when[w];
		bool neg = cond[0] == '!';
		bool holds = r->cfg.hooks.condition(r->cfg.hooks.ud, it, neg ? cond + 1 : cond);
		if (holds == neg) {
			it->state = ITEM_NA;
			notify_item(r, it);
			schedule_advance(r);
			return;
		}
	}
	/* A resumed run keeps what the earlier run finished, except the
	 * preflight checks (the nodes may have changed since), the steps that
	 * capture facts or secrets (nothing secret is journaled) and builtins. */
	if (r->cfg.resume && !s->phase && !s->capture_shell && !s->builtin &&
	    journal_run_done(r->cfg.resume, s->id, it->node)) {
		it->state = ITEM_RESUMED;
		set_message(it, "done by the earlier run");
		notify_item(r, it);
		schedule_advance(r);
		return;
	}
	it->first_started = loop_now();
	it->unfinished = false;
	if (s->skip_if) {
		it->state = ITEM_RUNNING;
		it->started = it->first_started;
		it->in_skip_check = true;
		notify_item(r, it);
		start_job(r, it, s->skip_if, false);
		return;
	}
	start_attempt(r, it);
}

/* An item a verify-only run leaves out (it changes something). */
static bool left_out(const struct runner *r, const struct plan_item *it)
{
	return r->cfg.verify_only && !it->step->phase && !it->step->verify;
}

/* Finished so that what comes after it may go on. */
static bool settled(const struct runner *r, const struct plan_item *it)
{
	switch (it->state) {
	case ITEM_DONE:
	case ITEM_ALREADY:
	case ITEM_RESUMED:
	case ITEM_NA:
	case ITEM_WARNED:
	case ITEM_SKIPPED:
		return true;
	case ITEM_PENDING:
		return left_out(r, it);
	case ITEM_RUNNING:
	case ITEM_WAITING:
	case ITEM_FAILED:
		break;
	}
	return false;
}

/* Every earlier item this one waits for (runner_schedule.h) is settled, or
 * one of the first n items of with (a shared shell starting with it). */
static bool ready_with(const struct runner *r, size_t i, struct plan_item *const *with, size_t n)
{
	const struct plan_item *it = &r->plan->items[i];
	for (size_t j = 0; j < i; j++) {
		const struct plan_item *e = &r->plan->items[j];
		if (settled(r, e) || !schedule_waits_for(&r->rules, it, e))
			continue;
		bool member = false;
		for (size_t k = 0; k < n; k++)
			member |= with[k] == e;
		if (!member)
			return false;
	}
	return true;
}

static bool ready(const struct runner *r, size_t i)
{
	return ready_with(r, i, NULL, 0);
}

/* ---- a node's read-only checks in one remote shell ---- */

/* Every remote command pays the node's shell start-up (sshd runs the login
 * shell, which may read a heavy ~/.bashrc): consecutive preflight checks of
 * one node, as one user, share one remote command. Each runs in a subshell
 * with stdin closed and ends with a marker on both streams naming it (and,
 * on stdout, its exit status), so that each keeps its own output and
 * verdict. The marker holds a random token no check prints by chance. A
 * capture ends a group: a later check may use what it reads. A check after
 * a failed one in the same shell has run too (all are read-only): its
 * verdict is kept, and the failure stops the run as before. */

struct job_group {
	struct runner *r;
	struct job *job;
	char token[SHARED_SHELL_TOKEN + 1];
	size_t n;
	struct plan_item *items[SHARED_SHELL_MAX];
	int rc[SHARED_SHELL_MAX];
	bool ended[SHARED_SHELL_MAX][2]; /* its marker seen on stdout, stderr */
	bool decided[SHARED_SHELL_MAX];
	size_t cur[2];            /* per stream: the member its lines are of */
	bool cancelled;
};

static bool shareable(const struct plan_item *it)
{
	const struct proc_step *s = it->step;
	return s->phase && s->run && !s->builtin && !s->stdin_tpl && !s->skip_if &&
	       s->retry_for == 0 && s->n_when == 0 && !s->output_hidden;
}

static void group_decide(struct job_group *g, size_t k, const struct job_result *res)
{
	struct plan_item *it = g->items[k];
	g->decided[k] = true;
	it->group = NULL;
	struct verdict_input in;
	if (g->ended[k][0]) {
		it->exit_status = g->rc[k];
		verdict_input_init(g->r, it, VSTAGE_COMMAND, &in);
	} else {
		/* the shell ended (or was lost) before this check did */
		it->exit_status = -1;
		verdict_input_init(g->r, it, VSTAGE_COMMAND, &in);
		in.timed_out = res->timed_out;
		in.conn_lost = res->conn_lost;
		in.cancelled = res->cancelled;
		in.signaled = res->signal != 0;
		in.error = res->error ? res->error
			: res->timed_out || res->conn_lost ? NULL
							   : "the shared shell ended before this check";
	}
	decide(g->r, it, &in);
}

static void group_line(void *ud, enum job_stream stream, const char *line, size_t len)
{
	struct job_group *g = ud;
	if (g->cancelled)
		return;
	int s = stream == JOB_STDERR;
	size_t k = g->cur[s];
	struct shared_shell_mark m;
	bool mark = shared_shell_mark(g->token, line, len, !s, &m);
	size_t before = mark ? m.before : len;
	if (before && k < g->n)
		item_line(g->r, g->items[k], stream, line, before);
	if (!mark || k >= g->n || m.index != k)
		return; /* not where we are: the end finds it unfinished */
	if (!s)
		g->rc[k] = m.status;
	g->ended[k][s] = true;
	g->cur[s] = k + 1;
	if (g->ended[k][0] && g->ended[k][1])
		group_decide(g, k, NULL);
}

static void group_done(void *ud, const struct job_result *res)
{
	struct job_group *g = ud;
	if (!g->cancelled) {
		g->job = NULL;
		for (size_t k = 0; k < g->n; k++)
			if (!g->decided[k])
				group_decide(g, k, res);
	}
	explicit_bzero(g->token, sizeof g->token);
	free(g);
}

/* Stop a shared shell: every check of it not decided is unfinished. */
static void group_cancel(struct job_group *g)
{
	for (size_t k = 0; k < g->n; k++) {
		g->items[k]->group = NULL;
		if (!g->decided[k])
			g->items[k]->unfinished = true;
	}
	g->cancelled = true;
	job_cancel(g->job); /* on_done follows (maybe at once): it frees g */
}

/* Start it with the checks after it that can share its shell; false when
 * none can (start it alone). */
static bool start_group(struct runner *r, size_t i)
{
	struct plan *p = r->plan;
	struct plan_item *it = &p->items[i];
	if (!r->rules.parallel_preflight || !shareable(it) || it->step->capture_shell)
		return false;
	struct conn *c = r->cfg.hooks.conn_for(r->cfg.hooks.ud, it->node);
	if (!c || conn_state(c) != CONN_READY)
		return false;
	struct plan_item *with[SHARED_SHELL_MAX] = { it };
	size_t n = 1;
	for (size_t j = i + 1; j < p->n && n < SHARED_SHELL_MAX && !with[n - 1]->step->capture_shell; j++) {
		struct plan_item *y = &p->items[j];
		if (strcmp(y->node, it->node) != 0 || left_out(r, y))
			continue;
		if (y->state != ITEM_PENDING || !shareable(y) || y->step->user != it->step->user ||
		    !ready_with(r, j, with, n))
			break;
		with[n++] = y;
	}
	/* the script; a check whose command cannot be prepared ends the group
	 * (it fails on its own) */
	char *cmds[SHARED_SHELL_MAX];
	size_t used = 0;
	for (; used < n; used++) {
		char *err = NULL;
		char *cmd = expand(r, with[used], with[used]->step->run, TEMPLATE_SHELL, false, false, &err);
		free(err);
		if (!cmd)
			break;
		cmds[used] = wrap_for_user(with[used], conn_login_user(c), cmd);
		free(cmd);
	}
	if (used < 2) {
		for (size_t k = 0; k < used; k++)
			free(cmds[k]);
		return false;
	}
	struct job_group *g = xcalloc(1, sizeof *g);
	randtok(g->token, sizeof g->token, RANDTOK_ALNUM);
	char *script = shared_shell_script(g->token, (const char *const *)cmds, used);
	for (size_t k = 0; k < used; k++)
		free(cmds[k]);
	g->r = r;
	g->n = used;
	double now = loop_now();
	for (size_t k = 0; k < used; k++) {
		struct plan_item *m = with[k];
		g->items[k] = m;
		m->group = g;
		m->state = ITEM_RUNNING;
		m->attempts++;
		m->unfinished = false;
		m->first_started = m->started = now;
		clear_out(m);
		notify_item(r, m);
	}
	struct job_callbacks cb = { .on_line = group_line, .on_done = group_done, .ud = g };
	int timeout = r->cfg.command_timeout_s ? r->cfg.command_timeout_s : 1800;
	g->job = conn_exec(c, script, NULL, 0, timeout, &cb);
	free(script);
	if (!g->job) {
		for (size_t k = 0; k < used; k++) {
			g->items[k]->group = NULL;
			not_started(r, g->items[k], VREASON_NOT_STARTED, conn_error(c));
		}
		free(g);
	}
	return true;
}

/* Start every pending item whose dependencies are settled (one at a time
 * unless the kind's rules let items overlap); when nothing runs and nothing
 * can start, the run is done, or stopped at its failures. A failed item
 * holds back only what waits for it: another replica's chain finishes. */
static void advance(struct runner *r)
{
	if (r->state != RUNNER_RUNNING)
		return;
	struct plan *p = r->plan;
	for (size_t i = 0; i < p->n && r->state == RUNNER_RUNNING; i++) {
		struct plan_item *it = &p->items[i];
		if (it->state != ITEM_PENDING || left_out(r, it) || !ready(r, i))
			continue;
		if (!it->step->phase) {
			/* preflight checks all run, then a failed one stops the
			 * run before anything changes */
			if (r->preflight_failed)
				break;
			if (r->cfg.pause_after_preflight && !r->cfg.verify_only && !r->paused_once) {
				r->paused_once = true;
				set_state(r, RUNNER_PAUSED);
				return;
			}
		}
		if (!start_group(r, i))
			start_item(r, it);
	}
	if (r->state != RUNNER_RUNNING)
		return;
	bool failed = r->preflight_failed, finished = true;
	for (size_t i = 0; i < p->n; i++) {
		const struct plan_item *it = &p->items[i];
		if (it->state == ITEM_RUNNING || it->state == ITEM_WAITING)
			return; /* its end advances again */
		failed |= it->state == ITEM_FAILED;
		finished &= settled(r, it);
	}
	if (failed || !finished) {
		set_state(r, RUNNER_STOPPED);
		return;
	}
	if (r->cfg.journal)
		journal_end(r->cfg.journal, "complete");
	set_state(r, RUNNER_DONE);
}

static void advance_timer_fired(void *ud)
{
	struct runner *r = ud;
	r->advance_timer = 0;
	advance(r);
}

/* Never advance from inside a callback of the item that just finished. */
static void schedule_advance(struct runner *r)
{
	if (!r->advance_timer)
		r->advance_timer = loop_timer(r->cfg.loop, 0, advance_timer_fired, r);
}

struct runner *runner_new(const struct runner_config *cfg, struct plan *plan)
{
	struct runner *r = xcalloc(1, sizeof *r);
	r->cfg = *cfg;
	r->plan = plan;
	r->state = RUNNER_IDLE;
	r->rules.parallel_preflight = cfg->parallel_preflight;
	r->rules.side_by_side = cfg->side_by_side;
	for (size_t i = 0; i < plan->n; i++)
		plan->items[i].owner = r;
	return r;
}

/* Cancel whatever item it has in flight, whatever its kind: a remote
 * command (its late on_done finds it->job NULL and is dropped), a retry
 * timer, or a builtin's own jobs, timers and probes (its hook). */
static void stop_in_flight(struct runner *r, struct plan_item *it)
{
	if (it->timer) {
		loop_timer_cancel(r->cfg.loop, it->timer);
		it->timer = 0;
	}
	if (it->job) {
		job_cancel(it->job);
		it->job = NULL;
		it->unfinished = true; /* what it cleans up on its node may be left */
	}
	if (it->group)
		group_cancel(it->group);
	it->in_skip_check = false;
	if (it->step->builtin && it->state == ITEM_RUNNING && r->cfg.hooks.builtin_cancel)
		r->cfg.hooks.builtin_cancel(r->cfg.hooks.ud, it);
}

void runner_free(struct runner *r)
{
	if (!r)
		return;
	if (r->advance_timer)
		loop_timer_cancel(r->cfg.loop, r->advance_timer);
	for (size_t i = 0; i < r->plan->n; i++) {
		struct plan_item *it = &r->plan->items[i];
		stop_in_flight(r, it);
		if (it->owner == r)
			it->owner = NULL;
	}
	free(r);
}

void runner_start(struct runner *r)
{
	set_state(r, RUNNER_RUNNING);
	schedule_advance(r);
}

enum runner_state runner_state(const struct runner *r)
{
	return r->state;
}

const struct plan *runner_plan(const struct runner *r)
{
	return r->plan;
}

const char *plan_item_hint(const struct plan_item *it)
{
	if (it->unfinished && it->step->hint_unfinished)
		return it->step->hint_unfinished;
	return it->step->hint;
}

const struct plan_item *runner_failed_item(const struct runner *r)
{
	for (size_t i = 0; i < r->plan->n; i++)
		if (r->plan->items[i].state == ITEM_FAILED)
			return &r->plan->items[i];
	return NULL;
}

void runner_retry(struct runner *r)
{
	if (r->state != RUNNER_STOPPED)
		return;
	for (size_t i = 0; i < r->plan->n; i++) {
		struct plan_item *it = &r->plan->items[i];
		if (it->state == ITEM_FAILED) {
			it->state = ITEM_PENDING;
			it->attempts = 0;
			set_message(it, NULL);
			notify_item(r, it);
		}
	}
	r->preflight_failed = false;
	set_state(r, RUNNER_RUNNING);
	schedule_advance(r);
}

bool runner_can_skip(const struct runner *r)
{
	const struct plan_item *it = runner_failed_item(r);
	/* a failed preflight means the site is not ready: never skip past it */
	return r->state == RUNNER_STOPPED && it && !it->step->phase;
}

void runner_skip(struct runner *r)
{
	if (!runner_can_skip(r))
		return;
	struct plan_item *it = (struct plan_item *)runner_failed_item(r);
	it->state = ITEM_SKIPPED;
	journal_item(r, it);
	notify_item(r, it);
	set_state(r, RUNNER_RUNNING);
	schedule_advance(r);
}

void runner_abort(struct runner *r)
{
	if (r->state == RUNNER_DONE || r->state == RUNNER_ABORTED)
		return;
	set_state(r, RUNNER_ABORTED);
	/* a paused or stopped run has nothing in flight */
	for (size_t i = 0; i < r->plan->n; i++) {
		struct plan_item *it = &r->plan->items[i];
		if (it->state != ITEM_RUNNING && it->state != ITEM_WAITING)
			continue;
		stop_in_flight(r, it);
		finish(r, it, ITEM_FAILED, "aborted");
	}
	if (r->cfg.journal)
		journal_end(r->cfg.journal, "aborted");
}

void runner_continue(struct runner *r)
{
	if (r->state != RUNNER_PAUSED)
		return;
	set_state(r, RUNNER_RUNNING);
	schedule_advance(r);
}

void runner_builtin_done(struct runner *r, struct plan_item *it, bool ok, const char *message)
{
	if (it->state != ITEM_RUNNING)
		return;
	struct verdict_input in;
	verdict_input_init(r, it, VSTAGE_BUILTIN, &in);
	in.builtin_ok = ok;
	in.builtin_message = message;
	decide(r, it, &in);
}

