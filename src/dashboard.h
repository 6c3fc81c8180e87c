/* The live sync dashboard: the model (hosts, pollers, history, event log).
 * No curses here: views (the TUI in ui/, `dashboard --once` text, JSON,
 * `check`) only READ the model through the accessors below.
 *
 * Left side: one row per Directory Replica, made of what zmreplchk prints
 * on the replica (run there as zextras) and our own libldap probe: the
 * contextCSN of the master and of the replica (lag in seconds) and the
 * consumer state in the replica's cn=Monitor (olmSRConnection,
 * olmSRNextConnect), which shows a replica that zmreplchk calls "In Sync"
 * while its persistent syncrepl session is down.
 * Right side: per Dovecot server, `doveadm -f json replicator status`,
 * `... status '*'` and `... dsync-status`.
 *
 * Driving it (one thread, the event loop of loop.h):
 *   d = dashboard_new(loop, site, &opts, &cb);
 *   dashboard_start(d);             connect every host, poll every interval
 *   loop_poll(loop, ...) ...        callbacks update the model (the TUI's
 *                                   loop; --once: dashboard_run_once)
 *   if (dashboard_generation(d) != last_drawn) redraw
 *   dashboard_free(d);
 * A view redraws when the generation counter changed (it is bumped by any
 * change of the model, including a new event). Intents: dashboard_refresh()
 * (poll now), dashboard_requeue_user() (doveadm replicator replicate).
 *
 * Every poll of one host is serialised: a host whose previous poll is still
 * running is skipped at the next tick (its cells age), the others go on.
 *
 * The feed functions (dashboard_feed_*) are what the pollers call with the
 * raw outputs; they are public so that tests drive the model without any
 * network, with a chosen `now`. */
#ifndef RW_DASHBOARD_H
#define RW_DASHBOARD_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "doveadm_parse.h"
#include "ldap_cli.h"
#include "ldapprobe.h"

struct loop;
struct site;
struct conn;
struct hostkey_info;

/* Health of one cell or one host, ordered by severity (Nagios numbers
 * except that UNKNOWN sorts between WARNING and CRITICAL for "worst"). */
enum dash_health {
	DASH_OK = 0,
	DASH_WARNING = 1,
	DASH_CRITICAL = 2,
	DASH_UNKNOWN = 3,   /* never polled yet, or nothing could be learnt */
};
const char *dash_health_name(enum dash_health h); /* "OK", "WARNING", ... */

/* Thresholds (check options; the dashboard colours with the same). A
 * negative value disables that threshold. */
struct dash_thresholds {
	double warn_lag, crit_lag;        /* seconds behind */
	long long warn_failed, crit_failed; /* failed users per server */
	long long warn_queue, crit_queue; /* queued requests per server */
};
#define DASH_DEFAULT_WARN_LAG 60.0
#define DASH_DEFAULT_CRIT_LAG 300.0
#define DASH_DEFAULT_WARN_FAILED 1
#define DASH_DEFAULT_CRIT_FAILED 5
#define DASH_DEFAULT_WARN_QUEUE 100
#define DASH_DEFAULT_CRIT_QUEUE 1000
void dash_thresholds_default(struct dash_thresholds *t);

/* A ring of samples for sparklines: value at wall time, `valid` false for
 * a poll that gave no value (the view draws a gap). */
#define DASH_HISTORY 120
struct dash_sample {
	time_t at;
	double value;
	bool valid;
};
struct dash_history {
	struct dash_sample s[DASH_HISTORY];
	size_t n;       /* samples stored (<= DASH_HISTORY) */
	size_t next;    /* index of the next write */
};
/* i-th sample, oldest first (0 <= i < h->n). */
const struct dash_sample *dash_history_at(const struct dash_history *h, size_t i);

/* A value with the wall time it was last obtained: when a later poll fails
 * the view still shows it, greyed, with its age. */
struct dash_replica {
	char *name;            /* site name */
	char *url;             /* ldap://address:port used by our probe */
	enum dash_health health;
	char *summary;         /* one short line: "In Sync", "Server down", "14 s behind" */

