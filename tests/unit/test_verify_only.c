/* A run the journal calls complete is checked, not trusted: the runner's
 * verify_only mode runs the preflight and the verify = yes steps only (no
 * pause, nothing else), and after a failed check the plan is reset and runs
 * in full as a new run. Builtin steps stand in for remote commands: the
 * runner treats both alike here, and no node is needed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loop.h"
#include "procedure.h"
#include "test_vocabulary.h"
#include "runner.h"
#include "vars.h"
#include "xalloc.h"

static const char proc_text[] =
	"[procedure]\nname = t\ntitle = T\n"
	"[step pre]\nphase = preflight\ntitle = Pre\nnode = master\nbuiltin = pre\n"
	"[step change]\ntitle = Change\nnode = master\nbuiltin = change\n"
	"[step proof]\ntitle = Proof\nnode = master\nbuiltin = proof\nverify = yes\n"
	"[step after]\ntitle = After\nnode = master\nbuiltin = after\n";

struct env {
	char ran[256];      /* the builtins started, in order */
	bool proof_holds;
};

static void h_builtin(void *ud, struct runner *r, struct plan_item *it)
{
	struct env *e = ud;
	strncat(e->ran, it->step->builtin, sizeof e->ran - strlen(e->ran) - 2);
	strcat(e->ran, " ");
	bool ok = strcmp(it->step->builtin, "proof") != 0 || e->proof_holds;
	runner_builtin_done(r, it, ok, ok ? NULL : "the node says otherwise");
}

static struct procedure *load(void)
{
	char path[] = "/tmp/rw-test-verify-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, proc_text, strlen(proc_text)), (ssize_t)strlen(proc_text));
	close(fd);
	char err[512] = "";
	static const char *const builtins[] = { "pre", "change", "proof", "after", NULL };
	struct proc_vocabulary vocab = test_vocabulary(builtins);
	struct procedure *p = procedure_load(path, &vocab, err, sizeof err);
	if (!p)
		print_error("%s\n", err);
	unlink(path);
	assert_non_null(p);
	return p;
}

static struct runner *runner_for(struct loop *loop, struct vars *v, struct plan *plan, struct env *e,
				 bool verify_only)
{
	struct runner_config rc = {
		.loop = loop,
		.vars = v,
		.pause_after_preflight = true, /* as the TUI asks: a check never pauses */
		.verify_only = verify_only,
		.hooks = { .lookup = test_no_value, .condition = test_always, .builtin = h_builtin, .ud = e },
	};
	return runner_new(&rc, plan);
}

static void run(struct loop *loop, struct runner *r)
{
	runner_start(r);
	for (int i = 0; i < 1000 && runner_state(r) == RUNNER_RUNNING; i++)
		loop_poll(loop, 10);
}

static void test_check_runs_preflight_and_verify_steps_only(void **state)
{
	(void)state;
	struct loop *loop = loop_new();
	struct vars *v = vars_new();
	struct procedure *p = load();
	struct plan plan = { 0 };
	for (size_t i = 0; i < p->n_steps; i++)
		plan_add(&plan, &p->steps[i], "master");
	struct env e = { .proof_holds = true };

	struct runner *r = runner_for(loop, v, &plan, &e, true);
	run(loop, r);
	assert_int_equal(runner_state(r), RUNNER_DONE);
	assert_string_equal(e.ran, "pre proof ");
	assert_int_equal(plan.items[1].state, ITEM_PENDING); /* change: never run */
	assert_int_equal(plan.items[3].state, ITEM_PENDING);
	assert_int_equal(plan.items[2].state, ITEM_DONE);
	runner_free(r);

	plan_free(&plan);
	procedure_free(p);
	vars_free(v);
	loop_free(loop);
}

static void test_failed_check_then_full_run(void **state)
{
	(void)state;
	struct loop *loop = loop_new();
	struct vars *v = vars_new();
	struct procedure *p = load();
	struct plan plan = { 0 };
	for (size_t i = 0; i < p->n_steps; i++)
		plan_add(&plan, &p->steps[i], "master");
	struct env e = { .proof_holds = false };

	struct runner *r = runner_for(loop, v, &plan, &e, true);
	run(loop, r);
	assert_int_equal(runner_state(r), RUNNER_STOPPED);
	const struct plan_item *bad = runner_failed_item(r);
	assert_non_null(bad);
	assert_string_equal(bad->step->id, "proof");
	assert_string_equal(bad->message, "the node says otherwise");
	assert_string_equal(e.ran, "pre proof ");
	runner_free(r);

	/* the procedure again, from the start, as a new run */
	plan_reset(&plan);
	for (size_t i = 0; i < plan.n; i++) {
		assert_int_equal(plan.items[i].state, ITEM_PENDING);
		assert_null(plan.items[i].message);
		assert_int_equal(plan.items[i].attempts, 0);
	}
	e.ran[0] = '\0';
	e.proof_holds = true; /* what the full run does makes it true */
	r = runner_for(loop, v, &plan, &e, false);
	run(loop, r);
	assert_int_equal(runner_state(r), RUNNER_PAUSED); /* a normal run pauses after preflight */
	runner_continue(r);
	for (int i = 0; i < 1000 && runner_state(r) == RUNNER_RUNNING; i++)
		loop_poll(loop, 10);
	assert_int_equal(runner_state(r), RUNNER_DONE);
	assert_string_equal(e.ran, "pre change proof after ");
	runner_free(r);

	plan_free(&plan);
	procedure_free(p);
	vars_free(v);
	loop_free(loop);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check_runs_preflight_and_verify_steps_only),
		cmocka_unit_test(test_failed_check_then_full_run),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
