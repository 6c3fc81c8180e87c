/* The step runner: runs a plan (procedure steps × nodes) on the nodes' SSH
 * connections from the event loop, one item at a time or side by side where
 * runner_schedule.h allows it. It decides success
 * from the step's data (exit status, output patterns, skip_if), retries
 * where the step says so, captures facts, journals every finished item and
 * stops at a failure until told to retry, skip or abort. The batch CLI and the
 * TUI both drive it; neither runs a step any other way. */
#ifndef RW_RUNNER_H
#define RW_RUNNER_H

#include <stdbool.h>
#include <stddef.h>

#include "procedure.h"
#include "transport.h"

struct loop;
struct vars;
struct journal;
struct journal_run;
struct runner;
struct job_group;

enum item_state {
	ITEM_PENDING,
	ITEM_RUNNING,
	ITEM_WAITING,   /* between two attempts of a retried step */
	ITEM_DONE,
	ITEM_ALREADY,   /* found done (skip_if, done_output) */
	ITEM_RESUMED,   /* done by the run being resumed */
	ITEM_NA,        /* its `when` does not hold for this run */
	ITEM_WARNED,    /* a preflight check = warn that failed */
	ITEM_FAILED,
	ITEM_SKIPPED,   /* skipped by the admin after a failure */
};

const char *item_state_name(enum item_state s);

struct plan_item {
	const struct proc_step *step;
	char *node;
	enum item_state state;
	double started, finished;   /* loop_now() */
	double first_started;       /* of the first attempt (retries) */
	int attempts;
	int exit_status;
	char *message;              /* why it failed / warned / was already done */
	bool unfinished;            /* the last attempt's command never ended on the
				     * node (lost, timed out, cancelled, not started) */
	/* private to the runner */
	char *out;                  /* output kept for matching (wiped) */
	size_t out_len, out_cap;
	char *cap;                  /* capture steps: stdout alone (wiped) */
	size_t cap_len, cap_cap;
	struct job *job;
	bool in_skip_check;
	struct job_group *group;    /* its check shares a remote shell (runner.c) */
	int timer;
	struct runner *owner;
};

struct runner_hooks {
	struct conn *(*conn_for)(void *ud, const char *node);
	/* value of {{name}} for this item (node-scoped first); NULL if none */
	const char *(*lookup)(void *ud, const struct plan_item *it, const char *name, bool secret);
	bool (*condition)(void *ud, const struct plan_item *it, const char *cond);
	/* start a builtin step; finish it with runner_builtin_done() */
	void (*builtin)(void *ud, struct runner *r, struct plan_item *it);
	/* stop the builtin step it (abort, free): drop its jobs, timers and
	 * probes so that nothing of it calls back later. May be NULL. */
	void (*builtin_cancel)(void *ud, struct plan_item *it);
	/* notifications */
	void (*on_item)(void *ud, const struct plan_item *it);
	void (*on_output)(void *ud, const struct plan_item *it, enum job_stream s,
			  const char *line);
	void (*on_state)(void *ud, int runner_state);
	void *ud;
};

enum runner_state {
	RUNNER_IDLE,
	RUNNER_RUNNING,
	RUNNER_STOPPED,  /* at a failure, once nothing else can run: retry, skip or abort */
	RUNNER_PAUSED,   /* preflight finished (pause_after_preflight): runner_continue() */
	RUNNER_DONE,
	RUNNER_ABORTED,
};

struct runner_config {
	struct loop *loop;
	struct vars *vars;
	struct journal *journal;            /* NULL: not journaled (dry run) */
	const struct journal_run *resume;   /* NULL unless --resume */
	int command_timeout_s;              /* per attempt; 0: 1800 */
	/* Stop after the read-only preflight phase so a UI can show what it
	 * found and ask before anything changes. */
	bool pause_after_preflight;
	/* Check a result the journal calls complete: only the preflight and the
	 * verify = yes steps run (all read-only); the others stay pending. No
	 * pause, and nothing journaled. */
	bool verify_only;
	/* Items that may run at the same time (runner_schedule.h); false and
	 * 0: one at a time. A kind that names side-by-side nodes runs their
	 * builtins side by side too. */
	bool parallel_preflight;
	unsigned side_by_side;   /* enum proc_node bits */
	struct runner_hooks hooks;
};

struct plan {
	struct plan_item *items;
	size_t n;
};

void plan_add(struct plan *p, const struct proc_step *step, const char *node);
void plan_free(struct plan *p);
/* Every item pending again, as before a first run (no runner may hold it). */
void plan_reset(struct plan *p);

struct runner *runner_new(const struct runner_config *cfg, struct plan *plan);
/* Cancels what is in flight as runner_abort does (without journaling): no
 * callback reaches the runner afterwards. The plan must outlive the
 * connections (a cancelled job's on_done still finds its item). */
void runner_free(struct runner *r);
void runner_start(struct runner *r);
/* Run every failed item again: each stopped chain goes on where it stopped;
 * what finished is not run again. */
void runner_retry(struct runner *r);
bool runner_can_skip(const struct runner *r);
/* Leave the first failed item (runner_failed_item) and go on; another
 * failed item stops the run again once nothing else can run. */
void runner_skip(struct runner *r);
/* Stop what is in flight (a command, a retry wait, a builtin): the item is
 * journaled "failed: aborted" at once, then the run "aborted". A cancelled
 * command's result that arrives later is dropped. */
void runner_abort(struct runner *r);
void runner_continue(struct runner *r);  /* go on after RUNNER_PAUSED */
enum runner_state runner_state(const struct runner *r);
const struct plan *runner_plan(const struct runner *r);
/* The failed item the runner stopped at (the first of the plan when several
 * replicas' chains failed), or NULL. */
const struct plan_item *runner_failed_item(const struct runner *r);
/* The hint to show for a failed item: the step's hint_unfinished when its
 * command never ended on the node (what it cleans up may be left), else its
 * hint. NULL when the step has none. */
const char *plan_item_hint(const struct plan_item *it);

/* The command of an item as the admin may see it: expanded, secrets masked,
 * and wrapped for its run-as user. For the plan review and --dry-run. */
char *runner_display_command(const struct runner *r, const struct plan_item *it,
			     const char *login_user);

void runner_builtin_done(struct runner *r, struct plan_item *it, bool ok, const char *message);

#endif
