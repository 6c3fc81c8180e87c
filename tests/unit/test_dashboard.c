/* The dashboard model without network: parser outputs from the references
 * (zmreplchk, doveadm -f json, contextCSN, cn=Monitor) fed with chosen
 * times; state transitions -> events, history, text at 80/120/160 against
 * expected files (tests/unit/dashboard/), JSON shape, check thresholds ->
 * exit codes and perfdata, metrics for Prometheus (expected files, escaping,
 * unknown values left out, the textfile written atomically).
 * RW_UPDATE_EXPECTED=1 rewrites the expected files (review the diff!). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <jansson.h>
#include <math.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "commands.h"
#include "dash_json.h"
#include "dash_metrics.h"
#include "dash_text.h"
#include "dashboard.h"
#include "redact.h"

#define T0 ((time_t)1795349000) /* 2026-11-22 ... UTC */
#define EXPECTED_DIR "tests/unit/dashboard/"

static const char *const reps[] = { "127.77.9.3" };
static const char *const rep_urls[] = { "ldap://127.77.9.3:3389" };
static const char *const srvs[] = { "127.77.9.6", "127.77.9.7" };

#define CSN_OLD "20261122120313.263780Z#000000#000#000000"
#define CSN_NEW "20261122120327.263780Z#000000#000#000000" /* 14 s later */

static const char ZM_SYNC[] = "Replica: ldap://127.77.9.3:3389 Code: 0 Status: In Sync CSNs:\n" CSN_OLD "\n";
static const char ZM_BEHIND[] =
	"Replica: ldap://127.77.9.3:3389 Code: 6 Status: 0y 0M 0w 0d 0h 0m 14s behind CSNs:\n" CSN_OLD "\n";
static const char ZM_DOWN[] = "Replica: ldap://127.77.9.3:3389 Code: 4 Status: Server down\n";

static const char OV_OK[] =
	"[{\"field\":\"Queued 'sync' requests\",\"value\":\"0\"},{\"field\":\"Queued 'high' requests\",\"value\":\"0\"},"
	"{\"field\":\"Queued 'low' requests\",\"value\":\"0\"},{\"field\":\"Queued 'failed' requests\",\"value\":\"0\"},"
	"{\"field\":\"Queued 'full resync' requests\",\"value\":\"0\"},{\"field\":\"Waiting 'failed' requests\",\"value\":\"0\"},"
	"{\"field\":\"Total number of known users\",\"value\":\"3\"}]";
static const char OV_FAILED[] =
	"[{\"field\":\"Queued 'sync' requests\",\"value\":\"0\"},{\"field\":\"Queued 'high' requests\",\"value\":\"0\"},"
	"{\"field\":\"Queued 'low' requests\",\"value\":\"0\"},{\"field\":\"Queued 'failed' requests\",\"value\":\"0\"},"
	"{\"field\":\"Queued 'full resync' requests\",\"value\":\"0\"},{\"field\":\"Waiting 'failed' requests\",\"value\":\"1\"},"
	"{\"field\":\"Total number of known users\",\"value\":\"3\"}]";
static const char USERS_OK[] =
	"[{\"username\":\"user2@example.com\",\"priority\":\"none\",\"fast sync\":\"00:00:00\",\"full sync\":\"00:00:07\",\"success sync\":\"00:00:07\",\"failed\":\"-\"},"
	"{\"username\":\"user1@example.com\",\"priority\":\"none\",\"fast sync\":\"00:00:01\",\"full sync\":\"00:00:07\",\"success sync\":\"00:00:01\",\"failed\":\"-\"},"
	"{\"username\":\"user3@example.com\",\"priority\":\"none\",\"fast sync\":\"00:00:07\",\"full sync\":\"00:00:07\",\"success sync\":\"00:00:07\",\"failed\":\"-\"}]";
static const char USERS_FAILED[] =
	"[{\"username\":\"user2@example.com\",\"priority\":\"none\",\"fast sync\":\"00:00:02\",\"full sync\":\"00:00:09\",\"success sync\":\"00:00:09\",\"failed\":\"-\"},"
	"{\"username\":\"user1@example.com\",\"priority\":\"none\",\"fast sync\":\"00:00:03\",\"full sync\":\"00:00:09\",\"success sync\":\"00:00:03\",\"failed\":\"-\"},"
	"{\"username\":\"user3@example.com\",\"priority\":\"none\",\"fast sync\":\"00:00:01\",\"full sync\":\"00:00:09\",\"success sync\":\"00:00:09\",\"failed\":\"y\"}]";
static const char DSYNC[] =
	"[{\"username\":\"\",\"type\":\"-\",\"status\":\"Not connected\"},{\"username\":\"\",\"type\":\"-\",\"status\":\"Not connected\"}]";
static const char ERR_REFUSED[] =
	"Fatal: net_connect_unix(/var/run/dovecot/replicator-doveadm) failed: Connection refused\n";

