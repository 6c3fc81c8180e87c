/* One value from OpenSSH's client configuration, for what libssh does not
 * read itself (HashKnownHosts). OpenSSH's rules: the user's file, then the
 * system's, the first value found wins; Host blocks by pattern (*, ?, !neg,
 * case-insensitive), "Match all", and Include (globs; relative paths from
 * ~/.ssh or /etc/ssh). A Match block with other criteria is skipped. */
#ifndef RW_SSH_CONFIG_VALUE_H
#define RW_SSH_CONFIG_VALUE_H

#include <stdbool.h>
#include <stddef.h>

/* user_file/system_file: NULL for ~/.ssh/config and /etc/ssh/ssh_config.
 * true and out filled when a value was found. */
bool ssh_config_value(const char *user_file, const char *system_file, const char *host,
		      const char *keyword, char *out, size_t outlen);

/* "yes"/"no" as OpenSSH parses them; dflt when unset or unreadable. */
bool ssh_config_flag(const char *user_file, const char *system_file, const char *host,
		     const char *keyword, bool dflt);

#endif
