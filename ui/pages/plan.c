/* The plan review: every step in order with its node, user and command
 * (secrets masked); Enter starts the run, b goes back a page. */
#include "page.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

/* lines scrolled down from the top */
static size_t *plan_scroll(struct view *v)
{
	return page_state(v, sizeof(size_t));
}

static unsigned key(struct view *v, int k)
{
	struct wizard *w = page_wizard(v);
	size_t *sc = plan_scroll(v);
	switch (k) {
	case KEY_UP: if (*sc) (*sc)--; break;
	case KEY_DOWN: (*sc)++; break;
	case KEY_PPAGE: *sc = *sc > 10 ? *sc - 10 : 0; break;
	case KEY_NPAGE: *sc += 10; break;
	case KEY_HOME: *sc = 0; break;
	case 'b':
	case KEY_ESC:
		wizard_back(w);
		break;
	case 's':
	case '\r':
	case '\n':
	case KEY_ENTER:
		wizard_goto(w, wizard_flow_next(w));
		break;
	default:
		break;
	}
	return VIEW_CHANGED;
}

/* Reviewing: the commands are computed (secrets masked), from the top. */
static bool enter(struct view *v, void *arg, char *err, size_t err_size)
{
	struct wizard *w = page_wizard(v);
	(void)arg, (void)err, (void)err_size;
	if (w->be.review)
		w->be.review(w);
	*plan_scroll(v) = 0;
	return true;
}

static const char *user_of(const struct plan_item *it)
{
	return it->step->user == PROC_USER_ZEXTRAS ? "zextras" : "root";
}

static void draw(struct view *v)
{
	struct wizard *w = page_wizard(v);
	size_t *sc = plan_scroll(v);
	int rows, cols;
	getmaxyx(stdscr, rows, cols);
	int y = 2, bottom = rows - 3;
	char buf[1024];
	size_t n = w->plan ? w->plan->n : 0;
	snprintf(buf, sizeof buf, "Plan: %zu steps, in this order. Secrets show as ****; <name> is read from the nodes during the run.", n);
	wg_put(y, 2, cols - 4, ROLE_RUNNING, buf);
	y += 2;
	/* flatten to display lines, then show a window of them */
	size_t total = 0, cap = 64;
	char **lines = xcalloc(cap, sizeof *lines);
	enum term_role *roles = xcalloc(cap, sizeof *roles);
#define PUSH(role_, ...) do { \
		if (total == cap) { cap *= 2; lines = xrealloc(lines, cap * sizeof *lines); \
			roles = xrealloc(roles, cap * sizeof *roles); } \
		roles[total] = (role_); lines[total++] = xasprintf(__VA_ARGS__); } while (0)
	for (size_t i = 0; i < n; i++) {
		const struct plan_item *it = &w->plan->items[i];
		PUSH(ROLE_NORMAL, "[%2zu] %s", i + 1, it->step->title);
		PUSH(ROLE_DIM, "     node %s, as %s%s", it->node, user_of(it),
		     it->step->phase ? ", preflight (done)" : "");
		const char *cmd = w->plan_cmds && w->plan_cmds[i] ? w->plan_cmds[i] : "";
		const char *p = cmd;
		bool first = true;
		do {
			const char *nl = strchr(p, '\n');
			int len = nl ? (int)(nl - p) : (int)strlen(p);
			PUSH(ROLE_NORMAL, "     %s %.*s", first ? "$" : " ", len, p);
			first = false;
			p = nl ? nl + 1 : NULL;
		} while (p);
	}
#undef PUSH
	size_t room = (size_t)(bottom - y);
	if (total > room && *sc > total - room)
		*sc = total - room;
	if (total <= room)
		*sc = 0;
	for (size_t i = *sc; i < total && y < bottom; i++)
		wg_put(y++, 2, cols - 4, roles[i], lines[i]);
	for (size_t i = 0; i < total; i++)
		free(lines[i]);
	free(lines);
	free(roles);
	if (total > room) {
		snprintf(buf, sizeof buf, "lines %zu-%zu of %zu", *sc + 1,
			 *sc + room < total ? *sc + room : total, total);
		wg_put(rows - 2, cols - 2 - (int)strlen(buf), (int)strlen(buf), ROLE_DIM, buf);
	}
	/* "Enter/s start the install ... b back to the menus" */
	snprintf(buf, sizeof buf, "Enter/s start the %s  Up/Down/PgUp/PgDn scroll  b back to the %s",
		 wizard_flow(w->op)->noun, wizard_page_ops(wizard_flow_prev(w))->name);
	wg_key_bar(buf);
	page_status(w);
}


const struct view_ops page_plan_ops = { .name = "plan", .enter = enter, .key = key, .draw = draw };
