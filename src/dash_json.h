/* The dashboard as one JSON document (`dashboard --once --format json`),
 * built with jansson. Shape (times are UTC ISO 8601, ages in seconds):
 *   { "generated_at", "interval_s", "overall",
 *     "thresholds": { warn_lag_s, crit_lag_s, warn_failed, crit_failed, warn_queue, crit_queue },
 *     "master": { name, url, contextCSN[], csn_age_s, error, ssh_error, ldap_password },
 *     "replicas": [ { name, url, health, summary, lag_s,
 *                     zmreplchk { code, status, behind_s, age_s, error },
 *                     ldap { contextCSN, lag_s, age_s, error },
 *                     syncrepl { connected, consumers, phase, next_connect, age_s, error },
 *                     history [ [unix_time, lag_s|null], ... ] } ],
 *     "servers": [ { name, pair, health, summary, error,
 *                    overview { queued_sync, queued_high, queued_low, queued_failed,
 *                               queued_full_resync, waiting_failed, total_users, age_s },
 *                    queued, failed,
 *                    users [ { username, priority, fast_sync_ago_s, full_sync_ago_s,
 *                              success_sync_ago_s, failed, next_sync_s } ],   failed first
 *                    dsync [ { username, type, status } ],
 *                    history { queued [[t, n|null]...], failed [[t, n|null]...] } } ],
 *     "pairs": [ { name, named, health, servers [ name, name ] } ],  the Dovecot pairs
 *     "events": [ { at, level, text } ] }
 * Unknown values are null. No secret is ever part of it. */
#ifndef RW_DASH_JSON_H
#define RW_DASH_JSON_H

#include <time.h>

struct dashboard;

/* The document as text (indented, ending with a newline). Allocated. */
char *dash_json_render(const struct dashboard *d, time_t now);

#endif
