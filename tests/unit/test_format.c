/*
 * Unit tests of src/format_define.c (the definition grammar and its
 * errors), src/format.c (matching lines, mapping fields, the fill a serve
 * reveals, header-driven columns, conditions, sniffing), src/format_json.c
 * (JSON lines) and src/timelayout.c (layouts and time zones).
 * Expected times come from `date -u -d TIME +%s%3N`.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "format.h"
#include "timelayout.h"

/* date -u -d 2019-12-26T08:14:03Z +%s -> 1577348043 */
#define DEC26_081403 INT64_C(1577348043000)

/* What error() wrote while a definition text was read. */
static char messages[8192];

/* Add text as file "t.fmt" to a fresh set; the errors are in messages. */
static int define(struct format_set *set, const char *text)
{
	FILE *capture = tmpfile();
	int saved = dup(STDERR_FILENO), errors;
	size_t got;

	assert_non_null(capture);
	fflush(stderr);
	dup2(fileno(capture), STDERR_FILENO);
	errors = format_set_add_text(set, "t.fmt", text, strlen(text));
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	rewind(capture);
	got = fread(messages, 1, sizeof(messages) - 1, capture);
	messages[got] = '\0';
	fclose(capture);
	return errors;
}

/* The definition is refused with a message that contains `expected`. */
static void assert_refused(const char *text, const char *expected)
{
	struct format_set *set = format_set_new();
	size_t before = format_set_count(set);

	if (define(set, text) == 0 || !strstr(messages, expected)) {
		print_error("definition:\n%s\nmessages:\n%s\nexpected: %s\n", text,
			    messages, expected);
		fail();
	}
	assert_int_equal(format_set_count(set), before); /* nothing added */
	format_set_free(set);
}

/* A set with the presets and text, which must be accepted. */
static struct format_set *accepted(const char *text)
{
	struct format_set *set = format_set_new();

	if (define(set, text) != 0) {
		print_error("definition refused:\n%s\n", messages);
		fail();
	}
	return set;
}

/* Parse a copy of line with the format called name. */
static void parse(struct format_set *set, const char *name, const char *line,
		  struct format_output *out)
{
	static char copy[4096];
	struct format *fmt = format_set_find(set, name);

	assert_non_null(fmt);
	assert_true(strlen(line) < sizeof(copy));
	memcpy(copy, line, strlen(line) + 1);
	format_parse_line(fmt, copy, strlen(line), out);
}

#define assert_field_equal(ev, f, expected)                                   \
	do {                                                                  \
		assert_non_null((ev)->field[f].ptr);                          \
		assert_int_equal((ev)->field[f].len, strlen(expected));       \
		assert_memory_equal((ev)->field[f].ptr, (expected),           \
				    strlen(expected));                        \
	} while (0)

#define assert_field_absent(ev, f) assert_int_equal((ev)->field[f].len, 0)

/* A small relay format most mapping tests start from. */
#define RELAY_HEAD "format r\nkind relay\n"

/* ---- The grammar: every error path ------------------------------------- */

static void test_unknown_key_is_refused_with_line_and_column(void **state)
{
	(void)state;
	assert_refused(RELAY_HEAD "pattern ^(?<ts>\\S+) (?<account>\\S+) (?<key>\\S+)$\n"
		       "  colour blue\n",
		       "t.fmt:4: column 3: unknown key 'colour'");
}

static void test_key_before_any_format_is_refused(void **state)
{
	(void)state;
	assert_refused("kind relay\n", "t.fmt:1: column 1: 'kind' outside a format");
}

static void test_format_without_name_is_refused(void **state)
{
	(void)state;
	assert_refused("format\n", "t.fmt:1: column 7: 'format' needs a name");
}

static void test_format_name_of_two_words_is_refused(void **state)
{
	(void)state;
	assert_refused("format my relay\n", "t.fmt:1: column 11: a format name is one word");
}

static void test_format_name_with_odd_characters_is_refused(void **state)
{
	(void)state;
	assert_refused("format my/relay\n", "t.fmt:1: column 10: a format name holds only");
}

static void test_overlong_format_name_is_refused(void **state)
{
	char text[200];

	(void)state;
	snprintf(text, sizeof(text), "format %0100d\n", 0);
	assert_refused(text, "a format name has at most 64 characters");
}

static void test_format_defined_twice_in_a_file_is_refused(void **state)
{
	(void)state;
	assert_refused(RELAY_HEAD "pattern ^(?<ts>\\S+) (?<account>\\S+) (?<key>\\S+)$\n"
		       "format r\n",
		       "t.fmt:4: column 8: format 'r' is already defined at line 1");
}

static void test_preset_name_is_refused(void **state)
{
	(void)state;
	assert_refused("format cloudfront\n",
		       "t.fmt:1: column 8: format 'cloudfront' is already defined (built-in)");
}

static void test_format_without_pattern_is_refused(void **state)
{
	(void)state;
	assert_refused(RELAY_HEAD, "t.fmt:1: column 1: format 'r' has no pattern");
}

static void test_format_without_kind_is_refused(void **state)
{
	(void)state;
	assert_refused("format r\npattern ^(?<ts>\\S+) (?<account>\\S+) (?<key>\\S+)$\n",
		       "t.fmt:1: column 1: format 'r' has no kind");
}

static void test_unknown_kind_is_refused(void **state)
{
	(void)state;
	assert_refused("format r\nkind proxy\n", "t.fmt:2: column 6: unknown kind 'proxy'");
}

static void test_kind_any_is_only_for_logfmt(void **state)
{
	(void)state;
	assert_refused("format r\nkind any\n", "unknown kind 'any'");
}

static void test_pattern_that_does_not_compile_names_its_column(void **state)
{
	(void)state;
	assert_refused(RELAY_HEAD "pattern ^(?<ts>\\S+) [z-a]\n",
		       "t.fmt:3: column 24: pattern does not compile: range out of order "
		       "in character class");
}

static void test_compile_error_in_a_continuation_line_names_that_line(void **state)
{
	(void)state;
	assert_refused(RELAY_HEAD "pattern ^(?<ts>\\S+) (?<account>\\S+)\n"
		       "pattern    [ ](?<key>\\S+)+)$\n",
		       "t.fmt:4: column 27: pattern does not compile: unmatched closing "
		       "parenthesis");
}

static void test_utf_mode_in_a_pattern_is_refused(void **state)
{
	(void)state;
	assert_refused(RELAY_HEAD "pattern (*UTF)^(?<ts>\\S+) (?<account>\\S+) (?<key>\\S+)$\n",
		       "pattern does not compile: using UTF is disabled");
}

static void test_pattern_and_header_together_are_refused(void **state)
{
	(void)state;
	assert_refused(RELAY_HEAD "header #Fields:\npattern ^x\n",
		       "t.fmt:4: column 1: a format has one of pattern, header or parser");
}

static void test_empty_pattern_is_refused(void **state)
{
	(void)state;
	assert_refused(RELAY_HEAD "pattern   \n", "'pattern' needs a regular expression");
}

static void test_too_many_pattern_lines_are_refused(void **state)
{
	char text[2048] = RELAY_HEAD;
	int i;

	(void)state;
	for (i = 0; i < 33; i++)
		strcat(text, "pattern x\n");
	assert_refused(text, "t.fmt:35: column 1: too many pattern lines");
}

static void test_header_of_two_words_is_refused(void **state)
{
	(void)state;
	assert_refused(RELAY_HEAD "header #Fields: date\n",
		       "t.fmt:3: column 8: the header prefix is one word");
}

static void test_separator_without_header_is_refused(void **state)
{
	(void)state;
	assert_refused(RELAY_HEAD "pattern ^(?<ts>\\S+) (?<account>\\S+) (?<key>\\S+)$\n"
		       "separator tab\n", "format 'r': 'separator' needs 'header'");
}

