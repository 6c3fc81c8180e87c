/* The install kind's plan: which nodes get which steps, with and without
 * --answer-queries, and with a subset of answering nodes (--answer-node, the
 * wizard's checklist). Built from the shipped procedure; nothing connects. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "install.h"
#include "journal.h"
#include "loop.h"
#include "operation.h"
#include "procedure.h"
#include "runner.h"
#include "site.h"
#include "vars.h"
#include "xalloc.h"

#define MASTER "m.example.com"
#define REPLICA "r1.example.com"
#define MTA "mta.example.com"
#define OTHER "app.example.com"

struct fx {
	struct loop *loop;
	struct site *site;
	struct operation *op;
};

static struct site *make_site(void)
{
	struct site *s = site_new();
	struct site_error se;
	assert_true(site_set(s, "carbonio", "master", MASTER, &se));
	assert_true(site_set(s, "carbonio", "replicas", REPLICA, &se));
	assert_true(site_set(s, "carbonio", "mta", MTA, &se));
	assert_true(site_set(s, "carbonio", "other_nodes", OTHER, &se));
	assert_true(site_validate(s, &se));
	return s;
}

static void build(struct fx *f, bool answer, const char *const *nodes, size_t n)
{
	f->loop = loop_new();
	f->site = make_site();
	struct operation_options oo = {
		.answer_queries = answer, .answer_nodes = nodes, .n_answer_nodes = n,
	};
	char err[512];
	f->op = operation_new(f->loop, f->site, "/nonexistent/site.ini", &install_kind, &oo, NULL, err,
			      sizeof err);
	if (!f->op)
		fail_msg("operation_new: %s", err);
}

static void done(struct fx *f)
{
	operation_free(f->op);
	site_free(f->site);
	loop_free(f->loop);
}

/* How many items of step id are planned on node. */
static size_t count(const struct fx *f, const char *id, const char *node)
{
	const struct plan *p = operation_plan(f->op);
	size_t c = 0;
	for (size_t i = 0; i < p->n; i++)
		c += strcmp(p->items[i].step->id, id) == 0 && strcmp(p->items[i].node, node) == 0;
	return c;
}

/* Plan index of the first item of step id on node (SIZE_MAX: none). */
static size_t first(const struct fx *f, const char *id, const char *node)
{
	const struct plan *p = operation_plan(f->op);
	for (size_t i = 0; i < p->n; i++)
		if (strcmp(p->items[i].step->id, id) == 0 && strcmp(p->items[i].node, node) == 0)
			return i;
	return SIZE_MAX;
}

static size_t answer_items(const struct fx *f, const char *node)
{
	const struct plan *p = operation_plan(f->op);
	size_t c = 0;
	for (size_t i = 0; i < p->n; i++)
		c += (p->items[i].step->nodes & PROC_NODE_ANSWER) && !p->items[i].step->phase &&
		     strcmp(p->items[i].node, node) == 0;
	return c;
}

static void test_candidates(void **state)
{
	(void)state;
	struct site *s = make_site();
	size_t n = 0;
	const char **c = install_answer_candidates(s, &n);
	assert_int_equal(n, 3);
	assert_string_equal(c[0], MTA);
	assert_string_equal(c[1], OTHER);
	assert_string_equal(c[2], MASTER);
	free(c);
	site_free(s);
}

static void test_no_answer(void **state)
{
	(void)state;
	struct fx f;
	build(&f, false, NULL, 0);
	assert_int_equal(count(&f, "set-ldap-url", MASTER), 0);
	assert_int_equal(count(&f, "set-ldap-url", MTA), 0);
	assert_int_equal(answer_items(&f, OTHER), 0);
	assert_int_equal(answer_items(&f, MASTER), 0);
	assert_true(operation_plan(f.op)->n > 0);
	done(&f);
}

static void test_answer_all(void **state)
{
	(void)state;
	struct fx f;
	build(&f, true, NULL, 0);
	const char *nodes[] = { MTA, OTHER, MASTER };
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(count(&f, "set-ldap-url", nodes[i]), 1);
		assert_int_equal(count(&f, "check-ldap-url", nodes[i]), 1);
		assert_int_equal(count(&f, "stop-services", nodes[i]), 1);
		assert_int_equal(count(&f, "mta-init", nodes[i]), 1);
	}
	/* node by node: the MTA, then the other node, the master last */
	assert_true(first(&f, "check-ldap-url", MTA) < first(&f, "stop-services", OTHER));
	assert_true(first(&f, "check-ldap-url", OTHER) < first(&f, "set-bind-url", MASTER));
	assert_true(first(&f, "set-bind-url", MASTER) < first(&f, "stop-services", MASTER));
	assert_int_equal(answer_items(&f, REPLICA), 0);
	done(&f);
}

