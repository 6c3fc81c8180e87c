/* `replica-wizard dovecot --batch`: set up Dovecot 2.3 two-way replication
 * between the two servers of one of the site's pairs ([dovecot] or
 * [dovecot NAME], chosen with --pair) without the TUI, or (--verify)
 * only prove that it works. Exit: 0 done, 1 a step failed, 2 bad usage or
 * site file, 3 host key refused. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "commands.h"
#include "dovecot_op.h"
#include "harden.h"
#include "site.h"

static void usage(FILE *f, const char *prog)
{
	fprintf(f,
		"Usage: %s dovecot --batch [--site FILE] [--yes] [--dry-run] [--resume]\n"
		"                  [--accept-new-host-keys] [--verify] [--pair NAME]\n"
		"\n"
		"Configure two-way replication between the two servers of one of the\n"
		"site's Dovecot pairs ([dovecot] or [dovecot NAME]): check both (Dovecot 2.3, userdb listing, vmail, SELinux,\n"
		"firewalld, existing mail), write 10-replication.conf (root:root 0600) on\n"
		"both, set the SELinux boolean and the firewall rules, reload, then prove\n"
		"that a test message replicates both ways.\n"
		"\n"
		"  --batch                 run without the wizard screens\n"
		"  --yes                   do not ask before changing the servers\n"
		"  --dry-run               print the plan (node, user, command) and run nothing\n"
		"  --resume                continue the last run from where it stopped\n"
		"                          (without it, a finished run is checked on the\n"
		"                          nodes first and done again if no longer true)\n"
		"  --accept-new-host-keys  add unknown SSH host keys to known_hosts\n"
		"  --verify                only check that replication works both ways (a test\n"
		"                          message each way, expunged afterwards)\n"
		"  --pair NAME             the pair to set up (the NAME of [dovecot NAME], or\n"
		"                          default for [dovecot]); needed when the site has\n"
		"                          several pairs, each with its own journal\n"
		"\n"
		"Environment: REPLICA_WIZARD_DOVEADM_PASSWORD (the doveadm password for both\n"
		"servers; default: the one an earlier run wrote, else a random one),\n"
		"REPLICA_WIZARD_DOVECOT_WAIT (seconds to wait for a test message, default 60),\n"
		"REPLICA_WIZARD_SSH_PASSWORD (SSH login password or key passphrase).\n",
		prog);
}

int cmd_dovecot_main(int argc, char **argv, const struct cli *cli)
{
	static const struct option opts[] = {
		BATCH_COMMON_OPTIONS,
		{ "verify", no_argument, NULL, 'V' },
		{ "pair", required_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct batch_cli b = { 0 };
	bool verify = false;
	int c;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		if (batch_common_option(c, optarg, &b))
			continue;
		if (c == 'V')
			verify = true;
		else if (c == 'P')
			b.oo.pair = optarg;
		else
			return batch_help_or_error(c, usage, cli->progname, "dovecot", argv[optind - 1]);
	}
	if (!batch_args_ok(cli->progname, "dovecot", argc, argv, optind, b.batch, "setup"))
		return RW_EXIT_USAGE;
	const char *pw = harden_secret_env("REPLICA_WIZARD_DOVEADM_PASSWORD");
	const char *why = pw && *pw ? dovecot_op_password_problem(pw) : NULL;
	if (why) {
		fprintf(stderr, "%s dovecot: REPLICA_WIZARD_DOVEADM_PASSWORD: %s\n", cli->progname, why);
		return RW_EXIT_USAGE;
	}
	char *path = cli_site_path(cli, b.site);
	/* the pair must be named before anything connects */
	struct site_error serr;
	struct site *site = site_load(path, &serr);
	int rc;
	if (site) {
		char nopair[1200];
		bool ok = dovecot_op_pair(site, b.oo.pair, nopair, sizeof nopair) != NULL;
		site_free(site);
		if (!ok) {
			fprintf(stderr, "%s dovecot: %s: %s\n", cli->progname, path, nopair);
			free(path);
			return RW_EXIT_USAGE;
		}
	}
	b.bo.command = "dovecot";
	b.bo.progname = cli->progname;
	rc = batch_run(path, verify ? &dovecot_verify_kind : &dovecot_kind, &b.oo, &b.bo);
	free(path);
	return rc;
}