static void test_unknown_separator_is_refused(void **state)
{
	(void)state;
	assert_refused(RELAY_HEAD "header #Fields:\nseparator comma\n",
		       "t.fmt:4: column 11: unknown separator 'comma'");
}

static void test_unknown_parser_is_refused(void **state)
{
	(void)state;
	assert_refused("format r\nparser yaml\n",
		       "t.fmt:2: column 8: unknown parser 'yaml' (use logfmt or json)");
}

static void test_logfmt_parser_takes_no_field_lines(void **state)
{
	(void)state;
	assert_refused("format r\nparser logfmt\nfield account = user\n",
		       "a logfmt format maps no fields");
}

static void test_unknown_time_layout_is_refused(void **state)
{
	(void)state;
	assert_refused(RELAY_HEAD "time iso\n", "t.fmt:3: column 6: unknown time layout");
}

static void test_unknown_strftime_directive_names_its_column(void **state)
{
	(void)state;
	assert_refused(RELAY_HEAD "time strftime %Y-%m-%d %q\n",
		       "t.fmt:3: column 24: unknown strftime directive");
}

static void test_strftime_without_a_year_is_refused(void **state)
{
	(void)state;
	assert_refused(RELAY_HEAD "time strftime %m-%d %H:%M\n",
		       "strftime pattern has no year");
}

static void test_strftime_without_a_pattern_is_refused(void **state)
{
	(void)state;
	assert_refused(RELAY_HEAD "time strftime  \n", "strftime needs a pattern");
	assert_refused(RELAY_HEAD "time strftime\tx\n", "strftime pattern has no year");
}

static void test_field_without_a_field_is_refused(void **state)
{
	(void)state;
	assert_refused(RELAY_HEAD "field\n", "t.fmt:3: column 6: 'field' needs FIELD = ...");
}

static void test_unknown_field_is_refused(void **state)
{
	(void)state;
	assert_refused(RELAY_HEAD "field viewer = user\n",
		       "t.fmt:3: column 7: unknown field 'viewer'");
}

static void test_field_without_equals_is_refused(void **state)
{
	(void)state;
	assert_refused(RELAY_HEAD "field account user\n",
		       "t.fmt:3: column 15: expected '=' after 'account'");
}

static void test_field_without_a_name_is_refused(void **state)
{
	(void)state;
	assert_refused(RELAY_HEAD "field account =\n", "'field' needs a name after '='");
}

static void test_field_given_twice_is_refused(void **state)
{
	(void)state;
	assert_refused(RELAY_HEAD "field account = a\nfield account = b\n",
		       "t.fmt:4: column 1: field 'account' is given twice");
}

static void test_field_joining_too_many_names_is_refused(void **state)
{
	(void)state;
	assert_refused(RELAY_HEAD "field ts = a b c d e\n",
		       "t.fmt:3: column 20: too many names for 'ts'");
}

static void test_query_parameter_with_other_names_is_refused(void **state)
{
	(void)state;
	assert_refused(RELAY_HEAD "field account = a q?account\n",
		       "t.fmt:3: column 19: 'q?account' is not a name");
}

static void test_set_without_a_value_is_refused(void **state)
{
	(void)state;
	assert_refused(RELAY_HEAD "set op =  \n", "'set op' needs a value");
}

static void test_set_and_field_of_one_field_are_refused(void **state)
{
	(void)state;
	assert_refused(RELAY_HEAD "field node = n\nset node = cache-1\n",
		       "t.fmt:4: column 1: field 'node' is given twice");
}

static void test_fill_when_without_a_name_is_refused(void **state)
{
	(void)state;
	assert_refused(RELAY_HEAD "fill-when\n", "'fill-when' needs NAME = VALUE|VALUE...");
}

static void test_fill_when_without_equals_is_refused(void **state)
{
	(void)state;
	assert_refused(RELAY_HEAD "fill-when cache MISS\n",
		       "t.fmt:3: column 17: expected '=', '^=' or '~' after 'cache'");
}

static void test_fill_when_with_an_empty_value_is_refused(void **state)
{
	(void)state;
	assert_refused(RELAY_HEAD "fill-when cache = MISS||EXPIRED\n",
		       "t.fmt:3: column 24: empty value in the list");
}

static void test_fill_when_value_with_blanks_must_be_quoted(void **state)
{
	(void)state;
	assert_refused(RELAY_HEAD "fill-when cache = cache miss\n",
		       "t.fmt:3: column 25: values are separated by '|' (quote a value");
	assert_refused(RELAY_HEAD "fill-when cache = \"cache miss\n",
		       "t.fmt:3: column 19: a quoted value without its closing quote");
}

static void test_fill_when_in_a_registry_format_is_refused(void **state)
{
	(void)state;
	assert_refused("format g\nkind registry\n"
		       "pattern ^(?<ts>\\S+) (?<device>\\S+) (?<account>\\S+)$\n"
		       "fill-when device = a\n",
		       "format 'g': 'fill-when' is for relay formats");
}

static void test_condition_regex_that_does_not_compile_is_refused(void **state)
{
	(void)state;
	assert_refused(RELAY_HEAD "pattern ^(?<ts>\\S+) (?<account>\\S+) (?<key>\\S+)$\n"
		       "skip-when key ~ ^(a\n",
		       "t.fmt:4: column 20: regular expression does not compile");
}

static void test_fill_when_on_a_field_not_given_is_refused(void **state)
{
	(void)state;
	assert_refused(RELAY_HEAD "pattern ^(?<ts>\\S+) (?<account>\\S+) (?<key>\\S+)$\n"
		       "fill-when cache = MISS\n",
		       "'fill-when' names field 'cache', which the format does not give");
}

static void test_fill_field_without_fill_when_is_refused(void **state)
{
	(void)state;
	assert_refused(RELAY_HEAD "pattern ^(?<ts>\\S+) (?<account>\\S+) (?<key>\\S+)$\n"
		       "fill-field device = key\n",
		       "format 'r': 'fill-field' needs 'fill-when' in a relay format");
}

static void test_decode_errors_are_refused(void **state)
{
	(void)state;
	assert_refused(RELAY_HEAD "decode\n", "'decode' needs url, nginx, backslash or json");
	assert_refused(RELAY_HEAD "decode base64 x\n",
		       "t.fmt:3: column 8: unknown decoding 'base64'");
	assert_refused(RELAY_HEAD "decode url\n", "'decode' needs the names to decode");
	assert_refused(RELAY_HEAD "decode url a=b\n", "t.fmt:3: column 12: 'a=b' is not a name");
}

static void test_keys_without_values_are_refused(void **state)
{
	(void)state;
	assert_refused(RELAY_HEAD "absent\n", "'absent' needs a value");
	assert_refused(RELAY_HEAD "description \n", "'description' needs a value");
	assert_refused(RELAY_HEAD "kind\n", "'kind' needs a value");
}

static void test_name_that_is_no_group_is_refused_where_it_is_used(void **state)
{
	(void)state;
	assert_refused(RELAY_HEAD "pattern ^(?<ts>\\S+) (?<account>\\S+) (?<key>\\S+)$\n"
		       "field node = host\n",
		       "t.fmt:4: column 14: the pattern has no group named 'host'");
}

static void test_duplicate_group_names_are_refused_where_used(void **state)
{
	(void)state;
	assert_refused(RELAY_HEAD "pattern (?J)^(?<ts>\\S+) (?<account>\\S+) (?<key>\\S+)"
		       "(?<n>a)|(?<n>b)$\nfield node = n\n",
		       "more than one group is named 'n'");
}

static void test_format_without_ts_is_refused(void **state)
{
	(void)state;
	assert_refused(RELAY_HEAD "pattern ^(?<when>\\S+) (?<account>\\S+) (?<key>\\S+)$\n",
		       "format 'r' gives no 'ts'");
}

