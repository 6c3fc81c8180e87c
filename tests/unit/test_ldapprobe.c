/* LDAP probes against REAL slapd processes (tests/unit/support/slapd_fixture):
 * binds, contextCSN, the cn=Monitor consumer state, and every way a server
 * can fail to answer, with the event loop kept responsive throughout. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ldap.h>

#include "ldapprobe.h"
#include "fd_count.h"
#include "ldapprobe_wait.h"
#include "loop.h"
#include "slapd_fixture.h"
#include "xalloc.h"

#define PROVIDER_IP "127.80.0.2"
#define CONSUMER_IP "127.80.0.3"
#define SPARE_IP "127.80.0.4"
#define WRONG_PW "Wr0ng-pw-7c1e"

static struct slapd_fixture *provider;
static struct slapd_fixture *consumer;
static char password[64];

static int group_setup(void **state)
{
	(void)state;
	snprintf(password, sizeof(password), "fx-%ld-%08lx", (long)getpid(),
		 (unsigned long)random());
	provider = slapd_fixture_provider(PROVIDER_IP, password);
	if (provider == NULL)
		return -1;
	consumer = slapd_fixture_consumer(CONSUMER_IP, provider, password);
	return consumer ? 0 : -1;
}

static int group_teardown(void **state)
{
	(void)state;
	slapd_fixture_free(consumer);
	slapd_fixture_free(provider);
	consumer = provider = NULL;
	return 0;
}

static struct ldapprobe_result *probe(enum ldapprobe_kind kind, const char *url, const char *dn,
				      const char *pw, int timeout_s)
{
	struct ldapprobe_request req = {
		.kind = kind, .url = url, .bind_dn = dn, .password = pw, .timeout_s = timeout_s,
	};
	struct ldapprobe_result *r = ldapprobe_wait(&req);

	assert_non_null(r);
	return r;
}

/* A closed port: bound, never listened on. */
static int closed_port(int *fd_out)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	inet_pton(AF_INET, SPARE_IP, &sa.sin_addr);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	*fd_out = fd;
	return ntohs(sa.sin_port);
}

/* A socket that completes the TCP handshake (kernel backlog) and never
 * answers: nobody ever accepts. */
static int silent_port(int *fd_out, int backlog)
{
	int port = closed_port(fd_out);

	assert_int_equal(listen(*fd_out, backlog), 0);
	return port;
}

static void test_bind_ok(void **state)
{
	struct ldapprobe_result *r;
	(void)state;

	r = probe(LDAPPROBE_BIND, slapd_fixture_url(provider), SLAPD_FIXTURE_ZIMBRA_DN, password, 5);
	assert_true(r->ok);
	assert_int_equal(r->ldap_code, 0);
	assert_null(r->error);
	assert_true(r->elapsed_s >= 0 && r->elapsed_s < 5);
	ldapprobe_wait_free(r);

	/* cn=config, authenticated by the config database's olcRootPW. */
	r = probe(LDAPPROBE_BIND, slapd_fixture_url(provider), "cn=config", password, 5);
	assert_true(r->ok);
	ldapprobe_wait_free(r);

	/* Over ldapi:// as well. */
	r = probe(LDAPPROBE_BIND, slapd_fixture_ldapi(provider), SLAPD_FIXTURE_ZIMBRA_DN, password, 5);
	assert_true(r->ok);
	ldapprobe_wait_free(r);
}

