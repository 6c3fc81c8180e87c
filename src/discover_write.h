/* `site discover`: the plan (discover_plan.h) written into the site file,
 * shared by the CLI and the TUI. The file's text as it was read before the
 * master was asked is edited in place (site_edit.h: only the list keys and,
 * with prune, stale [host NAME] sections change) and written atomically,
 * once the rewritten text loads as a site, under the site's lock (one run
 * at a time: an install or removal running on the site refuses it); a file
 * changed meanwhile is not overwritten. */
#ifndef RW_DISCOVER_WRITE_H
#define RW_DISCOVER_WRITE_H

#include <stdbool.h>
#include <stddef.h>

struct discover_plan;
struct site_text;

/* A site file is small (as site.c): refuse anything larger. */
#define DISCOVER_SITE_MAX (1024 * 1024)

/* The file's bytes (NUL-terminated). NULL with errno set. */
char *discover_read_text(const char *path, size_t *len);

/* Apply the plan's changes to t. */
void discover_apply(const struct discover_plan *p, struct site_text *t);

/* Write the plan into path, whose text was `text` (len bytes) when read.
 * Returns 0, or -1 with a message in err (nothing written). */
int discover_write(const char *path, const char *text, size_t len, const struct discover_plan *p, char *err,
		   size_t errlen);

#endif
