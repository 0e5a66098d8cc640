/*
 * Line reader.  The first two bytes decide: the gzip magic means gzip,
 * anything else plain text.  gzip is decoded with inflate() directly
 * rather than gzread(): that keeps every byte decoded before damage,
 * reads concatenated members (cat a.gz b.gz) as one stream, and reports
 * data after the last member, which gzread() drops without a word.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "fingerprint.h"
#include "input.h"
#include "util.h"

/* Holds at least two maximal lines, so a line never needs a second buffer. */
#define BUFFER_SIZE (4 * INPUT_MAX_LINE)
/* Compressed bytes read from the file at a time. */
#define RAW_SIZE (128 * 1024)

enum content { CONTENT_UNKNOWN, CONTENT_PLAIN, CONTENT_GZIP };

struct input {
	int fd;
	enum content content;
	z_stream zs;         /* next_in/avail_in: unread bytes of raw */
	int zs_ready;        /* inflateInit2() done */
	int in_member;       /* inside a gzip member (not at its end) */
	unsigned char *raw;
	int raw_eof;         /* read() said end of file */
	char *buf;
	size_t pos, end;     /* unconsumed decoded bytes are buf[pos..end) */
	int eof;             /* no more decoded bytes will come */
	int started;         /* a line has been returned */
	uint64_t line_number;
	uint64_t offset;     /* decoded bytes consumed */
	uint32_t crc;
	struct fingerprint fingerprint; /* of the bytes consumed */
	int no_crc;          /* input_skip_crc(): crc stays that of nothing */
	char *failure;       /* why reading stopped early, or NULL */
	int regular;         /* a regular file (not a pipe, FIFO or device) */
};

struct input *input_open(const char *path)
{
	struct input *in;
	struct stat sb;
	int fd;

	if (!strcmp(path, "-"))
		fd = dup(STDIN_FILENO);
	else
		fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	in = xcalloc(1, sizeof(*in));
	in->fd = fd;
	in->regular = fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) &&
		      strcmp(path, "-") != 0;
	in->raw = xmalloc(RAW_SIZE);
	in->buf = xmalloc(BUFFER_SIZE);
	in->crc = (uint32_t)crc32(0L, Z_NULL, 0);
	fingerprint_init(&in->fingerprint);
	return in;
}

void input_close(struct input *in)
{
	if (!in)
		return;
	if (in->zs_ready)
		inflateEnd(&in->zs);
	close(in->fd);
	free(in->raw);
	free(in->buf);
	free(in->failure);
	free(in);
}

static void set_failure(struct input *in, const char *why)
{
	if (!in->failure)
		in->failure = xstrdup(why);
	in->eof = 1;
}

/*
 * Make at least `want` (1 or 2) unread raw bytes available, keeping the
 * ones already there.  Returns how many are available (fewer at the end
 * of the file or on a read error, which is recorded).
 */
static size_t read_raw(struct input *in, size_t want)
{
	while (in->zs.avail_in < want && !in->raw_eof) {
		ssize_t n;

		if (in->zs.avail_in > 0 && in->zs.next_in != in->raw)
			memmove(in->raw, in->zs.next_in, in->zs.avail_in);
		in->zs.next_in = in->raw;
		n = read(in->fd, in->raw + in->zs.avail_in,
			 RAW_SIZE - in->zs.avail_in);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			set_failure(in, strerror(errno));
			in->raw_eof = 1;
		} else if (n == 0) {
			in->raw_eof = 1;
		} else {
			in->zs.avail_in += (uInt)n;
		}
	}
	return in->zs.avail_in;
}

static void detect_content(struct input *in)
{
	read_raw(in, 2);
	in->content = in->zs.avail_in >= 2 && in->zs.next_in[0] == 0x1f &&
		      in->zs.next_in[1] == 0x8b ? CONTENT_GZIP : CONTENT_PLAIN;
	if (in->content == CONTENT_GZIP) {
		/* 16 + 15: a gzip wrapper around a deflate stream, 32K window. */
		if (inflateInit2(&in->zs, 16 + 15) != Z_OK)
			die("cannot initialise zlib: out of memory");
		in->zs_ready = 1;
		in->in_member = 1;
	}
}

static void fill_plain(struct input *in, size_t space)
{
	size_t n;

	if (read_raw(in, 1) == 0) {
		in->eof = 1;
		return;
	}
	n = in->zs.avail_in < space ? in->zs.avail_in : space;
	memcpy(in->buf + in->end, in->zs.next_in, n);
	in->zs.next_in += n;
	in->zs.avail_in -= (uInt)n;
	in->end += n;
}

