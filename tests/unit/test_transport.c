/* The SSH transport against a real private sshd (sshd_fixture), driven only
 * through loop_poll() as the program does. Time bounds are generous: they
 * only catch hangs. */
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
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "loop.h"
#include "support/sshd_fixture.h"
#include "transport.h"
#include "xalloc.h"

#define HANG_S 20.0

/* ---------------- recorders ---------------- */

struct connrec {
	struct conn *c;
	int nstates;
	enum conn_state states[64];
	int hostkey_calls;
	struct hostkey_info hk;
	bool accept_hostkey;       /* answer on_hostkey synchronously */
	int secret_calls;
	enum conn_secret_kind secret_kind;
	char prompt[256];
	const char *sync_secret;   /* answer on_secret synchronously */
};

static void rec_state(void *ud, struct conn *c, enum conn_state st)
{
	struct connrec *r = ud;

	(void)c;
	if (r->nstates < 64)
		r->states[r->nstates++] = st;
}

static void rec_hostkey(void *ud, struct conn *c, const struct hostkey_info *hk)
{
	struct connrec *r = ud;

	r->hostkey_calls++;
	r->hk = *hk;
	if (r->accept_hostkey)
		conn_hostkey_decide(c, true);
}

static void rec_secret(void *ud, struct conn *c, enum conn_secret_kind kind, const char *prompt)
{
	struct connrec *r = ud;

	r->secret_calls++;
	r->secret_kind = kind;
	snprintf(r->prompt, sizeof(r->prompt), "%s", prompt);
	if (r->sync_secret != NULL)
		conn_answer_secret(c, r->sync_secret);
}

struct jobrec {
	char *out, *err;           /* lines joined with '\n' */
	size_t outlen, errlen;
	int nout, nerr;
	long seq_next;             /* for the seq test: next expected number */
	bool seq_ok;
	bool check_seq;
	bool done;
	double done_at;
	struct job_result r;
	char error[512];
	char signal[32];
	int *order;                /* shared event log for the parallel test */
	int *norder;
	int tag;
};

static void append(char **buf, size_t *len, const char *line, size_t n)
{
	*buf = xrealloc(*buf, *len + n + 2);
	memcpy(*buf + *len, line, n);
	*len += n;
	(*buf)[(*len)++] = '\n';
	(*buf)[*len] = '\0';
}

static void rec_line(void *ud, enum job_stream s, const char *line, size_t len)
{
	struct jobrec *j = ud;

	assert_int_equal(strlen(line), len);
	if (s == JOB_STDOUT) {
		j->nout++;
		if (j->check_seq) {
			if (atol(line) != j->seq_next)
				j->seq_ok = false;
			j->seq_next++;
			return;
		}
		append(&j->out, &j->outlen, line, len);
		if (j->order != NULL && strcmp(line, "start") == 0)
			j->order[(*j->norder)++] = j->tag;
	} else {
		assert_int_equal(s, JOB_STDERR);
		j->nerr++;
		append(&j->err, &j->errlen, line, len);
	}
}

static void rec_done(void *ud, const struct job_result *r)
{
	struct jobrec *j = ud;

	assert_false(j->done); /* once */
	j->done = true;
	j->done_at = loop_now();
	j->r = *r;
	snprintf(j->error, sizeof(j->error), "%s", r->error ? r->error : "");
	snprintf(j->signal, sizeof(j->signal), "%s", r->signal ? r->signal : "");
	j->r.error = NULL;
	j->r.signal = NULL;
	if (j->order != NULL)
		j->order[(*j->norder)++] = 100 + j->tag;
}

static void jobrec_clear(struct jobrec *j)
{
	free(j->out);
	free(j->err);
	memset(j, 0, sizeof(*j));
}

/* ---------------- helpers ---------------- */

struct env {
	struct sshd_fixture f;
	struct loop *loop;
};

static int setup(void **state)
{
	struct env *e = xcalloc(1, sizeof(*e));

	if (sshd_fixture_start(&e->f) != 0) {
		free(e);
		return -1;
	}
	e->loop = loop_new();
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;

	loop_free(e->loop);
	sshd_fixture_stop(&e->f);
	free(e);
	return 0;
}

static struct conn_config env_config(const struct env *e, const char *identity)
{
	struct conn_config cfg = {
		.name = "node1",
		.address = e->f.addr,
		.port = e->f.port,
		.user = "root",
		.identity = identity,
		.known_hosts = e->f.known_hosts,
		.process_ssh_config = false,
		.connect_timeout_s = 10,
		.keepalive_s = 1,
	};
	return cfg;
}

static struct conn *env_conn(struct env *e, struct connrec *r, const char *identity)
{
	struct conn_config cfg = env_config(e, identity);
	struct conn_callbacks cb = { rec_state, rec_hostkey, rec_secret, r };

