/* SSH transport over libssh 0.10 in non-blocking mode, driven by the loop.
 *
 * Every conn registers a loop tick that advances its state machine:
 * CONNECTING (ssh_connect again until it stops saying SSH_AGAIN), host key
 * check, AUTHENTICATING (none, then the key file or agent and default keys,
 * then password), READY (ssh_event_dopoll(…, 0) to process packets, then the
 * jobs). The session fd is watched with the events libssh wants, so the loop
 * wakes when the server sends something; loop_wake_in() bounds the wait for
 * timeouts and keepalives.
 *
 * Re-entrancy: user callbacks are never called from inside libssh (channel
 * callbacks only buffer bytes), and conn_free()/conn_close() called from a
 * user callback are deferred until the tick unwinds (conn->busy). */
#include "transport.h"

#include <poll.h>
#include <pwd.h>
#include <unistd.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libssh/callbacks.h>
#include <libssh/libssh.h>
#include <libssh/server.h> /* ssh_send_keepalive(), usable by clients too */

#include "known_hosts.h"
#include "linebuf.h"
#include "loop.h"
#include "ssh_config_value.h"
#include "ssh_internal.h"
#include "xalloc.h"

/* OpenSSH's default MaxSessions is 10: keep below, queue the rest. */
#define TRANSPORT_MAX_CHANNELS 8
#define TRANSPORT_WRITE_CHUNK 32768
#define TRANSPORT_BUSY_WAKE_MS 50
/* sshd runs the command in its own session, so the login shell's $$ is the
 * process group to kill on cancel: OpenSSH refuses "signal" requests on root
 * sessions ("session signalling requires privilege separation"). The first
 * stderr line carries it and is removed before anyone sees it. */
#define TRANSPORT_PID_MARK "\036rw-pid "
#define TRANSPORT_PID_PREFIX "printf '\\036rw-pid %d\\n' $$ >&2; "

enum auth_step {
	AUTH_NONE,
	AUTH_KEYFILE_LOAD,
	AUTH_KEYFILE,
	AUTH_AUTO,
	AUTH_PASSWORD_ASK,
	AUTH_PASSWORD,
	AUTH_KBDINT,       /* keyboard-interactive (PAM): the password as its answer */
};

/* Methods that take the login password: "password", and the
 * "keyboard-interactive" that sshd with PAM offers instead on many sites. */
#define PASSWORD_METHODS (SSH_AUTH_METHOD_PASSWORD | SSH_AUTH_METHOD_INTERACTIVE)
/* PAM asks again after a wrong password: give up after this many rounds. */
#define KBDINT_MAX_PASSWORD_ROUNDS 2

enum job_state { JOB_QUEUED, JOB_OPENING, JOB_EXEC, JOB_RUNNING };

struct rawbuf {
	char *data;
	size_t len, cap;
};

struct job {
	struct conn *conn;
	struct job *next;
	enum job_state st;
	char *command;
	unsigned char *stdin_buf;
	size_t stdin_len, stdin_off;
	bool eof_sent;
	int timeout_s;
	double deadline;          /* 0: none */
	struct job_callbacks cb;
	ssh_channel ch;
	struct ssh_channel_callbacks_struct chcb; /* must outlive ch */
	struct rawbuf raw[2];     /* stdout, stderr bytes not yet split */
	struct linebuf *lb[2];
	int exit_status;
	char *signal;
	bool remote_closed;
	bool cancel_req;
	long remote_pid;          /* the command's process group, from the marker */
	bool pid_done;            /* marker consumed (or given up on) */
};

struct conn {
	struct loop *loop;
	char *name, *address, *user, *identity, *known_hosts;
	int port;
	bool process_ssh_config;
	int connect_timeout_s, keepalive_s;
	struct conn_callbacks cb;

	enum conn_state st;
	char *error;
	struct hostkey_info hk;
	char *login_user;
	int eff_port;

	ssh_session s;
	ssh_event ev;
	struct ssh_callbacks_struct scb;  /* must outlive s */
	struct ssh_counter_struct tx, rx;
	int watched_fd;

	enum auth_step auth;
	int methods;
	ssh_key key;
	char *secret;
	bool asked_passphrase, asked_password;
	bool passphrase_wanted;   /* set by the libssh auth callback */
	int kbdint_rounds;        /* keyboard-interactive prompts answered with the password */
	double deadline;          /* connect + auth bound; paused while asking */

	uint64_t rx_seen;
	double last_rx, last_ka;

	struct job *jobs;
	struct conn_forward *forwards; /* ssh_forward.c */
	int busy;
	bool free_pending, close_pending;
	bool tearing_down;        /* conn_exec() refuses while jobs are ended */
	bool hostkey_refused;     /* failed on the host key: exit status 3 */
};

static void (*transport_log_fn)(void *ud, const char *line);
static void *transport_log_ud;

static void transport_logf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void transport_logf(const char *fmt, ...)
{
	va_list ap;

	if (transport_log_fn == NULL)
		return;
	va_start(ap, fmt);
	char *line = xvasprintf(fmt, ap); /* whole: the log masks it, a cut would not be */
	va_end(ap);
	transport_log_fn(transport_log_ud, line);
	free(line);
}

/* libssh must never write to the terminal: everything goes through here. */
static void transport_libssh_log(int priority, const char *function, const char *buffer,
				 void *userdata)
{
	(void)userdata;
	if (transport_log_fn != NULL)
		transport_logf("libssh[%d] %s: %s", priority, function ? function : "?",
			       buffer ? buffer : "");
}

static void transport_init_logging(void)
{
	ssh_set_log_callback(transport_libssh_log);
	ssh_set_log_level(transport_log_fn != NULL ? SSH_LOG_WARNING : SSH_LOG_NOLOG);
}

void transport_set_log(void (*fn)(void *ud, const char *line), void *ud)
{
	transport_log_fn = fn;
	transport_log_ud = ud;
	transport_init_logging();
}

static void secret_wipe(char **s)
{
	if (*s != NULL) {
		explicit_bzero(*s, strlen(*s));
		free(*s);
		*s = NULL;
	}
}

/* Grown by hand and wiped when freed: output may be hidden (secrets). */
static void rawbuf_add(struct rawbuf *b, const void *data, size_t len)
{
	if (b->len + len > b->cap) {
		size_t cap = b->len + len > 2 * b->cap ? b->len + len : 2 * b->cap;
		b->data = xgrow_wiped(b->data, b->len, b->cap, cap);
		b->cap = cap;
	}
	memcpy(b->data + b->len, data, len);
	b->len += len;
}

/* ------------------------------------------------------------------ */
/* jobs                                                               */

