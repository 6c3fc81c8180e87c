/* Tests for src/site.c: good site files, a table of bad ones (each with
 * the exact line, section and key of the error), site_set for the TUI,
 * and a write -> load round trip. Files live in a mkdtemp directory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ini.h>

#include "site.h"

static char tmpdir[64];

static int setup_dir(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_site.XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	/* Fixed HOME so ~ expansion is predictable. */
	setenv("HOME", "/home/tester", 1);
	return 0;
}

static int teardown_dir(void **state)
{
	DIR *d = opendir(tmpdir);
	struct dirent *e;
	(void)state;

	if (d) {
		while ((e = readdir(d))) {
			if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
				continue;
			char p[512];
			snprintf(p, sizeof(p), "%s/%s", tmpdir, e->d_name);
			unlink(p);
		}
		closedir(d);
	}
	return rmdir(tmpdir);
}

/* Write len bytes of text to tmpdir/name and return the path (static). */
static const char *write_file(const char *name, const char *text, size_t len)
{
	static char path[256];
	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	return path;
}

static struct site *load_text(const char *text, struct site_error *err)
{
	return site_load(write_file("site.ini", text, strlen(text)), err);
}

static struct site *load_ok(const char *text)
{
	struct site_error err;
	struct site *site = load_text(text, &err);
	if (!site) {
		char buf[2048];
		print_error("unexpected error: %s\n", site_error_format(&err, buf, sizeof(buf)));
		fail();
	}
	return site;
}

/* ---- good files -------------------------------------------------------- */

static void test_minimal(void **state)
{
	(void)state;
	struct site *site = load_ok("[carbonio]\nmaster = ldap1.example.com\n");

	assert_int_equal(site_host_count(site), 1);
	const struct site_host *h = site_host(site, "LDAP1.example.com");
	assert_non_null(h);
	assert_string_equal(h->name, "ldap1.example.com");
	assert_int_equal(h->roles, SITE_ROLE_MASTER);
	assert_string_equal(h->address, "ldap1.example.com");
	assert_string_equal(h->user, "root");
	assert_int_equal(h->port, 22);
	assert_null(h->identity);
	assert_string_equal(h->known_hosts, "/home/tester/.ssh/known_hosts");
	assert_string_equal(h->prefix, "/opt/zextras");
	assert_string_equal(h->bootstrap, "/usr/bin/carbonio-bootstrap");
	assert_int_equal(h->ldap_port, 389);
	assert_string_equal(h->conf_dir, "/etc/dovecot/conf.d");
	assert_int_equal(h->doveadm_port, 12345);
	assert_int_equal(h->max_conns, 10);
	assert_null(site_host(site, "other.example.com"));

	size_t n;
	const char *const *v = site_list(site, SITE_ROLE_MASTER, &n);
	assert_int_equal(n, 1);
	assert_string_equal(v[0], "ldap1.example.com");
	site_list(site, SITE_ROLE_REPLICA, &n);
	assert_int_equal(n, 0);
	site_free(site);
}

static const char full_site[] =
	"# a full site\n"
	"[ssh]\n"
	"user = admin\n"
	"port = 2200\n"
	"identity = ~/.ssh/id_ed25519\n"
	"known_hosts = /etc/ssh/ssh_known_hosts\n"
	"\n"
	"[carbonio]\n"
	"master = ldap1.example.com\n"
	"replicas = ldap2.example.com   ldap3.example.com\n"
	"mta = mta1.example.com ldap1.example.com\n"
	"other_nodes = proxy1.example.com\n"
	"ldap_port = 3389\n"
	"prefix = /srv/zextras\n"
	"bootstrap = /srv/bin/carbonio-bootstrap\n"
	"\n"
	"[dovecot]\n"
	"servers = imap1.example.com imap2.example.com\n"
	"port = 12346\n"
	"max_conns = 20\n"
	"conf_dir = /etc/dovecot/local.d\n"
	"\n"
	"[monitor]\n"
	"crit_lag = 120\n"
	"warn_failed = -1\n"
	"\n"
	"[host ldap3.example.com]\n"
	"address = 192.0.2.13\n"
	"user = ops\n"
	"port = 2222\n"
	"identity = /keys/ldap3\n"
	"known_hosts = ~/kh\n"
	"prefix = /opt/other\n"
	"bootstrap = /opt/other/bootstrap\n"
	"ldap_port = 636\n"
	"conf_dir = /etc/dc\n"
	"\n"
	"[host imap2.example.com]\n"
	"address = 2001:db8::7\n";

