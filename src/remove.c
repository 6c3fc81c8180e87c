/* The remove procedure's side of an operation: which nodes take part and in
 * which order, each node's new ldap_url computed from what the node really
 * has (read in preflight, never assumed), the before/after table shown
 * before anything changes, and the refusals (removing the master, a result
 * that would be empty or master-less). */
#include "remove.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "allservers.h"
#include "carbonio_words.h"
#include "journal.h"
#include "ldapurl.h"
#include "operation.h"
#include "procedure.h"
#include "runner.h"
#include "site.h"
#include "vars.h"
#include "xalloc.h"

/* ---- the pure part ---- */

static void add_flag(char **flag, char *text)
{
	if (!*flag) {
		*flag = text;
		return;
	}
	char *joined = xasprintf("%s; %s", *flag, text);
	free(*flag);
	free(text);
	*flag = joined;
}

/* Does the value end with master_url as its last entries? */
static bool ends_with_master(const char *value, const char *master_url)
{
	size_t n = strlen(value), m = strlen(master_url);
	if (m == 0 || n < m || strcmp(value + n - m, master_url) != 0)
		return false;
	return n == m || value[n - m - 1] == ' ';
}

/* The first entry of a list names host? */
static bool first_is(const char *value, const char *host)
{
	struct ldapurl_list *l = ldapurl_list_parse(value, LDAPURL_LENIENT, NULL);
	bool yes = l && l->n > 0 && strcasecmp(l->v[0].host, host) == 0;
	ldapurl_list_free(l);
	return yes;
}

static void disagreements(const struct remove_node_in *in, const char *master_url,
			  const char *master_ldap_url, struct remove_node_out *o)
{
	if (in->ldap_master_url && strcmp(in->ldap_master_url, master_url) != 0)
		add_flag(&o->flag, xasprintf("its ldap_master_url \"%s\" is not the master's \"%s\"",
					     in->ldap_master_url, master_url));
	char *err = NULL;
	struct ldapurl_list *strict = ldapurl_list_parse(in->ldap_url, LDAPURL_STRICT, &err);
	if (!strict)
		add_flag(&o->flag, xasprintf("zmreplchk would misread its ldap_url: %s", err ? err : "invalid"));
	ldapurl_list_free(strict);
	free(err);
	if (!ends_with_master(in->ldap_url, master_url))
		add_flag(&o->flag, xasprintf("its ldap_url does not end with the master (%s)", master_url));
	if (in->roles & SITE_ROLE_REPLICA) {
		if (!first_is(in->ldap_url, in->name))
			add_flag(&o->flag, xasprintf("a replica's ldap_url lists itself first; this one does not"));
	} else if (!(in->roles & SITE_ROLE_MASTER) && master_ldap_url &&
		   strcmp(in->ldap_url, master_ldap_url) != 0) {
		add_flag(&o->flag, xasprintf("its ldap_url differs from the master's"));
	}
}

bool remove_compute(const struct remove_node_in *in, size_t n, const char *master_url,
		    const char *const targets[], size_t ntargets, struct remove_node_out *out)
{
	bool ok = true;
	const char *master_ldap_url = NULL;
	for (size_t i = 0; i < n; i++)
		if ((in[i].roles & SITE_ROLE_MASTER) && in[i].ldap_url)
			master_ldap_url = in[i].ldap_url;

	for (size_t i = 0; i < n; i++) {
		struct remove_node_out *o = &out[i];
		memset(o, 0, sizeof *o);
		if (in[i].removed && !in[i].decommission)
			continue; /* left as it is, and not contacted */
		if (!in[i].ldap_url) {
			o->error = xstrdup("its ldap_url could not be read");
			ok = false;
			continue;
		}
		if (!master_url || !*master_url) {
			o->error = xstrdup("the master has no ldap_master_url");
			ok = false;
			continue;
		}
		disagreements(&in[i], master_url, master_ldap_url, o);
		char *err = NULL;
		char *after = ldapurl_remove(in[i].ldap_url, master_url, targets, ntargets, &err);
		if (!after) {
			o->error = err ? err : xstrdup("cannot compute the new ldap_url");
			ok = false;
			continue;
		}
		free(err);
		/* ldapurl_remove always ends with the master; never trust it blindly
		 * with a node's directory access */
		if (!*after || !ends_with_master(after, master_url)) {
			o->error = xasprintf("the new ldap_url \"%s\" would not end with the master", after);
			free(after);
			ok = false;
			continue;
		}
		o->changes = strcmp(after, in[i].ldap_url) != 0;
		o->after = after;
	}
	return ok;
}

