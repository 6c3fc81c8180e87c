/* An operation: one procedure (install, remove, dovecot) run on a site. It
 * owns what a run needs — the SSH connection of every node taking part, the
 * run's variables and secrets, the plan, the runner and the journal — and
 * leaves the procedure-specific parts (which nodes, which values, which
 * built-in checks) to a `struct operation_kind`. The batch CLI and the TUI
 * drive the same operation; they only differ in how they show it. */
#ifndef RW_OPERATION_H
#define RW_OPERATION_H

#include <stdbool.h>
#include <stddef.h>

#include "ldap_cli.h"
#include "procedure.h"
#include "runner.h"
#include "transport.h"

struct site;
struct site_host;
struct loop;
struct vars;
struct operation;
struct journal_run;

/* A word of an operation's vocabulary: a name its procedure may use and
 * how it is answered at run time. The loader (operation_vocabulary) and the
 * runner's lookups read the same table, so a name the operation does not
 * answer is a load error, never an empty value or a condition never true. */
struct operation_word {
	const char *name;
	enum proc_word_kind kind;
	/* the step's node's own value: none without a node */
	bool per_node;
	/* variable, secret: NULL reads the run's values (facts captured from
	 * the node, secrets given or fetched) */
	const char *(*value)(struct operation *op, const char *node);
	bool (*holds)(struct operation *op, const char *node); /* condition */
	void (*start)(struct operation *op, struct runner *r, struct plan_item *it); /* builtin */
};

/* Entries of a kind's words[] (a NULL resolver: see operation_word.value). */
#define WORD_VAR(n, per_node, fn) { n, PROC_WORD_VARIABLE, per_node, fn, NULL, NULL }
#define WORD_FACT(n) { n, PROC_WORD_VARIABLE, true, NULL, NULL, NULL }  /* captured from the node */
#define WORD_SECRET(n) { n, PROC_WORD_SECRET, false, NULL, NULL, NULL } /* given or fetched */
#define WORD_COND(n, per_node, fn) { n, PROC_WORD_CONDITION, per_node, NULL, fn, NULL }
#define WORD_BUILTIN(n, fn) { n, PROC_WORD_BUILTIN, true, NULL, NULL, fn }

struct operation_kind {
	const char *procedure; /* assets/procedures/<procedure>.ini */
	const struct operation_word *words;
	size_t n_words;
	/* A check that is the run's whole point (dovecot --verify): a complete
	 * journal never stands in for it, nor for its verify steps alone. */
	bool always_full;
	/* What may run at the same time (runner_schedule.h): the read-only
	 * preflight of every node at once; the steps run exactly on these
	 * nodes (enum proc_node bits) side by side on each of them. A builtin
	 * step on several nodes then runs on them at once: the kind's builtin
	 * must keep its state per item (install's and remove's builtins run on
	 * the master alone). */
	bool parallel_preflight;
	unsigned side_by_side;
	/* Fill the plan: call operation_plan_step() for each step and node. */
	void (*build_plan)(struct operation *op);
	/* What the run is about, for the journal (e.g. "replicas=a b"). */
	char *(*scope)(struct operation *op);
	/* The name of the run's journal and what the site lock says, when it
	 * is not the procedure's (one journal per Dovecot pair, so that a run
	 * of one pair never resumes or checks another's). May be NULL. */
	char *(*journal_key)(struct operation *op);
	/* Stop the builtin step it now (abort, free): cancel its jobs, timers
	 * and probes; it must not call runner_builtin_done afterwards. NULL
	 * when every builtin of the kind finishes at once. */
	void (*builtin_cancel)(struct operation *op, struct plan_item *it);
	/* Before the run starts (secrets from the environment, generated names). */
	void (*prepare)(struct operation *op);
	/* The journal of a new (not resumed) run was opened: record what a
	 * resume will need (never a secret). May be NULL. */
	void (*journal_started)(struct operation *op);
	/* A run is resumed: take back what journal_started recorded, checked
	 * first (the journal is a file: a value may be empty or edited). false
	 * with the reason in err: nothing is run. May be NULL. */
	bool (*journal_resumed)(struct operation *op, const struct journal_run *earlier, char *err,
				size_t errlen);
};

struct operation_events {
	void (*on_conn)(void *ud, struct conn *c, enum conn_state st);
	void (*on_hostkey)(void *ud, struct conn *c, const struct hostkey_info *hk);
	void (*on_secret)(void *ud, struct conn *c, enum conn_secret_kind kind, const char *prompt);
	void (*on_item)(void *ud, const struct plan_item *it);
	void (*on_output)(void *ud, const struct plan_item *it, enum job_stream s, const char *line);
	void (*on_state)(void *ud, int runner_state);
	void *ud;
};

struct operation_options {
	bool dry_run;
	bool resume;
	bool answer_queries;      /* install: rewrite ldap_url */
	bool disable_ldap;        /* remove: take LDAP off the removed replicas */
	const char *const *only;  /* install/remove: the replicas of this run (NULL: the site's) */
	size_t n_only;
	/* install with answer_queries: the nodes whose ldap_url is rewritten
	 * (NULL: all of them, the master, MTA and other nodes) */
	const char *const *answer_nodes;
	size_t n_answer_nodes;
	int command_timeout_s;
	bool pause_after_preflight; /* TUI: stop after the read-only phase */
	int connect_timeout_s;
	int keepalive_s;
	/* install: the path of our own LDAP connections (password checks) */
	struct ldap_cli ldap;
	/* install with answer_queries, remove: servers of the master's directory
	 * that the site file does not name and the run leaves alone */
	const char *const *skip_nodes;
	size_t n_skip_nodes;
	/* dovecot: the pair of this run (site_pair_at()->name; must outlive the
	 * operation). NULL: the site's only pair (dovecot_op_pair()). */
	const char *pair;
};

