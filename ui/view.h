/* Views and the one view stack (tig's view_ops, htop's HandlerResult, tmux's
 * window_mode): a screen is a table of operations over its own private
 * state. Handlers change state and say what changed; only ui_run() draws,
 * once per pass, the view on top of the stack. Curses-free header.
 *
 * A new screen: one file defining a `const struct view_ops`, and one line
 * registering it where it is reached (ui/home.c for the home screen). */
#ifndef RW_VIEW_H
#define RW_VIEW_H

#include <stdbool.h>
#include <stddef.h>

struct loop;
struct ui;
struct view;

/* What a key (or ^C) did: a bit set the loop acts on. */
enum view_result {
	VIEW_IGNORED = 0,
	VIEW_CHANGED = 1 << 0, /* redraw */
	VIEW_CLOSE = 1 << 1,   /* pop this view (leave), show the one below */
	VIEW_QUIT = 1 << 2,    /* end ui_run() */
};

struct view_ops {
	const char *name;
	/* Set up v->priv from arg. False (with a reason in err): not pushed.
	 * NULL: v->priv is arg itself (owned by whoever pushed it). */
	bool (*enter)(struct view *v, void *arg, char *err, size_t err_size);
	/* One key (curses key code or byte); never KEY_RESIZE (see resize). */
	unsigned (*key)(struct view *v, int key);
	/* The whole screen into stdscr (wnoutrefresh; the loop doupdate()s). */
	void (*draw)(struct view *v);
	/* The terminal changed size (optional). */
	void (*resize)(struct view *v);
	/* Once per loop pass, after input (optional): engine work and clocks.
	 * True: something shown changed. */
	bool (*tick)(struct view *v);
	/* ^C (optional; without it ^C closes the view). */
	unsigned (*interrupt)(struct view *v);
	/* Free v->priv (optional). */
	void (*leave)(struct view *v);
};

struct view {
	const struct view_ops *ops;
	void *priv;
	struct ui *ui;
};

#define UI_STACK_MAX 8

struct ui {
	struct loop *loop;   /* not owned; NULL in screen tests (no ui_run) */
	struct view stack[UI_STACK_MAX];
	size_t depth;
	bool dirty;
	bool quit;
	int stop_sig;        /* SIGTERM/SIGHUP that ended ui_run(), else 0 */
};

struct ui *ui_new(struct loop *loop);
/* Leaves every view still on the stack, top first. */
void ui_free(struct ui *ui);
/* Push ops (enter(arg)); false with err set when enter refused. */
bool ui_push(struct ui *ui, const struct view_ops *ops, void *arg, char *err, size_t err_size);
/* Leave and remove the top view. */
void ui_pop(struct ui *ui);
struct view *ui_top(struct ui *ui);
/* Deliver a key to the top view and apply its result (screen tests use it
 * as the loop would). */
void ui_key(struct ui *ui, int key);
/* Draw the top view if anything changed (tests: always). */
void ui_draw(struct ui *ui, bool force);
/* The one event loop: stdin and the engine (ui->loop) until the stack is
 * empty or a view quits. ^C goes to the top view; SIGTERM/SIGHUP end the
 * loop with ui->stop_sig set. stopsig_install() must be in effect. */
void ui_run(struct ui *ui);

#endif
