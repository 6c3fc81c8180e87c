/* Allocation wrappers: abort with a message on out-of-memory, so callers
 * never carry an OOM path they cannot test. */
#ifndef RW_XALLOC_H
#define RW_XALLOC_H

#include <stdarg.h>
#include <stddef.h>

void *xmalloc(size_t size);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *ptr, size_t size);
/* A buffer that may hold a secret, grown to new_cap: its first used bytes
 * copied, the old block (old_cap bytes) wiped, then freed; realloc would
 * free it unwiped. p may be NULL. */
void *xgrow_wiped(void *p, size_t used, size_t old_cap, size_t new_cap);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* Append s to the growing array *v of *n borrowed strings. */
void xpush_str(const char ***v, size_t *n, const char *s);
/* printf into a freshly allocated string. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

#endif
