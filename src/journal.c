#include "journal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "redact.h"
#include "state_dir.h"
#include "xalloc.h"

struct journal {
	int fd;
	char *run_id;
};

char *journal_path_for(const char *site_path, const char *procedure)
{
	char real[PATH_MAX];
	const char *key = realpath(site_path, real) ? real : site_path;
	uint32_t h = 2166136261u; /* FNV-1a: a stable short name per site file */
	for (const char *p = key; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	const char *base = strrchr(key, '/');
	base = base ? base + 1 : key;
	char *name = xstrdup(base);
	char *dot = strrchr(name, '.');
	if (dot && dot != name)
		*dot = '\0';
	for (char *p = name; *p; p++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-", *p))
			*p = '_';
	char *dir = state_dir_path();
	if (!dir) {
		free(name);
		return NULL; /* no home: journal_open() says so */
	}
	char *path = xasprintf("%s/%s-%08x.%s.journal", dir, name, h, procedure);
	free(dir);
	free(name);
	return path;
}

struct journal *journal_open(const char *path, char *err, size_t errlen)
{
	if (!path) {
		snprintf(err, errlen, "no directory for the journal: HOME is not set and the user has no "
			 "home directory; set REPLICA_WIZARD_STATE_DIR");
		return NULL;
	}
	char why[512];
	int fd = state_file_open(path, O_WRONLY | O_APPEND | O_CREAT, why, sizeof why);
	if (fd < 0) {
		snprintf(err, errlen, "journal: %s", why);
		return NULL;
	}
	struct journal *j = xcalloc(1, sizeof *j);
	j->fd = fd;
	return j;
}

void journal_close(struct journal *j)
{
	if (!j)
		return;
	close(j->fd);
	free(j->run_id);
	free(j);
}

/* Fields are tab-separated key=value; a value never holds a tab or newline. */
static void clean_value(char *s)
{
	for (; *s; s++)
		if (*s == '\t' || *s == '\n' || *s == '\r')
			*s = ' ';
}

static void write_line(struct journal *j, const char *fields)
{
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
	char *line = xasprintf("%s\trun=%s\t%s\n", stamp, j->run_id ? j->run_id : "-", fields);
	char *safe = redact(line);
	size_t len = strlen(safe);
	const char *p = safe;
	while (len > 0) {
		ssize_t n = write(j->fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break; /* a journal we cannot write must not stop the run */
		}
		p += n;
		len -= (size_t)n;
	}
	fsync(j->fd);
	free(line);
	free(safe);
}

static char *field(const char *key, const char *value)
{
	char *v = xstrdup(value ? value : "");
	clean_value(v);
	char *f = xasprintf("%s=%s", key, v);
	free(v);
	return f;
}

void journal_begin(struct journal *j, const char *run_id, const char *scope, bool resumed)
{
	free(j->run_id);
	if (run_id)
		j->run_id = xstrdup(run_id);
	else {
		char stamp[32];
		time_t now = time(NULL);
		struct tm tm;
		gmtime_r(&now, &tm);
		strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
		j->run_id = xasprintf("%s-%ld", stamp, (long)getpid());
	}
	char *sc = field("scope", scope);
	char *line = xasprintf("event=%s\t%s", resumed ? "resume" : "start", sc);
	write_line(j, line);
	free(sc);
	free(line);
}

void journal_step(struct journal *j, const char *step, const char *node, const char *state,
		  int exit_status, double seconds, const char *note)
{
	char *f1 = field("step", step), *f2 = field("node", node), *f3 = field("state", state);
	char *f4 = field("note", note);
	char *line = xasprintf("event=step\t%s\t%s\t%s\texit=%d\tsecs=%.1f\t%s", f1, f2, f3,
			       exit_status, seconds, f4);
	write_line(j, line);
	free(f1);
	free(f2);
	free(f3);
	free(f4);
	free(line);
}

void journal_var(struct journal *j, const char *name, const char *value)
{
	char *f1 = field("name", name), *f2 = field("value", value);
	char *line = xasprintf("event=var\t%s\t%s", f1, f2);
	write_line(j, line);
	free(f1);
	free(f2);
	free(line);
}

void journal_end(struct journal *j, const char *state)
{
	char *f = field("state", state);
	char *line = xasprintf("event=end\t%s", f);
	write_line(j, line);
	free(f);
	free(line);
}

/* ---- reading back ---- */

static const char *get_field(char *const *fields, size_t n, const char *key)
{
	size_t klen = strlen(key);
	for (size_t i = 0; i < n; i++)
		if (strncmp(fields[i], key, klen) == 0 && fields[i][klen] == '=')
			return fields[i] + klen + 1;
	return NULL;
}

void journal_run_free(struct journal_run *r)
{
	if (!r)
		return;
	free(r->run_id);
	free(r->scope);
	free(r->end_state);
	for (size_t i = 0; i < r->n_steps; i++) {
		free(r->steps[i].step);
		free(r->steps[i].node);
		free(r->steps[i].state);
	}
	free(r->steps);
	for (size_t i = 0; i < r->n_vars; i++) {
		free(r->vars[i].name);
		free(r->vars[i].value);
	}
	free(r->vars);
	free(r);
}

struct journal_run *journal_last_run(const char *path)
{
	int fd = path ? state_file_open(path, O_RDONLY, NULL, 0) : -1;
	FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;
	if (!f) {
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	struct journal_run *r = NULL;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	while ((len = getline(&line, &cap, f)) > 0) {
		if (line[len - 1] == '\n')
			line[len - 1] = '\0';
		char *fields[16];
		size_t n = 0;
		char *save = NULL;
		for (char *tok = strtok_r(line, "\t", &save); tok && n < 16; tok = strtok_r(NULL, "\t", &save))
			fields[n++] = tok;
		const char *event = get_field(fields, n, "event");
		const char *run = get_field(fields, n, "run");
		if (!event || !run)
			continue;
		if (strcmp(event, "start") == 0) {
			journal_run_free(r);
			r = xcalloc(1, sizeof *r);
			r->run_id = xstrdup(run);
			const char *scope = get_field(fields, n, "scope");
			r->scope = xstrdup(scope ? scope : "");
			continue;
		}
		if (!r || strcmp(r->run_id, run) != 0)
			continue;
		if (strcmp(event, "resume") == 0) {
			free(r->end_state); /* a resumed run is open again */
			r->end_state = NULL;
		} else if (strcmp(event, "step") == 0) {
			const char *step = get_field(fields, n, "step");
			const char *node = get_field(fields, n, "node");
			const char *state = get_field(fields, n, "state");
			if (!step || !node || !state)
				continue;
			r->steps = xrealloc(r->steps, (r->n_steps + 1) * sizeof *r->steps);
			r->steps[r->n_steps].step = xstrdup(step);
			r->steps[r->n_steps].node = xstrdup(node);
			r->steps[r->n_steps].state = xstrdup(state);
			r->n_steps++;
		} else if (strcmp(event, "var") == 0) {
			const char *name = get_field(fields, n, "name");
			const char *value = get_field(fields, n, "value");
			if (!name || !value)
				continue;
			r->vars = xrealloc(r->vars, (r->n_vars + 1) * sizeof *r->vars);
			r->vars[r->n_vars].name = xstrdup(name);
			r->vars[r->n_vars].value = xstrdup(value);
			r->n_vars++;
		} else if (strcmp(event, "end") == 0) {
			const char *state = get_field(fields, n, "state");
			free(r->end_state);
			r->end_state = xstrdup(state ? state : "");
		}
	}
	free(line);
	fclose(f);
	return r;
}

bool journal_run_done(const struct journal_run *r, const char *step, const char *node)
{
	/* the last record of a step on a node decides */
	for (size_t i = r->n_steps; i-- > 0;)
		if (strcmp(r->steps[i].step, step) == 0 && strcmp(r->steps[i].node, node) == 0)
			return strcmp(r->steps[i].state, "done") == 0 ||
			       strcmp(r->steps[i].state, "already") == 0;
	return false;
}

const char *journal_run_var(const struct journal_run *r, const char *name)
{
	const char *v = NULL;
	for (size_t i = 0; i < r->n_vars; i++)
		if (strcmp(r->vars[i].name, name) == 0)
			v = r->vars[i].value;
	return v;
}
