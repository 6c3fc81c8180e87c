/* Text rendering of the dashboard (see dash_text.h). */
#include "dash_text.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dashboard.h"
#include "xalloc.h"

#define MAX_USERS_SHOWN 10
#define MAX_EVENTS_SHOWN 10

/* A list of lines, each already cut to the panel width. */
struct lines {
	char **v;
	size_t n;
	int width;
};

/* Code points of s (UTF-8; continuation bytes do not count). */
static size_t cols(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

/* Copy of s cut to width columns; a cut is marked with '~'. */
static char *cut(const char *s, int width)
{
	if (width <= 0)
		return xstrdup("");
	if (cols(s) <= (size_t)width)
		return xstrdup(s);
	size_t keep = (size_t)width - 1, n = 0, i = 0;
	for (; s[i]; i++) {
		if (((unsigned char)s[i] & 0xC0) != 0x80) {
			if (n == keep)
				break;
			n++;
		}
	}
	char *r = xmalloc(i + 2);
	memcpy(r, s, i);
	r[i] = '~';
	r[i + 1] = '\0';
	return r;
}

static void add(struct lines *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(struct lines *l, const char *fmt, ...)
{
	va_list ap;
	char buf[1024];
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	/* drop trailing blanks so the expected files have none */
	size_t len = strlen(buf);
	while (len && buf[len - 1] == ' ')
		buf[--len] = '\0';
	l->v = xrealloc(l->v, (l->n + 1) * sizeof *l->v);
	l->v[l->n++] = cut(buf, l->width);
}

/* text wrapped at blanks into lines of the panel width, each starting
 * with prefix (first line) or blanks of the same width (the others). */
static void add_wrapped(struct lines *l, const char *prefix, const char *text)
{
	size_t pw = strlen(prefix);
	int avail = l->width - (int)pw;
	if (avail < 10) {
		add(l, "%s%s", prefix, text);
		return;
	}
	const char *p = text;
	bool first = true;
	while (*p) {
		/* take at most avail columns, cut at the last blank if any */
		size_t n = 0, bytes = 0, last_blank = 0;
		while (p[bytes] && n < (size_t)avail) {
			if (p[bytes] == ' ')
				last_blank = bytes;
			bytes++;
			while (((unsigned char)p[bytes] & 0xC0) == 0x80)
				bytes++;
			n++;
		}
		if (p[bytes] && p[bytes] != ' ' && last_blank > 0)
			bytes = last_blank;
		add(l, "%*s%.*s", (int)pw, first ? prefix : "", (int)bytes, p);
		first = false;
		p += bytes;
		while (*p == ' ')
			p++;
	}
}

static void lines_free(struct lines *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

/* "5 s", "3 min", "2 h", "4 d" */
void dash_fmt_age(char *out, size_t size, time_t then, time_t now)
{
	long long a = (long long)(now - then);
	if (a < 0)
		a = 0;
	if (a < 120)
		snprintf(out, size, "%lld s", a);
	else if (a < 7200)
		snprintf(out, size, "%lld min", a / 60);
	else if (a < 172800)
		snprintf(out, size, "%lld h", a / 3600);
	else
		snprintf(out, size, "%lld d", a / 86400);
}

/* "HH:MM:SS" (or "-" for never) of a doveadm "seconds ago" value. */
void dash_fmt_hms(char *out, size_t size, long long s)
{
	if (s < 0)
		snprintf(out, size, "-");
	else
		snprintf(out, size, "%02lld:%02lld:%02lld", s / 3600, s / 60 % 60, s % 60);
}

const char *dash_prio_name(enum doveadm_priority p)
{
	switch (p) {
	case DOVEADM_PRIO_LOW: return "low";
	case DOVEADM_PRIO_HIGH: return "high";
	case DOVEADM_PRIO_SYNC: return "sync";
	default: return "none";
	}
}

int dash_text_width(const char *columns)
{
	if (!columns || !*columns)
		return 80;
	char *end;
	long c = strtol(columns, &end, 10);
	if (*end || c <= 0)
		return 80;
	if (c >= 160)
		return 160;
	if (c >= 120)
		return 120;
	return 80;
}

static void left_panel(const struct dashboard *d, struct lines *l, time_t now)
{
	const struct dash_master *m = dashboard_master(d);
	char a[32];
	add(l, "DIRECTORY REPLICATION");
	if (m->csn_valid && m->n_csns) {
		dash_fmt_age(a, sizeof a, m->csn_at, now);
		add(l, "master %s%s", m->name, m->csn_error ? "  (stale)" : "");
		add(l, "  contextCSN %.*s", l->width >= 54 ? 40 : 22, m->csns[0]);
		if (m->via_ssh)
			add(l, "  LDAP (via ssh)");
		if (m->csn_error)
			add(l, "  ! %s (last good %s ago)", m->csn_error, a);
	} else {
		add(l, "master %s", m->name);
		add_wrapped(l, "  ! ", m->csn_error ? m->csn_error : "contextCSN not read yet");
	}
	if (!m->have_password && m->password_error)
		add(l, "  ! LDAP password: %s", m->password_error);
	if (dashboard_n_replicas(d) == 0)
		add(l, "(the site names no replica)");
	for (size_t i = 0; i < dashboard_n_replicas(d); i++) {
		const struct dash_replica *r = dashboard_replica(d, i);
		add(l, "%s", "");
		add(l, "%-8s %s", dash_health_name(r->health), r->name);
		add_wrapped(l, "  ", r->summary ? r->summary : "");
		/* zmreplchk */
		if (r->zm_valid) {
			dash_fmt_age(a, sizeof a, r->zm_at, now);
			add(l, "  zmreplchk: Code %d %s%s%s%s", r->zm_code, r->zm_status ? r->zm_status : "",
			    r->zm_error ? " (" : "", r->zm_error ? a : "", r->zm_error ? " ago)" : "");
		}
		if (r->zm_error)
			add_wrapped(l, "  ! ", r->zm_error);
		else if (!r->zm_valid)
			add(l, "  zmreplchk: not run yet");
		/* own probe */
		if (r->csn_error) {
			add_wrapped(l, "  ! LDAP: ", r->csn_error);
			if (r->csn_valid) {
				dash_fmt_age(a, sizeof a, r->csn_at, now);
				add(l, "  last CSN %s ago", a);
			}
		} else if (r->csn_valid) {
			if (r->lag_valid)
				add(l, "  CSN lag %.0f s", r->lag < 0 ? 0 : r->lag);
			else if (r->lag_no_csn)
				add(l, "  CSN lag: no CSN of the master's server id");
			else
				add(l, "  CSN lag unknown (master CSN missing)");
			add(l, "  contextCSN %.*s", l->width >= 54 ? 40 : 22, r->csn ? r->csn : "");
			if (r->via_ssh)
				add(l, "  LDAP (via ssh)");
		}
		if (r->mon_error)
			add_wrapped(l, "  ! ", r->mon_error);
		else if (r->mon_valid) {
			if (r->mon_consumers == 0)
				add(l, "  syncrepl: no consumer in cn=Monitor");
			else if (r->mon_connected)
				add(l, "  syncrepl connected, phase %s", r->mon_phase ? r->mon_phase : "?");
			else
				add(l, "  syncrepl NOT connected, next try %s",
				    r->mon_next_connect ? r->mon_next_connect : "?");
		}
	}
}

static void user_rows(const struct dash_server *s, struct lines *l, int width)
{
	char f[64], fu[64], su[64], nx[64];
	/* the name column takes what the others leave; wider panels show more
	 * columns (times as HH:MM:SS ago, as doveadm prints them) */
	int mode = width >= 78 ? 2 : width >= 58 ? 1 : 0;
	int fixed = mode == 2 ? 52 : mode == 1 ? 34 : 16;
	int name_w = width - fixed;
	if (name_w < 8)
		name_w = 8;
	if (mode == 2)
		add(l, "  %-*s %-8s %-8s %-8s %-8s %-4s %s", name_w, "username", "priority", "fast",
		    "full", "success", "fail", "next");
	else if (mode == 1)
		add(l, "  %-*s %-8s %-8s %-8s %s", name_w, "username", "priority", "full", "success", "fail");
	else
		add(l, "  %-*s %-8s %s", name_w, "username", "success", "fail");
	size_t shown = s->n_users < MAX_USERS_SHOWN ? s->n_users : MAX_USERS_SHOWN;
	for (size_t k = 0; k < shown; k++) {
		const struct doveadm_user *u = &s->users[k];
		char *name = cut(u->username, name_w);
		/* pad by code points, not bytes */
		int pad = name_w - (int)cols(name);
		dash_fmt_hms(f, sizeof f, u->fast_sync_ago);
		dash_fmt_hms(fu, sizeof fu, u->full_sync_ago);
		dash_fmt_hms(su, sizeof su, u->success_sync_ago);
		if (u->next_sync_secs >= 0)
			dash_fmt_hms(nx, sizeof nx, u->next_sync_secs);
		else
			snprintf(nx, sizeof nx, "-");
		const char *fl = u->failed ? "y" : "-";
		if (mode == 2)
			add(l, "  %s%*s %-8s %-8s %-8s %-8s %-4s %s", name, pad, "", dash_prio_name(u->priority), f,
			    fu, su, fl, nx);
		else if (mode == 1)
			add(l, "  %s%*s %-8s %-8s %-8s %s", name, pad, "", dash_prio_name(u->priority), fu, su, fl);
		else
			add(l, "  %s%*s %-8s %s", name, pad, "", su, fl);
		free(name);
	}
	if (s->n_users > shown)
		add(l, "  (%zu more users)", s->n_users - shown);
}

static void right_panel(const struct dashboard *d, struct lines *l, time_t now)
{
	char a[32];
	add(l, "DOVECOT REPLICATION");
	if (dashboard_n_servers(d) == 0)
		add(l, "(the site names no Dovecot server)");
	/* several pairs: each under its name and worst health, in site order */
	bool grouped = dashboard_pairs_grouped(d);
	size_t pair = 0;
	for (size_t j = 0; j < dashboard_n_servers(d); j++) {
		const struct dash_server *s = dashboard_server(d, j);
		if (j)
			add(l, "%s", "");
		for (; grouped && pair < dashboard_n_pairs(d) && dashboard_pair(d, pair)->first <= j; pair++)
			add(l, "pair %s: %s", dashboard_pair(d, pair)->name,
			    dash_health_name(dashboard_pair_health(d, pair)));
		add(l, "%-8s %s", dash_health_name(s->health), s->name);
		add_wrapped(l, "  ", s->summary ? s->summary : "");
		bool stale = s->ssh_error || s->fail != DOVEADM_FAIL_NONE;
		if (s->ov_valid) {
			const struct doveadm_overview *o = &s->ov;
			if (stale) {
				dash_fmt_age(a, sizeof a, s->ov_at, now);
				add(l, "  last good %s ago:", a);
			}
			add(l, "  queued sync %lld high %lld low %lld", o->queued_sync, o->queued_high,
			    o->queued_low);
			add(l, "  queued failed %lld full resync %lld", o->queued_failed,
			    o->queued_full_resync);
			add(l, "  waiting failed %lld, known users %lld", o->waiting_failed, o->total_users);
		}
		if (s->dsync_valid && !stale) {
			size_t idle = 0;
			for (size_t k = 0; k < s->n_dsync; k++)
				if (!*s->dsync[k].username)
					idle++;
			add(l, "  dsync: %zu running, %zu idle", s->n_dsync - idle, idle);
			for (size_t k = 0; k < s->n_dsync; k++)
				if (*s->dsync[k].username)
					add(l, "    %s %s %s", s->dsync[k].username, s->dsync[k].type,
					    s->dsync[k].status);
		}
		if (s->users_valid && s->n_users)
			user_rows(s, l, l->width);
	}
}

static void out_add(char **buf, size_t *len, const char *s)
{
	size_t n = strlen(s);
	*buf = xrealloc(*buf, *len + n + 1);
	memcpy(*buf + *len, s, n + 1);
	*len += n;
}

char *dash_text_render(const struct dashboard *d, int width, const char *title, time_t now)
{
	if (width != 120 && width != 160)
		width = 80;
	int lw = (width - 3) / 2, rw = width - 3 - lw;
	struct lines L = { .width = lw }, R = { .width = rw }, F = { .width = width };
	char *out = NULL;
	size_t len = 0;
	char ts[32];
	struct tm tm;
	localtime_r(&now, &tm);
	strftime(ts, sizeof ts, "%Y-%m-%d %H:%M:%S", &tm);
	add(&F, "replica-wizard dashboard  %s  overall %s", ts, dash_health_name(dashboard_overall(d)));
	if (title)
		add(&F, "%s", title);
	left_panel(d, &L, now);
	right_panel(d, &R, now);
	for (size_t i = 0; i < F.n; i++) {
		out_add(&out, &len, F.v[i]);
		out_add(&out, &len, "\n");
	}
	size_t rows = L.n > R.n ? L.n : R.n;
	for (size_t i = 0; i < rows; i++) {
		const char *a = i < L.n ? L.v[i] : "";
		const char *b = i < R.n ? R.v[i] : "";
		char line[2048];
		int pad = lw - (int)cols(a);
		snprintf(line, sizeof line, "%s%*s | %s", a, pad, "", b);
		size_t n = strlen(line);
		while (n && line[n - 1] == ' ')
			line[--n] = '\0';
		out_add(&out, &len, line);
		out_add(&out, &len, "\n");
	}
	struct lines E = { .width = width };
	size_t ne = dashboard_n_events(d);
	add(&E, "%s", "");
	add(&E, "EVENTS%s", ne ? "" : " (none)");
	size_t first = ne > MAX_EVENTS_SHOWN ? ne - MAX_EVENTS_SHOWN : 0;
	for (size_t k = first; k < ne; k++) {
		const struct dash_event *e = dashboard_event(d, k);
		localtime_r(&e->at, &tm);
		strftime(ts, sizeof ts, "%H:%M:%S", &tm);
		char pre[64];
		snprintf(pre, sizeof pre, "%s %-8s ", ts, dash_health_name(e->level));
		add_wrapped(&E, pre, e->text);
	}
	for (size_t i = 0; i < E.n; i++) {
		out_add(&out, &len, E.v[i]);
		out_add(&out, &len, "\n");
	}
	lines_free(&L);
	lines_free(&R);
	lines_free(&F);
	lines_free(&E);
	return out;
}
