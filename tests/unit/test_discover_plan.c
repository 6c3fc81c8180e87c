/* `site discover`, the pure part (src/discover_plan.c): roles read from the
 * directory as the real tools mark them, the file's names kept, new servers
 * added, stale ones kept or pruned, the master by its alias. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dirservers.h"
#include "discover_plan.h"
#include "discover_write.h"
#include "site.h"
#include "sitelock.h"
#include "xalloc.h"

#include <sys/stat.h>

static struct site *load(const char *text)
{
	char path[] = "/tmp/rw-discover-plan-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	struct site_error e;
	struct site *s = site_load(path, &e);
	unlink(path);
	if (!s)
		fail_msg("%s", e.message);
	return s;
}

/* A master (by its own name), an MTA, a bootstrapped replica (setup.pl left
 * directory-server, not ldap), a mailbox, a multi-master peer. */
static const char gas[] =
	"# name ds1.example.com\n"
	"zimbraServiceEnabled: directory-server\n"
	"zimbraServiceEnabled: stats\n"
	"# name mx1.example.com\n"
	"zimbraServiceEnabled: amavis\n"
	"zimbraServiceEnabled: mta\n"
	"# name ds2.example.com\n"
	"zimbraServiceEnabled: stats\n"
	"zimbraServiceEnabled: directory-server\n"
	"# name store1.example.com\n"
	"zimbraServiceEnabled: mailbox\n"
	"# name ds0.example.com\n"
	"zimbraServiceEnabled: directory-server\n";

struct fixture {
	struct dirservers *d;
	const char *master_hosts[2];
	const char *url_hosts[3];
	struct discover_input in;
};

static void input(struct fixture *f, const char *list)
{
	struct dirservers_error e;
	f->d = dirservers_parse(list, strlen(list), &e);
	assert_non_null(f->d);
	f->master_hosts[0] = "ds1.example.com";
	f->master_hosts[1] = "DS0.example.com"; /* multi-master: another master */
	f->in = (struct discover_input){
		.servers = f->d,
		.master_hostname = "ds1.example.com",
		.master_url_hosts = f->master_hosts,
		.n_master_url_hosts = 2,
		.url_hosts = f->url_hosts,
		.n_url_hosts = 0,
	};
}

static const struct discover_server *server(const struct discover_plan *p, const char *name)
{
	for (size_t i = 0; i < p->n_servers; i++)
		if (strcmp(p->servers[i].name, name) == 0)
			return &p->servers[i];
	fail_msg("no server %s", name);
	return NULL;
}

static void test_master_only(void **state)
{
	(void)state;
	/* the master by an alias: the site keeps its own name for it */
	struct site *s = load("[ssh]\nuser = root\n[carbonio]\nmaster = ldap.example.com\n"
			      "[host ldap.example.com]\naddress = 192.0.2.2\n");
	struct fixture f;
	input(&f, gas);
	struct discover_plan *p = discover_plan_new(s, &f.in, false);
	assert_int_equal(p->n_servers, 5);
	assert_int_equal(p->master, 0);
	assert_string_equal(p->servers[0].site_name, "ldap.example.com");
	assert_int_equal(p->servers[0].roles, SITE_ROLE_MASTER);
	assert_int_equal(server(p, "ds2.example.com")->roles, SITE_ROLE_REPLICA);
	assert_int_equal(server(p, "ds2.example.com")->old_roles, 0);
	assert_int_equal(server(p, "mx1.example.com")->roles, SITE_ROLE_MTA);
	assert_int_equal(server(p, "store1.example.com")->roles, SITE_ROLE_OTHER);
	assert_int_equal(server(p, "ds0.example.com")->roles, SITE_ROLE_OTHER);
	assert_int_equal(server(p, "ds0.example.com")->note, DISCOVER_NOTE_OTHER_MASTER);
	assert_true(discover_plan_changed(p));
	assert_true(p->lists[DISCOVER_REPLICAS].changed);
	assert_null(p->lists[DISCOVER_REPLICAS].old_value);
	assert_string_equal(p->lists[DISCOVER_REPLICAS].new_value, "ds2.example.com");
	assert_string_equal(p->lists[DISCOVER_MTA].new_value, "mx1.example.com");
	assert_string_equal(p->lists[DISCOVER_OTHER_NODES].new_value, "store1.example.com ds0.example.com");
	assert_int_equal(p->n_stale, 0);
	discover_plan_free(p);
	dirservers_free(f.d);
	site_free(s);
}

