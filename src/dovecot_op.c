/* The dovecot procedure's side of an operation: the two servers, the values
 * its steps use (partner, rendered config, firewall rules, test marker), the
 * doveadm password (from the environment, else the one an earlier run wrote,
 * else a strong random one; the same on both sides, never shown), and its
 * built-in steps (version gate, facts, mail overlap, waiting for the test
 * message with an explanation on timeout). */
#include "dovecot_op.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include "assets.h"
#include "doveadm_parse.h"
#include "dovecot_version.h"
#include "harden.h"
#include "journal.h"
#include "loop.h"
#include "procedure.h"
#include "randtok.h"
#include "redact.h"
#include "runner.h"
#include "shquote.h"
#include "site.h"
#include "template.h"
#include "transport.h"
#include "validate.h"
#include "vars.h"
#include "xalloc.h"

#define WAIT_DEFAULT_S 60
#define POLL_MS 1000
#define DIAG_CAP (64 * 1024)

/* ------------------------------------------------------------ pure parts */

int dovecot_op_wait_seconds(void)
{
	const char *e = getenv("REPLICA_WIZARD_DOVECOT_WAIT");
	if (e && *e) {
		char *end;
		long v = strtol(e, &end, 10);
		if (!*end && v >= 1 && v <= 3600)
			return (int)v;
	}
	return WAIT_DEFAULT_S;
}

char *dovecot_op_load_template(char *err, size_t errlen)
{
	char *path = assets_path("templates/10-replication.conf");
	size_t len;
	char *buf = assets_read(path, &len);
	if (!buf)
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
	free(path);
	return buf;
}

struct conf_params {
	char port[16];
	char conns[16];
	const char *partner;
	const char *password;
};

static const char *conf_lookup(void *ud, const char *name, bool secret)
{
	const struct conf_params *p = ud;
	if (secret)
		return strcmp(name, "doveadm_password") == 0 ? (p->password ? p->password : "") : NULL;
	if (strcmp(name, "partner") == 0)
		return p->partner;
	if (strcmp(name, "doveadm_port") == 0)
		return p->port;
	if (strcmp(name, "max_conns") == 0)
		return p->conns;
	return NULL;
}

char *dovecot_op_render_conf(const char *tpl, const char *partner, unsigned port,
			     unsigned max_conns, const char *password, char **err)
{
	struct conf_params p = { .partner = partner, .password = password };
	snprintf(p.port, sizeof p.port, "%u", port);
	snprintf(p.conns, sizeof p.conns, "%u", max_conns);
	/* a partner name ends up inside the file: refuse what is not a host */
	for (const char *c = partner; *c; c++)
		if (!(('a' <= *c && *c <= 'z') || ('A' <= *c && *c <= 'Z') ||
		      ('0' <= *c && *c <= '9') || *c == '.' || *c == '-' || *c == ':')) {
			*err = xasprintf("partner \"%s\" is not a host name or address", partner);
			return NULL;
		}
	return template_expand(tpl, TEMPLATE_RAW, password == NULL, conf_lookup, &p, err);
}

static void add_rules(char **out, const char *list, int family, unsigned port, char **err)
{
	if (!list)
		return;
	char *copy = xstrdup(list), *save = NULL;
	for (char *a = strtok_r(copy, " \t\n", &save); a && !*err; a = strtok_r(NULL, " \t\n", &save)) {
		unsigned char bin[16];
		if (inet_pton(family, a, bin) != 1) {
			*err = xasprintf("\"%s\" is not an %s address", a, family == AF_INET ? "IPv4" : "IPv6");
			break;
		}
		/* ::ffff:a.b.c.d is the IPv4 partner seen through ahostsv6 */
		if (family == AF_INET6 && strncmp(a, "::ffff:", 7) == 0 && strchr(a, '.'))
			continue;
		char *line = xasprintf("%srule family=\"%s\" source address=\"%s/%s\" port protocol=\"tcp\" "
				       "port=\"%u\" accept\n",
				       *out, family == AF_INET ? "ipv4" : "ipv6", a,
				       family == AF_INET ? "32" : "128", port);
		free(*out);
		*out = line;
	}
	free(copy);
}

char *dovecot_op_rich_rules(const char *v4_list, const char *v6_list, unsigned port, char **err)
{
	char *out = xstrdup("");
	*err = NULL;
	if (port == 0 || port > 65535)
		*err = xasprintf("port %u is not a TCP port", port);
	add_rules(&out, v4_list, AF_INET, port, err);
	add_rules(&out, v6_list, AF_INET6, port, err);
	if (!*err && !*out)
		*err = xstrdup("no partner address to allow");
	if (*err) {
		free(out);
		return NULL;
	}
	out[strlen(out) - 1] = '\0'; /* the last newline: the runner adds one */
	return out;
}

