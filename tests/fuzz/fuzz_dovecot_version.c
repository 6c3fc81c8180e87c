/* Fuzz dovecot_version_parse{,_doveconf}: no crash; an accepted version has
 * sane components and a classification consistent with its numbers. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dovecot_version.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct dovecot_version *v)
{
	enum dovecot_version_class c;
	const char *msg = NULL;

	if (v->major < 0 || v->minor < 0 || v->micro < -1 || v->patch < -1 ||
	    v->major > DOVECOT_VERSION_MAX_COMPONENT ||
	    (v->micro < 0 && v->patch >= 0) ||
	    strlen(v->text) >= sizeof(v->text) || strlen(v->rev) >= sizeof(v->rev))
		abort();
	c = dovecot_version_classify(v, &msg);
	if (!msg)
		abort();
	if ((c == DOVECOT_VERSION_TOO_NEW) != (v->major > 2 || (v->major == 2 && v->minor >= 4)))
		abort();
	if (dovecot_version_has_next_sync_column(v) && c != DOVECOT_VERSION_OK)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct dovecot_version v;
	struct dovecot_version_error e = { 0, NULL };

	if (dovecot_version_parse(buf, size, &v, &e) == 0)
		check(&v);
	else if (!e.msg)
		abort();
	e.msg = NULL;
	if (dovecot_version_parse_doveconf(buf, size, &v, &e) == 0)
		check(&v);
	else if (!e.msg)
		abort();
	return 0;
}