static void test_full_and_overrides(void **state)
{
	(void)state;
	struct site *site = load_ok(full_site);
	size_t n;

	/* master+mta merged; order: master, replicas, mta, other, dovecot. */
	assert_int_equal(site_host_count(site), 7);
	assert_string_equal(site_host_at(site, 0)->name, "ldap1.example.com");
	assert_int_equal(site_host_at(site, 0)->roles, SITE_ROLE_MASTER | SITE_ROLE_MTA);
	assert_string_equal(site_host_at(site, 3)->name, "mta1.example.com");
	assert_string_equal(site_host_at(site, 6)->name, "imap2.example.com");
	assert_null(site_host_at(site, 7));

	const char *const *v = site_list(site, SITE_ROLE_REPLICA, &n);
	assert_int_equal(n, 2);
	assert_string_equal(v[0], "ldap2.example.com");
	assert_string_equal(v[1], "ldap3.example.com");
	v = site_list(site, SITE_ROLE_MTA, &n);
	assert_int_equal(n, 2);
	v = site_list(site, SITE_ROLE_DOVECOT, &n);
	assert_int_equal(n, 2);
	assert_string_equal(v[1], "imap2.example.com");

	/* Section values apply to a host without overrides. */
	const struct site_host *h = site_host(site, "ldap2.example.com");
	assert_non_null(h);
	assert_string_equal(h->user, "admin");
	assert_int_equal(h->port, 2200);
	assert_string_equal(h->identity, "/home/tester/.ssh/id_ed25519");
	assert_string_equal(h->known_hosts, "/etc/ssh/ssh_known_hosts");
	assert_string_equal(h->prefix, "/srv/zextras");
	assert_string_equal(h->bootstrap, "/srv/bin/carbonio-bootstrap");
	assert_int_equal(h->ldap_port, 3389);
	assert_string_equal(h->conf_dir, "/etc/dovecot/local.d");

	/* [host] overrides every key. */
	h = site_host(site, "ldap3.example.com");
	assert_non_null(h);
	assert_int_equal(h->roles, SITE_ROLE_REPLICA);
	assert_string_equal(h->address, "192.0.2.13");
	assert_string_equal(h->user, "ops");
	assert_int_equal(h->port, 2222);
	assert_string_equal(h->identity, "/keys/ldap3");
	assert_string_equal(h->known_hosts, "/home/tester/kh");
	assert_string_equal(h->prefix, "/opt/other");
	assert_string_equal(h->bootstrap, "/opt/other/bootstrap");
	assert_int_equal(h->ldap_port, 636);
	assert_string_equal(h->conf_dir, "/etc/dc");

	h = site_host(site, "imap2.example.com");
	assert_int_equal(h->roles, SITE_ROLE_DOVECOT);
	assert_string_equal(h->address, "2001:db8::7");
	assert_int_equal(h->doveadm_port, 12346);
	assert_int_equal(h->max_conns, 20);

	assert_string_equal(site_get(site, "carbonio", "replicas"), "ldap2.example.com ldap3.example.com");
	assert_null(site_get(site, "dovecot", "master"));
	assert_null(site_get(site, "host nowhere.example", "port"));
	site_free(site);
}

static void test_ipv6_and_comments(void **state)
{
	(void)state;
	/* BOM, CRLF, comments of both kinds, inline comments, blank lines,
	 * "name: value" (inih accepts it) and IPv6 literals. */
	struct site *site = load_ok("\xef\xbb\xbf; leading comment\r\n"
				    "# another\r\n"
				    "\r\n"
				    "[carbonio]   ; the LDAP part\r\n"
				    "  master = 2001:db8::1   # the master\r\n"
				    "replicas = 2001:db8::2 192.0.2.3 ; two replicas\r\n"
				    "ldap_port: 389\r\n"
				    "[host 2001:db8::2]\r\n"
				    "port = 2222\r\n");
	assert_int_equal(site_host_count(site), 3);
	const struct site_host *h = site_host(site, "2001:db8::2");
	assert_non_null(h);
	assert_int_equal(h->port, 2222);
	assert_string_equal(site_host_at(site, 0)->name, "2001:db8::1");
	assert_string_equal(site_host_at(site, 2)->name, "192.0.2.3");
	site_free(site);
}

static void test_dovecot_only_and_example(void **state)
{
	(void)state;
	struct site *site = load_ok("[dovecot]\nservers = 127.77.0.6 127.77.0.7\n");
	assert_int_equal(site_host_count(site), 2);
	assert_int_equal(site_host_at(site, 1)->roles, SITE_ROLE_DOVECOT);
	site_free(site);

	/* The shipped example must stay valid (tests run from the top level). */
	struct site_error err;
	site = site_load("site.example.ini", &err);
	if (site) {
		assert_non_null(site_host(site, "ldap3.example.com"));
		assert_int_equal(site_host(site, "ldap3.example.com")->port, 2222);
		site_free(site);
	} else {
		assert_true(err.open_failed); /* run from elsewhere: skip */
	}
}

