#include "procedure.h"

#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assets.h"
#include "xalloc.h"

static const char *const variables[] = {
	"prefix", "bootstrap", "node", "node_url", "master", "master_url",
	"replica", "replica_url", "ldap_port", "test_account", "domain",
	"ldap_url_new", "removed", "conf_dir", "partner", "partner_v4",
	"partner_v6", "doveadm_port", "max_conns", "marker", "test_user",
	"zimbra_server_hostname", "systemd_targets", "master_ldap_host",
	"master_interprocess_security",
	"conf_preview", "firewall_rules", /* dovecot: rendered by dovecot_op.c */
	"firewall_zone",
	NULL,
};

static const char *const secrets[] = {
	"zimbra_ldap_password", "ldap_root_password", "ldap_replication_password",
	"ldap_postfix_password", "ldap_amavis_password", "ldap_nginx_password",
	"test_account_password", "doveadm_password",
	"replication_conf", /* dovecot: 10-replication.conf, holds the password */
	NULL,
};

static const char *const conditions[] = {
	"answer_queries", "fetch_passwords", "systemd", "zmcontrol",
	"runs_slapd", "mta", "selinux", "firewalld", "disable_ldap",
	"ldap_url_changes", NULL,
};

static bool in_list(const char *const *list, const char *name)
{
	for (; *list; list++)
		if (strcmp(*list, name) == 0)
			return true;
	return false;
}

bool procedure_known_variable(const char *name)
{
	return in_list(variables, name);
}

bool procedure_known_secret(const char *name)
{
	return in_list(secrets, name);
}

bool procedure_known_condition(const char *name)
{
	/* "!cond" negates */
	return in_list(conditions, name[0] == '!' ? name + 1 : name);
}

struct loader {
	struct procedure *proc;
	struct proc_step *cur;      /* step being filled, NULL in [procedure] */
	char section[128];
	char last_key[64];
	char err[512];
	const int *step_lines;      /* line of each [step] header, in order */
	size_t n_step_lines;
};

