/* The interactive session around ui_run() (ui/shell.h). */
#include "shell.h"

#include "state_dir.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "redact.h"
#include "stopsig.h"
#include "term.h"
#include "transport.h"
#include "xalloc.h"

void shell_log(FILE *f, const char *line)
{
	if (!f)
		return;
	time_t t = time(NULL);
	struct tm tm;
	char ts[32];
	localtime_r(&t, &tm);
	strftime(ts, sizeof ts, "%Y-%m-%d %H:%M:%S", &tm);
	char *safe = redact(line);
	fprintf(f, "%s %s\n", ts, safe);
	free(safe);
	fflush(f);
}

static void log_line(void *ud, const char *line)
{
	shell_log(ud, line);
}


static void close_log(struct shell *sh)
{
	transport_set_log(NULL, NULL);
	redact_clear();
	if (sh->saved_stderr >= 0) {
		dup2(sh->saved_stderr, STDERR_FILENO);
		close(sh->saved_stderr);
		sh->saved_stderr = -1;
	}
	if (sh->log)
		fclose(sh->log);
	sh->log = NULL;
}

bool shell_open(struct shell *sh, const char *who)
{
	*sh = (struct shell){ .saved_stderr = -1 };
	sh->log = state_log_open(); /* private directory, no symlink followed */
	if (sh->log) {
		transport_set_log(log_line, sh->log);
		/* libssh/libldap must not write behind curses' back */
		fflush(stderr);
		sh->saved_stderr = dup(STDERR_FILENO);
		dup2(fileno(sh->log), STDERR_FILENO);
	}
	if (!term_init()) {
		close_log(sh);
		fprintf(stderr, "%s: cannot initialise the terminal (TERM=%s)\n", who,
			getenv("TERM") ? getenv("TERM") : "");
		return false;
	}
	/* after term_init: SIGTERM and SIGHUP stop the run, not just the screen */
	stopsig_install();
	return true;
}

void shell_close(struct shell *sh)
{
	stopsig_restore();
	term_done();
	close_log(sh);
}