static struct dashboard *model(void)
{
	return dashboard_new_offline("127.77.9.2", "ldap://127.77.9.2:3389", reps, rep_urls, 1, srvs, 2,
				     NULL);
}

static void csn(struct dashboard *d, const char *master, const char *replica, time_t now)
{
	char *m[] = { (char *)master, NULL };
	char *r[] = { (char *)replica, NULL };
	dashboard_feed_master_csn(d, m, NULL, now);
	dashboard_feed_replica_csn(d, 0, r, NULL, now);
}

static void dovecot(struct dashboard *d, size_t j, const char *ov, const char *users, time_t now)
{
	dashboard_feed_doveadm(d, j, DASH_DOVEADM_OVERVIEW, ov, strlen(ov), "", 0, 0, NULL, now);
	dashboard_feed_doveadm(d, j, DASH_DOVEADM_USERS, users, strlen(users), "", 0, 0, NULL, now);
	dashboard_feed_doveadm(d, j, DASH_DOVEADM_DSYNC, DSYNC, strlen(DSYNC), "", 0, 0, NULL, now);
	dashboard_commit_server(d, j, now);
}

static void healthy_round(struct dashboard *d, time_t now)
{
	dashboard_feed_zmreplchk(d, 0, ZM_SYNC, strlen(ZM_SYNC), "", 0, 0, NULL, now);
	csn(d, CSN_OLD, CSN_OLD, now);
	dashboard_feed_consumer(d, 0, 1, true, "Persist", "00000101000000Z", NULL, now);
	dashboard_commit_replica(d, 0, now);
	dovecot(d, 0, OV_OK, USERS_OK, now);
	dovecot(d, 1, OV_OK, USERS_OK, now);
}

/* The broken site of the lab test: replica 14 s behind with its syncrepl
 * session down (zmreplchk still polled), imap2's Dovecot down, user3
 * failing on imap1. */
static void broken_round(struct dashboard *d, time_t now)
{
	dashboard_feed_zmreplchk(d, 0, ZM_BEHIND, strlen(ZM_BEHIND), "", 0, 0, NULL, now);
	csn(d, CSN_NEW, CSN_OLD, now);
	dashboard_feed_consumer(d, 0, 1, false, "Persist", "20261122120428Z", NULL, now);
	dashboard_commit_replica(d, 0, now);
	dovecot(d, 0, OV_FAILED, USERS_FAILED, now);
	dashboard_feed_doveadm(d, 1, DASH_DOVEADM_OVERVIEW, "", 0, ERR_REFUSED, strlen(ERR_REFUSED), 75,
			       NULL, now);
	dashboard_commit_server(d, 1, now);
}

static bool has_event(const struct dashboard *d, const char *text)
{
	for (size_t k = 0; k < dashboard_n_events(d); k++)
		if (strcmp(dashboard_event(d, k)->text, text) == 0)
			return true;
	return false;
}

static void test_healthy_no_events(void **state)
{
	(void)state;
	struct dashboard *d = model();
	healthy_round(d, T0);
	const struct dash_replica *r = dashboard_replica(d, 0);
	assert_int_equal(r->health, DASH_OK);
	assert_string_equal(r->summary, "In Sync");
	assert_true(r->lag_valid);
	assert_true(r->lag == 0.0);
	assert_true(r->mon_connected);
	assert_int_equal(dashboard_server(d, 0)->health, DASH_OK);
	assert_string_equal(dashboard_server(d, 0)->summary, "3 users, 0 queued, 0 failed");
	assert_int_equal(dashboard_overall(d), DASH_OK);
	assert_int_equal(dashboard_n_events(d), 0);
	dashboard_free(d);
}

static void test_transitions_events(void **state)
{
	(void)state;
	struct dashboard *d = model();
	healthy_round(d, T0);
	unsigned long g = dashboard_generation(d);
	broken_round(d, T0 + 5);
	assert_true(dashboard_generation(d) > g);
	const struct dash_replica *r = dashboard_replica(d, 0);
	assert_true(r->lag_valid);
	assert_true(r->lag > 13.9 && r->lag < 14.1);
	assert_int_equal(r->zm_behind, 14);
	assert_int_equal(r->health, DASH_WARNING); /* not connected; 14 s < warn 60 */
	assert_true(has_event(d, "replica 127.77.9.3 fell 14 s behind"));
	assert_true(has_event(d, "replica 127.77.9.3: syncrepl session not connected"));
	assert_true(has_event(d, "user3@example.com failed on 127.77.9.6"));
	const struct dash_server *s0 = dashboard_server(d, 0), *s1 = dashboard_server(d, 1);
	assert_int_equal(s0->n_failed, 1);
	assert_string_equal(s0->users[0].username, "user3@example.com"); /* failed first */
	assert_int_equal(s0->health, DASH_WARNING);
	assert_int_equal(s1->health, DASH_CRITICAL);
	assert_int_equal(s1->fail, DOVEADM_FAIL_DOVECOT_DOWN);
	assert_non_null(strstr(s1->summary, "replication not configured or dovecot down"));
	assert_true(s1->ov_valid); /* the last good value stays, greyed */
	size_t n = dashboard_n_events(d);
	/* the same state again: no new event */
	broken_round(d, T0 + 10);
	assert_int_equal(dashboard_n_events(d), n);
	/* recovery */
	healthy_round(d, T0 + 15);
	assert_true(has_event(d, "replica 127.77.9.3 back in sync"));
	assert_true(has_event(d, "replica 127.77.9.3: syncrepl session connected"));
	assert_true(has_event(d, "user3@example.com synced again on 127.77.9.6"));
	assert_true(has_event(d, "127.77.9.7: replicator answers again"));
	assert_int_equal(dashboard_overall(d), DASH_OK);
	/* events are in time order */
	for (size_t k = 1; k < dashboard_n_events(d); k++)
		assert_true(dashboard_event(d, k - 1)->at <= dashboard_event(d, k)->at);
	dashboard_free(d);
}

