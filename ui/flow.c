/* The operations' flows (ui/flow.h): one table each. */
#include "flow.h"

#include <stdio.h>
#include <stdlib.h>

#define STEPS(a) (a), sizeof(a) / sizeof((a)[0])

static const struct wizard_step install_steps[] = {
	{ PAGE_NODES, "1 Nodes", NULL }, { PAGE_CONNECT, "1 Connect", NULL },
	{ PAGE_PREFLIGHT, "2 Preflight", NULL }, { PAGE_MENU, "3 Bootstrap menus", NULL },
	{ PAGE_PLAN, "4 Plan review", NULL }, { PAGE_RUN, "5 Run", NULL }, { PAGE_FINISH, "6 Verification", NULL },
};

/* remove and dovecot have no bootstrap menus: one step less */
static const struct wizard_step remove_steps[] = {
	{ PAGE_REMOVE, "1 Replicas", NULL }, { PAGE_CONNECT, "1 Connect", NULL },
	{ PAGE_PREFLIGHT, "2 Preflight", NULL }, { PAGE_PLAN, "3 Plan review", NULL }, { PAGE_RUN, "4 Run", NULL }, { PAGE_FINISH, "5 Verification", NULL },
};

/* the pair list only when the site has several pairs to choose from */
static bool several_pairs(const struct wizard *w)
{
	return w->n_dv_pairs > 1;
}

static const struct wizard_step dovecot_steps[] = {
	{ PAGE_DOVECOT_PAIRS, "1 Pair", several_pairs }, { PAGE_DOVECOT, "1 Settings", NULL },
	{ PAGE_CONNECT, "1 Connect", NULL }, { PAGE_PREFLIGHT, "2 Preflight", NULL },
	{ PAGE_PLAN, "3 Plan review", NULL }, { PAGE_RUN, "4 Run", NULL }, { PAGE_FINISH, "5 Verification", NULL },
};

/* "Answer queries: ..." — which nodes' ldap_url the install rewrote. */
static void install_note(const struct wizard *w, char *buf, size_t size)
{
	size_t na = 0;
	const char **some = wizard_answer_nodes(w, &na);
	if (some) {
		size_t len = (size_t)snprintf(buf, size, "Answer queries: ldap_url on");
		for (size_t i = 0; i < na && len < size; i++)
			len += (size_t)snprintf(buf + len, size - len, "%s %s", i ? "," : "", some[i]);
		if (len < size)
			snprintf(buf + len, size - len, " now lists the replicas first; the other nodes are unchanged.");
		free(some);
	} else if (w->answer_queries) {
		snprintf(buf, size, "Answer queries: ldap_url on the master, MTA and other nodes now lists the replicas first.");
	} else {
		snprintf(buf, size, "Answer queries: not chosen; ldap_url is unchanged everywhere.");
	}
}

static void remove_note(const struct wizard *w, char *buf, size_t size)
{
	snprintf(buf, size, "%s", w->disable_ldap
		 ? "Disable LDAP: the removed replicas point at the master and their slapd is stopped."
		 : "Disable LDAP: not chosen; the removed replicas were not contacted.");
}

static const struct wizard_flow flows[] = {
	[OP_INSTALL] = {
		.title = "Install a Directory Replica", .noun = "install", .steps = STEPS(install_steps),
		.findings_title = "Findings",
		.done_text = "The Directory Replica is installed and replicates.",
		.fail_text = "The install did not finish.",
		.resume_cmd = "install --batch --resume", .finish_note = install_note,
	},
	[OP_REMOVE] = {
		.title = "Remove a Directory Replica", .noun = "removal", .steps = STEPS(remove_steps),
		.findings = true, .findings_title = "ldap_url before / after",
		.done_text = "The replicas are removed from every node's ldap_url.",
		.fail_text = "The removal did not finish.",
		.resume_cmd = "remove --batch --resume --replica HOST", .finish_note = remove_note,
	},
	[OP_DOVECOT] = {
		.title = "Configure Dovecot replication", .noun = "configuration", .steps = STEPS(dovecot_steps),
		.findings = true, .findings_by_node = true, .findings_title = "Findings",
		.panes_side_by_side = true,
		.done_text = "Dovecot replicates both ways: a test message went each way.",
		.fail_text = "The Dovecot replication setup did not finish.",
		.resume_cmd = "dovecot --batch --resume",
	},
};

const struct wizard_flow *wizard_flow(enum wizard_op op)
{
	return &flows[op];
}

static size_t step_index(const struct wizard *w, const struct wizard_flow *f)
{
	for (size_t i = 0; i < f->n_steps; i++)
		if (f->steps[i].page == w->page)
			return i;
	return f->n_steps;
}

const char *wizard_step_title(const struct wizard *w)
{
	const struct wizard_flow *f = wizard_flow(w->op);
	size_t i = step_index(w, f);
	return i < f->n_steps ? f->steps[i].title : "";
}

static bool shown(const struct wizard *w, const struct wizard_step *s)
{
	return !s->shown || s->shown(w);
}

enum wizard_page wizard_flow_first(const struct wizard *w)
{
	const struct wizard_flow *f = wizard_flow(w->op);
	for (size_t i = 0; i < f->n_steps; i++)
		if (shown(w, &f->steps[i]))
			return f->steps[i].page;
	return f->steps[0].page;
}

enum wizard_page wizard_flow_next(const struct wizard *w)
{
	const struct wizard_flow *f = wizard_flow(w->op);
	for (size_t i = step_index(w, f) + 1; i < f->n_steps; i++)
		if (shown(w, &f->steps[i]))
			return f->steps[i].page;
	return w->page;
}

enum wizard_page wizard_flow_prev(const struct wizard *w)
{
	const struct wizard_flow *f = wizard_flow(w->op);
	size_t i = step_index(w, f);
	while (i > 0 && i < f->n_steps)
		if (shown(w, &f->steps[--i]))
			return f->steps[i].page;
	return w->page;
}
