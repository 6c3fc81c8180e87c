/* Pure parts of the dovecot operation: config rendering from the real
 * template asset, firewall rich rules, version gate, password rules, mail
 * overlap, failure explanation from the log lines of
 * dovecot-replication.md §7; and the procedure asset loads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <stdbool.h>
#include <unistd.h>

#include "dovecot_op.h"
#include "journal.h"
#include "loop.h"
#include "operation.h"
#include "procedure.h"
#include "site.h"

static void test_render_conf(void **state)
{
	(void)state;
	char err[256] = "";
	char *tpl = dovecot_op_load_template(err, sizeof err);
	assert_non_null(tpl);
	char *e = NULL;
	char *conf = dovecot_op_render_conf(tpl, "imap2.example.com", 12345, 20, "S3cretPassw0rd", &e);
	assert_non_null(conf);
	assert_null(e);
	/* the seed's content, line for line */
	assert_non_null(strstr(conf, "\nmail_plugins = $mail_plugins notify replication\n"));
	assert_non_null(strstr(conf, "service replicator {\n  process_min_avail = 1\n\n"
				     "  unix_listener replicator-doveadm {\n    mode = 0600\n"
				     "    user = vmail\n  }\n}\n"));
	assert_non_null(strstr(conf, "service aggregator {\n  fifo_listener replication-notify-fifo {\n"
				     "    user = vmail\n  }\n  unix_listener replication-notify {\n"
				     "    user = vmail\n  }\n}\n"));
	assert_non_null(strstr(conf, "service doveadm {\n  inet_listener {\n    port = 12345\n  }\n}\n"));
	assert_non_null(strstr(conf, "\ndoveadm_password = S3cretPassw0rd\n"));
	assert_non_null(strstr(conf, "plugin {\n  mail_replica = tcp:imap2.example.com:12345\n}\n"));
	assert_non_null(strstr(conf, "\nreplication_max_conns = 20\n"));
	assert_null(strstr(conf, "{{"));
	assert_non_null(strstr(conf, "written by replica-wizard")); /* reuse marker */
	free(conf);

	/* masked for the diff: the password never appears */
	conf = dovecot_op_render_conf(tpl, "10.0.0.2", 4000, 10, NULL, &e);
	assert_non_null(conf);
	assert_non_null(strstr(conf, "\ndoveadm_password = ********\n"));
	assert_non_null(strstr(conf, "mail_replica = tcp:10.0.0.2:4000\n"));
	free(conf);

	/* a partner that would inject config text is refused */
	conf = dovecot_op_render_conf(tpl, "evil\n}\nssl = no", 12345, 10, "S3cretPassw0rd", &e);
	assert_null(conf);
	assert_non_null(e);
	assert_non_null(strstr(e, "is not a host name"));
	free(e);
	free(tpl);
}

static void test_rich_rules(void **state)
{
	(void)state;
	char *e = NULL;
	char *r = dovecot_op_rich_rules("192.0.2.1", "2001:db8:2::1", 12345, &e);
	assert_null(e);
	assert_string_equal(r,
		"rule family=\"ipv4\" source address=\"192.0.2.1/32\" port protocol=\"tcp\" port=\"12345\" accept\n"
		"rule family=\"ipv6\" source address=\"2001:db8:2::1/128\" port protocol=\"tcp\" port=\"12345\" accept");
	free(r);

	/* an IPv4 partner seen through ahostsv6 adds no IPv6 rule */
	r = dovecot_op_rich_rules("127.77.0.7", "::ffff:127.77.0.7", 12345, &e);
	assert_string_equal(r, "rule family=\"ipv4\" source address=\"127.77.0.7/32\" port protocol=\"tcp\" port=\"12345\" accept");
	free(r);

	/* several addresses, v6 only */
	r = dovecot_op_rich_rules("", "2001:db8::1 2001:db8::2", 4000, &e);
	assert_string_equal(r,
		"rule family=\"ipv6\" source address=\"2001:db8::1/128\" port protocol=\"tcp\" port=\"4000\" accept\n"
		"rule family=\"ipv6\" source address=\"2001:db8::2/128\" port protocol=\"tcp\" port=\"4000\" accept");
	free(r);

	r = dovecot_op_rich_rules("192.0.2.300", NULL, 12345, &e);
	assert_null(r);
	assert_string_equal(e, "\"192.0.2.300\" is not an IPv4 address");
	free(e);
	r = dovecot_op_rich_rules("2001:db8::1", NULL, 12345, &e);
	assert_null(r);
	assert_string_equal(e, "\"2001:db8::1\" is not an IPv4 address");
	free(e);
	r = dovecot_op_rich_rules("", "", 12345, &e);
	assert_null(r);
	assert_string_equal(e, "no partner address to allow");
	free(e);
	r = dovecot_op_rich_rules("192.0.2.1", NULL, 0, &e);
	assert_null(r);
	free(e);
}

