/* The site file: one INI file describing a Carbonio + Dovecot site.
 *
 *   [ssh]        user, port, identity, known_hosts
 *   [carbonio]   master, replicas, mta, other_nodes (lists: space separated),
 *                ldap_port, prefix, bootstrap, ldap_direct (yes|no), ldap_ca_file
 *   [dovecot]    servers (exactly two), port, max_conns, conf_dir
 *   [dovecot NAME] one more replication pair (a large cluster has several):
 *                the same keys; port, max_conns, conf_dir default to
 *                [dovecot]'s, which may then leave out servers. A server is
 *                in one pair only.
 *   [host NAME]  per-node overrides: address, port, user, identity,
 *                known_hosts, prefix, bootstrap, conf_dir, ldap_port
 *
 * Parsing uses libinih for "key = value" splitting and comments; line
 * numbers, section headers and byte checks come from our own line reader
 * (Debian's libinih has no line numbers in the handler and cuts section
 * names at 50 bytes). No secret is ever read from or written to this file.
 *
 * Usage: site_load() (or site_new() + site_set() ... + site_validate()),
 * then site_host()/site_list() for the resolved view, site_write() to save.
 * After any site_set(), call site_validate() again before site_host(). */
#ifndef RW_SITE_H
#define RW_SITE_H

#include <stdbool.h>
#include <stddef.h>

/* Built-in defaults (the real ones on a Carbonio / Debian node). */
#define SITE_DEFAULT_SSH_USER "root"
#define SITE_DEFAULT_SSH_PORT 22
#define SITE_DEFAULT_KNOWN_HOSTS "~/.ssh/known_hosts"
#define SITE_DEFAULT_PREFIX "/opt/zextras"
#define SITE_DEFAULT_BOOTSTRAP "/usr/bin/carbonio-bootstrap"
#define SITE_DEFAULT_LDAP_PORT 389
#define SITE_DEFAULT_DOVEADM_PORT 12345
#define SITE_DEFAULT_MAX_CONNS 10
#define SITE_DEFAULT_CONF_DIR "/etc/dovecot/conf.d"
/* The name of the pair of [dovecot] servers (named pairs: [dovecot NAME]). */
#define SITE_DEFAULT_PAIR "default"
#define SITE_PAIR_NAME_MAX 63

enum site_role {
	SITE_ROLE_MASTER = 1u << 0,
	SITE_ROLE_REPLICA = 1u << 1,
	SITE_ROLE_MTA = 1u << 2,
	SITE_ROLE_OTHER = 1u << 3,
	SITE_ROLE_DOVECOT = 1u << 4,
};

struct site_error {
	char file[1024];    /* "" when the site did not come from a file */
	int line;           /* 1-based; 0 when about the file as a whole */
	char section[300];  /* "carbonio", "host ldap2.example.com", or "" */
	char key[80];       /* "" when the error is not about one key */
	char message[700];
	bool open_failed;   /* message is the whole text ("cannot open ...") */
};

/* Resolved settings of one node: section values overlaid with [host NAME],
 * then built-in defaults; ~ expanded. Owned by the site, read only. */
struct site_host {
	char *name;         /* as named in [carbonio] / [dovecot] */
	unsigned roles;     /* enum site_role bits */
	char *address;      /* what to connect to (address override or name) */
	char *user;
	unsigned port;      /* ssh port */
	char *identity;     /* NULL: ssh agent and default keys */
	char *known_hosts;
	char *prefix;
	char *bootstrap;
	unsigned ldap_port;
	char *conf_dir;
	unsigned doveadm_port; /* its pair's port, else [dovecot] port */
	unsigned max_conns;    /* its pair's max_conns, else [dovecot] max_conns */
	char *pair;            /* a Dovecot server's pair name, else NULL */
};

/* One Dovecot replication pair, resolved. Owned by the site. */
struct site_pair {
	char *name;         /* SITE_DEFAULT_PAIR for [dovecot], else NAME */
	bool named;         /* from a [dovecot NAME] section */
	int line;           /* its section's header line (0: not from a file) */
	int servers_line;   /* its servers line */
	char *servers[2];
};

