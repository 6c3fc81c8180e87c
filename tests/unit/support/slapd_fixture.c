/* A private, real slapd for tests (see slapd_fixture.h). */
#include "slapd_fixture.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <ldap.h>

#include "xalloc.h"

#define SLAPD_BIN "/usr/sbin/slapd"
#define SLAPADD_BIN "/usr/sbin/slapadd"
#define SLAPPASSWD_BIN "/usr/sbin/slappasswd"
#define OPENSSL_BIN "/usr/bin/openssl"
#define SCHEMA_DIR "/etc/ldap/schema"
#define FIXTURE_MAX 8

struct slapd_fixture {
	char *dir;
	char *ip;
	int port;
	char *url;
	char *ldapi;
	pid_t pid;
	bool paused;
};

/* Fixtures still alive at exit (a failed test skipped its teardown). */
static struct slapd_fixture *fixture_live[FIXTURE_MAX];

static void fixture_log(const char *what, const char *detail)
{
	fprintf(stderr, "slapd_fixture: %s %s\n", what, detail);
}

static double fixture_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void fixture_sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static void fixture_atexit(void)
{
	for (int i = 0; i < FIXTURE_MAX; i++)
		if (fixture_live[i] != NULL)
			slapd_fixture_free(fixture_live[i]);
}

static void fixture_register(struct slapd_fixture *f, bool add)
{
	static bool hooked;

	if (!hooked) {
		atexit(fixture_atexit);
		hooked = true;
	}
	for (int i = 0; i < FIXTURE_MAX; i++) {
		if (add && fixture_live[i] == NULL) {
			fixture_live[i] = f;
			return;
		}
		if (!add && fixture_live[i] == f) {
			fixture_live[i] = NULL;
			return;
		}
	}
}

/* The child side of every spawn: quiet stdio, no inherited fds. */
static void fixture_child_stdio(int out_fd)
{
	int devnull = open("/dev/null", O_RDWR);
	long max = sysconf(_SC_OPEN_MAX);

	if (devnull >= 0)
		dup2(devnull, 0);
	dup2(out_fd >= 0 ? out_fd : devnull, 1);
	dup2(out_fd >= 0 ? out_fd : devnull, 2);
	if (max < 0 || max > 4096)
		max = 4096;
	for (int fd = 3; fd < max; fd++)
		close(fd);
}

