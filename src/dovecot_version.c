#include "dovecot_version.h"

#include <string.h>

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_alnum(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Characters a release suffix such as "-4", ".rc1", "~beta" may use. */
static bool is_suffix_char(char c)
{
	return is_alnum(c) || c == '.' || c == '-' || c == '+' || c == '~' ||
	       c == '_';
}

/* Reads digits at s[*i]; -1 when there are none or the number is absurd. */
static int read_number(const char *s, size_t n, size_t *i)
{
	long v = 0;
	size_t start = *i;

	while (*i < n && is_digit(s[*i])) {
		v = v * 10 + (s[*i] - '0');
		if (v > DOVECOT_VERSION_MAX_COMPONENT)
			return -1;
		(*i)++;
	}
	return *i == start ? -1 : (int)v;
}

/* Parses "<maj>.<min>[.<micro>[.<patch>]][suffix][ (<rev>)]" at the start
 * of s[0..n). Returns the number of bytes used, 0 when it is not a version. */
static size_t parse_version(const char *s, size_t n, struct dovecot_version *v)
{
	size_t i = 0, start;
	int *comp[4] = { &v->major, &v->minor, &v->micro, &v->patch };
	int k;

	memset(v, 0, sizeof(*v));
	v->micro = v->patch = -1;
	for (k = 0; k < 4; k++) {
		if (k > 0) {
			if (i + 1 >= n || s[i] != '.' || !is_digit(s[i + 1]))
				break;
			i++;
		}
		*comp[k] = read_number(s, n, &i);
		if (*comp[k] < 0)
			return 0;
	}
	if (k < 2)
		return 0;

	start = i;
	while (i < n && is_suffix_char(s[i]))
		i++;
	if (i - start >= sizeof(v->suffix))
		return 0;
	memcpy(v->suffix, s + start, i - start);
	if (i >= sizeof(v->text))
		return 0;
	memcpy(v->text, s, i);

	/* Optional git revision: " (9b53102964)". */
	if (i + 1 < n && s[i] == ' ' && s[i + 1] == '(') {
		size_t r = i + 2;

		start = r;
		while (r < n && is_alnum(s[r]))
			r++;
		if (r >= n || s[r] != ')' || r == start ||
		    r - start >= sizeof(v->rev))
			return 0;
		memcpy(v->rev, s + start, r - start);
		i = r + 1;
	}
	return i;
}

/* Length of the first line (without "\n" and a trailing "\r"); *next gets
 * the offset of the following line. */
static size_t first_line(const char *buf, size_t len, size_t *next)
{
	const char *nl = memchr(buf, '\n', len);
	size_t n = nl ? (size_t)(nl - buf) : len;

	*next = nl ? n + 1 : len;
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	return n;
}

static int fail(struct dovecot_version_error *err, size_t line,
		const char *msg)
{
	if (err) {
		err->line = line;
		err->msg = msg;
	}
	return -1;
}

int dovecot_version_parse(const char *buf, size_t len,
			  struct dovecot_version *out,
			  struct dovecot_version_error *err)
{
	struct dovecot_version v;
	size_t next, n, used, line = 2;

	if (!out || (!buf && len))
		return fail(err, 0, "internal error: no buffer");
	if (len == 0)
		return fail(err, 1, "dovecot --version printed nothing");
	n = first_line(buf, len, &next);
	used = parse_version(buf, n, &v);
	if (used == 0 || used != n)
		return fail(err, 1,
			    "dovecot --version did not print a version number");
	/* Only blank lines may follow. */
	while (next < len) {
		size_t rest;
		size_t l = first_line(buf + next, len - next, &rest);

		if (l != 0)
			return fail(err, line,
				    "dovecot --version printed more than one line");
		next += rest;
		line++;
	}
	*out = v;
	return 0;
}

int dovecot_version_parse_doveconf(const char *buf, size_t len,
				   struct dovecot_version *out,
				   struct dovecot_version_error *err)
{
	struct dovecot_version v;
	size_t next, n, used;
	static const char prefix[] = "# ";

	if (!out || (!buf && len))
		return fail(err, 0, "internal error: no buffer");
	if (len == 0)
		return fail(err, 1, "doveconf -n printed nothing");
	n = first_line(buf, len, &next);
	if (n < sizeof(prefix) - 1 || memcmp(buf, prefix, sizeof(prefix) - 1))
		return fail(err, 1,
			    "doveconf -n did not start with its version comment");
	used = parse_version(buf + 2, n - 2, &v);
	/* The version is followed by ": <config path>". */
	if (used == 0 || 2 + used >= n || buf[2 + used] != ':')
		return fail(err, 1,
			    "doveconf -n did not print a version number");
	*out = v;
	return 0;
}

int dovecot_version_cmp(const struct dovecot_version *v,
			int major, int minor, int micro, int patch)
{
	int a[4] = { v->major, v->minor, v->micro < 0 ? 0 : v->micro,
		     v->patch < 0 ? 0 : v->patch };
	int b[4] = { major, minor, micro, patch };
	int k;

	for (k = 0; k < 4; k++)
		if (a[k] != b[k])
			return a[k] < b[k] ? -1 : 1;
	return 0;
}

enum dovecot_version_class
dovecot_version_classify(const struct dovecot_version *v, const char **message)
{
	enum dovecot_version_class c;
	const char *m;

	if (dovecot_version_cmp(v, 2, 4, 0, 0) >= 0) {
		c = DOVECOT_VERSION_TOO_NEW;
		m = "Dovecot 2.4 and later no longer have the replicator "
		    "(Dovecot 2.4.0 release notes: \"replicator: Feature has "
		    "been removed. Use NFS or some other shared filesystem "
		    "instead, or run doveadm sync in crontab.\"). Two-way "
		    "replication cannot be set up on this server; use Dovecot "
		    "2.3 (2.3.20 or later) on both servers.";
	} else if (dovecot_version_cmp(v, 2, 3, 0, 0) < 0) {
		c = DOVECOT_VERSION_TOO_OLD;
		m = "Dovecot older than 2.3 is not supported. Upgrade both "
		    "servers to Dovecot 2.3.20 or later.";
	} else if (dovecot_version_cmp(v, 2, 3, 20, 0) < 0) {
		c = DOVECOT_VERSION_OK_OLD;
		m = "This Dovecot is older than 2.3.20. Replication works, but "
		    "its replication queue has known bugs that can leave sync "
		    "requests stuck (fixed in 2.3.20), and the per-user status "
		    "has no \"next sync\" column. Upgrading to 2.3.20 or later "
		    "is recommended.";
	} else {
		c = DOVECOT_VERSION_OK;
		m = "This Dovecot version supports two-way replication.";
	}
	if (message)
		*message = m;
	return c;
}

bool dovecot_version_has_next_sync_column(const struct dovecot_version *v)
{
	return dovecot_version_cmp(v, 2, 3, 20, 0) >= 0 &&
	       dovecot_version_cmp(v, 2, 4, 0, 0) < 0;
}
