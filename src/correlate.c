/*
 * The correlation rules as SQL.  correlate_run() classifies every delivered
 * serve in one INSERT ... SELECT into temp.verdict; the rules appear in
 * that SELECT in the order the man page states them.  Every lookup is an
 * index probe (see the indexes in schema.c), so the cost grows with the
 * number of serves times log(fills), and nothing is held in C memory.
 */
#include "config.h"

#include <string.h>
#include <time.h>

#include "correlate.h"
#include "util.h"

static const char *const type_names[FINDING_TYPE_COUNT] = {
	[FINDING_CROSS_TENANT] = "cross_tenant",
	[FINDING_DEVICE_MISMATCH] = "device_mismatch",
	[FINDING_UNKNOWN_OWNER] = "unknown_owner",
	[FINDING_UNATTRIBUTED] = "unattributed",
};

const char *finding_type_name(enum finding_type t)
{
	return type_names[t];
}

int finding_types_parse(const char *list, unsigned *types)
{
	const char *p = list;

	*types = 0;
	if (!strcmp(list, "all")) {
		*types = FINDING_ALL;
		return 0;
	}
	while (*p) {
		size_t len = strcspn(p, ","), t;

		for (t = 0; t < FINDING_TYPE_COUNT; t++)
			if (strlen(type_names[t]) == len &&
			    !strncmp(type_names[t], p, len))
				break;
		if (t == FINDING_TYPE_COUNT)
			return -1;
		*types |= 1u << t;
		p += len;
		if (*p == ',' && *++p == '\0')
			return -1;
	}
	return *types ? 0 : -1;
}

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
	f ".ts <= " s ".ts + :skew AND (" f ".source <> " s ".source" \
	" OR " f ".ts < " s ".ts OR (" f ".ts = " s ".ts AND " f ".line <= " s ".line))"

/*
 * F's object was still in the cache when S was served: no removal after
 * the fill and at or before the serve, and the TTL not run out.  A removal
 * at the very millisecond of the fill counts as after it unless the fill's
 * own log puts it first: when the order cannot be told, the origin is
 * left unknown rather than guessed.
 */
#define STILL_CACHED(f, s) \
	"NOT EXISTS (SELECT 1 FROM main.removal r WHERE r.key = " f ".key" \
	"  AND r.node = " f ".node AND r.ts >= " f ".ts AND r.ts <= " s ".ts" \
	"  AND (r.ts > " f ".ts OR r.source <> " f ".source OR r.line > " f ".line))" \
	" AND (typeof(" f ".ttl_ms) <> 'integer'" \
	"  OR " s ".ts <= " f ".ts + " f ".ttl_ms + " SKEW(f, s) ")"

/*
 * The classification of every delivered serve in [:since, :until): one row
 * per serve with its fill, the rule that chose it, the owner and the
 * verdict.  Also the body of the `verdicts` view (schema.c).
 *
 * Each as-of lookup (the fill a serve came from, the binding in force at
 * the fill) is a scalar subquery that finds the row's id, joined by that
 * id: SQLite runs it once per serve and reads the row it names, so the
 * rules are one pass over the serves with no intermediate table.  (The
 * earlier form, one MATERIALIZED CTE per step, wrote every serve three
 * times; bench/README.md compares the two.)
 */
