/* Start-up hardening: no core dump, and the password variables leave the
 * environment (a child process, /proc/self/environ) but stay readable
 * through harden_secret_env(). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harden.h"
#include "redact.h"
#include "xalloc.h"

static const char *const secrets[][2] = {
	{ "REPLICA_WIZARD_SSH_PASSWORD", "ssh-Pw-4711" },
	{ "REPLICA_WIZARD_LDAP_PASSWORD", "ldap-Pw-4712" },
	{ "REPLICA_WIZARD_DOVEADM_PASSWORD", "doveadm-Pw-4713" },
	{ "REPLICA_WIZARD_FUTURE_PASSWORD", "future-Pw-4714" },
};
#define N_SECRETS (sizeof secrets / sizeof secrets[0])

static char *read_all(int fd)
{
	size_t len = 0, cap = 4096;
	char *buf = xmalloc(cap);
	ssize_t n;
	while ((n = read(fd, buf + len, cap - len - 1)) > 0) {
		len += (size_t)n;
		if (cap - len < 2)
			buf = xrealloc(buf, cap *= 2);
	}
	for (size_t i = 0; i < len; i++)
		if (buf[i] == '\0')
			buf[i] = '\n'; /* /proc/PID/environ separates with NULs */
	buf[len] = '\0';
	return buf;
}

static void test_names(void **state)
{
	(void)state;
	assert_true(harden_secret_name("REPLICA_WIZARD_SSH_PASSWORD"));
	assert_true(harden_secret_name("REPLICA_WIZARD_X_PASSWORD"));
	assert_false(harden_secret_name("REPLICA_WIZARD_PASSWORD"));
	assert_false(harden_secret_name("REPLICA_WIZARD_SITE"));
	assert_false(harden_secret_name("MY_PASSWORD"));
}

static void test_harden(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_SECRETS; i++)
		setenv(secrets[i][0], secrets[i][1], 1);
	setenv("REPLICA_WIZARD_SITE", "/etc/rw/site.ini", 1);
	char err[256];
	assert_int_equal(harden_process(err, sizeof err), 0);

	/* no core dump */
	assert_int_equal(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 0);
	struct rlimit rl;
	assert_int_equal(getrlimit(RLIMIT_CORE, &rl), 0);
	assert_int_equal(rl.rlim_cur, 0);
	assert_int_equal(rl.rlim_max, 0);

	/* out of the environment, still ours, and masked */
	for (size_t i = 0; i < N_SECRETS; i++) {
		assert_null(getenv(secrets[i][0]));
		assert_string_equal(harden_secret_env(secrets[i][0]), secrets[i][1]);
		char *line = xasprintf("said %s", secrets[i][1]);
		char *safe = redact(line);
		assert_string_equal(safe, "said ****");
		free(safe);
		free(line);
	}
	assert_string_equal(getenv("REPLICA_WIZARD_SITE"), "/etc/rw/site.ini");
	assert_string_equal(harden_secret_env("REPLICA_WIZARD_SITE"), "/etc/rw/site.ini");

	/* a child process sees none of them */
	FILE *p = popen("env", "r");
	assert_non_null(p);
	char *env = read_all(fileno(p));
	assert_int_equal(pclose(p), 0);
	assert_non_null(strstr(env, "REPLICA_WIZARD_SITE=/etc/rw/site.ini"));
	for (size_t i = 0; i < N_SECRETS; i++) {
		assert_null(strstr(env, secrets[i][0]));
		assert_null(strstr(env, secrets[i][1]));
	}
	free(env);

	/* again: harmless, the values stay */
	assert_int_equal(harden_process(err, sizeof err), 0);
	assert_string_equal(harden_secret_env(secrets[0][0]), secrets[0][1]);
	redact_clear();
}

/* The variables given at exec time live in the process's original
 * environment block, which /proc/PID/environ shows: a child started with
 * them checks that harden_process() wiped them there. */
static void test_proc_environ_wiped(void **state)
{
	(void)state;
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		char *argv[] = { (char *)"test_harden", (char *)"--child", NULL };
		char *envp[] = { (char *)"REPLICA_WIZARD_SSH_PASSWORD=exec-Pw-4715", (char *)"PATH=/usr/bin:/bin",
				 NULL };
		execve("/proc/self/exe", argv, envp);
		_exit(127);
	}
	close(fds[1]);
	char *out = read_all(fds[0]);
	close(fds[0]);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_non_null(strstr(out, "value=exec-Pw-4715\n"));
	assert_non_null(strstr(out, "PATH=/usr/bin:/bin"));
	assert_null(strstr(out, "REPLICA_WIZARD_SSH_PASSWORD=exec"));
	free(out);
}

/* --child: harden, then print what we kept and /proc/self/environ. */
static int child(void)
{
	char err[256];
	if (harden_process(err, sizeof err) != 0)
		return 1;
	const char *v = harden_secret_env("REPLICA_WIZARD_SSH_PASSWORD");
	printf("value=%s\n", v ? v : "(none)");
	fflush(stdout);
	int fd = open("/proc/self/environ", O_RDONLY);
	if (fd < 0)
		return 2;
	char *env = read_all(fd);
	close(fd);
	int rc = strstr(env, "exec-Pw-4715") ? 3 : 0;
	printf("%s\n", env);
	free(env);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--child") == 0)
		return child();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_harden),
		cmocka_unit_test(test_proc_environ_wiped),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
