/* The dashboard model and its pollers (see dashboard.h). */
#include "dashboard.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csn.h"
#include "doveadm_parse.h"
#include "ldap_route.h"
#include "harden.h"
#include "ldapprobe.h"
#include "ldapurl.h"
#include "localconfig_parse.h"
#include "loop.h"
#include "randtok.h"
#include "redact.h"
#include "shquote.h"
#include "site.h"
#include "transport.h"
#include "site_conn.h"
#include "xalloc.h"
#include "zmreplchk_parse.h"

#define ZIMBRA_DN "uid=zimbra,cn=admins,cn=zimbra"

/* ---- growing byte buffer for a job's output ---- */
struct buf {
	char *p;
	size_t len, cap;
};

static void buf_add(struct buf *b, const char *s, size_t n, bool newline)
{
	if (b->len + n + 2 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->len + n + 2)
			cap *= 2;
		/* a job's output may be a password (STEP_PASSWORD) */
		b->p = xgrow_wiped(b->p, b->len, b->cap, cap);
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	if (newline)
		b->p[b->len++] = '\n';
	b->p[b->len] = '\0';
}

static void buf_wipe(struct buf *b)
{
	if (b->p)
		explicit_bzero(b->p, b->cap);
	free(b->p);
	memset(b, 0, sizeof *b);
}

/* ---- per-host poller state ---- */
enum step {
	STEP_PASSWORD,
	STEP_ZMREPLCHK,
	STEP_DOVEADM,   /* the three doveadm commands in one remote shell */
	STEP_END,
};

/* STEP_DOVEADM runs `doveadm -f json replicator status`, `... status '*'`
 * and `... dsync-status` in one remote shell (a large cluster's 128
 * servers: a third of the channels and shells). After each command a line
 * of its own on stdout, the dashboard's mark (random: no answer can hold
 * it) and the command's exit status, and one on stderr, the mark alone,
 * close its part of each stream. A failed overview ends the round (the
 * rest would fail the same way). */
#define DOVEADM_PARTS 3
#define DOVEADM_MARK_LEN 24 /* "rw-end-" and 16 letters or digits */
#define DOVEADM_PART(cmd) cmd "; r=$?; printf '\\n%s %%d\\n' $r; printf '\\n%s\\n' >&2; "
static const char doveadm_script[] =
	DOVEADM_PART("doveadm -f json replicator status") "[ $r -eq 0 ] || exit 0; "
	DOVEADM_PART("doveadm -f json replicator status '*'")
	DOVEADM_PART("doveadm -f json replicator dsync-status");

struct host {
	struct dashboard *d;
	char *name;
	const struct site_host *sh;
	struct conn *conn;
	bool is_master;
	long replica;           /* index or -1 */
	long server;            /* index or -1 */
	bool busy;              /* a round is running: never start another */
	int pending;            /* parts of the round still running */
	bool first_done;
	bool hostkey_refused;
	bool hostkey_asked;
	bool ssh_part_done;
	bool ssh_polled;        /* the ssh part ran (or its failure was recorded) once */
	bool wait_master;       /* this round waits for the master's contextCSN */
	bool kick;              /* session came up during a round: poll again at its end */
	enum step step;
	struct job *job;
	struct buf out, err;
	/* STEP_DOVEADM: where each command's output ends in out/err, its status */
	size_t part_out[DOVEADM_PARTS], part_err[DOVEADM_PARTS];
	int part_exit[DOVEADM_PARTS];
	size_t n_out_parts, n_err_parts;
	struct ldap_route_probe *probe_csn, *probe_mon;
	/* the URL our probes use: through the node's session, its own name
	 * (as slapd serves it, resolved by the node); direct, the address */
	char *probe_url;
	bool ldap_deferred;     /* a round before the session was up (via SSH) */
};

/* Private state of a replica / server used to detect transitions. */
struct rep_prev {
	bool committed;
	bool down, behind, not_connected, ssh_err;
	enum dash_health health;
	char **csns;            /* the replica's contextCSN values (last read) */
};

struct srv_prev {
	bool committed;
	bool ssh_err;
	enum doveadm_failure fail;
	enum dash_health health;
	char **failed;          /* names of users failed at the last good poll */
	size_t n_failed;
};

struct dashboard {
	struct loop *loop;
	struct dash_options opts;
	struct dash_callbacks cb;
	unsigned long generation;

	struct dash_master master;
	struct dash_replica *reps;
	struct rep_prev *rprev;
	size_t n_reps;
	struct dash_server *srvs;
	struct srv_prev *sprev;
	size_t n_srvs;
	struct dash_pair *pairs;
	size_t n_pairs;

	struct dash_event *events; /* ring of DASH_MAX_EVENTS */
	size_t n_events, ev_next;

	struct host *hosts;
	size_t n_hosts;
	long master_host;        /* index in hosts, -1 without an ssh master */

	char *password;          /* zimbra_ldap_password, memory only */
	bool password_pending;   /* fetch running on the master */
	struct ldap_route *route; /* our LDAP probes' path (ldap_route.h); NULL offline */
	double started;
	int timer;
	bool offline;
	bool closing;            /* dashboard_free: callbacks only clean up */
	char mark[DOVEADM_MARK_LEN]; /* ends each doveadm part (STEP_DOVEADM) */
};

static void bump(struct dashboard *d)
{
	d->generation++;
	if (d->cb.on_change)
		d->cb.on_change(d->cb.ud);
}

const char *dash_health_name(enum dash_health h)
{
	switch (h) {
	case DASH_OK: return "OK";
	case DASH_WARNING: return "WARNING";
	case DASH_CRITICAL: return "CRITICAL";
	default: return "UNKNOWN";
	}
}

void dash_thresholds_default(struct dash_thresholds *t)
{
	t->warn_lag = DASH_DEFAULT_WARN_LAG;
	t->crit_lag = DASH_DEFAULT_CRIT_LAG;
	t->warn_failed = DASH_DEFAULT_WARN_FAILED;
	t->crit_failed = DASH_DEFAULT_CRIT_FAILED;
	t->warn_queue = DASH_DEFAULT_WARN_QUEUE;
	t->crit_queue = DASH_DEFAULT_CRIT_QUEUE;
}

/* Severity order for "worst": UNKNOWN is less than CRITICAL. */
static int sev(enum dash_health h)
{
	switch (h) {
	case DASH_OK: return 0;
	case DASH_WARNING: return 1;
	case DASH_UNKNOWN: return 2;
	default: return 3;
	}
}

static enum dash_health worst(enum dash_health a, enum dash_health b)
{
	return sev(a) >= sev(b) ? a : b;
}

/* ---- history ---- */
static void history_add(struct dash_history *h, time_t at, double v, bool valid)
{
	h->s[h->next] = (struct dash_sample){ .at = at, .value = v, .valid = valid };
	h->next = (h->next + 1) % DASH_HISTORY;
	if (h->n < DASH_HISTORY)
		h->n++;
}

const struct dash_sample *dash_history_at(const struct dash_history *h, size_t i)
{
	if (i >= h->n)
		return NULL;
	size_t start = (h->next + DASH_HISTORY - h->n) % DASH_HISTORY;
	return &h->s[(start + i) % DASH_HISTORY];
}

/* ---- events ---- */
void dashboard_event_add(struct dashboard *d, time_t at, enum dash_health level,
			 const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *raw = xvasprintf(fmt, ap);
	va_end(ap);
	struct dash_event *e = &d->events[d->ev_next];
	if (d->n_events == DASH_MAX_EVENTS)
		free(e->text);
	else
		d->n_events++;
	e->at = at;
	e->level = level;
	/* an error text could quote a secret: masked before the cut */
	e->text = redact_prefix(raw, strlen(raw), DASH_EVENT_TEXT_MAX);
	explicit_bzero(raw, strlen(raw));
	free(raw);
	d->ev_next = (d->ev_next + 1) % DASH_MAX_EVENTS;
	bump(d);
}

size_t dashboard_n_events(const struct dashboard *d) { return d->n_events; }

const struct dash_event *dashboard_event(const struct dashboard *d, size_t i)
{
	if (i >= d->n_events)
		return NULL;
	size_t start = (d->ev_next + DASH_MAX_EVENTS - d->n_events) % DASH_MAX_EVENTS;
	return &d->events[(start + i) % DASH_MAX_EVENTS];
}

/* ---- small helpers ---- */
static void set_str(char **dst, const char *s)
{
	free(*dst);
	*dst = s ? xstrdup(s) : NULL;
}

