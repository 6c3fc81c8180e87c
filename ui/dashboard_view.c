/* The dashboard view: keys and drawing (see dashboard_view.h). Every pass
 * redraws the whole screen from the model; drawing never changes the model,
 * only clamps the view's own scroll offsets to what fits. Wording follows
 * src/dash_text.c (`dashboard --once`) so both views read alike. */
#include "dashboard_view.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dashboard.h"
#include "dash_text.h"
#include "term.h"
#include "widgets/dialog.h"
#include "widgets/field.h"
#include "widgets/frame.h"
#include "widgets/keys.h"
#include "widgets/text.h"
#include "xalloc.h"

static int rows, cols;

/* ---- small helpers ---- */

static enum term_role health_role(enum dash_health h)
{
	switch (h) {
	case DASH_OK: return ROLE_OK;
	case DASH_WARNING: return ROLE_WARN;
	case DASH_CRITICAL: return ROLE_ERROR;
	default: return ROLE_DIM;
	}
}

/* ---- panel lines: built each pass, then drawn from a scroll offset ---- */

struct vline {
	char *text;
	enum term_role role;
	long server, user;      /* a user row of the right panel, else -1 */
};

struct vlines {
	struct vline *v;
	size_t n;
	int width;
};

static void vl_push(struct vlines *l, enum term_role role, const char *text)
{
	char *t = xstrdup(text);
	/* remote text must not move the cursor or switch charsets */
	for (char *p = t; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	size_t n = strlen(t);
	while (n && t[n - 1] == ' ')
		t[--n] = '\0';
	l->v = xrealloc(l->v, (l->n + 1) * sizeof *l->v);
	l->v[l->n++] = (struct vline){ .text = t, .role = role, .server = -1, .user = -1 };
}

static void vl_add(struct vlines *l, enum term_role role, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void vl_add(struct vlines *l, enum term_role role, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	vl_push(l, role, buf);
}

/* text wrapped at blanks to the panel width; the first line starts with
 * prefix, the others with blanks of its width */
static void vl_wrapped(struct vlines *l, enum term_role role, const char *prefix, const char *text)
{
	size_t pw = strlen(prefix);
	int avail = l->width - (int)pw;
	if (avail < 10) {
		vl_add(l, role, "%s%s", prefix, text);
		return;
	}
	const char *p = text;
	bool first = true;
	if (!*p)
		vl_add(l, role, "%s", prefix);
	while (*p) {
		const char *next;
		size_t bytes = wg_wrap_line(p, avail, &next);
		vl_add(l, role, "%*s%.*s", (int)pw, first ? prefix : "", (int)bytes, p);
		first = false;
		p = next;
	}
}

static void vl_free(struct vlines *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].text);
	free(l->v);
	memset(l, 0, sizeof *l);
}

/* ---- the user list of the right panel (filter and sort applied) ---- */

struct uref {
	size_t server, user;
	size_t rank; /* the server's place in server_order() */
};

static bool contains_nocase(const char *hay, const char *needle)
{
	size_t n = strlen(needle);
	if (!n)
		return true;
	for (; *hay; hay++) {
		size_t i = 0;
		while (i < n && hay[i] && tolower((unsigned char)hay[i]) == tolower((unsigned char)needle[i]))
			i++;
		if (i == n)
			return true;
	}
	return false;
}

/* ---- Dovecot pairs: order, filter, detail ----
 * Several pairs are shown grouped, the worst first (CRITICAL, UNKNOWN,
 * WARNING, OK; site order among equals). The filter (`/`) matches a pair's
 * name, a server's name or a user's: a pair without any match is hidden.
 * With more pairs than DVIEW_PAIRS_DETAILED, a healthy pair is one line per
 * server (a large cluster's 64 pairs stay readable) unless the filter
 * names it. */
#define DVIEW_PAIRS_DETAILED 4

static int health_rank(enum dash_health h)
{
	switch (h) {
	case DASH_CRITICAL: return 3;
	case DASH_UNKNOWN: return 2;
	case DASH_WARNING: return 1;
	default: return 0;
	}
}

/* The filter names the server or its pair: every user of it is shown. */
static bool server_named(const struct dview *v, size_t j)
{
	const struct dash_server *s = dashboard_server(v->d, j);
	return v->filter[0] && (contains_nocase(s->name, v->filter) ||
				(s->pair && contains_nocase(s->pair, v->filter)));
}

static bool user_shown(const struct dview *v, size_t j, const char *user)
{
	return server_named(v, j) || contains_nocase(user, v->filter);
}

static bool pair_matches(const struct dview *v, const struct dash_pair *p)
{
	if (!v->filter[0] || contains_nocase(p->name, v->filter))
		return true;
	for (size_t j = p->first; j < p->first + p->n; j++) {
		const struct dash_server *s = dashboard_server(v->d, j);
		if (server_named(v, j))
			return true;
		for (size_t k = 0; s->users_valid && k < s->n_users; k++)
			if (contains_nocase(s->users[k].username, v->filter))
				return true;
	}
	return false;
}

/* Should server j show its details (overview, dsync, users)? */
static bool server_detailed(const struct dview *v, size_t j)
{
	const struct dash_server *s = dashboard_server(v->d, j);
	if (!dashboard_pairs_grouped(v->d) || v->filter[0] ||
	    dashboard_n_pairs(v->d) <= DVIEW_PAIRS_DETAILED)
		return true;
	for (size_t k = 0; k < dashboard_n_pairs(v->d); k++) {
		const struct dash_pair *p = dashboard_pair(v->d, k);
		if (j >= p->first && j < p->first + p->n)
			return dashboard_pair_health(v->d, k) != DASH_OK;
	}
	return s->health != DASH_OK;
}

