/* Plain-text rendering of the dashboard for `dashboard --once`: the
 * Directory panel and the Dovecot panel side by side, then the event log,
 * fitted to 80, 120 or 160 columns. Wider layouts show more columns of the
 * per-user table. Pure function of the model and `now` (tests compare it
 * with expected files; times are local, so tests set TZ). */
#ifndef RW_DASH_TEXT_H
#define RW_DASH_TEXT_H

#include <time.h>

#include "doveadm_parse.h"

struct dashboard;

/* 80, 120 or 160 from $COLUMNS-like text: the widest layout that fits;
 * NULL, empty, invalid or below 120 gives 80. */
int dash_text_width(const char *columns);

/* The whole screen as text, lines ending in "\n", none longer than width
 * columns (counting UTF-8 code points). title (e.g. "site: PATH") is a
 * second header line, may be NULL. Allocated. */
char *dash_text_render(const struct dashboard *d, int width, const char *title, time_t now);

/* Formatters shared with the curses view: an age ("5 s", "3 min", "2 h",
 * "4 d"), a doveadm "seconds ago" as HH:MM:SS ("-" for never), a replicator
 * priority name. */
void dash_fmt_age(char *out, size_t size, time_t then, time_t now);
void dash_fmt_hms(char *out, size_t size, long long s);
const char *dash_prio_name(enum doveadm_priority p);

#endif
