/* LDAP through the node's SSH session: conn_forward_open() (a direct-tcpip
 * channel on a REAL private sshd, sshd_fixture) handed to ldapprobe (or to
 * libldap directly) as a pre-connected fd, against a REAL slapd
 * (slapd_fixture). Everything is driven by loop_poll() as in the program. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ldap.h>
#include <openldap.h>

#include "ldapprobe.h"
#include "fd_count.h"
#include "ldapprobe_wait.h"
#include "loop.h"
#include "slapd_fixture.h"
#include "ssh_session.h"
#include "sshd_fixture.h"
#include "transport.h"
#include "xalloc.h"

#define PROVIDER_IP "127.80.14.2"
#define SPARE_IP "127.80.14.4"
#define HANG_S 20.0
#define BIG_ENTRIES 400         /* under slapd's default size limit of 500 */
#define BIG_DESC 8000           /* bytes per entry: ~3.2 MB, > 2 windows */

static struct slapd_fixture *provider;
static char password[64];
static int provider_port;

/* ---------------- fixtures ---------------- */

static int group_setup(void **state)
{
	const char *url;

	(void)state;
	snprintf(password, sizeof(password), "fw-%ld-%08lx", (long)getpid(),
		 (unsigned long)random());
	provider = slapd_fixture_provider(PROVIDER_IP, password);
	if (provider == NULL)
		return -1;
	url = slapd_fixture_url(provider);
	provider_port = atoi(strrchr(url, ':') + 1);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	slapd_fixture_free(provider);
	provider = NULL;
	return 0;
}

/* the env of every test: the session */
static int setup(void **state)
{
	return ssh_session_setup(state, "node1", 1);
}

static int teardown(void **state)
{
	return ssh_session_teardown(state);
}

/* ---------------- helpers ---------------- */

struct probe_run {
	bool done;
	bool ok;
	int code;
	char error[512];
	char csn[128];
	size_t n_csns;
	double elapsed;
};

static void probe_done(void *ud, const struct ldapprobe_result *r)
{
	struct probe_run *p = ud;

	p->done = true;
	p->ok = r->ok;
	p->code = r->ldap_code;
	p->elapsed = r->elapsed_s;
	p->n_csns = r->n_csns;
	snprintf(p->error, sizeof(p->error), "%s", r->error ? r->error : "");
	snprintf(p->csn, sizeof(p->csn), "%s", r->n_csns ? r->csns[0] : "");
}

static void run_until(struct loop *loop, const bool *flag)
{
	double end = loop_now() + HANG_S;

	while (!*flag && loop_now() < end)
		assert_int_equal(loop_poll(loop, 200), 0);
	assert_true(*flag);
}

static void run_for(struct loop *loop, double s)
{
	double end = loop_now() + s;

	while (loop_now() < end)
		loop_poll(loop, 50);
}

static bool fwd_ended(const struct conn_forward *f)
{
	enum conn_forward_state st = conn_forward_state(f);

	return st == FWD_CLOSED || st == FWD_FAILED;
}

static void run_until_ended(struct loop *loop, const struct conn_forward *f)
{
	double end = loop_now() + HANG_S;

	while (!fwd_ended(f) && loop_now() < end)
		assert_int_equal(loop_poll(loop, 200), 0);
	assert_true(fwd_ended(f));
}

static struct conn_forward *forward(struct ssh_session *e, const char *host, int port)
{
	char err[256] = "";
	struct conn_forward *f = conn_forward_open(e->c, host, port, err, sizeof(err));

	if (f == NULL)
		fail_msg("conn_forward_open: %s", err);
	return f;
}

/* Start a probe through a new forward to the provider. */
static struct ldapprobe *probe_via(struct ssh_session *e, struct conn_forward *f, enum ldapprobe_kind kind,
				   const char *url, const char *dn, int timeout_s,
				   struct probe_run *pr)
{
	struct ldapprobe_request req = {
		.kind = kind, .url = url, .bind_dn = dn, .password = dn ? password : NULL,
		.timeout_s = timeout_s, .use_fd = true, .fd = conn_forward_take_fd(f),
	};
	struct ldapprobe *p;

	memset(pr, 0, sizeof(*pr));
	assert_true(req.fd >= 0);
	assert_int_equal(conn_forward_take_fd(f), -1); /* once */
	p = ldapprobe_start(e->loop, &req, probe_done, pr);
	assert_non_null(p);
	assert_false(pr->done);
	return p;
}