/* Servers in the order shown: site order without pairs; grouped, the pairs
 * worst first, hidden ones left out (*hidden counts them). ord holds
 * dashboard_n_servers() entries. */
static size_t server_order(const struct dview *v, size_t *ord, size_t *hidden)
{
	size_t n = 0, ns = dashboard_n_servers(v->d), np = dashboard_n_pairs(v->d);
	*hidden = 0;
	if (!dashboard_pairs_grouped(v->d)) {
		for (size_t j = 0; j < ns; j++)
			ord[n++] = j;
		return n;
	}
	bool *placed = xcalloc(ns + 1, sizeof *placed);
	for (int rank = 3; rank >= 0; rank--) {
		for (size_t k = 0; k < np; k++) {
			const struct dash_pair *p = dashboard_pair(v->d, k);
			if (health_rank(dashboard_pair_health(v->d, k)) != rank)
				continue;
			bool shown = pair_matches(v, p);
			*hidden += !shown;
			for (size_t j = p->first; j < p->first + p->n && j < ns; j++) {
				placed[j] = true;
				if (shown)
					ord[n++] = j;
			}
		}
	}
	for (size_t j = 0; j < ns; j++) /* a server in no pair (offline models) */
		if (!placed[j])
			ord[n++] = j;
	free(placed);
	return n;
}

static const struct dashboard *sort_d;
static int uref_by_name(const void *a, const void *b)
{
	const struct uref *x = a, *y = b;
	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	const struct dash_server *s = dashboard_server(sort_d, x->server);
	return strcmp(s->users[x->user].username, s->users[y->user].username);
}

/* Servers in the order shown (server_order); inside one, the model's order
 * (failed first, then by name) or by name. Only detailed servers list
 * their users. */
static size_t user_list(const struct dview *v, struct uref **out)
{
	struct uref *r = NULL;
	size_t n = 0, hidden;
	size_t *ord = xcalloc(dashboard_n_servers(v->d) + 1, sizeof *ord);
	size_t no = server_order(v, ord, &hidden);
	for (size_t i = 0; i < no; i++) {
		size_t j = ord[i];
		const struct dash_server *s = dashboard_server(v->d, j);
		if (!s->users_valid || !server_detailed(v, j))
			continue;
		for (size_t k = 0; k < s->n_users; k++) {
			if (!user_shown(v, j, s->users[k].username))
				continue;
			r = xrealloc(r, (n + 1) * sizeof *r);
			r[n++] = (struct uref){ j, k, i };
		}
	}
	free(ord);
	if (v->by_name && n > 1) {
		sort_d = v->d;
		qsort(r, n, sizeof *r, uref_by_name);
	}
	*out = r;
	return n;
}

bool dview_selected_user(const struct dview *v, size_t *server, const char **user)
{
	struct uref *r;
	size_t n = user_list(v, &r);
	bool ok = v->user_sel < n;
	if (ok) {
		*server = r[v->user_sel].server;
		*user = dashboard_server(v->d, r[v->user_sel].server)->users[r[v->user_sel].user].username;
	}
	free(r);
	return ok;
}

/* ---- panels ---- */

