/* The carbonio-bootstrap menus, mirrored (install only): the main menu,
 * Common configuration and Ldap configuration with the bootstrap's items,
 * keys, ** marks and "Invalid selection!"; the passwords are typed in the
 * masked DLG_PASSWORD and verified against the master. 'y' goes on to the
 * plan review once every item is set. */
#include "page.h"

#include <stdio.h>
#include <string.h>

/* The items of the current bootstrap menu, as carbonio-bootstrap lists
 * them (unnumbered expansion lines included, key ""). */
enum wizard_menu_action {
	MACT_NONE,       /* an expansion line */
	MACT_COMMON,
	MACT_LDAP,
	MACT_PASSWORD,
	MACT_FIXED,      /* shown as the bootstrap shows it; set by the wizard */
	MACT_SAVE,
	MACT_EXPAND,
	MACT_QUIT,
};

struct wizard_menu_item {
	char key[4];
	char label[64];
	char value[128];
	bool marked;      /* ** : must still be configured */
	bool expansion;   /* "       +label" under a main menu item */
	enum wizard_menu_action action;
	enum wizard_pw pw;
	const char *why;  /* MACT_FIXED: where the value comes from */
};

#define WIZARD_MENU_MAX 32

/* The page's own state: the focus among the items with a key, "x) Expand
 * menu", and "Invalid selection!" (the next key only clears it). */
struct menus_state {
	int sel;
	bool expand;
	bool invalid;
};

static struct menus_state *state(struct view *v)
{
	return page_state(v, sizeof(struct menus_state));
}



static const struct {
	const char *name;   /* install.h */
	const char *label;  /* the menu's label */
	const char *prompt; /* the bootstrap's question */
} pw_info[PW_COUNT] = {
	/* one row each, as the bootstrap shows them */
	[PW_ADMIN] = { "zimbra_ldap_password", "Ldap Admin password:", "Password for ldap admin user (min 6 characters):" },
	[PW_ROOT] = { "ldap_root_password", "Ldap root password:", "Password for ldap root user (min 6 characters):" },
	[PW_REPLICATION] = { "ldap_replication_password", "Ldap replication password:", "Password for ldap replication user (min 6 characters):" },
	[PW_POSTFIX] = { "ldap_postfix_password", "Ldap postfix password:", "Password for ldap Postfix user (min 6 characters):" },
	[PW_AMAVIS] = { "ldap_amavis_password", "Ldap amavis password:", "Password for ldap Amavis user (min 6 characters):" },
	[PW_NGINX] = { "ldap_nginx_password", "Ldap nginx password:", "Password for ldap Nginx user (min 6 characters):" },
};

const char *wizard_pw_name(enum wizard_pw which)
{
	return pw_info[which].name;
}

const char *wizard_pw_prompt(enum wizard_pw which)
{
	return pw_info[which].prompt;
}

const char *wizard_pw_value(enum wizard_pw_state st)
{
	switch (st) {
	case PWS_SET: return "set";
	case PWS_UNSET: return "UNSET";
	default: return "Not Verified";
	}
}

static bool pw_shown(const struct wizard *w, enum wizard_pw p)
{
	/* a pure replica's bootstrap hides these (no MTA, no proxy on it) */
	if (p == PW_POSTFIX || p == PW_AMAVIS || p == PW_NGINX)
		return w->replica_mta;
	return true;
}

static bool common_complete(const struct wizard *w)
{
	return w->pw[PW_ADMIN] == PWS_SET;
}

static bool ldap_complete(const struct wizard *w)
{
	for (int p = PW_ROOT; p < PW_COUNT; p++)
		if (pw_shown(w, (enum wizard_pw)p) && w->pw[p] != PWS_SET)
			return false;
	return true;
}

bool wizard_menus_complete(const struct wizard *w)
{
	return common_complete(w) && ldap_complete(w);
}

/* marked: the bootstrap's ** (an empty, none, UNSET or Not Verified value) */
static struct wizard_menu_item *add_item(struct wizard_menu_item *out, size_t *n, const char *key,
					 const char *label, const char *value,
					 enum wizard_menu_action act, bool marked)
{
	if (*n >= WIZARD_MENU_MAX)
		return &out[WIZARD_MENU_MAX - 1];
	struct wizard_menu_item *it = &out[(*n)++];
	memset(it, 0, sizeof *it);
	snprintf(it->key, sizeof it->key, "%s", key);
	snprintf(it->label, sizeof it->label, "%s", label);
	snprintf(it->value, sizeof it->value, "%s", value ? value : "");
	it->action = act;
	it->marked = marked;
	return it;
}