static void test_bind_wrong_password(void **state)
{
	struct ldapprobe_result *r;
	char want[256];
	(void)state;

	r = probe(LDAPPROBE_BIND, slapd_fixture_url(provider), SLAPD_FIXTURE_ZIMBRA_DN, WRONG_PW, 5);
	assert_false(r->ok);
	assert_int_equal(r->ldap_code, LDAP_INVALID_CREDENTIALS);
	assert_non_null(r->error);
	snprintf(want, sizeof(want), "invalid credentials (49) for %s on %s", SLAPD_FIXTURE_ZIMBRA_DN,
		 slapd_fixture_url(provider));
	assert_string_equal(r->error, want);
	assert_null(strstr(r->error, WRONG_PW));
	ldapprobe_wait_free(r);

	/* A DN that does not exist is the same error (no user enumeration). */
	r = probe(LDAPPROBE_BIND, slapd_fixture_url(provider), "uid=zmreplica,cn=admins,cn=zimbra",
		  password, 5);
	assert_false(r->ok);
	assert_int_equal(r->ldap_code, LDAP_INVALID_CREDENTIALS);
	assert_non_null(strstr(r->error, "uid=zmreplica,cn=admins,cn=zimbra"));
	assert_null(strstr(r->error, password));
	ldapprobe_wait_free(r);
}

static void test_bind_empty_password_refused_locally(void **state)
{
	struct ldapprobe_result *r;
	(void)state;

	/* An unauthenticated bind (DN, no password) must never count as verified. */
	r = probe(LDAPPROBE_BIND, slapd_fixture_url(provider), SLAPD_FIXTURE_ZIMBRA_DN, "", 5);
	assert_false(r->ok);
	assert_int_equal(r->ldap_code, LDAP_PARAM_ERROR);
	assert_string_equal(r->error, "no password given for " SLAPD_FIXTURE_ZIMBRA_DN " (-9)");
	ldapprobe_wait_free(r);
}

static void test_closed_port_cannot_contact(void **state)
{
	struct ldapprobe_result *r;
	char url[64], want[128];
	int fd, port = closed_port(&fd);
	(void)state;

	snprintf(url, sizeof(url), "ldap://%s:%d", SPARE_IP, port);
	r = probe(LDAPPROBE_BIND, url, SLAPD_FIXTURE_ZIMBRA_DN, password, 3);
	close(fd);
	assert_false(r->ok);
	assert_int_equal(r->ldap_code, LDAP_SERVER_DOWN);
	snprintf(want, sizeof(want), "cannot contact LDAP server %s (-1)", url);
	assert_non_null(r->error);
	assert_memory_equal(r->error, want, strlen(want));
	assert_null(strstr(r->error, password));
	assert_true(r->elapsed_s < 1.0); /* refused at once, no waiting */
	ldapprobe_wait_free(r);
}

struct async_run {
	struct loop *loop;
	bool done;
	int ticks;
	struct ldapprobe_result copy;
	char error[512];
	int tick_timer;
};

static void async_done(void *ud, const struct ldapprobe_result *r)
{
	struct async_run *a = ud;

	a->done = true;
	a->copy = *r;
	snprintf(a->error, sizeof(a->error), "%s", r->error ? r->error : "");
	a->copy.error = a->error;
	a->copy.csns = NULL;
	a->copy.consumers = NULL;
}

static void async_tick(void *ud)
{
	struct async_run *a = ud;

	a->ticks++;
	a->tick_timer = loop_timer(a->loop, 50, async_tick, a);
}

/* Run one probe through the loop like the UI does, with a 50 ms "key"
 * timer beside it; returns the longest single loop pass. */
static double async_probe(struct async_run *a, const struct ldapprobe_request *req)
{
	double longest = 0;
	struct ldapprobe *p;

	memset(a, 0, sizeof(*a));
	a->loop = loop_new();
	a->tick_timer = loop_timer(a->loop, 50, async_tick, a);
	p = ldapprobe_start(a->loop, req, async_done, a);
	assert_non_null(p);
	assert_false(a->done); /* never called from inside ldapprobe_start() */
	while (!a->done) {
		double t0 = loop_now(), d;

		assert_int_equal(loop_poll(a->loop, 100), 0);
		d = loop_now() - t0;
		if (d > longest)
			longest = d;
	}
	loop_timer_cancel(a->loop, a->tick_timer);
	loop_free(a->loop);
	return longest;
}

