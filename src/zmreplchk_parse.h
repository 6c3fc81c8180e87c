/* Parse the stdout of Carbonio's zmreplchk (/opt/zextras/libexec/zmreplchk).
 *
 * The tool prints, per master (only with several masters, MMR) and per
 * replica:
 *   Master: <url> ServerID: <id> Code: <n> Status: <text>[ CSNs:\n<csn>\n...]
 *   Replica: <url> Code: <n> Status: <text>[ CSNs:\n<csn>\n...]
 * The single-line form "... CSNs: <csn> <csn>" (the lab's --oneline) is
 * accepted too. Empty output means "no replica in ldap_url" and is a valid
 * result with no entries. Lines that fit none of these forms are kept in
 * `unparsed` with their line number, never dropped silently. */
#ifndef RW_ZMREPLCHK_PARSE_H
#define RW_ZMREPLCHK_PARSE_H

#include <stddef.h>

/* Bounds so that any input gives bounded memory; extra items are counted
 * in the *_dropped fields instead of stored. */
#define ZMREPLCHK_MAX_ENTRIES 1024
#define ZMREPLCHK_MAX_CSNS 64		/* per entry */
#define ZMREPLCHK_MAX_UNPARSED 64
#define ZMREPLCHK_MAX_UNPARSED_TEXT 256	/* bytes kept of an unparsed line */

enum zmreplchk_role {
	ZMREPLCHK_MASTER,
	ZMREPLCHK_REPLICA,
};

/* Entry flags. */
#define ZMREPLCHK_F_IN_SYNC	0x01	/* code 0 */
#define ZMREPLCHK_F_BEHIND	0x02	/* code 6 "... s behind": behind_secs */
/* Code 6 that is not "behind": either ahead (Date::Manip 6 prints no '+',
 * so zmreplchk adds no "s ahead": "0y 0M 0w 0d 0h 0m 12") or a text that
 * is no delta at all (lab: "No contextCSN on replica"). */
#define ZMREPLCHK_F_AHEAD_UNKNOWN 0x04
/* "Replica:  Code: 4 ..." with an empty URL: ldap_url holds two blanks in
 * a row (zmreplchk splits it on single spaces). */
#define ZMREPLCHK_F_EMPTY_URL	0x08
/* "Code: 6 Status: " with an empty status: replchk.pl compares with the
 * master's contextCSN that it could not read (master down or not
 * searchable: it prints no line of its own for a single master), and
 * compareCSN() of nothing is empty (replchk.pl:58-61,216-231). */
#define ZMREPLCHK_F_MASTER_DOWN	0x10
/* "Code:  Status: " printed empty (zmreplchk does this when a replica
 * returns no contextCSN at all): code is -1. */
#define ZMREPLCHK_F_NO_CODE	0x40

struct zmreplchk_entry {
	enum zmreplchk_role role;
	size_t line;		/* 1-based line of the Master:/Replica: line */
	char *url;		/* "" for the bogus empty-URL line */
	char *server_id;	/* MMR masters only; NULL when absent or empty */
	int code;		/* 0,3,4,5,6 (1,2 in old docs); -1 when empty */
	char *status;		/* status text as printed */
	char **csns;		/* contextCSN values, in order */
	size_t n_csns;
	size_t n_csns_dropped;
	long long behind_secs;	/* ZMREPLCHK_F_BEHIND: seconds; else -1 */
	long long delta_secs;	/* any parsed delta (behind or ahead); else -1 */
	unsigned flags;
};

struct zmreplchk_unparsed {
	size_t line;		/* 1-based */
	char *text;		/* the line, NULs shown as '?', cut to MAX_TEXT */
};

struct zmreplchk_result {
	struct zmreplchk_entry *entries;
	size_t n_entries;
	size_t n_entries_dropped;
	struct zmreplchk_unparsed *unparsed;
	size_t n_unparsed;
	size_t n_unparsed_dropped;
};

struct zmreplchk_error {
	size_t line;		/* 1-based line of the first problem */
	const char *msg;	/* static English sentence */
};

/* Parses buf[0..len) (not NUL-terminated; may hold anything). Always sets
 * *out to a result to free with zmreplchk_result_free(). Returns 0 when
 * every line was understood, 1 when some lines were kept as unparsed (or
 * limits were hit; *err tells the first), -1 on bad arguments (*out NULL). */
int zmreplchk_parse(const char *buf, size_t len, struct zmreplchk_result **out,
		    struct zmreplchk_error *err);

void zmreplchk_result_free(struct zmreplchk_result *r);

/* Parses a zmreplchk delta such as "0y 0M 0w 0d 0h 6m 42s behind", the
 * older "0w 0d 0h 14m 42s behind", "... 12s ahead", or the suffix-less
 * Date::Manip 6 "ahead" form "0y 0M 0w 0d 0h 0m 12". Years count as 365
 * days and months as 30 days (Date::Manip gives no calendar anchor here).
 * Returns seconds (>= 0) and sets *dir to 1 behind, 2 ahead (explicit or
 * suffix-less); -1 when s is not a delta. */
long long zmreplchk_parse_delta(const char *s, size_t len, int *dir);

#endif
