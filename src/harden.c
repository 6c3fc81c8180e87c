#include "harden.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include "redact.h"
#include "xalloc.h"

#define HARDEN_PREFIX "REPLICA_WIZARD_"
#define HARDEN_SUFFIX "_PASSWORD"

extern char **environ;

struct harden_var {
	char *name, *value;
};

static struct harden_var *harden_vars;
static size_t harden_n;

bool harden_secret_name(const char *name)
{
	size_t n = strlen(name), p = strlen(HARDEN_PREFIX), s = strlen(HARDEN_SUFFIX);
	return n > p + s && strncmp(name, HARDEN_PREFIX, p) == 0 && strcmp(name + n - s, HARDEN_SUFFIX) == 0;
}

static void harden_keep(const char *name, const char *value)
{
	for (size_t i = 0; i < harden_n; i++)
		if (strcmp(harden_vars[i].name, name) == 0)
			return; /* the first one is what getenv() gave */
	harden_vars = xrealloc(harden_vars, (harden_n + 1) * sizeof *harden_vars);
	harden_vars[harden_n].name = xstrdup(name);
	harden_vars[harden_n].value = xstrdup(value);
	harden_n++;
	redact_add(value);
}

/* Move every password variable out of environ. */
static void harden_scrub_environ(void)
{
	size_t n = 0;
	for (char **e = environ; e && *e; e++)
		n++;
	char **names = xcalloc(n + 1, sizeof *names);
	size_t k = 0;
	for (char **e = environ; e && *e; e++) {
		char *eq = strchr(*e, '=');
		if (!eq)
			continue;
		char *name = xstrndup(*e, (size_t)(eq - *e));
		if (harden_secret_name(name)) {
			harden_keep(name, eq + 1);
			/* the original block is what /proc/PID/environ shows */
			explicit_bzero(eq + 1, strlen(eq + 1));
			names[k++] = name;
		} else {
			free(name);
		}
	}
	for (size_t i = 0; i < k; i++) {
		unsetenv(names[i]);
		free(names[i]);
	}
	free(names);
}

int harden_process(char *err, size_t errlen)
{
	struct rlimit none = { 0, 0 };
	if (setrlimit(RLIMIT_CORE, &none) != 0) {
		snprintf(err, errlen, "cannot turn core dumps off (RLIMIT_CORE): %s", strerror(errno));
		return -1;
	}
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
		snprintf(err, errlen, "cannot turn core dumps off (PR_SET_DUMPABLE): %s", strerror(errno));
		return -1;
	}
	harden_scrub_environ();
	return 0;
}

const char *harden_secret_env(const char *name)
{
	for (size_t i = 0; i < harden_n; i++)
		if (strcmp(harden_vars[i].name, name) == 0)
			return harden_vars[i].value;
	return getenv(name);
}
