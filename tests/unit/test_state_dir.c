/* The state directory (journal, log): never a shared path, never through a
 * symbolic link, never one that is not ours or that others can write to. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "journal.h"
#include "state_dir.h"
#include "xalloc.h"

static char base[] = "/tmp/rw-test-statedir-XXXXXX";

static int setup(void **state)
{
	(void)state;
	assert_non_null(mkdtemp(base));
	unsetenv("XDG_STATE_HOME");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char *cmd = xasprintf("rm -rf '%s'", base);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	return 0;
}

/* journal_open() in dir: NULL expected when refused, with "why" in err. */
static void expect_refused(const char *dir, const char *why)
{
	setenv("REPLICA_WIZARD_STATE_DIR", dir, 1);
	char *path = journal_path_for("/etc/rw/site.ini", "install");
	char err[512] = "";
	struct journal *j = journal_open(path, err, sizeof err);
	if (j)
		fail_msg("%s was accepted", dir);
	if (!strstr(err, why))
		fail_msg("%s: \"%s\" does not say \"%s\"", dir, err, why);
	assert_null(journal_last_run(path));
	free(path);
}

static void test_home_unset_is_not_shared(void **state)
{
	(void)state;
	char *saved = getenv("HOME") ? xstrdup(getenv("HOME")) : NULL;
	unsetenv("REPLICA_WIZARD_STATE_DIR");
	unsetenv("HOME");
	struct passwd *pw = getpwuid(geteuid());
	assert_non_null(pw);
	char *expect = xasprintf("%s/.local/state/replica-wizard/", pw->pw_dir);
	char *path = journal_path_for("/etc/rw/site.ini", "install");
	assert_non_null(path);
	assert_int_equal(strncmp(path, expect, strlen(expect)), 0);
	assert_int_not_equal(strncmp(path, "/tmp/", 5), 0);
	free(path);
	setenv("HOME", "", 1);
	char *dir = state_dir_path();
	assert_int_equal(strncmp(dir, expect, strlen(dir)), 0);
	free(dir);
	free(expect);
	if (saved) {
		setenv("HOME", saved, 1);
		free(saved);
	}
	/* no home at all: journal_open() refuses, naming the way out */
	char err[256];
	assert_null(journal_open(NULL, err, sizeof err));
	assert_non_null(strstr(err, "REPLICA_WIZARD_STATE_DIR"));
	assert_null(journal_last_run(NULL));
}

static void test_created_private(void **state)
{
	(void)state;
	char *dir = xasprintf("%s/a/b/state", base);
	setenv("REPLICA_WIZARD_STATE_DIR", dir, 1);
	char *path = journal_path_for("/etc/rw/site.ini", "install");
	char err[512];
	struct journal *j = journal_open(path, err, sizeof err);
	if (!j)
		fail_msg("%s", err);
	journal_close(j);
	struct stat st;
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	FILE *log = state_log_open();
	assert_non_null(log);
	fclose(log);
	free(path);
	free(dir);
}

static void test_symlinks_refused(void **state)
{
	(void)state;
	char *real = xasprintf("%s/real", base), *link = xasprintf("%s/link", base);
	assert_int_equal(mkdir(real, 0700), 0);
	assert_int_equal(symlink(real, link), 0);
	expect_refused(link, "symbolic link");
	setenv("REPLICA_WIZARD_STATE_DIR", link, 1);
	assert_null(state_log_open());

	/* a journal file that is a symbolic link: refused, its target untouched */
	setenv("REPLICA_WIZARD_STATE_DIR", real, 1);
	char *path = journal_path_for("/etc/rw/site.ini", "install");
	char *target = xasprintf("%s/target", base);
	int fd = open(target, O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(symlink(target, path), 0);
	char err[512] = "";
	assert_null(journal_open(path, err, sizeof err));
	assert_non_null(strstr(err, "symbolic link"));
	struct stat st;
	assert_int_equal(stat(target, &st), 0);
	assert_int_equal(st.st_size, 0);
	free(target);
	free(path);
	free(real);
	free(link);
}

static void test_unsafe_directories_refused(void **state)
{
	(void)state;
	char *gw = xasprintf("%s/gw", base), *ww = xasprintf("%s/ww", base);
	char *file = xasprintf("%s/file", base);
	assert_int_equal(mkdir(gw, 0700), 0);
	assert_int_equal(chmod(gw, 0770), 0);
	assert_int_equal(mkdir(ww, 0700), 0);
	assert_int_equal(chmod(ww, 01777), 0);
	int fd = open(file, O_WRONLY | O_CREAT, 0600);
	close(fd);
	expect_refused(gw, "group or others can write");
	expect_refused(ww, "group or others can write");
	expect_refused(file, "not a directory");
	if (geteuid() == 0) {
		char *other = xasprintf("%s/other", base);
		assert_int_equal(mkdir(other, 0700), 0);
		assert_int_equal(chown(other, 65534, 65534), 0);
		expect_refused(other, "owned by another user");
		free(other);
	}
	free(gw);
	free(ww);
	free(file);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_home_unset_is_not_shared),
		cmocka_unit_test(test_created_private),
		cmocka_unit_test(test_symlinks_refused),
		cmocka_unit_test(test_unsafe_directories_refused),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