static void assert_timed_out(const struct async_run *a, const char *url, int timeout_s,
			     double longest)
{
	char want[128];

	assert_false(a->copy.ok);
	assert_int_equal(a->copy.ldap_code, LDAP_TIMEOUT);
	snprintf(want, sizeof(want), "cannot contact LDAP server %s (-5): no answer within %d s", url,
		 timeout_s);
	assert_string_equal(a->copy.error, want);
	/* Fails at the timeout: not before, never much after. */
	assert_true(a->copy.elapsed_s >= timeout_s - 0.05);
	assert_true(a->copy.elapsed_s < timeout_s + 0.5);
	/* The loop never blocked: every pass short, the 50 ms timer kept firing. */
	assert_true(longest < 0.3);
	assert_true(a->ticks >= (int)(timeout_s / 0.05 * 0.7));
}

static void test_silent_server_times_out_loop_stays_live(void **state)
{
	struct async_run a;
	struct ldapprobe_request req = { .kind = LDAPPROBE_BIND, .bind_dn = SLAPD_FIXTURE_ZIMBRA_DN,
					 .password = password, .timeout_s = 2 };
	char url[64];
	int fd, port = silent_port(&fd, 8);
	double longest;
	(void)state;

	snprintf(url, sizeof(url), "ldap://%s:%d", SPARE_IP, port);
	req.url = url;
	longest = async_probe(&a, &req);
	close(fd);
	assert_timed_out(&a, url, 2, longest);
}

