/* The one text field: a line being typed into a fixed buffer, with the same
 * accepted input everywhere (forms, password and passphrase dialogs, the
 * dashboard's filter), drawn plain or masked. */
#ifndef RW_WIDGETS_FIELD_H
#define RW_WIDGETS_FIELD_H

#include <stdbool.h>
#include <stddef.h>

#include "term.h"

/* Edit buf (size bytes, NUL-terminated) with one key: a printable byte
 * (32..255 except DEL: UTF-8 is typed byte by byte) is appended while it
 * fits; Backspace (KEY_BACKSPACE, DEL, ^H) removes the last character, a
 * whole UTF-8 sequence; ^U clears. Removed bytes are wiped, so a secret
 * leaves nothing behind. False: not a field key (the caller's). */
bool wg_field_key(char *buf, size_t size, int key);
/* What a key did to a one-line entry (a dialog's field). */
enum wg_entry_action {
	WG_ENTRY_EDITED,  /* typed into buf (or ignored) */
	WG_ENTRY_DONE,    /* Enter */
	WG_ENTRY_CANCEL,  /* Esc */
};
/* Enter and Esc end the entry; any other key goes to wg_field_key. */
enum wg_entry_action wg_entry_key(char *buf, size_t size, int key);
/* Wipe the whole buffer. */
void wg_field_clear(char *buf, size_t size);
/* "[value    ]" in width cells at (y, x), the tail of a long value shown as
 * an editor would; focused: a '_' cursor after it. */
void wg_field_draw(int y, int x, int width, enum term_role role, const char *value, bool focused);
/* A secret: one '*' per character, then the '_' cursor; never the text. */
void wg_field_draw_masked(int y, int x, int width, enum term_role role, const char *value);

#endif
