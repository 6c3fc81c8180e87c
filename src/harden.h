/* Process hardening, the first thing main() does, before any secret is read:
 * - no core dump: RLIMIT_CORE 0 and PR_SET_DUMPABLE 0 (which also keeps
 *   other processes of the same user from ptrace or /proc/PID/mem);
 * - the password variables (REPLICA_WIZARD_*_PASSWORD) are copied, handed to
 *   the redactor, wiped in place and removed from the environment, so no
 *   child process (a ProxyCommand that libssh starts) inherits them and
 *   /proc/PID/environ does not show them. */
#ifndef RW_HARDEN_H
#define RW_HARDEN_H

#include <stdbool.h>
#include <stddef.h>

/* 0, or -1 with the reason in err.  Safe to call again. */
int harden_process(char *err, size_t errlen);

/* Is name a password variable harden_process() takes out of the
 * environment (REPLICA_WIZARD_ prefix, _PASSWORD suffix)? */
bool harden_secret_name(const char *name);

/* What a password variable held at start; before harden_process() (unit
 * tests), or for another name, getenv(name). */
const char *harden_secret_env(const char *name);

#endif
