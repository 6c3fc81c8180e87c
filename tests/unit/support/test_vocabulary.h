/* For runner tests whose procedures have no operation kind: a vocabulary
 * of the built-in step names given (NULL-terminated), no variable, secret
 * or condition, and the runner hooks that go with it. */
#ifndef RW_TEST_VOCABULARY_H
#define RW_TEST_VOCABULARY_H

#include "procedure.h"

struct proc_vocabulary test_vocabulary(const char *const *builtins);

struct plan_item;
/* runner_hooks.lookup: no value for any name */
const char *test_no_value(void *ud, const struct plan_item *it, const char *name, bool secret);
/* runner_hooks.condition: every condition holds */
bool test_always(void *ud, const struct plan_item *it, const char *cond);

#endif
