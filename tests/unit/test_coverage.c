/*
 * Unit tests of the coverage gaps (src/coverage.c): each test builds a
 * small store from logfmt lines and checks the gaps found, or the count
 * of deliveries in them.  coverage.c is included to reach its statements,
 * whose query plans are checked too.
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

#include "../../src/coverage.c"
#include "logfmt.h"
#include "source.h"
#include "store.h"
#include "timefmt.h"

#include "store_fixture.h"

/* A relay line at ts from node (NULL: no node) with status (NULL: none). */
static void serve(struct fixture *fx, const char *ts, const char *node,
		  const char *status)
{
	char line[256];

	snprintf(line, sizeof(line), "ts=%s account=alice key=k%s%s%s%s", ts,
		 node ? " node=" : "", node ? node : "",
		 status ? " status=" : "", status ? status : "");
	add(fx, RELAY_LOG, line);
}

static void fill(struct fixture *fx, const char *ts, const char *node)
{
	char line[256];

	snprintf(line, sizeof(line), "ts=%s op=fill node=%s key=k device=cam",
		 ts, node);
	add(fx, CACHE_LOG, line);
}

static int64_t at(const char *ts)
{
	int64_t ms;

	assert_null(timefmt_parse_log(ts, strlen(ts), &ms));
	return ms;
}

struct listing {
	char text[1024];
	size_t calls;
	size_t stop_after; /* 0: never stop */
};

/* Gaps as "HOUR NODE SERVES/DELIVERIES" joined by "; ". */
static int list_gap(const struct coverage_gap *gap, void *ctx)
{
	struct listing *l = ctx;
	char hour[TIMEFMT_SIZE];
	size_t used = strlen(l->text);

	timefmt_format(gap->hour, hour);
	snprintf(l->text + used, sizeof(l->text) - used, "%s%s %.*s %llu/%llu",
		 used ? "; " : "", hour, (int)gap->node.len, gap->node.ptr,
		 (unsigned long long)gap->serves,
		 (unsigned long long)gap->deliveries);
	l->calls++;
	return l->stop_after && l->calls == l->stop_after ? 7 : 0;
}

static const char *gaps_in(struct fixture *fx, int64_t since, int64_t until)
{
	static struct listing l;

	memset(&l, 0, sizeof(l));
	assert_int_equal(coverage_each_gap(fx->st, since, until, list_gap, &l), 0);
	return l.text;
}

static const char *gaps(struct fixture *fx)
{
	return gaps_in(fx, INT64_MIN, INT64_MAX);
}

static uint64_t count_in(struct fixture *fx, int64_t since, int64_t until)
{
	uint64_t n = 99;

	assert_int_equal(coverage_count_gap_deliveries(fx->st, since, until, &n), 0);
	return n;
}

static void test_empty_store_has_no_gaps(void **state)
{
	struct fixture *fx = *state;

	assert_string_equal(gaps(fx), "");
	assert_int_equal(count_in(fx, INT64_MIN, INT64_MAX), 0);
}

static void test_hour_with_serves_and_no_cache_line_is_a_gap(void **state)
{
	struct fixture *fx = *state;

	fill(fx, "2019-12-26T08:10:00Z", "cache-2");
	serve(fx, "2019-12-26T08:20:00Z", "cache-2", "200");
	serve(fx, "2019-12-26T09:05:00Z", "cache-2", "200");
	serve(fx, "2019-12-26T09:55:00Z", "cache-2", "200");
	assert_string_equal(gaps(fx), "2019-12-26T09:00:00.000Z cache-2 2/2");
}

static void test_any_fill_in_the_hour_covers_it(void **state)
{
	struct fixture *fx = *state;

	serve(fx, "2019-12-26T09:00:00Z", "cache-2", "200");
	fill(fx, "2019-12-26T09:59:59.999Z", "cache-2");
	assert_string_equal(gaps(fx), "");
}

