/* Parse the output of Dovecot 2.3 `doveadm replicator ...` commands, in the
 * machine formats `-f tab` and `-f json` (never the default `table`, whose
 * alignment breaks on long values), and classify doveadm's failures.
 *
 * Every parser takes (buf, len): not NUL-terminated, may hold anything.
 * On input that doveadm does not print they return NULL (or -1) and fill
 * *err with the 1-based line (JSON: the line jansson reports; the line is 1
 * for a JSON value of the wrong shape, since doveadm prints JSON on one
 * line) and a static English message. */
#ifndef RW_DOVEADM_PARSE_H
#define RW_DOVEADM_PARSE_H

#include <stdbool.h>
#include <stddef.h>

/* Bounds so that any input gives bounded memory. */
#define DOVEADM_MAX_ROWS 100000		/* users or dsync rows */
#define DOVEADM_MAX_EXTRA 32		/* unknown overview fields kept */
#define DOVEADM_MAX_FIELD 1024		/* bytes of one value */

/* "-" in a time column: the event never happened. */
#define DOVEADM_NEVER (-1LL)

struct doveadm_error {
	size_t line;
	const char *msg;
};

/* ---- `doveadm [-f tab|json] replicator status` (overview) ---- */

struct doveadm_kv {
	char *field;
	char *value;
};

struct doveadm_overview {
	/* -1 when the field was not printed. */
	long long queued_sync;		/* Queued 'sync' requests */
	long long queued_high;		/* Queued 'high' requests */
	long long queued_low;		/* Queued 'low' requests */
	long long queued_failed;	/* Queued 'failed' requests */
	long long queued_full_resync;	/* Queued 'full resync' requests */
	long long waiting_failed;	/* Waiting 'failed' requests */
	long long total_users;		/* Total number of known users */
	struct doveadm_kv *extra;	/* fields this parser does not know */
	size_t n_extra;
	size_t n_extra_dropped;
};

/* The header line "field\tvalue" is optional (`-h` drops it). */
struct doveadm_overview *doveadm_parse_overview_tab(const char *buf, size_t len,
						    struct doveadm_error *err);
struct doveadm_overview *doveadm_parse_overview_json(const char *buf,
						     size_t len,
						     struct doveadm_error *err);
void doveadm_overview_free(struct doveadm_overview *o);

/* ---- `doveadm [-f tab|json] replicator status '<mask>'` (per user) ---- */

enum doveadm_priority {
	DOVEADM_PRIO_NONE,
	DOVEADM_PRIO_LOW,
	DOVEADM_PRIO_HIGH,
	DOVEADM_PRIO_SYNC,
};

struct doveadm_user {
	char *username;
	enum doveadm_priority priority;
	/* Seconds ago, measured on the host running doveadm, or
	 * DOVEADM_NEVER for "-". */
	long long fast_sync_ago;
	long long full_sync_ago;
	long long success_sync_ago;
	bool failed;			/* "y" */
	long long next_sync_secs;	/* 2.3.20+; -1 when the column is absent */
};

struct doveadm_users {
	struct doveadm_user *users;
	size_t n;
	bool has_next_sync;		/* the 7th column (2.3.20+) was present */
};

/* Columns are found by header name, in any order; 6 columns (2.3.19) or 7
 * with "next sync secs" (2.3.20+); unknown columns are ignored. Without a
 * header (`-h`) the default order is assumed from the column count. A
 * header alone means no users. */
struct doveadm_users *doveadm_parse_users_tab(const char *buf, size_t len,
					      struct doveadm_error *err);
/* `[]` means no users. */
struct doveadm_users *doveadm_parse_users_json(const char *buf, size_t len,
					       struct doveadm_error *err);
void doveadm_users_free(struct doveadm_users *u);

/* "HH:MM:SS" as printed by doveadm (hours may exceed 99; old builds print
 * total minutes in the middle field; negative parts from clock races are
 * clamped to 0) -> seconds; "-" -> DOVEADM_NEVER; -2 when invalid. */
long long doveadm_parse_hms(const char *s, size_t len);

/* ---- `doveadm [-f tab|json] replicator dsync-status` ---- */

struct doveadm_dsync_row {
	char *username;			/* "" for an idle connection */
	char *type;			/* full|normal|incremental|-, may be "" */
	char *status;			/* e.g. "Not connected" */
};

struct doveadm_dsync {
	struct doveadm_dsync_row *rows;
	size_t n;
};

struct doveadm_dsync *doveadm_parse_dsync_tab(const char *buf, size_t len,
					      struct doveadm_error *err);
struct doveadm_dsync *doveadm_parse_dsync_json(const char *buf, size_t len,
					       struct doveadm_error *err);
void doveadm_dsync_free(struct doveadm_dsync *d);

/* ---- `doveadm replicator replicate ...`: "<N> users updated" ---- */

/* Returns N (>= 0), or -1 with *err filled. */
long long doveadm_parse_replicate(const char *buf, size_t len,
				  struct doveadm_error *err);

/* ---- Failure classifier: stderr + exit code of any replicator command ---- */

enum doveadm_failure {
	DOVEADM_FAIL_NONE,		/* exit 0 */
	DOVEADM_FAIL_NOT_CONFIGURED,	/* 75, net_connect_unix: No such file */
	DOVEADM_FAIL_DOVECOT_DOWN,	/* 75, Connection refused (stale socket) */
	DOVEADM_FAIL_PERMISSION,	/* 75, Permission denied */
	DOVEADM_FAIL_DISCONNECTED,	/* 75, Replicator disconnected unexpectedly */
	DOVEADM_FAIL_TIMEOUT,		/* read(<socket>) timed out */
	DOVEADM_FAIL_INCOMPATIBLE,	/* not a compatible replicator-doveadm socket */
	DOVEADM_FAIL_REPLICATOR,	/* 64, Error: Replicator failed: <reason> */
	DOVEADM_FAIL_REMOVED,		/* 64, usage without replicator commands (2.4+) */
	DOVEADM_FAIL_USAGE,		/* 64, replicator usage: bad arguments */
	DOVEADM_FAIL_NOT_INSTALLED,	/* 127 from the shell: no doveadm */
	DOVEADM_FAIL_UNKNOWN,
};

struct doveadm_failure_info {
	enum doveadm_failure kind;
	const char *summary;	/* static sentence for the admin */
	/* Reason after "Replicator failed: ", the socket path for the
	 * net_connect_unix cases, else the first non-empty stderr line;
	 * control bytes shown as '?', cut to fit. */
	char detail[256];
};

/* stderr_buf may be NULL when len is 0. info may be NULL. */
enum doveadm_failure doveadm_classify_failure(const char *stderr_buf,
					      size_t len, int exit_code,
					      struct doveadm_failure_info *info);

/* Static sentence for a failure kind. */
const char *doveadm_failure_text(enum doveadm_failure kind);

#endif
