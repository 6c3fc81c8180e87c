/* `replica-wizard dashboard`: the live sync dashboard. With --once it polls
 * every host once and prints the two panels as text (or JSON); without it
 * the curses view opens (ui/dashboard_view.h). */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "commands.h"
#include "dash_json.h"
#include "dash_text.h"
#include "dashboard.h"
#include "ldap_cli.h"
#include "loop.h"
#include "redact.h"
#include "site.h"
#include "xalloc.h"
#include "dashboard_view.h"

static volatile int interrupted;

static void on_sig(int sig)
{
	(void)sig;
	interrupted = 1;
}

static void usage(FILE *f, const char *prog)
{
	fprintf(f,
		"Usage: %s dashboard [--site FILE] [--interval N] [--once [--format text|json]]\n"
		"                    [--accept-new-host-keys] [--starttls] [--timeout N]\n"
		"                    " LDAP_CLI_USAGE "\n"
		"                    " LDAP_CLI_USAGE_SKIP "\n"
		"\n"
		"Live view of Directory replication (zmreplchk on each replica, plus our own\n"
		"contextCSN lag and syncrepl state from cn=Monitor) and Dovecot replication\n"
		"(doveadm replicator status, per user, dsync-status) of the site.\n"
		"\n"
		"Without --once the live view opens (needs a terminal): Tab moves between\n"
		"panels, arrows scroll, / filters users, R requeues the selected user,\n"
		"r polls now, ? help, q quits.\n"
		"\n"
		"  --once                  poll every host once, print and exit\n"
		"  --format text|json      --once output: panels side by side fitted to\n"
		"                          $COLUMNS (80, 120 or 160), or one JSON document\n"
		"  --interval N            seconds between polls (default 5)\n"
		"  --timeout N             --once: give up on silent hosts after N s (default 40)\n"
		"  --accept-new-host-keys  add unknown SSH host keys to known_hosts\n"
		"  --starttls              with --ldap-direct only (always TLS then); through\n"
		"                          SSH it is refused (the handshake would block)\n"
		LDAP_CLI_HELP
		"\n"
		"Environment: REPLICA_WIZARD_LDAP_PASSWORD (uid=zimbra password for cn=Monitor;\n"
		"read from the master when unset), REPLICA_WIZARD_SSH_PASSWORD, COLUMNS.\n"
		"Exit: 0 printed, 2 bad usage or site file.\n",
		prog);
}

static bool parse_int(const char *s, int lo, int hi, int *out)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (!*s || *end || v < lo || v > hi)
		return false;
	*out = (int)v;
	return true;
}

int cmd_dashboard_main(int argc, char **argv, const struct cli *cli)
{
	static const struct option opts[] = {
		{ "site", required_argument, NULL, 's' },
		{ "once", no_argument, NULL, 'o' },
		{ "format", required_argument, NULL, 'f' },
		{ "interval", required_argument, NULL, 'i' },
		{ "timeout", required_argument, NULL, 't' },
		{ "accept-new-host-keys", no_argument, NULL, 'A' },
		{ "starttls", no_argument, NULL, 'T' },
		LDAP_CLI_OPTIONS,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *override = NULL, *format = "text";
	bool once = false;
	int timeout = 40;
	struct dash_options o = { 0 };
	dash_thresholds_default(&o.th);
	int c;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		if (ldap_cli_option(c, optarg, &o.ldap))
			continue;
		switch (c) {
		case 's': override = optarg; break;
		case 'o': once = true; break;
		case 'f': format = optarg; break;
		case 'i':
			if (!parse_int(optarg, 1, 3600, &o.interval_s)) {
				fprintf(stderr, "%s dashboard: --interval %s: give seconds from 1 to 3600\n",
					cli->progname, optarg);
				return RW_EXIT_USAGE;
			}
			break;
		case 't':
			if (!parse_int(optarg, 1, 3600, &timeout)) {
				fprintf(stderr, "%s dashboard: --timeout %s: give seconds from 1 to 3600\n",
					cli->progname, optarg);
				return RW_EXIT_USAGE;
			}
			break;
		case 'A': o.accept_new_host_keys = true; break;
		case 'T': o.ldap.starttls = true; break;
		case 'h':
			usage(stdout, cli->progname);
			return RW_EXIT_OK;
		case ':':
			fprintf(stderr, "%s dashboard: option %s needs a value\n", cli->progname, argv[optind - 1]);
			return RW_EXIT_USAGE;
		default:
			fprintf(stderr, "%s dashboard: unknown option %s (see --help)\n", cli->progname,
				argv[optind - 1]);
			return RW_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s dashboard: unexpected argument \"%s\"\n", cli->progname, argv[optind]);
		return RW_EXIT_USAGE;
	}
	if (strcmp(format, "text") != 0 && strcmp(format, "json") != 0) {
		fprintf(stderr, "%s dashboard: --format %s: use text or json\n", cli->progname, format);
		return RW_EXIT_USAGE;
	}
	char *path = cli_site_path(cli, override);
	struct site_error serr;
	char buf[2048];
	struct site *site = site_load(path, &serr);
	if (!site) {
		fprintf(stderr, "%s dashboard: %s\n", cli->progname, site_error_format(&serr, buf, sizeof buf));
		free(path);
		return RW_EXIT_USAGE;
	}
	cli_site_warnings(site, path, stderr);
	{
		struct ldap_route_config rc;
		char *hold = NULL, err[512];
		bool ok = ldap_cli_config(&o.ldap, site, &rc, &hold, err, sizeof err);
		free(hold);
		if (!ok) {
			fprintf(stderr, "%s dashboard: %s\n", cli->progname, err);
			site_free(site);
			free(path);
			return RW_EXIT_USAGE;
		}
	}
	/* a peer closing an LDAP or SSH socket must be an error, not a kill */
	signal(SIGPIPE, SIG_IGN);
	if (!once) {
		int rc = dashboard_view_main(site, path, &o, cli->progname);
		site_free(site);
		free(path);
		return rc;
	}
	struct sigaction sa = { .sa_handler = on_sig }, old_int, old_term;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);

	struct loop *loop = loop_new();
	struct dashboard *d = dashboard_new(loop, site, &o, NULL);
	if (!dashboard_run_once(d, loop, timeout, &interrupted)) {
		char *why = interrupted ? xstrdup("interrupted")
			: xasprintf("no answer within %d s", timeout);
		dashboard_give_up(d, why);
		free(why);
	}
	time_t now = time(NULL);
	char *out;
	if (strcmp(format, "json") == 0) {
		out = dash_json_render(d, now);
	} else {
		char *title = xasprintf("site: %s", path);
		out = dash_text_render(d, dash_text_width(getenv("COLUMNS")), title, now);
		free(title);
	}
	/* the model is redacted already; mask again on the way out */
	char *safe = redact(out);
	fputs(safe, stdout);
	fflush(stdout);
	free(safe);
	free(out);
	int rc = dashboard_hostkey_refused(d) ? RW_EXIT_HOSTKEY : RW_EXIT_OK;
	dashboard_free(d);
	loop_free(loop);
	site_free(site);
	free(path);
	redact_clear();
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	return rc;
}
