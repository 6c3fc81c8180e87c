/* Template expansion: values land quoted for the shell, escaped for regexes,
 * raw on stdin; secrets only on stdin, masked in the displayed plan. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <regex.h>

#include "template.h"

static const char *lookup(void *ud, const char *name, bool secret)
{
	(void)ud;
	if (secret)
		return strcmp(name, "pw") == 0 ? "s3cr'et $x" : NULL;
	if (strcmp(name, "host") == 0)
		return "ldap1.example.com";
	if (strcmp(name, "path") == 0)
		return "/opt/zextras";
	if (strcmp(name, "nasty") == 0)
		return "a b'; rm -rf / #";
	if (strcmp(name, "url") == 0)
		return "ldap://10.0.0.1:389";
	return NULL;
}

static char *run_sh(const char *cmd)
{
	FILE *f = popen(cmd, "r");
	assert_non_null(f);
	char buf[512];
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = '\0';
	pclose(f);
	return strdup(buf);
}

static void test_shell_values_are_quoted_when_needed(void **state)
{
	(void)state;
	char *err = NULL;
	char *s = template_expand("{{path}}/bin/x {{host}}", TEMPLATE_SHELL, false, lookup, NULL, &err);
	assert_string_equal(s, "/opt/zextras/bin/x ldap1.example.com");
	free(s);
	s = template_expand("printf '%s' {{nasty}}", TEMPLATE_SHELL, false, lookup, NULL, &err);
	assert_non_null(s);
	/* the shell gives back exactly the value: nothing was executed */
	char *out = run_sh(s);
	assert_string_equal(out, "a b'; rm -rf / #");
	free(out);
	free(s);
}

static void test_secrets_only_on_stdin(void **state)
{
	(void)state;
	char *err = NULL;
	assert_null(template_expand("echo {{secret:pw}}", TEMPLATE_SHELL, false, lookup, NULL, &err));
	assert_non_null(strstr(err, "only be sent on stdin"));
	free(err);
	assert_null(template_expand("{{secret:pw}}", TEMPLATE_REGEX, false, lookup, NULL, &err));
	free(err);
	char *s = template_expand("PASS={{secret:pw}}\n", TEMPLATE_RAW, false, lookup, NULL, &err);
	assert_string_equal(s, "PASS=s3cr'et $x\n");
	free(s);
	s = template_expand("PASS={{secret:pw}}", TEMPLATE_RAW, true, lookup, NULL, &err);
	assert_string_equal(s, "PASS=" TEMPLATE_MASK);
	free(s);
}

static void test_regex_values_are_escaped(void **state)
{
	(void)state;
	char *err = NULL;
	char *pat = template_expand("^{{url}} x$", TEMPLATE_REGEX, false, lookup, NULL, &err);
	regex_t re;
	assert_int_equal(regcomp(&re, pat, REG_EXTENDED | REG_NOSUB), 0);
	assert_int_equal(regexec(&re, "ldap://10.0.0.1:389 x", 0, NULL, 0), 0);
	/* '.' must not match any character */
	assert_int_not_equal(regexec(&re, "ldap://10a0b0c1:389 x", 0, NULL, 0), 0);
	regfree(&re);
	free(pat);
}

static void test_unknown_and_unclosed(void **state)
{
	(void)state;
	char *err = NULL;
	assert_null(template_expand("x {{nope}}", TEMPLATE_SHELL, false, lookup, NULL, &err));
	assert_string_equal(err, "variable nope has no value");
	free(err);
	assert_null(template_expand("x {{host", TEMPLATE_SHELL, false, lookup, NULL, &err));
	free(err);
	/* shell's own ${VAR} is left alone */
	char *s = template_expand("echo ${Status} {{host}}", TEMPLATE_SHELL, false, lookup, NULL, &err);
	assert_string_equal(s, "echo ${Status} ldap1.example.com");
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shell_values_are_quoted_when_needed),
		cmocka_unit_test(test_secrets_only_on_stdin),
		cmocka_unit_test(test_regex_values_are_escaped),
		cmocka_unit_test(test_unknown_and_unclosed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