void remove_node_out_clear(struct remove_node_out *o)
{
	if (!o)
		return;
	free(o->after);
	free(o->flag);
	free(o->error);
	memset(o, 0, sizeof *o);
}

struct lines {
	char **v;
	size_t n;
};

static void push(struct lines *l, char *line)
{
	l->v = xrealloc(l->v, (l->n + 2) * sizeof *l->v);
	l->v[l->n++] = line;
	l->v[l->n] = NULL;
}

char **remove_table(const struct remove_node_in *in, const struct remove_node_out *out, size_t n,
		    const char *const restart[])
{
	struct lines l = { 0 };
	size_t changing = 0, flagged = 0;
	push(&l, xstrdup("ldap_url of every node, now and after the removal:"));
	for (size_t i = 0; i < n; i++) {
		char roles[128];
		site_roles_format(in[i].roles, roles, sizeof roles);
		push(&l, xasprintf("%s (%s%s)", in[i].name, roles,
				   in[i].removed ? in[i].decommission ? ", removed, decommissioned" : ", removed" : ""));
		if (in[i].removed && !in[i].decommission) {
			push(&l, xstrdup("    not contacted: its own ldap_url stays (--disable-ldap decommissions it)"));
			continue;
		}
		push(&l, xasprintf("    now:   %s", in[i].ldap_url ? in[i].ldap_url : "(not read)"));
		if (out[i].error) {
			push(&l, xasprintf("    REFUSED: %s", out[i].error));
		} else if (out[i].changes) {
			changing++;
			push(&l, xasprintf("    after: %s", out[i].after));
			if (restart && restart[i] && *restart[i])
				push(&l, xasprintf("    then:  %s", restart[i]));
		} else {
			push(&l, xstrdup("    after: (unchanged)"));
		}
		if (out[i].flag) {
			flagged++;
			push(&l, xasprintf("    DISAGREES: %s", out[i].flag));
		}
	}
	push(&l, xasprintf("%zu node(s) change, %zu disagree with the master.", changing, flagged));
	return l.v;
}

void remove_table_free(char **lines)
{
	if (!lines)
		return;
	for (char **p = lines; *p; p++)
		free(*p);
	free(lines);
}

/* ---- the operation kind ---- */

/* A Carbonio node taking part, with its class (enum proc_node bits). */
struct remove_node {
	const char *name;
	unsigned cls;
};

struct remove {
	const char **targets;
	size_t n_targets;
	char *removed;              /* targets joined with spaces */
	struct remove_node *nodes;  /* in run order */
	size_t n_nodes;
	char *scratch;              /* last computed value handed to a template */
};

static void remove_data_free(void *p)
{
	struct remove *rm = p;
	if (!rm)
		return;
	free(rm->targets);
	free(rm->removed);
	free(rm->nodes);
	free(rm->scratch);
	free(rm);
}

static struct remove *data(const struct operation *op)
{
	return operation_kind_data(op);
}

static const char *master_name(const struct operation *op)
{
	size_t n = 0;
	const char *const *m = site_list(operation_site(op), SITE_ROLE_MASTER, &n);
	return n ? m[0] : NULL;
}

static bool is_target(const struct remove *rm, const char *name)
{
	for (size_t i = 0; i < rm->n_targets; i++)
		if (strcasecmp(rm->targets[i], name) == 0)
			return true;
	return false;
}

static const unsigned carbonio_roles =
	SITE_ROLE_MASTER | SITE_ROLE_REPLICA | SITE_ROLE_MTA | SITE_ROLE_OTHER;

/* Where a node goes in the run: the master first (its slapd must answer
 * before the others restart), the replicas that stay, the other nodes, the
 * MTA nodes, the removed replicas last (once nobody points at them). */
static int rank(unsigned cls)
{
	if (cls & PROC_NODE_MASTER)
		return 0;
	if (cls & PROC_NODE_REPLICA)
		return 1;
	if (cls & PROC_NODE_OTHER)
		return 2;
	if (cls & PROC_NODE_MTA)
		return 3;
	return 4;
}