static void test_kept_moved_stale(void **state)
{
	(void)state;
	/* the file: a replica the directory does not know (kept), the MTA in
	 * another case (kept as written), ds2 still in other_nodes (moved to
	 * replicas), the master also an MTA by its alias */
	static const char text[] =
		"[carbonio]\nmaster = ldap.example.com\nreplicas = old.example.com\n"
		"mta = MX1.example.com ldap.example.com\nother_nodes = ds2.example.com store1.example.com\n"
		"[dovecot]\nservers = imap1 imap2\n"
		"[host old.example.com]\nport = 2222\n";
	struct site *s = load(text);
	struct fixture f;
	input(&f, "# name ds1.example.com\nzimbraServiceEnabled: directory-server\nzimbraServiceEnabled: mta\n"
		  "# name mx1.example.com\nzimbraServiceEnabled: mta\n"
		  "# name ds2.example.com\nzimbraServiceEnabled: ldap\n"
		  "# name store1.example.com\nzimbraServiceEnabled: mailbox\n");
	struct discover_plan *p = discover_plan_new(s, &f.in, false);
	assert_int_equal(p->servers[0].roles, SITE_ROLE_MASTER | SITE_ROLE_MTA);
	assert_int_equal(server(p, "ds2.example.com")->old_roles, SITE_ROLE_OTHER);
	assert_string_equal(p->lists[DISCOVER_REPLICAS].new_value, "old.example.com ds2.example.com");
	assert_false(p->lists[DISCOVER_MTA].changed);
	assert_string_equal(p->lists[DISCOVER_OTHER_NODES].new_value, "store1.example.com");
	assert_int_equal(p->n_stale, 1);
	assert_string_equal(p->stale[0].name, "old.example.com");
	assert_int_equal(p->stale[0].roles, SITE_ROLE_REPLICA);
	assert_false(p->stale[0].pruned);
	assert_false(p->stale[0].drop_section);
	discover_plan_free(p);

	/* prune: the stale node goes, with its [host] section */
	p = discover_plan_new(s, &f.in, true);
	assert_string_equal(p->lists[DISCOVER_REPLICAS].new_value, "ds2.example.com");
	assert_true(p->stale[0].pruned);
	assert_true(p->stale[0].drop_section);
	discover_plan_free(p);
	dirservers_free(f.d);
	site_free(s);
}

static void test_nothing_to_change(void **state)
{
	(void)state;
	/* spacing differs, the content does not: no change; a Dovecot server
	 * the directory does not know is not stale (it is not Carbonio's) */
	struct site *s = load("[carbonio]\nmaster = ds1.example.com\nreplicas =  ds2.example.com\n"
			      "mta = mx1.example.com\nother_nodes = store1.example.com   ds0.example.com\n"
			      "[dovecot]\nservers = imap1 imap2\n");
	struct fixture f;
	input(&f, gas);
	struct discover_plan *p = discover_plan_new(s, &f.in, true);
	assert_false(discover_plan_changed(p));
	assert_int_equal(p->n_stale, 0);
	assert_int_equal(server(p, "ds2.example.com")->old_roles, SITE_ROLE_REPLICA);
	discover_plan_free(p);
	dirservers_free(f.d);
	site_free(s);
}

static void test_ldap_url_and_missing_master(void **state)
{
	(void)state;
	/* a server with no directory service that the master's ldap_url lists is
	 * a replica (noted); a site master the directory does not list: -1 */
	struct site *s = load("[carbonio]\nmaster = elsewhere.example.com\n");
	struct fixture f;
	input(&f, "# name ds1.example.com\nzimbraServiceEnabled: directory-server\n"
		  "# name ds3.example.com\nzimbraServiceEnabled: stats\n");
	f.url_hosts[0] = "ds3.example.com";
	f.url_hosts[1] = "ds1.example.com";
	f.in.n_url_hosts = 2;
	f.in.master_hostname = "nosuch.example.com";
	f.in.n_master_url_hosts = 0;
	struct discover_plan *p = discover_plan_new(s, &f.in, false);
	assert_int_equal(p->master, -1);
	assert_int_equal(server(p, "ds3.example.com")->roles, SITE_ROLE_REPLICA);
	assert_int_equal(server(p, "ds3.example.com")->note, DISCOVER_NOTE_LDAP_URL_ONLY);
	assert_string_not_equal(discover_note_text(DISCOVER_NOTE_LDAP_URL_ONLY), "");
	/* not the master: a directory server is a replica */
	assert_int_equal(server(p, "ds1.example.com")->roles, SITE_ROLE_REPLICA);
	discover_plan_free(p);
	dirservers_free(f.d);
	site_free(s);
}

