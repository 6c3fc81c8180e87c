/* The Discover view (discover_view.c), two ways in:
 *   - discover_view_ops, from home with the site path: the file's master
 *     asked, the changes reviewed, `w` writes them (the CLI's code);
 *   - discover_pick_ops, from the install wizard's Nodes page with a
 *     struct discover_pick: the site the form describes (the typed master
 *     and [ssh] over the file) asked, the same review, and Enter hands the
 *     plan to pick->accept (the page fills its fields; the file is written
 *     by the wizard on Connect; the remove wizard, whose page lists the
 *     file's replicas, writes it at once with the CLI's code). Nothing is
 *     written here.
 * Curses-free header. */
#ifndef RW_DISCOVER_VIEW_H
#define RW_DISCOVER_VIEW_H

#include <stdbool.h>

struct discover_plan;
struct site;
struct view_ops;

struct discover_pick {
	struct site *site;      /* taken by the view (freed when it leaves) */
	const char *label;      /* the title's file name (copied) */
	/* Enter on an answer: called once, before the view closes. */
	void (*accept)(void *ud, const struct discover_plan *plan);
	void *ud;
	bool writes;            /* accept writes the file (what the review says) */
};

extern const struct view_ops discover_view_ops;
extern const struct view_ops discover_pick_ops;

#endif
