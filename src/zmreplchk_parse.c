#include "zmreplchk_parse.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "span.h"
#include "xalloc.h"

static bool is_hex(char c)
{
	return span_is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool is_blank(struct span s)
{
	size_t i;

	for (i = 0; i < s.n; i++)
		if (s.p[i] != ' ' && s.p[i] != '\t')
			return false;
	return true;
}

/* contextCSN: YYYYmmddHHMMSS[.ffffff]Z#hex#hex#hex (OpenLDAP 2.4+ uses
 * 6/3/6 hex digits, 2.3 used other widths, so widths are not checked). */
static bool is_csn(struct span s)
{
	size_t i = 0, k;

	if (s.n > 64 || s.n < 15)
		return false;
	for (; i < 14; i++)
		if (!span_is_digit(s.p[i]))
			return false;
	if (s.p[i] == '.') {
		size_t start = ++i;

		while (i < s.n && span_is_digit(s.p[i]))
			i++;
		if (i == start)
			return false;
	}
	if (i >= s.n || s.p[i++] != 'Z')
		return false;
	for (k = 0; k < 3; k++) {
		size_t start;

		if (i >= s.n || s.p[i++] != '#')
			return false;
		start = i;
		while (i < s.n && is_hex(s.p[i]))
			i++;
		if (i == start)
			return false;
	}
	return i == s.n;
}

/* Reads "[+-]digits" at s[*i]; -1 when absent or longer than 9 digits
 * (keeps the sum below LLONG_MAX). The sign is dropped: zmreplchk removes
 * only the first '-' and the direction comes from the suffix. */
static long long read_field(struct span s, size_t *i)
{
	long long v = 0;
	size_t start;

	if (*i < s.n && (s.p[*i] == '-' || s.p[*i] == '+'))
		(*i)++;
	start = *i;
	while (*i < s.n && span_is_digit(s.p[*i])) {
		if (*i - start >= 9)
			return -1;
		v = v * 10 + (s.p[*i] - '0');
		(*i)++;
	}
	return *i == start ? -1 : v;
}

long long zmreplchk_parse_delta(const char *str, size_t len, int *dir)
{
	static const char units[] = "yMwdhm";
	static const long long secs[] = { 365LL * 86400, 30LL * 86400,
					  7LL * 86400, 86400, 3600, 60 };
	struct span s = { str, len };
	size_t i = 0, next_unit = 0, nfields = 0;
	long long total = 0, v;
	const char *u;

	if (dir)
		*dir = 0;
	if (!str)
		return -1;
	for (;;) {
		v = read_field(s, &i);
		if (v < 0)
			return -1;
		if (i == s.n) {
			/* Bare seconds: the Date::Manip 6 "ahead" form. */
			if (nfields == 0)
				return -1;
			if (dir)
				*dir = 2;
			return total + v;
		}
		if (s.p[i] == 's') {
			struct span rest = { s.p + i + 1, s.n - i - 1 };

			if (span_eq(rest, " behind")) {
				if (dir)
					*dir = 1;
			} else if (span_eq(rest, " ahead")) {
				if (dir)
					*dir = 2;
			} else {
				return -1;
			}
			return total + v;
		}
		u = memchr(units, s.p[i], sizeof(units) - 1);
		if (!u || (size_t)(u - units) < next_unit)
			return -1;
		next_unit = (size_t)(u - units) + 1;
		total += v * secs[u - units];
		nfields++;
		i++;
		if (i >= s.n || s.p[i] != ' ')
			return -1;
		i++;
	}
}

static void set_err(struct zmreplchk_error *err, size_t line, const char *msg)
{
	if (err && !err->msg) {
		err->line = line;
		err->msg = msg;
	}
}

struct parser {
	struct zmreplchk_result *r;
	size_t cap_entries, cap_unparsed;
	struct zmreplchk_error *err;
	int rc;
};

static void add_unparsed(struct parser *ps, size_t line, struct span s,
			 const char *why)
{
	struct zmreplchk_result *r = ps->r;
	size_t n = s.n < ZMREPLCHK_MAX_UNPARSED_TEXT ? s.n :
		   ZMREPLCHK_MAX_UNPARSED_TEXT;
	char *t;
	size_t i;

	ps->rc = 1;
	set_err(ps->err, line, why);
	if (r->n_unparsed >= ZMREPLCHK_MAX_UNPARSED) {
		r->n_unparsed_dropped++;
		return;
	}
	t = xmalloc(n + 1);
	for (i = 0; i < n; i++)
		t[i] = s.p[i] ? s.p[i] : '?';
	t[n] = '\0';
	if (r->n_unparsed == ps->cap_unparsed) {
		ps->cap_unparsed = ps->cap_unparsed ? ps->cap_unparsed * 2 : 4;
		r->unparsed = xrealloc(r->unparsed,
				       ps->cap_unparsed * sizeof(*r->unparsed));
	}
	r->unparsed[r->n_unparsed].line = line;
	r->unparsed[r->n_unparsed].text = t;
	r->n_unparsed++;
}

static void add_csn(struct parser *ps, struct zmreplchk_entry *e,
		    struct span s, size_t line)
{
	if (e->n_csns >= ZMREPLCHK_MAX_CSNS) {
		e->n_csns_dropped++;
		ps->rc = 1;
		set_err(ps->err, line, "too many CSNs for one server");
		return;
	}
	/* Capacity is fixed at ZMREPLCHK_MAX_CSNS, allocated on first use. */
	if (!e->csns)
		e->csns = xcalloc(ZMREPLCHK_MAX_CSNS, sizeof(*e->csns));
	e->csns[e->n_csns++] = xstrndup(s.p, s.n);
}

/* Splits "<csn> <csn> ..." (one-line form); false if any token is no CSN. */
static bool all_csns(struct span s)
{
	size_t i = 0;

	if (s.n == 0)
		return false;
	while (i < s.n) {
		struct span tok = { s.p + i, 0 };

		while (i + tok.n < s.n && s.p[i + tok.n] != ' ')
			tok.n++;
		if (!is_csn(tok))
			return false;
		i += tok.n + 1;
	}
	return s.p[s.n - 1] != ' ';
}

static void set_flags(struct zmreplchk_entry *e)
{
	struct span st = { e->status, strlen(e->status) };
	int dir = 0;
	long long d;

	if (e->url[0] == '\0')
		e->flags |= ZMREPLCHK_F_EMPTY_URL;
	if (e->code < 0)
		e->flags |= ZMREPLCHK_F_NO_CODE;
	if (e->code == 0)
		e->flags |= ZMREPLCHK_F_IN_SYNC;
	if (e->code != 6)
		return;
	if (st.n == 0) {
		e->flags |= ZMREPLCHK_F_MASTER_DOWN;
		return;
	}
	d = zmreplchk_parse_delta(st.p, st.n, &dir);
	if (d >= 0)
		e->delta_secs = d;
	if (dir == 1) {
		e->flags |= ZMREPLCHK_F_BEHIND;
		e->behind_secs = d;
	} else {
		e->flags |= ZMREPLCHK_F_AHEAD_UNKNOWN;
	}
}

enum csn_mode { CSN_NONE, CSN_NEXT_LINES, CSN_SKIP };

/* Parses one "Master:"/"Replica:" line. Returns the CSN mode that follows,
 * or -1 when the line does not have the tool's shape. */
static int parse_entry(struct parser *ps, struct span s, size_t line)
{
	struct zmreplchk_result *r = ps->r;
	struct zmreplchk_entry e;
	struct span rest, url, sid = { NULL, 0 }, status, csns = { NULL, 0 };
	size_t i, k;
	int code = 0, mode = CSN_NONE;

	memset(&e, 0, sizeof(e));
	if (span_starts_with(s, "Master: ")) {
		e.role = ZMREPLCHK_MASTER;
		rest.p = s.p + 8;
		rest.n = s.n - 8;
	} else {
		e.role = ZMREPLCHK_REPLICA;
		rest.p = s.p + 9;
		rest.n = s.n - 9;
	}
	/* The URL comes from a split on ' ', so it holds no blank. */
	url.p = rest.p;
	for (url.n = 0; url.n < rest.n && rest.p[url.n] != ' '; url.n++)
		;
	rest.p += url.n;
	rest.n -= url.n;
	if (e.role == ZMREPLCHK_MASTER) {
		/* olcServerID may be "1 ldap://host": read up to " Code: ". */
		if (!span_starts_with(rest, " ServerID: "))
			return -1;
		rest.p += 11;
		rest.n -= 11;
		i = span_find(rest, " Code: ");
		if (i == (size_t)-1)
			return -1;
		sid.p = rest.p;
		sid.n = i;
		rest.p += i;
		rest.n -= i;
	}
	if (!span_starts_with(rest, " Code: "))
		return -1;
	rest.p += 7;
	rest.n -= 7;
	for (i = 0; i < rest.n && span_is_digit(rest.p[i]) && i < 4; i++)
		code = code * 10 + (rest.p[i] - '0');
	if (i == 0)
		code = -1;
	rest.p += i;
	rest.n -= i;
	if (!span_starts_with(rest, " Status: "))
		return -1;
	status.p = rest.p + 9;
	status.n = rest.n - 9;
	if (span_ends_with(status, " CSNs:") || span_eq(status, "CSNs:")) {
		status.n = status.n >= 6 ? status.n - 6 : 0;
		mode = CSN_NEXT_LINES;
	} else {
		/* One-line form: " CSNs: <csn> <csn>"; the last marker wins. */
		for (k = status.n; k-- > 0;) {
			struct span tail = { status.p + k, status.n - k };

			if (span_starts_with(tail, " CSNs: ")) {
				struct span list = { tail.p + 7, tail.n - 7 };

				if (all_csns(list)) {
					csns = list;
					status.n = k;
				}
				break;
			}
		}
	}

	if (r->n_entries >= ZMREPLCHK_MAX_ENTRIES) {
		r->n_entries_dropped++;
		ps->rc = 1;
		set_err(ps->err, line, "too many servers in zmreplchk output");
		return CSN_SKIP;
	}
	e.line = line;
	e.url = xstrndup(url.p, url.n);
	e.server_id = sid.n ? xstrndup(sid.p, sid.n) : NULL;
	e.code = code;
	e.status = xstrndup(status.p, status.n);
	e.behind_secs = -1;
	e.delta_secs = -1;
	set_flags(&e);
	if (csns.n) {
		i = 0;
		while (i < csns.n) {
			struct span tok = { csns.p + i, 0 };

			while (i + tok.n < csns.n && csns.p[i + tok.n] != ' ')
				tok.n++;
			add_csn(ps, &e, tok, line);
			i += tok.n + 1;
		}
	}
	if (r->n_entries == ps->cap_entries) {
		ps->cap_entries = ps->cap_entries ? ps->cap_entries * 2 : 4;
		r->entries = xrealloc(r->entries,
				      ps->cap_entries * sizeof(*r->entries));
	}
	r->entries[r->n_entries++] = e;
	return mode;
}

int zmreplchk_parse(const char *buf, size_t len, struct zmreplchk_result **out,
		    struct zmreplchk_error *err)
{
	struct parser ps;
	size_t pos = 0, lineno = 0;
	enum csn_mode mode = CSN_NONE;
	bool csn_blank_ok = false;

	if (err) {
		err->line = 0;
		err->msg = NULL;
	}
	if (!out)
		return -1;
	*out = NULL;
	if (!buf && len) {
		set_err(err, 0, "no buffer");
		return -1;
	}
	memset(&ps, 0, sizeof(ps));
	ps.r = xcalloc(1, sizeof(*ps.r));
	ps.err = err;

	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		struct span s = { buf + pos,
				  nl ? (size_t)(nl - (buf + pos)) : len - pos };
		int m;

		pos += s.n + (nl ? 1 : 0);
		lineno++;
		if (s.n && s.p[s.n - 1] == '\r')
			s.n--;
		if (memchr(s.p, '\0', s.n)) {
			add_unparsed(&ps, lineno, s, "line contains a NUL byte");
			mode = CSN_NONE;
			continue;
		}
		if (span_starts_with(s, "Master: ") || span_starts_with(s, "Replica: ")) {
			m = parse_entry(&ps, s, lineno);
			if (m < 0) {
				add_unparsed(&ps, lineno, s,
					     "server line not in zmreplchk's format");
				mode = CSN_NONE;
			} else {
				mode = (enum csn_mode)m;
				csn_blank_ok = (mode == CSN_NEXT_LINES);
			}
			continue;
		}
		if (is_blank(s)) {
			/* zmreplchk prints "CSNs:" and an empty line for a
			 * server with no contextCSN; other blank lines carry
			 * nothing either. */
			if (!csn_blank_ok)
				mode = CSN_NONE;
			csn_blank_ok = false;
			continue;
		}
		csn_blank_ok = false;
		if (mode == CSN_SKIP && is_csn(s))
			continue;
		if (mode == CSN_NEXT_LINES && is_csn(s)) {
			add_csn(&ps, &ps.r->entries[ps.r->n_entries - 1], s,
				lineno);
			continue;
		}
		add_unparsed(&ps, lineno, s,
			     mode == CSN_NONE && is_csn(s) ?
			     "CSN line without a server line before it" :
			     "line not in zmreplchk's format");
		mode = CSN_NONE;
	}
	*out = ps.r;
	return ps.rc;
}

void zmreplchk_result_free(struct zmreplchk_result *r)
{
	size_t i, k;

	if (!r)
		return;
	for (i = 0; i < r->n_entries; i++) {
		struct zmreplchk_entry *e = &r->entries[i];

		free(e->url);
		free(e->server_id);
		free(e->status);
		for (k = 0; k < e->n_csns; k++)
			free(e->csns[k]);
		free(e->csns);
	}
	free(r->entries);
	for (i = 0; i < r->n_unparsed; i++)
		free(r->unparsed[i].text);
	free(r->unparsed);
	free(r);
}
