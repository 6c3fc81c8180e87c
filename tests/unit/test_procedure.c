/* The procedure loader: the shipped procedures load, and every kind of
 * mistake in a procedure file is refused with its file and line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dovecot_op.h"
#include "install.h"
#include "operation.h"
#include "procedure.h"
#include "remove.h"
#include "runner.h"
#include "xalloc.h"

static struct procedure *load_named(const char *name, const struct operation_kind *kind, char *err,
				     size_t errlen)
{
	struct proc_vocabulary vocab = operation_vocabulary(kind);
	return procedure_load_named(name, &vocab, err, errlen);
}

static char *write_tmp(const char *text)
{
	char *path = xstrdup("/tmp/rw-test-proc-XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

static void test_shipped_install_procedure_loads(void **state)
{
	(void)state;
	char err[512] = "";
	struct procedure *p = load_named("install-replica", &install_kind, err, sizeof err);
	assert_non_null(p);
	assert_string_equal(p->name, "install");
	const struct proc_step *enable = procedure_step(p, "enable-replication");
	assert_non_null(enable);
	assert_int_equal(enable->user, PROC_USER_ROOT);
	assert_int_equal(enable->nodes, PROC_NODE_MASTER);
	assert_non_null(strstr(enable->done_output, "Accesslog is already enabled"));
	const struct proc_step *boot = procedure_step(p, "bootstrap");
	assert_non_null(boot);
	assert_false(boot->idempotent);
	/* the secrets travel on stdin, never in the command */
	assert_null(strstr(boot->run, "secret"));
	assert_non_null(strstr(boot->stdin_tpl, "LDAPREPPASS={{secret:ldap_replication_password}}"));
	/* continuation lines of a command are joined by newlines */
	assert_non_null(strstr(boot->run, "\n(umask 077 && set -C && cat > \"$s/answers\") || exit 1\n"));
	/* the answers file: in a directory only root can enter, made by mktemp -d */
	assert_non_null(strstr(boot->run, "s=$(mktemp -d \"$p/.rw-bootstrap.XXXXXX\") || exit 1\n"));
	/* a failed bootstrap cleaned up; one that never ended may have left
	 * its files, and the hint says so (plan_item_hint picks) */
	assert_non_null(strstr(boot->hint, "were removed"));
	assert_non_null(strstr(boot->hint_unfinished, "may still be"));
	struct plan_item it = { .step = boot };
	assert_ptr_equal(plan_item_hint(&it), boot->hint);
	it.unfinished = true;
	assert_ptr_equal(plan_item_hint(&it), boot->hint_unfinished);
	it.step = enable; /* no hint_unfinished: the one hint */
	assert_ptr_equal(plan_item_hint(&it), enable->hint);
	const struct proc_step *fetch = procedure_step(p, "fetch-passwords");
	assert_true(fetch->output_hidden);
	assert_true(fetch->capture_shell);
	/* the verify step comes before anything touches the replica */
	size_t verify = 0, install = 0;
	for (size_t i = 0; i < p->n_steps; i++) {
		if (strcmp(p->steps[i].id, "verify-passwords") == 0)
			verify = i;
		if (strcmp(p->steps[i].id, "install-package") == 0)
			install = i;
	}
	assert_true(verify > 0 && verify < install);
	/* what the finish page lists is said by the procedure, not by step ids in C */
	assert_int_equal(procedure_step(p, "verify-passwords")->report, PROC_REPORT_FINISH);
	assert_int_equal(procedure_step(p, "replication-status")->report, PROC_REPORT_FINISH);
	assert_int_equal(boot->report, PROC_REPORT_NONE);
	procedure_free(p);
	/* and which preflight output is a finding to confirm */
	p = load_named("remove-replica", &remove_kind, err, sizeof err);
	assert_non_null(p);
	assert_int_equal(procedure_step(p, "plan-ldap-url")->report, PROC_REPORT_PREFLIGHT);
	assert_int_equal(procedure_step(p, "check-replchk")->report, PROC_REPORT_FINISH);
	procedure_free(p);
	p = load_named("dovecot", &dovecot_kind, err, sizeof err);
	assert_non_null(p);
	assert_int_equal(procedure_step(p, "preflight-config-diff")->report, PROC_REPORT_PREFLIGHT);
	assert_int_equal(procedure_step(p, "verify-status")->report, PROC_REPORT_FINISH);
	/* dovecot --verify: the steps it keeps are marked in the procedure */
	assert_true(procedure_step(p, "preflight-users")->verify_run);
	assert_true(procedure_step(p, "verify-arrived")->verify_run);
	assert_false(procedure_step(p, "preflight-mail-overlap")->verify_run);
	assert_false(procedure_step(p, "write-config")->verify_run);
	procedure_free(p);
}

