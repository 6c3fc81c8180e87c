#include "ssh_session.h"

#include <stdio.h>

#include "loop.h"
#include "transport.h"

#define READY_WITHIN_S 20.0

static void accept_key(void *ud, struct conn *c, const struct hostkey_info *hk)
{
	(void)ud;
	(void)hk;
	conn_hostkey_decide(c, true);
}

static bool settled(void *ud)
{
	enum conn_state st = conn_state(ud);
	return st == CONN_READY || st == CONN_FAILED;
}

struct conn *ssh_session_open(struct sshd_fixture *f, struct loop *loop, const char *name,
			      int keepalive_s)
{
	if (sshd_fixture_start(f) != 0)
		return NULL;
	struct conn_config cfg = {
		.name = name, .address = f->addr, .port = f->port, .user = "root",
		.identity = f->client_key, .known_hosts = f->known_hosts,
		.connect_timeout_s = 10, .keepalive_s = keepalive_s,
	};
	struct conn_callbacks cb = { .on_hostkey = accept_key };
	struct conn *c = conn_new(loop, &cfg, &cb);
	conn_start(c);
	loop_run_until(loop, settled, c, READY_WITHIN_S);
	if (conn_state(c) != CONN_READY) {
		fprintf(stderr, "%s not ready: %s\n", name, conn_error(c) ? conn_error(c) : "?");
		ssh_session_close(f, c);
		return NULL;
	}
	return c;
}

void ssh_session_close(struct sshd_fixture *f, struct conn *c)
{
	conn_free(c);
	sshd_fixture_stop(f);
}
