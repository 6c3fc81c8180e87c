/* The view stack and the one event loop (ui/view.h). */
#include "view.h"

#include <curses.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "loop.h"
#include "stopsig.h"
#include "xalloc.h"

struct ui *ui_new(struct loop *loop)
{
	struct ui *ui = xcalloc(1, sizeof *ui);
	ui->loop = loop;
	return ui;
}

void ui_free(struct ui *ui)
{
	if (!ui)
		return;
	while (ui->depth)
		ui_pop(ui);
	free(ui);
}

bool ui_push(struct ui *ui, const struct view_ops *ops, void *arg, char *err, size_t err_size)
{
	if (ui->depth == UI_STACK_MAX) {
		snprintf(err, err_size, "Too many screens open.");
		return false;
	}
	struct view *v = &ui->stack[ui->depth];
	*v = (struct view){ .ops = ops, .priv = arg, .ui = ui };
	if (ops->enter && !ops->enter(v, arg, err, err_size))
		return false;
	ui->depth++;
	ui->dirty = true;
	return true;
}

void ui_pop(struct ui *ui)
{
	if (!ui->depth)
		return;
	struct view *v = &ui->stack[--ui->depth];
	if (v->ops->leave)
		v->ops->leave(v);
	*v = (struct view){ 0 };
	/* the view below draws the whole screen again */
	ui->dirty = true;
	clear();
}

struct view *ui_top(struct ui *ui)
{
	return ui->depth ? &ui->stack[ui->depth - 1] : NULL;
}

static void apply(struct ui *ui, struct view *v, unsigned r)
{
	if (r & VIEW_CHANGED)
		ui->dirty = true;
	if (r & VIEW_QUIT)
		ui->quit = true;
	/* the view may have pushed another: close this one only if still on top */
	if ((r & VIEW_CLOSE) && ui_top(ui) == v)
		ui_pop(ui);
}

void ui_key(struct ui *ui, int key)
{
	if (key == KEY_RESIZE) {
		for (size_t i = 0; i < ui->depth; i++)
			if (ui->stack[i].ops->resize)
				ui->stack[i].ops->resize(&ui->stack[i]);
		ui->dirty = true;
		return;
	}
	struct view *v = ui_top(ui);
	if (v)
		apply(ui, v, v->ops->key(v, key));
}

void ui_draw(struct ui *ui, bool force)
{
	struct view *v = ui_top(ui);
	if (!v || !(force || ui->dirty))
		return;
	v->ops->draw(v);
	ui->dirty = false;
}

static void drain_keys(struct ui *ui)
{
	int ch;
	while (ui->depth && !ui->quit && (ch = getch()) != ERR)
		ui_key(ui, ch);
}

static void on_stdin(void *ud, int fd, short revents)
{
	(void)fd;
	(void)revents;
	drain_keys(ud);
}

void ui_run(struct ui *ui)
{
	loop_watch_fd(ui->loop, STDIN_FILENO, POLLIN, on_stdin, ui);
	while (ui->depth && !ui->quit) {
		if (ui->dirty) {
			ui_draw(ui, false);
			doupdate();
		}
		loop_poll(ui->loop, 250);
		drain_keys(ui); /* KEY_RESIZE arrives without stdin being readable */
		int sig = stopsig_take();
		struct view *v = ui_top(ui);
		if (sig == SIGINT && v) {
			apply(ui, v, v->ops->interrupt ? v->ops->interrupt(v) : VIEW_CLOSE);
		} else if (sig) {
			ui->stop_sig = sig;
			ui->quit = true;
		}
		v = ui_top(ui);
		if (v && !ui->quit && v->ops->tick && v->ops->tick(v))
			ui->dirty = true;
	}
	loop_unwatch_fd(ui->loop, STDIN_FILENO);
}
