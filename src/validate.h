/* Reusable field checks for the site file, the CLI and the TUI.
 *
 * Every check returns NULL when the value is valid, or a freshly allocated
 * message (free() it) that quotes the offending value safely (control bytes
 * escaped, long values cut) and does not name the field: callers prefix the
 * field, e.g. "[carbonio] replicas: " + "\"a_b\" is not a valid host name". */
#ifndef RW_VALIDATE_H
#define RW_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>

/* Longest value the site file accepts, in bytes. */
#define VALIDATE_VALUE_MAX 1024

/* Host name (RFC 1123: labels of 1..63 letters, digits, '-', not starting
 * or ending with '-', total <= 253, an optional final dot), or an IPv4
 * dotted quad, or an IPv6 literal without brackets (checked with inet_pton). */
char *validate_host(const char *s);

/* Decimal TCP port: all digits, 1..65535. *out (may be NULL) gets the value. */
char *validate_port(const char *s, unsigned *out);

/* Decimal integer, all digits, within lo..hi. */
char *validate_uint_range(const char *s, unsigned lo, unsigned hi, unsigned *out);

/* Absolute path: starts with '/'. With allow_home, "~/..." is accepted too
 * (expanded later with validate_expand_home). */
char *validate_abs_path(const char *s, bool allow_home);

/* len bytes of printable UTF-8: valid encoding (no overlongs, surrogates or
 * code points above U+10FFFF), no C0/C1 control characters or DEL. A TAB is
 * accepted only with allow_tab. NUL bytes inside len are rejected. */
char *validate_text(const char *s, size_t len, bool allow_tab);

/* Unix user name: [A-Za-z_][A-Za-z0-9_.-]*, an optional final '$', at most
 * 32 bytes. */
char *validate_user(const char *s);

/* Value length limit (VALIDATE_VALUE_MAX). */
char *validate_length(const char *s);

/* "~/x" -> "$HOME/x" (HOME, else the passwd entry); other paths copied.
 * Returns an allocated string, or NULL when ~ cannot be expanded. */
char *validate_expand_home(const char *path);

/* Quote s for a message: at most max bytes of s, bytes outside printable
 * ASCII/UTF-8 shown as \xNN, "..." appended when cut. Allocated. */
char *validate_quote(const char *s, size_t max);

#endif
