/*
 * Unit tests of src/source.c: how a log is found again by its first bytes
 * (renamed, rotated, grown, compressed), what a run's progress records,
 * and when a stored line is read back from its file as evidence.
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
#include <zlib.h>

#include "input.h"
#include "logfmt.h"
#include "source.h"
#include "store_open.h"

struct fixture {
	struct store *st;
	char dir[64];
	char path[128];
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	const char *tmp = getenv("TMPDIR");

	snprintf(fx->dir, sizeof(fx->dir), "%s/test_source.XXXXXX",
		 tmp && *tmp && strlen(tmp) < 32 ? tmp : "/tmp");
	assert_non_null(mkdtemp(fx->dir));
	snprintf(fx->path, sizeof(fx->path), "%s/relay.log", fx->dir);
	fx->st = store_open(NULL, STORE_TEMPORARY, NULL);
	assert_non_null(fx->st);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	char gz[160];

	store_close(fx->st);
	unlink(fx->path);
	snprintf(gz, sizeof(gz), "%s.gz", fx->path);
	unlink(gz);
	rmdir(fx->dir);
	free(fx);
	return 0;
}

/* A source whose head is text[0..len), recorded under name. */
static int64_t create(struct fixture *fx, const char *name, const void *text,
		      size_t len)
{
	struct source src = {0};

	assert_true(len <= SOURCE_HEAD_MAX);
	memcpy(src.head, text, len);
	src.head_len = len;
	assert_int_equal(source_create(fx->st, name, &src), 0);
	assert_true(src.id > 0);
	return src.id;
}

/* The ids source_find() gives for prefix[0..len), best first; their count. */
static size_t find(struct fixture *fx, const void *prefix, size_t len,
		   int64_t *ids, size_t max)
{
	struct source *list = (struct source *)&list; /* must be replaced */
	size_t count = 99, i;

	assert_int_equal(source_find(fx->st, prefix, len, &list, &count), 0);
	assert_true(count <= max);
	if (count == 0)
		assert_null(list);
	for (i = 0; i < count; i++)
		ids[i] = list[i].id;
	free(list);
	return count;
}

/* prefix[0..len) finds that source and no other. */
static void assert_finds_only(struct fixture *fx, const void *prefix, size_t len,
			      int64_t id)
{
	int64_t ids[2];

	assert_int_equal(find(fx, prefix, len, ids, 2), 1);
	assert_int_equal(ids[0], id);
}

/* A text of len bytes, the same for the same seed. */
static void fill_text(char *out, size_t len, char seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		out[i] = (i + 1) % 40 == 0 ? '\n' : (char)('a' + (seed + i) % 26);
}

static int64_t int_value(struct fixture *fx, const char *sql, int64_t id)
{
	sqlite3_stmt *stmt = store_prepare(fx->st, sql);
	int64_t v;

	assert_non_null(stmt);
	sqlite3_bind_int64(stmt, 1, id);
	assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
	v = sqlite3_column_type(stmt, 0) == SQLITE_NULL ? -1
							: sqlite3_column_int64(stmt, 0);
	sqlite3_reset(stmt);
	return v;
}

/* ---- Finding a source by its first bytes ---------------------------------- */

static void test_an_empty_store_finds_nothing(void **state)
{
	struct fixture *fx = *state;
	int64_t ids[1];
	char text[200];

	fill_text(text, sizeof(text), 0);
	assert_int_equal(find(fx, text, sizeof(text), ids, 1), 0);
	assert_int_equal(find(fx, text, 10, ids, 1), 0);
}

/* A log that grew since (or was rotated with more lines) starts with its head. */
static void test_a_grown_log_is_found_by_its_head(void **state)
{
	struct fixture *fx = *state;
	char text[600];
	int64_t id;

	fill_text(text, sizeof(text), 0);
	id = create(fx, "relay.log", text, 200);
	assert_finds_only(fx, text, sizeof(text), id);
}

