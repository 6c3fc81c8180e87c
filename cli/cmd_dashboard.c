/* `replica-wizard dashboard`: the live sync dashboard. With --once it polls
 * every host once and prints the two panels as text (or JSON, or metrics
 * for Prometheus, also written to a textfile directory); without it the
 * curses view opens (ui/dashboard_view.h). */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "commands.h"
#include "dash_json.h"
#include "dash_metrics.h"
#include "dash_text.h"
#include "dash_once.h"
#include "dashboard.h"
#include "ldap_cli.h"
#include "loop.h"
#include "redact.h"
#include "site.h"
#include "xalloc.h"
#include "dashboard_view.h"

static void usage(FILE *f, const char *prog)
{
	fprintf(f,
		"Usage: %s dashboard [--site FILE] [--interval N]\n"
		"                    [--once [--format text|json|openmetrics|prometheus]]\n"
		"                    [--textfile DIR]\n"
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
		"  --format text|json|openmetrics|prometheus\n"
		"                          --once output: panels side by side fitted to\n"
		"                          $COLUMNS (80, 120 or 160), one JSON document, or\n"
		"                          metrics for Prometheus (OpenMetrics text, or the\n"
		"                          Prometheus text format)\n"
		"  --textfile DIR          poll once and write the metrics (Prometheus text\n"
		"                          format) to DIR/" DASH_METRICS_TEXTFILE " for node_exporter's\n"
		"                          textfile collector, atomically; prints nothing\n"
		"  --interval N            seconds between polls (default 5)\n"
		"  --timeout N             --once: give up on silent hosts after N s (default 40)\n"
		"  --accept-new-host-keys  add unknown SSH host keys to known_hosts\n"
		"  --starttls              with --ldap-direct only (always TLS then); through\n"
		"                          SSH it is refused (the handshake would block)\n"
		LDAP_CLI_HELP
		"\n"
		"Environment: REPLICA_WIZARD_LDAP_PASSWORD (uid=zimbra password for cn=Monitor;\n"
		"read from the master when unset), REPLICA_WIZARD_SSH_PASSWORD, COLUMNS.\n"
		"Exit: 0 printed, 1 the textfile could not be written, 2 bad usage or site file,\n"
		"3 an unknown SSH host key was refused.\n",
		prog);
}

/* The metrics (masked like every output) to DIR/replica-wizard.prom. */
static bool write_textfile(const char *dir, const char *metrics, const char *prog)
{
	char *safe = redact(metrics), err[1024];
	bool ok = dash_metrics_write_textfile(dir, safe, err, sizeof err);
	if (!ok)
		fprintf(stderr, "%s dashboard: --textfile %s\n", prog, err);
	free(safe);
	return ok;
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
		DASH_ONCE_OPTIONS,
		{ "once", no_argument, NULL, 'o' },
		{ "format", required_argument, NULL, 'f' },
		{ "textfile", required_argument, NULL, 'x' },
		{ "interval", required_argument, NULL, 'i' },
		{ "accept-new-host-keys", no_argument, NULL, 'A' },
		{ NULL, 0, NULL, 0 },
	};
	const char *override = NULL, *format = NULL, *textfile = NULL;
	bool textfile_failed = false;
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
		case 'x': textfile = optarg; once = true; break;
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
	if (textfile && format) {
		fprintf(stderr, "%s dashboard: --textfile writes the Prometheus text format; leave out --format\n",
			cli->progname);
		return RW_EXIT_USAGE;
	}
	struct stat st;
	if (textfile && (stat(textfile, &st) != 0 || !S_ISDIR(st.st_mode))) {
		fprintf(stderr, "%s dashboard: --textfile %s: not a directory\n", cli->progname, textfile);
		return RW_EXIT_USAGE;
	}
	if (!format)
		format = textfile ? "prometheus" : "text";
	static const char *const formats[] = { "text", "json", "openmetrics", "prometheus" };
	size_t fi = 0;
	while (fi < 4 && strcmp(format, formats[fi]) != 0)
		fi++;
	if (fi == 4) {
		fprintf(stderr, "%s dashboard: --format %s: use text, json, openmetrics or prometheus\n",
			cli->progname, format);
		return RW_EXIT_USAGE;
	}
	char *path = NULL, err[2048];
	struct site *site = dash_once_site(cli, override, &o.ldap, &path, err, sizeof err);
	if (!site) {
		fprintf(stderr, "%s dashboard: %s\n", cli->progname, err);
		free(path);
		return RW_EXIT_USAGE;
	}
	if (!once) {
		/* a peer closing an LDAP or SSH socket must be an error, not a kill */
		signal(SIGPIPE, SIG_IGN);
		int rc = dashboard_view_main(site, path, &o, cli->progname);
		site_free(site);
		free(path);
		return rc;
	}
	struct loop *loop = loop_new();
	struct dashboard *d = dash_once_round(loop, site, &o, timeout);
	time_t now = time(NULL);
	char *out;
	if (strcmp(format, "json") == 0) {
		out = dash_json_render(d, now);
	} else if (strcmp(format, "openmetrics") == 0) {
		out = dash_metrics_render(d, DASH_METRICS_OPENMETRICS, now);
	} else if (strcmp(format, "prometheus") == 0) {
		out = dash_metrics_render(d, DASH_METRICS_PROMETHEUS, now);
		/* --textfile: the metrics go to the file, nothing to stdout */
		if (textfile) {
			textfile_failed = !write_textfile(textfile, out, cli->progname);
			out[0] = '\0';
		}
	} else {
		char *title = xasprintf("site: %s", path);
		out = dash_text_render(d, dash_text_width(getenv("COLUMNS")), title, now);
		free(title);
	}
	dash_once_print(out);
	free(out);
	int rc = dashboard_hostkey_refused(d) ? RW_EXIT_HOSTKEY : RW_EXIT_OK;
	if (textfile_failed)
		rc = RW_EXIT_FAILED;
	dashboard_free(d);
	loop_free(loop);
	site_free(site);
	free(path);
	redact_clear();
	return rc;
}