static void left_lines(const struct dview *v, struct vlines *l)
{
	const struct dash_master *m = dashboard_master(v->d);
	char a[32];
	int csn_w = l->width >= 54 ? 40 : 22; /* narrow: the time part only */
	if (m->csn_valid && m->n_csns) {
		vl_add(l, m->csn_error ? ROLE_DIM : ROLE_NORMAL, "master %s", m->name);
		vl_add(l, m->csn_error ? ROLE_DIM : ROLE_NORMAL, "  contextCSN %.*s", csn_w, m->csns[0]);
		if (m->csn_error) {
			dash_fmt_age(a, sizeof a, m->csn_at, v->now);
			vl_wrapped(l, ROLE_ERROR, "  ! ", m->csn_error);
			vl_add(l, ROLE_DIM, "    last good %s ago", a);
		}
	} else {
		vl_add(l, ROLE_NORMAL, "master %s", m->name);
		vl_wrapped(l, m->csn_error ? ROLE_ERROR : ROLE_DIM, "  ! ",
			   m->csn_error ? m->csn_error : "contextCSN not read yet");
	}
	if (m->ssh_error)
		vl_wrapped(l, ROLE_ERROR, "  ! ", m->ssh_error);
	if (!m->have_password && m->password_error)
		vl_wrapped(l, ROLE_WARN, "  ! LDAP password: ", m->password_error);
	if (dashboard_n_replicas(v->d) == 0)
		vl_add(l, ROLE_DIM, "(the site names no replica)");
	for (size_t i = 0; i < dashboard_n_replicas(v->d); i++) {
		const struct dash_replica *r = dashboard_replica(v->d, i);
		enum term_role hr = health_role(r->health);
		vl_add(l, ROLE_NORMAL, "%s", "");
		vl_add(l, hr, "%-8s %s", dash_health_name(r->health), r->name);
		vl_wrapped(l, hr, "  ", r->summary ? r->summary : "not polled yet");
		/* zmreplchk: Code / Status / "... s behind", greyed with its age when stale */
		if (r->zm_valid) {
			char beh[48] = "";
			if (r->zm_behind >= 0)
				snprintf(beh, sizeof beh, " (%lld s behind)", r->zm_behind);
			if (r->zm_error) {
				dash_fmt_age(a, sizeof a, r->zm_at, v->now);
				vl_add(l, ROLE_DIM, "  zmreplchk: Code %d %s (%s ago)", r->zm_code,
				       r->zm_status ? r->zm_status : "", a);
			} else if (r->zm_behind >= 0 && !(r->zm_status && strstr(r->zm_status, "behind"))) {
				vl_add(l, ROLE_NORMAL, "  zmreplchk: Code %d %s%s", r->zm_code,
				       r->zm_status ? r->zm_status : "", beh);
			} else {
				vl_add(l, ROLE_NORMAL, "  zmreplchk: Code %d %s", r->zm_code,
				       r->zm_status ? r->zm_status : "");
			}
		}
		if (r->zm_error)
			vl_wrapped(l, ROLE_ERROR, "  ! ", r->zm_error);
		else if (!r->zm_valid)
			vl_add(l, ROLE_DIM, "  zmreplchk: not run yet");
		/* our own probe: contextCSN of both sides, lag */
		if (r->csn_error) {
			vl_wrapped(l, ROLE_ERROR, "  ! LDAP: ", r->csn_error);
			if (r->csn_valid) {
				dash_fmt_age(a, sizeof a, r->csn_at, v->now);
				vl_add(l, ROLE_DIM, "  last CSN %s ago:", a);
				vl_add(l, ROLE_DIM, "  replica %.*s", csn_w, r->csn ? r->csn : "");
			}
		} else if (r->csn_valid) {
			if (r->lag_valid)
				vl_add(l, r->lag > 0 ? ROLE_WARN : ROLE_NORMAL, "  CSN lag %.0f s",
				       r->lag < 0 ? 0 : r->lag);
			else if (r->lag_no_csn)
				vl_add(l, ROLE_WARN, "  CSN lag: no CSN of the master's server id");
			else
				vl_add(l, ROLE_DIM, "  CSN lag unknown (master CSN missing)");
			if (m->csn_valid && m->n_csns)
				vl_add(l, ROLE_NORMAL, "  master  %.*s", csn_w, m->csns[0]);
			vl_add(l, ROLE_NORMAL, "  replica %.*s", csn_w, r->csn ? r->csn : "");
		}
		/* cn=Monitor: the consumer's session */
		if (r->mon_error) {
			/* the same unreachable server is said once */
			if (!r->csn_error || strcmp(r->csn_error, r->mon_error) != 0)
				vl_wrapped(l, ROLE_ERROR, "  ! ", r->mon_error);
		} else if (r->mon_valid) {
			if (r->mon_consumers == 0)
				vl_add(l, ROLE_WARN, "  syncrepl: no consumer in cn=Monitor");
			else if (r->mon_connected)
				vl_add(l, ROLE_NORMAL, "  syncrepl connected, phase %s",
				       r->mon_phase ? r->mon_phase : "?");
			else
				vl_add(l, ROLE_ERROR, "  syncrepl NOT connected, next try %s",
				       r->mon_next_connect ? r->mon_next_connect : "?");
		}
	}
}

static void user_header(struct vlines *l, int mode, int name_w, bool next)
{
	if (mode == 2)
		vl_add(l, ROLE_RUNNING, "  %-*s %-8s %-8s %-8s %-8s %-4s %s", name_w, "username", "priority",
		       "fast", "full", "success", "fail", next ? "next" : "");
	else if (mode == 1)
		vl_add(l, ROLE_RUNNING, "  %-*s %-8s %-8s %-8s %s", name_w, "username", "priority", "full",
		       "success", "fail");
	else
		vl_add(l, ROLE_RUNNING, "  %-*s %-8s %s", name_w, "username", "success", "fail");
}

static void user_row(struct vlines *l, const struct doveadm_user *u, int mode, int name_w, bool next,
		     bool stale)
{
	char f[32], fu[32], su[32], nx[32], name[256];
	snprintf(name, sizeof name, "%s", u->username);
	if (wg_cells(name, SIZE_MAX) > name_w && name_w > 1) {
		/* cut by code points, mark the cut */
		int n = 0;
		size_t i = 0;
		for (; name[i]; i++)
			if (((unsigned char)name[i] & 0xC0) != 0x80 && n++ == name_w - 1)
				break;
		name[i] = '~';
		name[i + 1] = '\0';
	}
	int pad = name_w - wg_cells(name, SIZE_MAX);
	if (pad < 0)
		pad = 0;
	dash_fmt_hms(f, sizeof f, u->fast_sync_ago);
	dash_fmt_hms(fu, sizeof fu, u->full_sync_ago);
	dash_fmt_hms(su, sizeof su, u->success_sync_ago);
	if (u->next_sync_secs >= 0)
		dash_fmt_hms(nx, sizeof nx, u->next_sync_secs);
	else
		snprintf(nx, sizeof nx, "-");
	const char *fl = u->failed ? "y" : "-";
	enum term_role role = stale ? ROLE_DIM : u->failed ? ROLE_ERROR : ROLE_NORMAL;
	if (mode == 2)
		vl_add(l, role, "  %s%*s %-8s %-8s %-8s %-8s %-4s %s", name, pad, "", dash_prio_name(u->priority),
		       f, fu, su, fl, next ? nx : "");
	else if (mode == 1)
		vl_add(l, role, "  %s%*s %-8s %-8s %-8s %s", name, pad, "", dash_prio_name(u->priority), fu, su, fl);
	else
		vl_add(l, role, "  %s%*s %-8s %s", name, pad, "", su, fl);
}

