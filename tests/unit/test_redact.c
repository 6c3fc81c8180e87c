/* redact: registered secrets and password-like key=value pairs are masked. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "redact.h"

static int teardown(void **state)
{
	(void)state;
	redact_clear();
	return 0;
}

static void expect_redacted(const char *in, const char *expect)
{
	char *out = redact(in);
	assert_string_equal(out, expect);
	free(out);
}

static void test_redact_registry(void **state)
{
	(void)state;
	assert_int_equal(redact_count(), 0);
	expect_redacted("nothing to do", "nothing to do");
	redact_add("");
	assert_int_equal(redact_count(), 0);
	redact_add("S3cr3t!");
	redact_add("S3cr3t!");
	assert_int_equal(redact_count(), 1);
	expect_redacted("pw S3cr3t! and S3cr3t!S3cr3t! end", "pw **** and **** end");
	expect_redacted("S3cr3t!", "****");
	expect_redacted("S3cr3t", "S3cr3t");
	/* fixed width whatever the length */
	redact_add("x9");
	expect_redacted("[x9]", "[****]");
	redact_clear();
	assert_int_equal(redact_count(), 0);
	expect_redacted("S3cr3t! x9", "S3cr3t! x9");
}

static void test_redact_nested_and_overlap(void **state)
{
	(void)state;
	/* a secret containing another: fully covered, whatever the add order */
	redact_add("pass");
	redact_add("mypassword");
	expect_redacted("got mypassword.", "got ****.");
	expect_redacted("a pass b", "a **** b");
	redact_clear();
	/* overlapping matches of two secrets and of one secret with itself */
	redact_add("abcd");
	redact_add("cdef");
	expect_redacted("xabcdefy", "x****y");
	redact_clear();
	redact_add("aba");
	expect_redacted("ababa|", "****|");
}

static void test_redact_binary(void **state)
{
	(void)state;
	static const char in[] = "\x00\xff" "zimbra" "\x1b[0m\x00zimbra\x80";
	redact_add("zimbra");
	size_t n;
	char *out = redact_mem(in, sizeof(in) - 1, &n);
	static const char expect[] = "\x00\xff" "****" "\x1b[0m\x00****\x80";
	assert_int_equal(n, sizeof(expect) - 1);
	assert_memory_equal(out, expect, n);
	assert_int_equal(out[n], '\0');
	free(out);
	/* a secret with a NUL-free binary byte */
	redact_add("p\xc3\xa4ss\x01");
	expect_redacted("[p\xc3\xa4ss\x01]", "[****]");
}

static void test_redact_shell_quoted(void **state)
{
	(void)state;
	redact_add("it's");
	assert_int_equal(redact_count(), 1);
	expect_redacted("echo 'it'\\''s' it's", "echo '****' ****");
	/* printf %q / double quotes: a backslash before what is special */
	redact_add("a b\"$c");
	expect_redacted("x=a\\ b\\\"\\$c; y=\"a b\\\"\\$c\"", "x=****; y=\"****\"");
}

/* One secret with every byte an encoder may escape: " \ / space ' + % ö and
 * a control character; each encoded form is masked, near misses are not. */
static void test_redact_encoded_forms(void **state)
{
	(void)state;
	redact_add("p\"a\\s/ s'\xc3\xb6+%\t");
	/* JSON: minimal, with \/, with \u for non-ASCII and controls, either case */
	expect_redacted("{\"pw\":\"p\\\"a\\\\s/ s'\xc3\xb6+%\\t\"}", "{\"pw\":\"****\"}");
	expect_redacted("[\"p\\\"a\\\\s\\/ s'\\u00f6+%\\u0009\"]", "[\"****\"]");
	expect_redacted("[\"p\\u0022a\\u005Cs\\u002F\\u0020s\\u0027\\u00F6\\u002B\\u0025\\u0009\"]",
			"[\"****\"]");
	/* percent-encoded: all of it, only what RFC 3986 reserves, form style */
	expect_redacted("u=p%22a%5Cs%2F%20s%27%C3%B6%2B%25%09&x", "u=****&x");
	expect_redacted("u=p%22a%5cs/%20s'%c3%b6+%25%09&x", "u=****&x");
	expect_redacted("u=%70%22a%5Cs%2F+s%27%C3%B6%2B%25%09&x", "u=****&x");
	expect_redacted("u=p%22a%5Cs%2F%20s%27%C3%B6%2B%25%0A&x", "u=p%22a%5Cs%2F%20s%27%C3%B6%2B%25%0A&x");
	expect_redacted("u=p%22a%5Cs%2F%20s%27%C3%B6%2B%2%09", "u=p%22a%5Cs%2F%20s%27%C3%B6%2B%2%09");
	/* shell single quotes */
	expect_redacted("echo 'p\"a\\s/ s'\\''\xc3\xb6+%\t'", "echo '****'");
	/* broken JSON escapes decode to nothing */
	expect_redacted("\"p\\\"a\\\\s/ s'\\u00g6+%\\t\"", "\"p\\\"a\\\\s/ s'\\u00g6+%\\t\"");
	redact_clear();

	/* beyond U+FFFF: a surrogate pair; a lone surrogate is no match */
	redact_add("k\xf0\x9f\x98\x80y");
	expect_redacted("\"k\\ud83d\\ude00y\"", "\"****\"");
	expect_redacted("\"k\\uD83D\\uDE00y\"", "\"****\"");
	expect_redacted("\"k\\ud83dy\"", "\"k\\ud83dy\"");
	redact_clear();

	/* plain letters escaped needlessly still count; a space as + too */
	redact_add("open sesame");
	expect_redacted("q=open+sesame", "q=****");
	expect_redacted("q=\\u006fpen\\u0020sesame!", "q=****!");
	expect_redacted("q=open+sesamE", "q=open+sesamE");
}