const char correlate_verdicts_select[] =
	/* The cache nodes, for rule 1c; computed only if a serve needs it. */
	"WITH nodes AS MATERIALIZED (SELECT DISTINCT node FROM main.fill)\n"
	"SELECT d.id AS serve, f.id AS fill,\n"
	"  CASE WHEN f.id IS NULL THEN NULL\n"
	"    WHEN f.frame = d.frame THEN 'frame' ELSE 'key' END AS rule,\n"
	"  b.account AS owner,\n"
	/* Rules 3 and 4: the viewer's right to see it, and the verdict. */
	"  CASE\n"
	"    WHEN f.id IS NULL THEN 'unattributed'\n"
	"    WHEN b.account IS NULL THEN 'unknown_owner'\n"
	"    WHEN b.account <> d.account AND coalesce(\n"
	"      (SELECT h.granted FROM main.share h\n"
	"        WHERE h.account = d.account AND h.device = f.device\n"
	"          AND h.ts <= d.ts ORDER BY h.ts DESC, h.id DESC LIMIT 1), 0) = 0\n"
	"      THEN 'cross_tenant'\n"
	"    WHEN d.device IS NOT NULL AND d.device <> f.device\n"
	"      THEN 'device_mismatch'\n"
	"    ELSE 'ok'\n"
	"  END AS type\n"
	/* The serves that delivered a frame, in the window. */
	"FROM " WINDOW_SERVES("d") "\n"
	"LEFT JOIN main.fill f ON f.id = CASE\n"
	/*
	 * Rule 1a: the fill of the very frame served.  The same object may
	 * have been filled on several nodes: prefer S's node, then the latest
	 * fill before S, then any.  (SQLite cannot see outer columns in a
	 * subquery's ORDER BY, hence three probes rather than one sort.)
	 */
	"  WHEN d.frame IS NOT NULL AND EXISTS\n"
	"    (SELECT 1 FROM main.fill g WHERE g.frame = d.frame) THEN coalesce(\n"
	"    (SELECT g.id FROM main.fill g WHERE g.frame = d.frame\n"
	"      AND g.node = d.node AND g.ts <= d.ts + :skew\n"
	"      ORDER BY g.ts DESC, g.id DESC LIMIT 1),\n"
	"    (SELECT g.id FROM main.fill g WHERE g.frame = d.frame\n"
	"      AND g.ts <= d.ts + :skew ORDER BY g.ts DESC, g.id DESC LIMIT 1),\n"
	"    (SELECT g.id FROM main.fill g WHERE g.frame = d.frame\n"
	"      ORDER BY g.ts, g.id LIMIT 1))\n"
	/*
	 * Rule 1b, S names its node: the object that node held for the key,
	 * if still cached, judged on the row the probe found.
	 */
	"  WHEN d.node IS NOT NULL THEN\n"
	"    (SELECT CASE WHEN " STILL_CACHED("g", "d") " THEN g.id END\n"
	"      FROM main.fill g WHERE g.key = d.key AND g.node = d.node\n"
	"        AND " FILLED_BEFORE("g", "d") "\n"
	"      ORDER BY g.ts DESC, g.id DESC LIMIT 1)\n"
	/*
	 * Rule 1c, S names no node: on each node the latest fill is what that
	 * node held; of those still cached, the latest.  One index probe per
	 * node, however many fills the key has had.
	 */
	"  ELSE\n"
	"    (SELECT g.id FROM nodes n JOIN main.fill g ON g.id =\n"
	"      (SELECT e.id FROM main.fill e\n"
	"        WHERE e.key = d.key AND e.node = n.node\n"
	"          AND " FILLED_BEFORE("e", "d") "\n"
	"        ORDER BY e.ts DESC, e.id DESC LIMIT 1)\n"
	"      WHERE " STILL_CACHED("g", "d") "\n"
	"      ORDER BY g.ts DESC, g.id DESC LIMIT 1)\n"
	"  END\n"
	/*
	 * Rule 2: the latest binding of the camera at the time of the fill,
	 * unless that same account unbound it before the fill.  Both are
	 * probes of binding_device_bound_ts.
	 */
	"LEFT JOIN main.binding b ON b.id =\n"
	"  (SELECT CASE WHEN NOT EXISTS (SELECT 1 FROM main.binding u\n"
	"      WHERE u.device = a.device AND u.bound = 0 AND u.account = a.account\n"
	"        AND u.ts <= f.ts AND (u.ts > a.ts OR (u.ts = a.ts AND u.id > a.id)))\n"
	"    THEN a.id END\n"
	"    FROM main.binding a\n"
	"    WHERE a.device = f.device AND a.bound = 1 AND a.ts <= f.ts\n"
	"    ORDER BY a.ts DESC, a.id DESC LIMIT 1)\n"
	"WHERE d.status IS NULL OR d.status IN (200, 206)";

