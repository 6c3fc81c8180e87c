/* `replica-wizard site discover [--site FILE] [--dry-run] [--prune]
 * [--accept-new-host-keys]`: ask the master's directory for every server of
 * the installation and its roles, and write them into the site file's
 * [carbonio] replicas, mta and other_nodes, changing nothing else in it.
 * Exit: 0 done (or nothing to change), 1 the master could not be asked or
 * the file not written, 2 bad usage or site file (nothing asked, nothing
 * written), 3 host key refused, 130/129/143 stopped by ^C, SIGHUP or SIGTERM. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "batch.h"
#include "commands.h"
#include "dirservers.h"
#include "discover.h"
#include "discover_probe.h"
#include "discover_write.h"
#include "loop.h"
#include "redact.h"
#include "site.h"
#include "xalloc.h"

static volatile sig_atomic_t interrupted;

static void on_sig(int sig)
{
	interrupted = sig;
}

static void usage(FILE *f, const char *prog)
{
	fprintf(f,
		"Usage: %s site discover [--site FILE] [--dry-run] [--prune] [--accept-new-host-keys]\n"
		"\n"
		"Ask the master's directory (over SSH, as zextras: zmlocalconfig and\n"
		"zmprov -m -l gas -v) for every server of the installation and its enabled\n"
		"services, and write them into the site file's [carbonio] replicas, mta and\n"
		"other_nodes, by the names the directory knows them. Only those keys change:\n"
		"comments, order and the other sections stay. A replica is a directory server\n"
		"(directory-server or ldap in zimbraServiceEnabled, or listed in the master's\n"
		"ldap_url) other than the master (the master's ldap_master_url); an MTA one\n"
		"with mta; the rest are other_nodes. A node the file names that the directory\n"
		"does not list is asked which server it is (its zimbra_server_hostname: a node\n"
		"named by address or alias is kept as written), else kept and reported. Dovecot\n"
		"servers are not in Carbonio's directory: [dovecot] is never touched.\n"
		"\n"
		"  --site FILE             the site file (needs [carbonio] master; [ssh] and\n"
		"                          [host NAME] say how to reach it)\n"
		"  --dry-run               print what would change; write nothing\n"
		"  --prune                 also take out the nodes the directory does not list\n"
		"                          (and their [host NAME] sections)\n"
		"  --accept-new-host-keys  add the master's unknown SSH host key to known_hosts\n"
		"\n"
		"Environment: REPLICA_WIZARD_SSH_PASSWORD (SSH login password or key\n"
		"passphrase, when the master asks for one).\n"
		"Exit: 0 done or nothing to change, 1 the master could not be asked or the file\n"
		"not written, 2 bad usage or site file, 3 host key refused.\n",
		prog);
}

struct run {
	bool accept;
	bool done;
	struct discover_probe *probe;
	bool *answered;     /* probe nodes whose host key question was answered */
};

static void ev_conn(void *ud, struct conn *c, enum conn_state st)
{
	(void)ud;
	if (st == CONN_READY)
		printf("connected to %s as %s\n", conn_name(c), conn_login_user(c));
	fflush(stdout);
}

static void ev_hostkey(void *ud, struct conn *c, const struct hostkey_info *hk)
{
	struct run *r = ud;
	batch_hostkey_answer(c, hk, r->accept);
}

static void ev_secret(void *ud, struct conn *c, enum conn_secret_kind kind, const char *prompt)
{
	(void)ud;
	(void)prompt;
	batch_secret_answer(c, kind);
}

static void ev_done(void *ud)
{
	((struct run *)ud)->done = true;
}

static void probe_change(void *ud, size_t i)
{
	struct run *r = ud;
	const struct probe_node *n = discover_probe_at(r->probe, i);
	if (n->state == PROBE_HOSTKEY_ASK && !r->answered[i]) {
		r->answered[i] = true;
		batch_hostkey_answer(discover_probe_conn(r->probe, i), &n->hostkey, r->accept);
	}
}

