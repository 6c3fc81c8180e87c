/* Never show a secret: a process-wide registry of secret values and the
 * functions that mask them (and password-like key=value pairs) in text
 * before it reaches a log, the screen or a file.
 *
 * Every masked run becomes "****" whatever its length, so the output does
 * not reveal how long a secret is.  Not thread-safe: use from one thread
 * (the UI loop), or lock around it. */
#ifndef RW_REDACT_H
#define RW_REDACT_H

#include <stddef.h>

#define REDACT_MASK "****"

/* Register a secret (copied).  Empty strings are ignored, duplicates kept
 * once.  It is masked as it is and in the forms it takes when encoded:
 * - in a shell word: ' as '\'' (single quotes), any byte after a backslash;
 * - in a JSON string: \" \\ \/ \b \f \n \r \t and \uXXXX (either case,
 *   surrogate pairs for what is beyond U+FFFF);
 * - percent-encoded: %XX (either case) for any byte, + for a space.
 * Encoders differ in what they escape; any mix of escaped and plain bytes
 * is matched.  (Base64 and other encodings are not.) */
void redact_add(const char *secret);

/* Forget every secret, wiping the copies with explicit_bzero(). */
void redact_clear(void);

/* Number of registered values (tests, diagnostics). */
size_t redact_count(void);

/* Bytes a line cut must leave after it (see redact_cut): the longest form
 * of a registered secret, and at least REDACT_KEY_HOLD for a pair's key. */
#define REDACT_KEY_HOLD 64
size_t redact_hold(void);

/* Where to cut data (len bytes, a line too long to keep whole) so that
 * its first part, at most limit bytes, can be shown on its own and the rest
 * starts the next part: the last point that is not inside a masked run (a
 * secret in any form, a password-like pair from its key to the end of its
 * value), not inside a UTF-8 character, and leaves redact_hold() bytes after
 * it, so that a secret starting before it also ends within data, where it
 * is seen whole.  Returns limit (or len if smaller) when there is no such
 * point (a secret or a value longer than the line). */
size_t redact_cut(const char *data, size_t len, size_t limit);

/* The masked form of len bytes of data, then cut to at most max bytes (never
 * inside a UTF-8 character): masking comes first, so a cut never shows the
 * start of a secret.  Returns a malloc'd string. */
char *redact_prefix(const char *data, size_t len, size_t max);

/* Masked copy of len bytes of data (may hold NULs or any byte).  Masks:
 * - every occurrence of every registered secret, overlapping ones included
 *   (the union of all matches is masked, so a secret containing another is
 *   fully covered);
 * - the value of key=value / key = value pairs whose key (letters, digits,
 *   _ . -) contains "pass" (any case: *pass*, *PASS*, *password*, passwd),
 *   contains "credentials" (any case; olcSyncrepl credentials=) or ends in
 *   "PW", even when the value is not registered.  A quoted value ('...' or
 *   "...") is masked inside its quotes; an unquoted one up to the end of the
 *   line or to the next " word=" (so "credentials=x searchbase=..." keeps
 *   the rest).
 * Returns a malloc'd buffer with a NUL after the *out_len bytes. */
char *redact_mem(const char *data, size_t len, size_t *out_len);

/* redact_mem() for a NUL-terminated text.  Returns a malloc'd string. */
char *redact(const char *text);

/* In place, for a buffer of capacity cap holding len bytes: returns the new
 * length.  A masked text can be longer than the original (a 2-byte secret
 * becomes "****"); what does not fit in cap is cut off (the kept part is
 * always fully masked).  buf is NUL-terminated when the new length < cap. */
size_t redact_inplace(char *buf, size_t len, size_t cap);

#endif
