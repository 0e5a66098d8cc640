/*
 * Reading log bytes: a file or standard input, plain or gzip (decided by
 * the magic bytes, never by the name; multi-member gzip included), split
 * into lines of bounded length.  Keeps the running CRC-32 and the count of
 * bytes consumed, which the ingest progress record is built from.
 */
#ifndef CAMAUDIT_INPUT_H
#define CAMAUDIT_INPUT_H

#include <stddef.h>
#include <stdint.h>

/* Longest line kept; longer lines are skipped and reported. */
#define INPUT_MAX_LINE 65536
/* How much leading content identifies a source (see ingest.c). */
#define INPUT_PREFIX_MAX 4096

struct input;

struct line {
	char *ptr;         /* the line without its newline; writable */
	size_t len;        /* its length (for an overlong line, the full length) */
	uint64_t number;   /* 1-based line number */
	int terminated;    /* ended by '\n' (not by end of input) */
	int overlong;      /* longer than INPUT_MAX_LINE: ptr is NULL */
	int cut;           /* cut short by a read error or damaged data */
};

/* Open path ("-" for standard input); NULL with errno set on error. */
struct input *input_open(const char *path);
void input_close(struct input *in);

/*
 * The first min(INPUT_PREFIX_MAX, size) bytes of the decoded content.
 * Only valid before the first input_next_line().  Returns 0 or -1.
 */
int input_prefix(struct input *in, const char **data, size_t *len);

/*
 * The next line: 1, or 0 at the end of input.  After a read error the
 * bytes before it are still returned as lines; input_failed() then says
 * what went wrong.
 */
int input_next_line(struct input *in, struct line *line);

/* Decoded bytes consumed by the lines returned so far, and their CRC-32. */
uint64_t input_offset(const struct input *in);
uint32_t input_crc(const struct input *in);
/*
 * Stop keeping the CRC-32 (input_crc() is then meaningless): a reader
 * that records no progress, such as normalize, saves an eighth of its
 * time.
 */
void input_skip_crc(struct input *in);
/*
 * 1 and the log's fingerprint (fingerprint.h) once the lines consumed
 * include its first data line, else 0.
 */
int input_fingerprint(const struct input *in, uint64_t *fp);
/*
 * CRC-32 of one line as read (0 for an overlong one, whose bytes are not
 * kept): how an unterminated last line is recognised on the next run.
 */
uint32_t input_line_crc(const struct line *line);

/* NULL, or the reason the input could not be read to its end. */
const char *input_failed(const struct input *in);
/* Whether the input is a regular file, which can be opened and read again. */
int input_rereadable(const struct input *in);

/* Whether the content was gzip-compressed (known after the first read). */
int input_is_gzip(const struct input *in);

/*
 * Whether the decoded content's first bytes, prefix[0..len), are those of
 * an archive, a compressed file (other than gzip) or a SQLite file rather
 * than a log: 1 with *what naming it ("a tar archive") and *way_out saying
 * what to do instead, else 0.
 */
int input_container(const unsigned char *prefix, size_t len,
		    const char **what, const char **way_out);

/*
 * For a progress display: how far into a regular file reading is, in
 * bytes of the file as stored (compressed or not), and its size; 0, or
 * -1 when that is not known (standard input, a pipe).  Safe to call while
 * another thread reads: it asks the kernel, not the struct.
 */
int input_position(const struct input *in, uint64_t *done, uint64_t *size);

#endif
