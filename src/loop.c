/* The one event loop: poll(2) over watched fds, one-shot timers, ticks. */
#include "loop.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "xalloc.h"

struct loop_watch {
	int fd;
	short events;
	loop_fd_cb cb;
	void *ud;
	unsigned gen;   /* changes on every (re)watch: stale poll results are dropped */
};

struct loop_timer {
	int id;
	double due;
	loop_timer_cb cb;
	void *ud;
};

struct loop_tick {
	loop_tick_cb cb;
	void *ud;
	bool removed;   /* removal during a pass is deferred to its end */
};

struct loop {
	struct loop_watch *watches;
	size_t nwatches, capwatches;
	unsigned gen;

	struct loop_timer *timers;
	size_t ntimers, captimers;
	int next_timer_id;

	struct loop_tick *ticks;
	size_t nticks, capticks;
	int in_ticks;

	int wake_ms;    /* cap on the next wait set by loop_wake_in(), -1: none */
};

double loop_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct loop *loop_new(void)
{
	struct loop *loop = xcalloc(1, sizeof(*loop));

	loop->next_timer_id = 1;
	loop->wake_ms = -1;
	return loop;
}

void loop_free(struct loop *loop)
{
	if (loop == NULL)
		return;
	free(loop->watches);
	free(loop->timers);
	free(loop->ticks);
	free(loop);
}

static struct loop_watch *loop_find_watch(struct loop *loop, int fd)
{
	for (size_t i = 0; i < loop->nwatches; i++)
		if (loop->watches[i].fd == fd)
			return &loop->watches[i];
	return NULL;
}

int loop_watch_fd(struct loop *loop, int fd, short events, loop_fd_cb cb, void *ud)
{
	struct loop_watch *w;

	if (fd < 0 || cb == NULL)
		return -1;
	w = loop_find_watch(loop, fd);
	if (w == NULL) {
		if (loop->nwatches == loop->capwatches) {
			loop->capwatches = loop->capwatches ? loop->capwatches * 2 : 8;
			loop->watches = xrealloc(loop->watches,
						 loop->capwatches * sizeof(*loop->watches));
		}
		w = &loop->watches[loop->nwatches++];
		memset(w, 0, sizeof(*w));
		w->fd = fd;
	}
	/* Only a new callback or owner is a new watch: updating the events of the
	 * same watch (the SSH transport does it every pass) keeps results valid. */
	if (w->cb != cb || w->ud != ud || w->gen == 0)
		w->gen = ++loop->gen;
	w->events = events;
	w->cb = cb;
	w->ud = ud;
	return 0;
}

void loop_unwatch_fd(struct loop *loop, int fd)
{
	for (size_t i = 0; i < loop->nwatches; i++) {
		if (loop->watches[i].fd == fd) {
			loop->watches[i] = loop->watches[--loop->nwatches];
			return;
		}
	}
}

int loop_timer(struct loop *loop, int ms, loop_timer_cb cb, void *ud)
{
	struct loop_timer *t;

	if (loop->ntimers == loop->captimers) {
		loop->captimers = loop->captimers ? loop->captimers * 2 : 8;
		loop->timers = xrealloc(loop->timers, loop->captimers * sizeof(*loop->timers));
	}
	t = &loop->timers[loop->ntimers++];
	t->id = loop->next_timer_id++;
	if (loop->next_timer_id == INT_MAX)
		loop->next_timer_id = 1;
	t->due = loop_now() + (ms > 0 ? ms : 0) / 1000.0;
	t->cb = cb;
	t->ud = ud;
	return t->id;
}

void loop_timer_cancel(struct loop *loop, int id)
{
	for (size_t i = 0; i < loop->ntimers; i++) {
		if (loop->timers[i].id == id) {
			memmove(&loop->timers[i], &loop->timers[i + 1],
				(loop->ntimers - i - 1) * sizeof(*loop->timers));
			loop->ntimers--;
			return;
		}
	}
}

void loop_add_tick(struct loop *loop, loop_tick_cb cb, void *ud)
{
	if (loop->nticks == loop->capticks) {
		loop->capticks = loop->capticks ? loop->capticks * 2 : 8;
		loop->ticks = xrealloc(loop->ticks, loop->capticks * sizeof(*loop->ticks));
	}
	loop->ticks[loop->nticks++] = (struct loop_tick){ cb, ud, false };
}

static void loop_compact_ticks(struct loop *loop)
{
	size_t j = 0;

	for (size_t i = 0; i < loop->nticks; i++)
		if (!loop->ticks[i].removed)
			loop->ticks[j++] = loop->ticks[i];
	loop->nticks = j;
}

void loop_remove_tick(struct loop *loop, loop_tick_cb cb, void *ud)
{
	for (size_t i = 0; i < loop->nticks; i++) {
		if (!loop->ticks[i].removed && loop->ticks[i].cb == cb &&
		    loop->ticks[i].ud == ud) {
			loop->ticks[i].removed = true;
			break;
		}
	}
	if (!loop->in_ticks)
		loop_compact_ticks(loop);
}

