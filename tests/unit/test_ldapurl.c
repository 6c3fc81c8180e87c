/* ldapurl: the ldap_url list rules zmreplchk depends on. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "ldapurl.h"

#define M "ldap://srv1.example.com:389"

static void test_ldapurl_parse_one(void **state)
{
	(void)state;
	struct ldapurl u;
	char *err = NULL;
	assert_true(ldapurl_parse(M, strlen(M), &u, &err));
	assert_string_equal(u.text, M);
	assert_string_equal(u.host, "srv1.example.com");
	assert_int_equal(u.port, 389);
	assert_false(u.tls);
	assert_false(u.slash);
	ldapurl_clear(&u);

	const char *s = "ldaps://[2001:db8::1]:636/";
	assert_true(ldapurl_parse(s, strlen(s), &u, NULL));
	assert_string_equal(u.host, "2001:db8::1");
	assert_true(u.tls && u.slash);
	assert_string_equal(u.text, s); /* byte identity, slash kept */
	ldapurl_clear(&u);

	s = "ldap://127.0.0.3";
	assert_true(ldapurl_parse(s, strlen(s), &u, NULL));
	assert_int_equal(u.port, 0);
	assert_int_equal(ldapurl_port(&u), 389);
	ldapurl_clear(&u);
	s = "LDAPS://Host_1.example.com";
	assert_true(ldapurl_parse(s, strlen(s), &u, NULL));
	assert_int_equal(ldapurl_port(&u), 636);
	ldapurl_clear(&u);

	static const char *const bad[] = {
		"", "ldap://", "ldap://:389", "http://a:389", "ldapi://%2frun%2fldapi",
		"ldap://a:0", "ldap://a:65536", "ldap://a:", "ldap://a:38x9",
		"ldap://a:389//", "ldap://a:389/dc=x", "ldap://a b", "ldap://a..b",
		"ldap://.a", "ldap://-a", "ldap://[::1", "ldap://[]:389", "ldap://[zz::1]",
		"ldap://a:0000389", "ldap://a:389 ", "ldap://user@a:389", NULL,
	};
	for (size_t i = 0; bad[i]; i++) {
		err = NULL;
		if (ldapurl_parse(bad[i], strlen(bad[i]), &u, &err))
			fail_msg("accepted '%s'", bad[i]);
		assert_non_null(err);
		assert_non_null(strstr(err, "invalid LDAP URL"));
		free(err);
	}
}

static void test_ldapurl_for(void **state)
{
	(void)state;
	char *s = ldapurl_for("ds-replica.example.com", 389);
	assert_string_equal(s, "ldap://ds-replica.example.com:389");
	free(s);
	s = ldapurl_for("ds-replica.example.com", 636);
	assert_string_equal(s, "ldaps://ds-replica.example.com:636");
	free(s);
	s = ldapurl_for("127.0.0.3", 0);
	assert_string_equal(s, "ldap://127.0.0.3:389");
	free(s);
	s = ldapurl_for("::1", 3890);
	assert_string_equal(s, "ldap://[::1]:3890");
	free(s);
	/* a node's own URL: its zimbra_server_hostname, lower-cased */
	s = ldapurl_for_own("DS-Replica.Example.COM", 389);
	assert_string_equal(s, "ldap://ds-replica.example.com:389");
	free(s);
	s = ldapurl_for_own("2001:DB8::2", 636);
	assert_string_equal(s, "ldaps://[2001:db8::2]:636");
	free(s);
}

static void expect_strict_error(const char *value, const char *needle)
{
	char *err = NULL;
	struct ldapurl_list *l = ldapurl_list_parse(value, LDAPURL_STRICT, &err);
	if (l)
		fail_msg("strict accepted '%s'", value);
	assert_non_null(err);
	if (!strstr(err, needle))
		fail_msg("error '%s' lacks '%s'", err, needle);
	free(err);
}

