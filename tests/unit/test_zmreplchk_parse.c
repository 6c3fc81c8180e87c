#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zmreplchk_parse.h"

#define S(lit) (lit), (sizeof(lit) - 1)

static struct zmreplchk_result *parse_ok(const char *buf, size_t len)
{
	struct zmreplchk_result *r = NULL;
	struct zmreplchk_error e;

	assert_int_equal(zmreplchk_parse(buf, len, &r, &e), 0);
	assert_non_null(r);
	assert_int_equal(r->n_unparsed, 0);
	assert_null(e.msg);
	return r;
}

/* loopback-servers.md §4, verbatim. */
static void test_lab_in_sync(void **state)
{
	struct zmreplchk_result *r;

	(void)state;
	r = parse_ok(S("Replica: ldap://127.0.0.3:389 Code: 0 Status: In Sync CSNs:\n"
		       "20261122120315.636437Z#000000#000#000000\n"));
	assert_int_equal(r->n_entries, 1);
	assert_int_equal(r->entries[0].role, ZMREPLCHK_REPLICA);
	assert_string_equal(r->entries[0].url, "ldap://127.0.0.3:389");
	assert_null(r->entries[0].server_id);
	assert_int_equal(r->entries[0].code, 0);
	assert_string_equal(r->entries[0].status, "In Sync");
	assert_int_equal(r->entries[0].n_csns, 1);
	assert_string_equal(r->entries[0].csns[0], "20261122120315.636437Z#000000#000#000000");
	assert_int_equal(r->entries[0].flags, ZMREPLCHK_F_IN_SYNC);
	assert_int_equal(r->entries[0].behind_secs, -1);
	assert_int_equal(r->entries[0].line, 1);
	zmreplchk_result_free(r);
}

static void test_lab_behind_and_down(void **state)
{
	struct zmreplchk_result *r;

	(void)state;
	r = parse_ok(S("Replica: ldap://127.0.0.3:389 Code: 6 Status: 0y 0M 0w 0d 0h 0m 2s behind CSNs:\n"
		       "20261122120315.636437Z#000000#000#000000\n"));
	assert_int_equal(r->n_entries, 1);
	assert_int_equal(r->entries[0].code, 6);
	assert_string_equal(r->entries[0].status, "0y 0M 0w 0d 0h 0m 2s behind");
	assert_int_equal(r->entries[0].flags, ZMREPLCHK_F_BEHIND);
	assert_int_equal(r->entries[0].behind_secs, 2);
	assert_int_equal(r->entries[0].delta_secs, 2);
	assert_int_equal(r->entries[0].n_csns, 1);
	zmreplchk_result_free(r);

	r = parse_ok(S("Replica: ldap://127.0.0.3:389 Code: 4 Status: Server down\n"));
	assert_int_equal(r->n_entries, 1);
	assert_int_equal(r->entries[0].code, 4);
	assert_string_equal(r->entries[0].status, "Server down");
	assert_int_equal(r->entries[0].n_csns, 0);
	assert_int_equal(r->entries[0].flags, 0);
	zmreplchk_result_free(r);
}

/* carbonio-tools.md §3: Carbonio docs and the MMR doc example. */
static void test_docs_and_mmr(void **state)
{
	struct zmreplchk_result *r;

	(void)state;
	r = parse_ok(S("Master: ldap://srv1.example.com:389 ServerID: 1 Code: 0 Status: In Sync CSNs:\n"
		       "20251015095813.150894Z#000000#001#000000\n"
		       "Master: ldap://srv2.example.com:389 ServerID: 2 ldap://srv2.example.com:389 Code: 0 Status: In Sync CSNs:\n"
		       "20251015095813.150894Z#000000#001#000000\n"
		       "20251015095700.000001Z#000000#002#000000\n"
		       "Master: ldap://srv3.example.com:389 ServerID:  Code: 4 Status: Server down\n"
		       "Replica: ldap://ds-replica.example.com:389 Code: 0 Status: In Sync CSNs:\n"
		       "20240129112059.968930Z#000000#000#000000\n"));
	assert_int_equal(r->n_entries, 4);
	assert_int_equal(r->entries[0].role, ZMREPLCHK_MASTER);
	assert_string_equal(r->entries[0].url, "ldap://srv1.example.com:389");
	assert_string_equal(r->entries[0].server_id, "1");
	assert_string_equal(r->entries[0].csns[0], "20251015095813.150894Z#000000#001#000000");
	assert_string_equal(r->entries[1].server_id, "2 ldap://srv2.example.com:389");
	assert_int_equal(r->entries[1].n_csns, 2);
	assert_string_equal(r->entries[1].csns[1], "20251015095700.000001Z#000000#002#000000");
	assert_null(r->entries[2].server_id);
	assert_int_equal(r->entries[2].code, 4);
	assert_int_equal(r->entries[3].role, ZMREPLCHK_REPLICA);
	assert_int_equal(r->entries[3].line, 7);
	assert_string_equal(r->entries[3].csns[0], "20240129112059.968930Z#000000#000#000000");
	zmreplchk_result_free(r);
}

