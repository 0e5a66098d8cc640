/*
 * Correlation: the rules that decide, for every delivered serve, which
 * fill put the frame in the cache, who owned the camera, and whether the
 * viewer was allowed to see it.  The rules are SQL over the store's
 * indexes (correlate.c); the man page (CORRELATION) states them in words.
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

/*
 * The clock-skew tolerance by default (audit's --skew), and the one the
 * stored verdicts are judged with (verdict.h).
 */
#define CORRELATE_SKEW_MS 2000

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
 * The rules as named SQL fragments, in the man page's order (CORRELATION).
 * They are written once: the classification (correlate.c), the re-judging
 * that ingest does (verdict.c) and explain's reasons all use these.  d is
 * the serve, f or g a fill; :skew is the clock-skew tolerance.
 */

/* The serve delivered a frame: no status, or 200 or 206. */
#define DELIVERED(d) "(" d ".status IS NULL OR " d ".status IN (200, 206))"

/*
 * Clock-skew tolerance between fill F and serve S: none when both lines
 * come from the same log (one host, one clock), :skew otherwise.
 */
#define SKEW(f, s) \
	"(CASE WHEN " f ".source = " s ".source THEN 0 ELSE :skew END)"

/*
 * F may be the origin of S at all: filled no later than S, within skew.
 * In one log, at the same millisecond, the line order decides (a fill on
 * S's own line, as a proxy's MISS line is, counts as before it).  The
 * first term is the index range; the rest refines it.
 */
#define FILLED_BEFORE(f, s) \
	"(" f ".ts <= " s ".ts + :skew AND (" f ".source <> " s ".source" \
	" OR " f ".ts < " s ".ts OR (" f ".ts = " s ".ts AND " f ".line <= " s ".line)))"

/*
 * The removal R ends F's life in the cache before S: after the fill (at
 * the fill's very millisecond only when the fill's own log puts it after
 * the fill line: when the order cannot be told, the origin is left
 * unknown rather than guessed) and at or before the serve.
 */
#define REMOVED_BETWEEN(r, f, s) \
	"(" r ".key = " f ".key AND " r ".node = " f ".node" \
	" AND " r ".ts >= " f ".ts AND " r ".ts <= " s ".ts" \
	" AND (" r ".ts > " f ".ts OR " r ".source <> " f ".source OR " r ".line > " f ".line))"

/* F's TTL, where it logged one, had not run out when S was served. */
#define WITHIN_TTL(f, s) \
	"(typeof(" f ".ttl_ms) <> 'integer'" \
	" OR " s ".ts <= " f ".ts + " f ".ttl_ms + " SKEW(f, s) ")"

/* F's object was still in the cache when S was served. */
#define STILL_CACHED(f, s) \
	"(NOT EXISTS (SELECT 1 FROM main.removal r WHERE " REMOVED_BETWEEN("r", f, s) ")" \
	" AND " WITHIN_TTL(f, s) ")"

/*
 * Rule 1: the id of the fill that put S's frame in the cache, or NULL.
 *
 * 1a, the fill of the very frame served.  The same object may have been
 * filled on several nodes: prefer S's node, then the latest fill before
 * S, then any.  (SQLite cannot see outer columns in a subquery's ORDER
 * BY, hence three probes rather than one sort.)
 *
 * 1b, S names its node: the object that node held for the key, if still
 * cached, judged on the row the probe found.
 *
 * 1c, S names no node: on each node the latest fill is what that node
 * held; of those still cached, the latest.  One index probe per node
 * (the CTE `nodes` of the query that uses it), however many fills the
 * key has had.
 */
#define ORIGIN(d) \
	"CASE\n" \
	"  WHEN " d ".frame IS NOT NULL AND EXISTS\n" \
	"    (SELECT 1 FROM main.fill g WHERE g.frame = " d ".frame) THEN coalesce(\n" \
	"    (SELECT g.id FROM main.fill g WHERE g.frame = " d ".frame\n" \
	"      AND g.node = " d ".node AND g.ts <= " d ".ts + :skew\n" \
	"      ORDER BY g.ts DESC, g.id DESC LIMIT 1),\n" \
	"    (SELECT g.id FROM main.fill g WHERE g.frame = " d ".frame\n" \
	"      AND g.ts <= " d ".ts + :skew ORDER BY g.ts DESC, g.id DESC LIMIT 1),\n" \
	"    (SELECT g.id FROM main.fill g WHERE g.frame = " d ".frame\n" \
	"      ORDER BY g.ts, g.id LIMIT 1))\n" \
	"  WHEN " d ".node IS NOT NULL THEN\n" \
	"    (SELECT CASE WHEN " STILL_CACHED("g", d) " THEN g.id END\n" \
	"      FROM main.fill g WHERE g.key = " d ".key AND g.node = " d ".node\n" \
	"        AND " FILLED_BEFORE("g", d) "\n" \
	"      ORDER BY g.ts DESC, g.id DESC LIMIT 1)\n" \
	"  ELSE\n" \
	"    (SELECT g.id FROM nodes n JOIN main.fill g ON g.id =\n" \
	"      (SELECT e.id FROM main.fill e\n" \
	"        WHERE e.key = " d ".key AND e.node = n.node\n" \
	"          AND " FILLED_BEFORE("e", d) "\n" \
	"        ORDER BY e.ts DESC, e.id DESC LIMIT 1)\n" \
	"      WHERE " STILL_CACHED("g", d) "\n" \
	"      ORDER BY g.ts DESC, g.id DESC LIMIT 1)\n" \
	"  END"

/*
 * Rule 2: the id of the binding in force when F was filled: the latest
 * binding of the camera at the time of the fill, unless that same account
 * unbound it before the fill.  Both are probes of binding_device_bound_ts.
 */
#define OWNER_BINDING(f) \
	"(SELECT CASE WHEN NOT EXISTS (SELECT 1 FROM main.binding u\n" \
	"      WHERE u.device = a.device AND u.bound = 0 AND u.account = a.account\n" \
	"        AND u.ts <= " f ".ts AND (u.ts > a.ts OR (u.ts = a.ts AND u.id > a.id)))\n" \
	"    THEN a.id END\n" \
	"    FROM main.binding a\n" \
	"    WHERE a.device = " f ".device AND a.bound = 1 AND a.ts <= " f ".ts\n" \
	"    ORDER BY a.ts DESC, a.id DESC LIMIT 1)"

/* Rule 3: the account had a share of the camera in force at time ts. */
#define SHARED(account, device, ts) \
	"coalesce((SELECT h.granted FROM main.share h WHERE h.account = " account \
	" AND h.device = " device " AND h.ts <= " ts \
	" ORDER BY h.ts DESC, h.id DESC LIMIT 1), 0)"

/*
 * The classification, columns serve, fill, rule, owner and type: of the
 * delivered serves in [:since, :until), of every delivered serve, and of
 * those whose ids are in temp.rejudge (verdict.c).  All take :skew.
 */
extern const char correlate_window_select[];
extern const char correlate_all_select[];
extern const char correlate_set_select[];

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
