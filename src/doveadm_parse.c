#include "doveadm_parse.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "span.h"
#include "xalloc.h"

static void set_err(struct doveadm_error *err, size_t line, const char *msg)
{
	if (err) {
		err->line = line;
		err->msg = msg;
	}
}

/* Next line at *pos; false at the end. A trailing "\r" is dropped (a tty
 * on the ssh side). The empty rest after a final "\n" is no line. */
static bool next_line(const char *buf, size_t len, size_t *pos,
		      struct span *line)
{
	const char *nl;

	if (*pos >= len)
		return false;
	line->p = buf + *pos;
	nl = memchr(line->p, '\n', len - *pos);
	line->n = nl ? (size_t)(nl - line->p) : len - *pos;
	*pos += line->n + (nl ? 1 : 0);
	if (line->n && line->p[line->n - 1] == '\r')
		line->n--;
	return true;
}

/* Splits on TAB into at most max fields; returns the real field count
 * (which may exceed max: the extra fields are not stored). */
static size_t split_tabs(struct span line, struct span *f, size_t max)
{
	size_t count = 0, start = 0, i;

	for (i = 0; i <= line.n; i++) {
		if (i == line.n || line.p[i] == '\t') {
			if (count < max) {
				f[count].p = line.p + start;
				f[count].n = i - start;
			}
			count++;
			start = i + 1;
		}
	}
	return count;
}

/* Copies a field; NULL when it holds a NUL or is absurdly long. */
static char *dup_field(struct span s)
{
	if (s.n > DOVEADM_MAX_FIELD || memchr(s.p, '\0', s.n))
		return NULL;
	return xstrndup(s.p, s.n);
}

/* Non-negative decimal counter; -1 when not one. */
static long long parse_count(struct span s)
{
	long long v = 0;
	size_t i;

	if (s.n == 0 || s.n > 18)
		return -1;
	for (i = 0; i < s.n; i++) {
		if (!span_is_digit(s.p[i]))
			return -1;
		v = v * 10 + (s.p[i] - '0');
	}
	return v;
}

/* Loads JSON that must be an array; NULL with *err filled otherwise. */
static json_t *load_array(const char *buf, size_t len, struct doveadm_error *err)
{
	json_error_t jerr;
	json_t *root;

	if (!buf && len) {
		set_err(err, 0, "no buffer");
		return NULL;
	}
	if (len == 0) {
		set_err(err, 1, "doveadm printed nothing");
		return NULL;
	}
	root = json_loadb(buf ? buf : "", len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		set_err(err, jerr.line > 0 ? (size_t)jerr.line : 1,
			"doveadm output is not valid JSON");
		return NULL;
	}
	if (!json_is_array(root) || json_array_size(root) > DOVEADM_MAX_ROWS) {
		json_decref(root);
		set_err(err, 1, "doveadm JSON output is not a list of rows");
		return NULL;
	}
	return root;
}

/* String member of a JSON object as a span; false when absent/not string. */
static bool json_member(json_t *obj, const char *key, struct span *out)
{
	json_t *v = json_object_get(obj, key);

	if (!v || !json_is_string(v))
		return false;
	out->p = json_string_value(v);
	out->n = json_string_length(v);
	return true;
}

/* ------------------------------------------------------------ overview */

static const struct {
	const char *name;
	size_t off;
} overview_fields[] = {
	{ "Queued 'sync' requests", offsetof(struct doveadm_overview, queued_sync) },
	{ "Queued 'high' requests", offsetof(struct doveadm_overview, queued_high) },
	{ "Queued 'low' requests", offsetof(struct doveadm_overview, queued_low) },
	{ "Queued 'failed' requests", offsetof(struct doveadm_overview, queued_failed) },
	{ "Queued 'full resync' requests", offsetof(struct doveadm_overview, queued_full_resync) },
	{ "Waiting 'failed' requests", offsetof(struct doveadm_overview, waiting_failed) },
	{ "Total number of known users", offsetof(struct doveadm_overview, total_users) },
};
#define N_OVERVIEW (sizeof(overview_fields) / sizeof(overview_fields[0]))

static struct doveadm_overview *overview_new(void)
{
	struct doveadm_overview *o = xcalloc(1, sizeof(*o));
	size_t i;

	for (i = 0; i < N_OVERVIEW; i++)
		*(long long *)((char *)o + overview_fields[i].off) = -1;
	return o;
}

/* Stores one field; returns an error message or NULL. *known counts the
 * known fields seen. */