/* "PAIR name  HEALTH" above a pair's servers. */
static void pair_header(const struct dview *v, struct vlines *l, const char *name)
{
	for (size_t k = 0; k < dashboard_n_pairs(v->d); k++) {
		if (strcmp(dashboard_pair(v->d, k)->name, name) != 0)
			continue;
		enum dash_health h = dashboard_pair_health(v->d, k);
		vl_add(l, health_role(h), "PAIR %s  %s", name, dash_health_name(h));
		return;
	}
}

/* One line over the pairs: how many, how many not OK, what the filter hides. */
static void pairs_summary(const struct dview *v, struct vlines *l, size_t hidden)
{
	size_t np = dashboard_n_pairs(v->d), bad = 0;
	for (size_t k = 0; k < np; k++)
		bad += dashboard_pair_health(v->d, k) != DASH_OK;
	char hid[96] = "";
	if (hidden)
		snprintf(hid, sizeof hid, ", %zu hidden by the filter", hidden);
	vl_add(l, bad ? ROLE_WARN : ROLE_DIM, "%zu pairs, %zu not OK (shown first)%s", np, bad, hid);
	vl_add(l, ROLE_NORMAL, "%s", "");
}

static void right_lines(const struct dview *v, struct vlines *l)
{
	char a[32];
	struct uref *ur;
	size_t nu = user_list(v, &ur);
	int mode = l->width >= 78 ? 2 : l->width >= 58 ? 1 : 0;
	int fixed = mode == 2 ? 52 : mode == 1 ? 34 : 16;
	int name_w = l->width - fixed;
	if (name_w < 8)
		name_w = 8;
	if (dashboard_n_servers(v->d) == 0)
		vl_add(l, ROLE_DIM, "(the site names no Dovecot server)");
	bool grouped = dashboard_pairs_grouped(v->d);
	size_t hidden, *ord = xcalloc(dashboard_n_servers(v->d) + 1, sizeof *ord);
	size_t no = server_order(v, ord, &hidden);
	if (grouped)
		pairs_summary(v, l, hidden);
	const char *cur_pair = NULL;
	for (size_t oi = 0; oi < no; oi++) {
		size_t j = ord[oi];
		const struct dash_server *s = dashboard_server(v->d, j);
		enum term_role hr = health_role(s->health);
		bool detailed = server_detailed(v, j);
		bool new_pair = grouped && s->pair && (!cur_pair || strcmp(cur_pair, s->pair) != 0);
		if (oi && (detailed || new_pair))
			vl_add(l, ROLE_NORMAL, "%s", "");
		if (new_pair) {
			pair_header(v, l, s->pair);
			cur_pair = s->pair;
		}
		if (!detailed) { /* a healthy pair among many: one line a server */
			char line[512];
			snprintf(line, sizeof line, "%-8s %s: %s", dash_health_name(s->health), s->name,
				 s->summary ? s->summary : "not polled yet");
			vl_add(l, hr, "%s", line);
			continue;
		}
		vl_add(l, hr, "%-8s %s", dash_health_name(s->health), s->name);
		vl_wrapped(l, hr, "  ", s->summary ? s->summary : "not polled yet");
		bool stale = s->ssh_error || s->fail != DOVEADM_FAIL_NONE;
		if (s->ssh_error && (!s->summary || !strstr(s->summary, s->ssh_error)))
			vl_wrapped(l, ROLE_ERROR, "  ! ", s->ssh_error);
		else if (s->fail_text && (!s->summary || !strstr(s->summary, s->fail_text)))
			vl_wrapped(l, ROLE_ERROR, "  ! ", s->fail_text);
		enum term_role vr = stale ? ROLE_DIM : ROLE_NORMAL;
		if (s->ov_valid) {
			const struct doveadm_overview *o = &s->ov;
			if (stale) {
				dash_fmt_age(a, sizeof a, s->ov_at, v->now);
				vl_add(l, ROLE_DIM, "  last good %s ago:", a);
			}
			vl_add(l, vr, "  queued sync %lld high %lld low %lld", o->queued_sync, o->queued_high,
			       o->queued_low);
			vl_add(l, o->queued_failed > 0 && !stale ? ROLE_WARN : vr,
			       "  queued failed %lld full resync %lld", o->queued_failed, o->queued_full_resync);
			vl_add(l, o->waiting_failed > 0 && !stale ? ROLE_WARN : vr,
			       "  waiting failed %lld, known users %lld", o->waiting_failed, o->total_users);
		}
		if (s->dsync_valid) {
			size_t idle = 0;
			for (size_t k = 0; k < s->n_dsync; k++)
				if (!*s->dsync[k].username)
					idle++;
			vl_add(l, vr, "  dsync: %zu running, %zu idle", s->n_dsync - idle, idle);
			for (size_t k = 0; k < s->n_dsync; k++)
				if (*s->dsync[k].username)
					vl_add(l, vr, "    %s %s %s", s->dsync[k].username, s->dsync[k].type,
					       s->dsync[k].status);
		}
		if (!s->users_valid || !s->n_users)
			continue;
		size_t shown = 0;
		for (size_t k = 0; k < nu; k++)
			shown += ur[k].server == j;
		if (!shown && grouped) /* the pair matched by another server's user */
			continue;
		if (!shown) {
			vl_add(l, ROLE_DIM, "  (no user matches \"%s\")", v->filter);
			continue;
		}
		user_header(l, mode, name_w, s->has_next_sync);
		for (size_t k = 0; k < nu; k++) {
			if (ur[k].server != j)
				continue;
			user_row(l, &s->users[ur[k].user], mode, name_w, s->has_next_sync, stale);
			l->v[l->n - 1].server = (long)j;
			l->v[l->n - 1].user = (long)k; /* index in the filtered list */
		}
		if (*v->filter && shown < s->n_users)
			vl_add(l, ROLE_DIM, "  (%zu of %zu users match the filter)", shown, s->n_users);
	}
	free(ord);
	free(ur);
}

