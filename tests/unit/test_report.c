/*
 * Unit tests of the report's data (src/report.c): when an answer is
 * incomplete, and in what words, from the counts of an audit.  The CLI
 * tests (tests/cli/report.sh) check every figure against a fixture's
 * truth.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "report.h"

static struct audit_summary checked(uint64_t deliveries, uint64_t attributed,
				    uint64_t in_gaps)
{
	struct audit_summary s;

	memset(&s, 0, sizeof(s));
	s.deliveries = deliveries;
	s.attributed = attributed;
	s.in_gaps = in_gaps;
	return s;
}

static void test_all_traced_without_gaps_is_complete(void **state)
{
	struct audit_summary s = checked(10, 10, 0);

	(void)state;
	assert_int_equal(report_blind_reasons(&s, 90), 0);
	assert_int_equal(report_blind_reasons(&s, 100), 0);
}

static void test_a_share_equal_to_the_minimum_is_enough(void **state)
{
	struct audit_summary s = checked(10, 9, 0);

	(void)state;
	assert_int_equal(report_blind_reasons(&s, 90), 0);
	assert_int_equal(report_blind_reasons(&s, 90.01),
			 REPORT_BLIND_LITTLE_TRACED);
}

static void test_a_minimum_of_zero_never_blinds_for_the_share(void **state)
{
	struct audit_summary s = checked(10, 0, 0);

	(void)state;
	assert_int_equal(report_blind_reasons(&s, 0), 0);
}

static void test_gaps_and_a_small_share_are_both_reasons(void **state)
{
	struct audit_summary s = checked(10, 5, 3);

	(void)state;
	assert_int_equal(report_blind_reasons(&s, 90),
			 REPORT_BLIND_LITTLE_TRACED | REPORT_BLIND_GAPS);
	assert_int_equal(report_blind_reasons(&s, 50), REPORT_BLIND_GAPS);
}

static void test_nothing_checked_is_the_only_reason_then(void **state)
{
	struct audit_summary s = checked(0, 0, 0);

	(void)state;
	assert_int_equal(report_blind_reasons(&s, 0), REPORT_BLIND_NOTHING_CHECKED);
	assert_true(report_traced_percent(&s) == 0.0);
}

static void test_each_reason_has_a_json_key(void **state)
{
	(void)state;
	assert_string_equal(report_blind_key(REPORT_BLIND_NOTHING_CHECKED),
			    "nothing_checked");
	assert_string_equal(report_blind_key(REPORT_BLIND_LITTLE_TRACED),
			    "little_traced");
	assert_string_equal(report_blind_key(REPORT_BLIND_GAPS), "coverage_gaps");
	assert_null(report_blind_key(1u << 3));
}

static void test_the_words_name_the_share_the_minimum_and_the_gaps(void **state)
{
	struct report_summary sum;
	char buf[REPORT_BLIND_WORDS_SIZE];

	(void)state;
	memset(&sum, 0, sizeof(sum));
	sum.checked = checked(1000, 815, 12);
	sum.gap_deliveries = 12;
	sum.min_traced = 90;
	sum.blind = report_blind_reasons(&sum.checked, sum.min_traced);
	report_blind_words(&sum, buf, sizeof(buf));
	assert_string_equal(buf, "only 81.5% of deliveries could be traced to a "
			    "fill (below --min-traced 90%; are cache logs "
			    "missing?) and 12 deliveries fall in coverage gaps "
			    "(hours in which the cache node that served them "
			    "wrote no cache log line)");
	sum.blind = 0;
	report_blind_words(&sum, buf, sizeof(buf));
	assert_string_equal(buf, "");
}

static void test_the_words_fit_a_small_buffer(void **state)
{
	struct report_summary sum;
	char buf[24];

	(void)state;
	memset(&sum, 0, sizeof(sum));
	sum.checked = checked(10, 1, 3);
	sum.gap_deliveries = 3;
	sum.min_traced = 90;
	sum.blind = REPORT_BLIND_LITTLE_TRACED | REPORT_BLIND_GAPS;
	report_blind_words(&sum, buf, sizeof(buf));
	assert_int_equal(strlen(buf), sizeof(buf) - 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_all_traced_without_gaps_is_complete),
		cmocka_unit_test(test_a_share_equal_to_the_minimum_is_enough),
		cmocka_unit_test(test_a_minimum_of_zero_never_blinds_for_the_share),
		cmocka_unit_test(test_gaps_and_a_small_share_are_both_reasons),
		cmocka_unit_test(test_nothing_checked_is_the_only_reason_then),
		cmocka_unit_test(test_each_reason_has_a_json_key),
		cmocka_unit_test(test_the_words_name_the_share_the_minimum_and_the_gaps),
		cmocka_unit_test(test_the_words_fit_a_small_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
