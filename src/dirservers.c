/* The master's list of servers (`zmprov -l gas -v`) and which of them a
 * site file names: see dirservers.h. */
#include "dirservers.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "xalloc.h"

static const char name_prefix[] = "# name ";
static const char service_prefix[] = "zimbraServiceEnabled: ";

void dirservers_free(struct dirservers *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n; i++) {
		for (size_t k = 0; k < d->v[i].n_services; k++)
			free(d->v[i].services[k]);
		free(d->v[i].services);
		free(d->v[i].name);
	}
	free(d->v);
	free(d);
}

static bool fail(struct dirservers_error *err, size_t line, const char *msg)
{
	if (err) {
		err->line = line;
		err->msg = msg;
	}
	return false;
}

/* A host name or a service: printable ASCII without blanks. */
static bool token_ok(const char *s, size_t n, size_t max)
{
	if (n == 0 || n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] <= ' ' || s[i] >= 127)
			return false;
	return true;
}

bool dirservers_same_host(const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b);
	if (na && a[na - 1] == '.')
		na--;
	if (nb && b[nb - 1] == '.')
		nb--;
	return na == nb && na > 0 && strncasecmp(a, b, na) == 0;
}

static bool add_server(struct dirservers *d, const char *s, size_t n, size_t line,
		       struct dirservers_error *err)
{
	/* "." is empty once the final dot goes: it could never be named */
	if (!token_ok(s, n, DIRSERVERS_MAX_NAME) || (n == 1 && s[0] == '.'))
		return fail(err, line, "a server name that is empty, too long or holds blanks or control bytes");
	if (d->n == DIRSERVERS_MAX)
		return fail(err, line, "more servers than the wizard handles");
	char *name = xstrndup(s, n);
	for (size_t i = 0; i < d->n; i++)
		if (dirservers_same_host(d->v[i].name, name)) {
			free(name);
			return fail(err, line, "the same server is listed twice");
		}
	d->v = xrealloc(d->v, (d->n + 1) * sizeof *d->v);
	d->v[d->n] = (struct dirserver){ .name = name, .line = line };
	d->n++;
	return true;
}

static bool add_service(struct dirservers *d, const char *s, size_t n, size_t line,
			struct dirservers_error *err)
{
	if (d->n == 0)
		return fail(err, line, "zimbraServiceEnabled before the first \"# name\" line");
	if (!token_ok(s, n, DIRSERVERS_MAX_SERVICE))
		return fail(err, line, "a service that is empty, too long or holds blanks or control bytes");
	struct dirserver *srv = &d->v[d->n - 1];
	for (size_t k = 0; k < srv->n_services; k++)
		if (strlen(srv->services[k]) == n && memcmp(srv->services[k], s, n) == 0)
			return true; /* a multi-valued attribute lists a value once */
	if (srv->n_services == DIRSERVERS_MAX_SERVICES)
		return fail(err, line, "more services on one server than the wizard handles");
	srv->services = xrealloc(srv->services, (srv->n_services + 1) * sizeof *srv->services);
	srv->services[srv->n_services++] = xstrndup(s, n);
	return true;
}

struct dirservers *dirservers_parse(const char *buf, size_t len, struct dirservers_error *err)
{
	struct dirservers *d = xcalloc(1, sizeof *d);
	if (err)
		*err = (struct dirservers_error){ 0 };
	if (!buf)
		len = 0;
	if (len && memchr(buf, '\0', len)) {
		fail(err, 0, "a NUL byte in the server list");
		goto bad;
	}
	size_t line = 0;
	for (size_t pos = 0; pos < len;) {
		const char *s = buf + pos;
		const char *nl = memchr(s, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - s) : len - pos;
		pos += n + (nl ? 1 : 0);
		line++;
		if (n && s[n - 1] == '\r')
			n--;
		size_t np = sizeof name_prefix - 1, sp = sizeof service_prefix - 1;
		if (n >= np && memcmp(s, name_prefix, np) == 0) {
			if (!add_server(d, s + np, n - np, line, err))
				goto bad;
		} else if (n >= sp && strncasecmp(s, service_prefix, sp) == 0) {
			if (!add_service(d, s + sp, n - sp, line, err))
				goto bad;
		}
		/* blank lines and the other attributes of a full dump: ignored */
	}
	if (d->n == 0) {
		fail(err, 0, "no server at all (the master has its own entry)");
		goto bad;
	}
	return d;
bad:
	dirservers_free(d);
	return NULL;
}

bool dirserver_has(const struct dirserver *s, const char *service)
{
	for (size_t k = 0; k < s->n_services; k++)
		if (strcmp(s->services[k], service) == 0)
			return true;
	return false;
}

char *dirserver_roles(const struct dirserver *s)
{
	if (s->n_services == 0)
		return xstrdup("no service enabled");
	size_t len = 1;
	for (size_t k = 0; k < s->n_services; k++)
		len += strlen(s->services[k]) + 2;
	char *out = xcalloc(1, len);
	for (size_t k = 0; k < s->n_services; k++) {
		if (k)
			strcat(out, ", ");
		strcat(out, s->services[k]);
	}
	return out;
}

size_t dirservers_compare(const struct dirservers *d, const struct dirservers_node *site, size_t n_site,
			  const char *const *skip, size_t n_skip, enum dirserver_status *status,
			  long *named, size_t *bad_skip)
{
	size_t unnamed = 0;
	*bad_skip = SIZE_MAX;
	for (size_t k = 0; k < n_skip && *bad_skip == SIZE_MAX; k++) {
		bool listed = false;
		for (size_t i = 0; i < d->n && !listed; i++)
			listed = dirservers_same_host(d->v[i].name, skip[k]);
		if (!listed)
			*bad_skip = k;
	}
	for (size_t i = 0; i < d->n; i++) {
		long by = -1;
		for (size_t j = 0; j < n_site && by < 0; j++)
			if (dirservers_same_host(site[j].name, d->v[i].name) ||
			    (site[j].hostname && dirservers_same_host(site[j].hostname, d->v[i].name)))
				by = (long)j;
		if (named)
			named[i] = by;
		bool skipped = false;
		for (size_t k = 0; by < 0 && k < n_skip && !skipped; k++)
			skipped = dirservers_same_host(skip[k], d->v[i].name);
		status[i] = by >= 0 ? DIRSERVER_NAMED : skipped ? DIRSERVER_SKIPPED : DIRSERVER_UNNAMED;
		unnamed += status[i] == DIRSERVER_UNNAMED;
	}
	return unnamed;
}
