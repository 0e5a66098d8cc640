/*
 * Unit tests of src/timefmt.c: log timestamps, durations and command-line
 * times.  Every expected epoch value was derived outside the code under
 * test, with `date -u -d TIME +%s` (the command is in the comment).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "timefmt.h"

/* date -u -d 2019-12-26T08:14:03Z +%s -> 1577348043 */
#define DEC26_081403 INT64_C(1577348043000)
/* A fixed "now" for timefmt_parse_when: 2019-12-26T08:14:03.512Z. */
#define NOW (DEC26_081403 + 512)
/* date -u -d 2019-12-26 +%s -> 1577318400 */
#define DEC26_MIDNIGHT INT64_C(1577318400000)
/* date -u -d 2019-12-25 +%s -> 1577232000 */
#define DEC25_MIDNIGHT INT64_C(1577232000000)

/* A value no parser in this file can produce, to see it left untouched. */
#define UNTOUCHED INT64_C(-424242)

/* Parse a NUL-terminated log timestamp; the reason, or NULL. */
static const char *parse(const char *s, int64_t *ms)
{
	*ms = UNTOUCHED;
	return timefmt_parse_log(s, strlen(s), ms);
}

static void assert_parses_to(const char *s, int64_t expected)
{
	int64_t ms;

	assert_null(parse(s, &ms));
	assert_int_equal(ms, expected);
}

static void assert_rejected(const char *s)
{
	int64_t ms;

	assert_non_null(parse(s, &ms));
}

/* Whether the reason for rejecting s mentions word. */
static void assert_rejected_because(const char *s, const char *word)
{
	int64_t ms;
	const char *why = parse(s, &ms);

	assert_non_null(why);
	assert_non_null(strstr(why, word));
}

/* ---- RFC 3339 ---------------------------------------------------------- */

static void test_rfc3339_with_upper_z_is_utc(void **state)
{
	(void)state;
	assert_parses_to("2019-12-26T08:14:03Z", DEC26_081403);
}

static void test_rfc3339_with_lowercase_z_is_utc(void **state)
{
	(void)state;
	assert_parses_to("2019-12-26T08:14:03z", DEC26_081403);
}

static void test_rfc3339_with_lowercase_t_separator_is_accepted(void **state)
{
	(void)state;
	assert_parses_to("2019-12-26t08:14:03Z", DEC26_081403);
}

static void test_rfc3339_with_space_separator_is_accepted(void **state)
{
	(void)state;
	assert_parses_to("2019-12-26 08:14:03Z", DEC26_081403);
}

static void test_rfc3339_with_other_separator_is_rejected(void **state)
{
	(void)state;
	assert_rejected("2019-12-26_08:14:03Z");
}

static void test_rfc3339_reads_only_the_given_length(void **state)
{
	const char *s = "2019-12-26T08:14:03Z account=alice";
	int64_t ms = UNTOUCHED;

	(void)state;
	assert_null(timefmt_parse_log(s, strlen("2019-12-26T08:14:03Z"), &ms));
	assert_int_equal(ms, DEC26_081403);
}

static void test_zero_offsets_equal_utc(void **state)
{
	(void)state;
	assert_parses_to("2019-12-26T08:14:03+00:00", DEC26_081403);
	assert_parses_to("2019-12-26T08:14:03-00:00", DEC26_081403);
}

static void test_positive_offset_is_subtracted_to_reach_utc(void **state)
{
	(void)state;
	/* 08:14:03+05:30 is 02:44:03Z: date -u -d 2019-12-26T02:44:03Z +%s */
	assert_parses_to("2019-12-26T08:14:03+05:30", INT64_C(1577328243000));
}

static void test_positive_offset_crossing_midnight_gives_previous_day(void **state)
{
	(void)state;
	/* date -u -d 2019-12-25T23:30:00Z +%s -> 1577316600 */
	assert_parses_to("2019-12-26T01:00:00+01:30", INT64_C(1577316600000));
}

static void test_negative_offset_crossing_year_end_gives_next_year(void **state)
{
	(void)state;
	/* date -u -d 2020-01-01T01:30:00Z +%s -> 1577842200 */
	assert_parses_to("2019-12-31T20:30:00-05:00", INT64_C(1577842200000));
}

static void test_positive_offset_on_new_year_gives_previous_year(void **state)
{
	(void)state;
	/* date -u -d 2019-12-31T22:30:00Z +%s -> 1577831400 */
	assert_parses_to("2020-01-01T00:30:00+02:00", INT64_C(1577831400000));
}

static void test_one_digit_fraction_is_tenths_of_a_second(void **state)
{
	(void)state;
	assert_parses_to("2019-12-26T08:14:03.5Z", DEC26_081403 + 500);
}