static const char *overview_set(struct doveadm_overview *o, struct span name,
				struct span value, size_t *known)
{
	size_t i;
	long long *slot, v;
	char *f, *val;

	for (i = 0; i < N_OVERVIEW; i++) {
		if (!span_eq(name, overview_fields[i].name))
			continue;
		slot = (long long *)((char *)o + overview_fields[i].off);
		if (*slot >= 0)
			return "a replicator counter is printed twice";
		v = parse_count(value);
		if (v < 0)
			return "a replicator counter is not a number";
		*slot = v;
		(*known)++;
		return NULL;
	}
	/* A field this version does not know: keep it for display. */
	if (o->n_extra >= DOVEADM_MAX_EXTRA) {
		o->n_extra_dropped++;
		return NULL;
	}
	f = dup_field(name);
	val = dup_field(value);
	if (!f || !val) {
		free(f);
		free(val);
		return "a field holds a NUL byte or is too long";
	}
	if (!o->extra)
		o->extra = xcalloc(DOVEADM_MAX_EXTRA, sizeof(*o->extra));
	o->extra[o->n_extra].field = f;
	o->extra[o->n_extra].value = val;
	o->n_extra++;
	return NULL;
}

struct doveadm_overview *doveadm_parse_overview_tab(const char *buf, size_t len,
						    struct doveadm_error *err)
{
	struct doveadm_overview *o;
	struct span line, f[2];
	size_t pos = 0, lineno = 0, known = 0;
	const char *msg = NULL;

	if (!buf && len) {
		set_err(err, 0, "no buffer");
		return NULL;
	}
	if (len == 0) {
		set_err(err, 1, "doveadm printed nothing");
		return NULL;
	}
	o = overview_new();
	while (next_line(buf, len, &pos, &line)) {
		lineno++;
		if (lineno == 1 && span_eq(line, "field\tvalue"))
			continue;
		if (split_tabs(line, f, 2) != 2) {
			msg = "line is not \"field<TAB>value\"";
			goto fail;
		}
		msg = overview_set(o, f[0], f[1], &known);
		if (msg)
			goto fail;
	}
	if (known == 0) {
		lineno = 1;
		msg = "no replicator counter in the output";
		goto fail;
	}
	return o;
fail:
	set_err(err, lineno, msg);
	doveadm_overview_free(o);
	return NULL;
}

struct doveadm_overview *doveadm_parse_overview_json(const char *buf,
						     size_t len,
						     struct doveadm_error *err)
{
	struct doveadm_overview *o = NULL;
	json_t *root, *row;
	struct span name, value;
	size_t i, known = 0;
	const char *msg = NULL;

	root = load_array(buf, len, err);
	if (!root)
		return NULL;
	o = overview_new();
	json_array_foreach(root, i, row) {
		if (!json_is_object(row) || !json_member(row, "field", &name) ||
		    !json_member(row, "value", &value)) {
			msg = "a row has no \"field\" and \"value\" strings";
			goto fail;
		}
		msg = overview_set(o, name, value, &known);
		if (msg)
			goto fail;
	}
	if (known == 0) {
		msg = "no replicator counter in the output";
		goto fail;
	}
	json_decref(root);
	return o;
fail:
	json_decref(root);
	set_err(err, 1, msg);
	doveadm_overview_free(o);
	return NULL;
}

void doveadm_overview_free(struct doveadm_overview *o)
{
	size_t i;

	if (!o)
		return;
	for (i = 0; i < o->n_extra; i++) {
		free(o->extra[i].field);
		free(o->extra[i].value);
	}
	free(o->extra);
	free(o);
}

/* ------------------------------------------------------------ per user */

enum user_col {
	COL_USERNAME,
	COL_PRIORITY,
	COL_FAST,
	COL_FULL,
	COL_SUCCESS,
	COL_FAILED,
	COL_NEXT,
	N_COLS
};

static const char *const col_names[N_COLS] = {
	"username", "priority", "fast sync", "full sync", "success sync",
	"failed", "next sync secs",
};

/* Reads "[-]digits" (at most 9 digits) at s[*i] into *v. */
static bool hms_part(struct span s, size_t *i, long long *v)
{
	bool neg = false;
	size_t start;

	*v = 0;
	if (*i < s.n && s.p[*i] == '-') {
		neg = true;
		(*i)++;
	}
	start = *i;
	while (*i < s.n && span_is_digit(s.p[*i])) {
		if (*i - start >= 9)
			return false;
		*v = *v * 10 + (s.p[*i] - '0');
		(*i)++;
	}
	if (neg)
		*v = -*v;
	return *i > start;
}