/* Run argv to completion, output appended to log; returns the exit status. */
static int fixture_run(char *const argv[], const char *log)
{
	int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	pid_t pid;
	int st;

	if (fd < 0)
		return -1;
	pid = fork();
	if (pid < 0) {
		close(fd);
		return -1;
	}
	if (pid == 0) {
		fixture_child_stdio(fd);
		execv(argv[0], argv);
		_exit(127);
	}
	close(fd);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* {SSHA} hash of password, which goes through a 0600 file, not argv. */
static char *fixture_hash(const char *dir, const char *password)
{
	char *pwfile = xasprintf("%s/pw", dir);
	char *hash = NULL;
	char buf[256];
	int fd, pfd[2] = { -1, -1 }, st;
	size_t n = 0;
	pid_t pid;

	fd = open(pwfile, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		goto out;
	if (write(fd, password, strlen(password)) != (ssize_t)strlen(password)) {
		close(fd);
		goto out;
	}
	close(fd);
	if (pipe(pfd) < 0)
		goto out;
	pid = fork();
	if (pid < 0)
		goto out;
	if (pid == 0) {
		char *argv[] = { (char *)SLAPPASSWD_BIN, (char *)"-h", (char *)"{SSHA}",
				 (char *)"-T", pwfile, NULL };

		close(pfd[0]);
		fixture_child_stdio(pfd[1]);
		execv(argv[0], argv);
		_exit(127);
	}
	close(pfd[1]);
	pfd[1] = -1;
	for (;;) {
		ssize_t r = read(pfd[0], buf + n, sizeof(buf) - 1 - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
		if (n == sizeof(buf) - 1)
			break;
	}
	buf[n] = '\0';
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0 || strncmp(buf, "{SSHA}", 6) != 0)
		goto out;
	buf[strcspn(buf, "\r\n")] = '\0';
	hash = xstrdup(buf);
out:
	if (pfd[0] >= 0)
		close(pfd[0]);
	if (pfd[1] >= 0)
		close(pfd[1]);
	unlink(pwfile);
	free(pwfile);
	return hash;
}

static int fixture_copy_file(FILE *out, const char *path)
{
	FILE *in = fopen(path, "r");
	char buf[4096];
	size_t n;

	if (in == NULL)
		return -1;
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		fwrite(buf, 1, n, out);
	fclose(in);
	fputs("\n", out);
	return 0;
}

/* cn=config for slapadd -n0. provider_url != NULL makes a consumer of it. */
static int fixture_write_config(const struct slapd_fixture *f, const char *path, const char *hash,
				const char *provider_url, const char *password)
{
	FILE *out = fopen(path, "w");
	int rc = 0;

	if (out == NULL)
		return -1;
	fchmod(fileno(out), 0600);
	fprintf(out,
		"dn: cn=config\n"
		"objectClass: olcGlobal\n"
		"cn: config\n"
		"olcPidFile: %s/run/slapd.pid\n"
		"olcLogLevel: none\n",
		f->dir);
	if (provider_url == NULL)
		fprintf(out,
			"olcTLSCertificateFile: %s/tls.crt\n"
			"olcTLSCertificateKeyFile: %s/tls.key\n",
			f->dir, f->dir);
	fprintf(out,
		"\n"
		"dn: cn=module{0},cn=config\n"
		"objectClass: olcModuleList\n"
		"cn: module{0}\n"
		"olcModulePath: /usr/lib/ldap\n"
		"olcModuleLoad: {0}back_mdb\n"
		"olcModuleLoad: {1}syncprov\n"
		"\n"
		"dn: cn=schema,cn=config\n"
		"objectClass: olcSchemaConfig\n"
		"cn: schema\n"
		"\n");
	if (fixture_copy_file(out, SCHEMA_DIR "/core.ldif") < 0 ||
	    fixture_copy_file(out, SCHEMA_DIR "/cosine.ldif") < 0)
		rc = -1;
	fprintf(out,
		"dn: olcDatabase={-1}frontend,cn=config\n"
		"objectClass: olcDatabaseConfig\n"
		"objectClass: olcFrontendConfig\n"
		"olcDatabase: {-1}frontend\n"
		"olcAccess: {0}to dn.base=\"\" by * read\n"
		"olcAccess: {1}to dn.base=\"cn=Subschema\" by * read\n"
		"\n"
		"dn: olcDatabase={0}config,cn=config\n"
		"objectClass: olcDatabaseConfig\n"
		"olcDatabase: {0}config\n"
		"olcRootDN: cn=config\n"
		"olcRootPW: %s\n"
		"olcAccess: {0}to * by dn.exact=gidNumber=0+uidNumber=0,cn=peercred,cn=external,cn=auth manage by * break\n"
		"\n"
		"dn: olcDatabase={1}monitor,cn=config\n"
		"objectClass: olcDatabaseConfig\n"
		"olcDatabase: {1}monitor\n"
		"olcAccess: {0}to * by dn.exact=\"" SLAPD_FIXTURE_ZIMBRA_DN "\" read by dn.exact=\"cn=config\" read by * none\n"
		"\n"
		"dn: olcDatabase={2}mdb,cn=config\n"
		"objectClass: olcDatabaseConfig\n"
		"objectClass: olcMdbConfig\n"
		"olcDatabase: {2}mdb\n"
		"olcSuffix:\n"
		"olcDbDirectory: %s/db\n"
		"olcDbMaxSize: 16777216\n"
		"olcRootDN: cn=config\n"
		"olcLimits: {0}dn.exact=\"" SLAPD_FIXTURE_ZIMBRA_DN "\" size=unlimited time=unlimited\n"
		"olcAccess: {0}to attrs=userPassword by dn.exact=\"" SLAPD_FIXTURE_ZIMBRA_DN "\" read by anonymous auth by * none\n"
		"olcAccess: {1}to * by * read\n",
		hash, f->dir);
	if (provider_url != NULL)
		fprintf(out,
			"olcSyncrepl: {0}rid=100 provider=%s bindmethod=simple timeout=0\n"
			"  network-timeout=0 binddn=\"" SLAPD_FIXTURE_ZIMBRA_DN "\" credentials=\"%s\"\n"
			"  filter=\"(objectclass=*)\" searchbase=\"\" scope=sub schemachecking=off\n"
			"  type=refreshAndPersist retry=\"1 +\"\n"
			"olcUpdateRef: %s\n",
			provider_url, password, provider_url);
	fprintf(out,
		"\n"
		"dn: olcOverlay={0}syncprov,olcDatabase={2}mdb,cn=config\n"
		"objectClass: olcOverlayConfig\n"
		"objectClass: olcSyncProvConfig\n"
		"olcOverlay: {0}syncprov\n"
		"olcSpCheckpoint: 20 10\n"
		"\n");
	if (fclose(out) != 0)
		rc = -1;
	return rc;
}

static int fixture_write_base(const char *path, const char *hash)
{
	FILE *out = fopen(path, "w");

	if (out == NULL)
		return -1;
	fprintf(out,
		"dn: cn=zimbra\n"
		"objectClass: organizationalRole\n"
		"cn: zimbra\n"
		"\n"
		"dn: cn=admins,cn=zimbra\n"
		"objectClass: organizationalRole\n"
		"cn: admins\n"
		"\n"
		"dn: " SLAPD_FIXTURE_ZIMBRA_DN "\n"
		"objectClass: account\n"
		"objectClass: simpleSecurityObject\n"
		"uid: zimbra\n"
		"userPassword: %s\n"
		"\n",
		hash);
	return fclose(out) == 0 ? 0 : -1;
}

static int fixture_free_port(const char *ip)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), port = -1;

	if (fd < 0)
		return -1;
	inet_pton(AF_INET, ip, &sa.sin_addr);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
		port = ntohs(sa.sin_port);
	close(fd);
	return port;
}