static void test_three_digit_fraction_is_milliseconds(void **state)
{
	(void)state;
	assert_parses_to("2019-12-26T08:14:03.512Z", DEC26_081403 + 512);
}

static void test_nine_digit_fraction_is_truncated_to_milliseconds(void **state)
{
	(void)state;
	assert_parses_to("2019-12-26T08:14:03.123456789Z", DEC26_081403 + 123);
}

static void test_fraction_is_truncated_not_rounded(void **state)
{
	(void)state;
	assert_parses_to("2019-12-26T08:14:03.999999999Z", DEC26_081403 + 999);
}

static void test_fraction_with_offset_is_kept(void **state)
{
	(void)state;
	/* date -u -d 2019-12-26T07:14:03Z +%s -> 1577344443 */
	assert_parses_to("2019-12-26T08:14:03.250+01:00",
			 INT64_C(1577344443000) + 250);
}

static void test_dot_without_fraction_digits_is_rejected(void **state)
{
	(void)state;
	assert_rejected("2019-12-26T08:14:03.Z");
}

static void test_feb_29_of_a_leap_year_is_accepted(void **state)
{
	(void)state;
	/* date -u -d 2020-02-29T12:00:00Z +%s -> 1582977600 */
	assert_parses_to("2020-02-29T12:00:00Z", INT64_C(1582977600000));
}

static void test_feb_29_of_2000_is_accepted_as_divisible_by_400(void **state)
{
	(void)state;
	/* date -u -d 2000-02-29T00:00:00Z +%s -> 951782400 */
	assert_parses_to("2000-02-29T00:00:00Z", INT64_C(951782400000));
}

static void test_feb_29_of_2019_is_rejected(void **state)
{
	(void)state;
	assert_rejected_because("2019-02-29T00:00:00Z", "date");
}

static void test_feb_29_of_1900_is_rejected_as_century(void **state)
{
	(void)state;
	assert_rejected_because("1900-02-29T00:00:00Z", "date");
}

static void test_feb_30_is_rejected(void **state)
{
	(void)state;
	assert_rejected_because("2020-02-30T00:00:00Z", "date");
}

static void test_april_31_is_rejected(void **state)
{
	(void)state;
	assert_rejected_because("2019-04-31T00:00:00Z", "date");
}

static void test_month_13_is_rejected(void **state)
{
	(void)state;
	assert_rejected_because("2019-13-01T00:00:00Z", "date");
}

static void test_month_zero_is_rejected(void **state)
{
	(void)state;
	assert_rejected_because("2019-00-01T00:00:00Z", "date");
}

static void test_day_zero_is_rejected(void **state)
{
	(void)state;
	assert_rejected_because("2019-12-00T00:00:00Z", "date");
}

static void test_hour_24_is_rejected(void **state)
{
	(void)state;
	assert_rejected_because("2019-12-26T24:00:00Z", "time");
}

static void test_minute_60_is_rejected(void **state)
{
	(void)state;
	assert_rejected_because("2019-12-26T08:60:00Z", "time");
}

static void test_second_60_is_a_leap_second_counted_as_the_next_second(void **state)
{
	(void)state;
	/* date -u -d 2017-01-01T00:00:00Z +%s -> 1483228800 */
	assert_parses_to("2016-12-31T23:59:60Z", INT64_C(1483228800000));
}

static void test_second_61_is_rejected(void **state)
{
	(void)state;
	assert_rejected_because("2019-12-26T08:14:61Z", "time");
}

static void test_letter_in_date_is_rejected(void **state)
{
	(void)state;
	assert_rejected("2019-1a-26T08:14:03Z");
}

static void test_timestamp_without_offset_is_rejected(void **state)
{
	(void)state;
	assert_rejected("2019-12-26T08:14:03");
}

/*
 * "YYYY-MM-DDTHH:MM:SS" alone is 19 characters; it must reach the offset
 * check rather than fail a minimum-length test (parse_rfc3339 once required
 * len >= 20 and answered "not an RFC 3339 timestamp").
 */
static void test_timestamp_without_offset_is_rejected_for_its_offset(void **state)
{
	(void)state;
	assert_rejected_because("2019-12-26T08:14:03", "offset");
}

static void test_timestamp_with_fraction_and_no_offset_is_rejected(void **state)
{
	(void)state;
	assert_rejected_because("2019-12-26T08:14:03.512", "offset");
}