	r->c = conn_new(e->loop, &cfg, &cb);
	return r->c;
}

static bool conn_settled(const struct conn *c)
{
	enum conn_state st = conn_state(c);

	return st == CONN_READY || st == CONN_FAILED || st == CONN_HOSTKEY_WAIT ||
	       st == CONN_SECRET_WAIT;
}

/* Run the loop until *flag or the hang bound; returns the flag. */
static bool run_flag(struct loop *loop, const bool *flag)
{
	double end = loop_now() + HANG_S;

	while (!*flag && loop_now() < end)
		assert_int_equal(loop_poll(loop, 200), 0);
	return *flag;
}

static void run_settle(struct loop *loop, struct conn *c)
{
	double end = loop_now() + HANG_S;

	while (!conn_settled(c) && loop_now() < end)
		assert_int_equal(loop_poll(loop, 200), 0);
}

/* A connection READY with the unencrypted key (host key accepted). */
static struct conn *env_ready(struct env *e, struct connrec *r)
{
	struct conn *c;

	r->accept_hostkey = true;
	c = env_conn(e, r, e->f.client_key);
	conn_start(c);
	run_settle(e->loop, c);
	if (conn_state(c) != CONN_READY)
		fail_msg("not ready: %s", conn_error(c) ? conn_error(c) : "?");
	return c;
}

static struct job *exec(struct conn *c, const char *cmd, const char *in, int timeout,
			struct jobrec *j)
{
	struct job_callbacks cb = { rec_line, rec_done, j };
	struct job *job = conn_exec(c, cmd, in, in ? strlen(in) : 0, timeout, &cb);

	assert_non_null(job);
	return job;
}

static bool file_contains(const char *path, const char *needle)
{
	char line[2048];
	FILE *fp = fopen(path, "r");
	bool found = false;

	if (fp == NULL)
		return false;
	while (!found && fgets(line, sizeof(line), fp) != NULL)
		found = strstr(line, needle) != NULL;
	fclose(fp);
	return found;
}

/* ---------------- host keys ---------------- */

static void test_hostkey_unknown_reject_then_accept(void **state)
{
	struct env *e = *state;
	struct connrec r = { 0 }, r2 = { 0 };
	char fp[128], hostpat[64];
	struct conn *c;

	assert_int_equal(sshd_fixture_fingerprint(&e->f, fp, sizeof(fp)), 0);
	c = env_conn(e, &r, e->f.client_key);
	assert_int_equal(conn_state(c), CONN_NEW);
	conn_start(c);
	run_settle(e->loop, c);
	assert_int_equal(conn_state(c), CONN_HOSTKEY_WAIT);
	assert_int_equal(r.hostkey_calls, 1);
	assert_int_equal(r.hk.verdict, HOSTKEY_UNKNOWN);
	assert_string_equal(r.hk.fingerprint, fp);
	assert_string_equal(r.hk.type, "ssh-ed25519");
	assert_string_equal(conn_hostkey(c)->fingerprint, fp);

	/* The UI takes its time: the loop keeps running meanwhile. */
	for (int i = 0; i < 5; i++)
		loop_poll(e->loop, 20);
	assert_int_equal(conn_state(c), CONN_HOSTKEY_WAIT);

	conn_hostkey_decide(c, false);
	assert_int_equal(conn_state(c), CONN_FAILED);
	assert_non_null(strstr(conn_error(c), "of node1 not accepted"));
	assert_non_null(strstr(conn_error(c), fp));
	assert_true(conn_hostkey_refused(c));
	assert_false(file_contains(e->f.known_hosts, "ssh-ed25519"));

	/* Retry and accept. */
	conn_start(c);
	run_settle(e->loop, c);
	assert_int_equal(conn_state(c), CONN_HOSTKEY_WAIT);
	assert_int_equal(r.hostkey_calls, 2);
	conn_hostkey_decide(c, true);
	run_settle(e->loop, c);
	assert_int_equal(conn_state(c), CONN_READY);
	assert_string_equal(conn_login_user(c), "root");
	snprintf(hostpat, sizeof(hostpat), "[%s]:%d ssh-ed25519 ", e->f.addr, e->f.port);
	assert_true(file_contains(e->f.known_hosts, hostpat));
	conn_free(c);

	/* A second connection knows the key: no question asked. */
	c = env_conn(e, &r2, e->f.client_key);
	conn_start(c);
	run_settle(e->loop, c);
	assert_int_equal(conn_state(c), CONN_READY);
	assert_int_equal(r2.hostkey_calls, 0);
	assert_int_equal(conn_hostkey(c)->verdict, HOSTKEY_KNOWN);
	assert_string_equal(conn_hostkey(c)->fingerprint, fp);
	/* States went NEW -> CONNECTING -> AUTHENTICATING -> READY. */
	assert_int_equal(r2.nstates, 3);
	assert_int_equal(r2.states[0], CONN_CONNECTING);
	assert_int_equal(r2.states[1], CONN_AUTHENTICATING);
	assert_int_equal(r2.states[2], CONN_READY);
	conn_free(c);
}

