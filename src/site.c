#include "site.h"

#include "validate.h"
#include "xalloc.h"

#include <ini.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

/* inih reads lines into a stack buffer of ini_max_line bytes (a run-time
 * variable in Debian's build); values may be up to VALIDATE_VALUE_MAX. */
#define SITE_LINE_MAX 4096
/* A site file is small; refuse anything absurd before reading it. */
#define SITE_FILE_MAX (1024 * 1024)

enum site_kind {
	KIND_USER,
	KIND_PORT,
	KIND_PATH,      /* absolute */
	KIND_HOME_PATH, /* absolute or ~/ */
	KIND_HOST,
	KIND_HOST_LIST,
	KIND_HOST_PAIR,
	KIND_MAX_CONNS,
	KIND_THRESHOLD, /* an integer; negative turns the check off */
	KIND_YES_NO,
};

enum site_sec {
	SEC_SSH = 1u << 0,
	SEC_CARBONIO = 1u << 1,
	SEC_DOVECOT = 1u << 2,
	SEC_HOST = 1u << 3,
	SEC_MONITOR = 1u << 4,
};

enum site_key_id {
	K_USER,
	K_PORT,
	K_IDENTITY,
	K_KNOWN_HOSTS,
	K_MASTER,
	K_REPLICAS,
	K_MTA,
	K_OTHER_NODES,
	K_LDAP_PORT,
	K_PREFIX,
	K_BOOTSTRAP,
	K_SERVERS,
	K_MAX_CONNS,
	K_CONF_DIR,
	K_ADDRESS,
	K_WARN_LAG,
	K_CRIT_LAG,
	K_WARN_FAILED,
	K_CRIT_FAILED,
	K_WARN_QUEUE,
	K_CRIT_QUEUE,
	K_LDAP_DIRECT,
	K_LDAP_CA_FILE,
	K_COUNT
};

static const struct site_key {
	const char *name;
	enum site_kind kind;
	unsigned sections;
	bool may_be_empty; /* an empty list means "none" */
} site_keys[K_COUNT] = {
	[K_USER] = { "user", KIND_USER, SEC_SSH | SEC_HOST, false },
	[K_PORT] = { "port", KIND_PORT, SEC_SSH | SEC_DOVECOT | SEC_HOST, false },
	[K_IDENTITY] = { "identity", KIND_HOME_PATH, SEC_SSH | SEC_HOST, false },
	[K_KNOWN_HOSTS] = { "known_hosts", KIND_HOME_PATH, SEC_SSH | SEC_HOST, false },
	[K_MASTER] = { "master", KIND_HOST, SEC_CARBONIO, false },
	[K_REPLICAS] = { "replicas", KIND_HOST_LIST, SEC_CARBONIO, true },
	[K_MTA] = { "mta", KIND_HOST_LIST, SEC_CARBONIO, true },
	[K_OTHER_NODES] = { "other_nodes", KIND_HOST_LIST, SEC_CARBONIO, true },
	[K_LDAP_PORT] = { "ldap_port", KIND_PORT, SEC_CARBONIO | SEC_HOST, false },
	[K_PREFIX] = { "prefix", KIND_PATH, SEC_CARBONIO | SEC_HOST, false },
	[K_BOOTSTRAP] = { "bootstrap", KIND_PATH, SEC_CARBONIO | SEC_HOST, false },
	[K_SERVERS] = { "servers", KIND_HOST_PAIR, SEC_DOVECOT, false },
	[K_MAX_CONNS] = { "max_conns", KIND_MAX_CONNS, SEC_DOVECOT, false },
	[K_CONF_DIR] = { "conf_dir", KIND_PATH, SEC_DOVECOT | SEC_HOST, false },
	[K_ADDRESS] = { "address", KIND_HOST, SEC_HOST, false },
	/* thresholds of `replica-wizard check` (its options override them) */
	[K_WARN_LAG] = { "warn_lag", KIND_THRESHOLD, SEC_MONITOR, false },
	[K_CRIT_LAG] = { "crit_lag", KIND_THRESHOLD, SEC_MONITOR, false },
	[K_WARN_FAILED] = { "warn_failed", KIND_THRESHOLD, SEC_MONITOR, false },
	[K_CRIT_FAILED] = { "crit_failed", KIND_THRESHOLD, SEC_MONITOR, false },
	[K_WARN_QUEUE] = { "warn_queue", KIND_THRESHOLD, SEC_MONITOR, false },
	[K_CRIT_QUEUE] = { "crit_queue", KIND_THRESHOLD, SEC_MONITOR, false },
	/* the wizard's own LDAP connections: direct (with verified TLS)
	 * instead of through each node's SSH session (ldap_route.h) */
	[K_LDAP_DIRECT] = { "ldap_direct", KIND_YES_NO, SEC_CARBONIO, false },
	[K_LDAP_CA_FILE] = { "ldap_ca_file", KIND_HOME_PATH, SEC_CARBONIO, false },
};

/* Order in which site_write emits the keys of each kind of section. */
static const enum site_key_id site_order_ssh[] = { K_USER, K_PORT, K_IDENTITY, K_KNOWN_HOSTS };
static const enum site_key_id site_order_carbonio[] = {
	K_MASTER, K_REPLICAS, K_MTA, K_OTHER_NODES, K_LDAP_PORT, K_PREFIX, K_BOOTSTRAP,
	K_LDAP_DIRECT, K_LDAP_CA_FILE
};
static const enum site_key_id site_order_dovecot[] = { K_SERVERS, K_PORT, K_MAX_CONNS, K_CONF_DIR };
static const enum site_key_id site_order_monitor[] = {
	K_WARN_LAG, K_CRIT_LAG, K_WARN_FAILED, K_CRIT_FAILED, K_WARN_QUEUE, K_CRIT_QUEUE
};
static const enum site_key_id site_order_host[] = {
	K_ADDRESS, K_USER, K_PORT, K_IDENTITY, K_KNOWN_HOSTS, K_PREFIX, K_BOOTSTRAP, K_LDAP_PORT, K_CONF_DIR
};

/* Substrings that make a key look like a secret. */
static const char *const site_secret_words[] = {
	"pass", "secret", "key", "token", "pwd", "credential",
};

struct site_section {
	enum site_sec kind;
	char *host;         /* [host NAME] only */
	char *pair;         /* [dovecot NAME] only */
	bool present;
	int line;           /* header line, 0 when not from a file */
	char *val[K_COUNT]; /* NULL: unset */
	int vline[K_COUNT];
};

enum { FIX_SSH, FIX_CARBONIO, FIX_DOVECOT, FIX_MONITOR, FIX_COUNT };
enum { LIST_MASTER, LIST_REPLICA, LIST_MTA, LIST_OTHER, LIST_DOVECOT, LIST_COUNT };

struct site {
	struct site_section fixed[FIX_COUNT];
	struct site_section **hosts;
	size_t nhosts;
	struct site_section **pairs; /* [dovecot NAME], in file order */
	size_t npairs;

