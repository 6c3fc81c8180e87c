/* LDAP probes on their route: through the node's SSH session (default) or
 * direct with a verified TLS certificate. See ldap_route.h.
 *
 * Carbonio's CA, when needed, is read once from the master with a remote
 * `cat` (it is public) into a memfd that libldap reads as
 * /proc/self/fd/N: nothing is written to this machine's disk. Probes that
 * need it wait (bounded by their own timeout) while it is being read. */
#define _GNU_SOURCE /* memfd_create */
#include "ldap_route.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <unistd.h>

#include <ldap.h>

#include "ldapurl.h"
#include "loop.h"
#include "shquote.h"
#include "transport.h"
#include "xalloc.h"

#define ROUTE_CA_MAX (256 * 1024) /* a CA bundle, not more */
#define ROUTE_CA_TIMEOUT_S 30

enum ca_state { CA_NONE, CA_FETCHING, CA_READY, CA_FAILED };

struct ca_fetch {
	struct ldap_route *r;  /* NULL once the route is freed */
	char *pem;
	size_t len;
	bool too_big;
	char *err_line;        /* first stderr line */
};

struct ldap_route {
	struct loop *loop;
	struct ldap_route_config cfg;
	char *ca_file;

	struct conn *ca_conn;
	char *ca_master;
	char *ca_prefix;
	enum ca_state ca_state;
	struct ca_fetch *fetch;
	int ca_fd;
	char ca_path[64];
	char *ca_label;        /* "Carbonio's CA of MASTER (PREFIX/conf/ca/ca.pem)" */
	char *ca_error;
	enum ldapprobe_failure ca_failure; /* TLS, or NO_ROUTE: the master's session is down */

	struct ldap_route_probe *probes; /* every live probe */
};

struct ldap_route_probe {
	struct ldap_route *r;
	struct ldap_route_probe *next;
	struct conn *conn;
	enum ldapprobe_kind kind;
	char *url;
	char *bind_dn;
	char *password;
	int timeout_s;
	ldapprobe_done_cb cb;
	void *ud;

	bool waiting_ca;
	int timer;                 /* waiting for the CA, or delivering our own failure */
	struct conn_forward *fwd;
	struct ldapprobe *probe;
	enum ldapprobe_failure fail;
	char *fail_msg;
};

static void route_unlink(struct ldap_route_probe *p)
{
	for (struct ldap_route_probe **q = &p->r->probes; *q; q = &(*q)->next) {
		if (*q == p) {
			*q = p->next;
			break;
		}
	}
	p->next = NULL;
}

static void probe_free(struct ldap_route_probe *p)
{
	if (p->timer)
		loop_timer_cancel(p->r->loop, p->timer);
	if (p->probe)
		ldapprobe_cancel(p->probe);
	conn_forward_close(p->fwd);
	if (p->password) {
		explicit_bzero(p->password, strlen(p->password));
		free(p->password);
	}
	free(p->url);
	free(p->bind_dn);
	free(p->fail_msg);
	free(p);
}

/* ---- our own failures, delivered from the loop like a probe's ---- */

static void deliver_fail(void *ud)
{
	struct ldap_route_probe *p = ud;
	struct ldapprobe_result res = {
		.ok = false, .failure = p->fail,
		.ldap_code = p->fail == LDAPPROBE_FAIL_CONTACT || p->fail == LDAPPROBE_FAIL_NO_ROUTE
				     ? LDAP_SERVER_DOWN : LDAP_LOCAL_ERROR,
		.error = p->fail_msg,
	};

	p->timer = 0;
	route_unlink(p);
	p->cb(p->ud, &res);
	probe_free(p);
}

static void probe_fail(struct ldap_route_probe *p, enum ldapprobe_failure why, char *msg)
{
	if (p->timer)
		loop_timer_cancel(p->r->loop, p->timer);
	p->waiting_ca = false;
	free(p->fail_msg);
	p->fail_msg = msg;
	p->fail = why;
	p->timer = loop_timer(p->r->loop, 0, deliver_fail, p);
}

/* ---- the probe itself ---- */