static void test_hostkey_changed(void **state)
{
	struct env *e = *state;
	struct connrec r = { 0 }, r2 = { 0 };
	char oldfp[128], newfp[128];
	struct conn *c;
	const char *err;

	assert_int_equal(sshd_fixture_fingerprint(&e->f, oldfp, sizeof(oldfp)), 0);
	c = env_ready(e, &r);
	conn_free(c);

	assert_int_equal(sshd_fixture_restart(&e->f, true), 0);
	assert_int_equal(sshd_fixture_fingerprint(&e->f, newfp, sizeof(newfp)), 0);
	assert_string_not_equal(oldfp, newfp);

	r2.accept_hostkey = true; /* must never be asked */
	c = env_conn(e, &r2, e->f.client_key);
	conn_start(c);
	run_settle(e->loop, c);
	assert_int_equal(conn_state(c), CONN_FAILED);
	assert_int_equal(r2.hostkey_calls, 0);
	assert_int_equal(conn_hostkey(c)->verdict, HOSTKEY_CHANGED);
	assert_string_equal(conn_hostkey(c)->known_fingerprint, oldfp);
	err = conn_error(c);
	if (getenv("RW_TEST_VERBOSE"))
		fprintf(stderr, "changed: %s\n", err);
	assert_non_null(strstr(err, "host key for node1 ("));
	assert_non_null(strstr(err, "has CHANGED"));
	assert_non_null(strstr(err, oldfp));
	assert_non_null(strstr(err, newfp));
	assert_non_null(strstr(err, e->f.known_hosts));
	assert_non_null(strstr(err, " line 1 "));
	assert_true(conn_hostkey_refused(c));
	conn_free(c);
}

/* known_hosts with a marker line before the plain one: @revoked wins over a
 * plain line with the same key; @cert-authority alone is refused as
 * unsupported. Neither is ever offered to the human. */
static void hostkey_marked(struct env *e, const char *marker, enum hostkey_verdict want,
			   const char *says)
{
	struct connrec r = { 0 };
	char line[1024], hostpat[64];
	struct conn *c;
	FILE *in, *kh;

	in = fopen(e->f.hostkey_pub, "r");
	assert_non_null(in);
	assert_non_null(fgets(line, sizeof(line), in));
	fclose(in);
	snprintf(hostpat, sizeof(hostpat), "[%s]:%d", e->f.addr, e->f.port);
	kh = fopen(e->f.known_hosts, "w");
	assert_non_null(kh);
	fprintf(kh, "# a comment\n%s %s %s", marker, hostpat, line);
	if (want == HOSTKEY_REVOKED)
		fprintf(kh, "%s %s", hostpat, line); /* also listed plainly */
	fclose(kh);

	r.accept_hostkey = true; /* must never be asked */
	c = env_conn(e, &r, e->f.client_key);
	conn_start(c);
	run_settle(e->loop, c);
	assert_int_equal(conn_state(c), CONN_FAILED);
	assert_int_equal(r.hostkey_calls, 0);
	assert_int_equal(conn_hostkey(c)->verdict, want);
	assert_true(conn_hostkey_refused(c));
	if (getenv("RW_TEST_VERBOSE"))
		fprintf(stderr, "%s: %s\n", marker, conn_error(c));
	assert_non_null(strstr(conn_error(c), says));
	assert_non_null(strstr(conn_error(c), " line 2"));
	conn_free(c);
}

static void test_hostkey_revoked(void **state)
{
	hostkey_marked(*state, "@revoked", HOSTKEY_REVOKED, "is REVOKED");
}

static void test_hostkey_cert_authority(void **state)
{
	hostkey_marked(*state, "@cert-authority", HOSTKEY_CA_UNSUPPORTED,
		       "CA-signed host keys are not supported");
}

/* ---------------- exec ---------------- */

static void test_exec_streams_and_status(void **state)
{
	struct env *e = *state;
	struct connrec r = { 0 };
	struct jobrec j = { 0 }, k = { 0 };
	struct conn *c = env_ready(e, &r);

	exec(c, "echo out1; echo err1 >&2; echo out2; echo err2 >&2; exit 3", NULL, 0, &j);
	exec(c, "echo fine", NULL, 0, &k);
	assert_true(run_flag(e->loop, &j.done));
	assert_true(run_flag(e->loop, &k.done));
	assert_string_equal(j.out, "out1\nout2\n");
	assert_string_equal(j.err, "err1\nerr2\n");
	assert_int_equal(j.r.exit_status, 3);
	assert_false(j.r.conn_lost || j.r.timed_out || j.r.cancelled);
	assert_string_equal(j.error, ""); /* a plain exit is no error */
	assert_string_equal(k.out, "fine\n");
	assert_null(k.err);
	assert_int_equal(k.r.exit_status, 0);
	jobrec_clear(&j);
	jobrec_clear(&k);

	/* Killed by a signal. */
	exec(c, "kill -KILL $$", NULL, 0, &j);
	assert_true(run_flag(e->loop, &j.done));
	assert_string_equal(j.signal, "KILL");
	assert_non_null(strstr(j.error, "signal KILL"));
	jobrec_clear(&j);
	conn_free(c);
}

