/* `replica-wizard install --batch`: install Directory Replicas without the
 * TUI. Prints each step and each node's live output prefixed with the node
 * name, then a summary. Exit: 0 done, 1 a step failed, 2 bad usage or site
 * file, 3 host key refused. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "batch.h"
#include "commands.h"
#include "install.h"
#include "password_rules.h"
#include "site.h"

static void usage(FILE *f, const char *prog)
{
	fprintf(f,
		"Usage: %s install --batch [--site FILE] [--yes] [--dry-run] [--resume]\n"
		"                  [--accept-new-host-keys] [--answer-queries] [--replica HOST ...]\n"
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
		"  --replica HOST          install only this replica (repeatable)\n"
		"\n"
		"Environment: REPLICA_WIZARD_LDAP_PASSWORD (all LDAP passwords; read from the\n"
		"master when unset), REPLICA_WIZARD_SSH_PASSWORD (SSH login password or key\n"
		"passphrase, when a node asks for one).\n",
		prog);
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
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct batch_options bo = { 0 };
	struct operation_options oo = { 0 };
	const char *override = NULL;
	const char **only = NULL;
	size_t n_only = 0;
	bool batch = false;
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
			only = realloc(only, (n_only + 1) * sizeof *only);
			if (!only)
				abort();
			only[n_only++] = optarg;
			break;
		case 'h':
			usage(stdout, cli->progname);
			free(only);
			return RW_EXIT_OK;
		case ':':
			fprintf(stderr, "%s install: option %s needs a value\n", cli->progname, argv[optind - 1]);
			free(only);
			return RW_EXIT_USAGE;
		default:
			fprintf(stderr, "%s install: unknown option %s (see --help)\n", cli->progname, argv[optind - 1]);
			free(only);
			return RW_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s install: unexpected argument \"%s\"\n", cli->progname, argv[optind]);
		free(only);
		return RW_EXIT_USAGE;
	}
	if (!batch) {
		fprintf(stderr, "%s install: the interactive wizard is started without a command; "
			"use --batch for the non-interactive install\n", cli->progname);
		free(only);
		return RW_EXIT_USAGE;
	}
	/* Carbonio refuses some passwords only deep in the bootstrap: refuse
	 * them here, before anything connects. */
	const char *pw = getenv("REPLICA_WIZARD_LDAP_PASSWORD");
	const char *why = pw && *pw ? password_rules_ldap_problem(pw) : NULL;
	if (why) {
		fprintf(stderr, "%s install: REPLICA_WIZARD_LDAP_PASSWORD: %s\n", cli->progname, why);
		free(only);
		return RW_EXIT_USAGE;
	}
	oo.only = only;
	oo.n_only = n_only;
	bo.command = "install";
	bo.progname = cli->progname;
	char *path = cli_site_path(cli, override);
	int rc = batch_run(path, &install_kind, &oo, &bo);
	free(path);
	free(only);
	return rc;
}
