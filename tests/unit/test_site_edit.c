/* Editing a site file in place (src/site_edit.c): the admin's comments,
 * order, spelling and line ends kept; keys replaced, added, dropped;
 * sections dropped; the atomic write keeps the mode and the old file when
 * the check refuses. */
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

#include "site.h"
#include "site_edit.h"

static const char base[] =
	"# our site (admin's notes)\n"
	"[ssh]\n"
	"user = root   ; we log in as root\n"
	"\n"
	"[carbonio]\n"
	"# the directory master\n"
	"master = ldap.example.com\n"
	"Replicas=ds9.example.com\n"
	"replicas:ds2.example.com # the second one\n"
	"  mta = mx1.example.com ; the relay\n"
	"prefix = /opt/zextras\n"
	"\n"
	"# Dovecot pair below\n"
	"[dovecot]\n"
	"servers = imap1 imap2\n";

static void edit(struct site_text *t, const char *sec, const char *key, const char *val, const char *after)
{
	assert_true(site_text_set(t, sec, key, val, after));
}

static void test_replace_keeps_text(void **state)
{
	(void)state;
	struct site_text t;
	site_text_init(&t, base, sizeof base - 1);
	/* "Replicas" is another key (keys are case-sensitive, as in site.c) */
	edit(&t, "carbonio", "replicas", "ds2.example.com ds3.example.com", NULL);
	edit(&t, "carbonio", "mta", "mta.example.com", NULL);
	assert_string_equal(t.p,
		"# our site (admin's notes)\n"
		"[ssh]\n"
		"user = root   ; we log in as root\n"
		"\n"
		"[carbonio]\n"
		"# the directory master\n"
		"master = ldap.example.com\n"
		"Replicas=ds9.example.com\n"
		"replicas: ds2.example.com ds3.example.com # the second one\n"
		"  mta = mta.example.com ; the relay\n"
		"prefix = /opt/zextras\n"
		"\n"
		"# Dovecot pair below\n"
		"[dovecot]\n"
		"servers = imap1 imap2\n");
	assert_int_equal(t.len, strlen(t.p));
	site_text_clear(&t);
}

static void test_add_and_drop_keys(void **state)
{
	(void)state;
	struct site_text t;
	site_text_init(&t, base, sizeof base - 1);
	/* added after the key it belongs with, else after the last key */
	edit(&t, "carbonio", "other_nodes", "store1.example.com", "nosuch mta master");
	edit(&t, "ssh", "port", "2222", "none-such");
	/* dropped: the whole line */
	edit(&t, "carbonio", "prefix", NULL, NULL);
	/* a key that is not there, dropped: nothing to do, still true */
	edit(&t, "carbonio", "ldap_port", NULL, NULL);
	assert_string_equal(t.p,
		"# our site (admin's notes)\n"
		"[ssh]\n"
		"user = root   ; we log in as root\n"
		"port = 2222\n"
		"\n"
		"[carbonio]\n"
		"# the directory master\n"
		"master = ldap.example.com\n"
		"Replicas=ds9.example.com\n"
		"replicas:ds2.example.com # the second one\n"
		"  mta = mx1.example.com ; the relay\n"
		"other_nodes = store1.example.com\n"
		"\n"
		"# Dovecot pair below\n"
		"[dovecot]\n"
		"servers = imap1 imap2\n");
	/* a section the text lacks: refused, nothing changed */
	size_t len = t.len;
	assert_false(site_text_set(&t, "monitor", "warn_lag", "5", NULL));
	assert_int_equal(t.len, len);
	site_text_clear(&t);
}

static void test_empty_values_and_comments(void **state)
{
	(void)state;
	static const char in[] = "[carbonio]\nmaster = m\nmta = ; none yet\nother_nodes =\n";
	struct site_text t;
	site_text_init(&t, in, sizeof in - 1);
	/* the comment must stay a comment: a blank before it */
	edit(&t, "carbonio", "mta", "mx", NULL);
	edit(&t, "carbonio", "other_nodes", "o1 o2", NULL);
	assert_string_equal(t.p, "[carbonio]\nmaster = m\nmta = mx ; none yet\nother_nodes = o1 o2\n");
	/* emptied: the key stays, explicitly "none" */
	edit(&t, "carbonio", "mta", "", NULL);
	assert_string_equal(t.p, "[carbonio]\nmaster = m\nmta = ; none yet\nother_nodes = o1 o2\n");
	edit(&t, "carbonio", "other_nodes", "", NULL);
	assert_string_equal(t.p, "[carbonio]\nmaster = m\nmta = ; none yet\nother_nodes =\n");
	/* added empty: the same form, so setting it again changes nothing */
	edit(&t, "carbonio", "replicas", "", "master");
	assert_string_equal(t.p, "[carbonio]\nmaster = m\nreplicas =\nmta = ; none yet\nother_nodes =\n");
	edit(&t, "carbonio", "replicas", "", "master");
	assert_string_equal(t.p, "[carbonio]\nmaster = m\nreplicas =\nmta = ; none yet\nother_nodes =\n");
	site_text_clear(&t);

	/* no blank after the delimiter: emptied, the comment keeps a blank
	 * before it ("mta =; c" would read as the value "; c"; found by
	 * fuzz_site_edit) */
	static const char tight[] = "[carbonio]\nmta =mx ; c\n";
	site_text_init(&t, tight, sizeof tight - 1);
	edit(&t, "carbonio", "mta", "", NULL);
	assert_string_equal(t.p, "[carbonio]\nmta = ; c\n");
	edit(&t, "carbonio", "mta", "", NULL);
	assert_string_equal(t.p, "[carbonio]\nmta = ; c\n");
	site_text_clear(&t);

	/* a value with trailing blanks emptied at once, not a blank left for
	 * the next edit to take (fuzz_site_edit) */
	static const char trailing[] = "[carbonio]\nmta =mx  \n";
	site_text_init(&t, trailing, sizeof trailing - 1);
	edit(&t, "carbonio", "mta", "", NULL);
	assert_string_equal(t.p, "[carbonio]\nmta =\n");
	site_text_clear(&t);
}

