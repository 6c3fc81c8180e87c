/* The runner's scheduling (runner_schedule.h): replicas side by side, the
 * master's steps as barriers, the preflight of every node at once, a failure
 * that stops one replica's chain while the other finishes, and retry, skip
 * and abort with several items in flight. Every step is a builtin finished
 * by the test (the fake transport): what runs at once is seen exactly,
 * never by timing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test_vocabulary.h"
#include "loop.h"
#include "procedure.h"
#include "runner.h"
#include "runner_schedule.h"
#include "vars.h"
#include "xalloc.h"

/* install-replica's shape: preflight everywhere, one that reads a value,
 * the master enabled, each replica's chain, a master step between, the
 * replicas' checks, the master's last step. */
static const char proc_text[] =
	"[procedure]\nname = t\ntitle = T\n"
	"[step pre-a]\nphase = preflight\ntitle = A\nnode = master replica\nbuiltin = fake\n"
	"[step pre-b]\nphase = preflight\ntitle = B\nnode = master replica\nbuiltin = fake\n"
	"[step pre-c]\nphase = preflight\ntitle = C\nnode = replica\nbuiltin = fake\n"
	"[step enable]\ntitle = E\nnode = master\nbuiltin = fake\n"
	"[step pkg]\ntitle = P\nnode = replica\nbuiltin = fake\n"
	"[step boot]\ntitle = Bo\nnode = replica\nbuiltin = fake\n"
	"[step mid]\ntitle = M\nnode = master\nbuiltin = fake\n"
	"[step wait]\ntitle = W\nnode = replica\nbuiltin = fake\n"
	"[step end]\ntitle = End\nnode = master\nbuiltin = fake\n";

static const char *const nodes[] = { "m", "r1", "r2" };

struct env {
	struct loop *loop;
	struct procedure *proc;
	struct vars *vars;
	struct plan plan;
	struct runner *runner;
	int cancelled;
};

static struct conn *h_conn_for(void *ud, const char *node)
{
	(void)ud;
	(void)node;
	return NULL;
}

static const char *h_lookup(void *ud, const struct plan_item *it, const char *name, bool secret)
{
	(void)ud;
	(void)it;
	(void)name;
	(void)secret;
	return NULL;
}

static bool h_condition(void *ud, const struct plan_item *it, const char *cond)
{
	(void)ud;
	(void)it;
	(void)cond;
	return true;
}

/* started: the item stays RUNNING until the test finishes it */
static void h_builtin(void *ud, struct runner *r, struct plan_item *it)
{
	(void)ud;
	(void)r;
	(void)it;
}

static void h_builtin_cancel(void *ud, struct plan_item *it)
{
	struct env *e = ud;
	(void)it;
	e->cancelled++;
}

static int setup(void **state)
{
	struct env *e = xcalloc(1, sizeof *e);
	char path[] = "/tmp/rw-test-schedule.XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0 || write(fd, proc_text, sizeof proc_text - 1) != (ssize_t)(sizeof proc_text - 1))
		return -1;
	close(fd);
	char err[256];
	static const char *const builtins[] = { "fake", NULL };
	struct proc_vocabulary vocab = test_vocabulary(builtins);
	e->proc = procedure_load(path, &vocab, err, sizeof err);
	unlink(path);
	if (!e->proc) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	e->loop = loop_new();
	e->vars = vars_new();
	/* as install's build_plan: each step, the master then the replicas */
	for (size_t s = 0; s < e->proc->n_steps; s++) {
		const struct proc_step *st = &e->proc->steps[s];
		if (st->nodes & PROC_NODE_MASTER)
			plan_add(&e->plan, st, nodes[0]);
		if (st->nodes & PROC_NODE_REPLICA)
			for (int i = 1; i < 3; i++)
				plan_add(&e->plan, st, nodes[i]);
	}
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;
	runner_free(e->runner);
	plan_free(&e->plan);
	vars_free(e->vars);
	procedure_free(e->proc);
	loop_free(e->loop);
	free(e);
	return 0;
}

