/* Fuzz linebuf: whatever the input, every line is display-safe and within
 * the cap, and splitting the input in two gives the same lines. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "linebuf.h"
#include "xalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_MAX 64

struct fuzz_sink {
	char *buf;
	size_t len;
};

static bool fuzz_safe(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		unsigned char c = s[i];
		if (c < 0x20 || c == 0x7F)
			return false;
		if (c < 0x80) {
			i++;
			continue;
		}
		int need = c >= 0xC2 && c <= 0xDF ? 1 : c >= 0xE0 && c <= 0xEF ? 2
			 : c >= 0xF0 && c <= 0xF4 ? 3 : -1;
		if (need < 0 || i + (size_t)need >= n)
			return false;
		uint32_t cp = c & (0x3F >> need);
		for (int k = 1; k <= need; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + k] & 0x3F);
		}
		if (cp < 0xA0 || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF ||
		    (need == 2 && cp < 0x800) || (need == 3 && cp < 0x10000))
			return false;
		i += (size_t)need + 1;
	}
	return true;
}

static void fuzz_on_line(void *ud, const char *line, size_t len)
{
	struct fuzz_sink *s = ud;
	if (len > FUZZ_MAX || strlen(line) != len ||
	    !fuzz_safe((const unsigned char *)line, len))
		abort();
	s->buf = xrealloc(s->buf, s->len + len + 1);
	memcpy(s->buf + s->len, line, len);
	s->len += len;
	s->buf[s->len++] = '\n';
}

static struct fuzz_sink fuzz_run(const uint8_t *data, size_t size, size_t cut)
{
	struct fuzz_sink s = {0};
	struct linebuf *lb = linebuf_new(FUZZ_MAX, fuzz_on_line, &s);
	linebuf_feed(lb, data, cut);
	size_t plen;
	const char *p = linebuf_partial(lb, &plen);
	if (plen > FUZZ_MAX || !fuzz_safe((const unsigned char *)p, plen))
		abort();
	linebuf_feed(lb, data + cut, size - cut);
	linebuf_flush(lb);
	linebuf_free(lb);
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_sink a = fuzz_run(data, size, size);
	struct fuzz_sink b = fuzz_run(data, size, size ? data[0] % (size + 1) : 0);
	if (a.len != b.len || (a.len && memcmp(a.buf, b.buf, a.len) != 0))
		abort();
	free(a.buf);
	free(b.buf);
	return 0;
}
