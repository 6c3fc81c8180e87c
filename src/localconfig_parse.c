#include "localconfig_parse.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

struct lc_builder {
	struct localconfig *lc;
	size_t cap;
};

static bool key_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
}

static bool valid_key(const char *s, size_t n)
{
	size_t i;

	if (n == 0)
		return false;
	for (i = 0; i < n; i++)
		if (!key_char(s[i]))
			return false;
	return true;
}

static void set_err(struct localconfig_error *err, size_t line,
		    const char *msg)
{
	if (err) {
		err->line = line;
		err->msg = msg;
	}
}

/* Appends key/value; the value is copied with its length and must hold no
 * NUL. Returns the message of the problem, or NULL. */
static const char *add(struct lc_builder *b, const char *key, size_t klen,
		       const char *val, size_t vlen)
{
	struct localconfig *lc = b->lc;
	char *k;
	size_t i;

	if (memchr(val, '\0', vlen))
		return "a value contains a NUL byte";
	if (lc->n >= LOCALCONFIG_MAX_KEYS)
		return "too many keys for zmlocalconfig output";
	k = xstrndup(key, klen);
	for (i = 0; i < lc->n; i++) {
		if (!strcmp(lc->items[i].key, k)) {
			free(k);
			return "the same key is printed twice";
		}
	}
	if (lc->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 8;
		lc->items = xrealloc(lc->items, b->cap * sizeof(*lc->items));
	}
	lc->items[lc->n].key = k;
	lc->items[lc->n].value = xstrndup(val, vlen);
	lc->n++;
	return NULL;
}

/* Next line of buf at *pos; false at the end. A final line without "\n"
 * counts; the empty rest after a final "\n" does not. */
static bool next_line(const char *buf, size_t len, size_t *pos,
		      const char **line, size_t *n)
{
	const char *nl;

	if (*pos >= len)
		return false;
	*line = buf + *pos;
	nl = memchr(*line, '\n', len - *pos);
	*n = nl ? (size_t)(nl - *line) : len - *pos;
	*pos += *n + (nl ? 1 : 0);
	return true;
}

static struct localconfig *builder_start(struct lc_builder *b)
{
	b->lc = xcalloc(1, sizeof(*b->lc));
	b->cap = 0;
	return b->lc;
}

struct localconfig *localconfig_parse_plain(const char *buf, size_t len,
					    struct localconfig_error *err)
{
	struct lc_builder b;
	size_t pos = 0, lineno = 0, n, i;
	const char *line, *msg = NULL;

	if (!buf && len) {
		set_err(err, 0, "no buffer");
		return NULL;
	}
	builder_start(&b);
	while (next_line(buf, len, &pos, &line, &n)) {
		lineno++;
		/* The key has no blank, so the first " =" ends it. */
		for (i = 0; i < n && key_char(line[i]); i++)
			;
		if (!valid_key(line, i) || n - i < 2 || line[i] != ' ' ||
		    line[i + 1] != '=') {
			msg = "line is not \"key = value\"";
			goto fail;
		}
		if (n - i == 2) {
			/* "key =": empty value whose trailing blank was lost */
			msg = add(&b, line, i, line + n, 0);
		} else if (line[i + 2] != ' ') {
			msg = "line is not \"key = value\"";
		} else {
			msg = add(&b, line, i, line + i + 3, n - i - 3);
		}
		if (msg)
			goto fail;
	}
	return b.lc;
fail:
	set_err(err, lineno, msg);
	localconfig_free(b.lc);
	return NULL;
}

struct localconfig *localconfig_parse_nokey(const char *buf, size_t len,
					    const char *const *keys,
					    size_t nkeys,
					    struct localconfig_error *err)
{
	struct lc_builder b;
	size_t pos = 0, lineno = 0, n, k;
	const char *line, *msg = NULL;

	if ((!buf && len) || (!keys && nkeys)) {
		set_err(err, 0, "no buffer");
		return NULL;
	}
	for (k = 0; k < nkeys; k++) {
		if (!keys[k] || !valid_key(keys[k], strlen(keys[k]))) {
			set_err(err, 0, "a requested key name is not valid");
			return NULL;
		}
	}
	builder_start(&b);
	while (next_line(buf, len, &pos, &line, &n)) {
		lineno++;
		if (lineno > nkeys) {
			msg = "more lines than keys asked: a value spans lines";
			goto fail;
		}
		msg = add(&b, keys[lineno - 1], strlen(keys[lineno - 1]),
			  line, n);
		if (msg)
			goto fail;
	}
	if (lineno < nkeys) {
		lineno++;
		msg = "fewer lines than keys asked: at least one key is not "
		      "set, and which one cannot be told from -m nokey output";
		goto fail;
	}
	return b.lc;
fail:
	set_err(err, lineno, msg);
	localconfig_free(b.lc);
	return NULL;
}