static void test_exec_many_packets(void **state)
{
	struct env *e = *state;
	struct connrec r = { 0 };
	struct jobrec j = { 0 };
	struct conn *c = env_ready(e, &r);

	j.check_seq = true;
	j.seq_ok = true;
	j.seq_next = 1;
	exec(c, "seq 1 100000", NULL, 0, &j);
	assert_true(run_flag(e->loop, &j.done));
	assert_true(j.seq_ok);
	assert_int_equal(j.nout, 100000);
	assert_int_equal(j.r.exit_status, 0);
	jobrec_clear(&j);
	conn_free(c);
}

static void test_exec_progress_and_sanitised(void **state)
{
	struct env *e = *state;
	struct connrec r = { 0 };
	struct jobrec j = { 0 };
	struct conn *c = env_ready(e, &r);

	exec(c, "printf '10%%\\r20%%\\r30%%\\n\\033[31mred\\033[0m\\nno newline'", NULL, 0, &j);
	assert_true(run_flag(e->loop, &j.done));
	assert_string_equal(j.out, "30%\nred\nno newline\n");
	jobrec_clear(&j);
	conn_free(c);
}

static void test_exec_stdin(void **state)
{
	struct env *e = *state;
	struct connrec r = { 0 };
	struct jobrec j = { 0 }, k = { 0 };
	struct conn *c = env_ready(e, &r);
	size_t big = 3 * 1024 * 1024 + 7;
	char *data = xmalloc(big + 1);
	struct job_callbacks cb = { rec_line, rec_done, &k };

	exec(c, "cat", "hello\nworld\n", 0, &j);
	assert_true(run_flag(e->loop, &j.done));
	assert_string_equal(j.out, "hello\nworld\n");
	assert_int_equal(j.r.exit_status, 0);

	/* More than the channel window: written as the server opens it. */
	memset(data, 'x', big);
	assert_non_null(conn_exec(c, "wc -c", data, big, 0, &cb));
	free(data);
	assert_true(run_flag(e->loop, &k.done));
	assert_string_equal(k.out, "3145735\n");
	jobrec_clear(&j);
	jobrec_clear(&k);
	conn_free(c);
}

static bool ps_shows(const char *needle)
{
	char line[4096];
	FILE *p = popen("ps -eo args", "r");
	bool found = false;

	assert_non_null(p);
	while (fgets(line, sizeof(line), p) != NULL)
		if (strstr(line, needle) != NULL)
			found = true;
	pclose(p);
	return found;
}

static void test_secret_stays_off_command_lines(void **state)
{
	struct env *e = *state;
	struct connrec r = { 0 };
	struct jobrec j = { 0 };
	struct conn *c = env_ready(e, &r);
	char secret[64], marker[64];
	bool saw_marker = false;
	double end;

	snprintf(secret, sizeof(secret), "s3cr3t-%d-%ld", (int)getpid(), (long)loop_now());
	snprintf(marker, sizeof(marker), "sleep 1.%d", (int)getpid() % 1000 + 1000);
	{
		char cmd[128];

		/* The marker shows the check runs while the command is alive. */
		snprintf(cmd, sizeof(cmd), "sh -c '%s; cat'", marker);
		exec(c, cmd, secret, 0, &j);
	}
	end = loop_now() + HANG_S;
	while (!j.done && loop_now() < end) {
		loop_poll(e->loop, 100);
		if (ps_shows(marker))
			saw_marker = true;
		assert_false(ps_shows(secret));
	}
	assert_true(j.done);
	assert_true(saw_marker);
	/* The secret (no newline) came back as the final partial line. */
	assert_non_null(j.out);
	assert_int_equal(strncmp(j.out, secret, strlen(secret)), 0);
	jobrec_clear(&j);
	/* With a newline it comes back as a line. */
	{
		char in[80];

		snprintf(in, sizeof(in), "%s\n", secret);
		exec(c, "cat", in, 0, &j);
		assert_true(run_flag(e->loop, &j.done));
		assert_string_equal(j.out, in);
	}
	jobrec_clear(&j);
	conn_free(c);
}

