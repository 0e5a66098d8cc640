/*
 * Unit tests of src/progress.c: the status line is shown only when turned
 * on, only for a step that has taken a second, and is erased before a
 * message; the plan's share and time left.  stderr goes to a file that
 * each test reads back.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "progress.h"
#include "util.h"

static char path[64];
static int saved_stderr = -1; /* cmocka's own messages go back there */

static int redirect(void **state)
{
	int fd;

	(void)state;
	snprintf(path, sizeof(path), "/tmp/camaudit-test-progress.XXXXXX");
	fflush(stderr);
	if ((fd = mkstemp(path)) < 0 || (saved_stderr = dup(2)) < 0 ||
	    !freopen(path, "w+", stderr))
		return -1;
	close(fd);
	return 0;
}

static int restore(void **state)
{
	(void)state;
	progress_enable(0);
	progress_end();
	fflush(stderr);
	unlink(path);
	if (dup2(saved_stderr, 2) < 0)
		return -1;
	close(saved_stderr);
	clearerr(stderr);
	return 0;
}

/* What was written to stderr so far, NUL-terminated (static buffer). */
static const char *written(void)
{
	static char buf[4096];
	size_t n;

	fflush(stderr);
	rewind(stderr);
	n = fread(buf, 1, sizeof(buf) - 1, stderr);
	buf[n] = '\0';
	fseek(stderr, 0, SEEK_END);
	return buf;
}

/*
 * The line for a step that has run N seconds, N read from what was
 * written at *at (a loaded machine may take longer than the sleep).
 */
static void assert_step_line(const char **at, const char *what)
{
	char expected[128];
	int n;

	assert_int_equal(sscanf(*at + strlen("\rcamaudit: ") + strlen(what),
				" (%d s)", &n), 1);
	assert_true(n >= 1);
	snprintf(expected, sizeof(expected), "\rcamaudit: %s (%d s)\033[K", what, n);
	assert_memory_equal(*at, expected, strlen(expected));
	*at += strlen(expected);
}

static void wait_past_a_second(void)
{
	struct timespec t = {1, 150 * 1000 * 1000};

	while (nanosleep(&t, &t) != 0)
		;
}

static void test_a_quick_step_is_never_shown(void **state)
{
	(void)state;
	progress_enable(1);
	progress_step("judging every serve");
	progress_tick();
	progress_end();
	assert_string_equal(written(), "");
}

static void test_a_step_past_a_second_is_named_with_its_time(void **state)
{
	const char *at;

	(void)state;
	progress_enable(1);
	progress_step("judging every serve");
	wait_past_a_second();
	progress_tick();
	at = written();
	assert_step_line(&at, "judging every serve");
	assert_string_equal(at, "");
	/* Not again within the second. */
	progress_tick();
	at = written();
	assert_step_line(&at, "judging every serve");
	assert_string_equal(at, "");
	progress_end();
	at = written();
	assert_step_line(&at, "judging every serve");
	assert_string_equal(at, "\r\033[K");
}

static void test_off_shows_nothing(void **state)
{
	(void)state;
	progress_step("judging every serve");
	wait_past_a_second();
	progress_tick();
	progress_end();
	assert_string_equal(written(), "");
}

static void test_a_message_erases_the_line_first(void **state)
{
	const char *at;

	(void)state;
	progress_enable(1);
	progress_step("computing the report");
	wait_past_a_second();
	progress_tick();
	error("x.log:3: rejected");
	at = written();
	assert_step_line(&at, "computing the report");
	assert_string_equal(at, "\r\033[Kcamaudit: x.log:3: rejected\n");
	/* Once erased, the end has nothing left to erase. */
	progress_end();
	at = written();
	assert_step_line(&at, "computing the report");
	assert_string_equal(at, "\r\033[Kcamaudit: x.log:3: rejected\n");
}

static void test_the_end_of_a_step_keeps_ingest_s_file_line(void **state)
{
	(void)state;
	progress_enable(1);
	progress_show("a.log: %d%% of 1.0 MiB", 40);
	/* A batch of rows stored under the file's line, as ingest does. */
	progress_step("storing events");
	progress_end();
	assert_string_equal(written(), "\rcamaudit: a.log: 40% of 1.0 MiB\033[K");
	/* A message still erases it first. */
	warning("x");
	assert_string_equal(written(), "\rcamaudit: a.log: 40% of 1.0 MiB\033[K"
				       "\r\033[Kcamaudit: warning: x\n");
}

static void test_the_plan_counts_finished_files_and_the_current_one(void **state)
{
	double left;

	(void)state;
	progress_plan(0);
	assert_true(progress_overall(10, &left) < 0);
	progress_plan(1000);
	assert_true(progress_overall(0, &left) == 0.0);
	assert_true(left < 0); /* no rate before anything is read */
	progress_file_done(400);
	assert_true(progress_overall(100, &left) == 0.5);
	assert_true(left >= 0);
	assert_true(progress_overall(700, &left) == 1.0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_a_quick_step_is_never_shown,
						redirect, restore),
		cmocka_unit_test_setup_teardown(test_a_step_past_a_second_is_named_with_its_time,
						redirect, restore),
		cmocka_unit_test_setup_teardown(test_off_shows_nothing, redirect,
						restore),
		cmocka_unit_test_setup_teardown(test_a_message_erases_the_line_first,
						redirect, restore),
		cmocka_unit_test_setup_teardown(test_the_end_of_a_step_keeps_ingest_s_file_line,
						redirect, restore),
		cmocka_unit_test_setup_teardown(test_the_plan_counts_finished_files_and_the_current_one,
						redirect, restore),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
