/* The home screen's entries (ui/home.h). */
#include "home.h"

#include <stdio.h>

#include "dashboard_view.h"
#include "discover_view.h"
#include "site.h"

extern const struct view_ops site_view_ops; /* site_view.c */

const struct home_entry home_entries[] = {
	{ "Install a Directory Replica", "OpenLDAP consumer of the Carbonio master, over SSH",
	  HOME_OP, OP_INSTALL, NULL },
	{ "Remove a Directory Replica", "out of every node's ldap_url", HOME_OP, OP_REMOVE, NULL },
	{ "Configure Dovecot replication", "two-way, between two servers", HOME_OP, OP_DOVECOT, NULL },
	{ "Dashboard", "live replication state", HOME_VIEW, 0, &dashboard_view_ops },
	{ "Site file", "its nodes and their roles", HOME_VIEW, 0, &site_view_ops },
	{ "Discover the site", "the master's servers and roles", HOME_VIEW, 0, &discover_view_ops },
	{ "Quit", "", HOME_QUIT, 0, NULL },
};

const size_t home_count = sizeof home_entries / sizeof home_entries[0];

struct site *home_load_site(const char *path, const char *what, char *err, size_t err_size)
{
	if (!path || !*path) {
		snprintf(err, err_size, "%s: no site file: start with --site FILE.", what);
		return NULL;
	}
	struct site_error se;
	char buf[2048];
	struct site *site = site_load(path, &se);
	if (!site)
		snprintf(err, err_size, "%s: %s", what, site_error_format(&se, buf, sizeof buf));
	return site;
}