/* A file cut shorter than the head (or still being written) agrees on what it has. */
static void test_a_prefix_shorter_than_the_head_that_agrees_is_found(void **state)
{
	struct fixture *fx = *state;
	char text[600];
	int64_t id;

	fill_text(text, sizeof(text), 0);
	id = create(fx, "relay.log", text, sizeof(text));
	/* Both lookups: by the indexed 64 bytes, and the tiny one below them. */
	assert_finds_only(fx, text, 100, id);
	assert_finds_only(fx, text, 64, id);
	assert_finds_only(fx, text, 10, id);
}

static void test_a_log_that_differs_anywhere_in_the_head_is_another(void **state)
{
	struct fixture *fx = *state;
	static const size_t at[] = {0, 10, 63, 64, 100, 199};
	char text[300];
	int64_t ids[2];
	size_t i;

	fill_text(text, sizeof(text), 0);
	create(fx, "relay.log", text, 200);
	for (i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
		text[at[i]] ^= 0x20;
		assert_int_equal(find(fx, text, sizeof(text), ids, 2), 0);
		text[at[i]] ^= 0x20;
	}
	/* Past the head, the content is the log's own business. */
	text[250] ^= 0x20;
	assert_int_equal(find(fx, text, sizeof(text), ids, 2), 1);
}

/* Heads under 64 bytes (tiny logs) have their own lookup. */
static void test_a_short_head_is_found_by_a_longer_prefix(void **state)
{
	struct fixture *fx = *state;
	char text[300];
	int64_t id, ids[2];

	fill_text(text, sizeof(text), 3);
	id = create(fx, "tiny.log", text, 20);
	assert_finds_only(fx, text, sizeof(text), id);
	/* Found by both lookups, listed once. */
	assert_finds_only(fx, text, 30, id);
	assert_finds_only(fx, text, 20, id);
	assert_finds_only(fx, text, 5, id);
	text[19] ^= 0x20;
	assert_int_equal(find(fx, text, sizeof(text), ids, 2), 0);
}

static void test_the_longest_agreement_comes_first(void **state)
{
	struct fixture *fx = *state;
	char text[1000];
	int64_t shorter, longer, ids[3];

	fill_text(text, sizeof(text), 0);
	/* Created first, so that the order is not the ids'. */
	shorter = create(fx, "a.log", text, 100);
	longer = create(fx, "b.log", text, 700);
	assert_int_equal(find(fx, text, sizeof(text), ids, 3), 2);
	assert_int_equal(ids[0], longer);
	assert_int_equal(ids[1], shorter);
	/* A prefix that both heads cover agrees with both as far: a tie. */
	assert_int_equal(find(fx, text, 80, ids, 3), 2);
}

/* Of copies with the same head, the one read furthest: it adds least again. */
static void test_of_equal_heads_the_most_read_comes_first(void **state)
{
	struct fixture *fx = *state;
	struct source a = {0}, b = {0};
	char text[300];
	int64_t ids[3];

	fill_text(text, sizeof(text), 0);
	memcpy(a.head, text, 200), a.head_len = 200;
	memcpy(b.head, text, 200), b.head_len = 200;
	assert_int_equal(source_create(fx->st, "old.log", &a), 0);
	assert_int_equal(source_create(fx->st, "new.log", &b), 0);
	a.lines = 2, a.bytes = 80;
	b.lines = 5, b.bytes = 200;
	assert_int_equal(source_save(fx->st, &a, NULL, 0, NULL), 0);
	assert_int_equal(source_save(fx->st, &b, NULL, 0, NULL), 0);
	assert_int_equal(find(fx, text, sizeof(text), ids, 3), 2);
	assert_int_equal(ids[0], b.id);
	assert_int_equal(ids[1], a.id);
	/* An unterminated last line counts as read too. */
	a.tail_bytes = 150, a.tail_crc = 7;
	assert_int_equal(source_save(fx->st, &a, NULL, 0, NULL), 0);
	assert_int_equal(find(fx, text, sizeof(text), ids, 3), 2);
	assert_int_equal(ids[0], a.id);
	/* Equal in everything: the older source first, every time. */
	a.tail_bytes = 120;
	assert_int_equal(source_save(fx->st, &a, NULL, 0, NULL), 0);
	assert_int_equal(find(fx, text, sizeof(text), ids, 3), 2);
	assert_int_equal(ids[0], a.id);
	assert_int_equal(ids[1], b.id);
}

