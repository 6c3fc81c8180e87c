/* Bench driver: drives the engine's own transport (transport.h + loop.h) and
 * LDAP probes (ldapprobe.h) directly, as the wizard does, and prints one
 * figure (seconds, 6 decimals) on stdout for bench/run.sh to compare with
 * OpenSSH / Perl doing the same work. It measures; it asserts nothing.
 *
 *   rw_bench exec   -n N          N trivial commands, one after the other, on
 *                                 one session (connect included)
 *   rw_bench stream -c CMD -l LOG CMD's output through the engine into a
 *                                 bounded line store and a log file
 *   rw_bench fanout -c CMD H...   one command on each host at once, sessions
 *                                 already open (connect not included); with
 *                                 -C the connects are included
 *   rw_bench ldap   -m URL R...   contextCSN of the master and each replica
 *                                 URL, all probes in flight together; -P:
 *                                 bind to the master as cn=config with the
 *                                 password read from stdin (as zmreplchk)
 *   rw_bench dash   -s SITE -n N  the dashboard of SITE: connect and a first
 *                                 round, then N refreshes (dashboard_refresh
 *                                 until no host is busy); prints the median
 *                                 refresh (sessions staying open) and the
 *                                 driver's own CPU seconds a refresh
 *
 * Common options: -H host (exec/stream), -p port, -i identity, -k known_hosts,
 * -N set TCP_NODELAY on the session sockets once connected (diagnosis).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include "dashboard.h"
#include "ldapprobe.h"
#include "loop.h"
#include "site.h"
#include "transport.h"
#include "xalloc.h"

struct opts {
	const char *host;
	int port;
	const char *identity;
	const char *known_hosts;
	const char *cmd;
	const char *log;
	const char *master;
	const char *site;
	int n;
	bool with_connect;
	bool master_pw_stdin;
};

static void die(const char *msg)
{
	fprintf(stderr, "rw_bench: %s\n", msg);
	exit(2);
}

/* ---- connections ---- */

static struct conn *bench_connect(struct loop *loop, const struct opts *o, const char *host)
{
	struct conn_config cfg = {
		.name = host,
		.address = host,
		.port = o->port,
		.user = "root",
		.identity = o->identity,
		.known_hosts = o->known_hosts,
		.process_ssh_config = false,
		.connect_timeout_s = 15,
	};
	struct conn_callbacks cb = { 0 };
	struct conn *c = conn_new(loop, &cfg, &cb);
	conn_start(c);
	return c;
}

/* Wait until every conn is READY; any failure ends the bench. */
static bool nodelay;
static void bench_nodelay_all(void);

static void bench_wait_ready(struct loop *loop, struct conn **c, size_t n)
{
	for (;;) {
		size_t ready = 0;
		for (size_t i = 0; i < n; i++) {
			enum conn_state st = conn_state(c[i]);
			if (st == CONN_FAILED) {
				fprintf(stderr, "rw_bench: %s: %s\n", conn_name(c[i]), conn_error(c[i]));
				exit(2);
			}
			if (st == CONN_HOSTKEY_WAIT || st == CONN_SECRET_WAIT)
				die("connection wants a host key decision or a secret");
			ready += st == CONN_READY;
		}
		if (ready == n) {
			if (nodelay)
				bench_nodelay_all();
			return;
		}
		if (loop_poll(loop, 100) < 0)
			die("poll failed");
	}
}

/* -N: what SSH_OPTIONS_NODELAY in the transport would do, applied from
 * outside to every TCP socket of the process (the transport does not expose
 * its fd): shows what Nagle + the peer's delayed ACK cost per round trip. */
static void bench_nodelay_all(void)
{
	for (int fd = 3; fd < 1024; fd++) {
		int type = 0, one = 1;
		socklen_t len = sizeof type;
		struct sockaddr_storage ss;
		socklen_t sl = sizeof ss;
		if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0 || type != SOCK_STREAM)
			continue;
		if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0 ||
		    (ss.ss_family != AF_INET && ss.ss_family != AF_INET6))
			continue;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	}
}

/* ---- a bounded pane-like line store (what the TUI's pane keeps) ---- */

#define STORE_LINES 5000

struct store {
	char *lines[STORE_LINES];
	size_t head, count;
	unsigned long long total_lines, total_bytes;
	FILE *log;
};

static void store_add(struct store *s, const char *line, size_t len)
{
	size_t slot = (s->head + s->count) % STORE_LINES;
	if (s->count == STORE_LINES) {
		free(s->lines[s->head]);
		s->head = (s->head + 1) % STORE_LINES;
	} else {
		s->count++;
	}
	s->lines[slot] = xstrndup(line, len);
	s->total_lines++;
	s->total_bytes += len + 1;
	if (s->log) {
		fwrite(line, 1, len, s->log);
		fputc('\n', s->log);
	}
}

static void store_free(struct store *s)
{
	for (size_t i = 0; i < s->count; i++)
		free(s->lines[(s->head + i) % STORE_LINES]);
}

/* ---- jobs ---- */

