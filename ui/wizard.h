/* The wizard's model, shared by its pages and dialogs: the operation, which
 * page and dialog are shown, what the admin typed, what the engine reported
 * (connections, plan items, output). Each page and dialog is a view of its
 * own (ui/pages/pages.h lists them); wizard_key hands a key to the dialog
 * shown, else to the page, and wizard_draw draws the page and the dialog
 * over it. What differs between operations is data (ui/flow.h). Anything
 * that talks to the engine goes through `struct wizard_backend`, so the
 * screen tests drive every page with model state built by hand and a fake
 * backend. No curses in this header. */
#ifndef RW_WIZARD_H
#define RW_WIZARD_H

#include <stdbool.h>
#include <stddef.h>

#include "discover_plan.h"
#include "pages/pages.h"
#include "runner.h"
#include "transport.h"

struct pane;
struct site;
struct ui;
struct view_ops;
struct wizard;

/* What the wizard does: the operation kind its pages drive. */
enum wizard_op { OP_INSTALL, OP_REMOVE, OP_DOVECOT };

enum wizard_menu { MENU_MAIN, MENU_COMMON, MENU_LDAP };

/* The LDAP passwords as the bootstrap menus name them. */
enum wizard_pw {
	PW_ADMIN,
	PW_ROOT,
	PW_REPLICATION,
	PW_POSTFIX,
	PW_AMAVIS,
	PW_NGINX,
	PW_COUNT,
};

enum wizard_pw_state { PWS_UNSET, PWS_SET, PWS_NOT_VERIFIED, PWS_CHECKING };

enum wizard_field {
	FIELD_MASTER,
	FIELD_REPLICAS,
	FIELD_USER,
	FIELD_PORT,
	FIELD_IDENTITY,
	FIELD_KNOWN_HOSTS,
	FIELD_ANSWER,    /* answer queries afterwards: Space all/none, Enter choose */
	FIELD_CONNECT,   /* the button */
	FIELD_COUNT,
};

/* The Dovecot settings page. */
enum wizard_dv_field {
	DV_SERVER1,
	DV_SERVER2,
	DV_PORT,
	DV_MAX_CONNS,
	DV_PASSWORD,     /* g: generate (or keep an earlier run's), Enter: type */
	DV_CONNECT,
	DV_COUNT,
};

/* A Dovecot pair of the site file ([dovecot] is SITE_DEFAULT_PAIR): what the
 * pair page lists and the settings page starts from. The values are the
 * pair's own, else [dovecot]'s, else the defaults ("" when none). */
struct wizard_dv_pair {
	char *name;
	bool named;            /* [dovecot NAME] (else [dovecot]) */
	char *servers[2];
	char *port, *max_conns;
	char *conf_dir;        /* each server's, resolved ("A on S1, B on S2" when they differ) */
};

#define WIZARD_FIELD_MAX 512
#define WIZARD_DV_PW_MAX 257
#define WIZARD_PANE_LINES 2000

struct wizard_node {
	char *name;
	enum conn_state conn;
	char *conn_msg;
	struct pane *pane;
	char *step;        /* title of the step whose output the pane shows */
	size_t scroll;     /* lines up from the tail; 0 = follow */
	bool replica;      /* a replica this run works on: the run page can
			    * give each its own pane */
};

struct wizard_backend {
	/* Nodes page "Connect": build the site and operation, connect. */
	void (*connect)(struct wizard *w);
	void (*hostkey)(struct wizard *w, bool accept);
	/* A password was typed: verify it against the master (async; the
	 * backend sets w->pw[which] when the bind answers). */
	void (*password)(struct wizard *w, enum wizard_pw which, const char *value);
	void (*start)(struct wizard *w);  /* plan reviewed: runner_continue */
	void (*retry)(struct wizard *w);
	void (*skip)(struct wizard *w);
	void (*abort)(struct wizard *w);
	/* The menus are left for the plan review: compute w->plan_cmds. */
	void (*review)(struct wizard *w);
	/* DLG_SECRET answered (value NULL: Esc, none) for w->sec_node. */
	void (*secret)(struct wizard *w, const char *value);
	/* DLG_SERVERS: every unnamed server checked, skip them and go on. */
	void (*skip_servers)(struct wizard *w);
	/* Back home after a run: the operation is dropped (w->plan too). */
	void (*home)(struct wizard *w);
	/* Nodes page F5: the typed master (and [ssh]) asked for the site's
	 * servers; the review is a view pushed over the wizard, whose Enter
	 * calls wizard_set_discovered. */
	void (*discover)(struct wizard *w);
	void *ud;
};

struct wizard {
	enum wizard_op op;
	enum wizard_page page;
	enum wizard_dialog dialog;
	bool dirty;
	bool quit;
	/* each page's and dialog's own state (wizard_view_state) */
	struct {
		void *p;
		size_t size;
	} view_state[PAGE_COUNT + DLG_COUNT];

