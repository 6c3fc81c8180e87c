/* A started sshd_fixture and one SSH connection to it as the program makes
 * them (root with the fixture's key, its host key accepted), on its own
 * loop: what the transport, forward, route and runner tests stand on. */
#ifndef RW_SSH_SESSION_H
#define RW_SSH_SESSION_H

#include "sshd_fixture.h"

struct conn;
struct loop;

struct ssh_session {
	struct sshd_fixture f;
	struct loop *loop;
	struct conn *c;
};

/* Start s->f and connect to it as node `name` (keepalive_s: 0 the
 * default): 0 once READY (within 20 s), else -1 with the reason on stderr
 * and nothing left running. */
int ssh_session_open(struct ssh_session *s, const char *name, int keepalive_s);
/* The conn, the loop, then sshd. */
void ssh_session_close(struct ssh_session *s);

/* cmocka setup and teardown where the session is the test's whole state. */
int ssh_session_setup(void **state, const char *name, int keepalive_s);
int ssh_session_teardown(void **state);

#endif
