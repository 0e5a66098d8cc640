/*
 * Coverage gaps as SQL.  Both questions, which hours are gaps and how many
 * deliveries fall in them, are one statement over the store's tables; the
 * cost is one scan of the serves in the window and one of the cache
 * events in it, and a second scan of the serves when there are gaps.
 */
#include "config.h"

#include "coverage.h"

/* The start of the UTC hour holding ts; a floor, also before 1970. */
#define HOUR_OF(ts) "(" ts " - (" ts " % 3600000 + 3600000) % 3600000)"

#define DELIVERED(s) "(" s ".status IS NULL OR " s ".status IN (200, 206))"

/*
 * The gaps as (node id, hour): the hours in which serves in the window
 * named a node, less those in which that node wrote a fill or a removal.
 * Each set is one scan into a temporary b-tree keyed by (node, hour) that
 * holds a row per node and hour, however many events there are: no sort
 * of the serves and no probe per serve.  :from and :to widen the window
 * to whole hours, since a cache line anywhere in the hour covers it.
 */
#define GAP_CTE \
	"WITH served AS MATERIALIZED (\n" \
	"  SELECT DISTINCT s.node, " HOUR_OF("s.ts") " AS hour\n" \
	"  FROM " WINDOW_SERVES("s") " WHERE s.node IS NOT NULL\n" \
	"),\n" \
	"logged AS MATERIALIZED (\n" \
	"  SELECT node, " HOUR_OF("ts") " AS hour FROM main.fill\n" \
	"  WHERE ts >= :from AND ts < :to\n" \
	"  UNION\n" \
	"  SELECT node, " HOUR_OF("ts") " FROM main.removal\n" \
	"  WHERE ts >= :from AND ts < :to\n" \
	"),\n" \
	"gap AS MATERIALIZED (SELECT node, hour FROM served\n" \
	"  EXCEPT SELECT node, hour FROM logged)\n"

/*
 * The serves of the gaps: a second scan of the window, joined to the few
 * gaps through an automatic index on them, and made only when there is a
 * gap (the EXISTS is evaluated once, before the loop).
 */
#define GAP_SERVES \
	"FROM " WINDOW_SERVES("s") "\n" \
	"CROSS JOIN gap g ON g.node = s.node AND g.hour = " HOUR_OF("s.ts") "\n" \
	"WHERE EXISTS (SELECT 1 FROM gap)\n"

static const char each_gap_sql[] =
	GAP_CTE
	"SELECT (SELECT text FROM main.atom WHERE id = g.node) AS name, g.hour,\n"
	"  count(*), count(CASE WHEN " DELIVERED("s") " THEN 1 END)\n"
	GAP_SERVES
	"GROUP BY g.hour, g.node\n"
	"ORDER BY g.hour, name";

static const char count_sql[] =
	GAP_CTE "SELECT count(*)\n" GAP_SERVES "  AND " DELIVERED("s");

static int64_t hour_floor(int64_t ms)
{
	int64_t h;

	if (ms < INT64_MIN + COVERAGE_HOUR_MS)
		return INT64_MIN;
	h = ms / COVERAGE_HOUR_MS * COVERAGE_HOUR_MS;
	return h > ms ? h - COVERAGE_HOUR_MS : h;
}

static int64_t hour_ceiling(int64_t ms)
{
	int64_t h;

	if (ms > INT64_MAX - COVERAGE_HOUR_MS)
		return INT64_MAX;
	h = hour_floor(ms);
	return h < ms ? h + COVERAGE_HOUR_MS : h;
}

static void bind_named(sqlite3_stmt *stmt, const char *name, int64_t value)
{
	int index = sqlite3_bind_parameter_index(stmt, name);

	if (index)
		sqlite3_bind_int64(stmt, index, value);
}

/* The statement for this window, prepared once per store, with bindings. */
static sqlite3_stmt *prepare_window(struct store *st, const char *sql,
				    int64_t since, int64_t until)
{
	sqlite3_stmt *stmt = store_prepare(st, sql);

	if (!stmt)
		return NULL;
	bind_named(stmt, ":since", since);
	bind_named(stmt, ":until", until);
	bind_named(stmt, ":from", hour_floor(since));
	bind_named(stmt, ":to", hour_ceiling(until));
	return stmt;
}

int coverage_each_gap(struct store *st, int64_t since, int64_t until,
		      int (*fn)(const struct coverage_gap *gap, void *ctx),
		      void *ctx)
{
	sqlite3_stmt *stmt = prepare_window(st, each_gap_sql, since, until);
	struct coverage_gap gap;
	int rc = SQLITE_DONE, stop = 0;

	if (!stmt)
		return -1;
	while (!stop && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		gap.node.ptr = (const char *)sqlite3_column_text(stmt, 0);
		gap.node.len = (size_t)sqlite3_column_bytes(stmt, 0);
		gap.hour = sqlite3_column_int64(stmt, 1);
		gap.serves = (uint64_t)sqlite3_column_int64(stmt, 2);
		gap.deliveries = (uint64_t)sqlite3_column_int64(stmt, 3);
		/* An atom is never NULL; "" keeps a broken store from crashing. */
		if (!gap.node.ptr)
			gap.node.ptr = "";
		stop = fn(&gap, ctx);
	}
	sqlite3_reset(stmt);
	if (stop)
		return stop;
	if (rc != SQLITE_DONE) {
		store_error(st, "finding coverage gaps");
		return -1;
	}
	return 0;
}

int coverage_count_gap_deliveries(struct store *st, int64_t since,
				  int64_t until, uint64_t *count)
{
	sqlite3_stmt *stmt = prepare_window(st, count_sql, since, until);
	int rc;

	*count = 0;
	if (!stmt)
		return -1;
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		*count = (uint64_t)sqlite3_column_int64(stmt, 0);
	sqlite3_reset(stmt);
	if (rc != SQLITE_ROW) {
		store_error(st, "counting deliveries in coverage gaps");
		return -1;
	}
	return 0;
}
