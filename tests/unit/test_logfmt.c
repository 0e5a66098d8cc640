/*
 * Unit tests of src/logfmt.c (splitting a line into key=value pairs) and
 * src/event.c (deciding the kind of event and its required fields).
 * Expected timestamps come from `date -u -d TIME +%s`, not from timefmt.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "event.h"
#include "logfmt.h"

/* date -u -d 2019-12-26T08:14:03Z +%s -> 1577348043 */
#define DEC26_081403_512 INT64_C(1577348043512)
#define TS "ts=2019-12-26T08:14:03.512Z"

/*
 * Parse the literal in buf (an array the test owns, since the parser
 * rewrites it and the event points into it).  The size excludes the NUL.
 */
#define PARSE(buf, ev) logfmt_parse_line((buf), sizeof(buf) - 1, (ev))

/* The field holds exactly the bytes of the C string expected. */
#define assert_field_equal(ev, f, expected)                                   \
	do {                                                                  \
		assert_non_null((ev)->field[f].ptr);                          \
		assert_int_equal((ev)->field[f].len, strlen(expected));       \
		assert_memory_equal((ev)->field[f].ptr, (expected),           \
				    strlen(expected));                        \
	} while (0)

#define assert_field_absent(ev, f) assert_null((ev)->field[f].ptr)

/* Rejected with a reason that contains the given text. */
#define assert_rejected_saying(buf, text)                                     \
	do {                                                                  \
		struct event ev_;                                             \
		assert_int_equal(PARSE(buf, &ev_), -1);                       \
		assert_non_null(strstr(ev_.why, (text)));                     \
	} while (0)

/* ---- Kinds ------------------------------------------------------------- */

static void test_relay_line_without_op_is_a_serve(void **state)
{
	char line[] = TS " account=alice key=cam/7/f9 relay=r1 req=q1";
	struct event ev;

	(void)state;
	assert_int_equal(PARSE(line, &ev), 0);
	assert_int_equal(ev.kind, EVENT_SERVE);
	assert_null(ev.op);
}

static void test_serve_keeps_its_fields(void **state)
{
	char line[] = TS " account=alice key=cam/7/f9 relay=r1 req=q1 bytes=1024";
	struct event ev;

	(void)state;
	assert_int_equal(PARSE(line, &ev), 0);
	assert_field_equal(&ev, FIELD_ACCOUNT, "alice");
	assert_field_equal(&ev, FIELD_KEY, "cam/7/f9");
	assert_field_equal(&ev, FIELD_RELAY, "r1");
	assert_field_equal(&ev, FIELD_REQ, "q1");
	assert_field_equal(&ev, FIELD_BYTES, "1024");
	assert_field_absent(&ev, FIELD_NODE);
}

static void test_serve_timestamp_is_parsed_to_milliseconds(void **state)
{
	char line[] = TS " account=alice key=k";
	struct event ev;

	(void)state;
	assert_int_equal(PARSE(line, &ev), 0);
	assert_int_equal(ev.ts, DEC26_081403_512);
}

static void test_accepted_line_has_no_reason(void **state)
{
	char line[] = TS " account=alice key=k";
	struct event ev;

	(void)state;
	memset(ev.why, 'x', sizeof(ev.why));
	assert_int_equal(PARSE(line, &ev), 0);
	assert_string_equal(ev.why, "");
}

static void test_fill_line_is_a_fill(void **state)
{
	char line[] = TS " op=fill node=n1 key=k device=cam-a frame=f1";
	struct event ev;

	(void)state;
	assert_int_equal(PARSE(line, &ev), 0);
	assert_int_equal(ev.kind, EVENT_FILL);
	assert_string_equal(ev.op, "fill");
	assert_field_equal(&ev, FIELD_NODE, "n1");
	assert_field_equal(&ev, FIELD_DEVICE, "cam-a");
	assert_field_equal(&ev, FIELD_FRAME, "f1");
}

static void test_evict_line_is_a_removal(void **state)
{
	char line[] = TS " op=evict node=n1 key=k";
	struct event ev;

	(void)state;
	assert_int_equal(PARSE(line, &ev), 0);
	assert_int_equal(ev.kind, EVENT_REMOVAL);
	assert_string_equal(ev.op, "evict");
}