/* First non-empty line of a text, for messages. */
static char *first_line(const char *s, size_t len)
{
	size_t i = 0;
	while (i < len) {
		size_t j = i;
		while (j < len && s[j] != '\n')
			j++;
		size_t a = i, b = j;
		while (a < b && (s[a] == ' ' || s[a] == '\t'))
			a++;
		if (b > a)
			return xstrndup(s + a, b - a);
		i = j + 1;
	}
	return xstrdup("");
}

static void free_csns(char **v)
{
	if (!v)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

static char **dup_csns(char *const *csns, size_t *n)
{
	size_t k = 0;
	while (csns && csns[k])
		k++;
	char **v = xcalloc(k + 1, sizeof *v);
	for (size_t i = 0; i < k; i++)
		v[i] = xstrdup(csns[i]);
	if (n)
		*n = k;
	return v;
}

/* A CSN list from NULL-terminated values (each may be a single CSN). */
static struct csn_list *csns_to_list(char *const *csns)
{
	struct buf b = { 0 };
	for (size_t i = 0; csns && csns[i]; i++) {
		buf_add(&b, csns[i], strlen(csns[i]), false);
		buf_add(&b, " ", 1, false);
	}
	struct csn_list *l = csn_list_parse(b.p ? b.p : "", NULL);
	free(b.p);
	return l;
}

/* ---- construction ---- */
static struct dashboard *alloc_model(size_t n_reps, size_t n_srvs)
{
	struct dashboard *d = xcalloc(1, sizeof *d);
	d->reps = xcalloc(n_reps ? n_reps : 1, sizeof *d->reps);
	d->rprev = xcalloc(n_reps ? n_reps : 1, sizeof *d->rprev);
	d->n_reps = n_reps;
	d->srvs = xcalloc(n_srvs ? n_srvs : 1, sizeof *d->srvs);
	d->sprev = xcalloc(n_srvs ? n_srvs : 1, sizeof *d->sprev);
	d->n_srvs = n_srvs;
	char tok[DOVEADM_MARK_LEN - 7];
	randtok(tok, sizeof tok, RANDTOK_ALNUM);
	snprintf(d->mark, sizeof d->mark, "rw-end-%s", tok);
	d->events = xcalloc(DASH_MAX_EVENTS, sizeof *d->events);
	d->master_host = -1;
	d->timer = 0;
	for (size_t i = 0; i < n_reps; i++) {
		d->reps[i].health = DASH_UNKNOWN;
		d->reps[i].zm_code = -1;
		d->reps[i].zm_behind = -1;
		d->reps[i].summary = xstrdup("not polled yet");
	}
	for (size_t j = 0; j < n_srvs; j++) {
		d->srvs[j].health = DASH_UNKNOWN;
		d->srvs[j].summary = xstrdup("not polled yet");
	}
	return d;
}

static void set_defaults(struct dash_options *o)
{
	if (o->interval_s <= 0)
		o->interval_s = 5;
	if (o->command_timeout_s <= 0)
		o->command_timeout_s = 30;
	if (o->ldap_timeout_s <= 0)
		o->ldap_timeout_s = 5;
}

struct dashboard *dashboard_new_offline(const char *master, const char *master_url,
					const char *const *replicas, const char *const *replica_urls,
					size_t n_replicas, const char *const *servers,
					size_t n_servers, const struct dash_thresholds *th)
{
	struct dashboard *d = alloc_model(n_replicas, n_servers);
	d->offline = true;
	set_defaults(&d->opts);
	if (th)
		d->opts.th = *th;
	else
		dash_thresholds_default(&d->opts.th);
	d->master.name = xstrdup(master ? master : "");
	d->master.url = xstrdup(master_url ? master_url : "");
	for (size_t i = 0; i < n_replicas; i++) {
		d->reps[i].name = xstrdup(replicas[i]);
		d->reps[i].url = xstrdup(replica_urls ? replica_urls[i] : "");
	}
	for (size_t j = 0; j < n_servers; j++)
		d->srvs[j].name = xstrdup(servers[j]);
	return d;
}

static void add_pair(struct dashboard *d, const char *name, bool named, size_t first, size_t n)
{
	d->pairs = xrealloc(d->pairs, (d->n_pairs + 1) * sizeof *d->pairs);
	struct dash_pair *p = &d->pairs[d->n_pairs++];
	p->name = xstrdup(name);
	p->named = named;
	p->first = first;
	p->n = first + n <= d->n_srvs ? n : 0;
}

void dashboard_offline_pair(struct dashboard *d, const char *name, size_t first, size_t n)
{
	add_pair(d, name, true, first, n);
	for (size_t j = first; j < first + n && j < d->n_srvs; j++) {
		free(d->srvs[j].pair);
		d->srvs[j].pair = xstrdup(name);
	}
}

static struct host *host_get(struct dashboard *d, const struct site_host *sh)
{
	for (size_t i = 0; i < d->n_hosts; i++)
		if (strcmp(d->hosts[i].name, sh->name) == 0)
			return &d->hosts[i];
	d->hosts = xrealloc(d->hosts, (d->n_hosts + 1) * sizeof *d->hosts);
	struct host *h = &d->hosts[d->n_hosts++];
	memset(h, 0, sizeof *h);
	h->name = xstrdup(sh->name);
	h->sh = sh;
	h->replica = -1;
	h->server = -1;
	return h;
}

static char *ldap_url(const struct site_host *h)
{
	return xasprintf("ldap://%s:%u", h->address, h->ldap_port);
}

struct dashboard *dashboard_new(struct loop *loop, const struct site *site,
				const struct dash_options *opts,
				const struct dash_callbacks *cb)
{
	size_t n_m = 0, n_r = 0, n_s = 0;
	const char *const *masters = site_list(site, SITE_ROLE_MASTER, &n_m);
	const char *const *reps = site_list(site, SITE_ROLE_REPLICA, &n_r);
	const char *const *srvs = site_list(site, SITE_ROLE_DOVECOT, &n_s);
	struct dashboard *d = alloc_model(n_r, n_s);
	d->loop = loop;
	if (opts)
		d->opts = *opts;
	else
		dash_thresholds_default(&d->opts.th);
	set_defaults(&d->opts);
	if (cb)
		d->cb = *cb;
	/* hosts[] never moves after this block: count them first */
	d->hosts = xcalloc(n_m + n_r + n_s + 1, sizeof *d->hosts);
	d->n_hosts = 0;
	if (n_m) {
		const struct site_host *mh = site_host(site, masters[0]);
		d->master.name = xstrdup(mh->name);
		d->master.url = ldap_url(mh);
		struct host *h = host_get(d, mh);
		h->is_master = true;
		d->master_host = h - d->hosts;
	} else {
		d->master.name = xstrdup("");
		d->master.url = xstrdup("");
	}
	for (size_t i = 0; i < n_r; i++) {
		const struct site_host *sh = site_host(site, reps[i]);
		d->reps[i].name = xstrdup(sh->name);
		d->reps[i].url = ldap_url(sh);
		host_get(d, sh)->replica = (long)i;
	}
	for (size_t j = 0; j < n_s; j++) {
		const struct site_host *sh = site_host(site, srvs[j]);
		d->srvs[j].name = xstrdup(sh->name);
		d->srvs[j].pair = sh->pair ? xstrdup(sh->pair) : NULL;
		host_get(d, sh)->server = (long)j;
	}
	/* site_list gives each pair's two servers one after the other */
	for (size_t k = 0; k < site_pair_count(site); k++) {
		const struct site_pair *sp = site_pair_at(site, k);
		for (size_t j = 0; j < n_s; j++) {
			if (strcasecmp(srvs[j], sp->servers[0]) != 0)
				continue;
			add_pair(d, sp->name, sp->named, j, j + 1 < n_s ? 2 : 1);
			break;
		}
	}
	struct ldap_route_config rc;
	char *hold = NULL, err[512];
	/* an unreadable CA file was refused by the command; here it would
	 * only make the probes fail with its name */
	ldap_cli_config(&d->opts.ldap, site, &rc, &hold, err, sizeof err);
	d->route = ldap_route_new(loop, &rc);
	free(hold);
	for (size_t i = 0; i < d->n_hosts; i++) {
		struct host *h = &d->hosts[i];
		h->d = d;
		h->probe_url = rc.direct ? ldap_url(h->sh) : ldapurl_for(h->sh->name, h->sh->ldap_port);
	}
	const char *pw = harden_secret_env("REPLICA_WIZARD_LDAP_PASSWORD");
	if (pw && *pw) {
		d->password = xstrdup(pw);
		redact_add(pw);
		d->master.have_password = true;
	}
	return d;
}

static void host_cancel(struct host *h)
{
	if (h->job) {
		struct job *j = h->job;
		h->job = NULL;
		job_cancel(j);
	}
	ldap_route_probe_cancel(h->probe_csn);
	ldap_route_probe_cancel(h->probe_mon);
	h->probe_csn = h->probe_mon = NULL;
}

void dashboard_free(struct dashboard *d)
{
	if (!d)
		return;
	d->closing = true;
	if (d->timer && d->loop)
		loop_timer_cancel(d->loop, d->timer);
	for (size_t i = 0; i < d->n_hosts; i++) {
		struct host *h = &d->hosts[i];
		host_cancel(h);
		if (h->conn) {
			conn_close(h->conn);
			conn_free(h->conn);
		}
		buf_wipe(&h->out);
		buf_wipe(&h->err);
		free(h->name);
		free(h->probe_url);
	}
	ldap_route_free(d->route);
	free(d->hosts);
	for (size_t i = 0; i < d->n_reps; i++) {
		struct dash_replica *r = &d->reps[i];
		free(r->name); free(r->url); free(r->summary); free(r->zm_status);
		free(r->zm_error); free(r->csn); free(r->csn_error); free(r->mon_next_connect);
		free(r->mon_phase); free(r->mon_error);
	}
	for (size_t j = 0; j < d->n_srvs; j++) {
		struct dash_server *s = &d->srvs[j];
		free(s->name); free(s->pair); free(s->summary); free(s->fail_text); free(s->ssh_error);
		for (size_t k = 0; k < s->n_users; k++)
			free(s->users[k].username);
		free(s->users);
		for (size_t k = 0; k < s->n_dsync; k++) {
			free(s->dsync[k].username); free(s->dsync[k].type); free(s->dsync[k].status);
		}
		free(s->dsync);
		for (size_t k = 0; k < d->sprev[j].n_failed; k++)
			free(d->sprev[j].failed[k]);
		free(d->sprev[j].failed);
	}
	for (size_t i = 0; i < d->n_reps; i++)
		free_csns(d->rprev[i].csns);
	free(d->reps); free(d->rprev); free(d->srvs); free(d->sprev);
	for (size_t k = 0; k < d->n_pairs; k++)
		free(d->pairs[k].name);
	free(d->pairs);
	for (size_t k = 0; k < d->n_events; k++)
		free(dashboard_event(d, k)->text);
	free(d->events);
	free(d->master.name); free(d->master.url); free_csns(d->master.csns);
	free(d->master.csn_error); free(d->master.ssh_error); free(d->master.password_error);
	if (d->password) {
		explicit_bzero(d->password, strlen(d->password));
		free(d->password);
	}
	free(d);
}

/* ---- accessors ---- */
unsigned long dashboard_generation(const struct dashboard *d) { return d->generation; }
int dashboard_interval(const struct dashboard *d) { return d->opts.interval_s; }
const struct dash_master *dashboard_master(const struct dashboard *d) { return &d->master; }
size_t dashboard_n_replicas(const struct dashboard *d) { return d->n_reps; }
size_t dashboard_n_servers(const struct dashboard *d) { return d->n_srvs; }
const struct dash_thresholds *dashboard_thresholds(const struct dashboard *d) { return &d->opts.th; }

const struct dash_replica *dashboard_replica(const struct dashboard *d, size_t i)
{
	return i < d->n_reps ? &d->reps[i] : NULL;
}

const struct dash_server *dashboard_server(const struct dashboard *d, size_t i)
{
	return i < d->n_srvs ? &d->srvs[i] : NULL;
}

size_t dashboard_n_pairs(const struct dashboard *d) { return d->n_pairs; }

const struct dash_pair *dashboard_pair(const struct dashboard *d, size_t k)
{
	return k < d->n_pairs ? &d->pairs[k] : NULL;
}

bool dashboard_pairs_grouped(const struct dashboard *d)
{
	return d->n_pairs > 1 || (d->n_pairs == 1 && d->pairs[0].named);
}

bool dashboard_busy(const struct dashboard *d)
{
	for (size_t i = 0; i < d->n_hosts; i++)
		if (d->hosts[i].busy)
			return true;
	return false;
}

bool dashboard_first_round_done(const struct dashboard *d)
{
	for (size_t i = 0; i < d->n_hosts; i++)
		if (!d->hosts[i].first_done)
			return false;
	return true;
}

/* Refused by the human (or batch), or by the transport's own policy:
 * a changed or revoked key, which no answer can accept. */
static bool host_hostkey_refused(const struct host *h)
{
	return h->hostkey_refused || (h->conn != NULL && conn_hostkey_refused(h->conn));
}

bool dashboard_hostkey_refused(const struct dashboard *d)
{
	for (size_t i = 0; i < d->n_hosts; i++)
		if (host_hostkey_refused(&d->hosts[i]))
			return true;
	return false;
}

enum dash_health dashboard_pair_health(const struct dashboard *d, size_t k)
{
	enum dash_health h = DASH_OK;
	if (k >= d->n_pairs)
		return DASH_UNKNOWN;
	for (size_t j = d->pairs[k].first; j < d->pairs[k].first + d->pairs[k].n; j++)
		h = worst(h, d->srvs[j].health);
	return h;
}

enum dash_health dashboard_overall(const struct dashboard *d)
{
	enum dash_health h = DASH_OK;
	for (size_t i = 0; i < d->n_reps; i++)
		h = worst(h, d->reps[i].health);
	for (size_t j = 0; j < d->n_srvs; j++)
		h = worst(h, d->srvs[j].health);
	return h;
}

/* ---- feeds: replicas ---- */
void dashboard_feed_zmreplchk(struct dashboard *d, size_t i, const char *out, size_t out_len,
			      const char *err, size_t err_len, int exit_status,
			      const char *ssh_error, time_t now)
{
	if (i >= d->n_reps)
		return;
	struct dash_replica *r = &d->reps[i];
	struct zmreplchk_result *res = NULL;
	struct zmreplchk_error perr;
	if (ssh_error) {
		char *e = xasprintf("ssh: %s", ssh_error);
		free(r->zm_error);
		r->zm_error = e;
		goto out;
	}
	if (exit_status != 0) {
		char *line = first_line(err ? err : "", err ? err_len : 0);
		char *e = xasprintf("zmreplchk: exit %d%s%s", exit_status, *line ? ": " : "", line);
		free(line);
		free(r->zm_error);
		r->zm_error = e;
		goto out;
	}
	zmreplchk_parse(out ? out : "", out ? out_len : 0, &res, &perr);
	/* zmreplchk on a replica reports the replica itself (its ldap_url) */
	const struct zmreplchk_entry *e = NULL;
	for (size_t k = 0; res && k < res->n_entries; k++) {
		if (res->entries[k].role != ZMREPLCHK_REPLICA)
			continue;
		if (!e || (r->url && strcmp(res->entries[k].url, r->url) == 0))
			e = &res->entries[k];
	}
	if (!e) {
		set_str(&r->zm_error, "zmreplchk: no replica reported (ldap_url lists none)");
		goto out;
	}
	r->zm_valid = true;
	r->zm_at = now;
	r->zm_code = e->code;
	set_str(&r->zm_status, e->status);
	r->zm_behind = (e->flags & ZMREPLCHK_F_BEHIND) ? e->behind_secs : -1;
	r->zm_master_down = (e->flags & ZMREPLCHK_F_MASTER_DOWN) != 0;
	set_str(&r->zm_error, NULL);
out:
	zmreplchk_result_free(res);
	bump(d);
}

void dashboard_feed_master_csn(struct dashboard *d, char *const *csns, const char *error,
			       time_t now)
{
	if (error) {
		set_str(&d->master.csn_error, error);
	} else {
		free_csns(d->master.csns);
		d->master.csns = dup_csns(csns, &d->master.n_csns);
		d->master.csn_valid = true;
		d->master.csn_at = now;
		set_str(&d->master.csn_error, NULL);
	}
	bump(d);
}

void dashboard_feed_replica_csn(struct dashboard *d, size_t i, char *const *csns,
				const char *error, time_t now)
{
	if (i >= d->n_reps)
		return;
	struct dash_replica *r = &d->reps[i];
	r->csn_tls_refused = r->csn_no_session = false;
	if (error) {
		set_str(&r->csn_error, error);
	} else {
		r->csn_valid = true;
		r->csn_at = now;
		set_str(&r->csn, csns && csns[0] ? csns[0] : "");
		set_str(&r->csn_error, NULL);
		free_csns(d->rprev[i].csns);
		d->rprev[i].csns = dup_csns(csns, NULL);
	}
	bump(d);
}

void dashboard_feed_replica_csn_failed(struct dashboard *d, size_t i, enum ldapprobe_failure why,
				       const char *error, time_t now)
{
	if (i >= d->n_reps)
		return;
	dashboard_feed_replica_csn(d, i, NULL, error ? error : "failed", now);
	d->reps[i].csn_tls_refused = why == LDAPPROBE_FAIL_TLS;
	d->reps[i].csn_no_session = why == LDAPPROBE_FAIL_NO_ROUTE;
}

/* Lag of replica i from the latest CSNs of both sides (at commit time, so
 * the order in which the probes answered does not matter). */
static void compute_lag(struct dashboard *d, size_t i)
{
	struct dash_replica *r = &d->reps[i];
	r->lag_valid = false;
	r->lag_no_csn = false;
	if (r->csn_error || !r->csn_valid || !d->master.csn_valid || d->master.csn_error)
		return;
	struct csn_list *m = csns_to_list(d->master.csns);
	struct csn_list *l = csns_to_list(d->rprev[i].csns);
	double lag = 0;
	if (m && l) {
		enum csn_lag_rc rc = csn_lag_max(m, l, &lag);
		if (rc == CSN_LAG_OK) {
			r->lag_valid = true;
			r->lag = lag;
		} else if (rc == CSN_LAG_NO_REPLICA) {
			r->lag_no_csn = true;
		}
	}
	csn_list_free(m);
	csn_list_free(l);
}

void dashboard_feed_consumer(struct dashboard *d, size_t i, size_t n, bool connected,
			     const char *phase, const char *next_connect, const char *error,
			     time_t now)
{
	if (i >= d->n_reps)
		return;
	struct dash_replica *r = &d->reps[i];
	if (error) {
		set_str(&r->mon_error, error);
	} else {
		r->mon_valid = true;
		r->mon_at = now;
		r->mon_consumers = n;
		r->mon_connected = n > 0 && connected;
		set_str(&r->mon_phase, phase);
		set_str(&r->mon_next_connect, next_connect);
		set_str(&r->mon_error, NULL);
	}
	bump(d);
}

/* Lag to show and threshold: our probe first, else zmreplchk's. */
bool dash_replica_lag(const struct dash_replica *r, double *lag)
{
	if (r->lag_valid && !r->csn_error) {
		*lag = r->lag < 0 ? 0 : r->lag;
		return true;
	}
	if (r->zm_valid && !r->zm_error) {
		if (r->zm_behind >= 0) {
			*lag = (double)r->zm_behind;
			return true;
		}
		if (r->zm_code == 0) {
			*lag = 0;
			return true;
		}
	}
	return false;
}

/* A probe refused by TLS, or never made (no SSH session to carry it),
 * says nothing about the server being down. */
bool dash_replica_down(const struct dash_replica *r)
{
	return (r->csn_error && !r->csn_tls_refused && !r->csn_no_session) ||
	       (r->zm_valid && !r->zm_error && r->zm_code == 4);
}

bool dash_replica_in_sync(const struct dash_replica *r, bool *in_sync)
{
	double lag;
	if (dash_replica_down(r)) {
		*in_sync = false;
		return true;
	}
	if (dash_replica_lag(r, &lag)) {
		*in_sync = lag < 1.0;
		return true;
	}
	/* zmreplchk's Code 6 without a readable delta (CSNs differ, or the
	 * master unreadable); 3 and 5 say nothing about the data */
	if (r->zm_valid && !r->zm_error && r->zm_code == 6) {
		*in_sync = false;
		return true;
	}
	return false;
}

/* "YYYYmmddHHMMSSZ" (GeneralizedTime) as local HH:MM:SS, else a copy. */
static void format_gentime(const char *g, char *out, size_t size)
{
	struct tm tm = { 0 };
	if (g && strlen(g) >= 15 &&
	    sscanf(g, "%4d%2d%2d%2d%2d%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
		   &tm.tm_min, &tm.tm_sec) == 6 && tm.tm_year > 1900) {
		tm.tm_year -= 1900;
		tm.tm_mon -= 1;
		time_t t = timegm(&tm);
		struct tm lt;
		localtime_r(&t, &lt);
		strftime(out, size, "%H:%M:%S", &lt);
		return;
	}
	snprintf(out, size, "%s", g ? g : "?");
}

void dashboard_commit_replica(struct dashboard *d, size_t i, time_t now)
{
	if (i >= d->n_reps)
		return;
	struct dash_replica *r = &d->reps[i];
	struct rep_prev *p = &d->rprev[i];
	const struct dash_thresholds *th = &d->opts.th;
	enum dash_health h = DASH_OK;
	char sum[512] = "";
	compute_lag(d, i);
	size_t sl = 0;
#define ADD(...) (sl += (size_t)snprintf(sum + sl, sl < sizeof sum ? sizeof sum - sl : 0, __VA_ARGS__), \
		  sl = sl < sizeof sum ? sl : sizeof sum - 1)

	/* a probe refused by TLS, or never made (no SSH session to carry
	 * it), says nothing about the server being down */
	bool tls_refused = r->csn_error && r->csn_tls_refused;
	bool down = dash_replica_down(r);
	double lag = 0;
	bool have_lag = !down && dash_replica_lag(r, &lag);
	bool behind = have_lag && lag >= 1.0;
	if (!have_lag && r->zm_valid && !r->zm_error && r->zm_code == 6)
		behind = true; /* code 6 without a readable delta: out of sync */
	bool not_connected = !down && r->mon_valid && !r->mon_error && !r->mon_connected;
	bool ssh_err = r->zm_error != NULL;

	if (down) {
		h = DASH_CRITICAL;
		ADD("Server down");
	} else if (tls_refused) {
		/* up, maybe, but we would not talk to it */
		h = DASH_CRITICAL;
		ADD("LDAP TLS refused (%s)", r->csn_error);
	} else if (!have_lag && r->zm_valid && !r->zm_error && r->zm_master_down) {
		h = DASH_CRITICAL;
		ADD("master down (zmreplchk could not read the master's contextCSN)");
	} else if (have_lag) {
		if (th->crit_lag >= 0 && lag >= th->crit_lag)
			h = DASH_CRITICAL;
		else if (th->warn_lag >= 0 && lag >= th->warn_lag)
			h = DASH_WARNING;
		if (behind)
			ADD("%.0f s behind", lag);
		else
			ADD("In Sync");
	} else if (r->lag_no_csn) {
		h = DASH_WARNING;
		ADD("no CSN from the master yet");
	} else if (behind) {
		h = DASH_WARNING;
		ADD("out of sync (%s)", r->zm_status ? r->zm_status : "?");
	} else {
		h = DASH_UNKNOWN;
		ADD("lag unknown");
	}
	if (!down && r->zm_valid && !r->zm_error && (r->zm_code == 3 || r->zm_code == 5 || r->zm_code < 0)) {
		h = worst(h, DASH_WARNING);
		ADD(", zmreplchk: %s", r->zm_status ? r->zm_status : "no code");
	}
	if (not_connected) {
		h = worst(h, DASH_WARNING);
		if (r->mon_consumers == 0) {
			ADD(", no syncrepl consumer");
		} else {
			char when[32];
			format_gentime(r->mon_next_connect, when, sizeof when);
			ADD(", syncrepl not connected (retry %s)", when);
		}
	}
	if (ssh_err && !down) {
		h = worst(h, DASH_WARNING);
		ADD(", %s", r->zm_error);
	}
#undef ADD
	r->health = h;
	set_str(&r->summary, sum);
	history_add(&r->lag_hist, now, have_lag ? lag : 0, have_lag);

	/* events on transitions (the first round reports only what is wrong) */
	if (down != p->down && (down || p->committed))
		dashboard_event_add(d, now, down ? DASH_CRITICAL : DASH_OK, down ? "replica %s: Server down%s%s%s"
				    : "replica %s: server up again%s%s%s", r->name,
				    down && r->csn_error ? " (" : "", down && r->csn_error ? r->csn_error : "",
				    down && r->csn_error ? ")" : "");
	if (!down && behind != p->behind && (behind || p->committed)) {
		if (behind && have_lag)
			dashboard_event_add(d, now, h == DASH_OK ? DASH_WARNING : h,
					    "replica %s fell %.0f s behind", r->name, lag);
		else if (behind)
			dashboard_event_add(d, now, DASH_WARNING, "replica %s out of sync: %s", r->name,
					    r->zm_status ? r->zm_status : "?");
		else
			dashboard_event_add(d, now, DASH_OK, "replica %s back in sync", r->name);
	}
	if (!down && not_connected != p->not_connected && (not_connected || p->committed))
		dashboard_event_add(d, now, not_connected ? DASH_WARNING : DASH_OK,
				    not_connected ? "replica %s: syncrepl session not connected"
				    : "replica %s: syncrepl session connected", r->name);
	if (ssh_err != p->ssh_err && (ssh_err || p->committed))
		dashboard_event_add(d, now, ssh_err ? DASH_WARNING : DASH_OK, "replica %s: %s", r->name,
				    ssh_err ? r->zm_error : "zmreplchk answers again");
	if (down == p->down)
		p->behind = behind; /* keep "behind" across a down period */
	else
		p->behind = down ? p->behind : behind;
	p->down = down;
	p->not_connected = down ? p->not_connected : not_connected;
	p->ssh_err = ssh_err;
	p->health = h;
	p->committed = true;
	bump(d);
}

