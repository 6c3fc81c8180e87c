/* Which items of a plan may run at the same time: a pure rule on two plan
 * items, used by the runner to start every item whose earlier dependencies
 * are finished. Plan order stays the procedure's order; the rule only says
 * when a later item need not wait for an earlier one.
 *
 *  - Same node: always in plan order (a node's chain).
 *  - One at a time unless the kind asks for more (struct schedule_rules).
 *  - Preflight (read-only): items of different nodes overlap, except that an
 *    item that produces values (capture = shell, or a builtin) holds back
 *    every later item of another step on another node: what it reads may be
 *    used there (the master's name, its passwords...).
 *  - The run proper: nothing starts before the whole preflight has passed;
 *    two items of different nodes overlap only when both steps run exactly
 *    on the side-by-side nodes (e.g. node = replica: each replica's own
 *    package, bootstrap, wait and checks). Any other step (the master's,
 *    the answer nodes') is a barrier: it waits for every earlier item and
 *    every later item waits for it. */
#ifndef RW_RUNNER_SCHEDULE_H
#define RW_RUNNER_SCHEDULE_H

#include <stdbool.h>

struct plan_item;

struct schedule_rules {
	bool parallel_preflight;
	unsigned side_by_side; /* enum proc_node bits; 0: none */
};

/* Must later wait until earlier (before it in the plan) is finished? */
bool schedule_waits_for(const struct schedule_rules *rules, const struct plan_item *later,
			const struct plan_item *earlier);

#endif