	/* Resolved view, rebuilt by site_validate(). */
	bool resolved;
	struct site_host *rhosts;
	size_t nrhosts;
	char **lists[LIST_COUNT];
	size_t nlists[LIST_COUNT];
	char **warnings;        /* spare [host] sections, ... */
	size_t nwarnings;
	struct site_pair *rpairs; /* [dovecot] with servers first, then [dovecot NAME] */
	size_t nrpairs;
};

static const char *const site_fixed_names[FIX_COUNT] = { "ssh", "carbonio", "dovecot", "monitor" };

/* ---- errors ------------------------------------------------------------ */

static void site_copy(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src ? src : "");
}

static void site_err(struct site_error *err, int line, const char *section, const char *key,
		     const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void site_err(struct site_error *err, int line, const char *section, const char *key,
		     const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return;
	err->line = line;
	err->open_failed = false;
	site_copy(err->section, sizeof(err->section), section);
	site_copy(err->key, sizeof(err->key), key);
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
}

const char *site_error_format(const struct site_error *err, char *buf, size_t size)
{
	char where[64] = "";

	if (err->open_failed) {
		snprintf(buf, size, "%s", err->message);
		return buf;
	}
	if (err->line > 0)
		snprintf(where, sizeof(where), ":%d", err->line);
	snprintf(buf, size, "%s%s%s%s%s%s%s%s%s",
		 err->file, where, err->file[0] || where[0] ? ": " : "",
		 err->section[0] ? "[" : "", err->section, err->section[0] ? "]" : "",
		 err->key[0] ? " " : "", err->key,
		 err->section[0] || err->key[0] ? ": " : "");
	size_t used = strlen(buf);
	if (used < size)
		snprintf(buf + used, size - used, "%s", err->message);
	return buf;
}

/* ---- helpers ----------------------------------------------------------- */

static size_t site_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t *row = xcalloc(lb + 1, sizeof(*row));
	size_t result;

	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t best = diag + (a[i - 1] != b[j - 1]);
			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	result = row[lb];
	free(row);
	return result;
}

/* The closest candidate when it is close enough to be a typo, else NULL. */
static const char *site_nearest(const char *word, const char *const *cands, size_t n)
{
	const char *best = NULL;
	size_t best_d = (size_t)-1;
	size_t len = strlen(word);

	for (size_t i = 0; i < n; i++) {
		size_t d = site_distance(word, cands[i]);
		if (d < best_d) {
			best_d = d;
			best = cands[i];
		}
	}
	if (best && best_d <= 2 && best_d < len)
		return best;
	return NULL;
}

static bool site_is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Copy of s[0..n) without surrounding blanks. */
static char *site_trim(const char *s, size_t n)
{
	while (n && site_is_blank(*s)) {
		s++;
		n--;
	}
	while (n && site_is_blank(s[n - 1]))
		n--;
	return xstrndup(s, n);
}

/* Split a blank-separated list into an allocated array of names. */
static char **site_split(const char *s, size_t *n)
{
	char **v = NULL;
	size_t count = 0;

	while (*s) {
		while (*s && site_is_blank(*s))
			s++;
		if (!*s)
			break;
		const char *start = s;
		while (*s && !site_is_blank(*s))
			s++;
		v = xrealloc(v, (count + 1) * sizeof(*v));
		v[count++] = xstrndup(start, (size_t)(s - start));
	}
	*n = count;
	return v;
}

static void site_strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static const char *site_section_label(const struct site_section *sec, char *buf, size_t size)
{
	switch (sec->kind) {
	case SEC_SSH:
		return "ssh";
	case SEC_CARBONIO:
		return "carbonio";
	case SEC_DOVECOT:
		if (!sec->pair)
			return "dovecot";
		snprintf(buf, size, "dovecot %s", sec->pair);
		return buf;
	case SEC_MONITOR:
		return "monitor";
	case SEC_HOST:
		snprintf(buf, size, "host %s", sec->host);
		return buf;
	}
	return "";
}

/* ---- sections and keys ------------------------------------------------- */

static void site_section_clear(struct site_section *sec)
{
	for (size_t k = 0; k < K_COUNT; k++) {
		free(sec->val[k]);
		sec->val[k] = NULL;
		sec->vline[k] = 0;
	}
	free(sec->host);
	sec->host = NULL;
	free(sec->pair);
	sec->pair = NULL;
}

static struct site_section *site_find_host(const struct site *site, const char *name)
{
	for (size_t i = 0; i < site->nhosts; i++)
		if (strcasecmp(site->hosts[i]->host, name) == 0)
			return site->hosts[i];
	return NULL;
}

char *site_pair_name_problem(const char *name)
{
	size_t n = strlen(name);
	bool ok = n >= 1 && n <= SITE_PAIR_NAME_MAX && isalnum((unsigned char)name[0]);

	for (size_t i = 0; ok && i < n; i++)
		ok = isalnum((unsigned char)name[i]) || name[i] == '-' || name[i] == '_';
	if (ok)
		return NULL;
	char *q = validate_quote(name, 60);
	char *m = xasprintf("pair name %s: 1 to %d letters, digits, '-' or '_', starting with a "
			    "letter or digit", q, SITE_PAIR_NAME_MAX);
	free(q);
	return m;
}

static struct site_section *site_find_pair(const struct site *site, const char *name)
{
	for (size_t i = 0; i < site->npairs; i++)
		if (strcasecmp(site->pairs[i]->pair, name) == 0)
			return site->pairs[i];
	return NULL;
}

/* Parse a section name ("ssh", "host NAME", "dovecot NAME", ...). On
 * success *fix is the FIX_* index, or -1 with *host (or *pair) set to an
 * allocated name. */
static bool site_parse_section(const char *text, int line, int *fix, char **host, char **pair,
			       struct site_error *err)
{
	static const char *const valid[] = { "ssh", "carbonio", "dovecot", "monitor", "host" };

	*fix = -1;
	*host = NULL;
	*pair = NULL;
	for (int i = 0; i < FIX_COUNT; i++) {
		if (strcmp(text, site_fixed_names[i]) == 0) {
			*fix = i;
			return true;
		}
	}
	if (strncmp(text, "dovecot", 7) == 0 && site_is_blank(text[7])) {
		char *name = site_trim(text + 7, strlen(text + 7));
		char *m = site_pair_name_problem(name);
		if (m) {
			site_err(err, line, text, NULL, "%s", m);
			free(m);
			free(name);
			return false;
		}
		*pair = name;
		return true;
	}
	if (strncmp(text, "host", 4) == 0 && (text[4] == '\0' || site_is_blank(text[4]))) {
		char *name = site_trim(text + 4, strlen(text + 4));
		if (!*name) {
			site_err(err, line, "host", NULL,
				 "a host section needs the node's name: [host NAME]");
			free(name);
			return false;
		}
		char *m = validate_host(name);
		if (m) {
			site_err(err, line, text, NULL, "%s", m);
			free(m);
			free(name);
			return false;
		}
		*host = name;
		return true;
	}
	const char *near = site_nearest(text, valid, sizeof(valid) / sizeof(valid[0]));
	char *q = validate_quote(text, 60);
	site_err(err, line, text, NULL,
		 "unknown section %s%s%s%s (valid: [ssh], [carbonio], [dovecot], [dovecot NAME], [monitor], [host NAME])", q,
		 near ? " (did you mean [" : "", near ? near : "", near ? "]?)" : "");
	free(q);
	return false;
}

