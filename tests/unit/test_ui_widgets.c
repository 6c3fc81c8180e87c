/* ui/widgets and the view stack (ui/view.h): text measured in display
 * cells, the one text field, the form focus, term_put's sanitising, and
 * how the stack applies what a view's handlers return. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "term.h"
#include "view.h"
#include "widgets/field.h"
#include "widgets/form.h"
#include "widgets/keys.h"
#include "widgets/list.h"
#include "widgets/text.h"
#include "xalloc.h"

static bool have_utf8;

static void test_cells(void **state)
{
	(void)state;
	assert_int_equal(wg_cells("abc", SIZE_MAX), 3);
	assert_int_equal(wg_cells("abc", 2), 2);
	if (!have_utf8)
		skip();
	assert_int_equal(wg_cells("\u00e9t\u00e9", SIZE_MAX), 3);      /* été: 5 bytes */
	assert_int_equal(wg_cells("\u65e5\u672c", SIZE_MAX), 4);       /* 日本: wide */
}

/* The wrapped line of "ééééé ééééé" in 7 cells is the first word: cut by
 * bytes (the old wizard wrap) it was 7 bytes, half an é at its end. */
static void test_wrap_never_splits_a_character(void **state)
{
	(void)state;
	const char *next;
	size_t n = wg_wrap_line("aaaa bbbb cc", 7, &next);
	assert_int_equal(n, 4);
	assert_string_equal(next, "bbbb cc");
	n = wg_wrap_line("abcdefghij", 4, &next); /* no blank: cut at the width */
	assert_int_equal(n, 4);
	assert_string_equal(next, "efghij");
	if (!have_utf8)
		skip();
	const char *s = "\u00e9\u00e9\u00e9\u00e9\u00e9 \u00e9\u00e9\u00e9\u00e9\u00e9";
	n = wg_wrap_line(s, 7, &next);
	assert_int_equal(n, 10); /* five é, two bytes each */
	assert_string_equal(next, "\u00e9\u00e9\u00e9\u00e9\u00e9");
	/* wide characters: three of them do not fit in 5 cells */
	n = wg_wrap_line("\u65e5\u672c\u8a9e\u65e5", 5, &next);
	assert_int_equal(n, 6);
}

static void test_field_accepts_the_same_everywhere(void **state)
{
	(void)state;
	char buf[6] = "";
	assert_true(wg_field_key(buf, sizeof buf, 'a'));
	assert_true(wg_field_key(buf, sizeof buf, 0xc3)); /* é, byte by byte */
	assert_true(wg_field_key(buf, sizeof buf, 0xa9));
	assert_string_equal(buf, "a\xc3\xa9");
	/* Backspace takes the whole character and wipes it */
	assert_true(wg_field_key(buf, sizeof buf, KEY_BACKSPACE));
	assert_string_equal(buf, "a");
	assert_int_equal(buf[1], 0);
	assert_int_equal(buf[2], 0);
	/* full: typed bytes are taken but not stored */
	for (const char *c = "bcdef"; *c; c++)
		wg_field_key(buf, sizeof buf, *c);
	assert_string_equal(buf, "abcde");
	/* not field keys: the caller's */
	assert_false(wg_field_key(buf, sizeof buf, KEY_F(1)));
	assert_false(wg_field_key(buf, sizeof buf, '\r'));
	assert_false(wg_field_key(buf, sizeof buf, KEY_ESC));
	/* ^U clears and wipes */
	assert_true(wg_field_key(buf, sizeof buf, KEY_CTRL('u')));
	for (size_t i = 0; i < sizeof buf; i++)
		assert_int_equal(buf[i], 0);
}

static void test_form_move_wraps(void **state)
{
	(void)state;
	size_t sel = 0;
	assert_true(wg_form_move(&sel, 3, KEY_UP));
	assert_int_equal(sel, 2);
	assert_true(wg_form_move(&sel, 3, '\t'));
	assert_int_equal(sel, 0);
	assert_true(wg_form_move(&sel, 3, KEY_BTAB));
	assert_int_equal(sel, 2);
	assert_false(wg_form_move(&sel, 3, 'x'));
	assert_int_equal(sel, 2);
}

static void test_list_keeps_the_selection_in_view(void **state)
{
	(void)state;
	assert_int_equal(wg_list_top(0, 10, 4), 0);
	assert_int_equal(wg_list_top(3, 10, 4), 0);
	assert_int_equal(wg_list_top(4, 10, 4), 1);  /* the selection on the last row */
	assert_int_equal(wg_list_top(9, 10, 4), 6);
	assert_int_equal(wg_list_top(10, 10, 4), 0); /* past the list: a button below it */
}

/* Remote text with an escape sequence is drawn, never obeyed. */
/* The one checklist (answer-queries nodes, unnamed servers): moves wrap,
 * Space checks, a/n all/none, Enter and Esc end it; an empty list only
 * ends. */