static void test_dovecot_pairs(void **state)
{
	(void)state;
	struct site_error err;
	char out[256];
	struct site *site = load_ok("[dovecot]\nport = 12350\nconf_dir = /etc/dc\n"
				    "[dovecot east]\nservers = e1.example e2.example\nmax_conns = 20\n"
				    "[dovecot west]\nservers = w1.example w2.example\nport = 12351\n"
				    "[host w2.example]\nconf_dir = /etc/w2\n");
	assert_int_equal(site_pair_count(site), 2);
	const struct site_pair *e = site_pair_at(site, 0), *w = site_pair(site, "WEST");
	assert_string_equal(e->name, "east");
	assert_true(e->named);
	assert_int_equal(e->line, 4);
	assert_string_equal(e->servers[0], "e1.example");
	assert_string_equal(e->servers[1], "e2.example");
	assert_non_null(w);
	assert_string_equal(w->servers[1], "w2.example");
	assert_ptr_equal(site_pair_of(site, "w1.example"), w);
	assert_null(site_pair(site, "north"));
	size_t n;
	const char *const *v = site_list(site, SITE_ROLE_DOVECOT, &n);
	assert_int_equal(n, 4);
	assert_string_equal(v[2], "w1.example");
	/* each server: its pair's values, else [dovecot]'s, else the defaults */
	const struct site_host *h = site_host(site, "e1.example");
	assert_string_equal(h->pair, "east");
	assert_int_equal(h->doveadm_port, 12350);
	assert_int_equal(h->max_conns, 20);
	assert_string_equal(h->conf_dir, "/etc/dc");
	h = site_host(site, "w2.example");
	assert_string_equal(h->pair, "west");
	assert_int_equal(h->doveadm_port, 12351);
	assert_int_equal(h->max_conns, 10);
	assert_string_equal(h->conf_dir, "/etc/w2");
	assert_string_equal(site_get(site, "dovecot west", "port"), "12351");
	assert_null(site_get(site, "dovecot north", "port"));

	/* written and read back: the same pairs */
	snprintf(out, sizeof(out), "%s/pairs.ini", tmpdir);
	assert_int_equal(site_write(site, out, &err), 0);
	struct site *b = site_load(out, &err);
	assert_non_null(b);
	assert_int_equal(site_pair_count(b), 2);
	assert_string_equal(site_pair_at(b, 1)->name, "west");
	assert_int_equal(site_host(b, "w1.example")->doveadm_port, 12351);
	site_free(b);
	site_free(site);

	/* [dovecot] servers is the pair "default"; a named pair beside it */
	site = load_ok("[dovecot]\nservers = a.example b.example\n[dovecot two]\nservers = c.example d.example\n");
	assert_int_equal(site_pair_count(site), 2);
	assert_string_equal(site_pair_at(site, 0)->name, SITE_DEFAULT_PAIR);
	assert_false(site_pair_at(site, 0)->named);
	assert_string_equal(site_host(site, "b.example")->pair, SITE_DEFAULT_PAIR);
	site_free(site);

	/* the setters (TUI) make a named pair too */
	site = site_new();
	assert_true(site_set(site, "dovecot p1", "servers", "x1.example x2.example", &err));
	assert_true(site_set(site, "dovecot p2", "servers", "y1.example y2.example", &err));
	assert_true(site_validate(site, &err));
	assert_int_equal(site_pair_count(site), 2);
	assert_false(site_set(site, "dovecot bad name", "servers", "z1.example z2.example", &err));
	assert_true(site_set(site, "dovecot p3", "servers", "z1.example x2.example", &err));
	assert_false(site_validate(site, &err));
	assert_string_equal(err.section, "dovecot p3");
	site_free(site);
}

/* ---- bad files --------------------------------------------------------- */

struct bad_case {
	const char *text;
	int line;
	const char *section;
	const char *key;
	const char *message; /* substring of the message */
};

#define M "[carbonio]\nmaster = a.example\n"

