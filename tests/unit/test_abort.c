/* Aborting a run and freeing it mid-step, against a real private sshd
 * (sshd_fixture) and a silent LDAP server, driven by loop_poll() as the
 * program does; run under ASan by `make asan-check`. Whatever a step has in
 * flight - a remote command, a builtin's own job, an LDAP probe - is stopped
 * by runner_abort (journaled "failed: aborted" before the run's "aborted"),
 * and freeing the runner before the connections (operation_free's order)
 * leaves no callback that reaches freed memory. Also: the site lock and the
 * stop signals. Time bounds only catch hangs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "journal.h"
#include "ldapprobe.h"
#include "loop.h"
#include "procedure.h"
#include "test_vocabulary.h"
#include "runner.h"
#include "sitelock.h"
#include "stopsig.h"
#include "support/ssh_session.h"
#include "support/sshd_fixture.h"
#include "transport.h"
#include "vars.h"
#include "xalloc.h"

#define HANG_S 20.0

/* %s: the remote command (twice) */
static const char proc_text[] =
	"[procedure]\nname = t\ntitle = T\n"
	"[step remote]\ntitle = Remote\nnode = master\nuser = root\nrun = %s\n"
	"[step own-job]\ntitle = Builtin with its own job\nnode = master\nbuiltin = own-job\n"
	"[step probe]\ntitle = Builtin with an LDAP probe\nnode = master\nbuiltin = probe\n"
	"[step shared-a]\ntitle = Check A\nphase = preflight\nnode = master\nuser = root\nrun = echo a\n"
	"[step shared-b]\ntitle = Check B\nphase = preflight\nnode = master\nuser = root\nrun = %s\n";

struct env {
	struct ssh_session ss;
	char dir[64];
	struct procedure *proc;
	struct vars *vars;
	struct journal *journal;
	char *journal_path;
	char marker[48];        /* the remote command's args, unique to this test */
	char cmd[96];
	int listen_fd;          /* the silent LDAP server */
	int ldap_fd;            /* its session with the probe */
	int ldap_port;
	/* the builtins' state, as a kind keeps it */
	struct runner *runner;
	struct plan_item *builtin_item;
	struct job *own_job;
	struct ldapprobe *probe;
	int cancel_calls;
	int late_results;       /* a builtin's job or probe reported after cancel */
};

/* ---- hooks ---- */

static struct conn *h_conn_for(void *ud, const char *node)
{
	(void)node;
	return ((struct env *)ud)->ss.c;
}

static void own_job_done(void *ud, const struct job_result *res)
{
	struct env *e = ud;
	e->own_job = NULL;
	if (!e->builtin_item) {
		e->late_results++;
		return;
	}
	struct plan_item *it = e->builtin_item;
	e->builtin_item = NULL;
	runner_builtin_done(e->runner, it, res->exit_status == 0, "own job ended");
}

static void probe_done(void *ud, const struct ldapprobe_result *res)
{
	struct env *e = ud;
	(void)res;
	e->probe = NULL;
	e->late_results++; /* the silent server never answers: only a bug gets here */
}

static void h_builtin(void *ud, struct runner *r, struct plan_item *it)
{
	struct env *e = ud;
	e->runner = r;
	e->builtin_item = it;
	if (strcmp(it->step->builtin, "own-job") == 0) {
		struct job_callbacks cb = { .on_done = own_job_done, .ud = e };
		e->own_job = conn_exec(e->ss.c, e->cmd, NULL, 0, 0, &cb);
		assert_non_null(e->own_job);
		return;
	}
	char url[64];
	snprintf(url, sizeof url, "ldap://127.0.0.1:%d", e->ldap_port);
	struct ldapprobe_request req = {
		.kind = LDAPPROBE_BIND, .url = url, .bind_dn = "cn=config", .password = "x",
		.timeout_s = 60,
	};
	e->probe = ldapprobe_start(e->ss.loop, &req, probe_done, e);
	assert_non_null(e->probe);
}

static void h_builtin_cancel(void *ud, struct plan_item *it)
{
	struct env *e = ud;
	if (e->builtin_item != it)
		return;
	e->cancel_calls++;
	e->builtin_item = NULL;
	if (e->own_job)
		job_cancel(e->own_job); /* its on_done comes later: dropped */
	e->own_job = NULL;
	ldapprobe_cancel(e->probe);
	e->probe = NULL;
}

/* ---- fixture ---- */

static bool ps_shows(const char *needle)
{
	char line[4096];
	FILE *p = popen("ps -eo args", "r");
	bool found = false;
	assert_non_null(p);
	while (fgets(line, sizeof line, p))
		if (strstr(line, needle))
			found = true;
	pclose(p);
	return found;
}

