/* OpenLDAP change sequence numbers (contextCSN / entryCSN values).
 *
 * Format (fixed width, 40 bytes):
 *   YYYYmmddHHMMSS.ffffffZ#cccccc#sid#mmmmmm
 *   e.g. 20261122120315.636437Z#000000#000#000000
 * time is UTC with microseconds; cccccc (change count), sid (server id) and
 * mmmmmm (modification number) are lower- or upper-case hex, as OpenLDAP
 * writes them with %06x / %03x. */
#ifndef RW_CSN_H
#define RW_CSN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CSN_LEN 40

struct csn {
	int64_t sec;      /* seconds since the Unix epoch, UTC */
	uint32_t usec;    /* 0..999999 */
	uint32_t count;   /* change count within the microsecond, 0..0xffffff */
	uint32_t sid;     /* server id, 0..0xfff */
	uint32_t mod;     /* modification number, 0..0xffffff */
	char text[CSN_LEN + 1];
};

/* Parse exactly len bytes (no surrounding blanks) strictly: fixed lengths,
 * digits where digits belong, month/day (leap years)/hour/minute/second
 * (60 allowed for a leap second) in range.  Returns false on any error. */
bool csn_parse(const char *s, size_t len, struct csn *out);

/* NUL-terminated convenience form of csn_parse(). */
bool csn_parse_str(const char *s, struct csn *out);

/* <0, 0, >0 like strcmp: by time, then count, sid, mod (the order in which
 * OpenLDAP compares CSNs). */
int csn_cmp(const struct csn *a, const struct csn *b);

/* A CSN list as read from contextCSN (one value per server id). */
struct csn_list {
	struct csn *v;
	size_t n;
};

/* Parse a list of CSNs separated by any run of blanks, newlines or ':'
 * (zmreplchk joins values with ':' internally and prints one per line).
 * Returns NULL and sets *bad (if not NULL) to the offset of the first
 * invalid token.  An empty text gives an empty list. */
struct csn_list *csn_list_parse(const char *text, size_t *bad);
void csn_list_free(struct csn_list *l);

/* The entry of l for server id sid, or NULL. */
const struct csn *csn_list_find(const struct csn_list *l, uint32_t sid);

enum csn_lag_rc {
	CSN_LAG_OK = 0,
	CSN_LAG_NO_MASTER,  /* the master list has no CSN for that sid */
	CSN_LAG_NO_REPLICA, /* the replica list has no CSN for that sid */
};

/* Lag in seconds of the replica behind the master for server id sid:
 * master time - replica time (negative when the replica is ahead, 0 when
 * equal).  *lag is set only on CSN_LAG_OK. */
enum csn_lag_rc csn_lag(const struct csn_list *master,
			const struct csn_list *replica, uint32_t sid,
			double *lag);

/* Worst (largest) lag over every server id present in the master list.
 * CSN_LAG_NO_MASTER when master is empty; CSN_LAG_NO_REPLICA when the
 * replica lacks any of the master's server ids (it has never received a
 * change from that master: treat as out of sync). */
enum csn_lag_rc csn_lag_max(const struct csn_list *master,
			    const struct csn_list *replica, double *lag);

#endif