static void event_lines(const struct dview *v, struct vlines *l)
{
	size_t ne = dashboard_n_events(v->d);
	if (!ne)
		vl_add(l, ROLE_DIM, "(no state change yet)");
	for (size_t k = 0; k < ne; k++) {
		const struct dash_event *e = dashboard_event(v->d, k);
		struct tm tm;
		char ts[16], pre[48];
		localtime_r(&e->at, &tm);
		strftime(ts, sizeof ts, "%H:%M:%S", &tm);
		if (l->width >= 70)
			snprintf(pre, sizeof pre, "%s %-8s ", ts, dash_health_name(e->level));
		else
			snprintf(pre, sizeof pre, "%s %s ", ts, e->level == DASH_OK ? "+" : "!");
		enum term_role role = e->level == DASH_OK ? ROLE_NORMAL : health_role(e->level);
		/* narrow: one line per event (more of them in sight), cut */
		if (l->width >= 70)
			vl_wrapped(l, role, pre, e->text);
		else
			vl_add(l, role, "%s%s", pre, e->text);
	}
}

/* ---- sparklines ---- */

static void sparkline(char *out, size_t size, const struct dash_history *h, int width)
{
	static const char *const blocks[] = { "\u2581", "\u2582", "\u2583", "\u2584",
					      "\u2585", "\u2586", "\u2587", "\u2588" };
	static const char ascii[] = "_.-=#";
	bool u = term_utf8();
	int levels = u ? 8 : 5;
	size_t n = h->n < (size_t)width ? h->n : (size_t)width;
	size_t first = h->n - n;
	double max = 0;
	for (size_t i = first; i < h->n; i++) {
		const struct dash_sample *s = dash_history_at(h, i);
		if (s->valid && s->value > max)
			max = s->value;
	}
	size_t len = 0;
	out[0] = '\0';
	/* pad on the left so the newest sample is always at the right end */
	for (int i = (int)n; i < width && len + 2 < size; i++)
		out[len++] = ' ';
	for (size_t i = first; i < h->n; i++) {
		const struct dash_sample *s = dash_history_at(h, i);
		const char *g;
		char one[2] = { ' ', '\0' };
		if (!s->valid) {
			g = " "; /* a poll without a value: a gap */
		} else {
			int lv = max > 0 ? (int)(s->value / max * (levels - 1) + 0.5) : 0;
			if (lv < 0)
				lv = 0;
			if (lv >= levels)
				lv = levels - 1;
			if (u) {
				g = blocks[lv];
			} else {
				one[0] = ascii[lv];
				g = one;
			}
		}
		size_t gl = strlen(g);
		if (len + gl + 1 >= size)
			break;
		memcpy(out + len, g, gl);
		len += gl;
	}
	out[len] = '\0';
}

static void last_value(char *out, size_t size, const struct dash_history *h, const char *unit)
{
	const struct dash_sample *s = h->n ? dash_history_at(h, h->n - 1) : NULL;
	if (!s || !s->valid)
		snprintf(out, size, "?");
	else
		snprintf(out, size, "%.0f%s", s->value, unit);
}

static void draw_history(const struct dview *v, int y, int x, int h, int w)
{
	term_box(y, x, h, w, "History");
	int inner = w - 4, line = y + 1, last = y + h - 2;
	int name_w = 4;
	for (size_t i = 0; i < dashboard_n_replicas(v->d); i++)
		if (wg_cells(dashboard_replica(v->d, i)->name, SIZE_MAX) > name_w)
			name_w = wg_cells(dashboard_replica(v->d, i)->name, SIZE_MAX);
	for (size_t j = 0; j < dashboard_n_servers(v->d); j++)
		if (wg_cells(dashboard_server(v->d, j)->name, SIZE_MAX) > name_w)
			name_w = wg_cells(dashboard_server(v->d, j)->name, SIZE_MAX);
	if (name_w > inner / 2 - 4)
		name_w = inner / 2 - 4;
	char spark[DASH_HISTORY * 4 + 1], val[32], val2[32], buf[1024];
	for (size_t i = 0; i < dashboard_n_replicas(v->d) && line <= last; i++, line++) {
		const struct dash_replica *r = dashboard_replica(v->d, i);
		int sw = inner - name_w - 12;
		wg_put(line, x + 2, name_w, ROLE_NORMAL, r->name);
		wg_put(line, x + 3 + name_w, 4, ROLE_DIM, "lag");
		sparkline(spark, sizeof spark, &r->lag_hist, sw);
		wg_put(line, x + 7 + name_w, sw, health_role(r->health), spark);
		last_value(val, sizeof val, &r->lag_hist, " s");
		wg_put(line, x + 8 + name_w + sw, inner - name_w - 6 - sw, ROLE_NORMAL, val);
	}
	/* the servers as the Dovecot panel orders them (several pairs: worst first) */
	size_t hidden, *ord = xcalloc(dashboard_n_servers(v->d) + 1, sizeof *ord);
	size_t no = server_order(v, ord, &hidden);
	for (size_t oi = 0; oi < no && line <= last; oi++, line++) {
		const struct dash_server *s = dashboard_server(v->d, ord[oi]);
		/* two sparklines side by side: queued requests and failed users */
		int sw = (inner - name_w - 14) / 2;
		int xx = x + 3 + name_w;
		wg_put(line, x + 2, name_w, ROLE_NORMAL, s->name);
		wg_put(line, xx, 2, ROLE_DIM, "q");
		sparkline(spark, sizeof spark, &s->queued_hist, sw);
		wg_put(line, xx + 2, sw, health_role(s->health), spark);
		last_value(val, sizeof val, &s->queued_hist, "");
		snprintf(buf, sizeof buf, "%-4s", val);
		wg_put(line, xx + 3 + sw, 4, ROLE_NORMAL, buf);
		wg_put(line, xx + 8 + sw, 2, ROLE_DIM, "f");
		sparkline(spark, sizeof spark, &s->failed_hist, sw);
		wg_put(line, xx + 10 + sw, sw, health_role(s->health), spark);
		last_value(val2, sizeof val2, &s->failed_hist, "");
		wg_put(line, xx + 11 + 2 * sw, x + w - 2 - (xx + 11 + 2 * sw), ROLE_NORMAL, val2);
	}
	free(ord);
}