static void test_purge_line_is_a_removal(void **state)
{
	char line[] = TS " op=purge node=n1 key=k";
	struct event ev;

	(void)state;
	assert_int_equal(PARSE(line, &ev), 0);
	assert_int_equal(ev.kind, EVENT_REMOVAL);
	assert_string_equal(ev.op, "purge");
}

static void test_expire_line_is_a_removal(void **state)
{
	char line[] = TS " op=expire node=n1 key=k";
	struct event ev;

	(void)state;
	assert_int_equal(PARSE(line, &ev), 0);
	assert_int_equal(ev.kind, EVENT_REMOVAL);
	assert_string_equal(ev.op, "expire");
}

static void test_bind_line_is_a_binding(void **state)
{
	char line[] = TS " op=bind device=cam-a account=alice";
	struct event ev;

	(void)state;
	assert_int_equal(PARSE(line, &ev), 0);
	assert_int_equal(ev.kind, EVENT_BINDING);
	assert_string_equal(ev.op, "bind");
}

static void test_unbind_line_is_a_binding(void **state)
{
	char line[] = TS " op=unbind device=cam-a account=alice";
	struct event ev;

	(void)state;
	assert_int_equal(PARSE(line, &ev), 0);
	assert_int_equal(ev.kind, EVENT_BINDING);
	assert_string_equal(ev.op, "unbind");
}

static void test_share_line_is_a_share(void **state)
{
	char line[] = TS " op=share device=cam-a account=bob";
	struct event ev;

	(void)state;
	assert_int_equal(PARSE(line, &ev), 0);
	assert_int_equal(ev.kind, EVENT_SHARE);
	assert_string_equal(ev.op, "share");
}

static void test_unshare_line_is_a_share(void **state)
{
	char line[] = TS " op=unshare device=cam-a account=bob";
	struct event ev;

	(void)state;
	assert_int_equal(PARSE(line, &ev), 0);
	assert_int_equal(ev.kind, EVENT_SHARE);
	assert_string_equal(ev.op, "unshare");
}

static void test_unknown_op_is_rejected_naming_it(void **state)
{
	char line[] = TS " op=teleport device=cam-a account=bob";

	(void)state;
	assert_rejected_saying(line, "unknown op 'teleport'");
}

static void test_op_in_capitals_is_an_unknown_op(void **state)
{
	char line[] = TS " op=FILL node=n1 key=k device=cam-a";

	(void)state;
	assert_rejected_saying(line, "unknown op 'FILL'");
}

static void test_op_that_extends_a_known_op_is_unknown(void **state)
{
	char line[] = TS " op=fills node=n1 key=k device=cam-a";

	(void)state;
	assert_rejected_saying(line, "unknown op 'fills'");
}

/* ---- Required fields --------------------------------------------------- */

static void test_serve_without_ts_is_rejected_naming_ts(void **state)
{
	char line[] = "account=alice key=k";

	(void)state;
	assert_rejected_saying(line, "missing required field 'ts'");
}

static void test_serve_without_account_is_rejected_naming_account(void **state)
{
	char line[] = TS " key=k";

	(void)state;
	assert_rejected_saying(line, "missing required field 'account'");
}

static void test_serve_without_key_is_rejected_naming_key(void **state)
{
	char line[] = TS " account=alice";

	(void)state;
	assert_rejected_saying(line, "missing required field 'key'");
}

static void test_missing_field_reason_says_which_kind_of_line(void **state)
{
	char line[] = TS " account=alice";
	struct event ev;

	(void)state;
	assert_int_equal(PARSE(line, &ev), -1);
	assert_string_equal(ev.why, "missing required field 'key' (relay line)");
}

static void test_fill_without_node_is_rejected_naming_node(void **state)
{
	char line[] = TS " op=fill key=k device=cam-a";

	(void)state;
	assert_rejected_saying(line, "missing required field 'node'");
}

static void test_fill_without_key_is_rejected_naming_key(void **state)
{
	char line[] = TS " op=fill node=n1 device=cam-a";

	(void)state;
	assert_rejected_saying(line, "missing required field 'key'");
}

static void test_fill_without_device_is_rejected_naming_device(void **state)
{
	char line[] = TS " op=fill node=n1 key=k";

	(void)state;
	assert_rejected_saying(line, "missing required field 'device'");
}

