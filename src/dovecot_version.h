/* Parse and classify the Dovecot version printed by `dovecot --version`
 * or by the first line of `doveconf -n`. Pure parsing, no allocation. */
#ifndef RW_DOVECOT_VERSION_H
#define RW_DOVECOT_VERSION_H

#include <stdbool.h>
#include <stddef.h>

/* Numeric components larger than this are refused as garbage. */
#define DOVECOT_VERSION_MAX_COMPONENT 99999

struct dovecot_version {
	int major;
	int minor;
	int micro;		/* -1 when not printed ("2.4") */
	int patch;		/* -1 when not printed ("2.3.21") */
	char suffix[32];	/* text glued to the numbers, e.g. "-4" in "2.4.1-4" */
	char rev[32];		/* git revision in parentheses, "" when absent */
	char text[64];		/* version as printed, without the revision */
};

struct dovecot_version_error {
	size_t line;		/* 1-based line of the problem */
	const char *msg;	/* static English sentence */
};

enum dovecot_version_class {
	DOVECOT_VERSION_OK,		/* 2.3.20 or later 2.3 */
	DOVECOT_VERSION_OK_OLD,		/* 2.3 older than 2.3.20: works, warn */
	DOVECOT_VERSION_TOO_NEW,	/* 2.4 or later: replicator removed */
	DOVECOT_VERSION_TOO_OLD,	/* older than 2.3 */
};

/* Output of `dovecot --version`: "2.3.19.1 (9b53102964)", "2.3.21",
 * "2.4.1-4 (7d8c0e5759)". Trailing blank lines are allowed, any other
 * extra line is an error. Returns 0, or -1 with *err filled. */
int dovecot_version_parse(const char *buf, size_t len,
			  struct dovecot_version *out,
			  struct dovecot_version_error *err);

/* Output of `doveconf -n` (only the first line is read):
 * "# 2.3.19.1 (9b53102964): /etc/dovecot/dovecot.conf". */
int dovecot_version_parse_doveconf(const char *buf, size_t len,
				   struct dovecot_version *out,
				   struct dovecot_version_error *err);

/* <0, 0, >0 like strcmp, comparing major.minor.micro.patch (absent = 0). */
int dovecot_version_cmp(const struct dovecot_version *v,
			int major, int minor, int micro, int patch);

/* Decide whether the wizard may configure replication on this version.
 * *message (if non-NULL) gets a static sentence for the admin. */
enum dovecot_version_class
dovecot_version_classify(const struct dovecot_version *v, const char **message);

/* 2.3.20 added the `next sync secs` column to `replicator status <mask>`. */
bool dovecot_version_has_next_sync_column(const struct dovecot_version *v);

#endif