static void test_progress_saved_is_what_find_returns(void **state)
{
	struct fixture *fx = *state;
	struct source src = {0}, *list = NULL;
	char text[5000];
	size_t count;

	fill_text(text, sizeof(text), 1);
	memcpy(src.head, text, 100), src.head_len = 100;
	assert_int_equal(source_create(fx->st, "relay.log", &src), 0);
	/* The head grows as more of the log is read, up to its maximum. */
	memcpy(src.head, text, SOURCE_HEAD_MAX), src.head_len = SOURCE_HEAD_MAX;
	src.lines = 123, src.bytes = 4920, src.crc = 0xdeadbeef;
	src.tail_bytes = 17, src.tail_crc = 0xfeedface;
	assert_int_equal(source_save(fx->st, &src, NULL, 1, NULL), 0);
	assert_int_equal(source_find(fx->st, (const unsigned char *)text,
				     sizeof(text), &list, &count), 0);
	assert_int_equal(count, 1);
	assert_int_equal(list[0].id, src.id);
	assert_int_equal(list[0].head_len, SOURCE_HEAD_MAX);
	assert_memory_equal(list[0].head, text, SOURCE_HEAD_MAX);
	assert_int_equal(list[0].lines, 123);
	assert_int_equal(list[0].bytes, 4920);
	assert_int_equal(list[0].crc, 0xdeadbeef);
	assert_int_equal(list[0].tail_bytes, 17);
	assert_int_equal(list[0].tail_crc, 0xfeedface);
	free(list);
	/* The longer head no longer agrees with a file that differs past 100. */
	text[3000] ^= 0x20;
	assert_int_equal(source_find(fx->st, (const unsigned char *)text,
				     sizeof(text), &list, &count), 0);
	assert_int_equal(count, 0);
	assert_null(list);
}

/* ---- What a save records -------------------------------------------------- */

static void test_a_save_without_a_name_keeps_the_recorded_one(void **state)
{
	struct fixture *fx = *state;
	struct source src = {0};
	char *ref;

	memcpy(src.head, "x", 1), src.head_len = 1;
	assert_int_equal(source_create(fx->st, "relay.log", &src), 0);
	assert_int_equal(source_save(fx->st, &src, NULL, 0, NULL), 0);
	ref = source_event_ref(fx->st, EVENT_ID(src.id, 7));
	assert_string_equal(ref, "relay.log:7");
	free(ref);
	/* Rotated: the same content under its new name. */
	assert_int_equal(source_save(fx->st, &src, "relay.log.1", 0, NULL), 0);
	ref = source_event_ref(fx->st, EVENT_ID(src.id, 7));
	assert_string_equal(ref, "relay.log.1:7");
	free(ref);
}

/* The first fingerprint stays: a source is named once across engines. */
static void test_the_first_fingerprint_recorded_stays(void **state)
{
	struct fixture *fx = *state;
	static const char sql[] = "SELECT fingerprint FROM source WHERE id = ?1";
	struct source src = {0};

	memcpy(src.head, "x", 1), src.head_len = 1;
	assert_int_equal(source_create(fx->st, "relay.log", &src), 0);
	assert_int_equal(source_save(fx->st, &src, NULL, 0, NULL), 0);
	assert_int_equal(int_value(fx, sql, src.id), -1); /* NULL: not known yet */
	src.has_fingerprint = 1, src.fingerprint = 0x1234;
	assert_int_equal(source_save(fx->st, &src, NULL, 0, NULL), 0);
	assert_int_equal(int_value(fx, sql, src.id), 0x1234);
	src.fingerprint = 0x5678;
	assert_int_equal(source_save(fx->st, &src, NULL, 0, NULL), 0);
	assert_int_equal(int_value(fx, sql, src.id), 0x1234);
}

