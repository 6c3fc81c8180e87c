/* The site's servers as the master's directory knows them: see
 * discover_plan.h. */
#include "discover_plan.h"

#include <stdlib.h>
#include <string.h>

#include "dirservers.h"
#include "site.h"
#include "xalloc.h"

static const struct {
	const char *key, *after;
	enum site_role role;
} lists[DISCOVER_LISTS] = {
	[DISCOVER_REPLICAS] = { "replicas", "master", SITE_ROLE_REPLICA },
	[DISCOVER_MTA] = { "mta", "replicas master", SITE_ROLE_MTA },
	[DISCOVER_OTHER_NODES] = { "other_nodes", "mta replicas master", SITE_ROLE_OTHER },
};

static bool in_hosts(const char *name, const char *const *hosts, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (hosts[i] && dirservers_same_host(name, hosts[i]))
			return true;
	return false;
}

/* The name a node of the file calls itself, when it was read. */
static const char *own_name(const struct discover_input *in, const char *name)
{
	for (size_t i = 0; in->own_names && i < in->n_own_names; i++)
		if (in->own_names[i].hostname && dirservers_same_host(in->own_names[i].name, name))
			return in->own_names[i].hostname;
	return NULL;
}

/* Is a name of the file the directory's server s? */
static bool is_server(const struct discover_input *in, const char *name, const char *server)
{
	const char *own = own_name(in, name);
	return dirservers_same_host(name, server) || (own && dirservers_same_host(own, server));
}

/* The server a name of the file is, or -1. */
static long server_of(const struct discover_plan *p, const struct discover_input *in, const char *name)
{
	for (size_t i = 0; i < p->n_servers; i++)
		if (is_server(in, name, p->servers[i].name) || dirservers_same_host(name, p->servers[i].site_name))
			return (long)i;
	return -1;
}

/* The file's name for server s: the first of its Carbonio lists that names it. */
static const char *file_name(const struct site *site, const struct discover_input *in, const char *server)
{
	static const enum site_role roles[] = { SITE_ROLE_REPLICA, SITE_ROLE_MTA, SITE_ROLE_OTHER };
	for (size_t r = 0; r < sizeof roles / sizeof roles[0]; r++) {
		size_t n;
		const char *const *v = site_list(site, roles[r], &n);
		for (size_t i = 0; i < n; i++)
			if (is_server(in, v[i], server))
				return v[i];
	}
	return server;
}

static void classify(struct discover_plan *p, const struct site *site, const struct discover_input *in)
{
	size_t nm;
	const char *const *m = site_list(site, SITE_ROLE_MASTER, &nm);
	const char *site_master = nm ? m[0] : NULL;
	const struct dirservers *d = in->servers;

	p->master = -1;
	p->servers = xcalloc(d->n + 1, sizeof *p->servers);
	p->n_servers = d->n;
	/* the master first, by its site name, then by the name it calls itself */
	for (size_t i = 0; i < d->n && p->master < 0 && site_master; i++)
		if (dirservers_same_host(d->v[i].name, site_master))
			p->master = (long)i;
	for (size_t i = 0; i < d->n && p->master < 0 && in->master_hostname; i++)
		if (dirservers_same_host(d->v[i].name, in->master_hostname))
			p->master = (long)i;

	for (size_t i = 0; i < d->n; i++) {
		const struct dirserver *s = &d->v[i];
		struct discover_server *o = &p->servers[i];
		o->name = s->name;
		o->services = dirserver_roles(s);
		o->site_name = xstrdup((long)i == p->master ? site_master : file_name(site, in, s->name));
		const struct site_host *h = site_host(site, o->site_name);
		o->old_roles = h ? h->roles : 0;
		bool mta = dirserver_has(s, "mta");
		if ((long)i == p->master) {
			o->roles = SITE_ROLE_MASTER | (mta ? SITE_ROLE_MTA : 0);
			continue;
		}
		if (in_hosts(s->name, in->master_url_hosts, in->n_master_url_hosts)) {
			o->roles = SITE_ROLE_OTHER | (mta ? SITE_ROLE_MTA : 0);
			o->note = DISCOVER_NOTE_OTHER_MASTER;
			continue;
		}
		bool directory = dirserver_has(s, "directory-server") || dirserver_has(s, "ldap");
		bool listed = in_hosts(s->name, in->url_hosts, in->n_url_hosts);
		if (directory || listed) {
			o->roles = SITE_ROLE_REPLICA;
			o->note = directory ? DISCOVER_NOTE_NONE : DISCOVER_NOTE_LDAP_URL_ONLY;
		} else if (!mta)
			o->roles = SITE_ROLE_OTHER;
		if (mta)
			o->roles |= SITE_ROLE_MTA;
	}
}

