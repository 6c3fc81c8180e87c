/* The LDAP route options shared by install, dashboard and check, and their
 * merge with the site's [carbonio] ldap_direct / ldap_ca_file (an option
 * wins over the site). See ldap_route.h for what they mean. */
#ifndef RW_LDAP_CLI_H
#define RW_LDAP_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>

#include "ldap_route.h"

struct site;

enum ldap_cli_code {
	LDAP_CLI_DIRECT = 0x1d00,
	LDAP_CLI_VIA_SSH,
	LDAP_CLI_CA_FILE,
	LDAP_CLI_SKIP_VERIFY,
};

#define LDAP_CLI_OPTIONS                                                              \
	{ "ldap-direct", no_argument, NULL, LDAP_CLI_DIRECT },                        \
	{ "ldap-via-ssh", no_argument, NULL, LDAP_CLI_VIA_SSH },                      \
	{ "ldap-ca-file", required_argument, NULL, LDAP_CLI_CA_FILE },                \
	{ "ldap-tls-insecure-skip-verify", no_argument, NULL, LDAP_CLI_SKIP_VERIFY }

#define LDAP_CLI_USAGE "[--ldap-via-ssh | --ldap-direct [--ldap-ca-file FILE]]"
#define LDAP_CLI_USAGE_SKIP "[--ldap-tls-insecure-skip-verify]"

#define LDAP_CLI_HELP                                                                     \
	"  --ldap-via-ssh          our LDAP connections go through each node's own SSH\n"  \
	"                          session, to the LDAP URL as the node reaches it (the\n" \
	"                          default; no route to port 389 needed, passwords stay\n" \
	"                          inside SSH)\n"                                            \
	"  --ldap-direct           connect to LDAP from this machine instead, always with\n" \
	"                          TLS (StartTLS or ldaps://) and the server certificate\n" \
	"                          verified (also [carbonio] ldap_direct = yes)\n"          \
	"  --ldap-ca-file FILE     the CA that signed the LDAP certificates (PEM; also\n"   \
	"                          [carbonio] ldap_ca_file); default: Carbonio's own CA,\n"  \
	"                          read from the master (PREFIX/conf/ca/ca.pem)\n"           \
	"  --ldap-tls-insecure-skip-verify\n"                                                \
	"                          do not verify the LDAP server certificate (insecure)\n"

enum ldap_cli_path {
	LDAP_PATH_SITE = 0,   /* as the site says (default: through SSH) */
	LDAP_PATH_SSH,        /* --ldap-via-ssh */
	LDAP_PATH_DIRECT,     /* --ldap-direct */
};

/* Zeroed: no option given. */
struct ldap_cli {
	enum ldap_cli_path path;
	const char *ca_file;  /* --ldap-ca-file (argv memory) */
	bool skip_verify;
	bool starttls;        /* --starttls (dashboard, check) */
};

/* Apply getopt's c when it is one of LDAP_CLI_OPTIONS. */
bool ldap_cli_option(int c, const char *arg, struct ldap_cli *o);

/* The route to use: options over the site's keys over the default (through
 * SSH). *hold keeps what cfg points to (free it after the route is made).
 * Returns false (message in err, naming the file) when the CA file cannot
 * be read: nothing should run then. */
bool ldap_cli_config(const struct ldap_cli *o, const struct site *site,
		     struct ldap_route_config *cfg, char **hold, char *err, size_t errlen);

#endif