static void probe_secret(void *ud, size_t i, struct conn *c, enum conn_secret_kind kind, const char *prompt)
{
	(void)ud;
	(void)i;
	(void)prompt;
	batch_secret_answer(c, kind);
}

/* The nodes the file names that the directory does not list may be named
 * by an address or another alias: ask each the name it calls itself (as the
 * all-servers preflight does), then plan again. False when a host key was
 * refused (exit 3: which server the node is cannot be told). */
static bool identify_stale(struct loop *loop, const struct site *site, struct run *r,
			   struct discover_plan **plan, const struct discover_input *in0, bool prune)
{
	struct discover_plan *p = *plan;
	const char **names = xcalloc(p->n_stale + 1, sizeof *names);
	for (size_t i = 0; i < p->n_stale; i++)
		names[i] = p->stale[i].name;
	size_t n = p->n_stale;
	printf("Asking the %zu node(s) the directory does not list which server each is...\n", n);
	fflush(stdout);
	struct discover_probe_events pev = { .on_change = probe_change, .on_secret = probe_secret, .ud = r };
	r->answered = xcalloc(n + 1, sizeof *r->answered);
	r->probe = discover_probe_new(loop, site, names, n, &pev);
	discover_probe_start(r->probe);
	while (!discover_probe_done(r->probe) && !interrupted)
		loop_poll(loop, 200);
	struct dirservers_node *own = xcalloc(n + 1, sizeof *own);
	bool refused = false;
	for (size_t i = 0; i < n; i++) {
		const struct probe_node *pn = discover_probe_at(r->probe, i);
		own[i].name = pn->name;
		own[i].hostname = pn->own_name;
		if (pn->state == PROBE_REACHABLE && pn->own_name)
			printf("  %s calls itself %s\n", pn->name, pn->own_name);
		else if (pn->state == PROBE_REACHABLE)
			printf("  %s: reachable, but its zimbra_server_hostname could not be read\n", pn->name);
		else if (pn->state == PROBE_HOSTKEY_REFUSED) {
			printf("  %s: host key refused: %s\n", pn->name, pn->error ? pn->error : "");
			refused = true;
		} else
			printf("  %s: %s\n", pn->name, pn->error ? pn->error : "not reached");
	}
	struct discover_input in = *in0;
	in.own_names = own;
	in.n_own_names = n;
	discover_plan_free(p);
	*plan = discover_plan_new(site, &in, prune);
	free(own);
	free(names);
	return !refused;
}

static const char *roles_text(unsigned roles, char *buf, size_t size)
{
	return roles ? site_roles_format(roles, buf, size) : "no role";
}

static void print_found(const struct discover_plan *p, const struct discover_input *in, const char *master)
{
	char rb[128], ob[128];
	if (p->master >= 0 && strcmp(p->servers[p->master].name, master) != 0)
		printf("The site names the master %s; the directory knows it as %s (zimbra_server_hostname %s).\n",
		       master, p->servers[p->master].name, in->master_hostname ? in->master_hostname : "unknown");
	else if (p->master < 0)
		printf("WARNING: the directory does not list the master itself (the site names it %s, it calls "
		       "itself %s): check that the site's master is this installation's LDAP master.\n",
		       master, in->master_hostname ? in->master_hostname : "unknown");
	printf("The master's directory lists %zu server(s):\n", p->n_servers);
	for (size_t i = 0; i < p->n_servers; i++) {
		const struct discover_server *s = &p->servers[i];
		printf("  %s (%s): %s", s->name, s->services, roles_text(s->roles, rb, sizeof rb));
		if ((long)i != p->master && strcmp(s->site_name, s->name) != 0)
			printf(", the site file names it %s", s->site_name);
		if (!s->old_roles)
			printf(", new to the site file");
		else if (s->old_roles != s->roles)
			printf(", the site file had: %s", roles_text(s->old_roles, ob, sizeof ob));
		printf("\n");
		if (s->note != DISCOVER_NOTE_NONE)
			printf("      note: %s\n", discover_note_text(s->note));
	}
	for (size_t i = 0; i < p->n_stale; i++) {
		const struct discover_stale *st = &p->stale[i];
		printf("Named in the site file (%s) but NOT in the master's directory: %s: %s\n",
		       roles_text(st->roles, rb, sizeof rb), st->name,
		       st->pruned ? (st->drop_section ? "taken out (--prune), with its [host] section"
						      : "taken out (--prune)")
				  : "kept (--prune takes it out)");
	}
}