/* ---- feeds: Dovecot servers ---- */
static int user_cmp(const void *a, const void *b)
{
	const struct doveadm_user *x = a, *y = b;
	if (x->failed != y->failed)
		return x->failed ? -1 : 1;
	return strcmp(x->username, y->username);
}

static void server_set_users(struct dash_server *s, struct doveadm_users *u, time_t now)
{
	for (size_t k = 0; k < s->n_users; k++)
		free(s->users[k].username);
	free(s->users);
	/* take the rows over: the parser's strings become ours */
	s->users = u->users;
	s->n_users = u->n;
	s->has_next_sync = u->has_next_sync;
	u->users = NULL;
	u->n = 0;
	qsort(s->users, s->n_users, sizeof *s->users, user_cmp);
	s->n_failed = 0;
	for (size_t k = 0; k < s->n_users; k++)
		s->n_failed += s->users[k].failed;
	s->users_valid = true;
	s->users_at = now;
}

static void server_set_dsync(struct dash_server *s, struct doveadm_dsync *ds)
{
	for (size_t k = 0; k < s->n_dsync; k++) {
		free(s->dsync[k].username); free(s->dsync[k].type); free(s->dsync[k].status);
	}
	free(s->dsync);
	s->dsync = ds->rows;
	s->n_dsync = ds->n;
	ds->rows = NULL;
	ds->n = 0;
	s->dsync_valid = true;
}

