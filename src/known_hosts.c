/* OpenSSH known_hosts: lookup and atomic append (see known_hosts.h). */
#include "known_hosts.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "xalloc.h"

#define HASH_SALT_LEN 20 /* OpenSSH: SHA-1 sized salt, "|1|" magic */

void known_hosts_name(const char *host, int port, char *out, size_t outlen)
{
	if (port <= 0 || port == 22)
		snprintf(out, outlen, "%s", host);
	else
		snprintf(out, outlen, "[%s]:%d", host, port);
}

void known_hosts_fingerprint(const ssh_key key, char *out, size_t outlen)
{
	unsigned char *hash = NULL;
	size_t hlen = 0;
	char *fp;

	out[0] = '\0';
	if (ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash, &hlen) != 0)
		return;
	fp = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, hlen);
	if (fp != NULL)
		snprintf(out, outlen, "%s", fp);
	ssh_string_free_char(fp);
	ssh_clean_pubkey_hash(&hash);
}

/* The verdicts in the order in which one outranks another: a revoked key is
 * refused whatever else a file says, an unreadable file fails closed. */
static int rank(enum known_host_verdict v)
{
	switch (v) {
	case KNOWN_HOST_REVOKED: return 6;
	case KNOWN_HOST_ERROR: return 5;
	case KNOWN_HOST_OK: return 4;
	case KNOWN_HOST_CHANGED: return 3;
	case KNOWN_HOST_OTHER_TYPE: return 2;
	case KNOWN_HOST_CA_ONLY: return 1;
	case KNOWN_HOST_UNKNOWN: break;
	}
	return 0;
}

static void note(struct known_host_match *out, enum known_host_verdict v, const char *file,
		 unsigned line, const ssh_key known)
{
	if (rank(v) <= rank(out->verdict))
		return;
	out->verdict = v;
	snprintf(out->file, sizeof(out->file), "%s", file);
	out->line = line;
	out->known_type[0] = out->known_fingerprint[0] = '\0';
	if (known != NULL) {
		snprintf(out->known_type, sizeof(out->known_type), "%s",
			 ssh_key_type_to_char(ssh_key_type(known)));
		known_hosts_fingerprint(known, out->known_fingerprint,
					sizeof(out->known_fingerprint));
	}
}

enum marker { MARK_NONE, MARK_REVOKED, MARK_CA, MARK_OTHER };

/* Splits off a leading "@marker" (OpenSSH knows two); *rest is the entry. */
static enum marker line_marker(char *line, char **rest)
{
	char *p = line + strspn(line, " ");
	enum marker m = MARK_NONE;

	if (*p == '@') {
		size_t n = strcspn(p, " ");
		if (n == 8 && strncmp(p, "@revoked", n) == 0)
			m = MARK_REVOKED;
		else if (n == 15 && strncmp(p, "@cert-authority", n) == 0)
			m = MARK_CA;
		else
			m = MARK_OTHER;
		p += n;
		p += strspn(p, " ");
	}
	*rest = p;
	return m;
}

static void check_line(char *line, const char *file, unsigned lineno, const char *name,
		       const ssh_key key, struct known_host_match *out)
{
	struct ssh_knownhosts_entry *e = NULL;
	char *rest;
	enum marker m;

	for (char *t = line; *t; t++)
		if (*t == '\t')
			*t = ' ';
	m = line_marker(line, &rest);
	if (*rest == '\0' || *rest == '#' || m == MARK_OTHER)
		return;
	if (ssh_known_hosts_parse_line(name, rest, &e) != SSH_OK || e == NULL ||
	    e->publickey == NULL) {
		ssh_knownhosts_entry_free(e);
		return; /* another host's line, or one libssh cannot read */
	}
	bool same_key = ssh_key_cmp(e->publickey, key, SSH_KEY_CMP_PUBLIC) == 0;
	bool same_type = ssh_key_type(e->publickey) == ssh_key_type(key);

	if (m == MARK_REVOKED) {
		if (same_key)
			note(out, KNOWN_HOST_REVOKED, file, lineno, e->publickey);
	} else if (m == MARK_CA) {
		note(out, KNOWN_HOST_CA_ONLY, file, lineno, e->publickey);
	} else if (same_key) {
		note(out, KNOWN_HOST_OK, file, lineno, NULL);
	} else {
		note(out, same_type ? KNOWN_HOST_CHANGED : KNOWN_HOST_OTHER_TYPE, file, lineno,
		     e->publickey);
	}
	ssh_knownhosts_entry_free(e);
}

static void check_file(const char *file, const char *name, const ssh_key key,
		       struct known_host_match *out)
{
	FILE *fp = fopen(file, "re");
	char *line = NULL;
	size_t cap = 0;
	unsigned lineno = 0;

	if (fp == NULL) {
		if (errno != ENOENT && errno != ENOTDIR) {
			int err = errno;
			note(out, KNOWN_HOST_ERROR, file, 0, NULL);
			snprintf(out->error, sizeof(out->error), "cannot read %s: %s", file,
				 strerror(err));
		}
		return;
	}
	while (getline(&line, &cap, fp) > 0) {
		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		check_line(line, file, lineno, name, key, out);
	}
	if (ferror(fp)) {
		note(out, KNOWN_HOST_ERROR, file, lineno, NULL);
		snprintf(out->error, sizeof(out->error), "cannot read %s", file);
	}
	free(line);
	fclose(fp);
}

