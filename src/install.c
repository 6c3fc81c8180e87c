/* The install procedure's side of an operation: who takes part (the master,
 * the replicas of this run, and with --answer-queries the nodes whose
 * ldap_url is rewritten), the values its steps use, and its built-in step:
 * verifying the LDAP passwords against the master before the replica is
 * touched. */
#include "install.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "harden.h"
#include "allservers.h"
#include "carbonio_words.h"
#include "journal.h"
#include "ldap_route.h"
#include "ldapprobe.h"
#include "ldapurl.h"
#include "localconfig_parse.h"
#include "operation.h"
#include "procedure.h"
#include "randtok.h"
#include "site.h"
#include "validate.h"
#include "vars.h"
#include "xalloc.h"

/* Passwords a replica needs, in the order the bootstrap file lists them. */
static const char *const ldap_secrets[] = {
	"zimbra_ldap_password", "ldap_root_password", "ldap_replication_password",
	"ldap_postfix_password", "ldap_amavis_password", "ldap_nginx_password",
};

struct install {
	const char **replicas; /* of this run */
	size_t n_replicas;
	bool passwords_given;
	char *scratch;         /* last computed value handed to a template */
	/* verify-ldap-passwords in flight */
	struct runner *runner;
	struct plan_item *verify_item;
	size_t verify_next;
	struct ldap_route *route;       /* our LDAP connections (ldap_route.h) */
	struct ldap_route_probe *probe;
};

static void install_data_free(void *p)
{
	struct install *in = p;
	if (!in)
		return;
	ldap_route_probe_cancel(in->probe);
	ldap_route_free(in->route);
	free(in->replicas);
	free(in->scratch);
	free(in);
}

static struct install *data(const struct operation *op)
{
	return operation_kind_data(op);
}


static void prepare(struct operation *op)
{
	struct install *in = xcalloc(1, sizeof *in);
	const struct operation_options *o = operation_options(op);
	size_t n = 0;
	const char *const *site_replicas = site_list(operation_site(op), SITE_ROLE_REPLICA, &n);
	const char *const *list = o->only ? o->only : site_replicas;
	size_t count = o->only ? o->n_only : n;
	in->replicas = xcalloc(count + 1, sizeof *in->replicas);
	for (size_t i = 0; i < count; i++)
		in->replicas[i] = list[i];
	in->n_replicas = count;
	operation_set_kind_data(op, in, install_data_free);

	struct ldap_route_config rc;
	char *hold = NULL, err[512];
	/* an unreadable CA file was refused before the run (cmd_install);
	 * here it would only make the check fail with its name */
	ldap_cli_config(&o->ldap, operation_site(op), &rc, &hold, err, sizeof err);
	in->route = ldap_route_new(operation_loop(op), &rc);
	free(hold);

	/* One password for all: on a default master every LDAP password
	 * equals zimbra_ldap_password. */
	const char *pw = harden_secret_env("REPLICA_WIZARD_LDAP_PASSWORD");
	struct vars *v = operation_vars(op);
	if (pw && *pw) {
		in->passwords_given = true;
		for (size_t i = 0; i < sizeof ldap_secrets / sizeof ldap_secrets[0]; i++)
			vars_set(v, NULL, ldap_secrets[i], pw, true);
	}
	char secret[25];
	/* lower case: zmprov lower-cases account names */
	char *account = check_name_new(RANDTOK_LOWER);
	vars_set(v, NULL, "test_account_local", account, false);
	free(account);
	randtok(secret, sizeof secret, RANDTOK_ALNUM);
	vars_set(v, NULL, "test_account_password", secret, true);
	explicit_bzero(secret, sizeof secret);
}

static bool listed(const char *const *names, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcasecmp(names[i], name) == 0)
			return true;
	return false;
}