static void prepare(struct operation *op)
{
	struct remove *rm = xcalloc(1, sizeof *rm);
	const struct operation_options *o = operation_options(op);
	struct site *site = operation_site(op);
	rm->targets = xcalloc(o->n_only + 1, sizeof *rm->targets);
	size_t len = 1;
	for (size_t i = 0; i < o->n_only; i++) {
		rm->targets[i] = o->only[i];
		len += strlen(o->only[i]) + 1;
	}
	rm->n_targets = o->n_only;
	rm->removed = xcalloc(1, len);
	for (size_t i = 0; i < rm->n_targets; i++) {
		if (i)
			strcat(rm->removed, " ");
		strcat(rm->removed, rm->targets[i]);
	}

	size_t nh = site_host_count(site);
	rm->nodes = xcalloc(nh + 1, sizeof *rm->nodes);
	for (int r = 0; r <= 4; r++) {
		for (size_t i = 0; i < nh; i++) {
			const struct site_host *h = site_host_at(site, i);
			if (!(h->roles & carbonio_roles))
				continue;
			unsigned cls = 0;
			if (is_target(rm, h->name)) {
				/* a dead replica can be removed: contact it only to
				 * decommission it */
				if (!o->disable_ldap)
					continue;
				cls = PROC_NODE_REMOVED;
			} else {
				if (h->roles & SITE_ROLE_MASTER)
					cls |= PROC_NODE_MASTER;
				if (h->roles & SITE_ROLE_REPLICA)
					cls |= PROC_NODE_REPLICA;
				if (h->roles & SITE_ROLE_MTA)
					cls |= PROC_NODE_MTA;
				if (h->roles & SITE_ROLE_OTHER)
					cls |= PROC_NODE_OTHER;
			}
			if (rank(cls) != r)
				continue;
			rm->nodes[rm->n_nodes].name = h->name;
			rm->nodes[rm->n_nodes].cls = cls;
			rm->n_nodes++;
		}
	}
	operation_set_kind_data(op, rm, remove_data_free);
}

static const struct remove_node *node_of(const struct remove *rm, const char *name)
{
	for (size_t i = 0; name && i < rm->n_nodes; i++)
		if (strcmp(rm->nodes[i].name, name) == 0)
			return &rm->nodes[i];
	return NULL;
}

static void build_plan(struct operation *op)
{
	struct remove *rm = data(op);
	const struct procedure *proc = operation_procedure(op);
	const char *master = master_name(op);

	/* preflight: every check on every node, then the table */
	for (size_t s = 0; s < proc->n_steps; s++) {
		const struct proc_step *st = &proc->steps[s];
		if (!st->phase)
			continue;
		if (st->builtin) {
			operation_plan_step(op, st->id, master);
			continue;
		}
		for (size_t i = 0; i < rm->n_nodes; i++)
			if (st->nodes & rm->nodes[i].cls)
				operation_plan_step(op, st->id, rm->nodes[i].name);
	}
	/* the change: node by node, so each node is done (restarted, checked)
	 * before the next one is touched */
	for (size_t i = 0; i < rm->n_nodes; i++)
		for (size_t s = 0; s < proc->n_steps; s++) {
			const struct proc_step *st = &proc->steps[s];
			if (!st->phase && st->nodes != PROC_NODE_MASTER && (st->nodes & rm->nodes[i].cls))
				operation_plan_step(op, st->id, rm->nodes[i].name);
		}
	/* the master-only checks last (zmreplchk) */
	for (size_t s = 0; s < proc->n_steps; s++) {
		const struct proc_step *st = &proc->steps[s];
		if (!st->phase && st->nodes == PROC_NODE_MASTER)
			operation_plan_step(op, st->id, master);
	}
}

static char *scope(struct operation *op)
{
	struct remove *rm = data(op);
	return xasprintf("replicas=%s%s", rm->removed,
			 operation_options(op)->disable_ldap ? " +disable-ldap" : "");
}

static const char *keep(struct remove *rm, char *value)
{
	free(rm->scratch);
	rm->scratch = value;
	return value;
}

static const char *master_url_of(const struct operation *op)
{
	const char *m = master_name(op);
	return m ? vars_get(operation_vars(op), m, "ldap_master_url", false) : NULL;
}

/* The node's new ldap_url (allocated), from the value read in preflight;
 * NULL before the preflight or when refused. */
static char *new_ldap_url(struct operation *op, const char *node)
{
	struct remove *rm = data(op);
	const struct remove_node *n = node_of(rm, node);
	const char *murl = master_url_of(op);
	const char *cur = n ? vars_get(operation_vars(op), node, "ldap_url", false) : NULL;
	if (!cur || !murl)
		return NULL;
	char *err = NULL;
	char *after = ldapurl_remove(cur, murl, rm->targets, rm->n_targets, &err);
	free(err);
	if (after && !ends_with_master(after, murl)) {
		free(after);
		after = NULL;
	}
	return after;
}

