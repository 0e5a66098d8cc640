/*
 * Finding output.  Text from logs is untrusted: JSON escapes every control
 * character and replaces invalid UTF-8, the table escapes anything that
 * could drive a terminal (util.c: fput_safe), CSV quotes per RFC 4180.
 */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "emit.h"
#include "timefmt.h"
#include "util.h"

/* Room for a formatted time or "FILE:LINE" with a long path. */
#define VALUE_SIZE 4200

enum value_kind { VALUE_TEXT, VALUE_TIME, VALUE_REF };

struct column {
	const char *name;     /* JSON key and CSV header */
	const char *heading;  /* table heading; NULL: not in the table */
	enum value_kind kind;
	size_t offset;        /* of the text, time or source name */
	size_t line_offset;   /* VALUE_REF: of the line number */
	size_t present_offset;/* VALUE_TIME: of the has_ flag, or 0 */
};

#define TEXT(name, heading) \
	{#name, heading, VALUE_TEXT, offsetof(struct finding, name), 0, 0}

/* The output contract: names and order of the keys (see OUTPUT in the man page). */
static const struct column columns[] = {
	TEXT(type, "TYPE"),
	{"served_at", "SERVED_AT", VALUE_TIME, offsetof(struct finding, served_at), 0, 0},
	TEXT(request_id, "REQUEST"),
	TEXT(viewer_account, "VIEWER"),
	TEXT(requested_device, "REQUESTED"),
	TEXT(key, NULL),
	TEXT(frame, "FRAME"),
	TEXT(cache, NULL),
	TEXT(relay, NULL),
	TEXT(node, "NODE"),
	TEXT(origin_device, "ORIGIN_DEVICE"),
	TEXT(owner_account, "OWNER"),
	{"filled_at", NULL, VALUE_TIME, offsetof(struct finding, filled_at), 0,
	 offsetof(struct finding, has_filled_at)},
	{"serve_ref", "SERVE_REF", VALUE_REF, offsetof(struct finding, serve_source),
	 offsetof(struct finding, serve_line), 0},
	{"fill_ref", NULL, VALUE_REF, offsetof(struct finding, fill_source),
	 offsetof(struct finding, fill_line), 0},
};

#define FIELD(f, off, type) (*(type const *)((const char *)(f) + (off)))

int emit_format_parse(const char *name, enum emit_format *format)
{
	static const char *const names[] = {
		[EMIT_TABLE] = "table", [EMIT_JSON] = "json", [EMIT_CSV] = "csv",
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(names); i++) {
		if (!strcmp(name, names[i])) {
			*format = (enum emit_format)i;
			return 0;
		}
	}
	return -1;
}

/* The value of a column as text; ptr NULL when absent. */
static struct text column_value(const struct finding *f, const struct column *c,
				char buf[VALUE_SIZE])
{
	struct text v = {NULL, 0}, name;

	switch (c->kind) {
	case VALUE_TEXT:
		return FIELD(f, c->offset, struct text);
	case VALUE_TIME:
		if (c->present_offset && !FIELD(f, c->present_offset, int))
			return v;
		timefmt_format(FIELD(f, c->offset, int64_t), buf);
		break;
	case VALUE_REF:
		name = FIELD(f, c->offset, struct text);
		if (!name.ptr)
			return v;
		/* A source name is a path: it holds no NUL byte. */
		snprintf(buf, VALUE_SIZE, "%.*s:%" PRId64, (int)name.len, name.ptr,
			 FIELD(f, c->line_offset, int64_t));
		break;
	}
	v.ptr = buf;
	v.len = strlen(buf);
	return v;
}

void emit_json_string(FILE *out, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	putc('"', out);
	while (i < len) {
		unsigned cp;
		size_t n = utf8_decode(p + i, len - i, &cp);

		if (n == 0) {
			fputs("\\ufffd", out);
			i++;
			continue;
		}
		if (cp == '"' || cp == '\\') {
			putc('\\', out);
			putc((int)cp, out);
		} else if (cp == '\n') {
			fputs("\\n", out);
		} else if (cp == '\t') {
			fputs("\\t", out);
		} else if (cp == '\r') {
			fputs("\\r", out);
		} else if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0) ||
			   cp == 0x2028 || cp == 0x2029) {
			/* JSON needs only < 0x20 (NUL too); the rest could reach a terminal. */
			fprintf(out, "\\u%04x", cp);
		} else {
			fwrite(p + i, 1, n, out);
		}
		i += n;
	}
	putc('"', out);
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