const char **install_answer_candidates(const struct site *site, size_t *n)
{
	size_t n_mta = 0, n_other = 0, n_master = 0;
	const char *const *mta = site_list(site, SITE_ROLE_MTA, &n_mta);
	const char *const *other = site_list(site, SITE_ROLE_OTHER, &n_other);
	const char *const *master = site_list(site, SITE_ROLE_MASTER, &n_master);
	const char **out = xcalloc(n_mta + n_other + 2, sizeof *out);
	size_t k = 0;
	/* a master that is also an MTA is rewritten once, last */
	for (size_t i = 0; i < n_mta; i++)
		if (!listed(out, k, mta[i]) && !(n_master && strcasecmp(mta[i], master[0]) == 0))
			out[k++] = mta[i];
	for (size_t i = 0; i < n_other; i++)
		if (!listed(out, k, other[i]) && !(n_master && strcasecmp(other[i], master[0]) == 0))
			out[k++] = other[i];
	if (n_master)
		out[k++] = master[0];
	*n = k;
	return out;
}

/* The nodes whose ldap_url this run rewrites (answer_nodes, in the
 * candidates' order), none without answer_queries. Allocated. */
static const char **answer_list(const struct operation *op, size_t *n)
{
	const struct operation_options *o = operation_options(op);
	const char **all = install_answer_candidates(operation_site(op), n);
	if (!o->answer_queries) {
		*n = 0;
		return all;
	}
	if (!o->answer_nodes)
		return all;
	size_t k = 0;
	for (size_t i = 0; i < *n; i++)
		if (listed(o->answer_nodes, o->n_answer_nodes, all[i]))
			all[k++] = all[i];
	*n = k;
	return all;
}

static void build_plan(struct operation *op)
{
	struct install *in = data(op);
	struct site *site = operation_site(op);
	const struct procedure *proc = operation_procedure(op);
	const char *master = operation_master(op);
	size_t n_mta = 0, n_other = 0, n_ans = 0;
	const char *const *mta = site_list(site, SITE_ROLE_MTA, &n_mta);
	const char *const *other = site_list(site, SITE_ROLE_OTHER, &n_other);
	const char **ans = answer_list(op, &n_ans);

	for (size_t s = 0; s < proc->n_steps; s++) {
		const struct proc_step *st = &proc->steps[s];
		if (st->nodes & PROC_NODE_MASTER)
			operation_plan_step(op, st->id, master);
		if (st->nodes & PROC_NODE_REPLICA)
			for (size_t i = 0; i < in->n_replicas; i++)
				operation_plan_step(op, st->id, in->replicas[i]);
		if (st->nodes & PROC_NODE_MTA)
			for (size_t i = 0; i < n_mta; i++)
				operation_plan_step(op, st->id, mta[i]);
		if (st->nodes & PROC_NODE_OTHER)
			for (size_t i = 0; i < n_other; i++)
				operation_plan_step(op, st->id, other[i]);
		/* preflight checks every node taking part before anything changes */
		if (st->phase && (st->nodes & PROC_NODE_ANSWER))
			for (size_t i = 0; i < n_ans; i++)
				operation_plan_step(op, st->id, ans[i]);
	}
	/* Answering queries restarts services: one node at a time (stop, new
	 * ldap_url, start, check) so the directory stays up while the others
	 * restart; the master, which runs it, last. */
	for (size_t i = 0; i < n_ans; i++)
		for (size_t s = 0; s < proc->n_steps; s++)
			if ((proc->steps[s].nodes & PROC_NODE_ANSWER) && !proc->steps[s].phase)
				operation_plan_step(op, proc->steps[s].id, ans[i]);
	free(ans);
}

static char *scope(struct operation *op)
{
	struct install *in = data(op);
	char *s = xstrdup("replicas=");
	for (size_t i = 0; i < in->n_replicas; i++) {
		char *next = xasprintf("%s%s%s", s, i ? " " : "", in->replicas[i]);
		free(s);
		s = next;
	}
	if (operation_options(op)->answer_queries) {
		char *next = xasprintf("%s +answer", s);
		free(s);
		s = next;
		/* a subset is another scope (all of them keeps the old one) */
		size_t n_all = 0, n_ans = 0;
		const char **all = install_answer_candidates(operation_site(op), &n_all);
		const char **ans = answer_list(op, &n_ans);
		for (size_t i = 0; n_ans < n_all && i < n_ans; i++) {
			next = xasprintf("%s%s%s", s, i ? "," : "=", ans[i]);
			free(s);
			s = next;
		}
		free(all);
		free(ans);
	}
	return s;
}

