/* The pure part of the remove kind: each node's ldap_url after removing
 * replicas (computed from what the node has), the disagreement flags, the
 * refusals, and the before/after table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "remove.h"
#include "site.h"

#define M "ldap://m.example.com:389"
#define R1 "ldap://r1.example.com:389"
#define R2 "ldap://r2.example.com:389"

static const char *const one[] = { "r1.example.com" };
static const char *const both[] = { "r1.example.com", "r2.example.com" };

static void clear(struct remove_node_out *out, size_t n)
{
	for (size_t i = 0; i < n; i++)
		remove_node_out_clear(&out[i]);
}

static void test_remove_one_of_two(void **state)
{
	(void)state;
	struct remove_node_in in[] = {
		{ "m.example.com", SITE_ROLE_MASTER, false, false, R1 " " R2 " " M, M },
		{ "r1.example.com", SITE_ROLE_REPLICA, true, false, NULL, NULL },
		{ "r2.example.com", SITE_ROLE_REPLICA, false, false, R2 " " M, M },
		{ "mta.example.com", SITE_ROLE_MTA, false, false, R1 " " R2 " " M, M },
	};
	struct remove_node_out out[4];
	assert_true(remove_compute(in, 4, M, one, 1, out));
	assert_string_equal(out[0].after, R2 " " M);
	assert_true(out[0].changes);
	assert_null(out[1].after); /* the removed replica is left alone */
	assert_false(out[1].changes);
	assert_null(out[1].error);
	assert_string_equal(out[2].after, R2 " " M);
	assert_false(out[2].changes);
	assert_string_equal(out[3].after, R2 " " M);
	assert_true(out[3].changes);
	for (size_t i = 0; i < 4; i++) {
		assert_null(out[i].flag);
		assert_null(out[i].error);
	}
	clear(out, 4);
}

static void test_remove_last_leaves_master(void **state)
{
	(void)state;
	struct remove_node_in in[] = {
		{ "m.example.com", SITE_ROLE_MASTER, false, false, R1 " " R2 " " M, M },
		{ "r1.example.com", SITE_ROLE_REPLICA, true, true, R1 " " M, M },
		{ "r2.example.com", SITE_ROLE_REPLICA, true, false, NULL, NULL },
	};
	struct remove_node_out out[3];
	assert_true(remove_compute(in, 3, M, both, 2, out));
	assert_string_equal(out[0].after, M);
	assert_true(out[0].changes);
	/* decommissioned: its own ldap_url becomes the master alone */
	assert_string_equal(out[1].after, M);
	assert_true(out[1].changes);
	assert_null(out[2].after);
	clear(out, 3);
}

static void test_remove_is_idempotent(void **state)
{
	(void)state;
	/* a resumed run reads the value the cut-short run wrote */
	struct remove_node_in in[] = {
		{ "m.example.com", SITE_ROLE_MASTER, false, false, R2 " " M, M },
	};
	struct remove_node_out out[1];
	assert_true(remove_compute(in, 1, M, one, 1, out));
	assert_string_equal(out[0].after, R2 " " M);
	assert_false(out[0].changes);
	clear(out, 1);
}

static void test_remove_keeps_order_and_repairs_blanks(void **state)
{
	(void)state;
	/* the docs' multi-line command pasted as is: extra blanks and a
	 * stray backslash; the master not last */
	struct remove_node_in in[] = {
		{ "m.example.com", SITE_ROLE_MASTER, false, false, R2 " " M " " R1, M },
		{ "mta.example.com", SITE_ROLE_MTA, false, false, R2 "  \\\n   " R1 " " M, M },
	};
	struct remove_node_out out[2];
	assert_true(remove_compute(in, 2, M, one, 1, out));
	assert_string_equal(out[0].after, R2 " " M);
	assert_non_null(out[0].flag);
	assert_non_null(strstr(out[0].flag, "does not end with the master"));
	assert_string_equal(out[1].after, R2 " " M);
	assert_true(out[1].changes);
	assert_non_null(out[1].flag);
	assert_non_null(strstr(out[1].flag, "zmreplchk would misread its ldap_url"));
	assert_non_null(strstr(out[1].flag, "differs from the master's"));
	clear(out, 2);
}

static void test_disagreements(void **state)
{
	(void)state;
	struct remove_node_in in[] = {
		{ "m.example.com", SITE_ROLE_MASTER, false, false, R1 " " R2 " " M, M },
		/* points at one replica only */
		{ "mta.example.com", SITE_ROLE_MTA, false, false, R1 " " M, M },
		/* agrees */
		{ "app.example.com", SITE_ROLE_OTHER, false, false, R1 " " R2 " " M, M },
		/* another master URL */
		{ "x.example.com", SITE_ROLE_OTHER, false, false, R1 " " R2 " " M, "ldap://old.example.com:389" },
		/* a replica not listing itself first */
		{ "r2.example.com", SITE_ROLE_REPLICA, false, false, M, M },
	};
	struct remove_node_out out[5];
	assert_true(remove_compute(in, 5, M, one, 1, out));
	assert_null(out[0].flag);
	assert_non_null(out[1].flag);
	assert_non_null(strstr(out[1].flag, "differs from the master's"));
	assert_string_equal(out[1].after, M);
	assert_null(out[2].flag);
	assert_non_null(out[3].flag);
	assert_non_null(strstr(out[3].flag, "ldap_master_url \"ldap://old.example.com:389\" is not the master's"));
	assert_non_null(out[4].flag);
	assert_non_null(strstr(out[4].flag, "lists itself first"));
	clear(out, 5);
}

