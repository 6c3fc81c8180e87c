/* Fuzz the in-place site file editor (src/site_edit.c) on any text: no
 * crash, no read out of bounds, the text stays NUL-terminated, each edit
 * grows it by at most its own line, and an edit then its undo by the same
 * value is stable (setting a key twice to one value changes nothing). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "site_edit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const sections[] = { "carbonio", "ssh", "dovecot", "host a.example", "host B" };
static const char *const keys[] = { "replicas", "mta", "other_nodes", "master", "port", "" };
static const char *const values[] = { "r1 r2", "", "x", NULL };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 3)
		return 0;
	uint8_t op = data[0], a = data[1], b = data[2];
	struct site_text t;
	site_text_init(&t, (const char *)data + 3, size - 3);
	const char *sec = sections[a % 5], *key = keys[b % 6], *val = values[(b / 6) % 4];
	for (int round = 0; round < 3; round++) {
		size_t before = t.len;
		if (op & 1) {
			site_text_drop_section(&t, sec);
			if (t.len > before)
				abort();
		} else {
			site_text_set(&t, sec, key, val, keys[(a / 5) % 6]);
			if (t.len > before + strlen(key) + (val ? strlen(val) : 0) + 8)
				abort();
			if (val) {
				/* the same value again: the text does not change */
				char *copy = malloc(t.len + 1);
				memcpy(copy, t.p, t.len + 1);
				size_t len = t.len;
				site_text_set(&t, sec, key, val, NULL);
				if (key[0] && (t.len != len || memcmp(copy, t.p, len) != 0))
					abort();
				free(copy);
			}
		}
		if (t.p[t.len] != '\0')
			abort();
		op >>= 1;
	}
	site_text_clear(&t);
	return 0;
}
