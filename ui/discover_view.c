/* The Discover view: the site's servers as the master's directory knows
 * them (src/discover.h), each checked over SSH (src/discover_probe.h:
 * reachable, host key, the name it calls itself), the changes to the site
 * file, and `w` to write them (src/discover_write.h, the same code as
 * `site discover`). Pushed with the site path as its argument; everything
 * runs from the event loop, nothing blocks. An unknown host key is asked
 * (y/n) as everywhere; a password or passphrase comes from
 * REPLICA_WIZARD_SSH_PASSWORD when set, else it is asked in the wizard's
 * masked SSH login dialog, one node at a time (Esc: none, the node fails
 * and says so). The pick mode (discover_view.h) asks the same and hands
 * the plan back instead of writing it. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dirservers.h"
#include "discover.h"
#include "discover_plan.h"
#include "discover_probe.h"
#include "discover_view.h"
#include "discover_write.h"
#include "harden.h"
#include "home.h"
#include "redact.h"
#include "site.h"
#include "term.h"
#include "view.h"
#include "wizard.h"
#include "widgets/dialog.h"
#include "widgets/field.h"
#include "widgets/frame.h"
#include "widgets/keys.h"
#include "widgets/list.h"
#include "widgets/text.h"
#include "xalloc.h"

struct discover_view {
	struct view *v;
	char *path;
	struct site *site;    /* what the engine (d, probe) was started with */
	struct site *site_now; /* the file as last read: the plan's base */
	char *text;           /* the file as last read, for the in-place edit */
	size_t len;
	struct discover *d;
	struct discover_plan *plan;
	struct discover_probe *probe;
	struct conn *master_hk_conn; /* the master's unknown host key asked */
	struct hostkey_info master_hk;
	bool prune;
	bool dirty;
	bool replan;          /* a node said which server it is: plan again */
	int sel;
	char *message;        /* the last write's outcome */
	bool message_error;
	struct discover_pick pick; /* pick mode: accept set, nothing written */
	/* nodes waiting for a passphrase or password, asked in turn */
	struct {
		struct conn *c;
		char *node;
		char *what;
	} *sec;
	size_t n_sec;
	char sec_input[256];
};

static void set_message(struct discover_view *s, bool error, char *msg)
{
	free(s->message);
	s->message = msg;
	s->message_error = error;
}

/* ---- engine events ---- */

static void ev_conn(void *ud, struct conn *c, enum conn_state st)
{
	struct discover_view *s = ud;
	(void)c;
	(void)st;
	s->dirty = true;
}

static void ev_hostkey(void *ud, struct conn *c, const struct hostkey_info *hk)
{
	struct discover_view *s = ud;
	s->master_hk_conn = c;
	s->master_hk = *hk;
	s->dirty = true;
}

/* As batch mode, REPLICA_WIZARD_SSH_PASSWORD answers when set; else the
 * node waits in the queue for the dialog. */
static void ask_secret(struct discover_view *s, struct conn *c, const char *node, enum conn_secret_kind kind,
		       const char *prompt)
{
	const char *pw = harden_secret_env("REPLICA_WIZARD_SSH_PASSWORD");
	if (pw && *pw) {
		redact_add(pw);
		conn_answer_secret(c, pw);
		return;
	}
	s->sec = xrealloc(s->sec, (s->n_sec + 1) * sizeof *s->sec);
	s->sec[s->n_sec].c = c;
	s->sec[s->n_sec].node = xstrdup(node);
	s->sec[s->n_sec].what = wizard_secret_what(kind, prompt);
	s->n_sec++;
	s->dirty = true;
}

/* The dialog's answer (NULL: none) to the first node waiting; the typed
 * text is wiped (the transport keeps its own copy for this login only). */
static void answer_secret(struct discover_view *s, const char *value)
{
	struct conn *c = s->sec[0].c;
	free(s->sec[0].node);
	free(s->sec[0].what);
	memmove(s->sec, s->sec + 1, (s->n_sec - 1) * sizeof *s->sec);
	s->n_sec--;
	conn_answer_secret(c, value);
	explicit_bzero(s->sec_input, sizeof s->sec_input);
}

