/* A real private OpenSSH server for the transport tests: temp dir, temp host
 * key, temp client keys, a loopback address in 127.79.0.0/16 chosen from the
 * test's PID, and a free port. */
#ifndef RW_SSHD_FIXTURE_H
#define RW_SSHD_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* The passphrase of client_key_enc (test data, not a secret). */
#define SSHD_FIXTURE_PASSPHRASE "fixture passphrase 42"

struct sshd_fixture {
	char dir[128];
	char addr[32];
	int port;
	pid_t pid;                 /* the listening sshd */
	char config[192];
	char log[192];
	char hostkey[192];
	char hostkey_pub[192];
	char client_key[192];      /* ed25519, no passphrase, in authorized_keys */
	char client_key_enc[192];  /* ed25519 with SSHD_FIXTURE_PASSPHRASE, authorized */
	char known_hosts[192];     /* a path in dir; not created */
	char authorized_keys[192];
};

/* Create everything and start sshd; 0 on success, -1 (with a message on
 * stderr) on failure. */
int sshd_fixture_start(struct sshd_fixture *f);
/* Kill sshd and every per-connection child by PID, remove the temp dir. */
void sshd_fixture_stop(struct sshd_fixture *f);
/* Send sig to the listener and all its descendants (SIGSTOP, SIGCONT,
 * SIGKILL). Returns how many processes got it. */
int sshd_fixture_signal(struct sshd_fixture *f, int sig);
/* Kill sshd (and its sessions) and start it again on the same port, with a
 * freshly generated host key when new_hostkey. */
int sshd_fixture_restart(struct sshd_fixture *f, bool new_hostkey);
/* "SHA256:..." of the host key as `ssh-keygen -lf hostkey.pub` prints it. */
int sshd_fixture_fingerprint(const struct sshd_fixture *f, char *out, size_t outlen);
/* Number of client connections: direct children of the listener. */
int sshd_fixture_connections(const struct sshd_fixture *f);
/* Count of lines in the sshd log containing needle. */
int sshd_fixture_log_count(const struct sshd_fixture *f, const char *needle);

#endif
