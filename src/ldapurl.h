/* The ldap_url / ldap_master_url localconfig values.
 *
 * zmreplchk splits ldap_url on a SINGLE space (perl `split / /`) and treats
 * every entry not string-equal to an entry of ldap_master_url as a replica.
 * So a value we write must be: URLs separated by exactly one space, replicas
 * first, and the master last, byte-identical to ldap_master_url.  Extra
 * spaces, tabs or newlines (e.g. the docs' multi-line command pasted with
 * its backslash-newline and indentation) make empty or bogus entries. */
#ifndef RW_LDAPURL_H
#define RW_LDAPURL_H

#include <stdbool.h>
#include <stddef.h>

/* One entry: ldap://host[:port][/] or ldaps://host[:port][/] (scheme in
 * any case), host a DNS name, an IPv4 address or [IPv6]. */
struct ldapurl {
	char *text;    /* the entry exactly as written */
	char *host;    /* without the brackets of an IPv6 literal */
	unsigned port; /* as written; 0 when absent */
	bool tls;      /* ldaps:// */
	bool slash;    /* trailing '/' (Carbonio writes "<master_url>/") */
};

/* Port in effect: the written one, else 389 (ldap) or 636 (ldaps). */
unsigned ldapurl_port(const struct ldapurl *u);

/* Parse len bytes as one URL.  On error returns false and, if err is not
 * NULL, sets *err to a malloc'd message. */
bool ldapurl_parse(const char *s, size_t len, struct ldapurl *out, char **err);
void ldapurl_clear(struct ldapurl *u);

/* Same server: host equal ignoring case, and same effective port. */
bool ldapurl_same_server(const struct ldapurl *a, const struct ldapurl *b);

struct ldapurl_list {
	struct ldapurl *v;
	size_t n;
};

enum ldapurl_mode {
	/* What zmreplchk needs: non-empty, one space between entries, no
	 * tab/CR/LF, no empty or duplicate entry, every entry valid.  Every
	 * deviation is an error whose message says what is wrong and where. */
	LDAPURL_STRICT,
	/* For reading (and repairing) a value someone else wrote: split on any
	 * run of blanks, drop lone "\" (a pasted line continuation) and later
	 * duplicates; invalid entries are still errors; may be empty. */
	LDAPURL_LENIENT,
};

struct ldapurl_list *ldapurl_list_parse(const char *value, enum ldapurl_mode mode,
					char **err);
void ldapurl_list_free(struct ldapurl_list *l);

/* Entries' text joined with single spaces (malloc'd). */
char *ldapurl_list_join(const struct ldapurl_list *l);

/* "ldap://host:port", or "ldaps://host:636" for port 636 as Carbonio does;
 * port 0 means 389; an IPv6 host gets brackets.  malloc'd. */
char *ldapurl_for(const char *host, unsigned port);

/* A Carbonio node's own URL, as ldapenablereplica.pl builds it from its
 * zimbra_server_hostname (which setup.pl lower-cases): ldapurl_for() of the
 * lower-cased name. Where the node's slapd binds unless told otherwise. */
char *ldapurl_for_own(const char *hostname, unsigned port);

/* New ldap_url for "answer queries": the replica URLs in the given order,
 * later duplicates dropped, then master_url (the ldap_master_url value,
 * strictly valid, possibly several MMR masters) LAST and byte-identical.
 * Refuses (NULL + *err) an invalid URL or a replica naming a master. */
char *ldapurl_install(const char *master_url, const char *const replicas[],
		      size_t nreplicas, char **err);

/* New ldap_url after removing replicas from a node's current value (read
 * leniently, so a value broken by extra blanks is repaired): order kept,
 * any form of the master dropped and master_url appended last,
 * byte-identical.  A target is a URL (matched by server) or a bare host
 * name (matched on any port).  Removing the last replica leaves just
 * master_url.  A target absent from the list is not an error (retries are
 * idempotent): compare the result with the current value to see a change.
 * Refuses (NULL + *err) removing a master, an invalid master_url (the result
 * would be empty or lack the master) and invalid entries. */
char *ldapurl_remove(const char *current, const char *master_url,
		     const char *const targets[], size_t ntargets, char **err);

/* Does the list (read leniently; invalid entries ignored) name host
 * (ignoring case) on port (0 = any port)? */
bool ldapurl_list_names(const char *list, const char *host, unsigned port);

#endif
