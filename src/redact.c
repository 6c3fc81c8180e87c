#include "redact.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

struct redact_secret {
	char *s;
	size_t len;
};

/* Kept sorted longest first. */
static struct redact_secret *redact_v;
static size_t redact_n;

static void redact_add_one(const char *s, size_t len)
{
	for (size_t i = 0; i < redact_n; i++)
		if (redact_v[i].len == len && memcmp(redact_v[i].s, s, len) == 0)
			return;
	redact_v = xrealloc(redact_v, (redact_n + 1) * sizeof(*redact_v));
	size_t at = redact_n;
	while (at > 0 && redact_v[at - 1].len < len) {
		redact_v[at] = redact_v[at - 1];
		at--;
	}
	redact_v[at].s = xstrndup(s, len);
	redact_v[at].len = len;
	redact_n++;
}

void redact_add(const char *secret)
{
	size_t len = strlen(secret), quotes = 0;
	if (len == 0)
		return;
	redact_add_one(secret, len);
	for (size_t i = 0; i < len; i++)
		quotes += secret[i] == '\'';
	if (quotes == 0)
		return;
	/* the form it takes inside a single-quoted shell word */
	size_t qlen = len + 3 * quotes, o = 0;
	char *q = xmalloc(qlen + 1);
	for (size_t i = 0; i < len; i++) {
		if (secret[i] == '\'') {
			memcpy(q + o, "'\\''", 4);
			o += 4;
		} else {
			q[o++] = secret[i];
		}
	}
	q[o] = '\0';
	redact_add_one(q, qlen);
	explicit_bzero(q, qlen);
	free(q);
}

void redact_clear(void)
{
	for (size_t i = 0; i < redact_n; i++) {
		explicit_bzero(redact_v[i].s, redact_v[i].len);
		free(redact_v[i].s);
	}
	free(redact_v);
	redact_v = NULL;
	redact_n = 0;
}

size_t redact_count(void)
{
	return redact_n;
}

/* memmem() is a GNU extension; first byte with memchr, then compare. */
static const char *redact_find(const char *h, size_t hn, const char *n, size_t nn)
{
	while (hn >= nn) {
		const char *c = memchr(h, n[0], hn - nn + 1);
		if (!c)
			return NULL;
		if (memcmp(c, n, nn) == 0)
			return c;
		hn -= (size_t)(c - h) + 1;
		h = c + 1;
	}
	return NULL;
}

static bool redact_keychar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
}

static bool redact_blank(char c)
{
	return c == ' ' || c == '\t';
}

static bool redact_icontains(const char *s, size_t n, const char *needle)
{
	size_t nl = strlen(needle);
	for (size_t i = 0; i + nl <= n; i++) {
		size_t k = 0;
		while (k < nl && (s[i + k] | 0x20) == needle[k])
			k++;
		if (k == nl)
			return true;
	}
	return false;
}

static bool redact_secret_key(const char *k, size_t n)
{
	return redact_icontains(k, n, "pass") || redact_icontains(k, n, "credentials") ||
	       (n >= 2 && k[n - 2] == 'P' && k[n - 1] == 'W');
}

/* Does a "word=" start at p (within end)? */
static bool redact_next_pair(const char *p, const char *end)
{
	const char *q = p;
	while (q < end && redact_keychar(*q))
		q++;
	return q > p && q < end && *q == '=';
}

/* Mark the values of password-like key=value pairs. */
static void redact_mark_pairs(const char *d, size_t len, unsigned char *mask)
{
	const char *end = d + len;
	for (const char *eq = memchr(d, '=', len); eq; eq = memchr(eq + 1, '=', (size_t)(end - eq - 1))) {
		const char *k = eq;
		bool spaced = false;
		while (k > d && redact_blank(k[-1])) {
			k--;
			spaced = true;
		}
		const char *kend = k;
		while (k > d && redact_keychar(k[-1]))
			k--;
		if (k == kend || !redact_secret_key(k, (size_t)(kend - k)))
			continue;
		const char *v = eq + 1;
		while (v < end && redact_blank(*v)) {
			v++;
			spaced = true;
		}
		const char *vend;
		if (v < end && (*v == '"' || *v == '\'')) {
			char quote = *v++;
			vend = v;
			while (vend < end && *vend != quote && *vend != '\n')
				vend++;
		} else {
			vend = v;
			while (vend < end && *vend != '\n' && *vend != '\r') {
				/* "credentials=x searchbase=..." keeps the next pair */
				if (!spaced && redact_blank(*vend) &&
				    redact_next_pair(vend + 1, end))
					break;
				vend++;
			}
			while (vend > v && redact_blank(vend[-1]))
				vend--;
		}
		memset(mask + (v - d), 1, (size_t)(vend - v));
	}
}

char *redact_mem(const char *data, size_t len, size_t *out_len)
{
	char *out;
	if (redact_n == 0 && !memchr(data, '=', len)) {
		/* fast path: nothing can match */
		out = xmalloc(len + 1);
		memcpy(out, data, len);
		out[len] = '\0';
		*out_len = len;
		return out;
	}

	unsigned char *mask = xcalloc(len ? len : 1, 1);
	for (size_t i = 0; i < redact_n; i++) {
		const struct redact_secret *s = &redact_v[i];
		const char *p = data, *end = data + len;
		while ((size_t)(end - p) >= s->len) {
			const char *hit = redact_find(p, (size_t)(end - p), s->s, s->len);
			if (!hit)
				break;
			memset(mask + (hit - data), 1, s->len);
			p = hit + 1; /* overlapping occurrences too */
		}
	}
	redact_mark_pairs(data, len, mask);

	/* each masked run becomes one REDACT_MASK: worst case every other byte */
	size_t cap = len + (len / 2 + 1) * (sizeof(REDACT_MASK) - 1) + 1, o = 0;
	out = xmalloc(cap);
	for (size_t i = 0; i < len;) {
		if (!mask[i]) {
			out[o++] = data[i++];
			continue;
		}
		while (i < len && mask[i])
			i++;
		memcpy(out + o, REDACT_MASK, sizeof(REDACT_MASK) - 1);
		o += sizeof(REDACT_MASK) - 1;
	}
	out[o] = '\0';
	free(mask);
	*out_len = o;
	return out;
}

char *redact(const char *text)
{
	size_t n;
	return redact_mem(text, strlen(text), &n);
}

size_t redact_inplace(char *buf, size_t len, size_t cap)
{
	size_t n;
	char *r = redact_mem(buf, len, &n);
	if (n > cap)
		n = cap;
	memcpy(buf, r, n);
	if (n < cap)
		buf[n] = '\0';
	explicit_bzero(r, n);
	free(r);
	return n;
}
