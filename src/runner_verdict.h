/* What the runner concludes from one attempt of a plan item: a pure
 * function of the step's attributes and what its command (or builtin) gave
 * back. No I/O, no loop, no variables: the runner expands the step's output
 * patterns before it asks, applies what a capture step read, journals and
 * schedules. Every branch is covered by tests/unit/test_runner_verdict.c. */
#ifndef RW_RUNNER_VERDICT_H
#define RW_RUNNER_VERDICT_H

#include <stdbool.h>
#include <stddef.h>

#include "procedure.h"

struct localconfig;

enum verdict {
	VERDICT_DONE,     /* success */
	VERDICT_ALREADY,  /* found done (skip_if holds, done_output) */
	VERDICT_RUN_STEP, /* skip_if does not hold: run the step itself */
	VERDICT_RETRY,    /* a failed attempt within the step's retry window */
	VERDICT_WARNED,   /* failed, but check = warn: the run goes on */
	VERDICT_FAILED,
};

enum verdict_reason {
	VREASON_NONE,            /* success of a command */
	VREASON_BUILTIN,         /* a builtin said so (ok or not) */
	VREASON_SKIP_IF_HOLDS,
	VREASON_SKIP_IF_NOT,
	VREASON_DONE_OUTPUT,
	VREASON_FAIL_OUTPUT,
	VREASON_EXIT_STATUS,
	VREASON_REQUIRE_OUTPUT,  /* success's pattern not in the output */
	VREASON_BAD_PATTERN,     /* a pattern could not be expanded or compiled */
	VREASON_CAPTURE,         /* a capture step's answer does not parse */
	VREASON_TIMED_OUT,
	VREASON_CONN_LOST,
	VREASON_SIGNAL,
	VREASON_NO_STATUS,       /* ended without an exit status */
	VREASON_TRANSPORT,       /* the transport's own error */
	VREASON_NOT_CONNECTED,
	VREASON_NOT_STARTED,     /* the connection refused the command */
	VREASON_PREPARE,         /* the command could not be expanded */
};

const char *verdict_reason_name(enum verdict_reason r);

enum verdict_stage {
	VSTAGE_SKIP_CHECK, /* the skip_if command ended */
	VSTAGE_COMMAND,    /* the step's command ended */
	VSTAGE_BUILTIN,    /* a builtin finished */
	VSTAGE_START,      /* the command could not be started (start_reason) */
};

/* An output pattern as the runner expanded it: re NULL and err NULL when
 * the step has none; err set when it could not be expanded. */
struct verdict_pattern {
	const char *re;
	const char *err;
};

struct verdict_input {
	const struct proc_step *step;
	const char *node;
	enum verdict_stage stage;
	/* how the command ended (SKIP_CHECK, COMMAND) */
	int exit_status;
	bool timed_out, conn_lost, cancelled, signaled;
	const char *error;        /* the transport's words, or (START) conn_error */
	const char *out;          /* everything it printed, for the patterns */
	size_t out_len;
	const char *cap;          /* its stdout alone (capture steps) */
	size_t cap_len;
	struct verdict_pattern done_output, fail_output, require_output;
	/* BUILTIN */
	bool builtin_ok;
	const char *builtin_message;
	/* START: VREASON_NOT_CONNECTED, VREASON_NOT_STARTED or VREASON_PREPARE */
	enum verdict_reason start_reason;
	/* for the retry window */
	double elapsed;           /* seconds since the first attempt started */
	bool may_retry;           /* the run is still going (not stopped, aborted) */
};

struct verdict_result {
	enum verdict verdict;
	enum verdict_reason reason;
	char *message;               /* owned; NULL on plain success */
	bool unfinished;             /* the command never ended on the node */
	bool stops_preflight;        /* a failed preflight check: nothing may change */
	struct localconfig *captured; /* a capture step's values (owned) */
};

struct verdict_result runner_verdict(const struct verdict_input *in);
void verdict_result_free(struct verdict_result *v);

#endif