static void test_in_sync_but_not_connected(void **state)
{
	/* zmreplchk and contextCSN say In Sync, cn=Monitor says the persistent
	 * session is down: the trap of loopback-servers.md §5.3 */
	(void)state;
	struct dashboard *d = model();
	dashboard_feed_zmreplchk(d, 0, ZM_SYNC, strlen(ZM_SYNC), "", 0, 0, NULL, T0);
	csn(d, CSN_OLD, CSN_OLD, T0);
	dashboard_feed_consumer(d, 0, 1, false, "Persist", "20261122120428Z", NULL, T0);
	dashboard_commit_replica(d, 0, T0);
	const struct dash_replica *r = dashboard_replica(d, 0);
	assert_int_equal(r->health, DASH_WARNING);
	assert_non_null(strstr(r->summary, "In Sync, syncrepl not connected"));
	dashboard_free(d);
}

/* A contextCSN probe that was refused by TLS, or never made because the
 * node's SSH session (which carries it) is down, is not "Server down". */
static void test_ldap_failure_kinds(void **state)
{
	(void)state;
	struct dashboard *d = model();
	healthy_round(d, T0);
	dashboard_feed_replica_csn_failed(d, 0, LDAPPROBE_FAIL_NO_ROUTE,
					  "cannot contact LDAP server ldap://127.77.9.3:3389 through the SSH "
					  "session: host key not accepted", T0 + 5);
	dashboard_commit_replica(d, 0, T0 + 5);
	const struct dash_replica *r = dashboard_replica(d, 0);
	assert_int_not_equal(r->health, DASH_CRITICAL);
	assert_null(strstr(r->summary, "Server down"));
	for (size_t k = 0; k < dashboard_n_events(d); k++)
		assert_null(strstr(dashboard_event(d, k)->text, "Server down"));

	dashboard_feed_replica_csn_failed(d, 0, LDAPPROBE_FAIL_TLS, "TLS handshake with "
					  "ldap://127.77.9.3:3389 failed: the server certificate is not trusted",
					  T0 + 10);
	dashboard_commit_replica(d, 0, T0 + 10);
	assert_int_equal(r->health, DASH_CRITICAL);
	assert_non_null(strstr(r->summary, "LDAP TLS refused (TLS handshake with ldap://127.77.9.3:3389"));
	assert_null(strstr(r->summary, "Server down"));

	dashboard_feed_replica_csn_failed(d, 0, LDAPPROBE_FAIL_CONTACT,
					  "cannot contact LDAP server ldap://127.77.9.3:3389 (-1)", T0 + 15);
	dashboard_commit_replica(d, 0, T0 + 15);
	assert_int_equal(r->health, DASH_CRITICAL);
	assert_string_equal(r->summary, "Server down");
	dashboard_free(d);
}

static void test_server_down_and_ssh(void **state)
{
	(void)state;
	struct dashboard *d = model();
	healthy_round(d, T0);
	dashboard_feed_zmreplchk(d, 0, ZM_DOWN, strlen(ZM_DOWN), "", 0, 0, NULL, T0 + 5);
	dashboard_feed_replica_csn(d, 0, NULL, "cannot contact LDAP server ldap://127.77.9.3:3389 (-1)", T0 + 5);
	dashboard_commit_replica(d, 0, T0 + 5);
	const struct dash_replica *r = dashboard_replica(d, 0);
	assert_int_equal(r->health, DASH_CRITICAL);
	assert_string_equal(r->summary, "Server down");
	assert_true(has_event(d, "replica 127.77.9.3: Server down (cannot contact LDAP server ldap://127.77.9.3:3389 (-1))"));
	/* ssh failure of a server: its own cells only */
	dashboard_feed_server_ssh(d, 1, "cannot connect to 127.77.9.7 (127.77.9.7 port 2222): Connection refused", T0 + 5);
	dashboard_commit_server(d, 1, T0 + 5);
	assert_int_equal(dashboard_server(d, 1)->health, DASH_CRITICAL);
	assert_int_equal(dashboard_server(d, 0)->health, DASH_OK);
	assert_true(has_event(d, "127.77.9.7: ssh: cannot connect to 127.77.9.7 (127.77.9.7 port 2222): Connection refused"));
	/* zmreplchk dies (exit 255): a warning, the probe still says down */
	const char die[] = "Unable to bind to master (ldap://m:389): Invalid credentials\n";
	dashboard_feed_zmreplchk(d, 0, "", 0, die, strlen(die), 255, NULL, T0 + 10);
	assert_string_equal(dashboard_replica(d, 0)->zm_error,
			    "zmreplchk: exit 255: Unable to bind to master (ldap://m:389): Invalid credentials");
	dashboard_free(d);
}

