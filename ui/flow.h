/* What differs between the wizard's operations, as data: the pages in
 * order with their titles, and the words and options the shared pages
 * use. Pages read w's flow instead of testing the operation.
 * Curses-free header. */
#ifndef RW_FLOW_H
#define RW_FLOW_H

#include <stdbool.h>
#include <stddef.h>

#include "wizard.h"

struct wizard_step {
	enum wizard_page page;
	const char *title;           /* "2 Preflight" in the title bar */
	/* false: the step is left out this time (NULL: always shown) */
	bool (*shown)(const struct wizard *w);
};

struct wizard_flow {
	const char *title;           /* "Install a Directory Replica" */
	const char *noun;            /* "install": what the plan starts, ^C ends */
	const struct wizard_step *steps; /* in order; the first is the form */
	size_t n_steps;
	/* preflight: a count and a findings box (not the list of checks) */
	bool findings;
	bool findings_by_node;       /* a heading per node (two servers alternate) */
	const char *findings_title;
	bool panes_side_by_side;     /* the run's two panes side by side at 80 columns too */
	const char *done_text, *fail_text;
	const char *resume_cmd;      /* "install --batch --resume" */
	/* the finish page's line about the operation's option (NULL: none) */
	void (*finish_note)(const struct wizard *w, char *buf, size_t size);
};

const struct wizard_flow *wizard_flow(enum wizard_op op);
/* The first page of w's operation that is shown. */
enum wizard_page wizard_flow_first(const struct wizard *w);
/* The title bar's name of w's page in w's operation ("" when not in it). */
const char *wizard_step_title(const struct wizard *w);
/* The page after / before w's page in its operation's flow, the steps
 * not shown left out (w's page when none). */
enum wizard_page wizard_flow_next(const struct wizard *w);
enum wizard_page wizard_flow_prev(const struct wizard *w);

#endif
