#include "sitelock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "journal.h"
#include "xalloc.h"

struct sitelock {
	int fd;
};

char *sitelock_path_for(const char *site_path)
{
	/* the journal's name with "lock" for the procedure, minus ".journal":
	 * same directory, same per-site name */
	char *path = journal_path_for(site_path, "lock");
	char *suffix = strrchr(path, '.');
	if (suffix && strcmp(suffix, ".journal") == 0)
		*suffix = '\0';
	return path;
}

/* "pid=N<TAB>since=EPOCH<TAB>what=WORD": what the holder wrote. */
static void describe_holder(int fd, char *out, size_t outlen)
{
	char buf[256];
	ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
	long pid = 0;
	long long since = 0;
	char what[64] = "";
	if (n > 0) {
		buf[n] = '\0';
		if (sscanf(buf, "pid=%ld\tsince=%lld\twhat=%63[a-z-]", &pid, &since, what) < 2)
			pid = 0;
	}
	if (pid <= 0) {
		snprintf(out, outlen, "a process that is just starting");
		return;
	}
	char when[32] = "?";
	time_t t = (time_t)since;
	struct tm tm;
	if (localtime_r(&t, &tm))
		strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
	snprintf(out, outlen, "process %ld (%s) since %s", pid, what[0] ? what : "a run", when);
}

struct sitelock *sitelock_acquire(const char *path, const char *what, bool *busy, char *err,
				  size_t errlen)
{
	*busy = false;
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "cannot open the site's lock file %s: %s", path, strerror(errno));
		return NULL;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		int e = errno;
		if (e == EWOULDBLOCK) {
			char holder[160];
			describe_holder(fd, holder, sizeof holder);
			*busy = true;
			snprintf(err, errlen,
				 "another run is working on this site: %s (lock file %s); "
				 "wait for it to end, or stop it (^C or kill: it journals \"aborted\" "
				 "and --resume continues)", holder, path);
		} else {
			snprintf(err, errlen, "cannot lock %s: %s", path, strerror(e));
		}
		close(fd);
		return NULL;
	}
	char line[128];
	int len = snprintf(line, sizeof line, "pid=%ld\tsince=%lld\twhat=%s\n", (long)getpid(),
			   (long long)time(NULL), what);
	if (ftruncate(fd, 0) != 0 || pwrite(fd, line, (size_t)len, 0) != len) {
		/* the lock holds without the note; only the message is poorer */
	}
	struct sitelock *l = xcalloc(1, sizeof *l);
	l->fd = fd;
	return l;
}

void sitelock_release(struct sitelock *l)
{
	if (!l)
		return;
	/* never unlink: a run that has just opened this inode would lock a
	 * file the next run no longer sees */
	if (ftruncate(l->fd, 0) != 0) {
		/* a stale note is only read while someone holds the lock again */
	}
	close(l->fd);
	free(l);
}