static const char classify_prefix[] =
	"INSERT INTO temp.verdict (serve, fill, rule, owner, type)\n";

/* Kept for the life of the process, like the prepared statement. */
static char *classify_sql;

int correlate_run(struct store *st, const struct audit_window *window,
		  struct audit_summary *summary)
{
	static const char count_sql[] =
		"SELECT type, count(*), count(fill) FROM temp.verdict GROUP BY type";
	sqlite3_stmt *stmt;
	int rc;

	memset(summary, 0, sizeof(*summary));
	if (store_exec(st, "CREATE TEMP TABLE IF NOT EXISTS verdict ("
		       " serve INTEGER PRIMARY KEY, fill INTEGER, rule TEXT,"
		       " owner INTEGER, type TEXT NOT NULL);"
		       "DELETE FROM temp.verdict", "correlating"))
		return -1;
	if (!classify_sql) {
		/* The INSERT around the shared SELECT, built once. */
		size_t len = strlen(classify_prefix) + strlen(correlate_verdicts_select) + 1;

		classify_sql = xmalloc(len);
		snprintf(classify_sql, len, "%s%s", classify_prefix,
			 correlate_verdicts_select);
	}
	if (!(stmt = store_prepare(st, classify_sql)))
		return -1;
	sqlite3_bind_int64(stmt, sqlite3_bind_parameter_index(stmt, ":since"),
			   window->since);
	sqlite3_bind_int64(stmt, sqlite3_bind_parameter_index(stmt, ":until"),
			   window->until);
	sqlite3_bind_int64(stmt, sqlite3_bind_parameter_index(stmt, ":skew"),
			   window->skew_ms);
	rc = sqlite3_step(stmt);
	sqlite3_reset(stmt);
	if (rc != SQLITE_DONE) {
		store_error(st, "correlating");
		return -1;
	}

	if (!(stmt = store_prepare(st, count_sql)))
		return -1;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		const char *type = (const char *)sqlite3_column_text(stmt, 0);
		uint64_t n = (uint64_t)sqlite3_column_int64(stmt, 1);
		unsigned t;

		summary->deliveries += n;
		summary->attributed += (uint64_t)sqlite3_column_int64(stmt, 2);
		for (t = 0; t < FINDING_TYPE_COUNT; t++)
			if (!strcmp(type, type_names[t]))
				summary->by_type[t] = n;
	}
	sqlite3_reset(stmt);
	if (rc != SQLITE_DONE) {
		store_error(st, "counting findings");
		return -1;
	}
	return 0;
}

/* A finding's serve, as audit --new records it (see correlate.h). */
#define SERVE_IDENTITY(s) \
	"coalesce('req:' || " s ".req, 'line:' || " s ".source || ':' || " s ".line)"

/*
 * Bind ?1..?4 to the names of the wanted types (a statement filters with
 * "type IN (?1, ?2, ?3, ?4)"); an unwanted type stays NULL, which matches
 * nothing.
 */
static void bind_types(sqlite3_stmt *stmt, unsigned types)
{
	unsigned t;

	for (t = 0; t < FINDING_TYPE_COUNT; t++)
		if (types & (1u << t))
			sqlite3_bind_text(stmt, (int)t + 1, type_names[t], -1,
					  SQLITE_STATIC);
}

int correlate_drop_reported(struct store *st, uint64_t *dropped)
{
	static const char sql[] =
		"DELETE FROM temp.verdict WHERE type <> 'ok' AND EXISTS ("
		" SELECT 1 FROM main.reported r WHERE r.type = verdict.type"
		" AND r.serve = (SELECT " SERVE_IDENTITY("s")
		"  FROM main.serve s WHERE s.id = verdict.serve))";
	sqlite3_stmt *stmt = store_prepare(st, sql);

	if (!stmt || store_step_done(st, stmt, "leaving out reported findings"))
		return -1;
	*dropped = (uint64_t)sqlite3_changes(store_db(st));
	return 0;
}

