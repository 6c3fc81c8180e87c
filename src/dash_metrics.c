/* Metrics rendering of the dashboard (see dash_metrics.h). */
#include "dash_metrics.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dashboard.h"
#include "xalloc.h"

#define PREFIX "replica_wizard_"

/* The kinds of host a series is about; each has its own target label. */
enum role { ROLE_MASTER, ROLE_REPLICA, ROLE_SERVER };

static const char *role_name(enum role r)
{
	switch (r) {
	case ROLE_MASTER: return "master";
	case ROLE_REPLICA: return "replica";
	default: return "dovecot";
	}
}

/* The label naming a target in the role's own families. */
static const char *target_key(enum role r)
{
	return r == ROLE_SERVER ? "server" : role_name(r);
}

static size_t n_targets(const struct dashboard *d, enum role r)
{
	switch (r) {
	case ROLE_MASTER: return 1;
	case ROLE_REPLICA: return dashboard_n_replicas(d);
	default: return dashboard_n_servers(d);
	}
}

static const char *target_name(const struct dashboard *d, enum role r, size_t i)
{
	switch (r) {
	case ROLE_MASTER: return dashboard_master(d)->name;
	case ROLE_REPLICA: return dashboard_replica(d, i)->name;
	default: return dashboard_server(d, i)->name;
	}
}

/* A label value between double quotes: backslash, double quote and line
 * feed escaped (the same three in both formats). */
static void put_label(FILE *o, const char *key, const char *value, bool first)
{
	fprintf(o, "%s%s=\"", first ? "" : ",", key);
	for (const char *p = value ? value : ""; *p; p++) {
		if (*p == '\\')
			fputs("\\\\", o);
		else if (*p == '"')
			fputs("\\\"", o);
		else if (*p == '\n')
			fputs("\\n", o);
		else
			fputc(*p, o);
	}
	fputc('"', o);
}

/* The labels naming target i of a role: key="name" (key is the role's own
 * label, or "target" for the probe series), and a Dovecot server's pair so
 * that queries can group by it. */
static void put_target(FILE *o, const struct dashboard *d, enum role r, size_t i, const char *key)
{
	put_label(o, key, target_name(d, r, i), true);
	if (r == ROLE_SERVER && dashboard_server(d, i)->pair)
		put_label(o, "pair", dashboard_server(d, i)->pair, false);
}

bool dash_metrics_number(char *out, size_t size, double v)
{
	if (!isfinite(v))
		return false;
	/* integers as integers ("3", not "3.0" or "3e+00") */
	if (v == floor(v) && fabs(v) < 1e15)
		snprintf(out, size, "%.0f", v);
	else
		snprintf(out, size, "%.15g", v);
	return true;
}

/* ---- values: false when unknown or stale (the series is left out) ---- */

static bool rep_lag(const struct dashboard *d, size_t i, size_t v, double *out)
{
	(void)v;
	const struct dash_replica *r = dashboard_replica(d, i);
	return !dash_replica_down(r) && dash_replica_lag(r, out);
}

static bool rep_in_sync(const struct dashboard *d, size_t i, size_t v, double *out)
{
	(void)v;
	bool s;
	if (!dash_replica_in_sync(dashboard_replica(d, i), &s))
		return false;
	*out = s;
	return true;
}

static bool rep_zm_code(const struct dashboard *d, size_t i, size_t v, double *out)
{
	(void)v;
	const struct dash_replica *r = dashboard_replica(d, i);
	if (!r->zm_valid || r->zm_error || r->zm_code < 0)
		return false;
	*out = r->zm_code;
	return true;
}

static bool rep_connected(const struct dashboard *d, size_t i, size_t v, double *out)
{
	(void)v;
	const struct dash_replica *r = dashboard_replica(d, i);
	if (!r->mon_valid || r->mon_error)
		return false;
	*out = r->mon_connected;
	return true;
}

/* The overview and the per-user table are from this round. */
static const struct dash_server *fresh_server(const struct dashboard *d, size_t j)
{
	const struct dash_server *s = dashboard_server(d, j);
	return s->ov_valid && !s->ssh_error && s->fail == DOVEADM_FAIL_NONE ? s : NULL;
}

static bool count(long long n, double *out)
{
	if (n < 0)
		return false;
	*out = (double)n;
	return true;
}

static const char *const priorities[] = { "sync", "high", "low", "failed", "full_resync", NULL };

static bool srv_queued(const struct dashboard *d, size_t j, size_t v, double *out)
{
	const struct dash_server *s = fresh_server(d, j);
	if (!s)
		return false;
	const long long q[] = { s->ov.queued_sync, s->ov.queued_high, s->ov.queued_low,
				s->ov.queued_failed, s->ov.queued_full_resync };
	return count(q[v], out);
}

static bool srv_waiting_failed(const struct dashboard *d, size_t j, size_t v, double *out)
{
	(void)v;
	const struct dash_server *s = fresh_server(d, j);
	return s && count(s->ov.waiting_failed, out);
}

