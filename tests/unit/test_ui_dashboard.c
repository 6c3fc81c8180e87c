/* Screen tests of the dashboard view: a headless newterm on /dev/null, the
 * model built offline with the feeds of the real outputs (as
 * test_dashboard.c does), keys through dview_key(), the virtual screen
 * dumped and compared with tests/screens/dashboard-*.screen.
 * UPDATE_SCREENS=1 rewrites the expected files instead of comparing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dashboard.h"
#include "dashboard_view.h"
#include "term.h"
#include "xalloc.h"

#define KEY_ESC 27
#define T0 ((time_t)1795349000)

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
	"{\"field\":\"Queued 'low' requests\",\"value\":\"2\"},{\"field\":\"Queued 'failed' requests\",\"value\":\"0\"},"
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

/* ---- model state ---- */

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

static void behind_round(struct dashboard *d, time_t now)
{
	dashboard_feed_zmreplchk(d, 0, ZM_BEHIND, strlen(ZM_BEHIND), "", 0, 0, NULL, now);
	csn(d, CSN_NEW, CSN_OLD, now);
	dashboard_feed_consumer(d, 0, 1, true, "Persist", "00000101000000Z", NULL, now);
	dashboard_commit_replica(d, 0, now);
	dovecot(d, 0, OV_OK, USERS_OK, now);
	dovecot(d, 1, OV_OK, USERS_OK, now);
}

/* The replica's slapd stopped (Server down, our probe cannot contact it),
 * imap2's Dovecot down (last good values stay, greyed), user3 failing on
 * imap1. */
static void broken_round(struct dashboard *d, time_t now)
{
	dashboard_feed_zmreplchk(d, 0, ZM_DOWN, strlen(ZM_DOWN), "", 0, 0, NULL, now);
	char *m[] = { (char *)CSN_NEW, NULL };
	dashboard_feed_master_csn(d, m, NULL, now);
	dashboard_feed_replica_csn(d, 0, NULL, "cannot contact LDAP server ldap://127.77.9.3:3389 (-1)", now);
	dashboard_feed_consumer(d, 0, 0, false, NULL, NULL, "cannot contact LDAP server ldap://127.77.9.3:3389 (-1)",
				now);
	dashboard_commit_replica(d, 0, now);
	dovecot(d, 0, OV_FAILED, USERS_FAILED, now);
	dashboard_feed_doveadm(d, 1, DASH_DOVEADM_OVERVIEW, "", 0, ERR_REFUSED, strlen(ERR_REFUSED), 75, NULL, now);
	dashboard_commit_server(d, 1, now);
}

static struct dashboard *model(bool broken)
{
	struct dashboard *d = dashboard_new_offline("127.77.9.2", "ldap://127.77.9.2:3389", reps, rep_urls, 1,
						    srvs, 2, NULL);
	for (int i = 0; i < 6; i++)
		healthy_round(d, T0 + 5 * i);
	if (broken) {
		behind_round(d, T0 + 30);
		behind_round(d, T0 + 35);
		broken_round(d, T0 + 40);
		broken_round(d, T0 + 45);
	}
	return d;
}

/* ---- screens ---- */

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	size_t cap = 4096, len = 0, n;
	char *buf = xmalloc(cap);
	while ((n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
		len += n;
		if (cap - len < 2) {
			cap *= 2;
			buf = xrealloc(buf, cap);
		}
	}
	buf[len] = '\0';
	fclose(f);
	return buf;
}

static void check_screen(struct dview *v, const char *name, int rows, int cols)
{
	resize_term(rows, cols);
	dview_draw(v);
	char *got = term_dump();
	const char *dir = getenv("SCREENS_DIR");
	char *path = xasprintf("%s/%s.screen", dir && *dir ? dir : "tests/screens", name);
	const char *upd = getenv("UPDATE_SCREENS");
	if (upd && strcmp(upd, "1") == 0) {
		FILE *f = fopen(path, "w");
		assert_non_null(f);
		fputs(got, f);
		fclose(f);
	} else {
		char *want = read_file(path);
		if (!want)
			fail_msg("missing %s (run with UPDATE_SCREENS=1 to create it)", path);
		if (strcmp(want, got) != 0) {
			fprintf(stderr, "screen %s differs; got:\n%s\n", name, got);
			fail_msg("screen %s differs from %s", name, path);
		}
		free(want);
	}
	free(path);
	free(got);
}

static void both_sizes(struct dview *v, const char *name)
{
	char buf[128];
	snprintf(buf, sizeof buf, "dashboard-%s-80x24", name);
	check_screen(v, buf, 24, 80);
	snprintf(buf, sizeof buf, "dashboard-%s-160x48", name);
	check_screen(v, buf, 48, 160);
}

