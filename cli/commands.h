/* The command table of the CLI: main.c dispatches `replica-wizard COMMAND`
 * through RW_COMMAND_TABLE. To add a command: write cli/cmd_<name>.c with
 * an `int cmd_<name>_main(int argc, char **argv, const struct cli *cli)`,
 * declare it below and add one X(...) line to the table. */
#ifndef RW_COMMANDS_H
#define RW_COMMANDS_H

#include <stdio.h>

#include "exit_status.h"

/* Global options, parsed by main before the command. */
struct cli {
	const char *progname;  /* "replica-wizard" */
	const char *site_path; /* --site given before the command, else NULL */
};

/* Handlers get argv[0] = the command name and the remaining arguments;
 * they parse their own options (getopt_long with optind = 0), accept
 * --site FILE too, and return an RW_EXIT_* status. */
int cmd_site_main(int argc, char **argv, const struct cli *cli);
/* `site discover` (cmd_site_discover.c), called by cmd_site_main. */
int cmd_site_discover_main(int argc, char **argv, const struct cli *cli);
int cmd_install_main(int argc, char **argv, const struct cli *cli);
int cmd_dashboard_main(int argc, char **argv, const struct cli *cli);
int cmd_check_main(int argc, char **argv, const struct cli *cli);
/* check's plugin output (status line, perfdata, per-host lines) for a
 * polled dashboard; *exit_code gets 0..3. Allocated (cmd_check.c). */
struct dashboard;
char *check_status_text(const struct dashboard *d, int *exit_code);
int cmd_dovecot_main(int argc, char **argv, const struct cli *cli);
int cmd_remove_main(int argc, char **argv, const struct cli *cli);

/* X(name, handler, usage, summary) */
#define RW_COMMAND_TABLE(X) \
	X("site", cmd_site_main, "site check|show|discover [--site FILE]", "check, show or discover the site file") \
	X("install", cmd_install_main, "install --batch [OPTIONS]", "install the site's Directory Replicas") \
	X("dashboard", cmd_dashboard_main, "dashboard [--once [--format F]] [OPTIONS]", "live Directory and Dovecot replication state") \
	X("check", cmd_check_main, "check [--warn-lag S] [--crit-lag S] [OPTIONS]", "monitoring plugin (Nagios/Icinga exit codes and perfdata)") \
	X("dovecot", cmd_dovecot_main, "dovecot --batch [OPTIONS]", "set up Dovecot two-way replication") \
	X("remove", cmd_remove_main, "remove --batch --replica HOST [OPTIONS]", "remove Directory Replicas")

/* Resolve the site file: --site, else $REPLICA_WIZARD_SITE, else
 * $XDG_CONFIG_HOME/replica-wizard/site.ini (~/.config/...). Allocated. */
char *cli_site_path(const struct cli *cli, const char *override);

/* The site file's warnings (site_warning_at), one "PATH: warning: ..."
 * line each on out. */
struct site;
void cli_site_warnings(const struct site *site, const char *path, FILE *out);

#endif
