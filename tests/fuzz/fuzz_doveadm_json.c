/* Fuzz the doveadm -f json parsers (jansson): no crash, no leak, results
 * within their ranges. */
#include <stdint.h>
#include <stdlib.h>

#include "doveadm_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct doveadm_error e = { 0, NULL };
	struct doveadm_overview *o;
	struct doveadm_users *u;
	struct doveadm_dsync *d;
	size_t i;

	o = doveadm_parse_overview_json(buf, size, &e);
	if (!o && !e.msg)
		abort();
	doveadm_overview_free(o);

	e.msg = NULL;
	u = doveadm_parse_users_json(buf, size, &e);
	if (!u && !e.msg)
		abort();
	for (i = 0; u && i < u->n; i++)
		if (!u->users[i].username || u->users[i].fast_sync_ago < -1)
			abort();
	doveadm_users_free(u);

	e.msg = NULL;
	d = doveadm_parse_dsync_json(buf, size, &e);
	if (!d && !e.msg)
		abort();
	doveadm_dsync_free(d);
	return 0;
}
