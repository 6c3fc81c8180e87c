/* Screen tests of the remove and Dovecot wizards (the install wizard's are
 * in test_ui_screens.c): a headless newterm, model state built here (fake
 * plans, a fake backend), scripted keys through wizard_key(), and the
 * virtual screen compared with tests/screens/<name>.screen at 80x24 and
 * 160x48. UPDATE_SCREENS=1 rewrites the expected files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pane.h"
#include "remove.h"
#include "runner.h"
#include "site.h"
#include "term.h"
#include "wizard.h"
#include "xalloc.h"

#define KEY_ESC 27

static const char *screens_dir(void)
{
	const char *d = getenv("SCREENS_DIR");
	return d && *d ? d : "tests/screens";
}

static char *slurp(const char *path)
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

static char *last_dump; /* the last screen drawn, for content checks */

static void check_screen(struct wizard *w, const char *name, int rows, int cols)
{
	resize_term(rows, cols);
	wizard_draw(w);
	char *got = term_dump();
	char *path = xasprintf("%s/%s.screen", screens_dir(), name);
	const char *upd = getenv("UPDATE_SCREENS");
	if (upd && strcmp(upd, "1") == 0) {
		FILE *f = fopen(path, "w");
		assert_non_null(f);
		fputs(got, f);
		fclose(f);
	} else {
		char *want = slurp(path);
		if (!want)
			fail_msg("missing %s (run with UPDATE_SCREENS=1 to create it)", path);
		if (strcmp(want, got) != 0) {
			fprintf(stderr, "screen %s differs; got:\n%s\n", name, got);
			fail_msg("screen %s differs from %s", name, path);
		}
		free(want);
	}
	free(path);
	free(last_dump);
	last_dump = got;
}

static void both_sizes(struct wizard *w, const char *name)
{
	char buf[128];
	snprintf(buf, sizeof buf, "%s-80x24", name);
	check_screen(w, buf, 24, 80);
	snprintf(buf, sizeof buf, "%s-160x48", name);
	check_screen(w, buf, 48, 160);
}

/* ---- a fake engine ---- */

static struct {
	int connects, starts, reviews;
	char pw_at_connect[WIZARD_DV_PW_MAX];
	bool checked_at_connect[4];
	bool disable_ldap_at_connect;
	int aborts, skip_calls;
	char skipped[128];
	int discovers;
} fake;

static void f_connect(struct wizard *w)
{
	fake.connects++;
	snprintf(fake.pw_at_connect, sizeof fake.pw_at_connect, "%s", w->dv_password);
	for (size_t i = 0; i < w->n_rm && i < 4; i++)
		fake.checked_at_connect[i] = w->rm_checked[i];
	fake.disable_ldap_at_connect = w->disable_ldap;
}
static void f_start(struct wizard *w) { (void)w; fake.starts++; }
static void f_discover(struct wizard *w) { (void)w; fake.discovers++; }
static void f_abort(struct wizard *w) { (void)w; fake.aborts++; }
static void f_skip_servers(struct wizard *w)
{
	size_t n = 0;
	const char **names = wizard_skipped_servers(w, &n);
	fake.skip_calls++;
	fake.skipped[0] = '\0';
	for (size_t i = 0; i < n; i++)
		snprintf(fake.skipped + strlen(fake.skipped), sizeof fake.skipped - strlen(fake.skipped), "%s%s",
			 i ? " " : "", names[i]);
	free(names);
}
static void f_review(struct wizard *w)
{
	fake.reviews++;
	char **cmds = xcalloc(w->plan->n + 1, sizeof *cmds);
	for (size_t i = 0; i < w->plan->n; i++)
		cmds[i] = xasprintf("%s", w->plan->items[i].step->id);
	wizard_set_plan_cmds(w, cmds);
}

