#include "validate.h"

#include "xalloc.h"

#include <arpa/inet.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define QUOTE_MAX 80

/* Length of the valid UTF-8 sequence at p (n bytes available), 0 when the
 * bytes are not valid UTF-8. *cp gets the code point. */
static size_t validate_utf8_seq(const unsigned char *p, size_t n, uint32_t *cp)
{
	size_t len;
	uint32_t c, min;

	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	if ((p[0] & 0xe0) == 0xc0) {
		len = 2; c = p[0] & 0x1f; min = 0x80;
	} else if ((p[0] & 0xf0) == 0xe0) {
		len = 3; c = p[0] & 0x0f; min = 0x800;
	} else if ((p[0] & 0xf8) == 0xf0) {
		len = 4; c = p[0] & 0x07; min = 0x10000;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (p[i] & 0x3f);
	}
	/* Overlong forms, UTF-16 surrogates and values past Unicode. */
	if (c < min || (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
		return 0;
	*cp = c;
	return len;
}

static bool validate_is_control(uint32_t c)
{
	return c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f);
}

char *validate_quote(const char *s, size_t max)
{
	size_t n = strlen(s);
	size_t cut = n > max ? max : n;
	/* Worst case every byte becomes \xNN. */
	char *out = xmalloc(cut * 4 + 8);
	char *o = out;
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	*o++ = '"';
	while (i < cut) {
		uint32_t cp;
		size_t len = validate_utf8_seq(p + i, cut - i, &cp);
		if (len == 0 || validate_is_control(cp) || cp == '"' || cp == '\\') {
			if (len == 1 && (cp == '"' || cp == '\\')) {
				*o++ = '\\';
				*o++ = (char)cp;
			} else {
				o += sprintf(o, "\\x%02x", p[i]);
			}
			i++;
			continue;
		}
		memcpy(o, p + i, len);
		o += len;
		i += len;
	}
	*o++ = '"';
	if (cut < n) {
		memcpy(o, "...", 3);
		o += 3;
	}
	*o = '\0';
	return out;
}

/* Message "<quoted s> <text>". */
static char *validate_msg(const char *s, const char *text)
{
	char *q = validate_quote(s, QUOTE_MAX);
	char *m = xasprintf("%s %s", q, text);
	free(q);
	return m;
}

static bool validate_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool validate_is_alnum(char c)
{
	return validate_is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

char *validate_host(const char *s)
{
	unsigned char buf[sizeof(struct in6_addr)];
	size_t n = strlen(s);

	if (n == 0)
		return xstrdup("a host name is required");
	if (inet_pton(AF_INET, s, buf) == 1)
		return NULL;
	if (s[0] == '[')
		return validate_msg(s, "is not a valid host name (write IPv6 addresses without brackets)");
	if (strchr(s, ':')) {
		if (inet_pton(AF_INET6, s, buf) == 1)
			return NULL;
		return validate_msg(s, "is not a valid IPv6 address");
	}
	/* One final dot (a rooted name) is allowed and not counted. */
	if (s[n - 1] == '.')
		n--;
	if (n == 0 || n > 253)
		return validate_msg(s, "is not a valid host name (1 to 253 characters)");

	size_t label = 0;
	bool all_digits = true;
	for (size_t i = 0; i <= n; i++) {
		char c = i < n ? s[i] : '.';
		if (c == '.') {
			if (label == 0)
				return validate_msg(s, "is not a valid host name (empty label)");
			if (s[i - 1] == '-')
				return validate_msg(s, "is not a valid host name (a label ends with '-')");
			label = 0;
			if (i < n)
				all_digits = true;
			continue;
		}
		if (!validate_is_alnum(c) && c != '-')
			return validate_msg(s, "is not a valid host name");
		if (label == 0 && c == '-')
			return validate_msg(s, "is not a valid host name (a label starts with '-')");
		if (!validate_is_digit(c))
			all_digits = false;
		if (++label > 63)
			return validate_msg(s, "is not a valid host name (a label is longer than 63 characters)");
	}
	/* RFC 1123 2.1: a numeric last label would be taken for an IPv4 address. */
	if (all_digits)
		return validate_msg(s, "is not a valid IPv4 address or host name");
	return NULL;
}

char *validate_uint_range(const char *s, unsigned lo, unsigned hi, unsigned *out)
{
	unsigned long v = 0;

	if (*s == '\0')
		return xstrdup("a number is required");
	for (const char *p = s; *p; p++)
		if (!validate_is_digit(*p))
			return validate_msg(s, "is not a number (digits only)");
	/* Stop accumulating once past hi so long inputs cannot overflow. */
	for (const char *p = s; *p && v <= hi; p++)
		v = v * 10 + (unsigned long)(*p - '0');
	if (v < lo || v > hi) {
		char *q = validate_quote(s, QUOTE_MAX);
		char *m = xasprintf("%s is out of range (%u to %u)", q, lo, hi);
		free(q);
		return m;
	}
	if (out)
		*out = (unsigned)v;
	return NULL;
}

char *validate_port(const char *s, unsigned *out)
{
	unsigned v;

	if (*s == '\0')
		return xstrdup("a port is required");
	for (const char *p = s; *p; p++)
		if (!validate_is_digit(*p))
			return validate_msg(s, "is not a valid port (digits only, 1 to 65535)");
	char *m = validate_uint_range(s, 1, 65535, &v);
	if (m) {
		free(m);
		return validate_msg(s, "is not a valid port (1 to 65535)");
	}
	if (out)
		*out = v;
	return NULL;
}

char *validate_abs_path(const char *s, bool allow_home)
{
	if (*s == '\0')
		return xstrdup("a path is required");
	if (s[0] == '/')
		return NULL;
	if (allow_home && s[0] == '~' && s[1] == '/' && s[2] != '\0')
		return NULL;
	return validate_msg(s, allow_home ? "is not an absolute path (start it with / or ~/)"
					  : "is not an absolute path (start it with /)");
}

char *validate_text(const char *s, size_t len, bool allow_tab)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < len) {
		uint32_t cp;
		size_t n = validate_utf8_seq(p + i, len - i, &cp);
		if (n == 0)
			return xasprintf("invalid UTF-8 (byte 0x%02x at offset %zu)", p[i], i);
		if (validate_is_control(cp) && !(allow_tab && cp == '\t'))
			return xasprintf("control character U+%04X at offset %zu", (unsigned)cp, i);
		i += n;
	}
	return NULL;
}

char *validate_user(const char *s)
{
	size_t n = strlen(s);

	if (n == 0)
		return xstrdup("a user name is required");
	if (n > 32)
		return validate_msg(s, "is not a valid user name (at most 32 characters)");
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
			  (i > 0 && (validate_is_digit(c) || c == '.' || c == '-')) ||
			  (i > 0 && i == n - 1 && c == '$');
		if (!ok)
			return validate_msg(s, "is not a valid user name");
	}
	return NULL;
}

char *validate_length(const char *s)
{
	size_t n = strlen(s);

	if (n > VALIDATE_VALUE_MAX)
		return xasprintf("value is %zu bytes long (at most %d)", n, VALIDATE_VALUE_MAX);
	return NULL;
}

char *validate_expand_home(const char *path)
{
	if (path[0] != '~')
		return xstrdup(path);
	if (path[1] != '/' && path[1] != '\0')
		return NULL;

	const char *home = getenv("HOME");
	if (!home || !*home) {
		struct passwd *pw = getpwuid(getuid());
		home = pw ? pw->pw_dir : NULL;
	}
	if (!home || !*home)
		return NULL;
	return xasprintf("%s%s", home, path + 1);
}
