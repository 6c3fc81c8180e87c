/* Forwarded TCP connections ("direct-tcpip" channels) on a conn's session,
 * exposed to the caller as one end of a local socketpair.
 *
 * The pump runs from the conn's READY tick (ssh_forward_step_all), after
 * libssh has read the session's packets:
 *   channel -> caller: ssh_channel_read_nonblocking into a bounded buffer,
 *     then write(2) to our end. libssh grows the channel window only as we
 *     read, so a slow reader stalls the server instead of growing memory.
 *   caller -> channel: read(2) into a bounded buffer only while it can be
 *     drained, ssh_channel_write no more than the remote window.
 * Our end is watched in the loop only for what can make progress (POLLIN
 * while there is room, POLLOUT while bytes wait): no busy loop. The watch
 * callback does nothing; the conn tick that follows the pass does the work.
 * A remote close with unread data is "delayed" by libssh until the data is
 * read, so nothing is lost at the end. */
#include "transport.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libssh/libssh.h>

#include "loop.h"
#include "ssh_internal.h"
#include "xalloc.h"

#define FWD_BUF 65536          /* per direction */
#define FWD_WRITE_CHUNK 32768  /* one SSH packet's worth */
#define FWD_ROUNDS 32          /* per tick and direction, then yield */

struct conn_forward {
	struct conn *conn;          /* NULL once the conn is freed */
	struct loop *loop;
	struct conn_forward *next;
	enum conn_forward_state st;
	char *host;
	int port;
	char *error;

	ssh_channel ch;
	int fd;                     /* our end, -1 when closed */
	int user_fd;                /* the caller's end until taken */
	short watched;              /* events watched on fd; 0: none */

	unsigned char *up;          /* caller -> channel */
	size_t up_len;
	unsigned char *down;        /* channel -> caller */
	size_t down_len, down_off;

	bool local_eof;             /* the caller shut its side (read 0 / error) */
	bool local_dead;            /* writing to the caller failed: drop data */
	bool eof_sent;              /* SSH EOF sent to the node */
	bool remote_eof;            /* SSH EOF received and all data read */
	bool shut_wr;               /* shutdown(fd, SHUT_WR) done */
};

static void fwd_on_fd(void *ud, int fd, short revents)
{
	(void)ud;
	(void)fd;
	(void)revents;
}

static void fwd_watch(struct conn_forward *f, short events)
{
	if (f->fd < 0 || events == f->watched)
		return;
	if (events == 0)
		loop_unwatch_fd(f->loop, f->fd);
	else
		loop_watch_fd(f->loop, f->fd, events, fwd_on_fd, f);
	f->watched = events;
}

static void fwd_close_fd(struct conn_forward *f)
{
	if (f->fd < 0)
		return;
	fwd_watch(f, 0);
	close(f->fd);
	f->fd = -1;
}

static void fwd_drop_channel(struct conn_forward *f)
{
	if (f->ch == NULL)
		return;
	if (ssh_channel_is_open(f->ch))
		ssh_channel_close(f->ch);
	/* libssh frees it after the server's CLOSE (or with the session). */
	ssh_channel_free(f->ch);
	f->ch = NULL;
}

