/* Running an operation without the TUI: the common part of `install`,
 * `remove` and `dovecot --batch`. */
#ifndef RW_BATCH_H
#define RW_BATCH_H

#include <stdbool.h>

#include "operation.h"

struct batch_options {
	const char *progname;
	const char *command;        /* "install" */
	bool yes;
	bool accept_new_host_keys;
};

/* Load the site, run the operation, print steps, output and a summary.
 * Returns an RW_EXIT_* status. */
int batch_run(const char *site_path, const struct operation_kind *kind,
	      const struct operation_options *oo, const struct batch_options *bo);

#endif