/* ---- the screen ---- */

static void panel_box(const struct dview *v, enum dview_panel p, int y, int x, int h, int w,
		      const char *title)
{
	term_box(y, x, h, w, title);
	if (v->focus == p && w > 6) /* the focused panel's title stands out */
		wg_put(y, x + 3, w - 6, ROLE_SELECTED, title);
}

/* Draw lines[first..] into the box interior; returns the clamped first. */
static int draw_lines(const struct dview *v, const struct vlines *l, int first, int y, int x, int h,
		      int w, bool select)
{
	int max_first = (int)l->n - h;
	if (max_first < 0)
		max_first = 0;
	if (first > max_first)
		first = max_first;
	if (first < 0)
		first = 0;
	for (int i = 0; i < h && (size_t)(first + i) < l->n; i++) {
		const struct vline *ln = &l->v[first + i];
		bool sel = select && ln->user >= 0 && (size_t)ln->user == v->user_sel;
		if (sel) {
			attron(term_attr(ROLE_SELECTED));
			mvhline(y + i, x, ' ', w);
			attroff(term_attr(ROLE_SELECTED));
		}
		wg_put(y + i, x, w, sel ? ROLE_SELECTED : ln->role, ln->text);
	}
	/* more above / below */
	if (first > 0)
		wg_put(y, x + w - 1, 1, ROLE_DIM, term_utf8() ? "\u2191" : "^");
	if ((size_t)(first + h) < l->n)
		wg_put(y + h - 1, x + w - 1, 1, ROLE_DIM, term_utf8() ? "\u2193" : "v");
	return first;
}

static void title_bar(const struct dview *v)
{
	char ts[16], buf[512];
	struct tm tm;
	localtime_r(&v->now, &tm);
	strftime(ts, sizeof ts, "%H:%M:%S", &tm);
	wg_fill_row(0, ROLE_TITLE);
	/* the right part (overall, interval, clock) always shows; the site
	 * path is cut to what is left */
	enum dash_health o = dashboard_overall(v->d);
	snprintf(buf, sizeof buf, " overall %s  every %d s  %s ", dash_health_name(o),
		 dashboard_interval(v->d) > 0 ? dashboard_interval(v->d) : 5, ts);
	int len = wg_cells(buf, SIZE_MAX);
	if (len < cols)
		wg_put(0, cols - len, len, ROLE_TITLE, buf);
	snprintf(buf, sizeof buf, " replica-wizard %s Dashboard  %s", term_utf8() ? "\u2014" : "-",
		 v->title ? v->title : "");
	wg_put(0, 0, cols - len - 1, ROLE_TITLE, buf);
}

static void draw_dialog(const struct dview *v)
{
	int y, x, wd = cols > 100 ? 90 : cols - 6;
	char buf[1024];
	switch (v->dialog) {
	case DVIEW_DLG_NONE:
		return;
	case DVIEW_DLG_HOSTKEY: {
		const struct dview_hostkey *hk = &v->hk[0];
		wg_hostkey_dialog(wd, hk->host, hk->type, hk->fingerprint);
		break;
	}
	case DVIEW_DLG_REQUEUE: {
		const struct dash_server *s = dashboard_server(v->d, v->rq_server);
		wg_dialog(9, wd, "Requeue user", &y, &x);
		snprintf(buf, sizeof buf, "Requeue %s on %s?", v->rq_user, s->name);
		wg_wrap(y + 2, x + 2, wd - 4, 2, ROLE_WARN, buf);
		snprintf(buf, sizeof buf, "Runs `doveadm replicator replicate %s` there (as root).", v->rq_user);
		wg_wrap(y + 4, x + 2, wd - 4, 2, ROLE_NORMAL, buf);
		wg_put(y + 6, x + 2, wd - 4, ROLE_NORMAL, "y requeue    n cancel");
		break;
	}
	case DVIEW_DLG_HELP: {
		static const char *const lines[] = {
			"Tab / Shift-Tab   next / previous panel",
			"Up/Down PgUp/PgDn scroll; in the Dovecot panel: select a user",
			"/                 filter pairs/servers/users; Enter keeps, Esc clears",
			"s                 sort users: failed first / by name",
			"R                 requeue the selected user (asks first)",
			"r                 poll every host now",
			"q                 quit",
		};
		size_t n = sizeof lines / sizeof lines[0];
		wg_dialog((int)n + 5, wd, "Help", &y, &x);
		for (size_t i = 0; i < n; i++)
			wg_put(y + 2 + (int)i, x + 2, wd - 4, ROLE_NORMAL, lines[i]);
		wg_put(y + 3 + (int)n, x + 2, wd - 4, ROLE_DIM, "press any key");
		break;
	}
	}
}

