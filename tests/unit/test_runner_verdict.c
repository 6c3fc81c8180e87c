/* runner_verdict: every branch of what the runner concludes from one attempt
 * (skip_if, done/fail/require_output, exit statuses, captures, unfinished
 * commands, start failures, builtins, the retry window, check = warn and
 * preflight), with steps built by hand and no node at all. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "localconfig_parse.h"
#include "redact.h"
#include "runner_verdict.h"

static char s_id[] = "s", s_title[] = "S", s_preflight[] = "preflight", s_builtin[] = "verify";

static struct proc_step step(void)
{
	struct proc_step s;
	memset(&s, 0, sizeof s);
	s.id = s_id;
	s.title = s_title;
	return s;
}

/* A command that ended with status and printed out. */
static struct verdict_input ended(const struct proc_step *s, int status, const char *out)
{
	struct verdict_input in;
	memset(&in, 0, sizeof in);
	in.step = s;
	in.node = "n1";
	in.stage = VSTAGE_COMMAND;
	in.exit_status = status;
	in.out = out;
	in.out_len = out ? strlen(out) : 0;
	in.cap = out;
	in.cap_len = in.out_len;
	in.may_retry = true;
	return in;
}

static void expect(const struct verdict_input *in, enum verdict v, enum verdict_reason why,
		   const char *message)
{
	struct verdict_result r = runner_verdict(in);
	assert_int_equal(r.verdict, v);
	assert_string_equal(verdict_reason_name(r.reason), verdict_reason_name(why));
	if (message)
		assert_string_equal(r.message, message);
	else
		assert_null(r.message);
	verdict_result_free(&r);
}

/* ---- a command that ended ---- */

static void test_exit_zero_is_done(void **state)
{
	(void)state;
	struct proc_step s = step();
	struct verdict_input in = ended(&s, 0, "fine\n");
	expect(&in, VERDICT_DONE, VREASON_NONE, NULL);
}

static void test_exit_nonzero_fails_with_last_line(void **state)
{
	(void)state;
	struct proc_step s = step();
	struct verdict_input in = ended(&s, 3, "first\nlast words \n\n");
	struct verdict_result r = runner_verdict(&in);
	assert_int_equal(r.verdict, VERDICT_FAILED);
	assert_int_equal(r.reason, VREASON_EXIT_STATUS);
	assert_string_equal(r.message, "exit status 3: \"last words\"");
	assert_false(r.unfinished);
	assert_false(r.stops_preflight);
	verdict_result_free(&r);
}

static void test_exit_nonzero_no_output(void **state)
{
	(void)state;
	struct proc_step s = step();
	struct verdict_input in = ended(&s, 1, NULL);
	expect(&in, VERDICT_FAILED, VREASON_EXIT_STATUS, "exit status 1: no output");
}

static void test_ok_exit_list(void **state)
{
	(void)state;
	struct proc_step s = step();
	s.ok_exit[0] = 0;
	s.ok_exit[1] = 3;
	s.n_ok_exit = 2;
	struct verdict_input in = ended(&s, 3, "x\n");
	expect(&in, VERDICT_DONE, VREASON_NONE, NULL);
	in.exit_status = 1;
	expect(&in, VERDICT_FAILED, VREASON_EXIT_STATUS, "exit status 1: \"x\"");
	/* 0 is not implied once ok_exit is given */
	s.ok_exit[0] = 3;
	s.n_ok_exit = 1;
	in.exit_status = 0;
	expect(&in, VERDICT_FAILED, VREASON_EXIT_STATUS, "exit status 0: \"x\"");
}

static void test_hidden_output_never_quoted(void **state)
{
	(void)state;
	struct proc_step s = step();
	s.output_hidden = true;
	struct verdict_input in = ended(&s, 2, "secret=hunter2\n");
	expect(&in, VERDICT_FAILED, VREASON_EXIT_STATUS, "exit status 2");
}

static void test_last_line_cut(void **state)
{
	(void)state;
	struct proc_step s = step();
	char out[400];
	memset(out, 'a', 300);
	out[300] = '\n';
	out[301] = '\0';
	struct verdict_input in = ended(&s, 1, out);
	struct verdict_result r = runner_verdict(&in);
	/* "exit status 1: \"" + at most 160 bytes (and a mark) + "\"" */
	assert_true(strlen(r.message) < strlen("exit status 1: \"\"") + 170);
	assert_true(strlen(r.message) > strlen("exit status 1: \"\"") + 100);
	verdict_result_free(&r);
}

