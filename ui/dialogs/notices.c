/* The small dialogs: a question answered with y/n (abort a run, quit
 * without applying) and a notice that any key closes (the menus' help, a
 * message such as "not available here"). */
#include "pages/page.h"

#include <stdio.h>

static unsigned abort_key(struct view *v, int k)
{
	struct wizard *w = page_wizard(v);
	if (k == 'y')
		wizard_abort(w);
	else if (k == 'n' || k == KEY_ESC || page_is_enter(k)) /* go on: back to what was shown */
		w->dialog = w->rstate == RUNNER_STOPPED ? DLG_FAILURE : DLG_NONE;
	return VIEW_CHANGED;
}

static void abort_draw(struct view *v)
{
	char buf[256];
	snprintf(buf, sizeof buf, "Stop the running command and end the %s here? The journal keeps what was done (--resume).",
		 wizard_flow(page_wizard(v)->op)->noun);
	struct page_box b = page_box(7, "Abort?", buf, 2);
	wg_put(b.y + 4, b.x + 2, b.wd - 4, ROLE_NORMAL, "y abort    n go on");
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
	(void)v;
	page_box(5, "Quit", "Quit without applying changes? [No]  (y/n)", 1);
}

const struct view_ops dialog_quit_ops = { .name = "quit", .key = quit_key, .draw = quit_draw };

/* help, message: paragraphs two rows apart (each wrapped to two rows),
 * "press any key" on the last row; any key closes them */
static unsigned close_key(struct view *v, int k)
{
	(void)k;
	page_wizard(v)->dialog = DLG_NONE;
	return VIEW_CHANGED;
}

static void notice(int h, const char *title, const char *const *paras, size_t n)
{
	struct page_box b = page_box(h, title, NULL, 0);
	for (size_t i = 0; i < n; i++)
		wg_wrap(b.y + 2 + 2 * (int)i, b.x + 2, b.wd - 4, 2, ROLE_NORMAL, paras[i]);
	wg_put(b.y + h - 2, b.x + 2, b.wd - 4, ROLE_DIM, "press any key");
}

static void help_draw(struct view *v)
{
	static const char *const help[] = {
		"Main Menu help",
		"Items marked with ** MUST BE CONFIGURED prior to applying configuration",
	};
	(void)v;
	notice(8, "Help", help, 2);
}

const struct view_ops dialog_help_ops = { .name = "help", .key = close_key, .draw = help_draw };

static void message_draw(struct view *v)
{
	const char *text = page_wizard(v)->message;
	notice(7, "Notice", text ? &text : (const char *const[]){ "" }, 1);
}

const struct view_ops dialog_message_ops = { .name = "message", .key = close_key, .draw = message_draw };
