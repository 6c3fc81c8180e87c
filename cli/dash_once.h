/* What `dashboard --once` and `check` share: their common options, the site
 * file and LDAP route checked before anything connects, and one round of
 * polls bounded by --timeout and by ^C or SIGTERM. */
#ifndef RW_DASH_ONCE_H
#define RW_DASH_ONCE_H

#include <stddef.h>

#include "commands.h"
#include "dashboard.h"
#include "ldap_cli.h"

#define DASH_ONCE_OPTIONS                                               \
	{ "site", required_argument, NULL, 's' },                      \
	{ "timeout", required_argument, NULL, 't' },                   \
	{ "starttls", no_argument, NULL, 'T' },                        \
	LDAP_CLI_OPTIONS,                                              \
	{ "help", no_argument, NULL, 'h' }

struct loop;

/* The site file (--site, else the default: *path, allocated) with its
 * warnings on stderr, its LDAP route settings checked against ldap. NULL
 * with the reason in err (the file and line, or the setting). */
struct site *dash_once_site(const struct cli *cli, const char *override, const struct ldap_cli *ldap,
			    char **path, char *err, size_t errlen);

/* Every host polled once, or given up ("no answer within N s",
 * "interrupted") after timeout_s or at ^C or SIGTERM. */
struct dashboard *dash_once_round(struct loop *loop, const struct site *site,
				  const struct dash_options *o, double timeout_s);

/* A rendering on stdout, through the redactor once more. */
void dash_once_print(const char *out);

#endif