static const struct bad_case bad_cases[] = {
	{ M "[sssh]\n", 3, "sssh", "", "unknown section \"sssh\" (did you mean [ssh]?)" },
	{ M "[weird]\nx = 1\n", 3, "weird", "", "unknown section \"weird\" (valid: [ssh], [carbonio], [dovecot], [dovecot NAME], [monitor], [host NAME])" },
	/* several Dovecot pairs */
	{ "[dovecot east]\nservers = i1.example i2.example\n[dovecot west]\nservers = i3.example I1.example\n", 4,
	  "dovecot west", "servers", "\"I1.example\" is already in the pair east (line 2): a server replicates with one partner only" },
	{ "[dovecot]\nservers = i1.example i2.example\n[dovecot b]\nservers = i2.example i3.example\n", 4,
	  "dovecot b", "servers", "\"i2.example\" is already in the pair default (line 2)" },
	{ "[dovecot east]\nport = 12346\n", 1, "dovecot east", "servers", "is required: the two Dovecot servers" },
	{ "[dovecot east]\nservers = i1.example\n", 2, "dovecot east", "servers", "needs exactly two servers (a replication pair), got 1" },
	{ "[dovecot e!st]\nservers = i1.example i2.example\n", 1, "dovecot e!st", "", "pair name \"e!st\": 1 to 63 letters" },
	{ "[dovecot a]\nservers = i1.example i2.example\n[dovecot A]\n", 3, "dovecot a", "", "duplicate section (first at line 1)" },
	{ "[dovecot]\nservers = i1.example i2.example\n[dovecot default]\nservers = i3.example i4.example\n", 3,
	  "dovecot default", "", "the pair name default is the one of [dovecot] servers (line 2)" },
	{ "[dovecot a]\nmaster = x.example\n", 2, "dovecot a", "master", "does not belong in [dovecot a]" },
	{ M "[monitor]\nwarn_lag = soon\n", 4, "monitor", "warn_lag", "must be a whole number from 0 to 1000000000, or -1" },
	{ M "[monitor]\ncrit_failed = -5\n", 4, "monitor", "crit_failed", "or -1 to turn the check off" },
	{ M "[monitor]\nwarn_lag = 10\nwarn_lag = 20\n", 5, "monitor", "warn_lag", "duplicate key (first set at line 4)" },
	{ M "[monitor]\nlag = 10\n", 4, "monitor", "lag", "unknown key \"lag\"" },
	{ "[monitor]\nmaster = a.example\n", 2, "monitor", "master", "does not belong in [monitor] (it goes in [carbonio])" },
	{ M "[carbonio]\n", 3, "carbonio", "", "duplicate section (first at line 1)" },
	{ M "[host a.example]\n[host A.EXAMPLE]\n", 4, "host a.example", "", "duplicate section (first at line 3)" },
	{ M "master = b.example\n", 3, "carbonio", "master", "duplicate key (first set at line 2)" },
	{ "[ssh]\nprot = 22\n" M, 2, "ssh", "prot", "unknown key \"prot\" (did you mean \"port\"?)" },
	{ M "replica = b.example\n", 3, "carbonio", "replica", "(did you mean \"replicas\"?)" },
	{ "[dovecot]\nfoo = 1\n", 2, "dovecot", "foo", "unknown key \"foo\" (valid: port, servers, max_conns, conf_dir)" },
	{ "[ssh]\nmaster = a.example\n", 2, "ssh", "master", "\"master\" does not belong in [ssh] (it goes in [carbonio])" },
	{ M "ldap_password = x\n", 3, "carbonio", "ldap_password", "\"ldap_password\" looks like a secret: no secret is ever read from or written to this file" },
	{ "[ssh]\npass = x\n", 2, "ssh", "pass", "looks like a secret" },
	{ "[ssh]\nPassphrase = x\n", 2, "ssh", "Passphrase", "looks like a secret" },
	{ "[ssh]\nprivate_key = /x\n", 2, "ssh", "private_key", "looks like a secret" },
	{ M "[host a.example]\nsecret = x\n", 4, "host a.example", "secret", "looks like a secret" },
	{ "[carbonio]\nmaster =\n", 2, "carbonio", "master", "a value is required" },
	{ "[carbonio]\nmaster = a_b\n", 2, "carbonio", "master", "\"a_b\" is not a valid host name" },
	{ M "replicas = b.example bad!host\n", 3, "carbonio", "replicas", "\"bad!host\" is not a valid host name" },
	{ "[ssh]\nport = 2x\n" M, 2, "ssh", "port", "\"2x\" is not a valid port (digits only, 1 to 65535)" },
	{ M "[host a.example]\nport = 0\n", 4, "host a.example", "port", "\"0\" is not a valid port (1 to 65535)" },
	{ "[dovecot]\nservers = i1.example i2.example\nport = 70000\n", 3, "dovecot", "port", "\"70000\" is not a valid port (1 to 65535)" },
	{ M "ldap_port = -389\n", 3, "carbonio", "ldap_port", "is not a valid port (digits only" },
	{ M "ldap_direct = true\n", 3, "carbonio", "ldap_direct", "must be yes or no" },
	{ M "ldap_ca_file = ca.pem\n", 3, "carbonio", "ldap_ca_file", "absolute" },
	{ M "[host a.example]\nldap_direct = yes\n", 4, "host a.example", "ldap_direct", "does not belong" },
	{ "[dovecot]\nmax_conns = 0\n", 2, "dovecot", "max_conns", "\"0\" is out of range (1 to 1000)" },
	{ "[dovecot]\nmax_conns = 1001\n", 2, "dovecot", "max_conns", "\"1001\" is out of range (1 to 1000)" },
	{ M "prefix = opt/zextras\n", 3, "carbonio", "prefix", "\"opt/zextras\" is not an absolute path (start it with /)" },
	{ M "bootstrap = ~/carbonio-bootstrap\n", 3, "carbonio", "bootstrap", "is not an absolute path (start it with /)" },
	{ M "[host a.example]\nconf_dir = conf.d\n", 4, "host a.example", "conf_dir", "\"conf.d\" is not an absolute path" },
	{ "[ssh]\nidentity = .ssh/id\n" M, 2, "ssh", "identity", "is not an absolute path (start it with / or ~/)" },
	{ "[ssh]\nuser = -x\n" M, 2, "ssh", "user", "\"-x\" is not a valid user name" },
	{ "[carbonio]\nmaster = a\x1b.example\n", 2, "carbonio", "master", "control character U+001B" },
	{ "[carbonio]\nmaster = a\r.example\n", 2, "carbonio", "master", "control character U+000D" },
	{ "# caf\xe9\n" M, 1, "", "", "invalid UTF-8 (byte 0xe9" },
	{ M "other_nodes = x\xc3\n", 3, "carbonio", "other_nodes", "invalid UTF-8" },
	{ M "replicas = b.example b.example\n", 3, "carbonio", "replicas", "\"b.example\" is listed twice" },
	{ M "replicas = b.example A.EXAMPLE\n", 3, "carbonio", "replicas", "\"A.EXAMPLE\" is the master: a replica must be another node" },
	{ "[dovecot]\nservers = i1.example\n", 2, "dovecot", "servers", "needs exactly two servers (a replication pair), got 1" },
	{ "[dovecot]\nservers = i1.example i2.example i3.example\n", 2, "dovecot", "servers", "got 3" },
	{ "[dovecot]\nservers = i1.example I1.example\n", 2, "dovecot", "servers", "both servers are \"I1.example\"" },
	{ "\n[carbonio]\nreplicas = b.example\n", 2, "carbonio", "master", "is required" },
	{ M "[dovecot]\nport = 12345\n", 3, "dovecot", "servers", "is required" },
	{ "master = a.example\n", 1, "", "master", "a key outside of any section" },
	{ M "junk line\n", 3, "carbonio", "", "\"junk line\" is not \"key = value\", a [section] or a comment" },
	{ M "  replicas b.example\n", 3, "carbonio", "", "\"replicas b.example\" is not \"key = value\"" },
	{ M "= x\n", 3, "carbonio", "", "a line has no key before '='" },
	{ "[carbonio\nmaster = a.example\n", 1, "", "", "section header without a closing ']'" },
	{ "[host]\n", 1, "host", "", "a host section needs the node's name: [host NAME]" },
	{ M "[host bad_name]\n", 3, "host bad_name", "", "\"bad_name\" is not a valid host name" },
	{ "[ssh] x\n" M, 1, "", "", "unexpected text \"x\" after the section header" },
	{ "", 0, "", "", "the site names no host: set [carbonio] master or [dovecot] servers" },
	{ "[ssh]\nuser = root\n", 0, "", "", "the site names no host" },
	{ "[carbonio]\r\nmaster = a.example\r\n\r\n[dovecot]\r\nservers = x.example x.example\r\n", 5, "dovecot", "servers", "both servers" },
	{ "[carbonio]\nmaster = a.example\n[host a.example]\naddress = not valid\n", 4, "host a.example", "address", "\"not valid\" is not a valid host name" },
};

