/* The one event loop: every fd (keyboard, SSH sessions, LDAP sockets) and
 * every timer is multiplexed here, in one thread. Handlers change state and
 * mark what is dirty; the caller draws once per loop_poll() pass. */
#ifndef RW_LOOP_H
#define RW_LOOP_H

#include <stdbool.h>

struct loop;

typedef void (*loop_fd_cb)(void *ud, int fd, short revents);
typedef void (*loop_timer_cb)(void *ud);

struct loop *loop_new(void);
void loop_free(struct loop *loop);

/* Watch fd for poll(2) events (POLLIN, POLLOUT). One watch per fd; watching
 * an fd again replaces its events and callback. */
int loop_watch_fd(struct loop *loop, int fd, short events, loop_fd_cb cb, void *ud);
void loop_unwatch_fd(struct loop *loop, int fd);

/* One-shot timer after ms milliseconds. Returns an id > 0. */
int loop_timer(struct loop *loop, int ms, loop_timer_cb cb, void *ud);
void loop_timer_cancel(struct loop *loop, int id);

/* Hooks run at every pass, after fds and timers (the SSH transport drives its
 * non-blocking state machines from here). */
typedef void (*loop_tick_cb)(void *ud);
void loop_add_tick(struct loop *loop, loop_tick_cb cb, void *ud);
void loop_remove_tick(struct loop *loop, loop_tick_cb cb, void *ud);

/* Cap the wait of the next pass at ms (a tick's state machine asks to be run
 * again soon without owning a timer). Caps combine: the smallest wins. */
void loop_wake_in(struct loop *loop, int ms);

/* One pass: wait at most max_wait_ms (negative: no bound of its own), shorter
 * when a timer or a transport state machine needs it; dispatch ready fds,
 * expired timers, ticks.
 * Returns 0, or -1 on a poll error other than EINTR. A signal (SIGWINCH,
 * SIGINT) interrupts the wait so the caller can react at once. */
int loop_poll(struct loop *loop, int max_wait_ms);

/* The one driver of the loop outside the TUI (batch runs, draining, the
 * dashboard's --once, tests): passes until done(ud) answers true, asked
 * before each pass (it may act too, e.g. abort on a signal), for at most
 * max_s seconds (<= 0: no bound). true: done said so; false: the bound or
 * a poll error came first. */
bool loop_run_until(struct loop *loop, bool (*done)(void *ud), void *ud, double max_s);

/* Monotonic clock in seconds. */
double loop_now(void);

#endif