static void test_done_output_wins_over_exit(void **state)
{
	(void)state;
	struct proc_step s = step();
	struct verdict_input in = ended(&s, 1, "Accesslog is already enabled\n");
	in.done_output.re = "already enabled";
	expect(&in, VERDICT_ALREADY, VREASON_DONE_OUTPUT, "already done (the node said so)");
	/* not in the output: the exit status decides */
	in.done_output.re = "^nothing$";
	expect(&in, VERDICT_FAILED, VREASON_EXIT_STATUS,
	       "exit status 1: \"Accesslog is already enabled\"");
}

static void test_fail_output_wins_over_exit(void **state)
{
	(void)state;
	struct proc_step s = step();
	struct verdict_input in = ended(&s, 0, "ERROR: account exists\n");
	in.fail_output.re = "^ERROR";
	expect(&in, VERDICT_FAILED, VREASON_FAIL_OUTPUT,
	       "its output reports a failure: \"ERROR: account exists\"");
	in.fail_output.re = "^WARN";
	expect(&in, VERDICT_DONE, VREASON_NONE, NULL);
}

static void test_done_output_before_fail_output(void **state)
{
	(void)state;
	struct proc_step s = step();
	struct verdict_input in = ended(&s, 1, "ERROR account.NO_SUCH_ACCOUNT\n");
	in.fail_output.re = "^ERROR";
	in.done_output.re = "NO_SUCH_ACCOUNT";
	expect(&in, VERDICT_ALREADY, VREASON_DONE_OUTPUT, "already done (the node said so)");
}

static void test_require_output(void **state)
{
	(void)state;
	struct proc_step s = step();
	struct verdict_input in = ended(&s, 0, "debian 12\n");
	in.require_output.re = "^ubuntu";
	expect(&in, VERDICT_FAILED, VREASON_REQUIRE_OUTPUT, "not what success prints: \"debian 12\"");
	in.require_output.re = "^debian [0-9]+$";
	expect(&in, VERDICT_DONE, VREASON_NONE, NULL);
	/* checked only once the exit status is good */
	in.exit_status = 4;
	expect(&in, VERDICT_FAILED, VREASON_EXIT_STATUS, "exit status 4: \"debian 12\"");
}

static void test_require_output_empty(void **state)
{
	(void)state;
	struct proc_step s = step();
	struct verdict_input in = ended(&s, 0, "");
	in.require_output.re = "^0$";
	expect(&in, VERDICT_FAILED, VREASON_REQUIRE_OUTPUT, "not what success prints: no output");
}

static void test_bad_pattern(void **state)
{
	(void)state;
	struct proc_step s = step();
	struct verdict_input in = ended(&s, 0, "x\n");
	in.require_output.re = "(";
	expect(&in, VERDICT_FAILED, VREASON_BAD_PATTERN, "cannot check the output: bad pattern (");
	/* one that could not be expanded */
	in.require_output.re = NULL;
	in.require_output.err = "no value for {{nope}}";
	expect(&in, VERDICT_FAILED, VREASON_BAD_PATTERN, "cannot check the output: no value for {{nope}}");
}

static void test_bad_pattern_elsewhere(void **state)
{
	(void)state;
	struct proc_step s = step();
	struct verdict_input in = ended(&s, 0, "x\n");
	/* a done_output that cannot be read matches nothing: success stands */
	in.done_output.err = "no value for {{a}}";
	expect(&in, VERDICT_DONE, VREASON_NONE, NULL);
	/* ... but a require_output not met names it (the last error wins) */
	in.fail_output.err = "no value for {{b}}";
	in.require_output.re = "^y$";
	expect(&in, VERDICT_FAILED, VREASON_BAD_PATTERN, "cannot check the output: no value for {{b}}");
}

/* ---- captures ---- */

static void test_capture_read(void **state)
{
	(void)state;
	struct proc_step s = step();
	s.capture_shell = true;
	struct verdict_input in = ended(&s, 0, "service_manager='systemd';\nx='a b';\n");
	struct verdict_result r = runner_verdict(&in);
	assert_int_equal(r.verdict, VERDICT_DONE);
	assert_non_null(r.captured);
	assert_string_equal(localconfig_get(r.captured, "service_manager"), "systemd");
	assert_string_equal(localconfig_get(r.captured, "x"), "a b");
	verdict_result_free(&r);
	/* a step that captures nothing hands nothing back */
	s.capture_shell = false;
	r = runner_verdict(&in);
	assert_null(r.captured);
	verdict_result_free(&r);
}