long long doveadm_parse_hms(const char *str, size_t len)
{
	struct span s = { str, len };
	long long h, m, sec;
	size_t i = 0;

	if (!str)
		return -2;
	if (span_eq(s, "-"))
		return DOVEADM_NEVER;
	if (!hms_part(s, &i, &h) || i >= s.n || s.p[i++] != ':' ||
	    !hms_part(s, &i, &m) || i >= s.n || s.p[i++] != ':' ||
	    !hms_part(s, &i, &sec) || i != s.n)
		return -2;
	if (sec >= 60 || sec <= -60)
		return -2;
	/* A negative part: the event is a second "in the future" because
	 * doveadm's clock was read before the replicator's (int arithmetic
	 * in doveadm's time_ago()). */
	if (h < 0 || m < 0 || sec < 0)
		return 0;
	/* Some 2.3 builds print diff/60 (total minutes) in the middle. */
	if (m >= 60)
		return m * 60 + sec;
	return h * 3600 + m * 60 + sec;
}

static bool parse_priority(struct span s, enum doveadm_priority *p)
{
	if (span_eq(s, "none"))
		*p = DOVEADM_PRIO_NONE;
	else if (span_eq(s, "low"))
		*p = DOVEADM_PRIO_LOW;
	else if (span_eq(s, "high"))
		*p = DOVEADM_PRIO_HIGH;
	else if (span_eq(s, "sync"))
		*p = DOVEADM_PRIO_SYNC;
	else
		return false;
	return true;
}

/* Fills u from the column values v[] (v[COL_NEXT].p NULL when absent).
 * Returns an error message or NULL; u->username is set only on success. */
static const char *user_fill(struct doveadm_user *u, const struct span *v)
{
	long long t[3];
	int k;

	memset(u, 0, sizeof(*u));
	if (!parse_priority(v[COL_PRIORITY], &u->priority))
		return "priority is not none, low, high or sync";
	for (k = 0; k < 3; k++) {
		t[k] = doveadm_parse_hms(v[COL_FAST + k].p, v[COL_FAST + k].n);
		if (t[k] == -2)
			return "a sync time is not HH:MM:SS or \"-\"";
	}
	u->fast_sync_ago = t[0];
	u->full_sync_ago = t[1];
	u->success_sync_ago = t[2];
	if (span_eq(v[COL_FAILED], "y"))
		u->failed = true;
	else if (!span_eq(v[COL_FAILED], "-"))
		return "failed is not \"y\" or \"-\"";
	u->next_sync_secs = -1;
	if (v[COL_NEXT].p) {
		u->next_sync_secs = doveadm_parse_hms(v[COL_NEXT].p,
						      v[COL_NEXT].n);
		if (u->next_sync_secs == -2)
			u->next_sync_secs = parse_count(v[COL_NEXT]);
		if (u->next_sync_secs < 0 && !span_eq(v[COL_NEXT], "-"))
			return "next sync secs is not HH:MM:SS";
	}
	u->username = dup_field(v[COL_USERNAME]);
	if (!u->username)
		return "username holds a NUL byte or is too long";
	return NULL;
}

struct users_builder {
	struct doveadm_users *u;
	size_t cap;
};

static const char *users_add(struct users_builder *b, const struct span *v)
{
	struct doveadm_users *u = b->u;
	struct doveadm_user one;
	const char *msg;

	if (u->n >= DOVEADM_MAX_ROWS)
		return "too many users";
	msg = user_fill(&one, v);
	if (msg)
		return msg;
	if (u->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 8;
		u->users = xrealloc(u->users, b->cap * sizeof(*u->users));
	}
	u->users[u->n++] = one;
	return NULL;
}

/* Max columns accepted in a per-user tab line (7 known + future ones). */
#define MAX_TAB_COLS 16

struct doveadm_users *doveadm_parse_users_tab(const char *buf, size_t len,
					      struct doveadm_error *err)
{
	struct users_builder b = { NULL, 0 };
	struct span line, f[MAX_TAB_COLS], v[N_COLS];
	int map[N_COLS];	/* column index of each known field, -1 none */
	size_t pos = 0, lineno = 0, ncols = 0, n, i, k;
	const char *msg = NULL;

