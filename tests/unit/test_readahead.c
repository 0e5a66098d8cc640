/*
 * Unit tests of src/readahead.c: a file is read once through the reader
 * thread and once directly with input_next_line(), and every line must
 * come back the same, in order, with the same offsets and CRCs, and with
 * the parser's values intact after later lines reused the parser's buffer.
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

#include "readahead.h"

struct fixture {
	char path[96];
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	const char *tmp = getenv("TMPDIR");
	int fd;

	assert_non_null(fx);
	snprintf(fx->path, sizeof(fx->path), "%s/camaudit-readahead-XXXXXX",
		 tmp && *tmp && strlen(tmp) < 48 ? tmp : "/tmp");
	assert_true((fd = mkstemp(fx->path)) >= 0);
	close(fd);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	unlink(fx->path);
	free(fx);
	return 0;
}

/*
 * A parser in the manner of a format: the event's key is the line's
 * first word copied into the parser's own buffer (which the next line
 * overwrites), the frame is the rest of the line, in place.
 */
struct scratch_parser {
	char buf[INPUT_MAX_LINE];
	unsigned long calls;
};

static void parse_words(void *ctx, struct line *line, struct format_output *out)
{
	struct scratch_parser *sp = ctx;
	size_t word = 0;

	sp->calls++;
	memset(out, 0, sizeof(*out));
	if (!line->ptr) {
		snprintf(out->why, sizeof(out->why), "overlong");
		return;
	}
	while (word < line->len && line->ptr[word] != ' ')
		word++;
	memcpy(sp->buf, line->ptr, word);
	out->count = 1;
	out->event[0].field[FIELD_KEY].ptr = sp->buf;
	out->event[0].field[FIELD_KEY].len = word;
	out->event[0].field[FIELD_FRAME].ptr = line->ptr + word;
	out->event[0].field[FIELD_FRAME].len = line->len - word;
}

/* n lines "k<i> <i copies of 'x', cycling up to spread>". */
static void write_lines(const char *path, unsigned n, size_t spread, int last_newline)
{
	FILE *f = fopen(path, "w");
	unsigned i;

	assert_non_null(f);
	for (i = 0; i < n; i++) {
		size_t j, len = i % spread;

		fprintf(f, "k%u ", i);
		for (j = 0; j < len; j++)
			fputc('x', f);
		if (i + 1 < n || last_newline)
			fputc('\n', f);
	}
	assert_int_equal(fclose(f), 0);
}

/* Read path through readahead and directly, and compare line by line. */
static unsigned compare(const char *path, unsigned stop_after)
{
	struct input *direct = input_open(path), *in = input_open(path);
	struct scratch_parser *sp = calloc(1, sizeof(*sp));
	struct readahead *ra;
	const struct parsed_line *p;
	struct line line;
	unsigned n = 0;

	assert_non_null(direct);
	assert_non_null(in);
	assert_non_null(sp);
	assert_non_null(ra = readahead_start(in, NULL, parse_words, sp));
	while (n < stop_after && (p = readahead_next(ra))) {
		char key[32];
		size_t word;

		assert_int_equal(input_next_line(direct, &line), 1);
		n++;
		assert_int_equal(p->line.number, line.number);
		assert_int_equal(p->line.len, line.len);
		assert_int_equal(p->line.terminated, line.terminated);
		assert_int_equal(p->line.overlong, line.overlong);
		if (line.overlong) {
			assert_string_equal(p->out.why, "overlong");
			continue;
		}
		assert_memory_equal(p->line.ptr, line.ptr, line.len);
		if (line.terminated) {
			assert_int_equal(p->offset, input_offset(direct));
			assert_int_equal(p->crc, input_crc(direct));
		}
		/* The key was left in the parser's buffer: it must be a copy. */
		snprintf(key, sizeof(key), "k%llu", (unsigned long long)(line.number - 1));
		word = strlen(key);
		assert_true(p->out.event[0].field[FIELD_KEY].ptr != sp->buf);
		assert_int_equal(p->out.event[0].field[FIELD_KEY].len, word);
		assert_memory_equal(p->out.event[0].field[FIELD_KEY].ptr, key, word);
		assert_int_equal(p->out.event[0].field[FIELD_FRAME].len, line.len - word);
	}
	if (n < stop_after)
		assert_int_equal(input_next_line(direct, &line), 0);
	readahead_finish(ra);
	input_close(direct);
	input_close(in);
	free(sp);
	return n;
}