/* Scans a shell-quoted value at buf[*pos] ("'...'" pieces joined by \').
 * With out == NULL only measures; returns the unquoted length, or
 * (size_t)-1 when the quoting is broken. *pos is moved past it and
 * *lines counts the newlines crossed. */
static size_t shell_value(const char *buf, size_t len, size_t *pos,
			  char *out, size_t *lines)
{
	size_t p = *pos, n = 0;

	if (p >= len || buf[p] != '\'')
		return (size_t)-1;
	p++;
	for (;;) {
		while (p < len && buf[p] != '\'') {
			if (buf[p] == '\n')
				(*lines)++;
			if (out)
				out[n] = buf[p];
			n++;
			p++;
		}
		if (p >= len)
			return (size_t)-1;
		p++;	/* closing quote */
		/* zmlocalconfig -m shell (Carbonio's ConfigWriter) writes a quote
		 * inside a value as '' */
		if (p < len && buf[p] == '\'') {
			if (out)
				out[n] = '\'';
			n++;
			p++;
			continue;
		}
		/* the POSIX shell form '\'' */
		if (p + 2 < len && buf[p] == '\\' && buf[p + 1] == '\'' && buf[p + 2] == '\'') {
			if (out)
				out[n] = '\'';
			n++;
			p += 3;
			continue;
		}
		break;
	}
	*pos = p;
	return n;
}

struct localconfig *localconfig_parse_shell(const char *buf, size_t len,
					    struct localconfig_error *err)
{
	struct lc_builder b;
	size_t pos = 0, lineno = 1, start, klen, vlen = 0, p2, dummy;
	const char *msg = NULL;
	char *val = NULL;

	if (!buf && len) {
		set_err(err, 0, "no buffer");
		return NULL;
	}
	builder_start(&b);
	while (pos < len) {
		start = pos;
		while (pos < len && key_char(buf[pos]))
			pos++;
		klen = pos - start;
		if (klen == 0 || pos >= len || buf[pos] != '=') {
			msg = "line is not key='value';";
			goto fail;
		}
		pos++;
		/* Measure first so the secret is copied exactly once and no
		 * stale copy is left in a reallocated buffer. */
		p2 = pos;
		dummy = 0;
		vlen = shell_value(buf, len, &p2, NULL, &dummy);
		if (vlen == (size_t)-1) {
			msg = "unbalanced quote in key='value';";
			goto fail;
		}
		val = xmalloc(vlen + 1);
		dummy = 0;
		shell_value(buf, len, &pos, val, &dummy);
		if (pos >= len || buf[pos] != ';' ||
		    (pos + 1 < len && buf[pos + 1] != '\n')) {
			msg = "line is not key='value';";
			goto fail;
		}
		pos += 2;
		msg = add(&b, buf + start, klen, val, vlen);
		explicit_bzero(val, vlen + 1);
		free(val);
		val = NULL;
		if (msg)
			goto fail;
		lineno += dummy + 1;
	}
	return b.lc;
fail:
	if (val) {
		explicit_bzero(val, vlen + 1);
		free(val);
	}
	set_err(err, lineno, msg);
	localconfig_free(b.lc);
	return NULL;
}

const char *localconfig_get(const struct localconfig *lc, const char *key)
{
	size_t i;

	if (!lc || !key)
		return NULL;
	for (i = 0; i < lc->n; i++)
		if (!strcmp(lc->items[i].key, key))
			return lc->items[i].value;
	return NULL;
}

bool localconfig_flag(const char *value)
{
	return value && *value && strcmp(value, "0") != 0;
}

void localconfig_free(struct localconfig *lc)
{
	size_t i;

	if (!lc)
		return;
	for (i = 0; i < lc->n; i++) {
		explicit_bzero(lc->items[i].value, strlen(lc->items[i].value));
		free(lc->items[i].value);
		free(lc->items[i].key);
	}
	free(lc->items);
	free(lc);
}
