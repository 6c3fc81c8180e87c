/* Fuzz dirservers_parse and dirservers_compare: no crash, bounded output,
 * every stored server and service within the limits and printable, and the
 * comparison's counts consistent with its statuses. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dirservers.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_token(const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n == 0 || n > max)
		abort();
	for (size_t i = 0; i < n; i++)
		if (s[i] <= ' ' || s[i] >= 127)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dirservers_error e;
	struct dirservers *d = dirservers_parse((const char *)data, size, &e);
	if (!d) {
		if (!e.msg)
			abort();
		return 0;
	}
	if (e.msg || d->n == 0 || d->n > DIRSERVERS_MAX)
		abort();
	for (size_t i = 0; i < d->n; i++) {
		check_token(d->v[i].name, DIRSERVERS_MAX_NAME);
		if (d->v[i].n_services > DIRSERVERS_MAX_SERVICES || d->v[i].line < 1)
			abort();
		for (size_t k = 0; k < d->v[i].n_services; k++)
			check_token(d->v[i].services[k], DIRSERVERS_MAX_SERVICE);
		free(dirserver_roles(&d->v[i]));
	}
	/* the first server named by the site, the last one skipped */
	struct dirservers_node site[] = { { d->v[0].name, NULL }, { "x", d->v[d->n - 1].name } };
	const char *skip[] = { d->v[d->n - 1].name, "not.listed.invalid" };
	enum dirserver_status *st = calloc(d->n, sizeof *st);
	long *named = calloc(d->n, sizeof *named);
	size_t bad;
	size_t unnamed = dirservers_compare(d, site, 1, skip, 2, st, named, &bad);
	size_t count = 0;
	for (size_t i = 0; i < d->n; i++)
		count += st[i] == DIRSERVER_UNNAMED;
	if (count != unnamed || st[0] != DIRSERVER_NAMED || named[0] != 0)
		abort();
	if (dirservers_compare(d, site, 2, NULL, 0, st, named, &bad) > (d->n > 2 ? d->n - 2 : 0) ||
	    bad != SIZE_MAX)
		abort();
	free(named);
	free(st);
	dirservers_free(d);
	return 0;
}
