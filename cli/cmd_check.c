/* `replica-wizard check`: a monitoring plugin (Nagios/Icinga conventions).
 * Polls every host once like `dashboard --once`, prints one status line
 * "REPLICATION <STATE> - <text> | <perfdata>" then one line per host, and
 * exits 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (also for bad usage).
 * Unknown SSH host keys are never accepted. */
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "commands.h"
#include "dash_once.h"
#include "dashboard.h"
#include "ldap_cli.h"
#include "loop.h"
#include "redact.h"
#include "site.h"
#include "xalloc.h"

enum { CHECK_OK = 0, CHECK_WARNING = 1, CHECK_CRITICAL = 2, CHECK_UNKNOWN = 3 };

static void usage(FILE *f, const char *prog)
{
	fprintf(f,
		"Usage: %s check [--site FILE] [--warn-lag S] [--crit-lag S] [--warn-failed N]\n"
		"                [--crit-failed N] [--warn-queue N] [--crit-queue N] [--timeout S]\n"
		"                " LDAP_CLI_USAGE "\n"
		"                [--starttls] " LDAP_CLI_USAGE_SKIP "\n"
		"\n"
		"Monitoring plugin (Nagios/Icinga): checks Directory replication (lag of each\n"
		"replica, Server down, syncrepl session) and Dovecot replication (replicator\n"
		"reachable, failed users, queued requests). Thresholds (a negative value turns\n"
		"one off): --warn-lag %.0f --crit-lag %.0f (seconds behind the master),\n"
		"--warn-failed %d --crit-failed %d (failed users per server), --warn-queue %d\n"
		"--crit-queue %d (queued requests per server). The site file's [monitor]\n"
		"section sets them too (warn_lag, crit_lag, warn_failed, crit_failed,\n"
		"warn_queue, crit_queue); an option wins. --timeout (default 30 s) bounds\n"
		"the whole check.\n"
		"\n"
		"  --starttls              with --ldap-direct only (always TLS then); through\n"
		"                          SSH it is refused (the handshake would block)\n"
		LDAP_CLI_HELP
		"\n"
		"Exit: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN. Unknown SSH host keys are refused\n"
		"(UNKNOWN): accept them once with `%s dashboard --once --accept-new-host-keys`.\n",
		prog, DASH_DEFAULT_WARN_LAG, DASH_DEFAULT_CRIT_LAG, DASH_DEFAULT_WARN_FAILED,
		DASH_DEFAULT_CRIT_FAILED, DASH_DEFAULT_WARN_QUEUE, DASH_DEFAULT_CRIT_QUEUE, prog);
}

static int exit_of(enum dash_health h)
{
	switch (h) {
	case DASH_OK: return CHECK_OK;
	case DASH_WARNING: return CHECK_WARNING;
	case DASH_CRITICAL: return CHECK_CRITICAL;
	default: return CHECK_UNKNOWN;
	}
}

