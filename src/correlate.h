/*
 * Correlation: the rules that decide, for every delivered serve, which
 * fill put the frame in the cache, who owned the camera, and whether the
 * viewer was allowed to see it.  The rules are SQL over the store's
 * indexes (named fragments in sql.h, run by correlate.c); the man page
 * (CORRELATION) states them in words.
 */
#ifndef CAMAUDIT_CORRELATE_H
#define CAMAUDIT_CORRELATE_H

#include <stdint.h>

#include "store.h"

enum finding_type {
	FINDING_CROSS_TENANT,
	FINDING_DEVICE_MISMATCH,
	FINDING_UNKNOWN_OWNER,
	FINDING_UNATTRIBUTED,
	FINDING_TYPE_COUNT
};

#define FINDING_ALL ((1u << FINDING_TYPE_COUNT) - 1)

const char *finding_type_name(enum finding_type t);
/* Parse "cross_tenant,unattributed" or "all" into a bit set; -1 if bad. */
int finding_types_parse(const char *list, unsigned *types);

struct audit_window {
	int64_t since;   /* serves at or after this time */
	int64_t until;   /* and before this time */
	int64_t skew_ms; /* clock-skew tolerance between relay and cache */
};

struct audit_summary {
	uint64_t deliveries;   /* delivered serves checked */
	uint64_t attributed;   /* of which traced to a fill */
	uint64_t by_type[FINDING_TYPE_COUNT];
	uint64_t reported;     /* findings left out as reported before (--new) */
	uint64_t in_gaps;      /* deliveries in coverage gaps (coverage.h) */
};

/* One finding, ready for output: texts with their length, as a value may
 * hold NUL bytes; an absent one has a NULL ptr. */
struct finding {
	struct text type;
	int64_t served_at;
	struct text request_id;
	struct text viewer_account;
	struct text requested_device;
	struct text key;
	struct text frame;
	struct text cache;
	struct text relay;
	struct text node;
	struct text origin_device;
	struct text owner_account;
	int has_filled_at;
	int64_t filled_at;
	struct text serve_source;
	int64_t serve_line;
	struct text fill_source;  /* ptr NULL when there is no fill */
	int64_t fill_line;
};

/*
 * The verdicts of the delivered serves in the window, into temp.verdict
 * (columns serve, fill, rule, owner, type), and their counts.  They are
 * read from the store (verdict.h) when it holds them for window->skew_ms,
 * else judged on the fly.  temp.verdict holds only the findings unless
 * keep is CORRELATE_DELIVERIES.  writable: the caller holds the write
 * lock, so stale verdicts are brought up to date first.
 */
enum correlate_keep { CORRELATE_FINDINGS, CORRELATE_DELIVERIES };
int correlate_run(struct store *st, const struct audit_window *window,
		  enum correlate_keep keep, int writable,
		  struct audit_summary *summary);

/*
 * For audit --new.  A finding is identified by its type and its serve
 * (the serve's event id): never by its request id, which relays reuse.
 * correlate_drop_reported() removes from the last correlate_run() the
 * findings recorded as reported (counting them in *dropped);
 * correlate_record_reported() records those that remain, of the given
 * types.  Both run inside the caller's transaction.
 */
int correlate_drop_reported(struct store *st, uint64_t *dropped);
int correlate_record_reported(struct store *st, unsigned types);

/*
 * Call fn for each finding of the given types, oldest serve first; stops
 * early and returns fn's value when it is non-zero.  -1 on a database error.
 */
int correlate_each_finding(struct store *st, unsigned types,
			   int (*fn)(const struct finding *f, void *ctx),
			   void *ctx);

#endif