/* A port that completes TCP handshakes and never answers. */
static int silent_port(int *fd_out)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	inet_pton(AF_INET, SPARE_IP, &sa.sin_addr);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	assert_int_equal(listen(fd, 8), 0);
	*fd_out = fd;
	return ntohs(sa.sin_port);
}

/* ---------------- tests ---------------- */

/* A bound probe through the node's session reads the same contextCSN as a
 * direct one; the forward then closes cleanly (EOF both ways). */
static void test_probe_contextcsn_via_forward(void **state)
{
	struct ssh_session *e = *state;
	struct ldapprobe_request dreq = { .kind = LDAPPROBE_CONTEXTCSN,
					  .url = slapd_fixture_url(provider),
					  .bind_dn = SLAPD_FIXTURE_ZIMBRA_DN, .password = password,
					  .timeout_s = 5 };
	struct ldapprobe_result *direct = ldapprobe_wait(&dreq);
	struct conn_forward *f;
	struct probe_run pr;

	assert_non_null(direct);
	assert_true(direct->ok);
	assert_true(direct->n_csns >= 1);

	f = forward(e, PROVIDER_IP, provider_port);
	probe_via(e, f, LDAPPROBE_CONTEXTCSN, slapd_fixture_url(provider), SLAPD_FIXTURE_ZIMBRA_DN,
		  5, &pr);
	run_until(e->loop, &pr.done);
	if (!pr.ok)
		fail_msg("probe failed: %s", pr.error);
	assert_int_equal(pr.n_csns, direct->n_csns);
	assert_string_equal(pr.csn, direct->csns[0]);
	ldapprobe_wait_free(direct);

	/* The probe unbound and closed its end: the channel ends too. */
	run_until_ended(e->loop, f);
	assert_int_equal(conn_forward_state(f), FWD_CLOSED);
	assert_null(conn_forward_error(f));
	conn_forward_close(f);

	/* A wrong password through the forward is the server's answer. */
	{
		struct ldapprobe_request req = {
			.kind = LDAPPROBE_BIND, .url = slapd_fixture_url(provider),
			.bind_dn = SLAPD_FIXTURE_ZIMBRA_DN, .password = "Wr0ng-pw",
			.timeout_s = 5, .use_fd = true,
		};
		char want[256];

		f = forward(e, PROVIDER_IP, provider_port);
		req.fd = conn_forward_take_fd(f);
		memset(&pr, 0, sizeof(pr));
		assert_non_null(ldapprobe_start(e->loop, &req, probe_done, &pr));
		run_until(e->loop, &pr.done);
		assert_false(pr.ok);
		assert_int_equal(pr.code, LDAP_INVALID_CREDENTIALS);
		snprintf(want, sizeof(want), "invalid credentials (49) for %s on %s",
			 SLAPD_FIXTURE_ZIMBRA_DN, slapd_fixture_url(provider));
		assert_string_equal(pr.error, want);
		conn_forward_close(f);
	}
}

/* Add BIG_ENTRIES entries of BIG_DESC bytes as cn=config (password in a
 * 0600 file removed after use, never on the command line). */
static void add_big_entries(void)
{
	char dir[] = "/tmp/rw-fwd-XXXXXX";
	char ldif[128], pwf[128], cmd[512];
	char *desc = xmalloc(BIG_DESC + 1);
	FILE *fp;
	int fd, rc;

	assert_non_null(mkdtemp(dir));
	snprintf(ldif, sizeof(ldif), "%s/big.ldif", dir);
	snprintf(pwf, sizeof(pwf), "%s/pw", dir);
	fd = open(pwf, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, password, strlen(password)), (ssize_t)strlen(password));
	close(fd);
	fp = fopen(ldif, "w");
	assert_non_null(fp);
	for (int i = 0; i < BIG_ENTRIES; i++) {
		/* Content that depends on the entry, so a shifted or lost
		 * chunk shows. */
		for (int k = 0; k < BIG_DESC; k++)
			desc[k] = (char)('a' + (i * 7 + k) % 26);
		desc[BIG_DESC] = '\0';
		fprintf(fp, "dn: cn=big%04d,cn=zimbra\nobjectClass: device\ncn: big%04d\n"
			"description: %s\n\n", i, i, desc);
	}
	fclose(fp);
	snprintf(cmd, sizeof(cmd), "ldapadd -x -H %s -D cn=config -y %s -f %s >/dev/null 2>&1",
		 slapd_fixture_url(provider), pwf, ldif);
	rc = system(cmd);
	unlink(pwf);
	unlink(ldif);
	rmdir(dir);
	free(desc);
	assert_int_equal(rc, 0);
}