/* Masking comes before a cut: the start of a secret is never shown. */
static void test_redact_prefix(void **state)
{
	(void)state;
	redact_add("TopSecretValue");
	char line[200];
	memset(line, 'x', sizeof line);
	memcpy(line + 150, "TopSecretValue", 14);
	char *out = redact_prefix(line, sizeof line, 160);
	assert_int_equal(strlen(out), 160);
	assert_memory_equal(out + 150, "****", 4);
	assert_null(strstr(out, "TopS"));
	free(out);
	/* a cut inside a UTF-8 character moves back before it */
	out = redact_prefix("ab\xc3\xa9", 4, 3);
	assert_string_equal(out, "ab");
	free(out);
	/* short enough: untouched apart from masking */
	out = redact_prefix("pw=TopSecretValue", 17, 160);
	assert_string_equal(out, "pw=****");
	free(out);
}

/* Where a too long line is cut: never inside a secret, in any form, nor
 * between a password-like key and its value; enough is kept after it. */
static void test_redact_cut(void **state)
{
	(void)state;
	char line[400];
	memset(line, 'x', sizeof line);
	/* nothing registered: REDACT_KEY_HOLD bytes are kept after the cut */
	assert_int_equal(redact_hold(), REDACT_KEY_HOLD);
	assert_int_equal(redact_cut(line, sizeof line, sizeof line), sizeof line - REDACT_KEY_HOLD);
	assert_int_equal(redact_cut(line, sizeof line, 100), 100);
	/* a pair near the end goes whole to the next part */
	memcpy(line + 299, " ldap_root_password=", 20);
	assert_int_equal(redact_cut(line, sizeof line, sizeof line), 300);
	memset(line, 'x', sizeof line);

	redact_add("0123456789abcdef"); /* 16 bytes: hold 96 */
	assert_int_equal(redact_hold(), 96);
	memcpy(line + 290, "0123456789abcdef", 16);
	assert_int_equal(redact_cut(line, sizeof line, sizeof line), 290);
	memset(line, 'x', sizeof line);
	memcpy(line + 290, "0123%34%35%36%37%38%39%61%62%63%64%65%66", 41);
	assert_int_equal(redact_cut(line, sizeof line, sizeof line), 290);
	/* before a UTF-8 character */
	memset(line, 'x', sizeof line);
	memcpy(line + 303, "\xc3\xa9", 2);
	assert_int_equal(redact_cut(line, sizeof line, sizeof line), 303);
	/* no good point: the limit */
	assert_int_equal(redact_cut(line, 50, 50), 50);
	memcpy(line, "0123456789abcdef", 16);
	assert_int_equal(redact_cut(line, 110, 110), 110);
}

