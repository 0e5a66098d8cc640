/*
 * Event records (record.h): the table of keys that export, normalize,
 * their --help and the man page describe, and the two writers.
 */
#include "config.h"

#include <inttypes.h>
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
static const struct key {
	const char *name;
	unsigned kinds;
	enum field field;
} keys[RECORD_KEYS] = {
	[RECORD_KIND] = {"kind", RECORD_ALL_KINDS, FIELD_COUNT},
	[RECORD_TS] = {"ts", RECORD_ALL_KINDS, FIELD_COUNT},
	[RECORD_TS_MS] = {"ts_ms", RECORD_ALL_KINDS, FIELD_COUNT},
	[RECORD_REF] = {"ref", RECORD_ALL_KINDS, FIELD_COUNT},
	[RECORD_EVENT_ID] = {"event_id", RECORD_ALL_KINDS, FIELD_COUNT},
	[RECORD_OP] = {"op", FILL | REMOVAL | BINDING | SHARE, FIELD_COUNT},
	[RECORD_NODE] = {"node", SERVE | FILL | REMOVAL, FIELD_NODE},
	[RECORD_KEY] = {"key", SERVE | FILL | REMOVAL, FIELD_KEY},
	[RECORD_DEVICE] = {"device", SERVE | FILL | BINDING | SHARE, FIELD_DEVICE},
	[RECORD_FRAME] = {"frame", SERVE | FILL, FIELD_FRAME},
	[RECORD_ACCOUNT] = {"account", SERVE | BINDING | SHARE, FIELD_ACCOUNT},
	[RECORD_RELAY] = {"relay", SERVE, FIELD_RELAY},
	[RECORD_CACHE] = {"cache", SERVE, FIELD_CACHE},
	[RECORD_REQ] = {"req", SERVE, FIELD_REQ},
	[RECORD_STATUS] = {"status", SERVE, FIELD_STATUS},
	[RECORD_TTL_MS] = {"ttl_ms", FILL, FIELD_TTL_MS},
	[RECORD_GEN] = {"gen", FILL, FIELD_GEN},
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

void record_write_json(FILE *out, enum event_kind kind,
		       const struct record_value v[RECORD_KEYS])
{
	char buf[VALUE_SIZE];
	const char *text;
	size_t i;
	int first = 1, bare;

	fputc('{', out);
	for (i = 0; i < RECORD_KEYS; i++) {
		if (!record_key_of_kind((enum record_key)i, kind))
			continue;
		text = value_text(&v[i], buf, &bare);
		fprintf(out, "%s\"%s\":", first ? "" : ",", keys[i].name);
		first = 0;
		if (!text)
			fputs("null", out);
		else if (bare)
			fputs(text, out);
		else
			emit_json_string(out, text);
	}
	fputs("}\n", out);
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
