/* SSH transport: one libssh session per node, opened once and reused for
 * every step, driven WITHOUT BLOCKING by the event loop (loop.h). Calls return
 * at once; progress arrives through callbacks run from loop_poll(). Nothing
 * here prints: errors are returned as text for the caller to show. */
#ifndef RW_TRANSPORT_H
#define RW_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>

struct loop;
struct conn;
struct job;

struct conn_config {
	const char *name;        /* the node as the site names it, for messages */
	const char *address;     /* host to connect to (name or IP) */
	int port;                /* 0: from ssh config, else 22 */
	const char *user;        /* login user; NULL: ssh config, else current user */
	const char *identity;    /* private key file; NULL: agent, then default keys */
	const char *known_hosts; /* OpenSSH known_hosts used strictly; NULL: ~/.ssh/known_hosts */
	bool process_ssh_config; /* honour ~/.ssh/config (tests turn it off) */
	int connect_timeout_s;   /* bound on TCP + handshake + auth; 0: 15 s */
	int keepalive_s;         /* keepalive interval; 0: 10 s; 3 missed = dead */
};

enum conn_state {
	CONN_NEW,
	CONN_CONNECTING,
	CONN_HOSTKEY_WAIT,   /* unknown host key: waiting for conn_hostkey_decide() */
	CONN_AUTHENTICATING,
	CONN_SECRET_WAIT,    /* waiting for conn_answer_secret() */
	CONN_READY,
	CONN_FAILED,         /* conn_error() says why; conn_start() may retry */
};

enum hostkey_verdict {
	HOSTKEY_KNOWN,
	HOSTKEY_UNKNOWN,     /* not in known_hosts: ask (TUI) or --accept-new-host-keys */
	HOSTKEY_CHANGED,     /* always refused */
	HOSTKEY_OTHER_TYPE,  /* known with another key type: refused like CHANGED */
	HOSTKEY_REVOKED,     /* listed @revoked in known_hosts: always refused */
	HOSTKEY_CA_UNSUPPORTED, /* only an @cert-authority line names the host: refused */
	HOSTKEY_UNCHECKED,   /* known_hosts could not be read: refused */
};

struct hostkey_info {
	enum hostkey_verdict verdict;
	char type[32];               /* "ssh-ed25519" */
	char fingerprint[96];        /* "SHA256:..." as OpenSSH prints it */
	char known_fingerprint[96];  /* CHANGED: the key known_hosts holds, if read */
};

enum conn_secret_kind { SECRET_KEY_PASSPHRASE, SECRET_LOGIN_PASSWORD };

struct conn_callbacks {
	void (*on_state)(void *ud, struct conn *c, enum conn_state st);
	/* Only for HOSTKEY_UNKNOWN; a changed key fails the connection with a
	 * message naming the host and both fingerprints. */
	void (*on_hostkey)(void *ud, struct conn *c, const struct hostkey_info *hk);
	/* May answer synchronously (batch mode reads the environment). */
	void (*on_secret)(void *ud, struct conn *c, enum conn_secret_kind kind, const char *prompt);
	void *ud;
};

struct conn *conn_new(struct loop *loop, const struct conn_config *cfg,
		      const struct conn_callbacks *cb);
void conn_start(struct conn *c);
void conn_hostkey_decide(struct conn *c, bool accept); /* accept: append to known_hosts */
void conn_answer_secret(struct conn *c, const char *secret); /* NULL: none; copied, wiped */
enum conn_state conn_state(const struct conn *c);
const char *conn_error(const struct conn *c);
const char *conn_name(const struct conn *c);
const struct hostkey_info *conn_hostkey(const struct conn *c);
/* The last connection attempt failed on the host key (changed, revoked,
 * CA-only, unreadable known_hosts, or an unknown key not accepted). */
bool conn_hostkey_refused(const struct conn *c);
const char *conn_login_user(const struct conn *c); /* after READY */
/* Cancels its jobs (on_done, cancelled) and drops the session: back to
 * CONN_NEW, conn_start() reconnects. Safe from any callback (deferred). */
