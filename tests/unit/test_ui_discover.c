/* The Discover view (ui/discover_view.c) driven by a real event loop: a
 * site without a master is refused before anything connects; a master that
 * cannot be reached shows the failure (the file unchanged) and `r` asks
 * again; `w` does nothing without an answer; q leaves. The pick mode (the
 * Nodes page's F5): no master typed is refused, a failure hands nothing
 * back (Enter ignored). The lab tests t/43 and t/66 cover the answer itself
 * (through `site discover` and the TUI, the same engine). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "discover_view.h"
#include "discover_write.h"
#include "loop.h"
#include "site.h"
#include "term.h"
#include "view.h"
#include "widgets/keys.h"
#include "xalloc.h"

static char dir[] = "/tmp/rw-test-discover-XXXXXX";

static char *write_site(const char *name, const char *text)
{
	char *path = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

/* Run the loop, ticking the view, until the screen shows want (or 15 s). */
static bool wait_screen(struct ui *ui, struct loop *loop, const char *want)
{
	for (double t0 = loop_now(); loop_now() - t0 < 15;) {
		loop_poll(loop, 50);
		struct view *v = ui_top(ui);
		if (v->ops->tick)
			v->ops->tick(v);
		ui_draw(ui, true);
		char *got = term_dump();
		bool found = strstr(got, want) != NULL;
		free(got);
		if (found)
			return true;
	}
	char *got = term_dump();
	fprintf(stderr, "screen:\n%s\n", got);
	free(got);
	return false;
}

static void picked(void *ud, const struct discover_plan *plan)
{
	(void)plan;
	(*(int *)ud)++;
}

static void test_discover_view(void **state)
{
	(void)state;
	assert_non_null(mkdtemp(dir));
	/* no ~/.ssh/config of the machine running the tests */
	setenv("HOME", dir, 1);
	FILE *out = fopen("/dev/null", "w"), *in = fopen("/dev/null", "r");
	assert_non_null(term_init_headless(out, in, 24, 80));
	struct loop *loop = loop_new();
	struct ui *ui = ui_new(loop);
	char err[512];

	/* no master: refused, nothing pushed */
	char *nomaster = write_site("dovecot.ini", "[dovecot]\nservers = imap1 imap2\n");
	assert_false(ui_push(ui, &discover_view_ops, nomaster, err, sizeof err));
	assert_non_null(strstr(err, "names no [carbonio] master"));
	assert_int_equal(ui->depth, 0);

	/* a master nobody listens for (port 1 of this machine) */
	static const char site[] = "# mine\n[ssh]\nport = 1\nknown_hosts = ~/kh\n[carbonio]\nmaster = 127.0.0.1\n";
	char *path = write_site("site.ini", site);
	assert_true(ui_push(ui, &discover_view_ops, path, err, sizeof err));
	assert_true(wait_screen(ui, loop, "cannot connect to the master 127.0.0.1"));
	assert_true(wait_screen(ui, loop, "The site file is not changed. r asks again."));
	ui_key(ui, 'w'); /* nothing to write */
	size_t len;
	char *now = discover_read_text(path, &len); /* as the view reads it */
	assert_non_null(now);
	assert_string_equal(now, site);
	free(now);
	ui_key(ui, 'r');
	ui_draw(ui, true);
	char *asking = term_dump();
	assert_non_null(strstr(asking, "Connecting to the master 127.0.0.1..."));
	free(asking);
	assert_true(wait_screen(ui, loop, "cannot connect to the master 127.0.0.1"));
	ui_key(ui, 'q');
	assert_int_equal(ui->depth, 0);

	/* pick mode: a site without a master is refused (and freed) */
	int accepted = 0;
	struct discover_pick pick = { .site = site_new(), .label = "site.ini", .accept = picked, .ud = &accepted };
	assert_false(ui_push(ui, &discover_pick_ops, &pick, err, sizeof err));
	assert_non_null(strstr(err, "type the master first"));
	assert_null(pick.site);
	/* the master unreachable: the failure shown, Enter hands nothing back */
	pick.site = site_load(path, NULL);
	assert_non_null(pick.site);
	assert_true(ui_push(ui, &discover_pick_ops, &pick, err, sizeof err));
	assert_null(pick.site); /* the view's now */
	assert_true(wait_screen(ui, loop, "cannot connect to the master 127.0.0.1"));
	ui_key(ui, '\r');
	assert_int_equal(ui->depth, 1);
	assert_int_equal(accepted, 0);
	ui_key(ui, 'q');
	assert_int_equal(ui->depth, 0);
	assert_int_equal(accepted, 0);

	ui_free(ui);
	loop_free(loop);
	term_done();
	fclose(out);
	fclose(in);
	unlink(path);
	unlink(nomaster);
	free(path);
	free(nomaster);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_discover_view),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
