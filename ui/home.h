/* The home screen's entries, in the order shown (1..n). Each starts one of
 * the wizard's operations, pushes a view (ui/view.h) with the site path as
 * its argument, or quits. A new screen reached from home is one line in
 * home.c. */
#ifndef RW_HOME_H
#define RW_HOME_H

#include <stddef.h>

#include "wizard.h"

struct site;
struct view_ops;

enum home_kind { HOME_OP, HOME_VIEW, HOME_QUIT };

struct home_entry {
	const char *label;
	const char *note;
	enum home_kind kind;
	enum wizard_op op;             /* HOME_OP */
	const struct view_ops *view;   /* HOME_VIEW */
};

extern const struct home_entry home_entries[];
extern const size_t home_count;

/* For a view's enter: the site file at path (its argument from home), or
 * NULL with the reason in err, the message prefixed with what ("Site"). */
struct site *home_load_site(const char *path, const char *what, char *err, size_t err_size);

#endif