/* Final state: no channel, our end closed (the caller sees EOF). */
static void fwd_end(struct conn_forward *f, enum conn_forward_state st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void fwd_end(struct conn_forward *f, enum conn_forward_state st, const char *fmt, ...)
{
	if (f->st == FWD_CLOSED || f->st == FWD_FAILED)
		return;
	f->st = st;
	if (fmt != NULL) {
		char buf[512];
		va_list ap;

		va_start(ap, fmt);
		vsnprintf(buf, sizeof(buf), fmt, ap);
		va_end(ap);
		free(f->error);
		f->error = xstrdup(buf);
	}
	fwd_drop_channel(f);
	fwd_close_fd(f);
	free(f->up);
	free(f->down);
	f->up = f->down = NULL;
	f->up_len = f->down_len = f->down_off = 0;
}

/* channel -> caller. Returns true when it stopped with work left. */
static bool fwd_pump_down(struct conn_forward *f)
{
	for (int round = 0; round < FWD_ROUNDS; round++) {
		if (f->down_off < f->down_len) {
			ssize_t w;

			if (f->local_dead) {
				f->down_off = f->down_len;
				continue;
			}
			w = write(f->fd, f->down + f->down_off, f->down_len - f->down_off);
			if (w < 0) {
				if (errno == EAGAIN || errno == EWOULDBLOCK)
					return false; /* POLLOUT wakes us */
				if (errno == EINTR)
					continue;
				/* EPIPE/ECONNRESET: the caller closed; discard. */
				f->local_dead = true;
				f->local_eof = true;
				continue;
			}
			f->down_off += (size_t)w;
			continue;
		}
		f->down_off = f->down_len = 0;
		if (f->remote_eof)
			return false;
		int n = ssh_channel_read_nonblocking(f->ch, f->down, FWD_BUF, 0);

		if (n == SSH_EOF || (n == 0 && ssh_channel_is_eof(f->ch))) {
			f->remote_eof = true;
			return false;
		}
		if (n == SSH_ERROR) {
			fwd_end(f, FWD_FAILED, "forward to %s port %d: %s", f->host, f->port,
				ssh_get_error(conn_internal_session(f->conn)));
			return false;
		}
		if (n <= 0)
			return false; /* nothing buffered: the session fd wakes us */
		f->down_len = (size_t)n;
	}
	return true;
}

/* caller -> channel. Returns true when it stopped with work left. */
static bool fwd_pump_up(struct conn_forward *f)
{
	for (int round = 0; round < FWD_ROUNDS; round++) {
		if (f->up_len > 0) {
			uint32_t win = ssh_channel_window_size(f->ch);
			size_t n = f->up_len;
			int rc;

			if (n > win)
				n = win;
			if (n > FWD_WRITE_CHUNK)
				n = FWD_WRITE_CHUNK;
			if (n == 0)
				return false; /* a WINDOW_ADJUST on the session fd wakes us */
			rc = ssh_channel_write(f->ch, f->up, (uint32_t)n);
			if (rc == SSH_ERROR) {
				fwd_end(f, FWD_FAILED, "forward to %s port %d: %s", f->host, f->port,
					ssh_get_error(conn_internal_session(f->conn)));
				return false;
			}
			if (rc <= 0)
				return false;
			memmove(f->up, f->up + rc, f->up_len - (size_t)rc);
			f->up_len -= (size_t)rc;
			continue;
		}
		if (f->local_eof)
			return false;
		ssize_t r = read(f->fd, f->up, FWD_BUF);

		if (r < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return false;
			if (errno == EINTR)
				continue;
			f->local_eof = true; /* ECONNRESET: treat as the caller's EOF */
			return false;
		}
		if (r == 0) {
			f->local_eof = true;
			return false;
		}
		f->up_len = (size_t)r;
	}
	return true;
}

static bool fwd_step_open(struct conn_forward *f)
{
	bool more;
	short ev = 0;

	more = fwd_pump_down(f);
	if (f->st != FWD_OPEN)
		return false;
	more |= fwd_pump_up(f);
	if (f->st != FWD_OPEN)
		return false;
	if (f->local_eof && f->up_len == 0 && !f->eof_sent) {
		ssh_channel_send_eof(f->ch);
		f->eof_sent = true;
	}
	if (f->remote_eof && f->down_off == f->down_len && !f->shut_wr && !f->local_dead) {
		shutdown(f->fd, SHUT_WR);
		f->shut_wr = true;
	}
	/* Done when nothing more can flow: both EOFs (the node side then
	 * closes), or the node closed the channel and we delivered it all. */
	if ((f->remote_eof && f->down_off == f->down_len &&
	     (f->eof_sent || f->local_dead || ssh_channel_is_closed(f->ch))) ||
	    (f->local_dead && f->eof_sent)) {
		fwd_end(f, FWD_CLOSED, NULL);
		return false;
	}
	if (!f->local_eof && f->up_len == 0)
		ev |= POLLIN;
	if (f->down_off < f->down_len && !f->local_dead)
		ev |= POLLOUT;
	fwd_watch(f, ev);
	return more;
}

static bool fwd_step(struct conn_forward *f)
{
	struct conn *c = f->conn;
	int rc;

	switch (f->st) {
	case FWD_QUEUED:
		if (conn_internal_channel_room(c) <= 0)
			return false; /* a finished job or forward frees one */
		f->ch = ssh_channel_new(conn_internal_session(c));
		if (f->ch == NULL) {
			fwd_end(f, FWD_FAILED, "cannot create a channel for %s port %d", f->host,
				f->port);
			return false;
		}
		f->st = FWD_OPENING;
		/* fall through */
	case FWD_OPENING:
		/* The originator address is informational for sshd. */
		rc = ssh_channel_open_forward(f->ch, f->host, f->port, "127.0.0.1", 0);
		if (rc == SSH_AGAIN)
			return false; /* the server's answer wakes the session fd */
		if (rc != SSH_OK) {
			fwd_end(f, FWD_FAILED, "the node cannot open %s port %d: %s", f->host,
				f->port, ssh_get_error(conn_internal_session(c)));
			return false;
		}
		f->st = FWD_OPEN;
		f->up = xmalloc(FWD_BUF);
		f->down = xmalloc(FWD_BUF);
		/* fall through */
	case FWD_OPEN:
		return fwd_step_open(f);
	case FWD_CLOSED:
	case FWD_FAILED:
		break;
	}
	return false;
}

/* ---------------- hooks for ssh_transport.c ---------------- */

int ssh_forward_open_count(const struct conn *c)
{
	int n = 0;

	for (const struct conn_forward *f = *conn_internal_forwards((struct conn *)c); f != NULL;
	     f = f->next)
		if (f->ch != NULL)
			n++;
	return n;
}

bool ssh_forward_step_all(struct conn *c)
{
	bool more = false;

	for (struct conn_forward *f = *conn_internal_forwards(c); f != NULL; f = f->next) {
		if (!conn_internal_usable(c))
			break;
		more |= fwd_step(f);
	}
	return more;
}

void ssh_forward_conn_down(struct conn *c, const char *why)
{
	for (struct conn_forward *f = *conn_internal_forwards(c); f != NULL; f = f->next)
		fwd_end(f, FWD_FAILED, "forward to %s port %d: %s", f->host, f->port,
			why != NULL ? why : "the SSH connection was closed");
}

void ssh_forward_conn_gone(struct conn *c)
{
	struct conn_forward **head = conn_internal_forwards(c);

	while (*head != NULL) {
		struct conn_forward *f = *head;

		*head = f->next;
		f->next = NULL;
		f->conn = NULL;
	}
}

/* ---------------- public API ---------------- */

struct conn_forward *conn_forward_open(struct conn *c, const char *host, int port,
				       char *err, size_t errlen)
{
	struct conn_forward *f, **tail;
	int sv[2];

	if (host == NULL || host[0] == '\0' || port <= 0 || port > 65535) {
		snprintf(err, errlen, "bad forward target");
		return NULL;
	}
	if (!conn_internal_usable(c)) {
		snprintf(err, errlen, "%s is not connected", conn_name(c));
		return NULL;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		snprintf(err, errlen, "socketpair: %s", strerror(errno));
		return NULL;
	}
	/* Ours never blocks; the caller's stays blocking, as libldap keeps
	 * its own TCP sockets once connected. */
	if (fcntl(sv[0], F_SETFL, fcntl(sv[0], F_GETFL) | O_NONBLOCK) < 0) {
		snprintf(err, errlen, "cannot make the socket non-blocking: %s", strerror(errno));
		close(sv[0]);
		close(sv[1]);
		return NULL;
	}
	f = xcalloc(1, sizeof(*f));
	f->conn = c;
	f->loop = conn_internal_loop(c);
	f->host = xstrdup(host);
	f->port = port;
	f->st = FWD_QUEUED;
	f->fd = sv[0];
	f->user_fd = sv[1];
	for (tail = conn_internal_forwards(c); *tail != NULL; tail = &(*tail)->next)
		;
	*tail = f;
	loop_wake_in(f->loop, 0);
	return f;
}

int conn_forward_take_fd(struct conn_forward *f)
{
	int fd = f->user_fd;

	f->user_fd = -1;
	return fd;
}

enum conn_forward_state conn_forward_state(const struct conn_forward *f)
{
	return f->st;
}

const char *conn_forward_error(const struct conn_forward *f)
{
	return f->st == FWD_FAILED ? f->error : NULL;
}

void conn_forward_close(struct conn_forward *f)
{
	if (f == NULL)
		return;
	if (f->conn != NULL) {
		for (struct conn_forward **p = conn_internal_forwards(f->conn); *p != NULL;
		     p = &(*p)->next) {
			if (*p == f) {
				*p = f->next;
				break;
			}
		}
		/* The freed channel slot may let a queued job or forward go. */
		loop_wake_in(f->loop, 0);
	}
	fwd_end(f, FWD_CLOSED, NULL);
	if (f->user_fd >= 0)
		close(f->user_fd);
	free(f->error);
	free(f->host);
	free(f);
}