const char *dovecot_op_password_problem(const char *pw)
{
	static const char extra[] = "._+/=:@,!-";
	size_t n = pw ? strlen(pw) : 0;
	if (n < 12)
		return "the doveadm password must be at least 12 characters long";
	if (n > 256)
		return "the doveadm password must be at most 256 characters long";
	for (const char *c = pw; *c; c++)
		if (!(('a' <= *c && *c <= 'z') || ('A' <= *c && *c <= 'Z') ||
		      ('0' <= *c && *c <= '9') || strchr(extra, *c)))
			return "the doveadm password may only hold letters, digits and . _ + / = : @ , ! - "
			       "(Dovecot's config parser treats quotes, $, %, <, #, { and blanks specially)";
	return NULL;
}

bool dovecot_op_version_gate(const char *version_output, bool *old, const char **message)
{
	struct dovecot_version v;
	struct dovecot_version_error e;
	*old = false;
	*message = NULL;
	if (!version_output || dovecot_version_parse(version_output, strlen(version_output), &v, &e) != 0) {
		*message = "`dovecot --version` did not print a Dovecot version: is Dovecot installed "
			   "(dovecot-core / dovecot-imapd)?";
		return false;
	}
	switch (dovecot_version_classify(&v, message)) {
	case DOVECOT_VERSION_OK:
		*message = NULL;
		return true;
	case DOVECOT_VERSION_OK_OLD:
		*old = true;
		return true;
	default:
		return false;
	}
}

