/* The remove procedure (assets/procedures/remove-replica.ini) as an
 * operation kind, and the pure part of it: each node's ldap_url before and
 * after, and the nodes that disagree with the master. See remove.c. */
#ifndef RW_REMOVE_H
#define RW_REMOVE_H

#include <stdbool.h>
#include <stddef.h>

#include "operation.h"

extern const struct operation_kind remove_kind;

/* One Carbonio node of the site, as read in preflight. */
struct remove_node_in {
	const char *name;            /* as the site names it */
	unsigned roles;              /* enum site_role bits */
	bool removed;                /* a replica of this run */
	bool decommission;           /* removed, and its own ldap_url is rewritten */
	const char *ldap_url;        /* NULL: not read (not contacted) */
	const char *ldap_master_url; /* NULL: not read */
};

struct remove_node_out {
	char *after;   /* the new ldap_url; NULL when left alone or refused */
	bool changes;  /* after differs from the node's ldap_url */
	char *flag;    /* why this node disagrees with the master, or NULL */
	char *error;   /* why its new ldap_url is refused, or NULL */
};

/* For every node: the new ldap_url (ldapurl_remove of its own value with
 * master_url, the master's ldap_master_url, last), whether it changes, and
 * the disagreements (ldap_master_url not the master's; on a node that is not
 * a replica, ldap_url not the master's; a replica not listing itself first;
 * a value zmreplchk would misread; a list not ending with the master).
 * Removed replicas that are not decommissioned keep their value (after
 * NULL). Returns false when at least one node is refused (out[i].error);
 * out[] has n entries, cleared with remove_node_out_clear. */
bool remove_compute(const struct remove_node_in *in, size_t n, const char *master_url,
		    const char *const targets[], size_t ntargets, struct remove_node_out *out);
void remove_node_out_clear(struct remove_node_out *o);

/* The before/after table as lines (for the batch output and the journal
 * reader): one block per node. Allocated, NULL-terminated; free with
 * remove_table_free. restart[i] says how node i's services restart ("" or
 * NULL when they do not). */
char **remove_table(const struct remove_node_in *in, const struct remove_node_out *out, size_t n,
		    const char *const restart[]);
void remove_table_free(char **lines);

/* Take the removed replicas out of the site file after a complete run.
 * Returns the sentence to show (allocated); *ok is false when the file could
 * not be updated. */
char *remove_update_site(const char *path, const char *const *removed, size_t n_removed, bool *ok);

#endif