static struct site_section *site_section_get(struct site *site, int fix, const char *host,
					     const char *pair)
{
	if (fix >= 0)
		return &site->fixed[fix];

	if (pair) {
		struct site_section *ps = site_find_pair(site, pair);
		if (ps)
			return ps;
		ps = xcalloc(1, sizeof(*ps));
		ps->kind = SEC_DOVECOT;
		ps->pair = xstrdup(pair);
		site->pairs = xrealloc(site->pairs, (site->npairs + 1) * sizeof(*site->pairs));
		site->pairs[site->npairs++] = ps;
		return ps;
	}
	struct site_section *sec = site_find_host(site, host);
	if (sec)
		return sec;
	sec = xcalloc(1, sizeof(*sec));
	sec->kind = SEC_HOST;
	sec->host = xstrdup(host);
	site->hosts = xrealloc(site->hosts, (site->nhosts + 1) * sizeof(*site->hosts));
	site->hosts[site->nhosts++] = sec;
	return sec;
}

static bool site_looks_secret(const char *name)
{
	char *lower = xstrdup(name);
	bool found = false;

	for (char *p = lower; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	for (size_t i = 0; i < sizeof(site_secret_words) / sizeof(site_secret_words[0]); i++)
		if (strstr(lower, site_secret_words[i]))
			found = true;
	free(lower);
	return found;
}

/* Index of key name in sec, or -1 with *err filled. */
static int site_key_lookup(const struct site_section *sec, const char *name, int line,
			   struct site_error *err)
{
	char label[300];
	const char *slabel = site_section_label(sec, label, sizeof(label));
	const char *cands[K_COUNT];
	size_t ncands = 0;
	int elsewhere = -1;

	for (int k = 0; k < K_COUNT; k++) {
		if (strcmp(site_keys[k].name, name) == 0) {
			if (site_keys[k].sections & sec->kind)
				return k;
			elsewhere = k;
		}
		if (site_keys[k].sections & sec->kind)
			cands[ncands++] = site_keys[k].name;
	}

	char *q = validate_quote(name, 60);
	if (site_looks_secret(name)) {
		site_err(err, line, slabel, name,
			 "%s looks like a secret: no secret is ever read from or written to this file "
			 "(the wizard asks for passwords or reads them from REPLICA_WIZARD_*_PASSWORD)",
			 q);
	} else if (elsewhere >= 0) {
		unsigned s = site_keys[elsewhere].sections;
		site_err(err, line, slabel, name, "%s does not belong in [%s] (it goes in [%s])", q,
			 slabel,
			 s & SEC_CARBONIO ? "carbonio" : s & SEC_DOVECOT ? "dovecot" :
			 s & SEC_MONITOR ? "monitor" :
			 s & SEC_SSH ? "ssh" : "host NAME");
	} else {
		const char *near = site_nearest(name, cands, ncands);
		size_t used = 0;
		char valid[400] = "";
		for (size_t i = 0; i < ncands; i++)
			used += (size_t)snprintf(valid + used, sizeof(valid) - used, "%s%s",
						 i ? ", " : "", cands[i]);
		site_err(err, line, slabel, name, "unknown key %s%s%s%s (valid: %s)", q,
			 near ? " (did you mean \"" : "", near ? near : "", near ? "\"?)" : "",
			 valid);
	}
	free(q);
	return -1;
}

/* Check value for key k; *norm gets the value to store (lists re-joined
 * with single spaces). Returns an allocated message on error. */
static char *site_check_value(int k, const char *value, char **norm)
{
	const struct site_key *key = &site_keys[k];
	bool list = key->kind == KIND_HOST_LIST || key->kind == KIND_HOST_PAIR;
	size_t len = strlen(value);
	char *m;

	*norm = NULL;
	if ((m = validate_length(value)) || (m = validate_text(value, len, list)))
		return m;
	if (len && (site_is_blank(value[0]) || site_is_blank(value[len - 1])))
		return xstrdup("leading or trailing blanks are not allowed");
	for (size_t i = 1; i < len; i++)
		if ((value[i] == ';' || value[i] == '#') && site_is_blank(value[i - 1]))
			return xasprintf("\"%c\" after a blank starts a comment in this file", value[i]);
	if (len == 0 && !key->may_be_empty)
		return xstrdup("a value is required");

	switch (key->kind) {
	case KIND_USER:
		m = validate_user(value);
		break;
	case KIND_PORT:
		m = validate_port(value, NULL);
		break;
	case KIND_PATH:
		m = validate_abs_path(value, false);
		break;
	case KIND_HOME_PATH:
		m = validate_abs_path(value, true);
		break;
	case KIND_HOST:
		m = validate_host(value);
		break;
	case KIND_MAX_CONNS:
		m = validate_uint_range(value, 1, 1000, NULL);
		break;
	case KIND_THRESHOLD:
		m = value[0] == '-' ? validate_uint_range(value + 1, 1, 1, NULL)
				    : validate_uint_range(value, 0, 1000000000, NULL);
		if (m) {
			free(m);
			m = xstrdup("must be a whole number from 0 to 1000000000, or -1 to turn the check off");
		}
		break;
	case KIND_YES_NO:
		if (strcmp(value, "yes") != 0 && strcmp(value, "no") != 0)
			m = xstrdup("must be yes or no");
		break;
	case KIND_HOST_LIST:
	case KIND_HOST_PAIR: {
		size_t n;
		char **v = site_split(value, &n);
		size_t used = 0;
		char *joined = xcalloc(1, len + 1);

		for (size_t i = 0; i < n && !m; i++) {
			m = validate_host(v[i]);
			for (size_t j = 0; j < i && !m; j++) {
				if (strcasecmp(v[i], v[j]) == 0) {
					char *q = validate_quote(v[i], 80);
					m = key->kind == KIND_HOST_PAIR
						? xasprintf("both servers are %s: a replication pair needs two different servers", q)
						: xasprintf("%s is listed twice", q);
					free(q);
				}
			}
			used += (size_t)sprintf(joined + used, "%s%s", i ? " " : "", v[i]);
		}
		if (!m && key->kind == KIND_HOST_PAIR && n != 2)
			m = xasprintf("needs exactly two servers (a replication pair), got %zu", n);
		site_strv_free(v, n);
		if (m) {
			free(joined);
			return m;
		}
		*norm = joined;
		return NULL;
	}
	}
	if (m)
		return m;
	*norm = xstrdup(value);
	return NULL;
}

/* ---- public: build ----------------------------------------------------- */

struct site *site_new(void)
{
	struct site *site = xcalloc(1, sizeof(*site));

	site->fixed[FIX_SSH].kind = SEC_SSH;
	site->fixed[FIX_CARBONIO].kind = SEC_CARBONIO;
	site->fixed[FIX_DOVECOT].kind = SEC_DOVECOT;
	site->fixed[FIX_MONITOR].kind = SEC_MONITOR;
	return site;
}

static void site_resolved_clear(struct site *site)
{
	for (size_t i = 0; i < site->nrhosts; i++) {
		struct site_host *h = &site->rhosts[i];
		free(h->name);
		free(h->address);
		free(h->user);
		free(h->identity);
		free(h->known_hosts);
		free(h->prefix);
		free(h->bootstrap);
		free(h->conf_dir);
		free(h->pair);
	}
	free(site->rhosts);
	site->rhosts = NULL;
	site->nrhosts = 0;
	site_strv_free(site->warnings, site->nwarnings);
	site->warnings = NULL;
	site->nwarnings = 0;
	for (size_t i = 0; i < site->nrpairs; i++) {
		free(site->rpairs[i].name);
		free(site->rpairs[i].servers[0]);
		free(site->rpairs[i].servers[1]);
	}
	free(site->rpairs);
	site->rpairs = NULL;
	site->nrpairs = 0;
	for (int l = 0; l < LIST_COUNT; l++) {
		site_strv_free(site->lists[l], site->nlists[l]);
		site->lists[l] = NULL;
		site->nlists[l] = 0;
	}
	site->resolved = false;
}

void site_free(struct site *site)
{
	if (!site)
		return;
	site_resolved_clear(site);
	for (int i = 0; i < FIX_COUNT; i++)
		site_section_clear(&site->fixed[i]);
	for (size_t i = 0; i < site->nhosts; i++) {
		site_section_clear(site->hosts[i]);
		free(site->hosts[i]);
	}
	free(site->hosts);
	for (size_t i = 0; i < site->npairs; i++) {
		site_section_clear(site->pairs[i]);
		free(site->pairs[i]);
	}
	free(site->pairs);
	free(site);
}

/* Store sec.key = value (already looked up as k). */
static bool site_section_set(struct site *site, struct site_section *sec, int k,
			     const char *value, int line, struct site_error *err)
{
	char label[300];
	char *norm = NULL;
	char *m = site_check_value(k, value, &norm);

	if (m) {
		site_err(err, line, site_section_label(sec, label, sizeof(label)),
			 site_keys[k].name, "%s", m);
		free(m);
		return false;
	}
	free(sec->val[k]);
	sec->val[k] = norm;
	sec->vline[k] = line;
	sec->present = true;
	site_resolved_clear(site);
	return true;
}

static bool site_section_by_text(struct site *site, const char *section, bool create,
				 struct site_section **out, struct site_error *err)
{
	int fix;
	char *host = NULL, *pair = NULL;
	char *text = site_trim(section, strlen(section));
	bool ok = false;

	*out = NULL;
	if (!site_parse_section(text, 0, &fix, &host, &pair, err))
		goto out;
	if (fix >= 0)
		*out = &site->fixed[fix];
	else if (create)
		*out = site_section_get(site, fix, host, pair);
	else
		*out = pair ? site_find_pair(site, pair) : site_find_host(site, host);
	ok = true;
out:
	free(text);
	free(host);
	free(pair);
	return ok;
}

bool site_set(struct site *site, const char *section, const char *key, const char *value,
	      struct site_error *err)
{
	struct site_section *sec;

	if (!site_section_by_text(site, section, true, &sec, err))
		return false;
	int k = site_key_lookup(sec, key, 0, err);
	if (k < 0)
		return false;
	sec->present = true;
	if (!value) {
		free(sec->val[k]);
		sec->val[k] = NULL;
		sec->vline[k] = 0;
		site_resolved_clear(site);
		return true;
	}
	return site_section_set(site, sec, k, value, 0, err);
}

const char *site_get(const struct site *site, const char *section, const char *key)
{
	struct site_section *sec;

	/* Lookup only: the cast is safe because nothing is created. */
	if (!site_section_by_text((struct site *)site, section, false, &sec, NULL) || !sec)
		return NULL;
	for (int k = 0; k < K_COUNT; k++)
		if (strcmp(site_keys[k].name, key) == 0 && (site_keys[k].sections & sec->kind))
			return sec->val[k];
	return NULL;
}

bool site_remove_host_section(struct site *site, const char *name)
{
	for (size_t i = 0; i < site->nhosts; i++) {
		if (strcasecmp(site->hosts[i]->host, name) != 0)
			continue;
		site_section_clear(site->hosts[i]);
		free(site->hosts[i]);
		memmove(&site->hosts[i], &site->hosts[i + 1],
			(site->nhosts - i - 1) * sizeof(*site->hosts));
		site->nhosts--;
		site_resolved_clear(site);
		return true;
	}
	return false;
}

/* ---- loading ----------------------------------------------------------- */

struct site_load {
	struct site *site;
	struct site_error *err;
	const char *buf;
	size_t len;
	size_t pos;
	int lineno;
	const char *line;  /* the last line read and its length (no newline) */
	size_t line_len;
	struct site_section *sec; /* current section, NULL before the first */
	bool failed;
};

/* Key name of a raw line, for errors found before inih splits it. */
static char *site_line_key(const char *line, size_t n)
{
	const char *eq = memchr(line, '=', n);
	const char *colon = memchr(line, ':', n);

	if (!eq || (colon && colon < eq))
		eq = colon;
	if (!eq)
		return xstrdup("");
	char *raw = site_trim(line, (size_t)(eq - line));
	char *m = validate_text(raw, strlen(raw), false);
	if (m) {
		/* The key itself is broken: show it escaped, without quotes. */
		char *q = validate_quote(raw, 40);
		free(raw);
		raw = xstrndup(q + 1, strlen(q) - 2);
		free(q);
		free(m);
	}
	return raw;
}

static void site_load_fail(struct site_load *ld, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void site_load_fail(struct site_load *ld, const char *key, const char *fmt, ...)
{
	char label[300];
	char msg[600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	site_err(ld->err, ld->lineno, ld->sec ? site_section_label(ld->sec, label, sizeof(label)) : "",
		 key, "%s", msg);
	ld->failed = true;
}

/* A "[...]" line: switch the current section. */
static void site_load_header(struct site_load *ld, const char *p, size_t n)
{
	const char *close = memchr(p, ']', n);
	char *rest = NULL, *text = NULL, *host = NULL, *pair = NULL;
	int fix;

	ld->sec = NULL;
	if (!close) {
		site_load_fail(ld, NULL, "section header without a closing ']'");
		goto out;
	}
	rest = site_trim(close + 1, n - (size_t)(close + 1 - p));
	if (rest[0] && rest[0] != ';' && rest[0] != '#') {
		char *q = validate_quote(rest, 40);
		site_load_fail(ld, NULL, "unexpected text %s after the section header", q);
		free(q);
		goto out;
	}
	text = site_trim(p + 1, (size_t)(close - p - 1));
	if (!site_parse_section(text, ld->lineno, &fix, &host, &pair, ld->err)) {
		ld->failed = true;
		goto out;
	}
	struct site_section *prev = fix >= 0 ? &ld->site->fixed[fix]
				    : pair ? site_find_pair(ld->site, pair)
					   : site_find_host(ld->site, host);
	if (prev && prev->present) {
		char label[300];
		site_err(ld->err, ld->lineno, site_section_label(prev, label, sizeof(label)), NULL,
			 "duplicate section (first at line %d)", prev->line);
		ld->failed = true;
		goto out;
	}
	ld->sec = site_section_get(ld->site, fix, host, pair);
	ld->sec->present = true;
	ld->sec->line = ld->lineno;
out:
	free(rest);
	free(text);
	free(host);
	free(pair);
}

/* fgets-like reader for inih that counts lines, checks bytes and tracks
 * section headers itself. */
static char *site_ini_reader(char *str, int num, void *stream)
{
	struct site_load *ld = stream;

	if (ld->failed || ld->pos >= ld->len)
		return NULL;

	const char *start = ld->buf + ld->pos;
	const char *nl = memchr(start, '\n', ld->len - ld->pos);
	size_t linelen = nl ? (size_t)(nl - start) : ld->len - ld->pos;
	size_t body = linelen;

	ld->lineno++;
	ld->pos += linelen + (nl ? 1 : 0);
	if (body && start[body - 1] == '\r')
		body--; /* CRLF line ending */
	ld->line = start;
	ld->line_len = body;

	char *m = validate_text(start, body, true);
	if (m) {
		char *key = site_line_key(start, body);
		site_load_fail(ld, key, "%s", m);
		free(key);
		free(m);
		return NULL;
	}
	if (linelen + 2 > (size_t)num) {
		char *key = site_line_key(start, body);
		site_load_fail(ld, key, "line is longer than %d bytes", num - 2);
		free(key);
		return NULL;
	}

	const char *p = start;
	size_t n = body;
	while (n && site_is_blank(*p)) {
		p++;
		n--;
	}
	if (n && *p == '[') {
		site_load_header(ld, p, n);
		if (ld->failed)
			return NULL;
	}

	memcpy(str, start, linelen);
	if (nl)
		str[linelen++] = '\n';
	str[linelen] = '\0';
	return str;
}

static int site_ini_handler(void *user, const char *section, const char *name, const char *value)
{
	struct site_load *ld = user;

	(void)section; /* inih cuts section names at 50 bytes; ours is exact */
	if (!ld->sec) {
		site_load_fail(ld, name, "a key outside of any section (start with [ssh], [carbonio], [dovecot] or [host NAME])");
		return 0;
	}
	if (!*name) {
		site_load_fail(ld, "", "a line has no key before '='");
		return 0;
	}
	int k = site_key_lookup(ld->sec, name, ld->lineno, ld->err);
	if (k < 0) {
		ld->failed = true;
		return 0;
	}
	if (ld->sec->val[k]) {
		site_load_fail(ld, name, "duplicate key (first set at line %d)", ld->sec->vline[k]);
		return 0;
	}
	if (!site_section_set(ld->site, ld->sec, k, value, ld->lineno, ld->err)) {
		ld->failed = true;
		return 0;
	}
	return 1;
}

/* Read the whole file (bounded). Returns false with errno set. */
static bool site_read_file(const char *path, char **buf, size_t *len)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char *data = NULL;
	size_t used = 0;
	bool ok = false;

	if (fd < 0)
		return false;
	if (fstat(fd, &st) != 0)
		goto out;
	if (S_ISDIR(st.st_mode)) {
		errno = EISDIR;
		goto out;
	}
	data = xmalloc(SITE_FILE_MAX + 1);
	for (;;) {
		ssize_t r = read(fd, data + used, SITE_FILE_MAX + 1 - used);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			goto out;
		}
		if (r == 0)
			break;
		used += (size_t)r;
		if (used > SITE_FILE_MAX) {
			errno = EFBIG;
			goto out;
		}
	}
	*buf = data;
	*len = used;
	data = NULL;
	ok = true;
out:
	{
		int saved = errno;
		free(data);
		close(fd);
		errno = saved;
	}
	return ok;
}

struct site *site_load(const char *path, struct site_error *err)
{
	struct site_error dummy;
	struct site *site = NULL;
	char *buf = NULL;
	size_t len = 0;

	if (!err)
		err = &dummy;
	memset(err, 0, sizeof(*err));
	site_copy(err->file, sizeof(err->file), path);

	if (!site_read_file(path, &buf, &len)) {
		snprintf(err->message, sizeof(err->message), "cannot open site file %s: %s", path,
			 strerror(errno));
		err->open_failed = true;
		return NULL;
	}

	site = site_new();
	struct site_load ld = { .site = site, .err = err, .buf = buf, .len = len };
	/* A UTF-8 byte order mark is harmless; skip it so line 1 parses. */
	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
		ld.pos = 3;

	/* Debian's libinih makes its options run-time globals, which other
	 * modules change too (procedure.c): set every one we depend on for
	 * this parse and put the previous values back. A stack line buffer of
	 * ini_max_line bytes (no realloc) means one reader call per line. */
	static char inline_prefixes[] = ";#";
	static char start_prefixes[] = ";#";
	int old_max = ini_max_line;
	bool old_multi = ini_allow_multiline, old_inline = ini_allow_inline_comments;
	bool old_stop = ini_stop_on_first_error, old_novalue = ini_allow_no_value;
	bool old_stack = ini_use_stack, old_realloc = ini_allow_realloc, old_bom = ini_allow_bom;
	char *old_inline_prefixes = ini_inline_comment_prefixes;
	char *old_start_prefixes = ini_start_comment_prefixes;
	ini_max_line = SITE_LINE_MAX;
	ini_use_stack = true;
	ini_allow_realloc = false;
	ini_allow_bom = false;       /* skipped above */
	ini_allow_multiline = false; /* an indented line is not a continuation */
	ini_allow_inline_comments = true;
	ini_inline_comment_prefixes = inline_prefixes;
	ini_start_comment_prefixes = start_prefixes;
	ini_stop_on_first_error = true;
	ini_allow_no_value = false;

	int rc = ini_parse_stream(site_ini_reader, &ld, site_ini_handler, &ld);

	ini_max_line = old_max;
	ini_use_stack = old_stack;
	ini_allow_realloc = old_realloc;
	ini_allow_bom = old_bom;
	ini_allow_multiline = old_multi;
	ini_allow_inline_comments = old_inline;
	ini_inline_comment_prefixes = old_inline_prefixes;
	ini_start_comment_prefixes = old_start_prefixes;
	ini_stop_on_first_error = old_stop;
	ini_allow_no_value = old_novalue;

	if (!ld.failed && rc != 0) {
		/* A line inih could not split: no '=' and not a header. inih
		 * stops at the first error, so it is the last line read. */
		char *text = site_trim(ld.line, ld.line_len);
		char *q = validate_quote(text, 60);
		ld.lineno = rc;
		site_load_fail(&ld, NULL, "%s is not \"key = value\", a [section] or a comment", q);
		free(q);
		free(text);
	}
	free(buf);
	if (ld.failed || !site_validate(site, err)) {
		site_free(site);
		return NULL;
	}
	return site;
}

/* ---- validation and resolution ----------------------------------------- */

static struct site_host *site_rhost_add(struct site *site, const char *name, unsigned role)
{
	for (size_t i = 0; i < site->nrhosts; i++) {
		if (strcasecmp(site->rhosts[i].name, name) == 0) {
			site->rhosts[i].roles |= role;
			return &site->rhosts[i];
		}
	}
	site->rhosts = xrealloc(site->rhosts, (site->nrhosts + 1) * sizeof(*site->rhosts));
	struct site_host *h = &site->rhosts[site->nrhosts++];
	memset(h, 0, sizeof(*h));
	h->name = xstrdup(name);
	h->roles = role;
	return h;
}

static void site_list_add(struct site *site, int list, const char *name)
{
	site->lists[list] = xrealloc(site->lists[list], (site->nlists[list] + 1) * sizeof(char *));
	site->lists[list][site->nlists[list]++] = xstrdup(name);
}

/* Value of key k for a host: [host] override, then the section default. */
static const char *site_pick(const struct site_section *ov, const struct site_section *sec, int k,
			     const struct site_section **from)
{
	*from = NULL;
	if (ov && ov->val[k]) {
		*from = ov;
		return ov->val[k];
	}
	if (sec && sec->val[k]) {
		*from = sec;
		return sec->val[k];
	}
	return NULL;
}

static unsigned site_number(const char *s, unsigned def)
{
	return s ? (unsigned)strtoul(s, NULL, 10) : def;
}

static bool site_expand(const char *value, const struct site_section *from, int k, char **out,
			struct site_error *err)
{
	char label[300];

	*out = validate_expand_home(value);
	if (*out)
		return true;
	site_err(err, from ? from->vline[k] : 0,
		 from ? site_section_label(from, label, sizeof(label)) : "ssh", site_keys[k].name,
		 "cannot expand ~: HOME is not set");
	return false;
}

static bool site_resolve_host(struct site *site, struct site_host *h, struct site_error *err)
{
	const struct site_section *ssh = &site->fixed[FIX_SSH];
	const struct site_section *cb = &site->fixed[FIX_CARBONIO];
	const struct site_section *dc = &site->fixed[FIX_DOVECOT];
	const struct site_section *ov = site_find_host(site, h->name);
	/* a server's own pair first, then [dovecot] (the defaults of every pair) */
	const struct site_section *ps = h->pair ? site_find_pair(site, h->pair) : NULL;
	const struct site_section *from;
	const char *v;

	v = site_pick(ov, NULL, K_ADDRESS, &from);
	h->address = xstrdup(v ? v : h->name);
	v = site_pick(ov, ssh, K_USER, &from);
	h->user = xstrdup(v ? v : SITE_DEFAULT_SSH_USER);
	h->port = site_number(site_pick(ov, ssh, K_PORT, &from), SITE_DEFAULT_SSH_PORT);
	v = site_pick(ov, ssh, K_IDENTITY, &from);
	if (v && !site_expand(v, from, K_IDENTITY, &h->identity, err))
		return false;
	v = site_pick(ov, ssh, K_KNOWN_HOSTS, &from);
	if (!site_expand(v ? v : SITE_DEFAULT_KNOWN_HOSTS, from, K_KNOWN_HOSTS, &h->known_hosts, err))
		return false;
	v = site_pick(ov, cb, K_PREFIX, &from);
	h->prefix = xstrdup(v ? v : SITE_DEFAULT_PREFIX);
	v = site_pick(ov, cb, K_BOOTSTRAP, &from);
	h->bootstrap = xstrdup(v ? v : SITE_DEFAULT_BOOTSTRAP);
	h->ldap_port = site_number(site_pick(ov, cb, K_LDAP_PORT, &from), SITE_DEFAULT_LDAP_PORT);
	v = site_pick(ov, ps, K_CONF_DIR, &from);
	if (!v)
		v = dc->val[K_CONF_DIR];
	h->conf_dir = xstrdup(v ? v : SITE_DEFAULT_CONF_DIR);
	v = ps && ps->val[K_PORT] ? ps->val[K_PORT] : dc->val[K_PORT];
	h->doveadm_port = site_number(v, SITE_DEFAULT_DOVEADM_PORT);
	v = ps && ps->val[K_MAX_CONNS] ? ps->val[K_MAX_CONNS] : dc->val[K_MAX_CONNS];
	h->max_conns = site_number(v, SITE_DEFAULT_MAX_CONNS);
	return true;
}

/* Edit distance of two host names (case-insensitive), capped: enough to
 * tell a likely typo ("ds2" for "ds1", "ldap1.exmaple.com"). */
#define SITE_NAME_DISTANCE_MAX 253
static size_t name_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), prev[SITE_NAME_DISTANCE_MAX + 1], cur[SITE_NAME_DISTANCE_MAX + 1];

	if (la > SITE_NAME_DISTANCE_MAX || lb > SITE_NAME_DISTANCE_MAX)
		return (size_t)-1;
	for (size_t j = 0; j <= lb; j++)
		prev[j] = j;
	for (size_t i = 1; i <= la; i++) {
		cur[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t sub = prev[j - 1] +
				     (tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]));
			size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
			cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
		}
		memcpy(prev, cur, (lb + 1) * sizeof(prev[0]));
	}
	return prev[lb];
}

