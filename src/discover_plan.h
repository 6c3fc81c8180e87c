/* `site discover`, the pure part: what the master's directory says about
 * every server of the installation (dirservers.h) and the master's own
 * localconfig, turned into the site file's [carbonio] replicas, mta and
 * other_nodes. No I/O (discover.h asks the master; site_edit.h writes).
 *
 * How a server's role is read, as the real tools mark it
 * (carbonio-core-utils):
 *   master     the server the site's master is: its name, or the name the
 *              master calls itself (zimbra_server_hostname). The site keeps
 *              its own name for it (an alias or address works for SSH).
 *   replica    a directory server that is not the master: `directory-server`
 *              (setup.pl, for the carbonio-directory-server package) or
 *              `ldap` (ldapenablereplica.pl's enableLdapService, replica mode
 *              only) in zimbraServiceEnabled, or listed in the master's
 *              ldap_url (answering queries). The master has directory-server
 *              too, and `ldap` does not last: setup.pl's
 *              configSetEnabledServices then REPLACES the list with the
 *              packages' services. So, as zmreplchk does (replicas = ldap_url
 *              minus ldap_master_url), what tells them apart is the master's
 *              ldap_master_url: a server it lists besides the site's master
 *              is another LDAP master (multi-master), no replica.
 *   mta        `mta` in zimbraServiceEnabled (setup.pl, carbonio-mta);
 *              a master or replica that is also an MTA is in mta too.
 *   other      every other server (mailbox, proxy, ...; another master).
 * A node the file names that the directory does not list is kept (and
 * reported) unless prune. Dovecot servers are not in the directory: [dovecot]
 * is never touched. */
#ifndef RW_DISCOVER_PLAN_H
#define RW_DISCOVER_PLAN_H

#include <stdbool.h>
#include <stddef.h>

struct site;
struct dirservers;
struct dirservers_node;

/* What was read on the master. */
struct discover_input {
	const struct dirservers *servers;   /* zmprov -l gas -v */
	const char *master_hostname;        /* its zimbra_server_hostname, NULL if unknown */
	const char *const *master_url_hosts; /* hosts of its ldap_master_url */
	size_t n_master_url_hosts;
	const char *const *url_hosts;       /* hosts of its ldap_url */
	size_t n_url_hosts;
	/* Nodes of the file and the name each calls itself (zimbra_server_hostname
	 * read over SSH, discover_probe.h), as the all-servers preflight matches
	 * them: a node the file names by an address or another alias is then the
	 * directory's server, not a stale node plus a new one. May be NULL. */
	const struct dirservers_node *own_names;
	size_t n_own_names;
};

/* Why a server got the role it got, when that needs saying. */
enum discover_note {
	DISCOVER_NOTE_NONE,
	DISCOVER_NOTE_OTHER_MASTER,     /* in ldap_master_url, not the site's master */
	DISCOVER_NOTE_LDAP_URL_ONLY,    /* a replica by the master's ldap_url, no directory service */
};

struct discover_server {
	const char *name;       /* as the directory spells it */
	char *site_name;        /* as the file names it: the site's name for the master, the
				 * file's name for a node it names otherwise (own_names),
				 * else the directory's name */
	char *services;         /* "directory-server, stats" */
	unsigned roles;         /* SITE_ROLE_* bits it gets */
	unsigned old_roles;     /* the roles the file gave it before (0: new) */
	enum discover_note note;
};

/* A node the file names that the directory does not list. */
struct discover_stale {
	char *name;
	unsigned roles;         /* the roles the file gives it (replica/mta/other) */
	bool pruned;            /* taken out of the lists (prune) */
	bool drop_section;      /* prune: its [host NAME] goes too (no other role keeps it) */
};

enum discover_list { DISCOVER_REPLICAS, DISCOVER_MTA, DISCOVER_OTHER_NODES, DISCOVER_LISTS };

struct discover_change {
	const char *key;        /* "replicas", "mta", "other_nodes" */
	const char *after_key;  /* where a missing key is added */
	char *old_value;        /* as written, NULL when unset */
	char *new_value;        /* space separated; "" for none */
	bool changed;
};

struct discover_plan {
	struct discover_server *servers;   /* in the directory's order */
	size_t n_servers;
	struct discover_stale *stale;
	size_t n_stale;
	struct discover_change lists[DISCOVER_LISTS];
	long master;            /* index in servers of the site's master, -1: not listed */
};

struct discover_plan *discover_plan_new(const struct site *site, const struct discover_input *in, bool prune);
void discover_plan_free(struct discover_plan *p);
/* Does the file change at all? */
bool discover_plan_changed(const struct discover_plan *p);
/* A sentence for a note ("" for NONE). */
const char *discover_note_text(enum discover_note n);

#endif
