#include "randtok.h"

#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "xalloc.h"

void randtok(char *out, size_t len, const char *alphabet)
{
	size_t n = strlen(alphabet);
	if (len == 0 || n == 0 || n > 256)
		abort();
	/* the largest multiple of n that fits a byte: bytes above it are drawn
	 * again so every character is equally likely */
	unsigned limit = 256 - 256 % (unsigned)n;
	unsigned char raw[64];
	size_t filled = 0, used = sizeof raw;
	while (filled + 1 < len) {
		if (used == sizeof raw) {
			if (getrandom(raw, sizeof raw, 0) != (ssize_t)sizeof raw)
				abort();
			used = 0;
		}
		unsigned char b = raw[used++];
		if (b < limit)
			out[filled++] = alphabet[b % n];
	}
	out[filled] = '\0';
	explicit_bzero(raw, sizeof raw);
}

char *check_name_new(const char *alphabet)
{
	char token[CHECK_NAME_TOKEN_LEN + 1];
	randtok(token, sizeof token, alphabet);
	return xasprintf("%s%s", CHECK_NAME_PREFIX, token);
}

bool check_name_valid(const char *name, const char *alphabet)
{
	size_t plen = strlen(CHECK_NAME_PREFIX);
	if (!name || strncmp(name, CHECK_NAME_PREFIX, plen) != 0)
		return false;
	const char *token = name + plen;
	return strlen(token) == CHECK_NAME_TOKEN_LEN && strspn(token, alphabet) == CHECK_NAME_TOKEN_LEN;
}