static void test_each_kind_needs_its_fields(void **state)
{
	(void)state;
	assert_refused(RELAY_HEAD "pattern ^(?<ts>\\S+) (?<key>\\S+)$\n",
		       "gives no 'account', which every relay line needs");
	assert_refused("format c\nkind cache\npattern ^(?<ts>\\S+) (?<key>\\S+)$\n",
		       "gives no 'node', which every cache line needs");
	assert_refused("format g\nkind registry\npattern ^(?<ts>\\S+) (?<account>\\S+)$\n",
		       "gives no 'device', which every registry line needs");
}

static void test_nul_byte_in_a_definition_is_refused(void **state)
{
	static const char text[] = "format r\nkind\0relay\n";
	struct format_set *set = format_set_new();
	FILE *capture = tmpfile();
	int saved = dup(STDERR_FILENO);

	(void)state;
	fflush(stderr);
	dup2(fileno(capture), STDERR_FILENO);
	assert_int_not_equal(format_set_add_text(set, "t.fmt", text, sizeof(text) - 1), 0);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	fclose(capture);
	format_set_free(set);
}

static void test_every_error_of_a_file_is_reported(void **state)
{
	struct format_set *set = format_set_new();

	(void)state;
	assert_int_equal(define(set, RELAY_HEAD
				"pattern ^(?<ts>\\S+) (?<account>\\S+) (?<key>\\S+)$\n"
				"colour blue\nfield wrong = x\ntime never\n"), 3);
	assert_non_null(strstr(messages, "t.fmt:4: column 1:"));
	assert_non_null(strstr(messages, "t.fmt:5: column 7:"));
	assert_non_null(strstr(messages, "t.fmt:6: column 6:"));
	format_set_free(set);
}

static void test_good_definitions_are_added_before_the_presets(void **state)
{
	struct format_set *set = accepted(
		"# my relay\n"
		RELAY_HEAD "description mine\n"
		"pattern ^(?<ts>\\S+) (?<account>\\S+) (?<key>\\S+)$\n");

	(void)state;
	assert_string_equal(format_name(format_set_at(set, 0)), "r");
	assert_string_equal(format_origin(format_set_at(set, 0)), "t.fmt:2");
	assert_string_equal(format_description(format_set_at(set, 0)), "mine");
	/* The text keeps the comment just above the format line. */
	assert_non_null(strstr(format_text(format_set_at(set, 0)), "# my relay\nformat r\n"));
	assert_string_equal(format_name(format_set_at(set, 1)), "nginx");
	format_set_free(set);
}

/* ---- Timestamp layouts --------------------------------------------------- */

static int64_t layout_ms(const char *spec, const char *text)
{
	struct time_layout layout;
	size_t column;
	int64_t ms = -1;
	const char *why;

	assert_null(time_layout_parse(spec, &layout, &column));
	why = time_layout_apply(&layout, text, strlen(text), &ms);
	if (why) {
		print_error("%s on '%s': %s\n", spec, text, why);
		return INT64_MIN;
	}
	return ms;
}

static const char *layout_why(const char *spec, const char *text)
{
	struct time_layout layout;
	size_t column;
	int64_t ms;

	assert_null(time_layout_parse(spec, &layout, &column));
	return time_layout_apply(&layout, text, strlen(text), &ms);
}

static void test_rfc3339_layout_parses_offsets_and_refuses_epoch(void **state)
{
	(void)state;
	assert_int_equal(layout_ms("rfc3339", "2019-12-26T09:14:03.5+01:00"),
			 DEC26_081403 + 500);
	assert_non_null(layout_why("rfc3339", "1577348043"));
}

static void test_epoch_layout_keeps_milliseconds(void **state)
{
	(void)state;
	assert_int_equal(layout_ms("epoch", "1577348043.512"), DEC26_081403 + 512);
	assert_int_equal(layout_ms("epoch", "1577348043.512999"), DEC26_081403 + 512);
	assert_non_null(layout_why("epoch", "2019-12-26T08:14:03Z"));
}

static void test_epoch_ms_layout(void **state)
{
	(void)state;
	assert_int_equal(layout_ms("epoch_ms", "1577348043512"), DEC26_081403 + 512);
	assert_non_null(layout_why("epoch_ms", "1577348043.5x"));
	assert_non_null(layout_why("epoch_ms", "99999999999999999"));
}

static void test_clf_layout_applies_the_offset(void **state)
{
	(void)state;
	assert_int_equal(layout_ms("clf", "26/Dec/2019:09:14:03 +0100"), DEC26_081403);
	assert_int_equal(layout_ms("clf", "26/Dec/2019:03:14:03 -0500"), DEC26_081403);
	assert_int_equal(layout_ms("clf", "26/dec/2019:08:14:03 +0000"), DEC26_081403);
}

static void test_clf_layout_refuses_what_does_not_fit(void **state)
{
	(void)state;
	assert_non_null(layout_why("clf", "26/Dek/2019:09:14:03 +0100"));
	assert_non_null(layout_why("clf", "26/Dec/2019:09:14:03"));
	assert_non_null(layout_why("clf", "26/Dec/2019:09:14:03 +0100 x"));
	assert_non_null(layout_why("clf", "30/Feb/2019:09:14:03 +0100"));
	assert_non_null(layout_why("clf", "26/Dec/2019:24:14:03 +0100"));
	assert_non_null(layout_why("clf", "26/Dec/2019:09:14:03 +2400"));
}

static void test_w3c_layout_joins_date_and_time_in_utc(void **state)
{
	(void)state;
	assert_int_equal(layout_ms("w3c", "2019-12-26 08:14:03"), DEC26_081403);
	assert_int_equal(layout_ms("w3c", "2019-12-26 08:14:03.25"), DEC26_081403 + 250);
	assert_non_null(layout_why("w3c", "2019-12-26T08:14:03"));
}

static void test_strftime_layout_reads_its_directives(void **state)
{
	(void)state;
	assert_int_equal(layout_ms("strftime %b %e %H:%M:%S %Y", "Dec 26 08:14:03 2019"),
			 DEC26_081403);
	assert_int_equal(layout_ms("strftime %d.%m.%Y %H:%M %z", "26.12.2019 09:14 +01:00"),
			 DEC26_081403 - 3000);
	assert_int_equal(layout_ms("strftime [%s]", "[1577348043.512]"), DEC26_081403 + 512);
	assert_int_equal(layout_ms("strftime %Y%m%d%H%M%S%z", "20191226081403Z"),
			 DEC26_081403);
	assert_int_equal(layout_ms("strftime 100%% %Y-%m-%d %H:%M", "100% 2019-12-26 08:14"),
			 DEC26_081403 - 3000);
	assert_non_null(layout_why("strftime %Y-%m-%d %H:%M", "2019-12-26 8:14"));
}

/* ---- Field mapping ------------------------------------------------------ */

static void test_groups_named_like_fields_map_to_them(void **state)
{
	struct format_set *set = accepted(RELAY_HEAD
		"pattern ^(?<ts>\\S+) (?<account>\\S+) (?<key>\\S+)(?: (?<node>\\S+))?$\n");
	struct format_output out;

	(void)state;
	parse(set, "r", "2019-12-26T08:14:03Z acct-1 still/low", &out);
	assert_true(out.matched);
	assert_int_equal(out.count, 1);
	assert_int_equal(out.event[0].kind, EVENT_SERVE);
	assert_int_equal(out.event[0].ts, DEC26_081403);
	assert_field_equal(&out.event[0], FIELD_ACCOUNT, "acct-1");
	assert_field_equal(&out.event[0], FIELD_KEY, "still/low");
	assert_field_absent(&out.event[0], FIELD_NODE); /* an unset group */
	format_set_free(set);
}