	if (!buf && len) {
		set_err(err, 0, "no buffer");
		return NULL;
	}
	b.u = xcalloc(1, sizeof(*b.u));
	while (next_line(buf, len, &pos, &line)) {
		lineno++;
		n = split_tabs(line, f, MAX_TAB_COLS);
		if (n > MAX_TAB_COLS) {
			msg = "too many columns";
			goto fail;
		}
		if (lineno == 1) {
			bool has_user = false, has_prio = false;

			for (i = 0; i < n; i++) {
				has_user |= span_eq(f[i], "username");
				has_prio |= span_eq(f[i], "priority");
			}
			for (k = 0; k < N_COLS; k++)
				map[k] = -1;
			ncols = n;
			if (has_user && has_prio) {
				/* Header: it decides the columns. */
				for (i = 0; i < n; i++) {
					for (k = 0; k < N_COLS; k++) {
						if (!span_eq(f[i], col_names[k]))
							continue;
						if (map[k] >= 0) {
							msg = "a column is named twice";
							goto fail;
						}
						map[k] = (int)i;
					}
				}
				for (k = 0; k < COL_NEXT; k++) {
					if (map[k] < 0) {
						msg = "a status column is missing";
						goto fail;
					}
				}
				b.u->has_next_sync = map[COL_NEXT] >= 0;
				continue;
			}
			/* No header (-h): doveadm's own order. */
			if (n != 6 && n != 7) {
				msg = "not 6 or 7 columns";
				goto fail;
			}
			for (k = 0; k < n; k++)
				map[k] = (int)k;
			b.u->has_next_sync = n == 7;
		}
		if (n != ncols) {
			msg = "the row does not have as many columns as the header";
			goto fail;
		}
		for (k = 0; k < N_COLS; k++) {
			if (map[k] >= 0) {
				v[k] = f[map[k]];
			} else {
				v[k].p = NULL;
				v[k].n = 0;
			}
		}
		msg = users_add(&b, v);
		if (msg)
			goto fail;
	}
	return b.u;
fail:
	set_err(err, lineno, msg);
	doveadm_users_free(b.u);
	return NULL;
}

struct doveadm_users *doveadm_parse_users_json(const char *buf, size_t len,
					       struct doveadm_error *err)
{
	struct users_builder b = { NULL, 0 };
	struct span v[N_COLS];
	json_t *root, *row;
	size_t i, k;
	const char *msg = NULL;

	root = load_array(buf, len, err);
	if (!root)
		return NULL;
	b.u = xcalloc(1, sizeof(*b.u));
	json_array_foreach(root, i, row) {
		if (!json_is_object(row)) {
			msg = "a row is not an object";
			goto fail;
		}
		for (k = 0; k < N_COLS; k++) {
			if (!json_member(row, col_names[k], &v[k])) {
				if (k != COL_NEXT) {
					msg = "a row lacks a status field";
					goto fail;
				}
				v[k].p = NULL;
				v[k].n = 0;
			}
		}
		if (v[COL_NEXT].p)
			b.u->has_next_sync = true;
		msg = users_add(&b, v);
		if (msg)
			goto fail;
	}
	json_decref(root);
	return b.u;
fail:
	json_decref(root);
	set_err(err, 1, msg);
	doveadm_users_free(b.u);
	return NULL;
}

void doveadm_users_free(struct doveadm_users *u)
{
	size_t i;

	if (!u)
		return;
	for (i = 0; i < u->n; i++)
		free(u->users[i].username);
	free(u->users);
	free(u);
}

/* ------------------------------------------------------------ dsync */

struct dsync_builder {
	struct doveadm_dsync *d;
	size_t cap;
};

static const char *dsync_add(struct dsync_builder *b, const struct span *v)
{
	struct doveadm_dsync *d = b->d;
	struct doveadm_dsync_row r;

	if (d->n >= DOVEADM_MAX_ROWS)
		return "too many rows";
	r.username = dup_field(v[0]);
	r.type = dup_field(v[1]);
	r.status = dup_field(v[2]);
	if (!r.username || !r.type || !r.status) {
		free(r.username);
		free(r.type);
		free(r.status);
		return "a field holds a NUL byte or is too long";
	}
	if (d->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 8;
		d->rows = xrealloc(d->rows, b->cap * sizeof(*d->rows));
	}
	d->rows[d->n++] = r;
	return NULL;
}