struct emit_state {
	enum emit_format format;
	unsigned flags;
	FILE *out;
	uint64_t printed;
	size_t width[ARRAY_SIZE(columns)];
	int measuring;
	uint64_t rows;     /* counted by the measuring pass */
};

static int measure_row(const struct finding *f, struct emit_state *es)
{
	char buf[VALUE_SIZE];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(columns); i++) {
		struct text v = column_value(f, &columns[i], buf);
		size_t w = v.ptr ? safe_width(v.ptr, v.len) : 1;

		if (w > es->width[i])
			es->width[i] = w;
	}
	return 0;
}

static void print_table_row(const struct finding *f, struct emit_state *es)
{
	char buf[VALUE_SIZE];
	size_t i, pad = 0, last = 0;

	for (i = 0; i < ARRAY_SIZE(columns); i++)
		if (columns[i].heading)
			last = i;
	for (i = 0; i < ARRAY_SIZE(columns); i++) {
		struct text v;
		size_t w;

		if (!columns[i].heading)
			continue;
		fprintf(es->out, "%*s", (int)pad, "");
		if (!f) {
			fputs(columns[i].heading, es->out);
			w = strlen(columns[i].heading);
		} else {
			v = column_value(f, &columns[i], buf);
			w = v.ptr ? fput_safe(es->out, v.ptr, v.len)
				  : (fputc('-', es->out), 1);
		}
		pad = i == last ? 0 : es->width[i] - w + 2;
	}
	fputc('\n', es->out);
}

static void print_json_row(const struct finding *f, struct emit_state *es)
{
	char buf[VALUE_SIZE];
	size_t i;

	fputc('{', es->out);
	for (i = 0; i < ARRAY_SIZE(columns); i++) {
		struct text v = column_value(f, &columns[i], buf);

		fprintf(es->out, "%s\"%s\":", i ? "," : "", columns[i].name);
		if (v.ptr)
			emit_json_string(es->out, v.ptr, v.len);
		else
			fputs("null", es->out);
	}
	fputs("}\n", es->out);
}

static void print_csv_row(const struct finding *f, struct emit_state *es)
{
	char buf[VALUE_SIZE];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(columns); i++) {
		struct text v = {columns[i].name, strlen(columns[i].name)};

		if (f)
			v = column_value(f, &columns[i], buf);
		if (i)
			fputc(',', es->out);
		if (v.ptr)
			emit_csv_field(es->out, v.ptr, v.len,
				       es->flags & EMIT_KEEP_FORMULAS);
	}
	fputs("\r\n", es->out);
}

static int emit_row(const struct finding *f, void *ctx)
{
	struct emit_state *es = ctx;

	if (es->measuring) {
		es->rows++;
		return measure_row(f, es);
	}
	switch (es->format) {
	case EMIT_TABLE:
		print_table_row(f, es);
		break;
	case EMIT_JSON:
		print_json_row(f, es);
		break;
	case EMIT_CSV:
		print_csv_row(f, es);
		break;
	}
	es->printed++;
	return 0;
}

int emit_findings(struct store *st, unsigned types, enum emit_format format,
		  unsigned flags, FILE *out, uint64_t *printed)
{
	struct emit_state es = {.format = format, .flags = flags, .out = out};
	size_t i;

	*printed = 0;
	if (format == EMIT_TABLE) {
		/* Column widths come from a first pass over the same rows. */
		for (i = 0; i < ARRAY_SIZE(columns); i++)
			if (columns[i].heading)
				es.width[i] = strlen(columns[i].heading);
		es.measuring = 1;
		if (correlate_each_finding(st, types, emit_row, &es))
			return -1;
		es.measuring = 0;
		/* No findings, no heading: an empty stdout reads as "nothing". */
		if (es.rows == 0)
			return 0;
		print_table_row(NULL, &es);
	}
	if (format == EMIT_CSV)
		print_csv_row(NULL, &es);
	if (correlate_each_finding(st, types, emit_row, &es))
		return -1;
	*printed = es.printed;
	return 0;
}
