#include "batch.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "harden.h"
#include "install.h"
#include "loop.h"
#include "redact.h"
#include "runner.h"
#include "site.h"
#include "stopsig.h"
#include "transport.h"
#include "validate.h"
#include "xalloc.h"

struct batch {
	const struct batch_options *bo;
	struct operation *op;
	bool secret_missing;
	size_t total;
};

static const char *user_name(const struct plan_item *it)
{
	if (it->step->builtin)
		return "local"; /* done by this program, e.g. an LDAP bind */
	return it->step->user == PROC_USER_ZEXTRAS ? "zextras" : "root";
}

static size_t item_index(struct batch *b, const struct plan_item *it)
{
	const struct plan *p = operation_plan(b->op);
	return (size_t)(it - p->items) + 1;
}

static void ev_item(void *ud, const struct plan_item *it)
{
	struct batch *b = ud;
	size_t i = item_index(b, it);
	switch (it->state) {
	case ITEM_RUNNING:
		if (it->attempts <= 1 && !it->in_skip_check)
			printf("[%2zu/%zu] %-15s %-7s %s\n", i, b->total, it->node, user_name(it),
			       it->step->title);
		break;
	case ITEM_WAITING:
		printf("[%2zu/%zu] %-15s         not yet (%s); again in %d s, up to %d s\n", i, b->total,
		       it->node, it->message ? it->message : "", it->step->retry_every,
		       it->step->retry_for);
		break;
	case ITEM_DONE:
		printf("[%2zu/%zu] %-15s         done (%.1f s)%s%s\n", i, b->total, it->node,
		       it->finished - it->first_started, it->message ? ": " : "",
		       it->message ? it->message : "");
		break;
	case ITEM_ALREADY:
		printf("[%2zu/%zu] %-15s %-7s %s: %s\n", i, b->total, it->node, user_name(it),
		       it->step->title, it->message ? it->message : "already done");
		break;
	case ITEM_RESUMED:
		printf("[%2zu/%zu] %-15s %-7s %s: done by the earlier run\n", i, b->total, it->node,
		       user_name(it), it->step->title);
		break;
	case ITEM_WARNED:
		printf("[%2zu/%zu] %-15s         WARNING: %s\n", i, b->total, it->node,
		       it->message ? it->message : "");
		if (it->step->hint)
			printf("          hint: %s\n", it->step->hint);
		break;
	case ITEM_FAILED:
		printf("[%2zu/%zu] %-15s         FAILED: %s\n", i, b->total, it->node,
		       it->message ? it->message : "");
		break;
	default:
		break;
	}
	fflush(stdout);
}

static void ev_output(void *ud, const struct plan_item *it, enum job_stream s, const char *line)
{
	(void)ud;
	printf("%15s %c %s\n", it->node, s == JOB_STDERR ? '!' : '|', line);
	fflush(stdout);
}

static void ev_conn(void *ud, struct conn *c, enum conn_state st)
{
	(void)ud;
	if (st == CONN_READY)
		printf("connected to %s as %s\n", conn_name(c), conn_login_user(c));
	else if (st == CONN_FAILED)
		printf("cannot connect to %s: %s\n", conn_name(c), conn_error(c));
	fflush(stdout);
}

void batch_hostkey_answer(struct conn *c, const struct hostkey_info *hk, bool accept)
{
	if (accept) {
		printf("%s: new host key %s %s accepted (--accept-new-host-keys) and added to known_hosts\n",
		       conn_name(c), hk->type, hk->fingerprint);
		conn_hostkey_decide(c, true);
		return;
	}
	printf("%s: unknown host key %s %s: refused. Check the fingerprint on the node "
	       "(ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub), then run again with "
	       "--accept-new-host-keys, or add the key to known_hosts yourself.\n",
	       conn_name(c), hk->type, hk->fingerprint);
	conn_hostkey_decide(c, false);
}