struct jobctx {
	struct store *store; /* NULL: output dropped */
	int done;
	int exit_status;
	bool failed;
};

static void job_line(void *ud, enum job_stream s, const char *line, size_t len)
{
	struct jobctx *j = ud;
	if (j->store && s == JOB_STDOUT)
		store_add(j->store, line, len);
}

static void job_done(void *ud, const struct job_result *r)
{
	struct jobctx *j = ud;
	j->done = 1;
	j->exit_status = r->exit_status;
	if (r->error || r->exit_status != 0) {
		j->failed = true;
		fprintf(stderr, "rw_bench: job failed: %s (exit %d)\n",
			r->error ? r->error : "non-zero exit", r->exit_status);
	}
}

static void bench_exec(struct conn *c, const char *cmd, struct jobctx *j)
{
	struct job_callbacks cb = { .on_line = job_line, .on_done = job_done, .ud = j };
	j->done = 0;
	if (!conn_exec(c, cmd, NULL, 0, 0, &cb))
		die(conn_error(c));
}

static void bench_run_until(struct loop *loop, struct jobctx *j, size_t n)
{
	for (;;) {
		size_t done = 0;
		for (size_t i = 0; i < n; i++)
			done += (size_t)j[i].done;
		if (done == n)
			return;
		if (loop_poll(loop, 1000) < 0)
			die("poll failed");
	}
}

static int mode_exec(const struct opts *o)
{
	struct loop *loop = loop_new();
	double t0 = loop_now();
	struct conn *c = bench_connect(loop, o, o->host);
	bench_wait_ready(loop, &c, 1);
	double t_conn = loop_now();
	int rc = 0;
	for (int i = 0; i < o->n; i++) {
		struct jobctx j = { 0 };
		bench_exec(c, o->cmd ? o->cmd : "true", &j);
		bench_run_until(loop, &j, 1);
		if (j.failed)
			rc = 1;
	}
	double t1 = loop_now();
	printf("%.6f\n", t1 - t0);
	fprintf(stderr, "connect %.6f s, %d commands %.6f s (%.3f ms each)\n", t_conn - t0, o->n,
		t1 - t_conn, (t1 - t_conn) * 1000.0 / o->n);
	conn_free(c);
	loop_free(loop);
	return rc;
}

static int mode_stream(const struct opts *o)
{
	if (!o->cmd || !o->log)
		die("stream needs -c CMD and -l LOG");
	struct store *s = xcalloc(1, sizeof *s);
	s->log = fopen(o->log, "w");
	if (!s->log)
		die("cannot open the log file");
	struct loop *loop = loop_new();
	double t0 = loop_now();
	struct conn *c = bench_connect(loop, o, o->host);
	bench_wait_ready(loop, &c, 1);
	struct jobctx j = { .store = s };
	bench_exec(c, o->cmd, &j);
	bench_run_until(loop, &j, 1);
	fflush(s->log);
	double t1 = loop_now();
	printf("%.6f\n", t1 - t0);
	fprintf(stderr, "%llu lines, %llu bytes, %.1f MB/s\n", s->total_lines, s->total_bytes,
		(double)s->total_bytes / (t1 - t0) / 1e6);
	fclose(s->log);
	store_free(s);
	free(s);
	conn_free(c);
	loop_free(loop);
	return j.failed;
}

static int mode_fanout(const struct opts *o, char **hosts, int n)
{
	if (n < 1)
		die("fanout needs hosts");
	struct loop *loop = loop_new();
	struct conn **c = xcalloc((size_t)n, sizeof *c);
	struct jobctx *j = xcalloc((size_t)n, sizeof *j);
	double t0 = loop_now();
	for (int i = 0; i < n; i++)
		c[i] = bench_connect(loop, o, hosts[i]);
	bench_wait_ready(loop, c, (size_t)n);
	double t1 = loop_now();
	for (int i = 0; i < n; i++)
		bench_exec(c[i], o->cmd ? o->cmd : "true", &j[i]);
	bench_run_until(loop, j, (size_t)n);
	double t2 = loop_now();
	int rc = 0;
	for (int i = 0; i < n; i++)
		rc |= j[i].failed;
	printf("%.6f\n", o->with_connect ? t2 - t0 : t2 - t1);
	fprintf(stderr, "%d hosts: connect %.6f s, one refresh %.6f s\n", n, t1 - t0, t2 - t1);
	for (int i = 0; i < n; i++)
		conn_free(c[i]);
	free(c);
	free(j);
	loop_free(loop);
	return rc;
}

struct probectx {
	int *pending;
	int *failed;
};

static void probe_done(void *ud, const struct ldapprobe_result *r)
{
	struct probectx *p = ud;
	(*p->pending)--;
	if (!r->ok || r->n_csns == 0) {
		(*p->failed)++;
		fprintf(stderr, "rw_bench: probe failed: %s\n", r->error ? r->error : "no contextCSN");
	}
}