static bool fixture_port_open(const char *ip, int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool ok;

	if (fd < 0)
		return false;
	inet_pton(AF_INET, ip, &sa.sin_addr);
	ok = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	return ok;
}

/* Start slapd in the foreground (-d 0) of a detached child, wait until it
 * listens. A lost race for the port is retried with another port. */
static int fixture_spawn(struct slapd_fixture *f)
{
	char *log = xasprintf("%s/slapd.log", f->dir);
	char *slapdd = xasprintf("%s/slapd.d", f->dir);
	int rc = -1;

	for (int attempt = 0; attempt < 3 && rc < 0; attempt++) {
		char *urls;
		double end;
		int fd;

		f->port = fixture_free_port(f->ip);
		if (f->port < 0)
			break;
		free(f->url);
		f->url = xasprintf("ldap://%s:%d", f->ip, f->port);
		urls = xasprintf("%s/ %s/", f->url, f->ldapi);
		fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		f->pid = fork();
		if (f->pid == 0) {
			char *argv[] = { (char *)SLAPD_BIN, (char *)"-d", (char *)"0", (char *)"-h", urls,
					 (char *)"-F", slapdd, NULL };

			/* Never outlive the test process. */
			prctl(PR_SET_PDEATHSIG, SIGTERM);
			setsid();
			fixture_child_stdio(fd);
			execv(argv[0], argv);
			_exit(127);
		}
		if (fd >= 0)
			close(fd);
		free(urls);
		if (f->pid < 0) {
			f->pid = 0;
			break;
		}
		end = fixture_now() + 10;
		while (fixture_now() < end) {
			int st;

			if (waitpid(f->pid, &st, WNOHANG) == f->pid) {
				f->pid = 0;
				break;
			}
			if (fixture_port_open(f->ip, f->port)) {
				rc = 0;
				break;
			}
			fixture_sleep_ms(20);
		}
		if (rc < 0 && f->pid > 0)
			slapd_fixture_stop(f);
	}
	if (rc < 0)
		fixture_log("slapd did not start, see", log);
	free(log);
	free(slapdd);
	return rc;
}

