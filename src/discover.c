/* Asking the master's directory for every server: see discover.h. */
#include "discover.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dirservers.h"
#include "ldapurl.h"
#include "localconfig_parse.h"
#include "shquote.h"
#include "site.h"
#include "site_conn.h"
#include "xalloc.h"

/* Between the localconfig lines and the server list in the output. */
#define MARK "--- replica-wizard: zmprov -m -l gas -v ---"
/* A directory of DIRSERVERS_MAX servers with their services fits easily. */
#define STDOUT_MAX (4u << 20)
#define OUTPUT_LINES_MAX 200

static const char *const lc_keys[] = { "zimbra_server_hostname", "ldap_master_url", "ldap_url" };

struct discover {
	struct loop *loop;
	const struct site *site;
	struct discover_options opts;
	struct discover_events ev;
	const struct site_host *master;
	struct conn *conn;
	struct job *job;
	enum discover_state state;
	enum discover_failure failure;
	char *error;
	char *out;          /* stdout, '\n' separated */
	size_t out_len;
	bool out_overflow;
	char **lines;       /* what is shown on a failure */
	size_t n_lines;
	struct discover_answer *answer;
	bool done_called;
};

struct discover_answer {
	struct dirservers *servers;
	struct localconfig *lc;
	struct ldapurl_list *master_urls, *urls;
	const char **master_url_hosts, **url_hosts;
	struct discover_input input;
};

char *discover_command(const char *prefix)
{
	char *p = shquote(prefix);
	/* only the name and service lines of the dump are kept: a real
	 * server entry has hundreds of attributes, some multi-line */
	char *cmd = xasprintf("P=%s\n"
			      "\"$P/bin/zmlocalconfig\" zimbra_server_hostname ldap_master_url ldap_url || exit 1\n"
			      "echo '" MARK "'\n"
			      "out=$(\"$P/bin/zmprov\" -m -l gas -v) || exit 1\n"
			      "printf '%%s\\n' \"$out\" | sed -n -e '/^# name /p' -e '/^zimbraServiceEnabled: /p'",
			      p);
	free(p);
	return cmd;
}

static void add_line(struct discover *d, const char *prefix, const char *line, size_t len)
{
	if (d->n_lines == OUTPUT_LINES_MAX) {
		free(d->lines[0]);
		memmove(d->lines, d->lines + 1, (OUTPUT_LINES_MAX - 1) * sizeof *d->lines);
		d->n_lines--;
	}
	d->lines = xrealloc(d->lines, (d->n_lines + 1) * sizeof *d->lines);
	d->lines[d->n_lines++] = xasprintf("%s%.*s", prefix, (int)len, line);
}

static void finish(struct discover *d, enum discover_failure f, char *error)
{
	if (d->state == DISCOVER_DONE || d->state == DISCOVER_FAILED) {
		free(error);
		return;
	}
	d->failure = f;
	free(d->error);
	d->error = error;
	d->state = f == DISCOVER_FAIL_NONE ? DISCOVER_DONE : DISCOVER_FAILED;
	if (!d->done_called && d->ev.on_done) {
		d->done_called = true;
		d->ev.on_done(d->ev.ud);
	}
}

static const char **url_hosts(const struct ldapurl_list *l, size_t *n)
{
	*n = l ? l->n : 0;
	const char **v = xcalloc(*n + 1, sizeof *v);
	for (size_t i = 0; i < *n; i++)
		v[i] = l->v[i].host;
	return v;
}

void discover_answer_free(struct discover_answer *a)
{
	if (!a)
		return;
	dirservers_free(a->servers);
	localconfig_free(a->lc);
	ldapurl_list_free(a->master_urls);
	ldapurl_list_free(a->urls);
	free(a->master_url_hosts);
	free(a->url_hosts);
	free(a);
}

const struct discover_input *discover_answer_input(const struct discover_answer *a)
{
	return &a->input;
}

static struct discover_answer *refuse(struct discover_answer *a, char **err, char *msg)
{
	discover_answer_free(a);
	*err = msg;
	return NULL;
}