/* Before the connections go (ask again, leave): nobody waits any more. */
static void drop_secrets(struct discover_view *s)
{
	for (size_t i = 0; i < s->n_sec; i++) {
		free(s->sec[i].node);
		free(s->sec[i].what);
	}
	free(s->sec);
	s->sec = NULL;
	s->n_sec = 0;
	explicit_bzero(s->sec_input, sizeof s->sec_input);
}

static void ev_secret(void *ud, struct conn *c, enum conn_secret_kind kind, const char *prompt)
{
	struct discover_view *s = ud;
	ask_secret(s, c, discover_master(s->d), kind, prompt);
}

static void probe_secret(void *ud, size_t i, struct conn *c, enum conn_secret_kind kind, const char *prompt)
{
	struct discover_view *s = ud;
	ask_secret(s, c, discover_probe_at(s->probe, i)->name, kind, prompt);
}

static void probe_change(void *ud, size_t i)
{
	struct discover_view *s = ud;
	s->dirty = true;
	if (discover_probe_at(s->probe, i)->own_name)
		s->replan = true;
}

/* The master answered: the plan (with the names the nodes gave, so far),
 * then every other server, and every node the directory does not list,
 * checked over SSH (once). */
static void make_plan(struct discover_view *s)
{
	struct discover_input in = *discover_input(s->d);
	size_t np = s->probe ? discover_probe_count(s->probe) : 0;
	struct dirservers_node *own = xcalloc(np + 1, sizeof *own);
	for (size_t i = 0; i < np; i++) {
		own[i].name = discover_probe_at(s->probe, i)->name;
		own[i].hostname = discover_probe_at(s->probe, i)->own_name;
	}
	in.own_names = own;
	in.n_own_names = np;
	discover_plan_free(s->plan);
	s->plan = discover_plan_new(s->site_now, &in, s->prune);
	free(own);
	if (s->probe)
		return;
	const char **names = xcalloc(s->plan->n_servers + s->plan->n_stale + 1, sizeof *names);
	size_t n = 0;
	for (size_t i = 0; i < s->plan->n_servers; i++)
		if ((long)i != s->plan->master)
			names[n++] = s->plan->servers[i].site_name;
	for (size_t i = 0; i < s->plan->n_stale; i++)
		names[n++] = s->plan->stale[i].name;
	struct discover_probe_events pev = { .on_change = probe_change, .on_secret = probe_secret, .ud = s };
	s->probe = discover_probe_new(s->v->ui->loop, s->site, names, n, &pev);
	free(names);
	discover_probe_start(s->probe);
}

static void ev_done(void *ud)
{
	struct discover_view *s = ud;
	s->master_hk_conn = NULL;
	s->dirty = true;
	if (discover_state(s->d) == DISCOVER_DONE)
		make_plan(s);
}

static void start(struct discover_view *s)
{
	drop_secrets(s);
	discover_probe_free(s->probe);
	s->probe = NULL;
	discover_plan_free(s->plan);
	s->plan = NULL;
	discover_free(s->d);
	s->d = NULL;
	s->master_hk_conn = NULL;
	/* the engine starts from the file as it is now */
	if (s->site != s->site_now) {
		site_free(s->site);
		s->site = s->site_now;
	}
	struct discover_events ev = {
		.on_conn = ev_conn, .on_hostkey = ev_hostkey, .on_secret = ev_secret, .on_done = ev_done, .ud = s,
	};
	s->d = discover_new(s->v->ui->loop, s->site, NULL, &ev);
	discover_start(s->d);
	s->dirty = true;
}

/* (Re)read the file: its text for the edit and the site it describes. */
static bool load(struct discover_view *s, char *err, size_t err_size)
{
	size_t len;
	char *text = discover_read_text(s->path, &len);
	struct site *site = text ? home_load_site(s->path, "Discover", err, err_size) : NULL;
	if (!text)
		snprintf(err, err_size, "Discover: cannot open site file %s", s->path);
	if (!site) {
		free(text);
		return false;
	}
	free(s->text);
	if (s->site_now != s->site)
		site_free(s->site_now);
	s->text = text;
	s->len = len;
	s->site_now = site;
	return true;
}

