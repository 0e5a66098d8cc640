/*
 * The canonical event: what every input format turns a log line into, and
 * what the store keeps.  A line names fields; its `op` decides the kind of
 * event and which fields it must have (see event.c for the table).
 */
#ifndef CAMAUDIT_EVENT_H
#define CAMAUDIT_EVENT_H

#include <stddef.h>
#include <stdint.h>

enum field {
	FIELD_TS,
	FIELD_OP,
	FIELD_ACCOUNT,
	FIELD_DEVICE,
	FIELD_KEY,
	FIELD_FRAME,
	FIELD_NODE,
	FIELD_RELAY,
	FIELD_REQ,
	FIELD_CACHE,
	FIELD_STATUS,
	FIELD_BYTES,
	FIELD_RTT_MS,
	FIELD_TTL_MS,
	FIELD_GEN,
	FIELD_COUNT
};

enum event_kind {
	EVENT_SERVE,   /* relay line: a frame served to an account */
	EVENT_FILL,    /* op=fill: an object stored in a cache node */
	EVENT_REMOVAL, /* op=evict|purge|expire: a key dropped from a node */
	EVENT_BINDING, /* op=bind|unbind: device ownership */
	EVENT_SHARE    /* op=share|unshare: viewing rights on a device */
};

/* A value inside the caller's line buffer; ptr == NULL means absent. */
struct text {
	const char *ptr;
	size_t len;
};

struct event {
	enum event_kind kind;
	const char *op;  /* canonical op name, NULL for a serve */
	int64_t ts;      /* milliseconds since the epoch, UTC */
	struct text field[FIELD_COUNT];
	char why[160];   /* reason when the line is rejected */
};

/* The name of a field as written in logfmt and in error messages. */
const char *event_field_name(enum field f);
/* The field called name[0..len), or FIELD_COUNT when there is none. */
enum field event_field_lookup(const char *name, size_t len);

/*
 * Whether t holds a plain decimal integer (-?[0-9]+, no leading zeros, in
 * range), and its value: how status, ttl_ms and gen are kept as numbers
 * (other text is kept as written).
 */
int event_integer(const struct text *t, int64_t *value);

/* Forget all fields, ready for the next line. */
void event_reset(struct event *ev);

/*
 * Decide the kind from the `op` field, check that the kind's required
 * fields are present and non-empty, and parse `ts`.  Returns 0, or -1 with
 * ev->why saying why the line cannot be stored.
 */
int event_classify(struct event *ev);

/*
 * The same, with the timestamp parsed by parse(layout, ...) instead of
 * timefmt_parse_log (an input format's time layout); parse returns NULL
 * or the reason, as timefmt_parse_log does.
 */
typedef const char *(*event_time_parser)(const void *layout, const char *s,
					 size_t len, int64_t *ms);
int event_classify_with(struct event *ev, event_time_parser parse,
			const void *layout);

#endif
