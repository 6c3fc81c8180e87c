/* The master's server list (zmprov -l gas -v) and its comparison with the
 * site file's nodes (src/dirservers.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dirservers.h"

#define S(lit) (lit), (sizeof(lit) - 1)

/* What the preflight step keeps of the lab master's `gas -v`. */
static const char lab[] =
	"# name 127.77.0.2\n"
	"zimbraServiceEnabled: directory-server\n"
	"zimbraServiceEnabled: stats\n"
	"# name 127.77.0.5\n"
	"zimbraServiceEnabled: amavis\n"
	"zimbraServiceEnabled: mta\n";

static struct dirservers *parse_ok(const char *buf, size_t len)
{
	struct dirservers_error e;
	struct dirservers *d = dirservers_parse(buf, len, &e);
	assert_non_null(d);
	assert_null(e.msg);
	return d;
}

static void parse_bad(const char *buf, size_t len, size_t line, const char *what)
{
	struct dirservers_error e;
	assert_null(dirservers_parse(buf, len, &e));
	assert_non_null(e.msg);
	assert_int_equal(e.line, line);
	assert_non_null(strstr(e.msg, what));
}

static void test_lab_list(void **state)
{
	(void)state;
	struct dirservers *d = parse_ok(S(lab));
	assert_int_equal(d->n, 2);
	assert_string_equal(d->v[0].name, "127.77.0.2");
	assert_int_equal(d->v[0].n_services, 2);
	assert_int_equal(d->v[1].line, 4);
	assert_true(dirserver_has(&d->v[1], "mta"));
	assert_false(dirserver_has(&d->v[0], "mta"));
	char *roles = dirserver_roles(&d->v[1]);
	assert_string_equal(roles, "amavis, mta");
	free(roles);
	dirservers_free(d);
}

/* The whole dump (other attributes, blank lines, CRLF, a PEM value over
 * several lines, a repeated value) gives the same list. */
static void test_full_dump(void **state)
{
	(void)state;
	struct dirservers *d = parse_ok(S("# name mbox1.example.com\r\n"
					  "cn: mbox1.example.com\r\n"
					  "zimbraServiceEnabled: mailbox\r\n"
					  "zimbraSSLCertificate: -----BEGIN CERTIFICATE-----\r\n"
					  "MIIBszCCAVmgAwIBAgIU\r\n"
					  "-----END CERTIFICATE-----\r\n"
					  "zimbraServiceEnabled: mailbox\r\n"
					  "zimbraServiceInstalled: proxy\r\n"
					  "\r\n"
					  "# name mta1.example.com\r\n"
					  "\r\n"));
	assert_int_equal(d->n, 2);
	assert_int_equal(d->v[0].n_services, 1);
	assert_string_equal(d->v[0].services[0], "mailbox");
	assert_int_equal(d->v[1].n_services, 0);
	char *roles = dirserver_roles(&d->v[1]);
	assert_string_equal(roles, "no service enabled");
	free(roles);
	dirservers_free(d);
}

static void test_refused(void **state)
{
	(void)state;
	parse_bad(S(""), 0, "no server");
	parse_bad(S("\n\ncn: x\n"), 0, "no server");
	parse_bad(S("zimbraServiceEnabled: mta\n# name a\n"), 1, "before the first");
	parse_bad(S("# name \n"), 1, "server name");
	parse_bad(S("# name a b\n"), 1, "server name");
	parse_bad(S("# name a\n# name .\n"), 2, "server name");
	parse_bad(S("# name a\x1b[2J\n"), 1, "server name");
	parse_bad(S("# name a\nzimbraServiceEnabled: \n"), 2, "service");
	parse_bad(S("# name A.example.com\n# name a.example.com.\n"), 2, "twice");
	parse_bad("# name a\0b\n", 10, 0, "NUL");
	struct dirservers_error e;
	assert_null(dirservers_parse(NULL, 5, &e));
}

static void test_limits(void **state)
{
	(void)state;
	size_t cap = (DIRSERVERS_MAX + 2) * 16, len = 0;
	char *buf = malloc(cap);
	for (int i = 0; i <= DIRSERVERS_MAX; i++)
		len += (size_t)snprintf(buf + len, cap - len, "# name h%d\n", i);
	parse_bad(buf, len, DIRSERVERS_MAX + 1, "more servers");
	len = (size_t)snprintf(buf, cap, "# name h\n");
	for (int i = 0; i <= DIRSERVERS_MAX_SERVICES; i++)
		len += (size_t)snprintf(buf + len, cap - len, "zimbraServiceEnabled: s%d\n", i);
	parse_bad(buf, len, DIRSERVERS_MAX_SERVICES + 2, "more services");
	free(buf);
}

static void test_same_host(void **state)
{
	(void)state;
	assert_true(dirservers_same_host("MTA.Example.com", "mta.example.com."));
	assert_false(dirservers_same_host("mta.example.com", "mta.example.co"));
	assert_false(dirservers_same_host(".", ""));
}

/* The site names the master by its address and the MTA by another
 * spelling; a third server is not named. */
static void test_compare(void **state)
{
	(void)state;
	struct dirservers *d = parse_ok(S("# name ldap.example.com\n"
					  "# name MTA.example.com\n"
					  "zimbraServiceEnabled: mta\n"
					  "# name mbox.example.com\n"));
	struct dirservers_node site[] = {
		{ "10.0.0.1", "ldap.example.com" }, /* by its zimbra_server_hostname */
		{ "mta.example.com.", NULL },       /* by name, another spelling */
		{ "replica.example.com", NULL },    /* not installed yet */
	};
	enum dirserver_status st[3];
	long named[3];
	size_t bad;
	assert_int_equal(dirservers_compare(d, site, 3, NULL, 0, st, named, &bad), 1);
	assert_int_equal(bad, SIZE_MAX);
	assert_int_equal(st[0], DIRSERVER_NAMED);
	assert_int_equal(named[0], 0);
	assert_int_equal(st[1], DIRSERVER_NAMED);
	assert_int_equal(named[1], 1);
	assert_int_equal(st[2], DIRSERVER_UNNAMED);
	assert_int_equal(named[2], -1);

	/* skipped by name, any case */
	const char *skip[] = { "MBOX.example.com" };
	assert_int_equal(dirservers_compare(d, site, 3, skip, 1, st, NULL, &bad), 0);
	assert_int_equal(st[2], DIRSERVER_SKIPPED);
	assert_int_equal(bad, SIZE_MAX);

	/* a skip name the directory does not list */
	const char *skip2[] = { "mbox.example.com", "nosuch.example.com" };
	assert_int_equal(dirservers_compare(d, site, 3, skip2, 2, st, NULL, &bad), 0);
	assert_int_equal(bad, 1);

	/* the site omits the MTA: it is the unnamed one */
	assert_int_equal(dirservers_compare(d, site, 1, skip, 1, st, NULL, &bad), 1);
	assert_int_equal(st[1], DIRSERVER_UNNAMED);
	assert_true(dirserver_has(&d->v[1], "mta"));

	/* a skip that names a named server changes nothing */
	const char *skip3[] = { "ldap.example.com" };
	assert_int_equal(dirservers_compare(d, site, 3, skip3, 1, st, NULL, &bad), 1);
	assert_int_equal(st[0], DIRSERVER_NAMED);
	dirservers_free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lab_list),
		cmocka_unit_test(test_full_dump),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_same_host),
		cmocka_unit_test(test_compare),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