/* A [host NAME] that no role names: a spare node or a replica taken out.
 * Kept (it may be named again) with a warning, naming a close role name
 * when it looks like a typo. */
static void site_warn_spare(struct site *site, const struct site_section *hs)
{
	const char *closest = NULL;
	size_t best = 3; /* at most 2 edits away */
	char label[300], *q = validate_quote(hs->host, 80), *hint = NULL;

	for (size_t j = 0; j < site->nrhosts; j++) {
		size_t d = name_distance(hs->host, site->rhosts[j].name);
		if (d < best) {
			best = d;
			closest = site->rhosts[j].name;
		}
	}
	if (closest != NULL) {
		char *qc = validate_quote(closest, 80);
		hint = xasprintf(" (did you mean %s?)", qc);
		free(qc);
	}
	site->warnings = xrealloc(site->warnings, (site->nwarnings + 1) * sizeof(*site->warnings));
	site->warnings[site->nwarnings++] =
		xasprintf("line %d: [%s]: %s is not named in [carbonio] or [dovecot]: kept as a "
			  "spare host, not contacted%s", hs->line,
			  site_section_label(hs, label, sizeof(label)), q, hint ? hint : "");
	free(hint);
	free(q);
}

/* The pairs: [dovecot] with servers (named SITE_DEFAULT_PAIR), then each
 * [dovecot NAME]; a server may be in one pair only (it replicates with one
 * partner: Dovecot 2.3 has a single mail_replica). */
