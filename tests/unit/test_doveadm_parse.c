#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "doveadm_parse.h"

#define S(lit) (lit), (sizeof(lit) - 1)

/* loopback-servers.md §4, verbatim: `doveadm -f tab replicator status`. */
static const char overview_tab[] =
	"field\tvalue\n"
	"Queued 'sync' requests\t0\n"
	"Queued 'high' requests\t0\n"
	"Queued 'low' requests\t0\n"
	"Queued 'failed' requests\t0\n"
	"Queued 'full resync' requests\t0\n"
	"Waiting 'failed' requests\t0\n"
	"Total number of known users\t3\n";

/* loopback-servers.md §4, verbatim (no trailing newline). */
static const char overview_json[] =
	"[{\"field\":\"Queued 'sync' requests\",\"value\":\"0\"},{\"field\":\"Queued 'high' requests\",\"value\":\"0\"},{\"field\":\"Queued 'low' requests\",\"value\":\"0\"},{\"field\":\"Queued 'failed' requests\",\"value\":\"0\"},{\"field\":\"Queued 'full resync' requests\",\"value\":\"0\"},{\"field\":\"Waiting 'failed' requests\",\"value\":\"0\"},{\"field\":\"Total number of known users\",\"value\":\"3\"}]";

static const char users_tab[] =
	"username\tpriority\tfast sync\tfull sync\tsuccess sync\tfailed\n"
	"user2@example.com\tnone\t00:00:02\t00:00:09\t00:00:09\t-\n"
	"user1@example.com\tnone\t00:00:03\t00:00:09\t00:00:03\t-\n"
	"user3@example.com\tnone\t00:00:01\t00:00:09\t00:00:09\ty\n";

static const char users_json[] =
	"[{\"username\":\"user2@example.com\",\"priority\":\"none\",\"fast sync\":\"00:00:00\",\"full sync\":\"00:00:07\",\"success sync\":\"00:00:07\",\"failed\":\"-\"},{\"username\":\"user1@example.com\",\"priority\":\"none\",\"fast sync\":\"00:00:01\",\"full sync\":\"00:00:07\",\"success sync\":\"00:00:01\",\"failed\":\"-\"},{\"username\":\"user3@example.com\",\"priority\":\"none\",\"fast sync\":\"00:00:07\",\"full sync\":\"00:00:07\",\"success sync\":\"00:00:07\",\"failed\":\"-\"}]";

static void check_overview(const struct doveadm_overview *o)
{
	assert_non_null(o);
	assert_int_equal(o->queued_sync, 0);
	assert_int_equal(o->queued_high, 0);
	assert_int_equal(o->queued_low, 0);
	assert_int_equal(o->queued_failed, 0);
	assert_int_equal(o->queued_full_resync, 0);
	assert_int_equal(o->waiting_failed, 0);
	assert_int_equal(o->total_users, 3);
	assert_int_equal(o->n_extra, 0);
}

static void test_overview(void **state)
{
	struct doveadm_overview *o;
	struct doveadm_error e = { 0, NULL };

	(void)state;
	o = doveadm_parse_overview_tab(S(overview_tab), &e);
	check_overview(o);
	doveadm_overview_free(o);
	o = doveadm_parse_overview_json(S(overview_json), &e);
	check_overview(o);
	doveadm_overview_free(o);

	/* -h: no header; an unknown field is kept; a missing one is -1. */
	o = doveadm_parse_overview_tab(S("Waiting 'failed' requests\t1\n"
					 "Queued 'stuck' requests\t7\n"), &e);
	assert_non_null(o);
	assert_int_equal(o->waiting_failed, 1);
	assert_int_equal(o->total_users, -1);
	assert_int_equal(o->n_extra, 1);
	assert_string_equal(o->extra[0].field, "Queued 'stuck' requests");
	assert_string_equal(o->extra[0].value, "7");
	doveadm_overview_free(o);
}

