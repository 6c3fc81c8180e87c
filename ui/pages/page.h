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

/* The view's own state (size bytes, zeroed the first time). */
static inline void *page_state(struct view *v, size_t size)
{
	return wizard_view_state(v->priv, v->ops, size);
}

/* For views whose state is one focus index: it, and an enter that puts it
 * on the first row. */
static inline size_t *page_focus(struct view *v)
{
	return page_state(v, sizeof(size_t));
}
bool page_focus_enter(struct view *v, void *arg, char *err, size_t err_size);

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
/* A dialog box of h rows titled title with text wrapped in text_rows rows
 * under its top (text NULL: none); where it is. */
struct page_box {
	int y, x, wd;
};
struct page_box page_box(int h, const char *title, const char *text, int text_rows);

/* The page's first line (what it is for) at row 2; the next row to use. */
int page_intro(const char *text);
/* The end of a form page: its error (w->form_error) wrapped from row y in
 * at most max rows, the key row, the status. */
void page_form_end(const struct wizard *w, int y, int max, const char *keys);
/* How many rows of a checklist of n fit a dialog that needs `reserved`
 * rows of the screen besides (at least 3). */
int page_list_rows(size_t n, int reserved);

/* A form (nodes, Dovecot settings): rows 0..n_text-1 are text fields, the
 * last row its button; one row has a key of its own. */
struct page_form {
	int count;
	int n_text;
	size_t sel, text; /* offsetof the focus (int) and the fields in the wizard */
	const char *const *labels;       /* count - 1: the button has none */
	const char *const *placeholders; /* shown in an empty text field (or NULL) */
	/* Enter on a row (false: on to the next row) */
	bool (*enter)(struct wizard *w, int row);
	/* the row that is not text: its own key and how its value shows */
	int special_row, special_key;
	void (*special)(struct wizard *w);
	void (*special_draw)(const struct wizard *w, int y, int x, int width, enum term_role role);
};
/* A form's keys: focus moves, Esc goes home, Enter is the row's, typing
 * edits the text field focused (text: the n_text buffers). */
unsigned page_form_key(struct wizard *w, const struct page_form *f, int key);

/* The form's rows from row y, two apart, and its [ Connect ] button;
 * the row after it. */
int page_form_draw(const struct wizard *w, const struct page_form *f, int y);

/* A checklist dialog of n rows with sel in view: the box, its text in
 * text_rows rows, the key row. Where the rows go: */
struct page_checklist {
	int y, x, wd;  /* the first row of the list; the box's x and width */
	int rows;      /* how many are shown */
	size_t top;    /* the first shown */
};
struct page_checklist page_checklist(const char *title, const char *text, int text_rows, size_t n,
				     size_t sel, const char *keys);

#endif
