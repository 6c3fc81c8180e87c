/* The master's answer to `site discover` (src/discover.c,
 * discover_answer_parse): the localconfig lines, the marker, the server
 * list; every other shape refused (fail closed). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dirservers.h"
#include "discover.h"

#define MARK "--- replica-wizard: zmprov -m -l gas -v ---\n"
#define LC "zimbra_server_hostname = ds1.example.com\n" \
	   "ldap_master_url = ldap://ds1.example.com:389\n" \
	   "ldap_url = ldap://ds2.example.com:389 ldap://ds1.example.com:389\n"
#define GAS "# name ds1.example.com\nzimbraServiceEnabled: directory-server\n" \
	    "# name ds2.example.com\nzimbraServiceEnabled: directory-server\n"

static void refused(const char *out, const char *why)
{
	char *err = NULL;
	assert_null(discover_answer_parse(out, strlen(out), "ldap.example.com", &err));
	assert_non_null(err);
	if (!strstr(err, why))
		fail_msg("\"%s\" does not say \"%s\"", err, why);
	free(err);
}

static void test_answer(void **state)
{
	(void)state;
	/* a warning of zmlocalconfig on stdout is no key line: skipped */
	static const char out[] = "Warning: null valued key 'x'\n" LC MARK GAS;
	char *err = NULL;
	struct discover_answer *a = discover_answer_parse(out, sizeof out - 1, "ldap.example.com", &err);
	assert_non_null(a);
	assert_null(err);
	const struct discover_input *in = discover_answer_input(a);
	assert_string_equal(in->master_hostname, "ds1.example.com");
	assert_int_equal(in->n_master_url_hosts, 1);
	assert_string_equal(in->master_url_hosts[0], "ds1.example.com");
	assert_int_equal(in->n_url_hosts, 2);
	assert_string_equal(in->url_hosts[0], "ds2.example.com");
	assert_int_equal(in->servers->n, 2);
	assert_string_equal(in->servers->v[1].name, "ds2.example.com");
	discover_answer_free(a);

	/* no ldap_url (empty): no replica by it */
	static const char out2[] = "zimbra_server_hostname = ds1.example.com\n"
				   "ldap_master_url = ldap://ds1.example.com:389\nldap_url = \n" MARK GAS;
	a = discover_answer_parse(out2, sizeof out2 - 1, "ds1", &err);
	assert_non_null(a);
	assert_int_equal(discover_answer_input(a)->n_url_hosts, 0);
	discover_answer_free(a);
}

static void test_refused(void **state)
{
	(void)state;
	refused(LC GAS, "no server list");
	/* the marker must be a line of its own */
	refused(LC "x" MARK GAS, "no server list");
	refused("zimbra_server_hostname = localhost\n" MARK GAS,
		"ldap.example.com does not look like a bootstrapped Carbonio LDAP master");
	refused("ldap_master_url = http://x\n" MARK GAS, "the master's ldap_master_url");
	refused("ldap_master_url = ldap://a\nldap_url = ldap://b c\n" MARK GAS, "the master's ldap_url");
	refused(LC MARK, "no server at all");
	refused(LC MARK "zimbraServiceEnabled: mta\n", "line 1");
	char *err = NULL;
	static const char nul[] = LC "\0" MARK GAS;
	assert_null(discover_answer_parse(nul, sizeof nul - 1, "m", &err));
	assert_non_null(strstr(err, "NUL"));
	free(err);
	assert_null(discover_answer_parse(NULL, 0, "m", &err));
	free(err);
}

static void test_command(void **state)
{
	(void)state;
	/* the marker the parser looks for is the one the command prints; the
	 * prefix is quoted */
	char *cmd = discover_command("/opt/it's");
	assert_non_null(strstr(cmd, "echo '--- replica-wizard: zmprov -m -l gas -v ---'"));
	assert_non_null(strstr(cmd, "P='/opt/it'\\''s'"));
	assert_non_null(strstr(cmd, "\"$P/bin/zmprov\" -m -l gas -v"));
	free(cmd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_answer),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_command),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
