/*
 * Event records (record.h): the table of keys that export, normalize,
 * their --help and the man page describe, and the two writers.
 */
#include "config.h"

#include <inttypes.h>
#include <stdint.h>
#include <string.h>

#include "emit.h"
#include "record.h"
#include "timefmt.h"
#include "util.h"

#define SERVE RECORD_KIND_BIT(EVENT_SERVE)
#define FILL RECORD_KIND_BIT(EVENT_FILL)
#define REMOVAL RECORD_KIND_BIT(EVENT_REMOVAL)
#define BINDING RECORD_KIND_BIT(EVENT_BINDING)
#define SHARE RECORD_KIND_BIT(EVENT_SHARE)

static const char *const kind_names[] = {
	[EVENT_SERVE] = "serve", [EVENT_FILL] = "fill",
	[EVENT_REMOVAL] = "removal", [EVENT_BINDING] = "binding",
	[EVENT_SHARE] = "share",
};

/*
 * The output contract (camaudit(1), export): the keys in order, the kinds
 * that have each, and the log field it comes from (FIELD_COUNT for the
 * keys that are not a field of the line).
 */
#define NAME(s) s, sizeof(s) - 1
static const struct key {
	const char *name;
	size_t len;
	unsigned kinds;
	enum field field;
} keys[RECORD_KEYS] = {
	[RECORD_KIND] = {NAME("kind"), RECORD_ALL_KINDS, FIELD_COUNT},
	[RECORD_TS] = {NAME("ts"), RECORD_ALL_KINDS, FIELD_COUNT},
	[RECORD_TS_MS] = {NAME("ts_ms"), RECORD_ALL_KINDS, FIELD_COUNT},
	[RECORD_REF] = {NAME("ref"), RECORD_ALL_KINDS, FIELD_COUNT},
	[RECORD_EVENT_ID] = {NAME("event_id"), RECORD_ALL_KINDS, FIELD_COUNT},
	[RECORD_OP] = {NAME("op"), FILL | REMOVAL | BINDING | SHARE, FIELD_COUNT},
	[RECORD_NODE] = {NAME("node"), SERVE | FILL | REMOVAL, FIELD_NODE},
	[RECORD_KEY] = {NAME("key"), SERVE | FILL | REMOVAL, FIELD_KEY},
	[RECORD_DEVICE] = {NAME("device"), SERVE | FILL | BINDING | SHARE, FIELD_DEVICE},
	[RECORD_FRAME] = {NAME("frame"), SERVE | FILL, FIELD_FRAME},
	[RECORD_ACCOUNT] = {NAME("account"), SERVE | BINDING | SHARE, FIELD_ACCOUNT},
	[RECORD_RELAY] = {NAME("relay"), SERVE, FIELD_RELAY},
	[RECORD_CACHE] = {NAME("cache"), SERVE, FIELD_CACHE},
	[RECORD_REQ] = {NAME("req"), SERVE, FIELD_REQ},
	[RECORD_STATUS] = {NAME("status"), SERVE, FIELD_STATUS},
	[RECORD_TTL_MS] = {NAME("ttl_ms"), FILL, FIELD_TTL_MS},
	[RECORD_GEN] = {NAME("gen"), FILL, FIELD_GEN},
};

/* The keys whose text is kept as a number when it is an integer. */
#define NUMERIC(k) ((k) == RECORD_STATUS || (k) == RECORD_TTL_MS || (k) == RECORD_GEN)

const char *record_kind_name(enum event_kind kind)
{
	return kind_names[kind];
}

int record_kind_lookup(const char *name)
{
	size_t k;

	for (k = 0; name && k < ARRAY_SIZE(kind_names); k++)
		if (!strcmp(kind_names[k], name))
			return (int)k;
	return -1;
}

const char *record_key_name(enum record_key key)
{
	return keys[key].name;
}

int record_key_of_kind(enum record_key key, enum event_kind kind)
{
	return (keys[key].kinds & RECORD_KIND_BIT(kind)) != 0;
}

int record_kinds_parse(const char *list, unsigned *set)
{
	const char *p = list;

	*set = 0;
	if (!strcmp(list, "all")) {
		*set = RECORD_ALL_KINDS;
		return 0;
	}
	while (*p) {
		size_t len = strcspn(p, ","), k;

		for (k = 0; k < ARRAY_SIZE(kind_names); k++)
			if (strlen(kind_names[k]) == len &&
			    !strncmp(kind_names[k], p, len))
				break;
		if (k == ARRAY_SIZE(kind_names))
			return -1;
		*set |= 1u << k;
		p += len;
		if (*p == ',' && *++p == '\0')
			return -1;
	}
	return *set ? 0 : -1;
}

enum {
	OPT_FORMAT = 'f',
	OPT_EVENTS = 'e',
	OPT_KEEP_FORMULAS = OPT_LONG_ONLY + 64,
};