static bool srv_failed_users(const struct dashboard *d, size_t j, size_t v, double *out)
{
	(void)v;
	const struct dash_server *s = fresh_server(d, j);
	return s && count(dash_server_failed(s), out);
}

static bool srv_known_users(const struct dashboard *d, size_t j, size_t v, double *out)
{
	(void)v;
	const struct dash_server *s = fresh_server(d, j);
	return s && count(s->ov.total_users, out);
}

/* One metric family over the targets of one role. */
struct family {
	const char *name;            /* after the prefix */
	const char *unit;            /* OpenMetrics UNIT (the name ends in _unit), or NULL */
	const char *help;            /* no backslash, no double quote */
	enum role role;
	const char *variant_label;   /* a second label ("priority"), or NULL */
	const char *const *variants; /* its values, NULL-terminated */
	bool (*value)(const struct dashboard *d, size_t i, size_t variant, double *out);
};

static const struct family families[] = {
	{ "replica_lag_seconds", "seconds",
	  "How far the replica's contextCSN is behind the master's (our LDAP probe, else zmreplchk)",
	  ROLE_REPLICA, NULL, NULL, rep_lag },
	{ "replica_in_sync", NULL,
	  "1 when the replica has every change of the master (lag under 1 s), 0 when behind or down",
	  ROLE_REPLICA, NULL, NULL, rep_in_sync },
	{ "replica_zmreplchk_code", NULL,
	  "The Code that zmreplchk printed for the replica (0 In Sync, 3 StartTLS, 4 Server down, "
	  "5 Unable to search, 6 behind)",
	  ROLE_REPLICA, NULL, NULL, rep_zm_code },
	{ "replica_syncrepl_connected", NULL,
	  "1 when every syncrepl consumer in the replica's cn=Monitor is connected to the master",
	  ROLE_REPLICA, NULL, NULL, rep_connected },
	{ "dovecot_queued_requests", NULL,
	  "Requests queued in the Dovecot replicator, by priority (doveadm replicator status)",
	  ROLE_SERVER, "priority", priorities, srv_queued },
	{ "dovecot_waiting_failed_requests", NULL,
	  "Failed requests waiting for their retry in the Dovecot replicator",
	  ROLE_SERVER, NULL, NULL, srv_waiting_failed },
	{ "dovecot_failed_users", NULL,
	  "Users whose last replication failed on the Dovecot server",
	  ROLE_SERVER, NULL, NULL, srv_failed_users },
	{ "dovecot_known_users", NULL,
	  "Users the Dovecot replicator knows",
	  ROLE_SERVER, NULL, NULL, srv_known_users },
};

/* ---- probes: what the wizard asks each target every round ---- */

/* false when the probe has not been tried yet; else whether its last try
 * succeeded and when it last did (0: never). */
struct probe {
	const char *name;
	enum role role;
	bool (*state)(const struct dashboard *d, size_t i, bool *ok, time_t *last_ok);
};

static bool try_state(bool valid, time_t at, const char *error, bool *ok, time_t *last_ok)
{
	*ok = valid && !error;
	*last_ok = valid ? at : 0;
	return valid || error;
}

static bool probe_master_csn(const struct dashboard *d, size_t i, bool *ok, time_t *last_ok)
{
	(void)i;
	const struct dash_master *m = dashboard_master(d);
	return try_state(m->csn_valid, m->csn_at, m->csn_error, ok, last_ok);
}

static bool probe_zmreplchk(const struct dashboard *d, size_t i, bool *ok, time_t *last_ok)
{
	const struct dash_replica *r = dashboard_replica(d, i);
	return try_state(r->zm_valid, r->zm_at, r->zm_error, ok, last_ok);
}

static bool probe_replica_csn(const struct dashboard *d, size_t i, bool *ok, time_t *last_ok)
{
	const struct dash_replica *r = dashboard_replica(d, i);
	return try_state(r->csn_valid, r->csn_at, r->csn_error, ok, last_ok);
}

static bool probe_monitor(const struct dashboard *d, size_t i, bool *ok, time_t *last_ok)
{
	const struct dash_replica *r = dashboard_replica(d, i);
	return try_state(r->mon_valid, r->mon_at, r->mon_error, ok, last_ok);
}

static bool probe_doveadm(const struct dashboard *d, size_t j, bool *ok, time_t *last_ok)
{
	const struct dash_server *s = dashboard_server(d, j);
	const char *error = s->ssh_error ? s->ssh_error
		: s->fail != DOVEADM_FAIL_NONE ? (s->fail_text ? s->fail_text : "doveadm failed") : NULL;
	return try_state(s->ov_valid, s->ov_at, error, ok, last_ok);
}

static const struct probe probes[] = {
	{ "contextcsn", ROLE_MASTER, probe_master_csn },
	{ "zmreplchk", ROLE_REPLICA, probe_zmreplchk },
	{ "contextcsn", ROLE_REPLICA, probe_replica_csn },
	{ "monitor", ROLE_REPLICA, probe_monitor },
	{ "doveadm", ROLE_SERVER, probe_doveadm },
};

/* ---- writing ---- */

