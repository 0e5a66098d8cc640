/*
 * Unit tests of src/cli.c's "did you mean": which names a typo is near
 * enough to suggest, and how the suggestion is worded.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cli.h"
#include "util.h"

static const char *const audit_options[] = {
	"since", "until", "type", "format", "keep-formulas", "min-traced",
	"skew", "new", "wait", "db", "quiet", "help",
};
static const char *const commands[] = {
	"ingest", "audit", "scan", "explain", "report", "status", "export",
	"prune", "check", "formats", "help",
};

static void assert_suggests(const char *typed, const char *const *names,
			    size_t count, const char *prefix, const char *expected)
{
	char out[128];

	cli_suggest(out, sizeof(out), typed, strlen(typed), prefix, names, count);
	assert_string_equal(out, expected);
}

#define OPTION(typed, expected) \
	assert_suggests(typed, audit_options, ARRAY_SIZE(audit_options), "--", expected)
#define COMMAND(typed, expected) \
	assert_suggests(typed, commands, ARRAY_SIZE(commands), "", expected)

static void test_one_wrong_letter_is_suggested(void **state)
{
	(void)state;
	OPTION("sinse", " (did you mean '--since'?)");
	COMMAND("audti", " (did you mean 'audit'?)");
}

static void test_two_swapped_letters_count_as_one_slip(void **state)
{
	(void)state;
	OPTION("sicne", " (did you mean '--since'?)");
	COMMAND("stauts", " (did you mean 'status'?)");
}

static void test_a_letter_too_many_or_too_few_is_suggested(void **state)
{
	(void)state;
	OPTION("keep-formulae", " (did you mean '--keep-formulas'?)");
	COMMAND("expor", " (did you mean 'export'?)");
	COMMAND("prunne", " (did you mean 'prune'?)");
}

static void test_a_word_far_from_every_name_gets_no_suggestion(void **state)
{
	(void)state;
	OPTION("bogus", "");
	COMMAND("frobnicate", "");
	OPTION("x", "");
}

/* Two edits in a five-letter name is another word, not a slip. */
static void test_two_slips_in_a_short_name_are_too_far(void **state)
{
	(void)state;
	OPTION("sxnse", "");
}

static void test_a_long_name_allows_more_slips(void **state)
{
	(void)state;
	OPTION("kep-fromulas", " (did you mean '--keep-formulas'?)");
}

static void test_names_at_the_same_distance_are_all_suggested(void **state)
{
	static const char *const names[] = {"scan", "span", "status"};

	(void)state;
	assert_suggests("sxan", names, ARRAY_SIZE(names), "",
			" (did you mean 'scan' or 'span'?)");
}

static void test_the_nearest_wins_over_a_farther_one(void **state)
{
	static const char *const names[] = {"formats", "format"};

	(void)state;
	assert_suggests("formta", names, ARRAY_SIZE(names), "--",
			" (did you mean '--format'?)");
}

static void test_empty_and_overlong_input_get_no_suggestion(void **state)
{
	char long_name[200];

	(void)state;
	memset(long_name, 'a', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	OPTION("", "");
	OPTION(long_name, "");
}

static void test_a_cut_suggestion_still_ends_as_a_question(void **state)
{
	static const char *const names[] = {"aaaaaaaaaaaaaaaa", "aaaaaaaaaaaaaaab",
					    "aaaaaaaaaaaaaaac"};
	char out[40];

	(void)state;
	cli_suggest(out, sizeof(out), "aaaaaaaaaaaaaaax", 16, "--", names,
		    ARRAY_SIZE(names));
	assert_int_equal(strlen(out), sizeof(out) - 1);
	assert_string_equal(out + strlen(out) - 2, "?)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_wrong_letter_is_suggested),
		cmocka_unit_test(test_two_swapped_letters_count_as_one_slip),
		cmocka_unit_test(test_a_letter_too_many_or_too_few_is_suggested),
		cmocka_unit_test(test_a_word_far_from_every_name_gets_no_suggestion),
		cmocka_unit_test(test_two_slips_in_a_short_name_are_too_far),
		cmocka_unit_test(test_a_long_name_allows_more_slips),
		cmocka_unit_test(test_names_at_the_same_distance_are_all_suggested),
		cmocka_unit_test(test_the_nearest_wins_over_a_farther_one),
		cmocka_unit_test(test_empty_and_overlong_input_get_no_suggestion),
		cmocka_unit_test(test_a_cut_suggestion_still_ends_as_a_question),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