static void test_fill_without_ts_is_rejected_naming_ts(void **state)
{
	char line[] = "op=fill node=n1 key=k device=cam-a";

	(void)state;
	assert_rejected_saying(line, "missing required field 'ts'");
}

static void test_evict_without_node_is_rejected_naming_node(void **state)
{
	char line[] = TS " op=evict key=k";

	(void)state;
	assert_rejected_saying(line, "missing required field 'node'");
}

static void test_purge_without_key_is_rejected_naming_key(void **state)
{
	char line[] = TS " op=purge node=n1";

	(void)state;
	assert_rejected_saying(line, "missing required field 'key'");
}

static void test_expire_without_node_is_rejected_naming_node(void **state)
{
	char line[] = TS " op=expire key=k";

	(void)state;
	assert_rejected_saying(line, "missing required field 'node'");
}

static void test_removal_does_not_need_a_device(void **state)
{
	char line[] = TS " op=evict node=n1 key=k";
	struct event ev;

	(void)state;
	assert_int_equal(PARSE(line, &ev), 0);
	assert_field_absent(&ev, FIELD_DEVICE);
}

static void test_bind_without_device_is_rejected_naming_device(void **state)
{
	char line[] = TS " op=bind account=alice";

	(void)state;
	assert_rejected_saying(line, "missing required field 'device'");
}

static void test_unbind_without_account_is_rejected_naming_account(void **state)
{
	char line[] = TS " op=unbind device=cam-a";

	(void)state;
	assert_rejected_saying(line, "missing required field 'account'");
}

static void test_share_without_account_is_rejected_naming_account(void **state)
{
	char line[] = TS " op=share device=cam-a";

	(void)state;
	assert_rejected_saying(line, "missing required field 'account'");
}

static void test_unshare_without_device_is_rejected_naming_device(void **state)
{
	char line[] = TS " op=unshare account=bob";

	(void)state;
	assert_rejected_saying(line, "missing required field 'device'");
}

static void test_empty_value_counts_as_missing(void **state)
{
	char line[] = TS " account= key=k";

	(void)state;
	assert_rejected_saying(line, "missing required field 'account'");
}

static void test_empty_quoted_value_counts_as_missing(void **state)
{
	char line[] = TS " account=\"\" key=k";

	(void)state;
	assert_rejected_saying(line, "missing required field 'account'");
}

static void test_empty_value_at_end_of_line_counts_as_missing(void **state)
{
	char line[] = TS " account=alice key=";

	(void)state;
	assert_rejected_saying(line, "missing required field 'key'");
}

static void test_empty_ts_counts_as_missing(void **state)
{
	char line[] = "ts= account=alice key=k";

	(void)state;
	assert_rejected_saying(line, "missing required field 'ts'");
}

static void test_empty_line_is_rejected_for_its_timestamp(void **state)
{
	char line[] = "";

	(void)state;
	assert_rejected_saying(line, "missing required field 'ts'");
}

/* ---- Timestamps -------------------------------------------------------- */

static void test_bare_leading_timestamp_is_the_ts(void **state)
{
	char line[] = "2019-12-26T08:14:03.512Z account=alice key=k";
	struct event ev;

	(void)state;
	assert_int_equal(PARSE(line, &ev), 0);
	assert_int_equal(ev.ts, DEC26_081403_512);
	assert_field_equal(&ev, FIELD_TS, "2019-12-26T08:14:03.512Z");
}

static void test_bare_leading_epoch_is_the_ts(void **state)
{
	char line[] = "1577348043.512 account=alice key=k";
	struct event ev;

	(void)state;
	assert_int_equal(PARSE(line, &ev), 0);
	assert_int_equal(ev.ts, DEC26_081403_512);
}

static void test_bare_timestamp_after_leading_blanks_is_the_ts(void **state)
{
	char line[] = "  \t1577348043.512 account=alice key=k";
	struct event ev;

	(void)state;
	assert_int_equal(PARSE(line, &ev), 0);
	assert_int_equal(ev.ts, DEC26_081403_512);
}

static void test_bare_token_after_a_pair_is_not_the_ts(void **state)
{
	char line[] = "account=alice 2019-12-26T08:14:03.512Z key=k";

	(void)state;
	assert_rejected_saying(line, "missing required field 'ts'");
}