static void test_ldapurl_list_strict(void **state)
{
	(void)state;
	char *err = NULL;
	const char *v = "ldap://ds1-replica.example.com:389 ldap://ds2-replica.example.com:389 " M;
	struct ldapurl_list *l = ldapurl_list_parse(v, LDAPURL_STRICT, &err);
	assert_non_null(l);
	assert_int_equal(l->n, 3);
	assert_string_equal(l->v[2].text, M);
	char *j = ldapurl_list_join(l);
	assert_string_equal(j, v);
	free(j);
	ldapurl_list_free(l);

	expect_strict_error("", "empty value");
	expect_strict_error(" " M, "leading space");
	expect_strict_error(M " ", "trailing space");
	expect_strict_error("ldap://a:389  " M, "extra space at offset 13");
	expect_strict_error("ldap://a:389\t" M, "tab at offset 12");
	expect_strict_error("ldap://a:389\n" M, "newline at offset 12");
	/* the multi-line docs command pasted with its continuation */
	expect_strict_error("ldap://a:389 \\\n  ldap://b:389", "backslash-newline at offset 13");
	/* what bash makes of it inside double quotes: three spaces */
	expect_strict_error("ldap://a:389   ldap://b:389", "extra space");
	expect_strict_error("ldap://a:389 ldap://A:389/", "duplicate entry");
	expect_strict_error("ldap://a:389 ldap://a", "duplicate entry"); /* 389 implied */
	expect_strict_error("ldap://a:389 ldap://", "invalid LDAP URL");
	/* the docs' missing closing quote leaves a quote in the value */
	expect_strict_error("ldap://a:389 ldap://b:389\"", "invalid LDAP URL");
}

static void test_ldapurl_list_lenient(void **state)
{
	(void)state;
	char *err = NULL;
	struct ldapurl_list *l = ldapurl_list_parse("ldap://a:389 \\\n  ldap://b:389 \tldap://A:389\n",
						    LDAPURL_LENIENT, &err);
	assert_non_null(l);
	assert_int_equal(l->n, 2);
	char *j = ldapurl_list_join(l);
	assert_string_equal(j, "ldap://a:389 ldap://b:389");
	free(j);
	ldapurl_list_free(l);

	l = ldapurl_list_parse("  ", LDAPURL_LENIENT, NULL);
	assert_non_null(l);
	assert_int_equal(l->n, 0);
	ldapurl_list_free(l);

	assert_null(ldapurl_list_parse("ldap://a:389 junk", LDAPURL_LENIENT, &err));
	assert_non_null(strstr(err, "'junk'"));
	free(err);
}

static void test_ldapurl_install(void **state)
{
	(void)state;
	char *err = NULL;
	const char *r1[] = {"ldap://ds1-replica.example.com:389", "ldap://ds2-replica.example.com:389"};
	char *v = ldapurl_install(M, r1, 2, &err);
	assert_string_equal(v, "ldap://ds1-replica.example.com:389 ldap://ds2-replica.example.com:389 " M);
	free(v);

	/* master byte-identical, trailing slash and all; duplicates dropped */
	const char *r2[] = {"ldap://b:389", "ldap://a:389", "ldap://B:389/"};
	v = ldapurl_install("ldap://m.example.com:389/", r2, 3, &err);
	assert_string_equal(v, "ldap://b:389 ldap://a:389 ldap://m.example.com:389/");
	free(v);

	/* no replica: just the master */
	v = ldapurl_install(M, NULL, 0, &err);
	assert_string_equal(v, M);
	free(v);

	/* MMR: both masters last, as written */
	const char *r3[] = {"ldaps://r.example.com:636"};
	v = ldapurl_install("ldap://m1:389 ldap://m2:389", r3, 1, &err);
	assert_string_equal(v, "ldaps://r.example.com:636 ldap://m1:389 ldap://m2:389");
	free(v);

	/* the lab */
	const char *r4[] = {"ldap://127.0.0.3:389"};
	v = ldapurl_install("ldap://127.0.0.2:389", r4, 1, &err);
	assert_string_equal(v, "ldap://127.0.0.3:389 ldap://127.0.0.2:389");
	free(v);

	const char *r5[] = {"ldap://SRV1.example.com"};
	assert_null(ldapurl_install(M, r5, 1, &err));
	assert_string_equal(err, "replica 'ldap://SRV1.example.com' is the master");
	free(err);
	const char *r6[] = {"ldap://ok:389", "ldap://bad host"};
	assert_null(ldapurl_install(M, r6, 2, &err));
	assert_non_null(strstr(err, "invalid LDAP URL 'ldap://bad host'"));
	free(err);
	assert_null(ldapurl_install("", r1, 2, &err));
	assert_non_null(strstr(err, "ldap_master_url"));
	free(err);
	assert_null(ldapurl_install(M "  ", r1, 2, &err));
	free(err);
}

