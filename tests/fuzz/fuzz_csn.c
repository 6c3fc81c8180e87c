/* Fuzz csn_parse / csn_list_parse: no crash, and every accepted CSN
 * round-trips its text and compares equal to itself. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "csn.h"
#include "xalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct csn c;
	if (csn_parse((const char *)data, size, &c)) {
		if (memcmp(c.text, data, CSN_LEN) != 0 || csn_cmp(&c, &c) != 0 ||
		    c.usec > 999999 || c.sid > 0xfff)
			abort();
	}
	char *s = xstrndup((const char *)data, size);
	size_t bad;
	struct csn_list *l = csn_list_parse(s, &bad);
	if (l) {
		double lag;
		if (l->n && (csn_lag_max(l, l, &lag) != CSN_LAG_OK || lag != 0.0))
			abort();
		csn_list_free(l);
	} else if (bad >= size) {
		abort();
	}
	free(s);
	return 0;
}
