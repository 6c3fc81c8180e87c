/* Tests for src/validate.c: every field check, good and bad values, with
 * the exact messages the site file and the TUI show. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "validate.h"

/* Assert that msg is NULL (valid); free it otherwise and fail. */
static void expect_ok(char *msg, const char *what)
{
	if (msg) {
		print_error("unexpected error for %s: %s\n", what, msg);
		free(msg);
		fail();
	}
}

/* Assert an error whose text equals want. */
static void expect_msg(char *msg, const char *want)
{
	assert_non_null(msg);
	assert_string_equal(msg, want);
	free(msg);
}

static void test_host_good(void **state)
{
	static const char *const good[] = {
		"ldap1.example.com", "localhost", "a", "x-1.y-2.example", "ldap1.example.com.",
		"127.0.0.1", "10.0.0.255", "::1", "fe80::1", "2001:db8::42", "::ffff:192.0.2.1",
		"A.EXAMPLE.COM", "1host.example", "xn--bcher-kva.example",
	};
	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		expect_ok(validate_host(good[i]), good[i]);

	/* Limits: a 63-byte label and a 253-byte name are fine. */
	char label[64];
	memset(label, 'a', 63);
	label[63] = '\0';
	expect_ok(validate_host(label), "63-byte label");
	char name[254];
	for (int i = 0; i < 253; i++)
		name[i] = (i % 2) ? '.' : 'a';
	name[253] = '\0';
	expect_ok(validate_host(name), "253-byte name");
}

