/*
 * The fingerprint of a log (fingerprint.h), fed byte by byte until its
 * first data line ends: only a log's header is ever hashed, so the cost
 * does not grow with the log.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>

#include "fingerprint.h"

#define FNV_OFFSET UINT64_C(14695981039346656037)
#define FNV_PRIME UINT64_C(1099511628211)

enum {
	AT_LINE_START, /* the next byte starts a line */
	IN_COMMENT,    /* inside a line that starts with '#' */
	IN_DATA,       /* inside the first line that does not */
	DONE
};

uint64_t fnv1a64(const void *data, size_t len)
{
	const unsigned char *p = data;
	uint64_t h = FNV_OFFSET;

	while (len--)
		h = (h ^ *p++) * FNV_PRIME;
	return h;
}

void fingerprint_init(struct fingerprint *fp)
{
	fp->hash = FNV_OFFSET;
	fp->state = AT_LINE_START;
}

void fingerprint_update(struct fingerprint *fp, const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t i;

	for (i = 0; i < len && fp->state != DONE; i++) {
		if (fp->state == AT_LINE_START)
			fp->state = p[i] == '#' ? IN_COMMENT : IN_DATA;
		fp->hash = (fp->hash ^ p[i]) * FNV_PRIME;
		if (p[i] == '\n')
			fp->state = fp->state == IN_DATA ? DONE : AT_LINE_START;
	}
}

int fingerprint_value(const struct fingerprint *fp, uint64_t *value)
{
	if (fp->state != DONE)
		return 0;
	*value = fp->hash;
	return 1;
}

void fingerprint_event_id(uint64_t fp, uint64_t line, char out[EVENT_ID_SIZE])
{
	snprintf(out, EVENT_ID_SIZE, "%016" PRIx64 ":%" PRIu64, fp, line);
}
