/* Writing the discovered servers into the site file: see discover_write.h. */
#include "discover_write.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "discover_plan.h"
#include "site.h"
#include "site_edit.h"
#include "sitelock.h"
#include "state_dir.h"
#include "xalloc.h"

char *discover_read_text(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	char *buf = xmalloc(DISCOVER_SITE_MAX + 1);
	size_t used = 0;
	for (;;) {
		ssize_t r = read(fd, buf + used, DISCOVER_SITE_MAX + 1 - used);
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0)
			break;
		if (r > 0)
			used += (size_t)r;
		if (r < 0 || used > DISCOVER_SITE_MAX) {
			int e = r < 0 ? errno : EFBIG;
			free(buf);
			close(fd);
			errno = e;
			return NULL;
		}
	}
	close(fd);
	buf[used] = '\0';
	*len = used;
	return buf;
}

void discover_apply(const struct discover_plan *p, struct site_text *t)
{
	for (int l = 0; l < DISCOVER_LISTS; l++) {
		const struct discover_change *c = &p->lists[l];
		if (c->changed)
			site_text_set(t, "carbonio", c->key, c->new_value, c->after_key);
	}
	for (size_t i = 0; i < p->n_stale; i++)
		if (p->stale[i].drop_section) {
			char *sec = xasprintf("host %s", p->stale[i].name);
			site_text_drop_section(t, sec);
			free(sec);
		}
}

/* The rewritten file must load as a site (the same checks as every command). */
static bool check_written(const char *tmp, void *ud, char *err, size_t errlen)
{
	const char *path = ud;
	struct site_error se;
	struct site *s = site_load(tmp, &se);
	if (s) {
		site_free(s);
		return true;
	}
	char buf[2048];
	snprintf(se.file, sizeof se.file, "%s (as rewritten)", path);
	snprintf(err, errlen, "the rewritten site file would not load, so it was not written: %s",
		 site_error_format(&se, buf, sizeof buf));
	return false;
}

/* One run at a time on a site: the install, remove and dovecot runs hold
 * the same lock (sitelock.h) while they use the site file. */
static struct sitelock *lock_site(const char *path, char *err, size_t errlen)
{
	char derr[512] = "";
	char *dir = state_dir_path();
	int fd = dir ? state_dir_open(dir, 1, derr, sizeof derr) : -1;
	free(dir);
	if (fd < 0) {
		snprintf(err, errlen, "no state directory for the site lock (%s): set REPLICA_WIZARD_STATE_DIR; "
			 "not written", *derr ? derr : "no home directory");
		return NULL;
	}
	close(fd);
	char *lp = sitelock_path_for(path);
	bool busy;
	char lerr[512];
	struct sitelock *l = sitelock_acquire(lp, "site-discover", &busy, lerr, sizeof lerr);
	free(lp);
	if (!l)
		snprintf(err, errlen, "%s: not written", lerr);
	return l;
}

int discover_write(const char *path, const char *text, size_t len, const struct discover_plan *p, char *err,
		   size_t errlen)
{
	struct sitelock *lock = lock_site(path, err, errlen);
	if (!lock)
		return -1;
	int rc = -1;
	size_t now_len = 0;
	char *now = discover_read_text(path, &now_len);
	bool same = now && now_len == len && memcmp(now, text, len) == 0;
	free(now);
	if (!same) {
		snprintf(err, errlen, "%s changed while the master was asked: not written; run again", path);
		goto out;
	}
	struct site_text t;
	site_text_init(&t, text, len);
	discover_apply(p, &t);
	rc = site_text_write(path, &t, check_written, (void *)path, err, errlen);
	site_text_clear(&t);
out:
	sitelock_release(lock);
	return rc;
}
