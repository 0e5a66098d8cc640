/*
 * Unit tests of src/emit.c, the table layer: a text table fits the width
 * it is given by leaving columns out in their order and then cutting text
 * (a reference at its start), counts and times are never cut, TSV fields
 * hold no tab or newline, JSON writes each kind as its type, the two
 * JSON string writers agree, and the writer of a whole table gives each
 * format its frame (heading, header, brackets) and a label column only
 * to CSV and TSV.
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

#include "emit.h"
#include "timefmt.h"

static const struct emit_column columns[] = {
	{"type", "TYPE", EMIT_TEXT, NULL, 0, 0},
	{"count", "COUNT", EMIT_COUNT, NULL, 0, 0},
	{"extra", "EXTRA", EMIT_TEXT, NULL, 1, 0},
	{"id", NULL, EMIT_KEY, NULL, 0, 0},
	{"ref", "REF", EMIT_TEXT, NULL, 0, 1},
	{"seen", "SEEN", EMIT_FLAG, "never", 0, 0},
};
#define COLUMNS (sizeof(columns) / sizeof(columns[0]))

#define TEXT(s) {0, 0, (s), sizeof(s) - 1}
#define NUMBER(n) {0, (n), NULL, 0}
#define ABSENT {1, 0, NULL, 0}

static const struct emit_value row[COLUMNS] = {
	TEXT("cross_tenant"), NUMBER(12345), TEXT("something long and optional"),
	NUMBER(7), TEXT("/var/log/relay/relay-a.log:1234"), ABSENT,
};

/* What writer wrote to a memory stream, NUL-terminated; free it. */
#define CAPTURE(buf, call) do { \
		size_t size_ = 0; \
		FILE *out = open_memstream(&(buf), &size_); \
		assert_non_null(out); \
		call; \
		assert_int_equal(fclose(out), 0); \
	} while (0)

static char *table(size_t limit)
{
	struct emit_table t;
	char *buf = NULL;

	emit_table_init(&t, columns, COLUMNS, 2);
	emit_table_measure(&t, row);
	emit_table_fit(&t, limit);
	CAPTURE(buf, (emit_table_row(&t, out, NULL), emit_table_row(&t, out, row)));
	return buf;
}

static void test_a_table_without_limit_shows_every_column_but_keys(void **state)
{
	char *buf = table(0);

	(void)state;
	assert_string_equal(buf,
		"  TYPE          COUNT  EXTRA                        REF                              SEEN\n"
		"  cross_tenant  12345  something long and optional  /var/log/relay/relay-a.log:1234  never\n");
	free(buf);
}

static void test_fitting_leaves_out_droppable_columns_first(void **state)
{
	char *buf = table(70);

	(void)state;
	assert_string_equal(buf,
		"  TYPE          COUNT  REF                              SEEN\n"
		"  cross_tenant  12345  /var/log/relay/relay-a.log:1234  never\n");
	free(buf);
}

static void test_then_text_is_cut_a_reference_at_its_start(void **state)
{
	char *buf = table(40);

	(void)state;
	/* 40 columns: the widest text column gives way first, in turn. */
	assert_string_equal(buf,
		"  TYPE         COUNT  REF          SEEN\n"
		"  cross_tena~  12345  ~a.log:1234  never\n");
	free(buf);
}

static void test_counts_and_flags_are_never_cut(void **state)
{
	char *buf = table(10);

	(void)state;
	/* As narrow as text goes (5 columns), and wider than asked. */
	assert_string_equal(buf,
		"  TYPE   COUNT  REF    SEEN\n"
		"  cros~  12345  ~1234  never\n");
	free(buf);
}

static void test_tsv_fields_hold_no_tab_or_newline(void **state)
{
	static const struct emit_column two[] = {
		{"a", "A", EMIT_TEXT, NULL, 0, 0}, {"b", "B", EMIT_TEXT, NULL, 0, 0},
	};
	const struct emit_value values[] = {TEXT("x\ty\nz"), TEXT("=1+1")};
	char *buf = NULL;

	(void)state;
	CAPTURE(buf, (emit_delimited_row(out, EMIT_TSV, two, 2, NULL, 0),
		      emit_delimited_row(out, EMIT_TSV, two, 2, values, 0),
		      emit_delimited_row(out, EMIT_TSV, two, 2, values,
					 EMIT_KEEP_FORMULAS)));
	assert_string_equal(buf, "a\tb\nx\\ty\\nz\t'=1+1\nx\\ty\\nz\t=1+1\n");
	free(buf);
}

