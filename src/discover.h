/* `site discover`, the part that asks: one SSH session to the site's master
 * (its [ssh] and [host NAME] settings, the wizard's host key policy), one
 * command as zextras reading the master's localconfig
 * (zimbra_server_hostname, ldap_master_url, ldap_url) and every server of
 * the installation with its enabled services (`zmprov -m -l gas -v`, only
 * the "# name" and zimbraServiceEnabled lines kept, as the all-servers
 * preflight does). Driven by the event loop WITHOUT BLOCKING, like the rest
 * of the engine: discover_start() returns at once, on_done comes from
 * loop_poll(). The answer goes to discover_plan.h. */
#ifndef RW_DISCOVER_H
#define RW_DISCOVER_H

#include <stdbool.h>

#include "discover_plan.h"
#include "transport.h"

struct loop;
struct site;
struct discover;

enum discover_state {
	DISCOVER_NEW,
	DISCOVER_CONNECTING,   /* includes a host key or secret question pending */
	DISCOVER_QUERYING,
	DISCOVER_DONE,         /* discover_input() is valid */
	DISCOVER_FAILED,       /* discover_failure()/discover_error() say why */
};

enum discover_failure {
	DISCOVER_FAIL_NONE,
	DISCOVER_FAIL_NO_MASTER,  /* the site names no [carbonio] master */
	DISCOVER_FAIL_CONNECT,    /* the SSH session to the master failed */
	DISCOVER_FAIL_HOSTKEY,    /* ... on its host key (exit 3) */
	DISCOVER_FAIL_COMMAND,    /* the command failed on the master (output kept) */
	DISCOVER_FAIL_ANSWER,     /* its answer could not be read (fail closed) */
	DISCOVER_FAIL_CANCELLED,
};

struct discover_events {
	void (*on_conn)(void *ud, struct conn *c, enum conn_state st);
	/* An unknown host key: answer with conn_hostkey_decide() (now or later). */
	void (*on_hostkey)(void *ud, struct conn *c, const struct hostkey_info *hk);
	void (*on_secret)(void *ud, struct conn *c, enum conn_secret_kind kind, const char *prompt);
	/* DONE or FAILED reached (once). */
	void (*on_done)(void *ud);
	void *ud;
};

struct discover_options {
	int connect_timeout_s;   /* 0: the transport's default */
	int command_timeout_s;   /* 0: 180 s (two JVM starts on a busy master) */
};

/* The site must stay alive and unchanged until discover_free. */
struct discover *discover_new(struct loop *loop, const struct site *site, const struct discover_options *o,
			      const struct discover_events *ev);
void discover_start(struct discover *d);
/* Stop (the remote command is cancelled); on_done follows with CANCELLED. */
void discover_cancel(struct discover *d);
/* Safe from its own callbacks. */
void discover_free(struct discover *d);

enum discover_state discover_state(const struct discover *d);
enum discover_failure discover_failure(const struct discover *d);
const char *discover_error(const struct discover *d);
/* The master as the site names it, and its SSH session (NULL before start). */
const char *discover_master(const struct discover *d);
struct conn *discover_conn(const struct discover *d);
/* The command's output lines (stderr ones start with "! "), for a failure. */
size_t discover_output_count(const struct discover *d);
const char *discover_output_at(const struct discover *d, size_t i);
/* After DONE: what the master said (owned by d). */
const struct discover_input *discover_input(const struct discover *d);

/* The remote command (as zextras), for tests and --dry-run displays. */
char *discover_command(const char *prefix);

/* Its output read (pure, fuzzed by tests/fuzz/fuzz_discover_answer.c): the
 * localconfig lines, a marker line, then the "# name" and
 * zimbraServiceEnabled lines. NULL with *err (allocated) when it is not
 * that: no marker, no ldap_master_url, an unreadable URL or server list. */
struct discover_answer;
struct discover_answer *discover_answer_parse(const char *out, size_t len, const char *master, char **err);
const struct discover_input *discover_answer_input(const struct discover_answer *a);
void discover_answer_free(struct discover_answer *a);

#endif