static void test_ts_key_after_bare_timestamp_wins(void **state)
{
	char line[] = "1577348000 account=alice key=k ts=1577348043.512";
	struct event ev;

	(void)state;
	assert_int_equal(PARSE(line, &ev), 0);
	assert_int_equal(ev.ts, DEC26_081403_512);
}

static void test_timestamp_with_offset_is_stored_in_utc(void **state)
{
	char line[] = "ts=2019-12-26T09:14:03.512+01:00 account=alice key=k";
	struct event ev;

	(void)state;
	assert_int_equal(PARSE(line, &ev), 0);
	assert_int_equal(ev.ts, DEC26_081403_512);
}

static void test_bad_timestamp_is_rejected_naming_it(void **state)
{
	char line[] = "ts=yesterday account=alice key=k";

	(void)state;
	assert_rejected_saying(line, "bad timestamp 'yesterday'");
}

static void test_bad_timestamp_reason_says_what_is_wrong(void **state)
{
	char line[] = "ts=2019-02-29T00:00:00Z account=alice key=k";

	(void)state;
	assert_rejected_saying(line, "impossible date");
}

static void test_timestamp_in_milliseconds_is_rejected(void **state)
{
	char line[] = "ts=1577348043512 account=alice key=k";

	(void)state;
	assert_rejected_saying(line, "bad timestamp '1577348043512'");
}

/* ---- Splitting and quoting --------------------------------------------- */

static void test_quoted_value_may_hold_blanks(void **state)
{
	char line[] = TS " account=\"alice smith\tjr\" key=k";
	struct event ev;

	(void)state;
	assert_int_equal(PARSE(line, &ev), 0);
	assert_field_equal(&ev, FIELD_ACCOUNT, "alice smith\tjr");
}

static void test_quoted_value_keeps_escaped_quotes(void **state)
{
	char line[] = TS " account=\"say \\\"hi\\\"\" key=k";
	struct event ev;

	(void)state;
	assert_int_equal(PARSE(line, &ev), 0);
	assert_field_equal(&ev, FIELD_ACCOUNT, "say \"hi\"");
}

static void test_quoted_value_unescapes_backslash(void **state)
{
	char line[] = TS " account=alice key=\"a\\\\b\"";
	struct event ev;

	(void)state;
	assert_int_equal(PARSE(line, &ev), 0);
	assert_field_equal(&ev, FIELD_KEY, "a\\b");
}

static void test_quoted_value_turns_backslash_n_into_newline(void **state)
{
	char line[] = TS " account=alice key=\"a\\nb\"";
	struct event ev;

	(void)state;
	assert_int_equal(PARSE(line, &ev), 0);
	assert_field_equal(&ev, FIELD_KEY, "a\nb");
}

static void test_quoted_value_is_followed_by_more_pairs(void **state)
{
	char line[] = TS " account=\"a b\" key=k";
	struct event ev;

	(void)state;
	assert_int_equal(PARSE(line, &ev), 0);
	assert_field_equal(&ev, FIELD_KEY, "k");
}

static void test_quote_inside_unquoted_value_is_kept(void **state)
{
	char line[] = TS " account=al\"ice key=k";
	struct event ev;

	(void)state;
	assert_int_equal(PARSE(line, &ev), 0);
	assert_field_equal(&ev, FIELD_ACCOUNT, "al\"ice");
}

static void test_unterminated_quote_is_rejected_naming_the_key(void **state)
{
	char line[] = TS " key=k account=\"alice";

	(void)state;
	assert_rejected_saying(line, "unterminated quoted value of 'account'");
}

static void test_quote_closed_only_by_an_escaped_quote_is_unterminated(void **state)
{
	char line[] = TS " key=k account=\"alice\\\"";

	(void)state;
	assert_rejected_saying(line, "unterminated");
}

static void test_quote_ending_in_lone_backslash_is_unterminated(void **state)
{
	char line[] = TS " key=k account=\"alice\\";

	(void)state;
	assert_rejected_saying(line, "unterminated");
}

static void test_unknown_keys_are_ignored(void **state)
{
	char line[] = TS " colour=blue account=alice weight=\"9 kg\" key=k";
	struct event ev;

	(void)state;
	assert_int_equal(PARSE(line, &ev), 0);
	assert_field_equal(&ev, FIELD_ACCOUNT, "alice");
	assert_field_equal(&ev, FIELD_KEY, "k");
}