static void test_answer_master_only(void **state)
{
	(void)state;
	struct fx f;
	const char *const only[] = { MASTER };
	build(&f, true, only, 1);
	assert_int_equal(answer_items(&f, MTA), 0);
	assert_int_equal(answer_items(&f, OTHER), 0);
	assert_int_equal(count(&f, "set-bind-url", MASTER), 1);
	assert_int_equal(count(&f, "set-ldap-url", MASTER), 1);
	assert_int_equal(count(&f, "check-ldap-url", MASTER), 1);
	done(&f);
}

static void test_answer_subset_without_master(void **state)
{
	(void)state;
	struct fx f;
	/* given in another order and case: the run's order stays MTA, other */
	const char *const some[] = { "APP.example.com", MTA };
	build(&f, true, some, 2);
	assert_int_equal(count(&f, "set-ldap-url", MTA), 1);
	assert_int_equal(count(&f, "set-ldap-url", OTHER), 1);
	assert_true(first(&f, "check-ldap-url", MTA) < first(&f, "stop-services", OTHER));
	/* the master's bind-url pin goes with the master's own rewrite */
	assert_int_equal(answer_items(&f, MASTER), 0);
	assert_int_equal(count(&f, "set-bind-url", MASTER), 0);
	done(&f);
}

static void test_scope(void **state)
{
	(void)state;
	struct fx f;
	const char *const only[] = { MASTER };
	build(&f, true, only, 1);
	char *s = install_kind.scope(f.op);
	assert_string_equal(s, "replicas=" REPLICA " +answer=" MASTER);
	free(s);
	done(&f);
	const char *const all[] = { MASTER, OTHER, MTA };
	build(&f, true, all, 3);
	s = install_kind.scope(f.op);
	assert_string_equal(s, "replicas=" REPLICA " +answer"); /* same as --answer-queries */
	free(s);
	done(&f);
}

/* A journal whose last run is cut short and recorded test_account_local as
 * value (NULL: not recorded), for the fixture's site and scope. */
static void write_journal(const char *value)
{
	char *path = journal_path_for("/nonexistent/site.ini", "install-replica");
	unlink(path);
	char err[256];
	struct journal *j = journal_open(path, err, sizeof err);
	if (!j)
		fail_msg("journal_open: %s", err);
	journal_begin(j, NULL, "replicas=" REPLICA, false);
	if (value)
		journal_var(j, "test_account_local", value);
	journal_step(j, "bootstrap", REPLICA, "failed", -1, 1.0, "connection lost");
	journal_close(j);
	free(path);
}

static bool resume(struct fx *f, char *err, size_t errlen)
{
	build(f, false, NULL, 0);
	operation_set_resume(f->op, true);
	bool complete = false;
	return operation_open_journal(f->op, &complete, err, errlen);
}

/* --resume takes the cut-short run's test account back from the journal, and
 * only a name this program makes: an empty or edited value would reach zmprov
 * (create, wait, delete). Refused before anything runs, naming the journal. */
static void test_resume_test_account(void **state)
{
	(void)state;
	char dir[] = "/tmp/rw-test-install-XXXXXX";
	assert_non_null(mkdtemp(dir));
	setenv("REPLICA_WIZARD_STATE_DIR", dir, 1);
	struct fx f;
	char err[1024];

	write_journal("rw-check-abcdefghijkm");
	assert_true(resume(&f, err, sizeof err));
	vars_set(operation_vars(f.op), NULL, "domain", "example.com", false);
	assert_string_equal(operation_value(f.op, NULL, "test_account", false),
			    "rw-check-abcdefghijkm@example.com");
	done(&f);

	const char *const bad[] = { "", "rw-check-", "rw-check-abc def ghij", "x@evil.example.com",
				    "rw-check-ABCDEFGHJKLM", NULL };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		write_journal(bad[i]);
		err[0] = '\0';
		assert_false(resume(&f, err, sizeof err));
		assert_non_null(strstr(err, "test_account_local is "));
		assert_non_null(strstr(err, "nothing was run"));
		assert_non_null(strstr(err, dir)); /* names the journal file */
		done(&f);
	}

	char *path = journal_path_for("/nonexistent/site.ini", "install-replica");
	unlink(path);
	free(path);
	rmdir(dir);
	unsetenv("REPLICA_WIZARD_STATE_DIR");
}

int main(void)
{
	/* the tests run from the tree: find the shipped assets there */
	if (!getenv("REPLICA_WIZARD_ASSETS"))
		setenv("REPLICA_WIZARD_ASSETS", "assets", 1);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_candidates),
		cmocka_unit_test(test_no_answer),
		cmocka_unit_test(test_answer_all),
		cmocka_unit_test(test_answer_master_only),
		cmocka_unit_test(test_answer_subset_without_master),
		cmocka_unit_test(test_scope),
		cmocka_unit_test(test_resume_test_account),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