void dashboard_feed_server_ssh(struct dashboard *d, size_t j, const char *ssh_error, time_t now)
{
	(void)now;
	if (j >= d->n_srvs)
		return;
	char *e = xasprintf("ssh: %s", ssh_error ? ssh_error : "not connected");
	free(d->srvs[j].ssh_error);
	d->srvs[j].ssh_error = e;
	bump(d);
}

void dashboard_feed_doveadm(struct dashboard *d, size_t j, enum dash_doveadm_cmd cmd,
			    const char *out, size_t out_len, const char *err, size_t err_len,
			    int exit_status, const char *ssh_error, time_t now)
{
	if (j >= d->n_srvs)
		return;
	struct dash_server *s = &d->srvs[j];
	struct doveadm_error perr = { 0 };
	if (ssh_error) {
		dashboard_feed_server_ssh(d, j, ssh_error, now);
		return;
	}
	set_str(&s->ssh_error, NULL);
	s->ssh_hostkey_refused = false;
	if (exit_status != 0) {
		struct doveadm_failure_info fi;
		doveadm_classify_failure(err, err ? err_len : 0, exit_status, &fi);
		s->fail = fi.kind;
		free(s->fail_text);
		if (exit_status == 75)
			s->fail_text = xasprintf("replication not configured or dovecot down: %s",
						 fi.summary);
		else
			s->fail_text = xasprintf("doveadm: exit %d: %s%s%s", exit_status, fi.summary,
						 *fi.detail ? ": " : "", fi.detail);
		bump(d);
		return;
	}
	if (cmd == DASH_DOVEADM_OVERVIEW) {
		struct doveadm_overview *o = doveadm_parse_overview_json(out ? out : "", out_len, &perr);
		if (o) {
			s->ov = *o;
			s->ov.extra = NULL;
			s->ov.n_extra = 0;
			s->ov_valid = true;
			s->ov_at = now;
			s->fail = DOVEADM_FAIL_NONE;
			set_str(&s->fail_text, NULL);
		} else {
			s->fail = DOVEADM_FAIL_UNKNOWN;
			free(s->fail_text);
			s->fail_text = xasprintf("doveadm replicator status: unexpected output (line %zu: %s)",
						 perr.line, perr.msg ? perr.msg : "?");
		}
		doveadm_overview_free(o);
	} else if (cmd == DASH_DOVEADM_USERS) {
		struct doveadm_users *u = doveadm_parse_users_json(out ? out : "", out_len, &perr);
		if (u)
			server_set_users(s, u, now);
		doveadm_users_free(u);
	} else {
		struct doveadm_dsync *ds = doveadm_parse_dsync_json(out ? out : "", out_len, &perr);
		if (ds)
			server_set_dsync(s, ds);
		doveadm_dsync_free(ds);
	}
	bump(d);
}