static const char header[] = "[procedure]\nname = t\ntitle = T\n";

struct bad_case {
	const char *body;
	int line;
	const char *fragment;
};

static const struct bad_case bad_cases[] = {
	{ "[step a]\ntitle = A\nnode = master\nrun = x {{secret:zimbra_ldap_password}}\n", 7,
	  "may only be sent on stdin" },
	{ "[step a]\ntitle = A\nnode = master\nrun = echo {{nosuch}}\n", 7,
	  "run: unknown variable {{nosuch}} for install-replica" },
	{ "[step a]\ntitle = A\nnode = master\nrun = x\nstdin = {{secret:nope}}\n", 8,
	  "stdin: unknown secret 'nope' for install-replica" },
	/* a word of another operation: dovecot's, not install's */
	{ "[step a]\ntitle = A\nnode = master\nrun = x\nwhen = answer_queries\n  selinux\n", 9,
	  "when: unknown condition 'selinux' for install-replica" },
	{ "[step a]\ntitle = A\nnode = master\nrun = x\nwhen = !selinux\n", 8,
	  "when: unknown condition 'selinux' for install-replica" },
	{ "[step a]\ntitle = A\nnode = master\nrun = cat \\\n  {{conf_dir}}/x\n", 8,
	  "run: unknown variable {{conf_dir}} for install-replica" },
	{ "[step a]\ntitle = A\nnode = master\nrun = x\nskip_if = test -e {{partner}}\n", 8,
	  "skip_if: unknown variable {{partner}}" },
	{ "[step a]\ntitle = A\nnode = master\nrun = x\ndone_output = ^{{marker}}$\n", 8,
	  "done_output: unknown variable {{marker}}" },
	{ "[step a]\ntitle = A\nnode = master\nstdin = {{secret:doveadm_password}}\nbuiltin = y\n", 7,
	  "stdin: unknown secret 'doveadm_password' for install-replica" },
	{ "[step a]\ntitle = A\nnode = master\nbuiltin = mail-overlap\n", 7,
	  "builtin: unknown built-in step 'mail-overlap' for install-replica" },
	{ "[step a]\ntitle = A\nnode = master replica\nbuiltin = verify-ldap-passwords\nonce = yes\n", 4,
	  "once = yes is for node = server" },
	{ "[step a]\ntitle = A\nnode = moon\nrun = x\n", 6, "unknown node \"moon\"" },
	{ "[step a]\ntitle = A\nnode = master\nuser = admin\n", 7, "must be root or zextras" },
	{ "[step a]\ntitle = A\nnode = master\nrun = x\ncolour = red\n", 8, "unknown key \"colour\"" },
	{ "[step a]\ntitle = A\nnode = master\n", 4, "exactly one of run and builtin" },
	{ "[step a]\ntitle = A\nnode = master\nrun = x\nbuiltin = all-servers\n", 4,
	  "exactly one of run and builtin" },
	{ "[step a]\nnode = master\nrun = x\n", 4, "has no title" },
	{ "[step a]\ntitle = A\nrun = x\n", 4, "has no node" },
	{ "[step a]\ntitle = A\nnode = master\nrun = x\nretry_for = 99999\n", 8, "from 0 to 3600" },
	{ "[step a]\ntitle = A\nnode = master\nrun = x\nretry_every = 5\n", 4, "retry_every without retry_for" },
	{ "[step a]\ntitle = A\nnode = master\nrun = x\nok_exit = 0 x\n", 8, "\"x\" is not a number" },
	{ "[step a]\ntitle = A\nnode = master\nrun = x\nwhen = full_moon\n", 8, "unknown condition" },
	{ "[step a]\ntitle = A\nnode = master\nrun = x\ncheck = warn\n", 4, "for preflight steps" },
	{ "[step a]\ntitle = A\nnode = master\nrun = x\n[step a]\ntitle = B\nnode = master\nrun = y\n", 8,
	  "duplicate step" },
	{ "[steps]\nx = 1\n", 5, "unknown section [steps]" },
	{ "[step a]\ntitle = A\nnode = master\nrun = echo {{prefix\n", 7, "unclosed {{" },
	{ "[step a]\ntitle = A\nnode = master\nrun = x\nidempotent = maybe\n", 8, "must be yes or no" },
	{ "[step a]\ntitle = A\nnode = master\nrun = x\noutput = loud\n", 8, "show or hidden" },
	{ "[step a]\ntitle = A\nnode = master\nrun = x\nverify = sure\n", 8, "must be yes or no" },
	{ "[step a]\nphase = preflight\ntitle = A\nnode = master\nrun = x\nverify = yes\n", 4,
	  "verify = yes is for steps of the run proper" },
	{ "[step a]\ntitle = A\nnode = master\nrun = x\nidempotent = no\nverify = yes\n", 4,
	  "read-only checks" },
	{ "[step a]\ntitle = A\nnode = master\nrun = x\nskip_if = y\nverify = yes\n", 4, "read-only checks" },
	{ "[step a]\ntitle = A\nnode = master\nrun = x\nreport = screen\n", 8,
	  "must be preflight, preflight-result or finish" },
	{ "[step a]\ntitle = A\nnode = master\nrun = x\nreport = preflight\n", 4,
	  "report = preflight is for preflight steps" },
};