#define S(x) ((char[]){ x })
static struct proc_step rm_steps[] = {
	{ .id = S("preflight-privileges"), .title = S("Root privileges"), .phase = S("preflight") },
	{ .id = S("preflight-localconfig"), .title = S("Read ldap_url and ldap_master_url"), .phase = S("preflight") },
	{ .id = S("plan-ldap-url"), .report = PROC_REPORT_PREFLIGHT, .title = S("Compute every node's new ldap_url (before / after)"),
	  .phase = S("preflight"), .builtin = S("plan-ldap-url") },
	{ .id = S("set-ldap-url"), .title = S("Write the new ldap_url"), .user = PROC_USER_ZEXTRAS },
	{ .id = S("restart-services"), .title = S("Restart Carbonio services (they read ldap_url at start)"),
	  .user = PROC_USER_ZEXTRAS },
	{ .id = S("check-ldap-url"), .report = PROC_REPORT_FINISH, .title = S("ldap_url reads the new value"), .user = PROC_USER_ZEXTRAS },
	{ .id = S("check-replchk"), .report = PROC_REPORT_FINISH, .title = S("zmreplchk on the master"), .user = PROC_USER_ZEXTRAS },
};

static struct proc_step dv_steps[] = {
	{ .id = S("preflight-version-supported"), .title = S("Dovecot 2.3 (the replicator exists)"),
	  .phase = S("preflight"), .builtin = S("dovecot-version") },
	{ .id = S("preflight-users"), .title = S("The userdb lists users (doveadm user '*')"), .phase = S("preflight") },
	{ .id = S("preflight-facts"), .report = PROC_REPORT_PREFLIGHT_RESULT, .title = S("What will be done on this server"), .phase = S("preflight"),
	  .builtin = S("dovecot-facts") },
	{ .id = S("preflight-config-diff"), .report = PROC_REPORT_PREFLIGHT, .title = S("Existing 10-replication.conf against the one to be written"),
	  .phase = S("preflight") },
	{ .id = S("preflight-mail-overlap"), .title = S("Mail for the same users on both servers (INBOX GUID conflict)"),
	  .phase = S("preflight"), .builtin = S("mail-overlap"), .check_warn = true },
	{ .id = S("write-config"), .title = S("Write 10-replication.conf (root:root 0600 from the start)") },
	{ .id = S("reload-systemd"), .title = S("Reload Dovecot (systemctl reload dovecot)") },
	{ .id = S("verify-arrived"), .report = PROC_REPORT_FINISH, .title = S("Wait for the partner's test message"), .builtin = S("wait-replicated") },
};

struct fixture {
	struct wizard *w;
	struct plan plan;
	SCREEN *scr;
	FILE *out, *in;
};

static void set_item(struct plan_item *it, enum item_state st, double t0, double t1, const char *msg)
{
	it->state = st;
	it->first_started = it->started = t0;
	it->finished = t1;
	free(it->message);
	it->message = msg ? xstrdup(msg) : NULL;
}

static int setup(void **state)
{
	struct fixture *fx = xcalloc(1, sizeof *fx);
	fx->out = fopen("/dev/null", "w");
	fx->in = fopen("/dev/null", "r");
	fx->scr = term_init_headless(fx->out, fx->in, 24, 80);
	assert_non_null(fx->scr);
	memset(&fake, 0, sizeof fake);
	struct wizard *w = wizard_new();
	w->be = (struct wizard_backend){ .connect = f_connect, .start = f_start, .review = f_review,
					 .abort = f_abort, .skip_servers = f_skip_servers, .discover = f_discover };
	w->site_path = xstrdup("/etc/replica-wizard/site.ini");
	w->now = 100.0;
	fx->w = w;
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	wizard_set_plan_cmds(fx->w, NULL);
	fx->w->plan = NULL;
	wizard_free(fx->w);
	plan_free(&fx->plan);
	term_done();
	fclose(fx->out);
	fclose(fx->in);
	free(fx);
	free(last_dump);
	last_dump = NULL;
	return 0;
}

/* ---- remove ---- */

static const char *const M = "srv1.example.com", *R1 = "ds1.example.com", *R2 = "ds2.example.com",
		  *MTA = "mta.example.com";

