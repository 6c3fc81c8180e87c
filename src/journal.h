/* The journal of a site: one append-only text file per site and procedure,
 * one line per event (run start, finished step, run end), fsync'd as it is
 * written so that a run cut short can be resumed. Never holds a secret:
 * every line also passes through the redactor. */
#ifndef RW_JOURNAL_H
#define RW_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>

struct journal;

/* Directory: state_dir_path() (state_dir.h). File: <site name>-<hash of its
 * real path>.<procedure>.journal.  NULL when there is no home directory. */
char *journal_path_for(const char *site_path, const char *procedure);

/* Opened as state_file_open() does (a private directory, no symbolic link);
 * path NULL (no home) is refused with a message. */
struct journal *journal_open(const char *path, char *err, size_t errlen);
void journal_close(struct journal *j);

/* scope: what the run is about (e.g. "replicas=a b"); a resume continues the
 * last run only when its scope is the same. */
void journal_begin(struct journal *j, const char *run_id, const char *scope, bool resumed);
void journal_step(struct journal *j, const char *step, const char *node, const char *state,
		  int exit_status, double seconds, const char *note);
void journal_var(struct journal *j, const char *name, const char *value);
void journal_end(struct journal *j, const char *state);

/* The last run recorded in a journal file. */
struct journal_run {
	char *run_id;
	char *scope;
	char *end_state;       /* NULL when the run never ended (cut short) */
	struct { char *step, *node, *state; } *steps; /* finished steps, in order */
	size_t n_steps;
	struct { char *name, *value; } *vars;
	size_t n_vars;
};

/* NULL when the file does not exist, holds no run or may not be opened
 * (state_file_open()), or path is NULL. */
struct journal_run *journal_last_run(const char *path);
void journal_run_free(struct journal_run *r);
/* Did the run finish this step on this node (done or already done)? */
bool journal_run_done(const struct journal_run *r, const char *step, const char *node);
const char *journal_run_var(const struct journal_run *r, const char *name);

#endif