bool batch_secret_answer(struct conn *c, enum conn_secret_kind kind)
{
	const char *pw = harden_secret_env("REPLICA_WIZARD_SSH_PASSWORD");
	if (!pw || !*pw) {
		printf("%s asks for %s: set REPLICA_WIZARD_SSH_PASSWORD (never asked for in batch mode)\n",
		       conn_name(c), kind == SECRET_KEY_PASSPHRASE ? "the key's passphrase" : "a password");
		conn_answer_secret(c, NULL);
		return false;
	}
	redact_add(pw);
	conn_answer_secret(c, pw);
	return true;
}

static void ev_hostkey(void *ud, struct conn *c, const struct hostkey_info *hk)
{
	struct batch *b = ud;
	batch_hostkey_answer(c, hk, b->bo->accept_new_host_keys);
}

static void ev_secret(void *ud, struct conn *c, enum conn_secret_kind kind, const char *prompt)
{
	struct batch *b = ud;
	(void)prompt;
	if (!batch_secret_answer(c, kind))
		b->secret_missing = true;
}

static void print_plan(struct batch *b)
{
	const struct plan *p = operation_plan(b->op);
	struct runner *r = operation_runner(b->op);
	struct site *site = operation_site(b->op);
	printf("Plan (%zu steps; nothing is run with --dry-run; <name> is read from the nodes during the run):\n", p->n);
	for (size_t i = 0; i < p->n; i++) {
		const struct plan_item *it = &p->items[i];
		const struct site_host *h = site_host(site, it->node);
		char *cmd = runner_display_command(r, it, h ? h->user : NULL);
		char when[128] = "";
		for (size_t w = 0; w < it->step->n_when; w++) {
			strncat(when, w ? " " : " [when ", sizeof when - strlen(when) - 1);
			strncat(when, it->step->when[w], sizeof when - strlen(when) - 1);
		}
		if (it->step->n_when)
			strncat(when, "]", sizeof when - strlen(when) - 1);
		printf("\n[%2zu] %s%s\n     node %s, as %s%s\n", i + 1, it->step->title, when, it->node,
		       user_name(it), it->step->phase ? ", preflight" : "");
		/* indent every command line */
		printf("     $ ");
		for (const char *c = cmd; *c; c++) {
			putchar(*c);
			if (*c == '\n')
				printf("       ");
		}
		putchar('\n');
		free(cmd);
	}
}

static bool confirm(const struct batch_options *bo)
{
	if (bo->yes)
		return true;
	if (!isatty(STDIN_FILENO)) {
		fprintf(stderr, "%s %s: refusing to change the site without --yes (standard input is not a terminal)\n",
			bo->progname, bo->command);
		return false;
	}
	printf("Proceed? [y/N] ");
	fflush(stdout);
	char line[16];
	if (!fgets(line, sizeof line, stdin))
		return false;
	return line[0] == 'y' || line[0] == 'Y';
}

/* checked: the run was a check of a complete result (nothing to resume) */
static void summary(struct batch *b, enum runner_state st, bool checked)
{
	const struct plan *p = operation_plan(b->op);
	size_t counts[ITEM_SKIPPED + 1] = { 0 };
	for (size_t i = 0; i < p->n; i++)
		counts[p->items[i].state]++;
	printf("\nSummary: %zu done, %zu already done, %zu resumed, %zu not applicable, %zu warnings, "
	       "%zu failed, %zu skipped, %zu not run.\n",
	       counts[ITEM_DONE], counts[ITEM_ALREADY], counts[ITEM_RESUMED], counts[ITEM_NA],
	       counts[ITEM_WARNED], counts[ITEM_FAILED], counts[ITEM_SKIPPED],
	       counts[ITEM_PENDING] + counts[ITEM_RUNNING] + counts[ITEM_WAITING]);
	if (st == RUNNER_DONE) {
		printf("%s: complete.\n", b->bo->command);
		return;
	}
	for (size_t i = 0; i < p->n; i++) {
		const struct plan_item *it = &p->items[i];
		if (it->state != ITEM_FAILED)
			continue;
		printf("FAILED: %s on %s: %s\n", it->step->title, it->node, it->message ? it->message : "");
		if (plan_item_hint(it))
			printf("hint: %s\n", plan_item_hint(it));
	}
	if (st == RUNNER_ABORTED)
		printf("Aborted. ");
	if (operation_refusal(b->op, NULL, NULL) == OPERATION_REFUSAL_UNNAMED_SERVERS)
		printf("Nothing was changed. Name those servers in the site file, or skip them with "
		       "--skip-node HOST, then run again.\n");
	else if (operation_refusal(b->op, NULL, NULL) == OPERATION_REFUSAL_BAD_SKIP)
		printf("Nothing was changed. Give --skip-node only servers the directory lists, then run again.\n");
	else if (checked)
		printf("Fix the cause, then run again.\n");
	else
		printf("Fix the cause, then run again with --resume to continue from the failed step.\n");
}