static void remove_plan(struct fixture *fx)
{
	const char *nodes[] = { M, R2, MTA };
	for (size_t s = 0; s < 2; s++)
		for (size_t n = 0; n < 3; n++)
			plan_add(&fx->plan, &rm_steps[s], nodes[n]);
	plan_add(&fx->plan, &rm_steps[2], M);
	for (size_t n = 0; n < 3; n++)
		for (size_t s = 3; s < 6; s++)
			plan_add(&fx->plan, &rm_steps[s], nodes[n]);
	plan_add(&fx->plan, &rm_steps[6], M);
	fx->w->plan = &fx->plan;
	for (size_t n = 0; n < 3; n++)
		wizard_add_node(fx->w, nodes[n]);
}

/* The real before/after table (remove_compute, remove_table) through the
 * plan-ldap-url item's output, as the engine reports it. */
static void remove_preflight(struct fixture *fx)
{
	struct wizard *w = fx->w;
	const char *murl = "ldap://srv1.example.com:389";
	const char *both = "ldap://ds1.example.com:389 ldap://ds2.example.com:389 ldap://srv1.example.com:389";
	struct remove_node_in in[] = {
		{ .name = M, .roles = SITE_ROLE_MASTER, .ldap_url = murl, .ldap_master_url = murl },
		{ .name = R1, .roles = SITE_ROLE_REPLICA, .removed = true },
		{ .name = R2, .roles = SITE_ROLE_REPLICA,
		  .ldap_url = "ldap://ds2.example.com:389 ldap://srv1.example.com:389", .ldap_master_url = murl },
		{ .name = MTA, .roles = SITE_ROLE_MTA, .ldap_url = both, .ldap_master_url = murl },
	};
	struct remove_node_out out[4] = { 0 };
	const char *targets[] = { R1 };
	assert_true(remove_compute(in, 4, murl, targets, 1, out));
	const char *restart[] = { NULL, NULL, NULL, "services restart (zmcontrol restart)" };
	char **lines = remove_table(in, out, 4, restart);
	for (size_t i = 0; i < fx->plan.n; i++) {
		struct plan_item *it = &fx->plan.items[i];
		if (!it->step->phase)
			continue;
		set_item(it, ITEM_DONE, 10 + (double)i, 10.5 + (double)i, NULL);
		if (strcmp(it->step->id, "plan-ldap-url") == 0) {
			for (char **p = lines; *p; p++)
				wizard_output(w, it, *p);
			set_item(it, ITEM_DONE, 20, 20.1, "1 node(s) change, 0 disagree with the master");
		}
	}
	remove_table_free(lines);
	for (size_t i = 0; i < 4; i++)
		remove_node_out_clear(&out[i]);
	w->rstate = RUNNER_PAUSED;
	w->started = true;
	w->page = PAGE_PREFLIGHT;
}

static void test_remove_pages(void **state)
{
	struct fixture *fx = *state;
	struct wizard *w = fx->w;
	const char *reps[] = { R1, R2 };
	wizard_set_replicas(w, reps, 2);
	wizard_key(w, '2');
	assert_int_equal(w->page, PAGE_REMOVE);
	assert_int_equal(w->op, OP_REMOVE);
	/* nothing checked: Connect still asks the backend, which refuses */
	wizard_key(w, ' ');                 /* check ds1 */
	wizard_key(w, KEY_DOWN);
	wizard_key(w, KEY_DOWN);            /* the disable-LDAP toggle */
	wizard_key(w, ' ');
	assert_true(w->disable_ldap);
	wizard_key(w, ' ');
	assert_false(w->disable_ldap);
	both_sizes(w, "remove-select");
	assert_non_null(strstr(last_dump, "F5 discover"));
	/* F5: the backend asks the site's master (the review writes the file;
	 * lab test t/66); the checks stay */
	wizard_key(w, KEY_F(5));
	assert_int_equal(fake.discovers, 1);
	assert_true(w->rm_checked[0]);
	assert_non_null(strstr(last_dump, "[x] ds1.example.com"));
	assert_non_null(strstr(last_dump, "[ ] ds2.example.com"));
	assert_non_null(strstr(last_dump, "Remove a Directory Replica > 1 Replicas"));
	wizard_key(w, KEY_DOWN);            /* Connect */
	wizard_key(w, '\r');
	assert_int_equal(fake.connects, 1);
	assert_true(fake.checked_at_connect[0]);
	assert_false(fake.checked_at_connect[1]);
	assert_false(fake.disable_ldap_at_connect);
	w->form_error = xstrdup("srv1.example.com is the master: refusing to remove it; a site keeps "
				"its master last in every ldap_url.");
	both_sizes(w, "remove-select-error");
	wizard_key(w, KEY_ESC);
	assert_int_equal(w->page, PAGE_HOME);
}

