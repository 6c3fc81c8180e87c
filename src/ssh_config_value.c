/* One keyword of OpenSSH's client configuration (see ssh_config_value.h). */
#include "ssh_config_value.h"

#include <ctype.h>
#include <fnmatch.h>
#include <glob.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "xalloc.h"

#define MAX_INCLUDE_DEPTH 16

struct lookup {
	const char *host;     /* lower-cased */
	const char *keyword;
	const char *home;
	char *out;
	size_t outlen;
	bool found;
};

static void lower(char *s)
{
	for (; *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

/* OpenSSH's Host rule: a negated pattern that matches rules the block out,
 * otherwise any positive match rules it in. */
static bool host_matches(const char *host, char *patterns)
{
	bool hit = false;
	char *save = NULL;

	for (char *p = strtok_r(patterns, " \t,", &save); p; p = strtok_r(NULL, " \t,", &save)) {
		bool neg = *p == '!';
		if (neg)
			p++;
		lower(p);
		if (fnmatch(p, host, 0) == 0) {
			if (neg)
				return false;
			hit = true;
		}
	}
	return hit;
}

static void read_file(struct lookup *lk, const char *path, bool system, int depth);

static void include(struct lookup *lk, char *args, bool system, int depth)
{
	char *save = NULL;

	for (char *p = strtok_r(args, " \t", &save); p && !lk->found;
	     p = strtok_r(NULL, " \t", &save)) {
		char *pattern;
		glob_t g;

		if (p[0] == '~' && p[1] == '/')
			pattern = xasprintf("%s%s", lk->home, p + 1);
		else if (p[0] == '/')
			pattern = xstrdup(p);
		else if (system)
			pattern = xasprintf("/etc/ssh/%s", p);
		else
			pattern = xasprintf("%s/.ssh/%s", lk->home, p);
		if (glob(pattern, 0, NULL, &g) == 0) {
			for (size_t i = 0; i < g.gl_pathc && !lk->found; i++)
				read_file(lk, g.gl_pathv[i], system, depth + 1);
			globfree(&g);
		}
		free(pattern);
	}
}

static void read_file(struct lookup *lk, const char *path, bool system, int depth)
{
	FILE *fp;
	char *line = NULL;
	size_t cap = 0;
	bool active = true; /* before any Host line: every host */

	if (depth > MAX_INCLUDE_DEPTH || (fp = fopen(path, "re")) == NULL)
		return;
	while (!lk->found && getline(&line, &cap, fp) > 0) {
		char *p = line + strspn(line, " \t"), *kw, *val;

		p[strcspn(p, "\r\n")] = '\0';
		if (*p == '\0' || *p == '#')
			continue;
		kw = p;
		p += strcspn(p, " \t=");
		if (*p != '\0') {
			*p++ = '\0';
			p += strspn(p, " \t");
			if (*p == '=') {
				p++;
				p += strspn(p, " \t");
			}
		}
		val = p;
		for (char *e = val + strlen(val); e > val && isspace((unsigned char)e[-1]);)
			*--e = '\0';
		if (strcasecmp(kw, "Host") == 0) {
			active = host_matches(lk->host, val);
		} else if (strcasecmp(kw, "Match") == 0) {
			active = strcasecmp(val, "all") == 0;
		} else if (!active) {
			continue;
		} else if (strcasecmp(kw, "Include") == 0) {
			include(lk, val, system, depth);
		} else if (strcasecmp(kw, lk->keyword) == 0) {
			size_t n = strlen(val);
			if (n >= 2 && val[0] == '"' && val[n - 1] == '"') {
				val[n - 1] = '\0';
				val++;
			}
			snprintf(lk->out, lk->outlen, "%s", val);
			lk->found = true;
		}
	}
	free(line);
	fclose(fp);
}

bool ssh_config_value(const char *user_file, const char *system_file, const char *host,
		      const char *keyword, char *out, size_t outlen)
{
	struct passwd *pw = getpwuid(getuid());
	const char *home = pw != NULL && pw->pw_dir != NULL ? pw->pw_dir : getenv("HOME");
	char *lhost = xstrdup(host), *ufile = NULL;
	struct lookup lk = { .host = lhost, .keyword = keyword, .out = out, .outlen = outlen,
			     .home = home != NULL ? home : "/" };

	lower(lhost);
	if (user_file == NULL)
		user_file = ufile = xasprintf("%s/.ssh/config", lk.home);
	read_file(&lk, user_file, false, 0);
	if (!lk.found)
		read_file(&lk, system_file != NULL ? system_file : "/etc/ssh/ssh_config", true, 0);
	free(ufile);
	free(lhost);
	return lk.found;
}

bool ssh_config_flag(const char *user_file, const char *system_file, const char *host,
		     const char *keyword, bool dflt)
{
	char v[16];

	if (!ssh_config_value(user_file, system_file, host, keyword, v, sizeof(v)))
		return dflt;
	if (strcasecmp(v, "yes") == 0 || strcasecmp(v, "true") == 0)
		return true;
	if (strcasecmp(v, "no") == 0 || strcasecmp(v, "false") == 0)
		return false;
	return dflt;
}