/* Until the run stops; ^C, SIGTERM and SIGHUP stop the remote command and
 * journal the state. */
static bool run_stopped(void *ud)
{
	struct runner *r = ud;
	int sig = stopsig_take();
	if (sig && runner_state(r) == RUNNER_RUNNING) {
		printf("\ninterrupted (%s): stopping the remote command and journaling the state...\n",
		       strsignal(sig));
		fflush(stdout);
		runner_abort(r);
	}
	return runner_state(r) != RUNNER_RUNNING;
}

/* Until every node is connected, one failed, or a signal came. */
struct connecting {
	struct operation *op;
	bool failed;
};

static bool connect_settled(void *ud)
{
	struct connecting *cn = ud;
	return operation_connected(cn->op, &cn->failed) || cn->failed || stopsig_first();
}

/* Run the started operation until it stops. */
static void run_to_end(struct operation *op, struct loop *loop)
{
	struct runner *r = operation_runner(op);
	operation_start(op);
	loop_run_until(loop, run_stopped, r, 0);
	if (stopsig_first() && runner_state(r) != RUNNER_DONE)
		runner_abort(r); /* a signal as the run stopped at a failure */
}

bool batch_common_option(int c, const char *arg, struct batch_cli *b)
{
	switch (c) {
	case 's': b->site = arg; return true;
	case 'b': b->batch = true; return true;
	case 'y': b->bo.yes = true; return true;
	case 'n': b->oo.dry_run = true; return true;
	case 'r': b->oo.resume = true; return true;
	case 'A': b->bo.accept_new_host_keys = true; return true;
	default: return false;
	}
}

bool batch_node_option(int c, const char *arg, struct batch_cli *b)
{
	switch (c) {
	case 'R': xpush_str(&b->only, &b->n_only, arg); break;
	case 'K': xpush_str(&b->skip, &b->n_skip, arg); break;
	default: return false;
	}
	b->oo.only = b->only;
	b->oo.n_only = b->n_only;
	b->oo.skip_nodes = b->skip;
	b->oo.n_skip_nodes = b->n_skip;
	return true;
}

int batch_help_or_error(int c, void (*usage)(FILE *out, const char *prog), const char *prog,
			const char *command, const char *option)
{
	if (c != 'h')
		return batch_option_error(prog, command, c, option);
	usage(stdout, prog);
	return RW_EXIT_OK;
}

void batch_cli_free(struct batch_cli *b)
{
	free(b->only);
	free(b->skip);
}

/* An argument echoed back: as typed when it is printable text, quoted with
 * escapes otherwise (never raw control bytes on the admin's terminal). */
static char *echo_arg(const char *arg)
{
	char *bad = validate_text(arg, strlen(arg), false);
	if (!bad)
		return xstrdup(arg);
	free(bad);
	return validate_quote(arg, 80);
}

int batch_option_error(const char *prog, const char *command, int c, const char *option)
{
	char *o = echo_arg(option);
	if (c == ':')
		fprintf(stderr, "%s %s: option %s needs a value\n", prog, command, o);
	else
		fprintf(stderr, "%s %s: unknown option %s (see --help)\n", prog, command, o);
	free(o);
	return RW_EXIT_USAGE;
}