/* The path of our own LDAP connections: through SSH unless the site says
 * ldap_direct = yes; ldap_ca_file with ~ expanded. */
static void test_ldap_route_keys(void **state)
{
	(void)state;
	struct site *site = load_ok(M);
	assert_false(site_ldap_direct(site));
	assert_null(site_ldap_ca_file(site));
	site_free(site);

	site = load_ok(M "ldap_direct = no\n");
	assert_false(site_ldap_direct(site));
	site_free(site);

	site = load_ok(M "ldap_direct = yes\nldap_ca_file = ~/carbonio-ca.pem\n");
	assert_true(site_ldap_direct(site));
	char *ca = site_ldap_ca_file(site);
	assert_string_equal(ca, "/home/tester/carbonio-ca.pem");
	free(ca);
	site_free(site);
}

static void test_bad_files(void **state)
{
	(void)state;
	size_t n = sizeof(bad_cases) / sizeof(bad_cases[0]);
	assert_true(n >= 25);
	for (size_t i = 0; i < n; i++) {
		const struct bad_case *c = &bad_cases[i];
		struct site_error err;
		struct site *site = load_text(c->text, &err);
		char buf[2048];

		if (site) {
			print_error("case %zu: accepted:\n%s\n", i, c->text);
			site_free(site);
			fail();
		}
		site_error_format(&err, buf, sizeof(buf));
		if (err.line != c->line || strcmp(err.section, c->section) != 0 ||
		    strcmp(err.key, c->key) != 0 || !strstr(err.message, c->message)) {
			print_error("case %zu: got   line %d [%s] key '%s': %s\n"
				    "         want line %d [%s] key '%s': ...%s...\n",
				    i, err.line, err.section, err.key, err.message, c->line, c->section,
				    c->key, c->message);
			fail();
		}
		assert_false(err.open_failed);
		assert_non_null(strstr(err.file, "/site.ini"));
	}
}

