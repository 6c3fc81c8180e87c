#include "linebuf.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "redact.h"
#include "xalloc.h"

enum linebuf_state {
	LB_GROUND,
	LB_ESC,       /* after ESC */
	LB_ESC_INTER, /* ESC + intermediates (0x20-0x2F), waiting for a final */
	LB_CSI,       /* ESC [ parameters */
	LB_STR,       /* OSC / DCS / SOS / PM / APC body */
	LB_STR_ESC,   /* ESC inside a string: ESC \ is ST */
};

struct linebuf {
	linebuf_line_fn on_line;
	void *ud;
	size_t max;     /* line cap in bytes */
	char *line;     /* max + 1 bytes */
	size_t len;
	size_t col;     /* display column, one per code point */
	bool cr;        /* bare CR seen: next text restarts the line */
	enum linebuf_state st;
	size_t seqlen;  /* bytes swallowed by the current sequence */
	bool str_c2;    /* previous string byte was 0xC2 (for U+009C ST) */
	unsigned char u8[4];
	int u8have, u8need;
	bool u8bad;     /* continuation bytes now belong to a bad sequence */
};

static const char linebuf_fffd[3] = {'\xef', '\xbf', '\xbd'};

struct linebuf *linebuf_new(size_t max_line, linebuf_line_fn on_line, void *ud)
{
	struct linebuf *lb = xcalloc(1, sizeof(*lb));
	if (max_line == 0)
		max_line = LINEBUF_DEFAULT_MAX;
	if (max_line < LINEBUF_MIN_MAX)
		max_line = LINEBUF_MIN_MAX;
	lb->max = max_line;
	lb->line = xmalloc(max_line + 1);
	lb->line[0] = '\0';
	lb->on_line = on_line;
	lb->ud = ud;
	return lb;
}

void linebuf_free(struct linebuf *lb)
{
	if (!lb)
		return;
	explicit_bzero(lb->line, lb->max + 1); /* it may have held hidden output */
	free(lb->line);
	free(lb);
}

static void linebuf_emit(struct linebuf *lb)
{
	lb->line[lb->len] = '\0';
	if (lb->on_line)
		lb->on_line(lb->ud, lb->line, lb->len);
	lb->len = 0;
	lb->col = 0;
	lb->line[0] = '\0';
}

/* The line is full: emit its first part, cut where no secret is split
 * (redact_cut), and keep the rest as the start of the next line. */
static void linebuf_cut(struct linebuf *lb)
{
	size_t p = redact_cut(lb->line, lb->len, lb->len);
	char saved = lb->line[p];
	lb->line[p] = '\0';
	if (lb->on_line)
		lb->on_line(lb->ud, lb->line, p);
	lb->line[p] = saved;
	memmove(lb->line, lb->line + p, lb->len - p);
	lb->len -= p;
	lb->line[lb->len] = '\0';
	lb->col = 0;
	for (size_t i = 0; i < lb->len; i++)
		lb->col += ((unsigned char)lb->line[i] & 0xC0) != 0x80;
}

/* Append one display character of n bytes. */
static void linebuf_put(struct linebuf *lb, const char *bytes, size_t n)
{
	if (lb->cr) {
		lb->cr = false;
		lb->len = 0;
		lb->col = 0;
	}
	if (lb->len + n > lb->max)
		linebuf_cut(lb); /* continue on the next line */
	memcpy(lb->line + lb->len, bytes, n);
	lb->len += n;
	lb->line[lb->len] = '\0';
	lb->col++;
}

static void linebuf_backspace(struct linebuf *lb)
{
	if (lb->cr || lb->len == 0)
		return; /* cursor already at column 0 */
	/* drop continuation bytes, then the lead byte */
	while (lb->len > 0 && ((unsigned char)lb->line[lb->len - 1] & 0xC0) == 0x80)
		lb->len--;
	if (lb->len > 0)
		lb->len--;
	lb->line[lb->len] = '\0';
	if (lb->col > 0)
		lb->col--;
}

static void linebuf_control(struct linebuf *lb, unsigned char b)
{
	switch (b) {
	case '\n':
		lb->cr = false;
		linebuf_emit(lb);
		break;
	case '\r':
		lb->cr = true;
		break;
	case '\t': {
		if (lb->cr) {
			lb->cr = false;
			lb->len = 0;
			lb->col = 0;
		}
		size_t n = 8 - lb->col % 8;
		while (n--)
			linebuf_put(lb, " ", 1);
		break;
	}
	case '\b':
		linebuf_backspace(lb);
		break;
	case 0x1b:
		lb->st = LB_ESC;
		lb->seqlen = 0;
		break;
	default:
		break; /* other C0 and DEL: dropped */
	}
}

static void linebuf_bad_utf8(struct linebuf *lb)
{
	for (int i = 0; i < lb->u8have; i++)
		linebuf_put(lb, linebuf_fffd, 3);
	lb->u8bad = true;
	lb->u8have = 0;
	lb->u8need = 0;
}

/* Is b an acceptable continuation at position u8have of the sequence? */
static bool linebuf_cont_ok(const struct linebuf *lb, unsigned char b)
{
	if (lb->u8have == 1) {
		switch (lb->u8[0]) {
		case 0xE0: return b >= 0xA0 && b <= 0xBF; /* overlong */
		case 0xED: return b >= 0x80 && b <= 0x9F; /* surrogates */
		case 0xF0: return b >= 0x90 && b <= 0xBF; /* overlong */
		case 0xF4: return b >= 0x80 && b <= 0x8F; /* > U+10FFFF */
		default: break;
		}
	}
	return b >= 0x80 && b <= 0xBF;
}