static const char *keep(struct install *in, char *value)
{
	free(in->scratch);
	in->scratch = value;
	return value;
}

static unsigned ldap_port_of(const struct operation *op, const char *node)
{
	const struct site_host *h = site_host(operation_site(op), node);
	return h ? h->ldap_port : 389;
}

/* The replica's URL as ldapenablereplica.pl writes it into the replica's
 * ldap_url: its zimbra_server_hostname is the site's name for it (the
 * bootstrap's HOSTNAME), lower-cased by setup.pl. */
static char *replica_url_for(const char *node, unsigned port)
{
	return ldapurl_for_own(node, port);
}

/* The ldap_url an answering node gets: the replicas its ldap_url already
 * lists (installed earlier: never dropped), then this run's replicas, then
 * the master URL last, byte-identical to ldap_master_url. A replica the site
 * names but that is not installed is not added. NULL while the master's URL
 * or the node's current value is not known (dry run). */
static char *new_ldap_url(struct operation *op, const char *node)
{
	struct install *in = data(op);
	struct vars *v = operation_vars(op);
	const char *master = operation_master(op);
	const char *murl = vars_get(v, master, "ldap_master_url", false);
	const char *current = vars_get(v, node, "current_ldap_url", false);
	if (!murl || !current)
		return NULL;
	struct ldapurl_list *masters = ldapurl_list_parse(murl, LDAPURL_LENIENT, NULL);
	struct ldapurl_list *now = ldapurl_list_parse(current, LDAPURL_LENIENT, NULL);
	size_t cap = (now ? now->n : 0) + in->n_replicas + 1, n = 0;
	char **urls = xcalloc(cap, sizeof *urls);
	for (size_t i = 0; now && i < now->n; i++) {
		bool is_master = false;
		for (size_t m = 0; masters && m < masters->n; m++)
			is_master |= ldapurl_same_server(&now->v[i], &masters->v[m]);
		if (!is_master)
			urls[n++] = xstrdup(now->v[i].text);
	}
	unsigned port = ldap_port_of(op, master);
	for (size_t i = 0; i < in->n_replicas; i++)
		urls[n++] = replica_url_for(in->replicas[i], port); /* duplicates are dropped below */
	char *err = NULL;
	char *list = ldapurl_install(murl, (const char *const *)urls, n, &err);
	for (size_t i = 0; i < n; i++)
		free(urls[i]);
	free(urls);
	free(err);
	ldapurl_list_free(masters);
	ldapurl_list_free(now);
	return list;
}

/* The FIRST entry of the master's ldap_master_url: the only one
 * ldapenablereplica.pl uses (the replica's ldap_master_url and the end of
 * its ldap_url). host_only: just its host, the master's own name. */
static char *master_first_url(struct operation *op, bool host_only)
{
	const char *murl = vars_get(operation_vars(op), operation_master(op), "ldap_master_url", false);
	struct ldapurl_list *l = murl ? ldapurl_list_parse(murl, LDAPURL_LENIENT, NULL) : NULL;
	char *out = l && l->n > 0 ? xstrdup(host_only ? l->v[0].host : l->v[0].text) : NULL;
	ldapurl_list_free(l);
	return out;
}

/* ---- the words of the procedure ---- */

static const char *v_bootstrap(struct operation *op, const char *node)
{
	const struct site_host *h = site_host(operation_site(op), node);
	return h ? h->bootstrap : NULL;
}

static const char *v_master(struct operation *op, const char *node)
{
	(void)node;
	return operation_master(op);
}

static const char *v_ldap_port(struct operation *op, const char *node)
{
	(void)node;
	return keep(data(op), xasprintf("%u", ldap_port_of(op, operation_master(op))));
}

/* ldap_bind_url: where the node's slapd binds now, its own name (not the
 * site's: an alias may be a name the node cannot bind) */
static const char *v_node_url(struct operation *op, const char *node)
{
	const char *own = vars_get(operation_vars(op), node, "zimbra_server_hostname", false);
	return own && *own ? keep(data(op), ldapurl_for_own(own, ldap_port_of(op, node))) : NULL;
}