static void test_connect_never_completes_times_out(void **state)
{
	struct async_run a;
	struct ldapprobe_request req = { .kind = LDAPPROBE_CONTEXTCSN, .timeout_s = 1 };
	struct sockaddr_in sa = { .sin_family = AF_INET };
	char url[64];
	int fd, port = silent_port(&fd, 0), fill[4];
	double longest;
	(void)state;

	/* Fill the accept queue: further SYNs are dropped, so the probe's own
	 * connect() stays in progress until the timeout. */
	inet_pton(AF_INET, SPARE_IP, &sa.sin_addr);
	sa.sin_port = htons((uint16_t)port);
	for (int i = 0; i < 4; i++) {
		fill[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		connect(fill[i], (struct sockaddr *)&sa, sizeof(sa));
	}
	usleep(50000);
	snprintf(url, sizeof(url), "ldap://%s:%d", SPARE_IP, port);
	req.url = url;
	longest = async_probe(&a, &req);
	for (int i = 0; i < 4; i++)
		close(fill[i]);
	close(fd);
	assert_timed_out(&a, url, 1, longest);
}

static void test_stopped_slapd_times_out(void **state)
{
	struct async_run a;
	struct ldapprobe_request req = { .kind = LDAPPROBE_BIND, .bind_dn = SLAPD_FIXTURE_ZIMBRA_DN,
					 .password = password, .timeout_s = 1 };
	double longest;
	(void)state;

	/* A real slapd frozen with SIGSTOP: the kernel still accepts. */
	req.url = slapd_fixture_url(provider);
	assert_int_equal(slapd_fixture_pause(provider, true), 0);
	longest = async_probe(&a, &req);
	assert_int_equal(slapd_fixture_pause(provider, false), 0);
	assert_timed_out(&a, req.url, 1, longest);

	/* ...and it answers again once resumed. */
	req.timeout_s = 5;
	async_probe(&a, &req);
	assert_true(a.copy.ok);
}

static void test_invalid_url_reported_via_callback(void **state)
{
	struct async_run a;
	struct ldapprobe_request req = { .kind = LDAPPROBE_CONTEXTCSN, .url = "ldap://[bad",
					 .timeout_s = 2 };
	(void)state;

	async_probe(&a, &req);
	assert_false(a.copy.ok);
	assert_non_null(strstr(a.copy.error, "invalid LDAP URL \"ldap://[bad\""));

	assert_null(ldapprobe_start(NULL, &req, async_done, &a));
	req.url = NULL;
	assert_null(ldapprobe_wait(&req));
}

static void never_called(void *ud, const struct ldapprobe_result *r)
{
	(void)ud;
	(void)r;
	fail_msg("callback of a cancelled probe was called");
}

static void test_cancel(void **state)
{
	struct loop *loop = loop_new();
	struct ldapprobe_request req = { .kind = LDAPPROBE_BIND, .bind_dn = SLAPD_FIXTURE_ZIMBRA_DN,
					 .password = password, .timeout_s = 1 };
	struct ldapprobe *p;
	char url[64];
	int fd, port = silent_port(&fd, 8);
	double end;
	(void)state;

	snprintf(url, sizeof(url), "ldap://%s:%d", SPARE_IP, port);
	req.url = url;
	p = ldapprobe_start(loop, &req, never_called, NULL);
	assert_non_null(p);
	end = loop_now() + 0.2;
	while (loop_now() < end)
		loop_poll(loop, 50);
	ldapprobe_cancel(p);
	/* Past the probe's timeout: nothing may fire any more. */
	end = loop_now() + 1.2;
	while (loop_now() < end)
		loop_poll(loop, 50);
	loop_free(loop);
	close(fd);

	/* Cancelled before the first pass (the result already queued). */
	loop = loop_new();
	req.url = "ldap://[bad";
	p = ldapprobe_start(loop, &req, never_called, NULL);
	assert_non_null(p);
	ldapprobe_cancel(p);
	loop_poll(loop, 10);
	loop_free(loop);
}

static void test_starttls_refused_without_tls(void **state)
{
	struct ldapprobe_request req = { .kind = LDAPPROBE_BIND, .bind_dn = SLAPD_FIXTURE_ZIMBRA_DN,
					 .password = password, .timeout_s = 5, .starttls = true };
	struct ldapprobe_result *r;
	char want[160];
	(void)state;

	/* The consumer has no certificate: the StartTLS extended operation is
	 * refused, and the bind (the password) is never sent. */
	req.url = slapd_fixture_url(consumer);
	r = ldapprobe_wait(&req);
	assert_non_null(r);
	assert_false(r->ok);
	assert_int_equal(r->ldap_code, LDAP_PROTOCOL_ERROR);
	snprintf(want, sizeof(want), "StartTLS refused on %s: Protocol error (2)", req.url);
	assert_memory_equal(r->error, want, strlen(want));
	ldapprobe_wait_free(r);
}

static void test_starttls_ok(void **state)
{
	struct ldapprobe_request req = { .kind = LDAPPROBE_BIND, .bind_dn = SLAPD_FIXTURE_ZIMBRA_DN,
					 .password = password, .timeout_s = 5, .starttls = true };
	struct ldapprobe_result *r;
	char *ca = slapd_fixture_cert(provider);
	(void)state;

	/* verified: the provider's certificate is its own CA */
	req.url = slapd_fixture_url(provider);
	req.ca_file = ca;
	r = ldapprobe_wait(&req);
	assert_non_null(r);
	assert_true(r->ok);
	ldapprobe_wait_free(r);

	req.password = WRONG_PW;
	r = ldapprobe_wait(&req);
	assert_int_equal(r->ldap_code, LDAP_INVALID_CREDENTIALS);
	ldapprobe_wait_free(r);

	req.kind = LDAPPROBE_CONTEXTCSN;
	req.bind_dn = NULL;
	req.password = NULL;
	r = ldapprobe_wait(&req);
	assert_true(r->ok);
	assert_int_equal(r->n_csns, 1);
	ldapprobe_wait_free(r);
	free(ca);
}

/* A certificate no given CA signed is refused before the bind: the error
 * names the server and says the certificate is not trusted. */
static void assert_not_trusted(struct ldapprobe_result *r, const char *url)
{
	assert_non_null(r);
	assert_false(r->ok);
	assert_int_equal(r->failure, LDAPPROBE_FAIL_TLS);
	assert_non_null(r->error);
	assert_non_null(strstr(r->error, url));
	assert_non_null(strstr(r->error, "not trusted"));
	ldapprobe_wait_free(r);
}

static void test_starttls_untrusted_refused(void **state)
{
	struct ldapprobe_request req = { .kind = LDAPPROBE_BIND, .bind_dn = SLAPD_FIXTURE_ZIMBRA_DN,
					 .password = password, .timeout_s = 5, .starttls = true };
	char dir[] = "/tmp/rw-otherca-XXXXXX", cmd[512], *other;
	(void)state;

	req.url = slapd_fixture_url(provider);
	/* no CA given: the system's trust store does not know the lab CA */
	assert_not_trusted(ldapprobe_wait(&req), req.url);

	/* a CA file of another CA */
	assert_non_null(mkdtemp(dir));
	snprintf(cmd, sizeof cmd,
		 "/usr/bin/openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=other-ca "
		 "-keyout %s/k -out %s/ca.pem >/dev/null 2>&1", dir, dir);
	assert_int_equal(system(cmd), 0);
	other = xasprintf("%s/ca.pem", dir);
	req.ca_file = other;
	assert_not_trusted(ldapprobe_wait(&req), req.url);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	free(other);
}

/* The right CA, but a URL naming another host than the certificate: the
 * host check refuses it (the connection itself goes to the provider). */
static void test_starttls_wrong_host_refused(void **state)
{
	struct ldapprobe_request req = { .kind = LDAPPROBE_BIND, .bind_dn = SLAPD_FIXTURE_ZIMBRA_DN,
					 .password = password, .timeout_s = 5, .starttls = true,
					 .use_fd = true };
	struct sockaddr_in sa = { .sin_family = AF_INET };
	char *ca = slapd_fixture_cert(provider), url[96];
	const char *port = strrchr(slapd_fixture_url(provider), ':') + 1;
	struct ldapprobe_result *r;
	(void)state;

	sa.sin_port = htons((uint16_t)atoi(port));
	inet_pton(AF_INET, PROVIDER_IP, &sa.sin_addr);
	req.fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(connect(req.fd, (struct sockaddr *)&sa, sizeof sa), 0);
	snprintf(url, sizeof url, "ldap://not-the-provider.invalid:%s", port);
	req.url = url;
	req.ca_file = ca;
	r = ldapprobe_wait(&req);
	assert_not_trusted(r, url);
	free(ca);
}

/* Only the option that says so skips the checks. */
static void test_starttls_skip_verify(void **state)
{
	struct ldapprobe_request req = { .kind = LDAPPROBE_BIND, .bind_dn = SLAPD_FIXTURE_ZIMBRA_DN,
					 .password = password, .timeout_s = 5, .starttls = true,
					 .tls_skip_verify = true };
	struct ldapprobe_result *r;
	(void)state;

	req.url = slapd_fixture_url(provider);
	r = ldapprobe_wait(&req);
	assert_non_null(r);
	assert_true(r->ok);
	ldapprobe_wait_free(r);
}

/* A server that accepts StartTLS and then never speaks TLS: libldap's
 * handshake is synchronous, the probe must still end by its timeout. */
static void test_tls_handshake_bounded(void **state)
{
	static const unsigned char ok_ext[] = { 0x30, 0x0c, 0x02, 0x01, 0x00, 0x78, 0x07, 0x0a,
						0x01, 0x00, 0x04, 0x00, 0x04, 0x00 };
	struct ldapprobe_request req = { .kind = LDAPPROBE_CONTEXTCSN, .timeout_s = 2,
					 .starttls = true };
	struct ldapprobe_result *r;
	char url[64];
	int fd, port = silent_port(&fd, 8);
	pid_t pid;
	(void)state;

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		unsigned char buf[512], resp[sizeof(ok_ext)];
		int c = accept(fd, NULL, NULL);
		ssize_t n = c >= 0 ? read(c, buf, sizeof(buf)) : -1;

		if (n >= 5 && buf[2] == 0x02 && buf[3] == 0x01) {
			memcpy(resp, ok_ext, sizeof(resp));
			resp[4] = buf[4]; /* the request's message id */
			if (write(c, resp, sizeof(resp)) < 0)
				_exit(1);
		}
		pause();
		_exit(0);
	}
	snprintf(url, sizeof(url), "ldap://%s:%d", SPARE_IP, port);
	req.url = url;
	r = ldapprobe_wait(&req);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	close(fd);
	assert_false(r->ok);
	assert_true(r->elapsed_s < req.timeout_s + 0.3);
	assert_non_null(strstr(r->error, "TLS handshake with "));
	ldapprobe_wait_free(r);
}

