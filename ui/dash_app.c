/* The dashboard as a view on the view stack (ui/view.h): `replica-wizard
 * dashboard` pushes it on a fresh stack inside the shell (ui/shell.h); the
 * wizard pushes it over itself (home entry, `d` on the finish page). Either
 * way the one loop (ui_run) carries the dashboard's SSH sessions, LDAP
 * probes and timers together with the keyboard, so the screen answers keys
 * while a host is silent. */
#include "dashboard_view.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dashboard.h"
#include "exit_status.h"
#include "home.h"
#include "loop.h"
#include "site.h"
#include "shell.h"
#include "stopsig.h"
#include "transport.h"
#include "view.h"
#include "xalloc.h"

struct dash_state {
	struct dview *v;
	struct dashboard *d;
	struct site *own_site;       /* loaded by enter (from the wizard) */
	bool *hostkey_refused;       /* standalone: told at leave */
	unsigned long drawn;         /* model generation last drawn */
	time_t drawn_at;             /* the clock last drawn */
};

/* The standalone command's site and options (already loaded). */
struct dash_args {
	const struct site *site;
	const char *site_path;
	const struct dash_options *opts;
	bool *hostkey_refused;
};

static void on_change(void *ud)
{
	struct dview *v = ud;
	v->dirty = true;
}

static void on_hostkey(void *ud, const char *host, const struct hostkey_info *hk)
{
	dview_hostkey(ud, host, hk ? hk->type : "?", hk ? hk->fingerprint : "?");
}

static void start(struct view *view, struct dash_state *s, const struct site *site,
		  const char *site_path, const struct dash_options *opts)
{
	char *title = xasprintf("site: %s", site_path ? site_path : "");
	s->v = dview_new(NULL, title);
	free(title);
	struct dash_callbacks cb = { .on_hostkey = on_hostkey, .on_change = on_change, .ud = s->v };
	s->d = dashboard_new(view->ui->loop, site, opts, &cb);
	s->v->d = s->d;
	s->drawn = (unsigned long)-1;
	view->priv = s;
	dashboard_start(s->d);
}

/* From the wizard: arg is the site path. */
static bool enter_path(struct view *view, void *arg, char *err, size_t err_size)
{
	const char *site_path = arg;
	struct site *site = home_load_site(site_path, "Dashboard", err, err_size);
	if (!site)
		return false;
	if (!isatty(STDIN_FILENO)) {
		snprintf(err, err_size, "The dashboard needs a terminal.");
		site_free(site);
		return false;
	}
	struct dash_options o = { 0 };
	dash_thresholds_default(&o.th);
	struct dash_state *s = xcalloc(1, sizeof *s);
	s->own_site = site;
	start(view, s, site, site_path, &o);
	return true;
}

static bool enter_args(struct view *view, void *arg, char *err, size_t err_size)
{
	(void)err;
	(void)err_size;
	const struct dash_args *a = arg;
	struct dash_state *s = xcalloc(1, sizeof *s);
	s->hostkey_refused = a->hostkey_refused;
	start(view, s, a->site, a->site_path, a->opts);
	return true;
}

static unsigned key(struct view *view, int k)
{
	struct dash_state *s = view->priv;
	dview_key(s->v, k);
	return VIEW_CHANGED | (s->v->quit ? VIEW_CLOSE : 0);
}

static void draw(struct view *view)
{
	struct dash_state *s = view->priv;
	s->v->now = time(NULL);
	dview_draw(s->v);
	s->drawn = dashboard_generation(s->d);
	s->drawn_at = s->v->now;
}

/* Redraw when the model or the view changed or the clock ticked (ages and
 * the title clock move every second). */
static bool tick(struct view *view)
{
	struct dash_state *s = view->priv;
	return s->v->dirty || s->drawn != dashboard_generation(s->d) || s->drawn_at != time(NULL);
}

static void leave(struct view *view)
{
	struct dash_state *s = view->priv;
	if (s->hostkey_refused)
		*s->hostkey_refused = dashboard_hostkey_refused(s->d);
	dashboard_free(s->d);
	dview_free(s->v);
	site_free(s->own_site);
	free(s);
}

const struct view_ops dashboard_view_ops = {
	.name = "dashboard", .enter = enter_path, .key = key, .draw = draw, .tick = tick,
	.leave = leave, /* ^C: close (no .interrupt) */
};

static const struct view_ops standalone_ops = {
	.name = "dashboard", .enter = enter_args, .key = key, .draw = draw, .tick = tick,
	.leave = leave,
};

int dashboard_view_main(const struct site *site, const char *site_path,
			const struct dash_options *opts, const char *progname)
{
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "%s dashboard: the live view needs a terminal; use `%s dashboard --once` "
			"or `%s check` otherwise\n", progname, progname, progname);
		return RW_EXIT_USAGE;
	}
	struct shell sh;
	char who[128];
	snprintf(who, sizeof who, "%s dashboard", progname);
	if (!shell_open(&sh, who))
		return RW_EXIT_FAILED;
	struct loop *loop = loop_new();
	struct ui *ui = ui_new(loop);
	bool refused = false;
	struct dash_args a = { site, site_path, opts, &refused };
	char err[256];
	ui_push(ui, &standalone_ops, &a, err, sizeof err); /* enter_args cannot refuse */
	ui_run(ui);
	int stop_sig = ui->stop_sig;
	ui_free(ui);
	loop_free(loop);
	shell_close(&sh);
	if (refused)
		return RW_EXIT_HOSTKEY; /* as the batch commands: a refused key is 3 */
	return stop_sig ? stopsig_exit_status(stop_sig) : RW_EXIT_OK;
}