/* The master down as replchk.pl shows it: Code 6 with an empty status on
 * the replica (and our own master probe failing): "master down", CRITICAL,
 * not "out of sync ()" as a warning. */
static void test_master_down_real_form(void **state)
{
	(void)state;
	static const char zm[] = "Replica: ldap://127.77.9.3:3389 Code: 6 Status:  CSNs:\n" CSN_OLD "\n";
	struct dashboard *d = model();
	healthy_round(d, T0);
	dashboard_feed_zmreplchk(d, 0, zm, strlen(zm), "", 0, 0, NULL, T0 + 5);
	dashboard_feed_master_csn(d, NULL, "cannot contact LDAP server ldap://127.77.9.2:3389 (-1)", T0 + 5);
	dashboard_feed_replica_csn(d, 0, (char *[]){ (char *)CSN_OLD, NULL }, NULL, T0 + 5);
	dashboard_commit_replica(d, 0, T0 + 5);
	const struct dash_replica *r = dashboard_replica(d, 0);
	assert_true(r->zm_master_down);
	assert_int_equal(r->health, DASH_CRITICAL);
	assert_non_null(strstr(r->summary, "master down"));
	dashboard_free(d);
}

static void test_history(void **state)
{
	(void)state;
	struct dashboard *d = model();
	for (int i = 0; i < DASH_HISTORY + 5; i++)
		healthy_round(d, T0 + i);
	broken_round(d, T0 + 500);
	const struct dash_replica *r = dashboard_replica(d, 0);
	assert_int_equal(r->lag_hist.n, DASH_HISTORY);
	const struct dash_sample *first = dash_history_at(&r->lag_hist, 0);
	const struct dash_sample *last = dash_history_at(&r->lag_hist, DASH_HISTORY - 1);
	assert_int_equal(first->at, T0 + 6); /* the oldest 6 fell out */
	assert_int_equal(last->at, T0 + 500);
	assert_true(last->valid && last->value > 13.9);
	const struct dash_server *s1 = dashboard_server(d, 1);
	last = dash_history_at(&s1->failed_hist, s1->failed_hist.n - 1);
	assert_false(last->valid); /* Dovecot down: a gap, not a zero */
	const struct dash_server *s0 = dashboard_server(d, 0);
	last = dash_history_at(&s0->failed_hist, s0->failed_hist.n - 1);
	assert_true(last->valid && last->value == 1.0);
	assert_null(dash_history_at(&r->lag_hist, DASH_HISTORY));
	dashboard_free(d);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *b = malloc((size_t)n + 1);
	size_t got = fread(b, 1, (size_t)n, f);
	b[got] = '\0';
	fclose(f);
	return b;
}

static void compare_expected(const char *name, const char *got)
{
	char path[256];
	snprintf(path, sizeof path, EXPECTED_DIR "%s", name);
	if (getenv("RW_UPDATE_EXPECTED")) {
		FILE *f = fopen(path, "wb");
		assert_non_null(f);
		fputs(got, f);
		fclose(f);
	}
	char *want = slurp(path);
	if (!want)
		fail_msg("missing expected file %s (run from the repository root)", path);
	if (strcmp(want, got) != 0) {
		fprintf(stderr, "--- %s expected\n%s--- got\n%s", path, want, got);
		fail_msg("%s differs", path);
	}
	free(want);
}

static void check_widths(const char *text, int width)
{
	const char *p = text;
	while (*p) {
		const char *e = strchr(p, '\n');
		assert_non_null(e);
		size_t cols = 0;
		for (const char *q = p; q < e; q++)
			if (((unsigned char)*q & 0xC0) != 0x80)
				cols++;
		assert_true(cols <= (size_t)width);
		p = e + 1;
	}
}