const struct cli_option record_options[] = {
	{"format", OPT_FORMAT, "FORMAT", "ndjson or csv (default: ndjson)"},
	{"events", OPT_EVENTS, "LIST", "event kinds, comma-separated, or all "
	 "(default: all)"},
	{"keep-formulas", OPT_KEEP_FORMULAS, NULL, "csv: do not defuse cells "
	 "that start with = + - @"},
	{NULL, 0, NULL, NULL},
};

void record_request_init(struct record_request *req)
{
	req->csv = 0;
	req->keep_formulas = 0;
	req->kinds = RECORD_ALL_KINDS;
}

int record_option(const struct command *cmd, struct record_request *req,
		  int key, const char *arg)
{
	switch (key) {
	case OPT_FORMAT:
		if (!strcmp(arg, "ndjson") || !strcmp(arg, "csv")) {
			req->csv = !strcmp(arg, "csv");
			return 1;
		}
		return cli_usage_error(cmd, "invalid --format '%s' (use ndjson "
				       "or csv)", arg), -1;
	case OPT_EVENTS:
		if (!record_kinds_parse(arg, &req->kinds))
			return 1;
		return cli_usage_error(cmd, "invalid --events '%s' (use a comma "
				       "list of serve, fill, removal, binding, "
				       "share, or all)", arg), -1;
	case OPT_KEEP_FORMULAS:
		req->keep_formulas = 1;
		return 1;
	}
	return 0;
}

/* Room for a time or a 64-bit integer. */
#define VALUE_SIZE 32

/* The value as text, NULL when absent; *bare says it is written as it is. */
static const char *value_text(const struct record_value *v,
			      char buf[VALUE_SIZE], int *bare)
{
	*bare = 0;
	switch (v->type) {
	case RECORD_NULL:
		return NULL;
	case RECORD_TEXT:
		return v->text;
	case RECORD_INTEGER:
		snprintf(buf, VALUE_SIZE, "%" PRId64, v->number);
		*bare = 1;
		return buf;
	case RECORD_TIME:
		timefmt_format(v->number, buf);
		return buf;
	}
	return NULL;
}

/*
 * A record is built in memory and written with one fwrite: stdio per
 * character made normalize five times slower than zcat on bench/gen's
 * logs, and the writing is most of its work.
 */
struct buffer {
	char *data;
	size_t used, size;
};

static char *reserve(struct buffer *b, size_t n)
{
	if (b->size - b->used < n) {
		b->size = 2 * (b->used + n);
		b->data = xrealloc(b->data, b->size);
	}
	return b->data + b->used;
}

static void append(struct buffer *b, const char *s, size_t n)
{
	memcpy(reserve(b, n), s, n);
	b->used += n;
}

static void append_escape(struct buffer *b, unsigned cp)
{
	static const char hex[] = "0123456789abcdef";
	char *p = reserve(b, 6);

	p[0] = '\\', p[1] = 'u', p[2] = hex[(cp >> 12) & 15];
	p[3] = hex[(cp >> 8) & 15], p[4] = hex[(cp >> 4) & 15], p[5] = hex[cp & 15];
	b->used += 6;
}

/*
 * s as a JSON string, escaped exactly as emit_json_string() escapes it
 * (test_record checks the two agree byte for byte): invalid UTF-8 as
 * U+FFFD, controls, DEL, C1 and U+2028/9 as \uXXXX.  Runs of plain
 * ASCII are copied whole.
 */
static void append_json_string(struct buffer *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s), i = 0, run;

	append(b, "\"", 1);
	while (i < len) {
		unsigned cp;
		size_t n;

		for (run = i; run < len && p[run] >= 0x20 && p[run] < 0x7f &&
		     p[run] != '"' && p[run] != '\\'; run++)
			;
		append(b, s + i, run - i);
		if ((i = run) == len)
			break;
		if (!(n = utf8_decode(p + i, len - i, &cp))) {
			append(b, "\\ufffd", 6);
			i++;
			continue;
		}
		if (cp == '"' || cp == '\\') {
			append(b, "\\", 1);
			append(b, s + i, 1);
		} else if (cp == '\n') {
			append(b, "\\n", 2);
		} else if (cp == '\t') {
			append(b, "\\t", 2);
		} else if (cp == '\r') {
			append(b, "\\r", 2);
		} else if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0) ||
			   cp == 0x2028 || cp == 0x2029) {
			append_escape(b, cp);
		} else {
			append(b, s + i, n);
		}
		i += n;
	}
	append(b, "\"", 1);
}

/* An integer's digits into out (at least 21 bytes); returns the length. */
static size_t format_integer(int64_t v, char *out)
{
	char digits[24];
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	size_t n = 0, len = 0;

	do
		digits[n++] = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (v < 0)
		out[len++] = '-';
	while (n > 0)
		out[len++] = digits[--n];
	return len;
}

