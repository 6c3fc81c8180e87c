/* `replica-wizard install --batch`: install Directory Replicas without the
 * TUI. Prints each step and each node's live output prefixed with the node
 * name, then a summary. Exit: 0 done, 1 a step failed, 2 bad usage or site
 * file (also: the master's directory lists servers the site file does not
 * name, nothing changed), 3 host key refused. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "batch.h"
#include "commands.h"
#include "harden.h"
#include "install.h"
#include "ldap_cli.h"
#include "password_rules.h"
#include "site.h"
#include "xalloc.h"

static void usage(FILE *f, const char *prog)
{
	fprintf(f,
		"Usage: %s install --batch [--site FILE] [--yes] [--dry-run] [--resume]\n"
		"                  [--accept-new-host-keys] [--answer-queries] [--answer-node HOST ...]\n"
		"                  [--replica HOST ...] [--skip-node HOST ...] " LDAP_CLI_USAGE_SKIP "\n"
		"                  " LDAP_CLI_USAGE "\n"
		"\n"
		"Install the site's Directory Replicas (or the --replica ones): enable\n"
		"replication on the master, verify the LDAP passwords against it, install\n"
		"and bootstrap each replica, then prove that it replicates.\n"
		"\n"
		"  --batch                 run without the wizard screens\n"
		"  --yes                   do not ask before changing the site\n"
		"  --dry-run               print the plan (node, user, command) and run nothing\n"
		"  --resume                continue the last run from where it stopped\n"
		"                          (without it, a finished run is checked on the\n"
		"                          nodes first and done again if no longer true)\n"
		"  --accept-new-host-keys  add unknown SSH host keys to known_hosts\n"
		"  --answer-queries        point ldap_url at the replicas on the master, the\n"
		"                          MTA nodes and the site's other_nodes afterwards\n"
		"  --answer-node HOST      only on this node (the master, an MTA or an other\n"
		"                          node; repeatable; implies --answer-queries)\n"
		"  --replica HOST          install only this replica (repeatable)\n"
		LDAP_CLI_HELP
		"  --skip-node HOST        with --answer-queries: a server of the master's\n"
		"                          directory that the site file does not name, left\n"
		"                          alone (repeatable); without it such a server stops\n"
		"                          the run before anything changes (exit 2)\n"
		"\n"
		"Environment: REPLICA_WIZARD_LDAP_PASSWORD (all LDAP passwords; read from the\n"
		"master when unset), REPLICA_WIZARD_SSH_PASSWORD (SSH login password or key\n"
		"passphrase, when a node asks for one).\n",
		prog);
}

/* --answer-node names a node whose ldap_url the run may rewrite: the master,
 * an MTA or an other node of the site. An unreadable site is left to
 * batch_run, which says why. */
static bool answer_nodes_valid(const char *prog, const char *path, const char **names, size_t n)
{
	struct site *site = path ? site_load(path, NULL) : NULL;
	if (!site)
		return true;
	bool ok = true;
	size_t n_cand = 0;
	const char **cand = install_answer_candidates(site, &n_cand);
	for (size_t i = 0; i < n && ok; i++) {
		size_t k = 0;
		while (k < n_cand && strcasecmp(cand[k], names[i]) != 0)
			k++;
		if (k == n_cand) {
			fprintf(stderr, "%s install: --answer-node %s: not the master, an MTA or an other node "
				"of the site\n", prog, names[i]);
			ok = false;
		}
	}
	free(cand);
	site_free(site);
	return ok;
}

/* A CA file named by an option or the site must be readable before
 * anything runs. An unreadable site is left to batch_run. */
static bool ldap_ca_file_readable(const char *prog, const char *path, const struct ldap_cli *o)
{
	struct site *site = path ? site_load(path, NULL) : NULL;
	struct ldap_route_config rc;
	char *hold = NULL, err[512];
	bool ok = ldap_cli_config(o, site, &rc, &hold, err, sizeof err);
	if (!ok)
		fprintf(stderr, "%s install: %s\n", prog, err);
	free(hold);
	site_free(site);
	return ok;
}

int cmd_install_main(int argc, char **argv, const struct cli *cli)
{
	static const struct option opts[] = {
		BATCH_COMMON_OPTIONS,
		BATCH_NODE_OPTIONS,
		{ "answer-queries", no_argument, NULL, 'Q' },
		{ "answer-node", required_argument, NULL, 'N' },
		LDAP_CLI_OPTIONS,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct batch_cli b = { 0 };
	const char **answer = NULL;
	size_t n_answer = 0;
	int rc = RW_EXIT_USAGE;
	char *path = NULL;
	int c;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		if (batch_common_option(c, optarg, &b) || batch_node_option(c, optarg, &b) ||
		    ldap_cli_option(c, optarg, &b.oo.ldap))
			continue;
		switch (c) {
		case 'Q': b.oo.answer_queries = true; break;
		case 'N':
			b.oo.answer_queries = true;
			xpush_str(&answer, &n_answer, optarg);
			break;
		default:
			rc = batch_help_or_error(c, usage, cli->progname, "install", argv[optind - 1]);
			goto out;
		}
	}
	if (!batch_args_ok(cli->progname, "install", argc, argv, optind, b.batch, "install"))
		goto out;
	if (b.n_skip && !b.oo.answer_queries) {
		/* only the nodes whose ldap_url is rewritten are compared */
		fprintf(stderr, "%s install: --skip-node applies with --answer-queries only\n", cli->progname);
		goto out;
	}
	/* Carbonio refuses some passwords only deep in the bootstrap: refuse
	 * them here, before anything connects. */
	const char *pw = harden_secret_env("REPLICA_WIZARD_LDAP_PASSWORD");
	const char *why = pw && *pw ? password_rules_ldap_problem(pw) : NULL;
	if (why) {
		fprintf(stderr, "%s install: REPLICA_WIZARD_LDAP_PASSWORD: %s\n", cli->progname, why);
		goto out;
	}
	path = cli_site_path(cli, b.site);
	if (n_answer && !answer_nodes_valid(cli->progname, path, answer, n_answer))
		goto out;
	if (!ldap_ca_file_readable(cli->progname, path, &b.oo.ldap))
		goto out;
	b.oo.answer_nodes = n_answer ? answer : NULL;
	b.oo.n_answer_nodes = n_answer;
	b.bo.command = "install";
	b.bo.progname = cli->progname;
	rc = batch_run(path, &install_kind, &b.oo, &b.bo);
out:
	free(path);
	batch_cli_free(&b);
	free(answer);
	return rc;
}