struct doveadm_dsync *doveadm_parse_dsync_tab(const char *buf, size_t len,
					      struct doveadm_error *err)
{
	struct dsync_builder b = { NULL, 0 };
	struct span line, f[3];
	size_t pos = 0, lineno = 0;
	const char *msg = NULL;

	if (!buf && len) {
		set_err(err, 0, "no buffer");
		return NULL;
	}
	b.d = xcalloc(1, sizeof(*b.d));
	while (next_line(buf, len, &pos, &line)) {
		lineno++;
		if (lineno == 1 && span_eq(line, "username\ttype\tstatus"))
			continue;
		if (split_tabs(line, f, 3) != 3) {
			msg = "line is not \"username<TAB>type<TAB>status\"";
			goto fail;
		}
		msg = dsync_add(&b, f);
		if (msg)
			goto fail;
	}
	return b.d;
fail:
	set_err(err, lineno, msg);
	doveadm_dsync_free(b.d);
	return NULL;
}

struct doveadm_dsync *doveadm_parse_dsync_json(const char *buf, size_t len,
					       struct doveadm_error *err)
{
	static const char *const keys[3] = { "username", "type", "status" };
	struct dsync_builder b = { NULL, 0 };
	struct span v[3];
	json_t *root, *row;
	size_t i, k;
	const char *msg = NULL;

	root = load_array(buf, len, err);
	if (!root)
		return NULL;
	b.d = xcalloc(1, sizeof(*b.d));
	json_array_foreach(root, i, row) {
		for (k = 0; k < 3; k++) {
			if (!json_is_object(row) ||
			    !json_member(row, keys[k], &v[k])) {
				msg = "a row lacks username, type or status";
				goto fail;
			}
		}
		msg = dsync_add(&b, v);
		if (msg)
			goto fail;
	}
	json_decref(root);
	return b.d;
fail:
	json_decref(root);
	set_err(err, 1, msg);
	doveadm_dsync_free(b.d);
	return NULL;
}

void doveadm_dsync_free(struct doveadm_dsync *d)
{
	size_t i;

	if (!d)
		return;
	for (i = 0; i < d->n; i++) {
		free(d->rows[i].username);
		free(d->rows[i].type);
		free(d->rows[i].status);
	}
	free(d->rows);
	free(d);
}

/* ------------------------------------------------------------ replicate */

long long doveadm_parse_replicate(const char *buf, size_t len,
				  struct doveadm_error *err)
{
	static const char suffix[] = " users updated";
	struct span line = { NULL, 0 }, num;
	size_t pos = 0, n = sizeof(suffix) - 1;
	long long v;

	if (!buf || !next_line(buf, len, &pos, &line)) {
		set_err(err, 1, "doveadm replicate printed nothing");
		return -1;
	}
	if (pos < len) {
		set_err(err, 2, "doveadm replicate printed more than one line");
		return -1;
	}
	if (line.n <= n || memcmp(line.p + line.n - n, suffix, n)) {
		set_err(err, 1, "line is not \"<N> users updated\"");
		return -1;
	}
	num.p = line.p;
	num.n = line.n - n;
	v = parse_count(num);
	if (v < 0) {
		set_err(err, 1, "the count of updated users is not a number");
		return -1;
	}
	return v;
}

/* ------------------------------------------------------------ failures */

const char *doveadm_failure_text(enum doveadm_failure kind)
{
	switch (kind) {
	case DOVEADM_FAIL_NONE:
		return "doveadm succeeded.";
	case DOVEADM_FAIL_NOT_CONFIGURED:
		return "Replication is not configured on this server: the "
		       "replicator socket does not exist (no replicator-doveadm "
		       "listener, or a wrong base_dir).";
	case DOVEADM_FAIL_DOVECOT_DOWN:
		return "Dovecot is not running on this server: the replicator "
		       "socket is stale (connection refused).";
	case DOVEADM_FAIL_PERMISSION:
		return "Permission denied on the replicator socket: run doveadm "
		       "as root or as the socket's owner (e.g. vmail).";
	case DOVEADM_FAIL_DISCONNECTED:
		return "The replicator closed the connection unexpectedly.";
	case DOVEADM_FAIL_TIMEOUT:
		return "The replicator did not answer within 5 seconds.";
	case DOVEADM_FAIL_INCOMPATIBLE:
		return "The socket does not belong to a Dovecot 2.3 replicator.";
	case DOVEADM_FAIL_REPLICATOR:
		return "The replicator refused the request.";
	case DOVEADM_FAIL_REMOVED:
		return "This doveadm has no replicator commands: Dovecot 2.4 "
		       "and later removed the replicator.";
	case DOVEADM_FAIL_USAGE:
		return "doveadm rejected the command's arguments.";
	case DOVEADM_FAIL_NOT_INSTALLED:
		return "doveadm is not installed on this server.";
	case DOVEADM_FAIL_UNKNOWN:
		break;
	}
	return "doveadm failed for an unknown reason.";
}