static void on_probe_done(void *ud, const struct ldapprobe_result *res)
{
	struct ldap_route_probe *p = ud;
	struct ldapprobe_result out = *res;
	char *msg = NULL;

	p->probe = NULL;
	/* The forward's own error says more than libldap's EOF. */
	if (!res->ok && res->failure == LDAPPROBE_FAIL_CONTACT && p->fwd &&
	    conn_forward_state(p->fwd) == FWD_FAILED && conn_forward_error(p->fwd)) {
		msg = xasprintf("cannot contact LDAP server %s through the SSH session of %s: %s", p->url,
				conn_name(p->conn), conn_forward_error(p->fwd));
		out.error = msg;
	}
	route_unlink(p);
	p->cb(p->ud, &out);
	free(msg);
	probe_free(p);
}

static bool url_is_ldaps(const char *url)
{
	return strncasecmp(url, "ldaps://", 8) == 0;
}

static bool needs_tls(const struct ldap_route *r, const char *url)
{
	return r->cfg.direct || r->cfg.starttls || url_is_ldaps(url);
}

static bool needs_carbonio_ca(const struct ldap_route *r, const char *url)
{
	return needs_tls(r, url) && !r->cfg.tls_skip_verify && r->ca_file == NULL;
}

static void probe_go(struct ldap_route_probe *p)
{
	struct ldap_route *r = p->r;
	struct ldapprobe_request req = {
		.kind = p->kind, .url = p->url, .bind_dn = p->bind_dn, .password = p->password,
		.timeout_s = p->timeout_s, .tls_skip_verify = r->cfg.tls_skip_verify,
	};

	p->waiting_ca = false;
	if (needs_tls(r, p->url)) {
		req.starttls = !url_is_ldaps(p->url);
		req.ca_file = r->ca_file ? r->ca_file : needs_carbonio_ca(r, p->url) ? r->ca_path : NULL;
		if (!r->ca_file && req.ca_file)
			req.ca_label = r->ca_label;
	}
	if (!r->cfg.direct) {
		struct ldapurl u;
		char *perr = NULL, err[256];

		if (p->conn == NULL || conn_state(p->conn) != CONN_READY) {
			const char *why = p->conn && conn_error(p->conn) ? conn_error(p->conn) : "not connected";
			probe_fail(p, LDAPPROBE_FAIL_NO_ROUTE,
				   xasprintf("cannot contact LDAP server %s through the SSH session of %s: %s",
					     p->url, p->conn ? conn_name(p->conn) : "its node", why));
			return;
		}
		if (!ldapurl_parse(p->url, strlen(p->url), &u, &perr)) {
			probe_fail(p, LDAPPROBE_FAIL_OTHER, xasprintf("invalid LDAP URL %s: %s", p->url,
								      perr ? perr : "?"));
			free(perr);
			return;
		}
		/* the node resolves the host: the URL as the node itself reaches it */
		p->fwd = conn_forward_open(p->conn, u.host, (int)ldapurl_port(&u), err, sizeof err);
		ldapurl_clear(&u);
		if (p->fwd == NULL) {
			probe_fail(p, LDAPPROBE_FAIL_CONTACT,
				   xasprintf("cannot contact LDAP server %s through the SSH session of %s: %s",
					     p->url, conn_name(p->conn), err));
			return;
		}
		req.use_fd = true;
		req.fd = conn_forward_take_fd(p->fwd);
	}
	p->probe = ldapprobe_start(r->loop, &req, on_probe_done, p);
	/* the probe has its own copy now (wiped once sent) */
	if (p->password) {
		explicit_bzero(p->password, strlen(p->password));
		free(p->password);
		p->password = NULL;
	}
	if (p->probe == NULL)
		probe_fail(p, LDAPPROBE_FAIL_OTHER, xasprintf("cannot start the LDAP probe of %s", p->url));
}

/* ---- Carbonio's CA from the master ---- */

static void ca_settle(struct ldap_route *r)
{
	struct ldap_route_probe *p, *next;

	for (p = r->probes; p; p = next) {
		next = p->next;
		if (!p->waiting_ca)
			continue;
		if (r->ca_state == CA_READY)
			probe_go(p);
		else if (r->ca_state == CA_FAILED)
			probe_fail(p, r->ca_failure,
				   xasprintf("cannot check the certificate of %s: %s", p->url, r->ca_error));
	}
}

static void ca_failed(struct ldap_route *r, enum ldapprobe_failure kind, char *why)
{
	free(r->ca_error);
	r->ca_error = why;
	r->ca_failure = kind;
	r->ca_state = CA_FAILED;
	ca_settle(r);
}

