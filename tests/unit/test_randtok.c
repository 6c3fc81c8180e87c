/* randtok: length, alphabet, and no visible bias. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "randtok.h"

static void test_length_and_alphabet(void **state)
{
	(void)state;
	char buf[33];
	randtok(buf, sizeof buf, RANDTOK_ALNUM);
	assert_int_equal(strlen(buf), 32);
	assert_int_equal(strspn(buf, RANDTOK_ALNUM), 32);
	char one[1];
	randtok(one, sizeof one, RANDTOK_ALNUM);
	assert_int_equal(one[0], '\0');
}

static void test_two_draws_differ(void **state)
{
	(void)state;
	char a[25], b[25];
	randtok(a, sizeof a, RANDTOK_LOWER);
	randtok(b, sizeof b, RANDTOK_LOWER);
	assert_string_not_equal(a, b);
}

/* With a 3-letter alphabet a modulo draw would favour 'a' (86/256 vs 85);
 * over 300k draws each letter must stay within 1% of a third. */
static void test_uniform(void **state)
{
	(void)state;
	enum { N = 300000 };
	static char buf[N + 1];
	randtok(buf, sizeof buf, "abc");
	size_t count[3] = { 0 };
	for (size_t i = 0; i < N; i++)
		count[buf[i] - 'a']++;
	for (int i = 0; i < 3; i++) {
		double share = (double)count[i] / N;
		assert_true(share > 0.33 && share < 0.337);
	}
}

/* Test object names: made in the right shape; read back (a resumed run's
 * journal), only exactly that shape passes: never an empty or partial one
 * that would match other mail or accounts. */
static void test_check_names(void **state)
{
	(void)state;
	char *n = check_name_new(RANDTOK_LOWER);
	assert_int_equal(strlen(n), strlen("rw-check-") + 12);
	assert_true(check_name_valid(n, RANDTOK_LOWER));
	assert_true(check_name_valid(n, RANDTOK_ALNUM));
	free(n);
	n = check_name_new(RANDTOK_ALNUM);
	assert_true(check_name_valid(n, RANDTOK_ALNUM));
	free(n);
	assert_true(check_name_valid("rw-check-abcdefghijkm", RANDTOK_LOWER));
	assert_false(check_name_valid("rw-check-ABCDEFGHJKLM", RANDTOK_LOWER));
	assert_true(check_name_valid("rw-check-ABCDEFGHJKLM", RANDTOK_ALNUM));
	assert_false(check_name_valid(NULL, RANDTOK_ALNUM));
	assert_false(check_name_valid("", RANDTOK_ALNUM));
	assert_false(check_name_valid("rw-check-", RANDTOK_ALNUM));
	assert_false(check_name_valid("rw-check-abcdefghijk", RANDTOK_ALNUM));   /* 11 */
	assert_false(check_name_valid("rw-check-abcdefghijkmn", RANDTOK_ALNUM)); /* 13 */
	assert_false(check_name_valid("rw-check-abcdefghij k", RANDTOK_ALNUM));
	assert_false(check_name_valid("rw-check-abc*efghijkm", RANDTOK_ALNUM));
	assert_false(check_name_valid("xx-check-abcdefghijkm", RANDTOK_ALNUM));
	assert_false(check_name_valid("rw-check-abcdefghijk;", RANDTOK_ALNUM));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_length_and_alphabet),
		cmocka_unit_test(test_two_draws_differ),
		cmocka_unit_test(test_uniform),
		cmocka_unit_test(test_check_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
