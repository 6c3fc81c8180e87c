#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "localconfig_parse.h"

#define S(lit) (lit), (sizeof(lit) - 1)

/* Plain format as written by ConfigWriter: "key = value" (carbonio-tools.md
 * §5), values from the real master example of the same section. */
static void test_plain(void **state)
{
	struct localconfig_error e = { 0, NULL };
	struct localconfig *lc;

	(void)state;
	lc = localconfig_parse_plain(S(
		"ldap_is_master = true\n"
		"ldap_master_url = ldap://srv1.example.com:389\n"
		"ldap_root_password = s3cr et = x\n"
		"ldap_starttls_supported = 0\n"
		"ldap_url = ldap://ds1-replica.example.com:389 ldap://srv1.example.com:389\n"
		"zimbra_ldap_password = \n"), &e);
	assert_non_null(lc);
	assert_int_equal(lc->n, 6);
	assert_string_equal(localconfig_get(lc, "ldap_is_master"), "true");
	assert_string_equal(localconfig_get(lc, "ldap_root_password"), "s3cr et = x");
	assert_string_equal(localconfig_get(lc, "ldap_url"),
			    "ldap://ds1-replica.example.com:389 ldap://srv1.example.com:389");
	assert_string_equal(localconfig_get(lc, "zimbra_ldap_password"), "");
	assert_null(localconfig_get(lc, "ldap_bind_url"));
	assert_string_equal(lc->items[0].key, "ldap_is_master");
	localconfig_free(lc);

	/* No trailing newline, "key =" with the blank lost, empty output. */
	lc = localconfig_parse_plain(S("a =\nb = 1"), &e);
	assert_non_null(lc);
	assert_string_equal(localconfig_get(lc, "a"), "");
	assert_string_equal(localconfig_get(lc, "b"), "1");
	localconfig_free(lc);
	lc = localconfig_parse_plain(S(""), &e);
	assert_non_null(lc);
	assert_int_equal(lc->n, 0);
	localconfig_free(lc);
}

static void test_plain_errors(void **state)
{
	struct localconfig_error e = { 0, NULL };

	(void)state;
	assert_null(localconfig_parse_plain(S("a = 1\nnull valued key 'x'\n"), &e));
	assert_int_equal(e.line, 2);
	assert_non_null(e.msg);
	assert_null(localconfig_parse_plain(S("a = 1\nb=2\n"), &e));
	assert_int_equal(e.line, 2);
	assert_null(localconfig_parse_plain(S("a = 1\n\nb = 2\n"), &e));
	assert_int_equal(e.line, 2);
	assert_null(localconfig_parse_plain(S("a = 1\na = 2\n"), &e));
	assert_int_equal(e.line, 2);
	assert_null(localconfig_parse_plain(S("a = x\0y\n"), &e));
	assert_int_equal(e.line, 1);
	assert_null(localconfig_parse_plain(S(" = x\n"), &e));
	assert_int_equal(e.line, 1);
}

static void test_nokey(void **state)
{
	static const char *const keys[] = { "ldap_master_url", "ldap_url",
					     "ldap_starttls_supported" };
	struct localconfig_error e = { 0, NULL };
	struct localconfig *lc;

	(void)state;
	lc = localconfig_parse_nokey(S("ldap://127.0.0.2:389\n"
				       "ldap://127.0.0.3:389 ldap://127.0.0.2:389\n"
				       "0\n"), keys, 3, &e);
	assert_non_null(lc);
	assert_string_equal(localconfig_get(lc, "ldap_master_url"), "ldap://127.0.0.2:389");
	assert_string_equal(localconfig_get(lc, "ldap_url"),
			    "ldap://127.0.0.3:389 ldap://127.0.0.2:389");
	assert_string_equal(localconfig_get(lc, "ldap_starttls_supported"), "0");
	localconfig_free(lc);

	/* Empty values are empty lines. */
	lc = localconfig_parse_nokey(S("\n\nx"), keys, 3, &e);
	assert_non_null(lc);
	assert_string_equal(localconfig_get(lc, "ldap_master_url"), "");
	assert_string_equal(localconfig_get(lc, "ldap_starttls_supported"), "x");
	localconfig_free(lc);

	/* A missing key prints no line: detected, not guessed. */
	assert_null(localconfig_parse_nokey(S("ldap://127.0.0.2:389\n0\n"), keys, 3, &e));
	assert_int_equal(e.line, 3);
	assert_non_null(strstr(e.msg, "fewer lines"));
	assert_null(localconfig_parse_nokey(S(""), keys, 1, &e));
	assert_int_equal(e.line, 1);
	assert_null(localconfig_parse_nokey(S("a\nb\n"), keys, 1, &e));
	assert_int_equal(e.line, 2);
	/* One key with one empty value. */
	lc = localconfig_parse_nokey(S("\n"), keys, 1, &e);
	assert_non_null(lc);
	assert_string_equal(localconfig_get(lc, "ldap_master_url"), "");
	localconfig_free(lc);
}

static void test_flag(void **state)
{
	(void)state;
	assert_false(localconfig_flag(NULL));
	assert_false(localconfig_flag(""));
	assert_false(localconfig_flag("0"));
	assert_true(localconfig_flag("1"));
	assert_true(localconfig_flag("true"));
	assert_true(localconfig_flag("00")); /* Perl: a true string */
}

static void test_shell(void **state)
{
	struct localconfig_error e = { 0, NULL };
	struct localconfig *lc;

	(void)state;
	lc = localconfig_parse_shell(S(
		"ldap_is_master='true';\n"
		"ldap_root_password='it'\\''s = secret';\n"
		"empty='';\n"
		"multi='a\nb';\n"
		"last='x'\\'''\\''';"), &e);
	assert_non_null(lc);
	assert_int_equal(lc->n, 5);
	assert_string_equal(localconfig_get(lc, "ldap_is_master"), "true");
	assert_string_equal(localconfig_get(lc, "ldap_root_password"), "it's = secret");
	assert_string_equal(localconfig_get(lc, "empty"), "");
	assert_string_equal(localconfig_get(lc, "multi"), "a\nb");
	assert_string_equal(localconfig_get(lc, "last"), "x''");
	localconfig_free(lc);

	/* what Carbonio's zmlocalconfig -m shell really writes: '' for a quote */
	lc = localconfig_parse_shell(S("q='it''s';\nend='it''';\nstart='''a';\ntwo='''''';\n"), &e);
	assert_non_null(lc);
	assert_int_equal(lc->n, 4);
	assert_string_equal(localconfig_get(lc, "q"), "it's");
	assert_string_equal(localconfig_get(lc, "end"), "it'");
	assert_string_equal(localconfig_get(lc, "start"), "'a");
	assert_string_equal(localconfig_get(lc, "two"), "''");
	localconfig_free(lc);

	assert_null(localconfig_parse_shell(S("a='1';\nb='2\n"), &e));
	assert_int_equal(e.line, 2);
	assert_null(localconfig_parse_shell(S("a='1';\nb='2'\n"), &e));
	assert_int_equal(e.line, 2);
	assert_null(localconfig_parse_shell(S("a='1';\nmulti='x\ny';\nc=3;\n"), &e));
	assert_int_equal(e.line, 4);
	assert_null(localconfig_parse_shell(S("a='1'; b='2';\n"), &e));
	assert_int_equal(e.line, 1);
	assert_null(localconfig_parse_shell(S("export a='1';\n"), &e));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_plain_errors),
		cmocka_unit_test(test_nokey),
		cmocka_unit_test(test_shell),
		cmocka_unit_test(test_flag),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
