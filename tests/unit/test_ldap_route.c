/* The route of our LDAP probes (ldap_route.h) against a REAL private sshd
 * (the "node") and a REAL slapd with StartTLS:
 *   - through the node's SSH session (the default): the bind works, and a
 *     session that is not connected fails as NO_ROUTE naming the node;
 *   - direct: always TLS; Carbonio's CA read from the node with `cat`
 *     (PREFIX/conf/ca/ca.pem) makes the certificate check pass, another
 *     CA makes it fail as TLS ("not trusted"), a missing CA file on the node
 *     fails with its path, and only tls_skip_verify goes without a CA. */
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

#include <ldap.h>

#include "ldap_route.h"
#include "loop.h"
#include "slapd_fixture.h"
#include "ssh_session.h"
#include "sshd_fixture.h"
#include "transport.h"
#include "xalloc.h"

#define PROVIDER_IP "127.80.15.2"
#define HANG_S 20.0

static struct slapd_fixture *provider;
static char password[64];

struct env {
	struct ssh_session ss;
	char prefix[64];   /* a node prefix holding conf/ca/ca.pem */
};

struct run {
	bool done;
	bool ok;
	enum ldapprobe_failure failure;
	char error[512];
};

static int group_setup(void **state)
{
	(void)state;
	snprintf(password, sizeof(password), "rt-%ld-%08lx", (long)getpid(),
		 (unsigned long)random());
	provider = slapd_fixture_provider(PROVIDER_IP, password);
	return provider ? 0 : -1;
}

static int group_teardown(void **state)
{
	(void)state;
	slapd_fixture_free(provider);
	provider = NULL;
	return 0;
}

static void sh(const char *cmd)
{
	assert_int_equal(system(cmd), 0);
}

static int setup(void **state)
{
	struct env *e = xcalloc(1, sizeof(*e));
	char cmd[512], *cert = slapd_fixture_cert(provider);

	if (ssh_session_open(&e->ss, "node1", 0) != 0) {
		free(e);
		free(cert);
		return -1;
	}
	snprintf(e->prefix, sizeof e->prefix, "/tmp/rw-route-XXXXXX");
	assert_non_null(mkdtemp(e->prefix));
	chmod(e->prefix, 0755);
	/* the node's Carbonio CA: the provider's self-signed certificate */
	snprintf(cmd, sizeof cmd, "mkdir -p %s/conf/ca && cp %s %s/conf/ca/ca.pem", e->prefix, cert,
		 e->prefix);
	sh(cmd);
	free(cert);
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;
	char cmd[128];

	ssh_session_close(&e->ss);
	snprintf(cmd, sizeof cmd, "rm -rf %s", e->prefix);
	sh(cmd);
	free(e);
	return 0;
}

static void done(void *ud, const struct ldapprobe_result *r)
{
	struct run *run = ud;

	run->done = true;
	run->ok = r->ok;
	run->failure = r->failure;
	snprintf(run->error, sizeof run->error, "%s", r->error ? r->error : "");
}

/* One bind on a new route; the CA (when direct) comes from the node. */
static void bind_on(struct env *e, const struct ldap_route_config *cfg, struct conn *c,
		    const char *prefix, struct run *run)
{
	struct ldap_route *r = ldap_route_new(e->ss.loop, cfg);
	struct ldapprobe_request req = {
		.kind = LDAPPROBE_BIND, .url = slapd_fixture_url(provider),
		.bind_dn = SLAPD_FIXTURE_ZIMBRA_DN, .password = password, .timeout_s = 5,
	};
	double end = loop_now() + HANG_S;

	memset(run, 0, sizeof *run);
	ldap_route_set_ca_source(r, e->ss.c, "node1", prefix);
	assert_non_null(ldap_route_probe_start(r, c, &req, done, run));
	assert_false(run->done); /* never from inside the call */
	while (!run->done && loop_now() < end)
		loop_poll(e->ss.loop, 200);
	assert_true(run->done);
	ldap_route_free(r);
}

static void test_via_ssh_default(void **state)
{
	struct env *e = *state;
	struct ldap_route_config cfg = { 0 };
	struct run run;

	bind_on(e, &cfg, e->ss.c, e->prefix, &run);
	if (!run.ok)
		fail_msg("via ssh: %s", run.error);
}

static void test_via_ssh_not_connected(void **state)
{
	struct env *e = *state;
	struct ldap_route_config cfg = { 0 };
	struct conn_config cc = { .name = "node2", .address = "127.0.0.1", .port = 1, .user = "root" };
	struct conn *idle = conn_new(e->ss.loop, &cc, &(struct conn_callbacks){ 0 });
	struct run run;

	bind_on(e, &cfg, idle, e->prefix, &run);
	assert_false(run.ok);
	assert_int_equal(run.failure, LDAPPROBE_FAIL_NO_ROUTE);
	assert_non_null(strstr(run.error, "through the SSH session of node2"));
	conn_free(idle);
}

static void test_direct_carbonio_ca_from_node(void **state)
{
	struct env *e = *state;
	struct ldap_route_config cfg = { .direct = true };
	struct run run;

	bind_on(e, &cfg, e->ss.c, e->prefix, &run);
	if (!run.ok)
		fail_msg("direct with the node's CA: %s", run.error);
}

static void test_direct_other_ca_refused(void **state)
{
	struct env *e = *state;
	struct ldap_route_config cfg = { .direct = true };
	char cmd[512];
	struct run run;

	snprintf(cmd, sizeof cmd,
		 "/usr/bin/openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=other-ca "
		 "-keyout %s/other.key -out %s/conf/ca/ca.pem >/dev/null 2>&1", e->prefix, e->prefix);
	sh(cmd);
	bind_on(e, &cfg, e->ss.c, e->prefix, &run);
	assert_false(run.ok);
	assert_int_equal(run.failure, LDAPPROBE_FAIL_TLS);
	assert_non_null(strstr(run.error, slapd_fixture_url(provider)));
	assert_non_null(strstr(run.error, "not trusted"));
	assert_non_null(strstr(run.error, "(CA: Carbonio's CA from node1:"));
}

static void test_direct_no_ca_on_node(void **state)
{
	struct env *e = *state;
	struct ldap_route_config cfg = { .direct = true };
	struct run run;

	bind_on(e, &cfg, e->ss.c, "/nonexistent/prefix", &run);
	assert_false(run.ok);
	assert_int_equal(run.failure, LDAPPROBE_FAIL_TLS);
	assert_non_null(strstr(run.error, "/nonexistent/prefix/conf/ca/ca.pem"));
}

static void test_direct_skip_verify(void **state)
{
	struct env *e = *state;
	struct ldap_route_config cfg = { .direct = true, .tls_skip_verify = true };
	struct run run;

	bind_on(e, &cfg, e->ss.c, "/nonexistent/prefix", &run);
	if (!run.ok)
		fail_msg("direct, verification skipped: %s", run.error);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_via_ssh_default, setup, teardown),
		cmocka_unit_test_setup_teardown(test_via_ssh_not_connected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_direct_carbonio_ca_from_node, setup, teardown),
		cmocka_unit_test_setup_teardown(test_direct_other_ca_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_direct_no_ca_on_node, setup, teardown),
		cmocka_unit_test_setup_teardown(test_direct_skip_verify, setup, teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
