/* JSON rendering of the dashboard (see dash_json.h). */
#include "dash_json.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dashboard.h"
#include "xalloc.h"

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *iso(time_t t)
{
	char b[32];
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(b, sizeof b, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_string(b);
}

static json_t *age_or_null(bool valid, time_t at, time_t now)
{
	return valid ? json_integer((json_int_t)(now - at)) : json_null();
}

static json_t *count_or_null(long long v)
{
	return v >= 0 ? json_integer(v) : json_null();
}

static json_t *history(const struct dash_history *h)
{
	json_t *a = json_array();
	for (size_t i = 0; i < h->n; i++) {
		const struct dash_sample *s = dash_history_at(h, i);
		json_array_append_new(a, json_pack("[I,o]", (json_int_t)s->at,
						   s->valid ? json_real(s->value) : json_null()));
	}
	return a;
}

static const char *prio(enum doveadm_priority p)
{
	switch (p) {
	case DOVEADM_PRIO_LOW: return "low";
	case DOVEADM_PRIO_HIGH: return "high";
	case DOVEADM_PRIO_SYNC: return "sync";
	default: return "none";
	}
}

static json_t *replica(const struct dash_replica *r, time_t now)
{
	double lag = 0;
	bool have = dash_replica_lag(r, &lag);
	json_t *o = json_object();
	json_object_set_new(o, "name", json_string(r->name));
	json_object_set_new(o, "url", json_string(r->url ? r->url : ""));
	json_object_set_new(o, "health", json_string(dash_health_name(r->health)));
	json_object_set_new(o, "summary", str_or_null(r->summary));
	json_object_set_new(o, "lag_s", have && !r->csn_error ? json_real(lag) : json_null());
	json_object_set_new(o, "zmreplchk", json_pack("{s:o,s:o,s:o,s:o,s:o}",
		"code", r->zm_valid ? json_integer(r->zm_code) : json_null(),
		"status", r->zm_valid ? str_or_null(r->zm_status) : json_null(),
		"behind_s", r->zm_valid ? count_or_null(r->zm_behind) : json_null(),
		"age_s", age_or_null(r->zm_valid, r->zm_at, now),
		"error", str_or_null(r->zm_error)));
	json_object_set_new(o, "ldap", json_pack("{s:o,s:o,s:o,s:o,s:b}",
		"contextCSN", r->csn_valid ? str_or_null(r->csn) : json_null(),
		"lag_s", r->lag_valid ? json_real(r->lag) : json_null(),
		"age_s", age_or_null(r->csn_valid, r->csn_at, now),
		"error", str_or_null(r->csn_error), "via_ssh", r->via_ssh));
	json_object_set_new(o, "syncrepl", json_pack("{s:o,s:o,s:o,s:o,s:o,s:o}",
		"connected", r->mon_valid ? json_boolean(r->mon_connected) : json_null(),
		"consumers", r->mon_valid ? json_integer((json_int_t)r->mon_consumers) : json_null(),
		"phase", r->mon_valid ? str_or_null(r->mon_phase) : json_null(),
		"next_connect", r->mon_valid ? str_or_null(r->mon_next_connect) : json_null(),
		"age_s", age_or_null(r->mon_valid, r->mon_at, now),
		"error", str_or_null(r->mon_error)));
	json_object_set_new(o, "history", history(&r->lag_hist));
	return o;
}

static json_t *server(const struct dash_server *s, time_t now)
{
	json_t *o = json_object();
	json_object_set_new(o, "name", json_string(s->name));
	json_object_set_new(o, "pair", str_or_null(s->pair));
	json_object_set_new(o, "health", json_string(dash_health_name(s->health)));
	json_object_set_new(o, "summary", str_or_null(s->summary));
	json_object_set_new(o, "error", s->ssh_error ? json_string(s->ssh_error)
			    : str_or_null(s->fail ? s->fail_text : NULL));
	if (s->ov_valid) {
		const struct doveadm_overview *v = &s->ov;
		json_object_set_new(o, "overview", json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}",
			"queued_sync", count_or_null(v->queued_sync),
			"queued_high", count_or_null(v->queued_high),
			"queued_low", count_or_null(v->queued_low),
			"queued_failed", count_or_null(v->queued_failed),
			"queued_full_resync", count_or_null(v->queued_full_resync),
			"waiting_failed", count_or_null(v->waiting_failed),
			"total_users", count_or_null(v->total_users),
			"age_s", json_integer((json_int_t)(now - s->ov_at))));
	} else {
		json_object_set_new(o, "overview", json_null());
	}
	json_object_set_new(o, "queued", count_or_null(dash_server_queued(s)));
	json_object_set_new(o, "failed", count_or_null(dash_server_failed(s)));
	json_t *users = json_array();
	for (size_t k = 0; s->users_valid && k < s->n_users; k++) {
		const struct doveadm_user *u = &s->users[k];
		json_array_append_new(users, json_pack("{s:s,s:s,s:o,s:o,s:o,s:b,s:o}",
			"username", u->username, "priority", prio(u->priority),
			"fast_sync_ago_s", count_or_null(u->fast_sync_ago),
			"full_sync_ago_s", count_or_null(u->full_sync_ago),
			"success_sync_ago_s", count_or_null(u->success_sync_ago),
			"failed", (int)u->failed,
			"next_sync_s", count_or_null(u->next_sync_secs)));
	}
	json_object_set_new(o, "users", s->users_valid ? users : (json_decref(users), json_null()));
	json_t *ds = json_array();
	for (size_t k = 0; s->dsync_valid && k < s->n_dsync; k++)
		json_array_append_new(ds, json_pack("{s:s,s:s,s:s}", "username", s->dsync[k].username,
						    "type", s->dsync[k].type, "status", s->dsync[k].status));
	json_object_set_new(o, "dsync", s->dsync_valid ? ds : (json_decref(ds), json_null()));
	json_object_set_new(o, "history", json_pack("{s:o,s:o}", "queued", history(&s->queued_hist),
						    "failed", history(&s->failed_hist)));
	return o;
}

