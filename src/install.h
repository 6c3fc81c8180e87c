/* The install procedure (assets/procedures/install-replica.ini) as an
 * operation kind: see install.c. */
#ifndef RW_INSTALL_H
#define RW_INSTALL_H

#include "operation.h"

extern const struct operation_kind install_kind;

/* For the TUI's bootstrap menus. A password the admin types replaces the
 * one read from the master (name: zimbra_ldap_password, ldap_root_password,
 * ldap_replication_password, ldap_postfix_password, ldap_amavis_password,
 * ldap_nginx_password). */
void install_set_password(struct operation *op, const char *name, const char *value);
/* The current value (read or typed), or NULL: never display it. */
const char *install_password(const struct operation *op, const char *name);

struct ldap_route;
/* The route of our LDAP password checks (through the master's SSH session
 * unless direct was asked for); the TUI's checks use it too. */
struct ldap_route *install_ldap_route(const struct operation *op);
/* Carbonio's CA, when a direct check needs it, comes from the master:
 * call when the master's session exists (before the first check). */
void install_ldap_ca_source(struct operation *op);

struct site;
/* The nodes --answer-queries can rewrite, in the order the run does it: the
 * MTA nodes, the other_nodes, the master last (each once). The array is
 * allocated (free it), the names belong to the site. */
const char **install_answer_candidates(const struct site *site, size_t *n);

#endif