static void test_text_render(void **state)
{
	(void)state;
	static const int widths[] = { 80, 120, 160 };
	for (int k = 0; k < 2; k++) {
		struct dashboard *d = model();
		healthy_round(d, T0);
		if (k)
			broken_round(d, T0 + 5);
		for (size_t w = 0; w < 3; w++) {
			char *t = dash_text_render(d, widths[w], "site: /etc/replica-wizard/site.ini", T0 + 7);
			check_widths(t, widths[w]);
			char name[64];
			snprintf(name, sizeof name, "%s-%d.txt", k ? "broken" : "healthy", widths[w]);
			compare_expected(name, t);
			free(t);
		}
		dashboard_free(d);
	}
	assert_int_equal(dash_text_width(NULL), 80);
	assert_int_equal(dash_text_width("119"), 80);
	assert_int_equal(dash_text_width("120"), 120);
	assert_int_equal(dash_text_width("159"), 120);
	assert_int_equal(dash_text_width("250"), 160);
	assert_int_equal(dash_text_width("x"), 80);
}

static void test_json_shape(void **state)
{
	(void)state;
	struct dashboard *d = model();
	healthy_round(d, T0);
	broken_round(d, T0 + 5);
	char *txt = dash_json_render(d, T0 + 7);
	json_error_t e;
	json_t *root = json_loads(txt, 0, &e);
	assert_non_null(root);
	assert_string_equal(json_string_value(json_object_get(root, "overall")), "CRITICAL");
	json_t *reps_j = json_object_get(root, "replicas");
	assert_int_equal(json_array_size(reps_j), 1);
	json_t *r = json_array_get(reps_j, 0);
	assert_string_equal(json_string_value(json_object_get(r, "name")), "127.77.9.3");
	assert_true(json_real_value(json_object_get(r, "lag_s")) > 13.9);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(r, "zmreplchk"), "code")), 6);
	assert_true(json_is_false(json_object_get(json_object_get(r, "syncrepl"), "connected")));
	assert_int_equal(json_array_size(json_object_get(r, "history")), 2);
	json_t *s = json_array_get(json_object_get(root, "servers"), 0);
	assert_int_equal(json_integer_value(json_object_get(s, "failed")), 1);
	json_t *u0 = json_array_get(json_object_get(s, "users"), 0);
	assert_string_equal(json_string_value(json_object_get(u0, "username")), "user3@example.com");
	assert_true(json_is_true(json_object_get(u0, "failed")));
	assert_int_equal(json_integer_value(json_object_get(u0, "success_sync_ago_s")), 9);
	assert_true(json_is_null(json_object_get(u0, "next_sync_s")));
	json_t *s1 = json_array_get(json_object_get(root, "servers"), 1);
	assert_true(json_is_null(json_object_get(s1, "failed")) == false); /* last good overview */
	assert_string_equal(json_string_value(json_object_get(s1, "health")), "CRITICAL");
	assert_true(json_is_string(json_object_get(s1, "error")));
	json_t *ev = json_object_get(root, "events");
	assert_true(json_array_size(ev) >= 3);
	assert_string_equal(json_string_value(json_object_get(json_array_get(ev, 0), "at")),
			    "2026-11-22T12:03:25Z");
	json_decref(root);
	free(txt);
	dashboard_free(d);
}

/* Two pairs: east healthy, west with a server down. Every view shows both,
 * grouped, each under its name; a lone [dovecot] pair is not grouped. */
static void test_pairs_grouped(void **state)
{
	(void)state;
	static const char *const four[] = { "e1", "e2", "w1", "w2" };
	struct dashboard *d = dashboard_new_offline("", "", NULL, NULL, 0, four, 4, NULL);
	assert_false(dashboard_pairs_grouped(d));
	dashboard_offline_pair(d, "east", 0, 2);
	dashboard_offline_pair(d, "west", 2, 2);
	assert_true(dashboard_pairs_grouped(d));
	assert_int_equal(dashboard_n_pairs(d), 2);
	for (size_t j = 0; j < 3; j++)
		dovecot(d, j, OV_OK, USERS_OK, T0);
	dashboard_feed_doveadm(d, 3, DASH_DOVEADM_OVERVIEW, "", 0, ERR_REFUSED, strlen(ERR_REFUSED), 75,
			       NULL, T0);
	dashboard_commit_server(d, 3, T0);
	assert_int_equal(dashboard_pair_health(d, 0), DASH_OK);
	assert_int_equal(dashboard_pair_health(d, 1), DASH_CRITICAL);
	assert_string_equal(dashboard_server(d, 2)->pair, "west");

	char *t = dash_text_render(d, 80, NULL, T0 + 1);
	check_widths(t, 80);
	const char *pe = strstr(t, "pair east: OK"), *pw = strstr(t, "pair west: CRITICAL");
	assert_non_null(pe);
	assert_non_null(pw);
	assert_true(pe < strstr(t, "OK       e1") && strstr(t, "OK       e2") < pw);
	assert_true(pw < strstr(t, "CRITICAL w2"));
	free(t);

	char *txt = dash_json_render(d, T0 + 1);
	json_error_t e;
	json_t *root = json_loads(txt, 0, &e);
	assert_non_null(root);
	json_t *pairs = json_object_get(root, "pairs");
	assert_int_equal(json_array_size(pairs), 2);
	json_t *w = json_array_get(pairs, 1);
	assert_string_equal(json_string_value(json_object_get(w, "name")), "west");
	assert_string_equal(json_string_value(json_object_get(w, "health")), "CRITICAL");
	assert_string_equal(json_string_value(json_array_get(json_object_get(w, "servers"), 1)), "w2");
	json_t *s3 = json_array_get(json_object_get(root, "servers"), 3);
	assert_string_equal(json_string_value(json_object_get(s3, "pair")), "west");
	json_decref(root);
	free(txt);

	int rc = -1;
	char *out = check_status_text(d, &rc);
	assert_int_equal(rc, 2);
	assert_non_null(strstr(out, "REPLICATION CRITICAL - w2 (pair west): "));
	assert_non_null(strstr(out, "\n[OK] dovecot pair east: e1 e2\n[OK] dovecot e1 (pair east): "));
	assert_non_null(strstr(out, "\n[CRITICAL] dovecot pair west: w1 w2\n"));
	free(out);

	/* metrics: every Dovecot series of a server carries its pair */
	char *om = dash_metrics_render(d, DASH_METRICS_OPENMETRICS, T0 + 1);
	assert_non_null(strstr(om, "server=\"e2\",pair=\"east\""));
	assert_non_null(strstr(om, "target=\"w2\",pair=\"west\""));
	assert_null(strstr(om, "server=\"w1\",pair=\"east\""));
	free(om);
	dashboard_free(d);
}

