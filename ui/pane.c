/* The bounded line store (ui/pane.h): a ring of lines and their kinds. */
#include "pane.h"

#include <stdlib.h>

#include "xalloc.h"

struct pane {
	char **lines;
	unsigned char *kinds;
	size_t max, head, n, dropped;
};

struct pane *pane_new(size_t max_lines)
{
	struct pane *p = xcalloc(1, sizeof *p);
	p->max = max_lines ? max_lines : 1;
	p->lines = xcalloc(p->max, sizeof *p->lines);
	p->kinds = xcalloc(p->max, sizeof *p->kinds);
	return p;
}

void pane_free(struct pane *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->max; i++)
		free(p->lines[i]);
	free(p->lines);
	free(p->kinds);
	free(p);
}

void pane_add(struct pane *p, const char *line)
{
	pane_add_kind(p, PANE_OUTPUT, line);
}

void pane_add_kind(struct pane *p, enum pane_kind kind, const char *line)
{
	size_t slot = (p->head + p->n) % p->max;
	if (p->n == p->max) {
		/* full: overwrite the oldest */
		free(p->lines[p->head]);
		p->head = (p->head + 1) % p->max;
		p->dropped++;
	} else {
		p->n++;
	}
	p->lines[slot] = xstrdup(line);
	p->kinds[slot] = (unsigned char)kind;
}

size_t pane_count(const struct pane *p)
{
	return p->n;
}

const char *pane_line(const struct pane *p, size_t i)
{
	return i < p->n ? p->lines[(p->head + i) % p->max] : NULL;
}

enum pane_kind pane_kind(const struct pane *p, size_t i)
{
	return i < p->n ? (enum pane_kind)p->kinds[(p->head + i) % p->max] : PANE_OUTPUT;
}

size_t pane_dropped(const struct pane *p)
{
	return p->dropped;
}