static void test_bad_procedures_are_refused_with_file_and_line(void **state)
{
	(void)state;
	struct proc_vocabulary vocab = operation_vocabulary(&install_kind);
	for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
		char *text = xasprintf("%s%s", header, bad_cases[i].body);
		char *path = write_tmp(text);
		char err[512] = "";
		struct procedure *p = procedure_load(path, &vocab, err, sizeof err);
		if (p || !strstr(err, bad_cases[i].fragment))
			print_error("case %zu: got \"%s\"\n", i, err);
		assert_null(p);
		assert_non_null(strstr(err, bad_cases[i].fragment));
		char *where = xasprintf("%s:%d: ", path, bad_cases[i].line);
		if (strncmp(err, where, strlen(where)) != 0)
			print_error("case %zu: expected prefix %s, got %s\n", i, where, err);
		assert_int_equal(strncmp(err, where, strlen(where)), 0);
		free(where);
		unlink(path);
		free(path);
		free(text);
	}
}

static void test_semicolons_are_not_comments(void **state)
{
	(void)state;
	char *text = xasprintf("%s[step a]\ntitle = A\nnode = master\nrun = a; b ;c\n", header);
	char *path = write_tmp(text);
	char err[512];
	struct proc_vocabulary vocab = operation_vocabulary(&install_kind);
	struct procedure *p = procedure_load(path, &vocab, err, sizeof err);
	assert_non_null(p);
	assert_string_equal(p->steps[0].run, "a; b ;c");
	procedure_free(p);
	unlink(path);
	free(path);
	free(text);
}

/* The steps whose success proves each procedure's result (verify = yes):
 * what a run the journal calls complete checks before saying so. */
static void test_shipped_verify_steps(void **state)
{
	(void)state;
	static const struct {
		const char *proc;
		const struct operation_kind *kind;
		const char *ids;
	} want[] = {
		{ "install-replica", &install_kind, "bootstrap-result replication-status check-ldap-url " },
		{ "remove-replica", &remove_kind, "check-ldap-url check-mta-maps " },
		{ "dovecot", &dovecot_kind, "verify-configured " },
	};
	for (size_t k = 0; k < sizeof want / sizeof want[0]; k++) {
		char err[512] = "";
		struct procedure *p = load_named(want[k].proc, want[k].kind, err, sizeof err);
		assert_non_null(p);
		char got[512] = "";
		for (size_t i = 0; i < p->n_steps; i++)
			if (p->steps[i].verify) {
				strncat(got, p->steps[i].id, sizeof got - strlen(got) - 2);
				strcat(got, " ");
			}
		assert_string_equal(got, want[k].ids);
		procedure_free(p);
	}
}