static void test_overview_errors(void **state)
{
	struct doveadm_error e = { 0, NULL };

	(void)state;
	assert_null(doveadm_parse_overview_tab(S(""), &e));
	assert_int_equal(e.line, 1);
	/* The default table format is refused. */
	assert_null(doveadm_parse_overview_tab(
		S("Queued 'sync' requests        0                          \n"), &e));
	assert_int_equal(e.line, 1);
	assert_null(doveadm_parse_overview_tab(S("field\tvalue\nQueued 'sync' requests\tx\n"), &e));
	assert_int_equal(e.line, 2);
	assert_null(doveadm_parse_overview_tab(S("Queued 'sync' requests\t1\nQueued 'sync' requests\t1\n"), &e));
	assert_int_equal(e.line, 2);
	assert_null(doveadm_parse_overview_tab(S("field\tvalue\n"), &e));
	assert_null(doveadm_parse_overview_json(S("[]"), &e));
	assert_null(doveadm_parse_overview_json(S("[{\"field\":\"Queued 'sync' requests\",\"value\":0}]"), &e));
	assert_int_equal(e.line, 1);
	assert_null(doveadm_parse_overview_json(S("[{\"field\":\"x\",\n\"value\":"), &e));
	assert_int_equal(e.line, 2);
	assert_null(doveadm_parse_overview_json(S("{}"), &e));
}

static void test_users_tab(void **state)
{
	struct doveadm_users *u;
	struct doveadm_error e = { 0, NULL };

	(void)state;
	u = doveadm_parse_users_tab(S(users_tab), &e);
	assert_non_null(u);
	assert_int_equal(u->n, 3);
	assert_false(u->has_next_sync);
	assert_string_equal(u->users[0].username, "user2@example.com");
	assert_int_equal(u->users[0].priority, DOVEADM_PRIO_NONE);
	assert_int_equal(u->users[0].fast_sync_ago, 2);
	assert_int_equal(u->users[0].full_sync_ago, 9);
	assert_int_equal(u->users[0].success_sync_ago, 9);
	assert_false(u->users[0].failed);
	assert_int_equal(u->users[0].next_sync_secs, -1);
	assert_true(u->users[2].failed);
	assert_string_equal(u->users[2].username, "user3@example.com");
	doveadm_users_free(u);

	/* Header only (a mask matching nothing) = no users; empty (-h). */
	u = doveadm_parse_users_tab(S("username\tpriority\tfast sync\tfull sync\tsuccess sync\tfailed\n"), &e);
	assert_non_null(u);
	assert_int_equal(u->n, 0);
	doveadm_users_free(u);
	u = doveadm_parse_users_tab(S(""), &e);
	assert_non_null(u);
	assert_int_equal(u->n, 0);
	doveadm_users_free(u);
}

static void test_users_tab_7_columns(void **state)
{
	struct doveadm_users *u;
	struct doveadm_error e = { 0, NULL };

	(void)state;
	/* 2.3.20+ header, columns shuffled; never-synced user, big hours. */
	u = doveadm_parse_users_tab(S(
		"failed\tnext sync secs\tusername\tpriority\tsuccess sync\tfull sync\tfast sync\n"
		"y\t00:04:10\tzed\thigh\t-\t123:04:05\t-\n"), &e);
	assert_non_null(u);
	assert_int_equal(u->n, 1);
	assert_true(u->has_next_sync);
	assert_string_equal(u->users[0].username, "zed");
	assert_int_equal(u->users[0].priority, DOVEADM_PRIO_HIGH);
	assert_int_equal(u->users[0].fast_sync_ago, DOVEADM_NEVER);
	assert_int_equal(u->users[0].full_sync_ago, 123 * 3600 + 4 * 60 + 5);
	assert_int_equal(u->users[0].success_sync_ago, DOVEADM_NEVER);
	assert_true(u->users[0].failed);
	assert_int_equal(u->users[0].next_sync_secs, 250);
	doveadm_users_free(u);

	/* -h with 7 columns in doveadm's order. */
	u = doveadm_parse_users_tab(S("zed\tnone\t-\t-\t-\t-\t00:00:00\n"), &e);
	assert_non_null(u);
	assert_true(u->has_next_sync);
	assert_int_equal(u->users[0].next_sync_secs, 0);
	doveadm_users_free(u);
	/* -h with 6 columns: dovecot-replication.md §1.3 "zed none - - - -". */
	u = doveadm_parse_users_tab(S("zed\tnone\t-\t-\t-\t-\n"), &e);
	assert_non_null(u);
	assert_false(u->has_next_sync);
	assert_int_equal(u->users[0].full_sync_ago, DOVEADM_NEVER);
	doveadm_users_free(u);
}