static void test_a_removal_alone_covers_the_hour(void **state)
{
	struct fixture *fx = *state;

	serve(fx, "2019-12-26T09:30:00Z", "cache-2", "200");
	add(fx, CACHE_LOG, "ts=2019-12-26T09:45:00Z op=expire node=cache-2 key=other");
	assert_string_equal(gaps(fx), "");
}

static void test_cache_line_of_another_node_does_not_cover(void **state)
{
	struct fixture *fx = *state;

	fill(fx, "2019-12-26T09:10:00Z", "cache-1");
	serve(fx, "2019-12-26T09:30:00Z", "cache-2", "200");
	assert_string_equal(gaps(fx), "2019-12-26T09:00:00.000Z cache-2 1/1");
}

static void test_cache_line_in_the_hour_before_does_not_cover(void **state)
{
	struct fixture *fx = *state;

	fill(fx, "2019-12-26T08:59:59.999Z", "cache-2");
	serve(fx, "2019-12-26T09:00:00Z", "cache-2", "200");
	assert_string_equal(gaps(fx), "2019-12-26T09:00:00.000Z cache-2 1/1");
}

static void test_hours_are_utc_whatever_the_log_offset(void **state)
{
	struct fixture *fx = *state;

	/* 10:30+01:00 is 09:30Z: the fill covers the 09:00Z hour. */
	fill(fx, "2019-12-26T10:30:00+01:00", "cache-2");
	serve(fx, "2019-12-26T09:45:00Z", "cache-2", "200");
	serve(fx, "2019-12-26T10:15:00+00:30", "cache-2", "200");
	assert_string_equal(gaps(fx), "");
}

static void test_serve_without_a_node_makes_no_gap(void **state)
{
	struct fixture *fx = *state;

	serve(fx, "2019-12-26T09:30:00Z", NULL, "200");
	assert_string_equal(gaps(fx), "");
	assert_int_equal(count_in(fx, INT64_MIN, INT64_MAX), 0);
}

static void test_gap_counts_every_serve_and_its_deliveries(void **state)
{
	struct fixture *fx = *state;

	serve(fx, "2019-12-26T09:01:00Z", "cache-2", "200");
	serve(fx, "2019-12-26T09:02:00Z", "cache-2", "206");
	serve(fx, "2019-12-26T09:03:00Z", "cache-2", NULL);
	serve(fx, "2019-12-26T09:04:00Z", "cache-2", "304");
	serve(fx, "2019-12-26T09:05:00Z", "cache-2", "500");
	serve(fx, "2019-12-26T09:06:00Z", "cache-2", "2OO");
	assert_string_equal(gaps(fx), "2019-12-26T09:00:00.000Z cache-2 6/3");
}

static void test_a_serve_that_delivered_nothing_still_shows_the_gap(void **state)
{
	struct fixture *fx = *state;

	serve(fx, "2019-12-26T09:04:00Z", "cache-2", "304");
	assert_string_equal(gaps(fx), "2019-12-26T09:00:00.000Z cache-2 1/0");
	assert_int_equal(count_in(fx, INT64_MIN, INT64_MAX), 0);
}

static void test_gaps_come_oldest_hour_first_then_by_node_name(void **state)
{
	struct fixture *fx = *state;

	serve(fx, "2019-12-26T10:30:00Z", "cache-1", "200");
	serve(fx, "2019-12-26T09:30:00Z", "cache-3", "200");
	serve(fx, "2019-12-26T09:31:00Z", "cache-10", "200");
	serve(fx, "2019-12-26T09:32:00Z", "cache-3", "200");
	assert_string_equal(gaps(fx),
			    "2019-12-26T09:00:00.000Z cache-10 1/1; "
			    "2019-12-26T09:00:00.000Z cache-3 2/2; "
			    "2019-12-26T10:00:00.000Z cache-1 1/1");
}

