/* Carbonio LDAP password rules (see password_rules.h for where they come
 * from). Messages name the offending character class, never the value. */
#include "password_rules.h"

#include <string.h>

/* Length of a valid UTF-8 sequence at s (1..4), 0 when invalid. */
static size_t utf8_len(const unsigned char *s)
{
	unsigned c = s[0];
	size_t n;
	unsigned cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF) {
		n = 2;
		cp = c & 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		n = 3;
		cp = c & 0x0F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3F);
	}
	/* overlongs, surrogates, beyond U+10FFFF, C1 controls */
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10FFFF ||
	    (cp >= 0xD800 && cp <= 0xDFFF) || (cp >= 0x80 && cp <= 0x9F))
		return 0;
	return n;
}

const char *password_rules_ldap_problem(const char *pw)
{
	size_t len = pw ? strlen(pw) : 0;
	size_t chars = 0;

	if (len > PASSWORD_RULES_MAX)
		return "the password is longer than 256 bytes";
	for (const unsigned char *p = (const unsigned char *)pw; p && *p;) {
		if (*p == '$' || *p == '\\')
			return "the password contains '$' or '\\', which Carbonio refuses "
			       "(\"Invalid metacharater used.\")";
		if (*p == '\'')
			return "the password contains a single quote, which breaks the '...' "
			       "strings Carbonio's tools put it in";
		if (*p == '"')
			return "the password contains a double quote, which carbonio-bootstrap "
			       "removes from its answers file (setup.pl), so the replica would "
			       "get another password";
		if (*p == ' ')
			return "the password contains a space, which the bootstrap answers "
			       "file (KEY=value lines) cannot carry";
		if (*p < 0x20 || *p == 0x7F)
			return "the password contains a control character (newline, tab, ...)";
		size_t n = utf8_len(p);
		if (n == 0)
			return "the password is not valid UTF-8 (or holds a C1 control character)";
		p += n;
		chars++;
	}
	if (chars < PASSWORD_RULES_MIN)
		return "the password is shorter than 6 characters, which Carbonio refuses "
		       "(\"Minimum length of 6 characters!\")";
	return NULL;
}
