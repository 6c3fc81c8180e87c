/* Screen tests of the install wizard (tig style): a headless newterm on
 * /dev/null, model state built here (a fake plan, fake engine backend),
 * scripted keys through wizard_key(), and the virtual screen dumped as text
 * and compared with tests/screens/<name>.screen.
 * UPDATE_SCREENS=1 rewrites the expected files instead of comparing. */
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
#include "runner.h"
#include "term.h"
#include "view.h"
#include "wizard.h"
#include "xalloc.h"

#define KEY_ESC 27

static const char *screens_dir(void)
{
	const char *d = getenv("SCREENS_DIR");
	return d && *d ? d : "tests/screens";
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	size_t cap = 4096, len = 0;
	char *buf = xmalloc(cap);
	size_t n;
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

static void compare_screen(const char *name);

/* Draw at rows x cols and compare with the expected dump. */
static void check_screen(struct wizard *w, const char *name, int rows, int cols)
{
	resize_term(rows, cols);
	wizard_draw(w);
	compare_screen(name);
}

/* The same for the view on top of a stack. */
static void check_view_screen(struct ui *ui, const char *name, int rows, int cols)
{
	resize_term(rows, cols);
	ui_draw(ui, true);
	compare_screen(name);
}

static void compare_screen(const char *name)
{
	char *got = term_dump();
	char *path = xasprintf("%s/%s.screen", screens_dir(), name);
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

static void both_sizes(struct wizard *w, const char *name)
{
	char buf[128];
	snprintf(buf, sizeof buf, "%s-80x24", name);
	check_screen(w, buf, 24, 80);
	snprintf(buf, sizeof buf, "%s-160x48", name);
	check_screen(w, buf, 48, 160);
}

/* ---- a fake engine ---- */

struct fake {
	int connects, starts, retries, skips, aborts, reviews;
	int hostkey_yes, hostkey_no;
	char last_pw[64];
	int secrets, secrets_none;
	char last_secret[64];
	int discovers;
};

static struct fake fake;

static void f_connect(struct wizard *w) { (void)w; fake.connects++; }
static void f_hostkey(struct wizard *w, bool y) { (void)w; y ? fake.hostkey_yes++ : fake.hostkey_no++; }
static void f_password(struct wizard *w, enum wizard_pw which, const char *v)
{
	snprintf(fake.last_pw, sizeof fake.last_pw, "%s", v);
	/* the master accepts only "secret1" (the real one binds via ldapprobe) */
	if (which != PW_ROOT)
		w->pw[which] = strcmp(v, "secret1") == 0 ? PWS_SET : PWS_NOT_VERIFIED;
}
static void f_secret(struct wizard *w, const char *v)
{
	(void)w;
	if (!v) {
		fake.secrets_none++;
		return;
	}
	fake.secrets++;
	snprintf(fake.last_secret, sizeof fake.last_secret, "%s", v);
}
static void f_start(struct wizard *w) { (void)w; fake.starts++; }
static void f_discover(struct wizard *w) { (void)w; fake.discovers++; }
static void f_retry(struct wizard *w) { (void)w; fake.retries++; }
static void f_skip(struct wizard *w) { (void)w; fake.skips++; }
static void f_abort(struct wizard *w) { (void)w; fake.aborts++; }
static void f_review(struct wizard *w)
{
	fake.reviews++;
	char **cmds = xcalloc(w->plan->n + 1, sizeof *cmds);
	for (size_t i = 0; i < w->plan->n; i++)
		cmds[i] = xasprintf("echo step %zu\n  --password-file=****", i + 1);
	wizard_set_plan_cmds(w, cmds);
}

/* -Wwrite-strings: the step fields are char *, so give them arrays */
#define S(x) ((char[]){ x })
static struct proc_step steps[] = {
	{ .id = S("preflight-privileges"), .title = S("Root privileges"), .phase = S("preflight") },
	{ .id = S("preflight-os"), .title = S("Operating system"), .phase = S("preflight"), .check_warn = true,
	  .hint = S("Carbonio supports Ubuntu 22.04/24.04 LTS and RHEL 8/9 (Rocky, AlmaLinux), not this "
		    "system: a warning only, the run goes on (the packages may not install).") },
	{ .id = S("fetch-passwords"), .title = S("Read the LDAP passwords from the master"), .phase = S("preflight") },
	{ .id = S("enable-replication"), .title = S("Enable replication on the master (zmldapenablereplica)") },
	{ .id = S("verify-passwords"), .report = PROC_REPORT_FINISH, .title = S("Verify the passwords against the master (LDAP bind)") },
	{ .id = S("install-package"), .title = S("Install carbonio-directory-server"),
	  .hint = S("The package manager could not install carbonio-directory-server: check the node's Carbonio repository configuration.") },
	{ .id = S("bootstrap"), .title = S("Bootstrap the replica (carbonio-bootstrap -c)") },
	{ .id = S("replication-status"), .report = PROC_REPORT_FINISH, .title = S("zmreplchk on the replica says In Sync"), .user = PROC_USER_ZEXTRAS },
};

struct fixture {
	struct wizard *w;
	struct ui *ui;        /* the view stack home pushes onto (no loop) */
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
	w->be = (struct wizard_backend){
		.connect = f_connect, .hostkey = f_hostkey, .password = f_password, .start = f_start,
		.retry = f_retry, .skip = f_skip, .abort = f_abort, .review = f_review,
		.secret = f_secret, .discover = f_discover,
	};
	fx->ui = ui_new(NULL);
	w->ui = fx->ui;
	w->site_path = xstrdup("/etc/replica-wizard/site.ini");
	snprintf(w->field[FIELD_MASTER], WIZARD_FIELD_MAX, "srv1.example.com");
	snprintf(w->field[FIELD_REPLICAS], WIZARD_FIELD_MAX, "ds-replica.example.com");
	snprintf(w->field[FIELD_USER], WIZARD_FIELD_MAX, "root");
	snprintf(w->field[FIELD_PORT], WIZARD_FIELD_MAX, "22");
	snprintf(w->field[FIELD_KNOWN_HOSTS], WIZARD_FIELD_MAX, "~/.ssh/known_hosts");
	w->master = xstrdup("srv1.example.com");
	w->hostname = xstrdup("ds-replica.example.com");
	w->ldap_port = 389;
	w->now = 100.0;
	const char *m = "srv1.example.com", *r = "ds-replica.example.com";
	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		bool on_master = i == 0 || i == 1 || i == 2 || i == 3 || i == 4;
		bool on_replica = i == 0 || i == 1 || i >= 5;
		if (on_master)
			plan_add(&fx->plan, &steps[i], m);
		if (on_replica)
			plan_add(&fx->plan, &steps[i], r);
	}
	w->plan = &fx->plan;
	wizard_add_node(w, m);
	wizard_add_node(w, r);
	fx->w = w;
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	wizard_set_plan_cmds(fx->w, NULL); /* while w->plan still counts them */
	fx->w->plan = NULL;
	wizard_free(fx->w);
	ui_free(fx->ui);
	plan_free(&fx->plan);
	term_done();
	fclose(fx->out);
	fclose(fx->in);
	free(fx);
	return 0;
}

static void preflight_done(struct fixture *fx)
{
	struct plan_item *p = fx->plan.items;
	set_item(&p[0], ITEM_DONE, 10, 10.4, NULL);
	set_item(&p[1], ITEM_DONE, 10.4, 10.9, NULL);
	set_item(&p[2], ITEM_DONE, 11, 11.3, NULL);
	/* what the runner says of a check = warn step whose output does not match */
	set_item(&p[3], ITEM_WARNED, 11.3, 11.8, "not what success prints: \"debian 12\"");
	set_item(&p[4], ITEM_DONE, 12, 12.6, NULL);
	fx->w->rstate = RUNNER_PAUSED;
	fx->w->started = true;
}

/* ---- tests ---- */

static void test_home(void **state)
{
	struct fixture *fx = *state;
	both_sizes(fx->w, "home");
	wizard_key(fx->w, KEY_DOWN);
	wizard_key(fx->w, '\r');
	assert_int_equal(fx->w->page, PAGE_REMOVE); /* test_ui_ops covers it */
	assert_int_equal(fx->w->op, OP_REMOVE);
	wizard_key(fx->w, KEY_ESC);
	assert_int_equal(fx->w->page, PAGE_HOME);
	wizard_key(fx->w, '4');
	assert_int_equal(fx->w->dialog, DLG_MESSAGE);
	both_sizes(fx->w, "home-not-available");
	wizard_key(fx->w, ' ');
	assert_int_equal(fx->w->dialog, DLG_NONE);
	/* 6: the Discover view (it needs the event loop, which the test has not) */
	wizard_key(fx->w, '6');
	assert_int_equal(fx->w->dialog, DLG_MESSAGE);
	assert_string_equal(fx->w->message, "Discover: needs the event loop");
	wizard_key(fx->w, ' ');
	wizard_key(fx->w, '1');
	assert_int_equal(fx->w->page, PAGE_NODES);
	assert_int_equal(fx->w->op, OP_INSTALL);
}

/* Home 5: the Site view, pushed on the stack with the site path; its
 * nodes and roles; q pops it. */
static void test_site_view(void **state)
{
	struct fixture *fx = *state;
	/* a relative name, so the title is the same on every machine */
	char dir[] = "/tmp/rw-test-site-XXXXXX", cwd[4096];
	assert_non_null(mkdtemp(dir));
	assert_non_null(getcwd(cwd, sizeof cwd));
	assert_int_equal(chdir(dir), 0);
	FILE *f = fopen("site.ini", "w");
	assert_non_null(f);
	fputs("[ssh]\nuser = root\nknown_hosts = /etc/rw/known_hosts\n"
	      "[carbonio]\nmaster = ldap1.example.com\n"
	      "replicas = ldap2.example.com ldap3.example.com\nmta = mta1.example.com\n"
	      "[dovecot]\nservers = imap1.example.com imap2.example.com\n"
	      "[host ldap3.example.com]\naddress = 10.0.0.3\nport = 2222\n", f);
	fclose(f);
	free(fx->w->site_path);
	fx->w->site_path = xstrdup("site.ini");
	wizard_key(fx->w, '5'); /* loads it */
	unlink("site.ini");
	assert_int_equal(chdir(cwd), 0);
	rmdir(dir);
	assert_int_equal(fx->w->dialog, DLG_NONE);
	assert_int_equal(fx->ui->depth, 1);
	ui_key(fx->ui, KEY_DOWN);
	ui_key(fx->ui, KEY_DOWN);
	check_view_screen(fx->ui, "site-80x24", 24, 80);
	check_view_screen(fx->ui, "site-160x48", 48, 160);
	ui_key(fx->ui, 'q');
	assert_int_equal(fx->ui->depth, 0);
	/* no site file: a notice, nothing pushed */
	free(fx->w->site_path);
	fx->w->site_path = xstrdup("/nonexistent/site.ini");
	wizard_key(fx->w, '5');
	assert_int_equal(fx->w->dialog, DLG_MESSAGE);
	assert_int_equal(fx->ui->depth, 0);
}

static void test_too_small(void **state)
{
	struct fixture *fx = *state;
	check_screen(fx->w, "too-small-60x20", 20, 60);
}

static void test_nodes(void **state)
{
	struct fixture *fx = *state;
	struct wizard *w = fx->w;
	w->page = PAGE_NODES;
	w->field_sel = FIELD_REPLICAS;
	const char *extra = " ds2.example.com";
	for (const char *c = extra; *c; c++)
		wizard_key(w, *c);
	assert_string_equal(w->field[FIELD_REPLICAS], "ds-replica.example.com ds2.example.com");
	for (size_t i = 0; i < strlen(extra); i++)
		wizard_key(w, KEY_BACKSPACE);
	both_sizes(w, "nodes");
	for (int i = 0; i < FIELD_CONNECT - FIELD_REPLICAS; i++)
		wizard_key(w, '\t');
	assert_int_equal(w->field_sel, FIELD_CONNECT);
	wizard_key(w, '\r');
	assert_int_equal(fake.connects, 1);
}

static bool screen_has(const char *want)
{
	char *got = term_dump();
	bool found = strstr(got, want) != NULL;
	free(got);
	return found;
}

/* F5 on the Nodes page asks the backend to discover (the review itself is
 * the Discover view: lab test t/66); what the review's Enter hands back
 * shows under the form and fills the answer-queries checklist; a master
 * changed since says so, and Connect then does not use it. */
static void test_nodes_discover(void **state)
{
	struct fixture *fx = *state;
	struct wizard *w = fx->w;
	w->page = PAGE_NODES;
	w->field_sel = FIELD_USER; /* F5 is no character: the field is not typed into */
	wizard_key(w, KEY_F(5));
	assert_int_equal(fake.discovers, 1);
	assert_string_equal(w->field[FIELD_USER], "root");
	w->field_sel = FIELD_MASTER;
	wizard_key(w, KEY_F(5));
	assert_int_equal(fake.discovers, 2);
	assert_string_equal(w->field[FIELD_MASTER], "srv1.example.com");
	const char *lists[DISCOVER_LISTS] = {
		[DISCOVER_REPLICAS] = "", [DISCOVER_MTA] = "mta1.example.com",
		[DISCOVER_OTHER_NODES] = "store1.example.com proxy1.example.com",
	};
	wizard_set_discovered(w, "srv1.example.com", lists);
	const char *const answer[] = { "mta1.example.com", "store1.example.com", "proxy1.example.com" };
	wizard_set_answer_nodes(w, answer, 3);
	w->answer_queries = true;
	assert_true(wizard_discovery_current(w));
	/* the replicas field is this run's: unchanged */
	assert_string_equal(w->field[FIELD_REPLICAS], "ds-replica.example.com");
	both_sizes(w, "nodes-discovered");
	/* another master typed: the discovery is not this master's */
	wizard_key(w, 'x');
	assert_false(wizard_discovery_current(w));
	check_screen(w, "nodes-discovered-stale-80x24", 24, 80);
	assert_true(screen_has("but the master is now srv1.example.comx: F5"));
	wizard_key(w, KEY_BACKSPACE);
	assert_true(wizard_discovery_current(w));
}

static void test_answer_nodes(void **state)
{
	struct fixture *fx = *state;
	struct wizard *w = fx->w;
	const char *const site_nodes[] = { "mta1.example.com", "app1.example.com" };
	wizard_set_answer_nodes(w, site_nodes, 2);
	w->page = PAGE_NODES;
	w->field_sel = FIELD_ANSWER;
	size_t n = 99;
	assert_null(wizard_answer_nodes(w, &n)); /* off */
	assert_int_equal(n, 0);
	wizard_key(w, ' '); /* Space: every node */
	assert_true(w->answer_queries);
	assert_null(wizard_answer_nodes(w, &n)); /* all: as --answer-queries */
	wizard_key(w, '\r');
	assert_int_equal(w->dialog, DLG_ANSWER);
	wizard_key(w, ' ');      /* mta1 off */
	wizard_key(w, KEY_DOWN);
	wizard_key(w, ' ');      /* app1 off */
	wizard_key(w, KEY_DOWN); /* on the master */
	both_sizes(w, "answer-nodes");
	wizard_key(w, '\r');
	assert_int_equal(w->dialog, DLG_NONE);
	assert_true(w->answer_queries);
	const char **some = wizard_answer_nodes(w, &n);
	assert_non_null(some);
	assert_int_equal(n, 1);
	assert_string_equal(some[0], "srv1.example.com");
	free(some);
	both_sizes(w, "nodes-answer-master");
	/* Esc puts the checks back */
	wizard_key(w, '\r');
	wizard_key(w, 'a');
	wizard_key(w, KEY_ESC);
	some = wizard_answer_nodes(w, &n);
	assert_int_equal(n, 1);
	free(some);
	/* none checked: answer queries is off, the next Space means all */
	wizard_key(w, '\r');
	wizard_key(w, 'n');
	wizard_key(w, '\r');
	assert_false(w->answer_queries);
	assert_null(wizard_answer_nodes(w, &n));
	wizard_key(w, ' ');
	assert_true(w->answer_queries);
	assert_null(wizard_answer_nodes(w, &n));
}

static void test_ssh_secret(void **state)
{
	struct fixture *fx = *state;
	struct wizard *w = fx->w;
	w->page = PAGE_CONNECT;
	wizard_conn_state(w, "srv1.example.com", CONN_READY, NULL);
	wizard_conn_state(w, "ds-replica.example.com", CONN_SECRET_WAIT, NULL);
	wizard_ask_secret(w, "ds-replica.example.com", "passphrase for key /root/.ssh/id_ed25519");
	assert_int_equal(w->dialog, DLG_SECRET);
	for (const char *c = "pass phrase!"; *c; c++)
		wizard_key(w, *c);
	wizard_key(w, KEY_BACKSPACE);
	both_sizes(w, "connect-secret");
	resize_term(24, 80);
	wizard_draw(w);
	char *dump = term_dump();
	assert_null(strstr(dump, "pass phrase"));
	assert_non_null(strstr(dump, "***********_"));
	free(dump);
	wizard_key(w, '\r');
	assert_int_equal(w->dialog, DLG_NONE);
	assert_int_equal(fake.secrets, 1);
	assert_string_equal(fake.last_secret, "pass phrase");
	for (size_t i = 0; i < sizeof w->sec_input; i++)
		assert_int_equal(w->sec_input[i], 0); /* wiped */
	/* a password, then Esc: answered with none */
	wizard_ask_secret(w, "ds-replica.example.com", "password for root@ds-replica.example.com");
	wizard_key(w, 'x');
	wizard_key(w, KEY_ESC);
	assert_int_equal(fake.secrets_none, 1);
	assert_int_equal(fake.secrets, 1);
	assert_int_equal(w->sec_input[0], 0);
}

static void test_connect_hostkey(void **state)
{
	struct fixture *fx = *state;
	struct wizard *w = fx->w;
	w->page = PAGE_CONNECT;
	wizard_conn_state(w, "srv1.example.com", CONN_READY, NULL);
	wizard_conn_state(w, "ds-replica.example.com", CONN_HOSTKEY_WAIT, NULL);
	wizard_hostkey(w, "ds-replica.example.com", "ssh-ed25519",
		       "SHA256:4f7kT0mJx2y6w1zC9JmE0sS5tYQpQy8uR3c1xWbLrVo");
	both_sizes(w, "connect-hostkey");
	wizard_key(w, 'x'); /* only y or n */
	assert_int_equal(w->dialog, DLG_HOSTKEY);
	wizard_key(w, 'y');
	assert_int_equal(fake.hostkey_yes, 1);
	wizard_conn_state(w, "ds-replica.example.com", CONN_FAILED,
			  "ds-replica.example.com: the host key has CHANGED (ssh-ed25519 SHA256:AAAA, known_hosts has SHA256:BBBB): refusing to connect");
	both_sizes(w, "connect-failed");
	wizard_key(w, 'r');
	assert_int_equal(fake.connects, 1);
}

static void test_preflight(void **state)
{
	struct fixture *fx = *state;
	struct wizard *w = fx->w;
	w->page = PAGE_PREFLIGHT;
	preflight_done(fx);
	both_sizes(w, "preflight");
	wizard_key(w, '\r');
	assert_int_equal(w->page, PAGE_MENU);
}

static void test_menus(void **state)
{
	struct fixture *fx = *state;
	struct wizard *w = fx->w;
	preflight_done(fx);
	w->page = PAGE_MENU;
	w->pw[PW_ADMIN] = PWS_UNSET;
	w->pw[PW_ROOT] = PWS_SET;
	w->pw[PW_REPLICATION] = PWS_NOT_VERIFIED;
	both_sizes(w, "menu-main-incomplete");
	wizard_key(w, 'y'); /* incomplete: no apply */
	assert_int_equal(w->page, PAGE_MENU);
	assert_int_equal(fake.reviews, 0);
	/* as the bootstrap: an invalid selection, then any key */
	assert_string_equal(w->status, "Invalid selection! - press any key to continue");
	wizard_key(w, ' ');
	assert_string_equal(w->status, "");
	wizard_key(w, '?');
	both_sizes(w, "menu-help");
	wizard_key(w, ' ');
	/* by key, as the bootstrap */
	wizard_key(w, '1');
	assert_int_equal(w->menu, MENU_COMMON);
	both_sizes(w, "menu-common");
	wizard_key(w, '4');
	assert_int_equal(w->dialog, DLG_PASSWORD);
	for (const char *c = "wrong1"; *c; c++)
		wizard_key(w, *c);
	both_sizes(w, "menu-password-masked");
	wizard_key(w, '\r');
	assert_string_equal(fake.last_pw, "wrong1");
	assert_int_equal(w->pw[PW_ADMIN], PWS_NOT_VERIFIED);
	wizard_key(w, '4');
	for (const char *c = "secret1"; *c; c++)
		wizard_key(w, *c);
	wizard_key(w, '\r');
	assert_int_equal(w->pw[PW_ADMIN], PWS_SET);
	wizard_key(w, 'r');
	assert_int_equal(w->menu, MENU_MAIN);
	/* by arrows and Enter */
	wizard_key(w, KEY_DOWN);
	wizard_key(w, '\r');
	assert_int_equal(w->menu, MENU_LDAP);
	both_sizes(w, "menu-ldap");
	wizard_key(w, KEY_DOWN);
	wizard_key(w, KEY_DOWN);
	wizard_key(w, KEY_DOWN);
	wizard_key(w, KEY_DOWN);
	wizard_key(w, '\r');
	assert_int_equal(w->dialog, DLG_PASSWORD);
	assert_int_equal(w->pw_editing, PW_REPLICATION);
	for (const char *c = "secret1"; *c; c++)
		wizard_key(w, *c);
	wizard_key(w, '\r');
	wizard_key(w, 'r');
	both_sizes(w, "menu-main-complete");
	wizard_key(w, 'y');
	assert_int_equal(fake.reviews, 1);
	assert_int_equal(w->page, PAGE_PLAN);
	both_sizes(w, "plan");
	wizard_key(w, 'b');
	assert_int_equal(w->page, PAGE_MENU);
	wizard_key(w, 'y');
	wizard_key(w, '\r');
	assert_int_equal(fake.starts, 1);
	assert_int_equal(w->page, PAGE_RUN);
}

static void run_state(struct fixture *fx)
{
	struct wizard *w = fx->w;
	preflight_done(fx);
	struct plan_item *p = fx->plan.items;
	set_item(&p[5], ITEM_DONE, 20, 24.2, NULL);
	set_item(&p[6], ITEM_DONE, 24.2, 24.9, "uid=zimbra, uid=zmreplica and cn=config bind on the master");
	set_item(&p[7], ITEM_RUNNING, 80, 0, NULL);
	w->page = PAGE_RUN;
	w->run_continued = true;
	w->rstate = RUNNER_RUNNING;
	struct plan_item *m = &p[5], *r = &p[7];
	m->state = ITEM_RUNNING;
	wizard_item(w, m);
	m->state = ITEM_DONE;
	for (int i = 0; i < 30; i++) {
		char buf[64];
		snprintf(buf, sizeof buf, "master line %d", i);
		wizard_output(w, m, buf);
	}
	wizard_item(w, r);
	for (int i = 0; i < 40; i++) {
		char buf[64];
		snprintf(buf, sizeof buf, "Selecting previously unselected package %d", i);
		wizard_output(w, r, buf);
	}
}

static void test_run(void **state)
{
	struct fixture *fx = *state;
	struct wizard *w = fx->w;
	run_state(fx);
	both_sizes(w, "run");
	/* scroll the replica pane back, then follow again */
	wizard_key(w, '\t');
	wizard_key(w, KEY_PPAGE);
	assert_int_equal(w->nodes[1].scroll, 10);
	both_sizes(w, "run-scrolled");
	wizard_key(w, KEY_END);
	assert_int_equal(w->nodes[1].scroll, 0);
	/* Ctrl-C asks first */
	wizard_interrupt(w);
	assert_int_equal(w->dialog, DLG_ABORT);
	wizard_key(w, 'n');
	assert_int_equal(fake.aborts, 0);
	wizard_interrupt(w);
	wizard_key(w, 'y');
	assert_int_equal(fake.aborts, 1);
}

/* Two replicas installed side by side (and an MTA answering queries): at
 * 160x48 the master's pane and one per replica, Tab going round those three
 * (not the MTA's); at 80x24 no room: the two panes, Tab round every node. */
static void test_run_two_replicas(void **state)
{
	struct fixture *fx = *state;
	struct wizard *w = fx->w;
	const char *mta = "mta.example.com", *r2 = "ds-replica2.example.com";
	size_t first = fx->plan.n;
	plan_add(&fx->plan, &steps[0], mta);
	for (size_t i = 5; i < sizeof steps / sizeof steps[0]; i++)
		plan_add(&fx->plan, &steps[i], r2);
	wizard_add_node(w, mta);
	wizard_add_node(w, r2);
	w->nodes[1].replica = w->nodes[3].replica = true;
	free(w->extra_hosts);
	w->extra_hosts = xstrdup(r2);
	run_state(fx);
	struct plan_item *p = fx->plan.items;
	set_item(&p[first], ITEM_DONE, 10, 10.3, NULL);
	wizard_output(w, &p[first], "uid=0(root) gid=0(root) groups=0(root)");
	set_item(&p[first + 1], ITEM_RUNNING, 81, 0, NULL);
	wizard_item(w, &p[first + 1]);
	for (int i = 0; i < 20; i++) {
		char buf[64];
		snprintf(buf, sizeof buf, "Unpacking carbonio-directory-server part %d", i);
		wizard_output(w, &p[first + 1], buf);
	}
	both_sizes(w, "run-two-replicas");
	/* 160x48 (the last drawn): the master, the first replica, the second */
	wizard_key(w, '\t');
	assert_int_equal(w->run_sel, 1);
	wizard_key(w, '\t');
	assert_int_equal(w->run_sel, 3);
	wizard_key(w, KEY_UP);
	wizard_key(w, KEY_UP);
	assert_int_equal(w->nodes[3].scroll, 2);
	check_screen(w, "run-two-replicas-scrolled-160x48", 48, 160);
	wizard_key(w, KEY_END);
	assert_int_equal(w->nodes[3].scroll, 0);
	wizard_key(w, '\t');
	assert_int_equal(w->run_sel, 0);
	/* 80x24: every node in turn, the MTA too */
	check_screen(w, "run-two-replicas-80x24", 24, 80);
	wizard_key(w, '\t');
	wizard_key(w, '\t');
	assert_int_equal(w->run_sel, 2);
	/* grown again: the MTA has no pane there, the focus goes to the master */
	check_screen(w, "run-two-replicas-160x48", 48, 160);
	assert_int_equal(w->run_sel, 0);
	/* under 120 columns with the rows for it: the three stacked */
	check_screen(w, "run-two-replicas-100x40", 40, 100);
}

/* Too many replicas for a pane each (twelve at 160x48: three columns of
 * 26): the two panes, and Tab goes round every node as at 80x24. */
static void test_run_many_replicas(void **state)
{
	struct fixture *fx = *state;
	struct wizard *w = fx->w;
	wizard_add_node(w, "mta.example.com");
	for (int i = 2; i <= 12; i++) {
		char name[64];
		snprintf(name, sizeof name, "ds-replica%d.example.com", i);
		wizard_add_node(w, name)->replica = true;
	}
	w->nodes[1].replica = true;
	run_state(fx);
	check_screen(w, "run-160x48", 48, 160); /* as with one replica */
	wizard_key(w, '\t');
	wizard_key(w, '\t');
	assert_int_equal(w->run_sel, 2);
	/* the terminal grows: a pane each (three columns of 40, 6 rows and
	 * more); the focus was on the MTA, which has no pane: the master's */
	resize_term(48, 240);
	wizard_key(w, '\t');
	assert_int_equal(w->run_sel, 1);
	wizard_key(w, '\t');
	assert_int_equal(w->run_sel, 3);
	check_screen(w, "run-many-replicas-240x48", 48, 240);
}

static void test_failure(void **state)
{
	struct fixture *fx = *state;
	struct wizard *w = fx->w;
	run_state(fx);
	struct plan_item *it = &fx->plan.items[7];
	set_item(it, ITEM_FAILED, 80, 92.5, "exit status 100; last output: E: Unable to locate package carbonio-directory-server");
	it->step = &steps[5];
	w->can_skip = false;
	wizard_runner_state(w, RUNNER_STOPPED);
	assert_int_equal(w->dialog, DLG_FAILURE);
	both_sizes(w, "run-failure");
	wizard_key(w, 's'); /* not skippable */
	assert_int_equal(fake.skips, 0);
	wizard_key(w, 'l');
	assert_int_equal(w->dialog, DLG_LOG);
	both_sizes(w, "run-failure-log");
	wizard_key(w, 'q');
	assert_int_equal(w->dialog, DLG_FAILURE);
	wizard_key(w, 'r');
	assert_int_equal(fake.retries, 1);
}

static void test_finish(void **state)
{
	struct fixture *fx = *state;
	struct wizard *w = fx->w;
	run_state(fx);
	set_item(&fx->plan.items[7], ITEM_DONE, 80, 83.1,
		 "Replica: ldap://ds-replica.example.com:389 Code: 0 Status: In Sync");
	w->site_saved = xstrdup("Site file saved (no secrets): /etc/replica-wizard/site.ini");
	wizard_runner_state(w, RUNNER_DONE);
	assert_int_equal(w->page, PAGE_FINISH);
	both_sizes(w, "finish");
	wizard_key(w, 'd');
	assert_int_equal(w->dialog, DLG_MESSAGE);
	wizard_key(w, ' ');
	wizard_key(w, 'q');
	assert_true(w->quit);
}

/* The finish page's h (and Enter) goes back to the home screen for the
 * next operation, the run's nodes and plan dropped; q still quits. */
static void test_finish_home(void **state)
{
	struct fixture *fx = *state;
	struct wizard *w = fx->w;
	run_state(fx);
	wizard_runner_state(w, RUNNER_DONE);
	assert_int_equal(w->page, PAGE_FINISH);
	wizard_key(w, 'h');
	assert_false(w->quit);
	assert_int_equal(w->page, PAGE_HOME);
	assert_null(w->plan);
	assert_int_equal(w->n_nodes, 0);
	assert_false(w->started);
	assert_int_equal(w->rstate, RUNNER_IDLE);
	/* the next operation starts from its first page */
	wizard_key(w, '3');
	assert_int_equal(w->page, PAGE_DOVECOT);
	assert_int_equal(w->op, OP_DOVECOT);
	/* Enter does the same */
	w->page = PAGE_FINISH;
	wizard_key(w, '\r');
	assert_false(w->quit);
	assert_int_equal(w->page, PAGE_HOME);
	w->page = PAGE_FINISH;
	wizard_key(w, 'q');
	assert_true(w->quit);
}

static void test_pane_bounded(void **state)
{
	(void)state;
	struct pane *p = pane_new(3);
	pane_add(p, "a");
	pane_add(p, "b");
	pane_add(p, "c");
	pane_add(p, "d");
	assert_int_equal(pane_count(p), 3);
	assert_string_equal(pane_line(p, 0), "b");
	assert_string_equal(pane_line(p, 2), "d");
	assert_null(pane_line(p, 3));
	assert_int_equal(pane_dropped(p), 1);
	pane_free(p);
}

/* A line's kind is kept with it (through the ring): a node's output that
 * begins like the wizard's own "FAILED:" line is still output. */
static void test_pane_kinds(void **state)
{
	(void)state;
	struct pane *p = pane_new(2);
	pane_add_kind(p, PANE_STEP, "== Install");
	pane_add(p, "FAILED: printed by the node");
	assert_int_equal(pane_kind(p, 0), PANE_STEP);
	assert_int_equal(pane_kind(p, 1), PANE_OUTPUT);
	pane_add_kind(p, PANE_FAILED, "FAILED: exit status 1");
	assert_int_equal(pane_kind(p, 0), PANE_OUTPUT);
	assert_int_equal(pane_kind(p, 1), PANE_FAILED);
	assert_int_equal(pane_kind(p, 2), PANE_OUTPUT); /* past the end */
	pane_free(p);
}

int main(void)
{
	/* the screens must not depend on this machine: no real site file, no
	 * state directory of the user running the tests */
	setenv("REPLICA_WIZARD_SITE", "/nonexistent/replica-wizard-test/site.ini", 1);
	setenv("XDG_CONFIG_HOME", "/nonexistent/replica-wizard-test", 1);
	setenv("REPLICA_WIZARD_STATE_DIR", "/tmp", 1);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_home, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nodes_discover, setup, teardown),
		cmocka_unit_test_setup_teardown(test_site_view, setup, teardown),
		cmocka_unit_test_setup_teardown(test_too_small, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nodes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_answer_nodes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ssh_secret, setup, teardown),
		cmocka_unit_test_setup_teardown(test_connect_hostkey, setup, teardown),
		cmocka_unit_test_setup_teardown(test_preflight, setup, teardown),
		cmocka_unit_test_setup_teardown(test_menus, setup, teardown),
		cmocka_unit_test_setup_teardown(test_run, setup, teardown),
		cmocka_unit_test_setup_teardown(test_run_two_replicas, setup, teardown),
		cmocka_unit_test_setup_teardown(test_run_many_replicas, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_finish, setup, teardown),
		cmocka_unit_test_setup_teardown(test_finish_home, setup, teardown),
		cmocka_unit_test(test_pane_bounded),
		cmocka_unit_test(test_pane_kinds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
