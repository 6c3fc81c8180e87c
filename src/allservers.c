/* Every server of the installation: see allservers.h. */
#include "allservers.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dirservers.h"
#include "site.h"
#include "vars.h"
#include "xalloc.h"

static const unsigned carbonio_roles =
	SITE_ROLE_MASTER | SITE_ROLE_REPLICA | SITE_ROLE_MTA | SITE_ROLE_OTHER;

/* The name a node calls itself, read in an earlier preflight step. */
static const char *own_name(struct operation *op, const char *node)
{
	const char *h = vars_get(operation_vars(op), node, "zimbra_server_hostname", false);
	if (!h || !*h)
		h = vars_get(operation_vars(op), node, "replica_hostname", false);
	return h && *h ? h : NULL;
}

static void list_servers(struct operation *op, struct plan_item *it, const struct dirservers *d,
			 const struct dirservers_node *site, const enum dirserver_status *status,
			 const long *named)
{
	char *head = xasprintf("The master's directory lists %zu server(s):", d->n);
	operation_output(op, it, head);
	free(head);
	for (size_t i = 0; i < d->n; i++) {
		char *roles = dirserver_roles(&d->v[i]);
		char *how;
		if (status[i] == DIRSERVER_NAMED)
			how = strcmp(site[named[i]].name, d->v[i].name) == 0
				? xstrdup("in the site file")
				: xasprintf("in the site file as %s", site[named[i]].name);
		else if (status[i] == DIRSERVER_SKIPPED)
			how = xstrdup("NOT in the site file: skipped, left as it is");
		else
			how = xstrdup(dirserver_has(&d->v[i], "mta")
				      ? "NOT in the site file (an MTA: its Postfix LDAP maps need zmmtainit)"
				      : "NOT in the site file");
		char *line = xasprintf("  %s (%s): %s", d->v[i].name, roles, how);
		operation_output(op, it, line);
		free(line);
		free(how);
		free(roles);
	}
}

static void refuse_unnamed(struct operation *op, struct runner *r, struct plan_item *it,
			   const struct dirservers *d, const enum dirserver_status *status, size_t unnamed)
{
	struct operation_server *srv = xcalloc(unnamed, sizeof *srv);
	char *names = xstrdup("");
	size_t k = 0;
	for (size_t i = 0; i < d->n; i++) {
		if (status[i] != DIRSERVER_UNNAMED)
			continue;
		srv[k].name = xstrdup(d->v[i].name);
		srv[k].roles = dirserver_roles(&d->v[i]);
		srv[k].mta = dirserver_has(&d->v[i], "mta");
		char *next = xasprintf("%s%s%s (%s)", names, k ? ", " : "", srv[k].name, srv[k].roles);
		free(names);
		names = next;
		k++;
	}
	char *msg = xasprintf("the master's directory lists %zu server(s) the site file does not name: %s. "
			      "Nothing was changed: add each to the site file, or skip it by name "
			      "(--skip-node HOST)", unnamed, names);
	operation_refuse(op, OPERATION_REFUSAL_UNNAMED_SERVERS, srv, unnamed);
	runner_builtin_done(r, it, false, msg);
	free(msg);
	free(names);
}

void allservers_check(struct operation *op, struct runner *r, struct plan_item *it)
{
	operation_refuse(op, OPERATION_REFUSAL_NONE, NULL, 0);
	const struct operation_options *o = operation_options(op);
	const char *master = operation_master(op);
	const char *text = master ? vars_get(operation_vars(op), master, "directory_servers", false) : NULL;
	if (!text) {
		runner_builtin_done(r, it, false, "the master's list of servers was not read");
		return;
	}
	struct dirservers_error perr;
	struct dirservers *d = dirservers_parse(text, strlen(text), &perr);
	if (!d) {
		char *msg = perr.line ? xasprintf("cannot read the master's list of servers: line %zu: %s",
						  perr.line, perr.msg)
				      : xasprintf("cannot read the master's list of servers: %s", perr.msg);
		runner_builtin_done(r, it, false, msg);
		free(msg);
		return;
	}

	struct site *site = operation_site(op);
	size_t nh = site_host_count(site), n_site = 0;
	struct dirservers_node *nodes = xcalloc(nh + 1, sizeof *nodes);
	for (size_t i = 0; i < nh; i++) {
		const struct site_host *h = site_host_at(site, i);
		if (!(h->roles & carbonio_roles))
			continue;
		nodes[n_site].name = h->name;
		nodes[n_site].hostname = own_name(op, h->name);
		n_site++;
	}
	enum dirserver_status *status = xcalloc(d->n, sizeof *status);
	long *named = xcalloc(d->n, sizeof *named);
	size_t bad_skip;
	size_t unnamed = dirservers_compare(d, nodes, n_site, o->skip_nodes, o->n_skip_nodes, status, named,
					    &bad_skip);
	list_servers(op, it, d, nodes, status, named);

	if (bad_skip != SIZE_MAX) {
		char *names = xstrdup("");
		for (size_t i = 0; i < d->n; i++) {
			char *next = xasprintf("%s%s%s", names, i ? " " : "", d->v[i].name);
			free(names);
			names = next;
		}
		char *msg = xasprintf("--skip-node %s: the master's directory lists no such server (it lists: %s). "
				      "Nothing was changed", o->skip_nodes[bad_skip], names);
		operation_refuse(op, OPERATION_REFUSAL_BAD_SKIP, NULL, 0);
		runner_builtin_done(r, it, false, msg);
		free(msg);
		free(names);
	} else if (unnamed) {
		refuse_unnamed(op, r, it, d, status, unnamed);
	} else {
		size_t skipped = 0;
		for (size_t i = 0; i < d->n; i++)
			skipped += status[i] == DIRSERVER_SKIPPED;
		char *msg = skipped ? xasprintf("the site file names every server but the %zu skipped", skipped)
				    : xasprintf("the site file names all %zu server(s)", d->n);
		runner_builtin_done(r, it, true, msg);
		free(msg);
	}
	free(named);
	free(status);
	free(nodes);
	dirservers_free(d);
}