static void test_parallel_jobs_one_conn(void **state)
{
	struct env *e = *state;
	struct connrec r = { 0 };
	struct jobrec j[5];
	int order[20], norder = 0;
	struct conn *c = env_ready(e, &r);

	memset(j, 0, sizeof(j));
	for (int i = 0; i < 5; i++) {
		j[i].order = order;
		j[i].norder = &norder;
		j[i].tag = i;
		exec(c, "echo start; sleep 1; echo end", NULL, 0, &j[i]);
	}
	for (int i = 0; i < 5; i++)
		assert_true(run_flag(e->loop, &j[i].done));
	assert_int_equal(norder, 10);
	/* All five started before any finished: they ran at once. */
	for (int i = 0; i < 5; i++)
		assert_true(order[i] < 100);
	for (int i = 0; i < 5; i++) {
		assert_string_equal(j[i].out, "start\nend\n");
		assert_int_equal(j[i].r.exit_status, 0);
		jobrec_clear(&j[i]);
	}
	assert_int_equal(sshd_fixture_connections(&e->f), 1);
	conn_free(c);
}

static void test_sequential_jobs_reuse_session(void **state)
{
	struct env *e = *state;
	struct connrec r = { 0 };
	struct conn *c = env_ready(e, &r);

	for (int i = 0; i < 50; i++) {
		struct jobrec j = { 0 };
		char cmd[32], want[32];

		snprintf(cmd, sizeof(cmd), "echo %d", i);
		snprintf(want, sizeof(want), "%d\n", i);
		exec(c, cmd, NULL, 0, &j);
		assert_true(run_flag(e->loop, &j.done));
		assert_string_equal(j.out, want);
		jobrec_clear(&j);
	}
	/* One TCP connection, one login. */
	assert_int_equal(sshd_fixture_connections(&e->f), 1);
	assert_int_equal(sshd_fixture_log_count(&e->f, "Accepted publickey"), 1);
	conn_free(c);
}

