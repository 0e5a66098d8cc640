/*
 * Unit tests of src/record.c: the NDJSON and CSV writers must escape text
 * exactly as emit_json_string() and emit_csv_field() do (findings and
 * records are read by the same tools), NUL bytes included, and the
 * records of events must be what the store keeps.
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
#include "record.h"

/* What record_write_json() writes for a share whose account is text[0..len). */
static char *record_json(const char *text, size_t len)
{
	struct emit_cell v[RECORD_KEYS] = {{0}};
	char *buf = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&buf, &size);

	assert_non_null(out);
	v[RECORD_KIND] = RECORD_STRING("share");
	v[RECORD_TS] = (struct emit_cell){EMIT_CELL_TIME, NULL, 1577350800123, 0};
	v[RECORD_TS_MS] = (struct emit_cell){EMIT_CELL_INTEGER, NULL, 1577350800123, 0};
	v[RECORD_ACCOUNT] = RECORD_TEXT_OF(text, len);
	record_write_json(out, EVENT_SHARE, v);
	assert_int_equal(fclose(out), 0);
	return buf;
}

/* The same record written with emit_json_string() for the account. */
static char *expected_json(const char *text, size_t len)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&buf, &size);

	assert_non_null(out);
	fputs("{\"kind\":\"share\",\"ts\":\"2019-12-26T09:00:00.123Z\","
	      "\"ts_ms\":1577350800123,\"ref\":null,\"event_id\":null,"
	      "\"op\":null,\"device\":null,\"account\":", out);
	emit_json_string(out, text, len);
	fputs("}\n", out);
	assert_int_equal(fclose(out), 0);
	return buf;
}

/* The account's cell as record_write_delimited() writes CSV, and as emit does. */
static void assert_csv_cell_as_in_findings(const char *text, size_t len)
{
	struct emit_cell v[RECORD_KEYS] = {{0}};
	char *got = NULL, *want = NULL;
	size_t got_size = 0, want_size = 0, i;
	FILE *out = open_memstream(&got, &got_size);

	assert_non_null(out);
	v[RECORD_ACCOUNT] = RECORD_TEXT_OF(text, len);
	record_write_delimited(out, v, &(struct record_request){.format = EMIT_CSV});
	assert_int_equal(fclose(out), 0);
	out = open_memstream(&want, &want_size);
	assert_non_null(out);
	for (i = 0; i < RECORD_ACCOUNT; i++)
		fputc(',', out);
	emit_csv_field(out, text, len, 0);
	for (i = RECORD_ACCOUNT + 1; i < RECORD_KEYS; i++)
		fputc(',', out);
	fputs("\r\n", out);
	assert_int_equal(fclose(out), 0);
	assert_string_equal(got, want);
	free(got);
	free(want);
}

static void assert_escaped_as_findings_len(const char *text, size_t len)
{
	char *got = record_json(text, len), *want = expected_json(text, len);

	assert_string_equal(got, want);
	free(got);
	free(want);
	assert_csv_cell_as_in_findings(text, len);
}

static void assert_escaped_as_findings(const char *text)
{
	assert_escaped_as_findings_len(text, strlen(text));
}

static void test_text_is_escaped_as_in_findings(void **state)
{
	(void)state;
	assert_escaped_as_findings("plain acct-1");
	assert_escaped_as_findings("quote \" backslash \\ tab \t cr \r nl \n");
	assert_escaped_as_findings("esc \033[31m del \177 c1 \302\205 ls \342\200\250");
	assert_escaped_as_findings("bad utf-8 \377 \300\200 \355\240\200 end");
	assert_escaped_as_findings("caf\303\251 \360\237\230\200 ok");
	assert_escaped_as_findings("");
}

/* A decoded \x00 (nginx) reaches a record: it is written, not the end. */
static void test_nul_bytes_are_escaped_not_cut(void **state)
{
	static const char text[] = "alice\0bob\342\200\250x";
	char *got;

	(void)state;
	assert_escaped_as_findings_len(text, sizeof(text) - 1);
	got = record_json(text, sizeof(text) - 1);
	assert_non_null(strstr(got, "\"account\":\"alice\\u0000bob\\u2028x\""));
	free(got);
}