static void failf(struct loader *ld, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void failf(struct loader *ld, const char *fmt, ...)
{
	if (ld->err[0])
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(ld->err, sizeof ld->err, fmt, ap);
	va_end(ap);
}

/* Append a value, or a continuation line of it (inih calls again with the
 * same key): commands join with newlines, prose with spaces. */
static void append(char **field, const char *value, bool continuation, const char *joiner)
{
	if (!continuation || !*field) {
		free(*field);
		*field = xstrdup(value);
		return;
	}
	char *joined = xasprintf("%s%s%s", *field, joiner, value);
	free(*field);
	*field = joined;
}

static bool parse_nodes(struct loader *ld, const char *value, unsigned *out)
{
	static const struct { const char *name; unsigned bit; } names[] = {
		{ "master", PROC_NODE_MASTER }, { "replica", PROC_NODE_REPLICA },
		{ "mta", PROC_NODE_MTA }, { "other", PROC_NODE_OTHER },
		{ "answer", PROC_NODE_ANSWER }, { "server", PROC_NODE_SERVER },
		{ "removed", PROC_NODE_REMOVED },
	};
	char *copy = xstrdup(value), *save = NULL;
	bool ok = true;
	for (char *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		size_t i;
		for (i = 0; i < sizeof names / sizeof names[0]; i++)
			if (strcmp(w, names[i].name) == 0)
				break;
		if (i == sizeof names / sizeof names[0]) {
			failf(ld, "node: unknown node \"%s\" (master, replica, mta, other, answer, server, removed)", w);
			ok = false;
			break;
		}
		*out |= names[i].bit;
	}
	free(copy);
	return ok;
}

static bool parse_int(struct loader *ld, const char *key, const char *value, int lo, int hi, int *out)
{
	char *end;
	errno = 0;
	long v = strtol(value, &end, 10);
	if (errno || end == value || *end || v < lo || v > hi) {
		failf(ld, "%s: \"%s\" is not a number from %d to %d", key, value, lo, hi);
		return false;
	}
	*out = (int)v;
	return true;
}

static bool parse_bool(struct loader *ld, const char *key, const char *value, bool *out)
{
	if (strcmp(value, "yes") == 0)
		*out = true;
	else if (strcmp(value, "no") == 0)
		*out = false;
	else {
		failf(ld, "%s: \"%s\" must be yes or no", key, value);
		return false;
	}
	return true;
}

/* Every {{name}} must be known; {{secret:x}} only where allow_secret. */
static bool check_template(struct loader *ld, const char *key, const char *tpl, bool allow_secret)
{
	for (const char *p = strstr(tpl, "{{"); p; p = strstr(p, "{{")) {
		const char *end = strstr(p + 2, "}}");
		if (!end) {
			failf(ld, "%s: unclosed {{", key);
			return false;
		}
		char *name = xstrndup(p + 2, (size_t)(end - p - 2));
		bool ok = true;
		if (strncmp(name, "secret:", 7) == 0) {
			if (!allow_secret) {
				failf(ld, "%s: a secret ({{%s}}) may only be sent on stdin, never on a command line", key, name);
				ok = false;
			} else if (!procedure_known_secret(name + 7)) {
				failf(ld, "%s: unknown secret \"%s\"", key, name + 7);
				ok = false;
			}
		} else if (!procedure_known_variable(name)) {
			failf(ld, "%s: unknown variable {{%s}}", key, name);
			ok = false;
		}
		free(name);
		if (!ok)
			return false;
		p = end + 2;
	}
	return true;
}

static int on_procedure_key(struct loader *ld, const char *name, const char *value)
{
	struct procedure *p = ld->proc;
	if (strcmp(name, "name") == 0)
		append(&p->name, value, false, "");
	else if (strcmp(name, "title") == 0)
		append(&p->title, value, strcmp(ld->last_key, name) == 0, " ");
	else {
		failf(ld, "[procedure] unknown key \"%s\" (name, title)", name);
		return 0;
	}
	return 1;
}

static int on_step_key(struct loader *ld, struct proc_step *s, const char *name, const char *value)
{
	bool cont = strcmp(ld->last_key, name) == 0;
	if (strcmp(name, "title") == 0)
		append(&s->title, value, cont, " ");
	else if (strcmp(name, "hint") == 0)
		append(&s->hint, value, cont, " ");
	else if (strcmp(name, "hint_unfinished") == 0)
		append(&s->hint_unfinished, value, cont, " ");
	else if (strcmp(name, "phase") == 0) {
		if (strcmp(value, "preflight") != 0) {
			failf(ld, "phase: \"%s\" (only \"preflight\" is known)", value);
			return 0;
		}
		append(&s->phase, value, false, "");
	} else if (strcmp(name, "node") == 0) {
		if (!parse_nodes(ld, value, &s->nodes))
			return 0;
	} else if (strcmp(name, "user") == 0) {
		if (strcmp(value, "root") == 0)
			s->user = PROC_USER_ROOT;
		else if (strcmp(value, "zextras") == 0)
			s->user = PROC_USER_ZEXTRAS;
		else {
			failf(ld, "user: \"%s\" must be root or zextras", value);
			return 0;
		}
	} else if (strcmp(name, "run") == 0)
		append(&s->run, value, cont, "\n");
	else if (strcmp(name, "stdin") == 0)
		append(&s->stdin_tpl, value, cont, "\n");
	else if (strcmp(name, "skip_if") == 0)
		append(&s->skip_if, value, cont, "\n");
	else if (strcmp(name, "builtin") == 0)
		append(&s->builtin, value, false, "");
	else if (strcmp(name, "done_output") == 0)
		append(&s->done_output, value, false, "");
	else if (strcmp(name, "fail_output") == 0)
		append(&s->fail_output, value, false, "");
	else if (strcmp(name, "require_output") == 0)
		append(&s->require_output, value, false, "");
	else if (strcmp(name, "ok_exit") == 0) {
		char *copy = xstrdup(value), *save = NULL;
		s->n_ok_exit = 0;
		for (char *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
			if (s->n_ok_exit == PROC_MAX_OK_EXIT) {
				failf(ld, "ok_exit: at most %d statuses", PROC_MAX_OK_EXIT);
				free(copy);
				return 0;
			}
			if (!parse_int(ld, "ok_exit", w, 0, 255, &s->ok_exit[s->n_ok_exit++])) {
				free(copy);
				return 0;
			}
		}
		free(copy);
	} else if (strcmp(name, "retry_for") == 0) {
		if (!parse_int(ld, name, value, 0, 3600, &s->retry_for))
			return 0;
	} else if (strcmp(name, "retry_every") == 0) {
		if (!parse_int(ld, name, value, 1, 600, &s->retry_every))
			return 0;
	} else if (strcmp(name, "output") == 0) {
		if (strcmp(value, "hidden") == 0)
			s->output_hidden = true;
		else if (strcmp(value, "show") == 0)
			s->output_hidden = false;
		else {
			failf(ld, "output: \"%s\" must be show or hidden", value);
			return 0;
		}
	} else if (strcmp(name, "capture") == 0) {
		if (strcmp(value, "shell") != 0) {
			failf(ld, "capture: \"%s\" (only \"shell\" is known)", value);
			return 0;
		}
		s->capture_shell = true;
	} else if (strcmp(name, "idempotent") == 0) {
		if (!parse_bool(ld, name, value, &s->idempotent))
			return 0;
	} else if (strcmp(name, "verify") == 0) {
		if (!parse_bool(ld, name, value, &s->verify))
			return 0;
	} else if (strcmp(name, "check") == 0) {
		if (strcmp(value, "warn") != 0) {
			failf(ld, "check: \"%s\" (only \"warn\" is known)", value);
			return 0;
		}
		s->check_warn = true;
	} else if (strcmp(name, "verify_run") == 0) {
		if (!parse_bool(ld, name, value, &s->verify_run))
			return 0;
	} else if (strcmp(name, "report") == 0) {
		if (strcmp(value, "preflight") == 0)
			s->report = PROC_REPORT_PREFLIGHT;
		else if (strcmp(value, "finish") == 0)
			s->report = PROC_REPORT_FINISH;
		else {
			failf(ld, "report: \"%s\" must be preflight or finish", value);
			return 0;
		}
	} else if (strcmp(name, "when") == 0) {
		char *copy = xstrdup(value), *save = NULL;
		for (char *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
			if (!procedure_known_condition(w)) {
				failf(ld, "when: unknown condition \"%s\"", w);
				free(copy);
				return 0;
			}
			if (s->n_when == PROC_MAX_WHEN) {
				failf(ld, "when: at most %d conditions", PROC_MAX_WHEN);
				free(copy);
				return 0;
			}
			s->when[s->n_when++] = xstrdup(w);
		}
		free(copy);
	} else {
		failf(ld, "[step %s] unknown key \"%s\"", s->id, name);
		return 0;
	}
	return 1;
}

static int on_ini(void *user, const char *section, const char *name, const char *value)
{
	struct loader *ld = user;
	struct procedure *p = ld->proc;
	int rc;

	if (!name)
		return 1; /* new-section callback, when the library makes one */
	if (strcmp(section, ld->section) != 0) {
		/* a new section starts */
		snprintf(ld->section, sizeof ld->section, "%s", section);
		ld->last_key[0] = '\0';
		ld->cur = NULL;
		if (strncmp(section, "step ", 5) == 0) {
			const char *id = section + 5;
			if (!*id) {
				failf(ld, "a step needs a name: [step NAME]");
				return 0;
			}
			for (size_t i = 0; i < p->n_steps; i++)
				if (strcmp(p->steps[i].id, id) == 0) {
					failf(ld, "duplicate step \"%s\"", id);
					return 0;
				}
			p->steps = xrealloc(p->steps, (p->n_steps + 1) * sizeof *p->steps);
			ld->cur = &p->steps[p->n_steps];
			memset(ld->cur, 0, sizeof *ld->cur);
			ld->cur->id = xstrdup(id);
			ld->cur->idempotent = true;
			ld->cur->user = PROC_USER_ROOT;
			ld->cur->line = p->n_steps < ld->n_step_lines ? ld->step_lines[p->n_steps] : 0;
			p->n_steps++;
		} else if (strcmp(section, "procedure") != 0) {
			failf(ld, "unknown section [%s] (procedure, step NAME)", section);
			return 0;
		}
	}
	if (ld->cur)
		rc = on_step_key(ld, ld->cur, name, value);
	else
		rc = on_procedure_key(ld, name, value);
	snprintf(ld->last_key, sizeof ld->last_key, "%s", name);
	return rc;
}

/* inih reports the line of a failing handler call but not where a step
 * began, and two sections of the same name look like one to its callback:
 * find the [step] headers ourselves. A repeated one sets *dup_line. */
static int *scan_step_lines(const char *text, size_t *n, int *dup_line)
{
	int *lines = NULL;
	char **names = NULL;
	int line = 1;
	*n = 0;
	*dup_line = 0;
	for (const char *p = text; *p; line++) {
		const char *q = p;
		while (*q == ' ' || *q == '\t')
			q++;
		if (strncmp(q, "[step ", 6) == 0) {
			const char *end = strchr(q, ']');
			const char *nl = strchr(q, '\n');
			if (end && (!nl || end < nl)) {
				char *name = xstrndup(q + 6, (size_t)(end - q - 6));
				for (size_t i = 0; i < *n && !*dup_line; i++)
					if (strcmp(names[i], name) == 0)
						*dup_line = line;
				names = xrealloc(names, (*n + 1) * sizeof *names);
				names[*n] = name;
			} else {
				names = xrealloc(names, (*n + 1) * sizeof *names);
				names[*n] = xstrdup("");
			}
			lines = xrealloc(lines, (*n + 1) * sizeof *lines);
			lines[(*n)++] = line;
		}
		const char *nl = strchr(p, '\n');
		if (!nl)
			break;
		p = nl + 1;
	}
	for (size_t i = 0; i < *n; i++)
		free(names[i]);
	free(names);
	return lines;
}

static char *read_file(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errlen, "cannot open procedure %s: %s", path, strerror(errno));
		return NULL;
	}
	size_t cap = 8192, len = 0;
	char *buf = xmalloc(cap);
	size_t n;
	while ((n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
		len += n;
		if (cap - len < 2)
			buf = xrealloc(buf, cap *= 2);
	}
	buf[len] = '\0';
	fclose(f);
	if (strlen(buf) != len) {
		snprintf(err, errlen, "%s: contains a NUL byte", path);
		free(buf);
		return NULL;
	}
	return buf;
}

