/* The path of the wizard's own LDAP connections (password checks, the
 * dashboard's probes), and how they are protected.
 *
 * Default, through SSH: a probe of node N goes through N's own SSH session,
 * a direct-tcpip channel to the URL's host and port, resolved and connected
 * BY N (conn_forward_open), handed to libldap with ldap_init_fd. This
 * machine opens no TCP connection to an LDAP port, needs no route to one,
 * and passwords cross the network only inside SSH.
 *
 * Direct, only when asked (--ldap-direct, [carbonio] ldap_direct = yes):
 * libldap connects to the URL itself, always with TLS (StartTLS, or
 * ldaps://) and the server certificate verified: against ca_file, else
 * against Carbonio's own CA read from the master over SSH
 * (PREFIX/conf/ca/ca.pem, a public certificate). Only tls_skip_verify
 * (--ldap-tls-insecure-skip-verify) turns the check off. */
#ifndef RW_LDAP_ROUTE_H
#define RW_LDAP_ROUTE_H

#include <stdbool.h>

#include "ldapprobe.h"

struct loop;
struct conn;

struct ldap_route_config {
	bool direct;          /* false: through the node's SSH session */
	const char *ca_file;  /* trusted CAs (PEM); NULL: Carbonio's, from the master */
	bool tls_skip_verify; /* no certificate check at all (named so on purpose) */
	bool starttls;        /* StartTLS (ldap_cli refuses it through SSH: the
	                       * synchronous handshake would block the channel's
	                       * own relay) */
};

/* Where Carbonio's CA is kept on a node, under its prefix. */
#define LDAP_ROUTE_CARBONIO_CA "conf/ca/ca.pem"

struct ldap_route;

/* cfg is copied. */
struct ldap_route *ldap_route_new(struct loop *loop, const struct ldap_route_config *cfg);
void ldap_route_free(struct ldap_route *r); /* cancels the probes still running */

bool ldap_route_direct(const struct ldap_route *r);

/* Where Carbonio's CA comes from when a probe needs one and the config
 * names no ca_file: the master's session and prefix (copied). Read once,
 * when first needed and the session is READY. */
void ldap_route_set_ca_source(struct ldap_route *r, struct conn *master, const char *master_name,
			      const char *prefix);
/* The CA source's session changed state (READY or FAILED): probes waiting
 * for the CA go on (or fail with the session's error). */
void ldap_route_kick(struct ldap_route *r);

struct ldap_route_probe;

/* Start req (its use_fd/fd/starttls/ca_file/tls_skip_verify are set here)
 * on the route: through node's session `conn` (the URL's host is resolved
 * by that node), or direct with TLS. cb runs once from the loop, never from
 * inside this call; a failure of our own (session not connected, no CA) is
 * reported the same way: NO_ROUTE (session not up), CONTACT, TLS (no CA). Returns NULL only on
 * bad arguments. */
struct ldap_route_probe *ldap_route_probe_start(struct ldap_route *r, struct conn *conn,
						const struct ldapprobe_request *req,
						ldapprobe_done_cb cb, void *ud);
void ldap_route_probe_cancel(struct ldap_route_probe *p); /* cb is not called */

#endif
