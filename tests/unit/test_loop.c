/* The event loop: timers in order, fd watches, bounded waits, signals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <poll.h>
#include <stdbool.h>
#include <signal.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "loop.h"

struct rec {
	int order[16];
	int n;
	struct loop *loop;
	int cancel_id;
};

static void rec_timer(void *ud, int tag)
{
	struct rec *r = ud;

	if (r->n < 16)
		r->order[r->n++] = tag;
}

static void t1(void *ud) { rec_timer(ud, 1); }
static void t2(void *ud) { rec_timer(ud, 2); }
static void t3(void *ud) { rec_timer(ud, 3); }

static void t_cancels(void *ud)
{
	struct rec *r = ud;

	rec_timer(ud, 9);
	loop_timer_cancel(r->loop, r->cancel_id);
}

static void run_until(struct loop *loop, const int *n, int want, double limit_s)
{
	double end = loop_now() + limit_s;

	while (*n < want && loop_now() < end)
		assert_int_equal(loop_poll(loop, 50), 0);
}

static void test_timers_fire_in_order(void **state)
{
	struct loop *loop = loop_new();
	struct rec r = { .loop = loop };
	(void)state;

	/* Created out of order: they must fire by due time. */
	loop_timer(loop, 60, t3, &r);
	loop_timer(loop, 20, t1, &r);
	loop_timer(loop, 40, t2, &r);
	run_until(loop, &r.n, 3, 5.0);
	assert_int_equal(r.n, 3);
	assert_int_equal(r.order[0], 1);
	assert_int_equal(r.order[1], 2);
	assert_int_equal(r.order[2], 3);
	loop_free(loop);
}

static void test_timer_cancel(void **state)
{
	struct loop *loop = loop_new();
	struct rec r = { .loop = loop };
	int id;
	(void)state;

	id = loop_timer(loop, 10, t1, &r);
	assert_true(id > 0);
	loop_timer_cancel(loop, id);
	/* Cancelled from an earlier callback in the same pass. */
	loop_timer(loop, 5, t_cancels, &r);
	r.cancel_id = loop_timer(loop, 6, t2, &r);
	loop_timer(loop, 30, t3, &r);
	run_until(loop, &r.n, 2, 5.0);
	/* Let t2's due time pass: it must still not fire. */
	for (int i = 0; i < 3; i++)
		loop_poll(loop, 20);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.order[0], 9);
	assert_int_equal(r.order[1], 3);
	loop_free(loop);
}

struct fdrec {
	int calls;
	short revents;
	char buf[16];
	struct loop *loop;
};

static void on_fd(void *ud, int fd, short revents)
{
	struct fdrec *f = ud;
	ssize_t n;

	f->calls++;
	f->revents = revents;
	n = read(fd, f->buf, sizeof(f->buf) - 1);
	if (n > 0)
		f->buf[n] = '\0';
}

static void test_fd_watch(void **state)
{
	struct loop *loop = loop_new();
	struct fdrec f = { .loop = loop };
	int p[2];
	(void)state;

	assert_int_equal(pipe(p), 0);
	assert_int_equal(loop_watch_fd(loop, p[0], POLLIN, on_fd, &f), 0);
	assert_int_equal(loop_poll(loop, 10), 0);
	assert_int_equal(f.calls, 0);
	assert_int_equal(write(p[1], "hello", 5), 5);
	assert_int_equal(loop_poll(loop, 1000), 0);
	assert_int_equal(f.calls, 1);
	assert_true(f.revents & POLLIN);
	assert_string_equal(f.buf, "hello");
	/* Unwatched: data stays unread, no callback. */
	loop_unwatch_fd(loop, p[0]);
	assert_int_equal(write(p[1], "x", 1), 1);
	assert_int_equal(loop_poll(loop, 20), 0);
	assert_int_equal(f.calls, 1);
	close(p[0]);
	close(p[1]);
	loop_free(loop);
}