static int job_on_data(ssh_session session, ssh_channel channel, void *data, uint32_t len,
		       int is_stderr, void *userdata)
{
	struct job *j = userdata;

	(void)session;
	(void)channel;
	rawbuf_add(&j->raw[is_stderr ? 1 : 0], data, len);
	return (int)len;
}

static void job_on_close(ssh_session session, ssh_channel channel, void *userdata)
{
	struct job *j = userdata;

	(void)session;
	(void)channel;
	j->remote_closed = true;
}

static void job_on_exit_status(ssh_session session, ssh_channel channel, int status,
			       void *userdata)
{
	struct job *j = userdata;

	(void)session;
	(void)channel;
	j->exit_status = status;
}

static void job_on_exit_signal(ssh_session session, ssh_channel channel, const char *signal,
			       int core, const char *errmsg, const char *lang, void *userdata)
{
	struct job *j = userdata;

	(void)session;
	(void)channel;
	(void)core;
	(void)errmsg;
	(void)lang;
	free(j->signal);
	j->signal = xstrdup(signal != NULL ? signal : "?");
}

static void job_line_out(void *ud, const char *line, size_t len)
{
	struct job *j = ud;

	if (j->cb.on_line != NULL)
		j->cb.on_line(j->cb.ud, JOB_STDOUT, line, len);
}

static void job_line_err(void *ud, const char *line, size_t len)
{
	struct job *j = ud;

	if (j->cb.on_line != NULL)
		j->cb.on_line(j->cb.ud, JOB_STDERR, line, len);
}

/* Take the PID marker off the start of stderr. Returns false while it may
 * still be incomplete (stderr is then held back). */
static bool job_take_pid(struct job *j, bool at_end)
{
	struct rawbuf *b = &j->raw[1];
	size_t mlen = strlen(TRANSPORT_PID_MARK);
	char *nl;

	if (j->pid_done)
		return true;
	if (b->len == 0) {
		j->pid_done = at_end;
		return at_end;
	}
	nl = memchr(b->data, '\n', b->len);
	if (nl == NULL) {
		if (!at_end && b->len < 64 &&
		    memcmp(b->data, TRANSPORT_PID_MARK, b->len < mlen ? b->len : mlen) == 0)
			return false;
		j->pid_done = true;
		return true;
	}
	j->pid_done = true;
	if (b->len > mlen && memcmp(b->data, TRANSPORT_PID_MARK, mlen) == 0) {
		size_t drop = (size_t)(nl - b->data) + 1;

		j->remote_pid = strtol(b->data + mlen, NULL, 10);
		memmove(b->data, b->data + drop, b->len - drop);
		b->len -= drop;
	}
	return true;
}

/* Hand buffered bytes to the line splitters (and so to the caller). */
static void job_deliver(struct job *j)
{
	bool at_end = j->remote_closed || j->ch == NULL;

	/* stderr is held back until the marker line is whole. */
	if (j->raw[1].len > 0 || at_end)
		job_take_pid(j, at_end);
	for (int i = 0; i < 2; i++) {
		if (j->raw[i].len == 0 || (i == 1 && !j->pid_done))
			continue;
		/* No libssh call happens while the caller handles lines, so
		 * the buffer cannot grow under linebuf_feed. */
		size_t n = j->raw[i].len;

		j->raw[i].len = 0;
		linebuf_feed(j->lb[i], j->raw[i].data, n);
	}
}

static void job_drop_channel(struct job *j, bool kill)
{
	if (j->ch == NULL)
		return;
	ssh_remove_channel_callbacks(j->ch, &j->chcb);
	if (kill && ssh_channel_is_open(j->ch)) {
		if (j->st == JOB_RUNNING)
			ssh_channel_request_send_signal(j->ch, "TERM");
		ssh_channel_close(j->ch);
	}
	/* Sends our CLOSE if needed; libssh frees it after the server's. */
	ssh_channel_free(j->ch);
	j->ch = NULL;
}

static void job_free(struct job *j)
{
	if (j == NULL)
		return;
	free(j->command);
	if (j->stdin_buf != NULL) {
		explicit_bzero(j->stdin_buf, j->stdin_len);
		free(j->stdin_buf);
	}
	for (int i = 0; i < 2; i++) {
		if (j->raw[i].data != NULL)
			explicit_bzero(j->raw[i].data, j->raw[i].cap);
		free(j->raw[i].data);
		linebuf_free(j->lb[i]);
	}
	free(j->signal);
	free(j);
}

static struct job *conn_exec_internal(struct conn *c, const char *command, bool mark,
				      const void *stdin_data, size_t stdin_len, int timeout_s,
				      const struct job_callbacks *cb);

/* After a cancel or timeout: TERM the command's process group from a new
 * channel (see TRANSPORT_PID_PREFIX). Nobody waits for this one. */
static void job_kill_remote(struct job *j)
{
	struct conn *c = j->conn;
	char *cmd;

	if (j->remote_pid <= 1 || c->st != CONN_READY || c->tearing_down || c->free_pending)
		return;
	cmd = xasprintf("kill -TERM -- -%ld 2>/dev/null || kill -TERM %ld 2>/dev/null; true",
			j->remote_pid, j->remote_pid);
	conn_exec_internal(c, cmd, false, NULL, 0, 10, NULL);
	free(cmd);
}

static void conn_unlink_job(struct conn *c, struct job *j)
{
	for (struct job **p = &c->jobs; *p != NULL; p = &(*p)->next) {
		if (*p == j) {
			*p = j->next;
			j->next = NULL;
			return;
		}
	}
}

enum job_end { END_EXIT, END_TIMEOUT, END_CANCEL, END_LOST, END_ERROR };

/* Finish j: flush its lines, tell the caller, free it. */
static void job_finish(struct job *j, enum job_end how, const char *why)
{
	struct conn *c = j->conn;
	struct job_result r;
	char *msg = NULL;

	conn_unlink_job(c, j);
	job_deliver(j);
	job_drop_channel(j, how == END_TIMEOUT || how == END_CANCEL || how == END_ERROR);
	if (how == END_TIMEOUT || how == END_CANCEL)
		job_kill_remote(j);
	job_take_pid(j, true);
	job_deliver(j);
	linebuf_flush(j->lb[0]);
	linebuf_flush(j->lb[1]);

	memset(&r, 0, sizeof(r));
	r.exit_status = j->exit_status;
	r.signal = j->signal;
	switch (how) {
	case END_EXIT:
		if (j->signal != NULL)
			msg = xasprintf("command on %s killed by signal %s", c->name, j->signal);
		else if (j->exit_status < 0)
			msg = xasprintf("command on %s ended without an exit status", c->name);
		break;
	case END_TIMEOUT:
		r.timed_out = true;
		msg = xasprintf("command on %s timed out after %d s", c->name, j->timeout_s);
		break;
	case END_CANCEL:
		r.cancelled = true;
		msg = xasprintf("command on %s cancelled", c->name);
		break;
	case END_LOST:
		r.conn_lost = true;
		msg = xstrdup(why != NULL ? why : "connection lost");
		break;
	case END_ERROR:
		msg = xstrdup(why != NULL ? why : "channel error");
		break;
	}
	r.error = msg;
	if (j->cb.on_done != NULL)
		j->cb.on_done(j->cb.ud, &r);
	free(msg);
	job_free(j);
}