static void test_json_writes_each_kind_as_its_type(void **state)
{
	char *buf = NULL;

	(void)state;
	CAPTURE(buf, emit_json_row(out, columns, COLUMNS, row));
	assert_string_equal(buf, "{\"type\":\"cross_tenant\",\"count\":12345,"
			    "\"extra\":\"something long and optional\","
			    "\"ref\":\"/var/log/relay/relay-a.log:1234\","
			    "\"seen\":null}");
	free(buf);
}

static void test_json_string_writers_agree_on_every_byte(void **state)
{
	unsigned char bytes[256 * 3];
	char put[6 * sizeof(bytes) + 2], *end, *buf = NULL;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bytes); i++)
		bytes[i] = (unsigned char)(i * 7 % 256);
	end = emit_json_put(put, (const char *)bytes, sizeof(bytes));
	CAPTURE(buf, emit_json_string(out, (const char *)bytes, sizeof(bytes)));
	assert_int_equal(strlen(buf), (size_t)(end - put));
	assert_memory_equal(buf, put, (size_t)(end - put));
	free(buf);
}

/* ---- the writer of a whole table ------------------------------------------ */

static const struct emit_column labelled[] = {
	{"section", NULL, EMIT_LABEL, NULL, 0, 0},
	{"name", "NAME", EMIT_TEXT, NULL, 0, 0},
	{"n", "N", EMIT_COUNT, NULL, 0, 0},
};

/* Rows: *(int *)ctx of them, counted twice for a text table. */
static int some_rows(struct emit_writer *w, void *ctx)
{
	static const struct emit_value one[] = {TEXT("sources"), TEXT("a"), NUMBER(1)};
	int i;

	for (i = 0; i < *(int *)ctx; i++)
		assert_int_equal(emit_row(one, w), 0);
	return 0;
}

static char *written(enum emit_format format, unsigned flags, int rows)
{
	struct emit_writer w;
	char *buf = NULL;

	CAPTURE(buf, (emit_writer_init(&w, out, format, flags, labelled, 3, 0),
		      assert_int_equal(emit_measure(&w, some_rows, &rows), 0),
		      assert_int_equal(emit_write(&w, some_rows, &rows), 0),
		      assert_int_equal(w.rows, (uint64_t)rows)));
	return buf;
}