/* Zimbra installguides examples (older output without CSNs). */
static void test_zimbra_old_form(void **state)
{
	struct zmreplchk_result *r;

	(void)state;
	r = parse_ok(S("Replica: ldap://ldap004.example.com:389 Code: 6 Status: 0w 0d 0h 14m 42s behind\n"
		       "Replica: ldap://ldap004.example.com:389 Code: 4 Status: Server down\n"));
	assert_int_equal(r->n_entries, 2);
	assert_int_equal(r->entries[0].behind_secs, 14 * 60 + 42);
	assert_true(r->entries[0].flags & ZMREPLCHK_F_BEHIND);
	assert_int_equal(r->entries[1].code, 4);
	zmreplchk_result_free(r);
}

static void test_ahead_quirk(void **state)
{
	struct zmreplchk_result *r;

	(void)state;
	/* loopback-servers.md §3.3: Date::Manip 6.91 "ahead" form. */
	r = parse_ok(S("Replica: ldap://127.0.0.3:389 Code: 6 Status: 0y 0M 0w 0d 0h 0m 12 CSNs:\n"
		       "20261122120315.636437Z#000000#000#000000\n"));
	assert_int_equal(r->entries[0].flags, ZMREPLCHK_F_AHEAD_UNKNOWN);
	assert_int_equal(r->entries[0].behind_secs, -1);
	assert_int_equal(r->entries[0].delta_secs, 12);
	zmreplchk_result_free(r);
}

/* What replchk.pl really prints when the single master cannot be read: no
 * line for the master, and "Code: 6" with an empty status for each replica
 * (compareCSN of nothing), its CSNs still listed. */
static void test_master_down_and_empty_url(void **state)
{
	struct zmreplchk_result *r;

	(void)state;
	r = parse_ok(S("Replica:  Code: 4 Status: Server down\n"
		       "Replica: ldap://ds1.example.com:389 Code: 6 Status:  CSNs:\n"
		       "20261122120315.636437Z#000000#000#000000\n"
		       "Replica: ldap://ds2.example.com:389 Code: 4 Status: Server down\n"));
	assert_int_equal(r->n_entries, 3);
	assert_int_equal(r->n_unparsed, 0);
	assert_string_equal(r->entries[0].url, "");
	assert_int_equal(r->entries[0].flags, ZMREPLCHK_F_EMPTY_URL);
	assert_int_equal(r->entries[1].code, 6);
	assert_string_equal(r->entries[1].status, "");
	assert_int_equal(r->entries[1].flags, ZMREPLCHK_F_MASTER_DOWN);
	assert_int_equal(r->entries[1].n_csns, 1);
	assert_int_equal(r->entries[1].behind_secs, -1);
	assert_int_equal(r->entries[2].flags, 0);
	zmreplchk_result_free(r);
}

static void test_empty_and_no_csn_bug(void **state)
{
	struct zmreplchk_result *r;

	(void)state;
	r = parse_ok(S(""));
	assert_int_equal(r->n_entries, 0);
	zmreplchk_result_free(r);
	r = parse_ok(NULL, 0);
	assert_int_equal(r->n_entries, 0);
	zmreplchk_result_free(r);

	/* A replica without contextCSN: the Perl prints empty code/status,
	 * "CSNs:" and an empty line. */
	r = parse_ok(S("Replica: ldap://127.0.0.3:389 Code:  Status:  CSNs:\n\n"
		       "Replica: ldap://127.0.0.4:389 Code: 0 Status: In Sync CSNs:\n"
		       "20261122120315.636437Z#000000#000#000000\n"));
	assert_int_equal(r->n_entries, 2);
	assert_int_equal(r->entries[0].code, -1);
	assert_string_equal(r->entries[0].status, "");
	assert_int_equal(r->entries[0].flags, ZMREPLCHK_F_NO_CODE);
	assert_int_equal(r->entries[0].n_csns, 0);
	assert_int_equal(r->entries[1].n_csns, 1);
	zmreplchk_result_free(r);
}

static void test_oneline(void **state)
{
	struct zmreplchk_result *r;

	(void)state;
	r = parse_ok(S("Replica: ldap://127.0.0.3:389 Code: 6 Status: 0y 0M 0w 0d 0h 6m 42s behind CSNs: "
		       "20261122120315.636437Z#000000#000#000000 20261122120315.636437Z#000000#001#000000\n"
		       "Replica: ldap://127.0.0.4:389 Code: 4 Status: Server down"));
	assert_int_equal(r->n_entries, 2);
	assert_string_equal(r->entries[0].status, "0y 0M 0w 0d 0h 6m 42s behind");
	assert_int_equal(r->entries[0].behind_secs, 402);
	assert_int_equal(r->entries[0].n_csns, 2);
	assert_string_equal(r->entries[0].csns[1], "20261122120315.636437Z#000000#001#000000");
	zmreplchk_result_free(r);
}