static void test_capture_stdout_only(void **state)
{
	(void)state;
	struct proc_step s = step();
	s.capture_shell = true;
	struct verdict_input in = ended(&s, 0, "Warning: noise\nk='v';\n");
	in.cap = "k='v';\n";
	in.cap_len = strlen(in.cap);
	struct verdict_result r = runner_verdict(&in);
	assert_int_equal(r.verdict, VERDICT_DONE);
	assert_string_equal(localconfig_get(r.captured, "k"), "v");
	verdict_result_free(&r);
}

static void test_capture_unreadable_fails_closed(void **state)
{
	(void)state;
	struct proc_step s = step();
	s.capture_shell = true;
	struct verdict_input in = ended(&s, 0, "not a value\n");
	struct verdict_result r = runner_verdict(&in);
	assert_int_equal(r.verdict, VERDICT_FAILED);
	assert_int_equal(r.reason, VREASON_CAPTURE);
	assert_null(r.captured);
	assert_non_null(strstr(r.message, "cannot read its answer (line 1"));
	assert_non_null(strstr(r.message, "\"not a value\""));
	verdict_result_free(&r);
	/* the same for a step found done: its answer is read too */
	in.done_output.re = "value";
	r = runner_verdict(&in);
	assert_int_equal(r.verdict, VERDICT_FAILED);
	assert_int_equal(r.reason, VREASON_CAPTURE);
	verdict_result_free(&r);
}

/* ---- skip_if ---- */

static void test_skip_if(void **state)
{
	(void)state;
	struct proc_step s = step();
	struct verdict_input in = ended(&s, 0, NULL);
	in.stage = VSTAGE_SKIP_CHECK;
	expect(&in, VERDICT_ALREADY, VREASON_SKIP_IF_HOLDS, "already done (skip_if holds)");
	in.exit_status = 1;
	expect(&in, VERDICT_RUN_STEP, VREASON_SKIP_IF_NOT, NULL);
	/* its patterns are the step's, not the check's */
	in.exit_status = 0;
	in.fail_output.re = ".*";
	expect(&in, VERDICT_ALREADY, VREASON_SKIP_IF_HOLDS, "already done (skip_if holds)");
}

static void test_skip_if_unfinished(void **state)
{
	(void)state;
	struct proc_step s = step();
	struct verdict_input in = ended(&s, -1, NULL);
	in.stage = VSTAGE_SKIP_CHECK;
	in.timed_out = true;
	struct verdict_result r = runner_verdict(&in);
	assert_int_equal(r.verdict, VERDICT_FAILED);
	assert_int_equal(r.reason, VREASON_TIMED_OUT);
	assert_true(r.unfinished);
	verdict_result_free(&r);
}

/* ---- commands that did not end on the node ---- */

static void test_unfinished_reasons(void **state)
{
	(void)state;
	struct proc_step s = step();
	struct verdict_input in = ended(&s, -1, "partial\n");
	in.timed_out = true;
	expect(&in, VERDICT_FAILED, VREASON_TIMED_OUT, "n1: the command timed out");
	in.timed_out = false;
	in.conn_lost = true;
	expect(&in, VERDICT_FAILED, VREASON_CONN_LOST, "n1: the connection to the node was lost");
	in.conn_lost = false;
	in.signaled = true;
	expect(&in, VERDICT_FAILED, VREASON_SIGNAL, "n1: the command was killed by a signal");
	in.signaled = false;
	expect(&in, VERDICT_FAILED, VREASON_NO_STATUS, "n1: the command ended without an exit status");
	in.error = "channel closed";
	expect(&in, VERDICT_FAILED, VREASON_TRANSPORT, "n1: channel closed");
	/* the transport's words win over the flags' */
	in.timed_out = true;
	expect(&in, VERDICT_FAILED, VREASON_TIMED_OUT, "n1: channel closed");
	/* cancelled with a status still is unfinished: its output is not judged */
	in.timed_out = false;
	in.error = NULL;
	in.exit_status = 0;
	in.cancelled = true;
	struct verdict_result r = runner_verdict(&in);
	assert_int_equal(r.verdict, VERDICT_FAILED);
	assert_true(r.unfinished);
	verdict_result_free(&r);
	in.cancelled = false;
	r = runner_verdict(&in);
	assert_int_equal(r.verdict, VERDICT_DONE);
	assert_false(r.unfinished);
	verdict_result_free(&r);
}