static bool validate_step(struct loader *ld, const struct proc_step *s)
{
	if (!s->title)
		failf(ld, "step \"%s\" has no title", s->id);
	else if (!s->nodes)
		failf(ld, "step \"%s\" has no node", s->id);
	else if (!s->run == !s->builtin)
		failf(ld, "step \"%s\" needs exactly one of run and builtin", s->id);
	else if (s->run && !check_template(ld, "run", s->run, false)) {
	} else if (s->skip_if && !check_template(ld, "skip_if", s->skip_if, false)) {
	} else if (s->stdin_tpl && !check_template(ld, "stdin", s->stdin_tpl, true)) {
	} else if (s->done_output && !check_template(ld, "done_output", s->done_output, false)) {
	} else if (s->fail_output && !check_template(ld, "fail_output", s->fail_output, false)) {
	} else if (s->require_output && !check_template(ld, "require_output", s->require_output, false)) {
	} else if (s->retry_every && !s->retry_for)
		failf(ld, "step \"%s\": retry_every without retry_for", s->id);
	else if (s->check_warn && !s->phase)
		failf(ld, "step \"%s\": check = warn is for preflight steps", s->id);
	else if (s->verify && s->phase)
		failf(ld, "step \"%s\": verify = yes is for steps of the run proper (preflight always runs)", s->id);
	else if (s->verify && (!s->idempotent || s->skip_if || s->done_output))
		failf(ld, "step \"%s\": verify = yes is for read-only checks (no idempotent = no, "
		      "skip_if or done_output)", s->id);
	else if (s->report == PROC_REPORT_PREFLIGHT && !s->phase)
		failf(ld, "step \"%s\": report = preflight is for preflight steps", s->id);
	return !ld->err[0];
}