static void test_random_bytes_are_escaped_as_in_findings(void **state)
{
	char text[64];
	uint32_t x = 2463534242u;
	int round;
	size_t i;

	(void)state;
	for (round = 0; round < 20000; round++) {
		size_t len = 1 + round % (sizeof(text) - 1);

		for (i = 0; i < len; i++) {
			x ^= x << 13, x ^= x >> 17, x ^= x << 5;
			/* Mostly the bytes that need care, some ASCII. */
			text[i] = (char)(x & 0x100 ? 0x20 + x % 0x60 : (x >> 9) & 0xff);
		}
		assert_escaped_as_findings_len(text, len);
	}
}

static void test_times_across_seconds_are_exact(void **state)
{
	static const int64_t ms[] = {1577350800999, 1577350801000, 1577350801001,
				     0, -1, -1000, -1001, 1577350801001};
	static const char *const want[] = {
		"2019-12-26T09:00:00.999Z", "2019-12-26T09:00:01.000Z",
		"2019-12-26T09:00:01.001Z", "1970-01-01T00:00:00.000Z",
		"1969-12-31T23:59:59.999Z", "1969-12-31T23:59:59.000Z",
		"1969-12-31T23:59:58.999Z", "2019-12-26T09:00:01.001Z"};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ms) / sizeof(ms[0]); i++) {
		struct emit_cell v[RECORD_KEYS] = {{0}};
		char *buf = NULL, *ts;
		size_t size = 0;
		FILE *out = open_memstream(&buf, &size);

		assert_non_null(out);
		v[RECORD_TS] = (struct emit_cell){EMIT_CELL_TIME, NULL, ms[i], 0};
		record_write_json(out, EVENT_BINDING, v);
		assert_int_equal(fclose(out), 0);
		ts = strstr(buf, "\"ts\":\"");
		assert_non_null(ts);
		assert_memory_equal(ts + 6, want[i], strlen(want[i]));
		free(buf);
	}
}

static void test_event_numbers_are_kept_as_the_store_keeps_them(void **state)
{
	struct emit_cell v[RECORD_KEYS];
	struct event ev;

	(void)state;
	memset(&ev, 0, sizeof(ev));
	ev.kind = EVENT_FILL;
	ev.op = "fill";
	ev.field[FIELD_TTL_MS] = (struct text){"0300", 4};  /* not plain */
	ev.field[FIELD_GEN] = (struct text){"-5", 2};
	ev.field[FIELD_NODE] = (struct text){"cache-1 and more", 7};
	ev.field[FIELD_FRAME] = (struct text){"", 0};       /* empty: absent */
	record_from_event(&ev, "a.log:3", NULL, v);
	assert_int_equal(v[RECORD_TTL_MS].type, EMIT_CELL_TEXT);
	assert_int_equal(v[RECORD_TTL_MS].len, 4);
	assert_memory_equal(v[RECORD_TTL_MS].text, "0300", 4);
	assert_int_equal(v[RECORD_GEN].type, EMIT_CELL_INTEGER);
	assert_true(v[RECORD_GEN].number == -5);
	assert_int_equal(v[RECORD_NODE].len, 7);
	assert_memory_equal(v[RECORD_NODE].text, "cache-1", 7);
	assert_int_equal(v[RECORD_FRAME].type, EMIT_CELL_NULL);
	assert_int_equal(v[RECORD_EVENT_ID].type, EMIT_CELL_NULL);
	assert_string_equal(v[RECORD_OP].text, "fill");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_is_escaped_as_in_findings),
		cmocka_unit_test(test_random_bytes_are_escaped_as_in_findings),
		cmocka_unit_test(test_nul_bytes_are_escaped_not_cut),
		cmocka_unit_test(test_times_across_seconds_are_exact),
		cmocka_unit_test(test_event_numbers_are_kept_as_the_store_keeps_them),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
