#include "carbonio_words.h"

#include <string.h>

#include "operation.h"
#include "site.h"
#include "vars.h"

const char *carbonio_word_prefix(struct operation *op, const char *node)
{
	const struct site_host *h = site_host(operation_site(op), node);
	return h ? h->prefix : NULL;
}

const char *carbonio_word_node(struct operation *op, const char *node)
{
	(void)op;
	return node;
}

static bool service_manager_is(struct operation *op, const char *node, const char *which)
{
	const char *sm = vars_get(operation_vars(op), node, "service_manager", false);
	return sm && strcmp(sm, which) == 0;
}

bool carbonio_word_systemd(struct operation *op, const char *node)
{
	return service_manager_is(op, node, "systemd");
}

bool carbonio_word_zmcontrol(struct operation *op, const char *node)
{
	return service_manager_is(op, node, "zmcontrol");
}

static unsigned roles_of(struct operation *op, const char *node)
{
	const struct site_host *h = site_host(operation_site(op), node);
	return h ? h->roles : 0;
}

bool carbonio_word_runs_slapd(struct operation *op, const char *node)
{
	return roles_of(op, node) & (SITE_ROLE_MASTER | SITE_ROLE_REPLICA);
}

bool carbonio_word_mta(struct operation *op, const char *node)
{
	return roles_of(op, node) & SITE_ROLE_MTA;
}
