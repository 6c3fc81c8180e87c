#include "runner.h"

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "journal.h"
#include "localconfig_parse.h"
#include "loop.h"
#include "redact.h"
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

/* ---- output matching ---- */

static bool output_matches(const struct runner *r, struct plan_item *it, const char *pattern_tpl,
			   char **why)
{
	char *err = NULL;
	char *pattern = expand(r, it, pattern_tpl, TEMPLATE_REGEX, false, false, &err);
	if (!pattern) {
		*why = err;
		return false;
	}
	regex_t re;
	int rc = regcomp(&re, pattern, REG_EXTENDED | REG_NEWLINE | REG_NOSUB);
	if (rc != 0) {
		*why = xasprintf("bad pattern %s", pattern);
		free(pattern);
		return false;
	}
	bool match = regexec(&re, it->out ? it->out : "", 0, NULL, 0) == 0;
	regfree(&re);
	free(pattern);
	return match;
}

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

/* Reads a capture step's stdout as name='value'; lines. NULL when read,
 * else why not: the step then fails (fail closed), never goes on with
 * values it could not read. */
static char *capture(struct runner *r, struct plan_item *it)
{
	struct localconfig_error err = { 0 };
	struct localconfig *lc = localconfig_parse_shell(it->cap ? it->cap : "", it->cap_len, &err);
	if (!lc)
		return xasprintf("cannot read its answer (line %zu of its output: %s)", err.line,
				 err.msg ? err.msg : "not name='value';");
	for (size_t i = 0; i < lc->n; i++) {
		vars_set(r->cfg.vars, it->node, lc->items[i].key, lc->items[i].value,
			 it->step->output_hidden);
		vars_set(r->cfg.vars, NULL, lc->items[i].key, lc->items[i].value,
			 it->step->output_hidden);
	}
	localconfig_free(lc);
	return NULL;
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

static void retry_timer_fired(void *ud);

/* A failed attempt: wait and try again while the step's retry window lasts. */
static void attempt_failed(struct runner *r, struct plan_item *it, const char *msg, bool conn_lost)
{
	const struct proc_step *s = it->step;
	double elapsed = loop_now() - it->first_started;
	if (!conn_lost && s->retry_for > 0 && elapsed + s->retry_every <= s->retry_for &&
	    r->state == RUNNER_RUNNING) {
		it->state = ITEM_WAITING;
		it->job = NULL;
		set_message(it, msg);
		clear_out(it);
		notify_item(r, it);
		it->timer = loop_timer(r->cfg.loop, s->retry_every * 1000, retry_timer_fired, it);
		return;
	}
	if (s->check_warn) {
		finish(r, it, ITEM_WARNED, msg);
		return;
	}
	if (s->phase)
		r->preflight_failed = true;
	finish(r, it, ITEM_FAILED, msg);
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

static bool exit_ok(const struct proc_step *s, int status)
{
	if (s->n_ok_exit == 0)
		return status == 0;
	for (size_t i = 0; i < s->n_ok_exit; i++)
		if (s->ok_exit[i] == status)
			return true;
	return false;
}

/* The last non-empty output line, for messages (never of hidden output). */
static char *last_line(const struct plan_item *it)
{
	if (it->step->output_hidden || !it->out || !it->out_len)
		return NULL;
	size_t end = it->out_len;
	while (end > 0 && (it->out[end - 1] == '\n' || it->out[end - 1] == ' '))
		end--;
	if (!end)
		return NULL;
	size_t start = end;
	while (start > 0 && it->out[start - 1] != '\n')
		start--;
	size_t len = end - start > 160 ? 160 : end - start;
	return xstrndup(it->out + start, len);
}

static char *with_output(const struct plan_item *it, const char *what)
{
	char *line = last_line(it);
	char *msg = line ? xasprintf("%s: \"%s\"", what, line) : xstrdup(what);
	free(line);
	return msg;
}

/* Success, once a capture step's answer is read: one that does not parse
 * fails the step with its output shown. */
static void succeed(struct runner *r, struct plan_item *it, enum item_state st, const char *msg)
{
	char *why = it->step->capture_shell ? capture(r, it) : NULL;

	if (why != NULL) {
		char *m = with_output(it, why);
		attempt_failed(r, it, m, false);
		free(m);
		free(why);
		return;
	}
	finish(r, it, st, msg);
}

static void judge(struct runner *r, struct plan_item *it)
{
	const struct proc_step *s = it->step;
	char *why = NULL;
	if (s->done_output && output_matches(r, it, s->done_output, &why)) {
		succeed(r, it, ITEM_ALREADY, "already done (the node said so)");
		return;
	}
	if (s->fail_output && output_matches(r, it, s->fail_output, &why)) {
		char *msg = with_output(it, "its output reports a failure");
		attempt_failed(r, it, msg, false);
		free(msg);
		return;
	}
	if (!exit_ok(s, it->exit_status)) {
		char *what = xasprintf("exit status %d", it->exit_status);
		char *msg = with_output(it, what);
		attempt_failed(r, it, msg, false);
		free(what);
		free(msg);
		return;
	}
	if (s->require_output && !output_matches(r, it, s->require_output, &why)) {
		char *msg = why ? xasprintf("cannot check the output: %s", why)
				: with_output(it, "not what success prints");
		free(why);
		attempt_failed(r, it, msg, false);
		free(msg);
		return;
	}
	free(why);
	succeed(r, it, ITEM_DONE, NULL);
}

static void on_job_line(void *ud, enum job_stream stream, const char *line, size_t len)
{
	struct plan_item *it = ud;
	if (!it->job)
		return; /* a cancelled job of an aborted item (stop_in_flight) */
	struct runner *r = it->owner;
	keep_output(it, stream, line, len);
	if (it->step->output_hidden || it->in_skip_check || !r->cfg.hooks.on_output)
		return;
	char *copy = xstrndup(line, len);
	char *safe = redact(copy);
	r->cfg.hooks.on_output(r->cfg.hooks.ud, it, stream, safe);
	free(copy);
	free(safe);
}

static void on_job_done(void *ud, const struct job_result *res)
{
	struct plan_item *it = ud;
	if (!it->job)
		return; /* cancelled by stop_in_flight, already finished */
	struct runner *r = it->owner;
	it->job = NULL;
	it->exit_status = res->exit_status;
	if (res->conn_lost || res->timed_out || res->cancelled || res->exit_status < 0) {
		const char *why = res->error ? res->error
			: res->timed_out ? "the command timed out"
			: res->conn_lost ? "the connection to the node was lost"
			: res->signal ? "the command was killed by a signal"
			: "the command ended without an exit status";
		char *msg = xasprintf("%s: %s", it->node, why);
		it->in_skip_check = false;
		attempt_failed(r, it, msg, res->conn_lost);
		free(msg);
		return;
	}
	if (it->in_skip_check) {
		it->in_skip_check = false;
		if (res->exit_status == 0) {
			succeed(r, it, ITEM_ALREADY, "already done (skip_if holds)");
			return;
		}
		clear_out(it);
		it->exit_status = -1;
		start_attempt(r, it); /* now the step itself */
		return;
	}
	judge(r, it);
}

static void start_job(struct runner *r, struct plan_item *it, const char *tpl, bool with_stdin)
{
	struct conn *c = r->cfg.hooks.conn_for(r->cfg.hooks.ud, it->node);
	if (!c || conn_state(c) != CONN_READY) {
		char *msg = xasprintf("%s: not connected%s%s", it->node, c && conn_error(c) ? ": " : "",
				      c && conn_error(c) ? conn_error(c) : "");
		attempt_failed(r, it, msg, true);
		free(msg);
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
		char *msg = xasprintf("cannot prepare the command: %s", err ? err : "?");
		free(err);
		free(cmd);
		finish(r, it, ITEM_FAILED, msg);
		if (!it->step->check_warn)
			r->preflight_failed |= it->step->phase != NULL;
		free(msg);
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
	if (!it->job) {
		char *msg = xasprintf("%s: %s", it->node, conn_error(c) ? conn_error(c) : "cannot start the command");
		attempt_failed(r, it, msg, true);
		free(msg);
	}
}

static void start_attempt(struct runner *r, struct plan_item *it)
{
	it->state = ITEM_RUNNING;
	it->attempts++;
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

static void advance(struct runner *r)
{
	if (r->state != RUNNER_RUNNING)
		return;
	struct plan *p = r->plan;
	for (size_t i = 0; i < p->n; i++) {
		struct plan_item *it = &p->items[i];
		if (it->state == ITEM_RUNNING || it->state == ITEM_WAITING)
			return; /* one at a time */
		if (it->state == ITEM_FAILED) {
			set_state(r, RUNNER_STOPPED);
			return;
		}
		if (it->state != ITEM_PENDING)
			continue;
		/* Preflight checks all run, then a failed one stops the run
		 * before anything changes. */
		if (!it->step->phase && r->preflight_failed) {
			set_state(r, RUNNER_STOPPED);
			return;
		}
		if (!it->step->phase && r->cfg.pause_after_preflight && !r->paused_once) {
			r->paused_once = true;
			set_state(r, RUNNER_PAUSED);
			return;
		}
		start_item(r, it);
		return;
	}
	if (r->preflight_failed) {
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
	}
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
	if (ok)
		finish(r, it, ITEM_DONE, message);
	else
		attempt_failed(r, it, message, false);
}

