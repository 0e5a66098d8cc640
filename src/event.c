/*
 * The canonical fields and the kinds of event, as tables: the logfmt parser,
 * later input formats and the error messages all read them.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "timefmt.h"
#include "util.h"

/* The names with their lengths: the lookup runs for every key of a line. */
#define NAME(s) {s, sizeof(s) - 1}
static const struct {
	const char *name;
	size_t len;
} field_names[FIELD_COUNT] = {
	[FIELD_TS] = NAME("ts"),         [FIELD_OP] = NAME("op"),
	[FIELD_ACCOUNT] = NAME("account"), [FIELD_DEVICE] = NAME("device"),
	[FIELD_KEY] = NAME("key"),       [FIELD_FRAME] = NAME("frame"),
	[FIELD_NODE] = NAME("node"),     [FIELD_RELAY] = NAME("relay"),
	[FIELD_REQ] = NAME("req"),       [FIELD_CACHE] = NAME("cache"),
	[FIELD_STATUS] = NAME("status"), [FIELD_BYTES] = NAME("bytes"),
	[FIELD_RTT_MS] = NAME("rtt_ms"), [FIELD_TTL_MS] = NAME("ttl_ms"),
	[FIELD_GEN] = NAME("gen"),
};

#define NEED(f) (1u << (f))

/* What each op means; a line without `op` is a serve. */
static const struct op_rule {
	const char *op;
	enum event_kind kind;
	unsigned required;
	const char *describe; /* for "missing required field 'x' (...)" */
} op_rules[] = {
	{NULL, EVENT_SERVE, NEED(FIELD_TS) | NEED(FIELD_ACCOUNT) | NEED(FIELD_KEY),
	 "relay line"},
	{"fill", EVENT_FILL,
	 NEED(FIELD_TS) | NEED(FIELD_NODE) | NEED(FIELD_KEY) | NEED(FIELD_DEVICE),
	 "op=fill"},
	{"evict", EVENT_REMOVAL, NEED(FIELD_TS) | NEED(FIELD_NODE) | NEED(FIELD_KEY),
	 "op=evict"},
	{"purge", EVENT_REMOVAL, NEED(FIELD_TS) | NEED(FIELD_NODE) | NEED(FIELD_KEY),
	 "op=purge"},
	{"expire", EVENT_REMOVAL, NEED(FIELD_TS) | NEED(FIELD_NODE) | NEED(FIELD_KEY),
	 "op=expire"},
	{"bind", EVENT_BINDING, NEED(FIELD_TS) | NEED(FIELD_DEVICE) | NEED(FIELD_ACCOUNT),
	 "op=bind"},
	{"unbind", EVENT_BINDING, NEED(FIELD_TS) | NEED(FIELD_DEVICE) | NEED(FIELD_ACCOUNT),
	 "op=unbind"},
	{"share", EVENT_SHARE, NEED(FIELD_TS) | NEED(FIELD_DEVICE) | NEED(FIELD_ACCOUNT),
	 "op=share"},
	{"unshare", EVENT_SHARE, NEED(FIELD_TS) | NEED(FIELD_DEVICE) | NEED(FIELD_ACCOUNT),
	 "op=unshare"},
};

const char *event_field_name(enum field f)
{
	return f < FIELD_COUNT ? field_names[f].name : "?";
}

enum field event_field_lookup(const char *name, size_t len)
{
	unsigned f;

	for (f = 0; f < FIELD_COUNT; f++)
		if (field_names[f].len == len && !memcmp(field_names[f].name, name, len))
			return (enum field)f;
	return FIELD_COUNT;
}

int event_integer(const struct text *t, int64_t *value)
{
	char buf[24], *end;
	size_t i = t->len > 0 && t->ptr[0] == '-';
	long long v;

	/* strtoll alone would also take "+1", " 1" and "\n200". */
	if (t->len == 0 || t->len >= sizeof(buf) || i == t->len ||
	    (t->ptr[i] == '0' && t->len > i + 1))
		return 0;
	for (; i < t->len; i++)
		if (t->ptr[i] < '0' || t->ptr[i] > '9')
			return 0;
	memcpy(buf, t->ptr, t->len);
	buf[t->len] = '\0';
	errno = 0;
	v = strtoll(buf, &end, 10);
	if (errno || *end != '\0')
		return 0;
	*value = v;
	return 1;
}

void event_reset(struct event *ev)
{
	memset(ev->field, 0, sizeof(ev->field));
	ev->op = NULL;
	ev->ts = 0;
	ev->why[0] = '\0';
}

static const struct op_rule *find_rule(const struct text *op)
{
	size_t i;

	if (!op->ptr)
		return &op_rules[0];
	for (i = 1; i < ARRAY_SIZE(op_rules); i++)
		if (strlen(op_rules[i].op) == op->len &&
		    !memcmp(op_rules[i].op, op->ptr, op->len))
			return &op_rules[i];
	return NULL;
}

int event_classify(struct event *ev)
{
	return event_classify_with(ev, NULL, NULL);
}

int event_classify_with(struct event *ev, event_time_parser parse,
			const void *layout)
{
	const struct op_rule *rule = find_rule(&ev->field[FIELD_OP]);
	const struct text *ts;
	const char *why;
	char shown[48];
	unsigned f;

	if (!rule) {
		quote_bounded(shown, sizeof(shown), ev->field[FIELD_OP].ptr,
			      ev->field[FIELD_OP].len);
		snprintf(ev->why, sizeof(ev->why), "unknown op '%s'", shown);
		return -1;
	}
	for (f = 0; f < FIELD_COUNT; f++) {
		if ((rule->required & NEED(f)) && ev->field[f].len == 0) {
			snprintf(ev->why, sizeof(ev->why),
				 "missing required field '%s' (%s)",
				 field_names[f].name, rule->describe);
			return -1;
		}
	}
	ts = &ev->field[FIELD_TS];
	why = parse ? parse(layout, ts->ptr, ts->len, &ev->ts)
		    : timefmt_parse_log(ts->ptr, ts->len, &ev->ts);
	if (why) {
		quote_bounded(shown, sizeof(shown), ts->ptr, ts->len);
		snprintf(ev->why, sizeof(ev->why), "bad timestamp '%s': %s",
			 shown, why);
		return -1;
	}
	ev->kind = rule->kind;
	ev->op = rule->op;
	return 0;
}