void loop_wake_in(struct loop *loop, int ms)
{
	if (ms < 0)
		ms = 0;
	if (loop->wake_ms < 0 || ms < loop->wake_ms)
		loop->wake_ms = ms;
}

static int loop_timer_cmp(const void *a, const void *b)
{
	const struct loop_timer *x = a, *y = b;

	if (x->due != y->due)
		return x->due < y->due ? -1 : 1;
	return (x->id > y->id) - (x->id < y->id);
}

static void loop_run_timers(struct loop *loop)
{
	double now = loop_now();
	struct loop_timer *due = NULL;
	size_t n = 0;

	/* Snapshot what is due now, in order: callbacks may add or cancel
	 * timers, and a timer re-armed with 0 ms waits for the next pass. */
	for (size_t i = 0; i < loop->ntimers; i++) {
		if (loop->timers[i].due > now)
			continue;
		due = xrealloc(due, (n + 1) * sizeof(*due));
		due[n++] = loop->timers[i];
	}
	if (n > 1)
		qsort(due, n, sizeof(*due), loop_timer_cmp);
	for (size_t i = 0; i < n; i++) {
		bool live = false;

		for (size_t j = 0; j < loop->ntimers && !live; j++)
			live = loop->timers[j].id == due[i].id;
		if (!live)
			continue; /* cancelled by an earlier callback */
		loop_timer_cancel(loop, due[i].id);
		due[i].cb(due[i].ud);
	}
	free(due);
}

static void loop_run_ticks(struct loop *loop)
{
	size_t n = loop->nticks;

	loop->in_ticks++;
	for (size_t i = 0; i < n && i < loop->nticks; i++) {
		struct loop_tick t = loop->ticks[i];

		if (!t.removed)
			t.cb(t.ud);
	}
	loop->in_ticks--;
	if (!loop->in_ticks)
		loop_compact_ticks(loop);
}

static int loop_wait_ms(struct loop *loop, int max_wait_ms)
{
	int wait = max_wait_ms;
	double now = loop_now();

	for (size_t i = 0; i < loop->ntimers; i++) {
		double d = (loop->timers[i].due - now) * 1000.0;
		int ms = d <= 0 ? 0 : (d >= INT_MAX ? INT_MAX : (int)d + ((double)(int)d < d));

		if (wait < 0 || ms < wait)
			wait = ms;
	}
	if (loop->wake_ms >= 0 && (wait < 0 || loop->wake_ms < wait))
		wait = loop->wake_ms;
	loop->wake_ms = -1;
	return wait;
}

int loop_poll(struct loop *loop, int max_wait_ms)
{
	struct pollfd *pfd = NULL;
	unsigned *gens = NULL;
	size_t n = loop->nwatches;
	int wait, rc, ret = 0;

	wait = loop_wait_ms(loop, max_wait_ms);
	if (n > 0) {
		pfd = xcalloc(n, sizeof(*pfd));
		gens = xcalloc(n, sizeof(*gens));
		for (size_t i = 0; i < n; i++) {
			pfd[i].fd = loop->watches[i].fd;
			pfd[i].events = loop->watches[i].events;
			gens[i] = loop->watches[i].gen;
		}
	}
	rc = poll(pfd, (nfds_t)n, wait);
	if (rc < 0) {
		if (errno != EINTR)
			ret = -1;
		rc = 0; /* a signal: still run what is due, then let the caller react */
	}
	for (size_t i = 0; rc > 0 && i < n; i++) {
		struct loop_watch *w;

		if (pfd[i].revents == 0)
			continue;
		/* A callback may have unwatched or replaced this fd meanwhile. */
		w = loop_find_watch(loop, pfd[i].fd);
		if (w == NULL || w->gen != gens[i])
			continue;
		w->cb(w->ud, pfd[i].fd, pfd[i].revents);
	}
	free(pfd);
	free(gens);
	loop_run_timers(loop);
	loop_run_ticks(loop);
	return ret;
}

/* A pass waits this long at most, so that done() is asked again soon even
 * when nothing happens (a flag set by a signal handler, a clock bound). */
#define RUN_UNTIL_PASS_MS 200

bool loop_run_until(struct loop *loop, bool (*done)(void *ud), void *ud, double max_s)
{
	double end = max_s > 0 ? loop_now() + max_s : 0;
	for (;;) {
		if (done(ud))
			return true;
		int wait_ms = RUN_UNTIL_PASS_MS;
		if (max_s > 0) {
			double left = end - loop_now();
			if (left <= 0)
				return false;
			if (left * 1000 < wait_ms)
				wait_ms = (int)(left * 1000) + 1;
		}
		if (loop_poll(loop, wait_ms) < 0)
			return false;
	}
}
