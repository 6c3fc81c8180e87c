/* The private directory of the journal and the log file.
 *
 * Never a shared path: when HOME is unset or empty the home comes from the
 * password database, and with no home at all there is no state directory
 * (callers refuse with a message naming REPLICA_WIZARD_STATE_DIR).  The
 * directory and the files in it are opened without following a symbolic
 * link, and a directory that is not ours or that others can write to is
 * refused. */
#ifndef RW_STATE_DIR_H
#define RW_STATE_DIR_H

#include <stddef.h>
#include <stdio.h>

/* $REPLICA_WIZARD_STATE_DIR, else $XDG_STATE_HOME/replica-wizard, else
 * HOME/.local/state/replica-wizard.  NULL when there is no home. */
char *state_dir_path(void);

/* Open the directory dir (creating it and its missing parents 0700 when
 * create is set): refused when it is a symbolic link or not a directory,
 * not owned by the effective user, or writable by group or others.
 * Returns an O_DIRECTORY descriptor, or -1 with the reason in err. */
int state_dir_open(const char *dir, int create, char *err, size_t errlen);

/* Open the file path (in a directory state_dir_open() accepts; created
 * with it when flags hold O_CREAT) with open(2) flags, mode 0600,
 * O_NOFOLLOW and O_CLOEXEC; only a regular file is accepted.  -1 with the
 * reason in err (errlen may be 0 when it is not wanted). */
int state_file_open(const char *path, int flags, char *err, size_t errlen);

/* The UI's log, replica-wizard.log in the state directory, opened for
 * appending as state_file_open() does.  NULL when it cannot be (the UI then
 * runs without a log). */
FILE *state_log_open(void);

#endif
