/* shquote: quoting is proven by running the result through /bin/sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shquote.h"
#include "xalloc.h"

static const char *const nasty[] = {
	"",
	"plain",
	"two words",
	"it's",
	"''",
	"'\\''",
	"\"double\" quotes",
	"$(id -u)",
	"`id -u`",
	"$HOME ${HOME} $0 $$",
	"a; echo INJECTED",
	"a && b || c | d & e",
	"line1\nline2\n",
	"\n",
	"  leading and trailing spaces  ",
	"tab\there",
	"*",
	"/etc/*",
	"?[a-z]",
	"back\\slash\\",
	"\\",
	"~root",
	"-n",
	"-e \\n",
	"--password=x",
	"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
	"\xff\xfe bytes \x80",
	"%s %d %%",
	"!history",
	"#comment",
	"a=b",
	"(subshell)",
	"{brace,expansion}",
	"<in >out 2>&1",
	"\x01\x1b[31mred\x1b[0m",
	NULL,
};

/* Run cmd via popen (/bin/sh -c cmd) and return its stdout. */
static char *run(const char *cmd, size_t *outlen)
{
	FILE *f = popen(cmd, "r");
	assert_non_null(f);
	size_t cap = 256, len = 0, n;
	char *buf = xmalloc(cap);
	while ((n = fread(buf + len, 1, cap - len, f)) > 0) {
		len += n;
		if (len == cap)
			buf = xrealloc(buf, cap *= 2);
	}
	assert_int_equal(pclose(f), 0);
	*outlen = len;
	return buf;
}

static void assert_prints(const char *cmd, const char *expect)
{
	size_t len;
	char *out = run(cmd, &len);
	size_t el = strlen(expect);
	assert_int_equal(len, el + 1);
	assert_memory_equal(out, expect, el);
	assert_int_equal(out[el], '\n');
	free(out);
}

static void test_shquote_exact(void **state)
{
	(void)state;
	char *q = shquote("");
	assert_string_equal(q, "''");
	free(q);
	q = shquote("it's");
	assert_string_equal(q, "'it'\\''s'");
	free(q);
	q = shquote("a b");
	assert_string_equal(q, "'a b'");
	free(q);
}

static void test_shquote_executed(void **state)
{
	(void)state;
	for (size_t i = 0; nasty[i]; i++) {
		char *q = shquote(nasty[i]);
		char *cmd = xasprintf("printf '%%s\\n' %s", q);
		assert_prints(cmd, nasty[i]);
		free(cmd);
		free(q);
	}
}

/* su -c / sudo sh -c: the string is parsed twice. */
static void test_shquote_nested(void **state)
{
	(void)state;
	for (size_t i = 0; nasty[i]; i++) {
		char *q = shquote(nasty[i]);
		char *inner = xasprintf("printf '%%s\\n' %s", q);
		char *qi = shquote(inner);
		char *cmd = xasprintf("/bin/sh -c %s", qi);
		assert_prints(cmd, nasty[i]);
		free(cmd);
		free(qi);
		free(inner);
		free(q);
	}
}

static void test_shquote_join(void **state)
{
	(void)state;
	const char *const a1[] = {"zmlocalconfig", "-e", "ldap_url=ldap://a:389 ldap://b:389", NULL};
	char *j = shquote_join(a1);
	assert_string_equal(j, "zmlocalconfig -e 'ldap_url=ldap://a:389 ldap://b:389'");
	free(j);

	const char *const a2[] = {"ls", "-l", "/opt/zextras/conf", "a@b:c,d%e+f=g", "", NULL};
	j = shquote_join(a2);
	assert_string_equal(j, "ls -l /opt/zextras/conf a@b:c,d%e+f=g ''");
	free(j);

	const char *const a3[] = {"FOO=bar", "x", NULL}; /* not an assignment */
	j = shquote_join(a3);
	assert_string_equal(j, "'FOO=bar' x");
	free(j);

	const char *const a4[] = {NULL};
	j = shquote_join(a4);
	assert_string_equal(j, "");
	free(j);

	/* executed: every nasty string comes back as one argument */
	for (size_t i = 0; nasty[i]; i++) {
		const char *const argv[] = {"printf", "%s|\n", nasty[i], "x y", NULL};
		j = shquote_join(argv);
		char *expect = xasprintf("%s|\nx y|", nasty[i]);
		assert_prints(j, expect);
		free(expect);
		free(j);
	}
}

static void test_shquote_runas_strings(void **state)
{
	(void)state;
	char *r = shquote_runas(RUNAS_ROOT, "root", "id -u; echo 'x'");
	assert_string_equal(r, "id -u; echo 'x'");
	free(r);
	r = shquote_runas(RUNAS_ROOT, NULL, "id -u");
	assert_string_equal(r, "id -u");
	free(r);
	r = shquote_runas(RUNAS_ROOT, "admin", "id -u; echo 'x'");
	assert_string_equal(r, "sudo -n sh -c 'id -u; echo '\\''x'\\'''");
	free(r);
	r = shquote_runas(RUNAS_ZEXTRAS, "root", "zmlocalconfig -s ldap_url");
	assert_string_equal(r, "su - zextras -c 'zmlocalconfig -s ldap_url'");
	free(r);
	r = shquote_runas(RUNAS_ZEXTRAS, "admin", "zmprov -l gaa");
	assert_string_equal(r, "sudo -n su - zextras -c 'zmprov -l gaa'");
	free(r);
}

/* Execute the wrappers for real where this machine allows it: sudo as root
 * works without a password; su to zextras is replaced by su to root (same
 * parsing: the -c string goes through the target's login shell). */
static void test_shquote_runas_executed(void **state)
{
	(void)state;
	int have_sudo = system("sudo -n true >/dev/null 2>&1") == 0;
	for (size_t i = 0; nasty[i]; i++) {
		const char *const argv[] = {"printf", "%s\n", nasty[i], NULL};
		char *cmd = shquote_join(argv);
		if (have_sudo) {
			char *r = shquote_runas(RUNAS_ROOT, "admin", cmd);
			assert_prints(r, nasty[i]);
			free(r);
		}
		char *r = shquote_runas(RUNAS_ZEXTRAS, "root", cmd);
		const char *pfx = "su - zextras -c ";
		assert_memory_equal(r, pfx, strlen(pfx));
		char *asroot = xasprintf("su - root -c %s 2>/dev/null", r + strlen(pfx));
		assert_prints(asroot, nasty[i]);
		free(asroot);
		free(r);
		free(cmd);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shquote_exact),
		cmocka_unit_test(test_shquote_executed),
		cmocka_unit_test(test_shquote_nested),
		cmocka_unit_test(test_shquote_join),
		cmocka_unit_test(test_shquote_runas_strings),
		cmocka_unit_test(test_shquote_runas_executed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
