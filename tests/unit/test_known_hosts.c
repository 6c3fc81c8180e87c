/* known_hosts lookup and append, and ssh_config's HashKnownHosts: the host
 * key policy must not depend on what libssh or ssh_config would decide. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "known_hosts.h"
#include "ssh_config_value.h"

struct env {
	char dir[64];
	char file[128];
	ssh_key key, other, ecdsa;
	char *b64, *other_b64, *ecdsa_b64;
};

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));

	snprintf(e->dir, sizeof(e->dir), "/tmp/rw_kh_XXXXXX");
	assert_non_null(mkdtemp(e->dir));
	snprintf(e->file, sizeof(e->file), "%s/known_hosts", e->dir);
	assert_int_equal(ssh_pki_generate(SSH_KEYTYPE_ED25519, 0, &e->key), SSH_OK);
	assert_int_equal(ssh_pki_generate(SSH_KEYTYPE_ED25519, 0, &e->other), SSH_OK);
	assert_int_equal(ssh_pki_generate(SSH_KEYTYPE_ECDSA_P256, 256, &e->ecdsa), SSH_OK);
	assert_int_equal(ssh_pki_export_pubkey_base64(e->key, &e->b64), SSH_OK);
	assert_int_equal(ssh_pki_export_pubkey_base64(e->other, &e->other_b64), SSH_OK);
	assert_int_equal(ssh_pki_export_pubkey_base64(e->ecdsa, &e->ecdsa_b64), SSH_OK);
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", e->dir);
	assert_int_equal(system(cmd), 0);
	ssh_key_free(e->key);
	ssh_key_free(e->other);
	ssh_key_free(e->ecdsa);
	ssh_string_free_char(e->b64);
	ssh_string_free_char(e->other_b64);
	ssh_string_free_char(e->ecdsa_b64);
	free(e);
	return 0;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static struct known_host_match check(struct env *e, const char *host, int port)
{
	const char *files[] = { e->file };
	struct known_host_match m;

	known_hosts_check(files, 1, host, port, e->key, &m);
	return m;
}

static void test_missing_file_is_unknown(void **state)
{
	struct env *e = *state;
	struct known_host_match m = check(e, "ds1.example.com", 22);

	assert_int_equal(m.verdict, KNOWN_HOST_UNKNOWN);
}

static void test_plain_port_and_pattern_entries(void **state)
{
	struct env *e = *state;
	char text[2048];

	snprintf(text, sizeof(text),
		 "# comment\n\n"
		 "ds1.example.com,192.0.2.10 ssh-ed25519 %s\n"
		 "[ds2.example.com]:2222\tssh-ed25519 %s host2\n"
		 "*.lab.example ssh-ed25519 %s\n",
		 e->b64, e->b64, e->b64);
	write_file(e->file, text);
	assert_int_equal(check(e, "ds1.example.com", 22).verdict, KNOWN_HOST_OK);
	assert_int_equal(check(e, "192.0.2.10", 0).verdict, KNOWN_HOST_OK);
	assert_int_equal(check(e, "ds2.example.com", 2222).verdict, KNOWN_HOST_OK);
	/* the port is part of the name */
	assert_int_equal(check(e, "ds2.example.com", 22).verdict, KNOWN_HOST_UNKNOWN);
	assert_int_equal(check(e, "ds1.example.com", 2222).verdict, KNOWN_HOST_UNKNOWN);
	assert_int_equal(check(e, "master.lab.example", 22).verdict, KNOWN_HOST_OK);
}

static void test_changed_names_file_line_and_key(void **state)
{
	struct env *e = *state;
	char text[2048], fp[96];
	struct known_host_match m;

	snprintf(text, sizeof(text), "other.example ssh-ed25519 %s\n"
				     "ds1.example.com ssh-ed25519 %s\n", e->b64, e->other_b64);
	write_file(e->file, text);
	m = check(e, "ds1.example.com", 22);
	assert_int_equal(m.verdict, KNOWN_HOST_CHANGED);
	assert_string_equal(m.file, e->file);
	assert_int_equal(m.line, 2);
	assert_string_equal(m.known_type, "ssh-ed25519");
	known_hosts_fingerprint(e->other, fp, sizeof(fp));
	assert_string_equal(m.known_fingerprint, fp);
	assert_int_equal(strncmp(fp, "SHA256:", 7), 0);
}