static const char *v_replica_url(struct operation *op, const char *node)
{
	return keep(data(op), replica_url_for(node, ldap_port_of(op, operation_master(op))));
}

/* byte-identical to what the master has, so read from it */
static const char *v_master_url(struct operation *op, const char *node)
{
	(void)node;
	char *u = master_first_url(op, false);
	return u ? keep(data(op), u) : NULL;
}

/* the name the master calls itself: the replica must use it, whatever name
 * or address the site file gives the master */
static const char *v_master_ldap_host(struct operation *op, const char *node)
{
	(void)node;
	char *own = master_first_url(op, true);
	return own ? keep(data(op), own) : NULL;
}

/* the master's choice, for the replica's answers: setup.pl -c reads only
 * this key (ZIMBRA_REQ_SECURITY is the menu's), starts TLS with it and
 * derives ldap_starttls_supported, which makes ldapenablereplica.pl write
 * starttls=critical. 1 or 0 as Perl reads the value (unset, empty and "0"
 * are false). */
static const char *v_master_interprocess_security(struct operation *op, const char *node)
{
	(void)node;
	const char *sec = vars_get(operation_vars(op), operation_master(op),
				   "zimbra_require_interprocess_security", false);
	return sec ? (localconfig_flag(sec) ? "1" : "0") : NULL;
}

/* a resumed run's is the cut-short run's (journal_resumed) */
static const char *v_test_account(struct operation *op, const char *node)
{
	(void)node;
	struct vars *v = operation_vars(op);
	const char *local = vars_get(v, NULL, "test_account_local", false);
	const char *domain = vars_get(v, NULL, "domain", false);
	return local && domain ? keep(data(op), xasprintf("%s@%s", local, domain)) : NULL;
}

static const char *v_ldap_url_new(struct operation *op, const char *node)
{
	return keep(data(op), new_ldap_url(op, node));
}

static bool c_answer_queries(struct operation *op, const char *node)
{
	(void)node;
	return operation_options(op)->answer_queries;
}

static bool c_fetch_passwords(struct operation *op, const char *node)
{
	(void)node;
	return !data(op)->passwords_given;
}

/* ---- built-in: verify the passwords by binding to the master ---- */

struct bind_check {
	const char *dn;
	const char *secret;
	const char *what;
};

static const struct bind_check bind_checks[] = {
	{ "uid=zimbra,cn=admins,cn=zimbra", "zimbra_ldap_password", "Ldap Admin password (zimbra_ldap_password)" },
	{ "uid=zmreplica,cn=admins,cn=zimbra", "ldap_replication_password", "Ldap replication password" },
	{ "cn=config", "ldap_root_password", "Ldap root password (zmreplchk binds with it)" },
};

static void verify_next(struct operation *op);

void install_ldap_ca_source(struct operation *op)
{
	const char *master = operation_master(op);
	const struct site_host *h = master ? site_host(operation_site(op), master) : NULL;
	ldap_route_set_ca_source(data(op)->route, master ? operation_conn(op, master) : NULL, master,
				 h ? h->prefix : NULL);
}

struct ldap_route *install_ldap_route(const struct operation *op)
{
	return data(op)->route;
}

static void verify_done(void *ud, const struct ldapprobe_result *res)
{
	struct operation *op = ud;
	struct install *in = data(op);
	in->probe = NULL;
	const struct bind_check *c = &bind_checks[in->verify_next];
	if (!res->ok) {
		/* a wrong password; anything else says the master's LDAP did
		 * not answer the question at all, and why decides the hint */
		bool direct = ldap_route_direct(in->route);
		const char *hint =
			res->failure == LDAPPROBE_FAIL_TLS
				? " Check the CA that signed its certificate (--ldap-ca-file, [carbonio] ldap_ca_file)."
			: res->failure == LDAPPROBE_FAIL_CONTACT && direct
				? " Does this machine reach the master's LDAP port? Without --ldap-direct the"
				  " check goes through the master's SSH session."
			: res->failure == LDAPPROBE_FAIL_CONTACT
				? " Is slapd running on the master, listening where its ldap_master_url says?"
				: "";
		char *msg = res->failure == LDAPPROBE_FAIL_CREDENTIALS
			? xasprintf("%s does not bind as %s on the master: %s. Nothing was changed on the replica.",
				    c->what, c->dn, res->error ? res->error : "invalid credentials")
			: xasprintf("cannot check the %s on the master: %s.%s",
				    c->what, res->error ? res->error : "no answer", hint);
		struct plan_item *it = in->verify_item;
		in->verify_item = NULL;
		runner_builtin_done(in->runner, it, false, msg);
		free(msg);
		return;
	}
	in->verify_next++;
	verify_next(op);
}

