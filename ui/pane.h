/* A bounded line store for one node's live output: the oldest lines drop
 * out once max is reached (a ring), so a chatty node cannot eat memory. */
#ifndef RW_PANE_H
#define RW_PANE_H

#include <stddef.h>

struct pane;

/* What a line is: the node's output, or what the wizard says of a step
 * (kept with the line, so output that happens to begin like a heading is
 * still output). */
enum pane_kind { PANE_OUTPUT, PANE_STEP, PANE_FAILED, PANE_WARNING };

struct pane *pane_new(size_t max_lines);
void pane_free(struct pane *p);
void pane_add(struct pane *p, const char *line); /* PANE_OUTPUT */
void pane_add_kind(struct pane *p, enum pane_kind kind, const char *line);
size_t pane_count(const struct pane *p);
/* i = 0 is the oldest line kept. */
const char *pane_line(const struct pane *p, size_t i);
enum pane_kind pane_kind(const struct pane *p, size_t i);
/* Lines dropped so far (to say so above the oldest kept line). */
size_t pane_dropped(const struct pane *p);

#endif
