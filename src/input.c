/*
 * Line reader over zlib's gz* interface.  gzread() detects gzip by its
 * magic bytes and reads plain files transparently, and it continues across
 * concatenated gzip members, so one code path serves every input.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "input.h"
#include "util.h"

/* Holds at least two maximal lines, so a line never needs a second buffer. */
#define BUFFER_SIZE (4 * INPUT_MAX_LINE)

struct input {
	gzFile gz;
	char *buf;
	size_t pos, end;     /* unconsumed bytes are buf[pos..end) */
	int eof;             /* no more bytes will come */
	int started;         /* a line has been returned */
	uint64_t line_number;
	uint64_t offset;     /* decoded bytes consumed */
	uint32_t crc;
	char *failure;       /* why reading stopped early, or NULL */
	int regular;         /* a regular file (not a pipe, FIFO or device) */
	const char *name;
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
	if (fd < 0) {
		error("%s: %s", path, strerror(errno));
		return NULL;
	}
	in = xcalloc(1, sizeof(*in));
	in->regular = fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) &&
		      strcmp(path, "-") != 0;
	in->gz = gzdopen(fd, "rb");
	if (!in->gz) {
		error("%s: %s", path, strerror(errno ? errno : ENOMEM));
		close(fd);
		free(in);
		return NULL;
	}
	gzbuffer(in->gz, 128 * 1024);
	in->buf = xmalloc(BUFFER_SIZE);
	in->crc = (uint32_t)crc32(0L, Z_NULL, 0);
	in->name = path;
	return in;
}

void input_close(struct input *in)
{
	if (!in)
		return;
	gzclose(in->gz);
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
 * zlib prefixes its messages with the name given to gzdopen(), "<fd:3>",
 * which means nothing to a reader; the caller names the file itself.
 */
static const char *strip_fd_name(const char *msg)
{
	const char *colon;

	if (!strncmp(msg, "<fd:", 4) && (colon = strstr(msg, ">: ")))
		return colon + 3;
	return msg;
}

/* Append more decoded bytes at buf[end..); sets eof at the end or on error. */
static void fill(struct input *in)
{
	int errnum, n;
	const char *msg;

	if (in->eof)
		return;
	if (in->pos > 0) {
		memmove(in->buf, in->buf + in->pos, in->end - in->pos);
		in->end -= in->pos;
		in->pos = 0;
	}
	n = gzread(in->gz, in->buf + in->end, (unsigned)(BUFFER_SIZE - in->end));
	if (n > 0) {
		in->end += (size_t)n;
		return;
	}
	msg = gzerror(in->gz, &errnum);
	if (n < 0 || (errnum != Z_OK && errnum != Z_STREAM_END)) {
		/* Z_BUF_ERROR at end of input is zlib's "unexpected end of file". */
		if (errnum == Z_ERRNO)
			set_failure(in, strerror(errno));
		else if (errnum == Z_BUF_ERROR)
			set_failure(in, "gzip data truncated (unexpected end of file)");
		else
			set_failure(in, strip_fd_name(msg));
		return;
	}
	in->eof = 1;
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
	in->crc = (uint32_t)crc32(in->crc, (const Bytef *)in->buf + in->pos, (uInt)n);
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
	return !gzdirect(in->gz);
}
