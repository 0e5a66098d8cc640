/*
 * Fuzz target: logfmt_parse_line() on one line of arbitrary bytes.  The
 * line lives in a buffer of exactly its length, so any read or write past
 * it is an ASan report; afterwards every field must point inside the line.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "logfmt.h"
#include "timefmt.h"

#include "common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* malloc(0) may return NULL; a one-byte buffer still traps len + 1. */
	char *line = malloc(size ? size : 1);
	struct event ev;
	unsigned f;
	int rc;

	FUZZ_CHECK(line != NULL);
	memcpy(line, data, size);
	memset(&ev, 0xa5, sizeof(ev)); /* no help from a zeroed event */
	rc = logfmt_parse_line(line, size, &ev);

	FUZZ_CHECK(memchr(ev.why, '\0', sizeof(ev.why)) != NULL);
	FUZZ_CHECK(rc == 0 || rc == -1);
	FUZZ_CHECK(rc == 0 ? ev.why[0] == '\0' : ev.why[0] != '\0');
	fuzz_touch(ev.why, strlen(ev.why));

	for (f = 0; f < FIELD_COUNT; f++) {
		const struct text *t = &ev.field[f];
		const char *name = event_field_name((enum field)f);

		/* The field table and its lookup agree. */
		FUZZ_CHECK(event_field_lookup(name, strlen(name)) == f);
		if (!t->ptr) {
			FUZZ_CHECK(t->len == 0);
			continue;
		}
		/* Unescaping only shortens: a value stays inside the line. */
		FUZZ_CHECK(t->ptr >= line && t->len <= size &&
			   (size_t)(t->ptr - line) <= size - t->len);
		fuzz_touch(t->ptr, t->len);
	}

	if (rc == 0) {
		char formatted[TIMEFMT_SIZE];
		int64_t back;

		/* An accepted line has the fields its kind needs and a usable time. */
		FUZZ_CHECK(ev.kind == EVENT_SERVE ? ev.op == NULL : ev.op != NULL);
		FUZZ_CHECK(ev.field[FIELD_TS].ptr && ev.field[FIELD_TS].len > 0);
		FUZZ_CHECK(ev.kind != EVENT_SERVE ||
			   (ev.field[FIELD_ACCOUNT].len && ev.field[FIELD_KEY].len));
		if (ev.op)
			FUZZ_CHECK(ev.field[FIELD_OP].len == strlen(ev.op) &&
				   !memcmp(ev.field[FIELD_OP].ptr, ev.op, strlen(ev.op)));
		timefmt_format(ev.ts, formatted);
		FUZZ_CHECK(timefmt_parse_log(formatted, strlen(formatted), &back) == NULL);
		FUZZ_CHECK(back == ev.ts);
	}
	free(line);
	return 0;
}
