/* replica-wizard: a thin dispatcher. Global options, then one command from
 * RW_COMMAND_TABLE (cli/commands.h). */
#include "commands.h"
#include "harden.h"
#include "ui.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef RW_VERSION
#define RW_VERSION "0.0.0"
#endif

#define PROG "replica-wizard"

struct command {
	const char *name;
	int (*handler)(int argc, char **argv, const struct cli *cli);
	const char *usage;
	const char *summary;
};

#define RW_COMMAND_ENTRY(name, handler, usage, summary) { name, handler, usage, summary },
static const struct command commands[] = { RW_COMMAND_TABLE(RW_COMMAND_ENTRY) };
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: " PROG " [--site FILE] [COMMAND] [OPTIONS]\n"
		"\n"
		"Set up and watch Carbonio Directory Replicas and Dovecot replication.\n"
		"\n"
		"Global options:\n"
		"  --site FILE     the site file (default: $REPLICA_WIZARD_SITE, else\n"
		"                  $XDG_CONFIG_HOME/replica-wizard/site.ini)\n"
		"  -h, --help      show this help and exit\n"
		"  -V, --version   show the version and exit\n"
		"\n"
		"Commands:\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  %-32s %s\n", commands[i].usage, commands[i].summary);
	fprintf(f, "\nWith no command, the ncurses wizard starts (install, remove, Dovecot,\n"
		   "dashboard). See replica-wizard(1) for the site file and exit statuses.\n");
}

static void usage_hint(void)
{
	fprintf(stderr, "Try '" PROG " --help' for more information.\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "site", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli cli = { .progname = PROG, .site_path = NULL };
	int c;
	char herr[256];

	if (harden_process(herr, sizeof herr) != 0) { /* before any secret is read */
		fprintf(stderr, PROG ": %s\n", herr);
		return RW_EXIT_FAILED;
	}

	opterr = 0;
	/* '+': stop at the command name; the command parses the rest. */
	while ((c = getopt_long(argc, argv, "+:hV", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			cli.site_path = optarg;
			break;
		case 'h':
			usage(stdout);
			return RW_EXIT_OK;
		case 'V':
			printf(PROG " " RW_VERSION "\n");
			return RW_EXIT_OK;
		case ':':
			fprintf(stderr, PROG ": option '%s' needs an argument\n", argv[optind - 1]);
			usage_hint();
			return RW_EXIT_USAGE;
		default:
			fprintf(stderr, PROG ": unknown option '%s'\n", argv[optind - 1]);
			usage_hint();
			return RW_EXIT_USAGE;
		}
	}

	if (optind >= argc) { /* no command: the ncurses wizard */
		char *path = cli_site_path(&cli, NULL);
		int rc = ui_main(cli.progname, path);
		free(path);
		return rc;
	}
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (strcmp(argv[optind], commands[i].name) == 0)
			return commands[i].handler(argc - optind, argv + optind, &cli);

	fprintf(stderr, PROG ": unknown command '%s'\n", argv[optind]);
	usage_hint();
	return RW_EXIT_USAGE;
}