static void add_event(struct fixture *fx, int64_t source, uint64_t line,
		      const char *text)
{
	char *copy = strdup(text);
	struct event ev;

	assert_int_equal(logfmt_parse_line(copy, strlen(copy), &ev), 0);
	assert_int_equal(store_insert_event(fx->st, source, line, &ev), 0);
	free(copy);
}

static void test_a_save_counts_the_sources_events_and_rejects(void **state)
{
	struct fixture *fx = *state;
	struct source src = {0}, other = {0};

	memcpy(src.head, "a", 1), src.head_len = 1;
	memcpy(other.head, "b", 1), other.head_len = 1;
	assert_int_equal(store_begin(fx->st), 0);
	assert_int_equal(source_create(fx->st, "relay.log", &src), 0);
	assert_int_equal(source_create(fx->st, "other.log", &other), 0);
	add_event(fx, src.id, 1, "ts=2019-12-26T08:00:02Z req=r1 account=a1 "
		  "key=k1 node=n1 status=200");
	add_event(fx, src.id, 2, "ts=2019-12-26T08:00:01Z req=r2 account=a1 "
		  "key=k1 node=n1 status=200");
	add_event(fx, src.id, 3, "ts=2019-12-26T07:59:00Z op=fill node=n1 key=k1 "
		  "device=cam-1");
	add_event(fx, other.id, 1, "ts=2019-12-26T09:00:00Z req=r3 account=a1 "
		  "key=k1 node=n1 status=200");
	assert_int_equal(store_insert_reject(fx->st, src.id, 4, "no ts"), 0);
	assert_int_equal(source_save(fx->st, &src, NULL, 0, NULL), 0);
	assert_int_equal(int_value(fx, "SELECT events FROM source WHERE id = ?1",
				   src.id), 3);
	assert_int_equal(int_value(fx, "SELECT rejected FROM source WHERE id = ?1",
				   src.id), 1);
	/* The serves' span, by which a window picks its sources (store.h). */
	assert_int_equal(int_value(fx, "SELECT serve_min_ts FROM source WHERE id = ?1",
				   src.id), INT64_C(1577347201000));
	assert_int_equal(int_value(fx, "SELECT serve_max_ts FROM source WHERE id = ?1",
				   src.id), INT64_C(1577347202000));
	/* The other source is counted when it is saved, not before. */
	assert_int_equal(int_value(fx, "SELECT events FROM source WHERE id = ?1",
				   other.id), 0);
	store_rollback(fx->st);
}

/* ---- Event references ---------------------------------------------------- */

static void test_an_event_ref_is_the_name_and_the_line(void **state)
{
	struct fixture *fx = *state;
	int64_t id = create(fx, "logs/relay.log", "x", 1);
	char *ref = source_event_ref(fx->st, EVENT_ID(id, EVENT_LINE_MAX));

	assert_string_equal(ref, "logs/relay.log:4294967295");
	free(ref);
}

static void test_an_event_of_a_source_that_is_gone_names_no_file(void **state)
{
	struct fixture *fx = *state;
	char *ref = source_event_ref(fx->st, EVENT_ID(42, 3));

	assert_string_equal(ref, "?:3");
	free(ref);
}

/* A file name is whatever the operator's shell allowed: never raw to a terminal. */
static void test_an_event_ref_escapes_control_characters(void **state)
{
	struct fixture *fx = *state;
	int64_t id = create(fx, "evil\x1b[2J\n.log", "x", 1);
	char *ref = source_event_ref(fx->st, EVENT_ID(id, 1));

	assert_string_equal(ref, "evil\\x1b[2J\\n.log:1");
	free(ref);
}

/* ---- Reading a stored line back ------------------------------------------- */

static void write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	assert_int_equal(fputs(text, fp) >= 0, 1);
	assert_int_equal(fclose(fp), 0);
}