static void test_field_lines_rename_join_and_set(void **state)
{
	struct format_set *set = accepted(RELAY_HEAD
		"pattern ^(?<d>\\S+) (?<t>\\S+) (?<user>\\S+) (?<key>\\S+)$\n"
		"field ts = d t\ntime w3c\nfield account = user\nfield relay = user\n"
		"set node = cache-9\n");
	struct format_output out;

	(void)state;
	parse(set, "r", "2019-12-26 08:14:03 acct-1 k", &out);
	assert_int_equal(out.count, 1);
	assert_int_equal(out.event[0].ts, DEC26_081403);
	assert_field_equal(&out.event[0], FIELD_ACCOUNT, "acct-1");
	assert_field_equal(&out.event[0], FIELD_RELAY, "acct-1");
	assert_field_equal(&out.event[0], FIELD_NODE, "cache-9");
	format_set_free(set);
}

static void test_absent_markers_and_decodings_apply_to_values(void **state)
{
	struct format_set *set = accepted(RELAY_HEAD
		"pattern ^(?<ts>\\S+) (?<account>\\S+) (?<key>\\S+) (?<frame>\\S+)"
		" (?<node>\\S+) (?<q>\\S+)$\n"
		"absent - none\ndecode url key\ndecode nginx frame\nfield device = q?cam\n");
	struct format_output out;

	(void)state;
	parse(set, "r", "1577348043 acct-1 still%2Flow%zz f\\x22x\\x2 - a=1&cam=cam%2D7&b", &out);
	assert_int_equal(out.count, 1);
	assert_field_equal(&out.event[0], FIELD_KEY, "still/low%zz");
	assert_field_equal(&out.event[0], FIELD_FRAME, "f\"x\\x2");
	assert_field_absent(&out.event[0], FIELD_NODE);
	assert_field_equal(&out.event[0], FIELD_DEVICE, "cam-7");
	parse(set, "r", "1577348043 none still f n cam", &out);
	assert_int_equal(out.count, 0); /* the account was "none": absent */
	assert_non_null(strstr(out.why, "missing required field 'account'"));
	format_set_free(set);
}

static void test_backslash_decoding_undoes_c_escapes(void **state)
{
	struct format_set *set = accepted(RELAY_HEAD
		"pattern ^(?<ts>\\S+) \"(?<account>(?:[^\"\\\\]|\\\\.)*)\" (?<key>\\S+)$\n"
		"decode backslash account key\n");
	struct format_output out;

	(void)state;
	parse(set, "r", "1577348043 \"acct-\\\"q\\\" \\\\ \\x41\\q\" a\\tb\\n\\x00", &out);
	assert_int_equal(out.count, 1);
	assert_field_equal(&out.event[0], FIELD_ACCOUNT, "acct-\"q\" \\ A\\q");
	assert_field_equal(&out.event[0], FIELD_KEY, "a\tb\n\xef\xbf\xbd");
	format_set_free(set);
}

static void test_json_decoding_gives_utf8_and_joins_surrogates(void **state)
{
	struct format_set *set = accepted(RELAY_HEAD
		"pattern ^(?<ts>\\S+) (?<account>\\S+) (?<key>\\S+)$\n"
		"decode json account key\n");
	struct format_output out;

	(void)state;
	parse(set, "r", "1577348043 a\\u00e9\\u20ac\\ud83d\\ude00\\/\\\"\\x "
	      "\\ud800x\\u12\\b\\u0000", &out);
	assert_int_equal(out.count, 1);
	assert_field_equal(&out.event[0], FIELD_ACCOUNT,
			   "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80/\"\\x");
	assert_field_equal(&out.event[0], FIELD_KEY, "\xef\xbf\xbdx\\u12\b\xef\xbf\xbd");
	format_set_free(set);
}

static void test_backslash_and_json_on_one_name_are_refused(void **state)
{
	(void)state;
	assert_refused(RELAY_HEAD "pattern ^(?<ts>\\S+) (?<account>\\S+) (?<key>\\S+)$\n"
		       "decode json key\ndecode backslash account key\n",
		       "t.fmt:5: column 26: 'key' is decoded as backslash or json, not both");
}

static void test_query_parameter_without_value_is_empty(void **state)
{
	struct format_set *set = accepted(RELAY_HEAD
		"pattern ^(?<ts>\\S+) (?<account>\\S+) (?<key>\\S+) (?<q>\\S+)$\n"
		"field device = q?cam\nfield frame = q?f\n");
	struct format_output out;

	(void)state;
	parse(set, "r", "1577348043 a k camx=1&cam&f=", &out);
	assert_int_equal(out.count, 1);
	assert_field_absent(&out.event[0], FIELD_DEVICE);
	assert_field_absent(&out.event[0], FIELD_FRAME);
	format_set_free(set);
}

static void test_constant_op_makes_a_cache_line(void **state)
{
	struct format_set *set = accepted("format c\nkind cache\n"
		"pattern ^(?<ts>\\d+) (?<node>\\S+) (?<key>\\S+) (?<device>\\S+)$\n"
		"time epoch_ms\nset op = fill\n");
	struct format_output out;

	(void)state;
	parse(set, "c", "1577348043000 cache-1 k cam-1", &out);
	assert_int_equal(out.count, 1);
	assert_int_equal(out.event[0].kind, EVENT_FILL);
	assert_string_equal(out.event[0].op, "fill");
	assert_int_equal(out.event[0].ts, DEC26_081403);
	format_set_free(set);
}

static void test_an_event_of_another_kind_is_rejected(void **state)
{
	struct format_set *set = accepted("format c\nkind cache\n"
		"pattern ^(?<ts>\\d+) (?<op>\\S+) (?<node>\\S+) (?<key>\\S+)"
		"(?: (?<device>\\S+) (?<account>\\S+))?$\n");
	struct format_output out;

	(void)state;
	parse(set, "c", "1577348043 evict cache-1 k", &out);
	assert_int_equal(out.count, 1);
	assert_int_equal(out.event[0].kind, EVENT_REMOVAL);
	parse(set, "c", "1577348043 bind cache-1 k cam-1 acct-1", &out);
	assert_int_equal(out.count, 0);
	assert_non_null(strstr(out.why, "an op 'bind' in format 'c' (a cache line has op "
				       "fill, evict, purge or expire)"));
	format_set_free(set);
}

static void test_a_cache_line_without_op_is_rejected(void **state)
{
	struct format_set *set = accepted("format c\nkind cache\n"
		"pattern ^(?<ts>\\d+) (?<node>\\S+) (?<key>\\S+)$\n");
	struct format_output out;

	(void)state;
	parse(set, "c", "1577348043 cache-1 k", &out);
	assert_int_equal(out.count, 0);
	assert_string_equal(out.why, "no op in format 'c' (a cache line has op fill, "
			    "evict, purge or expire)");
	format_set_free(set);
}

static void test_a_line_that_does_not_match_says_so(void **state)
{
	struct format_set *set = format_set_new();
	struct format_output out;

	(void)state;
	parse(set, "nginx", "ts=2019-12-26T08:14:03Z account=a key=k", &out);
	assert_false(out.matched);
	assert_int_equal(out.count, 0);
	assert_string_equal(out.why, "does not match format 'nginx'");
	format_set_free(set);
}

static void test_bad_timestamp_is_rejected_with_the_layout_reason(void **state)
{
	struct format_set *set = accepted(RELAY_HEAD
		"pattern ^\\[(?<ts>[^\\]]+)\\] (?<account>\\S+) (?<key>\\S+)$\ntime clf\n");
	struct format_output out;

	(void)state;
	parse(set, "r", "[26/Dek/2019:09:14:03 +0100] a k", &out);
	assert_true(out.matched);
	assert_int_equal(out.count, 0);
	assert_non_null(strstr(out.why, "bad timestamp '26/Dek/2019:09:14:03 +0100': "
				       "no month name"));
	format_set_free(set);
}