	/* zmreplchk (over SSH, as zextras) */
	bool zm_valid;         /* a parsed result exists (maybe old) */
	time_t zm_at;          /* when it was obtained */
	int zm_code;           /* -1 when printed empty */
	char *zm_status;       /* status text as printed */
	long long zm_behind;   /* seconds when "... s behind", else -1 */
	bool zm_master_down;   /* code 6, empty status: it could not read the master */
	char *zm_error;        /* last poll failed: "ssh: ...", "zmreplchk: exit 255: ..."; NULL when fine */

	/* own probe: contextCSN (anonymous) */
	bool csn_valid;
	time_t csn_at;
	char *csn;             /* first contextCSN value of the replica */
	bool lag_valid;        /* master's CSN known too */
	double lag;            /* seconds, master - replica (negative: ahead) */
	bool lag_no_csn;       /* the replica lacks a server id of the master */
	char *csn_error;       /* "cannot contact LDAP server ..." */
	bool csn_tls_refused;  /* csn_error is a refused TLS certificate/handshake */
	bool csn_no_session;   /* csn_error: not tried, the node's SSH session is down */
	bool via_ssh;          /* the last probe went through the node's SSH session */

	/* own probe: cn=Monitor consumer (bound as uid=zimbra) */
	bool mon_valid;
	time_t mon_at;
	bool mon_connected;
	size_t mon_consumers;  /* olmSyncReplInstance entries */
	char *mon_next_connect;
	char *mon_phase;
	char *mon_error;       /* bind failure, no password, ... */

	struct dash_history lag_hist;
};

struct dash_user_row {
	struct doveadm_user u;  /* username owned by the row */
};

struct dash_server {
	char *name;
	char *pair;             /* its Dovecot pair's name (site.h), NULL offline */
	enum dash_health health;
	char *summary;          /* "3 users, 0 queued, 0 failed", "Dovecot down" */

	bool ov_valid;
	time_t ov_at;
	struct doveadm_overview ov; /* extra[] not kept */
	/* the classified doveadm failure of the last poll (NONE when fine) */
	enum doveadm_failure fail;
	char *fail_text;        /* "replication not configured or dovecot down: Connection refused" */
	char *ssh_error;        /* "ssh: connection refused" */
	bool ssh_hostkey_refused; /* ssh_error is a host-key refusal: UNKNOWN, not CRITICAL */

	bool users_valid;
	time_t users_at;
	struct doveadm_user *users; /* failed first, then by name */
	size_t n_users;
	size_t n_failed;        /* users with failed = y */
	bool has_next_sync;

	bool dsync_valid;
	struct doveadm_dsync_row *dsync;
	size_t n_dsync;

	struct dash_history queued_hist; /* sync+high+low+failed+full resync */
	struct dash_history failed_hist; /* failed users */
};

/* A Dovecot replication pair: its servers are contiguous in the model, in
 * the site's order (dashboard_server(d, first) .. first + n - 1). */
struct dash_pair {
	char *name;             /* SITE_DEFAULT_PAIR for [dovecot], else NAME */
	bool named;             /* from [dovecot NAME] */
	size_t first, n;
};

struct dash_event {
	time_t at;
	enum dash_health level; /* OK for a recovery, WARNING/CRITICAL for a fall */
	char *text;             /* "replica 127.77.9.3 fell 14 s behind" */
};
#define DASH_MAX_EVENTS 500
#define DASH_EVENT_TEXT_MAX 511 /* bytes of an event text, after masking */

struct dash_master {
	char *name;
	char *url;
	bool csn_valid;
	time_t csn_at;
	char **csns;            /* NULL-terminated contextCSN values */
	size_t n_csns;
	char *csn_error;
	bool via_ssh;           /* the last probe went through the master's SSH session */
	char *ssh_error;
	bool have_password;     /* zimbra_ldap_password known (memory only) */
	char *password_error;   /* why it could not be read */
};

