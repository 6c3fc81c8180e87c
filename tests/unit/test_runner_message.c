/* The message of a failed step quotes its last output line, cut to 160
 * bytes: the line is masked first, so the cut never shows the start of a
 * secret. And a node's preflight checks share one remote shell, each with
 * its own output and verdict. A REAL private sshd (sshd_fixture) runs the
 * steps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loop.h"
#include "redact.h"
#include "runner.h"
#include "ssh_session.h"
#include "sshd_fixture.h"
#include "test_vocabulary.h"
#include "transport.h"
#include "vars.h"
#include "xalloc.h"

#define WAIT_S 20.0

/* the env of every test: the session */
static int setup(void **state)
{
	return ssh_session_setup(state, "node1", 0);
}

static int teardown(void **state)
{
	redact_clear();
	return ssh_session_teardown(state);
}

static struct conn *conn_for(void *ud, const char *node)
{
	(void)node;
	return ((struct ssh_session *)ud)->c;
}

static void test_failed_step_message_masked_before_cut(void **state)
{
	struct ssh_session *e = *state;
	/* 150 bytes, then the secret across the 160-byte cut */
	redact_add("TopSecretValue");
	char run[512];
	snprintf(run, sizeof run, "printf '%%0150d%%s\\n' 0 TopSecret''Value; exit 3");
	struct proc_step step;
	memset(&step, 0, sizeof step);
	step.id = (char *)"leaky";
	step.title = (char *)"a step whose output quotes a secret";
	step.nodes = PROC_NODE_MASTER;
	step.user = PROC_USER_ROOT;
	step.run = run;
	struct plan plan = { 0 };
	plan_add(&plan, &step, "node1");
	struct vars *v = vars_new();
	struct runner_config rc = {
		.loop = e->loop, .vars = v,
		.hooks = { .conn_for = conn_for, .lookup = test_no_value, .condition = test_always, .ud = e },
	};
	struct runner *r = runner_new(&rc, &plan);
	runner_start(r);
	double end = loop_now() + WAIT_S;
	while (runner_state(r) == RUNNER_RUNNING && loop_now() < end)
		loop_poll(e->loop, 200);
	assert_int_equal(runner_state(r), RUNNER_STOPPED);
	const struct plan_item *it = &runner_plan(r)->items[0];
	assert_int_equal(it->state, ITEM_FAILED);
	assert_non_null(it->message);
	assert_non_null(strstr(it->message, "exit status 3"));
	assert_non_null(strstr(it->message, "0000****"));
	assert_null(strstr(it->message, "TopS"));
	runner_free(r);
	plan_free(&plan);
	vars_free(v);
}


/* ---- a node's checks in one remote shell ---- */

struct seen {
	char lines[16][128];
	char step[16][16];
	size_t n;
};

/* what the shared-shell tests hand the runner: the session and what it saw */
struct env {
	struct ssh_session *s;
	struct seen *seen;
};

static struct conn *env_conn_for(void *ud, const char *node)
{
	(void)node;
	return ((struct env *)ud)->s->c;
}

static void on_output(void *ud, const struct plan_item *it, enum job_stream s, const char *line)
{
	struct seen *seen = ((struct env *)ud)->seen;
	(void)s;
	if (seen->n < 16) {
		snprintf(seen->lines[seen->n], sizeof seen->lines[0], "%s", line);
		snprintf(seen->step[seen->n], sizeof seen->step[0], "%s", it->step->id);
		seen->n++;
	}
}

/* The shell's pid ($$, the same in a subshell) a step printed as "ID PID". */
static long pid_of(const struct seen *seen, const char *id)
{
	for (size_t i = 0; i < seen->n; i++)
		if (strcmp(seen->step[i], id) == 0)
			return strtol(seen->lines[i] + strlen(id) + 1, NULL, 10);
	fail_msg("no output of %s", id);
	return -1;
}