struct operation *operation_new(struct loop *loop, struct site *site, const char *site_path,
				const struct operation_kind *kind,
				const struct operation_options *opts,
				const struct operation_events *ev, char *err, size_t errlen);
/* Safe at any time, also mid-step: the runner and the builtins are stopped
 * first, so the connections' last callbacks find nothing freed. Releases
 * the site lock. */
void operation_free(struct operation *op);

/* What a procedure of this kind may name (its words). */
struct proc_vocabulary operation_vocabulary(const struct operation_kind *kind);
/* A variable's or secret's value for a step on node (NULL: none), or
 * whether a condition holds there: through the kind's words. */
const char *operation_value(struct operation *op, const char *node, const char *name, bool secret);
bool operation_holds(struct operation *op, const char *node, const char *cond);

/* Accessors for the kinds. */
struct site *operation_site(const struct operation *op);
/* The site's LDAP master (its [carbonio] master), or NULL. */
const char *operation_master(const struct operation *op);
struct vars *operation_vars(const struct operation *op);
struct loop *operation_loop(const struct operation *op);
const struct operation_options *operation_options(const struct operation *op);
void *operation_kind_data(const struct operation *op);
void operation_set_kind_data(struct operation *op, void *data, void (*free_fn)(void *));
void operation_plan_step(struct operation *op, const char *step_id, const char *node);
const struct procedure *operation_procedure(const struct operation *op);
struct journal *operation_journal(const struct operation *op);
/* The earlier run being resumed (after operation_open_journal), or NULL. */
const struct journal_run *operation_resumed_run(const struct operation *op);

/* Was the last run of the same scope cut short or aborted (so reopening the
 * wizard can continue it)? Call before operation_open_journal. */
bool operation_resumable(const struct operation *op);
void operation_set_resume(struct operation *op, bool resume);

/* Open the journal (resume: continue its last run when the scope matches).
 * Returns false with a message when --resume finds nothing to resume. A
 * finished run of the same scope sets *complete and turns the operation
 * into a check of the nodes (operation_checking). */
bool operation_open_journal(struct operation *op, bool *complete, char *err, size_t errlen);
/* operation_open_journal found the same scope complete: the runner now
 * checks it on the nodes (connect, start as usual): only the preflight and
 * the procedure's verify = yes steps run, and nothing is journaled. The
 * run ends RUNNER_DONE when the nodes confirm the result; stopped at a
 * failed verify step when they do not. */
bool operation_checking(const struct operation *op);
/* After a check the nodes did not confirm: the whole procedure again, as a
 * new run in the journal (not a resume), on the same connections. Call
 * from the loop, never from one of the runner's callbacks (the check's
 * runner is freed); operation_start then runs it. */
bool operation_run_again(struct operation *op, char *err, size_t errlen);
/* The last operation_open_journal failed because another process runs on
 * the same site (its lock file; err names the process and since when). */
bool operation_site_busy(const struct operation *op);

/* Connect every node of the plan (non-blocking). */
void operation_connect(struct operation *op);
/* Have all connections reached READY? Any FAILED sets *failed. */
bool operation_connected(const struct operation *op, bool *failed);
struct conn *operation_conn(const struct operation *op, const char *node);

/* Some node's connection failed on its host key: exit status 3. */
bool operation_hostkey_refused(const struct operation *op);
struct runner *operation_runner(const struct operation *op);
/* A line of a built-in step's own output, shown like a command's output
 * (on_output); the line passes through the redactor first. */
void operation_output(struct operation *op, const struct plan_item *it, const char *line);
void operation_start(struct operation *op);
/* After runner_abort: run the loop until every cancelled command has been
 * stopped on its node (the transport's kill has run), for at most max_s,
 * or until give_up() (may be NULL) says so (a second ^C). */
void operation_drain(struct operation *op, double max_s, bool (*give_up)(void));
const struct plan *operation_plan(const struct operation *op);

/* Why a preflight check stopped the run before anything changed when the
 * cause is the site file or the command line, not a node (batch: exit 2). */
enum operation_refusal {
	OPERATION_REFUSAL_NONE,
	OPERATION_REFUSAL_UNNAMED_SERVERS, /* the directory lists servers the site does not name */
	OPERATION_REFUSAL_BAD_SKIP,        /* --skip-node names no server of the directory */
};

/* A server of the master's directory and its enabled services. */
struct operation_server {
	char *name;
	char *roles; /* "mta, amavis, ..." */
	bool mta;
};

/* Set by the check (NONE clears it); takes the servers (UNNAMED_SERVERS:
 * the ones not named nor skipped). */
void operation_refuse(struct operation *op, enum operation_refusal why,
		      struct operation_server *servers, size_t n);
enum operation_refusal operation_refusal(const struct operation *op,
					 const struct operation_server **servers, size_t *n);
/* The TUI's checklist: skip these servers from now on (a retry of the
 * check then passes). The names must outlive the operation. */
void operation_set_skip_nodes(struct operation *op, const char *const *names, size_t n);

#endif