static void test_users_tab_errors(void **state)
{
	struct doveadm_error e = { 0, NULL };

	(void)state;
	assert_null(doveadm_parse_users_tab(S(
		"username\tpriority\tfast sync\tfull sync\tsuccess sync\tfailed\n"
		"bob\tnone\t00:00:14\t00:00:14\t00:00:14\t-\n"
		"bob\tnone\t00:00:14\t00:00:14\t-\n"), &e));
	assert_int_equal(e.line, 3);
	assert_null(doveadm_parse_users_tab(S(
		"username\tpriority\tfast sync\tfull sync\tsuccess sync\tfailed\n"
		"bob\turgent\t00:00:14\t00:00:14\t00:00:14\t-\n"), &e));
	assert_int_equal(e.line, 2);
	assert_null(doveadm_parse_users_tab(S("bob\tnone\t00:00:14\t00:00:14\t00:00:14\tn\n"), &e));
	assert_int_equal(e.line, 1);
	assert_null(doveadm_parse_users_tab(S("bob\tnone\t0:0\t00:00:14\t00:00:14\t-\n"), &e));
	assert_null(doveadm_parse_users_tab(S("username\tpriority\tfailed\n"), &e));
	assert_int_equal(e.line, 1);
	assert_null(doveadm_parse_users_tab(S("bob\tnone\t-\t-\t-\n"), &e));
	/* The default table format is refused. */
	assert_null(doveadm_parse_users_tab(S(
		"username                 priority fast sync full sync success sync failed\n"
		"user2@example.com        none     00:00:00  00:00:07  00:00:07     -     \n"), &e));
	assert_int_equal(e.line, 1);
	assert_null(doveadm_parse_users_tab(S("b\0b\tnone\t-\t-\t-\t-\n"), &e));
}

static void test_users_json(void **state)
{
	struct doveadm_users *u;
	struct doveadm_error e = { 0, NULL };

	(void)state;
	u = doveadm_parse_users_json(S(users_json), &e);
	assert_non_null(u);
	assert_int_equal(u->n, 3);
	assert_false(u->has_next_sync);
	assert_string_equal(u->users[1].username, "user1@example.com");
	assert_int_equal(u->users[1].fast_sync_ago, 1);
	assert_int_equal(u->users[1].full_sync_ago, 7);
	assert_int_equal(u->users[1].success_sync_ago, 1);
	doveadm_users_free(u);

	u = doveadm_parse_users_json(S("[]"), &e);
	assert_non_null(u);
	assert_int_equal(u->n, 0);
	doveadm_users_free(u);

	u = doveadm_parse_users_json(S("[{\"username\":\"a\\tb\",\"priority\":\"sync\",\"fast sync\":\"-\","
				       "\"full sync\":\"-\",\"success sync\":\"-\",\"failed\":\"y\","
				       "\"next sync secs\":\"01:00:00\"}]\n"), &e);
	assert_non_null(u);
	assert_true(u->has_next_sync);
	assert_string_equal(u->users[0].username, "a\tb");
	assert_int_equal(u->users[0].priority, DOVEADM_PRIO_SYNC);
	assert_int_equal(u->users[0].next_sync_secs, 3600);
	doveadm_users_free(u);

	assert_null(doveadm_parse_users_json(S("[{\"username\":\"a\"}]"), &e));
	assert_null(doveadm_parse_users_json(S("[{\"username\":\"a\\u0000\",\"priority\":\"none\"}]"), &e));
	assert_null(doveadm_parse_users_json(S(""), &e));
	assert_null(doveadm_parse_users_json(S("[1]"), &e));
}