static void test_no_fd_leak(void **state)
{
	struct loop *loop;
	struct ldapprobe *p;
	int before, fd, port;
	char url[64];
	(void)state;

	/* Warm up libldap's one-time state (ldap.conf, SASL, TLS) first. */
	ldapprobe_wait_free(probe(LDAPPROBE_BIND, slapd_fixture_url(provider),
				    SLAPD_FIXTURE_ZIMBRA_DN, password, 5));
	before = fd_count();
	assert_true(before > 0);
	for (int i = 0; i < 3; i++) {
		ldapprobe_wait_free(probe(LDAPPROBE_BIND, slapd_fixture_url(provider),
					    SLAPD_FIXTURE_ZIMBRA_DN, password, 5));
		ldapprobe_wait_free(probe(LDAPPROBE_BIND, slapd_fixture_url(provider),
					    SLAPD_FIXTURE_ZIMBRA_DN, WRONG_PW, 5));
		ldapprobe_wait_free(probe(LDAPPROBE_CONSUMER, slapd_fixture_url(consumer),
					    SLAPD_FIXTURE_ZIMBRA_DN, password, 5));
	}
	port = silent_port(&fd, 8);
	snprintf(url, sizeof(url), "ldap://%s:%d", SPARE_IP, port);
	loop = loop_new();
	p = ldapprobe_start(loop, &(struct ldapprobe_request){ .kind = LDAPPROBE_BIND, .url = url,
				.bind_dn = "cn=config", .password = password, .timeout_s = 3 },
			    never_called, NULL);
	loop_poll(loop, 100);
	ldapprobe_cancel(p);
	loop_free(loop);
	close(fd);
	assert_int_equal(fd_count(), before);
}