/* Each operation answers its own words only: the same step loads for the
 * operation that knows its condition, and no other. */
static void test_vocabulary_is_the_operations(void **state)
{
	(void)state;
	char *text = xasprintf("%s\n[step a]\ntitle = A\nnode = server\nrun = echo {{partner}}\n"
			       "when = selinux\n", header);
	char *path = write_tmp(text);
	char err[512] = "";
	struct proc_vocabulary dovecot = operation_vocabulary(&dovecot_kind);
	struct procedure *p = procedure_load(path, &dovecot, err, sizeof err);
	assert_non_null(p);
	procedure_free(p);
	struct proc_vocabulary remove = operation_vocabulary(&remove_kind);
	assert_null(procedure_load(path, &remove, err, sizeof err));
	char *want = xasprintf("%s:8: run: unknown variable {{partner}} for remove-replica", path);
	assert_string_equal(err, want);
	free(want);
	unlink(path);
	free(path);
	free(text);
	/* and no shipped procedure loads with another operation's words */
	static const struct {
		const char *proc;
		const struct operation_kind *other;
	} crossed[] = {
		{ "install-replica", &remove_kind },
		{ "remove-replica", &install_kind },
		{ "dovecot", &install_kind },
		{ "install-replica", &dovecot_kind },
	};
	for (size_t i = 0; i < sizeof crossed / sizeof crossed[0]; i++) {
		assert_null(load_named(crossed[i].proc, crossed[i].other, err, sizeof err));
		assert_non_null(strstr(err, crossed[i].other->procedure));
	}
}

/* Every file in assets/procedures is some operation's procedure and loads
 * with that operation's words (a new file without a kind fails here). */
static void test_every_shipped_procedure_loads(void **state)
{
	(void)state;
	static const struct operation_kind *const kinds[] = {
		&install_kind, &remove_kind, &dovecot_kind, &dovecot_verify_kind,
	};
	char *dir = xasprintf("%s/procedures", getenv("REPLICA_WIZARD_ASSETS"));
	DIR *d = opendir(dir);
	assert_non_null(d);
	size_t seen = 0;
	for (struct dirent *e; (e = readdir(d));) {
		size_t n = strlen(e->d_name);
		if (n < 5 || strcmp(e->d_name + n - 4, ".ini") != 0)
			continue;
		char *name = xstrndup(e->d_name, n - 4);
		size_t loaded = 0;
		for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
			if (strcmp(kinds[k]->procedure, name) != 0)
				continue;
			char err[512] = "";
			struct procedure *p = load_named(name, kinds[k], err, sizeof err);
			if (!p)
				print_error("%s\n", err);
			assert_non_null(p);
			procedure_free(p);
			loaded++;
		}
		if (!loaded)
			print_error("%s: no operation kind runs it\n", e->d_name);
		assert_true(loaded > 0);
		free(name);
		seen++;
	}
	closedir(d);
	free(dir);
	assert_true(seen >= 3); /* install, remove, dovecot at least */
}

static void test_missing_file(void **state)
{
	(void)state;
	char err[512];
	struct proc_vocabulary vocab = operation_vocabulary(&install_kind);
	assert_null(procedure_load("/nonexistent/x.ini", &vocab, err, sizeof err));
	assert_non_null(strstr(err, "cannot open procedure /nonexistent/x.ini"));
}

int main(void)
{
	/* the tests run from the tree: find the shipped assets there */
	if (!getenv("REPLICA_WIZARD_ASSETS"))
		setenv("REPLICA_WIZARD_ASSETS", "assets", 1);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shipped_install_procedure_loads),
		cmocka_unit_test(test_bad_procedures_are_refused_with_file_and_line),
		cmocka_unit_test(test_semicolons_are_not_comments),
		cmocka_unit_test(test_shipped_verify_steps),
		cmocka_unit_test(test_vocabulary_is_the_operations),
		cmocka_unit_test(test_every_shipped_procedure_loads),
		cmocka_unit_test(test_missing_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