void dview_draw(struct dview *v)
{
	getmaxyx(stdscr, rows, cols);
	erase();
	if (wg_too_small()) {
		wnoutrefresh(stdscr);
		v->dirty = false;
		return;
	}
	title_bar(v);
	int hb = rows >= 40 ? rows / 4 : 6;
	int top_y = 1, top_h = rows - 3 - hb;
	int lw = cols / 2, rw = cols - lw;
	panel_box(v, DVIEW_LEFT, top_y, 0, top_h, lw, "Directory replication");
	panel_box(v, DVIEW_RIGHT, top_y, lw, top_h, rw, "Dovecot replication");

	struct vlines L = { .width = lw - 3 }, R = { .width = rw - 3 };
	left_lines(v, &L);
	right_lines(v, &R);
	v->scroll[DVIEW_LEFT] = draw_lines(v, &L, v->scroll[DVIEW_LEFT], top_y + 1, 2, top_h - 2, lw - 3, false);
	/* keep the selected user in sight */
	int ih = top_h - 2;
	for (size_t i = 0; i < R.n; i++) {
		if (R.v[i].user < 0 || (size_t)R.v[i].user != v->user_sel)
			continue;
		if ((int)i < v->scroll[DVIEW_RIGHT])
			v->scroll[DVIEW_RIGHT] = (int)i;
		else if ((int)i >= v->scroll[DVIEW_RIGHT] + ih)
			v->scroll[DVIEW_RIGHT] = (int)i - ih + 1;
	}
	v->scroll[DVIEW_RIGHT] = draw_lines(v, &R, v->scroll[DVIEW_RIGHT], top_y + 1, lw + 2, ih, rw - 3,
					    v->focus == DVIEW_RIGHT);
	vl_free(&L);
	vl_free(&R);

	/* across the bottom: history (sparklines) and the event log */
	int by = top_y + top_h, hw = cols * 2 / 5, ew = cols - hw;
	draw_history(v, by, 0, hb, hw);
	panel_box(v, DVIEW_EVENTS, by, hw, hb, ew, "Events");
	struct vlines E = { .width = ew - 3 };
	event_lines(v, &E);
	/* events scroll counts lines up from the newest */
	int eh = hb - 2, maxs = (int)E.n - eh;
	if (maxs < 0)
		maxs = 0;
	if (v->scroll[DVIEW_EVENTS] > maxs)
		v->scroll[DVIEW_EVENTS] = maxs;
	if (v->scroll[DVIEW_EVENTS] < 0)
		v->scroll[DVIEW_EVENTS] = 0;
	draw_lines(v, &E, maxs - v->scroll[DVIEW_EVENTS], by + 1, hw + 2, eh, ew - 3, false);
	vl_free(&E);

	/* status row: the filter being typed, else a message, else the filter */
	char buf[512];
	if (v->editing_filter) {
		snprintf(buf, sizeof buf, "Filter %s: %s_   (Enter keep, Esc clear)",
			 dashboard_pairs_grouped(v->d) ? "pairs, servers, users" : "users", v->filter);
		wg_put(rows - 2, 1, cols - 2, ROLE_RUNNING, buf);
	} else if (v->status[0]) {
		wg_put(rows - 2, 1, cols - 2, ROLE_WARN, v->status);
	} else if (v->filter[0]) {
		snprintf(buf, sizeof buf, "%s filtered by \"%s\" (/ to change)",
			 dashboard_pairs_grouped(v->d) ? "Pairs" : "Users", v->filter);
		wg_put(rows - 2, 1, cols - 2, ROLE_DIM, buf);
	}
	wg_key_bar(cols >= 120 ? "Tab panel  Up/Down scroll/select  / filter  s sort  R requeue user  r refresh  ? help  q quit"
			       : "Tab panel  Up/Down move  / filter  R requeue  r refresh  ? help  q quit");
	draw_dialog(v);
	wnoutrefresh(stdscr);
	v->dirty = false;
}

/* ---- keys ---- */

static void do_refresh(struct dview *v)
{
	if (v->be.poll_now)
		v->be.poll_now(v);
	else
		dashboard_refresh(v->d);
}

static void hostkey_answer(struct dview *v, bool accept)
{
	if (!v->n_hk)
		return;
	struct dview_hostkey hk = v->hk[0];
	memmove(v->hk, v->hk + 1, (v->n_hk - 1) * sizeof *v->hk);
	v->n_hk--;
	v->dialog = v->n_hk ? DVIEW_DLG_HOSTKEY : DVIEW_DLG_NONE;
	snprintf(v->status, sizeof v->status, "Host key of %s %s.", hk.host,
		 accept ? "accepted and added to known_hosts" : "rejected: that host stays unpolled");
	if (v->be.hostkey)
		v->be.hostkey(v, hk.host, accept);
	else
		dashboard_hostkey_decide(v->d, hk.host, accept);
	free(hk.host);
}