	/* Nodes page */
	char field[FIELD_COUNT][WIZARD_FIELD_MAX];
	bool answer_queries;
	int field_sel;
	char *site_path;
	char *form_error;      /* why Connect was refused */
	/* answer queries: the site's MTA and other nodes (the master, from
	 * the form, is the last row); checked ones get the new ldap_url */
	char **ans_names;
	bool *ans_checked;     /* n_ans + 1: the master last */
	size_t n_ans;
	/* what F5 Discover found on the master disc_from and the admin took:
	 * [carbonio] replicas, mta, other_nodes (discover_plan.h's lists, ""
	 * none), set in the site on Connect while the master field still
	 * names disc_from; NULL: not discovered */
	char *disc[DISCOVER_LISTS];
	char *disc_from;

	/* DLG_SECRET: what a node asks for (the answer goes straight to
	 * be.secret and is wiped here) */
	char *sec_node;
	char sec_what[320];    /* "passphrase for key FILE", "password for USER@HOST" */
	char sec_input[256];

	/* DLG_SERVERS: the servers of the master's directory that the site
	 * file does not name, with their roles; checked ones are skipped */
	char **srv_names;
	char **srv_roles;
	bool *srv_skip;
	size_t n_srv;

	/* Remove page: the site's replicas, the ones checked for removal */
	char **rm_names;
	bool *rm_checked;
	size_t n_rm;
	bool disable_ldap;

	/* Dovecot: the site's pairs (file order, [dovecot] first) and the one
	 * the settings page edits (n_dv_pairs when the site has none: the
	 * form then makes [dovecot]) */
	struct wizard_dv_pair *dv_pairs;
	size_t n_dv_pairs;
	size_t dv_pair;
	/* Dovecot page */
	char dv_field[DV_PASSWORD][WIZARD_FIELD_MAX];
	int dv_sel;
	char dv_password[WIZARD_DV_PW_MAX]; /* typed; "" = generated (never drawn) */

	/* preflight findings shown above the plan (remove: the ldap_url
	 * table; dovecot: facts per server and the config diff) */
	struct pane *report;
	size_t report_scroll;
	char *report_node;     /* last node whose output went to the report */

	/* engine view */
	struct wizard_node *nodes;
	size_t n_nodes;
	const struct plan *plan;
	char **plan_cmds;      /* one per plan item (secrets masked) */
	int rstate;            /* enum runner_state */
	bool can_skip;
	bool started;          /* runner_start called */
	bool run_continued;    /* runner_continue called (run proper) */
	bool checking;         /* the journal says complete: the nodes are asked */
	bool confirmed;        /* ... and they confirmed it: nothing was changed */
	char *hk_node;         /* DLG_HOSTKEY */
	char hk_type[32];
	char hk_fingerprint[96];
	char *site_saved;      /* "saved to PATH" or the error */
	char *hostname;        /* first replica (menus) */
	char *master;
	char *extra_hosts;     /* other replicas, shown in the menus */
	unsigned ldap_port;
	bool replica_mta;      /* shows the postfix/amavis/nginx passwords */

	/* menus */
	enum wizard_menu menu;
	enum wizard_pw_state pw[PW_COUNT];
	enum wizard_pw pw_editing; /* DLG_PASSWORD from the menus */

	size_t run_sel;        /* focused node pane (the run, the full log) */

	char status[512];      /* one-line notice at the bottom */
	char *message;         /* DLG_MESSAGE text */
	double now;            /* for elapsed times; tests freeze it */

	struct wizard_backend be;
	/* the view stack the wizard is on (pushes the dashboard, the site
	 * view); NULL: views cannot open */
	struct ui *ui;
};

struct wizard *wizard_new(void);
void wizard_free(struct wizard *w);

/* Nodes page values from a site file (missing file: empty form); also the
 * remove checklist and the Dovecot settings. */
void wizard_prefill(struct wizard *w, const char *site_path);
/* The Dovecot pairs of a validated site (replaces them); the one chosen
 * stays chosen when the site still has it (else the first). The settings
 * fields are not touched. */
void wizard_set_dv_pairs(struct wizard *w, const struct site *s);
/* Choose pair i of w->dv_pairs: the settings fields take its values; a
 * doveadm password typed for another pair is forgotten. */
void wizard_choose_dv_pair(struct wizard *w, size_t i);
/* The chosen pair (NULL: the site has none yet). */
const struct wizard_dv_pair *wizard_dv_pair(const struct wizard *w);
/* Start an operation's first page (home screen choices). */
void wizard_begin(struct wizard *w, enum wizard_op op);
/* The remove checklist (replaces it; none checked). */
void wizard_set_replicas(struct wizard *w, const char *const *names, size_t n);
/* The answer-queries checklist: the site's MTA and other nodes in run
 * order, without the master (all checked). */
