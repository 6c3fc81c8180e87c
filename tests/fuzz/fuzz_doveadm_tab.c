/* Fuzz the doveadm tab parsers, the replicate count, the HH:MM:SS reader
 * and the failure classifier: no crash, results within their ranges. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "doveadm_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct doveadm_error e = { 0, NULL };
	struct doveadm_overview *o;
	struct doveadm_users *u;
	struct doveadm_dsync *d;
	struct doveadm_failure_info fi;
	size_t i;
	long long v;
	int exit_code;

	o = doveadm_parse_overview_tab(buf, size, &e);
	if (!o && !e.msg)
		abort();
	if (o && o->n_extra > DOVEADM_MAX_EXTRA)
		abort();
	doveadm_overview_free(o);

	e.msg = NULL;
	u = doveadm_parse_users_tab(buf, size, &e);
	if (!u && !e.msg)
		abort();
	for (i = 0; u && i < u->n; i++) {
		const struct doveadm_user *x = &u->users[i];

		if (!x->username || x->fast_sync_ago < -1 ||
		    x->full_sync_ago < -1 || x->success_sync_ago < -1 ||
		    x->priority > DOVEADM_PRIO_SYNC ||
		    (!u->has_next_sync && x->next_sync_secs != -1))
			abort();
	}
	doveadm_users_free(u);

	e.msg = NULL;
	d = doveadm_parse_dsync_tab(buf, size, &e);
	if (!d && !e.msg)
		abort();
	for (i = 0; d && i < d->n; i++)
		if (!d->rows[i].username || !d->rows[i].type || !d->rows[i].status)
			abort();
	doveadm_dsync_free(d);

	v = doveadm_parse_replicate(buf, size, &e);
	if (v < -1)
		abort();
	v = doveadm_parse_hms(buf, size);
	if (v < -2)
		abort();

	exit_code = size ? data[0] : 0;
	if (doveadm_classify_failure(buf, size, exit_code, &fi) != fi.kind ||
	    !fi.summary || strlen(fi.detail) >= sizeof(fi.detail))
		abort();
	if ((exit_code == 0) != (fi.kind == DOVEADM_FAIL_NONE))
		abort();
	return 0;
}