static void test_key_matching_is_case_sensitive(void **state)
{
	char line[] = TS " Account=alice key=k";

	(void)state;
	assert_rejected_saying(line, "missing required field 'account'");
}

static void test_duplicate_key_last_value_wins(void **state)
{
	char line[] = TS " account=alice key=k account=bob";
	struct event ev;

	(void)state;
	assert_int_equal(PARSE(line, &ev), 0);
	assert_field_equal(&ev, FIELD_ACCOUNT, "bob");
}

static void test_duplicate_op_last_value_decides_the_kind(void **state)
{
	char line[] = TS " op=fill node=n1 key=k op=evict";
	struct event ev;

	(void)state;
	assert_int_equal(PARSE(line, &ev), 0);
	assert_int_equal(ev.kind, EVENT_REMOVAL);
}

static void test_empty_duplicate_erases_earlier_value(void **state)
{
	char line[] = TS " account=alice key=k account=";

	(void)state;
	assert_rejected_saying(line, "missing required field 'account'");
}

static void test_tabs_separate_pairs(void **state)
{
	char line[] = TS "\taccount=alice\t\tkey=k\t";
	struct event ev;

	(void)state;
	assert_int_equal(PARSE(line, &ev), 0);
	assert_field_equal(&ev, FIELD_ACCOUNT, "alice");
	assert_field_equal(&ev, FIELD_KEY, "k");
}

static void test_runs_of_spaces_separate_pairs(void **state)
{
	char line[] = "   " TS "    account=alice   key=k   ";
	struct event ev;

	(void)state;
	assert_int_equal(PARSE(line, &ev), 0);
	assert_field_equal(&ev, FIELD_KEY, "k");
}

static void test_value_may_contain_equals_sign(void **state)
{
	char line[] = TS " account=alice key=a=b";
	struct event ev;

	(void)state;
	assert_int_equal(PARSE(line, &ev), 0);
	assert_field_equal(&ev, FIELD_KEY, "a=b");
}

static void test_parse_stops_at_the_given_length(void **state)
{
	char line[] = TS " account=alice key=kXYZ";
	struct event ev;

	(void)state;
	assert_int_equal(logfmt_parse_line(line, sizeof(line) - 1 - 3, &ev), 0);
	assert_field_equal(&ev, FIELD_KEY, "k");
}

static void test_invalid_utf8_in_value_is_kept_byte_for_byte(void **state)
{
	char line[] = TS " account=\xff\xfe\xc3 key=k";
	struct event ev;

	(void)state;
	assert_int_equal(PARSE(line, &ev), 0);
	assert_field_equal(&ev, FIELD_ACCOUNT, "\xff\xfe\xc3");
}

static void test_control_characters_in_value_are_kept_byte_for_byte(void **state)
{
	char line[] = TS " account=alice key=a\x01\x1b[31m\x7f\r";
	struct event ev;

	(void)state;
	assert_int_equal(PARSE(line, &ev), 0);
	assert_field_equal(&ev, FIELD_KEY, "a\x01\x1b[31m\x7f\r");
}

static void test_invalid_utf8_in_quoted_value_is_kept_byte_for_byte(void **state)
{
	char line[] = TS " account=\"x \x80\xbf\x1b\" key=k";
	struct event ev;

	(void)state;
	assert_int_equal(PARSE(line, &ev), 0);
	assert_field_equal(&ev, FIELD_ACCOUNT, "x \x80\xbf\x1b");
}

static void test_control_characters_in_unknown_op_are_escaped_in_reason(void **state)
{
	char line[] = TS " op=\x1b[2J account=alice key=k";
	struct event ev;

	(void)state;
	assert_int_equal(PARSE(line, &ev), -1);
	assert_null(strchr(ev.why, '\x1b'));
	assert_non_null(strstr(ev.why, "\\x1b[2J"));
}

static void test_parse_forgets_fields_of_the_previous_line(void **state)
{
	char fill[] = TS " op=fill node=n1 key=k device=cam-a";
	char serve[] = TS " account=alice key=k";
	struct event ev;

	(void)state;
	assert_int_equal(PARSE(fill, &ev), 0);
	assert_int_equal(PARSE(serve, &ev), 0);
	assert_int_equal(ev.kind, EVENT_SERVE);
	assert_null(ev.op);
	assert_field_absent(&ev, FIELD_NODE);
	assert_field_absent(&ev, FIELD_DEVICE);
}

