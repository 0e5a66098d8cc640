/*
 * Sources: a log's content, whatever name it had, and how far earlier
 * runs read it.  A source is found again by its first bytes (its head),
 * which is what makes re-ingesting renamed, rotated and compressed logs
 * add nothing twice.
 */
#ifndef CAMAUDIT_SOURCE_H
#define CAMAUDIT_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* How many leading bytes of its content identify a source. */
#define SOURCE_HEAD_MAX 4096

struct source {
	int64_t id;
	unsigned char head[SOURCE_HEAD_MAX]; /* first bytes of what was consumed */
	size_t head_len;
	uint64_t lines;       /* newline-terminated lines consumed */
	uint64_t bytes;       /* decoded bytes of those lines */
	uint32_t crc;         /* CRC-32 of those bytes */
	uint64_t tail_bytes;  /* an unterminated last line already stored */
	uint32_t tail_crc;
	int has_fingerprint;  /* its first data line has been read whole */
	uint64_t fingerprint; /* fingerprint.h */
};

/*
 * The sources whose head agrees with prefix[0..len) (the first bytes of a
 * file) on the bytes both have, best first: the longest agreement, then
 * the most read.  *list is allocated; free() it.
 */
int source_find(struct store *st, const unsigned char *prefix, size_t len,
		struct source **list, size_t *count);

/* Record a new source with this head; sets src->id. */
int source_create(struct store *st, const char *name, struct source *src);

/*
 * Write back progress and head, the name (NULL keeps the recorded one),
 * the fingerprint once it is known and damage (NULL for none); recount
 * the source's events and rejects.
 */
int source_save(struct store *st, const struct source *src, const char *name,
		int compressed, const char *damaged);

/*
 * "NAME:LINE" of an event (its id, store.h), made safe for a terminal;
 * "?" for a source that is gone.  Allocated: free() it.
 */
char *source_event_ref(struct store *st, int64_t event);

/* What source_read_line() found. */
enum source_line {
	SOURCE_LINE_VERIFIED,   /* the file holds the bytes ingested: the line is theirs */
	SOURCE_LINE_CHANGED,    /* the file no longer holds them (renamed, rewritten) */
	SOURCE_LINE_UNREADABLE  /* no file to read (missing, standard input, an error) */
};

/*
 * Read line `number` of source `id` from path, its file, and check the
 * file against what ingest recorded: the head, then the length and CRC-32
 * of every byte consumed (or, for an unterminated last line, that line's
 * length and CRC).  Only a verified line is returned (*line, allocated,
 * of *len bytes; NULL for a line too long to keep).  The store keeps no
 * CRC per line, so this reads the file up to all the source consumed,
 * not only up to the line.  -1 on a database error (reported).
 */
int source_read_line(struct store *st, int64_t id, const char *path,
		     uint64_t number, char **line, size_t *len,
		     enum source_line *found);

#endif