/* +hhmm, as nginx's and Apache's %z write it, is read as +hh:mm (issue 16). */
static void test_offset_without_colon_is_accepted(void **state)
{
	(void)state;
	assert_parses_to("2019-12-26T09:14:03+0100", DEC26_081403);
	assert_parses_to("2019-12-26T08:14:03+0000", DEC26_081403);
	assert_parses_to("2019-12-26T08:14:03-0000", DEC26_081403);
	assert_rejected_because("2019-12-26T08:14:03+010", "offset");
	assert_rejected_because("2019-12-26T08:14:03+2400", "offset");
}

static void test_offset_with_one_hour_digit_is_rejected(void **state)
{
	(void)state;
	assert_rejected_because("2019-12-26T08:14:03+1:00", "offset");
}

static void test_offset_with_letters_is_rejected(void **state)
{
	(void)state;
	assert_rejected_because("2019-12-26T08:14:03+ab:cd", "offset");
}

static void test_offset_hour_24_is_rejected(void **state)
{
	(void)state;
	assert_rejected_because("2019-12-26T08:14:03+24:00", "offset");
}

static void test_offset_minute_60_is_rejected(void **state)
{
	(void)state;
	assert_rejected_because("2019-12-26T08:14:03+01:60", "offset");
}

static void test_offset_name_instead_of_offset_is_rejected(void **state)
{
	(void)state;
	assert_rejected_because("2019-12-26T08:14:03UTC", "offset");
}

static void test_text_after_z_is_rejected(void **state)
{
	(void)state;
	assert_rejected("2019-12-26T08:14:03Zjunk");
}

static void test_text_after_offset_is_rejected(void **state)
{
	(void)state;
	assert_rejected("2019-12-26T08:14:03+01:00x");
}

/* ---- Epoch seconds ----------------------------------------------------- */

static void test_epoch_seconds_are_parsed(void **state)
{
	(void)state;
	assert_parses_to("1577348043", DEC26_081403);
}

static void test_epoch_seconds_with_fraction_keep_milliseconds(void **state)
{
	(void)state;
	assert_parses_to("1577348043.512", DEC26_081403 + 512);
}

static void test_epoch_fraction_beyond_milliseconds_is_truncated(void **state)
{
	(void)state;
	assert_parses_to("1577348043.0019", DEC26_081403 + 1);
}

static void test_epoch_zero_is_the_epoch(void **state)
{
	(void)state;
	assert_parses_to("0", 0);
}

static void test_epoch_with_dot_and_no_digits_is_rejected(void **state)
{
	(void)state;
	assert_rejected("1577348043.");
}

static void test_epoch_in_milliseconds_by_mistake_is_rejected(void **state)
{
	(void)state;
	assert_rejected_because("1577348043512", "range");
}

static void test_last_epoch_second_of_year_9999_is_accepted(void **state)
{
	(void)state;
	/* date -u -d 9999-12-31T23:59:59Z +%s -> 253402300799 */
	assert_parses_to("253402300799", INT64_C(253402300799000));
}

static void test_first_epoch_second_of_year_10000_is_rejected(void **state)
{
	(void)state;
	assert_rejected("253402300800");
}

static void test_offset_carrying_past_year_9999_is_rejected(void **state)
{
	(void)state;
	assert_rejected_because("9999-12-31T23:00:00-05:00", "outside");
	/* The last instant that stays inside is fine. */
	assert_parses_to("9999-12-31T18:59:59.999-05:00", INT64_C(253402300799999));
}

static void test_offset_carrying_before_year_0000_is_rejected(void **state)
{
	(void)state;
	assert_rejected_because("0000-01-01T00:30:00+01:00", "outside");
	/* date -u -d 0000-01-01T00:00:00Z +%s -> -62167219200 */
	assert_parses_to("0000-01-01T01:00:00+01:00", INT64_C(-62167219200000));
}

static void test_very_long_epoch_is_rejected_without_overflow(void **state)
{
	(void)state;
	assert_rejected("99999999999999999999999999999999");
}

static void test_negative_epoch_is_rejected(void **state)
{
	(void)state;
	assert_rejected("-1");
}

static void test_epoch_with_trailing_text_is_rejected(void **state)
{
	(void)state;
	assert_rejected("1577348043s");
}

static void test_word_is_rejected_as_timestamp(void **state)
{
	(void)state;
	assert_rejected("yesterday");
}

static void test_empty_timestamp_is_rejected(void **state)
{
	(void)state;
	assert_rejected_because("", "empty");
}

/* ---- Formatting -------------------------------------------------------- */

static void assert_formats_as(int64_t ms, const char *expected)
{
	char out[TIMEFMT_SIZE];

	memset(out, '#', sizeof(out));
	timefmt_format(ms, out);
	assert_string_equal(out, expected);
}