static int fixture_rm(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

static struct slapd_fixture *fixture_new(const char *ip, const char *password,
					 const struct slapd_fixture *provider)
{
	struct slapd_fixture *f = xcalloc(1, sizeof(*f));
	char tmpl[] = "/tmp/rw-slapd-XXXXXX";
	char *hash = NULL, *cfg = NULL, *base = NULL, *log = NULL, *sub = NULL, *enc;
	bool ok = false;

	f->ip = xstrdup(ip);
	if (mkdtemp(tmpl) == NULL) {
		fixture_log("mkdtemp:", strerror(errno));
		free(f->ip);
		free(f);
		return NULL;
	}
	f->dir = xstrdup(tmpl);
	fixture_register(f, true);
	/* mkdtemp names hold no characters that need escaping but '/'. */
	enc = xasprintf("%s/run/ldapi", f->dir);
	f->ldapi = xstrdup("ldapi://");
	for (const char *c = enc; *c; c++) {
		char *n = *c == '/' ? xasprintf("%s%%2F", f->ldapi) : xasprintf("%s%c", f->ldapi, *c);

		free(f->ldapi);
		f->ldapi = n;
	}
	free(enc);

	log = xasprintf("%s/setup.log", f->dir);
	for (int i = 0; i < 3; i++) {
		static const char *const subs[] = { "slapd.d", "db", "run" };

		free(sub);
		sub = xasprintf("%s/%s", f->dir, subs[i]);
		if (mkdir(sub, 0700) < 0)
			goto out;
	}
	hash = fixture_hash(f->dir, password);
	if (hash == NULL) {
		fixture_log("slappasswd failed in", f->dir);
		goto out;
	}
	if (provider == NULL) {
		/* A throw-away self-signed certificate: StartTLS on the provider. */
		char *key = xasprintf("%s/tls.key", f->dir), *crt = xasprintf("%s/tls.crt", f->dir);
		char *subj = xasprintf("/CN=%s", ip);
		char *argv[] = { (char *)OPENSSL_BIN, (char *)"req", (char *)"-x509", (char *)"-newkey",
				 (char *)"rsa:2048", (char *)"-nodes", (char *)"-days", (char *)"2",
				 (char *)"-subj", subj, (char *)"-keyout", key, (char *)"-out", crt, NULL };
		int st = fixture_run(argv, log);

		free(key);
		free(crt);
		free(subj);
		if (st != 0) {
			fixture_log("openssl req failed, see", log);
			goto out;
		}
	}
	cfg = xasprintf("%s/config.ldif", f->dir);
	if (fixture_write_config(f, cfg, hash, provider ? provider->url : NULL, password) < 0)
		goto out;
	{
		char *slapdd = xasprintf("%s/slapd.d", f->dir);
		char *argv[] = { (char *)SLAPADD_BIN, (char *)"-n0", (char *)"-F", slapdd, (char *)"-l",
				 cfg, NULL };
		int st = fixture_run(argv, log);

		free(slapdd);
		unlink(cfg); /* holds the consumer's credentials */
		if (st != 0) {
			fixture_log("slapadd -n0 failed, see", log);
			goto out;
		}
	}
	if (provider == NULL) {
		char *slapdd = xasprintf("%s/slapd.d", f->dir);
		char *argv[] = { (char *)SLAPADD_BIN, (char *)"-n2", (char *)"-F", slapdd, (char *)"-l",
				 NULL, NULL };
		int st;

		base = xasprintf("%s/base.ldif", f->dir);
		argv[5] = base;
		st = fixture_write_base(base, hash) == 0 ? fixture_run(argv, log) : -1;
		free(slapdd);
		unlink(base);
		if (st != 0) {
			fixture_log("slapadd -n2 failed, see", log);
			goto out;
		}
	}
	ok = fixture_spawn(f) == 0;
out:
	free(hash);
	free(cfg);
	free(base);
	free(log);
	free(sub);
	if (!ok) {
		slapd_fixture_free(f);
		return NULL;
	}
	return f;
}

struct slapd_fixture *slapd_fixture_provider(const char *ip, const char *password)
{
	return fixture_new(ip, password, NULL);
}

struct slapd_fixture *slapd_fixture_consumer(const char *ip, const struct slapd_fixture *provider,
					     const char *password)
{
	if (provider == NULL)
		return NULL;
	return fixture_new(ip, password, provider);
}

const char *slapd_fixture_url(const struct slapd_fixture *f)
{
	return f->url;
}

char *slapd_fixture_cert(const struct slapd_fixture *f)
{
	return xasprintf("%s/tls.crt", f->dir);
}

const char *slapd_fixture_ldapi(const struct slapd_fixture *f)
{
	return f->ldapi;
}

pid_t slapd_fixture_pid(const struct slapd_fixture *f)
{
	return f->pid;
}

int slapd_fixture_pause(struct slapd_fixture *f, bool pause)
{
	if (f->pid <= 0)
		return -1;
	if (kill(f->pid, pause ? SIGSTOP : SIGCONT) < 0)
		return -1;
	f->paused = pause;
	return 0;
}

int slapd_fixture_stop(struct slapd_fixture *f)
{
	double end;
	int st;

	if (f->pid <= 0)
		return 0;
	if (f->paused)
		kill(f->pid, SIGCONT);
	f->paused = false;
	kill(f->pid, SIGTERM);
	end = fixture_now() + 10;
	while (fixture_now() < end) {
		if (waitpid(f->pid, &st, WNOHANG) == f->pid) {
			f->pid = 0;
			return 0;
		}
		fixture_sleep_ms(20);
	}
	kill(f->pid, SIGKILL);
	waitpid(f->pid, &st, 0);
	f->pid = 0;
	return -1;
}

void slapd_fixture_free(struct slapd_fixture *f)
{
	if (f == NULL)
		return;
	slapd_fixture_stop(f);
	fixture_register(f, false);
	/* SLAPD_FIXTURE_KEEP=1 keeps the directory (logs) for debugging. */
	if (f->dir != NULL && getenv("SLAPD_FIXTURE_KEEP") == NULL)
		nftw(f->dir, fixture_rm, 16, FTW_DEPTH | FTW_PHYS);
	free(f->dir);
	free(f->ip);
	free(f->url);
	free(f->ldapi);
	free(f);
}

int slapd_fixture_touch(const struct slapd_fixture *f, const char *password)
{
	LDAP *ld = NULL;
	struct berval cred;
	struct timeval tv = { 5, 0 };
	char value[64];
	char *vals[] = { value, NULL };
	LDAPMod mod = { .mod_op = LDAP_MOD_REPLACE, .mod_type = (char *)"description",
			.mod_values = vals };
	LDAPMod *mods[] = { &mod, NULL };
	int v3 = LDAP_VERSION3, rc;

	rc = ldap_initialize(&ld, f->url);
	if (rc != LDAP_SUCCESS)
		return rc;
	ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &v3);
	ldap_set_option(ld, LDAP_OPT_NETWORK_TIMEOUT, &tv);
	ldap_set_option(ld, LDAP_OPT_TIMEOUT, &tv);
	cred.bv_val = (char *)password;
	cred.bv_len = strlen(password);
	rc = ldap_sasl_bind_s(ld, "cn=config", LDAP_SASL_SIMPLE, &cred, NULL, NULL, NULL);
	if (rc == LDAP_SUCCESS) {
		snprintf(value, sizeof(value), "touched %.6f", fixture_now());
		rc = ldap_modify_ext_s(ld, "cn=zimbra", mods, NULL, NULL);
	}
	ldap_unbind_ext_s(ld, NULL, NULL);
	return rc;
}