static bool site_resolve_pairs(struct site *site, struct site_error *err)
{
	const struct site_section *dc = &site->fixed[FIX_DOVECOT];
	size_t nsec = site->npairs + 1;

	for (size_t s = 0; s < nsec; s++) {
		const struct site_section *ps = s == 0 ? dc : site->pairs[s - 1];
		if (!ps->val[K_SERVERS])
			continue;
		size_t n;
		char **v = site_split(ps->val[K_SERVERS], &n);
		for (size_t i = 0; i < n; i++) {
			for (size_t p = 0; p < site->nrpairs; p++) {
				const struct site_pair *other = &site->rpairs[p];
				if (strcasecmp(other->servers[0], v[i]) != 0 &&
				    strcasecmp(other->servers[1], v[i]) != 0)
					continue;
				char label[300], *q = validate_quote(v[i], 80);
				site_err(err, ps->vline[K_SERVERS], site_section_label(ps, label, sizeof(label)),
					 "servers", "%s is already in the pair %s (line %d): a server "
					 "replicates with one partner only", q, other->name, other->servers_line);
				free(q);
				site_strv_free(v, n);
				return false;
			}
		}
		site->rpairs = xrealloc(site->rpairs, (site->nrpairs + 1) * sizeof(*site->rpairs));
		struct site_pair *rp = &site->rpairs[site->nrpairs++];
		memset(rp, 0, sizeof(*rp));
		rp->name = xstrdup(ps->pair ? ps->pair : SITE_DEFAULT_PAIR);
		rp->named = ps->pair != NULL;
		rp->line = ps->line;
		rp->servers_line = ps->vline[K_SERVERS];
		for (size_t i = 0; i < n && i < 2; i++) {
			rp->servers[i] = xstrdup(v[i]);
			struct site_host *h = site_rhost_add(site, v[i], SITE_ROLE_DOVECOT);
			free(h->pair);
			h->pair = xstrdup(rp->name);
			site_list_add(site, LIST_DOVECOT, v[i]);
		}
		site_strv_free(v, n);
	}
	return true;
}