static void test_format_of_epoch_zero_is_1970(void **state)
{
	(void)state;
	assert_formats_as(0, "1970-01-01T00:00:00.000Z");
}

static void test_format_writes_milliseconds(void **state)
{
	(void)state;
	assert_formats_as(DEC26_081403 + 512, "2019-12-26T08:14:03.512Z");
}

static void test_format_pads_small_milliseconds(void **state)
{
	(void)state;
	assert_formats_as(DEC26_081403 + 7, "2019-12-26T08:14:03.007Z");
}

static void test_format_of_leap_day(void **state)
{
	(void)state;
	assert_formats_as(INT64_C(1582977600000), "2020-02-29T12:00:00.000Z");
}

static void test_format_of_one_ms_before_epoch_is_end_of_1969(void **state)
{
	(void)state;
	assert_formats_as(-1, "1969-12-31T23:59:59.999Z");
}

static void test_format_of_exactly_one_day_before_epoch(void **state)
{
	(void)state;
	assert_formats_as(INT64_C(-86400000), "1969-12-31T00:00:00.000Z");
}

static void test_format_of_moon_landing_before_epoch(void **state)
{
	(void)state;
	/* date -u -d 1969-07-20T20:17:40Z +%s -> -14182940 */
	assert_formats_as(INT64_C(-14182940000), "1969-07-20T20:17:40.000Z");
}

static void test_format_of_last_instant_of_9999(void **state)
{
	(void)state;
	assert_formats_as(INT64_C(253402300799999), "9999-12-31T23:59:59.999Z");
}

static void test_format_beyond_9999_stays_well_formed(void **state)
{
	char out[TIMEFMT_SIZE];

	(void)state;
	memset(out, '#', sizeof(out));
	timefmt_format(INT64_C(253402300800000), out);
	assert_int_equal(out[TIMEFMT_SIZE - 1], '\0');
	assert_int_equal(strlen(out), TIMEFMT_SIZE - 1);
}

static void test_formatted_time_parses_back_to_the_same_value(void **state)
{
	static const int64_t values[] = {
		0, 1, 999, DEC26_081403 + 512, INT64_C(1582977600000),
		INT64_C(951782400123), INT64_C(253402300799999),
	};
	char out[TIMEFMT_SIZE];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		int64_t back = UNTOUCHED;

		timefmt_format(values[i], out);
		assert_null(timefmt_parse_log(out, strlen(out), &back));
		assert_int_equal(back, values[i]);
	}
}

static void test_parsed_time_formats_back_to_the_same_text(void **state)
{
	const char *text = "2019-12-31T23:59:59.001Z";
	int64_t ms;
	char out[TIMEFMT_SIZE];

	(void)state;
	assert_null(parse(text, &ms));
	timefmt_format(ms, out);
	assert_string_equal(out, text);
}

/* ---- Durations --------------------------------------------------------- */

static void assert_duration(const char *s, int64_t expected)
{
	int64_t ms = UNTOUCHED;

	assert_int_equal(timefmt_parse_duration(s, &ms), 0);
	assert_int_equal(ms, expected);
}

static void assert_duration_rejected(const char *s)
{
	int64_t ms = UNTOUCHED;

	assert_int_equal(timefmt_parse_duration(s, &ms), -1);
}

static void test_duration_in_seconds(void **state)
{
	(void)state;
	assert_duration("2s", 2000);
}

static void test_duration_in_milliseconds(void **state)
{
	(void)state;
	assert_duration("500ms", 500);
}

static void test_duration_ms_is_not_read_as_minutes(void **state)
{
	(void)state;
	assert_duration("1ms", 1);
}

static void test_duration_in_minutes(void **state)
{
	(void)state;
	assert_duration("1m", 60000);
}

static void test_duration_of_hours_and_minutes_adds_up(void **state)
{
	(void)state;
	assert_duration("1h30m", 5400000);
}

static void test_duration_of_minutes_and_seconds_adds_up(void **state)
{
	(void)state;
	assert_duration("2m30s", 150000);
}

static void test_duration_in_days(void **state)
{
	(void)state;
	assert_duration("1d", 86400000);
}

static void test_duration_of_bare_zero_is_zero(void **state)
{
	(void)state;
	assert_duration("0", 0);
}

static void test_empty_duration_is_rejected(void **state)
{
	(void)state;
	assert_duration_rejected("");
}

static void test_duration_without_unit_is_rejected(void **state)
{
	(void)state;
	assert_duration_rejected("5");
}

static void test_duration_without_number_is_rejected(void **state)
{
	(void)state;
	assert_duration_rejected("s");
}

static void test_duration_with_unknown_unit_is_rejected(void **state)
{
	(void)state;
	assert_duration_rejected("1x");
}