static bool enter(struct view *v, void *arg, char *err, size_t err_size)
{
	const char *path = arg;
	if (!path || !*path) {
		snprintf(err, err_size, "Discover: no site file: start with --site FILE.");
		return false;
	}
	if (!v->ui->loop) {
		snprintf(err, err_size, "Discover: needs the event loop");
		return false;
	}
	struct discover_view *s = xcalloc(1, sizeof *s);
	s->v = v;
	s->path = xstrdup(path);
	if (!load(s, err, err_size)) {
		free(s->path);
		free(s);
		return false;
	}
	size_t nm;
	site_list(s->site_now, SITE_ROLE_MASTER, &nm);
	if (!nm) {
		snprintf(err, err_size, "Discover: %s names no [carbonio] master: discovery asks the master's "
			 "directory", path);
		site_free(s->site_now);
		free(s->text);
		free(s->path);
		free(s);
		return false;
	}
	v->priv = s;
	start(s);
	return true;
}

/* The pick mode: the site comes made (the Nodes page's form), no file is
 * read or written. */
static bool enter_pick(struct view *v, void *arg, char *err, size_t err_size)
{
	struct discover_pick *pick = arg;
	size_t nm = 0;
	if (pick->site)
		site_list(pick->site, SITE_ROLE_MASTER, &nm);
	if (!nm || !v->ui->loop) {
		snprintf(err, err_size, !nm ? "Discover: type the master first: discovery asks the master's directory"
					    : "Discover: needs the event loop");
		site_free(pick->site);
		pick->site = NULL;
		return false;
	}
	struct discover_view *s = xcalloc(1, sizeof *s);
	s->v = v;
	s->path = xstrdup(pick->label ? pick->label : "");
	s->site = s->site_now = pick->site;
	pick->site = NULL;
	s->pick = *pick;
	v->priv = s;
	start(s);
	return true;
}

/* ---- keys ---- */

static const struct probe_node *probe_of(const struct discover_view *s, const char *name)
{
	for (size_t k = 0; s->probe && k < discover_probe_count(s->probe); k++)
		if (strcmp(discover_probe_at(s->probe, k)->name, name) == 0)
			return discover_probe_at(s->probe, k);
	return NULL;
}


static const struct probe_node *asking_node(const struct discover_view *s, size_t *index)
{
	for (size_t i = 0; s->probe && i < discover_probe_count(s->probe); i++) {
		const struct probe_node *n = discover_probe_at(s->probe, i);
		if (n->state == PROBE_HOSTKEY_ASK) {
			*index = i;
			return n;
		}
	}
	return NULL;
}

/* Nodes the directory does not list must first say which server they are
 * (as the CLI waits for them): else one could be written twice. */
static bool stale_settled(struct discover_view *s)
{
	for (size_t i = 0; i < s->plan->n_stale; i++) {
		const struct probe_node *n = probe_of(s, s->plan->stale[i].name);
		if (!n)
			continue;
		if (n->state == PROBE_HOSTKEY_REFUSED) {
			set_message(s, true, xasprintf("not written: the host key of %s was refused, so which server "
						       "it is cannot be told", n->name));
			return false;
		}
		if (n->state != PROBE_REACHABLE && n->state != PROBE_UNREACHABLE) {
			set_message(s, true, xasprintf("not yet: %s has not said which server it is", n->name));
			return false;
		}
	}
	return true;
}

static void write_plan(struct discover_view *s)
{
	char err[2600];
	if (!stale_settled(s))
		return;
	if (discover_write(s->path, s->text, s->len, s->plan, err, sizeof err) != 0) {
		set_message(s, true, xstrdup(err));
		return;
	}
	set_message(s, false, xasprintf("site file %s updated.", s->path));
	/* what the file now says: the same answer, nothing left to change */
	char lerr[2600];
	if (!load(s, lerr, sizeof lerr)) {
		set_message(s, true, xstrdup(lerr));
		return;
	}
	make_plan(s);
}

/* Pick mode's Enter: the plan handed back once the stale nodes settled. */
static unsigned accept_plan(struct discover_view *s)
{
	if (!s->plan)
		return VIEW_IGNORED;
	if (!stale_settled(s))
		return VIEW_CHANGED;
	s->pick.accept(s->pick.ud, s->plan);
	return VIEW_CLOSE;
}