static void test_the_writer_frames_each_format(void **state)
{
	static const struct {
		enum emit_format format;
		unsigned flags;
		int rows;
		const char *expected;
	} cases[] = {
		{EMIT_TABLE, 0, 2, "NAME  N\na     1\na     1\n"},
		{EMIT_TABLE, EMIT_NO_HEADER, 1, "a     1\n"}, /* as wide as with it */
		{EMIT_TABLE, 0, 0, ""}, /* no rows, no heading */
		{EMIT_JSON, 0, 2, "{\"name\":\"a\",\"n\":1}\n{\"name\":\"a\",\"n\":1}\n"},
		{EMIT_JSON, EMIT_JSON_ARRAY, 2,
		 "[{\"name\":\"a\",\"n\":1},{\"name\":\"a\",\"n\":1}]"},
		{EMIT_JSON, EMIT_JSON_ARRAY, 0, "[]"},
		{EMIT_CSV, 0, 1, "section,name,n\r\nsources,a,1\r\n"},
		{EMIT_TSV, 0, 0, "section\tname\tn\n"}, /* the header, always */
		{EMIT_TSV, EMIT_NO_HEADER, 1, "sources\ta\t1\n"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *buf = written(cases[i].format, cases[i].flags, cases[i].rows);

		assert_string_equal(buf, cases[i].expected);
		free(buf);
	}
}

static void test_a_title_counts_the_measured_rows(void **state)
{
	struct emit_writer w;
	int rows = 3;
	char *buf = NULL;

	(void)state;
	CAPTURE(buf, (emit_writer_init(&w, out, EMIT_TABLE, 0, labelled, 3, 2),
		      emit_measure(&w, some_rows, &rows),
		      assert_int_equal(emit_title(&w, "sources", "(all)"), 1)));
	assert_string_equal(buf, "sources: 3 (all)\n");
	free(buf);
	rows = 0;
	CAPTURE(buf, (emit_writer_init(&w, out, EMIT_TABLE, 0, labelled, 3, 2),
		      emit_measure(&w, some_rows, &rows),
		      assert_int_equal(emit_title(&w, "sources", "(all)"), 0)));
	assert_string_equal(buf, "sources: none\n");
	free(buf);
}

/* ---- cells ------------------------------------------------------------------ */

/* Times at the ends of the int64 range are written as timefmt writes
 * them, and the one before INT64_MIN + 1000 has no second to floor to
 * (an overflow UBSan reports). */
static void test_a_time_at_either_end_of_the_range_is_timefmts(void **state)
{
	static const char *const keys[] = {"t"};
	static const int64_t times[] = {
		INT64_MIN, INT64_MIN + 999, INT64_MIN + 1000, -1, 0,
		1577347200123, INT64_MAX,
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
		struct emit_cell cell = {EMIT_CELL_TIME, NULL, times[i], 0};
		char expected[64], text[TIMEFMT_SIZE], *buf = NULL;

		timefmt_format(times[i], text);
		snprintf(expected, sizeof(expected), "{\"t\":\"%s\"}", text);
		CAPTURE(buf, emit_json_cells(out, keys, &cell, 1));
		assert_string_equal(buf, expected);
		free(buf);
	}
}

static void test_a_count_is_never_defused_a_text_is(void **state)
{
	static const struct emit_column cols[] = {
		{"n", "N", EMIT_COUNT, NULL, 0, 0},
		{"t", "T", EMIT_TEXT, NULL, 0, 0},
	};
	static const struct emit_value values[] = {NUMBER(-5), TEXT("-5")};
	char *buf = NULL;

	(void)state;
	CAPTURE(buf, emit_delimited_row(out, EMIT_CSV, cols, 2, values, 0));
	assert_string_equal(buf, "-5,'-5\r\n");
	free(buf);
}

static void test_an_omitted_cell_has_no_json_key_and_an_empty_field(void **state)
{
	static const char *const keys[] = {"a", "b", "c"};
	static const struct emit_cell cells[] = {
		{EMIT_CELL_TEXT, "x", 0, 1},
		{EMIT_CELL_OMIT, NULL, 0, 0},
		{EMIT_CELL_NULL, NULL, 0, 0},
	};
	char *buf = NULL;

	(void)state;
	CAPTURE(buf, emit_json_cells(out, keys, cells, 3));
	assert_string_equal(buf, "{\"a\":\"x\",\"c\":null}");
	free(buf);
	CAPTURE(buf, emit_delimited_cells(out, EMIT_TSV, keys, cells, 3, 0));
	assert_string_equal(buf, "x\t\t\n");
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_table_without_limit_shows_every_column_but_keys),
		cmocka_unit_test(test_fitting_leaves_out_droppable_columns_first),
		cmocka_unit_test(test_then_text_is_cut_a_reference_at_its_start),
		cmocka_unit_test(test_counts_and_flags_are_never_cut),
		cmocka_unit_test(test_tsv_fields_hold_no_tab_or_newline),
		cmocka_unit_test(test_json_writes_each_kind_as_its_type),
		cmocka_unit_test(test_json_string_writers_agree_on_every_byte),
		cmocka_unit_test(test_the_writer_frames_each_format),
		cmocka_unit_test(test_a_title_counts_the_measured_rows),
		cmocka_unit_test(test_a_count_is_never_defused_a_text_is),
		cmocka_unit_test(test_a_time_at_either_end_of_the_range_is_timefmts),
		cmocka_unit_test(test_an_omitted_cell_has_no_json_key_and_an_empty_field),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
