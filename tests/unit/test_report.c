/*
 * Unit tests of the report's data (src/report.c): when an answer is
 * incomplete, and in what words, from the counts of an audit; which
 * deliveries stand as evidence.  The CLI tests (tests/cli/report.sh)
 * check every figure against a fixture's truth.
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

#include "store_fixture.h"

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

/* Collects the evidence rows' times and request ids. */
struct evidence {
	int rows;
	int64_t at[8];
	char request[8][16];
};

static int collect_evidence(const struct emit_value *row, void *ctx)
{
	struct evidence *e = ctx;

	assert_true(e->rows < 8);
	e->at[e->rows] = row[3].number;
	snprintf(e->request[e->rows], sizeof(e->request[0]), "%.*s",
		 (int)row[4].len, row[4].text);
	e->rows++;
	return 0;
}

static void test_evidence_is_the_first_deliveries_of_a_pair(void **state)
{
	struct fixture *fx = *state;
	const struct audit_window all = {INT64_MIN, INT64_MAX, 2000};
	struct report_summary sum;
	struct evidence e = {0};
	char line[160];
	int i;

	add(fx, REGISTRY_LOG, "ts=2019-12-01T00:00:00Z op=bind device=cam-1 "
	    "account=alice");
	add(fx, CACHE_LOG, "ts=2019-12-26T08:00:00Z op=fill node=n key=k "
	    "device=cam-1 frame=f1");
	/* Five deliveries to bob, newest first in the log. */
	for (i = 5; i >= 1; i--) {
		snprintf(line, sizeof(line), "ts=2019-12-26T08:0%d:00Z req=r%d "
			 "account=bob key=k frame=f1 node=n", i, i);
		add(fx, RELAY_LOG, line);
	}
	assert_int_equal(report_build(fx->st, &all, 90, &sum), 0);
	assert_int_equal(sum.confirmed[REPORT_DELIVERIES], 5);
	assert_int_equal(report_each_row(fx->st, REPORT_PAIR_EVIDENCE, NULL,
					 collect_evidence, &e), 0);
	assert_int_equal(e.rows, REPORT_EVIDENCE_PER_PAIR);
	for (i = 0; i < e.rows; i++) {
		char want[16];

		snprintf(want, sizeof(want), "r%d", i + 1);
		assert_string_equal(e.request[i], want);
		assert_true(i == 0 || e.at[i] > e.at[i - 1]);
	}
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
		cmocka_unit_test_setup_teardown(
			test_evidence_is_the_first_deliveries_of_a_pair, setup,
			teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