static unsigned key(struct view *v, int k)
{
	struct discover_view *s = v->priv;
	size_t ai;
	if (s->master_hk_conn) {
		if (k == 'y' || k == 'n') {
			struct conn *c = s->master_hk_conn;
			s->master_hk_conn = NULL;
			conn_hostkey_decide(c, k == 'y');
			return VIEW_CHANGED;
		}
		return k == 'q' || k == KEY_ESC ? VIEW_CLOSE : VIEW_IGNORED;
	}
	if (asking_node(s, &ai)) {
		if (k == 'y' || k == 'n') {
			discover_probe_hostkey_decide(s->probe, ai, k == 'y');
			return VIEW_CHANGED;
		}
		return k == 'q' || k == KEY_ESC ? VIEW_CLOSE : VIEW_IGNORED;
	}
	if (s->n_sec) {
		enum wg_entry_action act = wg_entry_key(s->sec_input, sizeof s->sec_input, k);
		if (act != WG_ENTRY_EDITED)
			answer_secret(s, act == WG_ENTRY_DONE ? s->sec_input : NULL);
		return VIEW_CHANGED;
	}
	int rows = s->plan ? (int)(s->plan->n_servers + s->plan->n_stale) : 0;
	if (wg_list_move(&s->sel, rows, k))
		return VIEW_CHANGED;
	switch (k) {
	case 'q':
	case KEY_ESC:
		return VIEW_CLOSE;
	case 'r':
		set_message(s, false, NULL);
		start(s);
		return VIEW_CHANGED;
	case 'p':
		if (!s->plan || s->pick.accept)
			return VIEW_IGNORED;
		s->prune = !s->prune;
		make_plan(s);
		return VIEW_CHANGED;
	case '\r':
	case '\n':
	case KEY_ENTER:
		return s->pick.accept ? accept_plan(s) : VIEW_IGNORED;
	case 'w':
		if (s->pick.accept || !s->plan || !discover_plan_changed(s->plan))
			return VIEW_IGNORED;
		write_plan(s);
		return VIEW_CHANGED;
	default:
		return VIEW_IGNORED;
	}
}

static unsigned interrupt(struct view *v)
{
	struct discover_view *s = v->priv;
	if (discover_state(s->d) == DISCOVER_CONNECTING || discover_state(s->d) == DISCOVER_QUERYING) {
		discover_cancel(s->d);
		return VIEW_CHANGED;
	}
	return VIEW_CLOSE;
}

static bool tick(struct view *v)
{
	struct discover_view *s = v->priv;
	if (s->replan && s->plan) {
		s->replan = false;
		make_plan(s);
		s->dirty = true;
	}
	bool d = s->dirty;
	s->dirty = false;
	return d;
}

/* ---- drawing ---- */

static const char *probe_text(const struct probe_node *n, char *buf, size_t size)
{
	switch (n->state) {
	case PROBE_CONNECTING: return "connecting...";
	case PROBE_HOSTKEY_ASK: return "unknown host key: asked";
	case PROBE_SECRET_WAIT: return "asks for a password";
	case PROBE_READING: return "connected, reading its name...";
	case PROBE_REACHABLE:
		if (!n->own_name)
			return "reachable (its zimbra_server_hostname not read)";
		snprintf(buf, size, "reachable, calls itself %s", n->own_name);
		return buf;
	case PROBE_HOSTKEY_REFUSED:
		snprintf(buf, size, "host key refused: %s", n->error ? n->error : "");
		return buf;
	default:
		snprintf(buf, size, "unreachable: %s", n->error ? n->error : "");
		return buf;
	}
}

static enum term_role probe_role(const struct probe_node *n)
{
	switch (n->state) {
	case PROBE_REACHABLE: return ROLE_OK;
	case PROBE_HOSTKEY_REFUSED:
	case PROBE_UNREACHABLE: return ROLE_ERROR;
	case PROBE_HOSTKEY_ASK:
	case PROBE_SECRET_WAIT: return ROLE_WARN;
	default: return ROLE_RUNNING;
	}
}

/* The SSH column of server i (the master: its discovery session). */
static const char *ssh_text(const struct discover_view *s, size_t i, char *buf, size_t size,
			    enum term_role *role)
{
	if ((long)i == s->plan->master) {
		*role = ROLE_OK;
		return "reachable (asked)";
	}
	const struct probe_node *n = probe_of(s, s->plan->servers[i].site_name);
	if (n) {
		*role = probe_role(n);
		return probe_text(n, buf, size);
	}
	*role = ROLE_DIM;
	return "";
}