static size_t common_items(const struct wizard *w, struct wizard_menu_item *out, size_t n,
			   bool expansion)
{
	char port[16], num[12];
	snprintf(port, sizeof port, "%u", w->ldap_port);
	int k = 1;
	struct wizard_menu_item *it;
#define NUM() (expansion ? "" : (snprintf(num, sizeof num, "%d", k++), num))
	it = add_item(out, &n, NUM(), "Hostname:", w->hostname ? w->hostname : "UNSET", MACT_FIXED,
		      !w->hostname);
	it->why = "The replica's hostname comes from the Nodes page (one menu set serves every replica).";
	it->expansion = expansion;
	it = add_item(out, &n, NUM(), "Ldap master host:", w->master ? w->master : "UNSET", MACT_FIXED,
		      !w->master);
	it->why = "The master comes from the Nodes page.";
	it->expansion = expansion;
	it = add_item(out, &n, NUM(), "Ldap port:", port, MACT_FIXED, false);
	it->why = "The LDAP port comes from the site file (ldap_port).";
	it->expansion = expansion;
	it = add_item(out, &n, NUM(), pw_info[PW_ADMIN].label, wizard_pw_value(w->pw[PW_ADMIN]),
		      MACT_PASSWORD, w->pw[PW_ADMIN] != PWS_SET);
	it->pw = PW_ADMIN;
	it->expansion = expansion;
#undef NUM
	return n;
}

static size_t ldap_items(const struct wizard *w, struct wizard_menu_item *out, size_t n,
			 bool expansion)
{
	char num[12];
	int k = 1;
	struct wizard_menu_item *it;
#define NUM() (expansion ? "" : (snprintf(num, sizeof num, "%d", k++), num))
	if (!expansion) {
		it = add_item(out, &n, NUM(), "Status:", "Enabled", MACT_FIXED, false);
		it->why = "A Directory Replica runs slapd: the status stays Enabled.";
		it = add_item(out, &n, NUM(), "Create Domain:", "no", MACT_FIXED, false);
		it->why = "A replica creates no domain: the directory comes from the master.";
		it = add_item(out, &n, NUM(), "Ldap replication type:", "replica", MACT_FIXED, false);
		it->why = "The Ldap master host differs from the hostname: replica.";
	}
	for (int p = PW_ROOT; p < PW_COUNT; p++) {
		if (!pw_shown(w, (enum wizard_pw)p))
			continue;
		if (expansion && w->pw[p] == PWS_SET)
			continue;
		it = add_item(out, &n, NUM(), pw_info[p].label, wizard_pw_value(w->pw[p]), MACT_PASSWORD,
			      w->pw[p] != PWS_SET);
		it->pw = (enum wizard_pw)p;
		it->expansion = expansion;
	}
#undef NUM
	return n;
}

static size_t menu_items(const struct wizard *w, const struct menus_state *s, struct wizard_menu_item *out)
{
	size_t n = 0;
	switch (w->menu) {
	case MENU_COMMON:
		return common_items(w, out, 0, false);
	case MENU_LDAP:
		return ldap_items(w, out, 0, false);
	case MENU_MAIN:
		break;
	}
	add_item(out, &n, "1", "Common Configuration:", "", MACT_COMMON, false);
	if (s->expand || !common_complete(w))
		n = common_items(w, out, n, true);
	add_item(out, &n, "2", "carbonio-directory-server:", "Enabled", MACT_LDAP, false);
	if (s->expand || !ldap_complete(w))
		n = ldap_items(w, out, n, true);
	add_item(out, &n, "s", "Save config to file", NULL, MACT_SAVE, false);
	add_item(out, &n, s->expand ? "c" : "x", s->expand ? "Collapse menu" : "Expand menu",
		 NULL, MACT_EXPAND, false);
	add_item(out, &n, "q", "Quit", NULL, MACT_QUIT, false);
	return n;
}

static void menu_activate(struct wizard *w, struct menus_state *s, const struct wizard_menu_item *it)
{
	w->status[0] = '\0';
	switch (it->action) {
	case MACT_COMMON:
		w->menu = MENU_COMMON;
		s->sel = 0;
		break;
	case MACT_LDAP:
		w->menu = MENU_LDAP;
		s->sel = 0;
		break;
	case MACT_PASSWORD:
		w->pw_editing = it->pw;
		wizard_open_dialog(w, DLG_PASSWORD);
		break;
	case MACT_FIXED:
		snprintf(w->status, sizeof w->status, "%s", it->why ? it->why : "");
		break;
	case MACT_SAVE:
		snprintf(w->status, sizeof w->status, "%s",
			 "The wizard hands these answers to carbonio-bootstrap itself (0600 file, removed after use).");
		break;
	case MACT_EXPAND:
		s->expand = !s->expand;
		break;
	case MACT_QUIT:
		w->dialog = DLG_QUIT;
		break;
	case MACT_NONE:
		break;
	}
}

/* The selectable items (those with a key), by position. */
static int menu_selectable(const struct wizard_menu_item *items, size_t n, int *idx)
{
	int k = 0;
	for (size_t i = 0; i < n; i++)
		if (items[i].key[0])
			idx[k++] = (int)i;
	return k;
}