static int setup(void **state)
{
	struct env *e = xcalloc(1, sizeof *e);
	if (ssh_session_open(&e->ss, "master", 2) != 0) {
		free(e);
		return -1;
	}
	snprintf(e->dir, sizeof e->dir, "/tmp/rw-test-abort.XXXXXX");
	assert_non_null(mkdtemp(e->dir));
	char *path = xasprintf("%s/t.ini", e->dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	/* exec: the sleep is the channel's own process, as a step's command is */
	static int n_setup;
	snprintf(e->marker, sizeof e->marker, "sleep 60.%d%d", (int)getpid() % 1000 + 2000, ++n_setup);
	snprintf(e->cmd, sizeof e->cmd, "exec %s", e->marker);
	fprintf(f, proc_text, e->cmd, e->cmd);
	fclose(f);
	char err[512];
	static const char *const builtins[] = { "own-job", "probe", NULL };
	struct proc_vocabulary vocab = test_vocabulary(builtins);
	e->proc = procedure_load(path, &vocab, err, sizeof err);
	if (!e->proc)
		fail_msg("%s", err);
	free(path);
	e->vars = vars_new();
	e->journal_path = xasprintf("%s/t.journal", e->dir);
	e->journal = journal_open(e->journal_path, err, sizeof err);
	assert_non_null(e->journal);
	journal_begin(e->journal, NULL, "test", false);

	/* a TCP server that accepts and never answers: a hung slapd */
	e->ldap_fd = -1;
	e->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	assert_int_equal(bind(e->listen_fd, (struct sockaddr *)&sa, sizeof sa), 0);
	assert_int_equal(listen(e->listen_fd, 4), 0);
	socklen_t len = sizeof sa;
	getsockname(e->listen_fd, (struct sockaddr *)&sa, &len);
	e->ldap_port = ntohs(sa.sin_port);
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;
	/* freed without a drain (test_free_*), a remote command outlives us */
	char *kill = xasprintf("pkill -f '^%s$'", e->marker);
	if (system(kill) < 0)
		print_error("cannot run pkill\n");
	free(kill);
	ssh_session_close(&e->ss);
	journal_close(e->journal);
	procedure_free(e->proc);
	vars_free(e->vars);
	close(e->listen_fd);
	if (e->ldap_fd >= 0)
		close(e->ldap_fd);
	char *rm = xasprintf("rm -rf -- '%s'", e->dir);
	if (system(rm) != 0)
		print_error("cannot remove %s\n", e->dir);
	free(rm);
	free(e->journal_path);
	free(e);
	return 0;
}

static struct runner *env_runner(struct env *e, struct plan *plan, const char *step)
{
	plan_add(plan, procedure_step(e->proc, step), "master");
	struct runner_config rc = {
		.loop = e->ss.loop, .vars = e->vars, .journal = e->journal,
		.hooks = {
			.conn_for = h_conn_for, .lookup = test_no_value, .condition = test_always,
			.builtin = h_builtin, .builtin_cancel = h_builtin_cancel, .ud = e,
		},
	};
	struct runner *r = runner_new(&rc, plan);
	runner_start(r);
	return r;
}

/* Run the loop until the step has started (remote process or LDAP connection). */
static void run_until_started(struct env *e, bool ldap)
{
	double end = loop_now() + HANG_S;
	if (ldap) {
		int fd = -1;
		while (loop_now() < end && fd < 0) {
			loop_poll(e->ss.loop, 50);
			struct timeval tv = { 0, 0 };
			fd_set set;
			FD_ZERO(&set);
			FD_SET(e->listen_fd, &set);
			if (select(e->listen_fd + 1, &set, NULL, NULL, &tv) == 1)
				fd = accept(e->listen_fd, NULL, NULL);
		}
		assert_true(fd >= 0);
		e->ldap_fd = fd;
		return;
	}
	while (loop_now() < end && !ps_shows(e->marker))
		loop_poll(e->ss.loop, 100);
	assert_true(ps_shows(e->marker));
}

/* The journal's last two lines: the step failed (aborted), then the end. */
static void assert_journal_aborted(struct env *e, const char *step)
{
	char line[1024], prev[1024] = "", last[1024] = "";
	FILE *f = fopen(e->journal_path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof line, f)) {
		strcpy(prev, last);
		strcpy(last, line);
	}
	fclose(f);
	char *want = xasprintf("step=%s\t", step);
	if (!strstr(prev, want) || !strstr(prev, "state=failed") || !strstr(prev, "aborted"))
		fail_msg("the line before the end is not the aborted step: %s", prev);
	free(want);
	assert_non_null(strstr(last, "event=end\tstate=aborted"));
}

/* The remote command is gone without the loop running any more: the drain
 * waited for the transport's kill. */
static void assert_remote_gone(struct env *e)
{
	for (int i = 0; i < 100 && ps_shows(e->marker); i++)
		usleep(100 * 1000);
	assert_false(ps_shows(e->marker));
}

