/*
 * Event records (record.h): the table of keys that export, normalize,
 * their --help and the man page describe, written by emit.h's row writers.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "emit.h"
#include "record.h"
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
	return name_lookup(kind_names, ARRAY_SIZE(kind_names), name);
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
	return name_set_parse(list, kind_names, ARRAY_SIZE(kind_names),
			      RECORD_ALL_KINDS, set);
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
	req->format = EMIT_JSON;
	req->flags = 0;
	req->kinds = RECORD_ALL_KINDS;
}

int record_option(const struct command *cmd, struct record_request *req,
		  int key, const char *arg)
{
	static const char *const format_names[] = {"ndjson", "csv", "tsv"};
	static const enum emit_format formats[] = {EMIT_JSON, EMIT_CSV, EMIT_TSV};
	int i;

	switch (key) {
	case OPT_FORMAT:
		if ((i = name_lookup(format_names, ARRAY_SIZE(format_names), arg)) < 0)
			return cli_usage_error(cmd, "invalid --format '%s' (use "
					       "ndjson, csv or tsv)", arg), -1;
		req->format = formats[i];
		return 1;
	case OPT_EVENTS:
		if (!record_kinds_parse(arg, &req->kinds))
			return 1;
		return cli_usage_error(cmd, "invalid --events '%s' (use a comma "
				       "list of serve, fill, removal, binding, "
				       "share, or all)", arg), -1;
	case OPT_KEEP_FORMULAS:
		req->flags |= EMIT_KEEP_FORMULAS;
		return 1;
	case OPT_NO_HEADER:
		req->flags |= EMIT_NO_HEADER;
		return 1;
	}
	return 0;
}

/* The keys' names, in order, for emit.h's writers. */
static const char *const *key_names(void)
{
	static const char *names[RECORD_KEYS];
	size_t i;

	if (!names[0])
		for (i = 0; i < RECORD_KEYS; i++)
			names[i] = keys[i].name;
	return names;
}

void record_write_json(FILE *out, enum event_kind kind,
		       const struct emit_cell v[RECORD_KEYS])
{
	struct emit_cell cells[RECORD_KEYS];
	size_t i;

	/* A key the kind does not have is left out, not null. */
	for (i = 0; i < RECORD_KEYS; i++) {
		cells[i] = v[i];
		if (!record_key_of_kind((enum record_key)i, kind))
			cells[i].type = EMIT_CELL_OMIT;
	}
	emit_json_cells(out, key_names(), cells, RECORD_KEYS);
	putc('\n', out);
}

void record_write_delimited(FILE *out, const struct emit_cell *v,
			    const struct record_request *req)
{
	if (!v && req->flags & EMIT_NO_HEADER)
		return;
	emit_delimited_cells(out, req->format, key_names(), v, RECORD_KEYS,
			     req->flags);
}

void record_from_event(const struct event *ev, const char *ref,
		       const char *event_id, struct emit_cell v[RECORD_KEYS])
{
	size_t i;

	memset(v, 0, RECORD_KEYS * sizeof(*v));
	v[RECORD_KIND] = RECORD_STRING(kind_names[ev->kind]);
	v[RECORD_TS] = (struct emit_cell){EMIT_CELL_TIME, NULL, ev->ts, 0};
	v[RECORD_TS_MS] = (struct emit_cell){EMIT_CELL_INTEGER, NULL, ev->ts, 0};
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
			v[i].type = EMIT_CELL_INTEGER;
		else
			v[i] = RECORD_TEXT_OF(t->ptr, t->len);
	}
}
