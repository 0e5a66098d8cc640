/*
 * A log's fingerprint: what names its content across renames, rotation
 * and compression, in the store, in export and normalize, and on other
 * engines (docs/scaling.md).  An event's id is the fingerprint and its line.
 */
#ifndef CAMAUDIT_FINGERPRINT_H
#define CAMAUDIT_FINGERPRINT_H

#include <stddef.h>
#include <stdint.h>

/*
 * FNV-1a (64 bits) of the decoded bytes from the start up to and
 * including the newline of the first line that does not start with '#':
 * a W3C or CloudFront header alone does not make two logs alike, a
 * rotated or compressed copy keeps it, a log truncated and written again
 * (copytruncate) gets a new one.  Two logs whose first data lines are
 * byte-identical share it (docs/scaling.md says what that costs).
 */
struct fingerprint {
	uint64_t hash;
	int state; /* where in a line the next byte falls, or done */
};

void fingerprint_init(struct fingerprint *fp);
/* Feed the next decoded bytes; those after the first data line are ignored. */
void fingerprint_update(struct fingerprint *fp, const void *data, size_t len);
/* 1 and the value once the first data line is complete, else 0. */
int fingerprint_value(const struct fingerprint *fp, uint64_t *value);

/*
 * FNV-1a (64 bits) of data[0..len), whole: the one hash of the program,
 * as the fingerprint above, status's head fingerprint (emit.h) and the
 * verdicts' rules stamp (schema.c) take it.
 */
uint64_t fnv1a64(const void *data, size_t len);

/* The length of an event id "<16 lowercase hex>:<line>" with its NUL. */
#define EVENT_ID_SIZE 40
/* Write the event id of line `line` of the log with fingerprint fp. */
void fingerprint_event_id(uint64_t fp, uint64_t line, char out[EVENT_ID_SIZE]);

#endif