static void test_version_gate(void **state)
{
	(void)state;
	bool old;
	const char *msg;
	assert_true(dovecot_op_version_gate("2.3.19.1 (9b53102964)\n", &old, &msg));
	assert_true(old);
	assert_non_null(strstr(msg, "older than 2.3.20"));
	assert_true(dovecot_op_version_gate("2.3.21.1 (d492236fa0)", &old, &msg));
	assert_false(old);
	assert_null(msg);
	assert_false(dovecot_op_version_gate("2.4.1", &old, &msg));
	assert_non_null(strstr(msg, "no longer have the replicator"));
	assert_false(dovecot_op_version_gate("2.2.36 (1f10bfa63)", &old, &msg));
	assert_non_null(strstr(msg, "older than 2.3"));
	assert_false(dovecot_op_version_gate("bash: dovecot: command not found", &old, &msg));
	assert_non_null(strstr(msg, "is Dovecot installed"));
	assert_false(dovecot_op_version_gate(NULL, &old, &msg));
}

static void test_password_rules(void **state)
{
	(void)state;
	assert_null(dovecot_op_password_problem("Abcdefgh2345"));
	assert_null(dovecot_op_password_problem("a.b_c+d/e=f:g@h,i!j-k"));
	assert_non_null(dovecot_op_password_problem("short"));
	assert_non_null(dovecot_op_password_problem(NULL));
	assert_non_null(strstr(dovecot_op_password_problem("has space in it"), "letters, digits"));
	assert_non_null(dovecot_op_password_problem("dollar$variable1"));
	assert_non_null(dovecot_op_password_problem("<file-include-1"));
	assert_non_null(dovecot_op_password_problem("quote\"quote\"123"));
	char big[300];
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	assert_non_null(dovecot_op_password_problem(big));
}

static void test_common_users(void **state)
{
	(void)state;
	char *c = dovecot_op_common_users("a@x b@x c@x", "c@x a@x");
	assert_string_equal(c, "a@x c@x");
	free(c);
	assert_null(dovecot_op_common_users("a@x", "aa@x ba@x a@xx"));
	assert_null(dovecot_op_common_users("", "a@x"));
	assert_null(dovecot_op_common_users("a@x", ""));
	c = dovecot_op_common_users("u1", "u0 u1");
	assert_string_equal(c, "u1");
	free(c);
}

static void test_explain(void **state)
{
	(void)state;
	/* password mismatch, seen on the refusing side */
	struct dovecot_diag d[2] = {
		{ "a", "Nov 22 19:28:08 Error: doveadm(127.0.0.1): doveadm client authenticated with wrong password\n", "", 0 },
		{ "b", "", "", 0 },
	};
	char *m = dovecot_op_explain(d, 2);
	assert_non_null(strstr(m, "doveadm_password differs"));
	assert_non_null(strstr(m, "a logged: "));
	free(m);

	/* the initiating side's message */
	d[0].log = "";
	d[1].log = "doveadm(alice): Error: doveadm authentication failed ()\n"
		   "doveadm(alice): Error: Disconnected from remote: EOF\n";
	m = dovecot_op_explain(d, 2);
	assert_non_null(strstr(m, "doveadm_password differs"));
	assert_non_null(strstr(m, "b logged: doveadm(alice): Error: doveadm authentication failed ()"));
	free(m);

	/* port blocked */
	d[1].log = "doveadm(alice): Fatal: connect(127.0.0.3:12345) failed: Connection refused\n";
	m = dovecot_op_explain(d, 2);
	assert_non_null(strstr(m, "replication port cannot be reached"));
	free(m);

	/* notify plugin missing */
	d[1].log = "Fatal: Couldn't load required plugin /usr/lib/dovecot/modules/lib20_replication_plugin.so: "
		   "Plugin notify must be loaded also (you must set: mail_plugins=$mail_plugins notify)\n";
	m = dovecot_op_explain(d, 2);
	assert_non_null(strstr(m, "notify plugin is not loaded"));
	free(m);

	/* replicator not configured: the classifier of doveadm_parse */
	d[1].log = "";
	d[1].status = "Fatal: net_connect_unix(/run/dovecot/replicator-doveadm) failed: No such file or directory\n";
	d[1].status_rc = 75;
	m = dovecot_op_explain(d, 2);
	assert_non_null(strstr(m, "the replicator on b does not answer"));
	assert_non_null(strstr(m, "/run/dovecot/replicator-doveadm"));
	free(m);

	/* failed column, nothing logged */
	d[1].status = "username\tpriority\tfast sync\tfull sync\tsuccess sync\tfailed\n"
		      "alice\tnone\t00:00:03\t00:00:33\t00:00:16\ty\n";
	d[1].status_rc = 0;
	m = dovecot_op_explain(d, 2);
	assert_non_null(strstr(m, "the last sync of alice failed on b"));
	free(m);

	/* nothing at all */
	d[1].status = "username\tpriority\tfast sync\tfull sync\tsuccess sync\tfailed\n"
		      "alice\tnone\t00:00:03\t00:00:33\t00:00:16\t-\n";
	m = dovecot_op_explain(d, 2);
	assert_non_null(strstr(m, "plugins are probably not loaded"));
	free(m);
}

