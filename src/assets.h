/* Finding the assets (procedures, templates, help texts): in the source tree
 * when run from it, else where `make install` put them. */
#ifndef RW_ASSETS_H
#define RW_ASSETS_H

#include <stddef.h>

/* The assets directory: $REPLICA_WIZARD_ASSETS, else <dir of the
 * executable>/assets when it exists (running from the tree), else
 * <dir of the executable>/../share/replica-wizard (installed), else the
 * compiled-in data directory. Never NULL. */
const char *assets_dir(void);

/* Path of a file under the assets directory (allocated). */
char *assets_path(const char *relative);

/* A file read whole (a procedure, a template), NUL-terminated, its length
 * in *len; NULL with errno set when it cannot be opened or read. */
char *assets_read(const char *path, size_t *len);

#endif