static bool name_in(char *const *v, size_t n, const char *name)
{
	for (size_t k = 0; k < n; k++)
		if (strcmp(v[k], name) == 0)
			return true;
	return false;
}

static long long ov_queued(const struct doveadm_overview *o)
{
	long long q = 0;
	const long long v[] = { o->queued_sync, o->queued_high, o->queued_low, o->queued_failed,
				o->queued_full_resync };
	for (size_t k = 0; k < sizeof v / sizeof v[0]; k++)
		if (v[k] > 0)
			q += v[k];
	return q;
}

long long dash_server_queued(const struct dash_server *s)
{
	return s->ov_valid ? ov_queued(&s->ov) : -1;
}

long long dash_server_failed(const struct dash_server *s)
{
	if (s->users_valid)
		return (long long)s->n_failed;
	if (s->ov_valid)
		return (s->ov.queued_failed > 0 ? s->ov.queued_failed : 0) +
		       (s->ov.waiting_failed > 0 ? s->ov.waiting_failed : 0);
	return -1;
}

void dashboard_commit_server(struct dashboard *d, size_t j, time_t now)
{
	if (j >= d->n_srvs)
		return;
	struct dash_server *s = &d->srvs[j];
	struct srv_prev *p = &d->sprev[j];
	const struct dash_thresholds *th = &d->opts.th;
	enum dash_health h = DASH_OK;
	char *sum = NULL;
	bool ssh_err = s->ssh_error != NULL;
	bool fresh = !ssh_err && s->fail == DOVEADM_FAIL_NONE && s->ov_valid;
	long long queued = dash_server_queued(s), failed = dash_server_failed(s);

	if (ssh_err) {
		/* a refused or changed host key: we could not look (UNKNOWN) */
		h = s->ssh_hostkey_refused ? DASH_UNKNOWN : DASH_CRITICAL;
		sum = xstrdup(s->ssh_error);
	} else if (s->fail != DOVEADM_FAIL_NONE) {
		h = DASH_CRITICAL;
		sum = xstrdup(s->fail_text ? s->fail_text : "doveadm failed");
	} else if (!s->ov_valid) {
		h = DASH_UNKNOWN;
		sum = xstrdup("no answer yet");
	} else {
		if (th->crit_failed >= 0 && failed >= th->crit_failed)
			h = DASH_CRITICAL;
		else if (th->warn_failed >= 0 && failed >= th->warn_failed)
			h = DASH_WARNING;
		if (th->crit_queue >= 0 && queued >= th->crit_queue)
			h = worst(h, DASH_CRITICAL);
		else if (th->warn_queue >= 0 && queued >= th->warn_queue)
			h = worst(h, DASH_WARNING);
		sum = xasprintf("%lld users, %lld queued, %lld failed", s->ov.total_users, queued,
				failed < 0 ? 0 : failed);
	}
	s->health = h;
	free(s->summary);
	s->summary = sum;
	history_add(&s->queued_hist, now, (double)queued, fresh && queued >= 0);
	history_add(&s->failed_hist, now, (double)failed, fresh && failed >= 0);

	if (ssh_err != p->ssh_err && (ssh_err || p->committed))
		dashboard_event_add(d, now, ssh_err ? DASH_CRITICAL : DASH_OK, "%s: %s", s->name,
				    ssh_err ? s->ssh_error : "reachable over ssh again");
	if (!ssh_err && s->fail != p->fail && (s->fail != DOVEADM_FAIL_NONE || p->committed))
		dashboard_event_add(d, now, s->fail ? DASH_CRITICAL : DASH_OK, "%s: %s", s->name,
				    s->fail ? s->fail_text : "replicator answers again");
	/* users: compare the failed set with the last good poll */
	if (fresh && s->users_valid) {
		for (size_t k = 0; k < s->n_users && s->users[k].failed; k++)
			if (!name_in(p->failed, p->n_failed, s->users[k].username))
				dashboard_event_add(d, now, DASH_WARNING, "%s failed on %s",
						    s->users[k].username, s->name);
		for (size_t k = 0; k < p->n_failed; k++) {
			bool still = false, known = false;
			for (size_t u = 0; u < s->n_users; u++)
				if (strcmp(s->users[u].username, p->failed[k]) == 0) {
					known = true;
					still = s->users[u].failed;
				}
			if (known && !still)
				dashboard_event_add(d, now, DASH_OK, "%s synced again on %s", p->failed[k],
						    s->name);
		}
		for (size_t k = 0; k < p->n_failed; k++)
			free(p->failed[k]);
		free(p->failed);
		p->failed = xcalloc(s->n_failed + 1, sizeof *p->failed);
		p->n_failed = 0;
		for (size_t k = 0; k < s->n_users; k++)
			if (s->users[k].failed)
				p->failed[p->n_failed++] = xstrdup(s->users[k].username);
	}
	p->ssh_err = ssh_err;
	if (!ssh_err)
		p->fail = s->fail;
	p->health = h;
	p->committed = true;
	bump(d);
}

