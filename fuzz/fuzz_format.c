/*
 * Fuzz target: format definitions and the lines they match.  The input is
 * a definition text, then a line "%%", then log lines.  The text is added
 * to a set holding the presets (it may be refused, with errors reported);
 * every line is then parsed with every format of the set, so the PCRE2
 * patterns, the field mapping, the time layouts and the #Fields: columns
 * all see arbitrary bytes.  Every event must point inside its line or the
 * format's own buffers, and carry a reason when it is refused.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "format.h"

#include "common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Lines longer than this are not worth the time: ingest caps at 64 KiB. */
#define MAX_LINE 4096

static void parse_with_all(struct format_set *set, const char *line, size_t len)
{
	size_t i, e;

	for (i = 0; i < format_set_count(set); i++) {
		struct format *fmt = format_set_at(set, i);
		struct format_output out;
		char *copy = malloc(len ? len : 1);
		unsigned f;

		FUZZ_CHECK(copy != NULL);
		memcpy(copy, line, len);
		format_parse_line(fmt, copy, len, &out);
		FUZZ_CHECK(out.count <= FORMAT_MAX_EVENTS);
		FUZZ_CHECK(memchr(out.why, '\0', sizeof(out.why)) != NULL);
		fuzz_touch(out.why, strlen(out.why));
		for (e = 0; e < out.count; e++)
			for (f = 0; f < FIELD_COUNT; f++)
				if (out.event[e].field[f].ptr)
					fuzz_touch(out.event[e].field[f].ptr,
						   out.event[e].field[f].len);
		free(copy);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data, *end = text + size;
	const char *split = NULL, *p;
	struct format_set *set = format_set_new();
	size_t i;

	for (p = text; p + 3 <= end; p++) {
		if (!memcmp(p, "%%\n", 3) && (p == text || p[-1] == '\n')) {
			split = p;
			break;
		}
	}
	/* Errors in a definition are expected: they only go to stderr. */
	format_set_add_text(set, "fuzz.formats", text,
			    (size_t)((split ? split : end) - text));
	for (i = 0; i < format_set_count(set); i++)
		format_begin_file(format_set_at(set, i));
	for (p = split ? split + 3 : end; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = (size_t)((nl ? nl : end) - p);

		/* format_parse_line() takes lines without NUL bytes (ingest
		 * rejects those before). */
		if (len <= MAX_LINE && !memchr(p, '\0', len))
			parse_with_all(set, p, len);
		p += len + 1;
	}
	format_set_free(set);
	return 0;
}
