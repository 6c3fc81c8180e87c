/* linebuf: sanitising and line splitting of remote output.  Every emitted
 * line is also checked to be display-safe (valid UTF-8, no C0/C1/DEL). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "linebuf.h"
#include "redact.h"
#include "xalloc.h"

/* Collected output: lines joined with '\n' (each line followed by '\n'). */
struct sink {
	char *buf;
	size_t len, cap;
	size_t nlines;
	size_t maxlen;
};

/* Strict display-safety check of one emitted line. */
static bool safe_utf8(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		unsigned char c = s[i];
		if (c < 0x20 || c == 0x7F)
			return false;
		if (c < 0x80) {
			i++;
			continue;
		}
		int need = c >= 0xC2 && c <= 0xDF ? 1 : c >= 0xE0 && c <= 0xEF ? 2
			 : c >= 0xF0 && c <= 0xF4 ? 3 : -1;
		if (need < 0 || i + (size_t)need >= n)
			return false;
		uint32_t cp = c & (0x3F >> need);
		for (int k = 1; k <= need; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + k] & 0x3F);
		}
		if (cp < 0xA0 || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF ||
		    (need == 2 && cp < 0x800) || (need == 3 && cp < 0x10000))
			return false;
		i += (size_t)need + 1;
	}
	return true;
}

static void on_line(void *ud, const char *line, size_t len)
{
	struct sink *s = ud;
	assert_int_equal(strlen(line), len); /* NUL-terminated, no NUL inside */
	if (!safe_utf8((const unsigned char *)line, len))
		fail_msg("unsafe line emitted");
	if (s->len + len + 2 > s->cap) {
		s->cap = (s->len + len + 2) * 2;
		s->buf = xrealloc(s->buf, s->cap);
	}
	memcpy(s->buf + s->len, line, len);
	s->len += len;
	s->buf[s->len++] = '\n';
	s->buf[s->len] = '\0';
	s->nlines++;
	if (len > s->maxlen)
		s->maxlen = len;
}

static void sink_free(struct sink *s)
{
	free(s->buf);
	memset(s, 0, sizeof(*s));
}

/* Feed in one piece and flush; return the collected text (caller frees). */
static char *run_lb(const char *in, size_t inlen, size_t max)
{
	struct sink s = {0};
	struct linebuf *lb = linebuf_new(max, on_line, &s);
	linebuf_feed(lb, in, inlen);
	linebuf_flush(lb);
	linebuf_free(lb);
	return s.buf ? s.buf : xstrdup("");
}

#define CHECK(in, expect)                                                   \
	do {                                                                \
		char *out_ = run_lb(in, sizeof(in) - 1, 0);                 \
		assert_string_equal(out_, expect);                          \
		free(out_);                                                 \
	} while (0)

static void test_linebuf_lines(void **state)
{
	(void)state;
	CHECK("one\ntwo\n", "one\ntwo\n");
	CHECK("one\r\ntwo\r\n", "one\ntwo\n");
	CHECK("\n\n", "\n\n");                /* empty lines kept */
	CHECK("no newline", "no newline\n");  /* flushed at EOF */
	CHECK("", "");
	CHECK("abc\r", "abc\n");              /* CR at EOF keeps the text */
	CHECK("abc\r\r\n", "abc\n");
}

static void test_linebuf_progress(void **state)
{
	(void)state;
	CHECK("10%\r20%\r30%\n", "30%\n");
	CHECK("Reading... 50%\r\x1b[KReading... Done\n", "Reading... Done\n");
	CHECK("long text\rab\n", "ab\n"); /* the whole line restarts */
	CHECK("a\r\tb\n", "        b\n");

	/* the partial line follows the progress */
	struct sink s = {0};
	struct linebuf *lb = linebuf_new(0, on_line, &s);
	size_t len;
	linebuf_feed(lb, "10%", 3);
	assert_string_equal(linebuf_partial(lb, &len), "10%");
	assert_int_equal(len, 3);
	linebuf_feed(lb, "\r", 1);
	assert_string_equal(linebuf_partial(lb, &len), "10%");
	linebuf_feed(lb, "20%\r30", 6);
	assert_string_equal(linebuf_partial(lb, &len), "30");
	assert_int_equal(len, 2);
	assert_int_equal(s.nlines, 0);
	linebuf_feed(lb, "%\n", 2);
	assert_string_equal(linebuf_partial(lb, &len), "");
	assert_int_equal(len, 0);
	assert_string_equal(s.buf, "30%\n");
	linebuf_free(lb);
	sink_free(&s);
}

