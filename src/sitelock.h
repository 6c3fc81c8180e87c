/* One run per site: an exclusive flock(2) on a lock file beside the site's
 * journals, taken before a run's journal is written and held until the
 * operation ends (the kernel drops it when the process dies, even by
 * SIGKILL, so a lock is never stale). The file says who holds it and since
 * when, for the message of the run that is turned away. */
#ifndef RW_SITELOCK_H
#define RW_SITELOCK_H

#include <stdbool.h>
#include <stddef.h>

struct sitelock;

/* <state dir>/<site name>-<hash>.lock, beside the journals (journal.h). */
char *sitelock_path_for(const char *site_path);

/* Take the lock at path (its directory must exist); what says what the run
 * does ("install-replica"). NULL with a message in err: *busy is true when
 * another process holds it (err names its PID and since when), false for
 * any other error. */
struct sitelock *sitelock_acquire(const char *path, const char *what, bool *busy, char *err,
				  size_t errlen);
void sitelock_release(struct sitelock *l);

#endif
