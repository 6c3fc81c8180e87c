#include "ldapurl.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "xalloc.h"

static void ldapurl_set_err(char **err, char *msg)
{
	if (err)
		*err = msg;
	else
		free(msg);
}

static bool ldapurl_is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static bool ldapurl_is_hex(char c)
{
	return (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || (c >= '0' && c <= '9');
}

unsigned ldapurl_port(const struct ldapurl *u)
{
	return u->port ? u->port : u->tls ? 636 : 389;
}

/* Host name or IPv4: labels of [A-Za-z0-9_-], separated by single dots. */
static bool ldapurl_valid_name(const char *h, size_t n)
{
	if (n == 0 || n > 253 || h[0] == '.' || h[0] == '-')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = h[i];
		if (c == '.') {
			if (i + 1 < n && h[i + 1] == '.')
				return false;
		} else if (!ldapurl_is_alnum(c) && c != '-' && c != '_') {
			return false;
		}
	}
	return true;
}

/* IPv6 literal: hex digits, ':' and '.', at least one ':', optional %zone. */
static bool ldapurl_valid_v6(const char *h, size_t n)
{
	bool colon = false;
	size_t i;
	for (i = 0; i < n && h[i] != '%'; i++) {
		if (h[i] == ':')
			colon = true;
		else if (!ldapurl_is_hex(h[i]) && h[i] != '.')
			return false;
	}
	if (i < n) {
		if (++i == n)
			return false;
		for (; i < n; i++)
			if (!ldapurl_is_alnum(h[i]) && !strchr("._~-", h[i]))
				return false;
	}
	return colon;
}

bool ldapurl_parse(const char *s, size_t len, struct ldapurl *out, char **err)
{
	const char *why = NULL;
	size_t i;
	memset(out, 0, sizeof(*out));

	if (len >= 7 && strncasecmp(s, "ldap://", 7) == 0) {
		i = 7;
	} else if (len >= 8 && strncasecmp(s, "ldaps://", 8) == 0) {
		i = 8;
		out->tls = true;
	} else {
		why = "must start with ldap:// or ldaps://";
		goto fail;
	}
	size_t hstart = i, hlen;
	if (i < len && s[i] == '[') {
		const char *close = memchr(s + i, ']', len - i);
		if (!close) {
			why = "IPv6 address without ']'";
			goto fail;
		}
		hstart = i + 1;
		hlen = (size_t)(close - s) - hstart;
		if (!ldapurl_valid_v6(s + hstart, hlen)) {
			why = "invalid IPv6 address";
			goto fail;
		}
		i = (size_t)(close - s) + 1;
	} else {
		while (i < len && s[i] != ':' && s[i] != '/')
			i++;
		hlen = i - hstart;
		if (!ldapurl_valid_name(s + hstart, hlen)) {
			why = hlen ? "invalid host name" : "no host";
			goto fail;
		}
	}
	if (i < len && s[i] == ':') {
		unsigned long port = 0;
		size_t d = ++i;
		while (i < len && s[i] >= '0' && s[i] <= '9' && i - d < 6)
			port = port * 10 + (unsigned long)(s[i++] - '0');
		if (i == d || port < 1 || port > 65535 || (i < len && s[i] >= '0' && s[i] <= '9')) {
			why = "invalid port (1-65535)";
			goto fail;
		}
		out->port = (unsigned)port;
	}
	if (i < len && s[i] == '/') {
		out->slash = true;
		i++;
	}
	if (i != len) {
		why = "unexpected text after host[:port][/]";
		goto fail;
	}
	out->text = xstrndup(s, len);
	out->host = xstrndup(s + hstart, hlen);
	return true;
fail:
	ldapurl_set_err(err, xasprintf("invalid LDAP URL '%.*s': %s",
				       (int)(len > 200 ? 200 : len), s, why));
	return false;
}

void ldapurl_clear(struct ldapurl *u)
{
	if (!u)
		return;
	free(u->text);
	free(u->host);
	memset(u, 0, sizeof(*u));
}

bool ldapurl_same_server(const struct ldapurl *a, const struct ldapurl *b)
{
	return strcasecmp(a->host, b->host) == 0 && ldapurl_port(a) == ldapurl_port(b);
}

static struct ldapurl_list *ldapurl_list_new(void)
{
	return xcalloc(1, sizeof(struct ldapurl_list));
}

static void ldapurl_list_push(struct ldapurl_list *l, struct ldapurl *u)
{
	/* grow by one: lists hold a handful of servers */
	l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
	l->v[l->n++] = *u;
	memset(u, 0, sizeof(*u));
}