/* Many batches, lines of every length up to 3000 bytes, arenas overflowing. */
static void test_every_line_comes_back_in_order(void **state)
{
	struct fixture *fx = *state;

	write_lines(fx->path, 5000, 3000, 1);
	assert_int_equal(compare(fx->path, ~0u), 5000);
}

/* The unterminated last line keeps its CRC as read, before parsing. */
static void test_an_unterminated_last_line_has_its_crc(void **state)
{
	struct fixture *fx = *state;
	struct input *in;
	struct scratch_parser sp = {.calls = 0};
	struct readahead *ra;
	const struct parsed_line *p, *last = NULL;

	write_lines(fx->path, 3, 10, 0);
	assert_int_equal(compare(fx->path, ~0u), 3);
	assert_non_null(in = input_open(fx->path));
	assert_non_null(ra = readahead_start(in, NULL, parse_words, &sp));
	while ((p = readahead_next(ra)))
		last = p;
	assert_non_null(last);
	assert_false(last->line.terminated);
	assert_int_equal(last->line_crc, crc32(0L, (const Bytef *)"k2 xx", 5));
	readahead_finish(ra);
	input_close(in);
}

/* Lines longer than the limit come through as overlong, without bytes. */
static void test_overlong_lines_come_through(void **state)
{
	struct fixture *fx = *state;
	FILE *f = fopen(fx->path, "w");
	size_t i;

	assert_non_null(f);
	fputs("k0 a\n", f);
	fputs("k1 ", f);
	for (i = 0; i < INPUT_MAX_LINE + 10; i++)
		fputc('y', f);
	fputs("\nk2 b\n", f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(compare(fx->path, ~0u), 3);
}

/* A caller that stops early is not kept waiting by a reader with more. */
static void test_stopping_early_does_not_hang(void **state)
{
	struct fixture *fx = *state;

	write_lines(fx->path, 20000, 50, 1);
	assert_int_equal(compare(fx->path, 10), 10);
	assert_int_equal(compare(fx->path, 0), 0);
}

/* The line the caller read first is handed back first. */
static void test_the_callers_first_line_comes_first(void **state)
{
	struct fixture *fx = *state;
	struct input *in;
	struct scratch_parser sp = {.calls = 0};
	struct readahead *ra;
	const struct parsed_line *p;
	struct line first;

	write_lines(fx->path, 4, 5, 1);
	assert_non_null(in = input_open(fx->path));
	assert_int_equal(input_next_line(in, &first), 1);
	assert_non_null(ra = readahead_start(in, &first, parse_words, &sp));
	assert_non_null(p = readahead_next(ra));
	assert_int_equal(p->line.number, 1);
	assert_memory_equal(p->line.ptr, "k0 ", 3);
	assert_non_null(p = readahead_next(ra));
	assert_int_equal(p->line.number, 2);
	assert_non_null(readahead_next(ra));
	assert_non_null(readahead_next(ra));
	assert_null(readahead_next(ra));
	assert_int_equal(sp.calls, 4);
	readahead_finish(ra);
	input_close(in);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_every_line_comes_back_in_order),
		T(test_an_unterminated_last_line_has_its_crc),
		T(test_overlong_lines_come_through),
		T(test_stopping_early_does_not_hang),
		T(test_the_callers_first_line_comes_first),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