/* A [host NAME] that no role names is a spare (a node kept aside, a replica
 * taken out): accepted with a warning, and a likely typo is named. */
static void test_spare_host_warns(void **state)
{
	(void)state;
	struct site *site = load_ok("[carbonio]\nmaster = m.example\nreplicas = ds1.example\n"
				    "[host spare.example]\nport = 2222\n"
				    "[host ds2.example]\nport = 22\n");

	assert_int_equal(site_host_count(site), 2);
	assert_null(site_host(site, "spare.example"));
	assert_int_equal(site_warning_count(site), 2);
	assert_string_equal(site_warning_at(site, 0),
			    "line 4: [host spare.example]: \"spare.example\" is not named in [carbonio] "
			    "or [dovecot]: kept as a spare host, not contacted");
	assert_non_null(strstr(site_warning_at(site, 1), "line 6: [host ds2.example]"));
	assert_non_null(strstr(site_warning_at(site, 1), "(did you mean \"ds1.example\"?)"));
	assert_null(site_warning_at(site, 2));
	site_free(site);

	site = load_ok(M);
	assert_int_equal(site_warning_count(site), 0);
	site_free(site);
}

static void test_long_lines_and_nul(void **state)
{
	(void)state;
	struct site_error err;
	static char text[8000];

	/* A value over 1024 bytes: reported on its key. */
	int len = sprintf(text, "[carbonio]\nmaster = ");
	memset(text + len, 'a', 1100);
	strcpy(text + len + 1100, "\n");
	assert_null(load_text(text, &err));
	assert_int_equal(err.line, 2);
	assert_string_equal(err.key, "master");
	assert_string_equal(err.message, "value is 1100 bytes long (at most 1024)");

	/* A line longer than inih's buffer is caught before inih cuts it. */
	len = sprintf(text, M "prefix = /");
	memset(text + len, 'p', 5000);
	strcpy(text + len + 5000, "\n");
	assert_null(load_text(text, &err));
	assert_int_equal(err.line, 3);
	assert_string_equal(err.key, "prefix");
	assert_string_equal(err.message, "line is longer than 4094 bytes");

	/* A NUL byte inside a line. */
	static const char nul[] = "[carbonio]\nmaster = a.example\nmta = b\0c\n";
	assert_null(site_load(write_file("nul.ini", nul, sizeof(nul) - 1), &err));
	assert_int_equal(err.line, 3);
	assert_string_equal(err.key, "mta");
	assert_string_equal(err.message, "control character U+0000 at offset 7");
}

/* Another module (procedure.c) sets libinih's run-time globals for its own
 * parse; site_load must not depend on what it left behind, and must put
 * the values back. */
static void test_inih_globals_isolated(void **state)
{
	(void)state;
	bool old_stack = ini_use_stack, old_realloc = ini_allow_realloc;
	bool old_multi = ini_allow_multiline, old_inline = ini_allow_inline_comments;
	int old_max = ini_max_line;

	ini_use_stack = false;
	ini_allow_realloc = true;
	ini_allow_multiline = true;
	ini_allow_inline_comments = false;
	ini_max_line = 150;

	char text[2048];
	int len = sprintf(text, "[carbonio]\nmaster = a.example ; inline comment\nprefix = /");
	memset(text + len, 'p', 900);
	strcpy(text + len + 900, "\n  \n");
	struct site *site = load_ok(text);
	assert_int_equal(strlen(site_host(site, "a.example")->prefix), 901);
	site_free(site);

	assert_false(ini_use_stack);
	assert_true(ini_allow_realloc);
	assert_true(ini_allow_multiline);
	assert_false(ini_allow_inline_comments);
	assert_int_equal(ini_max_line, 150);
	ini_use_stack = old_stack;
	ini_allow_realloc = old_realloc;
	ini_allow_multiline = old_multi;
	ini_allow_inline_comments = old_inline;
	ini_max_line = old_max;
}

