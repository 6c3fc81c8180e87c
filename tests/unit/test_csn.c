/* csn: strict parsing, ordering and lag with values from the references
 * (the loopback lab and the Carbonio docs).  Epoch values come from
 * `date -u -d '<time>' +%s`. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "csn.h"

/* no libm needed */
static int near(double a, double b)
{
	return a - b < 1e-6 && b - a < 1e-6;
}

static void test_csn_parse_real(void **state)
{
	(void)state;
	struct csn c;
	assert_true(csn_parse_str("20261122120315.636437Z#000000#000#000000", &c));
	assert_int_equal(c.sec, 1795348995);
	assert_int_equal(c.usec, 636437);
	assert_int_equal(c.count, 0);
	assert_int_equal(c.sid, 0);
	assert_int_equal(c.mod, 0);
	assert_string_equal(c.text, "20261122120315.636437Z#000000#000#000000");

	assert_true(csn_parse_str("20240129112059.968930Z#000000#000#000000", &c));
	assert_int_equal(c.sec, 1706527259);
	assert_int_equal(c.usec, 968930);

	assert_true(csn_parse_str("20251015095813.150894Z#000000#001#000000", &c));
	assert_int_equal(c.sec, 1760522293);
	assert_int_equal(c.sid, 1);

	/* hex fields */
	assert_true(csn_parse_str("20000301000000.000000Z#00000a#FfF#ABCDEF", &c));
	assert_int_equal(c.sec, 951868800);
	assert_int_equal(c.count, 10);
	assert_int_equal(c.sid, 0xfff);
	assert_int_equal(c.mod, 0xabcdef);

	assert_true(csn_parse_str("19700101000000.000000Z#000000#000#000000", &c));
	assert_int_equal(c.sec, 0);
	assert_true(csn_parse_str("20240229235959.999999Z#000000#000#000000", &c));
	assert_int_equal(c.sec, 1709251199);
	assert_int_equal(c.usec, 999999);
	/* a leap second is a valid GeneralizedTime */
	assert_true(csn_parse_str("20161231235960.000000Z#000000#000#000000", &c));
	/* length-bounded form: the rest of a line is not read */
	assert_true(csn_parse("20261122120315.636437Z#000000#000#000000\nX", 40, &c));
}

static void test_csn_parse_rejects(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"",
		"20261122120315.636437Z#000000#000#00000",   /* short */
		"20261122120315.636437Z#000000#000#0000000", /* long */
		"20261122120315.636437Z#000000#000#000000 ",
		" 20261122120315.636437Z#000000#000#000000",
		"20261122120315,636437Z#000000#000#000000",
		"20261122120315.636437z#000000#000#000000",
		"20261122120315.636437Z#000000#000$000000",
		"20261122120315.636437Z#000000#00g#000000",
		"20261122120315.63643xZ#000000#000#000000",
		"2026112212031a.636437Z#000000#000#000000",
		"20261322120315.636437Z#000000#000#000000", /* month 13 */
		"20261100120315.636437Z#000000#000#000000", /* day 0 */
		"20260229120315.636437Z#000000#000#000000", /* not a leap year */
		"21000229120315.636437Z#000000#000#000000", /* 2100 neither */
		"20260431120315.636437Z#000000#000#000000", /* April 31 */
		"20261122240315.636437Z#000000#000#000000", /* hour 24 */
		"20261122126015.636437Z#000000#000#000000", /* minute 60 */
		"20261122120361.636437Z#000000#000#000000", /* second 61 */
		"20261122120315.636437Z#-00000#000#000000",
		"20261122120315.636437Z#+00000#000#000000",
		"+0261122120315.636437Z#000000#000#000000",
		NULL,
	};
	struct csn c;
	for (size_t i = 0; bad[i]; i++) {
		if (csn_parse_str(bad[i], &c))
			fail_msg("accepted: '%s'", bad[i]);
	}
	assert_true(csn_parse_str("20000229120315.636437Z#000000#000#000000", &c));
}

