/* A real private sshd for tests; see sshd_fixture.h. */
#include "sshd_fixture.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libssh/libssh.h>

#define SSHD_BIN "/usr/sbin/sshd"

static void fixture_sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Run argv with stdin/stdout from/to /dev/null; returns its exit status. */
static int fixture_run(char *const argv[])
{
	pid_t pid = fork();
	int st;

	if (pid < 0)
		return -1;
	if (pid == 0) {
		int fd = open("/dev/null", O_RDWR);

		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		execv(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

static int fixture_keygen(const char *path)
{
	char *argv[] = { (char *)"/usr/bin/ssh-keygen", (char *)"-q", (char *)"-t",
			 (char *)"ed25519", (char *)"-N", (char *)"", (char *)"-C",
			 (char *)"fixture", (char *)"-f", (char *)path, NULL };

	unlink(path);
	return fixture_run(argv);
}

/* The passphrase key is made with libssh so that the passphrase never
 * appears on a command line (ssh-keygen -N would show it in ps). */
static int fixture_keygen_enc(const char *path, FILE *authorized)
{
	ssh_key key = NULL;
	char *b64 = NULL;
	int rc = -1;

	if (ssh_pki_generate(SSH_KEYTYPE_ED25519, 0, &key) != SSH_OK)
		goto out;
	unlink(path);
	if (ssh_pki_export_privkey_file(key, SSHD_FIXTURE_PASSPHRASE, NULL, NULL, path) != SSH_OK)
		goto out;
	chmod(path, 0600);
	if (ssh_pki_export_pubkey_base64(key, &b64) != SSH_OK)
		goto out;
	fprintf(authorized, "%s %s fixture-enc\n", ssh_key_type_to_char(ssh_key_type(key)), b64);
	rc = 0;
out:
	ssh_string_free_char(b64);
	ssh_key_free(key);
	return rc;
}

static int fixture_append_file(FILE *out, const char *path)
{
	char buf[1024];
	FILE *in = fopen(path, "r");
	size_t n;

	if (in == NULL)
		return -1;
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		fwrite(buf, 1, n, out);
	fclose(in);
	return 0;
}

static int fixture_free_port(const char *addr)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;

	if (fd < 0)
		return -1;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	inet_pton(AF_INET, addr, &sin.sin_addr);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sin, &len) == 0)
		port = ntohs(sin.sin_port);
	close(fd);
	return port;
}

static bool fixture_port_open(const char *addr, int port)
{
	struct sockaddr_in sin;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	bool ok;

	if (fd < 0)
		return false;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	inet_pton(AF_INET, addr, &sin.sin_addr);
	ok = connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0;
	close(fd);
	return ok;
}

static int fixture_write_config(struct sshd_fixture *f)
{
	FILE *cf = fopen(f->config, "w");

	if (cf == NULL)
		return -1;
	fprintf(cf,
		"ListenAddress %s\n"
		"Port %d\n"
		"HostKey %s\n"
		"PidFile %s/sshd.pid\n"
		"AuthorizedKeysFile %s\n"
		"PermitRootLogin prohibit-password\n"
		"PasswordAuthentication no\n"
		"KbdInteractiveAuthentication no\n"
		"UsePAM no\n"
		"StrictModes no\n"
		"MaxSessions 10\n"
		"LogLevel VERBOSE\n",
		f->addr, f->port, f->hostkey, f->dir, f->authorized_keys);
	return fclose(cf);
}

static int fixture_launch(struct sshd_fixture *f)
{
	pid_t pid;

	if (fixture_write_config(f) != 0)
		return -1;
	unlink(f->log);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int fd = open("/dev/null", O_RDWR);

		/* Never outlive a crashed test. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		for (int i = 3; i < 1024; i++)
			close(i);
		execl(SSHD_BIN, SSHD_BIN, "-D", "-f", f->config, "-E", f->log, (char *)NULL);
		_exit(127);
	}
	f->pid = pid;
	for (int i = 0; i < 250; i++) {
		int st;

		/* Our own sshd must say it listens: an open port alone could be
		 * another test's sshd that won a race for the same port. */
		if (sshd_fixture_log_count(f, "Server listening on") > 0 &&
		    fixture_port_open(f->addr, f->port))
			return 0;
		if (waitpid(pid, &st, WNOHANG) == pid) {
			f->pid = 0;
			return -1;
		}
		fixture_sleep_ms(20);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	f->pid = 0;
	return -1;
}

int sshd_fixture_start(struct sshd_fixture *f)
{
	char tmpl[] = "/tmp/rw_sshd_XXXXXX";
	char pub[256];
	FILE *ak = NULL;
	int rc = -1;

	memset(f, 0, sizeof(*f));
	if (mkdtemp(tmpl) == NULL)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "%s", tmpl);
	/* One address per test process (127.79.0.0/16), so parallel runs never
	 * meet on a port. */
	snprintf(f->addr, sizeof(f->addr), "127.79.%d.%d", (int)(getpid() >> 8) & 0xff,
		 (int)(getpid() & 0xff) % 253 + 2);
	snprintf(f->config, sizeof(f->config), "%s/sshd_config", f->dir);
	snprintf(f->log, sizeof(f->log), "%s/sshd.log", f->dir);
	snprintf(f->hostkey, sizeof(f->hostkey), "%s/hostkey", f->dir);
	snprintf(f->hostkey_pub, sizeof(f->hostkey_pub), "%s/hostkey.pub", f->dir);
	snprintf(f->client_key, sizeof(f->client_key), "%s/client_key", f->dir);
	snprintf(f->client_key_enc, sizeof(f->client_key_enc), "%s/client_key_enc", f->dir);
	snprintf(f->known_hosts, sizeof(f->known_hosts), "%s/known_hosts", f->dir);
	snprintf(f->authorized_keys, sizeof(f->authorized_keys), "%s/authorized_keys", f->dir);

	/* OpenSSH refuses to start without its privilege separation dir. */
	if (mkdir("/run/sshd", 0755) != 0 && errno != EEXIST)
		fprintf(stderr, "fixture: cannot create /run/sshd: %s\n", strerror(errno));
	if (fixture_keygen(f->hostkey) != 0 || fixture_keygen(f->client_key) != 0) {
		fprintf(stderr, "fixture: ssh-keygen failed\n");
		goto out;
	}
	ak = fopen(f->authorized_keys, "w");
	if (ak == NULL)
		goto out;
	snprintf(pub, sizeof(pub), "%s.pub", f->client_key);
	if (fixture_append_file(ak, pub) != 0 || fixture_keygen_enc(f->client_key_enc, ak) != 0) {
		fprintf(stderr, "fixture: cannot write client keys\n");
		goto out;
	}
	fclose(ak);
	ak = NULL;
	for (int attempt = 0; attempt < 5; attempt++) {
		f->port = fixture_free_port(f->addr);
		if (f->port > 0 && fixture_launch(f) == 0) {
			rc = 0;
			goto out;
		}
	}
	fprintf(stderr, "fixture: sshd did not start (see %s)\n", f->log);