static void test_negative_duration_is_rejected(void **state)
{
	(void)state;
	assert_duration_rejected("-1s");
}

static void test_duration_with_trailing_number_is_rejected(void **state)
{
	(void)state;
	assert_duration_rejected("1h30");
}

static void test_duration_with_blank_is_rejected(void **state)
{
	(void)state;
	assert_duration_rejected("1 s");
}

static void test_duration_too_large_for_int64_is_rejected(void **state)
{
	(void)state;
	assert_duration_rejected("99999999999d");
}

static void test_duration_with_more_digits_than_int64_holds_is_rejected(void **state)
{
	(void)state;
	assert_duration_rejected("99999999999999999999ms");
}

static void test_duration_whose_sum_is_too_large_is_rejected(void **state)
{
	/* Each group passes alone (8.64e15 ms); 1100 of them add up to
	 * 9.5e18 ms, more than INT64_MAX (9.22e18). */
	char s[1100 * 10 + 1];
	size_t i;

	(void)state;
	for (i = 0; i < 1100; i++)
		memcpy(s + i * 10, "100000000d", 11);
	assert_duration_rejected(s);
}

/* ---- Command-line times ------------------------------------------------ */

static void assert_when(const char *s, int64_t now, int64_t expected)
{
	int64_t ms = UNTOUCHED;

	assert_null(timefmt_parse_when(s, now, &ms));
	assert_int_equal(ms, expected);
}

static void assert_when_rejected(const char *s)
{
	int64_t ms = UNTOUCHED;

	assert_non_null(timefmt_parse_when(s, NOW, &ms));
}

/* Whether the reason for rejecting s as a command-line time mentions word. */
static void assert_when_rejected_because(const char *s, const char *word)
{
	int64_t ms = UNTOUCHED;
	const char *why = timefmt_parse_when(s, NOW, &ms);

	assert_non_null(why);
	assert_non_null(strstr(why, word));
}

static void test_when_rfc3339_is_that_instant(void **state)
{
	(void)state;
	assert_when("2019-12-26T08:14:03Z", NOW, DEC26_081403);
}

static void test_when_rfc3339_with_offset_is_normalised_to_utc(void **state)
{
	(void)state;
	/* date -u -d 2019-12-25T23:30:00Z +%s -> 1577316600 */
	assert_when("2019-12-26T01:00:00+01:30", NOW, INT64_C(1577316600000));
}

static void test_when_date_is_its_midnight_utc(void **state)
{
	(void)state;
	assert_when("2019-12-26", NOW, DEC26_MIDNIGHT);
}

static void test_when_impossible_date_is_rejected(void **state)
{
	(void)state;
	assert_when_rejected("2019-02-29");
}

static void test_when_now_is_the_given_now(void **state)
{
	(void)state;
	assert_when("now", NOW, NOW);
}

static void test_when_today_is_midnight_utc_of_now(void **state)
{
	(void)state;
	assert_when("today", NOW, DEC26_MIDNIGHT);
}

static void test_when_today_at_exact_midnight_is_that_midnight(void **state)
{
	(void)state;
	assert_when("today", DEC26_MIDNIGHT, DEC26_MIDNIGHT);
}

static void test_when_today_before_1970_is_that_days_midnight(void **state)
{
	(void)state;
	/* now = 1969-12-31T23:59:59.999Z, so today is 1969-12-31T00:00Z */
	assert_when("today", -1, INT64_C(-86400000));
}

static void test_when_yesterday_is_previous_midnight_utc(void **state)
{
	(void)state;
	assert_when("yesterday", NOW, DEC25_MIDNIGHT);
}

static void test_when_minus_hour_counts_back_from_now(void **state)
{
	(void)state;
	assert_when("-1h", NOW, NOW - INT64_C(3600000));
}

static void test_when_minus_30_minutes_counts_back_from_now(void **state)
{
	(void)state;
	assert_when("-30m", NOW, NOW - INT64_C(1800000));
}

static void test_when_minus_7_days_counts_back_from_now(void **state)
{
	(void)state;
	assert_when("-7d", NOW, NOW - INT64_C(604800000));
}

static void test_when_lone_minus_is_rejected(void **state)
{
	(void)state;
	assert_when_rejected("-");
}

static void test_when_minus_bad_duration_is_rejected(void **state)
{
	(void)state;
	assert_when_rejected("-1x");
}

static void test_when_rfc3339_without_offset_is_rejected(void **state)
{
	(void)state;
	assert_when_rejected("2019-12-26T08:14:03");
}

static void test_when_garbage_is_rejected(void **state)
{
	(void)state;
	assert_when_rejected("soon");
}