static void test_pass_is_bounded(void **state)
{
	struct loop *loop = loop_new();
	struct rec r = { .loop = loop };
	int p[2];
	double t0, dt;
	(void)state;

	assert_int_equal(pipe(p), 0);
	assert_int_equal(loop_watch_fd(loop, p[0], POLLIN, on_fd, &r), 0);
	t0 = loop_now();
	assert_int_equal(loop_poll(loop, 100), 0);
	dt = loop_now() - t0;
	assert_true(dt >= 0.09);
	assert_true(dt < 2.0);
	/* A nearer timer shortens the wait. */
	loop_timer(loop, 30, t1, &r);
	t0 = loop_now();
	assert_int_equal(loop_poll(loop, 10000), 0);
	dt = loop_now() - t0;
	assert_true(dt < 5.0);
	assert_int_equal(r.n, 1);
	/* So does loop_wake_in. */
	loop_wake_in(loop, 20);
	t0 = loop_now();
	assert_int_equal(loop_poll(loop, 10000), 0);
	assert_true(loop_now() - t0 < 5.0);
	close(p[0]);
	close(p[1]);
	loop_free(loop);
}

static int tick_count;

static void on_tick(void *ud)
{
	struct loop *loop = ud;

	/* Removing itself during the pass must be safe. */
	if (++tick_count == 2)
		loop_remove_tick(loop, on_tick, ud);
}

static void test_ticks(void **state)
{
	struct loop *loop = loop_new();
	(void)state;

	tick_count = 0;
	loop_add_tick(loop, on_tick, loop);
	for (int i = 0; i < 5; i++)
		loop_poll(loop, 0);
	assert_int_equal(tick_count, 2);
	loop_free(loop);
}

static void on_alarm(int sig)
{
	(void)sig;
}

static void test_signal_interrupts_wait(void **state)
{
	struct loop *loop = loop_new();
	struct sigaction sa;
	struct itimerval it = { .it_value = { .tv_sec = 0, .tv_usec = 100000 } };
	int p[2];
	double t0;
	(void)state;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm; /* no SA_RESTART: poll must see EINTR */
	sigaction(SIGALRM, &sa, NULL);
	assert_int_equal(pipe(p), 0);
	assert_int_equal(loop_watch_fd(loop, p[0], POLLIN, on_fd, &p), 0);
	setitimer(ITIMER_REAL, &it, NULL);
	t0 = loop_now();
	assert_int_equal(loop_poll(loop, 10000), 0);
	assert_true(loop_now() - t0 < 5.0);
	signal(SIGALRM, SIG_DFL);
	close(p[0]);
	close(p[1]);
	loop_free(loop);
}

struct until {
	int asked;
	bool flag;
};

static bool flag_set(void *ud)
{
	struct until *u = ud;
	u->asked++;
	return u->flag;
}

static void set_flag(void *ud)
{
	((struct until *)ud)->flag = true;
}

/* loop_run_until: asks before each pass, returns as soon as done says so
 * (a timer sets the flag), and false at its bound when it never does. */
static void test_run_until(void **state)
{
	(void)state;
	struct loop *loop = loop_new();
	struct until u = { 0 };
	u.flag = true;
	assert_true(loop_run_until(loop, flag_set, &u, 5));
	assert_int_equal(u.asked, 1); /* done already: no pass */

	u = (struct until){ 0 };
	loop_timer(loop, 30, set_flag, &u);
	double t0 = loop_now();
	assert_true(loop_run_until(loop, flag_set, &u, 5));
	assert_true(u.asked >= 2);

	u = (struct until){ 0 };
	t0 = loop_now();
	assert_false(loop_run_until(loop, flag_set, &u, 0.3));
	assert_true(loop_now() - t0 >= 0.29);
	assert_false(u.flag);
	loop_free(loop);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timers_fire_in_order),
		cmocka_unit_test(test_timer_cancel),
		cmocka_unit_test(test_fd_watch),
		cmocka_unit_test(test_pass_is_bounded),
		cmocka_unit_test(test_ticks),
		cmocka_unit_test(test_signal_interrupts_wait),
		cmocka_unit_test(test_run_until),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