static void head(FILE *o, const char *name, const char *unit, const char *help,
		 enum dash_metrics_format f)
{
	fprintf(o, "# HELP " PREFIX "%s %s\n", name, help);
	fprintf(o, "# TYPE " PREFIX "%s gauge\n", name);
	if (unit && f == DASH_METRICS_OPENMETRICS)
		fprintf(o, "# UNIT " PREFIX "%s %s\n", name, unit);
}

/* The family's header and samples, or nothing when no value is known. */
static void flush_family(FILE *o, const char *name, const char *unit, const char *help,
			 enum dash_metrics_format f, char *samples, size_t len)
{
	if (len) {
		head(o, name, unit, help, f);
		fwrite(samples, 1, len, o);
	}
	free(samples);
}

static void sample_end(FILE *s, double v)
{
	char num[64];
	dash_metrics_number(num, sizeof num, v);
	fprintf(s, "} %s\n", num);
}

static void render_family(FILE *o, const struct dashboard *d, const struct family *fam,
			  enum dash_metrics_format f)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *s = open_memstream(&buf, &len);
	if (!s)
		abort();
	size_t nv = 1;
	if (fam->variants)
		for (nv = 0; fam->variants[nv]; nv++)
			;
	for (size_t i = 0; i < n_targets(d, fam->role); i++) {
		for (size_t v = 0; v < nv; v++) {
			double x;
			if (!fam->value(d, i, v, &x) || !isfinite(x))
				continue;
			fprintf(s, PREFIX "%s{", fam->name);
			put_target(s, d, fam->role, i, target_key(fam->role));
			if (fam->variant_label)
				put_label(s, fam->variant_label, fam->variants[v], false);
			sample_end(s, x);
		}
	}
	fclose(s);
	flush_family(o, fam->name, fam->unit, fam->help, f, buf, len);
}

/* probe_success (which = 0) or probe_last_success_timestamp_seconds (1). */
static void render_probes(FILE *o, const struct dashboard *d, int which, enum dash_metrics_format f)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *s = open_memstream(&buf, &len);
	if (!s)
		abort();
	const char *name = which ? "probe_last_success_timestamp_seconds" : "probe_success";
	for (size_t p = 0; p < sizeof probes / sizeof probes[0]; p++) {
		for (size_t i = 0; i < n_targets(d, probes[p].role); i++) {
			bool ok;
			time_t last;
			if (!probes[p].state(d, i, &ok, &last) || (which && !last))
				continue;
			fprintf(s, PREFIX "%s{", name);
			put_target(s, d, probes[p].role, i, "target");
			put_label(s, "role", role_name(probes[p].role), false);
			put_label(s, "probe", probes[p].name, false);
			sample_end(s, which ? (double)last : ok);
		}
	}
	fclose(s);
	flush_family(o, name, which ? "seconds" : NULL,
		     which ? "Unix time of the probe's last success"
			   : "1 when the probe of the target answered in the last round, 0 when it failed",
		     f, buf, len);
}

char *dash_metrics_render(const struct dashboard *d, enum dash_metrics_format f, time_t now)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *o = open_memstream(&buf, &len);
	if (!o)
		abort();
	for (size_t k = 0; k < sizeof families / sizeof families[0]; k++)
		render_family(o, d, &families[k], f);
	render_probes(o, d, 0, f);
	render_probes(o, d, 1, f);
	head(o, "last_run_timestamp_seconds", "seconds", "Unix time when replica-wizard made these metrics", f);
	fprintf(o, PREFIX "last_run_timestamp_seconds %lld\n", (long long)now);
	if (f == DASH_METRICS_OPENMETRICS)
		fputs("# EOF\n", o);
	fclose(o);
	return buf;
}

bool dash_metrics_write_textfile(const char *dir, const char *text, char *err, size_t err_size)
{
	char *final = xasprintf("%s/" DASH_METRICS_TEXTFILE, dir);
	char *tmp = xasprintf("%s/." DASH_METRICS_TEXTFILE ".XXXXXX", dir);
	bool ok = false;
	const char *what = "create a temporary file in it";
	int fd = mkstemp(tmp);
	bool fd_made = fd >= 0;
	if (fd < 0)
		goto out;
	size_t len = strlen(text), off = 0;
	what = "write";
	while (off < len) {
		ssize_t n = write(fd, text + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			goto fail;
		}
		off += (size_t)n;
	}
	/* mkstemp made it 0600; the collector may run as another user */
	what = "chmod";
	if (fchmod(fd, 0644) != 0)
		goto fail;
	what = "sync";
	if (fsync(fd) != 0)
		goto fail;
	what = "close";
	int rc = close(fd);
	fd = -1;
	if (rc != 0)
		goto fail;
	what = "rename";
	if (rename(tmp, final) != 0)
		goto fail;
	ok = true;
	goto out;
fail:;
	int e = errno;
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	errno = e;
out:
	if (!ok)
		snprintf(err, err_size, "%s: cannot %s: %s", fd_made ? final : dir, what,
			 strerror(errno));
	free(final);
	free(tmp);
	return ok;
}
