/*
 * normalize_file(): ingest's reading and parsing (ingest.h) with the
 * events handed to a callback instead of the store.  The fingerprint must
 * be known before the first event is handed over; the header of nearly
 * every log is within the first 4 KiB, and a longer one is read ahead
 * once from a file that can be opened again.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "fingerprint.h"
#include "format.h"
#include "ingest.h"
#include "input.h"
#include "normalize.h"
#include "readahead.h"
#include "store.h"
#include "util.h"

/*
 * The fingerprint of the file whose first bytes are prefix[0..len): from
 * them when its first data line ends there, else from a second reading
 * of the file.  1 when known, 0 when the file has no complete data line,
 * -1 (reported) when it cannot be read again.
 */
static int find_fingerprint(const char *path, const char *shown,
			    struct input *in, const char *prefix, size_t len,
			    uint64_t *value)
{
	struct fingerprint fp;
	struct input *again;
	struct line line;
	int known;

	fingerprint_init(&fp);
	fingerprint_update(&fp, prefix, len);
	if (fingerprint_value(&fp, value))
		return 1;
	if (len < INPUT_PREFIX_MAX)
		return 0; /* the prefix is the whole file */
	if (!input_rereadable(in)) {
		error("%s: its first data line is not within its first %d "
		      "bytes, and a pipe cannot be read twice to find it (give "
		      "the file by name)", shown, INPUT_PREFIX_MAX);
		return -1;
	}
	if (!(again = input_open(path))) {
		error("%s: %s", shown, strerror(errno));
		return -1;
	}
	while (!input_fingerprint(again, value) && input_next_line(again, &line))
		;
	known = input_fingerprint(again, value);
	input_close(again);
	return known;
}

/* One rejected line: counted, the first few shown as ingest shows them. */
static void reject(const char *shown, uint64_t line, const char *why,
		   struct normalize_result *res)
{
	if (++res->rejected <= INGEST_REJECTS_SHOWN)
		error("%s:%llu: rejected: %s", shown, (unsigned long long)line, why);
}

int normalize_file(const char *path, const char *shown,
		   const struct format_choice *formats, normalize_fn fn,
		   void *ctx, struct normalize_result *res)
{
	struct format *fmt = NULL;
	struct readahead *ra;
	const struct parsed_line *p;
	const char *prefix, *failure;
	struct input *in;
	uint64_t fingerprint;
	size_t len, i;
	int known, stop = 0;

	memset(res, 0, sizeof(*res));
	if (!(in = input_open(path))) {
		error("%s: %s", shown, strerror(errno));
		return 1;
	}
	input_prefix(in, &prefix, &len);
	res->compressed = input_is_gzip(in);
	if (len == 0) {
		failure = input_failed(in);
		if (failure)
			error("%s: %s", shown, failure);
		input_close(in);
		return failure ? 1 : 0;
	}
	if (ingest_refuse_container(shown, (const unsigned char *)prefix, len,
				    res->compressed)) {
		input_close(in);
		return 1;
	}
	if (!(fmt = ingest_choose_format(formats, prefix, len, shown)) ||
	    (known = find_fingerprint(path, shown, in, prefix, len,
				      &fingerprint)) < 0) {
		input_close(in);
		return 1;
	}
	res->format = format_name(fmt);
	input_skip_crc(in); /* nothing is recorded to be checked later */
	if (format_is_logfmt(fmt))
		fmt = NULL;
	else
		format_begin_file(fmt);
	if (!(ra = readahead_start(in, NULL, ingest_parse_line, fmt))) {
		input_close(in);
		return 1;
	}
	while (!stop && (p = readahead_next(ra))) {
		res->lines_read++;
		if (ingest_line_unfinished(in, p)) {
			res->unfinished = 1;
			continue;
		}
		/* As ingest: an event id holds its line number in 32 bits. */
		if (p->line.number > EVENT_LINE_MAX && p->out.count) {
			reject(shown, p->line.number, "past line 4294967295, the "
			       "last one a source can hold (split the file)", res);
			continue;
		}
		for (i = 0; i < p->out.count && !stop; i++) {
			stop = fn(&p->out.event[i], p->line.number,
				  known ? &fingerprint : NULL, ctx);
			res->events++;
		}
		res->omitted += p->out.skipped != 0;
		res->nul_bytes += p->out.nul_bytes;
		if (p->out.why[0])
			reject(shown, p->line.number, p->out.why, res);
	}
	readahead_finish(ra);
	if (!stop && (failure = input_failed(in))) {
		error("%s: %s; wrote the events of the lines before the damage",
		      shown, failure);
		stop = 1;
	}
	if (res->rejected > INGEST_REJECTS_SHOWN)
		error("%s: %llu more rejected lines not shown", shown,
		      (unsigned long long)(res->rejected - INGEST_REJECTS_SHOWN));
	input_close(in);
	return stop;
}