/* ---- the words of the procedure ---- */

static const char *v_master(struct operation *op, const char *node)
{
	(void)node;
	return master_name(op);
}

/* ldap_bind_url: where the node's slapd binds now, its own name (not the
 * site's: an alias may be a name the node cannot bind) */
static const char *v_node_url(struct operation *op, const char *node)
{
	const struct site_host *h = site_host(operation_site(op), node);
	const char *own = vars_get(operation_vars(op), node, "zimbra_server_hostname", false);
	return h && own && *own ? keep(data(op), ldapurl_for_own(own, h->ldap_port)) : NULL;
}

static const char *v_master_url(struct operation *op, const char *node)
{
	(void)node;
	return master_url_of(op);
}

static const char *v_removed(struct operation *op, const char *node)
{
	(void)node;
	return data(op)->removed;
}

static const char *v_ldap_url_new(struct operation *op, const char *node)
{
	char *after = new_ldap_url(op, node);
	return after ? keep(data(op), after) : NULL;
}

static bool c_disable_ldap(struct operation *op, const char *node)
{
	(void)node;
	return operation_options(op)->disable_ldap;
}

/* A resumed run finishes a node the cut-short run already changed (its
 * value reads "unchanged" now): a step this condition guards was done
 * there, so it held then. */
static bool changed_by_resumed_run(struct operation *op, const char *node)
{
	const struct journal_run *rr = operation_resumed_run(op);
	const struct procedure *proc = operation_procedure(op);
	for (size_t s = 0; rr && s < proc->n_steps; s++)
		for (size_t w = 0; w < proc->steps[s].n_when; w++)
			if (strcmp(proc->steps[s].when[w], "ldap_url_changes") == 0 &&
			    journal_run_done(rr, proc->steps[s].id, node))
				return true;
	return false;
}

static bool c_ldap_url_changes(struct operation *op, const char *node)
{
	if (changed_by_resumed_run(op, node))
		return true;
	const char *cur = vars_get(operation_vars(op), node, "ldap_url", false);
	char *after = new_ldap_url(op, node);
	bool changes = after && cur && strcmp(after, cur) != 0;
	free(after);
	return changes;
}

/* ---- built-in: the before/after table ---- */

static const char *restart_text(struct operation *op, const char *node, bool removed)
{
	const char *sm = vars_get(operation_vars(op), node, "service_manager", false);
	bool systemd = sm && strcmp(sm, "systemd") == 0;
	if (removed)
		return systemd ? "take ldap out of zimbraServiceEnabled, then systemctl disable --now "
				 "carbonio-directory-server.target and carbonio-openldap.service (down after a reboot too)"
			       : "take ldap out of zimbraServiceEnabled, then stop slapd (ldap stop)";
	return systemd ? "services restart (systemctl restart of the enabled targets)"
		       : "services restart (zmcontrol restart)";
}

static void plan_ldap_url(struct operation *op, struct runner *r, struct plan_item *it)
{
	struct remove *rm = data(op);
	struct site *site = operation_site(op);
	struct vars *v = operation_vars(op);
	size_t nh = site_host_count(site), n = 0;
	struct remove_node_in *in = xcalloc(nh + 1, sizeof *in);
	struct remove_node_out *out = xcalloc(nh + 1, sizeof *out);
	const char **restart = xcalloc(nh + 1, sizeof *restart);
	const char *murl = master_url_of(op);

	for (size_t i = 0; i < nh; i++) {
		const struct site_host *h = site_host_at(site, i);
		if (!(h->roles & carbonio_roles))
			continue;
		const struct remove_node *rn = node_of(rm, h->name);
		in[n].name = h->name;
		in[n].roles = h->roles;
		in[n].removed = is_target(rm, h->name);
		in[n].decommission = in[n].removed && operation_options(op)->disable_ldap;
		if (rn) {
			in[n].ldap_url = vars_get(v, h->name, "ldap_url", false);
			in[n].ldap_master_url = vars_get(v, h->name, "ldap_master_url", false);
		}
		n++;
	}
	bool ok = remove_compute(in, n, murl, rm->targets, rm->n_targets, out);
	size_t changing = 0, flagged = 0, refused = 0;
	for (size_t i = 0; i < n; i++) {
		if (out[i].changes)
			restart[i] = restart_text(op, in[i].name, in[i].removed);
		changing += out[i].changes;
		flagged += out[i].flag != NULL;
		refused += out[i].error != NULL;
	}
	char **lines = remove_table(in, out, n, restart);
	for (char **p = lines; *p; p++)
		operation_output(op, it, *p);
	remove_table_free(lines);

	char *msg = ok ? xasprintf("%zu node(s) change, %zu disagree with the master", changing, flagged)
		       : xasprintf("refused on %zu node(s) (see REFUSED above); nothing was changed", refused);
	for (size_t i = 0; i < n; i++)
		remove_node_out_clear(&out[i]);
	free(in);
	free(out);
	free(restart);
	runner_builtin_done(r, it, ok, msg);
	free(msg);
}

