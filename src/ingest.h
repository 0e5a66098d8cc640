/*
 * Ingest: read one log (any name, plain or gzip) into the store, adding
 * only the lines that were not ingested before.  A source is recognised
 * by its leading content (source.h), so renaming and compressing a log
 * (logrotate) does not make it new.
 */
#ifndef CAMAUDIT_INGEST_H
#define CAMAUDIT_INGEST_H

#include <stdint.h>
#include <stdio.h>

#include "store.h"

struct format;        /* format.h */
struct format_choice;
struct format_output;
struct input;         /* input.h */
struct line;
struct parsed_line;   /* readahead.h */

/* How many rejected lines of one file are shown; the rest are counted. */
#define INGEST_REJECTS_SHOWN 5

struct ingest_result {
	uint64_t lines_read;  /* lines in the file, including skipped ones */
	uint64_t events;      /* events stored by this run */
	uint64_t skipped;     /* lines ingested by an earlier run */
	uint64_t rejected;    /* lines that could not be stored, this run */
	uint64_t omitted;     /* lines the format skips on purpose (skip-when) */
	uint64_t nul_bytes;   /* NUL bytes passed over at the start of lines */
	int compressed;       /* the content was gzip */
	int failed;           /* the file could not be read to its end */
	int provisional;      /* an unfinished last line was left for later */
	const char *format;   /* the input format it was read with */
};

enum ingest_status {
	INGEST_OK,
	INGEST_FILE_FAILED,  /* this file: unreadable or damaged (reported) */
	INGEST_STORE_FAILED  /* the database: stop (reported) */
};

/*
 * Ingest path ("-" for standard input) into st.  Messages name the file
 * as `shown` (safe for a terminal); evidence keeps the path as it is.
 * While a long file is read, its progress is on the status line when
 * that is on (progress.h).
 */
enum ingest_status ingest_file(struct store *st, const char *path,
			       const char *shown, struct ingest_result *res);
/*
 * The same, reading the file with the format formats->forced, or else the
 * one sniffed from its first lines among formats->set (logfmt alone when
 * formats is NULL).  A file that no format matches is reported, with its
 * first line, and fails (INGEST_FILE_FAILED) without being read.
 */
enum ingest_status ingest_file_as(struct store *st, const char *path,
				  const char *shown,
				  const struct format_choice *formats,
				  struct ingest_result *res);

/*
 * How a file was read, for the per-file lines of ingest and normalize:
 * " (gzip, nginx)", " (gzip)", " (nginx)", or "" for plain logfmt (the
 * native format goes unnamed, as before formats existed).
 */
#define INGEST_HOW_SIZE 96
void ingest_how_read(char out[INGEST_HOW_SIZE], int compressed,
		     const char *format);

/*
 * What else the per-file lines of ingest and normalize say, when it
 * happens: lines the format skips, NUL bytes passed over (copytruncate),
 * and a last line left unfinished (ingest_line_unfinished).
 */
void ingest_write_notes(FILE *out, uint64_t omitted, uint64_t nul_bytes,
			int unfinished);

/*
 * The format of a file whose first bytes are prefix[0..len) (all of it
 * when shorter than INPUT_PREFIX_MAX): the forced one, else the one its
 * first lines match.  NULL (reported, naming the file as `name`, with its
 * first line) when none matches.
 */
struct format *ingest_choose_format(const struct format_choice *formats,
				    const char *prefix, size_t len, const char *name);

/*
 * Turn one line into events, as ingest does (a readahead_parser; ctx is
 * the format, NULL for logfmt): it may yield two events (a serve and the
 * fill a proxy's line reveals), or one with the other rejected, or none.
 * Overlong, cut and NUL-holding lines are rejected, CR and blank lines
 * dropped.
 */
void ingest_parse_line(void *ctx, struct line *line, struct format_output *out);

/*
 * Whether the file whose decoded content starts with prefix[0..len) is an
 * archive, another compressor's file or a SQLite file (input_container):
 * 1 when it is, reported as "NAME: KIND, not a log; WHAT TO DO", else 0.
 */
int ingest_refuse_container(const char *name, const unsigned char *prefix,
			    size_t len, int compressed);

/*
 * Whether parsed line p of in is a last line still being written: no
 * newline, no event, in a plain file that a later run can read again.
 * Neither stored nor rejected: it is read again once it is finished.
 */
int ingest_line_unfinished(struct input *in, const struct parsed_line *p);

/*
 * Call fn for path, or for every regular file under it when it is a
 * directory (recursively, in name order, skipping names that start with
 * a dot).  Returns 0, or -1 when something could not be listed (reported;
 * fn has been called for everything else).
 */
int ingest_expand(const char *path, int (*fn)(const char *file, void *ctx),
		  void *ctx);

#endif