static void test_procedure_loads(void **state)
{
	(void)state;
	char err[512] = "";
	struct proc_vocabulary vocab = operation_vocabulary(&dovecot_kind);
	struct procedure *p = procedure_load_named("dovecot", &vocab, err, sizeof err);
	if (!p)
		fail_msg("%s", err);
	const struct proc_step *s = procedure_step(p, "write-config");
	assert_non_null(s);
	assert_non_null(strstr(s->stdin_tpl, "{{secret:replication_conf}}"));
	assert_null(strstr(s->run, "secret"));
	assert_non_null(strstr(s->run, "umask 077"));
	assert_true(procedure_step(p, "selinux-boolean")->n_when == 1);
	assert_string_equal(procedure_step(p, "firewall-rules")->when[0], "firewalld");
	assert_string_equal(procedure_step(p, "reload-doveadm")->when[0], "!systemd");
	assert_string_equal(procedure_step(p, "verify-arrived")->builtin, "wait-replicated");
	procedure_free(p);
}

static void test_wait_seconds(void **state)
{
	(void)state;
	unsetenv("REPLICA_WIZARD_DOVECOT_WAIT");
	assert_int_equal(dovecot_op_wait_seconds(), 60);
	setenv("REPLICA_WIZARD_DOVECOT_WAIT", "7", 1);
	assert_int_equal(dovecot_op_wait_seconds(), 7);
	setenv("REPLICA_WIZARD_DOVECOT_WAIT", "0", 1);
	assert_int_equal(dovecot_op_wait_seconds(), 60);
	setenv("REPLICA_WIZARD_DOVECOT_WAIT", "7x", 1);
	assert_int_equal(dovecot_op_wait_seconds(), 60);
	unsetenv("REPLICA_WIZARD_DOVECOT_WAIT");
}

/* --resume expunges the cut-short run's test messages by their marker, read
 * back from the journal: only a marker this program makes is taken; an
 * empty one (`doveadm expunge ... header Subject ''` matches every message)
 * or an edited one stops the resume before anything runs. */
static bool resume_with_marker(const char *marker, char *err, size_t errlen, char **used)
{
	struct site *s = site_new();
	struct site_error se;
	assert_true(site_set(s, "dovecot", "servers", "imap1.example.com imap2.example.com", &se));
	assert_true(site_validate(s, &se));
	struct loop *loop = loop_new();
	struct operation_options oo = { 0 };
	struct operation *op = operation_new(loop, s, "/nonexistent/site.ini", &dovecot_kind, &oo, NULL,
					     err, errlen);
	assert_non_null(op);
	char *scope = dovecot_kind.scope(op);
	char *path = journal_path_for("/nonexistent/site.ini", "dovecot");
	unlink(path);
	struct journal *j = journal_open(path, err, errlen);
	assert_non_null(j);
	journal_begin(j, NULL, scope, false);
	if (marker)
		journal_var(j, "marker", marker);
	journal_step(j, "verify-save", "imap1.example.com", "done", 0, 0.1, NULL);
	journal_close(j);
	operation_set_resume(op, true);
	bool complete = false;
	bool ok = operation_open_journal(op, &complete, err, errlen);
	const char *m = operation_value(op, NULL, "marker", false);
	*used = m ? strdup(m) : NULL;
	operation_free(op);
	loop_free(loop);
	site_free(s);
	unlink(path);
	free(path);
	free(scope);
	return ok;
}

static void test_resume_marker(void **state)
{
	(void)state;
	char dir[] = "/tmp/rw-test-dovecot-XXXXXX";
	assert_non_null(mkdtemp(dir));
	setenv("REPLICA_WIZARD_STATE_DIR", dir, 1);
	char err[1024];
	char *used = NULL;
	assert_true(resume_with_marker("rw-check-AbCdEfGhJkMn", err, sizeof err, &used));
	assert_string_equal(used, "rw-check-AbCdEfGhJkMn");
	free(used);
	const char *const bad[] = { "", "rw-check-", "rw-check-AbCdEf", "Welcome", "rw-check-AbCdEfGhJk Mn",
				    NULL };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err[0] = '\0';
		assert_false(resume_with_marker(bad[i], err, sizeof err, &used));
		free(used);
		assert_non_null(strstr(err, "marker is "));
		assert_non_null(strstr(err, "nothing was run"));
	}
	rmdir(dir);
	unsetenv("REPLICA_WIZARD_STATE_DIR");
}