char *dash_json_render(const struct dashboard *d, time_t now)
{
	const struct dash_thresholds *t = dashboard_thresholds(d);
	const struct dash_master *m = dashboard_master(d);
	json_t *root = json_object();
	json_object_set_new(root, "generated_at", iso(now));
	json_object_set_new(root, "interval_s", json_integer(dashboard_interval(d)));
	json_object_set_new(root, "overall", json_string(dash_health_name(dashboard_overall(d))));
	json_object_set_new(root, "thresholds", json_pack("{s:f,s:f,s:I,s:I,s:I,s:I}",
		"warn_lag_s", t->warn_lag, "crit_lag_s", t->crit_lag,
		"warn_failed", (json_int_t)t->warn_failed, "crit_failed", (json_int_t)t->crit_failed,
		"warn_queue", (json_int_t)t->warn_queue, "crit_queue", (json_int_t)t->crit_queue));
	json_t *csns = json_array();
	for (size_t i = 0; m->csn_valid && i < m->n_csns; i++)
		json_array_append_new(csns, json_string(m->csns[i]));
	json_object_set_new(root, "master", json_pack("{s:s,s:s,s:b,s:o,s:o,s:o,s:o,s:o}",
		"name", m->name, "url", m->url, "via_ssh", m->via_ssh,
		"contextCSN", m->csn_valid ? csns : (json_decref(csns), json_null()),
		"csn_age_s", age_or_null(m->csn_valid, m->csn_at, now),
		"error", str_or_null(m->csn_error), "ssh_error", str_or_null(m->ssh_error),
		"ldap_password", json_string(m->have_password ? "known" : m->password_error ? m->password_error : "unknown")));
	json_t *reps = json_array();
	for (size_t i = 0; i < dashboard_n_replicas(d); i++)
		json_array_append_new(reps, replica(dashboard_replica(d, i), now));
	json_object_set_new(root, "replicas", reps);
	json_t *srvs = json_array();
	for (size_t j = 0; j < dashboard_n_servers(d); j++)
		json_array_append_new(srvs, server(dashboard_server(d, j), now));
	json_object_set_new(root, "servers", srvs);
	json_t *pairs = json_array();
	for (size_t k = 0; k < dashboard_n_pairs(d); k++) {
		const struct dash_pair *p = dashboard_pair(d, k);
		json_t *names = json_array();
		for (size_t j = p->first; j < p->first + p->n; j++)
			json_array_append_new(names, json_string(dashboard_server(d, j)->name));
		json_array_append_new(pairs, json_pack("{s:s,s:b,s:s,s:o}", "name", p->name, "named",
						       p->named, "health",
						       dash_health_name(dashboard_pair_health(d, k)),
						       "servers", names));
	}
	json_object_set_new(root, "pairs", pairs);
	json_t *ev = json_array();
	for (size_t k = 0; k < dashboard_n_events(d); k++) {
		const struct dash_event *e = dashboard_event(d, k);
		json_array_append_new(ev, json_pack("{s:o,s:s,s:s}", "at", iso(e->at), "level",
						    dash_health_name(e->level), "text", e->text));
	}
	json_object_set_new(root, "events", ev);
	char *txt = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(root);
	if (!txt)
		abort();
	char *out = xasprintf("%s\n", txt);
	free(txt);
	return out;
}
