/*
 * The SQL fragments that more than one statement uses, each written once
 * and named, as string-literal macros so that every statement stays a
 * compile-time constant: names and evidence, hours, the events of a
 * source or window, the correlation rules and the verdict rows.
 */
#ifndef CAMAUDIT_SQL_H
#define CAMAUDIT_SQL_H

/* --- names and evidence ---------------------------------------------------- */

/*
 * The text of atom id col (an interned name, store.c), NULL for NULL;
 * the name of source id col.  A stored view names its tables unqualified,
 * as it was created (its text is the store's schema), hence the VIEW_
 * forms; every other statement reads main's tables, whatever temp holds.
 */
#define ATOM_FROM(table, col) "(SELECT text FROM " table " WHERE id = " col ")"
#define ATOM(col) ATOM_FROM("main.atom", col)
#define VIEW_ATOM(col) ATOM_FROM("atom", col)
#define SOURCE_NAME_FROM(table, col) "(SELECT name FROM " table " WHERE id = " col ")"
#define SOURCE_NAME(col) SOURCE_NAME_FROM("main.source", col)

/* FILE:LINE of an event: its source's name and line, as audit's serve_ref. */
#define EVENT_REF(event) SOURCE_NAME(event ".source") " || ':' || " event ".line"
#define VIEW_EVENT_REF(source, line) \
	SOURCE_NAME_FROM("source", source) " || ':' || " line

/* --- hours ----------------------------------------------------------------- */

/* An hour in ms (COVERAGE_HOUR_MS), as SQL text. */
#define SQL_HOUR_MS "3600000"

/* The start of the UTC hour holding ts; a floor, also before 1970. */
#define HOUR_OF(ts) \
	"(" ts " - (" ts " % " SQL_HOUR_MS " + " SQL_HOUR_MS ") % " SQL_HOUR_MS ")"

/* --- events ---------------------------------------------------------------- */

/* SQL: "id " SOURCE_EVENTS("s.id") is every event of source s.id. */
#define SOURCE_EVENTS(src) \
	"BETWEEN ((" src ") << 32) AND ((" src ") << 32) + 4294967295"

/*
 * SQL: "FROM " WINDOW_SERVES("s") is the serves s with :since <= ts <
 * :until (a join, so that more joins and a WHERE may follow).  The serve
 * table has no time index: the window picks the sources whose serves span
 * it (source.serve_min_ts and serve_max_ts, which source_save() keeps;
 * NULL, not recorded yet, reads the source whole) and reads their id
 * ranges.
 */
#define WINDOW_SERVES(s) \
	"main.source src JOIN main.serve " s " ON " s ".id " SOURCE_EVENTS("src.id") \
	" AND coalesce(src.serve_min_ts < :until AND src.serve_max_ts >= :since, 1)" \
	" AND " s ".ts >= :since AND " s ".ts < :until"

/* The serve d delivered a frame: no status, or 200 or 206. */
#define DELIVERED(d) "(" d ".status IS NULL OR " d ".status IN (200, 206))"

/*
 * "FROM " WINDOW_VERDICTS: the serves d of the window (WINDOW_SERVES)
 * with their stored verdicts v.
 */
#define WINDOW_VERDICTS WINDOW_SERVES("d") " JOIN main.verdict v ON v.serve = d.id"

/*
 * The serve s and the origin fill f, if any, of the row r that names them
 * by id (columns serve and fill: a verdict, an exposure of the report).
 */
#define SERVE_AND_FILL(r) \
	"JOIN main.serve s ON s.id = " r ".serve\n" \
	"LEFT JOIN main.fill f ON f.id = " r ".fill"

/* --- the correlation rules ------------------------------------------------- */

/*
 * The rules as named SQL fragments, in the man page's order (CORRELATION).
 * They are written once: the classification (below, and correlate.c), the
 * re-judging that ingest does (verdict.c) and explain's reasons all use
 * these.  d is the serve, f or g a fill; :skew is the clock-skew tolerance.
 */

/*
 * Clock-skew tolerance between fill F and serve S: none when both lines
 * come from the same log (one host, one clock), :skew otherwise.
 */
#define SKEW(f, s) \
	"(CASE WHEN " f ".source = " s ".source THEN 0 ELSE :skew END)"
/*
 * :skew by default (audit's --skew), and the one the stored verdicts are
 * judged with (verdict.h).
 */
