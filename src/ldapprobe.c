/* LDAP probes with libldap, driven by the event loop without blocking.
 *
 * One probe = one LDAP handle and one state machine:
 *   CONNECT (async TCP connect, watched for POLLOUT)
 *   -> STARTTLS (optional: async extended op, then the handshake)
 *   -> BIND (simple, async) -> done for LDAPPROBE_BIND (then unbind)
 *   -> SEARCH (async) -> done.
 * Results are collected with ldap_result() and a zero timeout whenever the
 * socket is readable; one loop timer bounds the whole probe.
 *
 * What still blocks, and its bound:
 *  - host name resolution inside ldap_connect() (getaddrinfo; use addresses
 *    or /etc/hosts names for a responsive UI);
 *  - the TLS handshake (ldap_install_tls() for StartTLS, or ldaps://): libldap
 *    runs it synchronously, bounded by LDAP_OPT_NETWORK_TIMEOUT, which is set
 *    to min(time left, LDAPPROBE_TLS_MAX_S) right before it.
 * TLS: the server certificate is verified (LDAP_OPT_X_TLS_DEMAND: a trusted
 * CA, the URL's host named in it) unless the request says tls_skip_verify;
 * the password is sent only after the handshake succeeded.
 * Secrets: our copy of the password is wiped (explicit_bzero) once the bind
 * request is encoded; libldap keeps its own encoded request until the
 * response arrives and frees it without wiping (not under our control).
 * libldap writes with write(2): the program must ignore SIGPIPE. */
#include "ldapprobe.h"

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <lber.h>
#include <ldap.h>
#include <openldap.h> /* ldap_init_fd, LDAP_PROTO_TCP */

#include "loop.h"
#include "xalloc.h"

#define LDAPPROBE_DEFAULT_TIMEOUT_S 10
#define LDAPPROBE_TLS_MAX_S 3.0      /* cap on the synchronous TLS handshake */
#define LDAPPROBE_CONSUMERS_MAX 256  /* server-side size limit of the Monitor search */
#define LDAPPROBE_SYNC_CONNECTED "00000101000000Z"

enum ldapprobe_state {
	LDAPPROBE_ST_CONNECT,
	LDAPPROBE_ST_STARTTLS,
	LDAPPROBE_ST_BIND,
	LDAPPROBE_ST_SEARCH,
	LDAPPROBE_ST_DONE,
};

/* The public result plus what it owns but exposes as const. */
struct ldapprobe_res {
	struct ldapprobe_result pub;
	char *error;
};

struct ldapprobe {
	struct loop *loop;
	enum ldapprobe_kind kind;
	char *url;
	char *bind_dn;
	char *password;
	size_t password_len;
	int timeout_s;
	bool starttls;
	char *ca_file;
	char *ca_label;
	bool tls_skip_verify;
	ldapprobe_done_cb cb;
	void *ud;

	LDAP *ld;
	int given_fd;                  /* req.fd not yet handed to libldap, or -1 */
	int fd;                        /* watched socket, -1 when none */
	int timeout_timer;             /* 0 when none */
	int deliver_timer;             /* 0 when none */
	enum ldapprobe_state state;
	int msgid;
	bool heard;                    /* the server has answered something */
	double started;
	struct ldapprobe_res *res;
};

static void ldapprobe_on_fd(void *ud, int fd, short revents);

/* libldap logs nothing unless asked; make sure nobody (LDAPDEBUG, ldaprc)
 * turns that on behind the UI's back. */
static void ldapprobe_global_init(void)
{
	static bool done;
	int zero = 0;

	if (done)
		return;
	done = true;
	ber_set_option(NULL, LBER_OPT_DEBUG_LEVEL, &zero);
	ldap_set_option(NULL, LDAP_OPT_DEBUG_LEVEL, &zero);
}

/* Server-provided or user-provided text goes to a terminal: no controls. */
static char *ldapprobe_clean(const char *s, size_t n)
{
	char *out = xstrndup(s ? s : "", s ? n : 0);

	for (char *c = out; *c; c++)
		if ((unsigned char)*c < 0x20 || (unsigned char)*c == 0x7f)
			*c = '?';
	return out;
}

static char *ldapprobe_clean_str(const char *s)
{
	return ldapprobe_clean(s, s ? strlen(s) : 0);
}