static void requeue_answer(struct dview *v, bool yes)
{
	v->dialog = DVIEW_DLG_NONE;
	const char *name = dashboard_server(v->d, v->rq_server)->name;
	if (yes) {
		bool ok = v->be.requeue ? v->be.requeue(v, v->rq_server, v->rq_user)
					: dashboard_requeue_user(v->d, v->rq_server, v->rq_user);
		if (ok)
			snprintf(v->status, sizeof v->status, "Requeue of %s sent to %s; the answer goes to the events.",
				 v->rq_user, name);
		else
			snprintf(v->status, sizeof v->status, "%s is not connected: %s not requeued.", name,
				 v->rq_user);
	} else {
		snprintf(v->status, sizeof v->status, "Requeue of %s cancelled.", v->rq_user);
	}
	free(v->rq_user);
	v->rq_user = NULL;
}

static void filter_key(struct dview *v, int key)
{
	switch (key) {
	case KEY_ESC:
		v->filter[0] = '\0';
		v->editing_filter = false;
		break;
	case '\r':
	case '\n':
	case KEY_ENTER:
		v->editing_filter = false;
		break;
	default:
		if (!wg_field_key(v->filter, sizeof v->filter, key))
			return;
		break;
	}
	/* a changed filter: the selection goes back to its first match */
	v->user_sel = 0;
}

static void dv_move(struct dview *v, int delta)
{
	if (v->focus == DVIEW_RIGHT) {
		struct uref *r;
		size_t n = user_list(v, &r);
		free(r);
		if (n) {
			long s = (long)v->user_sel + delta;
			if (s < 0)
				s = 0;
			if (s >= (long)n)
				s = (long)n - 1;
			v->user_sel = (size_t)s;
			return;
		}
	}
	/* events count up from the newest line */
	v->scroll[v->focus] += v->focus == DVIEW_EVENTS ? -delta : delta;
	if (v->scroll[v->focus] < 0)
		v->scroll[v->focus] = 0;
}

void dview_key(struct dview *v, int key)
{
	v->dirty = true;
	if (key == KEY_RESIZE)
		return;
	switch (v->dialog) {
	case DVIEW_DLG_HOSTKEY:
		if (key == 'y' || key == 'n')
			hostkey_answer(v, key == 'y');
		return;
	case DVIEW_DLG_REQUEUE:
		if (key == 'y' || key == 'n' || key == KEY_ESC)
			requeue_answer(v, key == 'y');
		return;
	case DVIEW_DLG_HELP:
		v->dialog = DVIEW_DLG_NONE;
		return;
	case DVIEW_DLG_NONE:
		break;
	}
	if (v->editing_filter) {
		filter_key(v, key);
		return;
	}
	v->status[0] = '\0';
	switch (key) {
	case 'q':
	case 'Q':
		v->quit = true;
		break;
	case '\t':
		v->focus = (v->focus + 1) % DVIEW_PANELS;
		break;
	case KEY_BTAB:
		v->focus = (v->focus + DVIEW_PANELS - 1) % DVIEW_PANELS;
		break;
	case KEY_UP: dv_move(v, -1); break;
	case KEY_DOWN: dv_move(v, 1); break;
	case KEY_PPAGE: dv_move(v, -10); break;
	case KEY_NPAGE: dv_move(v, 10); break;
	case KEY_HOME: dv_move(v, -100000); break;
	case KEY_END: dv_move(v, 100000); break;
	case 'r':
	case KEY_CTRL('r'):
		do_refresh(v);
		snprintf(v->status, sizeof v->status, "Polling every idle host now.");
		break;
	case '/':
		v->editing_filter = true;
		v->focus = DVIEW_RIGHT;
		break;
	case 's':
		v->by_name = !v->by_name;
		v->user_sel = 0;
		snprintf(v->status, sizeof v->status, "Users sorted %s.",
			 v->by_name ? "by name" : "failed first");
		break;
	case 'R': {
		size_t server;
		const char *user;
		if (v->focus != DVIEW_RIGHT || !dview_selected_user(v, &server, &user)) {
			snprintf(v->status, sizeof v->status,
				 "Tab to the Dovecot panel and select a user first, then R.");
			break;
		}
		free(v->rq_user);
		v->rq_user = xstrdup(user);
		v->rq_server = server;
		v->dialog = DVIEW_DLG_REQUEUE;
		break;
	}
	case '?':
	case KEY_F(1):
		v->dialog = DVIEW_DLG_HELP;
		break;
	default:
		break;
	}
}

void dview_hostkey(struct dview *v, const char *host, const char *type, const char *fingerprint)
{
	v->hk = xrealloc(v->hk, (v->n_hk + 1) * sizeof *v->hk);
	struct dview_hostkey *hk = &v->hk[v->n_hk++];
	memset(hk, 0, sizeof *hk);
	hk->host = xstrdup(host);
	snprintf(hk->type, sizeof hk->type, "%s", type ? type : "?");
	snprintf(hk->fingerprint, sizeof hk->fingerprint, "%s", fingerprint ? fingerprint : "?");
	/* a requeue question waits: the host key comes first */
	v->dialog = DVIEW_DLG_HOSTKEY;
	v->dirty = true;
}

struct dview *dview_new(struct dashboard *d, const char *title)
{
	struct dview *v = xcalloc(1, sizeof *v);
	v->d = d;
	v->title = title ? xstrdup(title) : NULL;
	v->dirty = true;
	v->now = time(NULL);
	return v;
}

void dview_free(struct dview *v)
{
	if (!v)
		return;
	for (size_t i = 0; i < v->n_hk; i++)
		free(v->hk[i].host);
	free(v->hk);
	free(v->rq_user);
	free(v->title);
	free(v);
}