struct procedure *procedure_load(const char *path, char *err, size_t errlen)
{
	struct loader ld = { 0 };
	char *text = read_file(path, err, errlen);
	if (!text)
		return NULL;

	size_t n_lines = 0;
	int dup_line = 0;
	int *step_lines = scan_step_lines(text, &n_lines, &dup_line);
	ld.step_lines = step_lines;
	ld.n_step_lines = n_lines;
	ld.proc = xcalloc(1, sizeof *ld.proc);
	ld.proc->path = xstrdup(path);

	/* Commands contain ';' and long lines: no inline comments, heap lines
	 * that grow, continuation lines joined by us. */
	ini_allow_inline_comments = false;
	ini_allow_multiline = true;
	ini_use_stack = false;
	ini_allow_realloc = true;
	ini_stop_on_first_error = true;

	int line = dup_line;
	if (dup_line)
		failf(&ld, "duplicate step section");
	else
		line = ini_parse_string(text, on_ini, &ld);
	if (line != 0 && !ld.err[0])
		snprintf(ld.err, sizeof ld.err, "syntax error");
	if (line == 0 && !ld.err[0]) {
		if (!ld.proc->name || !ld.proc->title)
			failf(&ld, "[procedure] needs name and title");
		else if (ld.proc->n_steps == 0)
			failf(&ld, "no steps");
		for (size_t i = 0; !ld.err[0] && i < ld.proc->n_steps; i++)
			if (!validate_step(&ld, &ld.proc->steps[i]))
				line = ld.proc->steps[i].line;
	}
	free(text);
	free(step_lines);
	if (ld.err[0]) {
		snprintf(err, errlen, "%s:%d: %s", path, line, ld.err);
		procedure_free(ld.proc);
		return NULL;
	}
	return ld.proc;
}

struct procedure *procedure_load_named(const char *name, char *err, size_t errlen)
{
	char *rel = xasprintf("procedures/%s.ini", name);
	char *path = assets_path(rel);
	struct procedure *p = procedure_load(path, err, errlen);
	free(rel);
	free(path);
	return p;
}

void procedure_free(struct procedure *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n_steps; i++) {
		struct proc_step *s = &p->steps[i];
		free(s->id);
		free(s->title);
		free(s->phase);
		free(s->run);
		free(s->stdin_tpl);
		free(s->skip_if);
		free(s->builtin);
		free(s->done_output);
		free(s->fail_output);
		free(s->require_output);
		for (size_t w = 0; w < s->n_when; w++)
			free(s->when[w]);
		free(s->hint);
		free(s->hint_unfinished);
	}
	free(p->steps);
	free(p->name);
	free(p->title);
	free(p->path);
	free(p);
}

const struct proc_step *procedure_step(const struct procedure *p, const char *id)
{
	for (size_t i = 0; i < p->n_steps; i++)
		if (strcmp(p->steps[i].id, id) == 0)
			return &p->steps[i];
	return NULL;
}
