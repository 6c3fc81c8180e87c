/* Lists of names the UI owns (replicas, servers, roles, nodes to skip):
 * one way to free them. */
#ifndef RW_NAMES_H
#define RW_NAMES_H

#include <stddef.h>

/* Free the n names and the array; *names becomes NULL. */
void names_free(char ***names, size_t n);

#endif