/* After a member's end: another member, the end, or trailing data. */
static void next_member(struct input *in)
{
	char why[96];

	if (read_raw(in, 2) == 0) {
		in->eof = 1;
		return;
	}
	if (in->zs.avail_in >= 2 && in->zs.next_in[0] == 0x1f &&
	    in->zs.next_in[1] == 0x8b) {
		inflateReset(&in->zs);
		in->in_member = 1;
		return;
	}
	snprintf(why, sizeof(why), "data after the end of the gzip stream "
		 "(byte 0x%02x) was not read", in->zs.next_in[0]);
	set_failure(in, why);
}

static void fill_gzip(struct input *in, size_t space)
{
	while (!in->eof) {
		size_t produced;
		int rc;

		if (!in->in_member) {
			next_member(in);
			continue;
		}
		/*
		 * inflate() runs even when no compressed byte is left: it may
		 * still hold output that did not fit last time.  Only when it
		 * can make no progress at the end of the file is it cut short.
		 */
		read_raw(in, 1);
		if (in->eof)
			return; /* a read error, recorded */
		in->zs.next_out = (Bytef *)in->buf + in->end;
		in->zs.avail_out = (uInt)space;
		rc = inflate(&in->zs, Z_NO_FLUSH);
		produced = space - in->zs.avail_out;
		in->end += produced;
		if (rc == Z_STREAM_END) {
			in->in_member = 0;
		} else if (rc == Z_BUF_ERROR && produced == 0 &&
			   in->zs.avail_in == 0 && in->raw_eof) {
			set_failure(in, "gzip data truncated (unexpected end of file)");
		} else if (rc != Z_OK && rc != Z_BUF_ERROR) {
			char why[128];

			snprintf(why, sizeof(why), "gzip data damaged: %s",
				 in->zs.msg ? in->zs.msg : "inflate failed");
			set_failure(in, why);
		}
		if (produced > 0)
			return;
	}
}

/* Append more decoded bytes at buf[end..); sets eof at the end or on error. */
static void fill(struct input *in)
{
	if (in->eof)
		return;
	if (in->pos > 0) {
		memmove(in->buf, in->buf + in->pos, in->end - in->pos);
		in->end -= in->pos;
		in->pos = 0;
	}
	if (in->content == CONTENT_UNKNOWN)
		detect_content(in);
	if (in->content == CONTENT_PLAIN)
		fill_plain(in, BUFFER_SIZE - in->end);
	else
		fill_gzip(in, BUFFER_SIZE - in->end);
}

int input_prefix(struct input *in, const char **data, size_t *len)
{
	if (in->started)
		return -1;
	while (!in->eof && in->end < INPUT_PREFIX_MAX)
		fill(in);
	*data = in->buf;
	*len = in->end < INPUT_PREFIX_MAX ? in->end : INPUT_PREFIX_MAX;
	return 0;
}

static void consume(struct input *in, size_t n)
{
	if (!in->no_crc)
		in->crc = (uint32_t)crc32(in->crc, (const Bytef *)in->buf + in->pos,
					  (uInt)n);
	fingerprint_update(&in->fingerprint, in->buf + in->pos, n);
	in->offset += n;
	in->pos += n;
}

/* Skip the rest of an overlong line; returns its total length. */
static size_t skip_overlong(struct input *in, int *terminated)
{
	size_t total = 0;

	*terminated = 0;
	for (;;) {
		char *nl = memchr(in->buf + in->pos, '\n', in->end - in->pos);

		if (nl) {
			size_t n = (size_t)(nl - (in->buf + in->pos));

			total += n;
			consume(in, n + 1);
			*terminated = 1;
			return total;
		}
		total += in->end - in->pos;
		consume(in, in->end - in->pos);
		if (in->eof)
			return total;
		fill(in);
	}
}

int input_next_line(struct input *in, struct line *line)
{
	in->started = 1;
	memset(line, 0, sizeof(*line));
	for (;;) {
		size_t avail = in->end - in->pos;
		char *start = in->buf + in->pos;
		char *nl = memchr(start, '\n', avail);

		if (nl) {
			line->len = (size_t)(nl - start);
			line->terminated = 1;
			line->overlong = line->len > INPUT_MAX_LINE;
			line->ptr = line->overlong ? NULL : start;
			consume(in, line->len + 1);
			break;
		}
		if (avail > INPUT_MAX_LINE) {
			line->overlong = 1;
			line->len = skip_overlong(in, &line->terminated);
			line->cut = !line->terminated && in->failure != NULL;
			break;
		}
		if (in->eof) {
			if (avail == 0)
				return 0;
			line->ptr = start;
			line->len = avail;
			line->cut = in->failure != NULL;
			consume(in, avail);
			break;
		}
		fill(in);
	}
	line->number = ++in->line_number;
	return 1;
}