/* ---- a fake backend: the intents are counted, never sent ---- */

static struct {
	int polls, requeues, hk_yes, hk_no;
	size_t rq_server;
	char rq_user[128], hk_host[128];
} fake;

static void f_poll(struct dview *v) { (void)v; fake.polls++; }
static bool f_requeue(struct dview *v, size_t server, const char *user)
{
	(void)v;
	fake.requeues++;
	fake.rq_server = server;
	snprintf(fake.rq_user, sizeof fake.rq_user, "%s", user);
	return true;
}
static void f_hostkey(struct dview *v, const char *host, bool accept)
{
	(void)v;
	accept ? fake.hk_yes++ : fake.hk_no++;
	snprintf(fake.hk_host, sizeof fake.hk_host, "%s", host);
}

struct fixture {
	SCREEN *scr;
	FILE *out, *in;
	struct dashboard *d;
	struct dview *v;
};

static int setup_with(void **state, bool broken)
{
	struct fixture *fx = xcalloc(1, sizeof *fx);
	fx->out = fopen("/dev/null", "w");
	fx->in = fopen("/dev/null", "r");
	fx->scr = term_init_headless(fx->out, fx->in, 24, 80);
	assert_non_null(fx->scr);
	memset(&fake, 0, sizeof fake);
	fx->d = model(broken);
	fx->v = dview_new(fx->d, "site: /etc/replica-wizard/site.ini");
	fx->v->be = (struct dview_backend){ .poll_now = f_poll, .requeue = f_requeue, .hostkey = f_hostkey };
	fx->v->now = T0 + 47;
	*state = fx;
	return 0;
}

static int setup_healthy(void **state) { return setup_with(state, false); }
static int setup_broken(void **state) { return setup_with(state, true); }

static int teardown(void **state)
{
	struct fixture *fx = *state;
	dview_free(fx->v);
	dashboard_free(fx->d);
	term_done();
	fclose(fx->out);
	fclose(fx->in);
	free(fx);
	return 0;
}

static void test_healthy(void **state)
{
	struct fixture *fx = *state;
	both_sizes(fx->v, "healthy");
	assert_int_equal(dashboard_overall(fx->d), DASH_OK);
}

static void test_broken(void **state)
{
	struct fixture *fx = *state;
	assert_int_equal(dashboard_replica(fx->d, 0)->health, DASH_CRITICAL);
	assert_int_equal(dashboard_server(fx->d, 1)->health, DASH_CRITICAL);
	both_sizes(fx->v, "broken");
	/* the failed user is first of imap1 and the default selection */
	size_t server = 99;
	const char *user = NULL;
	assert_true(dview_selected_user(fx->v, &server, &user));
	assert_int_equal(server, 0);
	assert_string_equal(user, "user3@example.com");
	/* sorted by name, user1 comes first */
	dview_key(fx->v, 's');
	assert_true(dview_selected_user(fx->v, &server, &user));
	assert_string_equal(user, "user1@example.com");
}

static void test_tab_and_scroll(void **state)
{
	struct fixture *fx = *state;
	struct dview *v = fx->v;
	assert_int_equal(v->focus, DVIEW_LEFT);
	dview_key(v, '\t');
	assert_int_equal(v->focus, DVIEW_RIGHT);
	dview_key(v, '\t');
	assert_int_equal(v->focus, DVIEW_EVENTS);
	dview_key(v, '\t');
	assert_int_equal(v->focus, DVIEW_LEFT);
	dview_key(v, KEY_BTAB);
	assert_int_equal(v->focus, DVIEW_EVENTS);
	dview_key(v, '\t');
	/* in the Dovecot panel the arrows walk the users of both servers */
	dview_key(v, '\t');
	size_t server;
	const char *user;
	for (int i = 0; i < 3; i++)
		dview_key(v, KEY_DOWN);
	assert_true(dview_selected_user(v, &server, &user));
	assert_int_equal(server, 1); /* 3 users on imap1, then imap2's */
	assert_string_equal(user, "user1@example.com");
	for (int i = 0; i < 10; i++)
		dview_key(v, KEY_DOWN); /* stops at the last user */
	assert_int_equal(v->user_sel, 5);
	both_sizes(v, "selected");
	/* scrolling the left panel never goes below 0 */
	dview_key(v, '\t');
	dview_key(v, '\t');
	dview_key(v, KEY_UP);
	assert_int_equal(v->scroll[DVIEW_LEFT], 0);
	dview_key(v, 'r');
	assert_int_equal(fake.polls, 1);
	assert_string_equal(v->status, "Polling every idle host now.");
}

