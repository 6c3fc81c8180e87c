#include "shared_shell.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

char *shared_shell_script(const char *token, const char *const *cmds, size_t n)
{
	char *script = xstrdup("");
	for (size_t k = 0; k < n; k++) {
		/* newlines around the command: it may end in a comment */
		char *next = xasprintf("%s(\n%s\n) </dev/null; printf '%%s %zu %%d\\n' %s $?; "
				       "printf '%%s %zu\\n' %s >&2\n",
				       script, cmds[k], k, token, k, token);
		free(script);
		script = next;
	}
	return script;
}

/* A decimal number of at most 9 digits at *p; false when none. */
static bool number(const char **p, const char *end, long *out)
{
	const char *s = *p;
	bool neg = s < end && *s == '-';
	s += neg;
	long v = 0;
	int digits = 0;
	while (s < end && *s >= '0' && *s <= '9' && digits < 9) {
		v = v * 10 + (*s - '0');
		s++;
		digits++;
	}
	if (!digits)
		return false;
	*out = neg ? -v : v;
	*p = s;
	return true;
}

bool shared_shell_mark(const char *token, const char *line, size_t len, bool with_status,
		       struct shared_shell_mark *m)
{
	size_t tl = strlen(token);
	if (tl == 0 || len < tl)
		return false;
	for (size_t at = 0; at + tl <= len; at++) {
		if (memcmp(line + at, token, tl) != 0)
			continue;
		const char *p = line + at + tl, *end = line + len;
		long idx, status = 0;
		if (p >= end || *p++ != ' ' || !number(&p, end, &idx) || idx < 0 ||
		    idx >= SHARED_SHELL_MAX)
			return false;
		if (with_status && (p >= end || *p++ != ' ' || !number(&p, end, &status) ||
				    status < INT_MIN || status > INT_MAX))
			return false;
		if (p != end)
			return false;
		m->before = at;
		m->index = (size_t)idx;
		m->status = (int)status;
		return true;
	}
	return false;
}