static void linebuf_ground(struct linebuf *lb, unsigned char b)
{
	if (lb->u8need > 0) {
		if (linebuf_cont_ok(lb, b)) {
			lb->u8[lb->u8have++] = b;
			if (lb->u8have < lb->u8need)
				return;
			/* C1 controls in their UTF-8 form are dropped */
			bool c1 = lb->u8[0] == 0xC2 && lb->u8[1] <= 0x9F;
			if (!c1)
				linebuf_put(lb, (const char *)lb->u8, (size_t)lb->u8have);
			lb->u8have = 0;
			lb->u8need = 0;
			return;
		}
		linebuf_bad_utf8(lb);
		/* b starts afresh */
	}
	if (b >= 0x80 && b <= 0xBF && lb->u8bad) {
		linebuf_put(lb, linebuf_fffd, 3); /* rest of a broken sequence */
		return;
	}
	lb->u8bad = false;
	if (b < 0x20 || b == 0x7F) {
		linebuf_control(lb, b);
	} else if (b < 0x80) {
		char c = (char)b;
		linebuf_put(lb, &c, 1);
	} else if (b <= 0x9F) {
		/* 8-bit C1 control: dropped */
	} else if (b >= 0xC2 && b <= 0xF4) {
		lb->u8[0] = b;
		lb->u8have = 1;
		lb->u8need = b <= 0xDF ? 2 : b <= 0xEF ? 3 : 4;
	} else {
		linebuf_put(lb, linebuf_fffd, 3);
		lb->u8bad = true;
	}
}

static void linebuf_byte(struct linebuf *lb, unsigned char b)
{
again:
	if (lb->st != LB_GROUND && ++lb->seqlen > LINEBUF_SEQ_MAX) {
		/* bounded: give up on this sequence, the rest is text */
		lb->st = LB_GROUND;
	}
	switch (lb->st) {
	case LB_GROUND:
		linebuf_ground(lb, b);
		return;
	case LB_ESC:
		if (b == '[') {
			lb->st = LB_CSI;
		} else if (b == ']' || b == 'P' || b == 'X' || b == '^' || b == '_') {
			lb->st = LB_STR;
			lb->str_c2 = false;
		} else if (b >= 0x20 && b <= 0x2F) {
			lb->st = LB_ESC_INTER;
		} else if (b >= 0x30 && b <= 0x7E) {
			lb->st = LB_GROUND; /* two-byte sequence */
		} else if (b == 0x1b) {
			lb->seqlen = 0;
		} else if (b == 0x18 || b == 0x1A) {
			lb->st = LB_GROUND;
		} else if (b != 0x7F) {
			lb->st = LB_GROUND;
			goto again;
		}
		return;
	case LB_ESC_INTER:
	case LB_CSI: {
		/* intermediate bytes (and a CSI's parameters) go on, a final
		 * byte ends the sequence */
		unsigned char last_mid = lb->st == LB_CSI ? 0x3F : 0x2F;
		if ((b >= 0x20 && b <= last_mid) || b == 0x7F)
			return;
		lb->st = LB_GROUND;
		if ((b > last_mid && b <= 0x7E) || b == 0x18 || b == 0x1A)
			return;
		goto again;
	}
	case LB_STR:
		if (b == 0x07 || b == 0x18 || b == 0x1A || (lb->str_c2 && b == 0x9C)) {
			lb->st = LB_GROUND;
		} else if (b == 0x1b) {
			lb->st = LB_STR_ESC;
		} else {
			lb->str_c2 = b == 0xC2;
		}
		return;
	case LB_STR_ESC:
		if (b == '\\') {
			lb->st = LB_GROUND;
			return;
		}
		/* ESC aborted the string and starts a new sequence */
		lb->st = LB_ESC;
		lb->seqlen = 0;
		goto again;
	}
}

void linebuf_feed(struct linebuf *lb, const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t i = 0;
	while (i < len) {
		/* Fast path: a run of printable ASCII in the ground state, outside
		 * a UTF-8 sequence and after any bare CR, is copied in one go
		 * (what linebuf_put would do byte by byte), up to the line cap. */
		if (lb->st == LB_GROUND && lb->u8need == 0 && !lb->cr && p[i] >= 0x20 && p[i] < 0x7F) {
			size_t room = lb->max - lb->len, j = i;
			while (j < len && j - i < room && p[j] >= 0x20 && p[j] < 0x7F)
				j++;
			if (j > i) {
				memcpy(lb->line + lb->len, p + i, j - i);
				lb->len += j - i;
				lb->line[lb->len] = '\0';
				lb->col += j - i;
				lb->u8bad = false;
				i = j;
				continue;
			}
		}
		linebuf_byte(lb, p[i++]);
	}
}

void linebuf_flush(struct linebuf *lb)
{
	lb->st = LB_GROUND;
	lb->seqlen = 0;
	if (lb->u8have)
		linebuf_bad_utf8(lb);
	lb->u8bad = false;
	if (lb->len > 0)
		linebuf_emit(lb);
	lb->cr = false;
	lb->col = 0;
}

const char *linebuf_partial(const struct linebuf *lb, size_t *len)
{
	if (len)
		*len = lb->len;
	return lb->line;
}
