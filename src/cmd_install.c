/* `replica-wizard install --batch`: install Directory Replicas without the
 * TUI. Prints each step and each node's live output prefixed with the node
 * name, then a summary. Exit: 0 done, 1 a step failed, 2 bad usage or site
 * file, 3 host key refused. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "batch.h"
#include "commands.h"
#include "install.h"
#include "password_rules.h"
#include "site.h"
#include "xalloc.h"

static void usage(FILE *f, const char *prog)
{
	fprintf(f,
		"Usage: %s install --batch [--site FILE] [--yes] [--dry-run] [--resume]\n"
		"                  [--accept-new-host-keys] [--answer-queries] [--answer-node HOST ...]\n"
		"                  [--replica HOST ...]\n"
		"\n"
		"Install the site's Directory Replicas (or the --replica ones): enable\n"
		"replication on the master, verify the LDAP passwords against it, install\n"
		"and bootstrap each replica, then prove that it replicates.\n"
		"\n"
		"  --batch                 run without the wizard screens\n"
		"  --yes                   do not ask before changing the site\n"
		"  --dry-run               print the plan (node, user, command) and run nothing\n"
		"  --resume                continue the last run from where it stopped\n"
		"  --accept-new-host-keys  add unknown SSH host keys to known_hosts\n"
		"  --answer-queries        point ldap_url at the replicas on the master, the\n"
		"                          MTA nodes and the site's other_nodes afterwards\n"
		"  --answer-node HOST      only on this node (the master, an MTA or an other\n"
		"                          node; repeatable; implies --answer-queries)\n"
		"  --replica HOST          install only this replica (repeatable)\n"
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

int cmd_install_main(int argc, char **argv, const struct cli *cli)
{
	static const struct option opts[] = {
		{ "site", required_argument, NULL, 's' },
		{ "batch", no_argument, NULL, 'b' },
		{ "yes", no_argument, NULL, 'y' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "resume", no_argument, NULL, 'r' },
		{ "accept-new-host-keys", no_argument, NULL, 'A' },
		{ "answer-queries", no_argument, NULL, 'Q' },
		{ "replica", required_argument, NULL, 'R' },
		{ "answer-node", required_argument, NULL, 'N' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct batch_options bo = { 0 };
	struct operation_options oo = { 0 };
	const char *override = NULL;
	const char **only = NULL;
	size_t n_only = 0;
	const char **answer = NULL;
	size_t n_answer = 0;
	int rc = RW_EXIT_USAGE;
	bool batch = false;
	char *path = NULL;
	int c;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 's': override = optarg; break;
		case 'b': batch = true; break;
		case 'y': bo.yes = true; break;
		case 'n': oo.dry_run = true; break;
		case 'r': oo.resume = true; break;
		case 'A': bo.accept_new_host_keys = true; break;
		case 'Q': oo.answer_queries = true; break;
		case 'R':
			only = xrealloc(only, (n_only + 1) * sizeof *only);
			only[n_only++] = optarg;
			break;
		case 'N':
			oo.answer_queries = true;
			answer = xrealloc(answer, (n_answer + 1) * sizeof *answer);
			answer[n_answer++] = optarg;
			break;
		case 'h':
			usage(stdout, cli->progname);
			rc = RW_EXIT_OK;
			goto out;
		case ':':
			fprintf(stderr, "%s install: option %s needs a value\n", cli->progname, argv[optind - 1]);
			goto out;
		default:
			fprintf(stderr, "%s install: unknown option %s (see --help)\n", cli->progname, argv[optind - 1]);
			goto out;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s install: unexpected argument \"%s\"\n", cli->progname, argv[optind]);
		goto out;
	}
	if (!batch) {
		fprintf(stderr, "%s install: the interactive wizard is started without a command; "
			"use --batch for the non-interactive install\n", cli->progname);
		goto out;
	}
	/* Carbonio refuses some passwords only deep in the bootstrap: refuse
	 * them here, before anything connects. */
	const char *pw = getenv("REPLICA_WIZARD_LDAP_PASSWORD");
	const char *why = pw && *pw ? password_rules_ldap_problem(pw) : NULL;
	if (why) {
		fprintf(stderr, "%s install: REPLICA_WIZARD_LDAP_PASSWORD: %s\n", cli->progname, why);
		goto out;
	}
	path = cli_site_path(cli, override);
	if (n_answer && !answer_nodes_valid(cli->progname, path, answer, n_answer))
		goto out;
	oo.only = only;
	oo.n_only = n_only;
	oo.answer_nodes = n_answer ? answer : NULL;
	oo.n_answer_nodes = n_answer;
	bo.command = "install";
	bo.progname = cli->progname;
	rc = batch_run(path, &install_kind, &oo, &bo);
out:
	free(path);
	free(only);
	free(answer);
	return rc;
}
