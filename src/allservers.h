/* The built-in preflight check "every server of the installation"
 * (carbonio-tools.md §10.12), shared by install --answer-queries and
 * remove: the servers the master's directory lists (captured as
 * `directory_servers` on the master by the step before it) against the
 * nodes the site file names. A server the site does not name and the admin
 * did not skip stops the run before anything changes. */
#ifndef RW_ALLSERVERS_H
#define RW_ALLSERVERS_H

#include "operation.h"

/* The step's builtin name in the procedures. */
#define ALLSERVERS_BUILTIN "all-servers"

void allservers_check(struct operation *op, struct runner *r, struct plan_item *it);

#endif
