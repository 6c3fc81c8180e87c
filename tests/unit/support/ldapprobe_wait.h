/* A probe run to its end on a private loop, for tests that ask one server
 * directly (the program itself starts probes on its one loop). */
#ifndef RW_LDAPPROBE_WAIT_H
#define RW_LDAPPROBE_WAIT_H

#include "ldapprobe.h"

/* The probe's result (a copy: free it with ldapprobe_wait_free), or NULL
 * on bad arguments or a probe that never ended. */
struct ldapprobe_result *ldapprobe_wait(const struct ldapprobe_request *req);
void ldapprobe_wait_free(struct ldapprobe_result *r);

#endif
