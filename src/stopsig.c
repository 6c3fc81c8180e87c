#include "stopsig.h"

#include <signal.h>
#include <stddef.h>

static const int stop_signals[] = { SIGINT, SIGTERM, SIGHUP };
#define N_STOP (sizeof stop_signals / sizeof stop_signals[0])

static volatile sig_atomic_t pending, first;
static struct sigaction saved[N_STOP];
static bool installed;

static void on_stop(int sig)
{
	if (!pending)
		pending = sig;
	if (!first)
		first = sig;
}

void stopsig_install(void)
{
	struct sigaction sa = { .sa_handler = on_stop };
	sigemptyset(&sa.sa_mask);
	pending = first = 0;
	for (size_t i = 0; i < N_STOP; i++) {
		struct sigaction old;
		sigaction(stop_signals[i], NULL, installed ? &old : &saved[i]);
		/* ignored when we started (nohup, `cmd &` in a script): the
		 * caller asked for the run to survive it */
		if ((installed ? old : saved[i]).sa_handler != SIG_IGN)
			sigaction(stop_signals[i], &sa, NULL);
	}
	installed = true;
}

void stopsig_restore(void)
{
	if (!installed)
		return;
	for (size_t i = 0; i < N_STOP; i++)
		sigaction(stop_signals[i], &saved[i], NULL);
	installed = false;
}

int stopsig_take(void)
{
	int sig = pending;
	pending = 0;
	return sig;
}

bool stopsig_again(void)
{
	return stopsig_take() != 0;
}

int stopsig_first(void)
{
	return first;
}

int stopsig_exit_status(int sig)
{
	return 128 + sig;
}