/* ------------------------------------------------------------------ */
/* conn state                                                         */

static void conn_set_state(struct conn *c, enum conn_state st)
{
	c->st = st;
	if (c->cb.on_state != NULL)
		c->cb.on_state(c->cb.ud, c, st);
}

static void conn_set_error(struct conn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void conn_set_error(struct conn *c, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	free(c->error);
	c->error = xstrdup(buf);
	transport_logf("%s: %s", c->name, buf);
}

static void conn_unwatch(struct conn *c)
{
	if (c->watched_fd >= 0) {
		loop_unwatch_fd(c->loop, c->watched_fd);
		c->watched_fd = -1;
	}
}

/* End every job with why, then drop the session. */
static void conn_teardown(struct conn *c, enum job_end how, const char *why)
{
	c->tearing_down = true;
	while (c->jobs != NULL)
		job_finish(c->jobs, how, why);
	c->tearing_down = false;
	ssh_forward_conn_down(c, why != NULL ? why : c->error);
	conn_unwatch(c);
	if (c->ev != NULL) {
		if (c->s != NULL)
			ssh_event_remove_session(c->ev, c->s);
		ssh_event_free(c->ev);
		c->ev = NULL;
	}
	if (c->key != NULL) {
		ssh_key_free(c->key);
		c->key = NULL;
	}
	if (c->s != NULL) {
		ssh_disconnect(c->s);
		ssh_free(c->s);
		c->s = NULL;
	}
	secret_wipe(&c->secret);
}

static void conn_fail(struct conn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void conn_fail(struct conn *c, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	conn_set_error(c, "%s", buf);
	conn_teardown(c, END_LOST, c->error);
	conn_set_state(c, CONN_FAILED);
}

/* The known_hosts files that decide, as OpenSSH reads them: the site's file
 * alone when it names one; else ssh_config's UserKnownHostsFile (libssh
 * applied it) and GlobalKnownHostsFile. owned[] are freed by the caller. */
/* ~/REL for the user we run as (libssh, too, asks getpwuid, not $HOME). */
static char *home_path(const char *rel)
{
	struct passwd *pw = getpwuid(getuid());
	const char *home = pw != NULL && pw->pw_dir != NULL ? pw->pw_dir : getenv("HOME");

	return xasprintf("%s/%s", home != NULL ? home : "", rel);
}

static size_t conn_known_hosts_files(struct conn *c, const char *files[2], char *owned[2])
{
	owned[0] = owned[1] = NULL;
	if (c->known_hosts != NULL) {
		files[0] = c->known_hosts;
		return 1;
	}
	if (ssh_options_get(c->s, SSH_OPTIONS_KNOWNHOSTS, &owned[0]) == SSH_OK && owned[0] != NULL)
		files[0] = owned[0];
	else
		files[0] = owned[0] = home_path(".ssh/known_hosts");
	if (ssh_options_get(c->s, SSH_OPTIONS_GLOBAL_KNOWNHOSTS, &owned[1]) == SSH_OK &&
	    owned[1] != NULL)
		files[1] = owned[1];
	else
		files[1] = "/etc/ssh/ssh_known_hosts";
	return 2;
}

/* The host name known_hosts lines are matched against: the one libssh
 * connected to (ssh_config's HostName applied), as OpenSSH does. */
static char *conn_known_hosts_host(struct conn *c)
{
	char *h = NULL;

	if (ssh_options_get(c->s, SSH_OPTIONS_HOST, &h) == SSH_OK && h != NULL) {
		char *copy = xstrdup(h);
		ssh_string_free_char(h);
		return copy;
	}
	return xstrdup(c->address);
}

/* A refusal that no answer can turn into a connection: exit status 3. */
static void conn_refuse_hostkey(struct conn *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void conn_refuse_hostkey(struct conn *c, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	c->hostkey_refused = true;
	conn_fail(c, "%s", buf);
}

/* The host key check after the key exchange: the wizard's own policy,
 * whatever ssh_config's StrictHostKeyChecking says (known_hosts.h). */
static void conn_check_hostkey(struct conn *c)
{
	ssh_key key = NULL;
	struct known_host_match m;
	const char *files[2];
	char *owned[2], *host, where[160];
	size_t n;

	memset(&c->hk, 0, sizeof(c->hk));
	if (ssh_get_server_publickey(c->s, &key) != SSH_OK) {
		conn_fail(c, "cannot get the host key of %s: %s", c->name, ssh_get_error(c->s));
		return;
	}
	snprintf(c->hk.type, sizeof(c->hk.type), "%s", ssh_key_type_to_char(ssh_key_type(key)));
	known_hosts_fingerprint(key, c->hk.fingerprint, sizeof(c->hk.fingerprint));
	n = conn_known_hosts_files(c, files, owned);
	host = conn_known_hosts_host(c);
	known_hosts_check(files, n, host, c->eff_port, key, &m);
	ssh_key_free(key);
	snprintf(c->hk.known_fingerprint, sizeof(c->hk.known_fingerprint), "%s",
		 m.known_fingerprint);
	if (strcmp(c->name, host) == 0)
		snprintf(where, sizeof(where), "port %d", c->eff_port);
	else
		snprintf(where, sizeof(where), "%s port %d", host, c->eff_port);

	switch (m.verdict) {
	case KNOWN_HOST_OK:
		c->hk.verdict = HOSTKEY_KNOWN;
		c->auth = AUTH_NONE;
		conn_set_state(c, CONN_AUTHENTICATING);
		break;
	case KNOWN_HOST_CHANGED:
	case KNOWN_HOST_OTHER_TYPE:
		c->hk.verdict = m.verdict == KNOWN_HOST_CHANGED ? HOSTKEY_CHANGED : HOSTKEY_OTHER_TYPE;
		conn_refuse_hostkey(c,
				    "host key for %s (%s) has CHANGED: %s line %u has %s %s, the "
				    "server offers %s %s; refusing to connect (if the change is "
				    "expected, remove that line)",
				    c->name, where, m.file, m.line, m.known_type, m.known_fingerprint,
				    c->hk.type, c->hk.fingerprint);
		break;
	case KNOWN_HOST_REVOKED:
		c->hk.verdict = HOSTKEY_REVOKED;
		conn_refuse_hostkey(c,
				    "host key %s %s of %s (%s) is REVOKED (@revoked in %s line %u); "
				    "refusing to connect",
				    c->hk.type, c->hk.fingerprint, c->name, where, m.file, m.line);
		break;
	case KNOWN_HOST_CA_ONLY:
		c->hk.verdict = HOSTKEY_CA_UNSUPPORTED;
		conn_refuse_hostkey(c,
				    "%s (%s) is trusted through a certificate authority (@cert-authority "
				    "in %s line %u), and CA-signed host keys are not supported: add the "
				    "host's own key (%s %s) to known_hosts after checking it; refusing "
				    "to connect",
				    c->name, where, m.file, m.line, c->hk.type, c->hk.fingerprint);
		break;
	case KNOWN_HOST_ERROR:
		c->hk.verdict = HOSTKEY_UNCHECKED;
		conn_refuse_hostkey(c, "cannot check the host key of %s: %s; refusing to connect",
				    c->name, m.error);
		break;
	case KNOWN_HOST_UNKNOWN:
		c->hk.verdict = HOSTKEY_UNKNOWN;
		conn_unwatch(c); /* nothing to read until the human decides */
		conn_set_state(c, CONN_HOSTKEY_WAIT);
		if (c->st == CONN_HOSTKEY_WAIT && !c->free_pending && c->cb.on_hostkey != NULL)
			c->cb.on_hostkey(c->cb.ud, c, &c->hk);
		break;
	}
	free(host);
	ssh_string_free_char(owned[0]);
	ssh_string_free_char(owned[1]);
}

/* libssh asks for a key passphrase: answer only with what the human already
 * gave (conn_answer_secret); otherwise note the need and fail this key, the
 * state machine then asks through on_secret and tries again. */
static int conn_auth_cb(const char *prompt, char *buf, size_t len, int echo, int verify,
			void *userdata)
{
	struct conn *c = userdata;

	(void)prompt;
	(void)echo;
	(void)verify;
	if (c->secret != NULL && strlen(c->secret) < len) {
		snprintf(buf, len, "%s", c->secret);
		return 0;
	}
	c->passphrase_wanted = true;
	return -1;
}

static void conn_ask_secret(struct conn *c, enum conn_secret_kind kind, const char *prompt)
{
	secret_wipe(&c->secret);
	if (kind == SECRET_KEY_PASSPHRASE)
		c->asked_passphrase = true;
	else
		c->asked_password = true;
	conn_unwatch(c);
	conn_set_state(c, CONN_SECRET_WAIT);
	if (c->st == CONN_SECRET_WAIT && !c->free_pending && c->cb.on_secret != NULL)
		c->cb.on_secret(c->cb.ud, c, kind, prompt);
}

static void conn_become_ready(struct conn *c)
{
	char *user = NULL;

	secret_wipe(&c->secret);
	if (c->key != NULL) {
		ssh_key_free(c->key);
		c->key = NULL;
	}
	free(c->login_user);
	c->login_user = NULL;
	if (ssh_options_get(c->s, SSH_OPTIONS_USER, &user) == SSH_OK && user != NULL)
		c->login_user = xstrdup(user);
	ssh_string_free_char(user);
	c->ev = ssh_event_new();
	if (c->ev == NULL || ssh_event_add_session(c->ev, c->s) != SSH_OK) {
		conn_fail(c, "cannot watch the session of %s", c->name);
		return;
	}
	c->last_rx = c->last_ka = loop_now();
	c->rx_seen = c->rx.in_bytes;
	transport_logf("%s: ready (user %s)", c->name, c->login_user ? c->login_user : "?");
	conn_set_state(c, CONN_READY);
}

static const char *conn_user_for_msg(struct conn *c, char **owned)
{
	*owned = NULL;
	if (ssh_options_get(c->s, SSH_OPTIONS_USER, owned) == SSH_OK && *owned != NULL)
		return *owned;
	return "?";
}

/* The outcomes every ssh_userauth_* call shares: still pending, logged in,
 * or an error that fails the connection (true: nothing left to do). false
 * leaves a denial, or SSH_AUTH_INFO, to the caller. */
static bool conn_auth_settled(struct conn *c, int rc)
{
	if (rc == SSH_AUTH_AGAIN)
		return true;
	if (rc == SSH_AUTH_SUCCESS) {
		conn_become_ready(c);
		return true;
	}
	if (rc == SSH_AUTH_ERROR) {
		conn_fail(c, "authentication on %s failed: %s", c->name, ssh_get_error(c->s));
		return true;
	}
	return false;
}

static void conn_auth_denied(struct conn *c, const char *what)
{
	char *u = NULL;
	const char *user = conn_user_for_msg(c, &u);

	if ((c->methods & PASSWORD_METHODS) && !c->asked_password) {
		c->auth = AUTH_PASSWORD_ASK;
		ssh_string_free_char(u);
		return;
	}
	conn_fail(c, "authentication failed for %s (user %s): %s", c->name, user, what);
	ssh_string_free_char(u);
}

/* Keyboard-interactive: every prompt that does not echo (PAM's
 * "Password: ") is answered with the login password; one that echoes
 * (a user name, an OTP code shown) cannot be, and fails the login. */
static void conn_step_kbdint(struct conn *c)
{
	int rc = ssh_userauth_kbdint(c->s, NULL, NULL);

	if (conn_auth_settled(c, rc))
		return;
	if (rc != SSH_AUTH_INFO) {
		conn_fail(c, "authentication failed for %s: wrong password (keyboard-interactive)",
			  c->name);
		return;
	}
	int n = ssh_userauth_kbdint_getnprompts(c->s);
	if (n > 0 && ++c->kbdint_rounds > KBDINT_MAX_PASSWORD_ROUNDS) {
		conn_fail(c, "authentication failed for %s: wrong password (keyboard-interactive)",
			  c->name);
		return;
	}
	for (int i = 0; i < n; i++) {
		char echo = 0;
		const char *q = ssh_userauth_kbdint_getprompt(c->s, (unsigned)i, &echo);

		if (echo) {
			conn_fail(c, "authentication on %s asks \"%s\", which only a person can "
				  "answer (keyboard-interactive): use a key", c->name, q ? q : "?");
			return;
		}
		if (ssh_userauth_kbdint_setanswer(c->s, (unsigned)i, c->secret) < 0) {
			conn_fail(c, "authentication on %s failed: %s", c->name, ssh_get_error(c->s));
			return;
		}
	}
	loop_wake_in(c->loop, 0); /* send the answers */
}

static void conn_step_auth(struct conn *c)
{
	int rc;
	char prompt[512];

	switch (c->auth) {
	case AUTH_NONE:
		rc = ssh_userauth_none(c->s, NULL);
		if (conn_auth_settled(c, rc))
			return;
		c->methods = ssh_userauth_list(c->s, NULL);
		if (c->identity != NULL)
			c->auth = AUTH_KEYFILE_LOAD;
		else if (c->methods & SSH_AUTH_METHOD_PUBLICKEY)
			c->auth = AUTH_AUTO;
		else
			c->auth = AUTH_PASSWORD_ASK;
		return;
	case AUTH_KEYFILE_LOAD:
		c->passphrase_wanted = false;
		rc = ssh_pki_import_privkey_file(c->identity, c->secret, conn_auth_cb, c, &c->key);
		if (rc == SSH_OK) {
			secret_wipe(&c->secret);
			c->auth = AUTH_KEYFILE;
			return;
		}
		if (c->passphrase_wanted && !c->asked_passphrase) {
			snprintf(prompt, sizeof(prompt), "Enter passphrase for key '%s': ", c->identity);
			conn_ask_secret(c, SECRET_KEY_PASSPHRASE, prompt);
			return;
		}
		if (c->asked_passphrase && c->secret == NULL)
			conn_fail(c, "no passphrase given for key %s", c->identity);
		else if (c->asked_passphrase)
			conn_fail(c, "wrong passphrase for key %s", c->identity);
		else
			conn_fail(c, "cannot read the private key %s", c->identity);
		return;
	case AUTH_KEYFILE:
		rc = ssh_userauth_publickey(c->s, NULL, c->key);
		if (conn_auth_settled(c, rc))
			return;
		snprintf(prompt, sizeof(prompt), "the server refused the key %s", c->identity);
		conn_auth_denied(c, prompt);
		return;
	case AUTH_AUTO:
		rc = ssh_userauth_publickey_auto(c->s, NULL, NULL);
		if (conn_auth_settled(c, rc))
			return;
		if (c->passphrase_wanted && !c->asked_passphrase) {
			/* Run the agent and default keys again once we know it. */
			c->passphrase_wanted = false;
			conn_ask_secret(c, SECRET_KEY_PASSPHRASE,
					"Enter passphrase for your SSH key: ");
			return;
		}
		conn_auth_denied(c, "no key was accepted (agent, default keys)");
		return;
	case AUTH_PASSWORD_ASK:
		if (!(c->methods & PASSWORD_METHODS) || c->asked_password) {
			char *u = NULL;

			conn_fail(c, "authentication failed for %s (user %s): no accepted method",
				  c->name, conn_user_for_msg(c, &u));
			ssh_string_free_char(u);
			return;
		}
		{
			char *u = NULL;

			snprintf(prompt, sizeof(prompt), "Password for %s@%s: ",
				 conn_user_for_msg(c, &u), c->address);
			ssh_string_free_char(u);
		}
		c->auth = AUTH_PASSWORD;
		conn_ask_secret(c, SECRET_LOGIN_PASSWORD, prompt);
		return;
	case AUTH_PASSWORD:
		if (c->secret == NULL) {
			conn_fail(c, "no password given for %s", c->name);
			return;
		}
		if (!(c->methods & SSH_AUTH_METHOD_PASSWORD)) {
			c->kbdint_rounds = 0;
			c->auth = AUTH_KBDINT;
			return;
		}
		rc = ssh_userauth_password(c->s, NULL, c->secret);
		if (conn_auth_settled(c, rc))
			return;
		conn_auth_denied(c, "wrong password");
		return;
	case AUTH_KBDINT:
		conn_step_kbdint(c);
		return;
	}
}

/* After the human answered a passphrase: where to go on. */
static void conn_resume_after_secret(struct conn *c)
{
	if (c->auth == AUTH_KEYFILE_LOAD || c->auth == AUTH_PASSWORD)
		return; /* retried as is */
	if (c->auth == AUTH_AUTO && c->secret == NULL) {
		/* No passphrase: the keys stay unusable, go on with the password. */
		c->auth = AUTH_PASSWORD_ASK;
	}
}

static void conn_step_connect(struct conn *c)
{
	int rc = ssh_connect(c->s);

	if (rc == SSH_AGAIN)
		return;
	if (rc != SSH_OK) {
		conn_fail(c, "cannot connect to %s (%s port %d): %s", c->name, c->address,
			  c->eff_port, ssh_get_error(c->s));
		return;
	}
	conn_check_hostkey(c);
}

/* ---------------- READY: jobs and keepalive ---------------- */

static int conn_open_channels(const struct conn *c)
{
	int n = 0;

	for (const struct job *j = c->jobs; j != NULL; j = j->next)
		if (j->st != JOB_QUEUED)
			n++;
	return n + ssh_forward_open_count(c);
}

static void job_write_stdin(struct job *j)
{
	while (j->stdin_off < j->stdin_len) {
		uint32_t win = ssh_channel_window_size(j->ch);
		size_t n = j->stdin_len - j->stdin_off;
		int rc;

		if (n > win)
			n = win;
		if (n > TRANSPORT_WRITE_CHUNK)
			n = TRANSPORT_WRITE_CHUNK;
		if (n == 0)
			return; /* wait for the server to open the window */
		rc = ssh_channel_write(j->ch, j->stdin_buf + j->stdin_off, (uint32_t)n);
		if (rc == SSH_ERROR) {
			j->stdin_off = j->stdin_len; /* give up writing; the close will tell */
			break;
		}
		if (rc == 0)
			return;
		j->stdin_off += (size_t)rc;
	}
	if (j->stdin_buf != NULL) {
		explicit_bzero(j->stdin_buf, j->stdin_len);
		free(j->stdin_buf);
		j->stdin_buf = NULL;
	}
	if (!j->eof_sent) {
		ssh_channel_send_eof(j->ch);
		j->eof_sent = true;
	}
}

/* Advance one job. Returns false when it finished (and is freed). */
static bool job_step(struct job *j, double now)
{
	struct conn *c = j->conn;
	int rc;

	if (j->cancel_req) {
		job_finish(j, END_CANCEL, NULL);
		return false;
	}
	if (j->deadline > 0 && now >= j->deadline) {
		job_finish(j, END_TIMEOUT, NULL);
		return false;
	}
	switch (j->st) {
	case JOB_QUEUED:
		if (conn_open_channels(c) >= TRANSPORT_MAX_CHANNELS)
			return true;
		j->ch = ssh_channel_new(c->s);
		if (j->ch == NULL) {
			job_finish(j, END_ERROR, "cannot create a channel");
			return false;
		}
		memset(&j->chcb, 0, sizeof(j->chcb));
		j->chcb.userdata = j;
		j->chcb.channel_data_function = job_on_data;
		j->chcb.channel_close_function = job_on_close;
		j->chcb.channel_exit_status_function = job_on_exit_status;
		j->chcb.channel_exit_signal_function = job_on_exit_signal;
		ssh_callbacks_init(&j->chcb);
		ssh_set_channel_callbacks(j->ch, &j->chcb);
		j->st = JOB_OPENING;
		/* fall through */
	case JOB_OPENING:
		rc = ssh_channel_open_session(j->ch);
		if (rc == SSH_AGAIN)
			return true;
		if (rc != SSH_OK) {
			char *m = xasprintf("cannot open a channel on %s: %s", c->name,
					    ssh_get_error(c->s));

			job_finish(j, END_ERROR, m);
			free(m);
			return false;
		}
		j->st = JOB_EXEC;
		/* fall through */
	case JOB_EXEC:
		rc = ssh_channel_request_exec(j->ch, j->command);
		if (rc == SSH_AGAIN)
			return true;
		if (rc != SSH_OK) {
			char *m = xasprintf("cannot start the command on %s: %s", c->name,
					    ssh_get_error(c->s));

			job_finish(j, END_ERROR, m);
			free(m);
			return false;
		}
		free(j->command);
		j->command = NULL;
		j->st = JOB_RUNNING;
		/* fall through */
	case JOB_RUNNING:
		if (!j->eof_sent && !j->remote_closed)
			job_write_stdin(j);
		job_deliver(j);
		if (c->free_pending || c->close_pending)
			return true;
		if (j->remote_closed) {
			job_finish(j, END_EXIT, NULL);
			return false;
		}
		return true;
	}
	return true;
}

static void conn_step_ready(struct conn *c)
{
	double now;
	int ka = c->keepalive_s;

	ssh_event_dopoll(c->ev, 0);
	now = loop_now();
	if (c->rx.in_bytes != c->rx_seen) {
		c->rx_seen = c->rx.in_bytes;
		c->last_rx = now;
	}
	/* Deliver what arrived before a loss, then report the loss. */
	for (struct job *j = c->jobs, *next; j != NULL; j = next) {
		next = j->next;
		if (j->st == JOB_RUNNING)
			job_deliver(j);
		if (c->free_pending || c->close_pending)
			return;
	}
	if (!ssh_is_connected(c->s)) {
		const char *err = ssh_get_error(c->s);

		conn_fail(c, "connection to %s lost%s%s", c->name, err && *err ? ": " : "",
			  err ? err : "");
		return;
	}
	for (struct job *j = c->jobs, *next; j != NULL; j = next) {
		next = j->next;
		job_step(j, now);
		if (c->free_pending || c->close_pending || c->st != CONN_READY)
			return;
	}
	if (ssh_forward_step_all(c))
		loop_wake_in(c->loop, 0);
	/* Keepalive: silence for 3 intervals means the node is gone (stopped,
	 * unplugged); a probe every interval makes a live server answer. */
	if (now - c->last_rx >= 3.0 * ka) {
		conn_fail(c, "connection to %s lost: no answer for %d s (keepalive)", c->name, 3 * ka);
		return;
	}
	if (now - c->last_rx >= ka && now - c->last_ka >= ka) {
		ssh_send_keepalive(c->s);
		c->last_ka = now;
	}
}

/* The session fd only wakes the loop: the tick that follows does the work. */
static void conn_on_fd(void *ud, int fd, short revents)
{
	(void)ud;
	(void)fd;
	(void)revents;
}

/* Ask the loop to come back when something of ours is due. */
static void conn_schedule(struct conn *c)
{
	double now = loop_now(), next = 1e9;
	int fd;
	short events;

	switch (c->st) {
	case CONN_CONNECTING:
	case CONN_AUTHENTICATING:
		next = c->deadline - now;
		if (next > TRANSPORT_BUSY_WAKE_MS / 1000.0)
			next = TRANSPORT_BUSY_WAKE_MS / 1000.0;
		break;
	case CONN_READY:
		next = c->last_rx + c->keepalive_s - now;
		if (now - c->last_rx >= c->keepalive_s) {
			double ka_due = c->last_ka + c->keepalive_s - now;
			double dead = c->last_rx + 3.0 * c->keepalive_s - now;

			next = ka_due < dead ? ka_due : dead;
		}
		for (struct job *j = c->jobs; j != NULL; j = j->next) {
			if (j->st != JOB_RUNNING || j->cancel_req || j->raw[0].len || j->raw[1].len ||
			    j->remote_closed || (!j->eof_sent && j->stdin_off < j->stdin_len))
				next = TRANSPORT_BUSY_WAKE_MS / 1000.0;
			if (j->deadline > 0 && j->deadline - now < next)
				next = j->deadline - now;
		}
		break;
	default:
		conn_unwatch(c);
		return;
	}
	loop_wake_in(c->loop, next <= 0 ? 0 : (int)(next * 1000.0) + 1);

	fd = c->s != NULL ? ssh_get_fd(c->s) : -1;
	if (fd != c->watched_fd)
		conn_unwatch(c);
	if (fd < 0)
		return;
	events = POLLIN;
	if (ssh_get_poll_flags(c->s) & SSH_WRITE_PENDING)
		events |= POLLOUT;
	c->watched_fd = fd;
	loop_watch_fd(c->loop, fd, events, conn_on_fd, c);
}

static void conn_destroy(struct conn *c);
static void conn_do_close(struct conn *c);

static void conn_tick(void *ud)
{
	struct conn *c = ud;
	double now = loop_now();

	c->busy++;
	switch (c->st) {
	case CONN_CONNECTING:
		if (now >= c->deadline) {
			conn_fail(c, "cannot connect to %s (%s port %d): timed out after %d s",
				  c->name, c->address, c->eff_port, c->connect_timeout_s);
			break;
		}
		conn_step_connect(c);
		break;
	case CONN_AUTHENTICATING:
		if (now >= c->deadline) {
			conn_fail(c, "authentication on %s timed out after %d s", c->name,
				  c->connect_timeout_s);
			break;
		}
		/* Several steps can complete in one pass without new packets. */
		for (int i = 0; i < 4 && c->st == CONN_AUTHENTICATING && !c->free_pending; i++) {
			enum auth_step before = c->auth;

			conn_step_auth(c);
			if (c->auth == before)
				break;
		}
		break;
	case CONN_READY:
		conn_step_ready(c);
		break;
	default:
		break;
	}
	c->busy--;
	if (c->busy > 0)
		return;
	if (c->free_pending) {
		conn_destroy(c);
		return;
	}
	if (c->close_pending)
		conn_do_close(c);
	if (!c->free_pending)
		conn_schedule(c);
}

/* ------------------------------------------------------------------ */
/* public API                                                         */

static void conn_enter(struct conn *c)
{
	c->busy++;
}

/* Returns false when c was freed (conn_free from a callback). */
static bool conn_leave(struct conn *c)
{
	if (--c->busy > 0)
		return true;
	if (c->free_pending) {
		conn_destroy(c);
		return false;
	}
	if (c->close_pending)
		conn_do_close(c);
	return true;
}

static char *dup_or_null(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

struct conn *conn_new(struct loop *loop, const struct conn_config *cfg,
		      const struct conn_callbacks *cb)
{
	struct conn *c = xcalloc(1, sizeof(*c));

	transport_init_logging();
	c->loop = loop;
	c->address = xstrdup(cfg->address != NULL ? cfg->address : "localhost");
	c->name = xstrdup(cfg->name != NULL ? cfg->name : c->address);
	c->user = dup_or_null(cfg->user);
	c->identity = dup_or_null(cfg->identity);
	c->known_hosts = dup_or_null(cfg->known_hosts);
	c->port = cfg->port;
	c->eff_port = cfg->port > 0 ? cfg->port : 22;
	c->process_ssh_config = cfg->process_ssh_config;
	c->connect_timeout_s = cfg->connect_timeout_s > 0 ? cfg->connect_timeout_s : 15;
	c->keepalive_s = cfg->keepalive_s > 0 ? cfg->keepalive_s : 10;
	if (cb != NULL)
		c->cb = *cb;
	c->st = CONN_NEW;
	c->watched_fd = -1;
	loop_add_tick(loop, conn_tick, c);
	return c;
}

/* libssh turns ProxyJump into "ssh ... -W '[%h]:%p' jump": that ssh checks
 * the jump host's key by the admin's ssh_config, which may say
 * StrictHostKeyChecking no. Our policy holds there too (unknown or changed:
 * refused), and BatchMode keeps its prompts off our screen. The target's
 * own key is still checked by us, end to end. */
static bool strict_proxy_jump(ssh_session s)
{
	char *pc = NULL;
	bool ok = true;

	if (ssh_options_get(s, SSH_OPTIONS_PROXYCOMMAND, &pc) != SSH_OK || pc == NULL)
		return true;
	if (strncmp(pc, "ssh ", 4) == 0 && strstr(pc, " -W '[%h]:%p' ") != NULL) {
		char *strict = xasprintf("ssh -o StrictHostKeyChecking=yes -o BatchMode=yes %s",
					 pc + 4);
		ok = ssh_options_set(s, SSH_OPTIONS_PROXYCOMMAND, strict) == SSH_OK;
		free(strict);
	}
	ssh_string_free_char(pc);
	return ok;
}

/* A fresh session with our options; NULL (and c->error set) on failure. */
static ssh_session conn_make_session(struct conn *c)
{
	ssh_session s = ssh_new();
	long timeout = c->connect_timeout_s;
	unsigned int port = 0;
	bool no = false;

	if (s == NULL) {
		conn_set_error(c, "cannot create an SSH session for %s", c->name);
		return NULL;
	}
	if (ssh_options_set(s, SSH_OPTIONS_HOST, c->address) != SSH_OK)
		goto fail;
	if (c->process_ssh_config) {
		/* ~/.ssh/config may override anything: parse it first, then
		 * re-apply what the site file says explicitly. */
		if (ssh_options_parse_config(s, NULL) != SSH_OK || !strict_proxy_jump(s))
			goto fail;
	} else if (ssh_options_set(s, SSH_OPTIONS_PROCESS_CONFIG, &no) != SSH_OK) {
		goto fail;
	}
	if (c->port > 0 && ssh_options_set(s, SSH_OPTIONS_PORT, &c->port) != SSH_OK)
		goto fail;
	if (c->user != NULL && ssh_options_set(s, SSH_OPTIONS_USER, c->user) != SSH_OK)
		goto fail;
	if (c->known_hosts != NULL) {
		/* Strict: only the file we were given decides. */
		if (ssh_options_set(s, SSH_OPTIONS_KNOWNHOSTS, c->known_hosts) != SSH_OK ||
		    ssh_options_set(s, SSH_OPTIONS_GLOBAL_KNOWNHOSTS, "/dev/null") != SSH_OK)
			goto fail;
	}
	if (ssh_options_set(s, SSH_OPTIONS_TIMEOUT, &timeout) != SSH_OK)
		goto fail;
	/* Small request/answer exchanges: with Nagle on, each step waited
	 * ~40 ms for the server's delayed ACK (seen with strace, bench/). */
	int nodelay = 1;
	if (ssh_options_set(s, SSH_OPTIONS_NODELAY, &nodelay) != SSH_OK)
		goto fail;
	if (ssh_options_get_port(s, &port) == SSH_OK && port > 0)
		c->eff_port = (int)port;
	memset(&c->scb, 0, sizeof(c->scb));
	c->scb.userdata = c;
	c->scb.auth_function = conn_auth_cb;
	ssh_callbacks_init(&c->scb);
	ssh_set_callbacks(s, &c->scb);
	memset(&c->tx, 0, sizeof(c->tx));
	memset(&c->rx, 0, sizeof(c->rx));
	ssh_set_counters(s, &c->tx, &c->rx);
	ssh_set_blocking(s, 0);
	return s;
fail:
	conn_set_error(c, "bad SSH options for %s: %s", c->name, ssh_get_error(s));
	ssh_free(s);
	return NULL;
}

void conn_start(struct conn *c)
{
	if (c->st != CONN_NEW && c->st != CONN_FAILED)
		return;
	conn_enter(c);
	conn_teardown(c, END_LOST, "connection restarted");
	free(c->error);
	c->error = NULL;
	memset(&c->hk, 0, sizeof(c->hk));
	c->hostkey_refused = false;
	c->auth = AUTH_NONE;
	c->methods = 0;
	c->asked_passphrase = c->asked_password = false;
	c->passphrase_wanted = false;
	c->s = conn_make_session(c);
	if (c->s == NULL) {
		conn_set_state(c, CONN_FAILED);
	} else {
		c->deadline = loop_now() + c->connect_timeout_s;
		transport_logf("%s: connecting to %s port %d", c->name, c->address, c->eff_port);
		conn_set_state(c, CONN_CONNECTING);
		loop_wake_in(c->loop, 0);
	}
	conn_leave(c);
}

void conn_hostkey_decide(struct conn *c, bool accept)
{
	if (c->st != CONN_HOSTKEY_WAIT)
		return;
	conn_enter(c);
	if (!accept) {
		conn_refuse_hostkey(c, "host key %s %s of %s not accepted", c->hk.type,
				    c->hk.fingerprint, c->name);
	} else {
		const char *files[2];
		char *owned[2], *host = conn_known_hosts_host(c), err[600];
		ssh_key key = NULL;
		/* OpenSSH's HashKnownHosts (Debian's ssh_config says yes) */
		bool hashed = c->process_ssh_config &&
			      ssh_config_flag(NULL, NULL, c->address, "HashKnownHosts", false);

		conn_known_hosts_files(c, files, owned);
		if (ssh_get_server_publickey(c->s, &key) != SSH_OK) {
			conn_fail(c, "cannot get the host key of %s: %s", c->name,
				  ssh_get_error(c->s));
		} else if (!known_hosts_add(files[0], host, c->eff_port, key, hashed, err,
					    sizeof(err))) {
			conn_fail(c, "cannot add the host key of %s: %s", c->name, err);
		} else {
			transport_logf("%s: host key %s added to %s", c->name, c->hk.fingerprint,
				       files[0]);
			c->auth = AUTH_NONE;
			c->deadline = loop_now() + c->connect_timeout_s;
			conn_set_state(c, CONN_AUTHENTICATING);
			loop_wake_in(c->loop, 0);
		}
		ssh_key_free(key);
		free(host);
		ssh_string_free_char(owned[0]);
		ssh_string_free_char(owned[1]);
	}
	conn_leave(c);
}

void conn_answer_secret(struct conn *c, const char *secret)
{
	if (c->st != CONN_SECRET_WAIT)
		return;
	conn_enter(c);
	secret_wipe(&c->secret);
	c->secret = secret != NULL ? xstrdup(secret) : NULL;
	conn_resume_after_secret(c);
	c->deadline = loop_now() + c->connect_timeout_s;
	conn_set_state(c, CONN_AUTHENTICATING);
	loop_wake_in(c->loop, 0);
	conn_leave(c);
}

enum conn_state conn_state(const struct conn *c)
{
	return c->st;
}

const char *conn_error(const struct conn *c)
{
	return c->error;
}

const char *conn_name(const struct conn *c)
{
	return c->name;
}

const struct hostkey_info *conn_hostkey(const struct conn *c)
{
	return &c->hk;
}

bool conn_hostkey_refused(const struct conn *c)
{
	return c->hostkey_refused;
}

const char *conn_login_user(const struct conn *c)
{
	return c->login_user;
}

static void conn_do_close(struct conn *c)
{
	bool was_open = c->s != NULL;

	c->close_pending = false;
	c->busy++;
	conn_teardown(c, END_CANCEL, NULL);
	c->busy--;
	if (was_open && !c->free_pending)
		conn_set_state(c, CONN_NEW);
}

void conn_close(struct conn *c)
{
	if (c->busy > 0) {
		c->close_pending = true;
		loop_wake_in(c->loop, 0);
		return;
	}
	conn_enter(c);
	conn_do_close(c);
	conn_leave(c);
}

static void conn_destroy(struct conn *c)
{
	/* Jobs still get their on_done; calls back into us are no-ops. */
	c->busy = 1;
	c->free_pending = true;
	conn_teardown(c, END_CANCEL, NULL);
	ssh_forward_conn_gone(c);
	loop_remove_tick(c->loop, conn_tick, c);
	free(c->name);
	free(c->address);
	free(c->user);
	free(c->identity);
	free(c->known_hosts);
	free(c->error);
	free(c->login_user);
	free(c);
}

void conn_free(struct conn *c)
{
	if (c == NULL)
		return;
	if (c->busy > 0) {
		c->free_pending = true;
		return;
	}
	conn_destroy(c);
}

struct job *conn_exec(struct conn *c, const char *command,
		      const void *stdin_data, size_t stdin_len, int timeout_s,
		      const struct job_callbacks *cb)
{
	return conn_exec_internal(c, command, true, stdin_data, stdin_len, timeout_s, cb);
}

static struct job *conn_exec_internal(struct conn *c, const char *command, bool mark,
				      const void *stdin_data, size_t stdin_len, int timeout_s,
				      const struct job_callbacks *cb)
{
	struct job *j, **tail;

	if (c->st != CONN_READY || c->free_pending || c->close_pending || c->tearing_down) {
		if (c->st != CONN_FAILED) {
			free(c->error);
			c->error = xasprintf("%s is not connected", c->name);
		}
		return NULL;
	}
	j = xcalloc(1, sizeof(*j));
	j->conn = c;
	j->st = JOB_QUEUED;
	if (mark) {
		j->command = xasprintf("%s%s", TRANSPORT_PID_PREFIX, command);
	} else {
		j->command = xstrdup(command);
		j->pid_done = true;
	}
	if (stdin_data != NULL && stdin_len > 0) {
		j->stdin_buf = xmalloc(stdin_len);
		memcpy(j->stdin_buf, stdin_data, stdin_len);
		j->stdin_len = stdin_len;
	}
	j->timeout_s = timeout_s;
	j->deadline = timeout_s > 0 ? loop_now() + timeout_s : 0;
	if (cb != NULL)
		j->cb = *cb;
	j->exit_status = -1;
	j->lb[0] = linebuf_new(0, job_line_out, j);
	j->lb[1] = linebuf_new(0, job_line_err, j);
	for (tail = &c->jobs; *tail != NULL; tail = &(*tail)->next)
		;
	*tail = j;
	loop_wake_in(c->loop, 0);
	return j;
}

bool conn_busy(const struct conn *c)
{
	return c->jobs != NULL;
}

void job_cancel(struct job *j)
{
	if (j == NULL)
		return;
	j->cancel_req = true;
	loop_wake_in(j->conn->loop, 0);
}

/* ------------------------------------------------------------------ */
/* for ssh_forward.c (ssh_internal.h)                                 */

ssh_session conn_internal_session(struct conn *c)
{
	return c->s;
}

struct loop *conn_internal_loop(struct conn *c)
{
	return c->loop;
}

bool conn_internal_usable(const struct conn *c)
{
	return c->st == CONN_READY && c->s != NULL && !c->free_pending && !c->close_pending &&
	       !c->tearing_down;
}

int conn_internal_channel_room(const struct conn *c)
{
	return TRANSPORT_MAX_CHANNELS - conn_open_channels(c);
}

struct conn_forward **conn_internal_forwards(struct conn *c)
{
	return &c->forwards;
}
