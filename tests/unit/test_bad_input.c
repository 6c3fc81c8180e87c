/* Bad input, table driven: site files that must be refused with a message
 * naming the line, the key and what is wrong, and LDAP passwords Carbonio
 * would refuse (password_rules.h). The end-to-end side (command line, the
 * proof that nothing connects) is tests/lab/t/81-bad-input.sh. */
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "password_rules.h"
#include "site.h"

struct site_case {
	const char *name;
	const char *text;   /* the file; "\\0" in the middle is kept via len */
	size_t len;         /* 0: strlen(text) */
	int line;           /* expected error line */
	const char *key;    /* expected key ("" when none) */
	const char *needle; /* expected in the message */
};

#define S2(m, r) "[carbonio]\nmaster = " m "\nreplicas = " r "\n"
#define LONG70 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

static const struct site_case site_cases[] = {
	{ "bad host name", S2("bad_host", "r1.example.com"), 0, 2, "master", "is not a valid host name" },
	{ "host starting with -", S2("-m.example.com", "r1.example.com"), 0, 2, "master", "starts with '-'" },
	{ "label over 63", S2(LONG70 ".example.com", "r1.example.com"), 0, 2, "master", "longer than 63" },
	{ "IPv4 out of range", S2("300.1.1.1", "r1.example.com"), 0, 2, "master", "not a valid IPv4" },
	{ "ssh port 0", "[ssh]\nport = 0\n" S2("m.example.com", "r1.example.com"), 0, 2, "port",
	  "is not a valid port (1 to 65535)" },
	{ "ssh port 70000", "[ssh]\nport = 70000\n" S2("m.example.com", "r1.example.com"), 0, 2, "port",
	  "is not a valid port (1 to 65535)" },
	{ "ldap_port not a number", S2("m.example.com", "r1.example.com") "ldap_port = abc\n", 0, 4,
	  "ldap_port", "is not a valid port" },
	{ "replica equal to the master", S2("m.example.com", "m.example.com"), 0, 3, "replicas",
	  "is the master: a replica must be another node" },
	{ "replica = master, other case", S2("m.example.com", "M.Example.COM"), 0, 3, "replicas", "is the master" },
	{ "replica listed twice", S2("m.example.com", "r1.example.com r1.example.com"), 0, 3, "replicas",
	  "is listed twice" },
	{ "empty master", S2("", "r1.example.com"), 0, 2, "master", "a value is required" },
	{ "no master", "[carbonio]\nreplicas = r1.example.com\n", 0, 1, "master", "is required" },
	{ "over-long value", "[carbonio]\nmaster = " LONG70 LONG70 LONG70 LONG70 LONG70 LONG70 LONG70 LONG70
	  LONG70 LONG70 LONG70 LONG70 LONG70 LONG70 LONG70 ".com\nreplicas = r1.example.com\n", 0, 2, "master",
	  "at most 1024" },
	{ "control character", S2("m.exa\001mple.com", "r1.example.com"), 0, 2, "master",
	  "control character U+0001" },
	{ "escape sequence", S2("m.example.com", "r1.example.com") "prefix = /opt/\033[31mz\n", 0, 4, "prefix",
	  "control character U+001B" },
	{ "NUL byte", "[carbonio]\nmaster = m.exa\0mple.com\nreplicas = r1.example.com\n", 55, 2, "master",
	  "control character U+0000" },
	{ "non-UTF-8", S2("m.example.com", "r1.example.com") "prefix = /opt/\377\376\n", 0, 4, "prefix",
	  "invalid UTF-8" },
	{ "duplicate section", S2("m.example.com", "r1.example.com") "[carbonio]\nmaster = m2.example.com\n", 0,
	  4, "", "duplicate section" },
	{ "duplicate key", "[carbonio]\nmaster = m.example.com\nmaster = m2.example.com\nreplicas = r.example.com\n",
	  0, 3, "master", "duplicate key" },
	{ "unknown section", S2("m.example.com", "r1.example.com") "[foo]\nx = 1\n", 0, 4, "",
	  "unknown section" },
	{ "a password in the file", S2("m.example.com", "r1.example.com") "password = x\n", 0, 4, "password",
	  "looks like a secret" },
	{ "relative prefix", S2("m.example.com", "r1.example.com") "prefix = opt/zextras\n", 0, 4, "prefix",
	  "is not an absolute path" },
	{ "user with a blank", "[ssh]\nuser = ro ot\n" S2("m.example.com", "r1.example.com"), 0, 2, "user",
	  "is not a valid user name" },
	{ "one Dovecot server", S2("m.example.com", "r1.example.com") "[dovecot]\nservers = i1.example.com\n", 0,
	  5, "servers", "needs exactly two servers" },
	{ "max_conns 0", S2("m.example.com", "r1.example.com")
	  "[dovecot]\nservers = a.example.com b.example.com\nmax_conns = 0\n", 0, 6, "max_conns", "out of range" },
	{ "key outside a section", "master = m.example.com\n", 0, 1, "master", "outside of any section" },
	{ "broken section header", "[carbonio\nmaster = m.example.com\n", 0, 1, "", "without a closing ']'" },
};

