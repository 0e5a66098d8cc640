/*
 * Output of findings: an aligned table for terminals, NDJSON for jq, and
 * RFC 4180 CSV.  The columns are one table (emit.c) that all three read.
 */
#ifndef CAMAUDIT_EMIT_H
#define CAMAUDIT_EMIT_H

#include <stdint.h>
#include <stdio.h>

#include "correlate.h"

enum emit_format { EMIT_TABLE, EMIT_JSON, EMIT_CSV };

/* "table", "json" or "csv"; -1 for anything else. */
int emit_format_parse(const char *name, enum emit_format *format);

/* Flags for emit_findings(). */
enum {
	/* CSV: leave cells that a spreadsheet would run as a formula alone. */
	EMIT_KEEP_FORMULAS = 1 << 0
};

/*
 * Print the findings of the given types from the last correlate_run().
 * *printed receives how many were printed.  Returns 0 or -1 (reported).
 */
int emit_findings(struct store *st, unsigned types, enum emit_format format,
		  unsigned flags, FILE *out, uint64_t *printed);

/*
 * Write s[0..len) as a JSON string literal (a NUL as \u0000); invalid
 * UTF-8 bytes become U+FFFD.
 */
void emit_json_string(FILE *out, const char *s, size_t len);
/*
 * Write s[0..len) as one RFC 4180 CSV field, control characters (NUL
 * included) escaped; unless
 * keep_formulas, a value that starts like a formula (= + - @) gets a
 * leading apostrophe, which spreadsheets show but do not run.
 */
void emit_csv_field(FILE *out, const char *s, size_t len, int keep_formulas);

#endif
