/* Fuzz the site file loader (site_load: our line reader + libinih + every
 * field check + cross-field validation): no crash, no leak, and a loaded
 * site is self-consistent (each resolved host is found by its name, has a
 * port in 1..65535 and a role), and writes back to a file that loads again. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <strings.h>

#include "site.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char in_path[64], out_path[64];

static void setup(void)
{
	if (in_path[0])
		return;
	snprintf(in_path, sizeof in_path, "/tmp/fuzz_site.%d.ini", (int)getpid());
	snprintf(out_path, sizeof out_path, "/tmp/fuzz_site.%d.out.ini", (int)getpid());
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	setup();
	FILE *f = fopen(in_path, "wb");
	if (!f)
		abort();
	if (size && fwrite(data, 1, size, f) != size)
		abort();
	fclose(f);

	struct site_error err;
	struct site *s = site_load(in_path, &err);
	if (!s) {
		char buf[4096];
		site_error_format(&err, buf, sizeof buf);
		if (!err.message[0])
			abort(); /* a refusal must say why */
		goto out;
	}
	for (size_t i = 0; i < site_host_count(s); i++) {
		const struct site_host *h = site_host_at(s, i);
		if (site_host(s, h->name) == NULL || h->port < 1 || h->port > 65535 || h->roles == 0)
			abort();
	}
	/* each pair: two different servers, each a Dovecot host of that pair only */
	for (size_t k = 0; k < site_pair_count(s); k++) {
		const struct site_pair *p = site_pair_at(s, k);
		if (site_pair(s, p->name) != p || strcasecmp(p->servers[0], p->servers[1]) == 0)
			abort();
		for (int i = 0; i < 2; i++) {
			const struct site_host *h = site_host(s, p->servers[i]);
			if (!h || !(h->roles & SITE_ROLE_DOVECOT) || !h->pair || strcmp(h->pair, p->name) != 0 ||
			    site_pair_of(s, p->servers[i]) != p)
				abort();
		}
	}
	if (site_write(s, out_path, &err) == 0) {
		struct site *again = site_load(out_path, &err);
		if (!again || site_host_count(again) != site_host_count(s) ||
		    site_pair_count(again) != site_pair_count(s))
			abort(); /* what we write must load back the same */
		site_free(again);
	}
	site_free(s);
out:
	unlink(in_path);
	unlink(out_path);
	return 0;
}
