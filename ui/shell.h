/* The interactive session around ui_run(), shared by the wizard and the
 * standalone dashboard: the log file (transport log, and stderr while
 * curses owns the terminal), curses set-up and restore, and the stop
 * signals (src/stopsig.h). */
#ifndef RW_SHELL_H
#define RW_SHELL_H

#include <stdbool.h>
#include <stdio.h>

struct shell {
	FILE *log;
	int saved_stderr;
};

/* The log ($REPLICA_WIZARD_STATE_DIR/replica-wizard.log, else
 * $XDG_STATE_HOME/replica-wizard/, else ~/.local/state/replica-wizard/),
 * then curses and the stop signals. False (told on stderr, as "WHO: cannot
 * initialise the terminal") when curses cannot start; nothing is left open. */
bool shell_open(struct shell *sh, const char *who);
/* One timestamped, redacted line into the log (NULL: none). */
void shell_log(FILE *log, const char *line);
/* Restore the signals, the terminal, stderr; close the log. */
void shell_close(struct shell *sh);

#endif