static bool ldapurl_list_has_server(const struct ldapurl_list *l, const struct ldapurl *u)
{
	for (size_t i = 0; i < l->n; i++)
		if (ldapurl_same_server(&l->v[i], u))
			return true;
	return false;
}

void ldapurl_list_free(struct ldapurl_list *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++)
		ldapurl_clear(&l->v[i]);
	free(l->v);
	free(l);
}

/* The first character zmreplchk's single-space split trips on, described. */
static char *ldapurl_strict_blank_error(const char *v)
{
	for (size_t i = 0; v[i]; i++) {
		if (v[i] == '\\' && (v[i + 1] == '\n' || v[i + 1] == '\r'))
			return xasprintf("backslash-newline at offset %zu: a shell line "
					 "continuation was kept in the value", i);
		if (v[i] == '\n' || v[i] == '\r')
			return xasprintf("newline at offset %zu: entries must be separated "
					 "by single spaces", i);
		if (v[i] == '\t')
			return xasprintf("tab at offset %zu: entries must be separated "
					 "by single spaces", i);
	}
	if (v[0] == ' ')
		return xasprintf("leading space: zmreplchk would see an empty entry");
	size_t n = strlen(v);
	if (n && v[n - 1] == ' ')
		return xasprintf("trailing space: zmreplchk would see an empty entry");
	const char *dbl = strstr(v, "  ");
	if (dbl)
		return xasprintf("extra space at offset %zu: zmreplchk would see an "
				 "empty entry", (size_t)(dbl - v) + 1);
	return NULL;
}

struct ldapurl_list *ldapurl_list_parse(const char *value, enum ldapurl_mode mode,
					char **err)
{
	struct ldapurl_list *l = ldapurl_list_new();
	char *msg = NULL;
	struct ldapurl u;

	if (mode == LDAPURL_STRICT) {
		if (!*value) {
			msg = xasprintf("empty value: the master URL must be listed");
			goto fail;
		}
		msg = ldapurl_strict_blank_error(value);
		if (msg)
			goto fail;
	}
	for (size_t i = 0;;) {
		while (mode == LDAPURL_LENIENT && value[i] && strchr(" \t\r\n", value[i]))
			i++;
		if (!value[i])
			break;
		size_t start = i;
		while (value[i] && !strchr(" \t\r\n", value[i]))
			i++;
		size_t len = i - start;
		if (mode == LDAPURL_LENIENT && len == 1 && value[start] == '\\')
			continue;
		if (!ldapurl_parse(value + start, len, &u, &msg))
			goto fail;
		if (ldapurl_list_has_server(l, &u)) {
			if (mode == LDAPURL_STRICT) {
				msg = xasprintf("duplicate entry '%s'", u.text);
				ldapurl_clear(&u);
				goto fail;
			}
			ldapurl_clear(&u);
		} else {
			ldapurl_list_push(l, &u);
		}
		if (mode == LDAPURL_STRICT && value[i])
			i++; /* the single space */
	}
	return l;
fail:
	ldapurl_list_free(l);
	ldapurl_set_err(err, msg);
	return NULL;
}

char *ldapurl_list_join(const struct ldapurl_list *l)
{
	size_t len = 0;
	for (size_t i = 0; i < l->n; i++)
		len += strlen(l->v[i].text) + 1;
	char *out = xmalloc(len + 1), *p = out;
	for (size_t i = 0; i < l->n; i++) {
		if (i)
			*p++ = ' ';
		size_t tl = strlen(l->v[i].text);
		memcpy(p, l->v[i].text, tl);
		p += tl;
	}
	*p = '\0';
	return out;
}

char *ldapurl_for(const char *host, unsigned port)
{
	if (port == 0)
		port = 389;
	const char *lb = strchr(host, ':') ? "[" : "", *rb = *lb ? "]" : "";
	return xasprintf("%s://%s%s%s:%u", port == 636 ? "ldaps" : "ldap", lb, host, rb, port);
}

