/* {{name}} expansion for procedure steps. The same value is written
 * differently depending on where it lands: shell-quoted in a command,
 * regex-escaped in an output pattern, as is on stdin. Secrets
 * ({{secret:NAME}}) may only land on stdin; a masked expansion (for the plan
 * shown to the admin) writes them as ********. */
#ifndef RW_TEMPLATE_H
#define RW_TEMPLATE_H

#include <stdbool.h>

enum template_ctx {
	TEMPLATE_SHELL, /* command line: values shell-quoted, secrets refused */
	TEMPLATE_REGEX, /* POSIX ERE: values escaped, secrets refused */
	TEMPLATE_RAW,   /* stdin: values as they are */
};

#define TEMPLATE_MASK "********"

/* Return the value of a variable (or, when secret is true, of a secret), or
 * NULL when it has none. */
typedef const char *(*template_lookup)(void *ud, const char *name, bool secret);

/* Expand tpl. mask: write every secret as TEMPLATE_MASK instead of its
 * value. Returns NULL on error, with a message naming the variable in *err
 * (allocated). */
char *template_expand(const char *tpl, enum template_ctx ctx, bool mask,
		      template_lookup lookup, void *ud, char **err);

/* value with every ERE special character escaped (allocated). */
char *template_regex_escape(const char *value);

#endif
