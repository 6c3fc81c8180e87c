/* A private, real slapd for tests: Carbonio-like cn=config (back_mdb with the
 * empty suffix "", syncprov, cn=Monitor), built with slapadd -n0 in a temp
 * directory, started detached, stopped by PID, removed afterwards.
 *
 * Provider: olcRootDN cn=config (password = the given one, on {0}config),
 * entries cn=zimbra, cn=admins,cn=zimbra, uid=zimbra,cn=admins,cn=zimbra
 * (userPassword = the given one), syncprov on {2}mdb, StartTLS with a
 * self-signed certificate made by openssl.
 * Layout as Carbonio: {0}config, {1}monitor, {2}mdb (the monitor database
 * must come before the empty-suffix one, or slapd says it is "hidden").
 * Consumer: a refreshAndPersist syncrepl consumer (rid=100, retry "1 +") of a
 * provider, binding as uid=zimbra, with syncprov so its root DSE carries
 * contextCSN, and no TLS. On both, cn=Monitor is readable by uid=zimbra and cn=config.
 * Use addresses in 127.80.0.0/16. Passwords are handed to slappasswd in a
 * 0600 file, never on a command line. */
#ifndef RW_SLAPD_FIXTURE_H
#define RW_SLAPD_FIXTURE_H

#include <stdbool.h>
#include <sys/types.h>

struct slapd_fixture;

#define SLAPD_FIXTURE_ZIMBRA_DN "uid=zimbra,cn=admins,cn=zimbra"

struct slapd_fixture *slapd_fixture_provider(const char *ip, const char *password);
struct slapd_fixture *slapd_fixture_consumer(const char *ip, const struct slapd_fixture *provider,
					     const char *password);

const char *slapd_fixture_url(const struct slapd_fixture *f);   /* ldap://ip:port */
const char *slapd_fixture_ldapi(const struct slapd_fixture *f); /* ldapi://%2F... */
/* The provider's self-signed certificate (CN = its address), which is also
 * the CA that trusts it. Allocated path. */
char *slapd_fixture_cert(const struct slapd_fixture *f);
pid_t slapd_fixture_pid(const struct slapd_fixture *f);          /* 0 when stopped */

/* SIGSTOP (pause = true) or SIGCONT the slapd. */
int slapd_fixture_pause(struct slapd_fixture *f, bool pause);
/* SIGTERM, wait (SIGKILL after 10 s); the directory stays. */
int slapd_fixture_stop(struct slapd_fixture *f);
/* Stop if running and remove the temp directory. */
void slapd_fixture_free(struct slapd_fixture *f);

/* One write as cn=config (description of cn=zimbra) over the ldap:// URL,
 * so contextCSN moves. Returns 0 or the LDAP error code. */
int slapd_fixture_touch(const struct slapd_fixture *f, const char *password);

#endif