char *ldapurl_for_own(const char *hostname, unsigned port)
{
	char *lower = xstrdup(hostname);
	for (char *c = lower; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	char *url = ldapurl_for(lower, port);
	free(lower);
	return url;
}

/* Append master_url to the list's entries: "<entries> <master_url>". */
static char *ldapurl_with_master(const struct ldapurl_list *l, const char *master_url)
{
	if (l->n == 0)
		return xstrdup(master_url);
	char *head = ldapurl_list_join(l);
	char *out = xasprintf("%s %s", head, master_url);
	free(head);
	return out;
}

static struct ldapurl_list *ldapurl_masters(const char *master_url, char **err)
{
	char *msg = NULL;
	struct ldapurl_list *m = ldapurl_list_parse(master_url, LDAPURL_STRICT, &msg);
	if (!m) {
		ldapurl_set_err(err, xasprintf("ldap_master_url: %s", msg));
		free(msg);
	}
	return m;
}

char *ldapurl_install(const char *master_url, const char *const replicas[],
		      size_t nreplicas, char **err)
{
	struct ldapurl_list *m = ldapurl_masters(master_url, err);
	struct ldapurl_list *r = ldapurl_list_new();
	char *out = NULL;
	struct ldapurl u;

	if (!m)
		goto out;
	for (size_t i = 0; i < nreplicas; i++) {
		if (!ldapurl_parse(replicas[i], strlen(replicas[i]), &u, err))
			goto out;
		if (ldapurl_list_has_server(m, &u)) {
			ldapurl_set_err(err, xasprintf("replica '%s' is the master", u.text));
			ldapurl_clear(&u);
			goto out;
		}
		if (ldapurl_list_has_server(r, &u))
			ldapurl_clear(&u);
		else
			ldapurl_list_push(r, &u);
	}
	out = ldapurl_with_master(r, master_url);
out:
	ldapurl_list_free(r);
	ldapurl_list_free(m);
	return out;
}

/* Does target (a URL, or a bare host meaning any port) match u? */
static bool ldapurl_target_matches(const struct ldapurl *t, const char *bare_host,
				   const struct ldapurl *u)
{
	if (bare_host)
		return strcasecmp(bare_host, u->host) == 0;
	return ldapurl_same_server(t, u);
}

char *ldapurl_remove(const char *current, const char *master_url,
		     const char *const targets[], size_t ntargets, char **err)
{
	struct ldapurl_list *m = ldapurl_masters(master_url, err);
	struct ldapurl_list *cur = NULL, *keep = ldapurl_list_new();
	struct ldapurl_list *tl = ldapurl_list_new();
	const char **bare = xcalloc(ntargets ? ntargets : 1, sizeof(*bare));
	char *out = NULL, *msg = NULL;
	struct ldapurl u;

	if (!m)
		goto out;
	cur = ldapurl_list_parse(current, LDAPURL_LENIENT, &msg);
	if (!cur) {
		ldapurl_set_err(err, xasprintf("current ldap_url: %s", msg));
		goto out;
	}
	for (size_t i = 0; i < ntargets; i++) {
		const char *t = targets[i];
		if (strstr(t, "://")) {
			if (!ldapurl_parse(t, strlen(t), &u, err))
				goto out;
		} else {
			/* bare host: parse a stand-in URL to validate it */
			char *tmp = ldapurl_for(t, 389);
			bool ok = ldapurl_parse(tmp, strlen(tmp), &u, NULL);
			free(tmp);
			if (!ok) {
				ldapurl_set_err(err, xasprintf("invalid host name '%s'", t));
				goto out;
			}
			bare[tl->n] = t;
		}
		for (size_t k = 0; k < m->n; k++) {
			if (ldapurl_target_matches(&u, bare[tl->n], &m->v[k])) {
				ldapurl_set_err(err, xasprintf("refusing to remove the master '%s'",
							       m->v[k].text));
				ldapurl_clear(&u);
				goto out;
			}
		}
		ldapurl_list_push(tl, &u);
	}
	for (size_t i = 0; i < cur->n; i++) {
		bool drop = ldapurl_list_has_server(m, &cur->v[i]);
		for (size_t k = 0; !drop && k < tl->n; k++)
			drop = ldapurl_target_matches(&tl->v[k], bare[k], &cur->v[i]);
		if (!drop)
			ldapurl_list_push(keep, &cur->v[i]);
	}
	out = ldapurl_with_master(keep, master_url);
out:
	free(msg);
	free(bare);
	ldapurl_list_free(tl);
	ldapurl_list_free(keep);
	ldapurl_list_free(cur);
	ldapurl_list_free(m);
	return out;
}

bool ldapurl_list_names(const char *list, const char *host, unsigned port)
{
	bool found = false;
	for (size_t i = 0; !found && list[i];) {
		while (list[i] && strchr(" \t\r\n", list[i]))
			i++;
		size_t start = i;
		while (list[i] && !strchr(" \t\r\n", list[i]))
			i++;
		struct ldapurl u;
		if (i > start && ldapurl_parse(list + start, i - start, &u, NULL)) {
			found = strcasecmp(u.host, host) == 0 &&
				(port == 0 || ldapurl_port(&u) == port);
			ldapurl_clear(&u);
		}
	}
	return found;
}
