/* `replica-wizard site check|show|discover`: parse and validate the site
 * file, print every host with its resolved settings, or fill it from the
 * master's directory (cmd_site_discover.c). */
#include "commands.h"
#include "site.h"
#include "xalloc.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *cli_site_path(const struct cli *cli, const char *override)
{
	if (override)
		return xstrdup(override);
	if (cli && cli->site_path)
		return xstrdup(cli->site_path);
	return site_default_path();
}

static void cmd_site_usage(FILE *f, const char *prog)
{
	fprintf(f,
		"Usage: %s site check [--site FILE]\n"
		"       %s site show [--site FILE]\n"
		"       %s site discover [--site FILE] [--dry-run] [--prune] [--accept-new-host-keys]\n"
		"\n"
		"  check     parse and validate the site file; print \"FILE: OK\"\n"
		"  show      print every host with its resolved settings\n"
		"  discover  ask the master's directory for every server and its roles and\n"
		"            write them into [carbonio] (see site discover --help)\n",
		prog, prog, prog);
}

static void cmd_site_show(const struct site *site, const char *path)
{
	printf("site file: %s\n", path);
	for (size_t i = 0; i < site_host_count(site); i++) {
		const struct site_host *h = site_host_at(site, i);
		char roles[128];

		printf("\nhost %s\n", h->name);
		printf("  roles:        %s\n", site_roles_format(h->roles, roles, sizeof(roles)));
		printf("  address:      %s\n", h->address);
		printf("  ssh user:     %s\n", h->user);
		printf("  ssh port:     %u\n", h->port);
		printf("  identity:     %s\n", h->identity ? h->identity : "(ssh agent and default keys)");
		printf("  known_hosts:  %s\n", h->known_hosts);
		printf("  prefix:       %s\n", h->prefix);
		printf("  bootstrap:    %s\n", h->bootstrap);
		printf("  ldap port:    %u\n", h->ldap_port);
		printf("  conf_dir:     %s\n", h->conf_dir);
		if (h->roles & SITE_ROLE_DOVECOT) {
			printf("  dovecot pair: %s\n", h->pair);
			printf("  doveadm port: %u\n", h->doveadm_port);
			printf("  max_conns:    %u\n", h->max_conns);
		}
	}
}

void cli_site_warnings(const struct site *site, const char *path, FILE *out)
{
	for (size_t i = 0; i < site_warning_count(site); i++)
		fprintf(out, "%s: warning: %s\n", path, site_warning_at(site, i));
}

int cmd_site_main(int argc, char **argv, const struct cli *cli)
{
	static const struct option opts[] = {
		{ "site", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *override = NULL;
	const char *action = NULL;
	char *path = NULL;
	struct site *site = NULL;
	struct site_error err;
	int rc = RW_EXIT_USAGE;
	int c;

	/* discover has options of its own: it parses the whole line itself */
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--site") == 0) {
			i++;
			continue;
		}
		if (argv[i][0] == '-')
			continue;
		if (strcmp(argv[i], "discover") == 0)
			return cmd_site_discover_main(argc, argv, cli);
		break;
	}
	optind = 0; /* glibc: full re-initialisation for a second getopt pass */
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			override = optarg;
			break;
		case 'h':
			cmd_site_usage(stdout, cli->progname);
			rc = RW_EXIT_OK;
			goto out;
		case ':':
			fprintf(stderr, "%s: option '%s' needs an argument\n", cli->progname,
				argv[optind - 1]);
			goto usage;
		default:
			fprintf(stderr, "%s: unknown option '%s'\n", cli->progname, argv[optind - 1]);
			goto usage;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "%s: site: which action? (check, show or discover)\n", cli->progname);
		goto usage;
	}
	action = argv[optind++];
	if (strcmp(action, "check") != 0 && strcmp(action, "show") != 0) {
		fprintf(stderr, "%s: site: unknown action '%s'\n", cli->progname, action);
		goto usage;
	}
	if (optind < argc) {
		fprintf(stderr, "%s: site %s: unexpected argument '%s'\n", cli->progname, action,
			argv[optind]);
		goto usage;
	}

	path = cli_site_path(cli, override);
	if (!path) {
		fprintf(stderr, "%s: no site file: use --site FILE or set REPLICA_WIZARD_SITE\n",
			cli->progname);
		goto out;
	}
	site = site_load(path, &err);
	if (!site) {
		char buf[2048];
		fprintf(stderr, "%s\n", site_error_format(&err, buf, sizeof(buf)));
		goto out;
	}
	cli_site_warnings(site, path, stdout);
	if (strcmp(action, "check") == 0)
		printf("%s: OK\n", path);
	else
		cmd_site_show(site, path);
	rc = fflush(stdout) == 0 ? RW_EXIT_OK : RW_EXIT_FAILED;
	goto out;

usage:
	fprintf(stderr, "Try '%s site --help' for more information.\n", cli->progname);
	rc = RW_EXIT_USAGE;
out:
	site_free(site);
	free(path);
	return rc;
}
