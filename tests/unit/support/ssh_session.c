#include "ssh_session.h"

#include <stdio.h>
#include <stdlib.h>

#include "loop.h"
#include "transport.h"
#include "xalloc.h"

#define READY_WITHIN_S 20.0

static void accept_key(void *ud, struct conn *c, const struct hostkey_info *hk)
{
	(void)ud;
	(void)hk;
	conn_hostkey_decide(c, true); /* the fixture's fresh key */
}

static bool settled(void *ud)
{
	enum conn_state st = conn_state(ud);
	return st == CONN_READY || st == CONN_FAILED;
}

int ssh_session_open(struct ssh_session *s, const char *name, int keepalive_s)
{
	if (sshd_fixture_start(&s->f) != 0)
		return -1;
	s->loop = loop_new();
	struct conn_config cfg = {
		.name = name, .address = s->f.addr, .port = s->f.port, .user = "root",
		.identity = s->f.client_key, .known_hosts = s->f.known_hosts,
		.connect_timeout_s = 10, .keepalive_s = keepalive_s,
	};
	struct conn_callbacks cb = { .on_hostkey = accept_key };
	s->c = conn_new(s->loop, &cfg, &cb);
	conn_start(s->c);
	loop_run_until(s->loop, settled, s->c, READY_WITHIN_S);
	if (conn_state(s->c) != CONN_READY) {
		fprintf(stderr, "%s not ready: %s\n", name, conn_error(s->c) ? conn_error(s->c) : "?");
		ssh_session_close(s);
		return -1;
	}
	return 0;
}

void ssh_session_close(struct ssh_session *s)
{
	conn_free(s->c);
	s->c = NULL;
	loop_free(s->loop);
	s->loop = NULL;
	sshd_fixture_stop(&s->f);
}

int ssh_session_setup(void **state, const char *name, int keepalive_s)
{
	struct ssh_session *s = xcalloc(1, sizeof *s);
	if (ssh_session_open(s, name, keepalive_s) != 0) {
		free(s);
		return -1;
	}
	*state = s;
	return 0;
}

int ssh_session_teardown(void **state)
{
	ssh_session_close(*state);
	free(*state);
	return 0;
}
