/* Fuzz shared_shell_mark: no crash, and a marker it finds lies inside the
 * line, names a command of the shell, and starts with the token. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "shared_shell.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char tok[] = "AbCdEfGhJkLmNpQrStUvWxYz";
	const char *line = (const char *)data;
	struct shared_shell_mark m;
	for (int with = 0; with < 2; with++) {
		if (!shared_shell_mark(tok, line, size, with, &m))
			continue;
		if (m.before + strlen(tok) > size || m.index >= SHARED_SHELL_MAX)
			abort();
		if (memcmp(line + m.before, tok, strlen(tok)) != 0)
			abort();
	}
	return 0;
}