static void test_remove_preflight(void **state)
{
	struct fixture *fx = *state;
	struct wizard *w = fx->w;
	w->op = OP_REMOVE;
	remove_plan(fx);
	remove_preflight(fx);
	both_sizes(w, "remove-preflight");
	/* the table: the MTA loses ds1, the removed replica is left alone */
	assert_non_null(strstr(last_dump, "ldap_url before / after"));
	assert_non_null(strstr(last_dump, "mta.example.com"));
	assert_non_null(strstr(last_dump, "ldap://ds2.example.com:389 ldap://srv1.example.com:389"));
	size_t lines = pane_count(w->report);
	assert_true(lines > 0);
	/* the 80x24 box shows part of it: scrolling moves down and clamps */
	resize_term(24, 80);
	for (int i = 0; i < 200; i++)
		wizard_key(w, KEY_DOWN);
	wizard_draw(w);
	assert_true(w->report_scroll > 0 && w->report_scroll < lines);
	check_screen(w, "remove-preflight-scrolled-80x24", 24, 80);
	wizard_key(w, KEY_PPAGE);
	wizard_key(w, KEY_PPAGE);
	wizard_key(w, KEY_PPAGE);
	wizard_key(w, KEY_PPAGE);
	assert_int_equal(w->report_scroll, 0);
	/* Enter: the plan review, no bootstrap menus */
	wizard_key(w, '\r');
	assert_int_equal(w->page, PAGE_PLAN);
	assert_int_equal(fake.reviews, 1);
	both_sizes(w, "remove-plan");
	assert_non_null(strstr(last_dump, "start the removal"));
	wizard_key(w, 'b');
	assert_int_equal(w->page, PAGE_PREFLIGHT);
	wizard_key(w, '\r');
	wizard_key(w, '\r');
	assert_int_equal(w->page, PAGE_RUN);
	assert_int_equal(fake.starts, 1);
}

/* The master's directory lists servers the site does not name: the
 * checklist replaces the failure dialog; Enter goes on only when every one
 * is checked (skipped), Esc stops the run. */
static void test_remove_unnamed_servers(void **state)
{
	struct fixture *fx = *state;
	struct wizard *w = fx->w;
	w->op = OP_REMOVE;
	remove_plan(fx);
	w->started = true;
	w->page = PAGE_PREFLIGHT;
	wizard_runner_state(w, RUNNER_STOPPED);
	assert_int_equal(w->dialog, DLG_FAILURE);
	const char *names[] = { "mta2.example.com", "mbox9.example.com" };
	const char *roles[] = { "amavis, antispam, antivirus, mta, opendkim, stats", "mailbox, stats" };
	wizard_unnamed_servers(w, names, roles, 2);
	assert_int_equal(w->dialog, DLG_SERVERS);
	both_sizes(w, "remove-unnamed-servers");
	assert_non_null(strstr(last_dump, "Servers the site file does not name"));
	assert_non_null(strstr(last_dump, "[ ] mta2.example.com"));
	assert_non_null(strstr(last_dump, "amavis, antispam, antivirus, mta, opendkim, stats"));
	/* one checked is not enough */
	wizard_key(w, ' ');
	wizard_key(w, '\r');
	assert_int_equal(fake.skip_calls, 0);
	assert_int_equal(w->dialog, DLG_SERVERS);
	assert_non_null(strstr(w->status, "Check every server"));
	wizard_key(w, KEY_DOWN);
	wizard_key(w, ' ');
	wizard_key(w, '\r');
	assert_int_equal(fake.skip_calls, 1);
	assert_string_equal(fake.skipped, "mta2.example.com mbox9.example.com");
	assert_int_equal(w->dialog, DLG_NONE);
	assert_int_equal(fake.aborts, 0);
	/* again, stopped this time */
	wizard_unnamed_servers(w, names, roles, 1);
	wizard_key(w, 'a');
	wizard_key(w, KEY_ESC);
	assert_int_equal(fake.aborts, 1);
	assert_int_equal(fake.skip_calls, 1);
}