static char *csn_of(const char *url)
{
	struct ldapprobe_result *r = probe(LDAPPROBE_CONTEXTCSN, url, NULL, NULL, 5);
	char *csn;

	assert_true(r->ok);
	assert_int_equal(r->n_csns, 1);
	assert_non_null(r->csns[0]);
	assert_null(r->csns[1]);
	csn = strdup(r->csns[0]);
	ldapprobe_wait_free(r);
	return csn;
}

static void test_contextcsn_equal_after_write(void **state)
{
	char *before = csn_of(slapd_fixture_url(provider)), *p_csn = NULL, *c_csn = NULL;
	double end;
	(void)state;

	/* A CSN: 20261122191953.281114Z#000000#000#000000 */
	assert_int_equal(strlen(before), 40);
	assert_int_equal(before[14], '.');
	usleep(10000);
	assert_int_equal(slapd_fixture_touch(provider, password), 0);
	end = loop_now() + 10;
	do {
		free(p_csn);
		free(c_csn);
		p_csn = csn_of(slapd_fixture_url(provider));
		c_csn = csn_of(slapd_fixture_url(consumer));
		if (strcmp(p_csn, c_csn) == 0)
			break;
		usleep(50000);
	} while (loop_now() < end);
	assert_string_not_equal(before, p_csn);  /* the write moved it */
	assert_true(strcmp(before, p_csn) < 0);
	assert_string_equal(p_csn, c_csn);       /* and it replicated */
	free(before);
	free(p_csn);
	free(c_csn);
}

static struct ldapprobe_result *consumer_state(void)
{
	struct ldapprobe_result *r = probe(LDAPPROBE_CONSUMER, slapd_fixture_url(consumer),
					   SLAPD_FIXTURE_ZIMBRA_DN, password, 5);

	assert_true(r->ok);
	assert_int_equal(r->n_consumers, 1);
	return r;
}

