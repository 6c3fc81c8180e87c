/* LDAP probes made with libldap, driven without blocking by the event loop:
 * password verification by simple bind (before the replica is touched), and
 * the dashboard's own checks (contextCSN of the root DSE, the syncrepl
 * consumer state in cn=Monitor). Nothing here prints; secrets are wiped. */
#ifndef RW_LDAPPROBE_H
#define RW_LDAPPROBE_H

#include <stdbool.h>
#include <stddef.h>

struct loop;
struct ldapprobe;

enum ldapprobe_kind {
	LDAPPROBE_BIND,        /* simple bind as dn/password, then unbind */
	LDAPPROBE_CONTEXTCSN,  /* anonymous (or dn/password) read of contextCSN at base "" */
	LDAPPROBE_CONSUMER,    /* olmSyncReplInstance entries under cn=Monitor */
};

struct ldapprobe_consumer {
	char *provider;        /* olmSRProviderURIList */
	char *connection;      /* olmSRConnection ("" when down) */
	char *phase;           /* olmSRSyncPhase */
	char *next_connect;    /* olmSRNextConnect ("00000101000000Z" when connected) */
	char *last_contact;    /* olmSRLastContact */
	bool connected;        /* connection non-empty and next_connect is the 0101 value */
};

/* Why a probe failed, for decisions (the text in `error` is for people). */
enum ldapprobe_failure {
	LDAPPROBE_FAIL_NONE,        /* ok */
	LDAPPROBE_FAIL_CONTACT,     /* never reached the server: refused, no
	                               answer, the forward could not open */
	LDAPPROBE_FAIL_TLS,         /* StartTLS refused, or the TLS handshake
	                               failed (certificate not trusted, not
	                               naming the host, no TLS on the port) */
	LDAPPROBE_FAIL_CREDENTIALS, /* invalid credentials (49) */
	LDAPPROBE_FAIL_OTHER,       /* any other error from the server or libldap */
	LDAPPROBE_FAIL_NO_ROUTE,    /* not tried: the node's SSH session that
	                               carries it is not up (ldap_route.h) */
};

struct ldapprobe_result {
	bool ok;
	enum ldapprobe_failure failure;
	int ldap_code;              /* LDAP result code, or a negative libldap error */
	const char *error;          /* human text when !ok: "invalid credentials (49)",
	                               "cannot contact LDAP server ldap://h:389 (-1)", ... */
	char **csns;                /* CONTEXTCSN: values, NULL-terminated */
	size_t n_csns;
	struct ldapprobe_consumer *consumers; /* CONSUMER */
	size_t n_consumers;
	double elapsed_s;
};

struct ldapprobe_request {
	enum ldapprobe_kind kind;
	const char *url;            /* ldap://host:port */
	const char *bind_dn;        /* NULL: anonymous */
	const char *password;       /* copied and wiped */
	int timeout_s;              /* whole probe bound; 0: 10 s */
	bool starttls;              /* StartTLS first (not with ldaps://) */
	/* TLS (StartTLS or ldaps://) checks the server certificate
	 * (LDAP_OPT_X_TLS_DEMAND): signed by a CA of ca_file (NULL: the
	 * system's trust store) and naming the URL's host. Only
	 * tls_skip_verify (an option that says so) turns the checks off. */
	const char *ca_file;
	const char *ca_label;       /* ca_file in messages (NULL: its path) */
	bool tls_skip_verify;
	/* use_fd: talk LDAP over fd, already connected (a forward through the
	 * node's SSH session, conn_forward_take_fd), instead of connecting to
	 * url's host; url still names the server in messages (and for TLS).
	 * The probe owns fd from the call on, even when it returns NULL, and
	 * closes it when done. (A flag, so zeroed requests keep connecting.)
	 * A forward is pumped by the loop of its conn: start the probe on
	 * that loop. */
	bool use_fd;
	int fd;
};

typedef void (*ldapprobe_done_cb)(void *ud, const struct ldapprobe_result *r);

/* Start a probe; cb runs from loop_poll() once (never from inside this
 * call), then the probe frees itself and the result. Returns NULL only on
 * bad arguments. */
struct ldapprobe *ldapprobe_start(struct loop *loop, const struct ldapprobe_request *req,
				  ldapprobe_done_cb cb, void *ud);
void ldapprobe_cancel(struct ldapprobe *p); /* cb is not called */


#endif
