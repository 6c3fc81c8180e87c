/* A framed, blanked box centred on the screen (ui/widgets/dialog.h). */
#include "widgets/dialog.h"

#include <stdio.h>

#include "term.h"
#include "widgets/field.h"
#include "widgets/text.h"

void wg_dialog(int h, int wd, const char *title, int *y, int *x)
{
	int rows, cols;
	getmaxyx(stdscr, rows, cols);
	if (wd > cols - 2)
		wd = cols - 2;
	if (h > rows - 2)
		h = rows - 2;
	*y = (rows - h) / 2;
	*x = (cols - wd) / 2;
	for (int i = 0; i < h; i++)
		mvhline(*y + i, *x, ' ', wd);
	term_box(*y, *x, h, wd, title);
}

void wg_hostkey_dialog(int wd, const char *host, const char *type, const char *fingerprint)
{
	int y, x;
	char buf[1024];
	wg_dialog(11, wd, "Unknown host key", &y, &x);
	snprintf(buf, sizeof buf, "%s presents a host key that is not in known_hosts:", host);
	wg_wrap(y + 2, x + 2, wd - 4, 2, ROLE_NORMAL, buf);
	snprintf(buf, sizeof buf, "%s %s", type, fingerprint);
	wg_put(y + 4, x + 4, wd - 6, ROLE_WARN, buf);
	wg_wrap(y + 6, x + 2, wd - 4, 2, ROLE_NORMAL,
		"Compare it with `ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub` on the node.");
	wg_put(y + 8, x + 2, wd - 4, ROLE_NORMAL, "y accept and add to known_hosts    n reject");
}

void wg_secret_dialog(int wd, const char *node, const char *what, const char *input)
{
	int y, x;
	char buf[1024];
	wg_dialog(10, wd, "SSH login", &y, &x);
	snprintf(buf, sizeof buf, "%s asks for the %s:", node ? node : "", what);
	wg_wrap(y + 2, x + 2, wd - 4, 2, ROLE_NORMAL, buf);
	wg_field_draw_masked(y + 5, x + 2, wd - 4, ROLE_SELECTED, input);
	wg_wrap(y + 7, x + 2, wd - 4, 2, ROLE_DIM,
		"Enter send (this connection only, never stored)   Esc none: the connection fails");
}
