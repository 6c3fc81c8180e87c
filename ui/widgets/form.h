/* The one form focus: every form and checklist (nodes, Dovecot settings,
 * the replicas to remove) moves between its rows with the same keys. */
#ifndef RW_WIDGETS_FORM_H
#define RW_WIDGETS_FORM_H

#include <stdbool.h>
#include <stddef.h>

/* Up or Shift-Tab: the previous row, Down or Tab: the next, wrapping
 * around count rows. False (sel unchanged): not a focus key. */
bool wg_form_move(size_t *sel, size_t count, int key);

/* What a key means to a form. */
enum wg_form_action {
	WG_FORM_OTHER,  /* the focused row's (a field's text, Space...) */
	WG_FORM_MOVED,  /* focus moved (wg_form_move) */
	WG_FORM_BACK,   /* Esc: leave the form */
	WG_FORM_ENTER,  /* Enter on the focused row */
};

enum wg_form_action wg_form_key(size_t *sel, size_t count, int key);

#endif