static void test_refusals(void **state)
{
	(void)state;
	struct remove_node_in in[] = {
		{ "m.example.com", SITE_ROLE_MASTER, false, false, R1 " " M, M },
		{ "mta.example.com", SITE_ROLE_MTA, false, false, NULL, NULL },
	};
	struct remove_node_out out[2];
	/* the master itself */
	static const char *const master[] = { "m.example.com" };
	assert_false(remove_compute(in, 1, M, master, 1, out));
	assert_null(out[0].after);
	assert_non_null(out[0].error);
	assert_non_null(strstr(out[0].error, "refusing to remove the master"));
	clear(out, 1);
	/* the master by URL, in another case */
	static const char *const master_url[] = { "LDAP://M.EXAMPLE.COM:389" };
	assert_false(remove_compute(in, 1, M, master_url, 1, out));
	assert_non_null(out[0].error);
	clear(out, 1);
	/* a node whose ldap_url could not be read */
	assert_false(remove_compute(in, 2, M, one, 1, out));
	assert_null(out[0].error);
	assert_string_equal(out[0].after, M);
	assert_non_null(out[1].error);
	clear(out, 2);
	/* no ldap_master_url: the result would be master-less */
	assert_false(remove_compute(in, 1, "", one, 1, out));
	assert_non_null(out[0].error);
	assert_null(out[0].after);
	clear(out, 1);
	assert_false(remove_compute(in, 1, NULL, one, 1, out));
	clear(out, 1);
	/* an invalid ldap_master_url */
	assert_false(remove_compute(in, 1, "ldap://m.example.com:389  ldap://x", one, 1, out));
	assert_non_null(out[0].error);
	clear(out, 1);
}

static bool has_line(char **lines, const char *want)
{
	for (char **p = lines; *p; p++)
		if (strcmp(*p, want) == 0)
			return true;
	return false;
}

static void test_table(void **state)
{
	(void)state;
	struct remove_node_in in[] = {
		{ "m.example.com", SITE_ROLE_MASTER, false, false, R1 " " R2 " " M, M },
		{ "r1.example.com", SITE_ROLE_REPLICA, true, false, NULL, NULL },
		{ "r2.example.com", SITE_ROLE_REPLICA, false, false, R2 " " M, M },
		{ "mta.example.com", SITE_ROLE_MTA, false, false, R1 " " M, M },
	};
	struct remove_node_out out[4];
	assert_true(remove_compute(in, 4, M, one, 1, out));
	const char *restart[] = { "services restart (zmcontrol restart)", NULL, NULL, "services restart (x)" };
	char **lines = remove_table(in, out, 4, restart);
	assert_non_null(lines);
	assert_string_equal(lines[0], "ldap_url of every node, now and after the removal:");
	assert_true(has_line(lines, "m.example.com (master)"));
	assert_true(has_line(lines, "    now:   " R1 " " R2 " " M));
	assert_true(has_line(lines, "    after: " R2 " " M));
	assert_true(has_line(lines, "    then:  services restart (zmcontrol restart)"));
	assert_true(has_line(lines, "r1.example.com (replica, removed)"));
	assert_true(has_line(lines, "    not contacted: its own ldap_url stays (--disable-ldap decommissions it)"));
	assert_true(has_line(lines, "r2.example.com (replica)"));
	assert_true(has_line(lines, "    after: (unchanged)"));
	assert_true(has_line(lines, "    after: " M));
	assert_true(has_line(lines, "    DISAGREES: its ldap_url differs from the master's"));
	assert_true(has_line(lines, "2 node(s) change, 1 disagree with the master."));
	remove_table_free(lines);
	clear(out, 4);

	/* a refused node */
	static const char *const master[] = { "m.example.com" };
	assert_false(remove_compute(in, 1, M, master, 1, out));
	lines = remove_table(in, out, 1, NULL);
	assert_true(has_line(lines, "    REFUSED: refusing to remove the master '" M "'"));
	assert_true(has_line(lines, "0 node(s) change, 0 disagree with the master."));
	remove_table_free(lines);
	clear(out, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_remove_one_of_two),
		cmocka_unit_test(test_remove_last_leaves_master),
		cmocka_unit_test(test_remove_is_idempotent),
		cmocka_unit_test(test_remove_keeps_order_and_repairs_blanks),
		cmocka_unit_test(test_disagreements),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