static void test_check_thresholds(void **state)
{
	(void)state;
	int rc = -1;
	struct dashboard *d = model();
	healthy_round(d, T0);
	char *out = check_status_text(d, &rc);
	assert_int_equal(rc, 0);
	assert_string_equal(out,
		"REPLICATION OK - 1 replica in sync, 2 Dovecot servers OK | 'lag_127.77.9.3'=0s;60;300;0; "
		"'queued_127.77.9.6'=0;100;1000;0; 'failed_127.77.9.6'=0;1;5;0; 'queued_127.77.9.7'=0;100;1000;0; "
		"'failed_127.77.9.7'=0;1;5;0;\n"
		"[OK] replica 127.77.9.3: In Sync\n"
		"[OK] dovecot 127.77.9.6: 3 users, 0 queued, 0 failed\n"
		"[OK] dovecot 127.77.9.7: 3 users, 0 queued, 0 failed\n");
	free(out);
	broken_round(d, T0 + 5);
	out = check_status_text(d, &rc);
	assert_int_equal(rc, 2);
	static const char head[] = "REPLICATION CRITICAL - replica 127.77.9.3: 14 s behind, syncrepl not connected";
	assert_memory_equal(out, head, sizeof head - 1);
	assert_non_null(strstr(out, "'lag_127.77.9.3'=14s;60;300;0;"));
	assert_non_null(strstr(out, "'failed_127.77.9.6'=1;1;5;0;"));
	assert_non_null(strstr(out, "'queued_127.77.9.7'=U"));
	assert_null(strchr(strchr(out, '|') + 1, '|')); /* one pipe only */
	free(out);
	dashboard_free(d);

	/* lag thresholds alone: WARNING then CRITICAL */
	struct dash_thresholds th;
	dash_thresholds_default(&th);
	th.warn_lag = 10;
	th.crit_lag = 20;
	d = dashboard_new_offline("m", "ldap://m:389", reps, rep_urls, 1, NULL, 0, &th);
	dashboard_feed_zmreplchk(d, 0, ZM_BEHIND, strlen(ZM_BEHIND), "", 0, 0, NULL, T0);
	csn(d, CSN_NEW, CSN_OLD, T0);
	dashboard_feed_consumer(d, 0, 1, true, "Persist", "00000101000000Z", NULL, T0);
	dashboard_commit_replica(d, 0, T0);
	out = check_status_text(d, &rc);
	assert_int_equal(rc, 1);
	assert_non_null(strstr(out, "'lag_127.77.9.3'=14s;10;20;0;"));
	free(out);
	th.crit_lag = 14;
	dashboard_free(d);
	d = dashboard_new_offline("m", "ldap://m:389", reps, rep_urls, 1, NULL, 0, &th);
	csn(d, CSN_NEW, CSN_OLD, T0);
	dashboard_commit_replica(d, 0, T0);
	out = check_status_text(d, &rc);
	assert_int_equal(rc, 2);
	free(out);
	dashboard_free(d);

	/* failed users: warn at 1, crit at 1 */
	th.warn_failed = 1;
	th.crit_failed = 1;
	d = dashboard_new_offline("m", "ldap://m:389", NULL, NULL, 0, srvs, 1, &th);
	dovecot(d, 0, OV_FAILED, USERS_FAILED, T0);
	out = check_status_text(d, &rc);
	assert_int_equal(rc, 2);
	free(out);
	dashboard_free(d);

	/* nothing polled yet / nothing to check: UNKNOWN */
	d = dashboard_new_offline("m", "ldap://m:389", reps, rep_urls, 1, NULL, 0, NULL);
	out = check_status_text(d, &rc);
	assert_int_equal(rc, 3);
	free(out);
	dashboard_free(d);
	d = dashboard_new_offline("m", "ldap://m:389", NULL, NULL, 0, NULL, 0, NULL);
	out = check_status_text(d, &rc);
	assert_int_equal(rc, 3);
	free(out);
	dashboard_free(d);
}