bool site_validate(struct site *site, struct site_error *err)
{
	const struct site_section *cb = &site->fixed[FIX_CARBONIO];
	const struct site_section *dc = &site->fixed[FIX_DOVECOT];
	const char *master = cb->val[K_MASTER];
	static const struct {
		int key;
		int list;
		unsigned role;
	} roles[] = {
		{ K_MASTER, LIST_MASTER, SITE_ROLE_MASTER },
		{ K_REPLICAS, LIST_REPLICA, SITE_ROLE_REPLICA },
		{ K_MTA, LIST_MTA, SITE_ROLE_MTA },
		{ K_OTHER_NODES, LIST_OTHER, SITE_ROLE_OTHER },
	};

	site_resolved_clear(site);
	if (cb->present && !master) {
		site_err(err, cb->line, "carbonio", "master",
			 "is required: the node with the Carbonio Directory (LDAP master)");
		return false;
	}
	/* [dovecot] without servers is allowed beside named pairs: it then
	 * only gives them its port, max_conns and conf_dir */
	if (dc->present && !dc->val[K_SERVERS] && site->npairs == 0) {
		site_err(err, dc->line, "dovecot", "servers",
			 "is required: the two Dovecot servers of the replication pair");
		return false;
	}
	for (size_t i = 0; i < site->npairs; i++) {
		const struct site_section *ps = site->pairs[i];
		char label[300];
		if (!ps->val[K_SERVERS]) {
			site_err(err, ps->line, site_section_label(ps, label, sizeof(label)), "servers",
				 "is required: the two Dovecot servers of the replication pair");
			return false;
		}
		if (dc->val[K_SERVERS] && strcasecmp(ps->pair, SITE_DEFAULT_PAIR) == 0) {
			site_err(err, ps->line, site_section_label(ps, label, sizeof(label)), NULL,
				 "the pair name %s is the one of [dovecot] servers (line %d): "
				 "choose another name", SITE_DEFAULT_PAIR, dc->vline[K_SERVERS]);
			return false;
		}
	}
	if (!master && !dc->val[K_SERVERS] && site->npairs == 0) {
		site_err(err, 0, NULL, NULL,
			 "the site names no host: set [carbonio] master or [dovecot] servers");
		return false;
	}
	if (master && cb->val[K_REPLICAS]) {
		size_t n;
		char **v = site_split(cb->val[K_REPLICAS], &n);
		bool bad = false;
		for (size_t i = 0; i < n && !bad; i++) {
			if (strcasecmp(v[i], master) == 0) {
				char *q = validate_quote(v[i], 80);
				site_err(err, cb->vline[K_REPLICAS], "carbonio", "replicas",
					 "%s is the master: a replica must be another node", q);
				free(q);
				bad = true;
			}
		}
		site_strv_free(v, n);
		if (bad)
			return false;
	}

	for (size_t r = 0; r < sizeof(roles) / sizeof(roles[0]); r++) {
		const char *val = cb->val[roles[r].key];
		size_t n;
		char **v = site_split(val ? val : "", &n);
		for (size_t i = 0; i < n; i++) {
			site_rhost_add(site, v[i], roles[r].role);
			site_list_add(site, roles[r].list, v[i]);
		}
		site_strv_free(v, n);
	}
	if (!site_resolve_pairs(site, err)) {
		site_resolved_clear(site);
		return false;
	}

	for (size_t i = 0; i < site->nhosts; i++) {
		const struct site_section *hs = site->hosts[i];
		bool named = false;
		for (size_t j = 0; j < site->nrhosts && !named; j++)
			named = strcasecmp(site->rhosts[j].name, hs->host) == 0;
		if (!named)
			site_warn_spare(site, hs);
	}
	for (size_t i = 0; i < site->nrhosts; i++) {
		if (!site_resolve_host(site, &site->rhosts[i], err)) {
			site_resolved_clear(site);
			return false;
		}
	}
	site->resolved = true;
	return true;
}