static void test_when_empty_is_rejected(void **state)
{
	(void)state;
	assert_when_rejected("");
}

static void test_when_capitalised_keyword_is_rejected(void **state)
{
	(void)state;
	assert_when_rejected("Now");
}

/* date -u -d 2019-12-26T08:00:00Z +%s -> 1577347200 */
#define DEC26_0800 INT64_C(1577347200000)

static void test_when_rfc3339_without_seconds_is_that_minute(void **state)
{
	(void)state;
	assert_when("2019-12-26T08:00Z", NOW, DEC26_0800);
	assert_when("2019-12-26T09:00+01:00", NOW, DEC26_0800);
	assert_when("2019-12-26 08:00z", NOW, DEC26_0800);
}

static void test_when_rfc3339_with_fraction_keeps_milliseconds(void **state)
{
	(void)state;
	assert_when("2019-12-26T08:14:03.512Z", NOW, NOW);
}

static void test_when_rfc3339_without_seconds_or_offset_is_rejected_for_its_offset(void **state)
{
	(void)state;
	assert_when_rejected_because("2019-12-26T08:00", "offset");
}

static void test_when_fraction_without_seconds_is_rejected(void **state)
{
	(void)state;
	assert_when_rejected("2019-12-26T08:00.5Z");
}

static void test_when_impossible_minute_is_rejected(void **state)
{
	(void)state;
	assert_when_rejected_because("2019-12-26T08:60Z", "impossible");
}

/* Logs keep the strict form: a time without seconds is no RFC 3339. */
static void test_log_timestamp_without_seconds_is_rejected(void **state)
{
	(void)state;
	assert_rejected("2019-12-26T08:00Z");
}

static void test_when_at_epoch_seconds_is_that_instant(void **state)
{
	(void)state;
	assert_when("@1577347200", NOW, DEC26_0800);
	assert_when("@1577347200.25", NOW, DEC26_0800 + 250);
	assert_when("@0", NOW, 0);
}

static void test_when_lone_at_is_rejected(void **state)
{
	(void)state;
	assert_when_rejected("@");
	assert_when_rejected("@-5");
	assert_when_rejected("@1577347200x");
}

static void test_when_epoch_in_milliseconds_is_rejected(void **state)
{
	(void)state;
	assert_when_rejected_because("@1577347200000", "milliseconds");
}

/* A bare number is neither epoch seconds nor a duration: say how to write each. */
static void test_when_bare_number_points_at_the_epoch_form(void **state)
{
	(void)state;
	assert_when_rejected_because("1577347200", "@");
	assert_when_rejected_because("2", "unit");
}

static void test_when_unsigned_duration_counts_back_from_now(void **state)
{
	(void)state;
	assert_when("2h", NOW, NOW - INT64_C(7200000));
	assert_when("30m", NOW, NOW - INT64_C(1800000));
	assert_when("7d", NOW, NOW - INT64_C(604800000));
	assert_when("1d12h", NOW, NOW - INT64_C(129600000));
}

static void test_when_zero_is_now(void **state)
{
	(void)state;
	assert_when("0", NOW, NOW);
	assert_when("-0", NOW, NOW);
}

/* "+2h" would read as a time after now; nothing asks for that. */
static void test_when_plus_duration_is_rejected(void **state)
{
	(void)state;
	assert_when_rejected("+2h");
}

static void test_when_date_of_wrong_length_is_rejected(void **state)
{
	(void)state;
	assert_when_rejected("2019-12-2");
	assert_when_rejected_because("2019-12-32", "impossible date");
	assert_when_rejected("2019-1x-26");
}

/* ---- Calendar ---------------------------------------------------------- */

static void test_days_from_civil_of_epoch_is_zero(void **state)
{
	(void)state;
	assert_int_equal(timefmt_days_from_civil(1970, 1, 1), 0);
}

static void test_days_from_civil_counts_leap_day(void **state)
{
	(void)state;
	/* date -u -d 2019-03-01 +%s -> 1551398400 = 17956 * 86400;
	 * date -u -d 2020-03-01 +%s -> 1583020800 = 18322 * 86400, which is
	 * 366 days later because of 2020-02-29. */
	assert_int_equal(timefmt_days_from_civil(2019, 3, 1), 17956);
	assert_int_equal(timefmt_days_from_civil(2020, 3, 1), 18322);
}