/* Ingest's record of path as it is now: head, lines, bytes, CRCs. */
static int64_t record_file(struct fixture *fx, const char *path)
{
	struct input *in = input_open(path);
	struct source src = {0};
	const char *prefix;
	size_t prefix_len;
	struct line l;

	assert_non_null(in);
	assert_int_equal(input_prefix(in, &prefix, &prefix_len), 0);
	memcpy(src.head, prefix, prefix_len);
	src.head_len = prefix_len;
	while (input_next_line(in, &l)) {
		if (l.terminated) {
			src.lines = l.number;
			src.bytes = input_offset(in);
			src.crc = input_crc(in);
		} else {
			src.tail_bytes = l.len;
			src.tail_crc = input_line_crc(&l);
		}
	}
	input_close(in);
	assert_int_equal(source_create(fx->st, path, &src), 0);
	assert_int_equal(source_save(fx->st, &src, NULL, 0, NULL), 0);
	return src.id;
}

/* source_read_line()'s verdict on line number of source id in path. */
static enum source_line read_line(struct fixture *fx, int64_t id,
				  const char *path, uint64_t number,
				  const char *expected)
{
	enum source_line found = (enum source_line)-1;
	char *line = (char *)&found; /* must be replaced */
	size_t len = 99;

	assert_int_equal(source_read_line(fx->st, id, path, number, &line, &len,
					  &found), 0);
	if (found == SOURCE_LINE_VERIFIED && expected) {
		assert_non_null(line);
		assert_int_equal(len, strlen(expected));
		assert_memory_equal(line, expected, len);
	} else {
		/* Nothing unverified is ever handed out. */
		assert_null(line);
		assert_int_equal(len, 0);
	}
	free(line);
	return found;
}

static const char relay_text[] = "first line\nsecond line\nthird line\n";

static void test_a_line_of_an_unchanged_file_is_verified(void **state)
{
	struct fixture *fx = *state;
	int64_t id;

	write_file(fx->path, relay_text);
	id = record_file(fx, fx->path);
	assert_int_equal(read_line(fx, id, fx->path, 1, "first line"),
			 SOURCE_LINE_VERIFIED);
	assert_int_equal(read_line(fx, id, fx->path, 2, "second line"),
			 SOURCE_LINE_VERIFIED);
	assert_int_equal(read_line(fx, id, fx->path, 3, "third line"),
			 SOURCE_LINE_VERIFIED);
}

/* Lines written after the ingest change nothing that was stored. */
static void test_a_file_that_grew_still_verifies_its_lines(void **state)
{
	struct fixture *fx = *state;
	int64_t id;

	write_file(fx->path, relay_text);
	id = record_file(fx, fx->path);
	write_file(fx->path, "first line\nsecond line\nthird line\nfourth line\n");
	assert_int_equal(read_line(fx, id, fx->path, 2, "second line"),
			 SOURCE_LINE_VERIFIED);
	/* Never stored: not the store's evidence. */
	assert_int_equal(read_line(fx, id, fx->path, 4, NULL), SOURCE_LINE_CHANGED);
}

static void test_a_file_rewritten_after_the_line_is_changed(void **state)
{
	struct fixture *fx = *state;
	int64_t id;

	write_file(fx->path, relay_text);
	id = record_file(fx, fx->path);
	/* The line asked for is as it was; a later stored one is not. */
	write_file(fx->path, "first line\nsecond line\nthird LINE\n");
	assert_int_equal(read_line(fx, id, fx->path, 1, NULL), SOURCE_LINE_CHANGED);
	/* Another file under the name (its head differs). */
	write_file(fx->path, "other log\nsecond line\nthird line\n");
	assert_int_equal(read_line(fx, id, fx->path, 2, NULL), SOURCE_LINE_CHANGED);
	/* Truncated: fewer bytes than were consumed. */
	write_file(fx->path, "first line\nsecond line\n");
	assert_int_equal(read_line(fx, id, fx->path, 1, NULL), SOURCE_LINE_CHANGED);
}

