#include "template.h"

#include <stdlib.h>
#include <string.h>

#include "shquote.h"
#include "xalloc.h"

struct out {
	char *buf;
	size_t len, cap;
};

static void put(struct out *o, const char *s, size_t n)
{
	if (o->len + n + 1 > o->cap) {
		/* the old buffer may hold a secret (stdin) */
		size_t cap = (o->len + n + 1) * 2;
		o->buf = xgrow_wiped(o->buf, o->len, o->cap, cap);
		o->cap = cap;
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
	o->buf[o->len] = '\0';
}

static void puts_(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

char *template_regex_escape(const char *value)
{
	struct out o = { 0 };
	put(&o, "", 0);
	for (const char *p = value; *p; p++) {
		if (strchr("\\.[]{}()*+?^$|", *p))
			put(&o, "\\", 1);
		put(&o, p, 1);
	}
	return o.buf;
}

/* Bare when it cannot be misread by the shell: paths, host names, ports,
 * URLs. Everything else is single-quoted. */
static bool shell_safe(const char *v)
{
	if (!*v)
		return false;
	for (const char *p = v; *p; p++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "0123456789_@%+=:,./-", *p))
			return false;
	return true;
}

char *template_expand(const char *tpl, enum template_ctx ctx, bool mask,
		      template_lookup lookup, void *ud, char **err)
{
	struct out o = { 0 };
	put(&o, "", 0);
	*err = NULL;
	const char *p = tpl;
	for (;;) {
		const char *open = strstr(p, "{{");
		if (!open) {
			puts_(&o, p);
			break;
		}
		put(&o, p, (size_t)(open - p));
		const char *close = strstr(open + 2, "}}");
		if (!close) {
			*err = xstrdup("unclosed {{ in template");
			goto fail;
		}
		char *name = xstrndup(open + 2, (size_t)(close - open - 2));
		bool secret = strncmp(name, "secret:", 7) == 0;
		const char *key = secret ? name + 7 : name;
		if (secret && ctx != TEMPLATE_RAW) {
			*err = xasprintf("secret %s may only be sent on stdin", key);
			free(name);
			goto fail;
		}
		const char *value = lookup(ud, key, secret);
		if (!value) {
			*err = xasprintf("%s %s has no value", secret ? "secret" : "variable", key);
			free(name);
			goto fail;
		}
		if (secret && mask)
			puts_(&o, TEMPLATE_MASK);
		else if (ctx == TEMPLATE_SHELL) {
			if (shell_safe(value))
				puts_(&o, value);
			else {
				char *q = shquote(value);
				puts_(&o, q);
				free(q);
			}
		} else if (ctx == TEMPLATE_REGEX) {
			char *q = template_regex_escape(value);
			puts_(&o, q);
			free(q);
		} else
			puts_(&o, value);
		free(name);
		p = close + 2;
	}
	return o.buf;
fail:
	explicit_bzero(o.buf, o.cap);
	free(o.buf);
	return NULL;
}