static void test_a_backtracking_pattern_gives_up_at_the_match_limit(void **state)
{
	struct format_set *set = accepted(RELAY_HEAD
		"pattern ^(?<ts>\\d+) (?<account>\\w+) (?<key>(?:\\w+\\s?)*)$\n");
	struct format_output out;

	(void)state;
	parse(set, "r", "1577348043 acct1 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!", &out);
	assert_false(out.matched);
	assert_non_null(strstr(out.why, "format 'r' gave up on this line: match limit "
				       "exceeded"));
	parse(set, "r", "1577348043 acct1 still low", &out);
	assert_int_equal(out.count, 1);
	format_set_free(set);
}

/* ---- The fill a serve reveals -------------------------------------------- */

static const char nginx_miss[] =
	"1577348043.100 r1 \"acct-1\" \"still/low\" MISS \"200\" 200 5120 cache-1 "
	"\"cam-2\" \"cam-1\" \"f-1\"";

static void test_miss_line_yields_a_serve_and_a_fill(void **state)
{
	struct format_set *set = format_set_new();
	struct format_output out;

	(void)state;
	parse(set, "nginx", nginx_miss, &out);
	assert_int_equal(out.count, 2);
	assert_string_equal(out.why, "");
	assert_int_equal(out.event[0].kind, EVENT_SERVE);
	assert_field_equal(&out.event[0], FIELD_DEVICE, "cam-2"); /* asked for */
	assert_int_equal(out.event[1].kind, EVENT_FILL);
	assert_field_equal(&out.event[1], FIELD_DEVICE, "cam-1"); /* the origin's */
	assert_field_equal(&out.event[1], FIELD_KEY, "still/low");
	assert_field_equal(&out.event[1], FIELD_NODE, "cache-1");
	assert_field_equal(&out.event[1], FIELD_FRAME, "f-1");
	assert_int_equal(out.event[1].ts, out.event[0].ts);
	format_set_free(set);
}

static void test_hit_line_yields_only_a_serve(void **state)
{
	struct format_set *set = format_set_new();
	struct format_output out;

	(void)state;
	parse(set, "nginx", "1577348043.100 r1 \"acct-1\" \"still/low\" HIT \"-\" 200 "
	      "5120 cache-1 \"cam-2\" \"cam-1\" \"f-1\"", &out);
	assert_int_equal(out.count, 1);
	assert_int_equal(out.event[0].kind, EVENT_SERVE);
	assert_field_equal(&out.event[0], FIELD_CACHE, "HIT");
	format_set_free(set);
}

static void test_fill_without_its_camera_is_rejected_and_the_serve_kept(void **state)
{
	struct format_set *set = format_set_new();
	struct format_output out;

	(void)state;
	parse(set, "nginx", "1577348043.100 r1 \"acct-1\" \"k\" EXPIRED \"502\" 502 0 "
	      "cache-1 \"cam-2\" \"-\" \"-\"", &out);
	assert_int_equal(out.count, 1);
	assert_int_equal(out.event[0].kind, EVENT_SERVE);
	assert_string_equal(out.why, "its fill: missing required field 'device' (op=fill)");
	format_set_free(set);
}

static void test_fill_is_kept_when_the_serve_is_rejected(void **state)
{
	struct format_set *set = format_set_new();
	struct format_output out;

	(void)state;
	parse(set, "nginx", "1577348043.100 r1 \"-\" \"k\" MISS \"200\" 200 10 cache-1 "
	      "\"-\" \"cam-1\" \"f-1\"", &out);
	assert_int_equal(out.count, 1);
	assert_int_equal(out.event[0].kind, EVENT_FILL);
	assert_field_equal(&out.event[0], FIELD_DEVICE, "cam-1");
	assert_non_null(strstr(out.why, "missing required field 'account'"));
	format_set_free(set);
}

static void test_all_fill_conditions_must_hold(void **state)
{
	struct format_set *set = accepted(RELAY_HEAD
		"pattern ^(?<ts>\\S+) (?<account>\\S+) (?<key>\\S+) (?<cache>\\S+)"
		" (?<up>\\S+) (?<node>\\S+) (?<origin>\\S+)$\n"
		"absent -\nfill-when cache = MISS|EXPIRED\nfill-when up = 200\n"
		"fill-field device = origin\n");
	struct format_output out;

	(void)state;
	parse(set, "r", "1577348043 a k EXPIRED 200 n cam-1", &out);
	assert_int_equal(out.count, 2);
	parse(set, "r", "1577348043 a k MISS 304 n cam-1", &out);
	assert_int_equal(out.count, 1);
	parse(set, "r", "1577348043 a k - 200 n cam-1", &out);
	assert_int_equal(out.count, 1); /* an absent field holds no condition */
	format_set_free(set);
}

static void test_fill_when_takes_regexes_prefixes_and_quoted_values(void **state)
{
	struct format_set *set = accepted(RELAY_HEAD
		"pattern ^(?<ts>\\S+) (?<account>\\S+) (?<key>\\S+) \"(?<cache>[^\"]*)\""
		" (?<up>\\S+)$\n"
		"fill-when cache ~ ^TCP_.*MISS|cache miss\n"
		"fill-when up ^= 2|\"30 4\" | 5\nset device = cam-1\nset node = n\n");
	struct format_output out;

	(void)state;
	parse(set, "r", "1577348043 a k \"TCP_REFRESH_MISS\" 200", &out);
	assert_int_equal(out.count, 2);
	parse(set, "r", "1577348043 a k \"cache miss: attempting entity save\" 201", &out);
	assert_int_equal(out.count, 2);
	parse(set, "r", "1577348043 a k \"cache miss\" 30", &out);
	assert_int_equal(out.count, 1); /* the pattern's up is "30": no prefix holds */
	parse(set, "r", "1577348043 a k \"TCP_HIT\" 200", &out);
	assert_int_equal(out.count, 1);
	parse(set, "r", "1577348043 a k \"TCP_MISS\" 404", &out);
	assert_int_equal(out.count, 1);
	parse(set, "r", "1577348043 a k \"TCP_MISS\" 503", &out);
	assert_int_equal(out.count, 2);
	format_set_free(set);
}

static void test_skip_when_skips_without_rejecting(void **state)
{
	struct format_set *set = accepted(RELAY_HEAD
		"pattern ^(?<ts>\\S+) (?<account>\\S+) (?<key>\\S+) (?<method>\\S+)$\n"
		"skip-when method = CONNECT|\"NONE \\\"x\\\"\"\nskip-when key ~ ^/health\n");
	struct format_output out;

	(void)state;
	parse(set, "r", "1577348043 a host:443 CONNECT", &out);
	assert_true(out.matched && out.skipped);
	assert_int_equal(out.count, 0);
	assert_string_equal(out.why, "");
	parse(set, "r", "1577348043 a /healthz GET", &out);
	assert_true(out.skipped);
	parse(set, "r", "1577348043 a /still GET", &out);
	assert_false(out.skipped);
	assert_int_equal(out.count, 1);
	format_set_free(set);
}

static void test_cache_format_with_fill_when_skips_other_lines(void **state)
{
	struct format_set *set = accepted("format c\nkind cache\n"
		"pattern ^(?<ts>\\S+) (?<node>\\S+) (?<key>\\S+) (?<cache>\\S+)$\n"
		"fill-when cache ~ ^TCP_(REFRESH_)?MISS\nset device = cam-1\n");
	struct format_output out;

	(void)state;
	parse(set, "c", "1577348043 n k TCP_MISS", &out);
	assert_int_equal(out.count, 1);
	assert_int_equal(out.event[0].kind, EVENT_FILL);
	parse(set, "c", "1577348043 n k TCP_HIT", &out);
	assert_true(out.skipped);
	assert_int_equal(out.count, 0);
	assert_string_equal(out.why, "");
	format_set_free(set);
}

