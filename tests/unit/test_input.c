/*
 * Unit tests of src/input.c: each test writes a small file (plain, gzip,
 * multi-member gzip, or damaged gzip) into a temporary directory and reads
 * it back line by line.  Gzip data is made here with zlib's deflate, so the
 * tests control every byte, including the trailer.
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
#include <zlib.h>

#include <cmocka.h>

#include "input.h"

#define MAX_FILES 8

struct fixture {
	char dir[64];
	char path[MAX_FILES][96];
	int files;
	struct input *in;
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	const char *tmp = getenv("TMPDIR");

	assert_non_null(fx);
	snprintf(fx->dir, sizeof(fx->dir), "%s/camaudit-input-XXXXXX",
		 tmp && *tmp && strlen(tmp) < 32 ? tmp : "/tmp");
	assert_non_null(mkdtemp(fx->dir));
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	int i;

	input_close(fx->in);
	for (i = 0; i < fx->files; i++)
		unlink(fx->path[i]);
	rmdir(fx->dir);
	free(fx);
	return 0;
}

static void write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		assert_true(n > 0);
		p += n;
		len -= (size_t)n;
	}
}

/* A new file in the fixture's directory holding data[0..len); its path. */
static const char *make_file(struct fixture *fx, const void *data, size_t len)
{
	char template[sizeof(fx->path[0])], *path;
	int fd;

	assert_true(fx->files < MAX_FILES);
	/* No ".gz" in the name: gzip must be recognised by its content. */
	snprintf(template, sizeof(template), "%s/log-XXXXXX", fx->dir);
	path = fx->path[fx->files];
	memcpy(path, template, sizeof(template));
	fd = mkstemp(path);
	assert_true(fd >= 0);
	fx->files++;
	write_all(fd, data, len);
	assert_int_equal(close(fd), 0);
	return path;
}

