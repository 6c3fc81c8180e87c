/* Exit statuses shared by every command and the TUI (see replica-wizard(1)).
 * In the core so ui/ and cli/ both use them without depending on each other. */
#ifndef RW_EXIT_STATUS_H
#define RW_EXIT_STATUS_H

enum {
	RW_EXIT_OK = 0,
	RW_EXIT_FAILED = 1,  /* a step failed */
	RW_EXIT_USAGE = 2,   /* bad usage or site file */
	RW_EXIT_HOSTKEY = 3, /* host key refused */
};

#endif