static void test_set_takes_a_quoted_value(void **state)
{
	struct format_set *set = accepted(RELAY_HEAD
		"pattern ^(?<ts>\\S+) (?<account>\\S+) (?<key>\\S+)$\n"
		"set node = \" edge \\\"1\\\" \"\nset relay = edge 2\n");
	struct format_output out;

	(void)state;
	parse(set, "r", "1577348043 a k", &out);
	assert_int_equal(out.count, 1);
	assert_field_equal(&out.event[0], FIELD_NODE, " edge \"1\" ");
	assert_field_equal(&out.event[0], FIELD_RELAY, "edge 2");
	format_set_free(set);
}

/* ---- Header-driven columns ----------------------------------------------- */

#define COLUMNS RELAY_HEAD "header #Fields:\nseparator space\ntime w3c\n" \
	"field ts = date time\nfield account = user\nfield key = path\n"

static void test_columns_are_found_by_the_header_line(void **state)
{
	struct format_set *set = accepted(COLUMNS);
	struct format *fmt = format_set_find(set, "r");
	struct format_output out;

	(void)state;
	format_begin_file(fmt);
	parse(set, "r", "2019-12-26 08:14:03 a k", &out);
	assert_false(out.matched);
	assert_non_null(strstr(out.why, "no #Fields: line before this line"));
	parse(set, "r", "#Version: 1.0", &out);
	assert_false(out.matched);
	assert_string_equal(out.why, ""); /* a directive: skipped */
	parse(set, "r", "#Fields: path extra time user date", &out);
	assert_true(out.matched);
	assert_int_equal(out.count, 0);
	parse(set, "r", "/still/low x 08:14:03 acct-1 2019-12-26", &out);
	assert_int_equal(out.count, 1);
	assert_int_equal(out.event[0].ts, DEC26_081403);
	assert_field_equal(&out.event[0], FIELD_ACCOUNT, "acct-1");
	assert_field_equal(&out.event[0], FIELD_KEY, "/still/low");
	parse(set, "r", "/still/low 08:14:03 acct-1 2019-12-26", &out);
	assert_int_equal(out.count, 0);
	assert_non_null(strstr(out.why, "4 columns where the #Fields: line names 5"));
	format_set_free(set);
}

static void test_a_skipped_header_still_teaches_the_columns(void **state)
{
	static const char header[] = "#Fields: date time user path\r";
	struct format_set *set = accepted(COLUMNS);
	struct format *fmt = format_set_find(set, "r");
	struct format_output out;

	(void)state;
	format_begin_file(fmt);
	format_observe_line(fmt, header, sizeof(header) - 1);
	parse(set, "r", "2019-12-26 08:14:03 acct-1 k", &out);
	assert_int_equal(out.count, 1);
	format_begin_file(fmt); /* the next file starts without columns */
	parse(set, "r", "2019-12-26 08:14:03 acct-1 k", &out);
	assert_int_equal(out.count, 0);
	format_set_free(set);
}

static void test_a_column_the_header_lacks_is_absent(void **state)
{
	struct format_set *set = accepted(COLUMNS "field node = edge\n");
	struct format_output out;

	(void)state;
	format_begin_file(format_set_find(set, "r"));
	parse(set, "r", "#Fields: date time user path", &out);
	parse(set, "r", "2019-12-26 08:14:03 acct-1 k", &out);
	assert_int_equal(out.count, 1);
	assert_field_absent(&out.event[0], FIELD_NODE);
	format_set_free(set);
}

/* ---- Sniffing ------------------------------------------------------------- */

static struct format *sniff(const struct format_set *set, const char *data,
			    int complete, char *first)
{
	return format_sniff(set, data, strlen(data), complete, first, 96, NULL, NULL);
}

static void test_sniffing_finds_each_preset(void **state)
{
	struct format_set *set = format_set_new();
	char first[96];
	char nginx[256];

	(void)state;
	snprintf(nginx, sizeof(nginx), "%s\r\n%s\r\n", nginx_miss, nginx_miss);
	assert_string_equal(format_name(sniff(set, nginx, 1, first)), "nginx");
	assert_string_equal(format_name(sniff(set, "1577348043.1 7 \"a\" \"k\" hit 200 - "
		"\"n\" \"d\" \"o\" \"f\"\n", 1, first)), "varnishncsa");
	assert_string_equal(format_name(sniff(set, "#Version: 1.0\n#Fields: date time\n",
					      1, first)), "cloudfront");
	assert_string_equal(format_name(sniff(set, "ts=1 op=fill node=n key=k\n", 1, first)),
			    "logfmt");
	format_set_free(set);
}

static void test_sniffing_quotes_the_first_line_when_nothing_matches(void **state)
{
	struct format_set *set = format_set_new();
	char first[96];

	(void)state;
	assert_null(sniff(set, "\n  \n\033[1mhello\nworld\n", 1, first));
	assert_string_equal(first, "\\x1b[1mhello");
	format_set_free(set);
}

static void test_sniffing_without_a_line_to_judge_by_takes_logfmt(void **state)
{
	struct format_set *set = format_set_new();
	char first[96];

	(void)state;
	assert_string_equal(format_name(sniff(set, "", 1, first)), "logfmt");
	/* A partial last line counts only when it is the whole file. */
	assert_string_equal(format_name(sniff(set, "garbage without end", 0, first)),
			    "logfmt");
	assert_null(sniff(set, "garbage without end", 1, first));
	format_set_free(set);
}

static void test_sniffing_prefers_user_formats_on_a_tie(void **state)
{
	struct format_set *set = accepted(RELAY_HEAD
		"pattern ^ts=(?<ts>\\S+) account=(?<account>\\S+) key=(?<key>\\S+)$\n");
	char first[96];

	(void)state;
	assert_string_equal(format_name(sniff(set, "ts=1 account=a key=k\n", 1, first)), "r");
	format_set_free(set);
}

static void test_sniffing_takes_the_format_matching_most_lines(void **state)
{
	struct format_set *set = format_set_new();
	char data[1024], first[96];
	size_t matched, sampled;

	(void)state;
	snprintf(data, sizeof(data), "ts=1 account=a key=k\n%s\n%s\n", nginx_miss, nginx_miss);
	assert_string_equal(format_name(format_sniff(set, data, strlen(data), 1, first,
						     sizeof(first), &matched, &sampled)),
			    "nginx");
	assert_int_equal(matched, 2);
	assert_int_equal(sampled, 3);
	format_set_free(set);
}

/* ---- JSON lines ------------------------------------------------------------ */

#define JSON_RELAY "format j\nkind relay\nparser json\ntime epoch\n" \
	"field account = request.headers.X-Account[0]\n" \
	"field key = resp_headers.X-Cache-Key[0]\nfield bytes = size\n"

static void test_json_paths_name_values_in_any_key_order(void **state)
{
	struct format_set *set = accepted(JSON_RELAY);
	struct format_output out;

	(void)state;
	parse(set, "j", "{\"resp_headers\":{\"X-Cache-Key\":[\"still/low\"]},\"size\":5120,"
	      "\"request\":{\"uri\":\"/x\",\"headers\":{\"Accept\":[\"*/*\"],"
	      "\"X-Account\":[\"acct-1\",\"acct-9\"]}},\"ts\":1577348043.5123456,"
	      "\"status\":200}", &out);
	assert_true(out.matched);
	assert_int_equal(out.count, 1);
	assert_int_equal(out.event[0].ts, DEC26_081403 + 512);
	assert_field_equal(&out.event[0], FIELD_ACCOUNT, "acct-1");
	assert_field_equal(&out.event[0], FIELD_KEY, "still/low");
	assert_field_equal(&out.event[0], FIELD_BYTES, "5120");
	assert_field_equal(&out.event[0], FIELD_STATUS, "200"); /* a top-level key */
	format_set_free(set);
}

