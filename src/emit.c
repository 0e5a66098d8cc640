/*
 * The output layer.  Text from logs is untrusted: JSON escapes every
 * control character and replaces invalid UTF-8, the table and TSV escape
 * anything that could drive a terminal (util.c: fput_safe), CSV quotes per
 * RFC 4180; CSV and TSV defuse what a spreadsheet would run.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "emit.h"
#include "fingerprint.h"
#include "timefmt.h"
#include "util.h"

/* What a table may take on a terminal, unless --wide. */
#define TERMINAL_COLUMNS 80
/* A column cut short keeps at least this many columns, its '~' included. */
#define CUT_MIN_WIDTH 5

int emit_format_parse(const char *name, enum emit_format *format)
{
	static const char *const names[] = {
		[EMIT_TABLE] = "table", [EMIT_JSON] = "json", [EMIT_CSV] = "csv",
		[EMIT_TSV] = "tsv",
	};
	int i = name_lookup(names, ARRAY_SIZE(names), name);

	if (i < 0)
		return -1;
	*format = (enum emit_format)i;
	return 0;
}

/* ---- values ----------------------------------------------------------------- */

struct text emit_value_text(const struct emit_value *v, enum emit_kind kind,
			    char buf[EMIT_VALUE_SIZE])
{
	struct text t = {NULL, 0};

	if (v->null)
		return t;
	switch (kind) {
	case EMIT_COUNT:
	case EMIT_KEY:
		snprintf(buf, EMIT_VALUE_SIZE, "%" PRId64, v->number);
		break;
	case EMIT_TIME:
		timefmt_format(v->number, buf);
		break;
	case EMIT_FLAG:
		t.ptr = v->number ? "yes" : "no";
		t.len = strlen(t.ptr);
		return t;
	case EMIT_FINGERPRINT:
		snprintf(buf, EMIT_VALUE_SIZE, "%016" PRIx64,
			 fnv1a64(v->text, v->len));
		break;
	case EMIT_TEXT:
	case EMIT_LABEL:
		t.ptr = v->text;
		t.len = v->len;
		return t;
	}
	t.ptr = buf;
	t.len = strlen(buf);
	return t;
}

struct emit_value emit_sql_value(sqlite3_stmt *stmt, int i, enum emit_kind kind)
{
	struct emit_value v = {0, 0, NULL, 0};

	if (sqlite3_column_type(stmt, i) == SQLITE_NULL) {
		v.null = 1;
	} else if (kind == EMIT_TEXT || kind == EMIT_LABEL) {
		v.text = (const char *)sqlite3_column_text(stmt, i);
		v.len = (size_t)sqlite3_column_bytes(stmt, i);
	} else if (kind == EMIT_FINGERPRINT) {
		v.text = sqlite3_column_blob(stmt, i);
		v.len = (size_t)sqlite3_column_bytes(stmt, i);
	} else {
		v.number = sqlite3_column_int64(stmt, i);
	}
	return v;
}

/* ---- escaping ------------------------------------------------------------- */

#define PUT(p, s) (memcpy((p), (s), sizeof(s) - 1), (p) + sizeof(s) - 1)

static char *put_escape(char *p, unsigned cp)
{
	static const char hex[] = "0123456789abcdef";

	p[0] = '\\', p[1] = 'u', p[2] = hex[(cp >> 12) & 15];
	p[3] = hex[(cp >> 8) & 15], p[4] = hex[(cp >> 4) & 15], p[5] = hex[cp & 15];
	return p + 6;
}

/* Runs of plain ASCII are copied whole: this is export's hot loop. */
char *emit_json_put(char *p, const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, run;

	*p++ = '"';
	while (i < len) {
		unsigned cp;
		size_t n;

		for (run = i; run < len && u[run] >= 0x20 && u[run] < 0x7f &&
		     u[run] != '"' && u[run] != '\\'; run++)
			;
		memcpy(p, s + i, run - i);
		p += run - i;
		if ((i = run) == len)
			break;
		if (!(n = utf8_decode(u + i, len - i, &cp))) {
			p = PUT(p, "\\ufffd");
			i++;
			continue;
		}
		if (cp == '"' || cp == '\\') {
			*p++ = '\\';
			*p++ = (char)cp;
		} else if (cp == '\n') {
			p = PUT(p, "\\n");
		} else if (cp == '\t') {
			p = PUT(p, "\\t");
		} else if (cp == '\r') {
			p = PUT(p, "\\r");
		} else if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0) ||
			   cp == 0x2028 || cp == 0x2029) {
			p = put_escape(p, cp);
		} else {
			memcpy(p, s + i, n);
			p += n;
		}
		i += n;
	}
	*p++ = '"';
	return p;
}

void emit_json_string(FILE *out, const char *s, size_t len)
{
	char small[512], *buf = small;
	size_t room = 6 * len + 2;

	if (room > sizeof(small))
		buf = xmalloc(room);
	fwrite(buf, 1, (size_t)(emit_json_put(buf, s, len) - buf), out);
	if (buf != small)
		free(buf);
}

void emit_csv_field(FILE *out, const char *s, size_t len, int keep_formulas)
{
	/*
	 * Escaped as in the table first (control characters, NUL and
	 * invalid UTF-8 as C escapes, a backslash as it is), so that a CSV
	 * file is safe to look at in a terminal and holds no raw CR or LF;
	 * then quoted per RFC 4180.  JSON is the format that keeps values
	 * exact.
	 */
	char *safe = safe_memdup(s, len);
	/* OWASP's CSV injection advice; tab and CR are already escaped. */
	const char *guard = !keep_formulas && safe[0] && strchr("=+-@", safe[0])
			    ? "'" : "";
	const char *p;

	if (!strpbrk(safe, ",\"")) {
		fputs(guard, out);
		fputs(safe, out);
	} else {
		putc('"', out);
		fputs(guard, out);
		for (p = safe; *p; p++) {
			if (*p == '"')
				putc('"', out);
			putc(*p, out);
		}
		putc('"', out);
	}
	free(safe);
}

void emit_tsv_field(FILE *out, const char *s, size_t len, int keep_formulas)
{
	char *safe = safe_memdup(s, len);

	if (!keep_formulas && safe[0] && strchr("=+-@", safe[0]))
		putc('\'', out);
	fputs(safe, out);
	free(safe);
}

/* ---- text tables ----------------------------------------------------------- */

void emit_table_init(struct emit_table *t, const struct emit_column *columns,
		     size_t count, size_t indent)
{
	size_t i;

	if (count > EMIT_MAX_COLUMNS)
		die("a table of %zu columns (at most %d)", count, EMIT_MAX_COLUMNS);
	memset(t, 0, sizeof(*t));
	t->columns = columns;
	t->count = count;
	t->indent = indent;
	for (i = 0; i < count; i++) {
		t->shown[i] = columns[i].heading && columns[i].kind != EMIT_KEY &&
			      columns[i].kind != EMIT_LABEL;
		t->width[i] = t->shown[i] ? strlen(columns[i].heading) : 0;
	}
}

/* A cell as the table shows it: the value, else the column's absent text. */
static struct text shown_value(const struct emit_column *c,
			       const struct emit_value *v, char buf[EMIT_VALUE_SIZE])
{
	struct text t = emit_value_text(v, c->kind, buf);

	if (!t.ptr) {
		t.ptr = c->absent ? c->absent : "-";
		t.len = strlen(t.ptr);
	}
	return t;
}

void emit_table_measure(struct emit_table *t, const struct emit_value *row)
{
	char buf[EMIT_VALUE_SIZE];
	size_t i;

	for (i = 0; i < t->count; i++) {
		struct text v;
		size_t w;

		if (!t->shown[i])
			continue;
		v = shown_value(&t->columns[i], &row[i], buf);
		w = safe_width(v.ptr, v.len);
		if (w > t->width[i])
			t->width[i] = w;
	}
	t->rows++;
}

static size_t table_width(const struct emit_table *t)
{
	size_t i, total = t->indent, shown = 0;

	for (i = 0; i < t->count; i++)
		if (t->shown[i])
			total += t->width[i] + (shown++ ? 2 : 0);
	return total;
}

void emit_table_fit(struct emit_table *t, size_t limit)
{
	size_t i, total;

	if (!limit)
		return;
	/* Leave out the columns that can go, in their order. */
	while ((total = table_width(t)) > limit) {
		size_t drop = t->count;

		for (i = 0; i < t->count; i++)
			if (t->shown[i] && t->columns[i].drop &&
			    (drop == t->count ||
			     t->columns[i].drop < t->columns[drop].drop))
				drop = i;
		if (drop == t->count)
			break;
		t->shown[drop] = 0;
	}
	/* Then cut the widest text column short, a column at a time. */
	while (total > limit) {
		size_t widest = t->count;

		for (i = 0; i < t->count; i++)
			if (t->shown[i] && t->columns[i].kind == EMIT_TEXT &&
			    t->width[i] > CUT_MIN_WIDTH &&
			    (widest == t->count || t->width[i] > t->width[widest]))
				widest = i;
		if (widest == t->count)
			break; /* as narrow as it goes: it overflows */
		t->width[widest]--;
		t->cut[widest] = 1;
		total--;
	}
}

size_t emit_table_limit(FILE *out, unsigned flags)
{
	const char *env = getenv("CAMAUDIT_COLUMNS");
	char *end;
	long columns;

	if (flags & EMIT_WIDE)
		return 0;
	if (env && *env) {
		errno = 0;
		columns = strtol(env, &end, 10);
		if (!errno && !*end && columns > 0 && columns <= 100000)
			return (size_t)columns;
	}
	return isatty(fileno(out)) ? TERMINAL_COLUMNS : 0;
}

/*
 * s[0..len) escaped, in at most width columns: cut short, '~' marks the
 * cut (the last column, or with keep_end the first).  Returns the columns
 * written.
 */
static size_t put_cell(FILE *out, const char *s, size_t len, size_t w,
		       size_t width, int keep_end)
{
	size_t i = 0, skip;
	char *safe;

	if (w <= width)
		return fput_safe(out, s, len);
	/* The escaped text is valid UTF-8, one column per character. */
	safe = safe_memdup(s, len);
	for (skip = keep_end ? w - (width - 1) : width - 1; skip; skip--)
		while ((safe[++i] & 0xc0) == 0x80)
			;
	if (keep_end) {
		putc('~', out);
		fputs(safe + i, out);
	} else {
		fwrite(safe, 1, i, out);
		putc('~', out);
	}
	free(safe);
	return width;
}

void emit_table_row(const struct emit_table *t, FILE *out,
		    const struct emit_value *row)
{
	char buf[EMIT_VALUE_SIZE];
	size_t i, last = 0;
	int first = 1;

	for (i = 0; i < t->count; i++)
		if (t->shown[i])
			last = i;
	fprintf(out, "%*s", (int)t->indent, "");
	for (i = 0; i < t->count; i++) {
		const struct emit_column *c = &t->columns[i];
		struct text v = {c->heading, c->heading ? strlen(c->heading) : 0};
		int right = c->kind == EMIT_COUNT;
		size_t w;

		if (!t->shown[i])
			continue;
		if (row)
			v = shown_value(c, &row[i], buf);
		if (!first)
			fputs("  ", out);
		first = 0;
		if (!right && !t->cut[i]) {
			/* Nothing to cut: one pass over the value. */
			w = fput_safe(out, v.ptr, v.len);
		} else {
			w = safe_width(v.ptr, v.len);
			if (right && w < t->width[i])
				fprintf(out, "%*s", (int)(t->width[i] - w), "");
			w = put_cell(out, v.ptr, v.len, w, t->width[i], c->keep_end);
		}
		/* No padding after the last column: no trailing blanks. */
		if (!right && i < last)
			fprintf(out, "%*s", (int)(t->width[i] - w), "");
	}
	putc('\n', out);
}

/* ---- JSON, CSV, TSV ------------------------------------------------------- */

/* A row is built in memory, into room reserved once for the longest. */
struct buffer {
	char *data;
	size_t size;
};

static char *reserve(struct buffer *b, size_t n)
{
	if (b->size < n) {
		b->size = 2 * n;
		b->data = xrealloc(b->data, b->size);
	}
	return b->data;
}

/* An integer's digits at p (room for 20); returns the end. */
static char *put_integer(char *p, int64_t v)
{
	char digits[24];
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	size_t n = 0;

	do
		digits[n++] = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (v < 0)
		*p++ = '-';
	while (n > 0)
		*p++ = digits[--n];
	return p;
}

/*
 * A time as timefmt_format() writes it, quoted; consecutive rows mostly
 * fall in one second, whose text is kept, and only the milliseconds change.
 */
static char *put_time(char *p, int64_t ms)
{
	static int64_t second = INT64_MIN;
	static char text[TIMEFMT_SIZE];
	unsigned frac = (unsigned)((ms % 1000 + 1000) % 1000);
	int64_t this_second;

	/*
	 * The first second of the int64 range has no floor to subtract to
	 * (it would overflow); far out of timefmt's range, it is written as
	 * timefmt writes it.
	 */
	if (ms < INT64_MIN + 1000) {
		timefmt_format(ms, text);
		second = INT64_MIN; /* text no longer holds a cached second */
		*p++ = '"';
		memcpy(p, text, strlen(text));
		p += strlen(text);
		*p++ = '"';
		return p;
	}
	this_second = ms - frac;
	if (this_second != second) {
		timefmt_format(this_second, text);
		second = this_second;
	}
	/* "YYYY-MM-DDTHH:MM:SS.mmmZ": the milliseconds are bytes 20 to 22. */
	*p++ = '"';
	memcpy(p, text, 20);
	p += 20;
	if (memcmp(text, "0000-00-00", 10)) {
		*p++ = (char)('0' + frac / 100);
		*p++ = (char)('0' + frac / 10 % 10);
		*p++ = (char)('0' + frac % 10);
	} else {
		memcpy(p, text + 20, 3); /* out of range: as timefmt wrote it */
		p += 3;
	}
	return PUT(p, "Z\"");
}

void emit_json_cells(FILE *out, const char *const *keys,
		     const struct emit_cell *cells, size_t n)
{
	static struct buffer b; /* one row is written at a time */
	size_t i, room = 2;
	char *p;
	int first = 1;

	for (i = 0; i < n; i++)
		room += strlen(keys[i]) + 4 + (cells[i].type == EMIT_CELL_TEXT ?
					      6 * cells[i].len + 2 : EMIT_VALUE_SIZE);
	p = reserve(&b, room);
	*p++ = '{';
	for (i = 0; i < n; i++) {
		const struct emit_cell *c = &cells[i];
		size_t len;

		if (c->type == EMIT_CELL_OMIT)
			continue;
		if (!first)
			*p++ = ',';
		first = 0;
		*p++ = '"';
		len = strlen(keys[i]);
		memcpy(p, keys[i], len);
		p += len;
		p = PUT(p, "\":");
		switch (c->type) {
		case EMIT_CELL_NULL:
		case EMIT_CELL_OMIT:
			p = PUT(p, "null");
			break;
		case EMIT_CELL_TEXT:
			p = emit_json_put(p, c->text, c->len);
			break;
		case EMIT_CELL_INTEGER:
			p = put_integer(p, c->number);
			break;
		case EMIT_CELL_TIME:
			p = put_time(p, c->number);
			break;
		case EMIT_CELL_FLAG:
			p = c->number ? PUT(p, "true") : PUT(p, "false");
			break;
		}
	}
	*p++ = '}';
	fwrite(b.data, 1, (size_t)(p - b.data), out);
}

void emit_delimited_cells(FILE *out, enum emit_format format,
			  const char *const *keys, const struct emit_cell *cells,
			  size_t n, unsigned flags)
{
	void (*field)(FILE *, const char *, size_t, int) =
		format == EMIT_TSV ? emit_tsv_field : emit_csv_field;
	int keep = (flags & EMIT_KEEP_FORMULAS) != 0;
	char buf[EMIT_VALUE_SIZE], *end;
	size_t i;

	for (i = 0; i < n; i++) {
		if (i)
			putc(format == EMIT_TSV ? '\t' : ',', out);
		if (!cells) {
			fputs(keys[i], out);
			continue;
		}
		switch (cells[i].type) {
		case EMIT_CELL_NULL:
		case EMIT_CELL_OMIT:
			break;
		case EMIT_CELL_TEXT:
			field(out, cells[i].text, cells[i].len, keep);
			break;
		case EMIT_CELL_INTEGER:
			/* A number we formatted is no formula; -5 stays -5. */
			end = put_integer(buf, cells[i].number);
			fwrite(buf, 1, (size_t)(end - buf), out);
			break;
		case EMIT_CELL_TIME:
			timefmt_format(cells[i].number, buf);
			field(out, buf, strlen(buf), keep);
			break;
		case EMIT_CELL_FLAG:
			fputs(cells[i].number ? "yes" : "no", out);
			break;
		}
	}
	fputs(format == EMIT_TSV ? "\n" : "\r\n", out);
}

/* A table's row as cells (the columns that format writes), with their
 * keys; fingerprints are formatted into bufs.  Returns the cells' count. */
static size_t row_cells(const struct emit_column *columns, size_t count,
			const struct emit_value *row, int json,
			const char *keys[EMIT_MAX_COLUMNS],
			struct emit_cell cells[EMIT_MAX_COLUMNS],
			char bufs[EMIT_MAX_COLUMNS][EMIT_VALUE_SIZE])
{
	static const enum emit_cell_type types[] = {
		[EMIT_TEXT] = EMIT_CELL_TEXT, [EMIT_COUNT] = EMIT_CELL_INTEGER,
		[EMIT_TIME] = EMIT_CELL_TIME, [EMIT_FLAG] = EMIT_CELL_FLAG,
		[EMIT_FINGERPRINT] = EMIT_CELL_TEXT, [EMIT_KEY] = EMIT_CELL_INTEGER,
		[EMIT_LABEL] = EMIT_CELL_TEXT,
	};
	size_t i, n = 0;

	for (i = 0; i < count && n < EMIT_MAX_COLUMNS; i++) {
		const struct emit_column *c = &columns[i];
		struct emit_cell *cell = &cells[n];

		if (c->kind == EMIT_KEY || (json && c->kind == EMIT_LABEL))
			continue;
		keys[n++] = c->key;
		if (!row)
			continue;
		if (row[i].null) {
			*cell = (struct emit_cell){EMIT_CELL_NULL, NULL, 0, 0};
		} else if (c->kind == EMIT_FINGERPRINT) {
			struct text t = emit_value_text(&row[i], c->kind, bufs[n - 1]);

			*cell = (struct emit_cell){EMIT_CELL_TEXT, t.ptr, 0, t.len};
		} else {
			*cell = (struct emit_cell){types[c->kind], row[i].text,
						   row[i].number, row[i].len};
		}
	}
	return n;
}

void emit_json_row(FILE *out, const struct emit_column *columns, size_t count,
		   const struct emit_value *row)
{
	const char *keys[EMIT_MAX_COLUMNS];
	struct emit_cell cells[EMIT_MAX_COLUMNS];
	char bufs[EMIT_MAX_COLUMNS][EMIT_VALUE_SIZE];
	size_t n = row_cells(columns, count, row, 1, keys, cells, bufs);

	emit_json_cells(out, keys, cells, n);
}

void emit_delimited_row(FILE *out, enum emit_format format,
			const struct emit_column *columns, size_t count,
			const struct emit_value *row, unsigned flags)
{
	const char *keys[EMIT_MAX_COLUMNS];
	struct emit_cell cells[EMIT_MAX_COLUMNS];
	char bufs[EMIT_MAX_COLUMNS][EMIT_VALUE_SIZE];
	size_t n = row_cells(columns, count, row, 0, keys, cells, bufs);

	emit_delimited_cells(out, format, keys, row ? cells : NULL, n, flags);
}

/* ---- a table in any format ------------------------------------------------ */

void emit_writer_init(struct emit_writer *w, FILE *out, enum emit_format format,
		      unsigned flags, const struct emit_column *columns,
		      size_t count, size_t indent)
{
	memset(w, 0, sizeof(*w));
	w->out = out;
	w->format = format;
	w->flags = flags;
	w->columns = columns;
	w->count = count;
	emit_table_init(&w->table, columns, count, indent);
}

int emit_row(const struct emit_value *row, void *writer)
{
	struct emit_writer *w = writer;

	if (w->measuring) {
		emit_table_measure(&w->table, row);
		return 0;
	}
	switch (w->format) {
	case EMIT_TABLE:
		emit_table_row(&w->table, w->out, row);
		break;
	case EMIT_JSON:
		if (w->flags & EMIT_JSON_ARRAY && w->rows)
			putc(',', w->out);
		emit_json_row(w->out, w->columns, w->count, row);
		if (!(w->flags & EMIT_JSON_ARRAY))
			putc('\n', w->out);
		break;
	case EMIT_CSV:
	case EMIT_TSV:
		emit_delimited_row(w->out, w->format, w->columns, w->count, row,
				   w->flags);
		break;
	}
	w->rows++;
	return 0;
}

int emit_measure(struct emit_writer *w, emit_rows_fn *rows, void *ctx)
{
	int rc;

	if (w->format != EMIT_TABLE)
		return 0;
	w->measuring = 1;
	rc = rows(w, ctx);
	w->measuring = 0;
	if (rc)
		return rc;
	emit_table_fit(&w->table, emit_table_limit(w->out, w->flags));
	return 0;
}

int emit_title(struct emit_writer *w, const char *title, const char *note)
{
	if (w->table.rows == 0) {
		fprintf(w->out, "%s: none\n", title);
		return 0;
	}
	fprintf(w->out, "%s: %" PRIu64 "%s%s\n", title, w->table.rows,
		note ? " " : "", note ? note : "");
	return 1;
}

int emit_write(struct emit_writer *w, emit_rows_fn *rows, void *ctx)
{
	int header = !(w->flags & EMIT_NO_HEADER), rc;

	switch (w->format) {
	case EMIT_TABLE:
		/* No rows, no heading: an empty stdout reads as "nothing". */
		if (w->table.rows == 0)
			return 0;
		if (header)
			emit_table_row(&w->table, w->out, NULL);
		break;
	case EMIT_JSON:
		if (w->flags & EMIT_JSON_ARRAY)
			putc('[', w->out);
		break;
	case EMIT_CSV:
	case EMIT_TSV:
		if (header)
			emit_delimited_row(w->out, w->format, w->columns, w->count,
					   NULL, w->flags);
		break;
	}
	rc = rows(w, ctx);
	if (w->format == EMIT_JSON && w->flags & EMIT_JSON_ARRAY)
		putc(']', w->out);
	return rc;
}

/* ---- findings ------------------------------------------------------------------ */

/* Room for "FILE:LINE" with a long path. */
#define REF_SIZE 4200

/* The output contract: names and order of the keys (see OUTPUT in the man page). */
static const struct emit_column columns[] = {
	{"type", "TYPE", EMIT_TEXT, NULL, 0, 0},
	{"served_at", "SERVED_AT", EMIT_TIME, NULL, 0, 0},
	{"request_id", "REQUEST", EMIT_TEXT, NULL, 4, 0},
	{"viewer_account", "VIEWER", EMIT_TEXT, NULL, 0, 0},
	{"requested_device", "REQUESTED", EMIT_TEXT, NULL, 1, 0},
	{"key", NULL, EMIT_TEXT, NULL, 0, 0},
	{"frame", "FRAME", EMIT_TEXT, NULL, 5, 0},
	{"cache", NULL, EMIT_TEXT, NULL, 0, 0},
	{"relay", NULL, EMIT_TEXT, NULL, 0, 0},
	{"node", "NODE", EMIT_TEXT, NULL, 3, 0},
	{"origin_device", "ORIGIN_DEVICE", EMIT_TEXT, NULL, 2, 0},
	{"owner_account", "OWNER", EMIT_TEXT, NULL, 0, 0},
	{"filled_at", NULL, EMIT_TIME, NULL, 0, 0},
	{"serve_ref", "SERVE_REF", EMIT_TEXT, NULL, 0, 1},
	{"fill_ref", NULL, EMIT_TEXT, NULL, 0, 1},
};

/* A finding's row, with room for its two references. */
struct finding_row {
	struct emit_value v[ARRAY_SIZE(columns)];
	char serve_ref[REF_SIZE], fill_ref[REF_SIZE];
};

static struct emit_value text_value(struct text t)
{
	return (struct emit_value){t.ptr == NULL, 0, t.ptr, t.len};
}

/* "FILE:LINE" into buf; absent without a source. */
static struct emit_value ref_value(struct text source, int64_t line,
				   char buf[REF_SIZE])
{
	if (!source.ptr)
		return text_value(source);
	/* A source name is a path: it holds no NUL byte. */
	snprintf(buf, REF_SIZE, "%.*s:%" PRId64, (int)source.len, source.ptr, line);
	return text_value((struct text){buf, strlen(buf)});
}

static void finding_row(const struct finding *f, struct finding_row *r)
{
	struct emit_value *v = r->v;

	*v++ = text_value(f->type);
	*v++ = (struct emit_value){0, f->served_at, NULL, 0};
	*v++ = text_value(f->request_id);
	*v++ = text_value(f->viewer_account);
	*v++ = text_value(f->requested_device);
	*v++ = text_value(f->key);
	*v++ = text_value(f->frame);
	*v++ = text_value(f->cache);
	*v++ = text_value(f->relay);
	*v++ = text_value(f->node);
	*v++ = text_value(f->origin_device);
	*v++ = text_value(f->owner_account);
	*v++ = (struct emit_value){!f->has_filled_at, f->filled_at, NULL, 0};
	*v++ = ref_value(f->serve_source, f->serve_line, r->serve_ref);
	*v = ref_value(f->fill_source, f->fill_line, r->fill_ref);
}

struct emit_state {
	struct store *st;
	unsigned types;
	struct emit_writer w;
	struct finding_row row;
};

static int finding(const struct finding *f, void *ctx)
{
	struct emit_state *es = ctx;

	finding_row(f, &es->row);
	return emit_row(es->row.v, &es->w);
}

static int each_finding(struct emit_writer *w, void *ctx)
{
	struct emit_state *es = ctx;

	(void)w;
	return correlate_each_finding(es->st, es->types, finding, es);
}

int emit_findings(struct store *st, unsigned types, enum emit_format format,
		  unsigned flags, FILE *out, uint64_t *printed)
{
	struct emit_state *es = xcalloc(1, sizeof(*es));
	int failed;

	es->st = st;
	es->types = types;
	emit_writer_init(&es->w, out, format, flags, columns, ARRAY_SIZE(columns), 0);
	failed = emit_measure(&es->w, each_finding, es) ||
		 emit_write(&es->w, each_finding, es) ? -1 : 0;
	*printed = es->w.rows;
	free(es);
	return failed;
}