static void test_unfinished_retry(void **state)
{
	(void)state;
	struct proc_step s = step();
	s.retry_for = 30;
	s.retry_every = 3;
	struct verdict_input in = ended(&s, -1, NULL);
	in.timed_out = true;
	struct verdict_result r = runner_verdict(&in);
	assert_int_equal(r.verdict, VERDICT_RETRY);
	assert_true(r.unfinished);
	verdict_result_free(&r);
	/* a lost connection is never retried: the node must come back first */
	in.timed_out = false;
	in.conn_lost = true;
	expect(&in, VERDICT_FAILED, VREASON_CONN_LOST, "n1: the connection to the node was lost");
}

/* ---- the retry window, check = warn, preflight ---- */

static void test_retry_window(void **state)
{
	(void)state;
	struct proc_step s = step();
	s.retry_for = 30;
	s.retry_every = 3;
	struct verdict_input in = ended(&s, 1, "not yet\n");
	in.elapsed = 0;
	expect(&in, VERDICT_RETRY, VREASON_EXIT_STATUS, "exit status 1: \"not yet\"");
	in.elapsed = 27; /* 27 + 3 <= 30: one more */
	expect(&in, VERDICT_RETRY, VREASON_EXIT_STATUS, "exit status 1: \"not yet\"");
	in.elapsed = 27.5;
	expect(&in, VERDICT_FAILED, VREASON_EXIT_STATUS, "exit status 1: \"not yet\"");
	/* a run that is stopping does not wait */
	in.elapsed = 0;
	in.may_retry = false;
	expect(&in, VERDICT_FAILED, VREASON_EXIT_STATUS, "exit status 1: \"not yet\"");
	/* success inside the window is success */
	in.may_retry = true;
	in.exit_status = 0;
	expect(&in, VERDICT_DONE, VREASON_NONE, NULL);
}

static void test_no_retry_without_window(void **state)
{
	(void)state;
	struct proc_step s = step();
	s.retry_every = 3; /* retry_for 0: run once */
	struct verdict_input in = ended(&s, 1, NULL);
	expect(&in, VERDICT_FAILED, VREASON_EXIT_STATUS, "exit status 1: no output");
}

static void test_check_warn(void **state)
{
	(void)state;
	struct proc_step s = step();
	s.phase = s_preflight;
	s.check_warn = true;
	struct verdict_input in = ended(&s, 0, "debian 12\n");
	in.require_output.re = "^ubuntu";
	struct verdict_result r = runner_verdict(&in);
	assert_int_equal(r.verdict, VERDICT_WARNED);
	assert_false(r.stops_preflight);
	assert_string_equal(r.message, "not what success prints: \"debian 12\"");
	verdict_result_free(&r);
	/* after its retries, not before */
	s.retry_for = 9;
	s.retry_every = 3;
	expect(&in, VERDICT_RETRY, VREASON_REQUIRE_OUTPUT, "not what success prints: \"debian 12\"");
}

static void test_preflight_failure_stops(void **state)
{
	(void)state;
	struct proc_step s = step();
	s.phase = s_preflight;
	struct verdict_input in = ended(&s, 1, NULL);
	struct verdict_result r = runner_verdict(&in);
	assert_int_equal(r.verdict, VERDICT_FAILED);
	assert_true(r.stops_preflight);
	verdict_result_free(&r);
	/* a step of the run proper does not */
	s.phase = NULL;
	r = runner_verdict(&in);
	assert_int_equal(r.verdict, VERDICT_FAILED);
	assert_false(r.stops_preflight);
	verdict_result_free(&r);
}

/* ---- the command could not be started ---- */

static void test_start_not_connected(void **state)
{
	(void)state;
	struct proc_step s = step();
	s.retry_for = 30;
	s.retry_every = 3;
	struct verdict_input in = ended(&s, -1, NULL);
	in.stage = VSTAGE_START;
	in.start_reason = VREASON_NOT_CONNECTED;
	struct verdict_result r = runner_verdict(&in);
	assert_int_equal(r.verdict, VERDICT_FAILED); /* never retried */
	assert_int_equal(r.reason, VREASON_NOT_CONNECTED);
	assert_string_equal(r.message, "n1: not connected");
	assert_true(r.unfinished);
	verdict_result_free(&r);
	in.error = "host key refused";
	expect(&in, VERDICT_FAILED, VREASON_NOT_CONNECTED, "n1: not connected: host key refused");
}

