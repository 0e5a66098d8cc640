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

const struct cli_option record_options[] = {
	{"format", OPT_FORMAT, "FORMAT", "ndjson, csv or tsv (default: ndjson)"},
	{"events", OPT_EVENTS, "LIST", "event kinds, comma-separated, or all "
	 "(default: all)"},
	{"keep-formulas", OPT_KEEP_FORMULAS, NULL, "csv, tsv: do not defuse "
	 "cells that start with = + - @"},
	{"no-header", OPT_NO_HEADER, NULL, "csv, tsv: no header line"},
	{NULL, 0, NULL, NULL},
};

void record_request_init(struct record_request *req)
{
	req->csv = 0;
	req->tsv = 0;
	req->keep_formulas = 0;
	req->no_header = 0;
	req->kinds = RECORD_ALL_KINDS;
}

int record_option(const struct command *cmd, struct record_request *req,
		  int key, const char *arg)
{
	switch (key) {
	case OPT_FORMAT:
		if (!strcmp(arg, "ndjson") || !strcmp(arg, "csv") ||
		    !strcmp(arg, "tsv")) {
			req->csv = strcmp(arg, "ndjson") != 0;
			req->tsv = !strcmp(arg, "tsv");
			return 1;
		}
		return cli_usage_error(cmd, "invalid --format '%s' (use ndjson, "
				       "csv or tsv)", arg), -1;
	case OPT_EVENTS:
		if (!record_kinds_parse(arg, &req->kinds))
			return 1;
		return cli_usage_error(cmd, "invalid --events '%s' (use a comma "
				       "list of serve, fill, removal, binding, "
				       "share, or all)", arg), -1;
	case OPT_KEEP_FORMULAS:
		req->keep_formulas = 1;
		return 1;
	case OPT_NO_HEADER:
		req->no_header = 1;
		return 1;
	}
	return 0;
}

/* Room for a time or a 64-bit integer. */
#define VALUE_SIZE 32

/*
 * A record is built in memory and written with one fwrite, into room
 * reserved once for the longest it can be: stdio per character made
 * normalize five times slower than zcat on bench/gen's logs, and writing
 * is most of its work.
 */
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

#define PUT(p, s) (memcpy((p), (s), sizeof(s) - 1), (p) + sizeof(s) - 1)

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
 * A time as timefmt_format() writes it, quoted; consecutive records mostly
 * fall in one second, whose text is kept, and only the milliseconds change.
 */
static char *put_time(char *p, int64_t ms)
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

void record_write_json(FILE *out, enum event_kind kind,
		       const struct record_value v[RECORD_KEYS])
{
	static struct buffer b; /* one command writes records at a time */
	size_t i, room = 4;
	char *p;
	int first = 1;

	for (i = 0; i < RECORD_KEYS; i++)
		room += keys[i].len + 8 + (v[i].type == RECORD_TEXT ? 6 * v[i].len
								     : VALUE_SIZE);
	p = reserve(&b, room);
	*p++ = '{';
	for (i = 0; i < RECORD_KEYS; i++) {
		if (!record_key_of_kind((enum record_key)i, kind))
			continue;
		if (!first)
			*p++ = ',';
		first = 0;
		*p++ = '"';
		memcpy(p, keys[i].name, keys[i].len);
		p += keys[i].len;
		p = PUT(p, "\":");
		switch (v[i].type) {
		case RECORD_NULL:
			p = PUT(p, "null");
			break;
		case RECORD_TEXT:
			p = emit_json_put(p, v[i].text, v[i].len);
			break;
		case RECORD_INTEGER:
			p = put_integer(p, v[i].number);
			break;
		case RECORD_TIME:
			p = put_time(p, v[i].number);
			break;
		}
	}
	p = PUT(p, "}\n");
	fwrite(b.data, 1, (size_t)(p - b.data), out);
}

void record_write_delimited(FILE *out, const struct record_value *v,
			    const struct record_request *req)
{
	void (*field)(FILE *, const char *, size_t, int) =
		req->tsv ? emit_tsv_field : emit_csv_field;
	int keep_formulas = req->keep_formulas;
	char buf[VALUE_SIZE], *end;
	size_t i;

	if (!v && req->no_header)
		return;
	for (i = 0; i < RECORD_KEYS; i++) {
		if (i)
			fputc(req->tsv ? '\t' : ',', out);
		if (!v) {
			fputs(keys[i].name, out);
			continue;
		}
		switch (v[i].type) {
		case RECORD_NULL:
			break;
		case RECORD_TEXT:
			field(out, v[i].text, v[i].len, keep_formulas);
			break;
		case RECORD_INTEGER:
			/* A number we formatted cannot be a formula; -5 stays one. */
			end = put_integer(buf, v[i].number);
			fwrite(buf, 1, (size_t)(end - buf), out);
			break;
		case RECORD_TIME:
			timefmt_format(v[i].number, buf);
			field(out, buf, strlen(buf), keep_formulas);
			break;
		}
	}
	fputs(req->tsv ? "\n" : "\r\n", out);
}

void record_from_event(const struct event *ev, const char *ref,
		       const char *event_id, struct record_value v[RECORD_KEYS])
{
	size_t i;

	memset(v, 0, RECORD_KEYS * sizeof(*v));
	v[RECORD_KIND] = RECORD_STRING(kind_names[ev->kind]);
	v[RECORD_TS] = (struct record_value){RECORD_TIME, NULL, ev->ts, 0};
	v[RECORD_TS_MS] = (struct record_value){RECORD_INTEGER, NULL, ev->ts, 0};
	v[RECORD_REF] = RECORD_STRING(ref);
	if (event_id)
		v[RECORD_EVENT_ID] = RECORD_STRING(event_id);
	if (ev->op && record_key_of_kind(RECORD_OP, ev->kind))
		v[RECORD_OP] = RECORD_STRING(ev->op);
	for (i = 0; i < RECORD_KEYS; i++) {
		const struct text *t;

		if (keys[i].field == FIELD_COUNT ||
		    !record_key_of_kind((enum record_key)i, ev->kind))
			continue;
		t = &ev->field[keys[i].field];
		if (t->len == 0)
			continue; /* the store keeps an empty field as NULL */
		if (NUMERIC(i) && event_integer(t, &v[i].number))
			v[i].type = RECORD_INTEGER;
		else
			v[i] = RECORD_TEXT_OF(t->ptr, t->len);
	}
}