static void print_changes(const struct discover_plan *p)
{
	bool any = false;
	for (int l = 0; l < DISCOVER_LISTS; l++) {
		const struct discover_change *c = &p->lists[l];
		if (!c->changed)
			continue;
		if (!any)
			printf("Changes to the site file:\n");
		any = true;
		printf("  [carbonio] %s: %s%s%s -> %s\n", c->key, c->old_value ? "\"" : "",
		       c->old_value ? c->old_value : "(not set)", c->old_value ? "\"" : "",
		       *c->new_value ? c->new_value : "(none)");
	}
	for (size_t i = 0; i < p->n_stale; i++)
		if (p->stale[i].drop_section) {
			if (!any)
				printf("Changes to the site file:\n");
			any = true;
			printf("  [host %s]: removed (if the file has it)\n", p->stale[i].name);
		}
	if (!any)
		printf("The site file already says so: nothing to change.\n");
}

static int write_site(const char *prog, const char *path, const char *text, size_t len,
		      const struct discover_plan *p)
{
	char err[2600];
	int rc = discover_write(path, text, len, p, err, sizeof err);
	if (rc == 0)
		printf("site file %s updated.\n", path);
	else
		fprintf(stderr, "%s site discover: %s\n", prog, err);
	return rc;
}

static int run_discovery(const char *prog, const char *path, bool accept, bool dry_run, bool prune)
{
	struct site_error se;
	char ebuf[2048];
	size_t len = 0;
	char *text = discover_read_text(path, &len);
	if (!text) {
		fprintf(stderr, "cannot open site file %s: %s\n", path, strerror(errno));
		return RW_EXIT_USAGE;
	}
	struct site *site = site_load(path, &se);
	if (!site) {
		fprintf(stderr, "%s\n", site_error_format(&se, ebuf, sizeof ebuf));
		free(text);
		return RW_EXIT_USAGE;
	}
	cli_site_warnings(site, path, stdout);
	size_t nm;
	const char *const *m = site_list(site, SITE_ROLE_MASTER, &nm);
	if (!nm) {
		fprintf(stderr, "%s: [carbonio] master: not set: discovery asks the master's directory, "
			"so the site file must name the master\n", path);
		site_free(site);
		free(text);
		return RW_EXIT_USAGE;
	}

	signal(SIGPIPE, SIG_IGN);
	struct sigaction sa = { .sa_handler = on_sig }, old_int, old_term, old_hup;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	sigaction(SIGHUP, &sa, &old_hup);
	interrupted = 0;

	printf("Asking the master %s for every server of the installation...\n", m[0]);
	fflush(stdout);
	struct loop *loop = loop_new();
	struct run r = { .accept = accept };
	struct discover_events ev = {
		.on_conn = ev_conn, .on_hostkey = ev_hostkey, .on_secret = ev_secret, .on_done = ev_done, .ud = &r,
	};
	struct discover *d = discover_new(loop, site, NULL, &ev);
	discover_start(d);
	bool cancelled = false;
	while (!r.done) {
		if (interrupted && !cancelled) {
			cancelled = true;
			discover_cancel(d);
		}
		loop_poll(loop, 200);
	}
	/* a cancelled command is stopped on the node before we go */
	for (double t0 = loop_now(); discover_conn(d) && conn_busy(discover_conn(d)) && loop_now() - t0 < 5;)
		loop_poll(loop, 100);

	int rc = RW_EXIT_OK;
	if (discover_state(d) != DISCOVER_DONE) {
		for (size_t i = 0; i < discover_output_count(d); i++)
			printf("%15s | %s\n", m[0], discover_output_at(d, i));
		fprintf(stderr, "%s site discover: %s; the site file is not changed\n", prog, discover_error(d));
		rc = discover_failure(d) == DISCOVER_FAIL_HOSTKEY ? RW_EXIT_HOSTKEY
		     : interrupted				      ? 128 + interrupted
									      : RW_EXIT_FAILED;
	} else {
		struct discover_plan *p = discover_plan_new(site, discover_input(d), prune);
		bool keys_ok = p->n_stale == 0 || identify_stale(loop, site, &r, &p, discover_input(d), prune);
		print_found(p, discover_input(d), m[0]);
		print_changes(p);
		if (interrupted) {
			fprintf(stderr, "%s site discover: interrupted; the site file is not changed\n", prog);
			rc = 128 + interrupted;
		} else if (!keys_ok) {
			fprintf(stderr, "%s site discover: a host key was refused, so which server that node is "
				"cannot be told: the site file is not changed\n", prog);
			rc = RW_EXIT_HOSTKEY;
		} else if (discover_plan_changed(p)) {
			if (dry_run)
				printf("--dry-run: %s is not written.\n", path);
			else if (write_site(prog, path, text, len, p) != 0)
				rc = RW_EXIT_FAILED;
		}
		discover_plan_free(p);
	}
	fflush(stdout);
	if (r.probe)
		for (double t0 = loop_now(); discover_probe_busy(r.probe) && loop_now() - t0 < 5;)
			loop_poll(loop, 100);
	discover_probe_free(r.probe);
	free(r.answered);
	discover_free(d);
	loop_free(loop);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	sigaction(SIGHUP, &old_hup, NULL);
	redact_clear();
	site_free(site);
	free(text);
	return rc;
}

