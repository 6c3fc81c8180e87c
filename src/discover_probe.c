/* Checking each discovered node over SSH: see discover_probe.h. */
#include "discover_probe.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shquote.h"
#include "site.h"
#include "validate.h"
#include "xalloc.h"

struct pnode {
	struct probe_node pub;
	struct discover_probe *p;
	size_t index;
	struct conn *conn;
	struct job *job;
	char *out;
	/* the connection settings (owned) */
	char *address, *user, *identity, *known_hosts;
	unsigned port;
};

struct discover_probe {
	struct loop *loop;
	const struct site *site;
	struct discover_probe_events ev;
	struct pnode *v;
	size_t n;
	bool freeing;
};

static void changed(struct pnode *n)
{
	if (!n->p->freeing && n->p->ev.on_change)
		n->p->ev.on_change(n->p->ev.ud, n->index);
}

/* A value for a node: its [host NAME] section, else [ssh] (section "ssh"),
 * else def; ~ expanded when home. */
static char *pick(const struct site *site, const char *name, const char *section, const char *key,
		  const char *def, bool home)
{
	char *sec = xasprintf("host %s", name);
	const char *v = site_get(site, sec, key);
	free(sec);
	if (!v && section)
		v = site_get(site, section, key);
	if (!v)
		v = def;
	if (!v)
		return NULL;
	return home ? validate_expand_home(v) : xstrdup(v);
}

static void settings(struct pnode *n, const struct site *site)
{
	const struct site_host *h = site_host(site, n->pub.name);
	if (h) {
		n->address = xstrdup(h->address);
		n->user = xstrdup(h->user);
		n->identity = h->identity ? xstrdup(h->identity) : NULL;
		n->known_hosts = xstrdup(h->known_hosts);
		n->port = h->port;
		n->pub.prefix = xstrdup(h->prefix);
		return;
	}
	n->address = pick(site, n->pub.name, NULL, "address", n->pub.name, false);
	n->user = pick(site, n->pub.name, "ssh", "user", SITE_DEFAULT_SSH_USER, false);
	n->identity = pick(site, n->pub.name, "ssh", "identity", NULL, true);
	n->known_hosts = pick(site, n->pub.name, "ssh", "known_hosts", SITE_DEFAULT_KNOWN_HOSTS, true);
	char *port = pick(site, n->pub.name, "ssh", "port", NULL, false);
	n->port = port ? (unsigned)strtoul(port, NULL, 10) : SITE_DEFAULT_SSH_PORT;
	free(port);
	n->pub.prefix = pick(site, n->pub.name, "carbonio", "prefix", SITE_DEFAULT_PREFIX, false);
}

static void finish(struct pnode *n, enum probe_state st, char *error)
{
	n->pub.state = st;
	free(n->pub.error);
	n->pub.error = error;
	changed(n);
}

static void job_line(void *ud, enum job_stream s, const char *line, size_t len)
{
	struct pnode *n = ud;
	if (s == JOB_STDOUT && !n->out && len && len <= 253)
		n->out = xstrndup(line, len);
}

static void job_done(void *ud, const struct job_result *r)
{
	struct pnode *n = ud;
	n->job = NULL;
	/* a node that answers but not as Carbonio is still reachable */
	if (r->exit_status == 0 && n->out && strcmp(n->out, "localhost") != 0)
		n->pub.own_name = xstrdup(n->out);
	if (!n->p->freeing)
		conn_close(n->conn);
	finish(n, PROBE_REACHABLE, NULL);
}

static void on_state(void *ud, struct conn *c, enum conn_state st)
{
	struct pnode *n = ud;
	if (n->p->freeing)
		return;
	if (st == CONN_READY && n->pub.state != PROBE_READING && n->pub.state != PROBE_REACHABLE) {
		n->pub.state = PROBE_READING;
		char *pq = shquote(n->pub.prefix);
		char *cmd = xasprintf("%s/bin/zmlocalconfig -m nokey zimbra_server_hostname", pq);
		char *wrapped = shquote_runas(RUNAS_ZEXTRAS, conn_login_user(c), cmd);
		struct job_callbacks cb = { .on_line = job_line, .on_done = job_done, .ud = n };
		n->job = conn_exec(c, wrapped, NULL, 0, 60, &cb);
		free(wrapped);
		free(cmd);
		free(pq);
		if (!n->job)
			finish(n, PROBE_REACHABLE, NULL);
		else
			changed(n);
	} else if (st == CONN_FAILED && n->pub.state != PROBE_REACHABLE) {
		const char *e = conn_error(c);
		finish(n, conn_hostkey_refused(c) ? PROBE_HOSTKEY_REFUSED : PROBE_UNREACHABLE,
		       xstrdup(e ? e : "connection failed"));
	}
}