/* Several pairs: the run's pair is chosen by name (or is the only one); its
 * plan names its two servers only; each pair has its own journal, so a
 * pair's cut-short run is resumed by that pair's run and by no other. */
static struct operation *pair_op(struct loop *loop, struct site *s, const char *pair)
{
	char err[512];
	struct operation_options oo = { .pair = pair };
	struct operation *op = operation_new(loop, s, "/nonexistent/pairs.ini", &dovecot_kind, &oo,
					     NULL, err, sizeof err);
	assert_non_null(op);
	return op;
}

static void test_pairs(void **state)
{
	(void)state;
	char dir[] = "/tmp/rw-test-dovecot-XXXXXX";
	assert_non_null(mkdtemp(dir));
	setenv("REPLICA_WIZARD_STATE_DIR", dir, 1);
	struct site *s = site_new();
	struct site_error se;
	char err[1024];
	assert_true(site_set(s, "dovecot east", "servers", "e1.example e2.example", &se));
	assert_true(site_set(s, "dovecot west", "servers", "w1.example w2.example", &se));
	assert_true(site_validate(s, &se));

	assert_null(dovecot_op_pair(s, NULL, err, sizeof err));
	assert_string_equal(err, "the site has 2 Dovecot pairs (east, west): choose one (--pair NAME)");
	assert_null(dovecot_op_pair(s, "north", err, sizeof err));
	assert_string_equal(err, "no Dovecot pair \"north\" in the site (its pairs: east, west)");
	assert_string_equal(dovecot_op_pair(s, "WEST", err, sizeof err)->name, "west");

	struct loop *loop = loop_new();
	struct operation *east = pair_op(loop, s, "east");
	const struct plan *pl = operation_plan(east);
	assert_true(pl->n > 0);
	for (size_t i = 0; i < pl->n; i++)
		assert_non_null(strchr("e", pl->items[i].node[0]));
	char *scope = dovecot_kind.scope(east);
	assert_string_equal(scope, "pair=east servers=e1.example e2.example");
	free(scope);
	char *key = dovecot_kind.journal_key(east);
	assert_string_equal(key, "dovecot.east");
	free(key);

	/* east's run is cut short after a step */
	bool complete = false;
	assert_true(operation_open_journal(east, &complete, err, sizeof err));
	journal_step(operation_journal(east), "preflight-privileges", "e1.example", "done", 0, 0.1, NULL);
	operation_free(east);
	east = pair_op(loop, s, "east");
	assert_true(operation_resumable(east));
	operation_free(east);

	/* west has nothing to resume: east's journal is not its own */
	struct operation *west = pair_op(loop, s, "west");
	assert_false(operation_resumable(west));
	operation_set_resume(west, true);
	assert_false(operation_open_journal(west, &complete, err, sizeof err));
	assert_non_null(strstr(err, "nothing to resume: no earlier run in the journal"));
	key = dovecot_kind.journal_key(west);
	assert_string_equal(key, "dovecot.west");
	free(key);
	operation_free(west);

	/* no pair chosen among several: an empty plan, nothing would run */
	struct operation *none = pair_op(loop, s, NULL);
	assert_int_equal(operation_plan(none)->n, 0);
	operation_free(none);

	loop_free(loop);
	site_free(s);
	char *p = journal_path_for("/nonexistent/pairs.ini", "dovecot.east");
	unlink(p);
	free(p);
	p = journal_path_for("/nonexistent/pairs.ini", "dovecot.west");
	unlink(p);
	free(p);
	p = journal_path_for("/nonexistent/pairs.ini", "lock");
	unlink(p);
	free(p);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	unsetenv("REPLICA_WIZARD_STATE_DIR");
}

int main(void)
{
	/* the tests run from the tree: find the shipped assets there */
	if (!getenv("REPLICA_WIZARD_ASSETS"))
		setenv("REPLICA_WIZARD_ASSETS", "assets", 1);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_render_conf),
		cmocka_unit_test(test_rich_rules),
		cmocka_unit_test(test_version_gate),
		cmocka_unit_test(test_password_rules),
		cmocka_unit_test(test_common_users),
		cmocka_unit_test(test_explain),
		cmocka_unit_test(test_procedure_loads),
		cmocka_unit_test(test_wait_seconds),
		cmocka_unit_test(test_resume_marker),
		cmocka_unit_test(test_pairs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