bool batch_args_ok(const char *prog, const char *command, int argc, char **argv, int first,
		   bool batch, const char *what)
{
	if (first < argc) {
		char *a = echo_arg(argv[first]);
		fprintf(stderr, "%s %s: unexpected argument \"%s\"\n", prog, command, a);
		free(a);
		return false;
	}
	if (!batch) {
		fprintf(stderr, "%s %s: the interactive wizard is started without a command; "
			"use --batch for the non-interactive %s\n", prog, command, what);
		return false;
	}
	return true;
}

/* --skip-node names a server the site file does not: a host name, and not a
 * Carbonio node of the site (that one the run handles). Whether the
 * master's directory lists it is checked in preflight. */
static bool skip_nodes_valid(const struct site *site, const char *site_path,
			     const struct operation_options *oo, const struct batch_options *bo)
{
	for (size_t i = 0; i < oo->n_skip_nodes; i++) {
		char *bad = validate_host(oo->skip_nodes[i]);
		const struct site_host *h = bad ? NULL : site_host(site, oo->skip_nodes[i]);
		if (bad) {
			fprintf(stderr, "%s %s: --skip-node: %s\n", bo->progname, bo->command, bad);
			free(bad);
			return false;
		}
		if (h && (h->roles & (SITE_ROLE_MASTER | SITE_ROLE_REPLICA | SITE_ROLE_MTA | SITE_ROLE_OTHER))) {
			fprintf(stderr, "%s %s: --skip-node %s: the site file %s names it, so the run handles "
				"it; take it out of the site file to leave it alone\n", bo->progname, bo->command,
				oo->skip_nodes[i], site_path);
			return false;
		}
	}
	return true;
}

