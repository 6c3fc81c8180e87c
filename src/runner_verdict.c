#include "runner_verdict.h"

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "localconfig_parse.h"
#include "redact.h"
#include "xalloc.h"

const char *verdict_reason_name(enum verdict_reason r)
{
	static const char *const names[] = {
		[VREASON_NONE] = "none",
		[VREASON_BUILTIN] = "builtin",
		[VREASON_SKIP_IF_HOLDS] = "skip-if-holds",
		[VREASON_SKIP_IF_NOT] = "skip-if-not",
		[VREASON_DONE_OUTPUT] = "done-output",
		[VREASON_FAIL_OUTPUT] = "fail-output",
		[VREASON_EXIT_STATUS] = "exit-status",
		[VREASON_REQUIRE_OUTPUT] = "require-output",
		[VREASON_BAD_PATTERN] = "bad-pattern",
		[VREASON_CAPTURE] = "capture",
		[VREASON_TIMED_OUT] = "timed-out",
		[VREASON_CONN_LOST] = "conn-lost",
		[VREASON_SIGNAL] = "signal",
		[VREASON_NO_STATUS] = "no-status",
		[VREASON_TRANSPORT] = "transport",
		[VREASON_NOT_CONNECTED] = "not-connected",
		[VREASON_NOT_STARTED] = "not-started",
		[VREASON_PREPARE] = "prepare",
	};
	return names[r];
}

void verdict_result_free(struct verdict_result *v)
{
	free(v->message);
	localconfig_free(v->captured);
	memset(v, 0, sizeof *v);
}

/* A pattern that cannot be expanded or compiled matches nothing; why it
 * could not is kept (the last one wins) for require_output's message. */
static bool matches(const struct verdict_input *in, const struct verdict_pattern *p, char **why)
{
	if (p->err) {
		free(*why);
		*why = xstrdup(p->err);
		return false;
	}
	regex_t re;
	if (regcomp(&re, p->re, REG_EXTENDED | REG_NEWLINE | REG_NOSUB) != 0) {
		free(*why);
		*why = xasprintf("bad pattern %s", p->re);
		return false;
	}
	/* the buffer the runner keeps is NUL-terminated */
	bool m = regexec(&re, in->out && in->out_len ? in->out : "", 0, NULL, 0) == 0;
	regfree(&re);
	return m;
}

