/* Named values of a run: plain variables (host names, URLs, facts captured
 * from nodes) and secrets (passwords). Secrets are registered with the
 * redactor as they are set and wiped when replaced or freed. A value may be
 * scoped to one node ("service_manager" of 127.0.0.3) or global. */
#ifndef RW_VARS_H
#define RW_VARS_H

#include <stdbool.h>

struct vars;

struct vars *vars_new(void);
void vars_free(struct vars *v);

/* node NULL: global. Setting a secret also hands it to redact_add(). */
void vars_set(struct vars *v, const char *node, const char *name, const char *value, bool secret);
/* Lookup in the node's scope first, then the global one. */
const char *vars_get(const struct vars *v, const char *node, const char *name, bool secret);

#endif