uint64_t input_offset(const struct input *in)
{
	return in->offset;
}

uint32_t input_crc(const struct input *in)
{
	return in->crc;
}

void input_skip_crc(struct input *in)
{
	in->no_crc = 1;
}

int input_fingerprint(const struct input *in, uint64_t *fp)
{
	return fingerprint_value(&in->fingerprint, fp);
}

uint32_t input_line_crc(const struct line *line)
{
	if (line->overlong)
		return 0;
	return (uint32_t)crc32(0L, (const Bytef *)line->ptr, (uInt)line->len);
}

const char *input_failed(const struct input *in)
{
	return in->failure;
}

int input_rereadable(const struct input *in)
{
	return in->regular;
}

int input_is_gzip(const struct input *in)
{
	return in->content == CONTENT_GZIP;
}

/*
 * Files that are not logs but may sit among them: archives of rotated
 * logs and copies of a store hold log lines (a store keeps log heads), so
 * read as text they would be ingested a second time.  Recognised by their
 * magic bytes in the decoded content, so a .tar.gz is a tar archive.
 */
/* What to do instead, shared by the kinds that call for the same. */
#define UNPACK "unpack it or give its members' files by name"
#define KEEP_OUT "keep databases and their copies out of the logs given"
#define DECOMPRESS(tool) "decompress it (" tool ") and give the result"

static const struct container {
	size_t offset;
	const char *magic;
	size_t len;
	const char *what;
	const char *way_out;
} containers[] = {
	{257, "ustar", 5, "a tar archive", UNPACK},
	{0, "PK\3\4", 4, "a zip archive", UNPACK},
	{0, "PK\5\6", 4, "an empty zip archive", "leave it out"},
	{0, "SQLite format 3", 16, "a SQLite database (such as a camaudit store)",
	 KEEP_OUT},
	/* SQLite's write-ahead log and rollback journal beside a store copy. */
	{0, "\x37\x7f\x06\x82", 4, "a SQLite write-ahead log", KEEP_OUT},
	{0, "\x37\x7f\x06\x83", 4, "a SQLite write-ahead log", KEEP_OUT},
	{0, "\xd9\xd5\x05\xf9\x20\xa1\x63\xd7", 8, "a SQLite journal", KEEP_OUT},
	{0, "\xfd" "7zXZ", 6, "xz-compressed", DECOMPRESS("xz -dk")},
	{0, "\x28\xb5\x2f\xfd", 4, "zstd-compressed", DECOMPRESS("zstd -dk")},
	{0, "\x04\x22\x4d\x18", 4, "lz4-compressed", DECOMPRESS("lz4 -d")},
	/* "BZh", the block size, then the first block's or the end's magic. */
	{4, "1AY&SY", 6, "bzip2-compressed", DECOMPRESS("bunzip2 -k")},
	{4, "\x17\x72\x45\x38\x50\x90", 6, "bzip2-compressed",
	 DECOMPRESS("bunzip2 -k")},
};

int input_container(const unsigned char *prefix, size_t len,
		    const char **what, const char **way_out)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(containers); i++) {
		const struct container *c = &containers[i];

		if (len < c->offset + c->len ||
		    memcmp(prefix + c->offset, c->magic, c->len) != 0)
			continue;
		if (c->offset == 4 && (memcmp(prefix, "BZh", 3) != 0 ||
				       prefix[3] < '1' || prefix[3] > '9'))
			continue;
		*what = c->what;
		*way_out = c->way_out;
		return 1;
	}
	return 0;
}

int input_position(const struct input *in, uint64_t *done, uint64_t *size)
{
	struct stat sb;
	off_t at;

	/* in->fd and in->regular are set once, before any reading. */
	if (!in->regular || fstat(in->fd, &sb) != 0 ||
	    (at = lseek(in->fd, 0, SEEK_CUR)) < 0)
		return -1;
	*done = (uint64_t)at;
	*size = (uint64_t)sb.st_size;
	return 0;
}