static void test_window_keeps_only_its_serves(void **state)
{
	struct fixture *fx = *state;

	serve(fx, "2019-12-26T09:10:00Z", "cache-2", "200");
	serve(fx, "2019-12-26T09:20:00Z", "cache-2", "200");
	serve(fx, "2019-12-26T09:30:00Z", "cache-2", "200");
	serve(fx, "2019-12-26T11:30:00Z", "cache-2", "200");
	/* [since, until): the serve at until is out, the one at since is in. */
	assert_string_equal(gaps_in(fx, at("2019-12-26T09:20:00Z"),
				    at("2019-12-26T09:30:00Z")),
			    "2019-12-26T09:00:00.000Z cache-2 1/1");
	assert_int_equal(count_in(fx, at("2019-12-26T09:20:00Z"),
				  at("2019-12-26T09:30:00Z")), 1);
	assert_int_equal(count_in(fx, at("2019-12-26T10:00:00Z"), INT64_MAX), 1);
	assert_int_equal(count_in(fx, INT64_MIN, at("2019-12-26T09:15:00Z")), 1);
	assert_string_equal(gaps_in(fx, at("2019-12-26T09:40:00Z"),
				    at("2019-12-26T11:00:00Z")), "");
}

static void test_cache_line_outside_the_window_still_covers_its_hour(void **state)
{
	struct fixture *fx = *state;

	fill(fx, "2019-12-26T09:05:00Z", "cache-2");
	fill(fx, "2019-12-26T10:55:00Z", "cache-2");
	serve(fx, "2019-12-26T09:40:00Z", "cache-2", "200");
	serve(fx, "2019-12-26T10:10:00Z", "cache-2", "200");
	assert_string_equal(gaps_in(fx, at("2019-12-26T09:30:00Z"),
				    at("2019-12-26T10:30:00Z")), "");
	assert_int_equal(count_in(fx, at("2019-12-26T09:30:00Z"),
				  at("2019-12-26T10:30:00Z")), 0);
}

static void test_count_is_the_sum_of_the_gaps_deliveries(void **state)
{
	struct fixture *fx = *state;

	fill(fx, "2019-12-26T08:30:00Z", "cache-1");
	serve(fx, "2019-12-26T08:40:00Z", "cache-1", "200");
	serve(fx, "2019-12-26T08:41:00Z", "cache-2", "200");
	serve(fx, "2019-12-26T08:42:00Z", "cache-2", "304");
	serve(fx, "2019-12-26T09:41:00Z", "cache-1", "206");
	serve(fx, "2019-12-26T09:42:00Z", "cache-2", NULL);
	serve(fx, "2019-12-26T09:43:00Z", NULL, "200");
	assert_string_equal(gaps(fx),
			    "2019-12-26T08:00:00.000Z cache-2 2/1; "
			    "2019-12-26T09:00:00.000Z cache-1 1/1; "
			    "2019-12-26T09:00:00.000Z cache-2 1/1");
	assert_int_equal(count_in(fx, INT64_MIN, INT64_MAX), 3);
	assert_int_equal(count_in(fx, at("2019-12-26T08:41:00Z"),
				  at("2019-12-26T09:42:00Z")), 2);
}

static void test_open_and_bounded_windows_agree(void **state)
{
	struct fixture *fx = *state;
	char open[1024];

	fill(fx, "2019-12-26T08:30:00Z", "cache-1");
	serve(fx, "2019-12-26T08:40:00Z", "cache-1", "200");
	serve(fx, "2019-12-26T08:41:00Z", "cache-2", "200");
	serve(fx, "2019-12-26T09:41:00Z", "cache-1", "206");
	snprintf(open, sizeof(open), "%s", gaps(fx));
	assert_string_equal(gaps_in(fx, INT64_MIN + 1, INT64_MAX - 1), open);
	assert_string_equal(gaps_in(fx, at("2019-12-26T00:00:00Z"),
				    at("2019-12-27T00:00:00Z")), open);
	assert_int_equal(count_in(fx, INT64_MIN + 1, INT64_MAX), 2);
	assert_int_equal(count_in(fx, INT64_MIN, INT64_MAX), 2);
}

