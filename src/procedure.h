/* Procedures as data: the steps of install, remove and dovecot live in
 * assets/procedures/<name>.ini, readable without reading C. This module
 * loads and validates them against their operation's vocabulary; the
 * operation kinds (operation.h) plan them for a site. */
#ifndef RW_PROCEDURE_H
#define RW_PROCEDURE_H

#include <stdbool.h>
#include <stddef.h>

/* Where a step runs (a bit set). */
enum proc_node {
	PROC_NODE_MASTER = 1 << 0,
	PROC_NODE_REPLICA = 1 << 1, /* once per replica of the run */
	PROC_NODE_MTA = 1 << 2,
	PROC_NODE_OTHER = 1 << 3,
	PROC_NODE_ANSWER = 1 << 4,  /* the nodes whose ldap_url is rewritten */
	PROC_NODE_SERVER = 1 << 5,  /* each Dovecot server of the pair */
	PROC_NODE_REMOVED = 1 << 6, /* each replica being removed */
};

enum proc_user { PROC_USER_ROOT, PROC_USER_ZEXTRAS };

/* Where a step's result is shown besides its node's pane (`report`). */
enum proc_report {
	PROC_REPORT_NONE,
	PROC_REPORT_PREFLIGHT, /* its output is a finding confirmed before the plan review */
	PROC_REPORT_PREFLIGHT_RESULT, /* so is the message it finishes with (a builtin's summary) */
	PROC_REPORT_FINISH,    /* listed under "Verification" on the finish page */
};

#define PROC_MAX_OK_EXIT 8
#define PROC_MAX_WHEN 4

struct proc_step {
	char *id;
	char *title;
	char *phase;          /* "preflight" or NULL (the run proper) */
	unsigned nodes;       /* enum proc_node bits */
	enum proc_user user;
	char *run;            /* shell template; never holds a secret */
	char *stdin_tpl;      /* may hold {{secret:NAME}} */
	char *skip_if;        /* shell template */
	char *builtin;        /* instead of run: a step done by the engine */
	int ok_exit[PROC_MAX_OK_EXIT];
	size_t n_ok_exit;
	char *done_output;    /* regex templates */
	char *fail_output;
	char *require_output;
	int retry_for;        /* seconds; 0 = run once */
	int retry_every;
	bool output_hidden;
	bool capture_shell;
	bool idempotent;
	bool check_warn;
	/* verify = yes: a read-only step of the run proper whose success proves
	 * the result; a run the journal calls complete runs only the preflight
	 * and these before saying so. */
	bool verify;
	char *when[PROC_MAX_WHEN];
	size_t n_when;
	char *hint;
	char *hint_unfinished; /* instead of hint when the command never ended
				* on the node (lost, timed out, aborted) */
	enum proc_report report;
	bool verify_run;      /* also part of a verify-only run (dovecot --verify) */
	/* once = yes: one finding about the pair, planned on its first server
	 * only (node = server) */
	bool once;
	int line;             /* where the step starts in its file */
};

struct procedure {
	char *name;
	char *title;
	char *path;
	struct proc_step *steps;
	size_t n_steps;
};

/* The kinds of name a procedure uses: {{variable}}, {{secret:name}},
 * `when = condition`, `builtin = name`. */
enum proc_word_kind {
	PROC_WORD_VARIABLE,
	PROC_WORD_SECRET,
	PROC_WORD_CONDITION,
	PROC_WORD_BUILTIN,
};

/* What a procedure may name: its operation's words (operation_vocabulary).
 * Any other name is a load error, so a typo, or a name another operation
 * knows, never reaches a node as an empty value or a condition never true. */
struct proc_vocabulary {
	const char *owner; /* in messages: "unknown condition 'selinux' for install-replica" */
	bool (*knows)(const void *ud, enum proc_word_kind kind, const char *name);
	const void *ud;
};

/* Load and validate; on error returns NULL and writes "FILE:LINE: message"
 * into err. */
struct procedure *procedure_load(const char *path, const struct proc_vocabulary *vocab, char *err,
				 size_t errlen);
/* Load assets/procedures/<name>.ini from the assets directory. */
struct procedure *procedure_load_named(const char *name, const struct proc_vocabulary *vocab,
				       char *err, size_t errlen);
void procedure_free(struct procedure *p);

const struct proc_step *procedure_step(const struct procedure *p, const char *id);

#endif
