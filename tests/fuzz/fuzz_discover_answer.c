/* Fuzz the reading of the master's answer to `site discover`
 * (discover_answer_parse) and the plan made from it for a small site: no
 * crash, an error always said, and every server of an accepted answer in the
 * plan with at least one role. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dirservers.h"
#include "discover.h"
#include "discover_plan.h"
#include "site.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct site *site;

static struct site *make_site(void)
{
	char path[] = "/tmp/fuzz-discover-XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0)
		abort();
	static const char text[] = "[carbonio]\nmaster = ds1.example.com\nreplicas = ds9.example.com\n"
				   "mta = mx1.example.com\n[dovecot]\nservers = imap1 imap2\n";
	if (write(fd, text, sizeof text - 1) != (ssize_t)(sizeof text - 1))
		abort();
	close(fd);
	struct site *s = site_load(path, NULL);
	unlink(path);
	if (!s)
		abort();
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!site)
		site = make_site();
	char *err = NULL;
	struct discover_answer *a = discover_answer_parse((const char *)data, size, "ds1.example.com", &err);
	if (!a) {
		if (!err || !*err)
			abort();
		free(err);
		return 0;
	}
	if (err)
		abort();
	const struct discover_input *in = discover_answer_input(a);
	for (int prune = 0; prune < 2; prune++) {
		struct discover_plan *p = discover_plan_new(site, in, prune);
		if (p->n_servers != in->servers->n)
			abort();
		for (size_t i = 0; i < p->n_servers; i++)
			if (!p->servers[i].roles || !p->servers[i].site_name)
				abort();
		(void)discover_plan_changed(p);
		discover_plan_free(p);
	}
	discover_answer_free(a);
	return 0;
}
