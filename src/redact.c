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
	size_t len = strlen(secret);
	if (len == 0)
		return;
	redact_add_one(secret, len);
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

/* ---- encoded forms ----
 *
 * A secret may reach a text encoded: inside a single-quoted shell word
 * ('\'' for '), after backslashes (printf %q, double quotes: \ before any
 * byte), as a JSON string (\" \\ \/ \b \f \n \r \t
 * \uXXXX, surrogate pairs included) or percent-encoded (%XX in either case,
 * + for a space).  Each form is matched by decoding the text one unit at a
 * time against the secret, so every encoder's choice of what to escape is
 * covered by one rule. */

enum redact_form { FORM_SQUOTE, FORM_BACKSLASH, FORM_JSON, FORM_URL };

static int redact_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
		return (c | 0x20) - 'a' + 10;
	return -1;
}

/* 4 hex digits at t (n bytes available), or -1. */
static long redact_hex4(const char *t, size_t n)
{
	if (n < 4)
		return -1;
	long v = 0;
	for (int i = 0; i < 4; i++) {
		int h = redact_hex(t[i]);
		if (h < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

static size_t redact_utf8(unsigned long cp, unsigned char *out)
{
	if (cp < 0x80) {
		out[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (unsigned char)(0xC0 | (cp >> 6));
		out[1] = (unsigned char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (unsigned char)(0xE0 | (cp >> 12));
		out[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (unsigned char)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (unsigned char)(0xF0 | (cp >> 18));
	out[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
	out[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
	out[3] = (unsigned char)(0x80 | (cp & 0x3F));
	return 4;
}

/* A JSON \u escape at t (after the backslash: "uXXXX"), a surrogate pair
 * taking two.  Returns the text bytes used (0: not a valid escape). */
static size_t redact_json_u(const char *t, size_t n, unsigned char *out, size_t *outn)
{
	long hi = redact_hex4(t + 1, n - 1);
	if (hi < 0 || (hi >= 0xDC00 && hi <= 0xDFFF))
		return 0;
	if (hi < 0xD800 || hi > 0xDBFF) {
		*outn = redact_utf8((unsigned long)hi, out);
		return 5;
	}
	if (n < 11 || t[5] != '\\' || t[6] != 'u')
		return 0;
	long lo = redact_hex4(t + 7, n - 7);
	if (lo < 0xDC00 || lo > 0xDFFF)
		return 0;
	*outn = redact_utf8(0x10000 + (((unsigned long)hi - 0xD800) << 10) + ((unsigned long)lo - 0xDC00), out);
	return 11;
}

/* Decode one unit of form f at t (n > 0 bytes) into out (*outn bytes).
 * Returns the text bytes it took, 0 when t holds a broken escape. */
static size_t redact_decode(enum redact_form f, const char *t, size_t n, unsigned char *out, size_t *outn)
{
	*outn = 1;
	out[0] = (unsigned char)t[0];
	switch (f) {
	case FORM_SQUOTE:
		return n >= 4 && memcmp(t, "'\\''", 4) == 0 ? 4 : 1; /* out[0] is ' or t[0] */
	case FORM_BACKSLASH:
		if (t[0] == '\\' && n >= 2 && t[1] != '\n') {
			out[0] = (unsigned char)t[1];
			return 2;
		}
		return 1;
	case FORM_JSON: {
		if (t[0] != '\\')
			return 1;
		if (n < 2)
			return 0;
		static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
		const char *e = strchr(from, t[1]);
		if (t[1] != '\0' && e) {
			out[0] = (unsigned char)to[e - from];
			return 2;
		}
		if (t[1] != 'u')
			return 0;
		size_t u = redact_json_u(t + 1, n - 1, out, outn);
		return u ? u + 1 : 0;
	}
	case FORM_URL:
		if (t[0] == '%' && n >= 3 && redact_hex(t[1]) >= 0 && redact_hex(t[2]) >= 0) {
			out[0] = (unsigned char)(redact_hex(t[1]) * 16 + redact_hex(t[2]));
			return 3;
		}
		return 1;
	}
	return 0;
}

/* Length of the text at t (n bytes) that is secret s in form f, or 0. */
static size_t redact_match_form(enum redact_form f, const char *t, size_t n, const char *s, size_t sn)
{
	size_t ti = 0, si = 0;
	while (si < sn) {
		if (ti >= n)
			return 0;
		if (f == FORM_URL && t[ti] == '+') {
			/* a space in form encoding, itself where + is left alone */
			if (s[si] != ' ' && s[si] != '+')
				return 0;
			ti++;
			si++;
			continue;
		}
		unsigned char out[4];
		size_t outn, used = redact_decode(f, t + ti, n - ti, out, &outn);
		if (used == 0 || outn > sn - si || memcmp(out, s + si, outn) != 0)
			return 0;
		ti += used;
		si += outn;
	}
	return ti;
}

/* Mark every occurrence of secret s, literal or encoded. */
static void redact_mark_secret(const char *d, size_t len, const struct redact_secret *s,
			       unsigned char *mask)
{
	const char *p = d, *end = d + len;
	while ((size_t)(end - p) >= s->len) {
		const char *hit = redact_find(p, (size_t)(end - p), s->s, s->len);
		if (!hit)
			break;
		memset(mask + (hit - d), 1, s->len);
		p = hit + 1; /* overlapping occurrences too */
	}
	for (size_t i = 0; i < len; i++) {
		char c = d[i];
		if (c != s->s[0] && c != '\\' && c != '\'' && c != '%' && c != '+')
			continue;
		for (int f = FORM_SQUOTE; f <= FORM_URL; f++) {
			size_t m = redact_match_form((enum redact_form)f, d + i, len - i, s->s, s->len);
			if (m)
				memset(mask + i, 1, m);
		}
	}
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

/* Mark the values of password-like key=value pairs (with_key: from the
 * key on, for redact_cut(), which must not separate a value from its key). */
static void redact_mark_pairs(const char *d, size_t len, unsigned char *mask, bool with_key)
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
		if (with_key && vend > v)
			v = k;
		memset(mask + (v - d), 1, (size_t)(vend - v));
	}
}

/* 1 for every byte to mask, in a calloc'd array of len bytes (at least 1). */
static unsigned char *redact_mask(const char *data, size_t len, bool with_keys)
{
	unsigned char *mask = xcalloc(len ? len : 1, 1);
	for (size_t i = 0; i < redact_n; i++)
		redact_mark_secret(data, len, &redact_v[i], mask);
	redact_mark_pairs(data, len, mask, with_keys);
	return mask;
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

	unsigned char *mask = redact_mask(data, len, false);

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

size_t redact_hold(void)
{
	/* the longest form of a secret: 6 bytes per byte (JSON \u00XX) */
	size_t longest = redact_n ? redact_v[0].len : 0;
	return longest * 6 > REDACT_KEY_HOLD ? longest * 6 : REDACT_KEY_HOLD;
}

static bool redact_utf8_cont(char c)
{
	return ((unsigned char)c & 0xC0) == 0x80;
}

size_t redact_cut(const char *data, size_t len, size_t limit)
{
	if (limit > len)
		limit = len;
	size_t hold = redact_hold();
	if (len <= hold)
		return limit;
	unsigned char *keep = redact_mask(data, len, true);
	size_t p = len - hold < limit ? len - hold : limit;
	/* back to a point outside every masked run and every character */
	while (p > 0 && p < len && (redact_utf8_cont(data[p]) || (keep[p - 1] && keep[p])))
		p--;
	free(keep);
	return p > 0 ? p : limit;
}

char *redact_prefix(const char *data, size_t len, size_t max)
{
	size_t n;
	char *out = redact_mem(data, len, &n);
	if (n > max) {
		n = max;
		while (n > 0 && redact_utf8_cont(out[n]))
			n--;
		out[n] = '\0';
	}
	return out;
}