static void test_days_from_civil_before_epoch_is_negative(void **state)
{
	(void)state;
	assert_int_equal(timefmt_days_from_civil(1969, 12, 31), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc3339_with_upper_z_is_utc),
		cmocka_unit_test(test_rfc3339_with_lowercase_z_is_utc),
		cmocka_unit_test(test_rfc3339_with_lowercase_t_separator_is_accepted),
		cmocka_unit_test(test_rfc3339_with_space_separator_is_accepted),
		cmocka_unit_test(test_rfc3339_with_other_separator_is_rejected),
		cmocka_unit_test(test_rfc3339_reads_only_the_given_length),
		cmocka_unit_test(test_zero_offsets_equal_utc),
		cmocka_unit_test(test_positive_offset_is_subtracted_to_reach_utc),
		cmocka_unit_test(test_positive_offset_crossing_midnight_gives_previous_day),
		cmocka_unit_test(test_negative_offset_crossing_year_end_gives_next_year),
		cmocka_unit_test(test_positive_offset_on_new_year_gives_previous_year),
		cmocka_unit_test(test_one_digit_fraction_is_tenths_of_a_second),
		cmocka_unit_test(test_three_digit_fraction_is_milliseconds),
		cmocka_unit_test(test_nine_digit_fraction_is_truncated_to_milliseconds),
		cmocka_unit_test(test_fraction_is_truncated_not_rounded),
		cmocka_unit_test(test_fraction_with_offset_is_kept),
		cmocka_unit_test(test_dot_without_fraction_digits_is_rejected),
		cmocka_unit_test(test_feb_29_of_a_leap_year_is_accepted),
		cmocka_unit_test(test_feb_29_of_2000_is_accepted_as_divisible_by_400),
		cmocka_unit_test(test_feb_29_of_2019_is_rejected),
		cmocka_unit_test(test_feb_29_of_1900_is_rejected_as_century),
		cmocka_unit_test(test_feb_30_is_rejected),
		cmocka_unit_test(test_april_31_is_rejected),
		cmocka_unit_test(test_month_13_is_rejected),
		cmocka_unit_test(test_month_zero_is_rejected),
		cmocka_unit_test(test_day_zero_is_rejected),
		cmocka_unit_test(test_hour_24_is_rejected),
		cmocka_unit_test(test_minute_60_is_rejected),
		cmocka_unit_test(test_second_60_is_a_leap_second_counted_as_the_next_second),
		cmocka_unit_test(test_second_61_is_rejected),
		cmocka_unit_test(test_letter_in_date_is_rejected),
		cmocka_unit_test(test_timestamp_without_offset_is_rejected),
		cmocka_unit_test(test_timestamp_without_offset_is_rejected_for_its_offset),
		cmocka_unit_test(test_offset_carrying_past_year_9999_is_rejected),
		cmocka_unit_test(test_offset_carrying_before_year_0000_is_rejected),
		cmocka_unit_test(test_timestamp_with_fraction_and_no_offset_is_rejected),
		cmocka_unit_test(test_offset_without_colon_is_accepted),
		cmocka_unit_test(test_offset_with_one_hour_digit_is_rejected),
		cmocka_unit_test(test_offset_with_letters_is_rejected),
		cmocka_unit_test(test_offset_hour_24_is_rejected),
		cmocka_unit_test(test_offset_minute_60_is_rejected),
		cmocka_unit_test(test_offset_name_instead_of_offset_is_rejected),
		cmocka_unit_test(test_text_after_z_is_rejected),
		cmocka_unit_test(test_text_after_offset_is_rejected),
		cmocka_unit_test(test_epoch_seconds_are_parsed),
		cmocka_unit_test(test_epoch_seconds_with_fraction_keep_milliseconds),
		cmocka_unit_test(test_epoch_fraction_beyond_milliseconds_is_truncated),
		cmocka_unit_test(test_epoch_zero_is_the_epoch),
		cmocka_unit_test(test_epoch_with_dot_and_no_digits_is_rejected),
		cmocka_unit_test(test_epoch_in_milliseconds_by_mistake_is_rejected),
		cmocka_unit_test(test_last_epoch_second_of_year_9999_is_accepted),
		cmocka_unit_test(test_first_epoch_second_of_year_10000_is_rejected),
		cmocka_unit_test(test_very_long_epoch_is_rejected_without_overflow),
		cmocka_unit_test(test_negative_epoch_is_rejected),
		cmocka_unit_test(test_epoch_with_trailing_text_is_rejected),
		cmocka_unit_test(test_word_is_rejected_as_timestamp),
		cmocka_unit_test(test_empty_timestamp_is_rejected),
		cmocka_unit_test(test_format_of_epoch_zero_is_1970),
		cmocka_unit_test(test_format_writes_milliseconds),
		cmocka_unit_test(test_format_pads_small_milliseconds),
		cmocka_unit_test(test_format_of_leap_day),
		cmocka_unit_test(test_format_of_one_ms_before_epoch_is_end_of_1969),
		cmocka_unit_test(test_format_of_exactly_one_day_before_epoch),
		cmocka_unit_test(test_format_of_moon_landing_before_epoch),
		cmocka_unit_test(test_format_of_last_instant_of_9999),
		cmocka_unit_test(test_format_beyond_9999_stays_well_formed),
		cmocka_unit_test(test_formatted_time_parses_back_to_the_same_value),
		cmocka_unit_test(test_parsed_time_formats_back_to_the_same_text),
		cmocka_unit_test(test_duration_in_seconds),
		cmocka_unit_test(test_duration_in_milliseconds),
		cmocka_unit_test(test_duration_ms_is_not_read_as_minutes),
		cmocka_unit_test(test_duration_in_minutes),
		cmocka_unit_test(test_duration_of_hours_and_minutes_adds_up),
		cmocka_unit_test(test_duration_of_minutes_and_seconds_adds_up),
		cmocka_unit_test(test_duration_in_days),
		cmocka_unit_test(test_duration_of_bare_zero_is_zero),
		cmocka_unit_test(test_empty_duration_is_rejected),
		cmocka_unit_test(test_duration_without_unit_is_rejected),
		cmocka_unit_test(test_duration_without_number_is_rejected),
		cmocka_unit_test(test_duration_with_unknown_unit_is_rejected),
		cmocka_unit_test(test_negative_duration_is_rejected),
		cmocka_unit_test(test_duration_with_trailing_number_is_rejected),
		cmocka_unit_test(test_duration_with_blank_is_rejected),
		cmocka_unit_test(test_duration_too_large_for_int64_is_rejected),
		cmocka_unit_test(test_duration_with_more_digits_than_int64_holds_is_rejected),
		cmocka_unit_test(test_duration_whose_sum_is_too_large_is_rejected),
		cmocka_unit_test(test_when_rfc3339_is_that_instant),
		cmocka_unit_test(test_when_rfc3339_with_offset_is_normalised_to_utc),
		cmocka_unit_test(test_when_date_is_its_midnight_utc),
		cmocka_unit_test(test_when_impossible_date_is_rejected),
		cmocka_unit_test(test_when_now_is_the_given_now),
		cmocka_unit_test(test_when_today_is_midnight_utc_of_now),
		cmocka_unit_test(test_when_today_at_exact_midnight_is_that_midnight),
		cmocka_unit_test(test_when_today_before_1970_is_that_days_midnight),
		cmocka_unit_test(test_when_yesterday_is_previous_midnight_utc),
		cmocka_unit_test(test_when_minus_hour_counts_back_from_now),
		cmocka_unit_test(test_when_minus_30_minutes_counts_back_from_now),
		cmocka_unit_test(test_when_minus_7_days_counts_back_from_now),
		cmocka_unit_test(test_when_lone_minus_is_rejected),
		cmocka_unit_test(test_when_minus_bad_duration_is_rejected),
		cmocka_unit_test(test_when_rfc3339_without_offset_is_rejected),
		cmocka_unit_test(test_when_garbage_is_rejected),
		cmocka_unit_test(test_when_empty_is_rejected),
		cmocka_unit_test(test_when_capitalised_keyword_is_rejected),
		cmocka_unit_test(test_when_rfc3339_without_seconds_is_that_minute),
		cmocka_unit_test(test_when_rfc3339_with_fraction_keeps_milliseconds),
		cmocka_unit_test(test_when_rfc3339_without_seconds_or_offset_is_rejected_for_its_offset),
		cmocka_unit_test(test_when_fraction_without_seconds_is_rejected),
		cmocka_unit_test(test_when_impossible_minute_is_rejected),
		cmocka_unit_test(test_log_timestamp_without_seconds_is_rejected),
		cmocka_unit_test(test_when_at_epoch_seconds_is_that_instant),
		cmocka_unit_test(test_when_lone_at_is_rejected),
		cmocka_unit_test(test_when_epoch_in_milliseconds_is_rejected),
		cmocka_unit_test(test_when_bare_number_points_at_the_epoch_form),
		cmocka_unit_test(test_when_unsigned_duration_counts_back_from_now),
		cmocka_unit_test(test_when_zero_is_now),
		cmocka_unit_test(test_when_plus_duration_is_rejected),
		cmocka_unit_test(test_when_date_of_wrong_length_is_rejected),
		cmocka_unit_test(test_days_from_civil_of_epoch_is_zero),
		cmocka_unit_test(test_days_from_civil_counts_leap_day),
		cmocka_unit_test(test_days_from_civil_before_epoch_is_negative),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