int cmd_site_discover_main(int argc, char **argv, const struct cli *cli)
{
	static const struct option opts[] = {
		{ "site", required_argument, NULL, 's' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "prune", no_argument, NULL, 'P' },
		{ "accept-new-host-keys", no_argument, NULL, 'A' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *override = NULL;
	bool dry_run = false, prune = false, accept = false;
	int c;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 's': override = optarg; break;
		case 'n': dry_run = true; break;
		case 'P': prune = true; break;
		case 'A': accept = true; break;
		case 'h':
			usage(stdout, cli->progname);
			return RW_EXIT_OK;
		case ':':
			fprintf(stderr, "%s: option '%s' needs an argument\n", cli->progname, argv[optind - 1]);
			goto bad;
		default:
			fprintf(stderr, "%s: site discover: unknown option '%s'\n", cli->progname, argv[optind - 1]);
			goto bad;
		}
	}
	/* what is left: the action word itself, nothing else */
	if (optind >= argc || strcmp(argv[optind], "discover") != 0 || optind + 1 < argc) {
		fprintf(stderr, "%s: site discover: unexpected argument '%s'\n", cli->progname,
			optind + 1 < argc ? argv[optind + 1] : optind < argc ? argv[optind] : "");
		goto bad;
	}
	char *path = cli_site_path(cli, override);
	if (!path) {
		fprintf(stderr, "%s: no site file: use --site FILE or set REPLICA_WIZARD_SITE\n", cli->progname);
		return RW_EXIT_USAGE;
	}
	int rc = run_discovery(cli->progname, path, accept, dry_run, prune);
	free(path);
	return rc;
bad:
	fprintf(stderr, "Try '%s site discover --help' for more information.\n", cli->progname);
	return RW_EXIT_USAGE;
}
