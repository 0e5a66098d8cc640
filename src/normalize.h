/*
 * Reading a log as ingest reads it, without a store: its events, with
 * the line each came from and the log's fingerprint, handed to a
 * callback.  The pipeline is ingest's (input.c, readahead.c, the format
 * chosen as ingest chooses it), so the events are those ingest stores.
 */
#ifndef CAMAUDIT_NORMALIZE_H
#define CAMAUDIT_NORMALIZE_H

#include <stdint.h>

#include "event.h"

struct format_choice; /* format.h */

struct normalize_result {
	uint64_t lines_read;
	uint64_t events;      /* handed to the callback */
	uint64_t rejected;
	uint64_t omitted;     /* lines the format skips on purpose (skip-when) */
	uint64_t nul_bytes;   /* NUL bytes passed over at the start of lines */
	int compressed;
	int unfinished;       /* its last line, still being written, was left */
	const char *format;   /* the input format it was read with */
};

/*
 * One event of line `line`; fingerprint is NULL when the log has no
 * complete data line (fingerprint.h).  Returns 0, or non-zero to stop.
 */
typedef int (*normalize_fn)(const struct event *ev, uint64_t line,
			    const uint64_t *fingerprint, void *ctx);

/*
 * Read path ("-" for standard input) with the format formats->forced, or
 * the one sniffed among formats->set.  Messages name the file as `shown`;
 * rejected lines are reported as ingest reports them.  Returns 0, 1 when
 * the file could not be read to its end or no format matched (reported;
 * the events before the damage were handed over), or fn's non-zero value.
 */
int normalize_file(const char *path, const char *shown,
		   const struct format_choice *formats, normalize_fn fn,
		   void *ctx, struct normalize_result *res);

#endif
