/*
 * Event records: the normalised events that export reads from the store
 * and normalize reads from logs, with one set of keys and one writer for
 * NDJSON and CSV, so that the two commands cannot drift apart.
 */
#ifndef CAMAUDIT_RECORD_H
#define CAMAUDIT_RECORD_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "emit.h"
#include "event.h"

/* The keys, in output order (camaudit(1), export). */
enum record_key {
	RECORD_KIND,
	RECORD_TS,
	RECORD_TS_MS,
	RECORD_REF,
	RECORD_EVENT_ID,
	RECORD_OP,
	RECORD_NODE,
	RECORD_KEY,
	RECORD_DEVICE,
	RECORD_FRAME,
	RECORD_ACCOUNT,
	RECORD_RELAY,
	RECORD_CACHE,
	RECORD_REQ,
	RECORD_STATUS,
	RECORD_TTL_MS,
	RECORD_GEN,
	RECORD_KEYS
};

/* A record's kind as a bit: 1 << enum event_kind. */
#define RECORD_KIND_BIT(kind) (1u << (kind))
#define RECORD_ALL_KINDS ((1u << (EVENT_SHARE + 1)) - 1)

/*
 * A record's values are emit.h's cells, typed one by one: a status is a
 * number on one line and text on the next.  A key that the record's kind
 * does not have is left EMIT_CELL_NULL: the writers leave it out of JSON.
 */

/* An EMIT_CELL_TEXT value of s[0..len), or of the C string s. */
#define RECORD_TEXT_OF(s, n) ((struct emit_cell){EMIT_CELL_TEXT, (s), 0, (n)})
#define RECORD_STRING(s) RECORD_TEXT_OF((s), strlen(s))

/*
 * What to write, from the options export and normalize share (--format,
 * --events, --keep-formulas, --no-header): record_options drives getopt and --help,
 * record_option() takes one of them (1), reports a bad value as a usage
 * error of cmd (-1), or leaves a key that is not one of them (0).
 */
struct record_request {
	enum emit_format format; /* EMIT_JSON (NDJSON), EMIT_CSV or EMIT_TSV */
	unsigned flags;          /* EMIT_KEEP_FORMULAS, EMIT_NO_HEADER */
	unsigned kinds;          /* RECORD_KIND_BIT()s; record_request_init: all */
};
extern const struct cli_option record_options[];
void record_request_init(struct record_request *req);
int record_option(const struct command *cmd, struct record_request *req,
		  int key, const char *arg);

/* The name of a kind ("serve", ...) and the kind of a name, or -1. */
const char *record_kind_name(enum event_kind kind);
int record_kind_lookup(const char *name);

/* The name of a key, and whether records of kind have it. */
const char *record_key_name(enum record_key key);
int record_key_of_kind(enum record_key key, enum event_kind kind);

/* "serve,fill" or "all" into a set of kind bits; -1 when a name is unknown. */
int record_kinds_parse(const char *list, unsigned *set);

/*
 * One NDJSON record of the given kind: only the keys of its kind, null
 * where absent; integers bare, text escaped (emit_json_string()).
 */
void record_write_json(FILE *out, enum event_kind kind,
		       const struct emit_cell v[RECORD_KEYS]);
/*
 * One CSV row (CRLF-ended) or TSV line (LF) of every key, as req asks, or
 * with v NULL the header line, unless --no-header.
 */
void record_write_delimited(FILE *out, const struct emit_cell *v,
			    const struct record_request *req);

/*
 * The record of an event read from a log, as the store would keep it
 * (empty fields absent, numbers as store.c binds them: event_integer()).
 * Text values point into the event's fields (valid as long as they are);
 * ref and event_id stay the caller's.
 */
void record_from_event(const struct event *ev, const char *ref,
		       const char *event_id, struct emit_cell v[RECORD_KEYS]);

#endif