static void test_error_format(void **state)
{
	(void)state;
	struct site_error err;
	char buf[2048], want[512];

	assert_null(load_text(M "replicas = b.example a_b\n", &err));
	snprintf(want, sizeof(want),
		 "%s/site.ini:3: [carbonio] replicas: \"a_b\" is not a valid host name", tmpdir);
	assert_string_equal(site_error_format(&err, buf, sizeof(buf)), want);

	assert_null(load_text(M "[zz]\n", &err));
	snprintf(want, sizeof(want),
		 "%s/site.ini:3: [zz]: unknown section \"zz\" (valid: [ssh], [carbonio], [dovecot], [dovecot NAME], [monitor], [host NAME])",
		 tmpdir);
	assert_string_equal(site_error_format(&err, buf, sizeof(buf)), want);

	assert_null(load_text("", &err));
	snprintf(want, sizeof(want),
		 "%s/site.ini: the site names no host: set [carbonio] master or [dovecot] servers", tmpdir);
	assert_string_equal(site_error_format(&err, buf, sizeof(buf)), want);

	assert_null(site_load("/nonexistent/dir/site.ini", &err));
	assert_true(err.open_failed);
	assert_string_equal(site_error_format(&err, buf, sizeof(buf)),
			    "cannot open site file /nonexistent/dir/site.ini: No such file or directory");

	assert_null(site_load(tmpdir, &err));
	snprintf(want, sizeof(want), "cannot open site file %s: Is a directory", tmpdir);
	assert_string_equal(site_error_format(&err, buf, sizeof(buf)), want);
	assert_null(site_load(tmpdir, NULL)); /* err may be NULL */
}

/* ---- building and writing ---------------------------------------------- */

static void assert_same_hosts(const struct site *a, const struct site *b)
{
	assert_int_equal(site_host_count(a), site_host_count(b));
	for (size_t i = 0; i < site_host_count(a); i++) {
		const struct site_host *x = site_host_at(a, i), *y = site_host_at(b, i);
		assert_string_equal(x->name, y->name);
		assert_int_equal(x->roles, y->roles);
		assert_string_equal(x->address, y->address);
		assert_string_equal(x->user, y->user);
		assert_int_equal(x->port, y->port);
		if (x->identity || y->identity)
			assert_string_equal(x->identity, y->identity);
		assert_string_equal(x->known_hosts, y->known_hosts);
		assert_string_equal(x->prefix, y->prefix);
		assert_string_equal(x->bootstrap, y->bootstrap);
		assert_int_equal(x->ldap_port, y->ldap_port);
		assert_string_equal(x->conf_dir, y->conf_dir);
		assert_int_equal(x->doveadm_port, y->doveadm_port);
		assert_int_equal(x->max_conns, y->max_conns);
	}
}