int batch_run(const char *site_path, const struct operation_kind *kind,
	      const struct operation_options *oo, const struct batch_options *bo)
{
	struct site_error serr;
	char buf[2048];
	int rc = RW_EXIT_FAILED;
	struct loop *loop = NULL;
	struct operation *op = NULL;
	bool handlers = false;

	/* a peer closing an LDAP or SSH socket must be an error, not a kill */
	signal(SIGPIPE, SIG_IGN);

	struct site *site = site_load(site_path, &serr);
	if (!site) {
		fprintf(stderr, "%s %s: %s\n", bo->progname, bo->command, site_error_format(&serr, buf, sizeof buf));
		return RW_EXIT_USAGE;
	}
	cli_site_warnings(site, site_path, stderr);
	for (size_t i = 0; i < oo->n_only; i++) {
		const struct site_host *h = site_host(site, oo->only[i]);
		if (!h || !(h->roles & SITE_ROLE_REPLICA)) {
			/* quoted: a control sequence on the command line must not
			 * reach the terminal */
			char *q = validate_quote(oo->only[i], 256);
			fprintf(stderr, "%s %s: --replica %s: not a replica of the site %s\n", bo->progname,
				bo->command, q, site_path);
			free(q);
			site_free(site);
			return RW_EXIT_USAGE;
		}
	}
	if (!skip_nodes_valid(site, site_path, oo, bo)) {
		site_free(site);
		return RW_EXIT_USAGE;
	}
	size_t n_rep = 0;
	site_list(site, SITE_ROLE_REPLICA, &n_rep);
	if (kind == &install_kind && n_rep == 0) { /* the kind decides, not its name */
		fprintf(stderr, "%s install: %s: [carbonio] replicas is empty: name the replica(s) to install\n",
			bo->progname, site_path);
		site_free(site);
		return RW_EXIT_USAGE;
	}

	struct batch b = { .bo = bo };
	struct operation_events ev = {
		.on_conn = ev_conn, .on_hostkey = ev_hostkey, .on_secret = ev_secret,
		.on_item = ev_item, .on_output = ev_output, .ud = &b,
	};
	loop = loop_new();
	char err[1024];
	op = operation_new(loop, site, site_path, kind, oo, &ev, err, sizeof err);
	if (!op) {
		fprintf(stderr, "%s %s: %s\n", bo->progname, bo->command, err);
		rc = RW_EXIT_USAGE;
		goto out;
	}
	b.op = op;
	b.total = operation_plan(op)->n;

	if (oo->dry_run) {
		print_plan(&b);
		rc = RW_EXIT_OK;
		goto out;
	}
	bool complete = false;
	if (!operation_open_journal(op, &complete, err, sizeof err)) {
		fprintf(stderr, "%s %s: %s\n", bo->progname, bo->command, err);
		rc = operation_site_busy(op) ? RW_EXIT_FAILED : RW_EXIT_USAGE;
		goto out;
	}
	bool checking = operation_checking(op);
	if (checking)
		printf("%s: the journal says this finished on this site for the same nodes: asking the nodes "
		       "(preflight and the verification steps; nothing is changed)\n", bo->command);
	else if (!oo->resume && !confirm(bo)) {
		rc = RW_EXIT_USAGE;
		goto out;
	}

	/* ^C, SIGTERM and SIGHUP: stop the remote command, journal "aborted" */
	stopsig_install();
	handlers = true;

	operation_connect(op);
	struct connecting cn = { .op = op };
	loop_run_until(loop, connect_settled, &cn, 0);
	bool failed = cn.failed;
	struct runner *r = operation_runner(op);
	if (stopsig_first()) {
		runner_abort(r); /* nothing ran: the journal says aborted */
		printf("%s: interrupted while connecting; nothing was run.\n", bo->command);
		rc = stopsig_exit_status(stopsig_first());
		goto out;
	}
	if (failed) {
		/* let the other connections finish failing or connecting */
		if (operation_hostkey_refused(op))
			rc = RW_EXIT_HOSTKEY;
		else
			rc = RW_EXIT_FAILED;
		printf("%s: not every node could be reached; nothing was run.\n", bo->command);
		goto out;
	}

	run_to_end(op, loop);
	if (checking && !stopsig_first() && runner_state(r) == RUNNER_DONE) {
		printf("%s: already complete: the nodes confirm it; nothing changed.\n", bo->command);
		rc = RW_EXIT_OK;
		goto out;
	}
	const struct plan_item *bad = checking && !stopsig_first() && runner_state(r) == RUNNER_STOPPED
		? runner_failed_item(r) : NULL;
	if (bad && !bad->step->phase) {
		/* the result is no longer true on the nodes: do it again */
		printf("%s: the nodes no longer confirm it: %s on %s: %s\n"
		       "%s: running the procedure again as a new run (steps found done are quick)\n",
		       bo->command, bad->step->title, bad->node, bad->message ? bad->message : "failed",
		       bo->command);
		fflush(stdout);
		if (!confirm(bo)) {
			rc = RW_EXIT_USAGE;
			goto out;
		}
		if (!operation_run_again(op, err, sizeof err)) {
			fprintf(stderr, "%s %s: %s\n", bo->progname, bo->command, err);
			goto out;
		}
		r = operation_runner(op);
		checking = false;
		run_to_end(op, loop);
	}
	/* a cancelled or timed-out command is killed on its node before we
	 * disconnect; another signal stops waiting for that */
	operation_drain(op, 15, stopsig_again);
	if (checking && runner_state(r) != RUNNER_DONE)
		printf("%s: the nodes could not be checked; nothing was changed.\n", bo->command);
	summary(&b, runner_state(r), checking);
	rc = runner_state(r) == RUNNER_DONE ? RW_EXIT_OK
		: stopsig_first()               ? stopsig_exit_status(stopsig_first())
		/* the site file or --skip-node is the cause, nothing changed */
		: operation_refusal(op, NULL, NULL) != OPERATION_REFUSAL_NONE ? RW_EXIT_USAGE
		: operation_hostkey_refused(op) ? RW_EXIT_HOSTKEY
						: RW_EXIT_FAILED;
out:
	if (handlers)
		stopsig_restore();
	operation_free(op);
	loop_free(loop);
	site_free(site);
	redact_clear();
	return rc;
}
