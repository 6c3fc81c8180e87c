#include "shquote.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

char *shquote(const char *s)
{
	size_t len = 2, i, o = 0;
	for (i = 0; s[i]; i++)
		len += s[i] == '\'' ? 4 : 1;
	char *out = xmalloc(len + 1);
	out[o++] = '\'';
	for (i = 0; s[i]; i++) {
		if (s[i] == '\'') {
			/* close the quote, an escaped quote, reopen */
			memcpy(out + o, "'\\''", 4);
			o += 4;
		} else {
			out[o++] = s[i];
		}
	}
	out[o++] = '\'';
	out[o] = '\0';
	return out;
}

static bool shquote_is_safe(const char *w, bool first)
{
	if (!*w)
		return false;
	for (const char *p = w; *p; p++) {
		char c = *p;
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9'))
			continue;
		if (c == '=' && first)
			return false; /* FOO=bar as first word is an assignment */
		if (!strchr("_@%+=:,./-", c))
			return false;
	}
	return true;
}

char *shquote_join(const char *const argv[])
{
	size_t cap = 1, len = 0, i;
	char *out = xmalloc(cap);
	out[0] = '\0';
	for (i = 0; argv[i]; i++) {
		char *w = shquote_is_safe(argv[i], i == 0) ? xstrdup(argv[i])
							   : shquote(argv[i]);
		size_t wl = strlen(w);
		cap = len + wl + 2;
		out = xrealloc(out, cap);
		if (i > 0)
			out[len++] = ' ';
		memcpy(out + len, w, wl + 1);
		len += wl;
		free(w);
	}
	return out;
}

char *shquote_runas(enum runas how, const char *login_user, const char *command)
{
	bool is_root = !login_user || strcmp(login_user, "root") == 0;
	char *q = NULL, *out = NULL;

	if (how == RUNAS_ROOT) {
		if (is_root)
			return xstrdup(command);
		q = shquote(command);
		out = xasprintf("sudo -n sh -c %s", q);
		goto out;
	}
	q = shquote(command);
	out = xasprintf("%ssu - zextras -c %s", is_root ? "" : "sudo -n ", q);
out:
	free(q);
	return out;
}