static void test_events_bounded_and_redacted(void **state)
{
	(void)state;
	struct dashboard *d = model();
	redact_add("s3cret-pass");
	for (int i = 0; i < DASH_MAX_EVENTS + 10; i++)
		dashboard_event_add(d, T0 + i, DASH_WARNING, "event %d s3cret-pass", i);
	assert_int_equal(dashboard_n_events(d), DASH_MAX_EVENTS);
	assert_string_equal(dashboard_event(d, 0)->text, "event 10 ****");
	assert_null(dashboard_event(d, DASH_MAX_EVENTS));
	/* a long text is masked before it is cut: no start of a secret shows */
	char pad[600];
	memset(pad, 'x', 505);
	pad[505] = '\0';
	dashboard_event_add(d, T0, DASH_WARNING, "%s s3cret-pass", pad);
	const char *t = dashboard_event(d, DASH_MAX_EVENTS - 1)->text;
	assert_true(strlen(t) <= DASH_EVENT_TEXT_MAX);
	assert_null(strstr(t, " s3c"));
	assert_int_equal(strncmp(t + 505, " ****", 5), 0);
	redact_clear();
	dashboard_free(d);
}

static void test_metrics_render(void **state)
{
	(void)state;
	for (int k = 0; k < 2; k++) {
		struct dashboard *d = model();
		healthy_round(d, T0);
		if (k)
			broken_round(d, T0 + 5);
		char *om = dash_metrics_render(d, DASH_METRICS_OPENMETRICS, T0 + 7);
		char *prom = dash_metrics_render(d, DASH_METRICS_PROMETHEUS, T0 + 7);
		char name[64];
		snprintf(name, sizeof name, "metrics-%s.om", k ? "broken" : "healthy");
		compare_expected(name, om);
		snprintf(name, sizeof name, "metrics-%s.prom", k ? "broken" : "healthy");
		compare_expected(name, prom);
		/* OpenMetrics ends with # EOF and has UNIT lines; the Prometheus
		 * format has neither */
		size_t n = strlen(om);
		assert_true(n > 6 && strcmp(om + n - 6, "# EOF\n") == 0);
		assert_non_null(strstr(om, "# UNIT replica_wizard_replica_lag_seconds seconds\n"));
		assert_null(strstr(prom, "# EOF"));
		assert_null(strstr(prom, "# UNIT"));
		free(om);
		free(prom);
		dashboard_free(d);
	}
}

/* Unknown and stale values are left out, never written as 0 or as the
 * last good number; probe_success says what failed. */
static void test_metrics_absent_values(void **state)
{
	(void)state;
	struct dashboard *d = model();
	char *t = dash_metrics_render(d, DASH_METRICS_OPENMETRICS, T0);
	/* never polled: nothing but the run's own timestamp */
	assert_string_equal(t, "# HELP replica_wizard_last_run_timestamp_seconds Unix time when replica-wizard "
			    "made these metrics\n# TYPE replica_wizard_last_run_timestamp_seconds gauge\n"
			    "# UNIT replica_wizard_last_run_timestamp_seconds seconds\n"
			    "replica_wizard_last_run_timestamp_seconds 1795349000\n# EOF\n");
	free(t);
	healthy_round(d, T0);
	broken_round(d, T0 + 5);
	/* the replica fails every LDAP probe now, zmreplchk still answers */
	dashboard_feed_replica_csn(d, 0, NULL, "Can't contact LDAP server", T0 + 10);
	dashboard_feed_consumer(d, 0, 0, false, NULL, NULL, "Can't contact LDAP server", T0 + 10);
	dashboard_commit_replica(d, 0, T0 + 10);
	t = dash_metrics_render(d, DASH_METRICS_PROMETHEUS, T0 + 10);
	/* 127.77.9.7's doveadm failed: no queue, user or failed series */
	assert_null(strstr(t, "server=\"127.77.9.7\""));
	assert_non_null(strstr(t, "replica_wizard_dovecot_known_users{server=\"127.77.9.6\"} 3\n"));
	assert_non_null(strstr(t, "replica_wizard_probe_success{target=\"127.77.9.7\",role=\"dovecot\","
				  "probe=\"doveadm\"} 0\n"));
	/* its last success was the healthy round */
	assert_non_null(strstr(t, "replica_wizard_probe_last_success_timestamp_seconds{target=\"127.77.9.7\","
				  "role=\"dovecot\",probe=\"doveadm\"} 1795349000\n"));
	/* the replica is down: no lag, no syncrepl state, in_sync 0 */
	assert_null(strstr(t, "replica_wizard_replica_lag_seconds{"));
	assert_null(strstr(t, "replica_wizard_replica_syncrepl_connected{"));
	assert_non_null(strstr(t, "replica_wizard_replica_in_sync{replica=\"127.77.9.3\"} 0\n"));
	assert_non_null(strstr(t, "replica_wizard_probe_success{target=\"127.77.9.3\",role=\"replica\","
				  "probe=\"contextcsn\"} 0\n"));
	assert_non_null(strstr(t, "replica_wizard_probe_success{target=\"127.77.9.3\",role=\"replica\","
				  "probe=\"zmreplchk\"} 1\n"));
	free(t);
	dashboard_free(d);

	char b[64];
	assert_false(dash_metrics_number(b, sizeof b, NAN));
	assert_false(dash_metrics_number(b, sizeof b, INFINITY));
	assert_false(dash_metrics_number(b, sizeof b, -INFINITY));
	assert_true(dash_metrics_number(b, sizeof b, 3));
	assert_string_equal(b, "3");
	assert_true(dash_metrics_number(b, sizeof b, 14.25));
	assert_string_equal(b, "14.25");
	assert_true(dash_metrics_number(b, sizeof b, 1795349000));
	assert_string_equal(b, "1795349000");
}