static void test_checklist_keys(void **state)
{
	(void)state;
	bool c[3] = { false, false, false };
	size_t sel = 0;
	assert_int_equal(wg_check_key(&sel, c, 3, KEY_UP), WG_CHECK_CHANGED);
	assert_int_equal(sel, 2);
	assert_int_equal(wg_check_key(&sel, c, 3, '\t'), WG_CHECK_CHANGED);
	assert_int_equal(sel, 0);
	wg_check_key(&sel, c, 3, ' ');
	assert_true(c[0]);
	assert_false(c[1]);
	wg_check_key(&sel, c, 3, 'a');
	assert_true(c[1] && c[2]);
	wg_check_key(&sel, c, 3, 'n');
	assert_false(c[0] || c[1] || c[2]);
	assert_int_equal(wg_check_key(&sel, c, 3, '\r'), WG_CHECK_DONE);
	assert_int_equal(wg_check_key(&sel, c, 3, KEY_ESC), WG_CHECK_CANCEL);
	assert_int_equal(wg_check_key(&sel, c, 3, 'x'), WG_CHECK_OTHER);
	assert_int_equal(wg_check_key(&sel, c, 0, KEY_DOWN), WG_CHECK_OTHER);
	assert_int_equal(wg_check_key(&sel, c, 0, KEY_ESC), WG_CHECK_CANCEL);
}

/* The masked entries (passwords, SSH secrets): typing goes to the field,
 * Enter and Esc end the entry without touching it. */
static void test_entry_keys(void **state)
{
	(void)state;
	char buf[8] = "";
	assert_int_equal(wg_entry_key(buf, sizeof buf, 'a'), WG_ENTRY_EDITED);
	assert_int_equal(wg_entry_key(buf, sizeof buf, 'b'), WG_ENTRY_EDITED);
	assert_int_equal(wg_entry_key(buf, sizeof buf, KEY_BACKSPACE), WG_ENTRY_EDITED);
	assert_string_equal(buf, "a");
	assert_int_equal(wg_entry_key(buf, sizeof buf, '\n'), WG_ENTRY_DONE);
	assert_int_equal(wg_entry_key(buf, sizeof buf, KEY_ESC), WG_ENTRY_CANCEL);
	assert_string_equal(buf, "a");
}

static void test_term_put_draws_controls_as_marks(void **state)
{
	(void)state;
	FILE *out = fopen("/dev/null", "w"), *in = fopen("/dev/null", "r");
	assert_non_null(term_init_headless(out, in, 24, 80));
	erase();
	int used = term_put(0, 0, 20, "a\x1b[2Jb\tc");
	assert_int_equal(used, 8);
	char *dump = term_dump();
	assert_memory_equal(dump, "a?[2Jb?c\n", 9);
	free(dump);
	term_done();
	fclose(out);
	fclose(in);
}

/* ---- the view stack ---- */

struct probe {
	int keys, resizes, leaves;
	unsigned answer;
};

static bool p_enter(struct view *v, void *arg, char *err, size_t n)
{
	if (!arg) {
		snprintf(err, n, "no argument");
		return false;
	}
	v->priv = arg;
	return true;
}
static unsigned p_key(struct view *v, int key)
{
	(void)key;
	struct probe *p = v->priv;
	p->keys++;
	return p->answer;
}
static void p_draw(struct view *v) { (void)v; }
static void p_resize(struct view *v) { ((struct probe *)v->priv)->resizes++; }
static void p_leave(struct view *v) { ((struct probe *)v->priv)->leaves++; }

static const struct view_ops probe_ops = {
	.name = "probe", .enter = p_enter, .key = p_key, .draw = p_draw, .resize = p_resize,
	.leave = p_leave,
};

static void test_view_stack(void **state)
{
	(void)state;
	FILE *out = fopen("/dev/null", "w"), *in = fopen("/dev/null", "r");
	assert_non_null(term_init_headless(out, in, 24, 80));
	struct ui *ui = ui_new(NULL);
	char err[64] = "";
	struct probe below = { .answer = VIEW_CHANGED }, above = { .answer = VIEW_CHANGED | VIEW_CLOSE };
	assert_false(ui_push(ui, &probe_ops, NULL, err, sizeof err));
	assert_string_equal(err, "no argument");
	assert_int_equal(ui->depth, 0);
	assert_true(ui_push(ui, &probe_ops, &below, err, sizeof err));
	assert_true(ui_push(ui, &probe_ops, &above, err, sizeof err));
	ui_draw(ui, false);
	assert_false(ui->dirty);
	/* a resize reaches every view, a key only the top one */
	ui_key(ui, KEY_RESIZE);
	assert_int_equal(below.resizes, 1);
	assert_int_equal(above.resizes, 1);
	assert_int_equal(above.keys, 0);
	ui_key(ui, 'q'); /* the top view closes: popped and left */
	assert_int_equal(above.keys, 1);
	assert_int_equal(above.leaves, 1);
	assert_int_equal(ui->depth, 1);
	assert_true(ui->dirty);
	assert_ptr_equal(ui_top(ui)->priv, &below);
	below.answer = VIEW_QUIT;
	ui_key(ui, 'q');
	assert_true(ui->quit);
	ui_free(ui); /* leaves what is still on the stack */
	assert_int_equal(below.leaves, 1);
	term_done();
	fclose(out);
	fclose(in);
}

int main(void)
{
	have_utf8 = setlocale(LC_ALL, "C.UTF-8") != NULL;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cells),
		cmocka_unit_test(test_wrap_never_splits_a_character),
		cmocka_unit_test(test_field_accepts_the_same_everywhere),
		cmocka_unit_test(test_form_move_wraps),
		cmocka_unit_test(test_list_keeps_the_selection_in_view),
		cmocka_unit_test(test_checklist_keys),
		cmocka_unit_test(test_entry_keys),
		cmocka_unit_test(test_term_put_draws_controls_as_marks),
		cmocka_unit_test(test_view_stack),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