static void ldapprobe_wipe_password(struct ldapprobe *p)
{
	if (p->password == NULL)
		return;
	explicit_bzero(p->password, p->password_len);
	free(p->password);
	p->password = NULL;
	p->password_len = 0;
}

static void ldapprobe_teardown(struct ldapprobe *p)
{
	if (p->fd >= 0) {
		loop_unwatch_fd(p->loop, p->fd);
		p->fd = -1;
	}
	if (p->timeout_timer) {
		loop_timer_cancel(p->loop, p->timeout_timer);
		p->timeout_timer = 0;
	}
	if (p->ld != NULL) {
		/* Sends the unbind when connected, closes the socket, frees. */
		ldap_unbind_ext(p->ld, NULL, NULL);
		p->ld = NULL;
	}
	if (p->given_fd >= 0) {
		close(p->given_fd);
		p->given_fd = -1;
	}
	ldapprobe_wipe_password(p);
}

static void result_free(struct ldapprobe_result *r)
{
	struct ldapprobe_res *res;

	if (r == NULL)
		return;
	res = (struct ldapprobe_res *)((char *)r - offsetof(struct ldapprobe_res, pub));
	for (size_t i = 0; i < r->n_csns; i++)
		free(r->csns[i]);
	free(r->csns);
	for (size_t i = 0; i < r->n_consumers; i++) {
		free(r->consumers[i].provider);
		free(r->consumers[i].connection);
		free(r->consumers[i].phase);
		free(r->consumers[i].next_connect);
		free(r->consumers[i].last_contact);
	}
	free(r->consumers);
	free(res->error);
	free(res);
}

static void ldapprobe_free_probe(struct ldapprobe *p)
{
	free(p->url);
	free(p->bind_dn);
	free(p->ca_file);
	free(p->ca_label);
	free(p);
}

static void ldapprobe_deliver(void *ud)
{
	struct ldapprobe *p = ud;
	struct ldapprobe_res *res = p->res;

	p->deliver_timer = 0;
	p->res = NULL;
	p->cb(p->ud, &res->pub);
	result_free(&res->pub);
	ldapprobe_free_probe(p);
}

/* Stop all I/O now; the callback runs from the next loop pass, so it is
 * never called from inside ldapprobe_start() or from libldap. */
static void ldapprobe_finish(struct ldapprobe *p, bool ok)
{
	if (p->state == LDAPPROBE_ST_DONE)
		return;
	p->state = LDAPPROBE_ST_DONE;
	p->res->pub.ok = ok;
	if (ok)
		p->res->pub.ldap_code = LDAP_SUCCESS;
	p->res->pub.elapsed_s = loop_now() - p->started;
	ldapprobe_teardown(p);
	p->deliver_timer = loop_timer(p->loop, 0, ldapprobe_deliver, p);
}

static void ldapprobe_fail(struct ldapprobe *p, enum ldapprobe_failure why, int code, char *msg)
{
	free(p->res->error);
	p->res->error = msg;
	p->res->pub.error = msg;
	p->res->pub.ldap_code = code;
	p->res->pub.failure = why;
	ldapprobe_finish(p, false);
}

static void ldapprobe_fail_contact(struct ldapprobe *p, int code, const char *detail)
{
	ldapprobe_fail(p, LDAPPROBE_FAIL_CONTACT, code, xasprintf("cannot contact LDAP server %s (%d)%s%s", p->url, code,
					  detail ? ": " : "", detail ? detail : ""));
}

/* An error reported by libldap itself (not an LDAP result from the server). */
static void ldapprobe_fail_ld(struct ldapprobe *p, int rc, const char *what)
{
	if (rc == LDAP_SERVER_DOWN || rc == LDAP_CONNECT_ERROR || rc == LDAP_TIMEOUT) {
		if (!p->heard) {
			ldapprobe_fail_contact(p, rc, NULL);
			return;
		}
		ldapprobe_fail(p, LDAPPROBE_FAIL_OTHER, rc,
			       xasprintf("lost the connection to LDAP server %s during %s: %s (%d)",
					 p->url, what, ldap_err2string(rc), rc));
		return;
	}
	ldapprobe_fail(p, LDAPPROBE_FAIL_OTHER, rc, xasprintf("%s on %s failed: %s (%d)", what, p->url,
							      ldap_err2string(rc), rc));
}