/* ---- accessors --------------------------------------------------------- */

size_t site_warning_count(const struct site *site)
{
	return site->nwarnings;
}

const char *site_warning_at(const struct site *site, size_t i)
{
	return i < site->nwarnings ? site->warnings[i] : NULL;
}

size_t site_pair_count(const struct site *site)
{
	return site->resolved ? site->nrpairs : 0;
}

const struct site_pair *site_pair_at(const struct site *site, size_t i)
{
	return site->resolved && i < site->nrpairs ? &site->rpairs[i] : NULL;
}

const struct site_pair *site_pair(const struct site *site, const char *name)
{
	for (size_t i = 0; site->resolved && i < site->nrpairs; i++)
		if (strcasecmp(site->rpairs[i].name, name) == 0)
			return &site->rpairs[i];
	return NULL;
}

const struct site_pair *site_pair_of(const struct site *site, const char *server)
{
	const struct site_host *h = site_host(site, server);

	return h && h->pair ? site_pair(site, h->pair) : NULL;
}

size_t site_host_count(const struct site *site)
{
	return site->resolved ? site->nrhosts : 0;
}

const struct site_host *site_host_at(const struct site *site, size_t i)
{
	return site->resolved && i < site->nrhosts ? &site->rhosts[i] : NULL;
}

