/* What the wizard's page and dialog views share (ui/pages, ui/dialogs):
 * the wizard model, the flow tables, the widgets, and a few drawing
 * helpers for plan items. Curses. */
#ifndef RW_PAGE_H
#define RW_PAGE_H

#include <stdbool.h>
#include <stddef.h>

#include "flow.h"
#include "pane.h"
#include "term.h"
#include "view.h"
#include "widgets/dialog.h"
#include "widgets/field.h"
#include "widgets/form.h"
#include "widgets/frame.h"
#include "widgets/keys.h"
#include "widgets/list.h"
#include "widgets/text.h"
#include "wizard.h"

/* The wizard a page's or dialog's view works on. */
static inline struct wizard *page_wizard(struct view *v)
{
	return v->priv;
}

static inline bool page_is_enter(int key)
{
	return key == '\r' || key == '\n' || key == KEY_ENTER;
}

/* The one-line notice above the key row (w->status). */
void page_status(const struct wizard *w);
/* The colour of a plan item's state. */
enum term_role page_item_role(enum item_state s);
/* Plan item i as one line ("NN state  elapsed  node  title") at row y. */
void page_item_line(const struct wizard *w, int y, size_t i, int width);

/* A dialog's width on this screen. */
int page_dialog_width(void);

/* A form's keys (nodes, Dovecot settings): focus moves, Esc goes home,
 * Enter is the row's (enter; false: on to the next row), any other key is
 * the row's (other). */
void page_form_key(struct wizard *w, int *sel, int count, int key,
		   bool (*enter)(struct wizard *w, int row),
		   void (*other)(struct wizard *w, int row, int key));

#endif