struct site;

/* An empty site (no sections) for the TUI to fill with site_set(). */
struct site *site_new(void);

/* Parse and validate path. NULL on error, with *err filled (err may be
 * NULL). A missing file gives "cannot open site file PATH: No such file
 * or directory". */
struct site *site_load(const char *path, struct site_error *err);

void site_free(struct site *site);

/* Set section.key = value with the same checks as the file parser.
 * section: "ssh", "carbonio", "dovecot", "dovecot NAME" or "host NAME"; value NULL (or ""
 * for an optional list) removes the key. Creates the section if needed.
 * Returns false (and fills *err) when the key or value is rejected. */
bool site_set(struct site *site, const char *section, const char *key,
	      const char *value, struct site_error *err);

/* The value explicitly set for section.key (as it would be written), or
 * NULL when unset (the default applies). */
const char *site_get(const struct site *site, const char *section, const char *key);

/* Drop a [host NAME] section. Returns false when there was none. */
bool site_remove_host_section(struct site *site, const char *name);

/* Cross-field checks (required keys, replica vs master, [host X] for an
 * unknown X, ...) and resolution of every host. */
bool site_validate(struct site *site, struct site_error *err);

/* Resolved hosts, in order: master, replicas, mta, other_nodes, dovecot
 * servers (each once, roles merged). Valid after a successful validate. */
size_t site_host_count(const struct site *site);
const struct site_host *site_host_at(const struct site *site, size_t i);
/* By name (case-insensitive), NULL when the site does not name it. */
const struct site_host *site_host(const struct site *site, const char *name);

/* Dovecot pairs, in file order ([dovecot] first). Valid after validate. */
size_t site_pair_count(const struct site *site);
const struct site_pair *site_pair_at(const struct site *site, size_t i);
/* By name (case-insensitive), NULL when there is no such pair. */
const struct site_pair *site_pair(const struct site *site, const char *name);
/* The pair of a Dovecot server, NULL when it is in none. */
const struct site_pair *site_pair_of(const struct site *site, const char *server);
/* NULL when name may name a pair, else why not (allocated). */
char *site_pair_name_problem(const char *name);

/* Names having one role (a single SITE_ROLE_* bit), in file order. */
const char *const *site_list(const struct site *site, enum site_role role, size_t *n);

/* Write an equivalent file (only keys that were set; defaults stay
 * implicit) atomically: temp file in the same directory, fsync, rename,
 * mode 0644. Returns 0, or -1 with *err filled. */
int site_write(const struct site *site, const char *path, struct site_error *err);

/* "FILE:LINE: [SECTION] KEY: MESSAGE" (parts that are empty are left out).
 * Returns buf. */
const char *site_error_format(const struct site_error *err, char *buf, size_t size);

/* The default site file: $REPLICA_WIZARD_SITE, else
 * $XDG_CONFIG_HOME/replica-wizard/site.ini, else
 * ~/.config/replica-wizard/site.ini. Allocated; NULL when no HOME. */
char *site_default_path(void);

/* Warnings of the last successful validate, e.g. a [host NAME] section
 * that no role names (kept as a spare host): "line 12: [host ds3]: ...".
 * Print them prefixed with the file name; they never stop a run. */
size_t site_warning_count(const struct site *site);
const char *site_warning_at(const struct site *site, size_t i);
/* [carbonio] ldap_direct = yes: the wizard's own LDAP connections go
 * direct (verified TLS) instead of through each node's SSH session. */
bool site_ldap_direct(const struct site *site);
/* [carbonio] ldap_ca_file, ~ expanded (allocated), or NULL when unset or
 * when HOME is needed and not set. */
char *site_ldap_ca_file(const struct site *site);

/* Printable role list, e.g. "master, mta". Returns buf. */
const char *site_roles_format(unsigned roles, char *buf, size_t size);

#endif