void known_hosts_check(const char *const *files, size_t n, const char *host, int port,
		       const ssh_key key, struct known_host_match *out)
{
	char name[300];

	memset(out, 0, sizeof(*out));
	out->verdict = KNOWN_HOST_UNKNOWN;
	known_hosts_name(host, port, name, sizeof(name));
	for (size_t i = 0; i < n; i++)
		if (files[i] != NULL && files[i][0] != '\0')
			check_file(files[i], name, key, out);
}

/* "|1|base64(salt)|base64(HMAC-SHA1(salt, name))", as ssh-keygen -H writes. */
static bool hashed_name(const char *name, char *out, size_t outlen)
{
	unsigned char salt[HASH_SALT_LEN], mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;
	unsigned char b64salt[4 * ((HASH_SALT_LEN + 2) / 3) + 1], b64mac[4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1];

	if (getrandom(salt, sizeof(salt), 0) != (ssize_t)sizeof(salt))
		return false;
	if (HMAC(EVP_sha1(), salt, sizeof(salt), (const unsigned char *)name, strlen(name), mac,
		 &maclen) == NULL)
		return false;
	EVP_EncodeBlock(b64salt, salt, sizeof(salt));
	EVP_EncodeBlock(b64mac, mac, (int)maclen);
	return snprintf(out, outlen, "|1|%s|%s", b64salt, b64mac) < (int)outlen;
}

static bool write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, buf, len);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return false;
		}
		buf += w;
		len -= (size_t)w;
	}
	return true;
}

/* The file's current bytes (NULL, *len 0 when it does not exist yet). */
static bool read_whole(const char *path, char **data, size_t *len, struct stat *st, bool *exists)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	*data = NULL;
	*len = 0;
	*exists = false;
	if (fd < 0)
		return errno == ENOENT;
	*exists = true;
	if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode)) {
		close(fd);
		errno = EINVAL;
		return false;
	}
	size_t cap = (size_t)st->st_size + 1;
	char *buf = xmalloc(cap);
	for (;;) {
		if (*len == cap) {
			cap *= 2;
			buf = xrealloc(buf, cap);
		}
		ssize_t r = read(fd, buf + *len, cap - *len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int err = errno;
			free(buf);
			close(fd);
			errno = err;
			return false;
		}
		if (r == 0)
			break;
		*len += (size_t)r;
	}
	close(fd);
	*data = buf;
	return true;
}

static void fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

bool known_hosts_add(const char *file, const char *host, int port, const ssh_key key,
		     bool hashed, char *err, size_t errlen)
{
	char name[300], hname[200], resolved[PATH_MAX], *b64 = NULL, *old = NULL;
	char *dir = NULL, *tmp = NULL, *entry = NULL;
	const char *path = file;
	size_t oldlen = 0;
	struct stat st;
	bool exists = false, ok = false;
	int fd = -1;

	/* A symlinked known_hosts is updated where it points. */
	if (realpath(file, resolved) != NULL)
		path = resolved;
	known_hosts_name(host, port, name, sizeof(name));
	if (hashed && !hashed_name(name, hname, sizeof(hname))) {
		snprintf(err, errlen, "cannot hash the host name for %s", file);
		goto out;
	}
	if (ssh_pki_export_pubkey_base64(key, &b64) != SSH_OK) {
		snprintf(err, errlen, "cannot encode the host key for %s", file);
		goto out;
	}
	entry = xasprintf("%s %s %s\n", hashed ? hname : name,
			  ssh_key_type_to_char(ssh_key_type(key)), b64);

	dir = xstrdup(path);
	char *slash = strrchr(dir, '/');
	if (slash == dir)
		slash[1] = '\0';
	else if (slash != NULL)
		*slash = '\0';
	else
		strcpy(dir, ".");
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
		goto out;
	}
	if (!read_whole(path, &old, &oldlen, &st, &exists)) {
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		goto out;
	}
	tmp = xasprintf("%s.rw-XXXXXX", path);
	fd = mkstemp(tmp);
	if (fd < 0) {
		snprintf(err, errlen, "cannot write beside %s: %s", path, strerror(errno));
		goto out;
	}
	if (exists) {
		/* keep the owner and mode the admin gave it */
		if (fchown(fd, st.st_uid, st.st_gid) != 0 && geteuid() == 0)
			goto write_failed;
		if (fchmod(fd, st.st_mode & 07777) != 0)
			goto write_failed;
	}
	if (!write_all(fd, old != NULL ? old : "", oldlen) ||
	    (oldlen > 0 && old[oldlen - 1] != '\n' && !write_all(fd, "\n", 1)) ||
	    !write_all(fd, entry, strlen(entry)) || fsync(fd) != 0)
		goto write_failed;
	if (close(fd) != 0) {
		fd = -1;
		goto write_failed;
	}
	fd = -1;
	if (rename(tmp, path) != 0)
		goto write_failed;
	fsync_dir(dir);
	ok = true;
	goto out;
write_failed:
	snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
	if (fd >= 0)
		close(fd);
	fd = -1;
	unlink(tmp);
out:
	free(tmp);
	free(dir);
	free(old);
	free(entry);
	ssh_string_free_char(b64);
	return ok;
}
