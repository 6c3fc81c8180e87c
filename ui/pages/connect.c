/* The SSH sessions opening, node by node (host keys and secrets come as
 * dialogs); b goes back to the operation's form, r retries failed ones. */
#include "page.h"

static unsigned key(struct view *v, int k)
{
	struct wizard *w = page_wizard(v);
	bool failed = false;
	for (size_t i = 0; i < w->n_nodes; i++)
		if (w->nodes[i].conn == CONN_FAILED)
			failed = true;
	if (k == 'b' || k == KEY_ESC) {
		if (!w->started) {
			wizard_back(w);
			w->field_sel = FIELD_CONNECT;
		}
		return VIEW_CHANGED;
	}
	if (k == 'r' && failed && w->be.connect)
		w->be.connect(w);
	if (k == 'q') {
		w->quit = true;
		return VIEW_QUIT;
	}
	return VIEW_CHANGED;
}

static const char *conn_text(enum conn_state st)
{
	switch (st) {
	case CONN_NEW: return "waiting";
	case CONN_CONNECTING: return "connecting...";
	case CONN_HOSTKEY_WAIT: return "unknown host key: your decision";
	case CONN_AUTHENTICATING: return "authenticating...";
	case CONN_SECRET_WAIT: return "waiting for a secret";
	case CONN_READY: return "connected";
	case CONN_FAILED: return "FAILED";
	}
	return "";
}

static void draw(struct view *v)
{
	const struct wizard *w = page_wizard(v);
	int rows, cols;
	getmaxyx(stdscr, rows, cols);
	int y = page_intro("Opening an SSH session to every node:");
	bool failed = false;
	for (size_t i = 0; i < w->n_nodes && y < rows - 3; i++) {
		const struct wizard_node *n = &w->nodes[i];
		enum term_role role = n->conn == CONN_READY ? ROLE_OK
				      : n->conn == CONN_FAILED ? ROLE_ERROR : ROLE_RUNNING;
		wg_put(y, 4, 30, ROLE_NORMAL, n->name);
		wg_put(y, 36, cols - 38, role, conn_text(n->conn));
		y++;
		if (n->conn == CONN_FAILED) {
			failed = true;
			y += wg_wrap(y, 8, cols - 10, 4, ROLE_ERROR, n->conn_msg ? n->conn_msg : "");
		}
	}
	if (w->started)
		wg_put(y + 1, 2, cols - 4, ROLE_OK, "All nodes connected: the preflight checks start.");
	wg_key_bar(failed ? "r retry  b back to the nodes  q quit" : "b back to the nodes  q quit");
	page_status(w);
}

const struct view_ops page_connect_ops = { .name = "connect", .key = key, .draw = draw };
