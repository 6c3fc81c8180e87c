/* The small dialogs: a question answered with y/n (abort a run, quit
 * without applying) and a notice that any key closes (the menus' help, a
 * message such as "not available here"). */
#include "pages/page.h"

#include <stdio.h>

static unsigned abort_key(struct view *v, int k)
{
	struct wizard *w = page_wizard(v);
	if (k == 'y') {
		w->dialog = DLG_NONE;
		if (w->be.abort)
			w->be.abort(w);
	} else if (k == 'n' || k == KEY_ESC || k == '\r' || k == '\n') {
		w->dialog = w->rstate == RUNNER_STOPPED ? DLG_FAILURE : DLG_NONE;
	}
	return VIEW_CHANGED;
}

static void abort_draw(struct view *v)
{
	const struct wizard *w = page_wizard(v);
	int y, x, wd = page_dialog_width();
	char buf[256];
	wg_dialog(7, wd, "Abort?", &y, &x);
	snprintf(buf, sizeof buf, "Stop the running command and end the %s here? The journal keeps what was done (--resume).",
		 wizard_flow(w->op)->noun);
	wg_wrap(y + 2, x + 2, wd - 4, 2, ROLE_NORMAL, buf);
	wg_put(y + 4, x + 2, wd - 4, ROLE_NORMAL, "y abort    n go on");
}

const struct view_ops dialog_abort_ops = { .name = "abort", .key = abort_key, .draw = abort_draw };

static unsigned quit_key(struct view *v, int k)
{
	struct wizard *w = page_wizard(v);
	if (k == 'y') {
		w->quit = true;
		return VIEW_QUIT;
	}
	w->dialog = DLG_NONE;
	return VIEW_CHANGED;
}

static void quit_draw(struct view *v)
{
	int y, x, wd = page_dialog_width();
	(void)v;
	wg_dialog(5, wd, "Quit", &y, &x);
	wg_put(y + 2, x + 2, wd - 4, ROLE_NORMAL, "Quit without applying changes? [No]  (y/n)");
}

const struct view_ops dialog_quit_ops = { .name = "quit", .key = quit_key, .draw = quit_draw };

/* help, message: any key closes them */
static unsigned close_key(struct view *v, int k)
{
	(void)k;
	page_wizard(v)->dialog = DLG_NONE;
	return VIEW_CHANGED;
}

static void help_draw(struct view *v)
{
	int y, x, wd = page_dialog_width();
	(void)v;
	wg_dialog(8, wd, "Help", &y, &x);
	wg_put(y + 2, x + 2, wd - 4, ROLE_NORMAL, "Main Menu help");
	wg_put(y + 4, x + 2, wd - 4, ROLE_NORMAL,
	       "Items marked with ** MUST BE CONFIGURED prior to applying configuration");
	wg_put(y + 6, x + 2, wd - 4, ROLE_DIM, "press any key");
}

const struct view_ops dialog_help_ops = { .name = "help", .key = close_key, .draw = help_draw };

static void message_draw(struct view *v)
{
	const struct wizard *w = page_wizard(v);
	int y, x, wd = page_dialog_width();
	wg_dialog(7, wd, "Notice", &y, &x);
	wg_wrap(y + 2, x + 2, wd - 4, 2, ROLE_NORMAL, w->message ? w->message : "");
	wg_put(y + 5, x + 2, wd - 4, ROLE_DIM, "press any key");
}

const struct view_ops dialog_message_ops = { .name = "message", .key = close_key, .draw = message_draw };