static double cpu_seconds(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static void test_silent_command_does_not_spin(void **state)
{
	struct env *e = *state;
	struct connrec r = { 0 };
	struct jobrec j = { 0 };
	struct conn *c = env_ready(e, &r);
	double cpu0, wall0;

	cpu0 = cpu_seconds();
	wall0 = loop_now();
	exec(c, "sleep 3", NULL, 0, &j);
	assert_true(run_flag(e->loop, &j.done));
	assert_int_equal(j.r.exit_status, 0);
	/* Waiting on a silent node must sleep in poll, not spin. */
	if (getenv("RW_TEST_VERBOSE"))
		fprintf(stderr, "cpu %.3f s over %.3f s\n", cpu_seconds() - cpu0,
			loop_now() - wall0);
	assert_true(cpu_seconds() - cpu0 < 0.5 * (loop_now() - wall0));
	jobrec_clear(&j);
	conn_free(c);
}

static void test_exec_needs_ready(void **state)
{
	struct env *e = *state;
	struct connrec r = { 0 };
	struct jobrec j = { 0 };
	struct job_callbacks cb = { rec_line, rec_done, &j };
	struct conn *c = env_conn(e, &r, e->f.client_key);

	assert_null(conn_exec(c, "true", NULL, 0, 0, &cb));
	assert_non_null(conn_error(c));
	assert_false(j.done);
	conn_free(c);
}

/* ---------------- passphrase ---------------- */

static void test_passphrase_right_async(void **state)
{
	struct env *e = *state;
	struct connrec r = { 0 };
	struct conn *c;

	r.accept_hostkey = true;
	c = env_conn(e, &r, e->f.client_key_enc);
	conn_start(c);
	run_settle(e->loop, c);
	assert_int_equal(conn_state(c), CONN_SECRET_WAIT);
	assert_int_equal(r.secret_calls, 1);
	assert_int_equal(r.secret_kind, SECRET_KEY_PASSPHRASE);
	assert_non_null(strstr(r.prompt, e->f.client_key_enc));
	for (int i = 0; i < 3; i++)
		loop_poll(e->loop, 20);
	conn_answer_secret(c, SSHD_FIXTURE_PASSPHRASE);
	run_settle(e->loop, c);
	assert_int_equal(conn_state(c), CONN_READY);
	assert_int_equal(r.secret_calls, 1);
	conn_free(c);
}

static void test_passphrase_wrong_sync(void **state)
{
	struct env *e = *state;
	struct connrec r = { 0 };
	struct conn *c;

	r.accept_hostkey = true;
	r.sync_secret = "not the passphrase";
	c = env_conn(e, &r, e->f.client_key_enc);
	conn_start(c);
	run_settle(e->loop, c);
	assert_int_equal(conn_state(c), CONN_FAILED);
	assert_int_equal(r.secret_calls, 1);
	assert_int_equal(r.secret_kind, SECRET_KEY_PASSPHRASE);
	assert_non_null(strstr(conn_error(c), "wrong passphrase"));
	assert_null(strstr(conn_error(c), "not the passphrase"));
	conn_free(c);
}

/* ---------------- faults ---------------- */

static void test_sshd_killed_mid_command(void **state)
{
	struct env *e = *state;
	struct connrec r = { 0 };
	struct jobrec j = { 0 };
	struct conn *c = env_ready(e, &r);
	double t0;

	exec(c, "echo started; sleep 60", NULL, 0, &j);
	while (j.nout == 0 && !j.done)
		loop_poll(e->loop, 100);
	t0 = loop_now();
	assert_true(sshd_fixture_signal(&e->f, SIGKILL) >= 2);
	assert_true(run_flag(e->loop, &j.done));
	assert_true(loop_now() - t0 < HANG_S);
	assert_true(j.r.conn_lost);
	if (getenv("RW_TEST_VERBOSE"))
		fprintf(stderr, "killed: %s\n", j.error);
	assert_string_equal(j.out, "started\n");
	assert_int_equal(conn_state(c), CONN_FAILED);
	assert_non_null(strstr(conn_error(c), "node1"));
	jobrec_clear(&j);
	conn_free(c);
}

static void test_sshd_stopped_mid_command(void **state)
{
	struct env *e = *state;
	struct connrec r = { 0 };
	struct jobrec j = { 0 };
	struct conn *c = env_ready(e, &r);

	exec(c, "echo started; sleep 60", NULL, 0, &j);
	while (j.nout == 0 && !j.done)
		loop_poll(e->loop, 100);
	assert_true(sshd_fixture_signal(&e->f, SIGSTOP) >= 2);
	assert_true(run_flag(e->loop, &j.done));
	assert_true(j.r.conn_lost || j.r.timed_out);
	if (getenv("RW_TEST_VERBOSE"))
		fprintf(stderr, "stopped: %s / %s\n", j.error, conn_error(c));
	assert_non_null(strstr(j.error, "node1"));
	assert_int_equal(conn_state(c), CONN_FAILED);
	sshd_fixture_signal(&e->f, SIGCONT);
	jobrec_clear(&j);
	conn_free(c);
}

static void test_closed_port_fails_fast(void **state)
{
	struct env *e = *state;
	struct connrec r = { 0 };
	struct conn_config cfg = env_config(e, e->f.client_key);
	struct conn_callbacks cb = { rec_state, rec_hostkey, rec_secret, &r };
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct conn *c;
	double t0;

	/* A port nobody listens on: bound then closed. */
	inet_pton(AF_INET, e->f.addr, &sin.sin_addr);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	close(fd);
	cfg.port = ntohs(sin.sin_port);
	c = conn_new(e->loop, &cfg, &cb);
	t0 = loop_now();
	conn_start(c);
	run_settle(e->loop, c);
	assert_int_equal(conn_state(c), CONN_FAILED);
	assert_true(loop_now() - t0 < 5.0);
	assert_non_null(strstr(conn_error(c), "cannot connect to node1"));
	if (getenv("RW_TEST_VERBOSE"))
		fprintf(stderr, "closed port: %s\n", conn_error(c));
	assert_non_null(strstr(conn_error(c), "refused"));
	conn_free(c);
}

static void test_silent_server_connect_timeout(void **state)
{
	struct env *e = *state;
	struct connrec r = { 0 };
	struct conn_config cfg = env_config(e, e->f.client_key);
	struct conn_callbacks cb = { rec_state, rec_hostkey, rec_secret, &r };
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct conn *c;
	double t0;
	int keys = 0;

	/* Accepts TCP (the kernel's backlog) but never says a word. */
	inet_pton(AF_INET, e->f.addr, &sin.sin_addr);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(fd, 4), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	cfg.port = ntohs(sin.sin_port);
	cfg.connect_timeout_s = 1;
	c = conn_new(e->loop, &cfg, &cb);
	t0 = loop_now();
	conn_start(c);
	/* The loop stays responsive meanwhile: passes keep returning. */
	while (!conn_settled(c) && loop_now() - t0 < HANG_S) {
		double p0 = loop_now();

		assert_int_equal(loop_poll(e->loop, 100), 0);
		assert_true(loop_now() - p0 < 1.0);
		keys++;
	}
	assert_int_equal(conn_state(c), CONN_FAILED);
	assert_true(keys > 3);
	assert_non_null(strstr(conn_error(c), "timed out"));
	conn_free(c);
	close(fd);
}

static void test_hostkey_other_type(void **state)
{
	struct env *e = *state;
	struct connrec r = { 0 };
	FILE *kh = fopen(e->f.known_hosts, "w");
	char pub[256], line[1024], hostpat[64];
	FILE *in;
	struct conn *c;

	/* known_hosts holds only an ECDSA key for the host (the client key's
	 * type differs from the server's ed25519 key). */
	assert_non_null(kh);
	snprintf(pub, sizeof(pub), "%s.ecdsa.pub", e->f.dir);
	{
		char cmd[512];

		snprintf(cmd, sizeof(cmd),
			 "ssh-keygen -q -t ecdsa -N '' -C x -f '%s/%s' >/dev/null 2>&1",
			 e->f.dir, "hk.ecdsa");
		assert_int_equal(system(cmd), 0);
		snprintf(pub, sizeof(pub), "%s/hk.ecdsa.pub", e->f.dir);
	}
	in = fopen(pub, "r");
	assert_non_null(in);
	assert_non_null(fgets(line, sizeof(line), in));
	fclose(in);
	snprintf(hostpat, sizeof(hostpat), "[%s]:%d", e->f.addr, e->f.port);
	fprintf(kh, "%s %s", hostpat, line);
	fclose(kh);

	c = env_conn(e, &r, e->f.client_key);
	conn_start(c);
	run_settle(e->loop, c);
	assert_int_equal(conn_state(c), CONN_FAILED);
	assert_int_equal(r.hostkey_calls, 0);
	assert_int_equal(conn_hostkey(c)->verdict, HOSTKEY_OTHER_TYPE);
	assert_non_null(strstr(conn_error(c), "has CHANGED"));
	assert_non_null(strstr(conn_error(c), conn_hostkey(c)->fingerprint));
	assert_true(conn_hostkey(c)->known_fingerprint[0] != '\0');
	assert_non_null(strstr(conn_error(c), conn_hostkey(c)->known_fingerprint));
	conn_free(c);
	snprintf(line, sizeof(line), "%s/hk.ecdsa", e->f.dir);
	unlink(line);
	unlink(pub);
}

static void test_command_timeout(void **state)
{
	struct env *e = *state;
	struct connrec r = { 0 };
	struct jobrec j = { 0 }, k = { 0 };
	struct conn *c = env_ready(e, &r);
	char cmd[64], marker[32];
	double end;

	/* Not exec'd: the shell and its child are one process group. */
	snprintf(marker, sizeof(marker), "sleep 30.%d", (int)getpid() % 1000 + 2000);
	snprintf(cmd, sizeof(cmd), "echo err >&2; %s; echo never", marker);
	exec(c, cmd, NULL, 1, &j);
	assert_true(run_flag(e->loop, &j.done));
	assert_true(j.r.timed_out);
	assert_false(j.r.conn_lost);
	assert_non_null(strstr(j.error, "timed out"));
	assert_string_equal(j.err, "err\n"); /* the PID marker is not shown */
	assert_null(j.out);
	/* The remote command does not outlive its timeout. */
	end = loop_now() + HANG_S;
	while (ps_shows(marker) && loop_now() < end)
		loop_poll(e->loop, 100);
	assert_false(ps_shows(marker));
	/* The session survives a timed-out command. */
	exec(c, "echo still here", NULL, 0, &k);
	assert_true(run_flag(e->loop, &k.done));
	assert_string_equal(k.out, "still here\n");
	jobrec_clear(&j);
	jobrec_clear(&k);
	conn_free(c);
}

static void test_cancel(void **state)
{
	struct env *e = *state;
	struct connrec r = { 0 };
	struct jobrec j = { 0 }, k = { 0 };
	struct conn *c = env_ready(e, &r);
	struct job *job;
	char cmd[64], marker[32];
	double end;

	/* exec makes the sleep the channel's own process: TERM reaches it. */
	snprintf(marker, sizeof(marker), "sleep 30.%d", (int)getpid() % 1000 + 1000);
	snprintf(cmd, sizeof(cmd), "echo go; exec %s", marker);
	job = exec(c, cmd, NULL, 0, &j);
	while (j.nout == 0 && !j.done)
		loop_poll(e->loop, 100);
	assert_true(ps_shows(marker));
	job_cancel(job);
	assert_false(j.done); /* on_done follows from the loop */
	assert_true(run_flag(e->loop, &j.done));
	assert_true(j.r.cancelled);
	assert_non_null(strstr(j.error, "cancelled"));
	/* The remote command is gone. */
	end = loop_now() + HANG_S;
	while (ps_shows(marker) && loop_now() < end)
		loop_poll(e->loop, 100);
	assert_false(ps_shows(marker));

	/* conn_close ends the jobs left, as cancelled, and can reconnect. */
	exec(c, "sleep 30", NULL, 0, &k);
	loop_poll(e->loop, 50);
	conn_close(c);
	assert_true(k.done);
	assert_true(k.r.cancelled);
	assert_int_equal(conn_state(c), CONN_NEW);
	conn_start(c);
	run_settle(e->loop, c);
	assert_int_equal(conn_state(c), CONN_READY);
	jobrec_clear(&j);
	jobrec_clear(&k);
	conn_free(c);
}

static void test_agent_and_ssh_config(void **state)
{
	struct env *e = *state;
	struct connrec r = { 0 };
	struct conn_config cfg = env_config(e, NULL);
	struct conn_callbacks cb = { rec_state, rec_hostkey, rec_secret, &r };
	char sock[256], *old = getenv("SSH_AUTH_SOCK");
	char *saved = old ? xstrdup(old) : NULL;
	pid_t agent;
	struct conn *c;
	struct jobrec j = { 0 };

	/* A private agent holding the client key; no identity configured. */
	snprintf(sock, sizeof(sock), "%s/agent.sock", e->f.dir);
	agent = fork();
	assert_true(agent >= 0);
	if (agent == 0) {
		if (!freopen("/dev/null", "w", stdout))
			_exit(127);
		execl("/usr/bin/ssh-agent", "ssh-agent", "-D", "-a", sock, (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 100 && access(sock, F_OK) != 0; i++)
		usleep(20000);
	setenv("SSH_AUTH_SOCK", sock, 1);
	{
		char cmd[512];

		snprintf(cmd, sizeof(cmd), "ssh-add -q '%s' 2>/dev/null", e->f.client_key);
		assert_int_equal(system(cmd), 0);
	}
	r.accept_hostkey = true;
	cfg.process_ssh_config = true; /* parsed, then our overrides re-applied */
	c = conn_new(e->loop, &cfg, &cb);
	conn_start(c);
	run_settle(e->loop, c);
	kill(agent, SIGTERM);
	waitpid(agent, NULL, 0);
	unlink(sock);
	if (saved != NULL)
		setenv("SSH_AUTH_SOCK", saved, 1);
	else
		unsetenv("SSH_AUTH_SOCK");
	free(saved);
	assert_int_equal(conn_state(c), CONN_READY);
	assert_int_equal(r.secret_calls, 0);
	assert_string_equal(conn_login_user(c), "root");
	exec(c, "echo via agent", NULL, 0, &j);
	assert_true(run_flag(e->loop, &j.done));
	assert_string_equal(j.out, "via agent\n");
	jobrec_clear(&j);
	conn_free(c);
}

static struct conn *conn_to_free;

static void close_from_done(void *ud, const struct job_result *r)
{
	rec_done(ud, r);
	/* Freeing the conn from its own job callback must be safe. */
	conn_free(conn_to_free);
	conn_to_free = NULL;
}

static void test_free_from_callback(void **state)
{
	struct env *e = *state;
	struct connrec r = { 0 };
	struct jobrec j = { 0 };
	struct conn *c = env_ready(e, &r);
	struct job_callbacks cb = { rec_line, close_from_done, &j };

	conn_to_free = c;
	assert_non_null(conn_exec(c, "echo bye", NULL, 0, 0, &cb));
	assert_true(run_flag(e->loop, &j.done));
	assert_null(conn_to_free);
	for (int i = 0; i < 3; i++)
		loop_poll(e->loop, 10);
	assert_string_equal(j.out, "bye\n");
	jobrec_clear(&j);
}

static int log_lines;

static void count_log(void *ud, const char *line)
{
	(void)ud;
	assert_non_null(line);
	log_lines++;
}

static void test_log_hook(void **state)
{
	struct env *e = *state;
	struct connrec r = { 0 };
	struct conn *c;

	log_lines = 0;
	transport_set_log(count_log, NULL);
	c = env_ready(e, &r);
	conn_free(c);
	transport_set_log(NULL, NULL);
	assert_true(log_lines > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_hostkey_unknown_reject_then_accept, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostkey_changed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostkey_revoked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostkey_cert_authority, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exec_streams_and_status, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exec_many_packets, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exec_progress_and_sanitised, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exec_stdin, setup, teardown),
		cmocka_unit_test_setup_teardown(test_secret_stays_off_command_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_parallel_jobs_one_conn, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sequential_jobs_reuse_session, setup, teardown),
		cmocka_unit_test_setup_teardown(test_silent_command_does_not_spin, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exec_needs_ready, setup, teardown),
		cmocka_unit_test_setup_teardown(test_passphrase_right_async, setup, teardown),
		cmocka_unit_test_setup_teardown(test_passphrase_wrong_sync, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sshd_killed_mid_command, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sshd_stopped_mid_command, setup, teardown),
		cmocka_unit_test_setup_teardown(test_closed_port_fails_fast, setup, teardown),
		cmocka_unit_test_setup_teardown(test_silent_server_connect_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostkey_other_type, setup, teardown),
		cmocka_unit_test_setup_teardown(test_command_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cancel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_agent_and_ssh_config, setup, teardown),
		cmocka_unit_test_setup_teardown(test_free_from_callback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_log_hook, setup, teardown),
	};

	/* A dead server must not kill the test with SIGPIPE. */
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
