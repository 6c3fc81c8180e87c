/* The Site view: the site file's nodes, their roles and how each is
 * reached over SSH, with the file's warnings. Read only; pushed from the
 * home screen (ui/home.c) with the site path as its argument. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "home.h"
#include "site.h"
#include "term.h"
#include "view.h"
#include "widgets/frame.h"
#include "widgets/keys.h"
#include "widgets/list.h"
#include "widgets/text.h"
#include "xalloc.h"

struct site_view {
	struct site *site;
	char *path;
	int sel;
};

static bool enter(struct view *v, void *arg, char *err, size_t err_size)
{
	const char *path = arg;
	struct site *site = home_load_site(path, "Site", err, err_size);
	if (!site)
		return false;
	struct site_view *s = xcalloc(1, sizeof *s);
	s->site = site;
	s->path = xstrdup(path);
	v->priv = s;
	return true;
}

static unsigned key(struct view *v, int k)
{
	struct site_view *s = v->priv;
	if (wg_list_move(&s->sel, (int)site_host_count(s->site), k))
		return VIEW_CHANGED;
	return k == 'q' || k == KEY_ESC ? VIEW_CLOSE : VIEW_IGNORED;
}

static void draw(struct view *v)
{
	struct site_view *s = v->priv;
	int rows, cols;
	getmaxyx(stdscr, rows, cols);
	if (!wg_view_begin("Site file", s->path))
		return;
	char buf[1200];
	size_t n = site_host_count(s->site), nw = site_warning_count(s->site);
	/* the columns as wide as their longest entry */
	int name_w = 4, roles_w = 5;
	char roles[128];
	for (size_t i = 0; i < n; i++) {
		const struct site_host *h = site_host_at(s->site, i);
		int c = wg_cells(h->name, SIZE_MAX);
		name_w = c > name_w ? c : name_w;
		c = wg_cells(site_roles_format(h->roles, roles, sizeof roles), SIZE_MAX);
		roles_w = c > roles_w ? c : roles_w;
	}
	if (name_w > cols / 3)
		name_w = cols / 3;
	snprintf(buf, sizeof buf, "%-*s  %-*s  %s", name_w, "Node", roles_w, "Roles", "SSH");
	wg_put(2, 2, cols - 4, ROLE_RUNNING, buf);
	/* rows for the list: what the details, the warnings and the key row leave */
	int room = rows - 8 - (nw ? (int)nw + 1 : 0);
	if (room < 3)
		room = 3;
	size_t top = wg_list_top((size_t)s->sel, n, room);
	int y = 3;
	for (size_t i = top; i < n && y < 3 + room; i++, y++) {
		const struct site_host *h = site_host_at(s->site, i);
		site_roles_format(h->roles, roles, sizeof roles);
		snprintf(buf, sizeof buf, "%-*s  %-*s  %s@%s:%u", name_w, h->name, roles_w, roles, h->user,
			 h->address, h->port);
		wg_put(y, 2, cols - 4, i == (size_t)s->sel ? ROLE_SELECTED : ROLE_NORMAL, buf);
	}
	y++;
	if (n) {
		const struct site_host *h = site_host_at(s->site, (size_t)s->sel);
		snprintf(buf, sizeof buf, "%s: key %s, known_hosts %s, prefix %s, LDAP port %u", h->name,
			 h->identity ? h->identity : "(ssh agent, then the default keys)", h->known_hosts,
			 h->prefix, h->ldap_port);
		y += wg_wrap(y, 2, cols - 4, 2, ROLE_DIM, buf);
	} else {
		wg_put(y++, 2, cols - 4, ROLE_WARN, "The site file names no node.");
	}
	y++;
	for (size_t i = 0; i < nw && y < rows - 2; i++)
		y += wg_wrap(y, 2, cols - 4, 1, ROLE_WARN, site_warning_at(s->site, i));
	wg_key_bar("Up/Down move  q/Esc back");
	wnoutrefresh(stdscr);
}

static void leave(struct view *v)
{
	struct site_view *s = v->priv;
	site_free(s->site);
	free(s->path);
	free(s);
}

const struct view_ops site_view_ops = {
	.name = "site", .enter = enter, .key = key, .draw = draw, .leave = leave,
};
