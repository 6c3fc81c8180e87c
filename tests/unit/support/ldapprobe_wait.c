#include "ldapprobe_wait.h"

#include <stdio.h>
#include <stdlib.h>

#include "loop.h"
#include "xalloc.h"

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static struct ldapprobe_result *copy(const struct ldapprobe_result *r)
{
	struct ldapprobe_result *c = xcalloc(1, sizeof *c);
	*c = *r;
	c->error = dup_or_null(r->error);
	c->csns = NULL;
	if (r->csns) {
		c->csns = xcalloc(r->n_csns + 1, sizeof *c->csns);
		for (size_t i = 0; i < r->n_csns; i++)
			c->csns[i] = xstrdup(r->csns[i]);
	}
	c->consumers = r->n_consumers ? xcalloc(r->n_consumers, sizeof *c->consumers) : NULL;
	for (size_t i = 0; i < r->n_consumers; i++) {
		const struct ldapprobe_consumer *f = &r->consumers[i];
		c->consumers[i] = (struct ldapprobe_consumer){
			.provider = dup_or_null(f->provider), .connection = dup_or_null(f->connection),
			.phase = dup_or_null(f->phase), .next_connect = dup_or_null(f->next_connect),
			.last_contact = dup_or_null(f->last_contact), .connected = f->connected,
		};
	}
	return c;
}

static void on_done(void *ud, const struct ldapprobe_result *r)
{
	*(struct ldapprobe_result **)ud = copy(r);
}

static bool got(void *ud)
{
	return *(struct ldapprobe_result **)ud != NULL;
}

struct ldapprobe_result *ldapprobe_wait(const struct ldapprobe_request *req)
{
	struct loop *loop = loop_new();
	struct ldapprobe_result *res = NULL;
	struct ldapprobe *p = ldapprobe_start(loop, req, on_done, &res);
	/* the probe bounds itself (0: 10 s); the margin only guards a broken loop */
	if (p && !loop_run_until(loop, got, &res, (req->timeout_s > 0 ? req->timeout_s : 10) + 5)) {
		fprintf(stderr, "ldapprobe_wait: the probe of %s did not end\n", req->url);
		ldapprobe_cancel(p);
	}
	loop_free(loop);
	return res;
}

void ldapprobe_wait_free(struct ldapprobe_result *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n_csns; i++)
		free(r->csns[i]);
	free(r->csns);
	for (size_t i = 0; i < r->n_consumers; i++) {
		free(r->consumers[i].provider);
		free(r->consumers[i].connection);
		free(r->consumers[i].phase);
		free(r->consumers[i].next_connect);
		free(r->consumers[i].last_contact);
	}
	free(r->consumers);
	free((char *)r->error);
	free(r);
}