/* Megabytes through the forward (libldap on the handed fd, async): every
 * entry arrives whole, in order of content, across many window refills. */
static void test_large_search_crosses_window(void **state)
{
	struct ssh_session *e = *state;
	struct conn_forward *f;
	LDAP *ld = NULL;
	int msgid = -1, v3 = LDAP_VERSION3, entries = 0, bad = 0, rc;
	char *attrs[] = { (char *)"description", NULL };
	bool done = false;
	double end;

	add_big_entries();
	f = forward(e, PROVIDER_IP, provider_port);
	assert_int_equal(ldap_init_fd(conn_forward_take_fd(f), LDAP_PROTO_TCP,
				      slapd_fixture_url(provider), &ld), LDAP_SUCCESS);
	ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &v3);
	assert_int_equal(ldap_search_ext(ld, "cn=zimbra", LDAP_SCOPE_ONELEVEL,
					 "(cn=big*)", attrs, 0, NULL, NULL, NULL, 0, &msgid),
			 LDAP_SUCCESS);
	end = loop_now() + HANG_S;
	while (!done && loop_now() < end) {
		struct timeval zero = { 0, 0 };
		LDAPMessage *msg = NULL;

		assert_int_equal(loop_poll(e->loop, 100), 0);
		while (!done && (rc = ldap_result(ld, msgid, LDAP_MSG_ONE, &zero, &msg)) > 0) {
			if (ldap_msgtype(msg) == LDAP_RES_SEARCH_ENTRY) {
				struct berval **v = ldap_get_values_len(ld, msg, "description");
				char *dn = ldap_get_dn(ld, msg);
				int i = -1;

				assert_non_null(dn);
				sscanf(dn, "cn=big%d", &i);
				if (v == NULL || v[0] == NULL || v[0]->bv_len != BIG_DESC || i < 0)
					bad++;
				else
					for (int k = 0; k < BIG_DESC; k++)
						if (v[0]->bv_val[k] != (char)('a' + (i * 7 + k) % 26)) {
							bad++;
							break;
						}
				ldap_value_free_len(v);
				ldap_memfree(dn);
				entries++;
			} else if (ldap_msgtype(msg) == LDAP_RES_SEARCH_RESULT) {
				int err = -1;

				ldap_parse_result(ld, msg, &err, NULL, NULL, NULL, NULL, 0);
				assert_int_equal(err, LDAP_SUCCESS);
				done = true;
			}
			ldap_msgfree(msg);
		}
		assert_true(rc >= 0 || done);
	}
	assert_true(done);
	assert_int_equal(entries, BIG_ENTRIES);
	assert_int_equal(bad, 0);
	ldap_unbind_ext(ld, NULL, NULL);
	run_until_ended(e->loop, f);
	assert_int_equal(conn_forward_state(f), FWD_CLOSED);
	conn_forward_close(f);
}

/* conn_forward_close() while the server has not answered: the probe fails
 * at once (EOF on its socket), long before its own timeout. */
static void test_close_forward_mid_probe(void **state)
{
	struct ssh_session *e = *state;
	struct conn_forward *f;
	struct probe_run pr;
	char url[64];
	int lfd, port = silent_port(&lfd);

	snprintf(url, sizeof(url), "ldap://%s:%d", SPARE_IP, port);
	f = forward(e, SPARE_IP, port);
	probe_via(e, f, LDAPPROBE_CONTEXTCSN, url, NULL, 5, &pr);
	run_for(e->loop, 0.5);
	assert_false(pr.done);
	assert_int_equal(conn_forward_state(f), FWD_OPEN);
	conn_forward_close(f);
	run_until(e->loop, &pr.done);
	assert_false(pr.ok);
	assert_true(pr.elapsed < 1.5);
	assert_non_null(strstr(pr.error, url));
	close(lfd);
	/* The session is still fine for more. */
	assert_int_equal(conn_state(e->c), CONN_READY);
}

/* The node cannot reach the target: the forward fails with the reason and
 * the probe reports "cannot contact". */
static void test_forward_target_refused(void **state)
{
	struct ssh_session *e = *state;
	struct conn_forward *f;
	struct probe_run pr;
	char url[64], want[96];
	int lfd, port = silent_port(&lfd);

	close(lfd); /* now nobody listens there */
	snprintf(url, sizeof(url), "ldap://%s:%d", SPARE_IP, port);
	f = forward(e, SPARE_IP, port);
	probe_via(e, f, LDAPPROBE_CONTEXTCSN, url, NULL, 5, &pr);
	run_until(e->loop, &pr.done);
	assert_false(pr.ok);
	assert_true(pr.elapsed < 2);
	snprintf(want, sizeof(want), "cannot contact LDAP server %s", url);
	assert_memory_equal(pr.error, want, strlen(want));
	assert_int_equal(conn_forward_state(f), FWD_FAILED);
	assert_non_null(strstr(conn_forward_error(f), "the node cannot open"));
	conn_forward_close(f);
}

