/* The dovecot procedure (assets/procedures/dovecot.ini) as an operation
 * kind: Dovecot 2.3 two-way replication between the site's two [dovecot]
 * servers. The pure parts (config rendering, firewall rules, version gate,
 * password rules, failure explanation) are exported for the tests. */
#ifndef RW_DOVECOT_OP_H
#define RW_DOVECOT_OP_H

#include <stdbool.h>
#include <stddef.h>

#include "operation.h"

struct site;
struct site_pair;

/* The whole procedure: checks, configuration, reload, verification. */
extern const struct operation_kind dovecot_kind;
/* Only the checks that open no mailbox and the verify-* steps: proves that an
 * existing setup replicates both ways, changes nothing but the test mail. */
extern const struct operation_kind dovecot_verify_kind;

/* The pair a run sets up (operation_options.pair): the one named (NULL or
 * "": the site's only pair). NULL with a sentence in err when the name is
 * unknown, or when the site has no pair or several and none is named
 * (err lists their names). Ask it before operation_new: an operation
 * without a pair has an empty plan. */
const struct site_pair *dovecot_op_pair(const struct site *site, const char *name, char *err,
					size_t errlen);

/* The doveadm password chosen in the TUI (typed, masked): used for both
 * servers instead of an earlier run's or a random one. Call after
 * operation_new; pw is copied (and registered with the redactor). */
void dovecot_op_set_password(struct operation *op, const char *pw);

/* Seconds verify-arrived waits for the partner's message (60), overridden
 * by $REPLICA_WIZARD_DOVECOT_WAIT (1..3600). */
int dovecot_op_wait_seconds(void);

/* assets/templates/10-replication.conf (allocated), or NULL with err. */
char *dovecot_op_load_template(char *err, size_t errlen);

/* Render the config template: {{partner}}, {{doveadm_port}}, {{max_conns}},
 * {{secret:doveadm_password}}. password NULL: written as ******** (for
 * the diff shown to the admin). NULL on error with *err (allocated). The
 * result may hold the password: wipe it before freeing. */
char *dovecot_op_render_conf(const char *tpl, const char *partner, unsigned port,
			     unsigned max_conns, const char *password, char **err);

/* firewalld rich rules accepting port/tcp from each address (space-separated
 * lists; /32 for IPv4, /128 for IPv6), one per line, in the form of the seed
 * procedure. IPv4-mapped IPv6 addresses are left out (getent ahostsv6 prints
 * them for an IPv4 name). NULL with *err (allocated) for an address that is
 * not one, or when no address is left. */
char *dovecot_op_rich_rules(const char *v4_list, const char *v6_list, unsigned port, char **err);

/* NULL when pw may be a doveadm_password (12..256 bytes of
 * A-Z a-z 0-9 . _ + / = : @ , ! -: nothing Dovecot's config parser would
 * expand or cut), else a static sentence saying why not. */
const char *dovecot_op_password_problem(const char *pw);

/* Version gate on `dovecot --version` output: false when replication cannot
 * be set up (2.4+, before 2.3, garbage). *old: 2.3 before 2.3.20. *message:
 * a static sentence (also for a good version: NULL). */
bool dovecot_op_version_gate(const char *version_output, bool *old, const char **message);

/* Users present in both space-separated lists, space-separated, in the
 * order of a; NULL when none. */
char *dovecot_op_common_users(const char *a, const char *b);

/* What one server said when a test message did not arrive. */
struct dovecot_diag {
	const char *node;
	const char *log;        /* `doveadm log errors` */
	const char *status;     /* `doveadm -f tab replicator status '*'` output */
	int status_rc;          /* its exit status */
};

/* The likely cause, as a sentence for the admin (allocated): from the
 * known log messages (dovecot-replication.md §7), the replicator's state
 * (doveadm_classify_failure) and the failed column. */
char *dovecot_op_explain(const struct dovecot_diag *d, size_t n);

#endif
