/* Masked entry of a password: an LDAP password of the bootstrap menus
 * (Carbonio's rules, then verified against the master by the backend) or
 * the doveadm password (Dovecot's rules, kept in memory only). */
#include "pages/page.h"

#include <stdio.h>
#include <string.h>

#include "dovecot_op.h"
#include "password_rules.h"

/* What is typed (wiped after use), and whether it is the doveadm password
 * (opened from the Dovecot settings) or an LDAP one (from the menus,
 * w->pw_editing). */
struct password_state {
	char input[256];
	bool doveadm;
};

static struct password_state *state(struct view *v)
{
	return page_state(v, sizeof(struct password_state));
}

static bool enter(struct view *v, void *arg, char *err, size_t err_size)
{
	struct password_state *s = state(v);
	(void)arg, (void)err, (void)err_size;
	explicit_bzero(s->input, sizeof s->input);
	s->doveadm = page_wizard(v)->page == PAGE_DOVECOT;
	return true;
}

/* The doveadm password: handed to the operation on Connect. */
static void doveadm_done(struct wizard *w, struct password_state *s)
{
	const char *why = dovecot_op_password_problem(s->input);
	if (why) {
		snprintf(w->status, sizeof w->status, "%s", why);
		return;
	}
	snprintf(w->dv_password, sizeof w->dv_password, "%s", s->input);
	explicit_bzero(s->input, sizeof s->input);
	w->dialog = DLG_NONE;
	snprintf(w->status, sizeof w->status, "The doveadm password is set (both servers get it).");
}

/* An LDAP password: the same rules as the batch (what Carbonio accepts),
 * before anything binds with it. */
static void ldap_done(struct wizard *w, struct password_state *s)
{
	const char *why = password_rules_ldap_problem(s->input);
	if (why) {
		snprintf(w->status, sizeof w->status, "%s", why);
		return;
	}
	w->dialog = DLG_NONE;
	enum wizard_pw p = w->pw_editing;
	/* the root password is not verified by the bootstrap either */
	w->pw[p] = p == PW_ROOT ? PWS_SET : PWS_CHECKING;
	if (w->be.password)
		w->be.password(w, p, s->input);
	explicit_bzero(s->input, sizeof s->input);
	if (w->pw[p] == PWS_CHECKING)
		snprintf(w->status, sizeof w->status, "Verifying the %s against the master...", wizard_pw_name(p));
}

static unsigned key(struct view *v, int k)
{
	struct wizard *w = page_wizard(v);
	struct password_state *s = state(v);
	switch (wg_entry_key(s->input, sizeof s->input, k)) {
	case WG_ENTRY_CANCEL:
		explicit_bzero(s->input, sizeof s->input);
		w->dialog = DLG_NONE;
		break;
	case WG_ENTRY_DONE:
		(s->doveadm ? doveadm_done : ldap_done)(w, s);
		break;
	case WG_ENTRY_EDITED:
		break;
	}
	return VIEW_CHANGED;
}

static void draw(struct view *v)
{
	const struct wizard *w = page_wizard(v);
	const struct password_state *s = state(v);
	int y, x, wd = page_dialog_width();
	wg_dialog(8, wd, "Password", &y, &x);
	wg_put(y + 2, x + 2, wd - 4, ROLE_NORMAL,
	       s->doveadm ? "doveadm_password for both servers (12+ characters):" : wizard_pw_prompt(w->pw_editing));
	wg_field_draw_masked(y + 3, x + 2, wd - 4, ROLE_SELECTED, s->input);
	wg_put(y + 5, x + 2, wd - 4, ROLE_DIM,
	       s->doveadm ? "Enter set (never shown, kept in memory only)   Esc cancel"
			    : "Enter set (verified on the master)   Esc cancel");
	page_status(w);
}

const struct view_ops dialog_password_ops = { .name = "password", .enter = enter, .key = key, .draw = draw };