static void test_linebuf_escapes(void **state)
{
	(void)state;
	/* OSC title, BEL and ST terminated, and U+009C */
	CHECK("\x1b]0;user@host: ~\x07prompt$ \n", "prompt$ \n");
	CHECK("\x1b]2;title\x1b\\text\n", "text\n");
	CHECK("\x1b]8;;http://x/\x1b\\link\x1b]8;;\x1b\\\n", "link\n");
	CHECK("\x1b]0;t\xc2\x9cok\n", "ok\n");
	/* DCS, APC, PM, SOS */
	CHECK("a\x1bPq#0;2;0;0;0\x1b\\b\x1b_apc\x1b\\c\x1b^pm\x07" "d\x1bXsos\x1b\\e\n", "abcde\n");
	/* CSI variety */
	CHECK("\x1b[1;31mred\x1b[0m \x1b[?25l\x1b[2J\x1b[Hx\x1b[38;2;1;2;3my\n", "red xy\n");
	/* two-byte and intermediate ESC sequences */
	CHECK("\x1b" "7a\x1b" "8b\x1b(Bc\x1b#8d\x1b" "=e\x1b" "cf\n", "abcdef\n");
	/* CAN aborts; a broken CSI does not swallow the newline */
	CHECK("\x1b[12\x18x\n", "x\n");
	CHECK("\x1b[12\nnext\n", "\nnext\n");
	/* ESC at the end of input is dropped */
	CHECK("tail\x1b", "tail\n");
	CHECK("tail\x1b[1;", "tail\n");
}

static void test_linebuf_ls_color(void **state)
{
	(void)state;
	/* captured from GNU ls --color=always -1 */
	CHECK("\x1b[0m\x1b[01;34madir\x1b[0m\n\x1b[01;32mexe\x1b[0m\n"
	      "\x1b[01;36mlink\x1b[0m\nplain\n",
	      "adir\nexe\nlink\nplain\n");

	/* and live from ls itself */
	char dir[] = "/tmp/test_linebuf_XXXXXX";
	assert_non_null(mkdtemp(dir));
	char *cmd = xasprintf("cd %s && mkdir adir && : > plain && : > exe && chmod +x exe && "
			      "ln -s plain link && ls --color=always -1 && rm -r adir plain exe link", dir);
	FILE *f = popen(cmd, "r");
	assert_non_null(f);
	char buf[4096];
	size_t n = fread(buf, 1, sizeof(buf), f);
	assert_int_equal(pclose(f), 0);
	assert_non_null(memchr(buf, 0x1b, n)); /* ls really coloured it */
	char *out = run_lb(buf, n, 0);
	assert_string_equal(out, "adir\nexe\nlink\nplain\n");
	free(out);
	free(cmd);
	rmdir(dir);
}

static void test_linebuf_controls(void **state)
{
	(void)state;
	CHECK("a\tb\n", "a       b\n");
	CHECK("12345678\tx\n", "12345678        x\n");
	CHECK("\xc3\xa9\tx\n", "\xc3\xa9       x\n"); /* one column per code point */
	CHECK("\t\n", "        \n");
	CHECK("abc\bd\n", "abd\n");
	CHECK("\xc3\xa9\bx\n", "x\n");
	CHECK("\bx\n", "x\n");
	CHECK("_\bA_\bB\n", "AB\n");
	CHECK("a\x01\x02\x07\x0b\x0c\x7f\x00z\n", "az\n");
}

