/* Random tokens from the kernel's CSPRNG: generated passwords and the names
 * of throw-away test objects. */
#ifndef RW_RANDTOK_H
#define RW_RANDTOK_H

#include <stdbool.h>
#include <stddef.h>

/* Letters and digits without look-alikes (0/O, 1/l/I). */
#define RANDTOK_ALNUM "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"
#define RANDTOK_LOWER "abcdefghijkmnopqrstuvwxyz23456789"

/* Fill out with len - 1 characters drawn uniformly from alphabet (rejection
 * sampling: no modulo bias) and a NUL. Aborts when the kernel gives no
 * randomness: never invent a weak password. */
void randtok(char *out, size_t len, const char *alphabet);

/* Names of throw-away test objects (the install's test account, the Dovecot
 * test messages' subject): "rw-check-" and 12 characters of alphabet.
 * check_name_new() makes one (allocated). check_name_valid() says whether a
 * name read back from outside (a resumed run's journal) is exactly such a
 * name, so that an empty or edited value never reaches a command that
 * deletes what it matches. */
#define CHECK_NAME_PREFIX "rw-check-"
#define CHECK_NAME_TOKEN_LEN 12
char *check_name_new(const char *alphabet);
bool check_name_valid(const char *name, const char *alphabet);

#endif
