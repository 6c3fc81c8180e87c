#include "term.h"

#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wchar.h>

#include "xalloc.h"

static SCREEN *screen;
static bool active;
static bool utf8;
static bool colors;
static attr_t attrs[ROLE_COUNT];

static void setup_roles(void)
{
	/* monochrome first: every role stays readable without colour */
	attr_t mono[ROLE_COUNT] = {
		[ROLE_NORMAL] = A_NORMAL, [ROLE_TITLE] = A_REVERSE, [ROLE_KEYS] = A_REVERSE,
		[ROLE_SELECTED] = A_REVERSE, [ROLE_OK] = A_NORMAL, [ROLE_RUNNING] = A_BOLD,
		[ROLE_WARN] = A_BOLD, [ROLE_ERROR] = A_BOLD | A_UNDERLINE, [ROLE_DIM] = A_DIM,
		[ROLE_FRAME] = A_NORMAL,
	};
	memcpy(attrs, mono, sizeof attrs);
	const char *nc = getenv("NO_COLOR");
	colors = has_colors() && !(nc && *nc);
	if (!colors)
		return;
	start_color();
	use_default_colors();
	static const struct { enum term_role r; short fg, bg; attr_t extra; } tab[] = {
		{ ROLE_TITLE, COLOR_WHITE, COLOR_BLUE, A_BOLD },
		{ ROLE_KEYS, COLOR_BLACK, COLOR_CYAN, 0 },
		{ ROLE_SELECTED, COLOR_BLACK, COLOR_CYAN, 0 },
		{ ROLE_OK, COLOR_GREEN, -1, 0 },
		{ ROLE_RUNNING, COLOR_CYAN, -1, A_BOLD },
		{ ROLE_WARN, COLOR_YELLOW, -1, A_BOLD },
		{ ROLE_ERROR, COLOR_RED, -1, A_BOLD },
		{ ROLE_DIM, COLOR_BLUE, -1, 0 },
		{ ROLE_FRAME, COLOR_CYAN, -1, 0 },
	};
	for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++) {
		init_pair((short)(i + 1), tab[i].fg, tab[i].bg);
		attrs[tab[i].r] = COLOR_PAIR((int)(i + 1)) | tab[i].extra;
	}
}

static void setup_common(void)
{
	const char *cs = nl_langinfo(CODESET);
	utf8 = cs && strcmp(cs, "UTF-8") == 0;
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	curs_set(0);
	setup_roles();
	active = true;
}

void term_done(void)
{
	if (!active)
		return;
	active = false;
	endwin();
	if (screen) {
		delscreen(screen);
		screen = NULL;
	}
}

static void fatal_signal(int sig)
{
	/* restore the terminal, then die of the same signal */
	if (active) {
		active = false;
		endwin();
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

bool term_init(void)
{
	setlocale(LC_ALL, "");
	set_escdelay(25);
	screen = newterm(NULL, stdout, stdin);
	if (!screen)
		return false;
	set_term(screen);
	setup_common();
	atexit(term_done);
	static const int fatal[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTERM, SIGHUP, SIGQUIT };
	for (size_t i = 0; i < sizeof fatal / sizeof fatal[0]; i++) {
		struct sigaction sa = { .sa_handler = fatal_signal };
		sigemptyset(&sa.sa_mask);
		sigaction(fatal[i], &sa, NULL);
	}
	signal(SIGPIPE, SIG_IGN);
	return true;
}

SCREEN *term_init_headless(FILE *out, FILE *in, int rows, int cols)
{
	screen = newterm("xterm", out, in);
	if (!screen)
		return NULL;
	set_term(screen);
	setup_common();
	resize_term(rows, cols);
	return screen;
}

bool term_utf8(void)
{
	return utf8;
}

attr_t term_attr(enum term_role role)
{
	return attrs[role];
}

void term_hline(int y, int x, int n)
{
	for (int i = 0; i < n; i++)
		mvaddstr(y, x + i, utf8 ? "\u2500" : "-");
}

void term_box(int y, int x, int h, int w, const char *title)
{
	const char *tl = utf8 ? "\u250c" : "+", *tr = utf8 ? "\u2510" : "+";
	const char *bl = utf8 ? "\u2514" : "+", *br = utf8 ? "\u2518" : "+";
	const char *v = utf8 ? "\u2502" : "|";
	if (h < 2 || w < 2)
		return;
	attron(term_attr(ROLE_FRAME));
	mvaddstr(y, x, tl);
	term_hline(y, x + 1, w - 2);
	mvaddstr(y, x + w - 1, tr);
	for (int i = 1; i < h - 1; i++) {
		mvaddstr(y + i, x, v);
		mvaddstr(y + i, x + w - 1, v);
	}
	mvaddstr(y + h - 1, x, bl);
	term_hline(y + h - 1, x + 1, w - 2);
	mvaddstr(y + h - 1, x + w - 1, br);
	attroff(term_attr(ROLE_FRAME));
	if (title && *title && w > 6) {
		mvaddstr(y, x + 2, " ");
		int used = term_put(y, x + 3, w - 6, title);
		mvaddstr(y, x + 3 + used, " ");
	}
}

int term_put(int y, int x, int n, const char *s)
{
	/* clip by display columns; a control character (remote text: an
	 * escape sequence) is drawn as '?', never sent to the terminal */
	int used = 0;
	mbstate_t st;
	memset(&st, 0, sizeof st);
	move(y, x);
	while (*s && used < n) {
		wchar_t wc;
		size_t len = mbrtowc(&wc, s, strlen(s), &st);
		if (len == (size_t)-1 || len == (size_t)-2 || len == 0) {
			memset(&st, 0, sizeof st);
			addch('?');
			used++;
			s++;
			continue;
		}
		if (wc < 0x20 || (wc >= 0x7f && wc < 0xa0)) {
			addch('?');
			used++;
			s += len;
			continue;
		}
		int cw = wcwidth(wc);
		if (cw < 0)
			cw = 1;
		if (used + cw > n)
			break;
		addnstr(s, (int)len);
		used += cw;
		s += len;
	}
	return used;
}

char *term_dump(void)
{
	int rows, cols;
	getmaxyx(stdscr, rows, cols);
	size_t cap = (size_t)rows * ((size_t)cols * 4 + 1) + 1, len = 0;
	char *out = xmalloc(cap);
	wchar_t *wbuf = xcalloc((size_t)cols + 1, sizeof *wbuf);
	for (int y = 0; y < rows; y++) {
		int n = mvwinnwstr(stdscr, y, 0, wbuf, cols);
		if (n < 0)
			n = 0;
		wbuf[n] = L'\0';
		char line[4096];
		size_t l = wcstombs(line, wbuf, sizeof line - 1);
		if (l == (size_t)-1)
			l = 0;
		line[l] = '\0';
		while (l > 0 && line[l - 1] == ' ')
			line[--l] = '\0';
		memcpy(out + len, line, l);
		len += l;
		out[len++] = '\n';
	}
	out[len] = '\0';
	free(wbuf);
	return out;
}
