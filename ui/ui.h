/* The ncurses wizard's entry point. Deliberately curses-free so cli/main.c
 * can call it without pulling curses into the command line. */
#ifndef RW_UI_H
#define RW_UI_H

/* Run the interactive wizard (home screen first) on the site file at
 * site_path (resolved by the caller; NULL: none). Returns an RW_EXIT_*. */
int ui_main(const char *progname, const char *site_path);

#endif
