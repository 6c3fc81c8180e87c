/* The preflight: read-only checks on every node. Install lists each check;
 * the others (flow->findings) count them and show the findings box (the
 * ldap_url table, the servers' facts and config diff) for the admin to
 * confirm. Enter goes on to the flow's next page once the run pauses. */
#include "page.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

static unsigned key(struct view *v, int k)
{
	struct wizard *w = page_wizard(v);
	if ((page_is_enter(k) || k == 'c') && w->rstate == RUNNER_PAUSED) {
		wizard_goto(w, wizard_flow_next(w));
	} else if (k == KEY_DOWN) {
		w->report_scroll++; /* drawing clamps it */
	} else if (k == KEY_UP) {
		if (w->report_scroll)
			w->report_scroll--;
	} else if (k == KEY_NPAGE) {
		w->report_scroll += 10;
	} else if (k == KEY_PPAGE) {
		w->report_scroll = w->report_scroll > 10 ? w->report_scroll - 10 : 0;
	} else if (k == 'q') {
		w->dialog = DLG_QUIT;
	}
	return VIEW_CHANGED;
}

/* A check that warned or failed: its message, then what the procedure says
 * it means (its hint: e.g. the systems Carbonio supports), from row y in
 * width cells at x; the rows used. */
static int check_message(const struct plan_item *it, int y, int x, int width, int max)
{
	enum term_role role = it->state == ITEM_FAILED ? ROLE_ERROR : ROLE_WARN;
	int used = wg_wrap(y, x, width, max, role, it->message);
	if (plan_item_hint(it) && used < max)
		used += wg_wrap(y + used, x, width, max - used, role, plan_item_hint(it));
	return used;
}

/* The colour of a findings line, from the marks the procedures' reports
 * print (a diff's + and -, REFUSED, DISAGREES, WARNING). */
static enum term_role finding_role(const char *line)
{
	if (strstr(line, "REFUSED"))
		return ROLE_ERROR;
	if (strstr(line, "DISAGREES") || strstr(line, "WARNING"))
		return ROLE_WARN;
	if (line[0] == '+' && strncmp(line, "+++", 3) != 0)
		return ROLE_OK;
	if (line[0] == '-' && strncmp(line, "---", 3) != 0)
		return ROLE_WARN;
	return ROLE_NORMAL;
}

/* The findings in a box of h rows from row y, wrapped to it
 * (continuations indented), scrolled by w->report_scroll. */
static void findings_box(struct wizard *w, int y, int h)
{
	int cols = getmaxx(stdscr);
	if (h < 3)
		return;
	term_box(y, 0, h, cols, wizard_flow(w->op)->findings_title);
	int inner = h - 2, width = cols - 2;
	size_t total = 0, cap = 64;
	char **lines = xcalloc(cap, sizeof *lines);
	enum term_role *roles = xcalloc(cap, sizeof *roles);
	for (size_t i = 0; i < pane_count(w->report); i++) {
		const char *line = pane_line(w->report, i);
		enum term_role role = finding_role(line);
		size_t len = strlen(line), off = 0;
		do {
			size_t room = (size_t)width - (off ? 4 : 0);
			size_t cut = len - off > room ? room : len - off;
			if (len - off > room) /* at a blank when there is one */
				for (size_t k = cut; k > room / 2; k--)
					if (line[off + k] == ' ') {
						cut = k;
						break;
					}
			if (total == cap) {
				cap *= 2;
				lines = xrealloc(lines, cap * sizeof *lines);
				roles = xrealloc(roles, cap * sizeof *roles);
			}
			roles[total] = role;
			lines[total++] = xasprintf("%s%.*s", off ? "    " : "", (int)cut, line + off);
			off += cut;
			while (off < len && line[off] == ' ')
				off++;
		} while (off < len);
	}
	size_t count = total;
	size_t max = count > (size_t)inner ? count - (size_t)inner : 0;
	if (w->report_scroll > max)
		w->report_scroll = max;
	size_t start = w->report_scroll; /* lines down from the top */
	for (size_t i = start; i < count && (int)(i - start) < inner; i++)
		wg_put(y + 1 + (int)(i - start), 1, width, roles[i], lines[i]);
	for (size_t i = 0; i < total; i++)
		free(lines[i]);
	free(lines);
	free(roles);
	if (count > (size_t)inner) {
		char buf[64];
		snprintf(buf, sizeof buf, " lines %zu-%zu of %zu ", start + 1,
			 start + (size_t)inner < count ? start + (size_t)inner : count, count);
		wg_put(y + h - 1, cols - 2 - (int)strlen(buf), (int)strlen(buf), ROLE_DIM, buf);
	}
}