/* An LDAP result code from the server, with its diagnostic text. */
static void ldapprobe_fail_result(struct ldapprobe *p, enum ldapprobe_failure why, int err,
				  const char *diag, const char *what)
{
	char *d = diag && *diag ? ldapprobe_clean_str(diag) : NULL;

	if (err == LDAP_INVALID_CREDENTIALS) {
		/* Names the DN, never the password. */
		ldapprobe_fail(p, LDAPPROBE_FAIL_CREDENTIALS, err,
			       xasprintf("invalid credentials (49) for %s on %s",
					 p->bind_dn ? p->bind_dn : "anonymous", p->url));
	} else {
		ldapprobe_fail(p, why, err, xasprintf("%s on %s: %s (%d)%s%s", what, p->url,
						 ldap_err2string(err), err, d ? ": " : "", d ? d : ""));
	}
	free(d);
}

static void ldapprobe_on_timeout(void *ud)
{
	struct ldapprobe *p = ud;
	static const char *const phase[] = {
		[LDAPPROBE_ST_CONNECT] = "connect",
		[LDAPPROBE_ST_STARTTLS] = "StartTLS",
		[LDAPPROBE_ST_BIND] = "bind",
		[LDAPPROBE_ST_SEARCH] = "search",
		[LDAPPROBE_ST_DONE] = "end",
	};

	p->timeout_timer = 0;
	if (!p->heard) {
		char detail[64];

		snprintf(detail, sizeof(detail), "no answer within %d s", p->timeout_s);
		ldapprobe_fail_contact(p, LDAP_TIMEOUT, detail);
		return;
	}
	ldapprobe_fail(p, p->state == LDAPPROBE_ST_STARTTLS ? LDAPPROBE_FAIL_TLS : LDAPPROBE_FAIL_OTHER,
		       LDAP_TIMEOUT,
		       xasprintf("LDAP server %s did not answer the %s within %d s (%d)",
				 p->url, phase[p->state], p->timeout_s, LDAP_TIMEOUT));
}

static double ldapprobe_left(const struct ldapprobe *p)
{
	double left = p->started + p->timeout_s - loop_now();

	return left > 0 ? left : 0;
}

static void ldapprobe_set_net_timeout(struct ldapprobe *p, double s)
{
	struct timeval tv;

	if (s > LDAPPROBE_TLS_MAX_S)
		s = LDAPPROBE_TLS_MAX_S;
	if (s < 0.01)
		s = 0.01;
	tv.tv_sec = (time_t)s;
	tv.tv_usec = (suseconds_t)((s - (double)tv.tv_sec) * 1e6);
	ldap_set_option(p->ld, LDAP_OPT_NETWORK_TIMEOUT, &tv);
}

static void ldapprobe_send_search(struct ldapprobe *p)
{
	/* libldap takes char **: writable copies of the attribute names. */
	static char a_csn[] = "contextCSN", a_user[] = "*", a_oper[] = "+";
	static char *csn_attrs[] = { a_csn, NULL };
	static char *monitor_attrs[] = { a_user, a_oper, NULL };
	struct timeval tl = { .tv_sec = p->timeout_s, .tv_usec = 0 };
	int rc;

	if (p->kind == LDAPPROBE_CONTEXTCSN)
		rc = ldap_search_ext(p->ld, "", LDAP_SCOPE_BASE, "(objectClass=*)", csn_attrs, 0,
				     NULL, NULL, &tl, 1, &p->msgid);
	else
		rc = ldap_search_ext(p->ld, "cn=Monitor", LDAP_SCOPE_SUBTREE,
				     "(objectClass=olmSyncReplInstance)", monitor_attrs, 0,
				     NULL, NULL, &tl, LDAPPROBE_CONSUMERS_MAX, &p->msgid);
	if (rc != LDAP_SUCCESS) {
		ldapprobe_fail_ld(p, rc, "search");
		return;
	}
	p->state = LDAPPROBE_ST_SEARCH;
}

static void ldapprobe_send_bind(struct ldapprobe *p)
{
	struct berval cred;
	int rc;

	cred.bv_val = p->password ? p->password : (char *)"";
	cred.bv_len = p->password_len;
	rc = ldap_sasl_bind(p->ld, p->bind_dn ? p->bind_dn : "", LDAP_SASL_SIMPLE, &cred,
			    NULL, NULL, &p->msgid);
	/* libldap has encoded its own copy: ours is not needed any more. */
	ldapprobe_wipe_password(p);
	if (rc != LDAP_SUCCESS) {
		ldapprobe_fail_ld(p, rc, "bind");
		return;
	}
	p->state = LDAPPROBE_ST_BIND;
}

