/* cli/batch.c without a lab: what batch_run refuses before it connects
 * anywhere. Also the proof that cli/ links and tests with the core alone. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "batch.h"
#include "commands.h"
#include "install.h"
#include "xalloc.h"

/* Run batch_run with stderr captured; returns the status, *err what it said. */
static int run_captured(const char *site_text, const struct operation_kind *kind, const char *command,
			char **err)
{
	char site[] = "/tmp/rw-test-batch-XXXXXX";
	int fd = mkstemp(site);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, site_text, strlen(site_text)), (ssize_t)strlen(site_text));
	close(fd);
	FILE *cap = tmpfile();
	assert_non_null(cap);
	fflush(stderr);
	int saved = dup(STDERR_FILENO);
	dup2(fileno(cap), STDERR_FILENO);
	struct operation_options oo = { 0 };
	struct batch_options bo = { .progname = "replica-wizard", .command = command };
	int rc = batch_run(site, kind, &oo, &bo);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	unlink(site);
	long n = ftell(cap);
	rewind(cap);
	*err = xcalloc(1, (size_t)n + 1);
	assert_int_equal(fread(*err, 1, (size_t)n, cap), (size_t)n);
	fclose(cap);
	return rc;
}

/* The install kind needs replicas: said and refused (2) before anything
 * connects, whatever the command was called. */
static void test_install_without_replicas(void **state)
{
	(void)state;
	char *err = NULL;
	int rc = run_captured("[carbonio]\nmaster = m.example.com\n", &install_kind, "renamed", &err);
	assert_int_equal(rc, RW_EXIT_USAGE);
	assert_non_null(strstr(err, "[carbonio] replicas is empty"));
	free(err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_install_without_replicas),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
