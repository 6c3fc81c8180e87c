/* The dashboard's curses view (issue 5): Directory replication on the left,
 * Dovecot replication on the right, sparklines and the event log across
 * the bottom. Curses-free header: cli/cmd_dashboard.c and the wizard start
 * the view through it; the view model below is what the screen tests drive.
 *
 * The view only READS the model (src/dashboard.h) and sends intents
 * (refresh, requeue a user, host key decisions) back through a backend,
 * which is the dashboard itself unless a test puts a fake in. */
#ifndef RW_DASHBOARD_VIEW_H
#define RW_DASHBOARD_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

struct dashboard;
struct dash_options;
struct site;
struct view_ops;

enum dview_panel { DVIEW_LEFT, DVIEW_RIGHT, DVIEW_EVENTS, DVIEW_PANELS };

enum dview_dialog {
	DVIEW_DLG_NONE,
	DVIEW_DLG_HELP,
	DVIEW_DLG_REQUEUE,   /* "Requeue <user> on <server>?" y/n */
	DVIEW_DLG_HOSTKEY,   /* unknown host key, SHA256 fingerprint, y/n */
};

struct dview;
struct dview_backend {
	void (*poll_now)(struct dview *v);
	bool (*requeue)(struct dview *v, size_t server, const char *user);
	void (*hostkey)(struct dview *v, const char *host, bool accept);
	void *ud;
};

struct dview_hostkey {
	char *host;
	char type[32];
	char fingerprint[96];
};

#define DVIEW_FILTER_MAX 64

struct dview {
	struct dashboard *d;        /* not owned */
	char *title;                /* "site: /path/site.ini" */
	struct dview_backend be;    /* NULL members: the dashboard's own intents */
	enum dview_panel focus;
	int scroll[DVIEW_PANELS];   /* first line shown (events: lines up from the newest) */
	size_t user_sel;            /* index in the filtered user list of the right panel */
	bool by_name;               /* users sorted by name instead of failed first */
	char filter[DVIEW_FILTER_MAX];
	bool editing_filter;        /* `/` typed: keys go to the filter */
	enum dview_dialog dialog;
	char *rq_user;              /* the requeue waiting for its confirmation */
	size_t rq_server;
	struct dview_hostkey *hk;   /* unknown host keys, oldest first */
	size_t n_hk;
	char status[256];
	bool quit;
	bool dirty;
	time_t now;                 /* wall time used for ages and the clock */
};

struct dview *dview_new(struct dashboard *d, const char *title);
void dview_free(struct dview *v);
/* Draw the whole screen into stdscr (wnoutrefresh; the caller doupdate()s). */
void dview_draw(struct dview *v);
void dview_key(struct dview *v, int key);
/* The dashboard's on_hostkey, queued as a dialog (never accepted silently). */
void dview_hostkey(struct dview *v, const char *host, const char *type, const char *fingerprint);
/* The user the selection points at in the right panel (filter applied). */
bool dview_selected_user(const struct dview *v, size_t *server, const char **user);

/* `replica-wizard dashboard` without --once: curses on the terminal, the
 * dashboard's pollers and the keyboard in one loop (ui_run). Returns an
 * RW_EXIT_*. */
int dashboard_view_main(const struct site *site, const char *site_path,
			const struct dash_options *opts, const char *progname);
/* The view to push over another (ui/view.h): arg is the site path, loaded
 * on enter (a reason in err when it cannot start); `q` or ^C pops it. */
extern const struct view_ops dashboard_view_ops;

#endif
