/* Masked entry of a password: an LDAP password of the bootstrap menus
 * (Carbonio's rules, then verified against the master by the backend) or
 * the doveadm password (Dovecot's rules, kept in memory only). */
#include "pages/page.h"

#include <stdio.h>
#include <string.h>

#include "dovecot_op.h"
#include "password_rules.h"

static bool enter(struct view *v, void *arg, char *err, size_t err_size)
{
	struct wizard *w = page_wizard(v);
	(void)arg, (void)err, (void)err_size;
	explicit_bzero(w->pw_input, sizeof w->pw_input);
	return true;
}

/* The doveadm password: handed to the operation on Connect. */
static void doveadm_done(struct wizard *w)
{
	const char *why = dovecot_op_password_problem(w->pw_input);
	if (why) {
		snprintf(w->status, sizeof w->status, "%s", why);
		return;
	}
	snprintf(w->dv_password, sizeof w->dv_password, "%s", w->pw_input);
	explicit_bzero(w->pw_input, sizeof w->pw_input);
	w->dialog = DLG_NONE;
	w->dv_typing = false;
	snprintf(w->status, sizeof w->status, "The doveadm password is set (both servers get it).");
}

/* An LDAP password: the same rules as the batch (what Carbonio accepts),
 * before anything binds with it. */
static void ldap_done(struct wizard *w)
{
	const char *why = password_rules_ldap_problem(w->pw_input);
	if (why) {
		snprintf(w->status, sizeof w->status, "%s", why);
		return;
	}
	w->dialog = DLG_NONE;
	enum wizard_pw p = w->pw_editing;
	/* the root password is not verified by the bootstrap either */
	w->pw[p] = p == PW_ROOT ? PWS_SET : PWS_CHECKING;
	if (w->be.password)
		w->be.password(w, p, w->pw_input);
	explicit_bzero(w->pw_input, sizeof w->pw_input);
	if (w->pw[p] == PWS_CHECKING)
		snprintf(w->status, sizeof w->status, "Verifying the %s against the master...", wizard_pw_name(p));
}

static unsigned key(struct view *v, int k)
{
	struct wizard *w = page_wizard(v);
	switch (wg_entry_key(w->pw_input, sizeof w->pw_input, k)) {
	case WG_ENTRY_CANCEL:
		explicit_bzero(w->pw_input, sizeof w->pw_input);
		w->dialog = DLG_NONE;
		w->dv_typing = false;
		break;
	case WG_ENTRY_DONE:
		(w->dv_typing ? doveadm_done : ldap_done)(w);
		break;
	case WG_ENTRY_EDITED:
		break;
	}
	return VIEW_CHANGED;
}

static void draw(struct view *v)
{
	const struct wizard *w = page_wizard(v);
	int y, x, wd = page_dialog_width();
	wg_dialog(8, wd, "Password", &y, &x);
	wg_put(y + 2, x + 2, wd - 4, ROLE_NORMAL,
	       w->dv_typing ? "doveadm_password for both servers (12+ characters):" : wizard_pw_prompt(w->pw_editing));
	wg_field_draw_masked(y + 3, x + 2, wd - 4, ROLE_SELECTED, w->pw_input);
	wg_put(y + 5, x + 2, wd - 4, ROLE_DIM,
	       w->dv_typing ? "Enter set (never shown, kept in memory only)   Esc cancel"
			    : "Enter set (verified on the master)   Esc cancel");
	page_status(w);
}

const struct view_ops dialog_password_ops = { .name = "password", .enter = enter, .key = key, .draw = draw };