static void test_filter(void **state)
{
	struct fixture *fx = *state;
	struct dview *v = fx->v;
	dview_key(v, '/');
	assert_true(v->editing_filter);
	assert_int_equal(v->focus, DVIEW_RIGHT);
	for (const char *c = "USER2"; *c; c++)
		dview_key(v, *c);
	assert_string_equal(v->filter, "USER2");
	dview_key(v, 'q'); /* typed into the filter, does not quit */
	assert_false(v->quit);
	dview_key(v, KEY_BACKSPACE);
	check_screen(v, "dashboard-filter-typing-80x24", 24, 80);
	dview_key(v, '\r');
	assert_false(v->editing_filter);
	/* the match is case-insensitive; one user per server is left */
	size_t server;
	const char *user;
	assert_true(dview_selected_user(v, &server, &user));
	assert_string_equal(user, "user2@example.com");
	dview_key(v, KEY_DOWN);
	assert_true(dview_selected_user(v, &server, &user));
	assert_int_equal(server, 1);
	assert_string_equal(user, "user2@example.com");
	dview_key(v, KEY_DOWN);
	assert_int_equal(v->user_sel, 1);
	both_sizes(v, "filtered");
	/* Esc while typing clears it */
	dview_key(v, '/');
	dview_key(v, KEY_ESC);
	assert_string_equal(v->filter, "");
	assert_false(v->editing_filter);
	/* a filter nothing matches */
	dview_key(v, '/');
	dview_key(v, 'z');
	dview_key(v, '\r');
	assert_false(dview_selected_user(v, &server, &user));
}

/* A large cluster: 12 pairs, p07's second server down. The broken pair comes
 * first, detailed; the healthy ones are a line a server; the filter finds a
 * pair by name (the others hidden) and the selection follows what is shown. */
#define NPAIRS 12
static struct dashboard *pairs_model(char names[][16])
{
	const char *sv[2 * NPAIRS];
	for (size_t j = 0; j < 2 * NPAIRS; j++) {
		snprintf(names[j], 16, "node%02zu", j);
		sv[j] = names[j];
	}
	struct dashboard *d = dashboard_new_offline("", "", NULL, NULL, 0, sv, 2 * NPAIRS, NULL);
	for (size_t k = 0; k < NPAIRS; k++) {
		char pn[16];
		snprintf(pn, sizeof pn, "p%02zu", k);
		dashboard_offline_pair(d, pn, 2 * k, 2);
	}
	for (size_t j = 0; j < 2 * NPAIRS; j++)
		if (j != 15)
			dovecot(d, j, OV_OK, USERS_OK, T0);
	dashboard_feed_doveadm(d, 15, DASH_DOVEADM_OVERVIEW, "", 0, ERR_REFUSED, strlen(ERR_REFUSED), 75, NULL, T0);
	dashboard_commit_server(d, 15, T0);
	return d;
}

static void test_many_pairs(void **state)
{
	struct fixture *fx = *state;
	char names[2 * NPAIRS][16];
	struct dashboard *d = pairs_model(names);
	struct dview *v = dview_new(d, "site: /etc/replica-wizard/site.ini");
	v->be = (struct dview_backend){ .poll_now = f_poll, .requeue = f_requeue, .hostkey = f_hostkey };
	v->now = T0 + 2;
	(void)fx;
	check_screen(v, "dashboard-pairs-160x48", 48, 160);
	/* failed first: the first user shown is node14's, of the broken pair */
	size_t server = 99;
	const char *user = NULL;
	assert_true(dview_selected_user(v, &server, &user));
	assert_int_equal(server, 14);
	dview_key(v, '\t'); /* the Dovecot panel */
	for (int i = 0; i < 5; i++)
		dview_key(v, KEY_DOWN); /* only p07's users are listed: healthy pairs are one line */
	assert_true(dview_selected_user(v, &server, &user));
	assert_int_equal(server, 14);
	assert_int_equal(v->user_sel, 2);

	/* the filter names a pair: it alone, detailed */
	dview_key(v, '/');
	for (const char *c = "P03"; *c; c++)
		dview_key(v, *c);
	dview_key(v, '\r');
	check_screen(v, "dashboard-pairs-filtered-160x48", 48, 160);
	assert_true(dview_selected_user(v, &server, &user));
	assert_int_equal(server, 6);
	for (int i = 0; i < 3; i++)
		dview_key(v, KEY_DOWN);
	assert_true(dview_selected_user(v, &server, &user));
	assert_int_equal(server, 7);
	dview_key(v, '/');
	dview_key(v, KEY_ESC);
	assert_string_equal(v->filter, "");
	dview_free(v);
	dashboard_free(d);
}

