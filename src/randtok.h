/* Random tokens from the kernel's CSPRNG: generated passwords and the names
 * of throw-away test objects. */
#ifndef RW_RANDTOK_H
#define RW_RANDTOK_H

#include <stddef.h>

/* Letters and digits without look-alikes (0/O, 1/l/I). */
#define RANDTOK_ALNUM "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"
#define RANDTOK_LOWER "abcdefghijkmnopqrstuvwxyz23456789"

/* Fill out with len - 1 characters drawn uniformly from alphabet (rejection
 * sampling: no modulo bias) and a NUL. Aborts when the kernel gives no
 * randomness: never invent a weak password. */
void randtok(char *out, size_t len, const char *alphabet);

#endif