static void test_ldapurl_remove(void **state)
{
	(void)state;
	char *err = NULL;
	const char *cur = "ldap://ds1-replica.example.com:389 ldap://ds2-replica.example.com:389 " M;

	const char *t1[] = {"ldap://ds1-replica.example.com:389"};
	char *v = ldapurl_remove(cur, M, t1, 1, &err);
	assert_string_equal(v, "ldap://ds2-replica.example.com:389 " M);
	/* removing the last replica leaves just the master */
	const char *t2[] = {"DS2-replica.example.com"}; /* bare host, any case */
	char *v2 = ldapurl_remove(v, M, t2, 1, &err);
	assert_string_equal(v2, M);
	/* idempotent */
	char *v3 = ldapurl_remove(v2, M, t2, 1, &err);
	assert_string_equal(v3, M);
	free(v3);
	free(v2);
	free(v);

	/* order kept, master moved last and made byte-identical */
	v = ldapurl_remove("ldap://SRV1.example.com ldap://a:389 ldap://b:389 ldap://c:389",
			   M, t1, 1, &err);
	assert_string_equal(v, "ldap://a:389 ldap://b:389 ldap://c:389 " M);
	free(v);
	const char *tb[] = {"ldap://b:389/"};
	v = ldapurl_remove("ldap://a:389 ldap://b:389 ldap://c:389 " M, M, tb, 1, &err);
	assert_string_equal(v, "ldap://a:389 ldap://c:389 " M);
	free(v);

	/* port-aware: b on another port stays */
	const char *tb2[] = {"ldap://b:3890"};
	v = ldapurl_remove("ldap://b:389 " M, M, tb2, 1, &err);
	assert_string_equal(v, "ldap://b:389 " M);
	free(v);

	/* a value broken by the docs' multi-line command is repaired */
	v = ldapurl_remove("ldap://a:389 \\\n  ldap://b:389 \\\n  " M, M, tb, 1, &err);
	assert_string_equal(v, "ldap://a:389 " M);
	free(v);

	/* refusals */
	const char *tm[] = {"ldap://srv1.example.com:389/"};
	assert_null(ldapurl_remove(cur, M, tm, 1, &err));
	assert_string_equal(err, "refusing to remove the master '" M "'");
	free(err);
	const char *tmh[] = {"srv1.EXAMPLE.com"};
	assert_null(ldapurl_remove(cur, M, tmh, 1, &err));
	assert_non_null(strstr(err, "refusing to remove the master"));
	free(err);
	assert_null(ldapurl_remove(cur, "", t1, 1, &err)); /* result would be empty */
	assert_non_null(strstr(err, "ldap_master_url: empty value"));
	free(err);
	assert_null(ldapurl_remove(cur, "ldap://m:389 ldap://m:389", t1, 1, &err));
	free(err);
	assert_null(ldapurl_remove("ldap://a:389 garbage " M, M, t1, 1, &err));
	assert_non_null(strstr(err, "current ldap_url"));
	free(err);
	const char *tbad[] = {"bad host!"};
	assert_null(ldapurl_remove(cur, M, tbad, 1, &err));
	assert_string_equal(err, "invalid host name 'bad host!'");
	free(err);
	/* NULL err is allowed */
	assert_null(ldapurl_remove(cur, M, tm, 1, NULL));
}

static void test_ldapurl_names(void **state)
{
	(void)state;
	const char *l = "ldap://127.0.0.3:389 ldaps://Replica.Example.com " M "/";
	assert_true(ldapurl_list_names(l, "127.0.0.3", 389));
	assert_true(ldapurl_list_names(l, "127.0.0.3", 0));
	assert_false(ldapurl_list_names(l, "127.0.0.3", 636));
	assert_true(ldapurl_list_names(l, "replica.example.com", 636));
	assert_false(ldapurl_list_names(l, "replica.example.com", 389));
	assert_true(ldapurl_list_names(l, "SRV1.example.com", 389));
	assert_false(ldapurl_list_names(l, "srv1", 0));
	assert_false(ldapurl_list_names("", "a", 0));
	assert_true(ldapurl_list_names("junk  \\\n ldap://a", "a", 389));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ldapurl_parse_one),
		cmocka_unit_test(test_ldapurl_for),
		cmocka_unit_test(test_ldapurl_list_strict),
		cmocka_unit_test(test_ldapurl_list_lenient),
		cmocka_unit_test(test_ldapurl_install),
		cmocka_unit_test(test_ldapurl_remove),
		cmocka_unit_test(test_ldapurl_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