/* sshd dies mid-probe: the forward fails (never hangs), the probe too. */
static void test_sshd_killed_fails_forward(void **state)
{
	struct ssh_session *e = *state;
	struct conn_forward *f;
	struct probe_run pr;
	char url[64];
	int lfd, port = silent_port(&lfd);

	snprintf(url, sizeof(url), "ldap://%s:%d", SPARE_IP, port);
	f = forward(e, SPARE_IP, port);
	probe_via(e, f, LDAPPROBE_CONTEXTCSN, url, NULL, 8, &pr);
	run_for(e->loop, 0.5);
	assert_int_equal(conn_forward_state(f), FWD_OPEN);
	assert_true(sshd_fixture_signal(&e->f, SIGKILL) >= 2);
	run_until(e->loop, &pr.done);
	assert_false(pr.ok);
	assert_true(pr.elapsed < 5);
	assert_int_equal(conn_forward_state(f), FWD_FAILED);
	assert_non_null(conn_forward_error(f));
	assert_int_equal(conn_state(e->c), CONN_FAILED);
	conn_forward_close(f);
	close(lfd);
	/* No new forward on a dead conn. */
	{
		char err[128] = "";

		assert_null(conn_forward_open(e->c, SPARE_IP, port, err, sizeof(err)));
		assert_string_equal(err, "node1 is not connected");
	}
}

/* Forwards count against the channel limit (8): the 9th waits for a slot. */
static void test_forwards_share_channel_limit(void **state)
{
	struct ssh_session *e = *state;
	struct conn_forward *f[9];
	int open = 0;

	for (int i = 0; i < 9; i++)
		f[i] = forward(e, PROVIDER_IP, provider_port);
	run_for(e->loop, 1.0);
	for (int i = 0; i < 9; i++)
		open += conn_forward_state(f[i]) == FWD_OPEN;
	assert_int_equal(open, 8);
	assert_int_equal(conn_forward_state(f[8]), FWD_QUEUED);
	conn_forward_close(f[0]);
	run_for(e->loop, 0.5);
	assert_int_equal(conn_forward_state(f[8]), FWD_OPEN);
	for (int i = 1; i < 9; i++)
		conn_forward_close(f[i]);
}

/* Probes through forwards, closed and ended in every way, and a conn freed
 * with a forward still open: no descriptor left behind. */
static void test_no_fd_leak(void **state)
{
	struct ssh_session *e = *state;
	struct probe_run pr;
	struct conn_forward *f;
	int before;

	/* Warm up libldap's one-time state first. */
	f = forward(e, PROVIDER_IP, provider_port);
	probe_via(e, f, LDAPPROBE_CONTEXTCSN, slapd_fixture_url(provider), NULL, 5, &pr);
	run_until(e->loop, &pr.done);
	conn_forward_close(f);
	before = fd_count();
	assert_true(before > 0);
	for (int i = 0; i < 5; i++) {
		f = forward(e, PROVIDER_IP, provider_port);
		probe_via(e, f, LDAPPROBE_CONTEXTCSN, slapd_fixture_url(provider),
			  i % 2 ? SLAPD_FIXTURE_ZIMBRA_DN : NULL, 5, &pr);
		run_until(e->loop, &pr.done);
		assert_true(pr.ok);
		conn_forward_close(f); /* closed before or after its end */
		f = forward(e, PROVIDER_IP, provider_port); /* never taken */
		run_for(e->loop, 0.1);
		conn_forward_close(f);
	}
	run_for(e->loop, 0.3);
	assert_int_equal(fd_count(), before);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_probe_contextcsn_via_forward, setup, teardown),
		cmocka_unit_test_setup_teardown(test_large_search_crosses_window, setup, teardown),
		cmocka_unit_test_setup_teardown(test_close_forward_mid_probe, setup, teardown),
		cmocka_unit_test_setup_teardown(test_forward_target_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_forwards_share_channel_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_fd_leak, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sshd_killed_fails_forward, setup, teardown),
	};

	signal(SIGPIPE, SIG_IGN);
	srandom((unsigned)getpid());
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