static void test_start_refused(void **state)
{
	(void)state;
	struct proc_step s = step();
	struct verdict_input in = ended(&s, -1, NULL);
	in.stage = VSTAGE_START;
	in.start_reason = VREASON_NOT_STARTED;
	expect(&in, VERDICT_FAILED, VREASON_NOT_STARTED, "n1: cannot start the command");
	in.error = "too many channels";
	expect(&in, VERDICT_FAILED, VREASON_NOT_STARTED, "n1: too many channels");
	s.check_warn = true;
	expect(&in, VERDICT_WARNED, VREASON_NOT_STARTED, "n1: too many channels");
}

static void test_start_prepare(void **state)
{
	(void)state;
	struct proc_step s = step();
	s.phase = s_preflight;
	s.retry_for = 30;
	s.retry_every = 3;
	struct verdict_input in = ended(&s, -1, NULL);
	in.stage = VSTAGE_START;
	in.start_reason = VREASON_PREPARE;
	in.error = "no value for {{x}}";
	struct verdict_result r = runner_verdict(&in);
	assert_int_equal(r.verdict, VERDICT_FAILED);
	assert_string_equal(r.message, "cannot prepare the command: no value for {{x}}");
	assert_true(r.stops_preflight);
	assert_false(r.unfinished); /* nothing ran */
	verdict_result_free(&r);
	/* a check = warn step fails too (the procedure is at fault), without
	 * stopping the preflight */
	s.check_warn = true;
	r = runner_verdict(&in);
	assert_int_equal(r.verdict, VERDICT_FAILED);
	assert_false(r.stops_preflight);
	verdict_result_free(&r);
	in.error = NULL;
	expect(&in, VERDICT_FAILED, VREASON_PREPARE, "cannot prepare the command: ?");
}

/* ---- builtins ---- */

static void test_builtin(void **state)
{
	(void)state;
	struct proc_step s = step();
	s.builtin = s_builtin;
	struct verdict_input in = ended(&s, -1, NULL);
	in.stage = VSTAGE_BUILTIN;
	in.builtin_ok = true;
	in.builtin_message = "all six passwords bind";
	expect(&in, VERDICT_DONE, VREASON_BUILTIN, "all six passwords bind");
	in.builtin_message = NULL;
	expect(&in, VERDICT_DONE, VREASON_BUILTIN, NULL);
	in.builtin_ok = false;
	in.builtin_message = "the master refused ldap_root_password";
	expect(&in, VERDICT_FAILED, VREASON_BUILTIN, "the master refused ldap_root_password");
	s.retry_for = 10;
	s.retry_every = 2;
	expect(&in, VERDICT_RETRY, VREASON_BUILTIN, "the master refused ldap_root_password");
}

static void test_reason_names(void **state)
{
	(void)state;
	for (int r = VREASON_NONE; r <= VREASON_PREPARE; r++) {
		assert_non_null(verdict_reason_name(r));
		for (int q = VREASON_NONE; q < r; q++)
			assert_string_not_equal(verdict_reason_name(q), verdict_reason_name(r));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exit_zero_is_done),
		cmocka_unit_test(test_exit_nonzero_fails_with_last_line),
		cmocka_unit_test(test_exit_nonzero_no_output),
		cmocka_unit_test(test_ok_exit_list),
		cmocka_unit_test(test_hidden_output_never_quoted),
		cmocka_unit_test(test_last_line_cut),
		cmocka_unit_test(test_done_output_wins_over_exit),
		cmocka_unit_test(test_fail_output_wins_over_exit),
		cmocka_unit_test(test_done_output_before_fail_output),
		cmocka_unit_test(test_require_output),
		cmocka_unit_test(test_require_output_empty),
		cmocka_unit_test(test_bad_pattern),
		cmocka_unit_test(test_bad_pattern_elsewhere),
		cmocka_unit_test(test_capture_read),
		cmocka_unit_test(test_capture_stdout_only),
		cmocka_unit_test(test_capture_unreadable_fails_closed),
		cmocka_unit_test(test_skip_if),
		cmocka_unit_test(test_skip_if_unfinished),
		cmocka_unit_test(test_unfinished_reasons),
		cmocka_unit_test(test_unfinished_retry),
		cmocka_unit_test(test_retry_window),
		cmocka_unit_test(test_no_retry_without_window),
		cmocka_unit_test(test_check_warn),
		cmocka_unit_test(test_preflight_failure_stops),
		cmocka_unit_test(test_start_not_connected),
		cmocka_unit_test(test_start_refused),
		cmocka_unit_test(test_start_prepare),
		cmocka_unit_test(test_builtin),
		cmocka_unit_test(test_reason_names),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	redact_clear();
	return rc;
}