static void drain(struct env *e)
{
	double end = loop_now() + HANG_S;
	while (conn_busy(e->ss.c) && loop_now() < end)
		loop_poll(e->ss.loop, 100);
	assert_false(conn_busy(e->ss.c));
}

/* ---- tests ---- */

static void test_abort_remote_step(void **state)
{
	struct env *e = *state;
	struct plan plan = { 0 };
	struct runner *r = env_runner(e, &plan, "remote");
	run_until_started(e, false);
	runner_abort(r);
	/* at once: the item is finished and journaled before the run's end */
	assert_int_equal(runner_state(r), RUNNER_ABORTED);
	assert_int_equal(plan.items[0].state, ITEM_FAILED);
	assert_string_equal(plan.items[0].message, "aborted");
	assert_journal_aborted(e, "remote");
	drain(e); /* the cancelled job's late on_done is dropped */
	assert_int_equal(plan.items[0].state, ITEM_FAILED);
	assert_remote_gone(e);
	runner_free(r);
	plan_free(&plan);
}

/* Two checks sharing one remote shell: the first is decided while the
 * second runs; the abort stops the shell and fails the second alone. */
static void test_abort_shared_shell(void **state)
{
	struct env *e = *state;
	struct plan plan = { 0 };
	plan_add(&plan, procedure_step(e->proc, "shared-a"), "master");
	plan_add(&plan, procedure_step(e->proc, "shared-b"), "master");
	struct runner_config rc = {
		.loop = e->ss.loop, .vars = e->vars, .journal = e->journal, .parallel_preflight = true,
		.hooks = {
			.conn_for = h_conn_for, .lookup = test_no_value, .condition = test_always,
			.builtin = h_builtin, .builtin_cancel = h_builtin_cancel, .ud = e,
		},
	};
	struct runner *r = runner_new(&rc, &plan);
	e->runner = r;
	runner_start(r);
	run_until_started(e, false);
	double end = loop_now() + HANG_S;
	while (plan.items[0].state == ITEM_RUNNING && loop_now() < end)
		loop_poll(e->ss.loop, 50);
	assert_int_equal(plan.items[0].state, ITEM_DONE);
	assert_int_equal(plan.items[1].state, ITEM_RUNNING);
	/* one shell: both started at once (alone, b would start after a ended) */
	assert_true(plan.items[1].started == plan.items[0].started);
	runner_abort(r);
	assert_int_equal(runner_state(r), RUNNER_ABORTED);
	assert_int_equal(plan.items[0].state, ITEM_DONE);
	assert_int_equal(plan.items[1].state, ITEM_FAILED);
	assert_string_equal(plan.items[1].message, "aborted");
	assert_true(plan.items[1].unfinished);
	assert_journal_aborted(e, "shared-b");
	drain(e);
	assert_int_equal(plan.items[1].state, ITEM_FAILED);
	assert_remote_gone(e);
	runner_free(r);
	plan_free(&plan);
}

static void test_abort_builtin_own_job(void **state)
{
	struct env *e = *state;
	struct plan plan = { 0 };
	struct runner *r = env_runner(e, &plan, "own-job");
	run_until_started(e, false);
	runner_abort(r);
	assert_int_equal(e->cancel_calls, 1);
	assert_int_equal(plan.items[0].state, ITEM_FAILED);
	assert_string_equal(plan.items[0].message, "aborted");
	assert_journal_aborted(e, "own-job");
	drain(e);
	assert_int_equal(e->late_results, 1); /* its cancelled job, dropped by the kind */
	assert_remote_gone(e);
	runner_free(r);
	assert_int_equal(e->cancel_calls, 1);
	plan_free(&plan);
}

static void test_abort_builtin_probe(void **state)
{
	struct env *e = *state;
	struct plan plan = { 0 };
	struct runner *r = env_runner(e, &plan, "probe");
	run_until_started(e, true);
	runner_abort(r);
	assert_int_equal(e->cancel_calls, 1);
	assert_null(e->probe);
	assert_int_equal(plan.items[0].state, ITEM_FAILED);
	assert_journal_aborted(e, "probe");
	/* the LDAP connection is closed at once: the server reads EOF */
	char buf[64];
	ssize_t n;
	do
		n = read(e->ldap_fd, buf, sizeof buf);
	while (n > 0);
	assert_int_equal(n, 0);
	loop_poll(e->ss.loop, 100);
	assert_int_equal(e->late_results, 0);
	runner_free(r);
	plan_free(&plan);
}

/* Quitting mid-step frees the runner, then the connections (operation_free):
 * the cancelled jobs' on_done arrive while the connection is torn down and
 * must reach nothing freed (ASan). */