static void test_times_before_1970_fall_in_their_own_hour(void **state)
{
	struct fixture *fx = *state;

	/* Integer division would put -30 min in the hour starting at 0. */
	fill(fx, "1970-01-01T00:10:00Z", "cache-2");
	serve(fx, "1969-12-31T23:30:00Z", "cache-2", "200");
	assert_string_equal(gaps(fx), "1969-12-31T23:00:00.000Z cache-2 1/1");
	assert_int_equal(count_in(fx, at("1969-12-31T23:15:00Z"),
				  at("1969-12-31T23:45:00Z")), 1);
}

static void test_iteration_stops_when_the_callback_says_so(void **state)
{
	struct fixture *fx = *state;
	struct listing l;

	serve(fx, "2019-12-26T09:30:00Z", "cache-2", "200");
	serve(fx, "2019-12-26T10:30:00Z", "cache-2", "200");
	memset(&l, 0, sizeof(l));
	l.stop_after = 1;
	assert_int_equal(coverage_each_gap(fx->st, INT64_MIN, INT64_MAX, list_gap,
					   &l), 7);
	assert_int_equal(l.calls, 1);
	/* The statement was reset: the next run sees every gap again. */
	assert_string_equal(gaps(fx), "2019-12-26T09:00:00.000Z cache-2 1/1; "
			    "2019-12-26T10:00:00.000Z cache-2 1/1");
}

/* How many rows of temp.coverage_gap name node by its atom id, in hour ts. */
static int64_t gap_rows(struct fixture *fx, const char *node, const char *ts)
{
	static const char sql[] =
		"SELECT count(*) FROM temp.coverage_gap g JOIN main.atom a"
		" ON a.id = g.node WHERE a.text = ?1 AND g.hour = ?2";
	sqlite3_stmt *stmt = store_prepare(fx->st, sql);
	int64_t n;

	assert_non_null(stmt);
	sqlite3_bind_text(stmt, 1, node, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, at(ts));
	assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
	n = sqlite3_column_int64(stmt, 0);
	sqlite3_reset(stmt);
	return n;
}

/*
 * The gaps are built as a table keyed by node id, for the joins of report
 * and status, the same from the tallies (a window of whole hours) and
 * from the serves (any other window).
 */
static void test_gaps_are_a_table_of_node_ids_and_hours(void **state)
{
	struct fixture *fx = *state;
	uint64_t count = 99;

	serve(fx, "2019-12-26T09:05:00Z", "cache-1", "200");
	serve(fx, "2019-12-26T09:10:00Z", "cache-2", "404");
	fill(fx, "2019-12-26T10:00:00Z", "cache-1");
	serve(fx, "2019-12-26T10:20:00Z", "cache-1", "200");
	assert_int_equal(use_tallies(fx->st, INT64_MIN, INT64_MAX), 1);
	assert_int_equal(coverage_build_gaps(fx->st, INT64_MIN, INT64_MAX, &count), 0);
	assert_int_equal(count, 2);
	assert_int_equal(gap_rows(fx, "cache-1", "2019-12-26T09:00:00Z"), 1);
	assert_int_equal(gap_rows(fx, "cache-2", "2019-12-26T09:00:00Z"), 1);
	assert_int_equal(gap_rows(fx, "cache-1", "2019-12-26T10:00:00Z"), 0);
	/* Not whole hours: from the serves; the table holds this window only. */
	assert_int_equal(use_tallies(fx->st, at("2019-12-26T09:07:00Z"),
				     at("2019-12-26T10:30:00Z")), 0);
	assert_int_equal(coverage_build_gaps(fx->st, at("2019-12-26T09:07:00Z"),
					     at("2019-12-26T10:30:00Z"), &count), 0);
	assert_int_equal(count, 1);
	assert_int_equal(gap_rows(fx, "cache-1", "2019-12-26T09:00:00Z"), 0);
	assert_int_equal(gap_rows(fx, "cache-2", "2019-12-26T09:00:00Z"), 1);
}

