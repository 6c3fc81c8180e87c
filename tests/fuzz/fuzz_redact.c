/* Fuzz redact: the first input byte says how long a secret is (it follows),
 * the rest is text.  Whatever the input: a secret free of '*' never shows in
 * the masked text (the mask is "****"), and redact_cut() and
 * redact_prefix() stay within their bounds. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "redact.h"
#include "xalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	size_t slen = data[0] % 24;
	if (size - 1 < slen)
		return 0;
	char *secret = xstrndup((const char *)data + 1, slen);
	const char *text = (const char *)data + 1 + slen;
	size_t tlen = size - 1 - slen;
	redact_add(secret);
	size_t n;
	char *out = redact_mem(text, tlen, &n);
	if (strlen(secret) > 0 && !strchr(secret, '*') && strlen(out) == n && strstr(out, secret))
		abort();
	free(out);
	size_t limit = tlen / 2;
	if (redact_cut(text, tlen, limit) > limit)
		abort();
	out = redact_prefix(text, tlen, limit);
	if (strlen(out) > limit && memchr(out, '\0', limit + 1) == NULL)
		abort();
	free(out);
	redact_clear();
	free(secret);
	return 0;
}