static void test_other_type_only(void **state)
{
	struct env *e = *state;
	char text[2048];
	struct known_host_match m;

	snprintf(text, sizeof(text), "ds1.example.com ecdsa-sha2-nistp256 %s\n", e->ecdsa_b64);
	write_file(e->file, text);
	m = check(e, "ds1.example.com", 22);
	assert_int_equal(m.verdict, KNOWN_HOST_OTHER_TYPE);
	assert_string_equal(m.known_type, "ecdsa-sha2-nistp256");
	assert_int_equal(m.line, 1);
}

/* @revoked wins over a plain line with the same key, in any file. */
static void test_revoked_wins(void **state)
{
	struct env *e = *state;
	char text[2048], second[160];
	const char *files[2] = { e->file, second };
	struct known_host_match m;

	snprintf(text, sizeof(text), "ds1.example.com ssh-ed25519 %s\n", e->b64);
	write_file(e->file, text);
	snprintf(second, sizeof(second), "%s/global", e->dir);
	snprintf(text, sizeof(text), "@revoked * ssh-ed25519 %s compromised\n", e->b64);
	write_file(second, text);
	known_hosts_check(files, 2, "ds1.example.com", 22, e->key, &m);
	assert_int_equal(m.verdict, KNOWN_HOST_REVOKED);
	assert_string_equal(m.file, second);
	assert_int_equal(m.line, 1);
	/* a revoked OTHER key does not touch this one */
	snprintf(text, sizeof(text), "@revoked * ssh-ed25519 %s\n", e->other_b64);
	write_file(second, text);
	known_hosts_check(files, 2, "ds1.example.com", 22, e->key, &m);
	assert_int_equal(m.verdict, KNOWN_HOST_OK);
}

static void test_cert_authority_only(void **state)
{
	struct env *e = *state;
	char text[2048];
	struct known_host_match m;

	snprintf(text, sizeof(text), "@cert-authority *.example.com ssh-ed25519 %s\n",
		 e->other_b64);
	write_file(e->file, text);
	m = check(e, "ds1.example.com", 22);
	assert_int_equal(m.verdict, KNOWN_HOST_CA_ONLY);
	assert_int_equal(m.line, 1);
	/* the host's own key listed too: that decides */
	snprintf(text, sizeof(text), "@cert-authority *.example.com ssh-ed25519 %s\n"
				     "ds1.example.com ssh-ed25519 %s\n", e->other_b64, e->b64);
	write_file(e->file, text);
	assert_int_equal(check(e, "ds1.example.com", 22).verdict, KNOWN_HOST_OK);
}

static void test_unreadable_file_fails_closed(void **state)
{
	struct env *e = *state;
	struct known_host_match m;

	/* a directory where the file should be: not "missing", unreadable */
	assert_int_equal(mkdir(e->file, 0700), 0);
	m = check(e, "ds1.example.com", 22);
	assert_int_equal(m.verdict, KNOWN_HOST_ERROR);
	assert_non_null(strstr(m.error, e->file));
}

/* ssh-keygen -F is OpenSSH's own lookup: it must find what we wrote. */
static bool keygen_finds(const char *file, const char *name)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "ssh-keygen -F '%s' -f '%s' >/dev/null 2>&1", name, file);
	return system(cmd) == 0;
}

