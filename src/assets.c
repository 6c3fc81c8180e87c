#include "assets.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "xalloc.h"

#ifndef RW_DATADIR
#define RW_DATADIR "/usr/local/share/replica-wizard"
#endif

static char *found;

static int is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

const char *assets_dir(void)
{
	if (found)
		return found;
	const char *env = getenv("REPLICA_WIZARD_ASSETS");
	if (env && *env) {
		found = xstrdup(env);
		return found;
	}
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n > 0) {
		exe[n] = '\0';
		char *slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			char *candidate = xasprintf("%s/assets/procedures", exe);
			int ok = is_dir(candidate);
			free(candidate);
			if (ok) {
				found = xasprintf("%s/assets", exe);
				return found;
			}
			/* installed: PREFIX/bin/replica-wizard beside
			 * PREFIX/share/replica-wizard, whatever PREFIX was */
			candidate = xasprintf("%s/../share/replica-wizard/procedures", exe);
			ok = is_dir(candidate);
			free(candidate);
			if (ok) {
				found = xasprintf("%s/../share/replica-wizard", exe);
				return found;
			}
		}
	}
	found = xstrdup(RW_DATADIR);
	return found;
}

char *assets_path(const char *relative)
{
	return xasprintf("%s/%s", assets_dir(), relative);
}

char *assets_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 8192, n;
	char *buf = xmalloc(cap);
	*len = 0;
	while ((n = fread(buf + *len, 1, cap - *len - 1, f)) > 0) {
		*len += n;
		if (cap - *len < 2)
			buf = xrealloc(buf, cap *= 2);
	}
	int bad = ferror(f) ? EIO : 0;
	fclose(f);
	if (bad) {
		free(buf);
		errno = bad;
		return NULL;
	}
	buf[*len] = '\0';
	return buf;
}