/* ================= pollers (live) ================= */
static void host_round_part_done(struct host *h);
static void host_next_step(struct host *h);
static void tick(void *ud);

static time_t wall(void) { return time(NULL); }

static void job_line(void *ud, enum job_stream s, const char *line, size_t len)
{
	struct host *h = ud;
	/* doveadm JSON is one line that linebuf may cut at its maximum:
	 * join JSON lines without a separator */
	bool json = h->step == STEP_DOVEADM;
	size_t ml = strlen(h->d->mark);
	if (json && len >= ml && memcmp(line, h->d->mark, ml) == 0 && (len == ml || line[ml] == ' ')) {
		if (s == JOB_STDOUT && h->n_out_parts < DOVEADM_PARTS) {
			char code[16] = "";
			memcpy(code, line + ml, len - ml < sizeof code - 1 ? len - ml : sizeof code - 1);
			h->part_exit[h->n_out_parts] = atoi(code);
			h->part_out[h->n_out_parts++] = h->out.len;
		} else if (s == JOB_STDERR && h->n_err_parts < DOVEADM_PARTS) {
			h->part_err[h->n_err_parts++] = h->err.len;
		}
		return;
	}
	if (s == JOB_STDOUT)
		buf_add(&h->out, line, len, !json);
	else if (!json || len) /* the blank line before a mark */
		buf_add(&h->err, line, len, true);
}

/* Feed the parts of STEP_DOVEADM: each command's stdout, stderr, status. */
static void feed_doveadm_parts(struct host *h, const char *ssh_error, int exit_status, time_t now)
{
	static const enum dash_doveadm_cmd cmds[DOVEADM_PARTS] = {
		DASH_DOVEADM_OVERVIEW, DASH_DOVEADM_USERS, DASH_DOVEADM_DSYNC
	};
	size_t j = (size_t)h->server, o0 = 0, e0 = 0;
	if (h->n_out_parts == 0) { /* not even the overview: the session, sudo or the shell failed */
		dashboard_feed_doveadm(h->d, j, DASH_DOVEADM_OVERVIEW, h->out.p ? h->out.p : "", h->out.len,
				       h->err.p ? h->err.p : "", h->err.len,
				       exit_status == 0 ? 127 : exit_status, ssh_error, now);
		return;
	}
	for (size_t k = 0; k < h->n_out_parts; k++) {
		size_t e1 = k < h->n_err_parts ? h->part_err[k] : h->err.len;
		char *o = xstrndup(h->out.p + o0, h->part_out[k] - o0);
		char *e = xstrndup(h->err.p ? h->err.p + e0 : "", h->err.p ? e1 - e0 : 0);
		dashboard_feed_doveadm(h->d, j, cmds[k], o, h->part_out[k] - o0, e, strlen(e),
				       h->part_exit[k], NULL, now);
		free(o);
		free(e);
		o0 = h->part_out[k];
		e0 = e1;
	}
	if (ssh_error) /* lost after a part: what came is kept, the loss shown */
		dashboard_feed_server_ssh(h->d, j, ssh_error, now);
}

static void job_done(void *ud, const struct job_result *r)
{
	struct host *h = ud;
	struct dashboard *d = h->d;
	time_t now = wall();
	h->job = NULL;
	if (d->closing) {
		buf_wipe(&h->out);
		buf_wipe(&h->err);
		return;
	}
	char *ssh_error = NULL;
	if (r->conn_lost || r->timed_out || r->cancelled || r->exit_status < 0)
		ssh_error = xstrdup(r->error ? r->error : r->timed_out ? "command timed out" :
				    r->conn_lost ? "connection lost" : "no exit status");
	const char *o = h->out.p ? h->out.p : "";
	const char *e = h->err.p ? h->err.p : "";
	switch (h->step) {
	case STEP_PASSWORD: {
		struct localconfig_error lerr;
		struct localconfig *lc = NULL;
		if (!ssh_error && r->exit_status == 0)
			lc = localconfig_parse_shell(o, h->out.len, &lerr);
		const char *pw = lc ? localconfig_get(lc, "zimbra_ldap_password") : NULL;
		if (pw && *pw) {
			d->password = xstrdup(pw);
			redact_add(pw);
			d->master.have_password = true;
			set_str(&d->master.password_error, NULL);
		} else {
			char *line = first_line(e, h->err.len);
			free(d->master.password_error);
			d->master.password_error = ssh_error ? xasprintf("ssh: %s", ssh_error)
				: xasprintf("zmlocalconfig -s zimbra_ldap_password on %s: exit %d%s%s", h->name,
					    r->exit_status, *line ? ": " : "", line);
			free(line);
		}
		localconfig_free(lc);
		d->password_pending = false;
		break;
	}
	case STEP_ZMREPLCHK:
		dashboard_feed_zmreplchk(d, (size_t)h->replica, o, h->out.len, e, h->err.len,
					 r->exit_status, ssh_error, now);
		break;
	case STEP_DOVEADM:
		feed_doveadm_parts(h, ssh_error, r->exit_status, now);
		break;
	default:
		break;
	}
	buf_wipe(&h->out);
	buf_wipe(&h->err);
	h->n_out_parts = h->n_err_parts = 0;
	free(ssh_error);
	h->step++;
	host_next_step(h);
}

static bool step_applies(const struct host *h, enum step st)
{
	switch (st) {
	case STEP_PASSWORD: return h->is_master && !h->d->password && h->d->password_pending;
	case STEP_ZMREPLCHK: return h->replica >= 0;
	case STEP_DOVEADM: return h->server >= 0;
	default: return false;
	}
}

static char *step_command(const struct host *h, enum step st)
{
	char *q = shquote(h->sh->prefix ? h->sh->prefix : SITE_DEFAULT_PREFIX);
	char *cmd = NULL;
	enum runas how = RUNAS_ROOT;
	switch (st) {
	case STEP_PASSWORD:
		cmd = xasprintf("%s/bin/zmlocalconfig -s -m shell zimbra_ldap_password", q);
		how = RUNAS_ZEXTRAS;
		break;
	case STEP_ZMREPLCHK:
		cmd = xasprintf("%s/libexec/zmreplchk", q);
		how = RUNAS_ZEXTRAS;
		break;
	case STEP_DOVEADM: {
		const char *m = h->d->mark;
		cmd = xasprintf(doveadm_script, m, m, m, m, m, m);
		break;
	}
	default: break;
	}
	free(q);
	char *w = shquote_runas(how, conn_login_user(h->conn), cmd);
	free(cmd);
	return w;
}