static void add_stale(struct discover_plan *p, const struct site *site, const char *name, unsigned role,
		      bool prune)
{
	for (size_t i = 0; i < p->n_stale; i++)
		if (dirservers_same_host(p->stale[i].name, name)) {
			p->stale[i].roles |= role;
			return;
		}
	p->stale = xrealloc(p->stale, (p->n_stale + 1) * sizeof *p->stale);
	const struct site_host *h = site_host(site, name);
	p->stale[p->n_stale++] = (struct discover_stale){
		.name = xstrdup(name),
		.roles = role,
		.pruned = prune,
		/* a Dovecot server (or the master) keeps its section */
		.drop_section = prune && h && !(h->roles & (SITE_ROLE_MASTER | SITE_ROLE_DOVECOT)),
	};
}

static void append(char **list, const char *name)
{
	char *n = xasprintf("%s%s%s", *list, **list ? " " : "", name);
	free(*list);
	*list = n;
}

/* Is name already in the space separated list (as the same host)? */
static bool listed(const char *list, const char *name)
{
	char *copy = xstrdup(list), *save = NULL;
	bool found = false;
	for (char *w = strtok_r(copy, " ", &save); w && !found; w = strtok_r(NULL, " ", &save))
		found = dirservers_same_host(w, name);
	free(copy);
	return found;
}

/* Normalise a written value for comparison: words joined by one space. */
static char *words(const char *v)
{
	char *out = xstrdup(""), *copy = xstrdup(v ? v : ""), *save = NULL;
	for (char *w = strtok_r(copy, " \t", &save); w; w = strtok_r(NULL, " \t", &save))
		append(&out, w);
	free(copy);
	return out;
}

struct discover_plan *discover_plan_new(const struct site *site, const struct discover_input *in, bool prune)
{
	struct discover_plan *p = xcalloc(1, sizeof *p);
	classify(p, site, in);
	for (int l = 0; l < DISCOVER_LISTS; l++) {
		struct discover_change *c = &p->lists[l];
		size_t n;
		const char *const *names = site_list(site, lists[l].role, &n);
		const char *old = site_get(site, "carbonio", lists[l].key);
		c->key = lists[l].key;
		c->after_key = lists[l].after;
		c->old_value = old ? xstrdup(old) : NULL;
		c->new_value = xstrdup("");
		/* the file's names first, in its order: kept while the directory
		 * gives them this role, or when it does not know them at all */
		for (size_t i = 0; i < n; i++) {
			long s = server_of(p, in, names[i]);
			if (s < 0) {
				add_stale(p, site, names[i], lists[l].role, prune);
				if (prune)
					continue;
			} else if (!(p->servers[s].roles & lists[l].role))
				continue;
			if (!listed(c->new_value, names[i]))
				append(&c->new_value, names[i]);
		}
		for (size_t i = 0; i < p->n_servers; i++) {
			const struct discover_server *s = &p->servers[i];
			if ((s->roles & lists[l].role) && !listed(c->new_value, s->site_name))
				append(&c->new_value, s->site_name);
		}
		char *before = words(old);
		c->changed = strcmp(before, c->new_value) != 0 && (old || *c->new_value);
		free(before);
	}
	return p;
}

bool discover_plan_changed(const struct discover_plan *p)
{
	for (int l = 0; l < DISCOVER_LISTS; l++)
		if (p->lists[l].changed)
			return true;
	for (size_t i = 0; i < p->n_stale; i++)
		if (p->stale[i].drop_section)
			return true;
	return false;
}

void discover_plan_free(struct discover_plan *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n_servers; i++) {
		free(p->servers[i].site_name);
		free(p->servers[i].services);
	}
	free(p->servers);
	for (size_t i = 0; i < p->n_stale; i++)
		free(p->stale[i].name);
	free(p->stale);
	for (int l = 0; l < DISCOVER_LISTS; l++) {
		free(p->lists[l].old_value);
		free(p->lists[l].new_value);
	}
	free(p);
}

const char *discover_note_text(enum discover_note n)
{
	switch (n) {
	case DISCOVER_NOTE_OTHER_MASTER:
		return "another LDAP master (the master's ldap_master_url lists it): not a replica";
	case DISCOVER_NOTE_LDAP_URL_ONLY:
		return "a replica because the master's ldap_url lists it, though neither directory-server "
		       "nor ldap is in its enabled services";
	default:
		return "";
	}
}