static void test_site_cases(void **state)
{
	(void)state;
	char path[] = "/tmp/test_bad_input.XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	for (size_t i = 0; i < sizeof site_cases / sizeof site_cases[0]; i++) {
		const struct site_case *c = &site_cases[i];
		size_t len = c->len ? c->len : strlen(c->text);
		FILE *f = fopen(path, "wb");
		assert_non_null(f);
		assert_int_equal(fwrite(c->text, 1, len, f), len);
		fclose(f);
		struct site_error err;
		struct site *s = site_load(path, &err);
		if (s) {
			site_free(s);
			fail_msg("case \"%s\": the site was accepted", c->name);
		}
		char buf[2048];
		site_error_format(&err, buf, sizeof buf);
		if (err.line != c->line || strcmp(err.key, c->key) != 0 || !strstr(err.message, c->needle))
			fail_msg("case \"%s\": got line %d key \"%s\": %s", c->name, err.line, err.key, buf);
		/* the formatted message names the file and never carries raw
		 * control bytes to the terminal */
		assert_non_null(strstr(buf, path));
		for (const char *p = buf; *p; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				fail_msg("case \"%s\": control byte in the message: %s", c->name, buf);
	}
	unlink(path);
}

/* The TUI's fields go through site_set(): the same refusals, per field. */
struct set_case {
	const char *section, *key, *value, *needle;
};

static const struct set_case set_cases[] = {
	{ "carbonio", "master", "bad_host", "is not a valid host name" },
	{ "carbonio", "master", "", "required" },
	{ "carbonio", "replicas", "r1.example.com r1.example.com", "listed twice" },
	{ "ssh", "port", "0", "1 to 65535" },
	{ "ssh", "port", "70000", "1 to 65535" },
	{ "ssh", "port", "22x", "not a valid port" },
	{ "ssh", "user", "ro ot", "not a valid user name" },
	{ "carbonio", "prefix", "relative/path", "not an absolute path" },
	{ "carbonio", "prefix", "/opt/\033[2J", "control character U+001B" },
	{ "carbonio", "prefix", "/opt/\377", "invalid UTF-8" },
	{ "carbonio", "password", "secret", "looks like a secret" },
	{ "nosuch", "x", "1", "unknown section" },
	{ "host bad_host", "port", "22", "not a valid host name" },
};

static void test_site_set_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof set_cases / sizeof set_cases[0]; i++) {
		const struct set_case *c = &set_cases[i];
		struct site *s = site_new();
		struct site_error err;
		memset(&err, 0, sizeof err);
		bool ok = site_set(s, c->section, c->key, c->value, &err);
		if (ok) {
			/* some refusals are cross-field: they come from validate */
			ok = site_set(s, "carbonio", "master", "m.example.com", &err) &&
			     site_validate(s, &err);
		}
		site_free(s);
		if (ok)
			fail_msg("site_set case %zu ([%s] %s): accepted", i, c->section, c->key);
		if (!strstr(err.message, c->needle))
			fail_msg("site_set case %zu ([%s] %s): expected \"%s\", got \"%s\"", i, c->section,
				 c->key, c->needle, err.message);
	}
}

struct pw_case {
	const char *pw;
	const char *needle; /* NULL: accepted */
};

static const struct pw_case pw_cases[] = {
	{ "labpass", NULL },
	{ "Abc123xyz", NULL },
	{ "p\xc3\xa4ssw\xc3\xb6rd", NULL }, /* UTF-8 letters */
	{ "with-dash_and.dot", NULL },
	{ "a$b1234", "'$' or '\\'" },
	{ "$HOME12", "'$' or '\\'" },
	{ "a\\b1234", "'$' or '\\'" },
	{ "it's1234", "single quote" },
	{ "say\"hi\"1", "double quote" },
	{ "\"quoted\"", "double quote" },
	{ "with space", "a space" },
	{ "trailing ", "a space" },
	{ "new\nline1", "control character" },
	{ "tab\there", "control character" },
	{ "esc\033[2J", "control character" },
	{ "del\177eted", "control character" },
	{ "bad\xff\xfe" "utf", "not valid UTF-8" },
	{ "over\xc0\xaflong", "not valid UTF-8" },
	{ "c1\xc2\x85" "ctrl", "not valid UTF-8" },
	{ "abc12", "shorter than 6" },
	{ "", "shorter than 6" },
	{ "\xc3\xa4\xc3\xa4\xc3\xa4", "shorter than 6" }, /* 6 bytes, 3 characters */
};

static void test_password_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof pw_cases / sizeof pw_cases[0]; i++) {
		const struct pw_case *c = &pw_cases[i];
		const char *why = password_rules_ldap_problem(c->pw);
		if (!c->needle) {
			if (why)
				fail_msg("password case %zu refused: %s", i, why);
			continue;
		}
		if (!why || !strstr(why, c->needle))
			fail_msg("password case %zu: expected \"%s\", got %s", i, c->needle, why ? why : "accepted");
		/* the message never quotes the password */
		if (strlen(c->pw) >= 4 && strstr(why, c->pw))
			fail_msg("password case %zu: the message quotes the password", i);
	}
	char big[300];
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	assert_non_null(strstr(password_rules_ldap_problem(big), "longer than 256"));
	big[PASSWORD_RULES_MAX] = '\0';
	assert_null(password_rules_ldap_problem(big));
	assert_non_null(password_rules_ldap_problem(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_site_cases),
		cmocka_unit_test(test_site_set_cases),
		cmocka_unit_test(test_password_cases),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