/* Append to a growing string. */
static void cat(char **s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void cat(char **s, const char *fmt, ...)
{
	va_list ap;
	char buf[1024];
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	char *n = xasprintf("%s%s", *s ? *s : "", buf);
	free(*s);
	*s = n;
}

/* '|' separates perfdata for Nagios: never in a text. */
static void no_pipes(char *s)
{
	for (; s && *s; s++)
		if (*s == '|')
			*s = '/';
}

static void threshold(char *out, size_t size, double v)
{
	if (v < 0)
		out[0] = '\0';
	else
		snprintf(out, size, "%g", v);
}

char *check_status_text(const struct dashboard *d, int *exit_code)
{
	const struct dash_thresholds *t = dashboard_thresholds(d);
	enum dash_health overall = dashboard_overall(d);
	size_t nr = dashboard_n_replicas(d), ns = dashboard_n_servers(d);
	char *problems = NULL, *perf = NULL, *longtext = NULL;
	size_t bad = 0;
	char w[32], c[32];

	if (nr == 0 && ns == 0)
		overall = DASH_UNKNOWN;
	for (size_t i = 0; i < nr; i++) {
		const struct dash_replica *r = dashboard_replica(d, i);
		double lag;
		if (r->health != DASH_OK) {
			cat(&problems, "%sreplica %s: %s", bad++ ? "; " : "", r->name, r->summary);
		}
		cat(&longtext, "[%s] replica %s: %s\n", dash_health_name(r->health), r->name, r->summary);
		threshold(w, sizeof w, t->warn_lag);
		threshold(c, sizeof c, t->crit_lag);
		if (dash_replica_lag(r, &lag) && !r->csn_error)
			cat(&perf, " 'lag_%s'=%.0fs;%s;%s;0;", r->name, lag, w, c);
		else
			cat(&perf, " 'lag_%s'=U", r->name);
	}
	/* several pairs: a line per pair, then its servers, each naming it */
	bool grouped = dashboard_pairs_grouped(d);
	size_t pair = 0;
	for (size_t j = 0; j < ns; j++) {
		const struct dash_server *s = dashboard_server(d, j);
		for (; grouped && pair < dashboard_n_pairs(d) && dashboard_pair(d, pair)->first <= j; pair++) {
			const struct dash_pair *p = dashboard_pair(d, pair);
			cat(&longtext, "[%s] dovecot pair %s:", dash_health_name(dashboard_pair_health(d, pair)),
			    p->name);
			for (size_t k = p->first; k < p->first + p->n; k++)
				cat(&longtext, " %s", dashboard_server(d, k)->name);
			cat(&longtext, "\n");
		}
		char where[400] = "";
		if (grouped && s->pair)
			snprintf(where, sizeof where, " (pair %s)", s->pair);
		if (s->health != DASH_OK)
			cat(&problems, "%s%s%s: %s", bad++ ? "; " : "", s->name, where, s->summary);
		cat(&longtext, "[%s] dovecot %s%s: %s\n", dash_health_name(s->health), s->name, where,
		    s->summary);
		long long q = dash_server_queued(s), f = dash_server_failed(s);
		bool fresh = !s->ssh_error && s->fail == DOVEADM_FAIL_NONE && s->ov_valid;
		threshold(w, sizeof w, (double)t->warn_queue);
		threshold(c, sizeof c, (double)t->crit_queue);
		if (fresh && q >= 0)
			cat(&perf, " 'queued_%s'=%lld;%s;%s;0;", s->name, q, w, c);
		else
			cat(&perf, " 'queued_%s'=U", s->name);
		threshold(w, sizeof w, (double)t->warn_failed);
		threshold(c, sizeof c, (double)t->crit_failed);
		if (fresh && f >= 0)
			cat(&perf, " 'failed_%s'=%lld;%s;%s;0;", s->name, f, w, c);
		else
			cat(&perf, " 'failed_%s'=U", s->name);
	}
	char *status;
	if (nr == 0 && ns == 0)
		status = xstrdup("the site names no replica and no Dovecot server");
	else if (!problems)
		status = grouped
			? xasprintf("%zu replica%s in sync, %zu Dovecot servers OK in %zu pairs", nr,
				    nr == 1 ? "" : "s", ns, dashboard_n_pairs(d))
			: xasprintf("%zu replica%s in sync, %zu Dovecot server%s OK", nr, nr == 1 ? "" : "s",
				    ns, ns == 1 ? "" : "s");
	else
		status = xstrdup(problems);
	no_pipes(status);
	no_pipes(longtext);
	/* a refused host key: we could not look; not OK, not a replication
	 * fault either */
	if (dashboard_hostkey_refused(d) && overall != DASH_CRITICAL)
		overall = DASH_UNKNOWN;
	char *out = xasprintf("REPLICATION %s - %s%s |%s\n%s", dash_health_name(overall),
			      dashboard_hostkey_refused(d) && overall == DASH_UNKNOWN
				      ? "unknown SSH host key refused (check the fingerprint, add it to "
					"known_hosts); " : "",
			      status, perf ? perf : "", longtext ? longtext : "");
	free(status);
	free(problems);
	free(perf);
	free(longtext);
	*exit_code = exit_of(overall);
	return out;
}

static bool parse_num(const char *s, double *out)
{
	char *end;
	double v = strtod(s, &end);
	if (!*s || *end)
		return false;
	*out = v;
	return true;
}

/* Thresholds from the site file's [monitor] section (validated there), for
 * those no option set. */
static void site_thresholds(const struct site *site, unsigned given, struct dash_thresholds *th)
{
	static const char *const keys[] = { "warn_lag", "crit_lag", "warn_failed",
					    "crit_failed", "warn_queue", "crit_queue" };
	for (unsigned i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		const char *val = site_get(site, "monitor", keys[i]);
		if (!val || (given & (1u << i)))
			continue;
		double d = strtod(val, NULL);
		switch (i) {
		case 0: th->warn_lag = d; break;
		case 1: th->crit_lag = d; break;
		case 2: th->warn_failed = (long long)d; break;
		case 3: th->crit_failed = (long long)d; break;
		case 4: th->warn_queue = (long long)d; break;
		case 5: th->crit_queue = (long long)d; break;
		}
	}
}

int cmd_check_main(int argc, char **argv, const struct cli *cli)
{
	static const struct option opts[] = {
		DASH_ONCE_OPTIONS,
		{ "warn-lag", required_argument, NULL, 'w' },
		{ "crit-lag", required_argument, NULL, 'c' },
		{ "warn-failed", required_argument, NULL, 'W' },
		{ "crit-failed", required_argument, NULL, 'C' },
		{ "warn-queue", required_argument, NULL, 'q' },
		{ "crit-queue", required_argument, NULL, 'Q' },
		{ NULL, 0, NULL, 0 },
	};
	const char *override = NULL;
	struct dash_options o = { 0 };
	dash_thresholds_default(&o.th);
	o.interval_s = 3600; /* one round only */
	double timeout = 30, v = 0;
	unsigned given = 0; /* thresholds set by an option win over [monitor] */
	int c;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		if (ldap_cli_option(c, optarg, &o.ldap))
			continue;
		if (c != 's' && c != 'h' && c != 'T' && c != ':' && c != '?' &&
		    !parse_num(optarg, &v)) {
			printf("REPLICATION UNKNOWN - %s: not a number: %s\n", argv[optind - 1], optarg);
			return CHECK_UNKNOWN;
		}
		switch (c) {
		case 's': override = optarg; break;
		case 'w': o.th.warn_lag = v; given |= 1u << 0; break;
		case 'c': o.th.crit_lag = v; given |= 1u << 1; break;
		case 'W': o.th.warn_failed = (long long)v; given |= 1u << 2; break;
		case 'C': o.th.crit_failed = (long long)v; given |= 1u << 3; break;
		case 'q': o.th.warn_queue = (long long)v; given |= 1u << 4; break;
		case 'Q': o.th.crit_queue = (long long)v; given |= 1u << 5; break;
		case 't': timeout = v; break;
		case 'T': o.ldap.starttls = true; break;
		case 'h':
			usage(stdout, cli->progname);
			return CHECK_OK;
		case ':':
			printf("REPLICATION UNKNOWN - option %s needs a value\n", argv[optind - 1]);
			return CHECK_UNKNOWN;
		default:
			printf("REPLICATION UNKNOWN - unknown option %s (see --help)\n", argv[optind - 1]);
			return CHECK_UNKNOWN;
		}
	}
	if (optind < argc) {
		printf("REPLICATION UNKNOWN - unexpected argument \"%s\"\n", argv[optind]);
		return CHECK_UNKNOWN;
	}
	if (timeout < 1)
		timeout = 1;
	o.command_timeout_s = (int)timeout;
	char *path = NULL, err[2048];
	struct site *site = dash_once_site(cli, override, &o.ldap, &path, err, sizeof err);
	if (!site) {
		no_pipes(err);
		printf("REPLICATION UNKNOWN - %s\n", err);
		free(path);
		return CHECK_UNKNOWN;
	}
	site_thresholds(site, given, &o.th);
	struct loop *loop = loop_new();
	struct dashboard *d = dash_once_round(loop, site, &o, timeout);
	int rc;
	char *out = check_status_text(d, &rc);
	dash_once_print(out);
	free(out);
	dashboard_free(d);
	loop_free(loop);
	site_free(site);
	free(path);
	redact_clear();
	return rc;
}