/* After the (optional) TLS layer: authenticate or go straight to the search. */
static void ldapprobe_after_tls(struct ldapprobe *p)
{
	if (p->kind == LDAPPROBE_BIND || p->bind_dn != NULL)
		ldapprobe_send_bind(p);
	else
		ldapprobe_send_search(p);
}

/* The TLS handshake (after StartTLS, or at once for ldaps:// on a given
 * fd), synchronous in libldap: bounded. With verification on, libldap
 * fails it (LDAP_CONNECT_ERROR) when the certificate is not trusted or does
 * not name the URL's host; its diagnostic says which. Returns true on
 * success; on failure the probe has failed (nothing was sent but the
 * handshake). */
static bool ldapprobe_handshake(struct ldapprobe *p)
{
	char *diag = NULL, *d;
	int rc;

	ldapprobe_set_net_timeout(p, ldapprobe_left(p));
	rc = ldap_install_tls(p->ld);
	if (rc == LDAP_SUCCESS)
		return true;
	ldap_get_option(p->ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &diag);
	d = diag && *diag ? ldapprobe_clean_str(diag) : NULL;
	ldap_memfree(diag);
	/* (GnuTLS leaves no useful diagnostic for a refused certificate) */
	if (rc == LDAP_CONNECT_ERROR && !p->tls_skip_verify)
		ldapprobe_fail(p, LDAPPROBE_FAIL_TLS, rc,
			       xasprintf("TLS handshake with %s failed: the server certificate is not "
					 "trusted (CA: %s) or does not name the host of the URL (%d)",
					 p->url, p->ca_label ? p->ca_label : p->ca_file ? p->ca_file
							 : "the system's trust store", rc));
	else
		ldapprobe_fail(p, LDAPPROBE_FAIL_TLS, rc,
			       xasprintf("TLS handshake with %s failed: %s%s%s (%d)", p->url,
					 ldap_err2string(rc), d ? ": " : "", d ? d : "", rc));
	free(d);
	return false;
}

static void ldapprobe_send_starttls(struct ldapprobe *p)
{
	int rc = ldap_start_tls(p->ld, NULL, NULL, &p->msgid);

	if (rc != LDAP_SUCCESS) {
		ldapprobe_fail_ld(p, rc, "StartTLS");
		return;
	}
	p->state = LDAPPROBE_ST_STARTTLS;
}

static void ldapprobe_on_connected(struct ldapprobe *p, short revents)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err == 0 && (revents & (POLLERR | POLLHUP)) && !(revents & POLLOUT))
		err = ECONNREFUSED;
	if (err != 0) {
		/* Checked here so a refused connection never builds a bind
		 * request holding the password. */
		ldapprobe_fail_contact(p, LDAP_SERVER_DOWN, strerror(err));
		return;
	}
	if (loop_watch_fd(p->loop, p->fd, POLLIN, ldapprobe_on_fd, p) < 0) {
		ldapprobe_fail_contact(p, LDAP_LOCAL_ERROR, "cannot watch the socket");
		return;
	}
	if (p->starttls && strncmp(p->url, "ldaps://", 8) != 0)
		ldapprobe_send_starttls(p);
	else
		ldapprobe_after_tls(p);
}

static void ldapprobe_str_attr(LDAP *ld, LDAPMessage *e, const char *attr, char **out)
{
	struct berval **v = ldap_get_values_len(ld, e, attr);

	free(*out);
	if (v != NULL && v[0] != NULL)
		*out = ldapprobe_clean(v[0]->bv_val, v[0]->bv_len);
	else
		*out = xstrdup("");
	ldap_value_free_len(v);
}