static void test_csn_cmp(void **state)
{
	(void)state;
	struct csn a, b;
	assert_true(csn_parse_str("20261122120315.636437Z#000000#000#000000", &a));
	assert_true(csn_parse_str("20261122120315.636437Z#000000#000#000000", &b));
	assert_int_equal(csn_cmp(&a, &b), 0);
	assert_true(csn_parse_str("20261122120313.263780Z#000000#000#000000", &b));
	assert_true(csn_cmp(&a, &b) > 0);
	assert_true(csn_cmp(&b, &a) < 0);
	assert_true(csn_parse_str("20261122120315.636438Z#000000#000#000000", &b));
	assert_true(csn_cmp(&a, &b) < 0);
	assert_true(csn_parse_str("20261122120315.636437Z#000001#000#000000", &b));
	assert_true(csn_cmp(&a, &b) < 0);
	assert_true(csn_parse_str("20261122120315.636437Z#000000#001#000000", &b));
	assert_true(csn_cmp(&a, &b) < 0);
	assert_true(csn_parse_str("20261122120315.636437Z#000000#000#000001", &b));
	assert_true(csn_cmp(&a, &b) < 0);
	/* hex compares by value, not by text */
	assert_true(csn_parse_str("20261122120315.636437Z#00000A#000#000000", &a));
	assert_true(csn_parse_str("20261122120315.636437Z#000009#000#000000", &b));
	assert_true(csn_cmp(&a, &b) > 0);
}

static void test_csn_list_and_lag(void **state)
{
	(void)state;
	size_t bad = 99;
	struct csn_list *m = csn_list_parse(
		"20261122120317.518004Z#000000#000#000000\n"
		"20261122120300.000000Z#000000#001#000000\n", &bad);
	assert_non_null(m);
	assert_int_equal(m->n, 2);
	struct csn_list *r = csn_list_parse(
		"20261122120301.500000Z#000000#001#000000:"
		"20261122120315.636437Z#000000#000#000000", NULL);
	assert_non_null(r);
	assert_int_equal(r->n, 2);
	assert_int_equal(csn_list_find(r, 0)->usec, 636437);

	double lag = -1;
	assert_int_equal(csn_lag(m, r, 0, &lag), CSN_LAG_OK);
	assert_true(near(lag, 1.881567));
	/* replica ahead for sid 1 */
	assert_int_equal(csn_lag(m, r, 1, &lag), CSN_LAG_OK);
	assert_true(near(lag, -1.5));
	assert_int_equal(csn_lag(m, r, 2, &lag), CSN_LAG_NO_MASTER);
	assert_int_equal(csn_lag_max(m, r, &lag), CSN_LAG_OK);
	assert_true(near(lag, 1.881567));

	struct csn_list *r1 = csn_list_parse("20261122120315.636437Z#000000#000#000000", NULL);
	assert_int_equal(csn_lag(m, r1, 1, &lag), CSN_LAG_NO_REPLICA);
	assert_int_equal(csn_lag_max(m, r1, &lag), CSN_LAG_NO_REPLICA);

	/* in sync: the lab's example */
	struct csn_list *eq = csn_list_parse("20261122120315.636437Z#000000#000#000000", NULL);
	assert_int_equal(csn_lag(r1, eq, 0, &lag), CSN_LAG_OK);
	assert_true(lag == 0.0);

	struct csn_list *empty = csn_list_parse(" \n", NULL);
	assert_non_null(empty);
	assert_int_equal(empty->n, 0);
	assert_int_equal(csn_lag_max(empty, r, &lag), CSN_LAG_NO_MASTER);

	/* a lag across days and a month end */
	struct csn_list *a = csn_list_parse("20240301000000.000000Z#000000#000#000000", NULL);
	struct csn_list *b = csn_list_parse("20240228000000.250000Z#000000#000#000000", NULL);
	assert_int_equal(csn_lag(a, b, 0, &lag), CSN_LAG_OK);
	assert_true(near(lag, (2 * 86400 - 0.25)));

	assert_null(csn_list_parse("20261122120315.636437Z#000000#000#000000 garbage", &bad));
	assert_int_equal(bad, 41);

	csn_list_free(a);
	csn_list_free(b);
	csn_list_free(empty);
	csn_list_free(eq);
	csn_list_free(r1);
	csn_list_free(r);
	csn_list_free(m);
	csn_list_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csn_parse_real),
		cmocka_unit_test(test_csn_parse_rejects),
		cmocka_unit_test(test_csn_cmp),
		cmocka_unit_test(test_csn_list_and_lag),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