static void verify_next(struct operation *op)
{
	struct install *in = data(op);
	if (in->verify_next == sizeof bind_checks / sizeof bind_checks[0]) {
		struct plan_item *it = in->verify_item;
		in->verify_item = NULL;
		runner_builtin_done(in->runner, it, true, "uid=zimbra, uid=zmreplica and cn=config bind on the master");
		return;
	}
	const struct bind_check *c = &bind_checks[in->verify_next];
	const char *master = operation_master(op);
	const char *url = vars_get(operation_vars(op), master, "ldap_master_url", false);
	const char *pw = vars_get(operation_vars(op), NULL, c->secret, true);
	if (!url || !pw) {
		char *msg = xasprintf("no %s to verify (%s)", !url ? "ldap_master_url" : "password", c->what);
		struct plan_item *it = in->verify_item;
		in->verify_item = NULL;
		runner_builtin_done(in->runner, it, false, msg);
		free(msg);
		return;
	}
	/* ldap_master_url may list several masters (MMR): bind to the first */
	char *first = xstrdup(url);
	char *space = strchr(first, ' ');
	if (space)
		*space = '\0';
	struct ldapprobe_request req = {
		.kind = LDAPPROBE_BIND,
		.url = first,
		.bind_dn = c->dn,
		.password = pw,
		.timeout_s = 10,
	};
	/* through the master's own session: the URL as the master reaches it */
	in->probe = ldap_route_probe_start(in->route, operation_conn(op, master), &req, verify_done, op);
	free(first);
	if (!in->probe) {
		struct plan_item *it = in->verify_item;
		in->verify_item = NULL;
		runner_builtin_done(in->runner, it, false, "cannot start the LDAP check");
	}
}

static void verify_passwords(struct operation *op, struct runner *r, struct plan_item *it)
{
	struct install *in = data(op);
	in->runner = r;
	in->verify_item = it;
	in->verify_next = 0;
	install_ldap_ca_source(op);
	verify_next(op);
}

/* Abort or free mid-verification: the probe is dropped unheard. */
static void builtin_cancel(struct operation *op, struct plan_item *it)
{
	struct install *in = data(op);
	if (in->verify_item != it)
		return;
	in->verify_item = NULL;
	ldap_route_probe_cancel(in->probe);
	in->probe = NULL;
}

static void journal_started(struct operation *op);
static bool journal_resumed(struct operation *op, const struct journal_run *earlier, char *err,
			    size_t errlen);

static const struct operation_word words[] = {
	WORD_VAR("prefix", true, carbonio_word_prefix),
	WORD_VAR("bootstrap", true, v_bootstrap),
	WORD_VAR("node", true, carbonio_word_node),
	WORD_VAR("replica", true, carbonio_word_node),
	WORD_VAR("node_url", true, v_node_url),
	WORD_VAR("replica_url", true, v_replica_url),
	WORD_VAR("ldap_url_new", true, v_ldap_url_new),
	WORD_VAR("master", false, v_master),
	WORD_VAR("ldap_port", false, v_ldap_port),
	WORD_VAR("master_url", false, v_master_url),
	WORD_VAR("master_ldap_host", false, v_master_ldap_host),
	WORD_VAR("master_interprocess_security", false, v_master_interprocess_security),
	WORD_VAR("test_account", false, v_test_account),
	WORD_FACT("zimbra_server_hostname"),
	WORD_FACT("systemd_targets"),
	WORD_SECRET("zimbra_ldap_password"),
	WORD_SECRET("ldap_root_password"),
	WORD_SECRET("ldap_replication_password"),
	WORD_SECRET("ldap_postfix_password"),
	WORD_SECRET("ldap_amavis_password"),
	WORD_SECRET("ldap_nginx_password"),
	WORD_SECRET("test_account_password"),
	WORD_COND("answer_queries", false, c_answer_queries),
	WORD_COND("fetch_passwords", false, c_fetch_passwords),
	WORD_COND("systemd", true, carbonio_word_systemd),
	WORD_COND("zmcontrol", true, carbonio_word_zmcontrol),
	WORD_COND("runs_slapd", true, carbonio_word_runs_slapd),
	WORD_COND("mta", true, carbonio_word_mta),
	WORD_BUILTIN(ALLSERVERS_BUILTIN, allservers_check),
	WORD_BUILTIN("verify-ldap-passwords", verify_passwords),
};

