/* Parse the output of Carbonio's `zmlocalconfig` into a small key->value
 * map. Values can be passwords (`-s`): localconfig_free() wipes them.
 *
 * Prefer the plain format (`zmlocalconfig -s k1 k2 ...`) when asking for
 * several keys: every line names its key. With `-m nokey` the tool prints
 * one value per line in the order asked and NOTHING for a key that does not
 * exist (only a "null valued key" warning on stderr), so a missing key
 * shifts the later values up; the parser can only see that the line count
 * differs, never which key is missing. */
#ifndef RW_LOCALCONFIG_PARSE_H
#define RW_LOCALCONFIG_PARSE_H

#include <stdbool.h>
#include <stddef.h>

/* More keys than this is not zmlocalconfig output (a full dump has ~1000). */
#define LOCALCONFIG_MAX_KEYS 10000

struct localconfig_entry {
	char *key;
	char *value;
};

struct localconfig {
	struct localconfig_entry *items;	/* in output order */
	size_t n;
};

struct localconfig_error {
	size_t line;		/* 1-based line of the problem, 0 = no line */
	const char *msg;	/* static English sentence */
};

/* `zmlocalconfig [-s] [keys...]`: lines "key = value" (value may be empty,
 * may contain " = " and spaces; kept verbatim). */
struct localconfig *localconfig_parse_plain(const char *buf, size_t len,
					    struct localconfig_error *err);

/* `zmlocalconfig -s -m nokey k1 .. kn`: exactly nkeys lines expected, in
 * the order of keys[]. A different count is an error (see above). */
struct localconfig *localconfig_parse_nokey(const char *buf, size_t len,
					    const char *const *keys,
					    size_t nkeys,
					    struct localconfig_error *err);

/* `zmlocalconfig -s -m shell`: lines "key='value';" where a quote inside
 * the value is written '' (Carbonio's ConfigWriter) or '\'' (a shell's
 * printf %q-like quoting); a value may span lines. */
struct localconfig *localconfig_parse_shell(const char *buf, size_t len,
					    struct localconfig_error *err);

/* Value of key, or NULL when absent. Owned by lc. */
const char *localconfig_get(const struct localconfig *lc, const char *key);

/* A localconfig flag (ldap_starttls_supported,
 * zimbra_require_interprocess_security) as Carbonio's Perl tools read it:
 * on unless NULL, empty or "0". */
bool localconfig_flag(const char *value);

/* Frees lc after wiping every value with explicit_bzero(). NULL is fine. */
void localconfig_free(struct localconfig *lc);

#endif