static void ldapprobe_take_entry(struct ldapprobe *p, LDAPMessage *e)
{
	struct ldapprobe_result *r = &p->res->pub;

	if (p->kind == LDAPPROBE_CONTEXTCSN) {
		struct berval **v = ldap_get_values_len(p->ld, e, "contextCSN");
		size_t n = v ? (size_t)ldap_count_values_len(v) : 0;

		r->csns = xrealloc(r->csns, (r->n_csns + n + 1) * sizeof(*r->csns));
		for (size_t i = 0; i < n; i++)
			r->csns[r->n_csns++] = xstrndup(v[i]->bv_val, v[i]->bv_len);
		r->csns[r->n_csns] = NULL;
		ldap_value_free_len(v);
	} else {
		struct ldapprobe_consumer *c;

		r->consumers = xrealloc(r->consumers, (r->n_consumers + 1) * sizeof(*r->consumers));
		c = &r->consumers[r->n_consumers++];
		memset(c, 0, sizeof(*c));
		ldapprobe_str_attr(p->ld, e, "olmSRProviderURIList", &c->provider);
		ldapprobe_str_attr(p->ld, e, "olmSRConnection", &c->connection);
		ldapprobe_str_attr(p->ld, e, "olmSRSyncPhase", &c->phase);
		ldapprobe_str_attr(p->ld, e, "olmSRNextConnect", &c->next_connect);
		ldapprobe_str_attr(p->ld, e, "olmSRLastContact", &c->last_contact);
		c->connected = c->connection[0] != '\0' &&
			       strcmp(c->next_connect, LDAPPROBE_SYNC_CONNECTED) == 0;
	}
}

static void ldapprobe_on_starttls_result(struct ldapprobe *p, LDAPMessage *msg)
{
	int err = 0, rc;
	char *diag = NULL;

	rc = ldap_parse_result(p->ld, msg, &err, NULL, &diag, NULL, NULL, 0);
	if (rc != LDAP_SUCCESS) {
		ldapprobe_fail_ld(p, rc, "StartTLS");
		goto out;
	}
	if (err != LDAP_SUCCESS) {
		ldapprobe_fail_result(p, LDAPPROBE_FAIL_TLS, err, diag, "StartTLS refused");
		goto out;
	}
	if (ldapprobe_handshake(p))
		ldapprobe_after_tls(p);
out:
	ldap_memfree(diag);
}

static void ldapprobe_on_final_result(struct ldapprobe *p, LDAPMessage *msg)
{
	int err = 0, rc;
	char *diag = NULL;

	rc = ldap_parse_result(p->ld, msg, &err, NULL, &diag, NULL, NULL, 0);
	if (rc != LDAP_SUCCESS) {
		ldapprobe_fail_ld(p, rc, p->state == LDAPPROBE_ST_BIND ? "bind" : "search");
		goto out;
	}
	if (p->state == LDAPPROBE_ST_BIND) {
		if (err != LDAP_SUCCESS)
			ldapprobe_fail_result(p, LDAPPROBE_FAIL_OTHER, err, diag, "bind");
		else if (p->kind == LDAPPROBE_BIND)
			ldapprobe_finish(p, true); /* teardown unbinds */
		else
			ldapprobe_send_search(p);
		goto out;
	}
	if (err == LDAP_NO_SUCH_OBJECT && p->kind == LDAPPROBE_CONSUMER)
		ldapprobe_fail(p, LDAPPROBE_FAIL_OTHER, err, xasprintf("cn=Monitor is not readable on %s (%d)%s", p->url, err,
						 p->bind_dn ? "" : ": bind as a DN allowed to read it"));
	else if (err != LDAP_SUCCESS)
		ldapprobe_fail_result(p, LDAPPROBE_FAIL_OTHER, err, diag,
				      p->kind == LDAPPROBE_CONTEXTCSN ? "contextCSN search" :
								      "cn=Monitor search");
	else
		ldapprobe_finish(p, true);
out:
	ldap_memfree(diag);
}

static void ldapprobe_on_message(struct ldapprobe *p, LDAPMessage *msg)
{
	switch (ldap_msgtype(msg)) {
	case LDAP_RES_SEARCH_ENTRY:
		if (p->state == LDAPPROBE_ST_SEARCH)
			ldapprobe_take_entry(p, msg);
		break;
	case LDAP_RES_SEARCH_REFERENCE:
		break; /* referrals are not followed */
	case LDAP_RES_EXTENDED:
		if (p->state == LDAPPROBE_ST_STARTTLS)
			ldapprobe_on_starttls_result(p, msg);
		break;
	case LDAP_RES_BIND:
	case LDAP_RES_SEARCH_RESULT:
		ldapprobe_on_final_result(p, msg);
		break;
	default:
		break;
	}
}