static void test_requeue_confirmation(void **state)
{
	struct fixture *fx = *state;
	struct dview *v = fx->v;
	/* R outside the Dovecot panel: only a hint */
	dview_key(v, 'R');
	assert_int_equal(v->dialog, DVIEW_DLG_NONE);
	assert_non_null(strstr(v->status, "select a user first"));
	dview_key(v, '\t');
	dview_key(v, 'R');
	assert_int_equal(v->dialog, DVIEW_DLG_REQUEUE);
	assert_string_equal(v->rq_user, "user3@example.com");
	both_sizes(v, "requeue");
	/* other keys do nothing while it asks; n cancels */
	dview_key(v, 'q');
	assert_false(v->quit);
	assert_int_equal(v->dialog, DVIEW_DLG_REQUEUE);
	dview_key(v, 'n');
	assert_int_equal(v->dialog, DVIEW_DLG_NONE);
	assert_int_equal(fake.requeues, 0);
	assert_string_equal(v->status, "Requeue of user3@example.com cancelled.");
	dview_key(v, 'R');
	dview_key(v, 'y');
	assert_int_equal(fake.requeues, 1);
	assert_int_equal(fake.rq_server, 0);
	assert_string_equal(fake.rq_user, "user3@example.com");
	assert_non_null(strstr(v->status, "Requeue of user3@example.com sent to 127.77.9.6"));
	/* without the fake, the offline model is not connected: said so */
	v->be.requeue = NULL;
	dview_key(v, 'R');
	dview_key(v, 'y');
	assert_string_equal(v->status, "127.77.9.6 is not connected: user3@example.com not requeued.");
}

static void test_hostkey_dialog(void **state)
{
	struct fixture *fx = *state;
	struct dview *v = fx->v;
	dview_hostkey(v, "127.77.9.7", "ssh-ed25519", "SHA256:4f7kT0mJx2y6w1zC9JmE0sS5tYQpQy8uR3c1xWbLrVo");
	dview_hostkey(v, "127.77.9.6", "ssh-ed25519", "SHA256:AAAAT0mJx2y6w1zC9JmE0sS5tYQpQy8uR3c1xWbLrVo");
	assert_int_equal(v->dialog, DVIEW_DLG_HOSTKEY);
	both_sizes(v, "hostkey");
	/* never accepted by another key, q included */
	dview_key(v, 'q');
	dview_key(v, '\r');
	assert_false(v->quit);
	assert_int_equal(fake.hk_yes + fake.hk_no, 0);
	dview_key(v, 'y');
	assert_int_equal(fake.hk_yes, 1);
	assert_string_equal(fake.hk_host, "127.77.9.7");
	assert_int_equal(v->dialog, DVIEW_DLG_HOSTKEY); /* the next one */
	dview_key(v, 'n');
	assert_int_equal(fake.hk_no, 1);
	assert_string_equal(fake.hk_host, "127.77.9.6");
	assert_int_equal(v->dialog, DVIEW_DLG_NONE);
	dview_key(v, 'q');
	assert_true(v->quit);
}

static void test_help_and_too_small(void **state)
{
	struct fixture *fx = *state;
	struct dview *v = fx->v;
	dview_key(v, '?');
	assert_int_equal(v->dialog, DVIEW_DLG_HELP);
	check_screen(v, "dashboard-help-80x24", 24, 80);
	dview_key(v, 'x');
	assert_int_equal(v->dialog, DVIEW_DLG_NONE);
	check_screen(v, "dashboard-too-small-60x20", 20, 60);
	/* keys still work while too small */
	dview_key(v, 'q');
	assert_true(v->quit);
}

int main(void)
{
	/* the screens must not depend on this machine: no real site file, no
	 * state directory of the user running the tests */
	setenv("REPLICA_WIZARD_SITE", "/nonexistent/replica-wizard-test/site.ini", 1);
	setenv("XDG_CONFIG_HOME", "/nonexistent/replica-wizard-test", 1);
	setenv("REPLICA_WIZARD_STATE_DIR", "/tmp", 1);
	/* the clock and event times on the screens are UTC */
	setenv("TZ", "UTC", 1);
	tzset();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_healthy, setup_healthy, teardown),
		cmocka_unit_test_setup_teardown(test_broken, setup_broken, teardown),
		cmocka_unit_test_setup_teardown(test_tab_and_scroll, setup_broken, teardown),
		cmocka_unit_test_setup_teardown(test_filter, setup_healthy, teardown),
		cmocka_unit_test_setup_teardown(test_many_pairs, setup_healthy, teardown),
		cmocka_unit_test_setup_teardown(test_requeue_confirmation, setup_broken, teardown),
		cmocka_unit_test_setup_teardown(test_hostkey_dialog, setup_broken, teardown),
		cmocka_unit_test_setup_teardown(test_help_and_too_small, setup_healthy, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
