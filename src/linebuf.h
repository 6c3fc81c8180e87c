/* Remote output (arbitrary byte chunks) to complete, display-safe lines.
 *
 * Chunks may be split anywhere, even inside a UTF-8 sequence or an escape
 * sequence: all decoding state lives in the linebuf, so feeding a stream in
 * one piece or byte by byte gives the same lines.
 *
 * Rules:
 * - "\n" ends a line, "\r\n" is a plain newline; a bare "\r" restarts the
 *   line: the next printable text replaces what was there (progress bars:
 *   "10%\r20%\r30%\n" gives "30%").  Escape sequences between the "\r" and
 *   the text do not count as text.
 * - ANSI/VT escape sequences are removed: CSI (ESC [ ... final 0x40-0x7E),
 *   OSC/DCS/SOS/PM/APC strings (ESC ] P X ^ _ ... up to BEL, ESC \ or
 *   U+009C), two-byte and intermediate ESC sequences.  CAN/SUB abort a
 *   sequence; a byte that cannot belong to it ends it and is processed as
 *   text (so a broken sequence never swallows a newline).  One sequence
 *   swallows at most LINEBUF_SEQ_MAX bytes: after that, bytes are text again.
 * - C1 controls are dropped, both as UTF-8 (U+0080..U+009F) and as raw 8-bit
 *   bytes 0x80..0x9F (unless they follow a bad byte, see below).
 * - TAB expands to spaces up to the next multiple of 8 (one column per code
 *   point); BS erases the previous character (so "_\bX" shows "X"); every
 *   other C0 control and DEL is dropped.
 * - Invalid UTF-8 (stray bytes 0xA0..0xFF, truncated or overlong sequences,
 *   surrogates, > U+10FFFF) becomes one U+FFFD per bad byte, continuation
 *   bytes right after a bad byte included; valid UTF-8 is kept as is.
 * - A line longer than max_line bytes is cut (never inside a UTF-8
 *   character) and continues on the next line, so memory is bounded.  The
 *   cut comes a little before max_line, where redact_cut() says no secret
 *   (in any form) or password-like pair is split, so that each part, masked
 *   on its own, shows nothing of a secret.
 *
 * Emitted lines contain only valid UTF-8 with no C0/C1 control and no DEL. */
#ifndef RW_LINEBUF_H
#define RW_LINEBUF_H

#include <stddef.h>

#define LINEBUF_DEFAULT_MAX 4096
#define LINEBUF_MIN_MAX 16
#define LINEBUF_SEQ_MAX 4096

/* Called once per complete line, without the newline.  line is
 * NUL-terminated and only valid during the call. */
typedef void (*linebuf_line_fn)(void *ud, const char *line, size_t len);

struct linebuf;

/* max_line: cap in bytes (0 = LINEBUF_DEFAULT_MAX, at least LINEBUF_MIN_MAX). */
struct linebuf *linebuf_new(size_t max_line, linebuf_line_fn on_line, void *ud);
void linebuf_free(struct linebuf *lb);

/* Process len bytes; calls on_line for each line completed. */
void linebuf_feed(struct linebuf *lb, const void *data, size_t len);

/* At EOF: drop an unfinished escape sequence, turn an unfinished UTF-8
 * sequence into U+FFFD, and emit the partial line if it holds anything.
 * The linebuf is then reset and can be reused. */
void linebuf_flush(struct linebuf *lb);

/* The current partial line (already sanitised), NUL-terminated, valid until
 * the next feed/flush: for a live progress line in the UI. */
const char *linebuf_partial(const struct linebuf *lb, size_t *len);

#endif
