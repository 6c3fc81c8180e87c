/* The message of a failed step quotes its last output line, cut to 160
 * bytes: the line is masked first, so the cut never shows the start of a
 * secret. A REAL private sshd (sshd_fixture) runs the step. */
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_failed_step_message_masked_before_cut, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
