#include "csn.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

/* Decimal field of n digits; -1 if any byte is not a digit. */
static long csn_dec(const char *s, int n)
{
	long v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static int csn_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static long csn_hex(const char *s, int n)
{
	long v = 0;
	for (int i = 0; i < n; i++) {
		int h = csn_hexval(s[i]);
		if (h < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

static bool csn_leap(long y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian), so we need neither
 * timegm() nor the TZ environment. */
static int64_t csn_days(long y, long m, long d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

bool csn_parse(const char *s, size_t len, struct csn *out)
{
	static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	if (len != CSN_LEN || s[14] != '.' || s[21] != 'Z' || s[22] != '#' ||
	    s[29] != '#' || s[33] != '#')
		return false;
	long y = csn_dec(s, 4), mo = csn_dec(s + 4, 2), d = csn_dec(s + 6, 2);
	long h = csn_dec(s + 8, 2), mi = csn_dec(s + 10, 2), se = csn_dec(s + 12, 2);
	long us = csn_dec(s + 15, 6);
	long cnt = csn_hex(s + 23, 6), sid = csn_hex(s + 30, 3), mod = csn_hex(s + 34, 6);
	if (y < 0 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0 ||
	    mi > 59 || se < 0 || se > 60 || us < 0 || cnt < 0 || sid < 0 || mod < 0)
		return false;
	long dim = mdays[mo - 1] + (mo == 2 && csn_leap(y));
	if (d > dim)
		return false;

	out->sec = csn_days(y, mo, d) * 86400 + h * 3600 + mi * 60 + se;
	out->usec = (uint32_t)us;
	out->count = (uint32_t)cnt;
	out->sid = (uint32_t)sid;
	out->mod = (uint32_t)mod;
	memcpy(out->text, s, CSN_LEN);
	out->text[CSN_LEN] = '\0';
	return true;
}

bool csn_parse_str(const char *s, struct csn *out)
{
	return csn_parse(s, strlen(s), out);
}

#define CSN_CMP(a, b) ((a) < (b) ? -1 : (a) > (b) ? 1 : 0)

int csn_cmp(const struct csn *a, const struct csn *b)
{
	if (a->sec != b->sec)
		return CSN_CMP(a->sec, b->sec);
	if (a->usec != b->usec)
		return CSN_CMP(a->usec, b->usec);
	if (a->count != b->count)
		return CSN_CMP(a->count, b->count);
	if (a->sid != b->sid)
		return CSN_CMP(a->sid, b->sid);
	return CSN_CMP(a->mod, b->mod);
}

static bool csn_is_sep(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ':';
}

struct csn_list *csn_list_parse(const char *text, size_t *bad)
{
	struct csn_list *l = xcalloc(1, sizeof(*l));
	size_t i = 0, cap = 0;

	for (;;) {
		while (text[i] && csn_is_sep(text[i]))
			i++;
		if (!text[i])
			break;
		size_t start = i;
		while (text[i] && !csn_is_sep(text[i]))
			i++;
		struct csn c;
		if (!csn_parse(text + start, i - start, &c)) {
			if (bad)
				*bad = start;
			csn_list_free(l);
			return NULL;
		}
		if (l->n == cap) {
			cap = cap ? cap * 2 : 4;
			l->v = xrealloc(l->v, cap * sizeof(*l->v));
		}
		l->v[l->n++] = c;
	}
	return l;
}

void csn_list_free(struct csn_list *l)
{
	if (!l)
		return;
	free(l->v);
	free(l);
}

const struct csn *csn_list_find(const struct csn_list *l, uint32_t sid)
{
	for (size_t i = 0; l && i < l->n; i++)
		if (l->v[i].sid == sid)
			return &l->v[i];
	return NULL;
}

static double csn_diff(const struct csn *m, const struct csn *r)
{
	/* integer seconds first so microseconds are not lost to rounding */
	return (double)(m->sec - r->sec) +
	       ((double)m->usec - (double)r->usec) / 1e6;
}

enum csn_lag_rc csn_lag(const struct csn_list *master,
			const struct csn_list *replica, uint32_t sid,
			double *lag)
{
	const struct csn *m = csn_list_find(master, sid);
	if (!m)
		return CSN_LAG_NO_MASTER;
	const struct csn *r = csn_list_find(replica, sid);
	if (!r)
		return CSN_LAG_NO_REPLICA;
	*lag = csn_diff(m, r);
	return CSN_LAG_OK;
}

enum csn_lag_rc csn_lag_max(const struct csn_list *master,
			    const struct csn_list *replica, double *lag)
{
	if (!master || master->n == 0)
		return CSN_LAG_NO_MASTER;
	double worst = 0;
	for (size_t i = 0; i < master->n; i++) {
		double d;
		enum csn_lag_rc rc = csn_lag(master, replica, master->v[i].sid, &d);
		if (rc != CSN_LAG_OK)
			return rc;
		if (i == 0 || d > worst)
			worst = d;
	}
	*lag = worst;
	return CSN_LAG_OK;
}
