/* The signals that stop a run: ^C (SIGINT), SIGTERM and SIGHUP. Each only
 * sets a flag; the event loop (loop_poll returns on EINTR) then aborts the
 * run the normal way: the remote command is stopped, the journal says
 * "aborted", the terminal is restored, and --resume continues. The batch
 * and the wizard exit with stopsig_exit_status(). */
#ifndef RW_STOPSIG_H
#define RW_STOPSIG_H

#include <stdbool.h>

/* Install the handlers (the old ones are kept for stopsig_restore). A
 * signal ignored at that point (nohup) stays ignored. */
void stopsig_install(void);
void stopsig_restore(void);
/* The signal that arrived since the last call (the first if several), or 0. */
int stopsig_take(void);
/* stopsig_take() != 0: operation_drain's give_up (a second ^C). */
bool stopsig_again(void);
/* The first stop signal since stopsig_install, or 0: it sets the exit status. */
int stopsig_first(void);
/* 128 + sig, as a shell reports a process killed by sig. */
int stopsig_exit_status(int sig);

#endif