/* Run the next applicable ssh step of the round, or close the ssh part. */
static void host_next_step(struct host *h)
{
	while (h->step < STEP_END && !step_applies(h, h->step))
		h->step++;
	if (h->step >= STEP_END) {
		if (!h->ssh_part_done) {
			h->ssh_part_done = true;
			host_round_part_done(h);
		}
		return;
	}
	char *cmd = step_command(h, h->step);
	struct job_callbacks cb = { .on_line = job_line, .on_done = job_done, .ud = h };
	h->job = conn_exec(h->conn, cmd, NULL, 0, h->d->opts.command_timeout_s, &cb);
	free(cmd);
	if (!h->job) {
		/* not connected any more: feed the error to what this host shows */
		const char *e = conn_error(h->conn) ? conn_error(h->conn) : "not connected";
		time_t now = wall();
		if (h->step == STEP_PASSWORD) {
			free(h->d->master.password_error);
			h->d->master.password_error = xasprintf("ssh: %s", e);
			h->d->password_pending = false;
		}
		if (h->replica >= 0 && h->step <= STEP_ZMREPLCHK)
			dashboard_feed_zmreplchk(h->d, (size_t)h->replica, NULL, 0, NULL, 0, -1, e, now);
		if (h->server >= 0)
			dashboard_feed_server_ssh(h->d, (size_t)h->server, e, now);
		h->step = STEP_END;
		host_next_step(h);
	}
}

static bool needs_ssh(const struct host *h)
{
	return h->replica >= 0 || h->server >= 0 || (h->is_master && h->d->password_pending);
}

static void start_round(struct host *h);

/* Part of a round finished: when all are, commit what this host shows. */
static void host_round_part_done(struct host *h)
{
	if (--h->pending > 0)
		return;
	time_t now = wall();
	h->busy = false;
	if ((h->ssh_polled || !needs_ssh(h)) && !h->ldap_deferred)
		h->first_done = true;
	if (h->replica >= 0)
		dashboard_commit_replica(h->d, (size_t)h->replica, now);
	if (h->server >= 0)
		dashboard_commit_server(h->d, (size_t)h->server, now);
	bump(h->d);
	if (h->kick) {
		h->kick = false;
		start_round(h);
	}
}

static bool start_csn_probe(struct host *h);
static bool start_mon_probe(struct host *h);

static void probe_csn_done(void *ud, const struct ldapprobe_result *r)
{
	struct host *h = ud;
	struct dashboard *d = h->d;
	bool via = !ldap_route_direct(d->route);
	h->probe_csn = NULL;
	time_t now = wall();
	if (h->is_master) {
		d->master.via_ssh = via;
		dashboard_feed_master_csn(d, r->ok ? r->csns : NULL, r->ok ? NULL : r->error, now);
		for (size_t i = 0; i < d->n_hosts; i++) {
			struct host *o = &d->hosts[i];
			if (o != h && o->wait_master) {
				o->wait_master = false;
				host_round_part_done(o);
			}
		}
	}
	if (h->replica >= 0) {
		d->reps[h->replica].via_ssh = via;
		if (r->ok)
			dashboard_feed_replica_csn(d, (size_t)h->replica, r->csns, NULL, now);
		else
			dashboard_feed_replica_csn_failed(d, (size_t)h->replica, r->failure, r->error, now);
	}
	host_round_part_done(h);
}

static void probe_mon_done(void *ud, const struct ldapprobe_result *r)
{
	struct host *h = ud;
	h->probe_mon = NULL;
	if (r->ok) {
		bool all = r->n_consumers > 0;
		const char *phase = NULL, *next = NULL;
		for (size_t k = 0; k < r->n_consumers; k++) {
			if (!r->consumers[k].connected) {
				all = false;
				phase = r->consumers[k].phase;
				next = r->consumers[k].next_connect;
			}
		}
		if (all && r->n_consumers) {
			phase = r->consumers[0].phase;
			next = r->consumers[0].next_connect;
		}
		dashboard_feed_consumer(h->d, (size_t)h->replica, r->n_consumers, all, phase, next,
					NULL, wall());
	} else {
		char *e = xasprintf("cn=Monitor: %s", r->error ? r->error : "failed");
		dashboard_feed_consumer(h->d, (size_t)h->replica, 0, false, NULL, NULL, e, wall());
		free(e);
	}
	host_round_part_done(h);
}

static bool conn_connecting(const struct conn *c)
{
	enum conn_state st = conn_state(c);
	return st != CONN_READY && st != CONN_FAILED && st != CONN_NEW;
}

static const char *host_url(const struct host *h)
{
	const struct dashboard *d = h->d;
	return h->is_master ? d->master.url : h->replica >= 0 ? d->reps[h->replica].url : NULL;
}

/* One probe of h on the dashboard's route: through a forward on the node's
 * own session (to its site NAME, resolved by the node: the site's `address`
 * is how the ADMIN reaches the node, maybe a NAT or a relay that only
 * passes SSH, and slapd may not listen on 127.0.0.1), or direct with
 * verified TLS when asked. */
static struct ldap_route_probe *host_probe(struct host *h, struct ldapprobe_request *req,
					   ldapprobe_done_cb cb)
{
	req->url = h->probe_url;
	return ldap_route_probe_start(h->d->route, h->conn, req, cb, h);
}

static bool start_csn_probe(struct host *h)
{
	struct dashboard *d = h->d;
	struct ldapprobe_request req = {
		.kind = LDAPPROBE_CONTEXTCSN, .timeout_s = d->opts.ldap_timeout_s,
	};
	h->probe_csn = host_probe(h, &req, probe_csn_done);
	return h->probe_csn != NULL;
}

static bool start_mon_probe(struct host *h)
{
	struct dashboard *d = h->d;
	struct ldapprobe_request req = {
		.kind = LDAPPROBE_CONSUMER, .bind_dn = ZIMBRA_DN,
		.password = d->password, .timeout_s = d->opts.ldap_timeout_s,
	};
	h->probe_mon = host_probe(h, &req, probe_mon_done);
	return h->probe_mon != NULL;
}

static void start_round(struct host *h)
{
	struct dashboard *d = h->d;
	if (h->busy || d->closing)
		return; /* never overlap a poll of the same host */
	h->busy = true;
	h->pending = 1; /* held until everything below is started */
	const char *url = host_url(h);
	h->ldap_deferred = false;
	if (url && !ldap_route_direct(d->route) && h->conn && conn_state(h->conn) != CONN_READY) {
		/* through the session: wait for it (READY polls again), or say
		 * why there is none */
		if (conn_state(h->conn) == CONN_FAILED) {
			char *e = xasprintf("cannot contact LDAP server %s through the SSH session: %s", url,
					    conn_error(h->conn) ? conn_error(h->conn) : "not connected");
			time_t now = wall();
			if (h->is_master)
				dashboard_feed_master_csn(d, NULL, e, now);
			if (h->replica >= 0) {
				dashboard_feed_replica_csn_failed(d, (size_t)h->replica,
								  LDAPPROBE_FAIL_NO_ROUTE, e, now);
				dashboard_feed_consumer(d, (size_t)h->replica, 0, false, NULL, NULL, e,
							now);
			}
			free(e);
		} else {
			h->ldap_deferred = true;
		}
		url = NULL;
	}
	if (url) {
		h->pending++;
		if (!start_csn_probe(h))
			h->pending--;
	}
	if (h->replica >= 0 && !h->is_master && d->master_host >= 0 &&
	    d->hosts[d->master_host].probe_csn) {
		/* the lag wants the master's CSN of the same moment */
		h->wait_master = true;
		h->pending++;
	}
	if (h->replica >= 0 && url) {
		if (d->password) {
			h->pending++;
			if (!start_mon_probe(h))
				h->pending--;
		} else {
			dashboard_feed_consumer(d, (size_t)h->replica, 0, false, NULL, NULL,
						d->master.password_error ? d->master.password_error
						: "no LDAP password (REPLICA_WIZARD_LDAP_PASSWORD or the master)",
						wall());
		}
	}
	/* the ssh part: skipped while the session is still being set up (the
	 * cells keep their last values; READY polls at once) */
	h->ssh_part_done = true;
	if (needs_ssh(h) && h->conn && conn_state(h->conn) == CONN_READY) {
		h->ssh_part_done = false;
		h->ssh_polled = true;
		h->step = STEP_PASSWORD;
		h->pending++;
		host_next_step(h);
	} else if (needs_ssh(h) && h->conn && !conn_connecting(h->conn)) {
		bool refused = host_hostkey_refused(h);
		const char *e = conn_error(h->conn) ? conn_error(h->conn)
			: refused ? "host key not accepted" : "not connected";
		time_t now = wall();
		if (h->replica >= 0)
			dashboard_feed_zmreplchk(d, (size_t)h->replica, NULL, 0, NULL, 0, -1, e, now);
		if (h->server >= 0) {
			dashboard_feed_server_ssh(d, (size_t)h->server, e, now);
			d->srvs[h->server].ssh_hostkey_refused = refused;
		}
		if (h->is_master && d->password_pending) {
			free(d->master.password_error);
			d->master.password_error = xasprintf("ssh: %s", e);
			d->password_pending = false;
		}
		h->ssh_polled = true;
		/* try again, except after a refused key */
		if (!refused && conn_state(h->conn) == CONN_FAILED)
			conn_start(h->conn);
	}
	host_round_part_done(h);
}