static void test_unparsed_kept(void **state)
{
	struct zmreplchk_result *r = NULL;
	struct zmreplchk_error e;

	(void)state;
	assert_int_equal(zmreplchk_parse(S(
		"Replica: ldap://127.0.0.3:389 Code: 0 Status: In Sync CSNs:\n"
		"20261122120315.636437Z#000000#000#000000\n"
		"Unable to bind to master (ldap://127.0.0.2:389): Invalid credentials\n"
		"20261122120315.636437Z#000000#000#000000\n"
		"Replica: ldap://x Code: x Status: y\n"
		"Replica: ldap://x Code: 0 Statu\0s: y\n"), &r, &e), 1);
	assert_non_null(r);
	assert_int_equal(e.line, 3);
	assert_int_equal(r->n_entries, 1);
	assert_int_equal(r->n_unparsed, 4);
	assert_int_equal(r->unparsed[0].line, 3);
	assert_string_equal(r->unparsed[0].text,
			    "Unable to bind to master (ldap://127.0.0.2:389): Invalid credentials");
	assert_int_equal(r->unparsed[1].line, 4);
	assert_int_equal(r->unparsed[2].line, 5);
	assert_string_equal(r->unparsed[3].text, "Replica: ldap://x Code: 0 Statu?s: y");
	zmreplchk_result_free(r);

	assert_int_equal(zmreplchk_parse(S("x"), NULL, &e), -1);
}

static void test_delta(void **state)
{
	int dir = 0;

	(void)state;
	assert_int_equal(zmreplchk_parse_delta(S("0y 0M 0w 0d 0h 6m 42s behind"), &dir), 402);
	assert_int_equal(dir, 1);
	assert_int_equal(zmreplchk_parse_delta(S("1y 2M 1w 1d 1h 0m 1s behind"), &dir),
			 365LL * 86400 + 60LL * 86400 + 8LL * 86400 + 3600 + 1);
	assert_int_equal(zmreplchk_parse_delta(S("0y 0M 0w 0d 0h 0m 12s ahead"), &dir), 12);
	assert_int_equal(dir, 2);
	assert_int_equal(zmreplchk_parse_delta(S("0y 0M 0w 0d 0h 0m 12"), &dir), 12);
	assert_int_equal(dir, 2);
	/* Only the first '-' is removed by zmreplchk. */
	assert_int_equal(zmreplchk_parse_delta(S("0y 0M 0w 0d 1h -6m -42s behind"), &dir), 3600 + 402);
	assert_int_equal(zmreplchk_parse_delta(S("12"), &dir), -1);
	assert_int_equal(zmreplchk_parse_delta(S("In Sync"), &dir), -1);
	assert_int_equal(zmreplchk_parse_delta(S("0m 0h 1s behind"), &dir), -1);
	assert_int_equal(zmreplchk_parse_delta(S("0y 0y 1s behind"), &dir), -1);
	assert_int_equal(zmreplchk_parse_delta(S("0y  1s behind"), &dir), -1);
	assert_int_equal(zmreplchk_parse_delta(S("1s behind "), &dir), -1);
	assert_int_equal(zmreplchk_parse_delta(S("9999999999y 1s behind"), &dir), -1);
	assert_int_equal(zmreplchk_parse_delta(S("999999999y 999999999M 1s behind"), &dir),
			 999999999LL * 365 * 86400 + 999999999LL * 30 * 86400 + 1);
	assert_int_equal(zmreplchk_parse_delta(S(""), &dir), -1);
	assert_int_equal(dir, 0);
}

static void test_limits(void **state)
{
	struct zmreplchk_result *r = NULL;
	struct zmreplchk_error e;
	size_t cap = (ZMREPLCHK_MAX_ENTRIES + 10) * 64, len = 0, i;
	char *buf = malloc(cap);

	(void)state;
	assert_non_null(buf);
	for (i = 0; i < ZMREPLCHK_MAX_ENTRIES + 5; i++)
		len += (size_t)snprintf(buf + len, cap - len,
					"Replica: ldap://h%zu Code: 4 Status: Server down\n", i);
	assert_int_equal(zmreplchk_parse(buf, len, &r, &e), 1);
	assert_int_equal(r->n_entries, ZMREPLCHK_MAX_ENTRIES);
	assert_int_equal(r->n_entries_dropped, 5);
	zmreplchk_result_free(r);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lab_in_sync),
		cmocka_unit_test(test_lab_behind_and_down),
		cmocka_unit_test(test_docs_and_mmr),
		cmocka_unit_test(test_zimbra_old_form),
		cmocka_unit_test(test_ahead_quirk),
		cmocka_unit_test(test_master_down_and_empty_url),
		cmocka_unit_test(test_empty_and_no_csn_bug),
		cmocka_unit_test(test_oneline),
		cmocka_unit_test(test_unparsed_kept),
		cmocka_unit_test(test_delta),
		cmocka_unit_test(test_limits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
