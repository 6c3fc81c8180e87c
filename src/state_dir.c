#include "state_dir.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "xalloc.h"

char *state_dir_path(void)
{
	const char *env = getenv("REPLICA_WIZARD_STATE_DIR");
	if (env && *env)
		return xstrdup(env);
	env = getenv("XDG_STATE_HOME");
	if (env && *env)
		return xasprintf("%s/replica-wizard", env);
	const char *home = getenv("HOME");
	if (!home || !*home) {
		/* never a shared fallback such as /tmp */
		struct passwd *pw = getpwuid(geteuid());
		home = pw ? pw->pw_dir : NULL;
	}
	if (!home || !*home)
		return NULL;
	return xasprintf("%s/.local/state/replica-wizard", home);
}

static int mkdir_parents(const char *dir)
{
	char *copy = xstrdup(dir);
	int rc = 0;
	for (char *p = copy + 1; *p && rc == 0; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(copy, 0700) != 0 && errno != EEXIST)
			rc = -1;
		*p = '/';
	}
	if (rc == 0 && mkdir(copy, 0700) != 0 && errno != EEXIST)
		rc = -1;
	free(copy);
	return rc;
}

/* "<what> <path>: <why>" in err; errno err_no; fd closed. */
static int state_fail(int fd, int err_no, char *err, size_t errlen, const char *what, const char *path,
		      const char *why)
{
	if (fd >= 0)
		close(fd);
	if (errlen)
		snprintf(err, errlen, "%s %s: %s", what, path, why);
	errno = err_no;
	return -1;
}

int state_dir_open(const char *dir, int create, char *err, size_t errlen)
{
	const int flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
	int fd = open(dir, flags);
	if (fd < 0 && errno == ENOENT && create) {
		if (mkdir_parents(dir) != 0)
			return state_fail(-1, errno, err, errlen, "cannot create the state directory",
					  dir, strerror(errno));
		fd = open(dir, flags);
	}
	if (fd < 0) {
		int e = errno;
		struct stat lst;
		bool link = (e == ELOOP || e == ENOTDIR) && lstat(dir, &lst) == 0 && S_ISLNK(lst.st_mode);
		return state_fail(-1, e, err, errlen, "state directory", dir,
				  link ? "is a symbolic link (refused)"
				  : e == ENOTDIR ? "is not a directory" : strerror(e));
	}
	struct stat st;
	if (fstat(fd, &st) != 0)
		return state_fail(fd, errno, err, errlen, "state directory", dir, strerror(errno));
	if (st.st_uid != geteuid())
		return state_fail(fd, EPERM, err, errlen, "state directory", dir,
				  "is owned by another user (refused)");
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		return state_fail(fd, EPERM, err, errlen, "state directory", dir,
				  "group or others can write to it (refused; chmod 700)");
	return fd;
}

int state_file_open(const char *path, int flags, char *err, size_t errlen)
{
	char *dir = xstrdup(path);
	char *slash = strrchr(dir, '/');
	const char *name = path;
	if (slash) {
		name = path + (slash - dir) + 1;
		if (slash == dir)
			slash[1] = '\0';
		else
			*slash = '\0';
	} else {
		strcpy(dir, ".");
	}
	int dfd = state_dir_open(dir, (flags & O_CREAT) != 0, err, errlen);
	free(dir);
	if (dfd < 0)
		return -1;
	int fd = openat(dfd, name, flags | O_NOFOLLOW | O_CLOEXEC, 0600);
	int e = errno;
	close(dfd);
	if (fd < 0)
		return state_fail(-1, e, err, errlen, "cannot open", path,
				  e == ELOOP ? "it is a symbolic link (refused)" : strerror(e));
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		return state_fail(fd, EINVAL, err, errlen, "cannot open", path,
				  "not a regular file (refused)");
	return fd;
}

FILE *state_log_open(void)
{
	char *dir = state_dir_path();
	if (!dir)
		return NULL;
	char *path = xasprintf("%s/replica-wizard.log", dir);
	int fd = state_file_open(path, O_WRONLY | O_CREAT | O_APPEND, NULL, 0);
	free(path);
	free(dir);
	FILE *f = fd >= 0 ? fdopen(fd, "a") : NULL;
	if (!f && fd >= 0)
		close(fd);
	return f;
}
