/* shared_shell: the script of several commands in one shell, and the
 * markers that end each command's output on stdout and stderr. The script
 * is run by /bin/sh here, its output read back as the runner reads it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared_shell.h"

#define TOK "AbCdEfGhJkLmNpQrStUvWxYz"

static void test_mark_stdout(void **state)
{
	(void)state;
	struct shared_shell_mark m;
	const char *l = TOK " 3 127";
	assert_true(shared_shell_mark(TOK, l, strlen(l), true, &m));
	assert_int_equal(m.before, 0);
	assert_int_equal(m.index, 3);
	assert_int_equal(m.status, 127);
	/* after a last line without a newline */
	l = "c 4242" TOK " 0 1";
	assert_true(shared_shell_mark(TOK, l, strlen(l), true, &m));
	assert_int_equal(m.before, 6);
	assert_int_equal(m.index, 0);
	assert_int_equal(m.status, 1);
}

static void test_mark_stderr(void **state)
{
	(void)state;
	struct shared_shell_mark m;
	const char *l = TOK " 2";
	assert_true(shared_shell_mark(TOK, l, strlen(l), false, &m));
	assert_int_equal(m.index, 2);
	/* stdout's form is not stderr's, nor the other way round */
	assert_false(shared_shell_mark(TOK, l, strlen(l), true, &m));
	l = TOK " 2 0";
	assert_false(shared_shell_mark(TOK, l, strlen(l), false, &m));
}

static void test_not_a_mark(void **state)
{
	(void)state;
	struct shared_shell_mark m;
	const char *bad[] = {
		"plain output", TOK, TOK " ", TOK " x 0", TOK " 1 ", TOK " 1 0 trailing",
		TOK "1 0", TOK " 99 0" /* beyond SHARED_SHELL_MAX */, TOK " -1 0",
		"AbCdEfGhJkLmNpQrStUvWxY 1 0" /* a token cut short */,
		TOK " 1 9999999999" /* not a status */,
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (shared_shell_mark(TOK, bad[i], strlen(bad[i]), true, &m))
			fail_msg("[%s] taken as a marker", bad[i]);
	assert_false(shared_shell_mark("", "x", 1, true, &m));
}

/* The script as a shell runs it: every command's output, then its marker;
 * an exit inside a command ends only its subshell; stdin is closed. */
static void test_script_runs(void **state)
{
	(void)state;
	const char *cmds[] = { "echo one; exit 3", "cat; echo two >&2", "printf three" };
	char *script = shared_shell_script(TOK, cmds, 3);
	char path[] = "/tmp/rw-test-shared.XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	FILE *f = fdopen(fd, "w");
	fputs(script, f);
	fclose(f);
	free(script);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "echo never-read | sh %s 2>&1", path);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	char out[1024] = "";
	size_t n = fread(out, 1, sizeof out - 1, p);
	out[n] = '\0';
	pclose(p);
	remove(path);
	assert_non_null(strstr(out, "one\n" TOK " 0 3\n"));
	assert_non_null(strstr(out, TOK " 1 0\n"));
	assert_non_null(strstr(out, "two\n"));
	assert_non_null(strstr(out, "three" TOK " 2 0\n"));
	assert_null(strstr(out, "never-read"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mark_stdout),
		cmocka_unit_test(test_mark_stderr),
		cmocka_unit_test(test_not_a_mark),
		cmocka_unit_test(test_script_runs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