static void test_redact_pairs(void **state)
{
	(void)state;
	/* zmlocalconfig plain output */
	expect_redacted("ldap_root_password = zimbra\nldap_url = ldap://a:389\n",
			"ldap_root_password = ****\nldap_url = ldap://a:389\n");
	expect_redacted("zimbra_ldap_password = two words \r\n",
			"zimbra_ldap_password = **** \r\n");
	/* -m shell / export */
	expect_redacted("ldap_replication_password='s3c;r=t';\nldap_port='389';",
			"ldap_replication_password='****';\nldap_port='389';");
	expect_redacted("export ldap_nginx_password='x';", "export ldap_nginx_password='****';");
	/* bootstrap config */
	expect_redacted("LDAPROOTPASS=abc def\nLDAPHOST=master\nLDAPADMINPASS=\"q\"\n",
			"LDAPROOTPASS=****\nLDAPHOST=master\nLDAPADMINPASS=\"****\"\n");
	expect_redacted("ldap_nginx_password=n\nLDAPREPPASS=r", "ldap_nginx_password=****\nLDAPREPPASS=****");
	/* olcSyncrepl: only the credentials value */
	expect_redacted("olcSyncrepl: rid=100 provider=ldap://m:389 bindmethod=simple "
			"binddn=\"uid=zmreplica,cn=admins,cn=zimbra\" credentials=zmreplica "
			"searchbase=\"\" retry=\"60 +\"",
			"olcSyncrepl: rid=100 provider=ldap://m:389 bindmethod=simple "
			"binddn=\"uid=zmreplica,cn=admins,cn=zimbra\" credentials=**** "
			"searchbase=\"\" retry=\"60 +\"");
	expect_redacted("Credentials=\"a b\" x", "Credentials=\"****\" x");
	/* an unquoted value may hold spaces (bootstrap config): to the end of
	 * the line unless another pair follows; over-masking is the safe side */
	expect_redacted("--password=hunter2 --verbose", "--password=****");
	expect_redacted("--password=hunter2 --verbose=1", "--password=**** --verbose=1");
	expect_redacted("MyPasswd=1", "MyPasswd=****");
	expect_redacted("ADMINPW=1 ", "ADMINPW=**** ");
	/* not password keys, or nothing to hide */
	expect_redacted("ldap_url=ldap://a:389 user=x a==b =c", "ldap_url=ldap://a:389 user=x a==b =c");
	expect_redacted("ldap_root_password=\n", "ldap_root_password=\n");
	expect_redacted("ldap_root_password = ''", "ldap_root_password = ''");
	/* registry and pairs together */
	redact_add("zimbra");
	expect_redacted("uid=zimbra ldap_root_password=zimbra", "uid=**** ldap_root_password=****");
}

static void test_redact_inplace(void **state)
{
	(void)state;
	redact_add("ab");
	char buf[16] = "xab";
	size_t n = redact_inplace(buf, 3, sizeof(buf));
	assert_int_equal(n, 5);
	assert_string_equal(buf, "x****");
	char small[4] = {'a', 'b', 'a', 'b'};
	n = redact_inplace(small, 4, sizeof(small));
	assert_int_equal(n, 4);
	assert_memory_equal(small, "****", 4);
	char s2[6] = "q ab";
	n = redact_inplace(s2, 4, sizeof(s2));
	assert_int_equal(n, 6);
	assert_memory_equal(s2, "q ****", 6); /* no room for NUL: length tells */
	redact_clear();
	char s3[8] = "keep";
	assert_int_equal(redact_inplace(s3, 4, sizeof(s3)), 4);
	assert_string_equal(s3, "keep");
}

static void test_redact_large(void **state)
{
	(void)state;
	/* quick and correct on a big text with and without secrets */
	size_t n = 1 << 20;
	char *big = malloc(n + 1);
	assert_non_null(big);
	memset(big, 'a', n);
	big[n] = '\0';
	size_t ol;
	char *out = redact_mem(big, n, &ol);
	assert_int_equal(ol, n);
	free(out);
	memcpy(big + n / 2, "TOPSECRET", 9);
	redact_add("TOPSECRET");
	out = redact_mem(big, n, &ol);
	assert_int_equal(ol, n - 9 + 4);
	assert_memory_equal(out + n / 2, "****a", 5);
	free(out);
	free(big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_redact_registry, teardown),
		cmocka_unit_test_teardown(test_redact_nested_and_overlap, teardown),
		cmocka_unit_test_teardown(test_redact_binary, teardown),
		cmocka_unit_test_teardown(test_redact_shell_quoted, teardown),
		cmocka_unit_test_teardown(test_redact_encoded_forms, teardown),
		cmocka_unit_test_teardown(test_redact_prefix, teardown),
		cmocka_unit_test_teardown(test_redact_cut, teardown),
		cmocka_unit_test_teardown(test_redact_pairs, teardown),
		cmocka_unit_test_teardown(test_redact_inplace, teardown),
		cmocka_unit_test_teardown(test_redact_large, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
