#include "test_vocabulary.h"

#include <string.h>

static bool knows(const void *ud, enum proc_word_kind kind, const char *name)
{
	if (kind != PROC_WORD_BUILTIN)
		return false;
	for (const char *const *b = ud; *b; b++)
		if (strcmp(*b, name) == 0)
			return true;
	return false;
}

struct proc_vocabulary test_vocabulary(const char *const *builtins)
{
	return (struct proc_vocabulary){ .owner = "the test", .knows = knows, .ud = builtins };
}

const char *test_no_value(void *ud, const struct plan_item *it, const char *name, bool secret)
{
	(void)ud;
	(void)it;
	(void)name;
	(void)secret;
	return NULL;
}

bool test_always(void *ud, const struct plan_item *it, const char *cond)
{
	(void)ud;
	(void)it;
	(void)cond;
	return true;
}
