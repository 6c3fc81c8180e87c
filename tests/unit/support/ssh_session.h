/* One SSH connection to a started sshd_fixture, as the program makes them:
 * root with the fixture's key, its host key accepted, driven by a loop. */
#ifndef RW_SSH_SESSION_H
#define RW_SSH_SESSION_H

#include "sshd_fixture.h"

struct conn;
struct loop;

/* Start f and connect to it on loop as node `name` (keepalive_s: 0 the default):
 * the conn once READY (within 20 s), else NULL with the reason on stderr
 * and f stopped. */
struct conn *ssh_session_open(struct sshd_fixture *f, struct loop *loop, const char *name,
			      int keepalive_s);
/* Free c, then stop f. */
void ssh_session_close(struct sshd_fixture *f, struct conn *c);

#endif
