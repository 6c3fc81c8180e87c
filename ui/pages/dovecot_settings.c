/* Dovecot's form: the two servers, the doveadm port, max_conns and the
 * doveadm password (g: generated or an earlier run's; Enter: type it in
 * the masked DLG_PASSWORD), of the pair chosen on the pair list when the
 * site has several (saved to its [dovecot NAME]; else [dovecot]). */
#include "page.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

static bool enter_row(struct wizard *w, int f)
{
	if (f == DV_CONNECT) {
		wizard_connect(w);
	} else if (f == DV_PASSWORD) {
		wizard_open_dialog(w, DLG_PASSWORD); /* the doveadm password */
	}
	return f == DV_CONNECT || f == DV_PASSWORD;
}

/* g on the password: generated, or an earlier run's */
static void generate(struct wizard *w)
{
	explicit_bzero(w->dv_password, sizeof w->dv_password);
	snprintf(w->status, sizeof w->status, "%s",
		 "The doveadm password will be generated (or kept from an earlier run).");
}

/* never the password, not even its length */
static void password_draw(const struct wizard *w, int y, int x, int width, enum term_role role)
{
	wg_put(y, x, width, role, w->dv_password[0] ? "[typed, hidden (Enter: retype, g: generate)]"
						    : "[generated / an earlier run's (Enter: type)]");
}

static const char *const labels[] = {
	[DV_SERVER1] = "First Dovecot server", [DV_SERVER2] = "Second Dovecot server",
	[DV_PORT] = "Replication port (doveadm)", [DV_MAX_CONNS] = "replication_max_conns",
	[DV_PASSWORD] = "doveadm_password",
};

static const struct page_form form = {
	.count = DV_COUNT, .n_text = DV_PASSWORD,
	.sel = offsetof(struct wizard, dv_sel), .text = offsetof(struct wizard, dv_field),
	.labels = labels, .enter = enter_row,
	.special_row = DV_PASSWORD, .special_key = 'g', .special = generate, .special_draw = password_draw,
};

static unsigned key(struct view *v, int k)
{
	return page_form_key(page_wizard(v), &form, k);
}

static void draw(struct view *v)
{
	const struct wizard *w = page_wizard(v);
	int rows, cols;
	getmaxyx(stdscr, rows, cols);
	char buf[WIZARD_FIELD_MAX + 200];
	/* several pairs: which one (one pair: the screen as before pairs) */
	const struct wizard_dv_pair *p = wizard_dv_pair(w);
	bool pairs = wizard_flow_prev(w) != w->page && p;
	if (pairs)
		snprintf(buf, sizeof buf, "Pair %s: two-way replication between its two Dovecot 2.3 servers.",
			 p->name);
	int y = page_intro(pairs ? buf : "Two-way replication between two Dovecot 2.3 servers (SSH: the site file).");
	y = page_form_draw(w, &form, y);
	y += wg_wrap(y, 2, cols - 4, 2, ROLE_DIM,
		  "The preflight resolves each server's partner addresses (the firewall accepts "
		  "the port from them only): confirm them before the plan review.");
	if (pairs)
		snprintf(buf, sizeof buf, "Site file: %s, [dovecot%s%s] (saved on Connect, without the password; "
			 "conf_dir %s)", w->site_path ? w->site_path : "(none)", p->named ? " " : "",
			 p->named ? p->name : "", p->conf_dir);
	else
		snprintf(buf, sizeof buf, "Site file: %s (saved on Connect, without the password)",
			 w->site_path ? w->site_path : "(none)");
	y += wg_wrap(y, 2, cols - 4, 2, ROLE_DIM, buf);
	page_form_end(w, y, rows - 3 - y, pairs ? "Tab/Down next  Up previous  type to edit  ^U clear  Enter on Connect  Esc back"
					       : "Tab/Down next  Up previous  type to edit  ^U clear  Enter on Connect  Esc home");
}

const struct view_ops page_dovecot_ops = { .name = "dovecot", .key = key, .draw = draw };