int correlate_record_reported(struct store *st, unsigned types)
{
	static const char sql[] =
		"INSERT OR IGNORE INTO main.reported (type, serve, reported_at)"
		" SELECT v.type, " SERVE_IDENTITY("s") ", ?5"
		" FROM temp.verdict v JOIN main.serve s ON s.id = v.serve"
		" WHERE v.type IN (?1, ?2, ?3, ?4)";
	sqlite3_stmt *stmt = store_prepare(st, sql);

	if (!stmt)
		return -1;
	bind_types(stmt, types);
	sqlite3_bind_int64(stmt, 5, (sqlite3_int64)time(NULL) * 1000);
	return store_step_done(st, stmt, "recording reported findings");
}

#define ATOM(col) "(SELECT text FROM main.atom WHERE id = " col ")"

static const char findings_sql[] =
	"SELECT v.type, s.ts, s.req, " ATOM("s.account") ", " ATOM("s.device") ",\n"
	"  " ATOM("s.key") ", coalesce(s.frame, f.frame),\n"
	"  " ATOM("s.cache") ", " ATOM("s.relay") ",\n"
	"  coalesce(" ATOM("s.node") ", " ATOM("f.node") "),\n"
	"  " ATOM("f.device") ", " ATOM("v.owner") ", f.ts,\n"
	"  (SELECT name FROM main.source WHERE id = s.source), s.line,\n"
	"  (SELECT name FROM main.source WHERE id = f.source), f.line\n"
	"FROM temp.verdict v\n"
	"JOIN main.serve s ON s.id = v.serve\n"
	"LEFT JOIN main.fill f ON f.id = v.fill\n"
	"WHERE v.type IN (?1, ?2, ?3, ?4)\n"
	"ORDER BY s.ts, s.id";

_Static_assert(FINDING_TYPE_COUNT == 4,
	       "findings_sql has one parameter per finding type");

/* A text column with its length: a value may hold NUL bytes (issue 13). */
static struct text column_text(sqlite3_stmt *stmt, int col)
{
	struct text t;

	t.ptr = (const char *)sqlite3_column_text(stmt, col);
	t.len = (size_t)sqlite3_column_bytes(stmt, col);
	return t;
}

int correlate_each_finding(struct store *st, unsigned types,
			   int (*fn)(const struct finding *f, void *ctx),
			   void *ctx)
{
	sqlite3_stmt *stmt = store_prepare(st, findings_sql);
	struct finding f;
	int rc, stop = 0;

	if (!stmt)
		return -1;
	bind_types(stmt, types);
	while (!stop && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		memset(&f, 0, sizeof(f));
		f.type = column_text(stmt, 0);
		f.served_at = sqlite3_column_int64(stmt, 1);
		f.request_id = column_text(stmt, 2);
		f.viewer_account = column_text(stmt, 3);
		f.requested_device = column_text(stmt, 4);
		f.key = column_text(stmt, 5);
		f.frame = column_text(stmt, 6);
		f.cache = column_text(stmt, 7);
		f.relay = column_text(stmt, 8);
		f.node = column_text(stmt, 9);
		f.origin_device = column_text(stmt, 10);
		f.owner_account = column_text(stmt, 11);
		f.has_filled_at = sqlite3_column_type(stmt, 12) != SQLITE_NULL;
		f.filled_at = sqlite3_column_int64(stmt, 12);
		f.serve_source = column_text(stmt, 13);
		f.serve_line = sqlite3_column_int64(stmt, 14);
		f.fill_source = column_text(stmt, 15);
		f.fill_line = sqlite3_column_int64(stmt, 16);
		stop = fn(&f, ctx);
	}
	sqlite3_reset(stmt);
	if (stop)
		return stop;
	if (rc != SQLITE_DONE) {
		store_error(st, "reading findings");
		return -1;
	}
	return 0;
}
