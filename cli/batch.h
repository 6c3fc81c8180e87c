/* Running an operation without the TUI: the common part of `install`,
 * `remove` and `dovecot --batch`. */
#ifndef RW_BATCH_H
#define RW_BATCH_H

#include <stdbool.h>
#include <stdio.h>

#include "operation.h"

struct batch_options {
	const char *progname;
	const char *command;        /* "install" */
	bool yes;
	bool accept_new_host_keys;
};

/* The options every batch command shares: --site, --batch, --yes,
 * --dry-run, --resume, --accept-new-host-keys. Their getopt_long lines: */
#define BATCH_COMMON_OPTIONS                                            \
	{ "site", required_argument, NULL, 's' },                      \
	{ "batch", no_argument, NULL, 'b' },                           \
	{ "yes", no_argument, NULL, 'y' },                             \
	{ "dry-run", no_argument, NULL, 'n' },                         \
	{ "resume", no_argument, NULL, 'r' },                          \
	{ "accept-new-host-keys", no_argument, NULL, 'A' }

/* install and remove: --replica HOST and --skip-node HOST (repeatable). */
#define BATCH_NODE_OPTIONS                                              \
	{ "replica", required_argument, NULL, 'R' },                   \
	{ "skip-node", required_argument, NULL, 'K' }

struct batch_cli {
	const char *site;   /* --site, else NULL */
	bool batch;         /* --batch */
	struct batch_options bo;
	struct operation_options oo; /* .only and .skip_nodes: the lists below */
	const char **only;  /* --replica */
	size_t n_only;
	const char **skip;  /* --skip-node */
	size_t n_skip;
};

/* Apply getopt's c when it is one of the shared options. */
bool batch_common_option(int c, const char *arg, struct batch_cli *b);
/* The same for BATCH_NODE_OPTIONS. */
bool batch_node_option(int c, const char *arg, struct batch_cli *b);
/* --help ('h': usage on stdout, RW_EXIT_OK) or a bad option (RW_EXIT_USAGE). */
int batch_help_or_error(int c, void (*usage)(FILE *out, const char *prog), const char *prog,
			const char *command, const char *option);
void batch_cli_free(struct batch_cli *b);
/* getopt returned ':' or '?': say so (naming the option safely). Returns
 * RW_EXIT_USAGE. */
int batch_option_error(const char *prog, const char *command, int c, const char *option);
/* After the options: no stray argument, and --batch given (what: "install",
 * "removal", ...). Prints the reason when not. */
bool batch_args_ok(const char *prog, const char *command, int argc, char **argv, int first,
		   bool batch, const char *what);

/* The batch answers to an SSH session's questions, for any command that
 * connects: an unknown host key accepted (and said so) only with
 * --accept-new-host-keys, else refused with how to check it (exit 3 then);
 * a password or passphrase from REPLICA_WIZARD_SSH_PASSWORD, never asked
 * for (false when it is not set: said so, the session fails). */
void batch_hostkey_answer(struct conn *c, const struct hostkey_info *hk, bool accept);
bool batch_secret_answer(struct conn *c, enum conn_secret_kind kind);

/* Load the site, run the operation, print steps, output and a summary.
 * Returns an RW_EXIT_* status. */
int batch_run(const char *site_path, const struct operation_kind *kind,
	      const struct operation_options *oo, const struct batch_options *bo);

#endif
