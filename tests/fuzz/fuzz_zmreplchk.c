/* Fuzz zmreplchk_parse / zmreplchk_parse_delta: no crash, bounded output,
 * and every stored item is consistent with the flags and limits. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "zmreplchk_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct zmreplchk_result *r = NULL;
	struct zmreplchk_error e;
	size_t i, k;
	int rc, dir;
	long long d;

	rc = zmreplchk_parse(buf, size, &r, &e);
	if (!r || rc < 0 || rc > 1)
		abort();
	if ((rc == 0) != (e.msg == NULL))
		abort();
	if (r->n_entries > ZMREPLCHK_MAX_ENTRIES ||
	    r->n_unparsed > ZMREPLCHK_MAX_UNPARSED)
		abort();
	if (rc == 0 && (r->n_unparsed || r->n_entries_dropped))
		abort();
	for (i = 0; i < r->n_entries; i++) {
		const struct zmreplchk_entry *en = &r->entries[i];

		if (en->line < 1 || !en->url || !en->status ||
		    en->n_csns > ZMREPLCHK_MAX_CSNS)
			abort();
		if ((en->flags & ZMREPLCHK_F_BEHIND) && en->behind_secs < 0)
			abort();
		if ((en->flags & ZMREPLCHK_F_IN_SYNC) && en->code != 0)
			abort();
		if ((en->url[0] == '\0') != !!(en->flags & ZMREPLCHK_F_EMPTY_URL))
			abort();
		for (k = 0; k < en->n_csns; k++)
			if (!en->csns[k] || strlen(en->csns[k]) > 64)
				abort();
	}
	for (i = 0; i < r->n_unparsed; i++)
		if (strlen(r->unparsed[i].text) > ZMREPLCHK_MAX_UNPARSED_TEXT ||
		    r->unparsed[i].line < 1)
			abort();
	zmreplchk_result_free(r);

	d = zmreplchk_parse_delta(buf, size, &dir);
	if ((d < 0) != (dir == 0) || dir < 0 || dir > 2)
		abort();
	return 0;
}
