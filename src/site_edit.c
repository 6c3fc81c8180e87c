/* Editing a site file's text in place: see site_edit.h. */
#include "site_edit.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "xalloc.h"

void site_text_init(struct site_text *t, const char *buf, size_t len)
{
	t->p = xmalloc(len + 1);
	if (len)
		memcpy(t->p, buf, len);
	t->p[len] = '\0';
	t->len = len;
}

void site_text_clear(struct site_text *t)
{
	free(t->p);
	t->p = NULL;
	t->len = 0;
}

/* One line of the text: [start, body) is its content without the line end,
 * [body, next) the line end ("\n", "\r\n" or nothing at the end). */
struct line {
	size_t start, body, next;
};

enum line_kind { LINE_BLANK, LINE_COMMENT, LINE_HEADER, LINE_KEY };

static bool blank(char c)
{
	return c == ' ' || c == '\t';
}

static bool line_at(const struct site_text *t, size_t pos, struct line *l)
{
	if (pos >= t->len)
		return false;
	const char *nl = memchr(t->p + pos, '\n', t->len - pos);
	size_t end = nl ? (size_t)(nl - t->p) : t->len;
	l->start = pos;
	l->next = nl ? end + 1 : end;
	l->body = end > pos && t->p[end - 1] == '\r' ? end - 1 : end;
	return true;
}

static size_t skip_blanks(const struct site_text *t, size_t i, size_t end)
{
	while (i < end && blank(t->p[i]))
		i++;
	return i;
}

static enum line_kind line_kind(const struct site_text *t, const struct line *l)
{
	size_t i = skip_blanks(t, l->start, l->body);
	if (i == l->body)
		return LINE_BLANK;
	if (t->p[i] == ';' || t->p[i] == '#')
		return LINE_COMMENT;
	return t->p[i] == '[' ? LINE_HEADER : LINE_KEY;
}

/* Does the header line name section ("carbonio", "host NAME")? */
static bool header_is(const struct site_text *t, const struct line *l, const char *section)
{
	size_t i = skip_blanks(t, l->start, l->body) + 1;
	const char *close = memchr(t->p + i, ']', l->body - i);
	if (!close)
		return false;
	size_t e = (size_t)(close - t->p);
	i = skip_blanks(t, i, e);
	while (e > i && blank(t->p[e - 1]))
		e--;
	const char *s = t->p + i;
	size_t n = e - i;
	if (strncmp(section, "host", 4) == 0 && blank(section[4])) {
		const char *want = section + 5;
		while (blank(*want))
			want++;
		if (n < 5 || strncmp(s, "host", 4) != 0 || !blank(s[4]))
			return false;
		size_t k = 5;
		while (k < n && blank(s[k]))
			k++;
		return strlen(want) == n - k && strncasecmp(want, s + k, n - k) == 0;
	}
	return strlen(section) == n && strncmp(section, s, n) == 0;
}

/* The key of a key line, and where its delimiter is (inih: the first '='
 * or ':'). False when the line has no delimiter. */
static bool line_key(const struct site_text *t, const struct line *l, const char *key, size_t *delim)
{
	size_t i = skip_blanks(t, l->start, l->body), d = i;
	while (d < l->body && t->p[d] != '=' && t->p[d] != ':')
		d++;
	if (d == l->body)
		return false;
	size_t e = d;
	while (e > i && blank(t->p[e - 1]))
		e--;
	*delim = d;
	return strlen(key) == e - i && strncmp(key, t->p + i, e - i) == 0;
}

static const char *text_eol(const struct site_text *t)
{
	const char *nl = memchr(t->p, '\n', t->len);
	return nl && nl > t->p && nl[-1] == '\r' ? "\r\n" : "\n";
}

/* Replace [from, to) with the NUL-terminated ins. */
static void splice(struct site_text *t, size_t from, size_t to, const char *ins)
{
	size_t n = strlen(ins);
	char *p = xmalloc(t->len - (to - from) + n + 1);
	memcpy(p, t->p, from);
	memcpy(p + from, ins, n);
	memcpy(p + from + n, t->p + to, t->len - to);
	t->len = t->len - (to - from) + n;
	p[t->len] = '\0';
	free(t->p);
	t->p = p;
}

/* Rewrite the value of a key line whose delimiter is at delim. Where the
 * value ends follows inih: an inline comment starts at ';' or '#' after a
 * blank (searched from just after the delimiter). */
static void replace_value(struct site_text *t, const struct line *l, size_t delim, const char *value)
{
	size_t vs = skip_blanks(t, delim + 1, l->body);
	size_t ce = delim + 1;
	bool was_blank = false;
	while (ce < l->body && !(was_blank && (t->p[ce] == ';' || t->p[ce] == '#'))) {
		was_blank = blank(t->p[ce]);
		ce++;
	}
	size_t ve = ce;
	while (ve > vs && blank(t->p[ve - 1]))
		ve--;
	if (vs > ve)
		vs = ve; /* an empty value: the blanks before a comment stay */
	if (!*value && ce < l->body)
		ve = ce; /* "key = ; comment", not "key =  ; comment" */
	else if (!*value)
		vs = delim + 1, ve = ce; /* "key =", no blank left at the end */
	/* a blank between the delimiter and a new value; and one before a
	 * comment left after an emptied value ("key =; c" would read "; c") */
	bool space_before = vs == delim + 1 && (*value || ce < l->body);
	bool space_after = *value && ve < l->body && !blank(t->p[ve]);
	char *ins = xasprintf("%s%s%s", space_before ? " " : "", value, space_after ? " " : "");
	splice(t, vs, ve, ins);
	free(ins);
}