static void test_hms(void **state)
{
	(void)state;
	assert_int_equal(doveadm_parse_hms(S("02:05:28")), 2 * 3600 + 5 * 60 + 28);
	assert_int_equal(doveadm_parse_hms(S("123:04:05")), 123 * 3600 + 245);
	assert_int_equal(doveadm_parse_hms(S("-")), DOVEADM_NEVER);
	/* Older builds: total minutes in the middle. */
	assert_int_equal(doveadm_parse_hms(S("01:65:05")), 65 * 60 + 5);
	assert_int_equal(doveadm_parse_hms(S("00:00:-1")), 0);
	assert_int_equal(doveadm_parse_hms(S("00:00:60")), -2);
	assert_int_equal(doveadm_parse_hms(S("00:00")), -2);
	assert_int_equal(doveadm_parse_hms(S("00:00:00 ")), -2);
	assert_int_equal(doveadm_parse_hms(S("")), -2);
	assert_int_equal(doveadm_parse_hms(S("1234567890:00:00")), -2);
	assert_int_equal(doveadm_parse_hms(NULL, 0), -2);
}

static void test_dsync(void **state)
{
	struct doveadm_dsync *d;
	struct doveadm_error e = { 0, NULL };

	(void)state;
	/* dovecot-replication.md §2, live example during a sync. */
	d = doveadm_parse_dsync_tab(S("username\ttype\tstatus\n"
				      "alice\tincremental\tWaiting for dsync to finish\n"
				      "\t-\tNot connected\n"), &e);
	assert_non_null(d);
	assert_int_equal(d->n, 2);
	assert_string_equal(d->rows[0].username, "alice");
	assert_string_equal(d->rows[0].type, "incremental");
	assert_string_equal(d->rows[0].status, "Waiting for dsync to finish");
	assert_string_equal(d->rows[1].username, "");
	assert_string_equal(d->rows[1].type, "-");
	assert_string_equal(d->rows[1].status, "Not connected");
	doveadm_dsync_free(d);

	d = doveadm_parse_dsync_json(S("[{\"username\":\"\",\"type\":\"-\",\"status\":\"Not connected\"}]"), &e);
	assert_non_null(d);
	assert_int_equal(d->n, 1);
	assert_string_equal(d->rows[0].status, "Not connected");
	doveadm_dsync_free(d);

	d = doveadm_parse_dsync_tab(S("username\ttype\tstatus\n"), &e);
	assert_non_null(d);
	assert_int_equal(d->n, 0);
	doveadm_dsync_free(d);

	assert_null(doveadm_parse_dsync_tab(S("username\ttype\tstatus\nalice\tfull\n"), &e));
	assert_int_equal(e.line, 2);
	assert_null(doveadm_parse_dsync_json(S("[{\"username\":\"\",\"type\":\"-\"}]"), &e));
}

static void test_replicate(void **state)
{
	struct doveadm_error e = { 0, NULL };

	(void)state;
	/* loopback-servers.md §4. */
	assert_int_equal(doveadm_parse_replicate(S("1 users updated\n"), &e), 1);
	assert_int_equal(doveadm_parse_replicate(S("0 users updated"), &e), 0);
	assert_int_equal(doveadm_parse_replicate(S("users updated\n"), &e), -1);
	assert_int_equal(doveadm_parse_replicate(S("x users updated\n"), &e), -1);
	assert_int_equal(doveadm_parse_replicate(S("1 users updated\n2 users updated\n"), &e), -1);
	assert_int_equal(e.line, 2);
	assert_int_equal(doveadm_parse_replicate(S(""), &e), -1);
	assert_int_equal(e.line, 1);
}