static void test_json_strings_are_unescaped(void **state)
{
	struct format_set *set = accepted(JSON_RELAY);
	struct format_output out;

	(void)state;
	parse(set, "j", "{\"ts\":\"1577348043\",\"request\":{\"headers\":{\"X-Account\":"
	      "[\"acct-\\\"q\\\"\\u00e9\\ud83d\\ude00\"]}},\"resp_headers\":"
	      "{\"X-Cache-\\u004bey\":[\"k\\/1\"]}}", &out);
	assert_int_equal(out.count, 1);
	assert_field_equal(&out.event[0], FIELD_ACCOUNT, "acct-\"q\"\xc3\xa9\xf0\x9f\x98\x80");
	assert_field_equal(&out.event[0], FIELD_KEY, "k/1"); /* an escaped key too */
	format_set_free(set);
}

static void test_json_null_containers_and_missing_paths_are_absent(void **state)
{
	struct format_set *set = accepted(JSON_RELAY);
	struct format_output out;

	(void)state;
	parse(set, "j", "{\"ts\":1577348043,\"size\":null,\"request\":{\"headers\":"
	      "{\"X-Account\":[\"a\"]}},\"resp_headers\":{\"X-Cache-Key\":{\"x\":1}}}", &out);
	assert_true(out.matched);
	assert_int_equal(out.count, 0);
	assert_non_null(strstr(out.why, "missing required field 'key'"));
	format_set_free(set);
}

static void test_json_repeated_key_last_wins(void **state)
{
	struct format_set *set = accepted(JSON_RELAY);
	struct format_output out;

	(void)state;
	parse(set, "j", "{\"ts\":1,\"size\":1,\"size\":2,\"request\":{\"headers\":"
	      "{\"X-Account\":[\"a\"]}},\"resp_headers\":{\"X-Cache-Key\":[\"k\"]}}", &out);
	assert_int_equal(out.count, 1);
	assert_field_equal(&out.event[0], FIELD_BYTES, "2");
	format_set_free(set);
}

static void test_invalid_json_is_rejected_with_its_byte(void **state)
{
	static const struct {
		const char *line, *why;
	} cases[] = {
		{"{\"ts\":1,", "invalid JSON at byte 9: the line ends inside the object"},
		{"{\"ts\":1 \"a\":2}", "invalid JSON at byte 9: expected ',' or '}'"},
		{"{\"ts\":01}", "invalid JSON at byte 7: not a JSON value"},
		{"{\"ts\":[1,]}", "invalid JSON at byte 10: not a JSON value"},
		{"{\"ts\":1}x", "invalid JSON at byte 9: text after the object"},
		{"[1]", "invalid JSON at byte 1: not a JSON object"},
		{"{\"a\":\"\\q\"}", "invalid JSON at byte 7: an unknown escape"},
		{"{\"a\":\"\\u12\"}", "invalid JSON at byte 7: \\u without four hex digits"},
		{"{\"a\":tru}", "invalid JSON at byte 6: not a JSON value"},
		{"{a:1}", "invalid JSON at byte 2: expected a key in quotes"},
	};
	struct format_set *set = accepted(JSON_RELAY);
	struct format_output out;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		parse(set, "j", cases[i].line, &out);
		if (out.matched || out.count || !strstr(out.why, cases[i].why)) {
			print_error("line %s: why '%s', expected '%s'\n", cases[i].line,
				    out.why, cases[i].why);
			fail();
		}
	}
	format_set_free(set);
}

static void test_json_nesting_is_bounded(void **state)
{
	struct format_set *set = accepted(JSON_RELAY);
	struct format_output out;
	char line[200];
	size_t i, n = 0;

	(void)state;
	n += (size_t)snprintf(line, sizeof(line), "{\"ts\":1,\"a\":");
	for (i = 0; i < 40; i++)
		line[n++] = '[';
	for (i = 0; i < 40; i++)
		line[n++] = ']';
	line[n++] = '}';
	line[n] = '\0';
	parse(set, "j", line, &out);
	assert_non_null(strstr(out.why, "nested too deep"));
	format_set_free(set);
}

static void test_json_format_is_sniffed_by_its_time(void **state)
{
	struct format_set *set = accepted(JSON_RELAY);
	static const char data[] =
		"{\"ts\":1577348043,\"request\":{\"headers\":{\"X-Account\":[\"a\"]}},"
		"\"resp_headers\":{\"X-Cache-Key\":[\"k\"]}}\n";
	struct format *fmt;
	size_t matched, sampled;
	char first[64];

	(void)state;
	fmt = format_sniff(set, data, strlen(data), 1, first, sizeof(first), &matched,
			   &sampled);
	assert_non_null(fmt);
	assert_string_equal(format_name(fmt), "j");
	assert_int_equal(matched, 1);
	format_set_free(set);
}

/* ---- Time zones --------------------------------------------------------------- */

#define LOCAL_RELAY "format h\nkind relay\n" \
	"pattern ^\\[(?<when>[^\\]]+)\\] (?<account>\\S+) (?<key>\\S+)$\n" \
	"time strftime %d/%b/%Y:%H:%M:%S\nfield ts = when\n"

/* The UTC milliseconds format h gives for line, or -1 when rejected. */
static int64_t local_time(struct format_set *set, const char *line)
{
	struct format_output out;

	parse(set, "h", line, &out);
	return out.count == 1 ? out.event[0].ts : -1;
}

static void test_timezone_by_iana_name_follows_daylight_saving(void **state)
{
	struct format_set *set;

	(void)state;
	if (access("/usr/share/zoneinfo/Europe/Paris", R_OK) != 0)
		skip(); /* no tz database (Debian: tzdata) */
	set = accepted(LOCAL_RELAY "timezone Europe/Paris\n");
	/* date -u -d 'TZ="Europe/Paris" 2019-12-26 09:14:03' +%s -> 1577348043 */
	assert_int_equal(local_time(set, "[26/Dec/2019:09:14:03.512] a k"), DEC26_081403 + 512);
	/* summer time: +02:00; 2019-07-01T10:00:00Z is 1561975200 */
	assert_int_equal(local_time(set, "[01/Jul/2019:12:00:00] a k"), INT64_C(1561975200000));
	/* the hour repeated on 2019-10-27: its first instant, 00:30Z (1572136200) */
	assert_int_equal(local_time(set, "[27/Oct/2019:02:30:00] a k"), INT64_C(1572136200000));
	assert_int_equal(local_time(set, "[27/Oct/2019:03:00:00] a k"), INT64_C(1572141600000));
	/* the hour skipped on 2019-03-31: read at +01:00, 01:30Z (1553995800) */
	assert_int_equal(local_time(set, "[31/Mar/2019:02:30:00] a k"), INT64_C(1553995800000));
	assert_int_equal(local_time(set, "[31/Mar/2019:03:00:00] a k"), INT64_C(1553994000000));
	format_set_free(set);
}

static void test_timezone_as_a_fixed_offset(void **state)
{
	struct format_set *set = accepted(LOCAL_RELAY "timezone -0130\n");

	(void)state;
	assert_int_equal(local_time(set, "[26/Dec/2019:06:44:03] a k"), DEC26_081403);
	format_set_free(set);
	set = accepted(LOCAL_RELAY "timezone UTC\n");
	assert_int_equal(local_time(set, "[26/Dec/2019:08:14:03] a k"), DEC26_081403);
	format_set_free(set);
}