/* Rotated and compressed: the same decoded content, verified as well. */
static void test_a_compressed_copy_verifies_its_lines(void **state)
{
	struct fixture *fx = *state;
	char gz[160];
	gzFile out;
	int64_t id;

	write_file(fx->path, relay_text);
	id = record_file(fx, fx->path);
	snprintf(gz, sizeof(gz), "%s.gz", fx->path);
	out = gzopen(gz, "wb");
	assert_non_null(out);
	assert_int_equal(gzputs(out, relay_text), (int)strlen(relay_text));
	assert_int_equal(gzclose(out), Z_OK);
	assert_int_equal(read_line(fx, id, gz, 3, "third line"),
			 SOURCE_LINE_VERIFIED);
}

static void test_without_a_file_the_line_is_unreadable(void **state)
{
	struct fixture *fx = *state;
	char missing[160];
	int64_t id;

	write_file(fx->path, relay_text);
	id = record_file(fx, fx->path);
	snprintf(missing, sizeof(missing), "%s/gone.log", fx->dir);
	assert_int_equal(read_line(fx, id, missing, 1, NULL), SOURCE_LINE_UNREADABLE);
	assert_int_equal(read_line(fx, id, NULL, 1, NULL), SOURCE_LINE_UNREADABLE);
	/* Standard input cannot be read again. */
	assert_int_equal(read_line(fx, id, "<stdin>", 1, NULL),
			 SOURCE_LINE_UNREADABLE);
	/* A source the store does not know. */
	assert_int_equal(read_line(fx, id + 100, fx->path, 1, NULL),
			 SOURCE_LINE_UNREADABLE);
}

/* The unterminated last line stored is checked by its own length and CRC. */
static void test_an_unterminated_last_line_is_verified_as_stored(void **state)
{
	struct fixture *fx = *state;
	int64_t id;

	write_file(fx->path, "first line\nhalf a li");
	id = record_file(fx, fx->path);
	assert_int_equal(read_line(fx, id, fx->path, 2, "half a li"),
			 SOURCE_LINE_VERIFIED);
	assert_int_equal(read_line(fx, id, fx->path, 1, "first line"),
			 SOURCE_LINE_VERIFIED);
	/* Past the stored tail there is nothing of the store's. */
	assert_int_equal(read_line(fx, id, fx->path, 3, NULL), SOURCE_LINE_CHANGED);
	/* The writer finished it since: no longer the line that was stored. */
	write_file(fx->path, "first line\nhalf a line\n");
	assert_int_equal(read_line(fx, id, fx->path, 2, NULL), SOURCE_LINE_CHANGED);
	/* Its bytes rewritten in place, same length. */
	write_file(fx->path, "first line\nhalf a lX");
	assert_int_equal(read_line(fx, id, fx->path, 2, NULL), SOURCE_LINE_CHANGED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define TEST(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
		TEST(test_an_empty_store_finds_nothing),
		TEST(test_a_grown_log_is_found_by_its_head),
		TEST(test_a_prefix_shorter_than_the_head_that_agrees_is_found),
		TEST(test_a_log_that_differs_anywhere_in_the_head_is_another),
		TEST(test_a_short_head_is_found_by_a_longer_prefix),
		TEST(test_the_longest_agreement_comes_first),
		TEST(test_of_equal_heads_the_most_read_comes_first),
		TEST(test_progress_saved_is_what_find_returns),
		TEST(test_a_save_without_a_name_keeps_the_recorded_one),
		TEST(test_the_first_fingerprint_recorded_stays),
		TEST(test_a_save_counts_the_sources_events_and_rejects),
		TEST(test_an_event_ref_is_the_name_and_the_line),
		TEST(test_an_event_of_a_source_that_is_gone_names_no_file),
		TEST(test_an_event_ref_escapes_control_characters),
		TEST(test_a_line_of_an_unchanged_file_is_verified),
		TEST(test_a_file_that_grew_still_verifies_its_lines),
		TEST(test_a_file_rewritten_after_the_line_is_changed),
		TEST(test_a_compressed_copy_verifies_its_lines),
		TEST(test_without_a_file_the_line_is_unreadable),
		TEST(test_an_unterminated_last_line_is_verified_as_stored),
#undef TEST
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