static void start(struct env *e, bool parallel)
{
	struct runner_config rc = {
		.loop = e->loop, .vars = e->vars,
		.parallel_preflight = parallel,
		.side_by_side = parallel ? PROC_NODE_REPLICA : 0,
		.hooks = {
			.conn_for = h_conn_for, .lookup = h_lookup, .condition = h_condition,
			.builtin = h_builtin, .builtin_cancel = h_builtin_cancel, .ud = e,
		},
	};
	e->runner = runner_new(&rc, &e->plan);
	runner_start(e->runner);
}

/* Let the runner's zero-delay advance run. */
static void settle(struct env *e)
{
	for (int i = 0; i < 5; i++)
		loop_poll(e->loop, 0);
}

static struct plan_item *item(struct env *e, const char *step, const char *node)
{
	for (size_t i = 0; i < e->plan.n; i++)
		if (strcmp(e->plan.items[i].step->id, step) == 0 && strcmp(e->plan.items[i].node, node) == 0)
			return &e->plan.items[i];
	fail_msg("no item %s on %s", step, node);
	return NULL;
}

/* The running items, as "step@node step@node" in plan order. */
static char *running(struct env *e)
{
	static char buf[512];
	buf[0] = '\0';
	for (size_t i = 0; i < e->plan.n; i++) {
		const struct plan_item *it = &e->plan.items[i];
		if (it->state != ITEM_RUNNING)
			continue;
		size_t n = strlen(buf);
		snprintf(buf + n, sizeof buf - n, "%s%s@%s", n ? " " : "", it->step->id, it->node);
	}
	return buf;
}

static void finish(struct env *e, const char *step, const char *node, bool ok)
{
	struct plan_item *it = item(e, step, node);
	assert_int_equal(it->state, ITEM_RUNNING);
	runner_builtin_done(e->runner, it, ok, ok ? NULL : "broken");
	settle(e);
}

/* Through the preflight to the master's first step. */
static void through_preflight(struct env *e)
{
	settle(e);
	/* every node's first check at once */
	assert_string_equal(running(e), "pre-a@m pre-a@r1 pre-a@r2");
	finish(e, "pre-a", "r2", true);
	/* pre-a produces (a builtin): pre-b waits for it on every node */
	assert_string_equal(running(e), "pre-a@m pre-a@r1");
	finish(e, "pre-a", "m", true);
	finish(e, "pre-a", "r1", true);
	assert_string_equal(running(e), "pre-b@m pre-b@r1 pre-b@r2");
	finish(e, "pre-b", "m", true);
	finish(e, "pre-b", "r1", true);
	finish(e, "pre-b", "r2", true);
	assert_string_equal(running(e), "pre-c@r1 pre-c@r2");
	finish(e, "pre-c", "r2", true);
	finish(e, "pre-c", "r1", true);
	assert_string_equal(running(e), "enable@m");
	finish(e, "enable", "m", true);
}

static void test_side_by_side(void **state)
{
	struct env *e = *state;
	start(e, true);
	through_preflight(e);
	/* each replica's chain at once */
	assert_string_equal(running(e), "pkg@r1 pkg@r2");
	finish(e, "pkg", "r1", true);
	/* r1's chain goes on without waiting for r2 */
	assert_string_equal(running(e), "pkg@r2 boot@r1");
	finish(e, "pkg", "r2", true);
	assert_string_equal(running(e), "boot@r1 boot@r2");
	finish(e, "boot", "r2", true);
	/* the master's step waits for every replica */
	assert_string_equal(running(e), "boot@r1");
	finish(e, "boot", "r1", true);
	assert_string_equal(running(e), "mid@m");
	finish(e, "mid", "m", true);
	assert_string_equal(running(e), "wait@r1 wait@r2");
	finish(e, "wait", "r1", true);
	finish(e, "wait", "r2", true);
	assert_string_equal(running(e), "end@m");
	assert_int_equal(runner_state(e->runner), RUNNER_RUNNING);
	finish(e, "end", "m", true);
	assert_string_equal(running(e), "");
	assert_int_equal(runner_state(e->runner), RUNNER_DONE);
}