struct dash_options {
	int interval_s;          /* 0: 5 */
	int command_timeout_s;   /* 0: 30 */
	int ldap_timeout_s;      /* 0: 5 */
	/* The path of our LDAP probes (ldap_route.h): through each node's own
	 * SSH session (to the node's site name and ldap_port, resolved by the
	 * node) unless direct is asked for (then always verified TLS); shown
	 * as "via ssh". --starttls is accepted with direct only (ldap_cli.c:
	 * inside the session the synchronous TLS handshake would hang). */
	struct ldap_cli ldap;
	bool accept_new_host_keys;
	struct dash_thresholds th;
};

struct dash_callbacks {
	/* An unknown host key. Without the callback the key is refused unless
	 * accept_new_host_keys (never silently accepted). The callee must call
	 * dashboard_hostkey_decide() (maybe later). */
	void (*on_hostkey)(void *ud, const char *host, const struct hostkey_info *hk);
	/* Model changed (also visible as a new generation). */
	void (*on_change)(void *ud);
	void *ud;
};

struct dashboard;

/* Hosts are taken from the site (validated): master, replicas, Dovecot
 * servers. The LDAP password is REPLICA_WIZARD_LDAP_PASSWORD, else read
 * from the master once (zmlocalconfig -s as zextras); it is registered
 * with redact and kept in memory only. */
struct dashboard *dashboard_new(struct loop *loop, const struct site *site,
				const struct dash_options *opts,
				const struct dash_callbacks *cb);
/* A model without hosts' connections, for tests and views under test:
 * names of the master, replicas and servers are given directly. */
struct dashboard *dashboard_new_offline(const char *master, const char *master_url,
					const char *const *replicas, const char *const *replica_urls,
					size_t n_replicas, const char *const *servers,
					size_t n_servers, const struct dash_thresholds *th);
void dashboard_free(struct dashboard *d);

void dashboard_start(struct dashboard *d);   /* connect and poll every interval */
void dashboard_refresh(struct dashboard *d); /* intent: poll every idle host now */
/* Intent: `doveadm replicator replicate <user>` on a server; the answer
 * becomes an event. Returns false when the server is not connected. */
bool dashboard_requeue_user(struct dashboard *d, size_t server, const char *user);
void dashboard_hostkey_decide(struct dashboard *d, const char *host, bool accept);

/* Blocking, for `dashboard --once` and `check`: start, run the loop until
 * every host finished its first round, or timeout_s passed, or *stop
 * (a signal flag, may be NULL) is set. Returns true when the round is
 * complete. */
bool dashboard_run_once(struct dashboard *d, struct loop *loop, int timeout_s,
			volatile int *stop);

/* After dashboard_run_once() gave up: every host still without a first
 * answer gets `why` as its error and is committed (so it shows UNKNOWN or
 * CRITICAL instead of "not polled yet"). */
void dashboard_give_up(struct dashboard *d, const char *why);

/* Read-only view. */
unsigned long dashboard_generation(const struct dashboard *d);
int dashboard_interval(const struct dashboard *d);
const struct dash_master *dashboard_master(const struct dashboard *d);
size_t dashboard_n_replicas(const struct dashboard *d);
const struct dash_replica *dashboard_replica(const struct dashboard *d, size_t i);
size_t dashboard_n_servers(const struct dashboard *d);
const struct dash_server *dashboard_server(const struct dashboard *d, size_t i);
/* Dovecot pairs, in the site's order (0 for an offline model without
 * dashboard_offline_pair()). */
size_t dashboard_n_pairs(const struct dashboard *d);
const struct dash_pair *dashboard_pair(const struct dashboard *d, size_t k);
/* Worst health of the pair's servers. */
enum dash_health dashboard_pair_health(const struct dashboard *d, size_t k);
/* Should views show the servers grouped by pair: several pairs, or one
 * named [dovecot NAME] (a lone [dovecot] pair looks as it always did). */
bool dashboard_pairs_grouped(const struct dashboard *d);
/* Offline models (tests, bench): servers first .. first + n - 1 form the
 * pair name (named). Call in server order, before any feed. */