/* The line above the status once the checks ran (paused: what Enter does
 * next) and the key row. */
static void verdict(const struct wizard *w, size_t warned, const char *next, const char *keys,
		    const char *paused_keys)
{
	int rows, cols;
	getmaxyx(stdscr, rows, cols);
	char buf[256];
	if (w->rstate == RUNNER_PAUSED) {
		snprintf(buf, sizeof buf, "Preflight passed%s. Enter: %s.", warned ? " with warnings (above)" : "", next);
		wg_put(rows - 3, 2, cols - 4, warned ? ROLE_WARN : ROLE_OK, buf);
		keys = paused_keys;
	} else if (w->rstate == RUNNER_RUNNING) {
		wg_put(rows - 3, 2, cols - 4, ROLE_RUNNING, "Checking...");
	}
	wg_key_bar(keys);
}

/* remove, dovecot: the checks in a few lines, the findings below */
static void draw_findings(struct wizard *w, int rows, int cols)
{
	int y = 2;
	char buf[1024];
	size_t n = w->plan ? w->plan->n : 0, checks = 0, done = 0, failed = 0, warned = 0;
	for (size_t i = 0; i < n; i++) {
		const struct plan_item *it = &w->plan->items[i];
		if (!it->step->phase)
			continue;
		checks++;
		done += it->state == ITEM_DONE || it->state == ITEM_ALREADY;
		failed += it->state == ITEM_FAILED;
		warned += it->state == ITEM_WARNED;
	}
	snprintf(buf, sizeof buf, "Preflight: read-only checks (nothing is changed yet): %zu of %zu passed, "
		 "%zu warnings, %zu failed.", done, checks, warned, failed);
	y += wg_wrap(y, 2, cols - 4, 2, ROLE_RUNNING, buf);
	y++;
	/* the running, failed and warned items with their messages (the
	 * facts and tables are in the box below) */
	int limit = rows / 2;
	for (size_t i = 0; i < n && y < limit; i++) {
		const struct plan_item *it = &w->plan->items[i];
		if (!it->step->phase)
			continue;
		if (it->state != ITEM_RUNNING && it->state != ITEM_WAITING && it->state != ITEM_FAILED &&
		    it->state != ITEM_WARNED)
			continue;
		page_item_line(w, y++, i, cols - 4);
		if (it->message && it->state != ITEM_RUNNING)
			y += check_message(it, y, 6, cols - 8, 5);
	}
	findings_box(w, y, rows - 4 - y); /* rows-3: the verdict, rows-2: the status */
	verdict(w, warned, "confirm and review the plan", "Up/Down/PgUp/PgDn scroll  q quit",
		"Enter confirm, plan review  Up/Down/PgUp/PgDn scroll  q quit");
}

/* install: every check with its state, its message when it warned or
 * failed, then what the operation has to say */
static void draw_checks(struct wizard *w, int rows, int cols)
{
	int y = page_intro("Preflight: read-only checks on every node (nothing is changed yet).");
	size_t warned = 0;
	for (size_t i = 0; w->plan && i < w->plan->n && y < rows - 4; i++) {
		const struct plan_item *it = &w->plan->items[i];
		if (!it->step->phase)
			continue;
		page_item_line(w, y++, i, cols - 4);
		if ((it->state == ITEM_FAILED || it->state == ITEM_WARNED) && it->message)
			y += check_message(it, y, 31, cols - 33, 5);
		warned += it->state == ITEM_WARNED;
	}
	/* e.g. that it continues a run cut short earlier */
	if (w->report && pane_count(w->report) > 0 && y + 4 < rows - 4)
		findings_box(w, y + 1, rows - 4 - (y + 1));
	verdict(w, warned, "go on to the bootstrap menus", "q quit", "Enter continue to the bootstrap menus  q quit");
}

static void draw(struct view *v)
{
	struct wizard *w = page_wizard(v);
	int rows, cols;
	getmaxyx(stdscr, rows, cols);
	if (wizard_flow(w->op)->findings)
		draw_findings(w, rows, cols);
	else
		draw_checks(w, rows, cols);
	page_status(w);
}

const struct view_ops page_preflight_ops = { .name = "preflight", .key = key, .draw = draw };