static void test_round_trip(void **state)
{
	(void)state;
	struct site_error err;
	char out[256];
	struct stat st;

	struct site *a = load_ok(full_site);
	snprintf(out, sizeof(out), "%s/written.ini", tmpdir);
	assert_int_equal(site_write(a, out, &err), 0);
	assert_int_equal(stat(out, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);

	struct site *b = site_load(out, &err);
	assert_non_null(b);
	assert_same_hosts(a, b);
	assert_string_equal(site_get(b, "ssh", "identity"), "~/.ssh/id_ed25519");
	assert_string_equal(site_get(b, "host ldap3.example.com", "address"), "192.0.2.13");
	assert_string_equal(site_get(b, "monitor", "crit_lag"), "120");
	assert_string_equal(site_get(b, "monitor", "warn_failed"), "-1");

	/* Writing the reloaded site gives the same bytes. */
	char out2[256];
	snprintf(out2, sizeof(out2), "%s/written2.ini", tmpdir);
	assert_int_equal(site_write(b, out2, &err), 0);
	FILE *f1 = fopen(out, "r"), *f2 = fopen(out2, "r");
	char b1[4096], b2[4096];
	size_t n1 = fread(b1, 1, sizeof(b1), f1), n2 = fread(b2, 1, sizeof(b2), f2);
	fclose(f1);
	fclose(f2);
	assert_int_equal(n1, n2);
	assert_memory_equal(b1, b2, n1);
	assert_non_null(strstr(b1, "No secret is ever read from or written to this file"));
	site_free(a);
	site_free(b);

	/* No temp file is left behind. */
	DIR *d = opendir(tmpdir);
	struct dirent *e;
	while ((e = readdir(d)))
		assert_null(strstr(e->d_name, ".ini."));
	closedir(d);

	/* A directory that does not exist: an error, nothing written. */
	struct site *c = load_ok(M);
	assert_int_equal(site_write(c, "/nonexistent/dir/site.ini", &err), -1);
	assert_non_null(strstr(err.message, "cannot create a temporary file next to /nonexistent/dir/site.ini"));
	site_free(c);
}

static void test_build_with_setters(void **state)
{
	(void)state;
	struct site_error err;
	char buf[1024];
	struct site *site = site_new();

	memset(&err, 0, sizeof(err));
	assert_false(site_validate(site, &err));
	assert_string_equal(err.message, "the site names no host: set [carbonio] master or [dovecot] servers");

	assert_true(site_set(site, "carbonio", "master", "ldap1.example.com", &err));
	assert_true(site_set(site, "carbonio", "replicas", "ldap2.example.com  ldap3.example.com", &err));
	assert_true(site_set(site, "host ldap2.example.com", "port", "2022", &err));
	assert_true(site_set(site, "ssh", "identity", "~/.ssh/k", &err));

	/* The same checks as the file, with no file and no line. */
	assert_false(site_set(site, "carbonio", "ldap_password", "x", &err));
	assert_int_equal(err.line, 0);
	assert_string_equal(site_error_format(&err, buf, sizeof(buf)),
			    "[carbonio] ldap_password: \"ldap_password\" looks like a secret: no secret is "
			    "ever read from or written to this file (the wizard asks for passwords or reads "
			    "them from REPLICA_WIZARD_*_PASSWORD)");
	assert_false(site_set(site, "ssh", "port", "abc", &err));
	assert_string_equal(err.key, "port");
	assert_false(site_set(site, "carbonio", "prefix", "/opt/x ;y", &err));
	assert_false(site_set(site, "carbonio", "prefix", " /opt/x", &err));
	assert_false(site_set(site, "nope", "x", "y", &err));
	assert_string_equal(err.section, "nope");
	assert_false(site_set(site, "host a_b", "port", "22", &err));

	assert_true(site_validate(site, &err));
	assert_int_equal(site_host_count(site), 3);
	assert_int_equal(site_host(site, "ldap2.example.com")->port, 2022);
	assert_int_equal(site_host(site, "ldap3.example.com")->port, 22);
	assert_string_equal(site_host(site, "ldap1.example.com")->identity, "/home/tester/.ssh/k");
	assert_string_equal(site_get(site, "carbonio", "replicas"), "ldap2.example.com ldap3.example.com");

	/* A change invalidates the resolved view until the next validate. */
	assert_true(site_set(site, "carbonio", "replicas", NULL, &err));
	assert_int_equal(site_host_count(site), 0);
	assert_true(site_validate(site, &err)); /* [host ldap2] now names nobody: a spare */
	assert_int_equal(site_warning_count(site), 1);
	assert_non_null(strstr(site_warning_at(site, 0), "[host ldap2.example.com]"));
	assert_true(site_remove_host_section(site, "LDAP2.example.com"));
	assert_false(site_remove_host_section(site, "ldap2.example.com"));
	assert_true(site_validate(site, &err));
	assert_int_equal(site_host_count(site), 1);

	char out[256];
	snprintf(out, sizeof(out), "%s/built.ini", tmpdir);
	assert_int_equal(site_write(site, out, &err), 0);
	struct site *back = site_load(out, &err);
	assert_non_null(back);
	assert_same_hosts(site, back);
	site_free(back);
	site_free(site);
	site_free(NULL);
}

static void test_default_path(void **state)
{
	(void)state;
	char *p;

	setenv("REPLICA_WIZARD_SITE", "/etc/rw/site.ini", 1);
	p = site_default_path();
	assert_string_equal(p, "/etc/rw/site.ini");
	free(p);
	unsetenv("REPLICA_WIZARD_SITE");
	setenv("XDG_CONFIG_HOME", "/cfg", 1);
	p = site_default_path();
	assert_string_equal(p, "/cfg/replica-wizard/site.ini");
	free(p);
	setenv("XDG_CONFIG_HOME", "relative", 1);
	p = site_default_path();
	assert_string_equal(p, "/home/tester/.config/replica-wizard/site.ini");
	free(p);
	unsetenv("XDG_CONFIG_HOME");
	p = site_default_path();
	assert_string_equal(p, "/home/tester/.config/replica-wizard/site.ini");
	free(p);

	char roles[64];
	assert_string_equal(site_roles_format(SITE_ROLE_MASTER | SITE_ROLE_MTA, roles, sizeof(roles)),
			    "master, mta");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_minimal),
		cmocka_unit_test(test_ldap_route_keys),
		cmocka_unit_test(test_full_and_overrides),
		cmocka_unit_test(test_ipv6_and_comments),
		cmocka_unit_test(test_dovecot_only_and_example),
		cmocka_unit_test(test_dovecot_pairs),
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_spare_host_warns),
		cmocka_unit_test(test_long_lines_and_nul),
		cmocka_unit_test(test_inih_globals_isolated),
		cmocka_unit_test(test_error_format),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_build_with_setters),
		cmocka_unit_test(test_default_path),
	};
	return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