static void test_classify(void **state)
{
	struct doveadm_failure_info fi;

	(void)state;
	/* Captured on this Debian 12 machine (dovecot 2.3.19.1, no socket). */
	assert_int_equal(doveadm_classify_failure(
		S("Fatal: net_connect_unix(/run/dovecot/replicator-doveadm) failed: No such file or directory\n"),
		75, &fi), DOVEADM_FAIL_NOT_CONFIGURED);
	assert_string_equal(fi.detail, "/run/dovecot/replicator-doveadm");
	assert_non_null(strstr(fi.summary, "not configured"));
	/* loopback-servers.md §4 (stale socket). */
	assert_int_equal(doveadm_classify_failure(
		S("Fatal: net_connect_unix(<lab>/replica/dovecot/run/replicator-doveadm) failed: Connection refused\n"),
		75, &fi), DOVEADM_FAIL_DOVECOT_DOWN);
	assert_int_equal(doveadm_classify_failure(
		S("Fatal: net_connect_unix(/run/dovecot/replicator-doveadm) failed: Permission denied\n"),
		75, &fi), DOVEADM_FAIL_PERMISSION);
	assert_int_equal(doveadm_classify_failure(
		S("Error: Replicator failed: User not found\n"), 64, &fi), DOVEADM_FAIL_REPLICATOR);
	assert_string_equal(fi.detail, "User not found");
	assert_int_equal(doveadm_classify_failure(
		S("Error: Replicator disconnected unexpectedly\n"), 75, &fi), DOVEADM_FAIL_DISCONNECTED);
	assert_int_equal(doveadm_classify_failure(
		S("Fatal: read(/run/dovecot/replicator-doveadm) timed out\n"), 75, &fi), DOVEADM_FAIL_TIMEOUT);
	/* `doveadm replicator bogus` on 2.3.19.1, captured here. */
	assert_int_equal(doveadm_classify_failure(
		S("usage: doveadm [-Dv] [-f <formatter>] replicator <command> [<args>]\n"
		  "  add          [-a <replicator socket path>] <user mask>\n"
		  "  dsync-status [-a <replicator socket path>]\n"
		  "  remove       [-a <replicator socket path>] <username>\n"
		  "  replicate    [-a <replicator socket path>] [-f] [-p <priority>] <user mask>\n"
		  "  status       [-a <replicator socket path>] [<user mask>]\n"),
		64, &fi), DOVEADM_FAIL_USAGE);
	/* 2.4: the replicator commands are gone from the usage. */
	assert_int_equal(doveadm_classify_failure(
		S("usage: doveadm [-Dv] [-f <formatter>] replicator <command> [<args>]\n"),
		64, &fi), DOVEADM_FAIL_REMOVED);
	assert_non_null(strstr(fi.summary, "2.4"));
	assert_int_equal(doveadm_classify_failure(S("bash: line 1: doveadm: command not found\n"),
						  127, &fi), DOVEADM_FAIL_NOT_INSTALLED);
	assert_int_equal(doveadm_classify_failure(S("\nsomething\x01odd\n"), 1, &fi), DOVEADM_FAIL_UNKNOWN);
	assert_string_equal(fi.detail, "something?odd");
	assert_int_equal(doveadm_classify_failure(NULL, 0, 0, &fi), DOVEADM_FAIL_NONE);
	assert_int_equal(doveadm_classify_failure(NULL, 0, 75, NULL), DOVEADM_FAIL_UNKNOWN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_overview),
		cmocka_unit_test(test_overview_errors),
		cmocka_unit_test(test_users_tab),
		cmocka_unit_test(test_users_tab_7_columns),
		cmocka_unit_test(test_users_tab_errors),
		cmocka_unit_test(test_users_json),
		cmocka_unit_test(test_hms),
		cmocka_unit_test(test_dsync),
		cmocka_unit_test(test_replicate),
		cmocka_unit_test(test_classify),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
