/*
 * Fuzz target: the line reader on a file of arbitrary bytes, plain or
 * gzip-looking.  The reader's account (lines, offset, CRC, prefix, failure)
 * is checked against an independent decoding of the same bytes: the bytes
 * themselves for plain text, one inflate() per gzip member otherwise.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "input.h"

#include "common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What the content decodes to, streamed: no copy of a gzip bomb is kept. */
struct decoded {
	uint64_t length;
	uint32_t crc;
	unsigned char prefix[INPUT_PREFIX_MAX];
	size_t prefix_len;
	int damaged;  /* not clean to the end: truncated, corrupt, trailing data */
};

static void decoded_add(struct decoded *d, const unsigned char *p, size_t n)
{
	size_t room = INPUT_PREFIX_MAX - d->prefix_len;

	memcpy(d->prefix + d->prefix_len, p, n < room ? n : room);
	d->prefix_len += n < room ? n : room;
	d->crc = (uint32_t)crc32(d->crc, p, (uInt)n);
	d->length += n;
}

static int is_gzip(const uint8_t *data, size_t size)
{
	return size >= 2 && data[0] == 0x1f && data[1] == 0x8b;
}

/*
 * gzip members one after another, each with its own inflate stream; after
 * a member, the next must start with the magic or the file must end.
 */
static void decode_gzip(const uint8_t *data, size_t size, struct decoded *d)
{
	static unsigned char out[64 * 1024];
	size_t pos = 0;

	while (pos < size) {
		z_stream zs;
		int rc;

		if (!is_gzip(data + pos, size - pos)) {
			d->damaged = 1; /* trailing data */
			return;
		}
		memset(&zs, 0, sizeof(zs));
		FUZZ_CHECK(inflateInit2(&zs, 16 + 15) == Z_OK);
		zs.next_in = (Bytef *)(uintptr_t)(data + pos);
		zs.avail_in = (uInt)(size - pos);
		do {
			zs.next_out = out;
			zs.avail_out = sizeof(out);
			rc = inflate(&zs, Z_NO_FLUSH);
			decoded_add(d, out, sizeof(out) - zs.avail_out);
		} while (rc == Z_OK);
		pos = size - zs.avail_in;
		inflateEnd(&zs);
		if (rc != Z_STREAM_END) {
			d->damaged = 1; /* corrupt, or cut short (Z_BUF_ERROR) */
			return;
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_scratch_write(data, size);
	struct decoded *d = calloc(1, sizeof(*d));
	struct input *in;
	struct line line;
	const char *prefix;
	size_t prefix_len;
	uint64_t offset = 0, number = 0;
	uint32_t crc = (uint32_t)crc32(0L, Z_NULL, 0);
	int cut_seen = 0, overlong_seen = 0, after_unterminated = 0;

	FUZZ_CHECK(d != NULL);
	d->crc = crc;
	if (is_gzip(data, size))
		decode_gzip(data, size, d);
	else
		decoded_add(d, data, size);

	in = input_open(path);
	FUZZ_CHECK(in != NULL);
	FUZZ_CHECK(input_offset(in) == 0 && input_crc(in) == crc);

	/* The prefix is the first decoded bytes, whatever the damage after. */
	FUZZ_CHECK(input_prefix(in, &prefix, &prefix_len) == 0);
	FUZZ_CHECK(prefix_len == d->prefix_len);
	FUZZ_CHECK(!memcmp(prefix, d->prefix, prefix_len));
	FUZZ_CHECK(input_is_gzip(in) == is_gzip(data, size));

	while (input_next_line(in, &line)) {
		/* Nothing follows a line that had no newline. */
		FUZZ_CHECK(!after_unterminated);
		FUZZ_CHECK(line.number == ++number);
		FUZZ_CHECK(line.terminated == 0 || line.terminated == 1);
		if (line.overlong) {
			FUZZ_CHECK(line.ptr == NULL);
			FUZZ_CHECK(line.len > INPUT_MAX_LINE);
		} else {
			FUZZ_CHECK(line.ptr != NULL);
			FUZZ_CHECK(line.len <= INPUT_MAX_LINE);
			FUZZ_CHECK(memchr(line.ptr, '\n', line.len) == NULL);
			fuzz_touch(line.ptr, line.len); /* zlib is not checked by ASan */
			crc = (uint32_t)crc32(crc, (const Bytef *)line.ptr,
					      (uInt)line.len);
			if (line.terminated)
				crc = (uint32_t)crc32(crc, (const Bytef *)"\n", 1);
			/* The line is the caller's to write (the parser does). */
			if (line.len)
				line.ptr[0] = line.ptr[line.len - 1];
		}
		offset += line.len + (uint64_t)line.terminated;
		FUZZ_CHECK(input_offset(in) == offset);
		FUZZ_CHECK(input_offset(in) <= d->length);
		/* Until an overlong line, whose bytes are not handed out, the
		 * CRC is that of exactly the bytes of the lines. */
		if (line.overlong)
			overlong_seen = 1;
		FUZZ_CHECK(overlong_seen || input_crc(in) == crc);
		if (line.cut)
			cut_seen = 1;
		if (!line.terminated)
			after_unterminated = 1;
	}
	FUZZ_CHECK(input_next_line(in, &line) == 0); /* the end stays the end */
	FUZZ_CHECK(input_prefix(in, &prefix, &prefix_len) == -1);

	/* Every decoded byte was handed out as a line, once. */
	FUZZ_CHECK(input_offset(in) == d->length);
	FUZZ_CHECK(input_crc(in) == d->crc);
	/* A failure is reported exactly when the content is damaged. */
	FUZZ_CHECK((input_failed(in) != NULL) == d->damaged);
	FUZZ_CHECK(!cut_seen || input_failed(in) != NULL);
	if (input_failed(in))
		fuzz_touch(input_failed(in), strlen(input_failed(in)));
	input_close(in);
	free(d);
	return 0;
}
