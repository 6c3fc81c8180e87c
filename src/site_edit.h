/* Change a few keys of a site file in place, keeping the admin's text: every
 * comment, blank line, section and key order, the spelling and indentation of
 * the lines it touches, their inline comments and the file's line ends.
 * site_write() (site.h) writes a fresh file from the parsed site instead, and
 * loses all of that; `site discover` uses this.
 *
 * The text is expected to be a site file that site_load() accepted (the
 * caller loads it first, so bad input is reported with file:line before
 * anything is edited); on other text the edits stay safe (no crash, bounded
 * growth), they just may not find what they look for. Sections are matched
 * as site.c does: "[carbonio]" exactly, "[host NAME]" with NAME compared
 * without case. Keys: the text before the first '=' or ':' (inih's
 * delimiters), trimmed, compared exactly. */
#ifndef RW_SITE_EDIT_H
#define RW_SITE_EDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct site_text {
	char *p;	/* NUL-terminated, owned */
	size_t len;
};

void site_text_init(struct site_text *t, const char *buf, size_t len);
void site_text_clear(struct site_text *t);

/* Set section.key = value. The key's line is rewritten (value only: its
 * indentation, key spelling, delimiter, spacing, inline comment and line end
 * stay); a key the section lacks is added as "key = value" after the line of
 * the first key of after_key (space separated, tried in order; NULL: none)
 * the section has, else after the section's last key line (or its header). value NULL drops the key's line. Returns
 * false when the section is not in the text (nothing changed). */
bool site_text_set(struct site_text *t, const char *section, const char *key, const char *value,
		   const char *after_key);

/* Drop a section: its header and its lines, up to the next header, except a
 * block of comments (and blank lines) right before that header, which is
 * taken to be about the next section. Returns false when there is none. */
bool site_text_drop_section(struct site_text *t, const char *section);

/* Write text to path atomically: a temporary file in the same directory
 * (path's target when it is a symbolic link), the mode (and, when allowed,
 * the owner) of the file it replaces, fsync, check(tmp) when not NULL (false
 * keeps the old file; its message in err), rename, fsync of the directory.
 * Returns 0, or -1 with a message in err. */
int site_text_write(const char *path, const struct site_text *t,
		    bool (*check)(const char *tmp_path, void *ud, char *err, size_t errlen), void *ud,
		    char *err, size_t errlen);

#endif