static void test_host_bad(void **state)
{
	static const struct {
		const char *in;
		const char *msg;
	} bad[] = {
		{ "", "a host name is required" },
		{ "a_b", "\"a_b\" is not a valid host name" },
		{ "a b", "\"a b\" is not a valid host name" },
		{ "-a.example", "\"-a.example\" is not a valid host name (a label starts with '-')" },
		{ "a-.example", "\"a-.example\" is not a valid host name (a label ends with '-')" },
		{ "a..b", "\"a..b\" is not a valid host name (empty label)" },
		{ ".a", "\".a\" is not a valid host name (empty label)" },
		{ "1.2.3.999", "\"1.2.3.999\" is not a valid IPv4 address or host name" },
		{ "1.2.3", "\"1.2.3\" is not a valid IPv4 address or host name" },
		{ "::g", "\"::g\" is not a valid IPv6 address" },
		{ "fe80::1%eth0", "\"fe80::1%eth0\" is not a valid IPv6 address" },
		{ "[::1]", "\"[::1]\" is not a valid host name (write IPv6 addresses without brackets)" },
		{ "host\x01", "\"host\\x01\" is not a valid host name" },
		{ "ex\"ample", "\"ex\\\"ample\" is not a valid host name" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_msg(validate_host(bad[i].in), bad[i].msg);

	char label[65];
	memset(label, 'a', 64);
	label[64] = '\0';
	char *m = validate_host(label);
	assert_non_null(m);
	assert_non_null(strstr(m, "a label is longer than 63 characters"));
	free(m);

	char name[256];
	for (int i = 0; i < 255; i++)
		name[i] = (i % 2) ? '.' : 'a';
	name[255] = '\0';
	m = validate_host(name);
	assert_non_null(m);
	assert_non_null(strstr(m, "(1 to 253 characters)"));
	/* The quote is cut so a message stays readable. */
	assert_non_null(strstr(m, "\"..."));
	free(m);
}

static void test_port(void **state)
{
	unsigned v = 0;
	(void)state;

	expect_ok(validate_port("22", &v), "22");
	assert_int_equal(v, 22);
	expect_ok(validate_port("65535", &v), "65535");
	assert_int_equal(v, 65535);
	expect_ok(validate_port("1", &v), "1");
	assert_int_equal(v, 1);

	expect_msg(validate_port("", NULL), "a port is required");
	expect_msg(validate_port("0", NULL), "\"0\" is not a valid port (1 to 65535)");
	expect_msg(validate_port("65536", NULL), "\"65536\" is not a valid port (1 to 65535)");
	expect_msg(validate_port("99999999999999999999", NULL),
		   "\"99999999999999999999\" is not a valid port (1 to 65535)");
	expect_msg(validate_port("-1", NULL), "\"-1\" is not a valid port (digits only, 1 to 65535)");
	expect_msg(validate_port("+22", NULL), "\"+22\" is not a valid port (digits only, 1 to 65535)");
	expect_msg(validate_port("22 ", NULL), "\"22 \" is not a valid port (digits only, 1 to 65535)");
	expect_msg(validate_port("0x16", NULL), "\"0x16\" is not a valid port (digits only, 1 to 65535)");
}

static void test_uint_range(void **state)
{
	unsigned v = 0;
	(void)state;

	expect_ok(validate_uint_range("1000", 1, 1000, &v), "1000");
	assert_int_equal(v, 1000);
	expect_msg(validate_uint_range("1001", 1, 1000, NULL), "\"1001\" is out of range (1 to 1000)");
	expect_msg(validate_uint_range("0", 1, 1000, NULL), "\"0\" is out of range (1 to 1000)");
	expect_msg(validate_uint_range("1e3", 1, 1000, NULL), "\"1e3\" is not a number (digits only)");
	expect_msg(validate_uint_range("", 1, 1000, NULL), "a number is required");
}

static void test_paths(void **state)
{
	(void)state;
	expect_ok(validate_abs_path("/opt/zextras", false), "/opt/zextras");
	expect_ok(validate_abs_path("/", false), "/");
	expect_ok(validate_abs_path("~/.ssh/id", true), "~/.ssh/id");
	expect_msg(validate_abs_path("opt/zextras", false),
		   "\"opt/zextras\" is not an absolute path (start it with /)");
	expect_msg(validate_abs_path("~/.ssh/id", false),
		   "\"~/.ssh/id\" is not an absolute path (start it with /)");
	expect_msg(validate_abs_path("~user/x", true),
		   "\"~user/x\" is not an absolute path (start it with / or ~/)");
	expect_msg(validate_abs_path("~/", true), "\"~/\" is not an absolute path (start it with / or ~/)");
	expect_msg(validate_abs_path("", true), "a path is required");
}

static void test_text(void **state)
{
	(void)state;
	const char *ok = "plain ASCII, caf\xc3\xa9, \xe2\x82\xac, \xf0\x9f\x98\x80";
	expect_ok(validate_text(ok, strlen(ok), false), "UTF-8 text");
	expect_ok(validate_text("a\tb", 3, true), "tab allowed");

	expect_msg(validate_text("a\tb", 3, false), "control character U+0009 at offset 1");
	expect_msg(validate_text("ab\x1b[31m", 7, false), "control character U+001B at offset 2");
	expect_msg(validate_text("x\x7f", 2, false), "control character U+007F at offset 1");
	expect_msg(validate_text("a\0b", 3, false), "control character U+0000 at offset 1");
	/* C1 control U+0085 (NEL), valid UTF-8 but a control character. */
	expect_msg(validate_text("\xc2\x85", 2, false), "control character U+0085 at offset 0");
	expect_msg(validate_text("caf\xe9", 4, false), "invalid UTF-8 (byte 0xe9 at offset 3)");
	/* Overlong "/" and a UTF-16 surrogate. */
	expect_msg(validate_text("\xc0\xaf", 2, false), "invalid UTF-8 (byte 0xc0 at offset 0)");
	expect_msg(validate_text("\xed\xa0\x80", 3, false), "invalid UTF-8 (byte 0xed at offset 0)");
	/* Beyond U+10FFFF and a truncated sequence. */
	expect_msg(validate_text("\xf4\x90\x80\x80", 4, false), "invalid UTF-8 (byte 0xf4 at offset 0)");
	expect_msg(validate_text("ok\xe2\x82", 4, false), "invalid UTF-8 (byte 0xe2 at offset 2)");
}

static void test_user(void **state)
{
	(void)state;
	expect_ok(validate_user("root"), "root");
	expect_ok(validate_user("zextras"), "zextras");
	expect_ok(validate_user("_svc-01.x"), "_svc-01.x");
	expect_ok(validate_user("machine$"), "machine$");
	expect_msg(validate_user(""), "a user name is required");
	expect_msg(validate_user("-root"), "\"-root\" is not a valid user name");
	expect_msg(validate_user("1abc"), "\"1abc\" is not a valid user name");
	expect_msg(validate_user("ro ot"), "\"ro ot\" is not a valid user name");
	expect_msg(validate_user("a$b"), "\"a$b\" is not a valid user name");
	expect_msg(validate_user("abcdefghijabcdefghijabcdefghijabc"),
		   "\"abcdefghijabcdefghijabcdefghijabc\" is not a valid user name (at most 32 characters)");
}

static void test_length(void **state)
{
	char buf[VALIDATE_VALUE_MAX + 2];
	(void)state;

	memset(buf, 'x', VALIDATE_VALUE_MAX);
	buf[VALIDATE_VALUE_MAX] = '\0';
	expect_ok(validate_length(buf), "1024 bytes");
	buf[VALIDATE_VALUE_MAX] = 'x';
	buf[VALIDATE_VALUE_MAX + 1] = '\0';
	expect_msg(validate_length(buf), "value is 1025 bytes long (at most 1024)");
}

static void test_quote_and_home(void **state)
{
	(void)state;
	char *q = validate_quote("a\"b\\c\x01\xff", 80);
	assert_string_equal(q, "\"a\\\"b\\\\c\\x01\\xff\"");
	free(q);
	q = validate_quote("abcdef", 3);
	assert_string_equal(q, "\"abc\"...");
	free(q);

	setenv("HOME", "/home/tester", 1);
	char *p = validate_expand_home("~/.ssh/known_hosts");
	assert_string_equal(p, "/home/tester/.ssh/known_hosts");
	free(p);
	p = validate_expand_home("/etc/x");
	assert_string_equal(p, "/etc/x");
	free(p);
	assert_null(validate_expand_home("~bob/x"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_host_good),
		cmocka_unit_test(test_host_bad),
		cmocka_unit_test(test_port),
		cmocka_unit_test(test_uint_range),
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_user),
		cmocka_unit_test(test_length),
		cmocka_unit_test(test_quote_and_home),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
