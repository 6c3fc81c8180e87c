/* The LDAP route options (ldap_cli.h): an option wins over the site's
 * [carbonio] ldap_direct / ldap_ca_file, through SSH by default, an
 * unreadable CA file is refused with its name, --starttls only with direct. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ldap_cli.h"
#include "site.h"

static struct site *site_with(const char *direct, const char *ca)
{
	struct site *s = site_new();
	struct site_error e;

	assert_true(site_set(s, "carbonio", "master", "ldap1.example.com", &e));
	if (direct)
		assert_true(site_set(s, "carbonio", "ldap_direct", direct, &e));
	if (ca)
		assert_true(site_set(s, "carbonio", "ldap_ca_file", ca, &e));
	assert_true(site_validate(s, &e));
	return s;
}

static void test_default_is_ssh(void **state)
{
	struct ldap_cli o = { 0 };
	struct ldap_route_config c;
	struct site *s = site_with(NULL, NULL);
	char *hold, err[256];
	(void)state;

	assert_true(ldap_cli_config(&o, s, &c, &hold, err, sizeof err));
	assert_false(c.direct);
	assert_null(c.ca_file);
	assert_false(c.tls_skip_verify);
	free(hold);
	assert_true(ldap_cli_config(NULL, NULL, &c, &hold, err, sizeof err));
	assert_false(c.direct);
	free(hold);
	site_free(s);
}

static void test_options_win_over_site(void **state)
{
	struct ldap_cli o = { 0 };
	struct ldap_route_config c;
	struct site *s = site_with("yes", "/etc/hostname");
	char *hold, err[256];
	(void)state;

	assert_true(ldap_cli_config(&o, s, &c, &hold, err, sizeof err));
	assert_true(c.direct);
	assert_string_equal(c.ca_file, "/etc/hostname");
	free(hold);

	assert_true(ldap_cli_option(LDAP_CLI_VIA_SSH, NULL, &o));
	assert_true(ldap_cli_option(LDAP_CLI_CA_FILE, "/etc/passwd", &o));
	assert_true(ldap_cli_option(LDAP_CLI_SKIP_VERIFY, NULL, &o));
	assert_false(ldap_cli_option('x', NULL, &o));
	assert_true(ldap_cli_config(&o, s, &c, &hold, err, sizeof err));
	assert_false(c.direct);
	assert_string_equal(c.ca_file, "/etc/passwd");
	assert_true(c.tls_skip_verify);
	free(hold);
	site_free(s);

	s = site_with("no", NULL);
	assert_true(ldap_cli_option(LDAP_CLI_DIRECT, NULL, &o));
	assert_true(ldap_cli_config(&o, s, &c, &hold, err, sizeof err));
	assert_true(c.direct);
	free(hold);
	site_free(s);
}

/* --starttls through SSH would hang (synchronous handshake on the channel
 * that our own loop relays): refused; with direct (always TLS) accepted */
static void test_starttls_through_ssh_refused(void **state)
{
	struct ldap_cli o = { .starttls = true };
	struct ldap_route_config c;
	char *hold, err[256];
	(void)state;

	assert_false(ldap_cli_config(&o, NULL, &c, &hold, err, sizeof err));
	assert_non_null(strstr(err, "--starttls"));
	assert_non_null(strstr(err, "--ldap-direct"));
	free(hold);
	o.path = LDAP_PATH_DIRECT;
	assert_true(ldap_cli_config(&o, NULL, &c, &hold, err, sizeof err));
	assert_true(c.direct && c.starttls);
	free(hold);
}

static void test_unreadable_ca_refused(void **state)
{
	struct ldap_cli o = { .path = LDAP_PATH_DIRECT, .ca_file = "/nonexistent/ca.pem" };
	struct ldap_route_config c;
	char *hold, err[256];
	(void)state;

	assert_false(ldap_cli_config(&o, NULL, &c, &hold, err, sizeof err));
	assert_string_equal(err, "LDAP CA file /nonexistent/ca.pem: No such file or directory");
	free(hold);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_is_ssh),
		cmocka_unit_test(test_options_win_over_site),
		cmocka_unit_test(test_unreadable_ca_refused),
		cmocka_unit_test(test_starttls_through_ssh_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
