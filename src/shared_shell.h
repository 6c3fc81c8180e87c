/* Several commands in one remote shell, each keeping its own output and
 * exit status: the script runs each in a subshell with stdin closed, then
 * prints a marker on stdout ("TOKEN k STATUS") and on stderr ("TOKEN k").
 * The token is random (SHARED_SHELL_TOKEN characters): no command prints it
 * by chance. The runner uses it for a node's preflight checks (runner.c). */
#ifndef RW_SHARED_SHELL_H
#define RW_SHARED_SHELL_H

#include <stdbool.h>
#include <stddef.h>

#define SHARED_SHELL_TOKEN 24
#define SHARED_SHELL_MAX 8

/* The script of n commands (each already wrapped for its user). */
char *shared_shell_script(const char *token, const char *const *cmds, size_t n);

struct shared_shell_mark {
	size_t before;  /* bytes of the line before the marker: the end of the
			 * command's last line when it printed no newline */
	size_t index;   /* the command it ends */
	int status;     /* its exit status (stdout's marker) */
};

/* Does the line hold a marker of this token? with_status: stdout's form.
 * A marker that does not parse is no marker (its line is output). */
bool shared_shell_mark(const char *token, const char *line, size_t len, bool with_status,
		       struct shared_shell_mark *m);

#endif
