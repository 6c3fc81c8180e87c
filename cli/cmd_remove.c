/* `replica-wizard remove --batch --replica HOST ...`: take Directory
 * Replicas out of every node's ldap_url without the TUI, then out of the
 * site file. Exit: 0 done, 1 a step failed, 2 bad usage or site file
 * (also: the master's directory lists servers the site file does not name,
 * nothing changed), 3 host key refused. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "batch.h"
#include "commands.h"
#include "remove.h"
#include "site.h"
#include "xalloc.h"

static void usage(FILE *f, const char *prog)
{
	fprintf(f,
		"Usage: %s remove --batch --replica HOST [--replica HOST ...] [--site FILE]\n"
		"                 [--yes] [--dry-run] [--resume] [--disable-ldap]\n"
		"                 [--accept-new-host-keys] [--skip-node HOST ...]\n"
		"\n"
		"Remove Directory Replicas: read ldap_url on every Carbonio node of the\n"
		"site, show it before and after, then on each node write the list without\n"
		"the removed replicas (the master last), restart its services, run\n"
		"zmmtainit on the MTA nodes, and check the result (ldap_url, the MTA's\n"
		"Postfix maps, zmreplchk on the master). The site file's replica list is\n"
		"updated at the end.\n"
		"\n"
		"  --batch                 run without the wizard screens\n"
		"  --replica HOST          a replica to remove (repeatable, at least one)\n"
		"  --yes                   do not ask before changing the site\n"
		"  --dry-run               print the plan (node, user, command) and run nothing\n"
		"  --resume                continue the last run from where it stopped\n"
		"                          (without it, a finished run is checked on the\n"
		"                          nodes first and done again if no longer true)\n"
		"  --disable-ldap          decommission the removed replicas too: take ldap out\n"
		"                          of their enabled services, point their own ldap_url\n"
		"                          at the master and stop their slapd (without it they\n"
		"                          are not contacted at all)\n"
		"  --accept-new-host-keys  add unknown SSH host keys to known_hosts\n"
		"  --skip-node HOST        a server of the master's directory that the site\n"
		"                          file does not name, left alone (repeatable); without\n"
		"                          it such a server stops the run before anything\n"
		"                          changes (exit 2)\n"
		"\n"
		"Environment: REPLICA_WIZARD_SSH_PASSWORD (SSH login password or key\n"
		"passphrase, when a node asks for one).\n",
		prog);
}

/* Refuse the master before anything connects, with a message that says so. */
static int check_targets(const char *path, const char *const *only, size_t n_only, const char *prog)
{
	struct site_error serr;
	struct site *site = site_load(path, &serr);
	if (!site)
		return RW_EXIT_OK; /* batch_run reports the site file's error */
	int rc = RW_EXIT_OK;
	for (size_t i = 0; i < n_only; i++) {
		const struct site_host *h = site_host(site, only[i]);
		if (h && (h->roles & SITE_ROLE_MASTER)) {
			fprintf(stderr, "%s remove: --replica %s: refusing to remove the master; "
				"a site keeps its master last in every ldap_url\n", prog, only[i]);
			rc = RW_EXIT_USAGE;
		}
	}
	site_free(site);
	return rc;
}

/* After a complete run: the replicas leave [carbonio] replicas (and their
 * [host NAME] section when no other role keeps them); the rest of the
 * site stays as it was. */
static int update_site(const char *path, const char *const *only, size_t n_only, const char *prog)
{
	bool ok;
	char *msg = remove_update_site(path, only, n_only, &ok);
	if (ok)
		printf("%s\n", msg);
	else
		fprintf(stderr, "%s remove: %s\n", prog, msg);
	free(msg);
	return ok ? RW_EXIT_OK : RW_EXIT_FAILED;
}

int cmd_remove_main(int argc, char **argv, const struct cli *cli)
{
	static const struct option opts[] = {
		BATCH_COMMON_OPTIONS,
		BATCH_NODE_OPTIONS,
		{ "disable-ldap", no_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct batch_cli b = { 0 };
	int c, rc = RW_EXIT_USAGE;
	char *path = NULL;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		if (batch_common_option(c, optarg, &b) || batch_node_option(c, optarg, &b))
			continue;
		if (c != 'D') {
			rc = batch_help_or_error(c, usage, cli->progname, "remove", argv[optind - 1]);
			goto out;
		}
		b.oo.disable_ldap = true;
	}
	if (!batch_args_ok(cli->progname, "remove", argc, argv, optind, b.batch, "removal"))
		goto out;
	if (b.n_only == 0) {
		fprintf(stderr, "%s remove: name the replica(s) to remove with --replica HOST\n", cli->progname);
		goto out;
	}
	path = cli_site_path(cli, b.site);
	if (!path) {
		fprintf(stderr, "%s remove: no site file (--site FILE)\n", cli->progname);
		goto out;
	}
	rc = check_targets(path, b.only, b.n_only, cli->progname);
	if (rc != RW_EXIT_OK)
		goto out;
	b.bo.command = "remove";
	b.bo.progname = cli->progname;
	rc = batch_run(path, &remove_kind, &b.oo, &b.bo);
	if (rc == RW_EXIT_OK && !b.oo.dry_run)
		rc = update_site(path, b.only, b.n_only, cli->progname);
out:
	free(path);
	batch_cli_free(&b);
	return rc;
}