/* Take every message already available, never waiting. */
static void ldapprobe_drain(struct ldapprobe *p)
{
	while (p->state != LDAPPROBE_ST_DONE) {
		struct timeval zero = { 0, 0 };
		LDAPMessage *msg = NULL;
		int rc = ldap_result(p->ld, p->msgid, LDAP_MSG_ONE, &zero, &msg);

		if (rc == 0)
			return;
		if (rc < 0) {
			int err = LDAP_OTHER;

			ldap_get_option(p->ld, LDAP_OPT_RESULT_CODE, &err);
			ldap_msgfree(msg);
			ldapprobe_fail_ld(p, err, p->state == LDAPPROBE_ST_STARTTLS ? "StartTLS" :
						  p->state == LDAPPROBE_ST_BIND ? "bind" : "search");
			return;
		}
		p->heard = true;
		ldapprobe_on_message(p, msg);
		ldap_msgfree(msg);
	}
}

static void ldapprobe_on_fd(void *ud, int fd, short revents)
{
	struct ldapprobe *p = ud;

	(void)fd;
	if (p->state == LDAPPROBE_ST_CONNECT)
		ldapprobe_on_connected(p, revents);
	else
		ldapprobe_drain(p);
}

static void ldapprobe_begin(struct ldapprobe *p)
{
	int v3 = LDAP_VERSION3, rc, fd = -1;
	struct timeval net;

	if (p->given_fd >= 0)
		rc = ldap_init_fd(p->given_fd, LDAP_PROTO_TCP, p->url, &p->ld);
	else
		rc = ldap_initialize(&p->ld, p->url);
	if (rc != LDAP_SUCCESS || p->ld == NULL) {
		char *u = ldapprobe_clean_str(p->url);

		p->ld = NULL;
		ldapprobe_fail(p, LDAPPROBE_FAIL_OTHER, rc != LDAP_SUCCESS ? rc : LDAP_PARAM_ERROR,
			       xasprintf("invalid LDAP URL \"%s\" (%d)", u, rc));
		free(u);
		return;
	}
	ldap_set_option(p->ld, LDAP_OPT_PROTOCOL_VERSION, &v3);
	ldap_set_option(p->ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF); /* chasing would block */
	ldap_set_option(p->ld, LDAP_OPT_RESTART, LDAP_OPT_OFF);
	ldap_set_option(p->ld, LDAP_OPT_CONNECT_ASYNC, LDAP_OPT_ON);
	/* libldap needs a network timeout for async connects; it also bounds
	 * the synchronous TLS handshake of ldaps://. Our timer bounds the rest. */
	net.tv_sec = p->timeout_s < LDAPPROBE_TLS_MAX_S ? p->timeout_s : (time_t)LDAPPROBE_TLS_MAX_S;
	net.tv_usec = 0;
	ldap_set_option(p->ld, LDAP_OPT_NETWORK_TIMEOUT, &net);
	if (p->starttls || strncmp(p->url, "ldaps://", 8) == 0) {
		/* Our own TLS context for this handle: the checks below, and
		 * nothing from ldap.conf or another probe. */
		int require = p->tls_skip_verify ? LDAP_OPT_X_TLS_NEVER : LDAP_OPT_X_TLS_DEMAND;
		int zero = 0;

		ldap_set_option(p->ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &require);
		if (p->ca_file != NULL)
			ldap_set_option(p->ld, LDAP_OPT_X_TLS_CACERTFILE, p->ca_file);
		rc = ldap_set_option(p->ld, LDAP_OPT_X_TLS_NEWCTX, &zero);
		if (rc != LDAP_OPT_SUCCESS) {
			ldapprobe_fail(p, LDAPPROBE_FAIL_TLS, LDAP_LOCAL_ERROR,
				       xasprintf("cannot set up TLS for %s with CA %s (%d)", p->url,
						 p->ca_label ? p->ca_label : p->ca_file ? p->ca_file
							     : "the system's trust store",
						 LDAP_LOCAL_ERROR));
			return;
		}
	}
	if (p->given_fd >= 0) {
		/* Already connected: libldap owns the fd now (unbind closes it). */
		fd = p->given_fd;
		p->given_fd = -1;
		p->fd = fd;
		if (loop_watch_fd(p->loop, fd, POLLIN, ldapprobe_on_fd, p) < 0) {
			p->fd = -1;
			ldapprobe_fail_contact(p, LDAP_LOCAL_ERROR, "cannot watch the socket");
			return;
		}
		p->state = LDAPPROBE_ST_BIND; /* not CONNECT: on_fd must drain */
		if (strncmp(p->url, "ldaps://", 8) == 0) {
			/* libldap connects ldaps:// itself; on a given fd the
			 * TLS layer is ours to start. */
			if (ldapprobe_handshake(p))
				ldapprobe_after_tls(p);
		} else if (p->starttls) {
			ldapprobe_send_starttls(p);
		} else {
			ldapprobe_after_tls(p);
		}
		return;
	}
	rc = ldap_connect(p->ld);
	if (rc != LDAP_SUCCESS) {
		ldapprobe_fail_contact(p, rc, NULL);
		return;
	}
	if (ldap_get_option(p->ld, LDAP_OPT_DESC, &fd) != LDAP_OPT_SUCCESS || fd < 0) {
		ldapprobe_fail_contact(p, LDAP_SERVER_DOWN, "no socket");
		return;
	}
	p->fd = fd;
	if (loop_watch_fd(p->loop, fd, POLLOUT, ldapprobe_on_fd, p) < 0) {
		p->fd = -1;
		ldapprobe_fail_contact(p, LDAP_LOCAL_ERROR, "cannot watch the socket");
		return;
	}
	p->state = LDAPPROBE_ST_CONNECT;
}