char *dovecot_op_common_users(const char *a, const char *b)
{
	if (!a || !b)
		return NULL;
	char *copy = xstrdup(a), *save = NULL, *out = NULL;
	for (char *u = strtok_r(copy, " ", &save); u; u = strtok_r(NULL, " ", &save)) {
		size_t n = strlen(u);
		bool found = false;
		for (const char *p = strstr(b, u); p && !found; p = strstr(p + 1, u))
			found = (p == b || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0');
		if (!found)
			continue;
		char *joined = out ? xasprintf("%s %s", out, u) : xstrdup(u);
		free(out);
		out = joined;
	}
	free(copy);
	return out;
}

/* Known log messages, most specific first (dovecot-replication.md §7 and
 * loopback-servers.md §5). */
static const struct {
	const char *needle;
	const char *cause;
} known_causes[] = {
	{ "doveadm client authenticated with wrong password",
	  "the doveadm_password differs between the two servers (the partner refuses it): "
	  "write the same password in both 10-replication.conf files and reload" },
	{ "doveadm authentication failed",
	  "the doveadm_password differs between the two servers (doveadm authentication failed): "
	  "write the same password in both 10-replication.conf files and reload" },
	{ "doveadm_password not set",
	  "doveadm_password is not set on the partner: 10-replication.conf is not loaded there" },
	{ "Plugin notify must be loaded",
	  "the notify plugin is not loaded (mail_plugins must hold notify before replication)" },
	{ "replication-notify-fifo) failed: Permission denied",
	  "the replication-notify-fifo is not writable for the mail user (aggregator fifo_listener "
	  "user = vmail missing): new mail does not trigger replication" },
	{ "GUIDs conflict",
	  "the two servers created INBOX apart (INBOX GUID conflict): dsync never converges; empty "
	  "the mailboxes of one server and let the other replicate them" },
	{ "Remote lost mailbox GUID",
	  "the two servers created INBOX apart (INBOX GUID conflict): dsync never converges; empty "
	  "the mailboxes of one server and let the other replicate them" },
	{ "Lookup of host",
	  "the partner's name does not resolve on this server" },
	{ "Port not known for",
	  "mail_replica has no port: it must be tcp:<partner>:<port>" },
	{ "Unknown user in remote",
	  "the test user does not exist on the partner: both servers need the same userdb" },
	{ "User doesn't exist",
	  "the test user does not exist on one server: both servers need the same userdb" },
};

static char *line_with(const char *text, const char *needle)
{
	const char *p = text ? strstr(text, needle) : NULL;
	if (!p)
		return NULL;
	const char *start = p, *end = p;
	while (start > text && start[-1] != '\n')
		start--;
	while (*end && *end != '\n')
		end++;
	size_t n = (size_t)(end - start);
	return xstrndup(start, n > 200 ? 200 : n);
}

char *dovecot_op_explain(const struct dovecot_diag *d, size_t n)
{
	for (size_t k = 0; k < sizeof known_causes / sizeof known_causes[0]; k++)
		for (size_t i = 0; i < n; i++) {
			char *line = line_with(d[i].log, known_causes[k].needle);
			if (!line)
				continue;
			char *msg = xasprintf("likely cause: %s (%s logged: %s)", known_causes[k].cause,
					      d[i].node, line);
			free(line);
			return msg;
		}
	/* a refused or timed-out connection to the partner's replication port */
	for (size_t i = 0; i < n; i++) {
		const char *p = d[i].log ? strstr(d[i].log, "connect(") : NULL;
		for (; p; p = strstr(p + 1, "connect(")) {
			char *line = line_with(p, "connect(");
			bool net = strstr(line, ") failed: ") && !strstr(line, "net_connect_unix");
			if (net) {
				char *msg = xasprintf("likely cause: the partner's replication port cannot be "
						      "reached (firewall, or Dovecot not listening on it) "
						      "(%s logged: %s)", d[i].node, line);
				free(line);
				return msg;
			}
			free(line);
		}
	}
	/* the replicator itself does not answer */
	for (size_t i = 0; i < n; i++) {
		if (d[i].status_rc == 0)
			continue;
		struct doveadm_failure_info info;
		const char *st = d[i].status ? d[i].status : "";
		doveadm_classify_failure(st, strlen(st), d[i].status_rc, &info);
		return xasprintf("likely cause: the replicator on %s does not answer: %s (%s)", d[i].node,
				 info.summary, info.detail);
	}
	/* a user whose last sync failed, but no known message */
	for (size_t i = 0; i < n; i++) {
		struct doveadm_error e;
		const char *st = d[i].status ? d[i].status : "";
		struct doveadm_users *u = doveadm_parse_users_tab(st, strlen(st), &e);
		if (!u)
			continue;
		for (size_t j = 0; j < u->n; j++)
			if (u->users[j].failed) {
				char *msg = xasprintf("likely cause: unknown; the last sync of %s failed on %s "
						      "(failed = y in doveadm replicator status) and the log "
						      "names no known cause: see the Dovecot error log there",
						      u->users[j].username, d[i].node);
				doveadm_users_free(u);
				return msg;
			}
		doveadm_users_free(u);
	}
	return xstrdup("likely cause: no sync failed and no error was logged, so changes are not "
		       "noticed: the notify and replication plugins are probably not loaded for this "
		       "user (mail_plugins is overridden in a protocol block or the userdb), or the "
		       "replication queue is stuck (Dovecot before 2.3.20)");
}

/* ------------------------------------------------------------ the kind */

struct wait_state {
	struct runner *runner;
	struct plan_item *item;
	double start;
	int timer;
	struct job *job;
	int phase;              /* 0: polling; 1, 2: diagnosing server 0, 1 */
	char *out;
	size_t len;
	struct dovecot_diag diag[2];
	char *diag_text[2];
};

struct dovecot {
	const struct site_pair *pair; /* of this run (owned by the site) */
	const char *servers[2];
	bool verify_only;
	char *tpl;
	char *tpl_err;
	char *password;
	bool password_final;    /* from the environment, or chosen after the checks */
	bool password_typed;    /* dovecot_op_set_password (the TUI) */
	char *marker;
	char *scratch;          /* last value handed to a template (may be secret) */
	struct wait_state w;
	struct operation *op;
};

static void wipe_free(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

/* cancel_job false when freeing: the connections (and their jobs) are
 * already gone then. */
static void wait_reset(struct dovecot *d, bool cancel_job)
{
	struct loop *loop = operation_loop(d->op);
	if (d->w.timer)
		loop_timer_cancel(loop, d->w.timer);
	if (d->w.job && cancel_job)
		job_cancel(d->w.job);
	free(d->w.out);
	for (int i = 0; i < 2; i++)
		free(d->w.diag_text[i]);
	memset(&d->w, 0, sizeof d->w);
}

static void dovecot_data_free(void *p)
{
	struct dovecot *d = p;
	if (!d)
		return;
	wait_reset(d, false);
	free(d->tpl);
	free(d->tpl_err);
	wipe_free(d->password);
	free(d->marker);
	wipe_free(d->scratch);
	free(d);
}

static struct dovecot *data(const struct operation *op)
{
	return operation_kind_data(op);
}


static void set_password(struct dovecot *d, const char *pw)
{
	wipe_free(d->password);
	d->password = xstrdup(pw);
	vars_set(operation_vars(d->op), NULL, "doveadm_password", pw, true); /* redact */
}

void dovecot_op_set_password(struct operation *op, const char *pw)
{
	struct dovecot *d = data(op);
	if (!d || !pw || !*pw)
		return;
	set_password(d, pw);
	d->password_final = true;
	d->password_typed = true;
}

static void prepare_common(struct operation *op, bool verify_only)
{
	struct dovecot *d = xcalloc(1, sizeof *d);
	d->op = op;
	d->verify_only = verify_only;
	operation_set_kind_data(op, d, dovecot_data_free);
	/* no pair (several and none chosen, or an unknown name): an empty plan;
	 * the CLI and the TUI ask dovecot_op_pair() first */
	char why[512];
	d->pair = dovecot_op_pair(operation_site(op), operation_options(op)->pair, why, sizeof why);
	d->servers[0] = d->pair ? d->pair->servers[0] : NULL;
	d->servers[1] = d->pair ? d->pair->servers[1] : NULL;

	char err[512];
	d->tpl = dovecot_op_load_template(err, sizeof err);
	if (!d->tpl)
		d->tpl_err = xstrdup(err);

	const char *pw = harden_secret_env("REPLICA_WIZARD_DOVEADM_PASSWORD");
	if (pw && *pw && !dovecot_op_password_problem(pw)) {
		set_password(d, pw);
		d->password_final = true;
	} else {
		/* provisional: an earlier run's password replaces it after the checks */
		char token[33];
		randtok(token, sizeof token, RANDTOK_ALNUM);
		set_password(d, token);
		explicit_bzero(token, sizeof token);
	}
	d->marker = check_name_new(RANDTOK_ALNUM);
}

static void prepare(struct operation *op)
{
	prepare_common(op, false);
}

static void prepare_verify(struct operation *op)
{
	prepare_common(op, true);
}

static void build_plan(struct operation *op)
{
	struct dovecot *d = data(op);
	const struct procedure *proc = operation_procedure(op);
	for (size_t s = 0; s < proc->n_steps; s++) {
		const struct proc_step *st = &proc->steps[s];
		if (!(st->nodes & PROC_NODE_SERVER))
			continue;
		if (d->verify_only && !st->verify_run) /* checks that open no mailbox, the verify-* steps */
			continue;
		for (int i = 0; i < (st->once ? 1 : 2); i++)
			if (d->servers[i])
				operation_plan_step(op, st->id, d->servers[i]);
	}
}

static char *scope(struct operation *op)
{
	struct dovecot *d = data(op);
	bool named = d->pair && d->pair->named;
	return xasprintf("%s%s%s%sservers=%s %s", d->verify_only ? "verify " : "",
			 named ? "pair=" : "", named ? d->pair->name : "", named ? " " : "",
			 d->servers[0] ? d->servers[0] : "", d->servers[1] ? d->servers[1] : "");
}

/* One journal per pair: "dovecot" for [dovecot] (as before pairs existed),
 * "dovecot.NAME" for [dovecot NAME] (a pair name has no dot). */
static char *journal_key(struct operation *op)
{
	struct dovecot *d = data(op);
	return d->pair && d->pair->named ? xasprintf("dovecot.%s", d->pair->name) : xstrdup("dovecot");
}

const struct site_pair *dovecot_op_pair(const struct site *site, const char *name, char *err,
					size_t errlen)
{
	size_t n = site_pair_count(site);
	char names[1024] = "";
	size_t used = 0;

	for (size_t i = 0; i < n && used < sizeof names; i++)
		used += (size_t)snprintf(names + used, sizeof names - used, "%s%s", i ? ", " : "",
					 site_pair_at(site, i)->name);
	if (name && *name) {
		const struct site_pair *p = site_pair(site, name);
		if (p)
			return p;
		char *q = validate_quote(name, 80);
		snprintf(err, errlen, n ? "no Dovecot pair %s in the site (its pairs: %s)"
					: "no Dovecot pair %s in the site (it has none)%s", q, names);
		free(q);
		return NULL;
	}
	if (n == 1)
		return site_pair_at(site, 0);
	if (n == 0)
		snprintf(err, errlen, "the site names no Dovecot pair: set [dovecot] servers "
			 "(or a [dovecot NAME] section) to the two servers to replicate between");
	else
		snprintf(err, errlen, "the site has %zu Dovecot pairs (%s): choose one (--pair NAME)",
			 n, names);
	return NULL;
}

static const char *partner_of(const struct dovecot *d, const char *node)
{
	if (!node || !d->servers[0] || !d->servers[1])
		return NULL;
	return strcasecmp(node, d->servers[0]) == 0 ? d->servers[1] : d->servers[0];
}

static const char *keep(struct dovecot *d, char *value)
{
	wipe_free(d->scratch);
	d->scratch = value;
	return value;
}

static char *render_for(struct dovecot *d, const char *node, bool with_password)
{
	const struct site_host *h = site_host(operation_site(d->op), node);
	const char *partner = partner_of(d, node);
	if (!h || !partner || !d->tpl)
		return NULL;
	char *err = NULL;
	char *conf = dovecot_op_render_conf(d->tpl, partner, h->doveadm_port, h->max_conns,
					    with_password ? d->password : NULL, &err);
	free(err);
	return conf;
}

/* ---- the words of the procedure ---- */

static const char *v_node(struct operation *op, const char *node)
{
	(void)op;
	return node;
}

static const char *v_partner(struct operation *op, const char *node)
{
	return partner_of(data(op), node);
}

static const char *v_conf_dir(struct operation *op, const char *node)
{
	const struct site_host *h = site_host(operation_site(op), node);
	return h ? h->conf_dir : NULL;
}

static const char *v_doveadm_port(struct operation *op, const char *node)
{
	const struct site_host *h = site_host(operation_site(op), node);
	return h ? keep(data(op), xasprintf("%u", h->doveadm_port)) : NULL;
}

static const char *v_max_conns(struct operation *op, const char *node)
{
	const struct site_host *h = site_host(operation_site(op), node);
	return h ? keep(data(op), xasprintf("%u", h->max_conns)) : NULL;
}

static const char *v_conf_preview(struct operation *op, const char *node)
{
	return keep(data(op), render_for(data(op), node, false));
}

/* a resumed run's is the cut-short run's (journal_resumed) */
static const char *v_marker(struct operation *op, const char *node)
{
	(void)node;
	return data(op)->marker;
}

static const char *v_test_user(struct operation *op, const char *node)
{
	(void)node;
	struct dovecot *d = data(op);
	return d->servers[0] ? vars_get(operation_vars(op), d->servers[0], "first_user", false) : NULL;
}

static const char *v_firewall_rules(struct operation *op, const char *node)
{
	const struct site_host *h = site_host(operation_site(op), node);
	struct vars *v = operation_vars(op);
	if (!h)
		return NULL;
	char *err = NULL;
	char *rules = dovecot_op_rich_rules(vars_get(v, node, "partner_v4", false),
					    vars_get(v, node, "partner_v6", false), h->doveadm_port, &err);
	free(err);
	return rules ? keep(data(op), rules) : NULL;
}

static const char *s_doveadm_password(struct operation *op, const char *node)
{
	(void)node;
	return data(op)->password;
}

static const char *s_replication_conf(struct operation *op, const char *node)
{
	return keep(data(op), render_for(data(op), node, true));
}

static bool fact_is(struct operation *op, const char *node, const char *name, const char *a,
		    const char *b)
{
	const char *s = vars_get(operation_vars(op), node, name, false);
	return s && (strcmp(s, a) == 0 || (b && strcmp(s, b) == 0));
}

static bool c_selinux(struct operation *op, const char *node)
{
	return fact_is(op, node, "selinux", "Enforcing", "Permissive");
}

static bool c_firewalld(struct operation *op, const char *node)
{
	return fact_is(op, node, "firewalld", "running", NULL);
}

static bool c_systemd(struct operation *op, const char *node)
{
	return fact_is(op, node, "dovecot_service", "systemd", NULL);
}

/* ---- built-ins ---- */

static void builtin_version(struct operation *op, struct runner *r, struct plan_item *it, bool recent)
{
	const char *out = vars_get(operation_vars(op), it->node, "dovecot_version", false);
	bool old = false;
	const char *msg = NULL;
	bool ok = dovecot_op_version_gate(out, &old, &msg);
	char *text = xasprintf("Dovecot %s: %s", out && *out ? out : "(no version)",
			       msg ? msg : "supported");
	if (!recent)
		runner_builtin_done(r, it, ok, ok ? (out ? out : "") : text);
	else
		runner_builtin_done(r, it, !old, old ? text : (out ? out : ""));
	free(text);
}

/* After the checks: settle the password (an earlier run's wins over the
 * provisional random one so that a resumed or repeated run keeps both
 * sides equal) and say what will happen on this server. */
static void builtin_facts(struct operation *op, struct runner *r, struct plan_item *it)
{
	struct dovecot *d = data(op);
	struct vars *v = operation_vars(op);
	const char *source = d->password_final && harden_secret_env("REPLICA_WIZARD_DOVEADM_PASSWORD")
				     ? "from REPLICA_WIZARD_DOVEADM_PASSWORD" : NULL;
	if (!d->password_final) {
		const char *e = NULL;
		for (int i = 0; i < 2 && !e; i++)
			if (d->servers[i])
				e = vars_get(v, d->servers[i], "existing_password", true);
		if (e && !dovecot_op_password_problem(e)) {
			set_password(d, e);
			source = "kept from the 10-replication.conf of an earlier run";
		} else
			source = "new random password";
		d->password_final = true;
	}
	if (!source && d->password_typed)
		source = "typed in the wizard";
	if (!source)
		source = "as chosen for the other server";
	const char *v4 = vars_get(v, it->node, "partner_v4", false);
	const char *v6 = vars_get(v, it->node, "partner_v6", false);
	const char *se = vars_get(v, it->node, "selinux", false);
	const char *fw = vars_get(v, it->node, "firewalld", false);
	bool do_se = c_selinux(op, it->node), do_fw = c_firewalld(op, it->node);
	const struct site_host *h = site_host(operation_site(op), it->node);
	char *msg = xasprintf("partner %s (IPv4: %s; IPv6: %s), port %u, max conns %u; "
			      "SELinux %s: %s; firewalld %s: %s; reload with %s; doveadm password: %s",
			      partner_of(d, it->node), v4 && *v4 ? v4 : "none", v6 && *v6 ? v6 : "none",
			      h ? h->doveadm_port : 0, h ? h->max_conns : 0, se ? se : "?",
			      do_se ? "setsebool -P nis_enabled on" : "skipped (no SELinux policy to change)",
			      fw ? fw : "?",
			      do_fw ? "rich rules for the partner only, then --reload"
				    : "skipped (firewalld is not running)",
			      c_systemd(op, it->node) ? "systemctl reload dovecot" : "doveadm reload",
			      source);
	runner_builtin_done(r, it, true, msg);
	free(msg);
}

static void builtin_overlap(struct operation *op, struct runner *r, struct plan_item *it)
{
	struct dovecot *d = data(op);
	struct vars *v = operation_vars(op);
	if (!d->servers[0] || !d->servers[1]) {
		runner_builtin_done(r, it, false, "the site does not name two Dovecot servers");
		return;
	}
	const char *a = vars_get(v, d->servers[0], "mail_users", false);
	const char *b = vars_get(v, d->servers[1], "mail_users", false);
	char *common = dovecot_op_common_users(a ? a : "", b ? b : "");
	if (!common) {
		const char *holder = a && *a ? d->servers[0] : b && *b ? d->servers[1] : NULL;
		char *msg = holder ? xasprintf("only %s holds mail: it replicates to the other", holder)
				   : xstrdup("no mail on either server yet");
		runner_builtin_done(r, it, true, msg);
		free(msg);
		return;
	}
	char *msg = xasprintf("both servers already hold mail for: %s. Their INBOXes were created "
			      "apart and have different GUIDs (INBOX GUID conflict)", common);
	runner_builtin_done(r, it, false, msg);
	free(msg);
	free(common);
}

/* ---- wait-replicated: poll for the partner's message, explain a timeout ---- */

static void wait_poll(struct dovecot *d);
static void wait_diagnose(struct dovecot *d);

static void wait_finish(struct dovecot *d, bool ok, const char *msg)
{
	struct runner *r = d->w.runner;
	struct plan_item *it = d->w.item;
	d->w.item = NULL;
	d->w.job = NULL;
	runner_builtin_done(r, it, ok, msg);
}

static void wait_line(void *ud, enum job_stream s, const char *line, size_t len)
{
	struct dovecot *d = ud;
	(void)s;
	if (d->w.len + len + 2 > DIAG_CAP)
		return;
	d->w.out = xrealloc(d->w.out, d->w.len + len + 2);
	memcpy(d->w.out + d->w.len, line, len);
	d->w.len += len;
	d->w.out[d->w.len++] = '\n';
	d->w.out[d->w.len] = '\0';
}

static struct job *wait_exec(struct dovecot *d, const char *node, const char *cmd,
			     void (*done)(void *, const struct job_result *))
{
	struct conn *c = operation_conn(d->op, node);
	free(d->w.out);
	d->w.out = NULL;
	d->w.len = 0;
	if (!c || conn_state(c) != CONN_READY)
		return NULL;
	char *wrapped = shquote_runas(RUNAS_ROOT, conn_login_user(c), cmd);
	struct job_callbacks cb = { .on_line = wait_line, .on_done = done, .ud = d };
	struct job *j = conn_exec(c, wrapped, NULL, 0, 60, &cb);
	free(wrapped);
	return j;
}

static void wait_timer(void *ud)
{
	struct dovecot *d = ud;
	d->w.timer = 0;
	if (d->w.item)
		wait_poll(d);
}

/* A line "<32 hex mailbox guid> <uid>" from doveadm search. */
static bool has_match(const char *out)
{
	for (const char *p = out; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		size_t i = 0;
		while (i < 32 && strchr("0123456789abcdef", p[i]) && p[i])
			i++;
		if (i == 32 && p[32] == ' ' && p[33] >= '0' && p[33] <= '9')
			return true;
	}
	return false;
}

static void wait_poll_done(void *ud, const struct job_result *res)
{
	struct dovecot *d = ud;
	d->w.job = NULL;
	if (!d->w.item)
		return;
	if (res->conn_lost || res->cancelled) {
		wait_finish(d, false, res->error ? res->error : "the connection to the node was lost");
		return;
	}
	double took = loop_now() - d->w.start;
	if (res->exit_status == 0 && has_match(d->w.out)) {
		char *msg = xasprintf("the partner's test message arrived after %.1f s", took);
		wait_finish(d, true, msg);
		free(msg);
		return;
	}
	if (took >= dovecot_op_wait_seconds()) {
		wait_diagnose(d);
		return;
	}
	d->w.timer = loop_timer(operation_loop(d->op), POLL_MS, wait_timer, d);
}

static void wait_poll(struct dovecot *d)
{
	struct plan_item *it = d->w.item;
	const char *user = v_test_user(d->op, it->node);
	const char *marker = v_marker(d->op, it->node);
	const char *partner = partner_of(d, it->node);
	if (!user || !marker || !partner) {
		wait_finish(d, false, "no test user or marker (the checks did not run)");
		return;
	}
	char *subject = xasprintf("%s-%s", marker, partner);
	const char *argv[] = { "doveadm", "search", "-u", user, "mailbox", "INBOX", "header",
			       "Subject", subject, NULL };
	char *cmd = shquote_join(argv);
	free(subject);
	d->w.job = wait_exec(d, it->node, cmd, wait_poll_done);
	free(cmd);
	if (!d->w.job)
		wait_finish(d, false, "not connected to the node");
}

/* Errors of the waiting window only (older ones may be fixed already). */
static char *diag_cmd(void)
{
	return xasprintf("doveadm log errors -s $(( $(date +%%s) - %d )) 2>&1 | tail -n 200; "
			 "echo '=== status'; s=$(doveadm -f tab replicator status '*' 2>&1); rc=$?; "
			 "printf '%%s\\n' \"$s\"; echo \"=== rc $rc\"",
			 dovecot_op_wait_seconds() + 30);
}

static void wait_diag_done(void *ud, const struct job_result *res)
{
	struct dovecot *d = ud;
	d->w.job = NULL;
	if (!d->w.item)
		return;
	int i = d->w.phase - 1;
	(void)res;
	d->w.diag_text[i] = d->w.out ? d->w.out : xstrdup("");
	d->w.out = NULL;
	d->w.len = 0;
	/* split "log === status\n status === rc N" */
	char *text = d->w.diag_text[i];
	char *st = strstr(text, "=== status\n");
	char *rc = strstr(text, "=== rc ");
	d->w.diag[i].node = d->servers[i];
	d->w.diag[i].log = text;
	d->w.diag[i].status = "";
	d->w.diag[i].status_rc = 0;
	if (st && rc && rc > st) {
		*st = '\0';
		*rc = '\0';
		d->w.diag[i].status = st + strlen("=== status\n");
		d->w.diag[i].status_rc = atoi(rc + strlen("=== rc "));
	}
	wait_diagnose(d);
}

static void wait_diagnose(struct dovecot *d)
{
	while (d->w.phase < 2) {
		int i = d->w.phase++;
		if (!d->servers[i])
			continue;
		char *cmd = diag_cmd();
		d->w.job = wait_exec(d, d->servers[i], cmd, wait_diag_done);
		free(cmd);
		if (d->w.job)
			return;
		d->w.diag[i].node = d->servers[i];
	}
	const char *partner = partner_of(d, d->w.item->node);
	char *why = dovecot_op_explain(d->w.diag, 2);
	char *msg = xasprintf("the test message saved on %s did not arrive on %s within %d s; %s",
			      partner, d->w.item->node, dovecot_op_wait_seconds(), why);
	free(why);
	wait_finish(d, false, msg);
	free(msg);
}

static void start_version(struct operation *op, struct runner *r, struct plan_item *it)
{
	builtin_version(op, r, it, false);
}

static void start_version_recent(struct operation *op, struct runner *r, struct plan_item *it)
{
	builtin_version(op, r, it, true);
}

static void start_facts(struct operation *op, struct runner *r, struct plan_item *it)
{
	struct dovecot *d = data(op);
	if (d->tpl_err)
		runner_builtin_done(r, it, false, d->tpl_err);
	else
		builtin_facts(op, r, it);
}

static void start_wait(struct operation *op, struct runner *r, struct plan_item *it)
{
	struct dovecot *d = data(op);
	wait_reset(d, true);
	d->w.runner = r;
	d->w.item = it;
	d->w.start = loop_now();
	wait_poll(d);
}

static const struct operation_word words[] = {
	WORD_VAR("node", true, v_node),
	WORD_VAR("partner", true, v_partner),
	WORD_VAR("conf_dir", true, v_conf_dir),
	WORD_VAR("doveadm_port", true, v_doveadm_port),
	WORD_VAR("max_conns", true, v_max_conns),
	WORD_VAR("conf_preview", true, v_conf_preview),
	WORD_VAR("firewall_rules", true, v_firewall_rules),
	WORD_VAR("marker", false, v_marker),
	WORD_VAR("test_user", false, v_test_user),
	WORD_FACT("partner_v4"),
	WORD_FACT("partner_v6"),
	WORD_FACT("firewall_zone"),
	{ "doveadm_password", PROC_WORD_SECRET, false, s_doveadm_password, NULL, NULL },
	{ "replication_conf", PROC_WORD_SECRET, true, s_replication_conf, NULL, NULL }, /* holds the password */
	WORD_COND("selinux", true, c_selinux),
	WORD_COND("firewalld", true, c_firewalld),
	WORD_COND("systemd", true, c_systemd),
	WORD_BUILTIN("dovecot-version", start_version),
	WORD_BUILTIN("dovecot-version-recent", start_version_recent),
	WORD_BUILTIN("dovecot-facts", start_facts),
	WORD_BUILTIN("mail-overlap", builtin_overlap),
	WORD_BUILTIN("wait-replicated", start_wait),
};

/* Abort or free mid-wait: the poll timer goes, and a cancelled poll's
 * result that arrives later finds no item (wait_poll_done). */
static void builtin_cancel(struct operation *op, struct plan_item *it)
{
	struct dovecot *d = data(op);
	if (d->w.item == it)
		wait_reset(d, true);
}

static void journal_started(struct operation *op)
{
	struct journal *j = operation_journal(op);
	if (j && !operation_resumed_run(op))
		journal_var(j, "marker", data(op)->marker);
}

/* The resumed run expunges the messages of the cut-short one: their marker,
 * checked, since `doveadm expunge ... header Subject MARKER` deletes every
 * message whose subject holds it (an empty one: all of them). */
static bool journal_resumed(struct operation *op, const struct journal_run *earlier, char *err,
			    size_t errlen)
{
	struct dovecot *d = data(op);
	const char *m = journal_run_var(earlier, "marker");
	if (!check_name_valid(m, RANDTOK_ALNUM)) {
		char *shown = m ? validate_quote(m, 40) : NULL;
		snprintf(err, errlen, "marker is %s%s%s, not a test message marker this program makes "
			 "(%s and %d letters or digits)", shown ? "\"" : "missing", shown ? shown : "",
			 shown ? "\"" : "", CHECK_NAME_PREFIX, CHECK_NAME_TOKEN_LEN);
		free(shown);
		return false;
	}
	free(d->marker);
	d->marker = xstrdup(m);
	return true;
}

/* The setup and its --verify differ in what they prepare, and --verify
 * always sends a test message each way (never stands on the journal). */
#define DOVECOT_KIND(prepare_fn, full)                                          \
	{                                                                       \
		.procedure = "dovecot", .always_full = full,                    \
		.words = words, .n_words = sizeof words / sizeof words[0],      \
		.build_plan = build_plan, .scope = scope,                       \
		.journal_key = journal_key,                                     \
		.builtin_cancel = builtin_cancel, .prepare = prepare_fn,        \
		.journal_started = journal_started,                             \
		.journal_resumed = journal_resumed,                             \
	}

const struct operation_kind dovecot_kind = DOVECOT_KIND(prepare, false);
const struct operation_kind dovecot_verify_kind = DOVECOT_KIND(prepare_verify, true);