static void set_detail(struct doveadm_failure_info *info, struct span s)
{
	size_t n, i;

	if (!info)
		return;
	n = s.n < sizeof(info->detail) - 1 ? s.n : sizeof(info->detail) - 1;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s.p[i];

		info->detail[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	info->detail[n] = '\0';
}

/* Looks at one stderr line; returns a kind or DOVEADM_FAIL_NONE. */
static enum doveadm_failure classify_line(struct span line,
					  struct doveadm_failure_info *info)
{
	static const char nc[] = "net_connect_unix(";
	static const char failed[] = ") failed: ";
	static const char rf[] = "Replicator failed: ";
	size_t a, b;

	a = span_find(line, nc);
	if (a != (size_t)-1) {
		struct span rest = { line.p + a + sizeof(nc) - 1,
				     line.n - a - (sizeof(nc) - 1) };
		struct span path, reason;

		b = span_find(rest, failed);
		if (b == (size_t)-1)
			return DOVEADM_FAIL_NONE;
		path.p = rest.p;
		path.n = b;
		reason.p = rest.p + b + sizeof(failed) - 1;
		reason.n = rest.n - b - (sizeof(failed) - 1);
		set_detail(info, path);
		if (span_eq(reason, "No such file or directory"))
			return DOVEADM_FAIL_NOT_CONFIGURED;
		if (span_eq(reason, "Connection refused"))
			return DOVEADM_FAIL_DOVECOT_DOWN;
		if (span_eq(reason, "Permission denied"))
			return DOVEADM_FAIL_PERMISSION;
		set_detail(info, line);
		return DOVEADM_FAIL_UNKNOWN;
	}
	a = span_find(line, rf);
	if (a != (size_t)-1) {
		struct span reason = { line.p + a + sizeof(rf) - 1,
				       line.n - a - (sizeof(rf) - 1) };

		set_detail(info, reason);
		return DOVEADM_FAIL_REPLICATOR;
	}
	if (span_find(line, "Replicator disconnected unexpectedly") != (size_t)-1) {
		set_detail(info, line);
		return DOVEADM_FAIL_DISCONNECTED;
	}
	if (span_find(line, "read(") != (size_t)-1 &&
	    span_find(line, ") timed out") != (size_t)-1) {
		set_detail(info, line);
		return DOVEADM_FAIL_TIMEOUT;
	}
	if (span_find(line, "not a compatible replicator-doveadm socket") !=
	    (size_t)-1) {
		set_detail(info, line);
		return DOVEADM_FAIL_INCOMPATIBLE;
	}
	return DOVEADM_FAIL_NONE;
}

enum doveadm_failure doveadm_classify_failure(const char *stderr_buf,
					      size_t len, int exit_code,
					      struct doveadm_failure_info *info)
{
	enum doveadm_failure kind = DOVEADM_FAIL_NONE;
	struct span line, first = { NULL, 0 };
	size_t pos = 0;
	bool replicator_usage = false;

	if (info)
		info->detail[0] = '\0';
	if (!stderr_buf)
		len = 0;
	if (exit_code == 0)
		goto out;
	while (next_line(stderr_buf, len, &pos, &line)) {
		if (!first.p && line.n)
			first = line;
		/* 2.3 lists the replicator commands in its usage text. */
		if (span_find(line, "<replicator socket path>") != (size_t)-1)
			replicator_usage = true;
		if (kind == DOVEADM_FAIL_NONE)
			kind = classify_line(line, info);
	}
	if (kind != DOVEADM_FAIL_NONE)
		goto out;
	if (first.p)
		set_detail(info, first);
	if (exit_code == 64)
		kind = replicator_usage ? DOVEADM_FAIL_USAGE :
		       DOVEADM_FAIL_REMOVED;
	else if (exit_code == 127)
		kind = DOVEADM_FAIL_NOT_INSTALLED;
	else
		kind = DOVEADM_FAIL_UNKNOWN;
out:
	if (info) {
		info->kind = kind;
		info->summary = doveadm_failure_text(kind);
	}
	return kind;
}