static void test_line_ends(void **state)
{
	(void)state;
	/* CRLF kept and used for an added line; no final newline handled */
	static const char crlf[] = "[carbonio]\r\nmaster = m\r\nreplicas = a\r\n";
	struct site_text t;
	site_text_init(&t, crlf, sizeof crlf - 1);
	edit(&t, "carbonio", "replicas", "b", NULL);
	edit(&t, "carbonio", "mta", "x", "replicas");
	assert_string_equal(t.p, "[carbonio]\r\nmaster = m\r\nreplicas = b\r\nmta = x\r\n");
	site_text_clear(&t);

	static const char nofinal[] = "[carbonio]\nmaster = m";
	site_text_init(&t, nofinal, sizeof nofinal - 1);
	edit(&t, "carbonio", "replicas", "r1", "master");
	assert_string_equal(t.p, "[carbonio]\nmaster = m\nreplicas = r1");
	edit(&t, "carbonio", "mta", "x", NULL);
	assert_string_equal(t.p, "[carbonio]\nmaster = m\nreplicas = r1\nmta = x");
	site_text_clear(&t);
}

static void test_host_sections(void **state)
{
	(void)state;
	static const char in[] =
		"[carbonio]\nmaster = m\n"
		"[host  OLD.example.com ]\naddress = 192.0.2.9\n; a note about old\nport = 2200\n"
		"\n# about the new one\n"
		"[host new.example.com]\nport = 22\n";
	struct site_text t;
	site_text_init(&t, in, sizeof in - 1);
	/* host names without case; the key of another host is not touched */
	edit(&t, "host old.example.com", "port", "2201", NULL);
	assert_non_null(strstr(t.p, "port = 2201\n\n# about the new one"));
	assert_non_null(strstr(t.p, "[host new.example.com]\nport = 22\n"));
	/* dropped up to the comment block before the next header */
	assert_true(site_text_drop_section(&t, "host old.example.com"));
	assert_string_equal(t.p,
		"[carbonio]\nmaster = m\n"
		"\n# about the new one\n"
		"[host new.example.com]\nport = 22\n");
	assert_false(site_text_drop_section(&t, "host old.example.com"));
	assert_true(site_text_drop_section(&t, "host NEW.example.com"));
	assert_string_equal(t.p, "[carbonio]\nmaster = m\n\n# about the new one\n");
	site_text_clear(&t);
}

static bool refuse(const char *tmp, void *ud, char *err, size_t errlen)
{
	*(char **)ud = strdup(tmp);
	snprintf(err, errlen, "refused");
	return false;
}

static bool loads(const char *tmp, void *ud, char *err, size_t errlen)
{
	(void)ud;
	struct site_error se;
	struct site *s = site_load(tmp, &se);
	if (!s)
		snprintf(err, errlen, "[%s] %s: %s", se.section, se.key, se.message);
	site_free(s);
	return s != NULL;
}

static void test_atomic_write(void **state)
{
	(void)state;
	char dir[] = "/tmp/rw-site-edit-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[128], link[128];
	snprintf(path, sizeof path, "%s/site.ini", dir);
	snprintf(link, sizeof link, "%s/link.ini", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(base, f);
	fclose(f);
	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(symlink("site.ini", link), 0);

	/* base is not a valid site ("Replicas" is no key): the check says so */
	struct site_text t;
	site_text_init(&t, base, sizeof base - 1);
	char err[512];
	assert_int_equal(site_text_write(path, &t, loads, NULL, err, sizeof err), -1);
	assert_non_null(strstr(err, "Replicas"));
	edit(&t, "carbonio", "Replicas", NULL, NULL);
	edit(&t, "carbonio", "mta", "mta.example.com", NULL);

	/* refused by the check: the old file stays, no temporary is left */
	char *tmp = NULL;
	assert_int_equal(site_text_write(path, &t, refuse, &tmp, err, sizeof err), -1);
	assert_string_equal(err, "refused");
	assert_non_null(tmp);
	assert_int_not_equal(access(tmp, F_OK), 0);
	free(tmp);

	/* through the link: the target is replaced, the link stays, mode kept */
	assert_int_equal(site_text_write(link, &t, loads, NULL, err, sizeof err), 0);
	struct stat st;
	assert_int_equal(lstat(link, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	char buf[2048];
	f = fopen(path, "r");
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	assert_string_equal(buf, t.p);

	/* a missing file is an error, not a new file */
	char missing[160];
	snprintf(missing, sizeof missing, "%s/none.ini", dir);
	assert_int_equal(site_text_write(missing, &t, NULL, NULL, err, sizeof err), -1);
	assert_non_null(strstr(err, "none.ini"));

	unlink(link);
	unlink(path);
	rmdir(dir);
	site_text_clear(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_replace_keeps_text),
		cmocka_unit_test(test_add_and_drop_keys),
		cmocka_unit_test(test_empty_values_and_comments),
		cmocka_unit_test(test_line_ends),
		cmocka_unit_test(test_host_sections),
		cmocka_unit_test(test_atomic_write),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