struct discover_answer *discover_answer_parse(const char *out, size_t len, const char *master, char **err)
{
	struct discover_answer *a = xcalloc(1, sizeof *a);
	*err = NULL;
	if (!out)
		len = 0;
	if (len && memchr(out, '\0', len))
		return refuse(a, err, xstrdup("the master's answer holds a NUL byte"));
	/* the marker on a line of its own */
	static const char mark_line[] = MARK "\n";
	const char *mark = NULL;
	for (const char *p = out; p && p < out + len;) {
		size_t left = (size_t)(out + len - p);
		if (left >= sizeof mark_line - 1 && memcmp(p, mark_line, sizeof mark_line - 1) == 0) {
			mark = p;
			break;
		}
		const char *nl = memchr(p, '\n', left);
		p = nl ? nl + 1 : NULL;
	}
	if (!mark)
		return refuse(a, err, xstrdup("the master's answer has no server list"));
	/* localconfig: only the lines of the keys asked (warnings may share stdout) */
	char *lc_text = xstrdup("");
	for (const char *p = out; p < mark;) {
		const char *nl = memchr(p, '\n', (size_t)(mark - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(mark - p);
		for (size_t k = 0; k < sizeof lc_keys / sizeof lc_keys[0]; k++) {
			size_t kl = strlen(lc_keys[k]);
			if (n > kl + 1 && strncmp(p, lc_keys[k], kl) == 0 && p[kl] == ' ' && p[kl + 1] == '=') {
				char *next = xasprintf("%s%.*s\n", lc_text, (int)n, p);
				free(lc_text);
				lc_text = next;
			}
		}
		p += n + 1;
	}
	struct localconfig_error lerr;
	a->lc = localconfig_parse_plain(lc_text, strlen(lc_text), &lerr);
	free(lc_text);
	const char *host = a->lc ? localconfig_get(a->lc, "zimbra_server_hostname") : NULL;
	const char *murl = a->lc ? localconfig_get(a->lc, "ldap_master_url") : NULL;
	const char *url = a->lc ? localconfig_get(a->lc, "ldap_url") : NULL;
	if (!murl || !*murl)
		return refuse(a, err, xasprintf("%s does not look like a bootstrapped Carbonio LDAP master: "
						 "ldap_master_url is not set in its localconfig", master));
	char *uerr = NULL;
	a->master_urls = ldapurl_list_parse(murl, LDAPURL_LENIENT, &uerr);
	if (a->master_urls && url && *url)
		a->urls = ldapurl_list_parse(url, LDAPURL_LENIENT, &uerr);
	if (!a->master_urls || (url && *url && !a->urls)) {
		char *msg = xasprintf("the master's %s: %s", a->master_urls ? "ldap_url" : "ldap_master_url",
				      uerr ? uerr : "cannot be read");
		free(uerr);
		return refuse(a, err, msg);
	}
	const char *list = mark + sizeof mark_line - 1;
	struct dirservers_error derr;
	a->servers = dirservers_parse(list, (size_t)(out + len - list), &derr);
	if (!a->servers)
		return refuse(a, err,
			      derr.line ? xasprintf("cannot read the master's list of servers: line %zu: %s", derr.line,
						    derr.msg)
					: xasprintf("cannot read the master's list of servers: %s", derr.msg));
	a->master_url_hosts = url_hosts(a->master_urls, &a->input.n_master_url_hosts);
	a->url_hosts = url_hosts(a->urls, &a->input.n_url_hosts);
	a->input.servers = a->servers;
	a->input.master_hostname = host && *host ? host : NULL;
	a->input.master_url_hosts = a->master_url_hosts;
	a->input.url_hosts = a->url_hosts;
	return a;
}

/* Read the command's stdout; fail closed on anything unexpected. */
static void read_answer(struct discover *d)
{
	char *err = NULL;
	d->answer = discover_answer_parse(d->out, d->out_len, d->master->name, &err);
	if (d->answer)
		finish(d, DISCOVER_FAIL_NONE, NULL);
	else
		finish(d, DISCOVER_FAIL_ANSWER, err);
}

static void job_line(void *ud, enum job_stream s, const char *line, size_t len)
{
	struct discover *d = ud;
	add_line(d, s == JOB_STDERR ? "! " : "", line, len);
	if (s != JOB_STDOUT)
		return;
	if (d->out_len + len + 1 > STDOUT_MAX) {
		d->out_overflow = true;
		return;
	}
	d->out = xrealloc(d->out, d->out_len + len + 2);
	memcpy(d->out + d->out_len, line, len);
	d->out_len += len;
	d->out[d->out_len++] = '\n';
	d->out[d->out_len] = '\0';
}

static void job_done(void *ud, const struct job_result *r)
{
	struct discover *d = ud;
	d->job = NULL;
	if (r->cancelled && !r->timed_out) {
		finish(d, DISCOVER_FAIL_CANCELLED, xstrdup("cancelled"));
		return;
	}
	if (r->exit_status != 0 || r->error) {
		char *why = r->error ? xstrdup(r->error)
				     : r->signal ? xasprintf("killed by signal %s", r->signal)
						 : xasprintf("exit status %d", r->exit_status);
		finish(d, DISCOVER_FAIL_COMMAND,
		       xasprintf("reading the master's directory on %s failed (%s): zmlocalconfig and "
				 "zmprov -m -l gas -v must run as zextras there", d->master->name, why));
		free(why);
		return;
	}
	if (d->out_overflow) {
		finish(d, DISCOVER_FAIL_ANSWER, xasprintf("the master's answer is larger than %u bytes", STDOUT_MAX));
		return;
	}
	read_answer(d);
}

static void query(struct discover *d)
{
	d->state = DISCOVER_QUERYING;
	char *cmd = discover_command(d->master->prefix);
	char *wrapped = shquote_runas(RUNAS_ZEXTRAS, conn_login_user(d->conn), cmd);
	struct job_callbacks cb = { .on_line = job_line, .on_done = job_done, .ud = d };
	d->job = conn_exec(d->conn, wrapped, NULL, 0,
			   d->opts.command_timeout_s > 0 ? d->opts.command_timeout_s : 180, &cb);
	free(wrapped);
	free(cmd);
	if (!d->job)
		finish(d, DISCOVER_FAIL_CONNECT, xstrdup(conn_error(d->conn) ? conn_error(d->conn) : "no session"));
}

static void conn_state_cb(void *ud, struct conn *c, enum conn_state st)
{
	struct discover *d = ud;
	if (d->ev.on_conn)
		d->ev.on_conn(d->ev.ud, c, st);
	if (st == CONN_READY && d->state == DISCOVER_CONNECTING)
		query(d);
	else if (st == CONN_FAILED && d->state == DISCOVER_CONNECTING)
		finish(d, conn_hostkey_refused(c) ? DISCOVER_FAIL_HOSTKEY : DISCOVER_FAIL_CONNECT,
		       xasprintf("cannot connect to the master %s: %s", d->master->name,
				 conn_error(c) ? conn_error(c) : "connection failed"));
}

static void conn_hostkey_cb(void *ud, struct conn *c, const struct hostkey_info *hk)
{
	struct discover *d = ud;
	if (d->ev.on_hostkey)
		d->ev.on_hostkey(d->ev.ud, c, hk);
	else
		conn_hostkey_decide(c, false); /* no one to ask: refused */
}

static void conn_secret_cb(void *ud, struct conn *c, enum conn_secret_kind kind, const char *prompt)
{
	struct discover *d = ud;
	if (d->ev.on_secret)
		d->ev.on_secret(d->ev.ud, c, kind, prompt);
	else
		conn_answer_secret(c, NULL);
}

struct discover *discover_new(struct loop *loop, const struct site *site, const struct discover_options *o,
			      const struct discover_events *ev)
{
	struct discover *d = xcalloc(1, sizeof *d);
	d->loop = loop;
	d->site = site;
	if (o)
		d->opts = *o;
	if (ev)
		d->ev = *ev;
	size_t n;
	const char *const *m = site_list(site, SITE_ROLE_MASTER, &n);
	d->master = n ? site_host(site, m[0]) : NULL;
	return d;
}

void discover_start(struct discover *d)
{
	if (d->state != DISCOVER_NEW)
		return;
	if (!d->master) {
		finish(d, DISCOVER_FAIL_NO_MASTER,
		       xstrdup("the site file names no [carbonio] master: discovery asks the master's directory"));
		return;
	}
	const struct site_host *h = d->master;
	struct conn_config cfg = site_host_conn_config(h, d->opts.connect_timeout_s);
	struct conn_callbacks cb = {
		.on_state = conn_state_cb, .on_hostkey = conn_hostkey_cb, .on_secret = conn_secret_cb, .ud = d,
	};
	d->state = DISCOVER_CONNECTING;
	d->conn = conn_new(d->loop, &cfg, &cb);
	conn_start(d->conn);
}

void discover_cancel(struct discover *d)
{
	if (d->job)
		job_cancel(d->job); /* job_done finishes */
	else
		finish(d, DISCOVER_FAIL_CANCELLED, xstrdup("cancelled"));
}

void discover_free(struct discover *d)
{
	if (!d)
		return;
	d->done_called = true; /* no callback from here on */
	if (d->conn)
		conn_free(d->conn);
	free(d->error);
	free(d->out);
	for (size_t i = 0; i < d->n_lines; i++)
		free(d->lines[i]);
	free(d->lines);
	discover_answer_free(d->answer);
	free(d);
}

enum discover_state discover_state(const struct discover *d)
{
	return d->state;
}

enum discover_failure discover_failure(const struct discover *d)
{
	return d->failure;
}

const char *discover_error(const struct discover *d)
{
	return d->error;
}

const char *discover_master(const struct discover *d)
{
	return d->master ? d->master->name : NULL;
}

struct conn *discover_conn(const struct discover *d)
{
	return d->conn;
}

size_t discover_output_count(const struct discover *d)
{
	return d->n_lines;
}

const char *discover_output_at(const struct discover *d, size_t i)
{
	return i < d->n_lines ? d->lines[i] : NULL;
}

const struct discover_input *discover_input(const struct discover *d)
{
	return d->state == DISCOVER_DONE && d->answer ? &d->answer->input : NULL;
}
