/* `site discover` in the TUI: each discovered node checked over SSH before
 * the admin writes the list — reachable, its host key known (or the
 * question asked), and the name it calls itself (zimbra_server_hostname,
 * read as zextras). Driven by the event loop without blocking, every node
 * at once; nothing is changed on a node. A node the site does not name yet
 * is reached with the file's [ssh] settings and its own [host NAME]
 * section, if any (what the site will resolve once the name is written). */
#ifndef RW_DISCOVER_PROBE_H
#define RW_DISCOVER_PROBE_H

#include <stdbool.h>
#include <stddef.h>

#include "transport.h"

struct loop;
struct site;
struct discover_probe;

enum probe_state {
	PROBE_CONNECTING,
	PROBE_HOSTKEY_ASK,     /* unknown host key: discover_probe_hostkey_decide() */
	PROBE_SECRET_WAIT,     /* a password or passphrase asked (events.on_secret) */
	PROBE_READING,         /* connected: reading its zimbra_server_hostname */
	PROBE_REACHABLE,       /* done; own_name set when it could be read */
	PROBE_HOSTKEY_REFUSED, /* its key refused (changed, revoked, ... or not accepted) */
	PROBE_UNREACHABLE,     /* error says why */
};

struct probe_node {
	char *name;
	enum probe_state state;
	char *own_name;        /* zimbra_server_hostname, or NULL */
	char *error;
	struct hostkey_info hostkey; /* PROBE_HOSTKEY_ASK */
	char *prefix;          /* Carbonio prefix used for the read */
};

struct discover_probe_events {
	void (*on_change)(void *ud, size_t i);
	/* May be NULL: then a secret is answered with none (the node fails). */
	void (*on_secret)(void *ud, size_t i, struct conn *c, enum conn_secret_kind kind, const char *prompt);
	void *ud;
};

/* The site must outlive the probe. */
struct discover_probe *discover_probe_new(struct loop *loop, const struct site *site, const char *const *names,
					  size_t n, const struct discover_probe_events *ev);
void discover_probe_start(struct discover_probe *p);
size_t discover_probe_count(const struct discover_probe *p);
const struct probe_node *discover_probe_at(const struct discover_probe *p, size_t i);
/* Every node reached a final state (REACHABLE, HOSTKEY_REFUSED, UNREACHABLE). */
bool discover_probe_done(const struct discover_probe *p);
void discover_probe_hostkey_decide(struct discover_probe *p, size_t i, bool accept);
/* Node i's SSH session (NULL before start), e.g. to answer it as batch does. */
struct conn *discover_probe_conn(const struct discover_probe *p, size_t i);
/* Some connection still has a command being stopped (run the loop first). */
bool discover_probe_busy(const struct discover_probe *p);
void discover_probe_free(struct discover_probe *p);

#endif
