#include "dash_once.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "loop.h"
#include "redact.h"
#include "site.h"
#include "xalloc.h"

static volatile int interrupted;

static void on_sig(int sig)
{
	(void)sig;
	interrupted = 1;
}

struct site *dash_once_site(const struct cli *cli, const char *override, const struct ldap_cli *ldap,
			    char **path, char *err, size_t errlen)
{
	*path = cli_site_path(cli, override);
	struct site_error serr;
	char buf[2048];
	struct site *site = site_load(*path, &serr);
	if (!site) {
		snprintf(err, errlen, "%s", site_error_format(&serr, buf, sizeof buf));
		return NULL;
	}
	cli_site_warnings(site, *path, stderr);
	struct ldap_route_config rc;
	char *hold = NULL;
	bool ok = ldap_cli_config(ldap, site, &rc, &hold, err, errlen);
	free(hold);
	if (!ok) {
		site_free(site);
		return NULL;
	}
	return site;
}

struct dashboard *dash_once_round(struct loop *loop, const struct site *site,
				  const struct dash_options *o, double timeout_s)
{
	/* a peer closing an LDAP or SSH socket must be an error, not a kill */
	signal(SIGPIPE, SIG_IGN);
	struct sigaction sa = { .sa_handler = on_sig }, old_int, old_term;
	sigemptyset(&sa.sa_mask);
	interrupted = 0;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	struct dashboard *d = dashboard_new(loop, site, o, NULL); /* no hostkey callback: refused */
	if (!dashboard_run_once(d, loop, (int)timeout_s, &interrupted)) {
		char *why = interrupted ? xstrdup("interrupted")
					: xasprintf("no answer within %.0f s", timeout_s);
		dashboard_give_up(d, why);
		free(why);
	}
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	return d;
}

void dash_once_print(const char *out)
{
	/* the model is redacted already; mask again on the way out */
	char *safe = redact(out);
	fputs(safe, stdout);
	fflush(stdout);
	free(safe);
}
