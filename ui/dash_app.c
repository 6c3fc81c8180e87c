/* The dashboard view's event loop: one loop (src/loop.h) carries the
 * dashboard's SSH sessions, LDAP probes and timers together with the
 * keyboard, so the screen answers keys while a host is silent. Started by
 * `replica-wizard dashboard` (standalone: curses set up and restored here)
 * or from the wizard (nested: curses is the wizard's). */
#include "dashboard_view.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dashboard.h"
#include "exit_status.h"
#include "loop.h"
#include "redact.h"
#include "site.h"
#include "term.h"
#include "transport.h"
#include "xalloc.h"

static volatile sig_atomic_t got_sigint;

static void on_sigint(int sig)
{
	(void)sig;
	got_sigint = 1;
}

static void on_change(void *ud)
{
	struct dview *v = ud;
	v->dirty = true;
}

static void on_hostkey(void *ud, const char *host, const struct hostkey_info *hk)
{
	dview_hostkey(ud, host, hk ? hk->type : "?", hk ? hk->fingerprint : "?");
}

static void drain_keys(struct dview *v)
{
	int ch;
	while ((ch = getch()) != ERR)
		dview_key(v, ch);
}

static void on_stdin(void *ud, int fd, short revents)
{
	(void)fd;
	(void)revents;
	drain_keys(ud);
}

/* The loop proper: draw when the model or the view changed or the clock
 * ticked (ages and the title clock move every second). */
static void run(struct dview *v, struct dashboard *d, struct loop *loop)
{
	unsigned long drawn = (unsigned long)-1;
	time_t drawn_at = 0;
	loop_watch_fd(loop, STDIN_FILENO, POLLIN, on_stdin, v);
	dashboard_start(d);
	while (!v->quit) {
		v->now = time(NULL);
		if (v->dirty || drawn != dashboard_generation(d) || drawn_at != v->now) {
			dview_draw(v);
			doupdate();
			drawn = dashboard_generation(d);
			drawn_at = v->now;
		}
		loop_poll(loop, 250);
		drain_keys(v); /* KEY_RESIZE arrives without stdin being readable */
		if (got_sigint) {
			got_sigint = 0;
			v->quit = true;
		}
	}
	loop_unwatch_fd(loop, STDIN_FILENO);
}

static struct dashboard *make_model(struct loop *loop, const struct site *site,
				    const struct dash_options *opts, struct dview **vp,
				    const char *site_path)
{
	char *title = xasprintf("site: %s", site_path ? site_path : "");
	struct dview *v = dview_new(NULL, title);
	free(title);
	struct dash_callbacks cb = { .on_hostkey = on_hostkey, .on_change = on_change, .ud = v };
	struct dashboard *d = dashboard_new(loop, site, opts, &cb);
	v->d = d;
	*vp = v;
	return d;
}

static void mkdirs(char *path)
{
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		mkdir(path, 0700);
		*p = '/';
	}
	mkdir(path, 0700);
}

/* The same log file as the wizard (ui/README.md). */
static FILE *open_log(void)
{
	const char *dir = getenv("REPLICA_WIZARD_STATE_DIR");
	const char *xdg = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	char *d;
	if (dir && *dir)
		d = xstrdup(dir);
	else if (xdg && *xdg)
		d = xasprintf("%s/replica-wizard", xdg);
	else if (home)
		d = xasprintf("%s/.local/state/replica-wizard", home);
	else
		return NULL;
	mkdirs(d);
	char *path = xasprintf("%s/replica-wizard.log", d);
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	free(path);
	free(d);
	return fd < 0 ? NULL : fdopen(fd, "a");
}

static void log_line(void *ud, const char *line)
{
	FILE *f = ud;
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

int dashboard_view_main(const struct site *site, const char *site_path,
			const struct dash_options *opts, const char *progname)
{
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "%s dashboard: the live view needs a terminal; use `%s dashboard --once` "
			"or `%s check` otherwise\n", progname, progname, progname);
		return RW_EXIT_USAGE;
	}
	int saved_stderr = -1;
	FILE *log = open_log();
	if (log) {
		transport_set_log(log_line, log);
		/* libssh/libldap must not write behind curses' back */
		fflush(stderr);
		saved_stderr = dup(STDERR_FILENO);
		dup2(fileno(log), STDERR_FILENO);
	}
	int rc = RW_EXIT_OK;
	if (!term_init()) {
		if (saved_stderr >= 0) {
			dup2(saved_stderr, STDERR_FILENO);
			close(saved_stderr);
			saved_stderr = -1;
		}
		fprintf(stderr, "%s dashboard: cannot initialise the terminal (TERM=%s)\n", progname,
			getenv("TERM") ? getenv("TERM") : "");
		rc = RW_EXIT_FAILED;
		goto out;
	}
	struct sigaction sa = { .sa_handler = on_sigint }, old_int;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);

	struct loop *loop = loop_new();
	struct dview *v;
	struct dashboard *d = make_model(loop, site, opts, &v, site_path);
	run(v, d, loop);
	term_done();
	if (dashboard_hostkey_refused(d))
		rc = RW_EXIT_HOSTKEY; /* as the batch commands: a refused key is 3 */
	dashboard_free(d);
	dview_free(v);
	loop_free(loop);
	sigaction(SIGINT, &old_int, NULL);
out:
	transport_set_log(NULL, NULL);
	redact_clear();
	if (saved_stderr >= 0) {
		dup2(saved_stderr, STDERR_FILENO);
		close(saved_stderr);
	}
	if (log)
		fclose(log);
	return rc;
}

bool dashboard_view_nested(const char *site_path, char *err, size_t err_size)
{
	if (!site_path || !*site_path) {
		snprintf(err, err_size, "The dashboard needs a site file: start with --site FILE.");
		return false;
	}
	struct site_error se;
	char buf[2048];
	struct site *site = site_load(site_path, &se);
	if (!site) {
		snprintf(err, err_size, "Dashboard: %s", site_error_format(&se, buf, sizeof buf));
		return false;
	}
	if (!isatty(STDIN_FILENO)) {
		snprintf(err, err_size, "The dashboard needs a terminal.");
		site_free(site);
		return false;
	}
	struct dash_options o = { 0 };
	dash_thresholds_default(&o.th);
	struct sigaction sa = { .sa_handler = on_sigint }, old_int;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	struct loop *loop = loop_new();
	struct dview *v;
	struct dashboard *d = make_model(loop, site, &o, &v, site_path);
	run(v, d, loop);
	dashboard_free(d);
	dview_free(v);
	loop_free(loop);
	site_free(site);
	sigaction(SIGINT, &old_int, NULL);
	/* the wizard redraws everything on its next pass */
	clear();
	return true;
}