static unsigned key(struct view *v, int key)
{
	struct wizard *w = page_wizard(v);
	struct menus_state *s = state(v);
	if (s->invalid) {
		/* "press any key to continue" */
		s->invalid = false;
		w->status[0] = '\0';
		return VIEW_CHANGED;
	}
	struct wizard_menu_item items[WIZARD_MENU_MAX];
	size_t n = menu_items(w, s, items);
	int idx[WIZARD_MENU_MAX];
	int ns = menu_selectable(items, n, idx);
	if (s->sel >= ns)
		s->sel = ns ? ns - 1 : 0;
	if (wg_list_move(&s->sel, ns, key))
		return VIEW_CHANGED;
	switch (key) {
	case '\r':
	case '\n':
	case KEY_ENTER:
		if (ns)
			menu_activate(w, s, &items[idx[s->sel]]);
		return VIEW_CHANGED;
	case '?':
		w->dialog = DLG_HELP;
		return VIEW_CHANGED;
	case 'r':
	case KEY_ESC:
	case KEY_LEFT:
		if (w->menu != MENU_MAIN) {
			s->sel = w->menu == MENU_COMMON ? 0 : 1;
			w->menu = MENU_MAIN;
		}
		return VIEW_CHANGED;
	case 'y':
		if (w->menu == MENU_MAIN && wizard_menus_complete(w)) {
			wizard_goto(w, wizard_flow_next(w));
			return VIEW_CHANGED;
		}
		break;
	default:
		break;
	}
	for (int k = 0; k < ns; k++) {
		const struct wizard_menu_item *it = &items[idx[k]];
		if (key < 256 && strlen(it->key) == 1 && it->key[0] == key) {
			s->sel = k;
			menu_activate(w, s, it);
			return VIEW_CHANGED;
		}
	}
	/* the status is only shown; menu_invalid is what the next key reads */
	snprintf(w->status, sizeof w->status, "Invalid selection! - press any key to continue");
	s->invalid = true;
	return VIEW_CHANGED;
}

/* Coming from the preflight: the main menu, first item. */
static bool enter(struct view *v, void *arg, char *err, size_t err_size)
{
	(void)arg, (void)err, (void)err_size;
	page_wizard(v)->menu = MENU_MAIN;
	state(v)->sel = 0;
	return true;
}

static void menu_line(int y, const struct wizard_menu_item *it, bool sel, int width)
{
	char buf[256];
	if (it->expansion)
		snprintf(buf, sizeof buf, "%s +%-37s %-30s", it->marked ? "*******" : "       ",
			 it->label, it->value);
	else if (it->action == MACT_SAVE || it->action == MACT_EXPAND || it->action == MACT_QUIT)
		snprintf(buf, sizeof buf, "  %2s) %-40s", it->key, it->label);
	else
		snprintf(buf, sizeof buf, "%s%2s) %-40s %-30s", it->marked ? "**" : "  ", it->key,
			 it->label, it->value);
	/* cut trailing blanks so the highlight hugs the text */
	size_t l = strlen(buf);
	while (l && buf[l - 1] == ' ')
		buf[--l] = '\0';
	wg_put(y, 2, width, sel ? ROLE_SELECTED : it->marked ? ROLE_WARN : ROLE_NORMAL, buf);
}

static void draw(struct view *v)
{
	const struct wizard *w = page_wizard(v);
	const struct menus_state *s = state(v);
	int rows, cols;
	getmaxyx(stdscr, rows, cols);
	struct wizard_menu_item items[WIZARD_MENU_MAX];
	size_t n = menu_items(w, s, items);
	static const char *const titles[] = {
		[MENU_MAIN] = "Main menu", [MENU_COMMON] = "Common configuration",
		[MENU_LDAP] = "Ldap configuration",
	};
	int y = 2;
	wg_put(y, 2, cols - 4, ROLE_NORMAL, titles[w->menu]);
	y += 2;
	int k = 0;
	for (size_t i = 0; i < n && y < rows - 5; i++) {
		bool sel = items[i].key[0] && k++ == s->sel;
		menu_line(y++, &items[i], sel, cols - 4);
		/* a blank line closes an expanded block, as the bootstrap prints it */
		if (items[i].expansion && (i + 1 == n || !items[i + 1].expansion))
			y++;
	}
	y++;
	if (w->menu == MENU_MAIN) {
		if (wizard_menus_complete(w)) {
			wg_put(y++, 2, cols - 4, ROLE_OK, "*** CONFIGURATION COMPLETE - press 'y' to apply configuration");
			wg_put(y, 2, cols - 4, ROLE_NORMAL, "Select from menu, or press 'y' to apply config (? - help)");
		} else {
			wg_put(y, 2, cols - 4, ROLE_NORMAL, "Address unconfigured (**) items  (? - help)");
		}
	} else {
		wg_put(y, 2, cols - 4, ROLE_NORMAL, "Select, or 'r' for previous menu [r]");
	}
	if (w->extra_hosts) {
		char buf[600];
		snprintf(buf, sizeof buf, "These answers apply to every replica of this run (also %s).", w->extra_hosts);
		wg_put(rows - 3, 2, cols - 4, ROLE_DIM, buf);
	}
	page_status(w);
	wg_key_bar(w->menu == MENU_MAIN
		? "key or Up/Down+Enter select  y apply (plan review)  x expand  ? help  q quit"
		: "key or Up/Down+Enter select  r previous menu  ? help");
}

const struct view_ops page_menus_ops = { .name = "menus", .enter = enter, .key = key, .draw = draw };