static void ca_on_line(void *ud, enum job_stream s, const char *line, size_t len)
{
	struct ca_fetch *f = ud;

	if (s == JOB_STDERR) {
		if (!f->err_line)
			f->err_line = xstrndup(line, len);
		return;
	}
	if (f->len + len + 1 > ROUTE_CA_MAX) {
		f->too_big = true;
		return;
	}
	f->pem = xrealloc(f->pem, f->len + len + 2);
	memcpy(f->pem + f->len, line, len);
	f->len += len;
	f->pem[f->len++] = '\n';
	f->pem[f->len] = '\0';
}

static char *ca_store(struct ldap_route *r, const char *pem, size_t len)
{
	int fd = memfd_create("replica-wizard-carbonio-ca", MFD_CLOEXEC);
	size_t off = 0;

	if (fd < 0)
		return xasprintf("cannot keep it in memory: %s", strerror(errno));
	while (off < len) {
		ssize_t w = write(fd, pem + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			int e = errno;
			close(fd);
			return xasprintf("cannot keep it in memory: %s", strerror(e));
		}
		off += (size_t)w;
	}
	r->ca_fd = fd;
	snprintf(r->ca_path, sizeof r->ca_path, "/proc/self/fd/%d", fd);
	free(r->ca_label);
	r->ca_label = xasprintf("Carbonio's CA from %s:%s/%s", r->ca_master, r->ca_prefix,
				LDAP_ROUTE_CARBONIO_CA);
	return NULL;
}

static void ca_on_done(void *ud, const struct job_result *res)
{
	struct ca_fetch *f = ud;
	struct ldap_route *r = f->r;

	if (r != NULL) {
		char *where = xasprintf("%s:%s/%s", r->ca_master, r->ca_prefix, LDAP_ROUTE_CARBONIO_CA);
		char *err = NULL;

		r->fetch = NULL;
		if (res->exit_status != 0 || res->error)
			err = xasprintf("cannot read Carbonio's CA %s: %s", where,
					f->err_line ? f->err_line : res->error ? res->error : "cat failed");
		else if (f->too_big || f->pem == NULL ||
			 strstr(f->pem, "-----BEGIN CERTIFICATE-----") == NULL)
			err = xasprintf("%s is not a PEM certificate", where);
		else {
			char *why = ca_store(r, f->pem, f->len);

			if (why) {
				err = xasprintf("Carbonio's CA %s: %s", where, why);
				free(why);
			}
		}
		free(where);
		if (err) {
			ca_failed(r, LDAPPROBE_FAIL_TLS, err);
		} else {
			r->ca_state = CA_READY;
			ca_settle(r);
		}
	}
	free(f->pem);
	free(f->err_line);
	free(f);
}

/* Start reading the CA when a probe needs it and the master is READY; a
 * failed master session fails the waiting probes (a later one tries
 * again after a reconnect). */
static void ca_fetch_maybe(struct ldap_route *r)
{
	if (r->ca_state != CA_NONE)
		return;
	if (r->ca_conn == NULL) {
		ca_failed(r, LDAPPROBE_FAIL_TLS, xstrdup("no CA to check it against: name one with ldap_ca_file "
				     "(or --ldap-ca-file)"));
		return;
	}
	if (conn_state(r->ca_conn) == CONN_FAILED) {
		char *why = xasprintf("cannot read Carbonio's CA from %s: %s", r->ca_master,
				      conn_error(r->ca_conn) ? conn_error(r->ca_conn) : "not connected");
		ca_failed(r, LDAPPROBE_FAIL_NO_ROUTE, why);
		r->ca_state = CA_NONE; /* the probes failed; the next ones try again */
		return;
	}
	if (conn_state(r->ca_conn) != CONN_READY)
		return; /* ldap_route_kick() when it is */
	char *path = xasprintf("%s/%s", r->ca_prefix, LDAP_ROUTE_CARBONIO_CA);
	const char *argv[] = { "cat", "--", path, NULL };
	char *cmd = shquote_join(argv);
	char *wrapped = shquote_runas(RUNAS_ROOT, conn_login_user(r->ca_conn), cmd);
	struct ca_fetch *f = xcalloc(1, sizeof *f);
	struct job_callbacks cb = { .on_line = ca_on_line, .on_done = ca_on_done, .ud = f };

	f->r = r;
	r->fetch = f;
	r->ca_state = CA_FETCHING;
	if (conn_exec(r->ca_conn, wrapped, NULL, 0, ROUTE_CA_TIMEOUT_S, &cb) == NULL) {
		r->fetch = NULL;
		free(f);
		ca_failed(r, LDAPPROBE_FAIL_NO_ROUTE, xasprintf("cannot read Carbonio's CA from %s: %s", r->ca_master,
				       conn_error(r->ca_conn) ? conn_error(r->ca_conn) : "not connected"));
	}
	free(wrapped);
	free(cmd);
	free(path);
}