/* Label values: backslash, double quote and line feed escaped. */
static void test_metrics_label_escaping(void **state)
{
	(void)state;
	const char *const rep[] = { "a\"b\\c\nd" };
	const char *const url[] = { "ldap://x:389" };
	const char *const srv[] = { "imap \"1\"" };
	struct dashboard *d = dashboard_new_offline("m", "ldap://m:389", rep, url, 1, srv, 1, NULL);
	dashboard_feed_zmreplchk(d, 0, ZM_DOWN, strlen(ZM_DOWN), "", 0, 0, NULL, T0);
	dashboard_commit_replica(d, 0, T0);
	dovecot(d, 0, OV_OK, USERS_OK, T0);
	char *t = dash_metrics_render(d, DASH_METRICS_OPENMETRICS, T0);
	assert_non_null(strstr(t, "replica_wizard_replica_zmreplchk_code{replica=\"a\\\"b\\\\c\\nd\"} 4\n"));
	assert_non_null(strstr(t, "replica_wizard_dovecot_failed_users{server=\"imap \\\"1\\\"\"} 0\n"));
	/* no raw line feed inside a sample line */
	assert_null(strstr(t, "a\\\"b\\\\c\nd"));
	/* tests/shell parses it with a real parser and gets the names back */
	compare_expected("metrics-escaping.om", t);
	free(t);
	dashboard_free(d);
}

static size_t dir_entries(const char *dir)
{
	DIR *dh = opendir(dir);
	assert_non_null(dh);
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(dh)))
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(dh);
	return n;
}

static void test_metrics_textfile(void **state)
{
	(void)state;
	char dir[] = "/tmp/rw-test-textfile-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char err[512] = "";
	char path[256];
	snprintf(path, sizeof path, "%s/" DASH_METRICS_TEXTFILE, dir);
	mode_t old = umask(077); /* the file is 0644 whatever the umask */
	assert_true(dash_metrics_write_textfile(dir, "first 1\n", err, sizeof err));
	assert_true(dash_metrics_write_textfile(dir, "second 2\n", err, sizeof err));
	umask(old);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	char *got = slurp(path);
	assert_string_equal(got, "second 2\n");
	free(got);
	/* the temporary file is gone: only replica-wizard.prom remains */
	assert_int_equal(dir_entries(dir), 1);
	unlink(path);
	rmdir(dir);
	/* a missing directory: false, the message names it, nothing made */
	assert_false(dash_metrics_write_textfile(dir, "x 1\n", err, sizeof err));
	assert_non_null(strstr(err, dir));
	assert_non_null(strstr(err, "No such file or directory"));
}

int main(void)
{
	setenv("TZ", "UTC", 1);
	tzset();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_healthy_no_events),
		cmocka_unit_test(test_transitions_events),
		cmocka_unit_test(test_in_sync_but_not_connected),
		cmocka_unit_test(test_ldap_failure_kinds),
		cmocka_unit_test(test_server_down_and_ssh),
		cmocka_unit_test(test_master_down_real_form),
		cmocka_unit_test(test_history),
		cmocka_unit_test(test_text_render),
		cmocka_unit_test(test_json_shape),
		cmocka_unit_test(test_check_thresholds),
		cmocka_unit_test(test_pairs_grouped),
		cmocka_unit_test(test_events_bounded_and_redacted),
		cmocka_unit_test(test_metrics_render),
		cmocka_unit_test(test_metrics_absent_values),
		cmocka_unit_test(test_metrics_label_escaping),
		cmocka_unit_test(test_metrics_textfile),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
