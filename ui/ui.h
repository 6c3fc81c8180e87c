/* The ncurses wizard's entry point. Deliberately curses-free so src/main.c
 * can call it without pulling curses into the core. */
#ifndef RW_UI_H
#define RW_UI_H

struct cli;

/* Run the interactive wizard (home screen first). Returns an RW_EXIT_*. */
int ui_main(const struct cli *cli);

#endif