static const struct operation_word words[] = {
	WORD_VAR("prefix", true, carbonio_word_prefix),
	WORD_VAR("node", true, carbonio_word_node),
	WORD_VAR("node_url", true, v_node_url),
	WORD_VAR("ldap_url_new", true, v_ldap_url_new),
	WORD_VAR("master", false, v_master),
	WORD_VAR("master_url", false, v_master_url),
	WORD_VAR("removed", false, v_removed),
	WORD_FACT("zimbra_server_hostname"),
	WORD_FACT("systemd_targets"),
	WORD_COND("disable_ldap", false, c_disable_ldap),
	WORD_COND("ldap_url_changes", true, c_ldap_url_changes),
	WORD_COND("systemd", true, carbonio_word_systemd),
	WORD_COND("zmcontrol", true, carbonio_word_zmcontrol),
	WORD_COND("runs_slapd", true, carbonio_word_runs_slapd),
	WORD_COND("mta", true, carbonio_word_mta),
	WORD_BUILTIN(ALLSERVERS_BUILTIN, allservers_check),
	WORD_BUILTIN("plan-ldap-url", plan_ldap_url),
};

const struct operation_kind remove_kind = {
	.procedure = "remove-replica",
	.words = words,
	.n_words = sizeof words / sizeof words[0],
	.parallel_preflight = true,
	.build_plan = build_plan,
	.scope = scope,
	.prepare = prepare,
};

/* After a complete removal: the removed replicas leave [carbonio] replicas,
 * and their [host NAME] section goes too unless another role keeps the node
 * (the site file would not validate otherwise). */
char *remove_update_site(const char *path, const char *const *removed, size_t n_removed, bool *ok)
{
	struct site_error se;
	char buf[2048];
	char *msg = NULL, *list = NULL;
	*ok = false;
	if (!path)
		return xstrdup("no site file: nothing to update");
	struct site *site = site_load(path, &se);
	if (!site)
		return xasprintf("the site file was NOT updated: %s", site_error_format(&se, buf, sizeof buf));
	size_t n = 0, kept = 0;
	const char *const *reps = site_list(site, SITE_ROLE_REPLICA, &n);
	list = xstrdup("");
	for (size_t i = 0; i < n; i++) {
		bool gone = false;
		for (size_t k = 0; k < n_removed; k++)
			gone |= strcasecmp(reps[i], removed[k]) == 0;
		if (gone)
			continue;
		char *next = xasprintf("%s%s%s", list, kept++ ? " " : "", reps[i]);
		free(list);
		list = next;
	}
	if (kept == n) {
		*ok = true;
		msg = xasprintf("site file %s already lists none of them: replicas = %s", path,
				kept ? list : "(none)");
		goto out;
	}
	bool *drop = xcalloc(n_removed + 1, sizeof *drop);
	for (size_t k = 0; k < n_removed; k++) {
		const struct site_host *h = site_host(site, removed[k]);
		drop[k] = h && !(h->roles & ~(unsigned)SITE_ROLE_REPLICA);
	}
	bool set = site_set(site, "carbonio", "replicas", kept ? list : NULL, &se);
	for (size_t k = 0; set && k < n_removed; k++)
		if (drop[k])
			site_remove_host_section(site, removed[k]);
	free(drop);
	if (set && site_validate(site, &se) && site_write(site, path, &se) == 0) {
		*ok = true;
		msg = xasprintf("site file %s updated: replicas = %s", path, kept ? list : "(none)");
	} else
		msg = xasprintf("the nodes are done, but the site file was NOT updated: %s",
				site_error_format(&se, buf, sizeof buf));
out:
	free(list);
	site_free(site);
	return msg;
}