/* ---- Field names ------------------------------------------------------- */

static void test_every_field_name_looks_up_its_field(void **state)
{
	/* Written out here, not read from event.c, so a rename shows. */
	static const char *const names[FIELD_COUNT] = {
		"ts", "op", "account", "device", "key", "frame", "node", "relay",
		"req", "cache", "status", "bytes", "rtt_ms", "ttl_ms", "gen",
	};
	unsigned f;

	(void)state;
	for (f = 0; f < FIELD_COUNT; f++)
		assert_int_equal(event_field_lookup(names[f], strlen(names[f])), f);
}

static void test_every_field_has_its_logfmt_name(void **state)
{
	(void)state;
	assert_string_equal(event_field_name(FIELD_TS), "ts");
	assert_string_equal(event_field_name(FIELD_RTT_MS), "rtt_ms");
	assert_string_equal(event_field_name(FIELD_GEN), "gen");
}

static void test_lookup_uses_only_the_given_length(void **state)
{
	(void)state;
	assert_int_equal(event_field_lookup("keyboard", 3), FIELD_KEY);
}

static void test_lookup_of_a_prefix_of_a_name_finds_nothing(void **state)
{
	(void)state;
	assert_int_equal(event_field_lookup("acc", 3), FIELD_COUNT);
}

static void test_lookup_of_a_name_with_extra_letters_finds_nothing(void **state)
{
	(void)state;
	assert_int_equal(event_field_lookup("tss", 3), FIELD_COUNT);
}

static void test_lookup_of_unknown_name_finds_nothing(void **state)
{
	(void)state;
	assert_int_equal(event_field_lookup("colour", 6), FIELD_COUNT);
}

static void test_lookup_of_empty_name_finds_nothing(void **state)
{
	(void)state;
	assert_int_equal(event_field_lookup("", 0), FIELD_COUNT);
}

static void test_lookup_is_case_sensitive(void **state)
{
	(void)state;
	assert_int_equal(event_field_lookup("TS", 2), FIELD_COUNT);
}

/*
 * A name is compared by its length, not up to a NUL: with strncmp(),
 * "ts\0" (len 3) once matched "ts" after reading past the end of the
 * literal (a global-buffer-overflow under -fsanitize=address).
 */
