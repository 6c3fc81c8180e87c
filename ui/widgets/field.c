/* The one text field (ui/widgets/field.h). */
#include "widgets/field.h"

#include <curses.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "widgets/keys.h"
#include "widgets/text.h"

void wg_field_clear(char *buf, size_t size)
{
	explicit_bzero(buf, size);
}

bool wg_field_key(char *buf, size_t size, int key)
{
	size_t len = strlen(buf);
	if (key == KEY_BACKSPACE || key == 127 || key == 8) {
		/* back over UTF-8 continuation bytes to the character's start */
		size_t cut = len;
		while (cut > 0 && ((unsigned char)buf[cut - 1] & 0xC0) == 0x80)
			cut--;
		if (cut > 0)
			cut--;
		explicit_bzero(buf + cut, len - cut);
		return true;
	}
	if (key == KEY_CTRL('u')) {
		explicit_bzero(buf, len);
		return true;
	}
	if (key >= 32 && key < 256 && key != 127) {
		if (len + 1 < size) {
			buf[len] = (char)key;
			buf[len + 1] = '\0';
		}
		return true;
	}
	return false;
}

/* Where the tail of s that fits in room cells starts. */
static const char *tail_fitting(const char *s, int room)
{
	while (*s && wg_cells(s, SIZE_MAX) > room) {
		s++;
		while (((unsigned char)*s & 0xC0) == 0x80)
			s++;
	}
	return s;
}

void wg_field_draw(int y, int x, int width, enum term_role role, const char *value, bool focused)
{
	int room = width - 3; /* the brackets and the cursor */
	const char *v = tail_fitting(value, room);
	int used = wg_cells(v, SIZE_MAX);
	char buf[1024];
	snprintf(buf, sizeof buf, "[%s%*s]", v, width - 2 - used > 0 ? width - 2 - used : 0, "");
	wg_put(y, x, width, role, buf);
	if (focused)
		wg_put(y, x + 1 + used, 1, ROLE_NORMAL, "_");
}

void wg_field_draw_masked(int y, int x, int width, enum term_role role, const char *value)
{
	char mask[260];
	size_t l = 0;
	for (const char *p = value; *p && l < sizeof mask - 2; p++)
		if (((unsigned char)*p & 0xC0) != 0x80)
			mask[l++] = '*';
	mask[l] = '_';
	mask[l + 1] = '\0';
	wg_put(y, x, width, role, mask);
}

enum wg_entry_action wg_entry_key(char *buf, size_t size, int key)
{
	if (key == KEY_ESC)
		return WG_ENTRY_CANCEL;
	if (key == '\r' || key == '\n' || key == KEY_ENTER)
		return WG_ENTRY_DONE;
	wg_field_key(buf, size, key);
	return WG_ENTRY_EDITED;
}
