/* randtok: length, alphabet, and no visible bias. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_length_and_alphabet),
		cmocka_unit_test(test_two_draws_differ),
		cmocka_unit_test(test_uniform),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
