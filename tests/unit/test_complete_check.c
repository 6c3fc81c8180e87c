/* A journal that says "complete" is not taken at its word: opening it turns
 * the operation into a check of the nodes (verify_only runner, nothing
 * journaled, the site lock held), and operation_run_again turns a check the
 * nodes did not confirm into a new run in the journal (not a resume).
 * Nothing connects: the journal and the plan are all this looks at. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dovecot_op.h"
#include "install.h"
#include "journal.h"
#include "loop.h"
#include "operation.h"
#include "runner.h"
#include "site.h"
#include "xalloc.h"

struct fx {
	char dir[64];
	char *site_path;
	char *journal_path;
	struct loop *loop;
	struct site *site;
};

static int setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof *f);
	snprintf(f->dir, sizeof f->dir, "/tmp/rw-test-complete-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	setenv("REPLICA_WIZARD_STATE_DIR", f->dir, 1);
	f->site_path = xasprintf("%s/site.ini", f->dir);
	f->journal_path = journal_path_for(f->site_path, install_kind.procedure);
	f->loop = loop_new();
	f->site = site_new();
	struct site_error se;
	assert_true(site_set(f->site, "carbonio", "master", "m.example.com", &se));
	assert_true(site_set(f->site, "carbonio", "replicas", "r1.example.com", &se));
	assert_true(site_validate(f->site, &se));
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	site_free(f->site);
	loop_free(f->loop);
	char *cmd = xasprintf("rm -rf -- '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(f->journal_path);
	free(f->site_path);
	free(f);
	return 0;
}

static struct operation *new_op(struct fx *f)
{
	struct operation_options oo = { 0 };
	char err[512];
	struct operation *op = operation_new(f->loop, f->site, f->site_path, &install_kind, &oo, NULL, err,
					     sizeof err);
	if (!op)
		fail_msg("operation_new: %s", err);
	return op;
}

static void write_complete_run(struct fx *f)
{
	char err[512];
	struct journal *j = journal_open(f->journal_path, err, sizeof err);
	assert_non_null(j);
	journal_begin(j, NULL, "replicas=r1.example.com", false);
	journal_step(j, "bootstrap", "r1.example.com", "done", 0, 9.0, NULL);
	journal_end(j, "complete");
	journal_close(j);
}

static void test_first_run_is_no_check(void **state)
{
	struct fx *f = *state;
	struct operation *op = new_op(f);
	bool complete = true;
	char err[512];
	assert_true(operation_open_journal(op, &complete, err, sizeof err));
	assert_false(complete);
	assert_false(operation_checking(op));
	assert_non_null(operation_journal(op));
	assert_false(operation_run_again(op, err, sizeof err)); /* nothing to follow up */
	operation_free(op);
}

static void test_complete_journal_means_a_check_then_a_new_run(void **state)
{
	struct fx *f = *state;
	write_complete_run(f);
	struct journal_run *before = journal_last_run(f->journal_path);
	assert_non_null(before);
	char *first_id = xstrdup(before->run_id);
	journal_run_free(before);

	struct operation *op = new_op(f);
	bool complete = false;
	char err[512];
	assert_true(operation_open_journal(op, &complete, err, sizeof err));
	assert_true(complete);
	assert_true(operation_checking(op));
	assert_null(operation_journal(op));   /* a check journals nothing */
	assert_null(operation_resumed_run(op)); /* and resumes nothing */

	/* the check holds the site: a second process is refused */
	struct operation *other = new_op(f);
	bool c2 = false;
	assert_false(operation_open_journal(other, &c2, err, sizeof err));
	assert_true(operation_site_busy(other));
	operation_free(other);

	/* the journal's last run is still the complete one */
	struct journal_run *last = journal_last_run(f->journal_path);
	assert_string_equal(last->run_id, first_id);
	assert_string_equal(last->end_state, "complete");
	journal_run_free(last);

	/* the nodes did not confirm it: the procedure again, as a new run */
	assert_true(operation_run_again(op, err, sizeof err));
	assert_false(operation_checking(op));
	assert_non_null(operation_journal(op));
	assert_null(operation_resumed_run(op));
	const struct plan *p = operation_plan(op);
	for (size_t i = 0; i < p->n; i++)
		assert_int_equal(p->items[i].state, ITEM_PENDING);
	assert_int_equal(runner_state(operation_runner(op)), RUNNER_IDLE);
	last = journal_last_run(f->journal_path);
	assert_non_null(last);
	/* (run ids are made to the second: the two may share one here) */
	assert_string_equal(last->scope, "replicas=r1.example.com");
	assert_null(last->end_state); /* begun, not finished */
	assert_false(journal_run_done(last, "bootstrap", "r1.example.com"));
	journal_run_free(last);
	operation_free(op);
	free(first_id);
}

/* dovecot --verify is the check itself: a complete --verify run before it
 * never makes it a lighter one; the configuring run's journal does. */
static void test_dovecot_verify_always_runs_in_full(void **state)
{
	struct fx *f = *state;
	struct site_error se;
	assert_true(site_set(f->site, "dovecot", "servers", "a.example.com b.example.com", &se));
	assert_true(site_validate(f->site, &se));
	char *path = journal_path_for(f->site_path, dovecot_kind.procedure);
	char err[512];
	struct journal *j = journal_open(path, err, sizeof err);
	assert_non_null(j);
	journal_begin(j, NULL, "verify servers=a.example.com b.example.com", false);
	journal_end(j, "complete");
	journal_close(j);

	struct operation_options oo = { 0 };
	struct operation *op = operation_new(f->loop, f->site, f->site_path, &dovecot_verify_kind, &oo, NULL,
					     err, sizeof err);
	assert_non_null(op);
	bool complete = true;
	assert_true(operation_open_journal(op, &complete, err, sizeof err));
	assert_false(complete);
	assert_false(operation_checking(op));
	assert_non_null(operation_journal(op));
	operation_free(op);

	j = journal_open(path, err, sizeof err);
	assert_non_null(j);
	journal_begin(j, NULL, "servers=a.example.com b.example.com", false);
	journal_end(j, "complete");
	journal_close(j);
	op = operation_new(f->loop, f->site, f->site_path, &dovecot_kind, &oo, NULL, err, sizeof err);
	assert_non_null(op);
	assert_true(operation_open_journal(op, &complete, err, sizeof err));
	assert_true(complete);
	assert_true(operation_checking(op));
	operation_free(op);
	free(path);
}

int main(void)
{
	if (!getenv("REPLICA_WIZARD_ASSETS"))
		setenv("REPLICA_WIZARD_ASSETS", "assets", 1);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_first_run_is_no_check, setup, teardown),
		cmocka_unit_test_setup_teardown(test_complete_journal_means_a_check_then_a_new_run, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_dovecot_verify_always_runs_in_full, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