static struct host *host_of_conn(struct dashboard *d, struct conn *c)
{
	for (size_t i = 0; i < d->n_hosts; i++)
		if (d->hosts[i].conn == c)
			return &d->hosts[i];
	return NULL;
}

static void on_conn_state(void *ud, struct conn *c, enum conn_state st)
{
	struct dashboard *d = ud;
	struct host *h = host_of_conn(d, c);
	if (!h || d->closing)
		return;
	if (st == CONN_READY || st == CONN_FAILED) {
		if (h->is_master) {
			free(d->master.ssh_error);
			d->master.ssh_error = st == CONN_FAILED ? xasprintf("ssh: %s", conn_error(c)) : NULL;
			/* probes waiting for Carbonio's CA (direct) go on */
			ldap_route_kick(d->route);
		}
		/* poll now (READY) or record the error (FAILED) */
		if (h->busy)
			h->kick = true;
		else if (!d->password_pending || h->is_master)
			start_round(h); /* others wait for the password (tick) */
	}
	bump(d);
}

static void on_conn_hostkey(void *ud, struct conn *c, const struct hostkey_info *hk)
{
	struct dashboard *d = ud;
	struct host *h = host_of_conn(d, c);
	if (d->opts.accept_new_host_keys) {
		conn_hostkey_decide(c, true);
		return;
	}
	if (d->cb.on_hostkey && h) {
		h->hostkey_asked = true;
		d->cb.on_hostkey(d->cb.ud, h->name, hk);
		return;
	}
	if (h)
		h->hostkey_refused = true;
	conn_hostkey_decide(c, false);
}

static void on_conn_secret(void *ud, struct conn *c, enum conn_secret_kind kind, const char *prompt)
{
	(void)ud;
	(void)kind;
	(void)prompt;
	const char *pw = harden_secret_env("REPLICA_WIZARD_SSH_PASSWORD");
	if (pw && *pw) {
		redact_add(pw);
		conn_answer_secret(c, pw);
	} else {
		conn_answer_secret(c, NULL);
	}
}

void dashboard_hostkey_decide(struct dashboard *d, const char *host, bool accept)
{
	for (size_t i = 0; i < d->n_hosts; i++) {
		struct host *h = &d->hosts[i];
		if (strcmp(h->name, host) != 0 || !h->conn)
			continue;
		if (!accept)
			h->hostkey_refused = true;
		conn_hostkey_decide(h->conn, accept);
	}
}

static void arm(struct dashboard *d, int ms)
{
	if (d->timer)
		loop_timer_cancel(d->loop, d->timer);
	d->timer = loop_timer(d->loop, ms, tick, d);
}

static void tick(void *ud)
{
	struct dashboard *d = ud;
	d->timer = 0;
	/* the consumer probe needs the password: give its fetch a moment */
	if (d->password_pending && loop_now() - d->started < d->opts.command_timeout_s) {
		arm(d, 200);
		return;
	}
	for (size_t i = 0; i < d->n_hosts; i++)
		start_round(&d->hosts[i]);
	arm(d, d->opts.interval_s * 1000);
}

void dashboard_start(struct dashboard *d)
{
	if (d->offline)
		return;
	d->started = loop_now();
	d->password_pending = !d->password && d->master_host >= 0;
	if (!d->password && d->master_host < 0)
		d->master.password_error = xstrdup("the site names no master");
	for (size_t i = 0; i < d->n_hosts; i++) {
		struct host *h = &d->hosts[i];
		const struct site_host *sh = h->sh;
		struct conn_config cfg = site_host_conn_config(sh, 10);
		struct conn_callbacks cb = {
			.on_state = on_conn_state, .on_hostkey = on_conn_hostkey,
			.on_secret = on_conn_secret, .ud = d,
		};
		h->conn = conn_new(d->loop, &cfg, &cb);
		/* the master's session first fetches the password (on READY) */
		conn_start(h->conn);
		if (h->is_master)
			ldap_route_set_ca_source(d->route, h->conn, sh->name, sh->prefix);
	}
	arm(d, 0);
}

void dashboard_refresh(struct dashboard *d)
{
	if (d->offline)
		return;
	for (size_t i = 0; i < d->n_hosts; i++)
		start_round(&d->hosts[i]);
	arm(d, d->opts.interval_s * 1000);
}

/* ---- requeue intent ---- */
struct requeue {
	struct dashboard *d;
	char *server;
	char *user;
	struct buf out, err;
};

static void rq_line(void *ud, enum job_stream s, const char *line, size_t len)
{
	struct requeue *q = ud;
	buf_add(s == JOB_STDOUT ? &q->out : &q->err, line, len, true);
}

static void rq_done(void *ud, const struct job_result *r)
{
	struct requeue *q = ud;
	struct doveadm_error perr;
	if (q->d->closing)
		goto out;
	long long n = r->exit_status == 0 ? doveadm_parse_replicate(q->out.p ? q->out.p : "", q->out.len, &perr) : -1;
	if (n >= 0) {
		dashboard_event_add(q->d, wall(), DASH_OK, "requeued %s on %s (%lld users updated)", q->user,
				    q->server, n);
	} else {
		char *line = first_line(q->err.p ? q->err.p : "", q->err.len);
		dashboard_event_add(q->d, wall(), DASH_WARNING, "requeue of %s on %s failed: %s", q->user,
				    q->server, *line ? line : r->error ? r->error : "no answer");
		free(line);
	}
out:
	buf_wipe(&q->out);
	buf_wipe(&q->err);
	free(q->server);
	free(q->user);
	free(q);
}

bool dashboard_requeue_user(struct dashboard *d, size_t server, const char *user)
{
	if (d->offline || server >= d->n_srvs || !user || !*user)
		return false;
	struct host *h = NULL;
	for (size_t i = 0; i < d->n_hosts; i++)
		if (d->hosts[i].server == (long)server)
			h = &d->hosts[i];
	if (!h || !h->conn || conn_state(h->conn) != CONN_READY)
		return false;
	const char *argv[] = { "doveadm", "replicator", "replicate", user, NULL };
	char *cmd = shquote_join(argv);
	char *w = shquote_runas(RUNAS_ROOT, conn_login_user(h->conn), cmd);
	free(cmd);
	struct requeue *q = xcalloc(1, sizeof *q);
	q->d = d;
	q->server = xstrdup(h->name);
	q->user = xstrdup(user);
	struct job_callbacks cb = { .on_line = rq_line, .on_done = rq_done, .ud = q };
	struct job *j = conn_exec(h->conn, w, NULL, 0, d->opts.command_timeout_s, &cb);
	free(w);
	if (!j) {
		free(q->server);
		free(q->user);
		free(q);
		return false;
	}
	return true;
}

struct first_round {
	const struct dashboard *d;
	volatile int *stop;
};

static bool first_round_over(void *ud)
{
	const struct first_round *fr = ud;
	return dashboard_first_round_done(fr->d) || (fr->stop && *fr->stop);
}

bool dashboard_run_once(struct dashboard *d, struct loop *loop, int timeout_s,
			volatile int *stop)
{
	struct first_round fr = { .d = d, .stop = stop };
	dashboard_start(d);
	return loop_run_until(loop, first_round_over, &fr, timeout_s > 0 ? timeout_s : 60) &&
	       dashboard_first_round_done(d);
}

void dashboard_give_up(struct dashboard *d, const char *why)
{
	time_t now = wall();
	for (size_t i = 0; i < d->n_hosts; i++) {
		struct host *h = &d->hosts[i];
		if (h->first_done)
			continue;
		if (h->is_master && !d->master.csn_valid && !d->master.csn_error)
			set_str(&d->master.csn_error, why);
		if (h->replica >= 0) {
			struct dash_replica *r = &d->reps[h->replica];
			if (!r->zm_valid && !r->zm_error)
				dashboard_feed_zmreplchk(d, (size_t)h->replica, NULL, 0, NULL, 0, -1, why, now);
			dashboard_commit_replica(d, (size_t)h->replica, now);
		}
		if (h->server >= 0) {
			if (!d->srvs[h->server].ov_valid)
				dashboard_feed_server_ssh(d, (size_t)h->server, why, now);
			dashboard_commit_server(d, (size_t)h->server, now);
		}
		h->first_done = true;
	}
}