static void test_remove_finish(void **state)
{
	struct fixture *fx = *state;
	struct wizard *w = fx->w;
	w->op = OP_REMOVE;
	remove_plan(fx);
	remove_preflight(fx);
	w->page = PAGE_RUN;
	w->run_continued = true;
	for (size_t i = 0; i < fx->plan.n; i++) {
		struct plan_item *it = &fx->plan.items[i];
		if (it->step->phase)
			continue;
		bool na = strcmp(it->node, MTA) != 0 && strcmp(it->step->id, "check-replchk") != 0;
		set_item(it, na ? ITEM_NA : ITEM_DONE, 30 + (double)i, 31 + (double)i,
			 strcmp(it->step->id, "check-replchk") == 0
				 ? "Replica: ldap://ds2.example.com:389 Code: 0 Status: In Sync" : NULL);
	}
	w->rstate = RUNNER_RUNNING;
	both_sizes(w, "remove-run");
	w->site_saved = xstrdup("Site file /etc/replica-wizard/site.ini updated: replicas = ds2.example.com");
	wizard_runner_state(w, RUNNER_DONE);
	assert_int_equal(w->page, PAGE_FINISH);
	both_sizes(w, "remove-finish");
	assert_non_null(strstr(last_dump, "The replicas are removed from every node's ldap_url."));
	assert_non_null(strstr(last_dump, "replicas = ds2.example.com"));
}

/* ---- dovecot ---- */

static const char *const D1 = "imap1.example.com", *D2 = "imap2.example.com";

static void type(struct wizard *w, const char *s)
{
	for (; *s; s++)
		wizard_key(w, (unsigned char)*s);
}

static void test_dovecot_settings(void **state)
{
	struct fixture *fx = *state;
	struct wizard *w = fx->w;
	wizard_key(w, '3');
	assert_int_equal(w->page, PAGE_DOVECOT);
	assert_int_equal(w->op, OP_DOVECOT);
	type(w, D1);
	wizard_key(w, '\t');
	type(w, D2);
	assert_string_equal(w->dv_field[DV_SERVER2], D2);
	assert_string_equal(w->dv_field[DV_PORT], "12345");
	assert_string_equal(w->dv_field[DV_MAX_CONNS], "10");
	wizard_key(w, '\t');
	wizard_key(w, '\t');
	wizard_key(w, '\t');
	assert_int_equal(w->dv_sel, DV_PASSWORD);
	both_sizes(w, "dovecot-settings");
	assert_non_null(strstr(last_dump, "generated / an earlier run's"));
	/* typed: masked, checked against Dovecot's rules, never drawn */
	wizard_key(w, '\r');
	assert_int_equal(w->dialog, DLG_PASSWORD);
	type(w, "short");
	wizard_key(w, '\r');
	assert_int_equal(w->dialog, DLG_PASSWORD);      /* too short: refused */
	assert_string_equal(w->dv_password, "");
	for (int i = 0; i < 5; i++)
		wizard_key(w, KEY_BACKSPACE);
	type(w, "Tr0ub4dor-and-more");
	both_sizes(w, "dovecot-password");
	assert_null(strstr(last_dump, "Tr0ub4dor"));
	assert_non_null(strstr(last_dump, "******************_"));
	wizard_key(w, '\r');
	assert_int_equal(w->dialog, DLG_NONE);
	assert_string_equal(w->dv_password, "Tr0ub4dor-and-more");
	both_sizes(w, "dovecot-settings-typed");
	assert_null(strstr(last_dump, "Tr0ub4dor"));
	assert_non_null(strstr(last_dump, "typed, hidden"));
	wizard_key(w, '\t');
	wizard_key(w, '\r');
	assert_int_equal(fake.connects, 1);
	assert_string_equal(fake.pw_at_connect, "Tr0ub4dor-and-more");
	/* g: back to a generated one */
	wizard_key(w, KEY_UP);
	wizard_key(w, 'g');
	assert_string_equal(w->dv_password, "");
}