static void test_one_at_a_time(void **state)
{
	struct env *e = *state;
	start(e, false);
	settle(e);
	/* without the rules: the plan's order, one item at a time */
	for (size_t i = 0; i < e->plan.n; i++) {
		const struct plan_item *it = &e->plan.items[i];
		char want[64];
		snprintf(want, sizeof want, "%s@%s", it->step->id, it->node);
		assert_string_equal(running(e), want);
		finish(e, it->step->id, it->node, true);
	}
	assert_int_equal(runner_state(e->runner), RUNNER_DONE);
}

static void test_one_replica_fails(void **state)
{
	struct env *e = *state;
	start(e, true);
	through_preflight(e);
	finish(e, "pkg", "r1", true);
	finish(e, "pkg", "r2", true);
	finish(e, "boot", "r1", false);
	/* r1's chain stops; r2's finishes its part; the run goes on meanwhile */
	assert_string_equal(running(e), "boot@r2");
	assert_int_equal(runner_state(e->runner), RUNNER_RUNNING);
	finish(e, "boot", "r2", true);
	/* the master's next step waits for r1: the run stops at the failure */
	assert_string_equal(running(e), "");
	assert_int_equal(runner_state(e->runner), RUNNER_STOPPED);
	assert_ptr_equal(runner_failed_item(e->runner), item(e, "boot", "r1"));
	assert_true(runner_can_skip(e->runner));
	assert_int_equal(item(e, "mid", "m")->state, ITEM_PENDING);
	/* retry: r1 goes on where it stopped, r2 is not run again */
	runner_retry(e->runner);
	settle(e);
	assert_string_equal(running(e), "boot@r1");
	assert_int_equal(item(e, "boot", "r2")->state, ITEM_DONE);
	finish(e, "boot", "r1", true);
	assert_string_equal(running(e), "mid@m");
}

static void test_two_fail_skip_first(void **state)
{
	struct env *e = *state;
	start(e, true);
	through_preflight(e);
	finish(e, "pkg", "r2", false);
	finish(e, "pkg", "r1", false);
	assert_int_equal(runner_state(e->runner), RUNNER_STOPPED);
	/* the dialog shows the first failed item of the plan */
	assert_ptr_equal(runner_failed_item(e->runner), item(e, "pkg", "r1"));
	runner_skip(e->runner);
	settle(e);
	assert_int_equal(item(e, "pkg", "r1")->state, ITEM_SKIPPED);
	/* r1's chain goes on past the skipped item; r2's stays stopped */
	assert_string_equal(running(e), "boot@r1");
	assert_int_equal(runner_state(e->runner), RUNNER_RUNNING);
	finish(e, "boot", "r1", true);
	assert_int_equal(runner_state(e->runner), RUNNER_STOPPED);
	assert_ptr_equal(runner_failed_item(e->runner), item(e, "pkg", "r2"));
}

static void test_preflight_failure(void **state)
{
	struct env *e = *state;
	start(e, true);
	settle(e);
	finish(e, "pre-a", "r1", false);
	/* the other nodes' checks finish */
	assert_string_equal(running(e), "pre-a@m pre-a@r2");
	assert_int_equal(runner_state(e->runner), RUNNER_RUNNING);
	finish(e, "pre-a", "m", true);
	finish(e, "pre-a", "r2", true);
	/* pre-b waits for every producer of an earlier step: r1's pre-a too */
	assert_string_equal(running(e), "");
	assert_int_equal(runner_state(e->runner), RUNNER_STOPPED);
	assert_int_equal(item(e, "enable", "m")->state, ITEM_PENDING);
	assert_false(runner_can_skip(e->runner)); /* never past a preflight */
}

static void test_abort_in_flight(void **state)
{
	struct env *e = *state;
	start(e, true);
	through_preflight(e);
	assert_string_equal(running(e), "pkg@r1 pkg@r2");
	runner_abort(e->runner);
	assert_int_equal(e->cancelled, 2);
	assert_int_equal(item(e, "pkg", "r1")->state, ITEM_FAILED);
	assert_int_equal(item(e, "pkg", "r2")->state, ITEM_FAILED);
	assert_string_equal(item(e, "pkg", "r2")->message, "aborted");
	settle(e);
	assert_int_equal(runner_state(e->runner), RUNNER_ABORTED);
	assert_string_equal(running(e), "");
}

