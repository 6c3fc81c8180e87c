/* The journal: what a run finished can be read back to resume it, and no
 * secret ever reaches the file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "journal.h"
#include "redact.h"
#include "xalloc.h"

static char dir[] = "/tmp/rw-test-journal-XXXXXX";

static int setup(void **state)
{
	(void)state;
	assert_non_null(mkdtemp(dir));
	setenv("REPLICA_WIZARD_STATE_DIR", dir, 1);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char *cmd = xasprintf("rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	return 0;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	char *buf = xcalloc(1, 65536);
	size_t n = fread(buf, 1, 65535, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void test_path_is_per_site_and_procedure(void **state)
{
	(void)state;
	char *a = journal_path_for("/etc/rw/site.ini", "install");
	char *b = journal_path_for("/etc/rw/site.ini", "remove");
	char *c = journal_path_for("/srv/other/site.ini", "install");
	assert_non_null(strstr(a, dir));
	assert_non_null(strstr(a, "/site-"));
	assert_non_null(strstr(a, ".install.journal"));
	assert_string_not_equal(a, b);
	assert_string_not_equal(a, c);
	free(a);
	free(b);
	free(c);
}

static void test_resume_reads_the_last_run(void **state)
{
	(void)state;
	char err[256];
	char *path = journal_path_for("/etc/rw/site.ini", "install");
	struct journal *j = journal_open(path, err, sizeof err);
	assert_non_null(j);
	journal_begin(j, NULL, "replicas=a", false);
	journal_step(j, "enable", "m", "done", 0, 0.5, NULL);
	journal_end(j, "complete");
	journal_begin(j, "run-2", "replicas=a b", false);
	journal_var(j, "test_account_local", "rw-check-xyz");
	journal_step(j, "enable", "m", "already", 1, 0.1, "already done");
	journal_step(j, "bootstrap", "a", "failed", 1, 9.0, "exit status 1");
	journal_step(j, "bootstrap", "b", "done", 0, 9.0, NULL);
	journal_close(j); /* cut short: no end line */

	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);

	struct journal_run *r = journal_last_run(path);
	assert_non_null(r);
	assert_string_equal(r->run_id, "run-2");
	assert_string_equal(r->scope, "replicas=a b");
	assert_null(r->end_state);
	assert_true(journal_run_done(r, "enable", "m"));
	assert_false(journal_run_done(r, "bootstrap", "a"));
	assert_true(journal_run_done(r, "bootstrap", "b"));
	assert_false(journal_run_done(r, "verify", "a"));
	assert_string_equal(journal_run_var(r, "test_account_local"), "rw-check-xyz");
	journal_run_free(r);

	/* resuming appends to the same run; a later success wins */
	j = journal_open(path, err, sizeof err);
	journal_begin(j, "run-2", "replicas=a b", true);
	journal_step(j, "bootstrap", "a", "done", 0, 3.0, NULL);
	journal_end(j, "complete");
	journal_close(j);
	r = journal_last_run(path);
	assert_true(journal_run_done(r, "bootstrap", "a"));
	assert_string_equal(r->end_state, "complete");
	journal_run_free(r);
	free(path);
}

static void test_no_secret_in_the_file(void **state)
{
	(void)state;
	char err[256];
	char *path = journal_path_for("/etc/rw/secret.ini", "install");
	redact_add("Hunter2Pass");
	struct journal *j = journal_open(path, err, sizeof err);
	journal_begin(j, NULL, "replicas=a", false);
	journal_step(j, "bootstrap", "a", "failed", 1, 1.0, "bind failed with Hunter2Pass\tand\nmore");
	journal_close(j);
	char *text = slurp(path);
	assert_null(strstr(text, "Hunter2Pass"));
	assert_non_null(strstr(text, "note=bind failed with"));
	/* one line per event: tabs and newlines of a note do not break it */
	int lines = 0;
	for (char *p = text; *p; p++)
		lines += *p == '\n';
	assert_int_equal(lines, 2);
	free(text);
	free(path);
	redact_clear();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path_is_per_site_and_procedure),
		cmocka_unit_test(test_resume_reads_the_last_run),
		cmocka_unit_test(test_no_secret_in_the_file),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