static void test_timezone_mistakes_are_refused(void **state)
{
	(void)state;
	assert_refused(LOCAL_RELAY "timezone Mars/Olympus\n",
		       "t.fmt:6: column 10: unknown time zone");
	assert_refused(LOCAL_RELAY "timezone ../../etc/passwd\n", "unknown time zone");
	assert_refused(RELAY_HEAD "pattern ^(?<ts>\\S+) (?<account>\\S+) (?<key>\\S+)$\n"
		       "time clf\ntimezone +01:00\n",
		       "t.fmt:5: column 1: format 'r': 'timezone' is for times written "
		       "without a zone");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unknown_key_is_refused_with_line_and_column),
		cmocka_unit_test(test_key_before_any_format_is_refused),
		cmocka_unit_test(test_format_without_name_is_refused),
		cmocka_unit_test(test_format_name_of_two_words_is_refused),
		cmocka_unit_test(test_format_name_with_odd_characters_is_refused),
		cmocka_unit_test(test_overlong_format_name_is_refused),
		cmocka_unit_test(test_format_defined_twice_in_a_file_is_refused),
		cmocka_unit_test(test_preset_name_is_refused),
		cmocka_unit_test(test_format_without_pattern_is_refused),
		cmocka_unit_test(test_format_without_kind_is_refused),
		cmocka_unit_test(test_unknown_kind_is_refused),
		cmocka_unit_test(test_kind_any_is_only_for_logfmt),
		cmocka_unit_test(test_pattern_that_does_not_compile_names_its_column),
		cmocka_unit_test(test_compile_error_in_a_continuation_line_names_that_line),
		cmocka_unit_test(test_utf_mode_in_a_pattern_is_refused),
		cmocka_unit_test(test_pattern_and_header_together_are_refused),
		cmocka_unit_test(test_empty_pattern_is_refused),
		cmocka_unit_test(test_too_many_pattern_lines_are_refused),
		cmocka_unit_test(test_header_of_two_words_is_refused),
		cmocka_unit_test(test_separator_without_header_is_refused),
		cmocka_unit_test(test_unknown_separator_is_refused),
		cmocka_unit_test(test_unknown_parser_is_refused),
		cmocka_unit_test(test_logfmt_parser_takes_no_field_lines),
		cmocka_unit_test(test_unknown_time_layout_is_refused),
		cmocka_unit_test(test_unknown_strftime_directive_names_its_column),
		cmocka_unit_test(test_strftime_without_a_year_is_refused),
		cmocka_unit_test(test_strftime_without_a_pattern_is_refused),
		cmocka_unit_test(test_field_without_a_field_is_refused),
		cmocka_unit_test(test_unknown_field_is_refused),
		cmocka_unit_test(test_field_without_equals_is_refused),
		cmocka_unit_test(test_field_without_a_name_is_refused),
		cmocka_unit_test(test_field_given_twice_is_refused),
		cmocka_unit_test(test_field_joining_too_many_names_is_refused),
		cmocka_unit_test(test_query_parameter_with_other_names_is_refused),
		cmocka_unit_test(test_set_without_a_value_is_refused),
		cmocka_unit_test(test_set_and_field_of_one_field_are_refused),
		cmocka_unit_test(test_fill_when_without_a_name_is_refused),
		cmocka_unit_test(test_fill_when_without_equals_is_refused),
		cmocka_unit_test(test_fill_when_with_an_empty_value_is_refused),
		cmocka_unit_test(test_fill_when_value_with_blanks_must_be_quoted),
		cmocka_unit_test(test_fill_when_in_a_registry_format_is_refused),
		cmocka_unit_test(test_condition_regex_that_does_not_compile_is_refused),
		cmocka_unit_test(test_fill_when_takes_regexes_prefixes_and_quoted_values),
		cmocka_unit_test(test_skip_when_skips_without_rejecting),
		cmocka_unit_test(test_cache_format_with_fill_when_skips_other_lines),
		cmocka_unit_test(test_set_takes_a_quoted_value),
		cmocka_unit_test(test_fill_when_on_a_field_not_given_is_refused),
		cmocka_unit_test(test_fill_field_without_fill_when_is_refused),
		cmocka_unit_test(test_decode_errors_are_refused),
		cmocka_unit_test(test_backslash_decoding_undoes_c_escapes),
		cmocka_unit_test(test_json_decoding_gives_utf8_and_joins_surrogates),
		cmocka_unit_test(test_backslash_and_json_on_one_name_are_refused),
		cmocka_unit_test(test_json_paths_name_values_in_any_key_order),
		cmocka_unit_test(test_json_strings_are_unescaped),
		cmocka_unit_test(test_json_null_containers_and_missing_paths_are_absent),
		cmocka_unit_test(test_json_repeated_key_last_wins),
		cmocka_unit_test(test_invalid_json_is_rejected_with_its_byte),
		cmocka_unit_test(test_json_nesting_is_bounded),
		cmocka_unit_test(test_json_format_is_sniffed_by_its_time),
		cmocka_unit_test(test_timezone_by_iana_name_follows_daylight_saving),
		cmocka_unit_test(test_timezone_as_a_fixed_offset),
		cmocka_unit_test(test_timezone_mistakes_are_refused),
		cmocka_unit_test(test_keys_without_values_are_refused),
		cmocka_unit_test(test_name_that_is_no_group_is_refused_where_it_is_used),
		cmocka_unit_test(test_duplicate_group_names_are_refused_where_used),
		cmocka_unit_test(test_format_without_ts_is_refused),
		cmocka_unit_test(test_each_kind_needs_its_fields),
		cmocka_unit_test(test_nul_byte_in_a_definition_is_refused),
		cmocka_unit_test(test_every_error_of_a_file_is_reported),
		cmocka_unit_test(test_good_definitions_are_added_before_the_presets),
		cmocka_unit_test(test_rfc3339_layout_parses_offsets_and_refuses_epoch),
		cmocka_unit_test(test_epoch_layout_keeps_milliseconds),
		cmocka_unit_test(test_epoch_ms_layout),
		cmocka_unit_test(test_clf_layout_applies_the_offset),
		cmocka_unit_test(test_clf_layout_refuses_what_does_not_fit),
		cmocka_unit_test(test_w3c_layout_joins_date_and_time_in_utc),
		cmocka_unit_test(test_strftime_layout_reads_its_directives),
		cmocka_unit_test(test_groups_named_like_fields_map_to_them),
		cmocka_unit_test(test_field_lines_rename_join_and_set),
		cmocka_unit_test(test_absent_markers_and_decodings_apply_to_values),
		cmocka_unit_test(test_query_parameter_without_value_is_empty),
		cmocka_unit_test(test_constant_op_makes_a_cache_line),
		cmocka_unit_test(test_an_event_of_another_kind_is_rejected),
		cmocka_unit_test(test_a_cache_line_without_op_is_rejected),
		cmocka_unit_test(test_a_line_that_does_not_match_says_so),
		cmocka_unit_test(test_bad_timestamp_is_rejected_with_the_layout_reason),
		cmocka_unit_test(test_a_backtracking_pattern_gives_up_at_the_match_limit),
		cmocka_unit_test(test_miss_line_yields_a_serve_and_a_fill),
		cmocka_unit_test(test_hit_line_yields_only_a_serve),
		cmocka_unit_test(test_fill_without_its_camera_is_rejected_and_the_serve_kept),
		cmocka_unit_test(test_fill_is_kept_when_the_serve_is_rejected),
		cmocka_unit_test(test_all_fill_conditions_must_hold),
		cmocka_unit_test(test_columns_are_found_by_the_header_line),
		cmocka_unit_test(test_a_skipped_header_still_teaches_the_columns),
		cmocka_unit_test(test_a_column_the_header_lacks_is_absent),
		cmocka_unit_test(test_sniffing_finds_each_preset),
		cmocka_unit_test(test_sniffing_quotes_the_first_line_when_nothing_matches),
		cmocka_unit_test(test_sniffing_without_a_line_to_judge_by_takes_logfmt),
		cmocka_unit_test(test_sniffing_prefers_user_formats_on_a_tie),
		cmocka_unit_test(test_sniffing_takes_the_format_matching_most_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
