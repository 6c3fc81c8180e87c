/* A view into a parser's input, never NUL-terminated, and the few tests
 * the parsers of tool output (doveadm, zmreplchk) make on it. */
#ifndef RW_SPAN_H
#define RW_SPAN_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

struct span {
	const char *p;
	size_t n;
};

static inline bool span_eq(struct span s, const char *lit)
{
	return s.n == strlen(lit) && !memcmp(s.p, lit, s.n);
}

static inline bool span_starts_with(struct span s, const char *lit)
{
	size_t n = strlen(lit);
	return s.n >= n && !memcmp(s.p, lit, n);
}

static inline bool span_ends_with(struct span s, const char *lit)
{
	size_t n = strlen(lit);
	return s.n >= n && !memcmp(s.p + s.n - n, lit, n);
}

/* Offset of the first lit in s, or (size_t)-1. */
static inline size_t span_find(struct span s, const char *lit)
{
	size_t n = strlen(lit);
	for (size_t i = 0; i + n <= s.n; i++)
		if (!memcmp(s.p + i, lit, n))
			return i;
	return (size_t)-1;
}

static inline bool span_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

#endif