const struct operation_kind install_kind = {
	.procedure = "install-replica",
	.words = words,
	.n_words = sizeof words / sizeof words[0],
	.parallel_preflight = true,
	/* Each replica's package, bootstrap, wait and checks run side by side.
	 * Two bootstraps against one master at once are safe (carbonio-core-
	 * utils setup.pl and ldapenablereplica.pl): on the master a replica's
	 * bootstrap only binds and reads (verifyLdap, zmcertmgr createca
	 * without -new downloads the CA), writes its OWN server entry (zmprov
	 * cs/ms HOSTNAME: zimbraIPMode, zimbraServiceInstalled/Enabled,
	 * +zimbraServiceEnabled ldap), and rewrites global config attributes
	 * with the same value from every replica (zmprov mcf zimbraSSLDHParam,
	 * zimbraLDAPSchemaVersion, zimbraSkinLogoURL; zmcertmgr deployca saves
	 * the CA it downloaded). The master's cn=config is not touched: the
	 * olcSyncrepl (provider = ldap_master_url) goes into the replica's own
	 * slapd through its ldapi socket, and the master's accesslog/syncprov
	 * were added by enable-replication, a master step every replica waits
	 * for. What overlaps is the same-value mcf writes (LDAP replace, atomic
	 * per entry: last writer wins with the same value) and two syncrepl
	 * consumers' first refresh from the master. DOCREATEDOMAIN=no keeps the
	 * bootstrap from pointing zimbraDefaultDomainName at a domain of its
	 * own. Lab t/31 runs the two bootstraps at once. */
	.side_by_side = PROC_NODE_REPLICA,
	.build_plan = build_plan,
	.scope = scope,
	.builtin_cancel = builtin_cancel,
	.prepare = prepare,
	.journal_started = journal_started,
	.journal_resumed = journal_resumed,
};

static void journal_started(struct operation *op)
{
	struct journal *j = operation_journal(op);
	if (j && !operation_resumed_run(op))
		journal_var(j, "test_account_local",
			    vars_get(operation_vars(op), NULL, "test_account_local", false));
}

/* The resumed run creates, waits for and deletes the account the cut-short
 * one may have made: its name, checked, since it reaches zmprov. */
static bool journal_resumed(struct operation *op, const struct journal_run *earlier, char *err,
			    size_t errlen)
{
	const char *local = journal_run_var(earlier, "test_account_local");
	if (!check_name_valid(local, RANDTOK_LOWER)) {
		char *shown = local ? validate_quote(local, 40) : NULL;
		snprintf(err, errlen, "test_account_local is %s%s%s, not a test account name this program "
			 "makes (%s and %d lower-case letters or digits)", shown ? "\"" : "missing",
			 shown ? shown : "", shown ? "\"" : "", CHECK_NAME_PREFIX, CHECK_NAME_TOKEN_LEN);
		free(shown);
		return false;
	}
	vars_set(operation_vars(op), NULL, "test_account_local", local, false);
	return true;
}

void install_set_password(struct operation *op, const char *name, const char *value)
{
	vars_set(operation_vars(op), NULL, name, value, true);
}

const char *install_password(const struct operation *op, const char *name)
{
	return vars_get(operation_vars(op), NULL, name, true);
}