static int draw_status(struct discover_view *s, int y, int cols)
{
	char buf[1200];
	const char *master = discover_master(s->d);
	switch (discover_state(s->d)) {
	case DISCOVER_NEW:
	case DISCOVER_CONNECTING:
		snprintf(buf, sizeof buf, "Connecting to the master %s...", master);
		wg_put(y++, 2, cols - 4, ROLE_RUNNING, buf);
		return y;
	case DISCOVER_QUERYING:
		snprintf(buf, sizeof buf, "Asking the master %s for every server (zmprov -m -l gas -v as zextras)...",
			 master);
		wg_put(y++, 2, cols - 4, ROLE_RUNNING, buf);
		return y;
	case DISCOVER_FAILED:
		y += wg_wrap(y, 2, cols - 4, 3, ROLE_ERROR, discover_error(s->d));
		for (size_t i = discover_output_count(s->d) > 5 ? discover_output_count(s->d) - 5 : 0;
		     i < discover_output_count(s->d); i++)
			wg_put(y++, 4, cols - 6, ROLE_DIM, discover_output_at(s->d, i));
		wg_put(y++, 2, cols - 4, ROLE_NORMAL, "The site file is not changed. r asks again.");
		return y;
	case DISCOVER_DONE:
		break;
	}
	const struct discover_plan *p = s->plan;
	const struct discover_input *in = discover_input(s->d);
	if (p->master >= 0 && strcmp(p->servers[p->master].name, master) != 0)
		snprintf(buf, sizeof buf, "The site names the master %s; the directory knows it as %s.", master,
			 p->servers[p->master].name);
	else if (p->master < 0)
		snprintf(buf, sizeof buf, "The directory does not list the master itself (it calls itself %s).",
			 in->master_hostname ? in->master_hostname : "unknown");
	else
		snprintf(buf, sizeof buf, "The master's directory lists %zu server(s):", p->n_servers);
	wg_put(y++, 2, cols - 4, p->master < 0 ? ROLE_WARN : ROLE_NORMAL, buf);
	return y;
}