/* One gzip member of data[0..len), malloc'ed; its size in *out_len. */
static unsigned char *gzip_member(const void *data, size_t len, size_t *out_len)
{
	z_stream zs;
	unsigned char *out;
	uLong bound;

	memset(&zs, 0, sizeof(zs));
	/* 15 + 16: a gzip header and trailer around the deflate data. */
	assert_int_equal(deflateInit2(&zs, Z_BEST_COMPRESSION, Z_DEFLATED,
				      15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
	bound = deflateBound(&zs, (uLong)len);
	out = malloc(bound);
	assert_non_null(out);
	zs.next_in = (Bytef *)(uintptr_t)data;
	zs.avail_in = (uInt)len;
	zs.next_out = out;
	zs.avail_out = (uInt)bound;
	assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
	*out_len = zs.total_out;
	assert_int_equal(deflateEnd(&zs), Z_OK);
	return out;
}

static const char *make_gzip_file(struct fixture *fx, const void *data, size_t len)
{
	size_t gz_len;
	unsigned char *gz = gzip_member(data, len, &gz_len);
	const char *path = make_file(fx, gz, gz_len);

	free(gz);
	return path;
}

static struct input *open_file(struct fixture *fx, const char *path)
{
	fx->in = input_open(path);
	assert_non_null(fx->in);
	return fx->in;
}

/* The next line is terminated and holds exactly the C string expected. */
#define assert_next_line(in, expected)                                        \
	do {                                                                  \
		struct line l_;                                               \
		assert_int_equal(input_next_line((in), &l_), 1);              \
		assert_int_equal(l_.overlong, 0);                             \
		assert_int_equal(l_.len, strlen(expected));                   \
		assert_memory_equal(l_.ptr, (expected), strlen(expected));    \
	} while (0)

#define assert_no_more_lines(in)                                              \
	do {                                                                  \
		struct line l_;                                               \
		assert_int_equal(input_next_line((in), &l_), 0);              \
	} while (0)

/*
 * Readable log lines that deflate cannot shrink much (the digits come from
 * a fixed linear congruential sequence), so that cutting the compressed
 * file in half loses a real part of the content.
 */
static char *make_log_lines(unsigned count, size_t *len)
{
	size_t size = (size_t)count * 40 + 1, used = 0;
	char *text = malloc(size);
	uint32_t x = 12345;
	unsigned i;

	assert_non_null(text);
	for (i = 0; i < count; i++) {
		x = x * 1103515245u + 12345u;
		used += (size_t)snprintf(text + used, size - used,
					 "line=%05u key=%010u\n", i, x);
	}
	*len = used;
	return text;
}

/* The i-th line of make_log_lines(), without its newline. */
static void log_line(unsigned i, char *out, size_t size)
{
	uint32_t x = 12345;
	unsigned j;

	for (j = 0; j <= i; j++)
		x = x * 1103515245u + 12345u;
	snprintf(out, size, "line=%05u key=%010u", i, x);
}

/* ---- Plain files ------------------------------------------------------- */

static void test_plain_lines_are_returned_in_order(void **state)
{
	struct fixture *fx = *state;
	const char text[] = "alpha\nbeta\n";
	struct input *in = open_file(fx, make_file(fx, text, sizeof(text) - 1));

	assert_next_line(in, "alpha");
	assert_next_line(in, "beta");
	assert_no_more_lines(in);
}

static void test_lines_are_numbered_from_one(void **state)
{
	struct fixture *fx = *state;
	const char text[] = "alpha\nbeta\n";
	struct input *in = open_file(fx, make_file(fx, text, sizeof(text) - 1));
	struct line line;

	assert_int_equal(input_next_line(in, &line), 1);
	assert_int_equal(line.number, 1);
	assert_int_equal(input_next_line(in, &line), 1);
	assert_int_equal(line.number, 2);
}

static void test_line_ended_by_newline_is_terminated(void **state)
{
	struct fixture *fx = *state;
	const char text[] = "alpha\n";
	struct input *in = open_file(fx, make_file(fx, text, sizeof(text) - 1));
	struct line line;

	assert_int_equal(input_next_line(in, &line), 1);
	assert_int_equal(line.terminated, 1);
	assert_int_equal(line.cut, 0);
}

static void test_last_line_without_newline_is_returned_unterminated(void **state)
{
	struct fixture *fx = *state;
	const char text[] = "alpha\nbeta";
	struct input *in = open_file(fx, make_file(fx, text, sizeof(text) - 1));
	struct line line;

	assert_next_line(in, "alpha");
	assert_int_equal(input_next_line(in, &line), 1);
	assert_int_equal(line.len, 4);
	assert_memory_equal(line.ptr, "beta", 4);
	assert_int_equal(line.terminated, 0);
	assert_int_equal(line.cut, 0);
	assert_no_more_lines(in);
}

static void test_crlf_line_keeps_its_carriage_return(void **state)
{
	struct fixture *fx = *state;
	const char text[] = "alpha\r\nbeta\r\n";
	struct input *in = open_file(fx, make_file(fx, text, sizeof(text) - 1));

	assert_next_line(in, "alpha\r");
	assert_next_line(in, "beta\r");
}

static void test_empty_lines_are_returned_as_empty(void **state)
{
	struct fixture *fx = *state;
	const char text[] = "\n\nx\n";
	struct input *in = open_file(fx, make_file(fx, text, sizeof(text) - 1));

	assert_next_line(in, "");
	assert_next_line(in, "");
	assert_next_line(in, "x");
}

static void test_nul_bytes_do_not_end_a_line(void **state)
{
	struct fixture *fx = *state;
	const char text[] = "a\0b\nc\n";
	struct input *in = open_file(fx, make_file(fx, text, sizeof(text) - 1));
	struct line line;

	assert_int_equal(input_next_line(in, &line), 1);
	assert_int_equal(line.len, 3);
	assert_memory_equal(line.ptr, "a\0b", 3);
}

static void test_plain_file_is_not_reported_as_gzip(void **state)
{
	struct fixture *fx = *state;
	const char text[] = "alpha\n";
	struct input *in = open_file(fx, make_file(fx, text, sizeof(text) - 1));

	assert_next_line(in, "alpha");
	assert_int_equal(input_is_gzip(in), 0);
}

static void test_empty_file_gives_no_lines(void **state)
{
	struct fixture *fx = *state;
	struct input *in = open_file(fx, make_file(fx, "", 0));

	assert_no_more_lines(in);
	assert_int_equal(input_offset(in), 0);
	assert_null(input_failed(in));
}

static void test_missing_file_cannot_be_opened(void **state)
{
	struct fixture *fx = *state;
	char path[128];

	snprintf(path, sizeof(path), "%s/no-such-file", fx->dir);
	assert_null(input_open(path));
}

static void test_dash_reads_standard_input(void **state)
{
	struct fixture *fx = *state;
	const char text[] = "from stdin\n";
	const char *path = make_file(fx, text, sizeof(text) - 1);
	FILE *fp = fopen(path, "rb");
	int saved = dup(STDIN_FILENO);

	assert_non_null(fp);
	assert_true(saved >= 0);
	assert_true(dup2(fileno(fp), STDIN_FILENO) >= 0);
	fx->in = input_open("-");
	/* input_open() took its own descriptor; give the test runner its stdin back. */
	assert_true(dup2(saved, STDIN_FILENO) >= 0);
	close(saved);
	fclose(fp);
	assert_non_null(fx->in);
	assert_next_line(fx->in, "from stdin");
}

/* ---- Offset and CRC ---------------------------------------------------- */

static void test_offset_counts_bytes_of_returned_lines_with_newlines(void **state)
{
	struct fixture *fx = *state;
	const char text[] = "alpha\nbeta\ngamma\n";
	struct input *in = open_file(fx, make_file(fx, text, sizeof(text) - 1));

	assert_next_line(in, "alpha");
	assert_next_line(in, "beta");
	assert_int_equal(input_offset(in), strlen("alpha\nbeta\n"));
}

static void test_crc_is_crc32_of_bytes_of_returned_lines(void **state)
{
	struct fixture *fx = *state;
	const char text[] = "alpha\nbeta\ngamma\n";
	struct input *in = open_file(fx, make_file(fx, text, sizeof(text) - 1));
	uLong expected = crc32(crc32(0L, Z_NULL, 0), (const Bytef *)text,
			       (uInt)strlen("alpha\nbeta\n"));

	assert_next_line(in, "alpha");
	assert_next_line(in, "beta");
	assert_int_equal(input_crc(in), expected);
}

static void test_crc_before_any_line_is_crc_of_nothing(void **state)
{
	struct fixture *fx = *state;
	const char text[] = "alpha\n";
	struct input *in = open_file(fx, make_file(fx, text, sizeof(text) - 1));

	assert_int_equal(input_offset(in), 0);
	assert_int_equal(input_crc(in), 0);
}

static void test_offset_and_crc_cover_an_unterminated_last_line(void **state)
{
	struct fixture *fx = *state;
	const char text[] = "alpha\nbeta";
	struct input *in = open_file(fx, make_file(fx, text, sizeof(text) - 1));
	uLong expected = crc32(crc32(0L, Z_NULL, 0), (const Bytef *)text,
			       (uInt)(sizeof(text) - 1));

	assert_next_line(in, "alpha");
	assert_next_line(in, "beta");
	assert_no_more_lines(in);
	assert_int_equal(input_offset(in), sizeof(text) - 1);
	assert_int_equal(input_crc(in), expected);
}

static void test_offset_and_crc_of_gzip_count_decoded_bytes(void **state)
{
	struct fixture *fx = *state;
	const char text[] = "alpha\nbeta\ngamma\n";
	struct input *in = open_file(fx, make_gzip_file(fx, text, sizeof(text) - 1));
	uLong expected = crc32(crc32(0L, Z_NULL, 0), (const Bytef *)text,
			       (uInt)strlen("alpha\nbeta\n"));

	assert_next_line(in, "alpha");
	assert_next_line(in, "beta");
	assert_int_equal(input_offset(in), strlen("alpha\nbeta\n"));
	assert_int_equal(input_crc(in), expected);
}

/* ---- Overlong lines ---------------------------------------------------- */

/* A file: n bytes of 'x', a newline, then "next\n". */
static const char *make_long_line_file(struct fixture *fx, size_t n)
{
	size_t len = n + strlen("\nnext\n");
	char *text = malloc(len);
	const char *path;

	assert_non_null(text);
	memset(text, 'x', n);
	memcpy(text + n, "\nnext\n", strlen("\nnext\n"));
	path = make_file(fx, text, len);
	free(text);
	return path;
}

static void test_line_of_exactly_max_length_is_kept(void **state)
{
	struct fixture *fx = *state;
	struct input *in = open_file(fx, make_long_line_file(fx, INPUT_MAX_LINE));
	struct line line;

	assert_int_equal(input_next_line(in, &line), 1);
	assert_int_equal(line.overlong, 0);
	assert_non_null(line.ptr);
	assert_int_equal(line.len, INPUT_MAX_LINE);
	assert_int_equal(line.ptr[0], 'x');
	assert_int_equal(line.ptr[INPUT_MAX_LINE - 1], 'x');
}

/*
 * A line just over the limit fits in the read buffer together with its
 * newline; it must still be reported as overlong, not returned (the
 * newline search once ran before the length check, see commit 2133b66).
 */
static void test_line_one_byte_over_max_is_reported_overlong(void **state)
{
	struct fixture *fx = *state;
	struct input *in = open_file(fx, make_long_line_file(fx, INPUT_MAX_LINE + 1));
	struct line line;

	assert_int_equal(input_next_line(in, &line), 1);
	assert_int_equal(line.overlong, 1);
	assert_null(line.ptr);
	assert_int_equal(line.len, INPUT_MAX_LINE + 1);
	assert_int_equal(line.terminated, 1);
}

static void test_line_far_over_max_is_reported_overlong_with_full_length(void **state)
{
	struct fixture *fx = *state;
	size_t n = 5 * (size_t)INPUT_MAX_LINE + 7;
	struct input *in = open_file(fx, make_long_line_file(fx, n));
	struct line line;

	assert_int_equal(input_next_line(in, &line), 1);
	assert_int_equal(line.overlong, 1);
	assert_null(line.ptr);
	assert_int_equal(line.len, n);
	assert_int_equal(line.terminated, 1);
}

static void test_line_after_overlong_line_is_read_whole(void **state)
{
	struct fixture *fx = *state;
	size_t n = 5 * (size_t)INPUT_MAX_LINE + 7;
	struct input *in = open_file(fx, make_long_line_file(fx, n));
	struct line line;

	assert_int_equal(input_next_line(in, &line), 1);
	assert_int_equal(input_next_line(in, &line), 1);
	assert_int_equal(line.number, 2);
	assert_int_equal(line.overlong, 0);
	assert_int_equal(line.len, 4);
	assert_memory_equal(line.ptr, "next", 4);
}

static void test_overlong_line_counts_in_offset(void **state)
{
	struct fixture *fx = *state;
	size_t n = 5 * (size_t)INPUT_MAX_LINE + 7;
	struct input *in = open_file(fx, make_long_line_file(fx, n));
	struct line line;

	assert_int_equal(input_next_line(in, &line), 1);
	assert_int_equal(input_offset(in), n + 1);
}

static void test_overlong_last_line_without_newline_is_unterminated(void **state)
{
	struct fixture *fx = *state;
	size_t n = 2 * (size_t)INPUT_MAX_LINE;
	char *text = malloc(n);
	struct input *in;
	struct line line;

	assert_non_null(text);
	memset(text, 'x', n);
	in = open_file(fx, make_file(fx, text, n));
	free(text);
	assert_int_equal(input_next_line(in, &line), 1);
	assert_int_equal(line.overlong, 1);
	assert_int_equal(line.len, n);
	assert_int_equal(line.terminated, 0);
	assert_no_more_lines(in);
}

/* ---- Gzip -------------------------------------------------------------- */

static void test_gzip_content_without_gz_name_is_decoded(void **state)
{
	struct fixture *fx = *state;
	const char text[] = "alpha\nbeta\n";
	struct input *in = open_file(fx, make_gzip_file(fx, text, sizeof(text) - 1));

	assert_next_line(in, "alpha");
	assert_next_line(in, "beta");
	assert_no_more_lines(in);
}

static void test_gzip_content_is_reported_as_gzip(void **state)
{
	struct fixture *fx = *state;
	const char text[] = "alpha\n";
	struct input *in = open_file(fx, make_gzip_file(fx, text, sizeof(text) - 1));

	assert_next_line(in, "alpha");
	assert_int_equal(input_is_gzip(in), 1);
}

static void test_intact_gzip_read_to_the_end_has_no_failure(void **state)
{
	struct fixture *fx = *state;
	const char text[] = "alpha\nbeta\n";
	struct input *in = open_file(fx, make_gzip_file(fx, text, sizeof(text) - 1));

	assert_next_line(in, "alpha");
	assert_next_line(in, "beta");
	assert_no_more_lines(in);
	assert_null(input_failed(in));
}

static void test_gzip_of_nothing_gives_no_lines(void **state)
{
	struct fixture *fx = *state;
	struct input *in = open_file(fx, make_gzip_file(fx, "", 0));

	assert_no_more_lines(in);
	assert_null(input_failed(in));
}

static void test_two_gzip_members_read_as_one_stream(void **state)
{
	struct fixture *fx = *state;
	/* The split falls inside "two", so the members must be joined. */
	const char first[] = "one\ntw", second[] = "o\nthree\n";
	size_t len1, len2;
	unsigned char *gz1 = gzip_member(first, sizeof(first) - 1, &len1);
	unsigned char *gz2 = gzip_member(second, sizeof(second) - 1, &len2);
	unsigned char *both = malloc(len1 + len2);
	struct input *in;

	assert_non_null(both);
	memcpy(both, gz1, len1);
	memcpy(both + len1, gz2, len2);
	in = open_file(fx, make_file(fx, both, len1 + len2));
	free(gz1);
	free(gz2);
	free(both);
	assert_next_line(in, "one");
	assert_next_line(in, "two");
	assert_next_line(in, "three");
	assert_no_more_lines(in);
	assert_null(input_failed(in));
}

static void test_text_after_a_gzip_member_is_reported_not_dropped(void **state)
{
	struct fixture *fx = *state;
	const char text[] = "one\ntwo\n", tail[] = "plain line\n";
	size_t len;
	unsigned char *gz = gzip_member(text, sizeof(text) - 1, &len);
	unsigned char *both = malloc(len + sizeof(tail) - 1);
	struct input *in;

	assert_non_null(both);
	memcpy(both, gz, len);
	memcpy(both + len, tail, sizeof(tail) - 1);
	in = open_file(fx, make_file(fx, both, len + sizeof(tail) - 1));
	free(gz);
	free(both);
	assert_next_line(in, "one");
	assert_next_line(in, "two");
	assert_no_more_lines(in);
	assert_non_null(input_failed(in));
	assert_non_null(strstr(input_failed(in), "after the end of the gzip stream"));
}

static void test_corruption_mid_stream_keeps_the_lines_decoded_before_it(void **state)
{
	struct fixture *fx = *state;
	size_t len, gz_len;
	char *text = make_log_lines(20000, &len);
	unsigned char *gz = gzip_member(text, len, &gz_len);
	struct input *in;
	struct line line;
	uint64_t lines = 0;

	/* Stored (level 0) blocks would survive; these are compressed, and a
	 * flipped run of bytes three quarters in breaks the deflate data. */
	memset(gz + gz_len * 3 / 4, 0xff, 64);
	in = open_file(fx, make_file(fx, gz, gz_len));
	free(gz);
	free(text);
	while (input_next_line(in, &line) == 1)
		lines += line.terminated && !line.cut;
	assert_non_null(input_failed(in));
	/* Most of what came before the damage is kept. */
	assert_true(lines > 20000 / 2);
	assert_true(lines < 20000);
}

static void test_prefix_of_gzip_file_is_first_4096_decoded_bytes(void **state)
{
	struct fixture *fx = *state;
	size_t len;
	char *text = make_log_lines(1000, &len);
	struct input *in = open_file(fx, make_gzip_file(fx, text, len));
	const char *data;
	size_t data_len;

	assert_true(len > 4096);
	assert_int_equal(input_prefix(in, &data, &data_len), 0);
	assert_int_equal(data_len, 4096);
	assert_memory_equal(data, text, 4096);
	free(text);
}

static void test_prefix_of_small_file_is_its_whole_content(void **state)
{
	struct fixture *fx = *state;
	const char text[] = "alpha\nbeta\n";
	struct input *in = open_file(fx, make_gzip_file(fx, text, sizeof(text) - 1));
	const char *data;
	size_t data_len;

	assert_int_equal(input_prefix(in, &data, &data_len), 0);
	assert_int_equal(data_len, sizeof(text) - 1);
	assert_memory_equal(data, text, sizeof(text) - 1);
}

static void test_lines_after_prefix_start_at_the_beginning(void **state)
{
	struct fixture *fx = *state;
	const char text[] = "alpha\nbeta\n";
	struct input *in = open_file(fx, make_gzip_file(fx, text, sizeof(text) - 1));
	const char *data;
	size_t data_len;

	assert_int_equal(input_prefix(in, &data, &data_len), 0);
	assert_next_line(in, "alpha");
	assert_int_equal(input_offset(in), strlen("alpha\n"));
}

static void test_prefix_after_first_line_is_refused(void **state)
{
	struct fixture *fx = *state;
	const char text[] = "alpha\nbeta\n";
	struct input *in = open_file(fx, make_file(fx, text, sizeof(text) - 1));
	const char *data;
	size_t data_len;

	assert_next_line(in, "alpha");
	assert_int_equal(input_prefix(in, &data, &data_len), -1);
}

/* ---- Damaged gzip ------------------------------------------------------ */

static void test_truncated_gzip_returns_the_lines_before_the_cut(void **state)
{
	struct fixture *fx = *state;
	size_t len, gz_len;
	char *text = make_log_lines(4000, &len);
	unsigned char *gz = gzip_member(text, len, &gz_len);
	struct input *in = open_file(fx, make_file(fx, gz, gz_len / 2));
	struct line line;
	unsigned whole = 0;

	while (input_next_line(in, &line) == 1 && line.terminated) {
		char expected[64];

		log_line(whole, expected, sizeof(expected));
		assert_int_equal(line.len, strlen(expected));
		assert_memory_equal(line.ptr, expected, line.len);
		whole++;
	}
	/* About half the lines survive; none past the damage is invented. */
	assert_true(whole > 1000);
	assert_true(whole < 4000);
	free(text);
	free(gz);
}

static void test_truncated_gzip_is_reported_as_failed(void **state)
{
	struct fixture *fx = *state;
	size_t len, gz_len;
	char *text = make_log_lines(4000, &len);
	unsigned char *gz = gzip_member(text, len, &gz_len);
	struct input *in = open_file(fx, make_file(fx, gz, gz_len / 2));
	struct line line;

	while (input_next_line(in, &line) == 1)
		;
	assert_non_null(input_failed(in));
	free(text);
	free(gz);
}

/*
 * Read to the end a gzip file of two lines whose trailer is damaged: cut
 * by `cut` bytes, then the byte `back` bytes before the end XORed with
 * `flip` (when flip is not 0).  Returns the reader's failure reason.
 */
static const char *failure_after_damage(struct fixture *fx, size_t cut,
					size_t back, unsigned char flip)
{
	const char text[] = "alpha\nbeta\n";
	size_t gz_len;
	unsigned char *gz = gzip_member(text, sizeof(text) - 1, &gz_len);
	struct input *in;
	struct line line;

	gz_len -= cut;
	if (flip)
		gz[gz_len - back] ^= flip;
	in = open_file(fx, make_file(fx, gz, gz_len));
	free(gz);
	while (input_next_line(in, &line) == 1)
		;
	return input_failed(in);
}

static void test_gzip_cut_inside_the_trailer_is_reported_as_failed(void **state)
{
	assert_non_null(failure_after_damage(*state, 3, 0, 0));
}

/* The trailer is CRC-32 then ISIZE, 4 bytes each, little-endian. */
static void test_corrupt_crc_in_gzip_trailer_is_reported_as_failed(void **state)
{
	assert_non_null(failure_after_damage(*state, 0, 8, 0xff));
}

static void test_corrupt_length_in_gzip_trailer_is_reported_as_failed(void **state)
{
	assert_non_null(failure_after_damage(*state, 0, 4, 0x01));
}

/*
 * zlib prefixes gzerror()'s message with the name given to gzdopen(),
 * "<fd:N>: ", which would reach users as "FILE: <fd:3>: ..."; the reason
 * must be zlib's message alone.
 */
static void test_failure_reason_does_not_name_a_file_descriptor(void **state)
{
	const char *why = failure_after_damage(*state, 0, 8, 0xff);

	assert_non_null(why);
	assert_null(strstr(why, "<fd:"));
}

/* ---- Fingerprints ------------------------------------------------------ */

/* The fingerprint after reading every line of path; 0 when incomplete. */
static int fingerprint_of(struct fixture *fx, const char *path, uint64_t *fp)
{
	struct input *in = input_open(path);
	struct line line;
	int rc;

	assert_non_null(in);
	while (input_next_line(in, &line))
		;
	rc = input_fingerprint(in, fp);
	input_close(in);
	(void)fx;
	return rc;
}

/* FNV-1a 64 of a C string, written out here as the definition says. */
static uint64_t fnv1a(const char *s)
{
	uint64_t h = UINT64_C(14695981039346656037);

	while (*s)
		h = (h ^ (unsigned char)*s++) * UINT64_C(1099511628211);
	return h;
}

static void test_fingerprint_hashes_up_to_the_first_data_line(void **state)
{
	struct fixture *fx = *state;
	const char text[] = "#Version: 1.0\n#Fields: a b\nfirst data\nsecond\n";
	uint64_t fp = 0;

	assert_int_equal(fingerprint_of(fx, make_file(fx, text, sizeof(text) - 1),
					&fp), 1);
	assert_true(fp == fnv1a("#Version: 1.0\n#Fields: a b\nfirst data\n"));
}

static void test_fingerprint_of_headers_alike_differs_by_data(void **state)
{
	struct fixture *fx = *state;
	const char a[] = "#Fields: a\nx=1\n", b[] = "#Fields: a\nx=2\n";
	uint64_t fa = 0, fb = 0;

	assert_int_equal(fingerprint_of(fx, make_file(fx, a, sizeof(a) - 1), &fa), 1);
	assert_int_equal(fingerprint_of(fx, make_file(fx, b, sizeof(b) - 1), &fb), 1);
	assert_true(fa != fb);
}

static void test_fingerprint_survives_compression_and_growth(void **state)
{
	struct fixture *fx = *state;
	const char text[] = "x=1\nx=2\n", longer[] = "x=1\nx=2\nx=3\n";
	uint64_t plain = 0, gz = 0, grown = 0;

	assert_int_equal(fingerprint_of(fx, make_file(fx, text, sizeof(text) - 1),
					&plain), 1);
	assert_int_equal(fingerprint_of(fx, make_gzip_file(fx, text, sizeof(text) - 1),
					&gz), 1);
	assert_int_equal(fingerprint_of(fx, make_file(fx, longer, sizeof(longer) - 1),
					&grown), 1);
	assert_true(plain == gz);
	assert_true(plain == grown);
}

static void test_fingerprint_waits_for_a_terminated_data_line(void **state)
{
	struct fixture *fx = *state;
	const char text[] = "#only a header\nx=1";
	uint64_t fp;

	assert_int_equal(fingerprint_of(fx, make_file(fx, text, sizeof(text) - 1),
					&fp), 0);
}

/* --- containers: input_container() on a decoded prefix ------------------------ */

static void test_tar_header_is_named_a_tar_archive(void **state)
{
	unsigned char block[512] = "relay.log";
	const char *what = NULL, *way_out = NULL;

	(void)state;
	memcpy(block + 257, "ustar", 5);
	assert_int_equal(input_container(block, sizeof(block), &what, &way_out), 1);
	assert_string_equal(what, "a tar archive");
	assert_non_null(way_out);
}

static void test_sqlite_header_is_named_a_database(void **state)
{
	static const unsigned char header[] = "SQLite format 3\0\x10\x00";
	const char *what = NULL, *way_out = NULL;

	(void)state;
	assert_int_equal(input_container(header, sizeof(header), &what, &way_out), 1);
	assert_non_null(strstr(what, "SQLite database"));
}

static void test_bzip2_needs_its_block_magic_not_only_bzh(void **state)
{
	static const unsigned char log[] = "BZh9 is not a file: ts=1 account=a";
	static const unsigned char bz[] = "BZh91AY&SY\x01\x02";
	const char *what, *way_out;

	(void)state;
	assert_int_equal(input_container(log, sizeof(log) - 1, &what, &way_out), 0);
	assert_int_equal(input_container(bz, sizeof(bz) - 1, &what, &way_out), 1);
	assert_string_equal(what, "bzip2-compressed");
}

static void test_a_log_and_a_short_prefix_are_not_containers(void **state)
{
	static const unsigned char log[] =
		"ts=2019-12-26T08:00:01Z req=r-01 account=acct-1 key=k node=n";
	const char *what, *way_out;

	(void)state;
	assert_int_equal(input_container(log, sizeof(log) - 1, &what, &way_out), 0);
	/* "PK\3" alone is too short to be zip's magic. */
	assert_int_equal(input_container((const unsigned char *)"PK\3", 3, &what,
					 &way_out), 0);
	assert_int_equal(input_container(log, 0, &what, &way_out), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
		T(test_plain_lines_are_returned_in_order),
		T(test_lines_are_numbered_from_one),
		T(test_line_ended_by_newline_is_terminated),
		T(test_last_line_without_newline_is_returned_unterminated),
		T(test_crlf_line_keeps_its_carriage_return),
		T(test_empty_lines_are_returned_as_empty),
		T(test_nul_bytes_do_not_end_a_line),
		T(test_plain_file_is_not_reported_as_gzip),
		T(test_empty_file_gives_no_lines),
		T(test_missing_file_cannot_be_opened),
		T(test_dash_reads_standard_input),
		T(test_offset_counts_bytes_of_returned_lines_with_newlines),
		T(test_crc_is_crc32_of_bytes_of_returned_lines),
		T(test_crc_before_any_line_is_crc_of_nothing),
		T(test_offset_and_crc_cover_an_unterminated_last_line),
		T(test_offset_and_crc_of_gzip_count_decoded_bytes),
		T(test_line_of_exactly_max_length_is_kept),
		T(test_line_one_byte_over_max_is_reported_overlong),
		T(test_line_far_over_max_is_reported_overlong_with_full_length),
		T(test_line_after_overlong_line_is_read_whole),
		T(test_overlong_line_counts_in_offset),
		T(test_overlong_last_line_without_newline_is_unterminated),
		T(test_gzip_content_without_gz_name_is_decoded),
		T(test_gzip_content_is_reported_as_gzip),
		T(test_intact_gzip_read_to_the_end_has_no_failure),
		T(test_gzip_of_nothing_gives_no_lines),
		T(test_two_gzip_members_read_as_one_stream),
		T(test_text_after_a_gzip_member_is_reported_not_dropped),
		T(test_corruption_mid_stream_keeps_the_lines_decoded_before_it),
		T(test_prefix_of_gzip_file_is_first_4096_decoded_bytes),
		T(test_prefix_of_small_file_is_its_whole_content),
		T(test_lines_after_prefix_start_at_the_beginning),
		T(test_prefix_after_first_line_is_refused),
		T(test_truncated_gzip_returns_the_lines_before_the_cut),
		T(test_tar_header_is_named_a_tar_archive),
		T(test_sqlite_header_is_named_a_database),
		T(test_bzip2_needs_its_block_magic_not_only_bzh),
		T(test_a_log_and_a_short_prefix_are_not_containers),
		T(test_truncated_gzip_is_reported_as_failed),
		T(test_gzip_cut_inside_the_trailer_is_reported_as_failed),
		T(test_corrupt_crc_in_gzip_trailer_is_reported_as_failed),
		T(test_corrupt_length_in_gzip_trailer_is_reported_as_failed),
		T(test_failure_reason_does_not_name_a_file_descriptor),
		T(test_fingerprint_hashes_up_to_the_first_data_line),
		T(test_fingerprint_of_headers_alike_differs_by_data),
		T(test_fingerprint_survives_compression_and_growth),
		T(test_fingerprint_waits_for_a_terminated_data_line),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