/* The query plan of sql as its detail lines joined by "; ". */
static const char *plan(struct fixture *fx, const char *sql)
{
	static char text[4096];
	char *query = malloc(strlen(sql) + 32);
	sqlite3_stmt *stmt;
	size_t used = 0;

	snprintf(query, strlen(sql) + 32, "EXPLAIN QUERY PLAN %s", sql);
	assert_int_equal(store_prepare_once(fx->st, query, &stmt, NULL,
					    "explaining the plan"), 0);
	text[0] = '\0';
	while (sqlite3_step(stmt) == SQLITE_ROW && used < sizeof(text))
		used += (size_t)snprintf(text + used, sizeof(text) - used, "%s; ",
					 sqlite3_column_text(stmt, 3));
	sqlite3_finalize(stmt);
	free(query);
	return text;
}

static size_t occurrences(const char *text, const char *word)
{
	size_t n = 0;

	for (; (text = strstr(text, word)); text += strlen(word))
		n++;
	return n;
}

/*
 * The cost stays a pass over the serves, and a second one when there are
 * gaps: both read the serves by the id ranges of the sources whose span
 * meets the window, the second joins them to the gaps through an index on
 * the gaps (never one on the serves, which would copy the whole table) and
 * is gated by a subquery evaluated once.  (Counted rather than matched:
 * plan wording varies across SQLite.)
 */
static void test_serves_are_read_by_source_range(void **state)
{
	struct fixture *fx = *state;
	const char *const statements[] = {build_gaps_sql, count_sql};
	size_t i;

	/* The INSERT's table, which it needs to be prepared. */
	assert_int_equal(store_exec(fx->st, gap_table_sql, "making the gaps' table"), 0);
	for (i = 0; i < sizeof(statements) / sizeof(statements[0]); i++) {
		const char *p = plan(fx, statements[i]);

		/* s is the serve table (WINDOW_SERVES), g the gaps. */
		if (occurrences(p, " s ") != 2 ||
		    occurrences(p, "SEARCH s USING INTEGER PRIMARY KEY "
				   "(rowid>? AND rowid<?)") != 2 ||
		    occurrences(p, "SEARCH g USING AUTOMATIC") != 1 ||
		    occurrences(p, "; SCALAR SUBQUERY") != 1 ||
		    strstr(p, "main.serve"))
			fail_msg("statement %zu: unexpected plan: %s", i, p);
	}
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_empty_store_has_no_gaps),
		T(test_hour_with_serves_and_no_cache_line_is_a_gap),
		T(test_any_fill_in_the_hour_covers_it),
		T(test_a_removal_alone_covers_the_hour),
		T(test_cache_line_of_another_node_does_not_cover),
		T(test_cache_line_in_the_hour_before_does_not_cover),
		T(test_hours_are_utc_whatever_the_log_offset),
		T(test_serve_without_a_node_makes_no_gap),
		T(test_gap_counts_every_serve_and_its_deliveries),
		T(test_a_serve_that_delivered_nothing_still_shows_the_gap),
		T(test_gaps_come_oldest_hour_first_then_by_node_name),
		T(test_window_keeps_only_its_serves),
		T(test_cache_line_outside_the_window_still_covers_its_hour),
		T(test_count_is_the_sum_of_the_gaps_deliveries),
		T(test_open_and_bounded_windows_agree),
		T(test_times_before_1970_fall_in_their_own_hour),
		T(test_iteration_stops_when_the_callback_says_so),
		T(test_gaps_are_a_table_of_node_ids_and_hours),
		T(test_serves_are_read_by_source_range),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