static void test_linebuf_utf8(void **state)
{
	(void)state;
	/* valid: 2, 3, 4 bytes and the edges */
	CHECK("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xc2\xa0 \xf4\x8f\xbf\xbf\n",
	      "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xc2\xa0 \xf4\x8f\xbf\xbf\n");
	CHECK("a\xff" "b\n", "a\xef\xbf\xbd" "b\n");
	CHECK("\xe2\x82" "A\n", "\xef\xbf\xbd\xef\xbf\xbd" "A\n"); /* truncated */
	CHECK("\xc0\xaf\n", "\xef\xbf\xbd\xef\xbf\xbd\n");          /* overlong */
	CHECK("\xe0\x80\xaf\n", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\n"); /* overlong */
	CHECK("\xed\xa0\x80\n", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\n"); /* surrogate */
	CHECK("\xf4\x90\x80\x80\n", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\n");
	CHECK("\xa0\xbf\n", "\xef\xbf\xbd\xef\xbf\xbd\n");          /* stray continuations */
	CHECK("\xe2\x82\n", "\xef\xbf\xbd\xef\xbf\xbd\n");
	CHECK("end\xe2\x82", "end\xef\xbf\xbd\xef\xbf\xbd\n");      /* truncated at EOF */
	/* C1 controls: UTF-8 form and 8-bit */
	CHECK("a\xc2\x9b" "31mb\n", "a31mb\n");
	CHECK("a\x9b" "31mb\x85\n", "a31mb\n");
	/* after a bad byte, continuation bytes are bad bytes too */
	CHECK("\xff\x9b\n", "\xef\xbf\xbd\xef\xbf\xbd\n");
	CHECK("\xc3\xa9\x85\n", "\xc3\xa9\n");
}

static void test_linebuf_huge(void **state)
{
	(void)state;
	size_t n = 10000;
	char *in = xmalloc(n + 1);
	memset(in, 'x', n);
	in[n] = '\n';
	struct sink s = {0};
	struct linebuf *lb = linebuf_new(4096, on_line, &s);
	linebuf_feed(lb, in, n + 1);
	linebuf_flush(lb);
	assert_int_equal(s.nlines, 3);
	assert_int_equal(s.maxlen, 4096 - REDACT_KEY_HOLD); /* the cut leaves room */
	assert_int_equal(s.len, n + 3);
	linebuf_free(lb);
	sink_free(&s);

	/* never cut inside a UTF-8 character */
	memset(in, 'x', 15);
	memcpy(in + 15, "\xc3\xa9y\n", 4);
	char *out = run_lb(in, 19, 16);
	assert_string_equal(out, "xxxxxxxxxxxxxxx\n\xc3\xa9y\n");
	free(out);
	free(in);

	/* an unterminated OSC swallows at most LINEBUF_SEQ_MAX bytes */
	n = 100000;
	in = xmalloc(n + 2);
	in[0] = 0x1b;
	in[1] = ']';
	memset(in + 2, 'a', n);
	memset(&s, 0, sizeof(s));
	lb = linebuf_new(0, on_line, &s);
	linebuf_feed(lb, in, n + 2);
	linebuf_flush(lb);
	/* ESC ] and SEQ_MAX-1 body bytes are swallowed, the rest is text */
	assert_int_equal(s.len - s.nlines, n - (LINEBUF_SEQ_MAX - 1));
	linebuf_free(lb);
	sink_free(&s);
	free(in);
}

/* A secret (any form) or a password pair across the line cap is never split:
 * each emitted line, masked on its own, shows no part of it. */
static void check_split_secret(const char *secret, size_t at)
{
	size_t n = 5000, slen = strlen(secret);
	char *in = xmalloc(n + 1);
	memset(in, 'x', n);
	memcpy(in + at, secret, slen);
	in[n] = '\n';
	struct sink s = {0};
	struct linebuf *lb = linebuf_new(4096, on_line, &s);
	linebuf_feed(lb, in, n + 1);
	linebuf_flush(lb);
	linebuf_free(lb);
	assert_int_equal(s.nlines, 2);
	assert_int_equal(s.len, n + 2); /* nothing lost, nothing repeated */
	char *nl = strchr(s.buf, '\n');
	assert_true(nl - s.buf < (ptrdiff_t)at); /* the secret is on line 2, whole */
	char *masked = redact(s.buf);
	assert_null(strstr(masked, secret));
	assert_int_equal(strlen(masked), n + 2 - slen + 4);
	free(masked);
	sink_free(&s);
	free(in);
}

static void check_split_pair(size_t at)
{
	size_t n = 5000;
	char *in = xmalloc(n + 1);
	memset(in, 'x', n);
	memcpy(in + at, " ldap_root_password=abcdefghijklmnopq", 37);
	in[n] = '\n';
	struct sink s = {0};
	struct linebuf *lb = linebuf_new(4096, on_line, &s);
	linebuf_feed(lb, in, n + 1);
	linebuf_free(lb);
	assert_int_equal(s.nlines, 2);
	char *masked = redact(s.buf);
	assert_null(strstr(masked, "abcdefghijk"));
	assert_non_null(strstr(masked, "ldap_root_password=****\n"));
	free(masked);
	sink_free(&s);
	free(in);
}

static void test_linebuf_split_secret(void **state)
{
	(void)state;
	redact_add("Hunter2-Secret!");
	check_split_secret("Hunter2-Secret!", 4090);
	check_split_secret("Hunter2-Secret!", 4096 - 15);
	check_split_secret("Hunter2%2DSecret%21", 4085);
	check_split_secret("Hunter2\\u002dSecret!", 4080);
	redact_clear();
	/* nothing registered: a pair's key and value stay together, whether
	 * the pair ends near the cap or starts before the cut would be */
	check_split_pair(4070);
	check_split_pair(4000);
}

/* A sample that exercises every rule, cut at every position. */
static const char sample[] =
	"\x1b[0m\x1b[01;34mdir\x1b[0m\r\n"
	"caf\xc3\xa9\t\xe2\x82\xac\xf0\x9f\x98\x80|\n"
	"10%\r20%\r\x1b[K30%\n"
	"\x1b]0;title\x07\x1b]2;t2\x1b\\ok\x1bPdcs\x1b\\\n"
	"bad\xff\xe2\x82z\xc2\x9b\x9b" "1m\n"
	"ab\bc\x01\x7f\n"
	"\x1b(B\x1b" "7x\x1b[12\x18y\n"
	"tail";

static char *run_split(const size_t *cuts, size_t ncuts, size_t max)
{
	struct sink s = {0};
	struct linebuf *lb = linebuf_new(max, on_line, &s);
	size_t prev = 0, len = sizeof(sample) - 1;
	for (size_t i = 0; i <= ncuts; i++) {
		size_t end = i < ncuts ? cuts[i] : len;
		linebuf_feed(lb, sample + prev, end - prev);
		prev = end;
	}
	linebuf_flush(lb);
	linebuf_free(lb);
	return s.buf;
}

static void test_linebuf_chunks(void **state)
{
	(void)state;
	const char *expect = "dir\n"
			     "caf\xc3\xa9    \xe2\x82\xac\xf0\x9f\x98\x80|\n"
			     "30%\n"
			     "ok\n"
			     "bad\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdz1m\n"
			     "ac\n"
			     "xy\n"
			     "tail\n";
	size_t len = sizeof(sample) - 1;
	char *whole = run_split(NULL, 0, 0);
	assert_string_equal(whole, expect);

	/* one cut at every position */
	for (size_t c = 0; c <= len; c++) {
		char *o = run_split(&c, 1, 0);
		assert_string_equal(o, expect);
		free(o);
	}
	/* byte by byte */
	size_t *cuts = xmalloc(len * sizeof(*cuts));
	for (size_t i = 0; i < len; i++)
		cuts[i] = i;
	char *o = run_split(cuts, len, 0);
	assert_string_equal(o, expect);
	free(o);
	/* random splits */
	srand(12345);
	for (int iter = 0; iter < 2000; iter++) {
		size_t n = 0, pos = 0;
		while (n < len) {
			pos += 1 + (size_t)rand() % 9;
			if (pos >= len)
				break;
			cuts[n++] = pos;
		}
		o = run_split(cuts, n, 0);
		assert_string_equal(o, expect);
		free(o);
	}
	/* a small cap also gives the same result at any split */
	char *small = run_split(NULL, 0, 16);
	for (size_t i = 0; i < len; i++)
		cuts[i] = i;
	o = run_split(cuts, len, 16);
	assert_string_equal(o, small);
	free(o);
	free(small);
	free(cuts);
	free(whole);
}

static void test_linebuf_reuse_after_flush(void **state)
{
	(void)state;
	struct sink s = {0};
	struct linebuf *lb = linebuf_new(0, on_line, &s);
	linebuf_feed(lb, "a\x1b]unterminated", 15);
	linebuf_flush(lb);
	linebuf_feed(lb, "b\r", 2);
	linebuf_flush(lb);
	linebuf_feed(lb, "c\n", 2);
	linebuf_flush(lb);
	assert_string_equal(s.buf, "a\nb\nc\n");
	linebuf_free(lb);
	sink_free(&s);
	linebuf_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_linebuf_lines),
		cmocka_unit_test(test_linebuf_progress),
		cmocka_unit_test(test_linebuf_escapes),
		cmocka_unit_test(test_linebuf_ls_color),
		cmocka_unit_test(test_linebuf_controls),
		cmocka_unit_test(test_linebuf_utf8),
		cmocka_unit_test(test_linebuf_huge),
		cmocka_unit_test(test_linebuf_split_secret),
		cmocka_unit_test(test_linebuf_chunks),
		cmocka_unit_test(test_linebuf_reuse_after_flush),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