static int mode_ldap(const struct opts *o, char **urls, int n)
{
	if (!o->master)
		die("ldap needs -m MASTER_URL");
	struct loop *loop = loop_new();
	int pending = n + 1, failed = 0;
	/* Like zmreplchk: the master as cn=config (password on stdin, never on
	 * the command line), the replicas anonymously. */
	char pw[256] = "";
	if (o->master_pw_stdin) {
		if (!fgets(pw, sizeof pw, stdin))
			die("no password on stdin");
		pw[strcspn(pw, "\n")] = '\0';
	}
	struct probectx p = { &pending, &failed };
	double t0 = loop_now();
	for (int i = -1; i < n; i++) {
		struct ldapprobe_request req = {
			.kind = LDAPPROBE_CONTEXTCSN,
			.url = i < 0 ? o->master : urls[i],
			.bind_dn = i < 0 && o->master_pw_stdin ? "cn=config" : NULL,
			.password = i < 0 && o->master_pw_stdin ? pw : NULL,
			.timeout_s = 10,
		};
		if (!ldapprobe_start(loop, &req, probe_done, &p))
			die("bad probe request");
	}
	while (pending > 0)
		if (loop_poll(loop, 1000) < 0)
			die("poll failed");
	double t1 = loop_now();
	explicit_bzero(pw, sizeof pw);
	printf("%.6f\n", t1 - t0);
	loop_free(loop);
	return failed != 0;
}

static double cpu_seconds(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static int mode_dash(const struct opts *o)
{
	if (!o->site)
		die("dash needs -s SITE");
	struct site_error se;
	struct site *site = site_load(o->site, &se);
	if (!site) {
		char buf[2048];
		fprintf(stderr, "rw_bench: %s\n", site_error_format(&se, buf, sizeof buf));
		return 2;
	}
	struct loop *loop = loop_new();
	struct dash_options dopt = { .interval_s = 3600 }; /* no tick during the measure */
	dash_thresholds_default(&dopt.th);
	struct dashboard *d = dashboard_new(loop, site, &dopt, NULL);
	double t0 = loop_now();
	bool done = dashboard_run_once(d, loop, 120, NULL);
	double t1 = loop_now();
	int n = o->n > 0 ? o->n : 5, bad = 0;
	double *r = xcalloc((size_t)n, sizeof *r);
	double c0 = cpu_seconds();
	for (int i = 0; i < n; i++) {
		double a = loop_now();
		dashboard_refresh(d);
		while (dashboard_busy(d))
			if (loop_poll(loop, 1000) < 0)
				die("poll failed");
		r[i] = loop_now() - a;
	}
	/* the wizard's own CPU per refresh (the nodes' is not in it) */
	double cpu = (cpu_seconds() - c0) / n;
	for (size_t j = 0; j < dashboard_n_servers(d); j++)
		bad += dashboard_server(d, j)->health != DASH_OK;
	qsort(r, (size_t)n, sizeof *r, cmp_double);
	printf("%.6f %.6f\n", r[n / 2], cpu);
	fprintf(stderr, "%zu servers in %zu pairs: connect + first round %.3f s%s, refresh median %.4f s "
		"(%.4f..%.4f), own CPU %.4f s a refresh, %d server(s) not OK\n", dashboard_n_servers(d),
		dashboard_n_pairs(d), t1 - t0, done ? "" : " (incomplete)", r[n / 2], r[0], r[n - 1], cpu, bad);
	free(r);
	dashboard_free(d);
	loop_free(loop);
	site_free(site);
	return done && bad == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		die("usage: rw_bench exec|stream|fanout|ldap|dash [options] [hosts/urls]");
	const char *mode = argv[1];
	struct opts o = { .port = 22, .n = 50 };
	int opt;
	optind = 2;
	while ((opt = getopt(argc, argv, "H:p:i:k:c:l:m:n:s:CNP")) != -1) {
		switch (opt) {
		case 'H': o.host = optarg; break;
		case 'p': o.port = atoi(optarg); break;
		case 'i': o.identity = optarg; break;
		case 'k': o.known_hosts = optarg; break;
		case 'c': o.cmd = optarg; break;
		case 'l': o.log = optarg; break;
		case 'm': o.master = optarg; break;
		case 'n': o.n = atoi(optarg); break;
		case 's': o.site = optarg; break;
		case 'C': o.with_connect = true; break;
		case 'N': nodelay = true; break;
		case 'P': o.master_pw_stdin = true; break;
		default: die("bad option");
		}
	}
	char **rest = argv + optind;
	int nrest = argc - optind;
	if (strcmp(mode, "exec") == 0 || strcmp(mode, "stream") == 0) {
		if (!o.host)
			die("-H host needed");
		return strcmp(mode, "exec") == 0 ? mode_exec(&o) : mode_stream(&o);
	}
	if (strcmp(mode, "fanout") == 0)
		return mode_fanout(&o, rest, nrest);
	if (strcmp(mode, "ldap") == 0)
		return mode_ldap(&o, rest, nrest);
	if (strcmp(mode, "dash") == 0)
		return mode_dash(&o);
	die("unknown mode");
	return 2;
}
