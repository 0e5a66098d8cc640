/*
 * Reading ahead: the lines of one input, read, decompressed and parsed on
 * a second thread while the caller stores the lines before them.  Ingest
 * spends most of its time in SQLite; the reading and parsing (about as
 * long as zcat) then cost no wall time on a machine with two cores.
 *
 * The reader hands over lines in batches through a bounded queue, so at
 * most READAHEAD_BATCHES batches of lines are in memory whatever the size
 * of the input.  A parsed line owns its bytes: every text of its events
 * points into its batch, whatever buffer the parser left it in.
 */
#ifndef CAMAUDIT_READAHEAD_H
#define CAMAUDIT_READAHEAD_H

#include <stdint.h>

#include "format.h"
#include "input.h"

/* One line as the reader left it. */
struct parsed_line {
	struct line line;  /* ptr into the batch, parsed in place */
	uint64_t offset;   /* input_offset() after a terminated line */
	uint32_t crc;      /* input_crc() after a terminated line */
	uint32_t line_crc; /* CRC-32 of an unterminated line before parsing */
	struct format_output out; /* its events and why it was rejected */
};

/*
 * Turns a line into events, on the reader thread: it may write to the
 * line's bytes and to ctx, which nothing else touches meanwhile.
 */
typedef void (*readahead_parser)(void *ctx, struct line *line,
				 struct format_output *out);

struct readahead;

/*
 * Start reading in from its current position, after *first when first
 * is not NULL (a line the caller already read).  NULL (reported) when no
 * thread can be started.
 */
struct readahead *readahead_start(struct input *in, const struct line *first,
				  readahead_parser parse, void *ctx);

/* The next line in input order, or NULL at the end; valid until the next call. */
const struct parsed_line *readahead_next(struct readahead *ra);

/*
 * Stop the reader (it may not have reached the end: the caller stopped
 * early), wait for it, and free everything.  Afterwards the input is the
 * caller's again: input_failed() tells what stopped the reading.
 */
void readahead_finish(struct readahead *ra);

#endif