const struct site_host *site_host(const struct site *site, const char *name)
{
	for (size_t i = 0; site->resolved && i < site->nrhosts; i++)
		if (strcasecmp(site->rhosts[i].name, name) == 0)
			return &site->rhosts[i];
	return NULL;
}

const char *const *site_list(const struct site *site, enum site_role role, size_t *n)
{
	int l;

	switch (role) {
	case SITE_ROLE_MASTER: l = LIST_MASTER; break;
	case SITE_ROLE_REPLICA: l = LIST_REPLICA; break;
	case SITE_ROLE_MTA: l = LIST_MTA; break;
	case SITE_ROLE_OTHER: l = LIST_OTHER; break;
	case SITE_ROLE_DOVECOT: l = LIST_DOVECOT; break;
	default:
		*n = 0;
		return NULL;
	}
	*n = site->resolved ? site->nlists[l] : 0;
	return (const char *const *)site->lists[l];
}

const char *site_roles_format(unsigned roles, char *buf, size_t size)
{
	static const char *const names[] = { "master", "replica", "mta", "other", "dovecot" };
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (roles & (1u << i) && used < size)
			used += (size_t)snprintf(buf + used, size - used, "%s%s", used ? ", " : "",
						 names[i]);
	return buf;
}

char *site_default_path(void)
{
	const char *env = getenv("REPLICA_WIZARD_SITE");
	const char *xdg = getenv("XDG_CONFIG_HOME");

	if (env && *env)
		return xstrdup(env);
	/* XDG base directory spec: a relative XDG_CONFIG_HOME is ignored. */
	if (xdg && xdg[0] == '/')
		return xasprintf("%s/replica-wizard/site.ini", xdg);
	char *h = validate_expand_home("~");
	if (!h)
		return NULL;
	char *p = xasprintf("%s/.config/replica-wizard/site.ini", h);
	free(h);
	return p;
}

/* ---- writing ----------------------------------------------------------- */

static void site_write_section(FILE *f, const struct site_section *sec, const enum site_key_id *order,
			       size_t n)
{
	char label[300];

	fprintf(f, "\n[%s]\n", site_section_label(sec, label, sizeof(label)));
	for (size_t i = 0; i < n; i++) {
		const char *v = sec->val[order[i]];
		if (v && *v)
			fprintf(f, "%s = %s\n", site_keys[order[i]].name, v);
	}
}

int site_write(const struct site *site, const char *path, struct site_error *err)
{
	char *tmp = xasprintf("%s.XXXXXX", path);
	FILE *f = NULL;
	int fd = -1;
	int rc = -1;
	bool created = false;

	if (err)
		memset(err, 0, sizeof(*err));
	fd = mkstemp(tmp);
	if (fd < 0) {
		site_err(err, 0, NULL, NULL, "cannot create a temporary file next to %s: %s", path,
			 strerror(errno));
		goto out;
	}
	created = true;
	if (fchmod(fd, 0644) != 0 || !(f = fdopen(fd, "w"))) {
		site_err(err, 0, NULL, NULL, "cannot write %s: %s", tmp, strerror(errno));
		goto out;
	}
	fd = -1; /* owned by f now */

	fputs("# replica-wizard site file (see replica-wizard(1), SITE FILE).\n"
	      "# No secret is ever read from or written to this file.\n", f);
	if (site->fixed[FIX_SSH].present)
		site_write_section(f, &site->fixed[FIX_SSH], site_order_ssh,
				   sizeof(site_order_ssh) / sizeof(site_order_ssh[0]));
	if (site->fixed[FIX_CARBONIO].present)
		site_write_section(f, &site->fixed[FIX_CARBONIO], site_order_carbonio,
				   sizeof(site_order_carbonio) / sizeof(site_order_carbonio[0]));
	if (site->fixed[FIX_DOVECOT].present)
		site_write_section(f, &site->fixed[FIX_DOVECOT], site_order_dovecot,
				   sizeof(site_order_dovecot) / sizeof(site_order_dovecot[0]));
	for (size_t i = 0; i < site->npairs; i++)
		site_write_section(f, site->pairs[i], site_order_dovecot,
				   sizeof(site_order_dovecot) / sizeof(site_order_dovecot[0]));
	if (site->fixed[FIX_MONITOR].present)
		site_write_section(f, &site->fixed[FIX_MONITOR], site_order_monitor,
				   sizeof(site_order_monitor) / sizeof(site_order_monitor[0]));
	for (size_t i = 0; i < site->nhosts; i++)
		site_write_section(f, site->hosts[i], site_order_host,
				   sizeof(site_order_host) / sizeof(site_order_host[0]));

	if (fflush(f) != 0 || fsync(fileno(f)) != 0) {
		site_err(err, 0, NULL, NULL, "cannot write %s: %s", tmp, strerror(errno));
		goto out;
	}
	if (fclose(f) != 0) {
		f = NULL;
		site_err(err, 0, NULL, NULL, "cannot write %s: %s", tmp, strerror(errno));
		goto out;
	}
	f = NULL;
	if (rename(tmp, path) != 0) {
		site_err(err, 0, NULL, NULL, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (f)
		fclose(f);
	if (fd >= 0)
		close(fd);
	if (rc != 0 && created)
		unlink(tmp);
	free(tmp);
	return rc;
}

bool site_ldap_direct(const struct site *site)
{
	const char *v = site->fixed[FIX_CARBONIO].val[K_LDAP_DIRECT];

	return v != NULL && strcmp(v, "yes") == 0;
}

char *site_ldap_ca_file(const struct site *site)
{
	const char *v = site->fixed[FIX_CARBONIO].val[K_LDAP_CA_FILE];

	return v ? validate_expand_home(v) : NULL;
}