static void dovecot_plan(struct fixture *fx)
{
	for (size_t s = 0; s < sizeof dv_steps / sizeof dv_steps[0]; s++) {
		plan_add(&fx->plan, &dv_steps[s], D1);
		if (strcmp(dv_steps[s].id, "preflight-mail-overlap") != 0)
			plan_add(&fx->plan, &dv_steps[s], D2);
	}
	fx->w->plan = &fx->plan;
	wizard_add_node(fx->w, D1);
	wizard_add_node(fx->w, D2);
}

static void dovecot_preflight(struct fixture *fx)
{
	struct wizard *w = fx->w;
	for (size_t i = 0; i < fx->plan.n; i++) {
		struct plan_item *it = &fx->plan.items[i];
		if (!it->step->phase)
			continue;
		const char *id = it->step->id;
		bool first = strcmp(it->node, D1) == 0;
		bool facts = strcmp(id, "preflight-facts") == 0;
		if (strcmp(id, "preflight-version-supported") == 0)
			set_item(it, ITEM_DONE, 10, 10.1, "2.3.19.1 (9b53102964)");
		else if (strcmp(id, "preflight-facts") == 0)
			set_item(it, ITEM_DONE, 11, 11.1, first
				 ? "partner imap2.example.com (IPv4: 192.0.2.7; IPv6: none), port 12345, max conns 10; SELinux absent: skipped (no SELinux policy to change); firewalld running: rich rules for the partner only, then --reload; reload with systemctl reload dovecot; doveadm password: typed in the wizard"
				 : "partner imap1.example.com (IPv4: 192.0.2.6; IPv6: 2001:db8::6), port 12345, max conns 10; SELinux Enforcing: setsebool -P nis_enabled on; firewalld running: rich rules for the partner only, then --reload; reload with systemctl reload dovecot; doveadm password: as chosen for the other server");
		else if (strcmp(id, "preflight-mail-overlap") == 0)
			set_item(it, ITEM_WARNED, 12, 12.1, "both servers already hold mail for: user1@example.com. Their INBOXes were created apart and have different GUIDs (INBOX GUID conflict)");
		else
			set_item(it, ITEM_DONE, 10, 10.2, NULL);
		if (facts)
			wizard_item(w, it);
		if (strcmp(id, "preflight-config-diff") == 0) {
			if (first) {
				wizard_output(w, it, "no /etc/dovecot/conf.d/10-replication.conf yet: it will be created");
			} else {
				static const char *const diff[] = {
					"/etc/dovecot/conf.d/10-replication.conf exists and will be replaced (passwords shown as ********):",
					"--- /etc/dovecot/conf.d/10-replication.conf (now)",
					"+++ /etc/dovecot/conf.d/10-replication.conf (new)",
					"@@ -1,3 +1,3 @@",
					"-doveadm_port = 4711",
					"+doveadm_port = 12345",
					" doveadm_password = ********",
				};
				for (size_t k = 0; k < sizeof diff / sizeof diff[0]; k++)
					wizard_output(w, it, diff[k]);
			}
		}
	}
	w->rstate = RUNNER_PAUSED;
	w->started = true;
	w->page = PAGE_PREFLIGHT;
}