static void test_consumer_connected(void **state)
{
	struct ldapprobe_result *r = NULL;
	double end = loop_now() + 10;
	(void)state;

	do {
		ldapprobe_wait_free(r);
		r = consumer_state();
		if (r->consumers[0].connected)
			break;
		usleep(100000);
	} while (loop_now() < end);
	assert_true(r->consumers[0].connected);
	assert_string_equal(r->consumers[0].provider, slapd_fixture_url(provider));
	assert_string_equal(r->consumers[0].next_connect, "00000101000000Z");
	assert_memory_equal(r->consumers[0].connection, "IP=", 3);
	assert_string_equal(r->consumers[0].phase, "Persist");
	assert_int_equal(strlen(r->consumers[0].last_contact), 15);
	ldapprobe_wait_free(r);

	/* The provider has no consumer instance. */
	r = probe(LDAPPROBE_CONSUMER, slapd_fixture_url(provider), SLAPD_FIXTURE_ZIMBRA_DN, password,
		  5);
	assert_true(r->ok);
	assert_int_equal(r->n_consumers, 0);
	ldapprobe_wait_free(r);
}

static void test_consumer_monitor_hidden_from_anonymous(void **state)
{
	struct ldapprobe_result *r;
	char want[160];
	(void)state;

	r = probe(LDAPPROBE_CONSUMER, slapd_fixture_url(consumer), NULL, NULL, 5);
	assert_false(r->ok);
	assert_int_equal(r->ldap_code, LDAP_NO_SUCH_OBJECT);
	snprintf(want, sizeof(want),
		 "cn=Monitor is not readable on %s (32): bind as a DN allowed to read it",
		 slapd_fixture_url(consumer));
	assert_string_equal(r->error, want);
	ldapprobe_wait_free(r);
}

/* Last: it stops the provider. */
static void test_consumer_disconnected_after_provider_stops(void **state)
{
	struct ldapprobe_result *r = NULL;
	char want[128];
	double end;
	(void)state;

	assert_int_equal(slapd_fixture_stop(provider), 0);
	end = loop_now() + 10;
	do {
		ldapprobe_wait_free(r);
		r = consumer_state();
		if (!r->consumers[0].connected)
			break;
		usleep(100000);
	} while (loop_now() < end);
	assert_false(r->consumers[0].connected);
	assert_string_equal(r->consumers[0].connection, "");
	assert_string_not_equal(r->consumers[0].next_connect, "00000101000000Z");
	ldapprobe_wait_free(r);

	/* And the stopped provider itself cannot be contacted. */
	r = probe(LDAPPROBE_CONTEXTCSN, slapd_fixture_url(provider), NULL, NULL, 3);
	assert_false(r->ok);
	snprintf(want, sizeof(want), "cannot contact LDAP server %s (-1)", slapd_fixture_url(provider));
	assert_memory_equal(r->error, want, strlen(want));
	ldapprobe_wait_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bind_ok),
		cmocka_unit_test(test_bind_wrong_password),
		cmocka_unit_test(test_bind_empty_password_refused_locally),
		cmocka_unit_test(test_closed_port_cannot_contact),
		cmocka_unit_test(test_silent_server_times_out_loop_stays_live),
		cmocka_unit_test(test_connect_never_completes_times_out),
		cmocka_unit_test(test_stopped_slapd_times_out),
		cmocka_unit_test(test_invalid_url_reported_via_callback),
		cmocka_unit_test(test_cancel),
		cmocka_unit_test(test_starttls_refused_without_tls),
		cmocka_unit_test(test_starttls_ok),
		cmocka_unit_test(test_starttls_untrusted_refused),
		cmocka_unit_test(test_starttls_wrong_host_refused),
		cmocka_unit_test(test_starttls_skip_verify),
		cmocka_unit_test(test_tls_handshake_bounded),
		cmocka_unit_test(test_no_fd_leak),
		cmocka_unit_test(test_contextcsn_equal_after_write),
		cmocka_unit_test(test_consumer_connected),
		cmocka_unit_test(test_consumer_monitor_hidden_from_anonymous),
		cmocka_unit_test(test_consumer_disconnected_after_provider_stops),
	};

	/* libldap writes with write(2); the wizard ignores SIGPIPE too. */
	signal(SIGPIPE, SIG_IGN);
	srandom((unsigned)getpid());
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
