#include "vars.h"

#include <stdlib.h>
#include <string.h>

#include "redact.h"
#include "xalloc.h"

struct var {
	char *node; /* NULL: global */
	char *name;
	char *value;
	bool secret;
};

struct vars {
	struct var *items;
	size_t n;
};

struct vars *vars_new(void)
{
	return xcalloc(1, sizeof(struct vars));
}

static void wipe_free(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

void vars_free(struct vars *v)
{
	if (!v)
		return;
	for (size_t i = 0; i < v->n; i++) {
		free(v->items[i].node);
		free(v->items[i].name);
		wipe_free(v->items[i].value);
	}
	free(v->items);
	free(v);
}

static bool same_node(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static struct var *find(const struct vars *v, const char *node, const char *name, bool secret)
{
	for (size_t i = 0; i < v->n; i++) {
		struct var *it = &v->items[i];
		if (it->secret == secret && same_node(it->node, node) && strcmp(it->name, name) == 0)
			return it;
	}
	return NULL;
}

void vars_set(struct vars *v, const char *node, const char *name, const char *value, bool secret)
{
	if (secret)
		redact_add(value);
	struct var *it = find(v, node, name, secret);
	if (!it) {
		v->items = xrealloc(v->items, (v->n + 1) * sizeof *v->items);
		it = &v->items[v->n++];
		it->node = node ? xstrdup(node) : NULL;
		it->name = xstrdup(name);
		it->secret = secret;
		it->value = NULL;
	}
	wipe_free(it->value);
	it->value = xstrdup(value);
}

const char *vars_get(const struct vars *v, const char *node, const char *name, bool secret)
{
	struct var *it = node ? find(v, node, name, secret) : NULL;
	if (!it)
		it = find(v, NULL, name, secret);
	return it ? it->value : NULL;
}