static void test_dovecot_preflight_run(void **state)
{
	struct fixture *fx = *state;
	struct wizard *w = fx->w;
	w->op = OP_DOVECOT;
	dovecot_plan(fx);
	dovecot_preflight(fx);
	both_sizes(w, "dovecot-preflight");
	assert_non_null(strstr(last_dump, "IPv4: 192.0.2.7"));
	assert_non_null(strstr(last_dump, "IPv6: 2001:db8::6"));
	assert_non_null(strstr(last_dump, "INBOX GUID conflict"));
	assert_non_null(strstr(last_dump, "imap2.example.com:"));
	assert_non_null(strstr(last_dump, "doveadm_password = ********"));
	assert_non_null(strstr(last_dump, "doveadm password: typed in the wizard"));
	/* 80x24: the diff is further down the box */
	resize_term(24, 80);
	for (int i = 0; i < 50; i++)
		wizard_key(w, KEY_DOWN);
	check_screen(w, "dovecot-preflight-scrolled-80x24", 24, 80);
	assert_non_null(strstr(last_dump, "+doveadm_port = 12345"));
	assert_null(strstr(last_dump, "Tr0ub4dor"));
	wizard_key(w, '\r');
	assert_int_equal(w->page, PAGE_PLAN);
	both_sizes(w, "dovecot-plan");
	wizard_key(w, '\r');
	assert_int_equal(w->page, PAGE_RUN);
	w->rstate = RUNNER_RUNNING;
	struct plan_item *p = fx->plan.items;
	size_t wc = 0;
	for (size_t i = 0; i < fx->plan.n; i++) {
		if (strcmp(p[i].step->id, "write-config") == 0) {
			set_item(&p[i], ITEM_RUNNING, 90, 0, NULL);
			p[i].attempts = 1;
			wizard_item(w, &p[i]);
			char buf[80];
			snprintf(buf, sizeof buf, "wrote 10-replication.conf on %s (%zu)", p[i].node, ++wc);
			wizard_output(w, &p[i], buf);
		}
	}
	both_sizes(w, "dovecot-run");
	/* side by side even at 80 columns: both panes' titles on one row */
	resize_term(24, 80);
	wizard_draw(w);
	free(last_dump);
	last_dump = term_dump();
	const char *row = strstr(last_dump, D1);
	while (row && !strstr(row, " - Write")) /* the pane title, not the step list */
		row = strstr(row + 1, D1);
	assert_non_null(row);
	const char *eol = strchr(row, '\n');
	const char *second = strstr(row, D2);
	assert_true(second && eol && second < eol);
	for (size_t i = 0; i < fx->plan.n; i++)
		if (!p[i].step->phase)
			set_item(&p[i], ITEM_DONE, 90, 95, strcmp(p[i].step->id, "verify-arrived") == 0
				 ? "the partner's test message arrived after 2 s" : NULL);
	w->site_saved = xstrdup("Site file saved (no secrets): /etc/replica-wizard/site.ini");
	wizard_runner_state(w, RUNNER_DONE);
	both_sizes(w, "dovecot-finish");
	assert_non_null(strstr(last_dump, "Dovecot replicates both ways"));
	assert_non_null(strstr(last_dump, "d open the dashboard"));
}

/* ---- dovecot: several pairs ---- */

/* A site file of `text` read by wizard_prefill as the wizard does at start;
 * the path shown stays the fixture's. */
static void prefill_site(struct wizard *w, const char *text)
{
	char path[] = "/tmp/rw-test-pairs-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	wizard_prefill(w, path);
	unlink(path);
	free(w->site_path);
	w->site_path = xstrdup("/etc/replica-wizard/site.ini");
}

static const char two_pairs[] =
	"[ssh]\nuser = root\n"
	"[dovecot]\nservers = imap1.example.com imap2.example.com\nport = 12345\n"
	"[dovecot pair2]\nservers = imap3.example.com imap4.example.com\nport = 12346\n"
	"conf_dir = /srv/dovecot/conf.d\n";