static void test_lookup_of_name_with_embedded_nul_finds_nothing(void **state)
{
	(void)state;
	assert_int_equal(event_field_lookup("ts\0", 3), FIELD_COUNT);
	assert_int_equal(event_field_lookup("gen\0\0", 5), FIELD_COUNT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_relay_line_without_op_is_a_serve),
		cmocka_unit_test(test_serve_keeps_its_fields),
		cmocka_unit_test(test_serve_timestamp_is_parsed_to_milliseconds),
		cmocka_unit_test(test_accepted_line_has_no_reason),
		cmocka_unit_test(test_fill_line_is_a_fill),
		cmocka_unit_test(test_evict_line_is_a_removal),
		cmocka_unit_test(test_purge_line_is_a_removal),
		cmocka_unit_test(test_expire_line_is_a_removal),
		cmocka_unit_test(test_bind_line_is_a_binding),
		cmocka_unit_test(test_unbind_line_is_a_binding),
		cmocka_unit_test(test_share_line_is_a_share),
		cmocka_unit_test(test_unshare_line_is_a_share),
		cmocka_unit_test(test_unknown_op_is_rejected_naming_it),
		cmocka_unit_test(test_op_in_capitals_is_an_unknown_op),
		cmocka_unit_test(test_op_that_extends_a_known_op_is_unknown),
		cmocka_unit_test(test_serve_without_ts_is_rejected_naming_ts),
		cmocka_unit_test(test_serve_without_account_is_rejected_naming_account),
		cmocka_unit_test(test_serve_without_key_is_rejected_naming_key),
		cmocka_unit_test(test_missing_field_reason_says_which_kind_of_line),
		cmocka_unit_test(test_fill_without_node_is_rejected_naming_node),
		cmocka_unit_test(test_fill_without_key_is_rejected_naming_key),
		cmocka_unit_test(test_fill_without_device_is_rejected_naming_device),
		cmocka_unit_test(test_fill_without_ts_is_rejected_naming_ts),
		cmocka_unit_test(test_evict_without_node_is_rejected_naming_node),
		cmocka_unit_test(test_purge_without_key_is_rejected_naming_key),
		cmocka_unit_test(test_expire_without_node_is_rejected_naming_node),
		cmocka_unit_test(test_removal_does_not_need_a_device),
		cmocka_unit_test(test_bind_without_device_is_rejected_naming_device),
		cmocka_unit_test(test_unbind_without_account_is_rejected_naming_account),
		cmocka_unit_test(test_share_without_account_is_rejected_naming_account),
		cmocka_unit_test(test_unshare_without_device_is_rejected_naming_device),
		cmocka_unit_test(test_empty_value_counts_as_missing),
		cmocka_unit_test(test_empty_quoted_value_counts_as_missing),
		cmocka_unit_test(test_empty_value_at_end_of_line_counts_as_missing),
		cmocka_unit_test(test_empty_ts_counts_as_missing),
		cmocka_unit_test(test_empty_line_is_rejected_for_its_timestamp),
		cmocka_unit_test(test_bare_leading_timestamp_is_the_ts),
		cmocka_unit_test(test_bare_leading_epoch_is_the_ts),
		cmocka_unit_test(test_bare_timestamp_after_leading_blanks_is_the_ts),
		cmocka_unit_test(test_bare_token_after_a_pair_is_not_the_ts),
		cmocka_unit_test(test_ts_key_after_bare_timestamp_wins),
		cmocka_unit_test(test_timestamp_with_offset_is_stored_in_utc),
		cmocka_unit_test(test_bad_timestamp_is_rejected_naming_it),
		cmocka_unit_test(test_bad_timestamp_reason_says_what_is_wrong),
		cmocka_unit_test(test_timestamp_in_milliseconds_is_rejected),
		cmocka_unit_test(test_quoted_value_may_hold_blanks),
		cmocka_unit_test(test_quoted_value_keeps_escaped_quotes),
		cmocka_unit_test(test_quoted_value_unescapes_backslash),
		cmocka_unit_test(test_quoted_value_turns_backslash_n_into_newline),
		cmocka_unit_test(test_quoted_value_is_followed_by_more_pairs),
		cmocka_unit_test(test_quote_inside_unquoted_value_is_kept),
		cmocka_unit_test(test_unterminated_quote_is_rejected_naming_the_key),
		cmocka_unit_test(test_quote_closed_only_by_an_escaped_quote_is_unterminated),
		cmocka_unit_test(test_quote_ending_in_lone_backslash_is_unterminated),
		cmocka_unit_test(test_unknown_keys_are_ignored),
		cmocka_unit_test(test_key_matching_is_case_sensitive),
		cmocka_unit_test(test_duplicate_key_last_value_wins),
		cmocka_unit_test(test_duplicate_op_last_value_decides_the_kind),
		cmocka_unit_test(test_empty_duplicate_erases_earlier_value),
		cmocka_unit_test(test_tabs_separate_pairs),
		cmocka_unit_test(test_runs_of_spaces_separate_pairs),
		cmocka_unit_test(test_value_may_contain_equals_sign),
		cmocka_unit_test(test_parse_stops_at_the_given_length),
		cmocka_unit_test(test_invalid_utf8_in_value_is_kept_byte_for_byte),
		cmocka_unit_test(test_control_characters_in_value_are_kept_byte_for_byte),
		cmocka_unit_test(test_invalid_utf8_in_quoted_value_is_kept_byte_for_byte),
		cmocka_unit_test(test_control_characters_in_unknown_op_are_escaped_in_reason),
		cmocka_unit_test(test_parse_forgets_fields_of_the_previous_line),
		cmocka_unit_test(test_every_field_name_looks_up_its_field),
		cmocka_unit_test(test_every_field_has_its_logfmt_name),
		cmocka_unit_test(test_lookup_uses_only_the_given_length),
		cmocka_unit_test(test_lookup_of_a_prefix_of_a_name_finds_nothing),
		cmocka_unit_test(test_lookup_of_a_name_with_extra_letters_finds_nothing),
		cmocka_unit_test(test_lookup_of_unknown_name_finds_nothing),
		cmocka_unit_test(test_lookup_of_empty_name_finds_nothing),
		cmocka_unit_test(test_lookup_is_case_sensitive),
		cmocka_unit_test(test_lookup_of_name_with_embedded_nul_finds_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