struct ldapprobe *ldapprobe_start(struct loop *loop, const struct ldapprobe_request *req,
				  ldapprobe_done_cb cb, void *ud)
{
	struct ldapprobe *p;

	if (loop == NULL || req == NULL || req->url == NULL || cb == NULL ||
	    (req->kind != LDAPPROBE_BIND && req->kind != LDAPPROBE_CONTEXTCSN &&
	     req->kind != LDAPPROBE_CONSUMER) ||
	    (req->use_fd && req->fd < 0)) {
		if (req != NULL && req->use_fd && req->fd >= 0)
			close(req->fd); /* ours from the call on */
		return NULL;
	}
	ldapprobe_global_init();

	p = xcalloc(1, sizeof(*p));
	p->loop = loop;
	p->kind = req->kind;
	p->url = xstrdup(req->url);
	p->bind_dn = req->bind_dn ? xstrdup(req->bind_dn) : NULL;
	if (req->password != NULL) {
		p->password_len = strlen(req->password);
		p->password = xstrndup(req->password, p->password_len);
	}
	p->timeout_s = req->timeout_s > 0 ? req->timeout_s : LDAPPROBE_DEFAULT_TIMEOUT_S;
	p->starttls = req->starttls;
	p->ca_file = req->ca_file ? xstrdup(req->ca_file) : NULL;
	p->ca_label = req->ca_label ? ldapprobe_clean_str(req->ca_label) : NULL;
	p->tls_skip_verify = req->tls_skip_verify;
	p->cb = cb;
	p->ud = ud;
	p->fd = -1;
	p->given_fd = req->use_fd ? req->fd : -1;
	p->started = loop_now();
	p->res = xcalloc(1, sizeof(*p->res));
	p->state = LDAPPROBE_ST_CONNECT;
	p->timeout_timer = loop_timer(loop, p->timeout_s * 1000, ldapprobe_on_timeout, p);

	if (p->kind == LDAPPROBE_BIND && p->bind_dn != NULL && p->bind_dn[0] != '\0' &&
	    p->password_len == 0) {
		/* A DN with an empty password is an "unauthenticated bind" that
		 * some servers accept: it would prove nothing. */
		ldapprobe_fail(p, LDAPPROBE_FAIL_OTHER, LDAP_PARAM_ERROR,
			       xasprintf("no password given for %s (%d)", p->bind_dn, LDAP_PARAM_ERROR));
		return p;
	}
	ldapprobe_begin(p);
	return p;
}

void ldapprobe_cancel(struct ldapprobe *p)
{
	if (p == NULL)
		return;
	ldapprobe_teardown(p);
	if (p->deliver_timer)
		loop_timer_cancel(p->loop, p->deliver_timer);
	if (p->res != NULL)
		result_free(&p->res->pub);
	ldapprobe_free_probe(p);
}
