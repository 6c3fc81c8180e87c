/* Private glue between ssh_transport.c and ssh_forward.c: what a forwarded
 * channel needs of a conn, and the hooks the conn calls back. Not for other
 * modules: they use transport.h. */
#ifndef RW_SSH_INTERNAL_H
#define RW_SSH_INTERNAL_H

#include <stdbool.h>

#include <libssh/libssh.h>

struct conn;
struct loop;
struct conn_forward;

/* Accessors (ssh_transport.c). */
ssh_session conn_internal_session(struct conn *c);
struct loop *conn_internal_loop(struct conn *c);
/* READY and not being closed/freed: channels may be opened. */
bool conn_internal_usable(const struct conn *c);
/* Channels still free under the per-connection limit (jobs + forwards). */
int conn_internal_channel_room(const struct conn *c);
/* Head of the conn's list of forwards. */
struct conn_forward **conn_internal_forwards(struct conn *c);

/* Hooks (ssh_forward.c), called by the conn. */
/* Open channels held by forwards (they count against the limit). */
int ssh_forward_open_count(const struct conn *c);
/* Advance every forward of c (from the READY tick, after packets were read).
 * Returns true when one wants the tick again soon without any fd event. */
bool ssh_forward_step_all(struct conn *c);
/* The session is going away: every forward fails with why (channels freed
 * before the session, our socket ends closed so the users see EOF). */
void ssh_forward_conn_down(struct conn *c, const char *why);
/* The conn itself is freed: forwards forget it (conn_forward_close still
 * frees them). */
void ssh_forward_conn_gone(struct conn *c);

#endif