void dashboard_offline_pair(struct dashboard *d, const char *name, size_t first, size_t n);
/* True while some host's poll round is running (the bench times a
 * refresh from dashboard_refresh() until this is false). */
bool dashboard_busy(const struct dashboard *d);
size_t dashboard_n_events(const struct dashboard *d);
const struct dash_event *dashboard_event(const struct dashboard *d, size_t i); /* oldest first */
const struct dash_thresholds *dashboard_thresholds(const struct dashboard *d);
/* True when every host has finished its first poll (or failed to connect). */
bool dashboard_first_round_done(const struct dashboard *d);
/* True when a host key was refused (the check reports UNKNOWN). */
bool dashboard_hostkey_refused(const struct dashboard *d);
/* Queued requests (sync+high+low+failed+full resync) of a server, -1 when
 * unknown; failed users (per-user table, else the overview's failed
 * counters), -1 when unknown. */
long long dash_server_queued(const struct dash_server *s);
long long dash_server_failed(const struct dash_server *s);
/* Lag shown for a replica (our probe, else zmreplchk); false when unknown. */
bool dash_replica_lag(const struct dash_replica *r, double *lag);
/* The replica is down: its LDAP server refused our probe (not for TLS, not
 * for want of an SSH session), or zmreplchk said Code 4 (Server down). */
bool dash_replica_down(const struct dash_replica *r);
/* In sync (every change of the master, lag under 1 s) or not (down, behind,
 * or zmreplchk's Code 6); false when unknown. */
bool dash_replica_in_sync(const struct dash_replica *r, bool *in_sync);
/* Worst health of everything (OK < WARNING < UNKNOWN < CRITICAL). */
enum dash_health dashboard_overall(const struct dashboard *d);

/* ---- feeds: what the pollers call (and the tests) ---- */

/* zmreplchk on replica i: stdout, stderr, exit status (-1: none), or
 * ssh_error when the command could not run at all. */
void dashboard_feed_zmreplchk(struct dashboard *d, size_t i, const char *out, size_t out_len,
			      const char *err, size_t err_len, int exit_status,
			      const char *ssh_error, time_t now);
/* contextCSN of the master (csns NULL-terminated) or an error. */
void dashboard_feed_master_csn(struct dashboard *d, char *const *csns, const char *error,
			       time_t now);
/* contextCSN of replica i or an error. */
void dashboard_feed_replica_csn(struct dashboard *d, size_t i, char *const *csns,
				const char *error, time_t now);
/* The contextCSN probe of replica i failed; why decides what it means: a
 * refused TLS certificate, or a probe never made for want of the node's
 * SSH session (NO_ROUTE), is not "Server down". */
void dashboard_feed_replica_csn_failed(struct dashboard *d, size_t i, enum ldapprobe_failure why,
				       const char *error, time_t now);
/* cn=Monitor of replica i: n consumers, connected if ALL are, or an error. */
void dashboard_feed_consumer(struct dashboard *d, size_t i, size_t n, bool connected,
			     const char *phase, const char *next_connect, const char *error,
			     time_t now);
/* The three doveadm commands of server j (each stdout/stderr/exit), or
 * ssh_error when the host could not be reached. */
enum dash_doveadm_cmd { DASH_DOVEADM_OVERVIEW, DASH_DOVEADM_USERS, DASH_DOVEADM_DSYNC };
void dashboard_feed_doveadm(struct dashboard *d, size_t j, enum dash_doveadm_cmd cmd,
			    const char *out, size_t out_len, const char *err, size_t err_len,
			    int exit_status, const char *ssh_error, time_t now);
/* An ssh failure of server j (connect/host key/lost) without output. */
void dashboard_feed_server_ssh(struct dashboard *d, size_t j, const char *ssh_error, time_t now);
/* Close one polling round of replica i / server j: health, summary,
 * history sample and events are computed here. */
void dashboard_commit_replica(struct dashboard *d, size_t i, time_t now);
void dashboard_commit_server(struct dashboard *d, size_t j, time_t now);
/* Add an event (views may log user intents). */
void dashboard_event_add(struct dashboard *d, time_t at, enum dash_health level,
			 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif
