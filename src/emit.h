/*
 * The output layer: rows of typed columns, from SQL or from C, and one
 * writer per format: an aligned text table for terminals, JSON objects,
 * RFC 4180 CSV and TSV.  A command describes its table as an array of
 * emit_column and feeds rows; the findings of audit and scan are one such
 * table (emit_findings).
 */
#ifndef CAMAUDIT_EMIT_H
#define CAMAUDIT_EMIT_H

#include <stdint.h>
#include <stdio.h>

#include <sqlite3.h>

#include "correlate.h"

enum emit_format { EMIT_TABLE, EMIT_JSON, EMIT_CSV, EMIT_TSV };

/* "table", "json", "csv" or "tsv"; -1 for anything else. */
int emit_format_parse(const char *name, enum emit_format *format);

/* Flags for the writers. */
enum {
	/* CSV, TSV: leave cells that a spreadsheet would run as a formula alone. */
	EMIT_KEEP_FORMULAS = 1 << 0,
	/* Table, CSV, TSV: no heading row. */
	EMIT_NO_HEADER = 1 << 1,
	/* Table: the full width, even on a terminal. */
	EMIT_WIDE = 1 << 2,
	/* JSON: the rows as one array, not one object a line. */
	EMIT_JSON_ARRAY = 1 << 3,
};

/* What a column holds, and so how each format writes it. */
enum emit_kind {
	EMIT_TEXT,   /* from a log: escaped for the medium; NULL is absent */
	EMIT_COUNT,  /* an integer: right-aligned, a JSON number */
	EMIT_TIME,   /* ms since the epoch, as RFC 3339 UTC */
	EMIT_FLAG,   /* 0 or 1: yes or no, JSON false or true */
	EMIT_FINGERPRINT, /* a blob, as 16 hex digits of its FNV-1a 64 */
	EMIT_KEY,    /* an internal id linking rows: never written */
	EMIT_LABEL   /* text naming the table, for CSV and TSV, where several
	                tables share one stream: not in text tables or JSON */
};

struct emit_column {
	const char *key;     /* JSON key, CSV and TSV header */
	const char *heading; /* text heading; NULL: not in the text table */
	enum emit_kind kind;
	const char *absent;  /* text shown for NULL in the table; NULL: "-" */
	/*
	 * On a narrow terminal, the columns left out first (1, then 2, ...)
	 * to fit; 0 never.  The others are cut short, marked with '~': at
	 * the end, or with keep_end at the start (a FILE:LINE keeps its line).
	 */
	unsigned drop;
	int keep_end;
};

/* One value of a row; text is valid while the row is written. */
struct emit_value {
	int null;
	int64_t number;   /* COUNT, TIME, FLAG, KEY */
	const char *text; /* TEXT, and FINGERPRINT's blob */
	size_t len;       /* of text, which may hold NUL bytes */
};

#define EMIT_MAX_COLUMNS 16
/* Room for a count, a time or a fingerprint as text. */
#define EMIT_VALUE_SIZE 32

/* A value as text with its length, formatted into buf when it is not
 * text; ptr NULL when absent. */
struct text emit_value_text(const struct emit_value *v, enum emit_kind kind,
			    char buf[EMIT_VALUE_SIZE]);
/* Column i of stmt's current row as a value of kind. */
struct emit_value emit_sql_value(sqlite3_stmt *stmt, int i, enum emit_kind kind);

/*
 * A text table is written in two passes over the same rows: measure each,
 * then (after emit_table_fit) write the heading and each row.
 */
struct emit_table {
	const struct emit_column *columns;
	size_t count;
	size_t indent;                    /* blanks before each line */
	size_t width[EMIT_MAX_COLUMNS];   /* of the values, the heading included */
	unsigned char shown[EMIT_MAX_COLUMNS];
	unsigned char cut[EMIT_MAX_COLUMNS];  /* narrower than its values */
	uint64_t rows;                    /* measured */
};
void emit_table_init(struct emit_table *t, const struct emit_column *columns,
		     size_t count, size_t indent);
void emit_table_measure(struct emit_table *t, const struct emit_value *row);
/*
 * Fit the table into limit columns (0: no limit) by leaving out columns in
 * their drop order, then cutting the widest text columns short.
 */
void emit_table_fit(struct emit_table *t, size_t limit);
/* The width a table written to out may take: 0 (no limit) with EMIT_WIDE
 * or when out is not a terminal, else $CAMAUDIT_COLUMNS or 80.  A set
 * $CAMAUDIT_COLUMNS applies to pipes too (tests, scripts). */
size_t emit_table_limit(FILE *out, unsigned flags);
/* The heading line, or one row (NULL: the heading). */
void emit_table_row(const struct emit_table *t, FILE *out,
		    const struct emit_value *row);

/*
 * A value typed by itself rather than by its column, as the row writers
 * take it: an event record's status is a number on one line and text on
 * the next (record.h).  emit_json_cells() and emit_delimited_cells() are
 * the one JSON and the one CSV and TSV writer of a row; emit_json_row()
 * and emit_delimited_row() hand them a table's row.
 */
enum emit_cell_type {
	EMIT_CELL_NULL,    /* JSON null; an empty field */
	EMIT_CELL_TEXT,    /* JSON string; an escaped field, formulas defused */
	EMIT_CELL_INTEGER, /* bare digits everywhere: never a formula */
	EMIT_CELL_TIME,    /* ms since the epoch, as RFC 3339 UTC */
	EMIT_CELL_FLAG,    /* JSON true or false; yes or no */
	EMIT_CELL_OMIT     /* no key in JSON; an empty field */
};
struct emit_cell {
	enum emit_cell_type type;
	const char *text;  /* TEXT: len bytes, which may hold NUL */
	int64_t number;    /* INTEGER, TIME, FLAG */
	size_t len;
};
/* The object {"key":value,...} of n cells under their keys, no newline;
 * written with one fwrite (stdio per character made normalize five times
 * slower than zcat on bench/gen's logs). */
void emit_json_cells(FILE *out, const char *const *keys,
		     const struct emit_cell *cells, size_t n);
/* One CSV (CRLF) or TSV (LF) line of n cells, or with cells NULL the
 * header of their keys. */
void emit_delimited_cells(FILE *out, enum emit_format format,
			  const char *const *keys, const struct emit_cell *cells,
			  size_t n, unsigned flags);

/* One row as a JSON object ({"key":value,...}, no newline). */
void emit_json_row(FILE *out, const struct emit_column *columns, size_t count,
		   const struct emit_value *row);
/*
 * One CSV (CRLF) or TSV (LF) line: the row, or with row NULL the header
 * of the columns' keys.
 */
void emit_delimited_row(FILE *out, enum emit_format format,
			const struct emit_column *columns, size_t count,
			const struct emit_value *row, unsigned flags);

/*
 * One table in one format, from rows that the caller's function hands to
 * emit_row() one by one.  A text table takes two passes over them:
 * emit_measure() sizes and fits it (after which table.rows counts them,
 * for a title), then emit_write() writes the heading and the rows; the
 * other formats take only emit_write(), which writes CSV's and TSV's
 * header line, and JSON's brackets with EMIT_JSON_ARRAY.  A text table
 * without rows writes nothing at all.
 */
struct emit_writer {
	FILE *out;
	enum emit_format format;
	unsigned flags;
	const struct emit_column *columns;
	size_t count;
	struct emit_table table;  /* the text table's layout */
	int measuring;
	uint64_t rows;            /* written */
};
typedef int emit_rows_fn(struct emit_writer *w, void *ctx);
void emit_writer_init(struct emit_writer *w, FILE *out, enum emit_format format,
		      unsigned flags, const struct emit_column *columns,
		      size_t count, size_t indent);
int emit_measure(struct emit_writer *w, emit_rows_fn *rows, void *ctx);
int emit_write(struct emit_writer *w, emit_rows_fn *rows, void *ctx);
/* After emit_measure(), a text table's title line, "TITLE: N NOTE" (NOTE
 * may be NULL) or "TITLE: none"; whether there are rows to write. */
int emit_title(struct emit_writer *w, const char *title, const char *note);
/* One row, measured or written; writer is the struct emit_writer (a void
 * pointer, so that it can be a row callback as it is); 0. */
int emit_row(const struct emit_value *row, void *writer);

/*
 * Print the findings of the given types from the last correlate_run().
 * *printed receives how many were printed.  Returns 0 or -1 (reported).
 */
int emit_findings(struct store *st, unsigned types, enum emit_format format,
		  unsigned flags, FILE *out, uint64_t *printed);

/*
 * Write s[0..len) as a JSON string literal: quotes and backslashes
 * escaped, newline, tab and carriage return as \n \t \r, other controls
 * (a NUL too), DEL, C1 and U+2028/9 as \uXXXX, and each byte of invalid
 * UTF-8 as U+FFFD.  emit_json_put() writes the same at p (room for
 * 6 * len + 2 bytes) and returns the end.
 */
void emit_json_string(FILE *out, const char *s, size_t len);
char *emit_json_put(char *p, const char *s, size_t len);
/*
 * Write s[0..len) as one RFC 4180 CSV field, control characters (NUL
 * included) escaped; unless
 * keep_formulas, a value that starts like a formula (= + - @) gets a
 * leading apostrophe, which spreadsheets show but do not run.
 */
void emit_csv_field(FILE *out, const char *s, size_t len, int keep_formulas);
/*
 * Write s[0..len) as one TSV field: escaped as in the table, so it holds
 * no tab, newline or terminal escape; formulas defused as in CSV.
 */
void emit_tsv_field(FILE *out, const char *s, size_t len, int keep_formulas);

#endif