void wizard_set_answer_nodes(struct wizard *w, const char *const *names, size_t n);
/* The checked nodes (the master last, from the form), NULL when all are
 * checked or answer queries is off; *n the count. Free the array only. */
const char **wizard_answer_nodes(const struct wizard *w, size_t *n);
/* The preflight found servers the site file does not name: open the
 * DLG_SERVERS checklist (none checked). */
void wizard_unnamed_servers(struct wizard *w, const char *const *names, const char *const *roles, size_t n);
/* The checked servers of DLG_SERVERS (names owned by the wizard). */
const char **wizard_skipped_servers(const struct wizard *w, size_t *n);
/* A node asks for a secret: open DLG_SECRET (what: "passphrase for key
 * FILE" or "password for USER@HOST"). */
void wizard_ask_secret(struct wizard *w, const char *node, const char *what);
/* What a node's secret prompt asks for, as the secret dialog names it:
 * "Enter passphrase for key 'F': " -> "passphrase for key F" (allocated). */
char *wizard_secret_what(enum conn_secret_kind kind, const char *prompt);
/* A line of the preflight findings. */
void wizard_report(struct wizard *w, const char *line);
/* The own state of the page or dialog whose view is ops: a block of size
 * bytes, zeroed the first time (wiped and freed with the wizard). */
void *wizard_view_state(struct wizard *w, const struct view_ops *ops, size_t size);
/* The view of page p (its name: "menus", "preflight"...). */
const struct view_ops *wizard_page_ops(enum wizard_page p);
/* Show page p; its view's enter runs (e.g. the plan review computes the
 * commands). */
void wizard_goto(struct wizard *w, enum wizard_page p);
/* After a run: the home screen, for another operation (the run's nodes,
 * plan and findings are dropped). */
void wizard_home(struct wizard *w);
/* Back to the page before in the operation's flow, as it was left. */
void wizard_back(struct wizard *w);
/* Show dialog d over the page; its view's enter runs first (it sees
 * w->dialog still the one it replaces). */
void wizard_open_dialog(struct wizard *w, enum wizard_dialog d);
/* A notice (DLG_MESSAGE). */
void wizard_notice(struct wizard *w, const char *text);
/* Push a view over the wizard (the dashboard, the site file) with the
 * site path; a notice when it cannot open or no stack runs. */
void wizard_open_view(struct wizard *w, const struct view_ops *ops);
/* Close the dialog and abort the run (the journal keeps what was done). */
void wizard_abort(struct wizard *w);
/* A form's Connect: the backend builds the operation and connects. */
void wizard_connect(struct wizard *w);
/* The Nodes page's F5: the backend asks the typed master. */
void wizard_discover(struct wizard *w);
/* A discovery taken (master: the one asked; lists as w->disc): kept for
 * Connect. The replicas field is what this run installs, so the replicas
 * the directory already has are not added to it. */
void wizard_set_discovered(struct wizard *w, const char *master, const char *const lists[DISCOVER_LISTS]);
/* The discovery still applies: the master field names the one asked. */
bool wizard_discovery_current(const struct wizard *w);
/* Row i of the answer checklist is the master's (the last row, or an MTA
 * row naming it). */
bool wizard_answer_is_master(const struct wizard *w, size_t i);

/* One key (curses key code, or a byte). */
void wizard_key(struct wizard *w, int key);
/* Ctrl-C (SIGINT): ask before aborting a run; elsewhere quit. */
void wizard_interrupt(struct wizard *w);

/* Engine notifications, called by the backend. */
struct wizard_node *wizard_node(struct wizard *w, const char *name);
struct wizard_node *wizard_add_node(struct wizard *w, const char *name);
void wizard_conn_state(struct wizard *w, const char *node, enum conn_state st, const char *msg);
void wizard_hostkey(struct wizard *w, const char *node, const char *type, const char *fp);
void wizard_item(struct wizard *w, const struct plan_item *it);
void wizard_output(struct wizard *w, const struct plan_item *it, const char *line);
void wizard_runner_state(struct wizard *w, int state);
void wizard_set_plan_cmds(struct wizard *w, char **cmds); /* takes ownership */

const char *wizard_pw_name(enum wizard_pw which); /* install.h names */
const char *wizard_pw_prompt(enum wizard_pw which); /* the bootstrap's question */
const char *wizard_pw_value(enum wizard_pw_state st); /* set / UNSET / Not Verified */
bool wizard_menus_complete(const struct wizard *w);


/* Draw the whole screen from the model: the title, the page, the dialog
 * over it (curses). */
void wizard_draw(struct wizard *w);

#endif
