/* Text measured in display cells (ui/widgets/text.h). */
#include "widgets/text.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "xalloc.h"

/* The next character of s (at most `left` bytes): its length in bytes
 * (1 for an invalid byte) and its cells. */
static size_t next_char(const char *s, size_t left, mbstate_t *st, int *cells)
{
	wchar_t wc;
	size_t len = mbrtowc(&wc, s, left, st);
	if (len == (size_t)-1 || len == (size_t)-2 || len == 0) {
		memset(st, 0, sizeof *st);
		*cells = 1; /* term_put draws it as '?' */
		return 1;
	}
	int cw = wcwidth(wc);
	*cells = cw < 0 ? 1 : cw;
	return len;
}

int wg_cells(const char *s, size_t bytes)
{
	size_t n = strlen(s);
	if (bytes < n)
		n = bytes;
	mbstate_t st;
	memset(&st, 0, sizeof st);
	int used = 0;
	for (size_t i = 0; i < n;) {
		int cw;
		i += next_char(s + i, n - i, &st, &cw);
		used += cw;
	}
	return used;
}

void wg_put(int y, int x, int n, enum term_role role, const char *s)
{
	if (n <= 0)
		return;
	attron(term_attr(role));
	term_put(y, x, n, s);
	attroff(term_attr(role));
}

void wg_fill_row(int y, enum term_role role)
{
	attron(term_attr(role));
	mvhline(y, 0, ' ', getmaxx(stdscr));
	attroff(term_attr(role));
}

size_t wg_wrap_line(const char *s, int cells, const char **next)
{
	size_t len = strlen(s), bytes = 0, last_blank = 0;
	int used = 0;
	mbstate_t st;
	memset(&st, 0, sizeof st);
	while (bytes < len) {
		int cw;
		size_t l = next_char(s + bytes, len - bytes, &st, &cw);
		if (used + cw > cells && used > 0)
			break;
		if (s[bytes] == ' ')
			last_blank = bytes;
		bytes += l;
		used += cw;
	}
	/* the text goes on past the width and not at a blank: cut at the last
	 * blank (one at the very start does not count) */
	if (bytes < len && s[bytes] != ' ' && last_blank > 0)
		bytes = last_blank;
	const char *p = s + bytes;
	while (*p == ' ')
		p++;
	*next = p;
	return bytes;
}

int wg_wrap(int y, int x, int width, int max, enum term_role role, const char *s)
{
	int used = 0;
	while (*s && used < max) {
		const char *next;
		size_t n = wg_wrap_line(s, width, &next);
		char *part = xstrndup(s, n);
		wg_put(y + used, x, width, role, part);
		free(part);
		used++;
		s = next;
	}
	return used;
}