static void test_pause_after_preflight(void **state)
{
	struct env *e = *state;
	struct runner_config rc = {
		.loop = e->loop, .vars = e->vars, .pause_after_preflight = true,
		.parallel_preflight = true, .side_by_side = PROC_NODE_REPLICA,
		.hooks = {
			.conn_for = h_conn_for, .lookup = h_lookup, .condition = h_condition,
			.builtin = h_builtin, .builtin_cancel = h_builtin_cancel, .ud = e,
		},
	};
	e->runner = runner_new(&rc, &e->plan);
	runner_start(e->runner);
	settle(e);
	const char *pre[] = { "pre-a", "pre-b" };
	for (int s = 0; s < 2; s++)
		for (int n = 0; n < 3; n++)
			finish(e, pre[s], nodes[n], true);
	finish(e, "pre-c", "r1", true);
	assert_int_equal(runner_state(e->runner), RUNNER_RUNNING);
	finish(e, "pre-c", "r2", true);
	/* nothing of the run proper before the admin says go on */
	assert_int_equal(runner_state(e->runner), RUNNER_PAUSED);
	assert_string_equal(running(e), "");
	runner_continue(e->runner);
	settle(e);
	assert_string_equal(running(e), "enable@m");
}

/* The rule itself, on items made by hand. */
static void test_rule(void **state)
{
	(void)state;
	struct proc_step pre = { 0 }, cap = { 0 }, rep = { 0 }, rep2 = { 0 }, mas = { 0 }, both = { 0 };
	char preflight[] = "preflight";
	pre.phase = cap.phase = preflight;
	cap.capture_shell = true;
	rep.nodes = rep2.nodes = PROC_NODE_REPLICA;
	mas.nodes = PROC_NODE_MASTER;
	both.nodes = PROC_NODE_MASTER | PROC_NODE_REPLICA;
	char a[] = "a", b[] = "b";
	struct plan_item x = { .node = a }, y = { .node = b };
	struct schedule_rules on = { true, PROC_NODE_REPLICA }, off = { false, 0 };
#define WAITS(rules, ls, ln, es, en) \
	(x.step = &(ls), x.node = (ln), y.step = &(es), y.node = (en), schedule_waits_for(&(rules), &x, &y))
	assert_true(WAITS(on, rep, a, rep2, a));     /* same node: in order */
	assert_false(WAITS(on, rep, a, rep2, b));    /* replicas side by side */
	assert_true(WAITS(off, rep, a, rep2, b));
	assert_true(WAITS(on, rep, a, mas, b));      /* after a master step */
	assert_true(WAITS(on, mas, a, rep, b));      /* a master step waits */
	assert_true(WAITS(on, both, a, rep, b));     /* only steps exactly on replicas */
	assert_true(WAITS(on, rep, a, both, b));
	assert_true(WAITS(on, rep, a, pre, b));      /* the run after every check */
	assert_false(WAITS(on, pre, a, pre, b));     /* checks at once */
	assert_true(WAITS(off, pre, a, pre, b));
	assert_true(WAITS(on, pre, a, cap, b));      /* a value read first */
	assert_false(WAITS(on, cap, a, cap, b));     /* the same capture on two nodes */
	struct schedule_rules pre_only = { true, 0 };
	assert_true(WAITS(pre_only, rep, a, rep2, b));
#undef WAITS
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_side_by_side, setup, teardown),
		cmocka_unit_test_setup_teardown(test_one_at_a_time, setup, teardown),
		cmocka_unit_test_setup_teardown(test_one_replica_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_two_fail_skip_first, setup, teardown),
		cmocka_unit_test_setup_teardown(test_preflight_failure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_abort_in_flight, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pause_after_preflight, setup, teardown),
		cmocka_unit_test(test_rule),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