out:
	if (ak != NULL)
		fclose(ak);
	if (rc != 0)
		sshd_fixture_stop(f);
	return rc;
}

/* Collect pid's descendants (and pid) into out, parents first. */
static int fixture_tree(pid_t root, pid_t *out, int max)
{
	int n = 0;

	if (root <= 0)
		return 0;
	out[n++] = root;
	for (int i = 0; i < n && n < max; i++) {
		DIR *d = opendir("/proc");
		struct dirent *de;

		if (d == NULL)
			break;
		while ((de = readdir(d)) != NULL && n < max) {
			char path[300], buf[512], *p;
			FILE *fp;
			int ppid = -1;
			pid_t pid = (pid_t)atoi(de->d_name);

			if (pid <= 0)
				continue;
			snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
			fp = fopen(path, "r");
			if (fp == NULL)
				continue;
			if (fgets(buf, sizeof(buf), fp) != NULL) {
				/* comm may hold spaces: the fields start after the last ')'. */
				p = strrchr(buf, ')');
				if (p != NULL)
					sscanf(p + 1, " %*c %d", &ppid);
			}
			fclose(fp);
			if (ppid == out[i])
				out[n++] = pid;
		}
		closedir(d);
	}
	return n;
}

int sshd_fixture_signal(struct sshd_fixture *f, int sig)
{
	pid_t pids[256];
	int n = fixture_tree(f->pid, pids, 256), sent = 0;

	for (int i = 0; i < n; i++)
		if (kill(pids[i], sig) == 0)
			sent++;
	return sent;
}

int sshd_fixture_connections(const struct sshd_fixture *f)
{
	pid_t pids[256];
	int n = fixture_tree(f->pid, pids, 256), conns = 0;
	char path[64], buf[512], *p;

	for (int i = 1; i < n; i++) {
		FILE *fp;
		int ppid = -1;

		snprintf(path, sizeof(path), "/proc/%d/stat", (int)pids[i]);
		fp = fopen(path, "r");
		if (fp == NULL)
			continue;
		if (fgets(buf, sizeof(buf), fp) != NULL && (p = strrchr(buf, ')')) != NULL)
			sscanf(p + 1, " %*c %d", &ppid);
		fclose(fp);
		if (ppid == f->pid)
			conns++;
	}
	return conns;
}

static void fixture_kill_all(struct sshd_fixture *f)
{
	if (f->pid <= 0)
		return;
	sshd_fixture_signal(f, SIGCONT);
	sshd_fixture_signal(f, SIGKILL);
	waitpid(f->pid, NULL, 0);
	f->pid = 0;
}

int sshd_fixture_restart(struct sshd_fixture *f, bool new_hostkey)
{
	fixture_kill_all(f);
	if (new_hostkey && fixture_keygen(f->hostkey) != 0)
		return -1;
	for (int i = 0; i < 50; i++) {
		if (fixture_launch(f) == 0)
			return 0;
		fixture_sleep_ms(100); /* the old socket may linger a moment */
	}
	return -1;
}

static void fixture_rm_rf(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char path[512];

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		unlink(path); /* the fixture dir is flat */
	}
	closedir(d);
	rmdir(dir);
}

void sshd_fixture_stop(struct sshd_fixture *f)
{
	fixture_kill_all(f);
	if (f->dir[0] != '\0')
		fixture_rm_rf(f->dir);
	f->dir[0] = '\0';
}

int sshd_fixture_fingerprint(const struct sshd_fixture *f, char *out, size_t outlen)
{
	char cmd[300], line[512], fp[128];
	FILE *p;
	int rc = -1;

	snprintf(cmd, sizeof(cmd), "/usr/bin/ssh-keygen -lf '%s'", f->hostkey_pub);
	p = popen(cmd, "r");
	if (p == NULL)
		return -1;
	/* "256 SHA256:xxxx fixture (ED25519)" */
	if (fgets(line, sizeof(line), p) != NULL && sscanf(line, "%*d %127s", fp) == 1) {
		snprintf(out, outlen, "%s", fp);
		rc = 0;
	}
	pclose(p);
	return rc;
}

int sshd_fixture_log_count(const struct sshd_fixture *f, const char *needle)
{
	char line[1024];
	FILE *fp = fopen(f->log, "r");
	int n = 0;

	if (fp == NULL)
		return 0;
	while (fgets(line, sizeof(line), fp) != NULL)
		if (strstr(line, needle) != NULL)
			n++;
	fclose(fp);
	return n;
}
