/*
 * Input formats: how a line of some server's log becomes canonical events
 * (event.h).  A format is written once in a small text grammar (the man
 * page, INPUT FORMATS, is its reference): a PCRE2 pattern with named
 * groups, or columns named by a W3C `#Fields:` header, mapped to the
 * canonical fields.  The built-in presets (presets.c) are written in the
 * same grammar.  This module owns the definitions, the matching of lines
 * and the choice of a format for a file (sniffing).
 */
#ifndef CAMAUDIT_FORMAT_H
#define CAMAUDIT_FORMAT_H

#include <stddef.h>
#include <stdio.h>

#include "event.h"

/* A line yields at most a serve and the fill it reveals (nginx MISS). */
#define FORMAT_MAX_EVENTS 2
/* How many lines from the start of a file decide its format. */
#define FORMAT_SNIFF_LINES 8
/*
 * PCRE2 limits per line, so that no pattern and no line can make an
 * ingest hang: the match limit bounds backtracking steps (the JIT and the
 * interpreter both honour it), the depth limit the interpreter's nested
 * backtracking, the heap limit (KiB) its memory.
 */
#define FORMAT_MATCH_LIMIT 200000
#define FORMAT_DEPTH_LIMIT 5000
#define FORMAT_HEAP_LIMIT_KIB 8192

enum format_kind {
	FORMAT_KIND_ANY,      /* only logfmt: any kind of event */
	FORMAT_KIND_RELAY,    /* serves (and the fills they reveal) */
	FORMAT_KIND_CACHE,    /* fill, evict, purge, expire */
	FORMAT_KIND_REGISTRY  /* bind, unbind, share, unshare */
};

struct format;
struct format_set;

/* What one line gave. */
struct format_output {
	int matched;     /* the line is of this format (pattern or header matched) */
	int skipped;     /* the format skips it on purpose (skip-when, or a cache
			    line that is no fill): not stored, not rejected */
	size_t nul_bytes; /* NUL bytes before the line's text, passed over (ingest) */
	size_t count;    /* events to store, in order */
	struct event event[FORMAT_MAX_EVENTS];
	char why[200];   /* not empty: the line, or the fill it reveals, is rejected */
};

/* The formats to read files with: a set to sniff among, or one forced. */
struct format_choice {
	struct format_set *set;
	struct format *forced;   /* --input-format; NULL to sniff per file */
};

/* A set holding the built-in presets, in sniffing order. */
struct format_set *format_set_new(void);
void format_set_free(struct format_set *set);

/*
 * Add the definitions in text (named `file` in messages) to the set,
 * ahead of the presets for sniffing.  Every error is reported as
 * "FILE:LINE: column N: MESSAGE"; returns the number of errors (0: all
 * added; otherwise nothing from text was added).
 */
int format_set_add_text(struct format_set *set, const char *file,
			const char *text, size_t len);
/* The same for a file (at most 1 MiB); an unreadable file is one error. */
int format_set_add_file(struct format_set *set, const char *path);

size_t format_set_count(const struct format_set *set);
struct format *format_set_at(const struct format_set *set, size_t i);
/* The format called name, or NULL. */
struct format *format_set_find(const struct format_set *set, const char *name);

const char *format_name(const struct format *fmt);
enum format_kind format_kind(const struct format *fmt);
const char *format_kind_name(enum format_kind kind);
const char *format_description(const struct format *fmt); /* may be "" */
/* "built-in", or FILE:LINE of its `format` line. */
const char *format_origin(const struct format *fmt);
/* The definition as written, with the comments just above it. */
const char *format_text(const struct format *fmt);
/* Whether it is camaudit's own logfmt (the default). */
int format_is_logfmt(const struct format *fmt);

/* Forget what an earlier file taught (the columns of a #Fields: line). */
void format_begin_file(struct format *fmt);
/*
 * A line skipped because an earlier run stored it: a header-driven format
 * still learns its columns from it.
 */
void format_observe_line(struct format *fmt, const char *line, size_t len);

/*
 * Turn line[0..len) (no newline, no CR, no NUL bytes) into events.  The
 * line is modified in place and the events point into it or into the
 * format's own buffers, valid until the next call.  out->count == 0 with
 * an empty out->why means a line with nothing to store (a # directive).
 * A format keeps one PCRE2 match-data block and its buffers for all its
 * lines: one thread at a time uses it (camaudit has one).
 */
void format_parse_line(struct format *fmt, char *line, size_t len,
		       struct format_output *out);

/*
 * Choose the format of a file from data[0..len), its first bytes: of the
 * first FORMAT_SNIFF_LINES lines that are not blank, the format that
 * matches most, the earlier in the set on a tie.  The last line counts
 * only when complete is set (data is all of the file).  When there is no
 * line to judge by, logfmt.  When no format matches any line, returns
 * NULL and quotes the first line (escaped) in unmatched.  *matched and
 * *sampled (when not NULL) receive how many lines the chosen format
 * matched and how many were looked at.
 */
struct format *format_sniff(const struct format_set *set, const char *data,
			    size_t len, int complete, char *unmatched,
			    size_t unmatched_size, size_t *matched, size_t *sampled);

#endif
