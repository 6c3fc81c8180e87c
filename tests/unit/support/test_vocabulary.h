/* A vocabulary for runner tests whose procedures have no operation kind:
 * the built-in step names given (NULL-terminated), and no variable,
 * secret or condition. */
#ifndef RW_TEST_VOCABULARY_H
#define RW_TEST_VOCABULARY_H

#include "procedure.h"

struct proc_vocabulary test_vocabulary(const char *const *builtins);

#endif
