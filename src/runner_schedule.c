#include "runner_schedule.h"

#include <string.h>

#include "runner.h"

static bool produces(const struct proc_step *s)
{
	return s->capture_shell || s->builtin;
}

static bool side_by_side(const struct schedule_rules *rules, const struct proc_step *s)
{
	return rules->side_by_side && !s->phase && s->nodes == rules->side_by_side;
}

bool schedule_waits_for(const struct schedule_rules *rules, const struct plan_item *later,
			const struct plan_item *earlier)
{
	if (strcmp(later->node, earlier->node) == 0)
		return true;
	const struct proc_step *l = later->step, *e = earlier->step;
	if (l->phase && e->phase)
		return !rules->parallel_preflight || (produces(e) && e != l);
	if (e->phase)
		return true; /* nothing changes before every check has passed */
	return !(side_by_side(rules, l) && side_by_side(rules, e));
}