/* Rank of the key line's key in the space separated list after (0 = the
 * first), or -1. */
static int after_rank(const struct site_text *t, const struct line *l, const char *after)
{
	size_t delim;
	int rank = 0;
	for (const char *p = after; p && *p; rank++) {
		while (*p == ' ')
			p++;
		size_t n = strcspn(p, " ");
		if (!n)
			break;
		char *k = xstrndup(p, n);
		bool match = line_key(t, l, k, &delim);
		free(k);
		if (match)
			return rank;
		p += n;
	}
	return -1;
}

bool site_text_set(struct site_text *t, const char *section, const char *key, const char *value,
		   const char *after_key)
{
	struct line l;
	bool in = false, found_section = false;
	size_t at_header = 0, at_last = 0, at_after = 0;
	bool have_last = false, have_after = false;
	int best = -1;
	size_t delim;

	for (size_t pos = 0; line_at(t, pos, &l); pos = l.next) {
		enum line_kind k = line_kind(t, &l);
		if (k == LINE_HEADER) {
			if (in)
				break; /* the section ended */
			in = header_is(t, &l, section);
			if (in) {
				found_section = true;
				at_header = l.next;
			}
			continue;
		}
		if (!in || k != LINE_KEY)
			continue;
		if (line_key(t, &l, key, &delim)) {
			if (value)
				replace_value(t, &l, delim, value);
			else
				splice(t, l.start, l.next, "");
			return true;
		}
		have_last = true;
		at_last = l.next;
		int rank = after_rank(t, &l, after_key);
		if (rank >= 0 && (best < 0 || rank < best)) {
			best = rank;
			have_after = true;
			at_after = l.next;
		}
	}
	if (!found_section)
		return false;
	if (!value)
		return true;
	size_t at = have_after ? at_after : have_last ? at_last : at_header;
	const char *eol = text_eol(t);
	/* a last line without its line end gets one before the new line */
	bool need_eol = at == t->len && t->len > 0 && t->p[t->len - 1] != '\n';
	char *ins = xasprintf("%s%s =%s%s%s", need_eol ? eol : "", key, *value ? " " : "", value, need_eol ? "" : eol);
	splice(t, at, at, ins);
	free(ins);
	return true;
}

bool site_text_drop_section(struct site_text *t, const char *section)
{
	struct line l;
	size_t from = 0, keep_from = 0;
	bool in = false, found = false;

	for (size_t pos = 0; line_at(t, pos, &l); pos = l.next) {
		enum line_kind k = line_kind(t, &l);
		if (k == LINE_HEADER) {
			if (in)
				break;
			if (header_is(t, &l, section)) {
				in = found = true;
				from = l.start;
				keep_from = l.next;
			}
			continue;
		}
		/* keep_from: the start of the comment/blank block at the end */
		if (in && k == LINE_KEY)
			keep_from = l.next;
	}
	if (!found)
		return false;
	splice(t, from, keep_from, "");
	return true;
}

/* ---- atomic write ------------------------------------------------------ */

int site_text_write(const char *path, const struct site_text *t,
		    bool (*check)(const char *tmp_path, void *ud, char *err, size_t errlen), void *ud,
		    char *err, size_t errlen)
{
	char *target = realpath(path, NULL);
	char *tmp = NULL, *dircopy = NULL;
	int fd = -1, rc = -1;
	bool created = false;
	struct stat st;

	if (!target) {
		snprintf(err, errlen, "cannot find %s: %s", path, strerror(errno));
		return -1;
	}
	if (stat(target, &st) != 0) {
		snprintf(err, errlen, "cannot read %s: %s", target, strerror(errno));
		goto out;
	}
	tmp = xasprintf("%s.XXXXXX", target);
	fd = mkstemp(tmp);
	if (fd < 0) {
		snprintf(err, errlen, "cannot create a temporary file next to %s: %s", target,
			 strerror(errno));
		goto out;
	}
	created = true;
	/* the owner when we may (root editing an admin's file), always the mode */
	if (fchown(fd, st.st_uid, st.st_gid) != 0 && errno != EPERM) {
		snprintf(err, errlen, "cannot set the owner of %s: %s", tmp, strerror(errno));
		goto out;
	}
	if (fchmod(fd, st.st_mode & 07777) != 0) {
		snprintf(err, errlen, "cannot set the mode of %s: %s", tmp, strerror(errno));
		goto out;
	}
	for (size_t off = 0; off < t->len;) {
		ssize_t w = write(fd, t->p + off, t->len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			snprintf(err, errlen, "cannot write %s: %s", tmp, w < 0 ? strerror(errno) : "short write");
			goto out;
		}
		off += (size_t)w;
	}
	if (fsync(fd) != 0) {
		snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
		goto out;
	}
	if (close(fd) != 0) {
		fd = -1;
		snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
		goto out;
	}
	fd = -1;
	if (check && !check(tmp, ud, err, errlen))
		goto out;
	if (rename(tmp, target) != 0) {
		snprintf(err, errlen, "cannot rename %s to %s: %s", tmp, target, strerror(errno));
		goto out;
	}
	created = false;
	/* the rename itself reaches the disk with its directory */
	dircopy = xstrdup(target);
	int dfd = open(dirname(dircopy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		(void)fsync(dfd);
		close(dfd);
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	if (created)
		unlink(tmp);
	free(dircopy);
	free(tmp);
	free(target);
	return rc;
}
