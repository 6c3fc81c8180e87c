/* The home screen's entries (ui/home.h). */
#include "home.h"

#include "dashboard_view.h"

extern const struct view_ops site_view_ops; /* site_view.c */

const struct home_entry home_entries[] = {
	{ "Install a Directory Replica", "OpenLDAP consumer of the Carbonio master, over SSH",
	  HOME_OP, OP_INSTALL, NULL },
	{ "Remove a Directory Replica", "out of every node's ldap_url", HOME_OP, OP_REMOVE, NULL },
	{ "Configure Dovecot replication", "two-way, between two servers", HOME_OP, OP_DOVECOT, NULL },
	{ "Dashboard", "live replication state", HOME_VIEW, 0, &dashboard_view_ops },
	{ "Site file", "its nodes and their roles", HOME_VIEW, 0, &site_view_ops },
	{ "Quit", "", HOME_QUIT, 0, NULL },
};

const size_t home_count = sizeof home_entries / sizeof home_entries[0];