/*
 * A time as timefmt_format() writes it; consecutive records mostly fall
 * in one second, whose text is kept, and only the milliseconds change.
 */
static void append_time(struct buffer *b, int64_t ms)
{
	static int64_t second = INT64_MIN;
	static char text[TIMEFMT_SIZE];
	int64_t this_second = ms - ((ms % 1000) + 1000) % 1000;
	unsigned frac = (unsigned)(ms - this_second);

	if (this_second != second) {
		timefmt_format(this_second, text);
		second = this_second;
	}
	/* "YYYY-MM-DDTHH:MM:SS.mmmZ": the milliseconds are bytes 20 to 22. */
	append(b, "\"", 1);
	append(b, text, 20);
	if (memcmp(text, "0000-00-00", 10)) {
		char m[3] = {(char)('0' + frac / 100), (char)('0' + frac / 10 % 10),
			     (char)('0' + frac % 10)};

		append(b, m, 3);
	} else {
		append(b, text + 20, 3); /* out of range: as timefmt wrote it */
	}
	append(b, "Z\"", 2);
}

void record_write_json(FILE *out, enum event_kind kind,
		       const struct record_value v[RECORD_KEYS])
{
	static struct buffer b; /* one command writes records at a time */
	size_t i;
	int first = 1;

	b.used = 0;
	append(&b, "{", 1);
	for (i = 0; i < RECORD_KEYS; i++) {
		if (!record_key_of_kind((enum record_key)i, kind))
			continue;
		if (!first)
			append(&b, ",", 1);
		first = 0;
		append(&b, "\"", 1);
		append(&b, keys[i].name, keys[i].len);
		append(&b, "\":", 2);
		switch (v[i].type) {
		case RECORD_NULL:
			append(&b, "null", 4);
			break;
		case RECORD_TEXT:
			append_json_string(&b, v[i].text);
			break;
		case RECORD_INTEGER:
			b.used += format_integer(v[i].number, reserve(&b, 24));
			break;
		case RECORD_TIME:
			append_time(&b, v[i].number);
			break;
		}
	}
	append(&b, "}\n", 2);
	fwrite(b.data, 1, b.used, out);
}

void record_write_csv(FILE *out, const struct record_value *v,
		      int keep_formulas)
{
	char buf[VALUE_SIZE];
	const char *text;
	size_t i;
	int bare = 0;

	for (i = 0; i < RECORD_KEYS; i++) {
		text = v ? value_text(&v[i], buf, &bare) : keys[i].name;
		if (i)
			fputc(',', out);
		/* A number we formatted cannot be a formula; -5 stays a number. */
		if (text && bare)
			fputs(text, out);
		else if (text)
			emit_csv_field(out, text, keep_formulas);
	}
	fputs("\r\n", out);
}

void record_from_event(const struct event *ev, const char *ref,
		       const char *event_id, struct record_scratch *scratch,
		       struct record_value v[RECORD_KEYS])
{
	size_t need = 0, used = 0, i;

	for (i = 0; i < RECORD_KEYS; i++)
		if (keys[i].field != FIELD_COUNT)
			need += ev->field[keys[i].field].len + 1;
	if (scratch->size < need) {
		scratch->size = need * 2;
		scratch->buf = xrealloc(scratch->buf, scratch->size);
	}
	memset(v, 0, RECORD_KEYS * sizeof(*v));
	v[RECORD_KIND] = (struct record_value){RECORD_TEXT, kind_names[ev->kind], 0};
	v[RECORD_TS] = (struct record_value){RECORD_TIME, NULL, ev->ts};
	v[RECORD_TS_MS] = (struct record_value){RECORD_INTEGER, NULL, ev->ts};
	v[RECORD_REF] = (struct record_value){RECORD_TEXT, ref, 0};
	if (event_id)
		v[RECORD_EVENT_ID] = (struct record_value){RECORD_TEXT, event_id, 0};
	if (ev->op && record_key_of_kind(RECORD_OP, ev->kind))
		v[RECORD_OP] = (struct record_value){RECORD_TEXT, ev->op, 0};
	for (i = 0; i < RECORD_KEYS; i++) {
		const struct text *t;

		if (keys[i].field == FIELD_COUNT ||
		    !record_key_of_kind((enum record_key)i, ev->kind))
			continue;
		t = &ev->field[keys[i].field];
		if (t->len == 0)
			continue; /* the store keeps an empty field as NULL */
		if (NUMERIC(i) && event_integer(t, &v[i].number)) {
			v[i].type = RECORD_INTEGER;
			continue;
		}
		memcpy(scratch->buf + used, t->ptr, t->len);
		scratch->buf[used + t->len] = '\0';
		v[i] = (struct record_value){RECORD_TEXT, scratch->buf + used, 0};
		used += t->len + 1;
	}
}