static void test_free_mid_remote_step(void **state)
{
	struct env *e = *state;
	struct plan plan = { 0 };
	struct runner *r = env_runner(e, &plan, "remote");
	run_until_started(e, false);
	runner_free(r);
	conn_free(e->ss.c);
	e->ss.c = NULL;
	assert_int_equal(plan.items[0].state, ITEM_RUNNING); /* not journaled: cut short */
	plan_free(&plan);
}

static void test_free_mid_builtin_job(void **state)
{
	struct env *e = *state;
	struct plan plan = { 0 };
	struct runner *r = env_runner(e, &plan, "own-job");
	run_until_started(e, false);
	runner_free(r);
	assert_int_equal(e->cancel_calls, 1);
	conn_free(e->ss.c); /* own_job_done runs now: the kind dropped its item */
	e->ss.c = NULL;
	assert_int_equal(e->late_results, 1);
	plan_free(&plan);
}

/* ---- the site lock ---- */

static void test_site_lock(void **state)
{
	(void)state;
	char dir[] = "/tmp/rw-test-lock.XXXXXX";
	assert_non_null(mkdtemp(dir));
	char *path = xasprintf("%s/site.lock", dir);
	char err[512];
	bool busy = true;
	struct sitelock *l = sitelock_acquire(path, "install-replica", &busy, err, sizeof err);
	assert_non_null(l);
	assert_false(busy);
	/* flock belongs to the open file: a second open conflicts even here */
	assert_null(sitelock_acquire(path, "dovecot", &busy, err, sizeof err));
	assert_true(busy);
	char *who = xasprintf("process %ld (install-replica) since ", (long)getpid());
	if (!strstr(err, who))
		fail_msg("the message does not name the holder: %s", err);
	free(who);
	sitelock_release(l);
	l = sitelock_acquire(path, "dovecot", &busy, err, sizeof err);
	assert_non_null(l);
	sitelock_release(l);
	/* a directory that is not there: an error, not "busy" */
	assert_null(sitelock_acquire("/nonexistent/dir/x.lock", "t", &busy, err, sizeof err));
	assert_false(busy);
	unlink(path);
	rmdir(dir);
	free(path);
}

static void test_lock_path_beside_journal(void **state)
{
	(void)state;
	char *journal = journal_path_for("/etc/site.ini", "install-replica");
	char *lock = sitelock_path_for("/etc/site.ini");
	size_t dir = (size_t)(strrchr(journal, '/') - journal);
	assert_int_equal(strncmp(journal, lock, dir + 1), 0);
	assert_non_null(strstr(lock, ".lock"));
	assert_string_equal(strrchr(lock, '.'), ".lock");
	free(journal);
	free(lock);
}

/* ---- stop signals ---- */

static void test_stop_signals(void **state)
{
	(void)state;
	stopsig_install();
	assert_int_equal(stopsig_take(), 0);
	raise(SIGTERM); /* handled: the test goes on */
	raise(SIGHUP);
	assert_int_equal(stopsig_take(), SIGTERM);
	assert_int_equal(stopsig_take(), 0);
	assert_int_equal(stopsig_first(), SIGTERM);
	raise(SIGINT);
	assert_true(stopsig_again());
	assert_int_equal(stopsig_exit_status(SIGTERM), 143);
	assert_int_equal(stopsig_exit_status(SIGHUP), 129);
	assert_int_equal(stopsig_exit_status(SIGINT), 130);
	stopsig_restore();
}

/* nohup: a signal ignored at the start stays ignored, and after restore */
static void test_ignored_signal_stays_ignored(void **state)
{
	(void)state;
	signal(SIGHUP, SIG_IGN);
	stopsig_install();
	raise(SIGHUP);
	assert_int_equal(stopsig_take(), 0);
	raise(SIGTERM);
	assert_int_equal(stopsig_take(), SIGTERM);
	stopsig_restore();
	struct sigaction now;
	sigaction(SIGHUP, NULL, &now);
	assert_true(now.sa_handler == SIG_IGN);
	signal(SIGHUP, SIG_DFL);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_abort_remote_step, setup, teardown),
		cmocka_unit_test_setup_teardown(test_abort_shared_shell, setup, teardown),
		cmocka_unit_test_setup_teardown(test_abort_builtin_own_job, setup, teardown),
		cmocka_unit_test_setup_teardown(test_abort_builtin_probe, setup, teardown),
		cmocka_unit_test_setup_teardown(test_free_mid_remote_step, setup, teardown),
		cmocka_unit_test_setup_teardown(test_free_mid_builtin_job, setup, teardown),
		cmocka_unit_test(test_site_lock),
		cmocka_unit_test(test_lock_path_beside_journal),
		cmocka_unit_test(test_stop_signals),
		cmocka_unit_test(test_ignored_signal_stays_ignored),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