static void test_add_plain_keeps_old_lines_and_mode(void **state)
{
	struct env *e = *state;
	char err[256], text[2048], *data;
	struct stat st;
	FILE *f;
	long n;

	/* an existing file without a final newline, mode 0644 */
	snprintf(text, sizeof(text), "old.example ssh-ed25519 %s", e->other_b64);
	write_file(e->file, text);
	assert_int_equal(chmod(e->file, 0644), 0);
	assert_true(known_hosts_add(e->file, "ds1.example.com", 2222, e->key, false, err,
				    sizeof(err)));
	assert_int_equal(stat(e->file, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	f = fopen(e->file, "r");
	assert_non_null(f);
	data = calloc(1, 4096);
	n = (long)fread(data, 1, 4095, f);
	fclose(f);
	assert_true(n > 0);
	snprintf(text, sizeof(text), "old.example ssh-ed25519 %s\n[ds1.example.com]:2222 ssh-ed25519 %s\n",
		 e->other_b64, e->b64);
	assert_string_equal(data, text);
	free(data);
	assert_int_equal(check(e, "ds1.example.com", 2222).verdict, KNOWN_HOST_OK);
	assert_true(keygen_finds(e->file, "[ds1.example.com]:2222"));
	/* no temporary left beside it */
	snprintf(text, sizeof(text), "ls -A '%s' | grep -c . | grep -qx 1", e->dir);
	assert_int_equal(system(text), 0);
}

static void test_add_hashed(void **state)
{
	struct env *e = *state;
	char err[256], line[1024], sub[160];
	struct stat st;
	FILE *f;

	/* a missing ~/.ssh is made 0700, the new file 0600 */
	snprintf(sub, sizeof(sub), "%s/dotssh/known_hosts", e->dir);
	assert_true(known_hosts_add(sub, "192.0.2.10", 22, e->key, true, err, sizeof(err)));
	assert_int_equal(stat(sub, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	f = fopen(sub, "r");
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof(line), f));
	fclose(f);
	assert_int_equal(strncmp(line, "|1|", 3), 0);
	assert_null(strstr(line, "192.0.2.10"));
	{
		const char *files[] = { sub };
		struct known_host_match m;
		known_hosts_check(files, 1, "192.0.2.10", 22, e->key, &m);
		assert_int_equal(m.verdict, KNOWN_HOST_OK);
		known_hosts_check(files, 1, "192.0.2.11", 22, e->key, &m);
		assert_int_equal(m.verdict, KNOWN_HOST_UNKNOWN);
	}
	assert_true(keygen_finds(sub, "192.0.2.10"));
	assert_false(keygen_finds(sub, "192.0.2.11"));
}

static void test_add_through_symlink(void **state)
{
	struct env *e = *state;
	char err[256], target[160], cmd[400];
	struct stat st;

	snprintf(target, sizeof(target), "%s/real_known_hosts", e->dir);
	write_file(target, "");
	assert_int_equal(symlink(target, e->file), 0);
	assert_true(known_hosts_add(e->file, "ds1.example.com", 22, e->key, false, err,
				    sizeof(err)));
	assert_int_equal(lstat(e->file, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	snprintf(cmd, sizeof(cmd), "grep -q '^ds1.example.com ssh-ed25519 ' '%s'", target);
	assert_int_equal(system(cmd), 0);
}

/* ---- ssh_config ---- */

static void test_config_first_value_wins(void **state)
{
	struct env *e = *state;
	char user[160], sys[160], inc[160], text[1024], v[64];

	snprintf(user, sizeof(user), "%s/config", e->dir);
	snprintf(sys, sizeof(sys), "%s/ssh_config", e->dir);
	snprintf(inc, sizeof(inc), "%s/inc.conf", e->dir);
	write_file(inc, "Host *.lab.example\n  HashKnownHosts no\n");
	snprintf(text, sizeof(text),
		 "# user file\n"
		 "Host jump\n  HashKnownHosts=yes\n"
		 "Host * !secret.example\n  Include %s\n"
		 "Match exec \"true\"\n  HashKnownHosts yes\n",
		 inc);
	write_file(user, text);
	write_file(sys, "Host *\n    HashKnownHosts yes\n");

	assert_true(ssh_config_value(user, sys, "JUMP", "hashknownhosts", v, sizeof(v)));
	assert_string_equal(v, "yes");
	assert_false(ssh_config_flag(user, sys, "ds1.lab.example", "HashKnownHosts", true));
	/* negated: the Include is not read; the Match exec block is skipped */
	assert_true(ssh_config_flag(user, sys, "secret.example", "HashKnownHosts", false));
	assert_true(ssh_config_flag(user, sys, "other.example", "HashKnownHosts", false));
	/* nothing anywhere: the default */
	write_file(sys, "Host *\n  SendEnv LANG\n");
	assert_false(ssh_config_flag(user, sys, "other.example", "HashKnownHosts", false));
	assert_true(ssh_config_flag(user, sys, "other.example", "HashKnownHosts", true));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_missing_file_is_unknown, setup, teardown),
		cmocka_unit_test_setup_teardown(test_plain_port_and_pattern_entries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_changed_names_file_line_and_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_type_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_revoked_wins, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cert_authority_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unreadable_file_fails_closed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_add_plain_keeps_old_lines_and_mode, setup, teardown),
		cmocka_unit_test_setup_teardown(test_add_hashed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_add_through_symlink, setup, teardown),
		cmocka_unit_test_setup_teardown(test_config_first_value_wins, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