static void test_dovecot_pairs(void **state)
{
	struct fixture *fx = *state;
	struct wizard *w = fx->w;
	prefill_site(w, two_pairs);
	assert_int_equal(w->n_dv_pairs, 2);
	/* several pairs: the list comes first, on the first pair */
	wizard_key(w, '3');
	assert_int_equal(w->page, PAGE_DOVECOT_PAIRS);
	wizard_key(w, KEY_DOWN);
	both_sizes(w, "dovecot-pairs");
	assert_non_null(strstr(last_dump, "1 Pair"));
	assert_non_null(strstr(last_dump, "default         imap1.example.com + imap2.example.com"));
	assert_non_null(strstr(last_dump, "pair2           imap3.example.com + imap4.example.com"));
	assert_non_null(strstr(last_dump, "conf_dir /srv/dovecot/conf.d"));
	/* pair2's settings: its servers and port, [dovecot]'s max_conns */
	wizard_key(w, '\r');
	assert_int_equal(w->page, PAGE_DOVECOT);
	assert_string_equal(w->dv_field[DV_SERVER1], "imap3.example.com");
	assert_string_equal(w->dv_field[DV_SERVER2], "imap4.example.com");
	assert_string_equal(w->dv_field[DV_PORT], "12346");
	assert_string_equal(w->dv_field[DV_MAX_CONNS], "10");
	assert_string_equal(wizard_dv_pair(w)->name, "pair2");
	assert_true(wizard_dv_pair(w)->named);
	both_sizes(w, "dovecot-settings-pair2");
	assert_non_null(strstr(last_dump, "Pair pair2:"));
	assert_non_null(strstr(last_dump, "[dovecot pair2]"));
	assert_non_null(strstr(last_dump, "Esc back"));
	/* a password typed for pair2 stays with pair2 */
	for (int i = 0; i < 4; i++)
		wizard_key(w, '\t');
	wizard_key(w, '\r');
	type(w, "Tr0ub4dor-and-more");
	wizard_key(w, '\r');
	assert_string_equal(w->dv_password, "Tr0ub4dor-and-more");
	wizard_key(w, KEY_ESC);
	assert_int_equal(w->page, PAGE_DOVECOT_PAIRS); /* back to the list, not home */
	wizard_key(w, '\r');                           /* pair2 again: as left */
	assert_string_equal(w->dv_password, "Tr0ub4dor-and-more");
	assert_string_equal(w->dv_field[DV_SERVER1], "imap3.example.com");
	wizard_key(w, KEY_ESC);
	wizard_key(w, KEY_UP);
	wizard_key(w, '\r');                           /* the default pair */
	assert_string_equal(wizard_dv_pair(w)->name, "default");
	assert_false(wizard_dv_pair(w)->named);
	assert_string_equal(w->dv_field[DV_SERVER1], "imap1.example.com");
	assert_string_equal(w->dv_field[DV_PORT], "12345");
	assert_string_equal(w->dv_password, "");       /* pair2's is not the default's */
	/* Connect on the default pair */
	w->dv_sel = DV_CONNECT;
	wizard_key(w, '\r');
	assert_int_equal(fake.connects, 1);
	/* Esc twice: home */
	wizard_key(w, KEY_ESC);
	wizard_key(w, KEY_ESC);
	assert_int_equal(w->page, PAGE_HOME);
}

/* One pair: no list, and the settings page as before pairs existed (the
 * same screen as dovecot-settings; a [dovecot NAME] alone is that pair). */
static void test_dovecot_one_pair(void **state)
{
	struct fixture *fx = *state;
	struct wizard *w = fx->w;
	prefill_site(w, "[ssh]\nuser = root\n[dovecot]\nport = 12345\n"
			"[dovecot east]\nservers = imap1.example.com imap2.example.com\n");
	assert_int_equal(w->n_dv_pairs, 1);
	wizard_key(w, '3');
	assert_int_equal(w->page, PAGE_DOVECOT);
	assert_string_equal(wizard_dv_pair(w)->name, "east");
	assert_string_equal(w->dv_field[DV_SERVER1], D1);
	assert_string_equal(w->dv_field[DV_SERVER2], D2);
	w->dv_sel = DV_PASSWORD;
	check_screen(w, "dovecot-settings-80x24", 24, 80);
	wizard_key(w, KEY_ESC);
	assert_int_equal(w->page, PAGE_HOME);
}

int main(void)
{
	/* the screens must not depend on this machine: no real site file, no
	 * state directory of the user running the tests */
	setenv("REPLICA_WIZARD_SITE", "/nonexistent/replica-wizard-test/site.ini", 1);
	setenv("XDG_CONFIG_HOME", "/nonexistent/replica-wizard-test", 1);
	setenv("REPLICA_WIZARD_STATE_DIR", "/tmp", 1);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_remove_pages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remove_preflight, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remove_unnamed_servers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remove_finish, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dovecot_settings, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dovecot_preflight_run, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dovecot_pairs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dovecot_one_pair, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
