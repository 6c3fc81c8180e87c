#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "dovecot_version.h"

#define S(lit) (lit), (sizeof(lit) - 1)

static void test_debian12(void **state)
{
	struct dovecot_version v;
	struct dovecot_version_error e;
	const char *msg = NULL;

	(void)state;
	/* Verbatim from dovecot-replication.md (Debian 12). */
	assert_int_equal(dovecot_version_parse(S("2.3.19.1 (9b53102964)\n"), &v, &e), 0);
	assert_int_equal(v.major, 2);
	assert_int_equal(v.minor, 3);
	assert_int_equal(v.micro, 19);
	assert_int_equal(v.patch, 1);
	assert_string_equal(v.rev, "9b53102964");
	assert_string_equal(v.text, "2.3.19.1");
	assert_int_equal(dovecot_version_classify(&v, &msg), DOVECOT_VERSION_OK_OLD);
	assert_non_null(strstr(msg, "2.3.20"));
	assert_false(dovecot_version_has_next_sync_column(&v));
}

static void test_no_rev_and_no_newline(void **state)
{
	struct dovecot_version v;

	(void)state;
	assert_int_equal(dovecot_version_parse(S("2.3.21"), &v, NULL), 0);
	assert_int_equal(v.micro, 21);
	assert_int_equal(v.patch, -1);
	assert_string_equal(v.rev, "");
	assert_int_equal(dovecot_version_classify(&v, NULL), DOVECOT_VERSION_OK);
	assert_true(dovecot_version_has_next_sync_column(&v));
	assert_int_equal(dovecot_version_parse(S("2.3.20\n\n"), &v, NULL), 0);
	assert_int_equal(dovecot_version_classify(&v, NULL), DOVECOT_VERSION_OK);
}

static void test_24_refused(void **state)
{
	struct dovecot_version v;
	const char *msg = NULL;

	(void)state;
	assert_int_equal(dovecot_version_parse(S("2.4.1 (abc)\n"), &v, NULL), 0);
	assert_string_equal(v.rev, "abc");
	assert_int_equal(dovecot_version_classify(&v, &msg), DOVECOT_VERSION_TOO_NEW);
	assert_non_null(strstr(msg, "replicator"));
	assert_non_null(strstr(msg, "2.4.0"));
	assert_false(dovecot_version_has_next_sync_column(&v));

	assert_int_equal(dovecot_version_parse(S("2.4.1-4 (7d8c0e5759)\n"), &v, NULL), 0);
	assert_string_equal(v.suffix, "-4");
	assert_int_equal(dovecot_version_classify(&v, NULL), DOVECOT_VERSION_TOO_NEW);
	assert_int_equal(dovecot_version_parse(S("3.0\n"), &v, NULL), 0);
	assert_int_equal(v.micro, -1);
	assert_int_equal(dovecot_version_classify(&v, NULL), DOVECOT_VERSION_TOO_NEW);
}

static void test_too_old(void **state)
{
	struct dovecot_version v;
	const char *msg = NULL;

	(void)state;
	assert_int_equal(dovecot_version_parse(S("2.2.36.4 (baf9232c1)\n"), &v, NULL), 0);
	assert_int_equal(dovecot_version_classify(&v, &msg), DOVECOT_VERSION_TOO_OLD);
	assert_non_null(strstr(msg, "older than 2.3"));
}

static void test_garbage(void **state)
{
	struct dovecot_version v;
	struct dovecot_version_error e = { 0, NULL };

	(void)state;
	assert_int_equal(dovecot_version_parse(S(""), &v, &e), -1);
	assert_int_equal(e.line, 1);
	assert_int_equal(dovecot_version_parse(S("bash: dovecot: command not found\n"), &v, &e), -1);
	assert_int_equal(e.line, 1);
	assert_non_null(e.msg);
	assert_int_equal(dovecot_version_parse(S("2\n"), &v, &e), -1);
	assert_int_equal(dovecot_version_parse(S("2.\n"), &v, &e), -1);
	assert_int_equal(dovecot_version_parse(S("2.3.19.1 (9b53102964\n"), &v, &e), -1);
	assert_int_equal(dovecot_version_parse(S("2.3.19.1 junk\n"), &v, &e), -1);
	assert_int_equal(dovecot_version_parse(S("2.3.999999\n"), &v, &e), -1);
	assert_int_equal(dovecot_version_parse(S("2.3\0.19\n"), &v, &e), -1);
	/* A second non-empty line is not what the tool prints. */
	assert_int_equal(dovecot_version_parse(S("2.3.21\n\nextra\n"), &v, &e), -1);
	assert_int_equal(e.line, 3);
}

static void test_doveconf(void **state)
{
	struct dovecot_version v;
	struct dovecot_version_error e;

	(void)state;
	/* `doveconf -n | head -3` on this Debian 12 machine, verbatim. */
	assert_int_equal(dovecot_version_parse_doveconf(
		S("# 2.3.19.1 (9b53102964): /etc/dovecot/dovecot.conf\n"
		  "# Pigeonhole version 0.5.19 (4eae2f79)\n"
		  "# OS: Linux 6.18.44-fc-v657 x86_64 Debian 12.11 \n"), &v, &e), 0);
	assert_int_equal(v.micro, 19);
	assert_int_equal(v.patch, 1);
	assert_string_equal(v.rev, "9b53102964");
	assert_int_equal(dovecot_version_parse_doveconf(S("# 2.3.21: /etc/dovecot/dovecot.conf\n"), &v, &e), 0);
	assert_int_equal(v.micro, 21);
	assert_int_equal(dovecot_version_parse_doveconf(
		S("doveconf: Fatal: open(/etc/dovecot/dovecot.conf) failed: No such file or directory\n"), &v, &e), -1);
	assert_int_equal(e.line, 1);
	assert_int_equal(dovecot_version_parse_doveconf(S("# 2.3.19.1 (9b53102964)\n"), &v, &e), -1);
}

static void test_cmp(void **state)
{
	struct dovecot_version v;

	(void)state;
	assert_int_equal(dovecot_version_parse(S("2.3.19.1\n"), &v, NULL), 0);
	assert_true(dovecot_version_cmp(&v, 2, 3, 19, 0) > 0);
	assert_true(dovecot_version_cmp(&v, 2, 3, 19, 1) == 0);
	assert_true(dovecot_version_cmp(&v, 2, 3, 20, 0) < 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_debian12),
		cmocka_unit_test(test_no_rev_and_no_newline),
		cmocka_unit_test(test_24_refused),
		cmocka_unit_test(test_too_old),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_doveconf),
		cmocka_unit_test(test_cmp),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
