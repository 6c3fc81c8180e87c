/* Fuzz the zmlocalconfig parsers: no crash; every parsed key is found by
 * localconfig_get(); nokey gives exactly as many values as keys asked. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "localconfig_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct localconfig *lc)
{
	size_t i;

	if (!lc)
		return;
	if (lc->n > LOCALCONFIG_MAX_KEYS)
		abort();
	for (i = 0; i < lc->n; i++)
		if (localconfig_get(lc, lc->items[i].key) != lc->items[i].value)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const keys[] = { "ldap_master_url", "ldap_url",
					     "ldap_root_password" };
	const char *buf = (const char *)data;
	struct localconfig_error e = { 0, NULL };
	struct localconfig *lc;
	size_t nkeys;

	lc = localconfig_parse_plain(buf, size, &e);
	if (!lc && !e.msg)
		abort();
	check(lc);
	localconfig_free(lc);

	e.msg = NULL;
	lc = localconfig_parse_shell(buf, size, &e);
	if (!lc && !e.msg)
		abort();
	check(lc);
	localconfig_free(lc);

	nkeys = size ? data[size - 1] % 4 : 0;
	e.msg = NULL;
	lc = localconfig_parse_nokey(buf, size, keys, nkeys, &e);
	if (lc ? lc->n != nkeys : !e.msg)
		abort();
	check(lc);
	localconfig_free(lc);
	return 0;
}