#define CORRELATE_SKEW_MS 2000

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
 * The classification of delivered serves: one row per serve with its
 * fill, the rule that chose it, the owner and the verdict.  The rules are
 * written once, as the fragments above, and put together here around
 * three sources of serves (CORRELATE_SELECT's from): a window of time
 * (audit with a --skew other than the store's), every serve (judging
 * from scratch, the rules' stamp) and the set in temp.rejudge (the
 * verdicts that ingest maintains, verdict.c).
 *
 * Each as-of lookup (the fill a serve came from, the binding in force at
 * the fill) is a scalar subquery that finds the row's id, joined by that
 * id: SQLite runs it once per serve and reads the row it names, so the
 * rules are one pass over the serves with no intermediate table.  (The
 * earlier form, one MATERIALIZED CTE per step, wrote every serve three
 * times; bench/README.md compares the two.)
 */
#define VERDICT_HEAD \
	/* The cache nodes, for rule 1c; computed only if a serve needs it. */ \
	"WITH nodes AS MATERIALIZED (SELECT DISTINCT node FROM main.fill)\n" \
	"SELECT d.id AS serve, f.id AS fill,\n" \
	"  CASE WHEN f.id IS NULL THEN NULL\n" \
	"    WHEN f.frame = d.frame THEN 'frame' ELSE 'key' END AS rule,\n" \
	"  b.account AS owner,\n" \
	/* Rules 3 and 4: the viewer's right to see it, and the verdict. */ \
	"  CASE\n" \
	"    WHEN f.id IS NULL THEN 'unattributed'\n" \
	"    WHEN b.account IS NULL THEN 'unknown_owner'\n" \
	"    WHEN b.account <> d.account AND NOT " SHARED("d.account", "f.device", "d.ts") "\n" \
	"      THEN 'cross_tenant'\n" \
	"    WHEN d.device IS NOT NULL AND d.device <> f.device\n" \
	"      THEN 'device_mismatch'\n" \
	"    ELSE 'ok'\n" \
	"  END AS type\n"

#define VERDICT_TAIL \
	"LEFT JOIN main.fill f ON f.id = " ORIGIN("d") "\n" \
	"LEFT JOIN main.binding b ON b.id = " OWNER_BINDING("f") "\n" \
	"WHERE " DELIVERED("d")

/* The classification of the serves of from (a join naming the serve d). */
#define CORRELATE_SELECT(from) VERDICT_HEAD "FROM " from "\n" VERDICT_TAIL
/* Of the delivered serves in [:since, :until), and of every one. */
#define CORRELATE_WINDOW_SELECT CORRELATE_SELECT(WINDOW_SERVES("d"))
#define CORRELATE_ALL_SELECT CORRELATE_SELECT("main.serve d")
/*
 * Of those whose ids are in temp.rejudge.  CROSS JOIN fixes the order:
 * the planner, with no statistics for the temp table, scanned every serve
 * and probed the set with each, so that re-judging a few serves cost the
 * whole store (bench/hourly).
 */
#define CORRELATE_SET_SELECT \
	CORRELATE_SELECT("temp.rejudge j CROSS JOIN main.serve d ON d.id = j.serve")

/* --- verdict rows ---------------------------------------------------------- */

/*
 * The columns of a verdict row (main.verdict, temp.verdict, verdict.c's
 * temp.judged), in the order CORRELATE_SELECT gives them, and their
 * definition for a scratch table.
 */
#define VERDICT_COLUMNS "(serve, fill, rule, owner, type)"
#define VERDICT_TABLE_COLUMNS \
	"(serve INTEGER PRIMARY KEY, fill INTEGER, rule TEXT, owner INTEGER," \
	" type TEXT NOT NULL)"
/* The head of an INSERT of verdict rows into table, a SELECT to follow. */
#define VERDICT_INSERT(table) "INSERT INTO " table " " VERDICT_COLUMNS "\n"

/* --- coverage gaps --------------------------------------------------------- */

/*
 * The gaps that coverage_build_gaps() left in temp.coverage_gap, as
 * (hour, node name, serves, deliveries), oldest hour first and, within an
 * hour, by node name.
 */
#define COVERAGE_GAP_ROWS \
	"SELECT hour, " ATOM("node") " AS name, serves, deliveries\n" \
	"FROM temp.coverage_gap ORDER BY hour, name"

#endif