void conn_close(struct conn *c);
/* Also safe from a callback of c or of its jobs (freed when it unwinds). */
void conn_free(struct conn *c);
/* Does c still have a command running, or one being stopped (a cancelled
 * job's remote kill)? Before freeing c after job_cancel, run the loop until
 * it says no, or the remote command may outlive the cancel. */
bool conn_busy(const struct conn *c);

/* A remote command on its own channel of the node's session. Output is split
 * into sanitised display lines (linebuf.h): stdout and stderr apart. */
enum job_stream { JOB_STDOUT = 1, JOB_STDERR = 2 };

struct job_result {
	int exit_status;     /* -1 when none was received */
	const char *signal;  /* remote signal name, or NULL */
	bool timed_out;      /* our command timeout expired (job cancelled) */
	bool cancelled;      /* job_cancel() */
	bool conn_lost;      /* session died (keepalive, EOF, reset) */
	const char *error;   /* human text when not a plain exit, else NULL */
};

struct job_callbacks {
	void (*on_line)(void *ud, enum job_stream s, const char *line, size_t len);
	/* Called once; the job is freed by the transport right after it returns. */
	void (*on_done)(void *ud, const struct job_result *r);
	void *ud;
};

/* Start command (one string for the remote login shell; quote with
 * shquote.h). stdin_data (may be NULL) is written to the command's stdin,
 * then EOF: this is how secrets travel, never on a command line. The
 * transport copies and later wipes it. timeout_s 0: no command timeout (the
 * keepalive still detects a dead node). Returns NULL if the connection is not
 * READY (error in conn_error()). */
struct job *conn_exec(struct conn *c, const char *command,
		      const void *stdin_data, size_t stdin_len, int timeout_s,
		      const struct job_callbacks *cb);
/* Stop the remote command (signal TERM, close the channel); on_done follows
 * with cancelled = true. OpenSSH ignores "signal" requests on root sessions,
 * so the transport also runs `kill -TERM -- -PGID` on a new channel: every
 * command is sent as `printf '\036rw-pid %d\n' $$ >&2; COMMAND` (the login
 * shell must be POSIX-like) and that first stderr line is never shown. A
 * command timeout ends the command the same way. */
void job_cancel(struct job *j);

/* A TCP connection made BY THE NODE (an SSH "direct-tcpip" channel on the
 * node's existing session, so it goes wherever the node can reach: its own
 * LDAP port when the admin's machine cannot), handed to the caller as one
 * end of a local socketpair. The transport pumps bytes both ways from the
 * loop, within the channel window and bounded buffers; EOF travels both
 * ways. The channel counts against the per-connection channel limit (it
 * waits for a free slot). Failures (the node cannot connect, the session is
 * lost, conn_forward_close) close the transport's end: the caller sees EOF.
 * host is resolved by the node itself. */
enum conn_forward_state {
	FWD_QUEUED,   /* waiting for a free channel */
	FWD_OPENING,  /* channel open requested */
	FWD_OPEN,
	FWD_CLOSED,   /* ended normally (EOF both ways, or remote close) */
	FWD_FAILED,   /* conn_forward_error() says why */
};

struct conn_forward;

/* NULL (err filled) when c is not READY or no socketpair can be made. */
struct conn_forward *conn_forward_open(struct conn *c, const char *host, int port,
				       char *err, size_t errlen);
/* The caller's end (blocking, close-on-exec), once: then -1. The caller owns
 * it (ldapprobe closes it). */
int conn_forward_take_fd(struct conn_forward *f);
enum conn_forward_state conn_forward_state(const struct conn_forward *f);
const char *conn_forward_error(const struct conn_forward *f); /* NULL unless FAILED */
/* Close the channel and both ends still held; free. Not from inside a
 * libssh call (there are no forward callbacks, so any caller is fine). */
void conn_forward_close(struct conn_forward *f);

/* Where diagnostics go (libssh's own log included): nothing is ever printed;
 * without a hook they are dropped. fn NULL: drop again. */
void transport_set_log(void (*fn)(void *ud, const char *line), void *ud);

#endif
