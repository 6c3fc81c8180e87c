/* OpenSSH known_hosts, read and written by the wizard itself.
 *
 * libssh's own check obeys ssh_config's StrictHostKeyChecking (answers OK for
 * a changed or unknown key when it says "no") and skips @revoked and
 * @cert-authority lines. The wizard's host-key policy must not depend on the
 * admin's ssh_config, so the transport decides with this module instead:
 * plain, hashed (|1|salt|hmac) and [host]:port entries, @revoked refused
 * always, @cert-authority reported as unsupported. */
#ifndef RW_KNOWN_HOSTS_H
#define RW_KNOWN_HOSTS_H

#include <stdbool.h>
#include <stddef.h>

#include <libssh/libssh.h>

enum known_host_verdict {
	KNOWN_HOST_OK,           /* a line for this host holds this very key */
	KNOWN_HOST_UNKNOWN,      /* no line names this host */
	KNOWN_HOST_CHANGED,      /* a line for this host holds another key of this type */
	KNOWN_HOST_OTHER_TYPE,   /* lines for this host hold keys of other types only */
	KNOWN_HOST_REVOKED,      /* an @revoked line holds this key */
	KNOWN_HOST_CA_ONLY,      /* only @cert-authority lines name this host */
	KNOWN_HOST_ERROR,        /* a file exists but cannot be read */
};

struct known_host_match {
	enum known_host_verdict verdict;
	char file[512];               /* the file and line that decided (not for OK/UNKNOWN) */
	unsigned line;
	char known_type[32];          /* CHANGED/OTHER_TYPE: the key the line holds */
	char known_fingerprint[96];
	char error[256];              /* ERROR: why */
};

/* "host" for port 22, "[host]:port" otherwise, as OpenSSH writes it. */
void known_hosts_name(const char *host, int port, char *out, size_t outlen);

/* SHA256 fingerprint as OpenSSH prints it ("SHA256:..."); "" on failure. */
void known_hosts_fingerprint(const ssh_key key, char *out, size_t outlen);

/* Look the host's key up in files[0..n) (a missing file is empty). */
void known_hosts_check(const char *const *files, size_t n, const char *host, int port,
		       const ssh_key key, struct known_host_match *out);

/* Append the key for host:port to file in OpenSSH's format, hashed if asked:
 * the whole file is rewritten to a temporary beside it, fsynced and renamed
 * over it (its mode kept; 0600 when new). The parent directory is created
 * 0700 if missing. false and err on failure (the file is then unchanged). */
bool known_hosts_add(const char *file, const char *host, int port, const ssh_key key,
		     bool hashed, char *err, size_t errlen);

#endif