static void test_own_names(void **state)
{
	(void)state;
	/* the file names the replica by its address: once the node says it is
	 * ds2.example.com, it is that server (kept as written), not a stale node
	 * plus a new one; an unreachable node (no own name) stays stale */
	struct site *s = load("[carbonio]\nmaster = ds1.example.com\nreplicas = 192.0.2.3 192.0.2.99\n"
			      "mta = mx1.example.com\nother_nodes = store1.example.com ds0.example.com\n");
	struct fixture f;
	input(&f, gas);
	struct dirservers_node own[] = { { "192.0.2.3", "DS2.example.com" }, { "192.0.2.99", NULL } };
	struct discover_plan *p = discover_plan_new(s, &f.in, false);
	assert_int_equal(p->n_stale, 2);
	assert_string_equal(p->lists[DISCOVER_REPLICAS].new_value, "192.0.2.3 192.0.2.99 ds2.example.com");
	discover_plan_free(p);
	f.in.own_names = own;
	f.in.n_own_names = 2;
	p = discover_plan_new(s, &f.in, false);
	assert_int_equal(p->n_stale, 1);
	assert_string_equal(p->stale[0].name, "192.0.2.99");
	assert_string_equal(server(p, "ds2.example.com")->site_name, "192.0.2.3");
	assert_int_equal(server(p, "ds2.example.com")->old_roles, SITE_ROLE_REPLICA);
	assert_false(p->lists[DISCOVER_REPLICAS].changed);
	assert_false(discover_plan_changed(p));
	discover_plan_free(p);
	/* pruned: the unreachable one goes, the address stays */
	p = discover_plan_new(s, &f.in, true);
	assert_string_equal(p->lists[DISCOVER_REPLICAS].new_value, "192.0.2.3");
	discover_plan_free(p);
	dirservers_free(f.d);
	site_free(s);
}

/* The plan written (src/discover_write.c): in place, under the site lock, not
 * over a file changed since it was read. */
static void test_write(void **state)
{
	(void)state;
	char dir[] = "/tmp/rw-discover-write-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char *sdir = xasprintf("%s/state", dir);
	setenv("REPLICA_WIZARD_STATE_DIR", sdir, 1);
	char *path = xasprintf("%s/site.ini", dir);
	static const char text[] = "# mine\n[carbonio]\nmaster = ds1.example.com ; the master\n";
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	struct site *s = site_load(path, NULL);
	assert_non_null(s);
	struct fixture fx;
	input(&fx, gas);
	struct discover_plan *p = discover_plan_new(s, &fx.in, false);
	char err[1024];

	/* another run holds the site: refused */
	char *lp = sitelock_path_for(path);
	assert_int_equal(mkdir(sdir, 0700), 0);
	bool busy;
	struct sitelock *held = sitelock_acquire(lp, "install-replica", &busy, err, sizeof err);
	assert_non_null(held);
	assert_int_equal(discover_write(path, text, sizeof text - 1, p, err, sizeof err), -1);
	assert_non_null(strstr(err, "not written"));
	sitelock_release(held);

	/* changed since it was read: refused */
	static const char other[] = "# mine\n[carbonio]\nmaster = ds1.example.com\n";
	assert_int_equal(discover_write(path, other, sizeof other - 1, p, err, sizeof err), -1);
	assert_non_null(strstr(err, "changed while the master was asked"));

	assert_int_equal(discover_write(path, text, sizeof text - 1, p, err, sizeof err), 0);
	size_t len;
	char *now = discover_read_text(path, &len);
	assert_string_equal(now, "# mine\n[carbonio]\nmaster = ds1.example.com ; the master\n"
				 "replicas = ds2.example.com\nmta = mx1.example.com\n"
				 "other_nodes = store1.example.com ds0.example.com\n");
	free(now);

	discover_plan_free(p);
	dirservers_free(fx.d);
	site_free(s);
	unlink(path);
	unlink(lp);
	rmdir(sdir);
	rmdir(dir);
	free(lp);
	free(path);
	free(sdir);
	unsetenv("REPLICA_WIZARD_STATE_DIR");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_master_only),
		cmocka_unit_test(test_kept_moved_stale),
		cmocka_unit_test(test_nothing_to_change),
		cmocka_unit_test(test_ldap_url_and_missing_master),
		cmocka_unit_test(test_own_names),
		cmocka_unit_test(test_write),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