static void on_hostkey(void *ud, struct conn *c, const struct hostkey_info *hk)
{
	struct pnode *n = ud;
	(void)c;
	n->pub.hostkey = *hk;
	n->pub.state = PROBE_HOSTKEY_ASK;
	changed(n);
}

static void on_secret(void *ud, struct conn *c, enum conn_secret_kind kind, const char *prompt)
{
	struct pnode *n = ud;
	if (n->p->freeing || !n->p->ev.on_secret) {
		conn_answer_secret(c, NULL);
		return;
	}
	n->pub.state = PROBE_SECRET_WAIT;
	changed(n);
	n->p->ev.on_secret(n->p->ev.ud, n->index, c, kind, prompt);
}

struct discover_probe *discover_probe_new(struct loop *loop, const struct site *site, const char *const *names,
					  size_t n, const struct discover_probe_events *ev)
{
	struct discover_probe *p = xcalloc(1, sizeof *p);
	p->loop = loop;
	p->site = site;
	if (ev)
		p->ev = *ev;
	p->v = xcalloc(n + 1, sizeof *p->v);
	p->n = n;
	for (size_t i = 0; i < n; i++) {
		struct pnode *x = &p->v[i];
		x->p = p;
		x->index = i;
		x->pub.name = xstrdup(names[i]);
		x->pub.state = PROBE_CONNECTING;
		settings(x, site);
	}
	return p;
}

void discover_probe_start(struct discover_probe *p)
{
	for (size_t i = 0; i < p->n; i++) {
		struct pnode *x = &p->v[i];
		if (!x->known_hosts) {
			finish(x, PROBE_UNREACHABLE, xstrdup("cannot expand ~ in known_hosts: HOME is not set"));
			continue;
		}
		struct conn_config cfg = {
			.name = x->pub.name,
			.address = x->address,
			.port = (int)x->port,
			.user = x->user,
			.identity = x->identity,
			.known_hosts = x->known_hosts,
			.process_ssh_config = true,
			.connect_timeout_s = 10,
		};
		struct conn_callbacks cb = { .on_state = on_state, .on_hostkey = on_hostkey, .on_secret = on_secret,
					     .ud = x };
		x->conn = conn_new(p->loop, &cfg, &cb);
		conn_start(x->conn);
	}
}

size_t discover_probe_count(const struct discover_probe *p)
{
	return p->n;
}

const struct probe_node *discover_probe_at(const struct discover_probe *p, size_t i)
{
	return i < p->n ? &p->v[i].pub : NULL;
}

bool discover_probe_done(const struct discover_probe *p)
{
	for (size_t i = 0; i < p->n; i++) {
		enum probe_state s = p->v[i].pub.state;
		if (s != PROBE_REACHABLE && s != PROBE_HOSTKEY_REFUSED && s != PROBE_UNREACHABLE)
			return false;
	}
	return true;
}

void discover_probe_hostkey_decide(struct discover_probe *p, size_t i, bool accept)
{
	if (i >= p->n || p->v[i].pub.state != PROBE_HOSTKEY_ASK)
		return;
	p->v[i].pub.state = PROBE_CONNECTING;
	conn_hostkey_decide(p->v[i].conn, accept);
	changed(&p->v[i]);
}

struct conn *discover_probe_conn(const struct discover_probe *p, size_t i)
{
	return i < p->n ? p->v[i].conn : NULL;
}

bool discover_probe_busy(const struct discover_probe *p)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->v[i].conn && conn_busy(p->v[i].conn))
			return true;
	return false;
}

void discover_probe_free(struct discover_probe *p)
{
	if (!p)
		return;
	p->freeing = true;
	for (size_t i = 0; i < p->n; i++) {
		struct pnode *x = &p->v[i];
		if (x->conn)
			conn_free(x->conn);
		free(x->pub.name);
		free(x->pub.own_name);
		free(x->pub.error);
		free(x->pub.prefix);
		free(x->out);
		free(x->address);
		free(x->user);
		free(x->identity);
		free(x->known_hosts);
	}
	free(p->v);
	free(p);
}
