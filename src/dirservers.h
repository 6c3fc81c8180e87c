/* Every server of the installation, as the master's directory lists them:
 * the output of `zmprov -l gas -v` (each server a "# name HOST" line, then
 * its attributes "attr: value", then a blank line; the wizard keeps only the
 * name and zimbraServiceEnabled lines, other attributes are ignored), and
 * its comparison with the nodes a site file names (carbonio-tools.md
 * §10.12). Pure: no I/O, fuzzed by tests/fuzz/fuzz_dirservers.c. */
#ifndef RW_DIRSERVERS_H
#define RW_DIRSERVERS_H

#include <stdbool.h>
#include <stddef.h>

/* Bounds so that any input gives bounded memory: beyond them the answer is
 * refused, never cut (a server dropped silently would never be checked). */
#define DIRSERVERS_MAX 1024
#define DIRSERVERS_MAX_SERVICES 64	/* per server */
#define DIRSERVERS_MAX_NAME 253		/* a DNS name */
#define DIRSERVERS_MAX_SERVICE 64

struct dirserver {
	char *name;		/* as the directory spells it (cn) */
	char **services;	/* zimbraServiceEnabled, in order, no duplicate */
	size_t n_services;
	size_t line;		/* 1-based line of its "# name" */
};

struct dirservers {
	struct dirserver *v;
	size_t n;
};

struct dirservers_error {
	size_t line;		/* 1-based line of the problem, 0 = none */
	const char *msg;	/* static English sentence */
};

/* NULL with *err set when the text is not such a list: a name or a service
 * that is empty, too long or not printable, an attribute before the first
 * name, the same server twice, a NUL byte, no server at all (the master
 * always has its own entry) or too many. */
struct dirservers *dirservers_parse(const char *buf, size_t len, struct dirservers_error *err);
void dirservers_free(struct dirservers *d);

bool dirserver_has(const struct dirserver *s, const char *service);
/* Its services joined with ", " ("no service enabled" when none). Allocated. */
char *dirserver_roles(const struct dirserver *s);

/* A node of the site file: the name it is given there, and the name it
 * calls itself (zimbra_server_hostname read from it; NULL when unknown). */
struct dirservers_node {
	const char *name;
	const char *hostname;
};

enum dirserver_status {
	DIRSERVER_NAMED,	/* a site node is this server */
	DIRSERVER_SKIPPED,	/* not in the site, skipped by the admin */
	DIRSERVER_UNNAMED,	/* not in the site: the run must not go on */
};

/* Which servers the site names (case-insensitive, a trailing dot ignored;
 * a node matches by its site name or its zimbra_server_hostname); status
 * holds d->n entries, named[i] the site node's index or -1 (may be NULL).
 * Returns the number of DIRSERVER_UNNAMED. *bad_skip is the index in skip
 * of the first name the directory does not list, or (size_t)-1. */
size_t dirservers_compare(const struct dirservers *d, const struct dirservers_node *site, size_t n_site,
			  const char *const *skip, size_t n_skip, enum dirserver_status *status,
			  long *named, size_t *bad_skip);

/* Case-insensitive host name equality, a trailing dot ignored. */
bool dirservers_same_host(const char *a, const char *b);

#endif
