/* LDAP route options of the batch commands: see ldap_cli.h. */
#include "ldap_cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "site.h"
#include "xalloc.h"

bool ldap_cli_option(int c, const char *arg, struct ldap_cli *o)
{
	switch (c) {
	case LDAP_CLI_DIRECT: o->path = LDAP_PATH_DIRECT; return true;
	case LDAP_CLI_VIA_SSH: o->path = LDAP_PATH_SSH; return true;
	case LDAP_CLI_CA_FILE: o->ca_file = arg; return true;
	case LDAP_CLI_SKIP_VERIFY: o->skip_verify = true; return true;
	default: return false;
	}
}

bool ldap_cli_config(const struct ldap_cli *o, const struct site *site,
		     struct ldap_route_config *cfg, char **hold, char *err, size_t errlen)
{
	*hold = NULL;
	cfg->direct = o && o->path != LDAP_PATH_SITE ? o->path == LDAP_PATH_DIRECT
						 : site && site_ldap_direct(site);
	cfg->starttls = o && o->starttls;
	if (cfg->starttls && !cfg->direct) {
		/* libldap's TLS handshake is synchronous: on the channel's fd it
		 * would wait for bytes only our own loop relays (a hang) */
		snprintf(err, errlen, "--starttls: StartTLS inside the SSH session is not available "
			 "(the TLS handshake would block the session that carries it); the LDAP "
			 "probes go through SSH in the clear, or use --ldap-direct (always TLS)");
		return false;
	}
	cfg->tls_skip_verify = o && o->skip_verify;
	cfg->ca_file = o ? o->ca_file : NULL;
	if (!cfg->ca_file && site) {
		*hold = site_ldap_ca_file(site);
		cfg->ca_file = *hold;
	}
	if (cfg->ca_file) {
		FILE *f = fopen(cfg->ca_file, "r");

		if (f == NULL) {
			snprintf(err, errlen, "LDAP CA file %s: %s", cfg->ca_file, strerror(errno));
			return false;
		}
		fclose(f);
	}
	return true;
}