static void draw(struct view *v)
{
	struct discover_view *s = v->priv;
	int rows, cols;
	getmaxyx(stdscr, rows, cols);
	if (!wg_view_begin("Discover the site", s->path))
		return;
	char buf[1400], sb[600], rb[128];
	int y = draw_status(s, 2, cols);
	if (s->plan) {
		const struct discover_plan *p = s->plan;
		int name_w = 6;
		for (size_t i = 0; i < p->n_servers; i++) {
			int c = wg_cells(p->servers[i].site_name, SIZE_MAX);
			name_w = c > name_w ? c : name_w;
		}
		for (size_t i = 0; i < p->n_stale; i++) {
			int c = wg_cells(p->stale[i].name, SIZE_MAX);
			name_w = c > name_w ? c : name_w;
		}
		if (name_w > cols / 3)
			name_w = cols / 3;
		snprintf(buf, sizeof buf, "%-*s  %-18s %-10s %s", name_w, "Server", "Role", "Site file", "SSH");
		wg_put(++y, 2, cols - 4, ROLE_RUNNING, buf);
		y++;
		int n = (int)(p->n_servers + p->n_stale);
		int changes = 0;
		for (int l = 0; l < DISCOVER_LISTS; l++)
			changes += p->lists[l].changed;
		int room = rows - y - 6 - changes;
		if (room < 3)
			room = 3;
		size_t top = wg_list_top((size_t)s->sel, (size_t)n, room);
		for (size_t i = top; i < (size_t)n && y < rows - 6 - changes; i++, y++) {
			enum term_role sr = ROLE_NORMAL;
			bool sel = i == (size_t)s->sel;
			if (i < p->n_servers) {
				const struct discover_server *d = &p->servers[i];
				const char *was = !d->old_roles ? "new" : d->old_roles != d->roles ? "changed" : "named";
				const char *ssh = ssh_text(s, i, sb, sizeof sb, &sr);
				snprintf(buf, sizeof buf, "%-*s  %-18s %-10s ", name_w, d->site_name,
					 site_roles_format(d->roles, rb, sizeof rb), was);
				wg_put(y, 2, cols - 4, sel ? ROLE_SELECTED : ROLE_NORMAL, buf);
				int used = wg_cells(buf, SIZE_MAX);
				wg_put(y, 2 + used, cols - 4 - used, sel ? ROLE_SELECTED : sr, ssh);
			} else {
				const struct discover_stale *st = &p->stale[i - p->n_servers];
				const struct probe_node *pn = probe_of(s, st->name);
				snprintf(buf, sizeof buf, "%-*s  %-18s %-10s not in the directory%s%s", name_w, st->name,
					 site_roles_format(st->roles, rb, sizeof rb), st->pruned ? "pruned" : "kept",
					 pn ? "; " : "", pn ? probe_text(pn, sb, sizeof sb) : "");
				wg_put(y, 2, cols - 4, sel ? ROLE_SELECTED : ROLE_WARN, buf);
			}
		}
		/* the selected row's details */
		if (n > 0 && (size_t)s->sel < p->n_servers) {
			const struct discover_server *d = &p->servers[s->sel];
			snprintf(buf, sizeof buf, "%s: %s%s%s%s", d->name, d->services,
				 d->note != DISCOVER_NOTE_NONE ? "; " : "", discover_note_text(d->note),
				 d->old_roles && d->old_roles != d->roles ? " (the site file had another role)" : "");
			y++;
			y += wg_wrap(y, 2, cols - 4, 2, ROLE_DIM, buf);
		}
		y++;
		bool any = false;
		for (int l = 0; l < DISCOVER_LISTS && y < rows - 3; l++) {
			const struct discover_change *c = &p->lists[l];
			if (!c->changed)
				continue;
			any = true;
			snprintf(buf, sizeof buf, "[carbonio] %s: %s -> %s", c->key, c->old_value ? c->old_value : "(not set)",
				 *c->new_value ? c->new_value : "(none)");
			wg_put(y++, 2, cols - 4, ROLE_WARN, buf);
		}
		if (!any && !discover_plan_changed(p) && y < rows - 3)
			wg_put(y++, 2, cols - 4, ROLE_OK, "The site file already says so: nothing to change.");
		if (s->pick.accept && y < rows - 3)
			wg_put(y++, 2, cols - 4, ROLE_DIM, s->pick.writes
			       ? "Enter: written into the site file, and the replicas listed on the page."
			       : "Enter: the Nodes page takes these; the site file is saved on Connect.");
	}
	if (s->message && y < rows - 2)
		wg_wrap(y, 2, cols - 4, rows - 2 - y, s->message_error ? ROLE_ERROR : ROLE_OK, s->message);
	size_t ai;
	const struct probe_node *asking = asking_node(s, &ai);
	if (s->master_hk_conn)
		wg_hostkey_dialog(cols - 8, discover_master(s->d), s->master_hk.type, s->master_hk.fingerprint);
	else if (asking)
		wg_hostkey_dialog(cols - 8, asking->name, asking->hostkey.type, asking->hostkey.fingerprint);
	else if (s->n_sec)
		wg_secret_dialog(cols - 8, s->sec[0].node, s->sec[0].what, s->sec_input);
	if (s->plan && s->pick.accept)
		snprintf(buf, sizeof buf, "Up/Down move  Enter %s  r ask again  q/Esc back",
			 s->pick.writes ? "write" : "use these");
	else if (s->plan)
		snprintf(buf, sizeof buf, "Up/Down move  w write  p prune: %s  r ask again  q/Esc back",
			 s->prune ? "on" : "off");
	else
		snprintf(buf, sizeof buf, "r ask again  q/Esc back");
	wg_key_bar(buf);
	wnoutrefresh(stdscr);
}

static void leave(struct view *v)
{
	struct discover_view *s = v->priv;
	drop_secrets(s);
	discover_probe_free(s->probe);
	discover_plan_free(s->plan);
	discover_free(s->d);
	if (s->site_now != s->site)
		site_free(s->site_now);
	site_free(s->site);
	free(s->text);
	free(s->path);
	free(s->message);
	free(s);
}

const struct view_ops discover_pick_ops = {
	.name = "discover-pick",
	.enter = enter_pick,
	.key = key,
	.draw = draw,
	.tick = tick,
	.interrupt = interrupt,
	.leave = leave,
};

const struct view_ops discover_view_ops = {
	.name = "discover",
	.enter = enter,
	.key = key,
	.draw = draw,
	.tick = tick,
	.interrupt = interrupt,
	.leave = leave,
};