static void on_ca_wait_timeout(void *ud)
{
	struct ldap_route_probe *p = ud;

	p->timer = 0;
	probe_fail(p, LDAPPROBE_FAIL_NO_ROUTE,
		   xasprintf("cannot check the certificate of %s: Carbonio's CA was not read from %s "
			     "within %d s", p->url, p->r->ca_master ? p->r->ca_master : "the master",
			     p->timeout_s));
}

/* ---- public ---- */

struct ldap_route *ldap_route_new(struct loop *loop, const struct ldap_route_config *cfg)
{
	struct ldap_route *r = xcalloc(1, sizeof *r);

	r->loop = loop;
	r->cfg = *cfg;
	r->ca_file = cfg->ca_file ? xstrdup(cfg->ca_file) : NULL;
	r->cfg.ca_file = r->ca_file;
	r->ca_fd = -1;
	return r;
}

void ldap_route_free(struct ldap_route *r)
{
	if (r == NULL)
		return;
	while (r->probes) {
		struct ldap_route_probe *p = r->probes;

		r->probes = p->next;
		probe_free(p);
	}
	if (r->fetch)
		r->fetch->r = NULL; /* its job ends on its own (or with the conn) */
	if (r->ca_fd >= 0)
		close(r->ca_fd);
	free(r->ca_file);
	free(r->ca_master);
	free(r->ca_prefix);
	free(r->ca_error);
	free(r->ca_label);
	free(r);
}

bool ldap_route_direct(const struct ldap_route *r)
{
	return r->cfg.direct;
}

void ldap_route_set_ca_source(struct ldap_route *r, struct conn *master, const char *master_name,
			      const char *prefix)
{
	r->ca_conn = master;
	free(r->ca_master);
	free(r->ca_prefix);
	r->ca_master = xstrdup(master_name ? master_name : "the master");
	r->ca_prefix = xstrdup(prefix ? prefix : "/opt/zextras");
	ldap_route_kick(r);
}

void ldap_route_kick(struct ldap_route *r)
{
	bool waiting = false;

	for (struct ldap_route_probe *p = r->probes; p; p = p->next)
		waiting |= p->waiting_ca;
	if (waiting)
		ca_fetch_maybe(r);
}

struct ldap_route_probe *ldap_route_probe_start(struct ldap_route *r, struct conn *conn,
						const struct ldapprobe_request *req,
						ldapprobe_done_cb cb, void *ud)
{
	if (r == NULL || req == NULL || req->url == NULL || cb == NULL)
		return NULL;
	struct ldap_route_probe *p = xcalloc(1, sizeof *p);

	p->r = r;
	p->conn = conn;
	p->kind = req->kind;
	p->url = xstrdup(req->url);
	p->bind_dn = req->bind_dn ? xstrdup(req->bind_dn) : NULL;
	p->password = req->password ? xstrdup(req->password) : NULL;
	p->timeout_s = req->timeout_s > 0 ? req->timeout_s : 10;
	p->cb = cb;
	p->ud = ud;
	p->next = r->probes;
	r->probes = p;
	if (needs_carbonio_ca(r, p->url) && r->ca_state == CA_FAILED) {
		probe_fail(p, r->ca_failure,
			   xasprintf("cannot check the certificate of %s: %s", p->url, r->ca_error));
		return p;
	}
	if (needs_carbonio_ca(r, p->url) && r->ca_state != CA_READY) {
		p->waiting_ca = true;
		p->timer = loop_timer(r->loop, p->timeout_s * 1000, on_ca_wait_timeout, p);
		ca_fetch_maybe(r);
		return p;
	}
	probe_go(p);
	return p;
}

void ldap_route_probe_cancel(struct ldap_route_probe *p)
{
	if (p == NULL)
		return;
	route_unlink(p);
	probe_free(p);
}