static bool has(const struct verdict_pattern *p)
{
	return p->re || p->err;
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
static char *last_line(const struct verdict_input *in)
{
	if (in->step->output_hidden || !in->out || !in->out_len)
		return NULL;
	size_t end = in->out_len;
	while (end > 0 && (in->out[end - 1] == '\n' || in->out[end - 1] == ' '))
		end--;
	if (!end)
		return NULL;
	size_t start = end;
	while (start > 0 && in->out[start - 1] != '\n')
		start--;
	return redact_prefix(in->out + start, end - start, 160); /* mask, then cut */
}

static char *with_output(const struct verdict_input *in, const char *what)
{
	char *line = last_line(in);
	/* what the node said, or that it said nothing (an unset value) */
	char *msg = line                     ? xasprintf("%s: \"%s\"", what, line)
		: in->step->output_hidden ? xstrdup(what)
					  : xasprintf("%s: no output", what);
	free(line);
	return msg;
}

/* A failed attempt: again while the retry window lasts (never after a lost
 * connection), else a warning for a check = warn step, else a failure. */
static struct verdict_result failed(const struct verdict_input *in, enum verdict_reason reason,
				    char *msg, bool conn_lost)
{
	const struct proc_step *s = in->step;
	struct verdict_result v = { .reason = reason, .message = msg };
	if (!conn_lost && s->retry_for > 0 && in->elapsed + s->retry_every <= s->retry_for &&
	    in->may_retry)
		v.verdict = VERDICT_RETRY;
	else if (s->check_warn)
		v.verdict = VERDICT_WARNED;
	else {
		v.verdict = VERDICT_FAILED;
		v.stops_preflight = s->phase != NULL;
	}
	return v;
}

/* Success, once a capture step's answer is read: one that does not parse
 * fails the attempt with its output shown (fail closed). */
static struct verdict_result succeeded(const struct verdict_input *in, enum verdict verdict,
				       enum verdict_reason reason, const char *msg)
{
	struct localconfig *lc = NULL;
	if (in->step->capture_shell) {
		struct localconfig_error err = { 0 };
		lc = localconfig_parse_shell(in->cap ? in->cap : "", in->cap ? in->cap_len : 0, &err);
		if (!lc) {
			char *why = xasprintf("cannot read its answer (line %zu of its output: %s)",
					      err.line, err.msg ? err.msg : "not name='value';");
			char *m = with_output(in, why);
			free(why);
			return failed(in, VREASON_CAPTURE, m, false);
		}
	}
	struct verdict_result v = { .verdict = verdict, .reason = reason, .captured = lc };
	v.message = msg ? xstrdup(msg) : NULL;
	return v;
}

static struct verdict_result judge_command(const struct verdict_input *in)
{
	const struct proc_step *s = in->step;
	char *why = NULL;
	if (has(&in->done_output) && matches(in, &in->done_output, &why)) {
		free(why);
		return succeeded(in, VERDICT_ALREADY, VREASON_DONE_OUTPUT,
				 "already done (the node said so)");
	}
	if (has(&in->fail_output) && matches(in, &in->fail_output, &why)) {
		free(why);
		return failed(in, VREASON_FAIL_OUTPUT,
			      with_output(in, "its output reports a failure"), false);
	}
	if (!exit_ok(s, in->exit_status)) {
		free(why);
		char *what = xasprintf("exit status %d", in->exit_status);
		char *msg = with_output(in, what);
		free(what);
		return failed(in, VREASON_EXIT_STATUS, msg, false);
	}
	if (has(&in->require_output) && !matches(in, &in->require_output, &why)) {
		if (why) {
			char *msg = xasprintf("cannot check the output: %s", why);
			free(why);
			return failed(in, VREASON_BAD_PATTERN, msg, false);
		}
		return failed(in, VREASON_REQUIRE_OUTPUT, with_output(in, "not what success prints"),
			      false);
	}
	free(why);
	return succeeded(in, VERDICT_DONE, VREASON_NONE, NULL);
}

/* The command did not run to its end on the node. */
static struct verdict_result unfinished(const struct verdict_input *in)
{
	enum verdict_reason reason = in->timed_out ? VREASON_TIMED_OUT
		: in->conn_lost                   ? VREASON_CONN_LOST
		: in->signaled                    ? VREASON_SIGNAL
		: in->error                       ? VREASON_TRANSPORT
						  : VREASON_NO_STATUS;
	const char *why = in->error ? in->error
		: in->timed_out      ? "the command timed out"
		: in->conn_lost      ? "the connection to the node was lost"
		: in->signaled       ? "the command was killed by a signal"
				     : "the command ended without an exit status";
	struct verdict_result v = failed(in, reason, xasprintf("%s: %s", in->node, why), in->conn_lost);
	v.unfinished = true;
	return v;
}

static struct verdict_result not_started(const struct verdict_input *in)
{
	const char *e = in->error;
	if (in->start_reason == VREASON_PREPARE) {
		/* nothing ran: a fault of the procedure or its values, never retried */
		struct verdict_result v = {
			.verdict = VERDICT_FAILED,
			.reason = VREASON_PREPARE,
			.message = xasprintf("cannot prepare the command: %s", e ? e : "?"),
			.stops_preflight = in->step->phase && !in->step->check_warn,
		};
		return v;
	}
	char *msg = in->start_reason == VREASON_NOT_CONNECTED
		? xasprintf("%s: not connected%s%s", in->node, e ? ": " : "", e ? e : "")
		: xasprintf("%s: %s", in->node, e ? e : "cannot start the command");
	struct verdict_result v = failed(in, in->start_reason, msg, true);
	v.unfinished = true;
	return v;
}

struct verdict_result runner_verdict(const struct verdict_input *in)
{
	switch (in->stage) {
	case VSTAGE_START:
		return not_started(in);
	case VSTAGE_BUILTIN:
		if (in->builtin_ok) {
			struct verdict_result v = { .verdict = VERDICT_DONE, .reason = VREASON_BUILTIN };
			v.message = in->builtin_message ? xstrdup(in->builtin_message) : NULL;
			return v;
		}
		return failed(in, VREASON_BUILTIN,
			      in->builtin_message ? xstrdup(in->builtin_message) : NULL, false);
	case VSTAGE_SKIP_CHECK:
	case VSTAGE_COMMAND:
		break;
	}
	if (in->conn_lost || in->timed_out || in->cancelled || in->exit_status < 0)
		return unfinished(in);
	if (in->stage == VSTAGE_SKIP_CHECK) {
		if (in->exit_status == 0)
			return succeeded(in, VERDICT_ALREADY, VREASON_SKIP_IF_HOLDS,
					 "already done (skip_if holds)");
		struct verdict_result v = { .verdict = VERDICT_RUN_STEP, .reason = VREASON_SKIP_IF_NOT };
		return v;
	}
	return judge_command(in);
}