static void run_checks(struct ssh_session *e, bool share, struct seen *seen, struct vars *v,
		       enum item_state *states, char **msg_d)
{
	char pre[] = "preflight";
	struct proc_step steps[6];
	memset(steps, 0, sizeof steps);
	static const char *const ids[] = { "a", "b", "c", "d", "e", "f" };
	static const char *const runs[] = {
		"echo \"a $$\"",
		"echo \"b $$\" >&2; exit 2",
		"printf 'c %s' $$",          /* no newline: the marker follows on its line */
		"echo bad >&2; exit 1",
		"echo \"x='$$';\"",            /* a capture ends a shared shell */
		"echo \"f $$\"",
	};
	for (int i = 0; i < 6; i++) {
		steps[i].id = (char *)ids[i];
		steps[i].title = (char *)ids[i];
		steps[i].phase = pre;
		steps[i].nodes = PROC_NODE_MASTER;
		steps[i].user = PROC_USER_ROOT;
		steps[i].run = (char *)runs[i];
	}
	steps[1].ok_exit[0] = 2;
	steps[1].n_ok_exit = 1;
	steps[2].require_output = (char *)"^c [0-9]+$";
	steps[4].capture_shell = true;
	/* in this order: a b c e (a capture ends a shared shell), then f d (d
	 * fails: what comes after a failed check on its node waits for it) */
	static const int order[] = { 0, 1, 2, 4, 5, 3 };
	int plan_at[6];
	struct plan plan = { 0 };
	for (int i = 0; i < 6; i++) {
		plan_add(&plan, &steps[order[i]], "node1");
		plan_at[order[i]] = i;
	}
	struct env env = { e, seen };
	struct runner_config rc = {
		.loop = e->loop, .vars = v, .parallel_preflight = share,
		.hooks = { .conn_for = env_conn_for, .lookup = test_no_value, .condition = test_always,
			   .on_output = on_output, .ud = &env },
	};
	struct runner *r = runner_new(&rc, &plan);
	runner_start(r);
	double end = loop_now() + WAIT_S;
	while (runner_state(r) == RUNNER_RUNNING && loop_now() < end)
		loop_poll(e->loop, 200);
	/* d failed: the run stops before anything of the run proper */
	assert_int_equal(runner_state(r), RUNNER_STOPPED);
	for (int i = 0; i < 6; i++)
		states[i] = plan.items[plan_at[i]].state;
	*msg_d = plan.items[plan_at[3]].message ? strdup(plan.items[plan_at[3]].message) : NULL;
	runner_free(r);
	plan_free(&plan);
}

static void test_checks_share_a_shell(void **state)
{
	struct ssh_session *e = *state;
	struct seen seen = { 0 };
	struct vars *v = vars_new();
	enum item_state st[6];
	char *msg = NULL;
	run_checks(e, true, &seen, v, st, &msg);
	/* each check its own verdict */
	assert_int_equal(st[0], ITEM_DONE);
	assert_int_equal(st[1], ITEM_DONE); /* ok_exit = 2 */
	assert_int_equal(st[2], ITEM_DONE); /* its line without a newline, matched */
	assert_int_equal(st[3], ITEM_FAILED);
	assert_string_equal(msg, "exit status 1: \"bad\"");
	assert_int_equal(st[4], ITEM_DONE);
	assert_int_equal(st[5], ITEM_DONE);
	/* each its own output, never a marker */
	for (size_t i = 0; i < seen.n; i++) {
		char want[8];
		snprintf(want, sizeof want, "%s ", seen.step[i]);
		bool ok = strncmp(seen.lines[i], want, strlen(want)) == 0 ||
			  (strcmp(seen.step[i], "d") == 0 && strcmp(seen.lines[i], "bad") == 0) ||
			  (strcmp(seen.step[i], "e") == 0 && strncmp(seen.lines[i], "x='", 3) == 0);
		if (!ok)
			fail_msg("step %s showed [%s]", seen.step[i], seen.lines[i]);
	}
	/* one shell for a b c e (the capture ends it), another for f d */
	long a = pid_of(&seen, "a");
	assert_true(a > 0);
	assert_int_equal(pid_of(&seen, "b"), a);
	assert_int_equal(pid_of(&seen, "c"), a);
	char pid[32];
	snprintf(pid, sizeof pid, "%ld", a);
	assert_string_equal(vars_get(v, "node1", "x", false), pid);
	assert_int_not_equal(pid_of(&seen, "f"), a);
	free(msg);
	vars_free(v);
}

static void test_checks_alone_without_rules(void **state)
{
	struct ssh_session *e = *state;
	struct seen seen = { 0 };
	struct vars *v = vars_new();
	enum item_state st[6];
	char *msg = NULL;
	run_checks(e, false, &seen, v, st, &msg);
	/* the same verdicts, one shell each */
	assert_int_equal(st[1], ITEM_DONE);
	assert_int_equal(st[2], ITEM_DONE);
	assert_string_equal(msg, "exit status 1: \"bad\"");
	assert_int_not_equal(pid_of(&seen, "b"), pid_of(&seen, "a"));
	free(msg);
	vars_free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_failed_step_message_masked_before_cut, setup, teardown),
		cmocka_unit_test_setup_teardown(test_checks_share_a_shell, setup, teardown),
		cmocka_unit_test_setup_teardown(test_checks_alone_without_rules, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
