/*
 * Coverage gaps as SQL.  Both questions, which hours are gaps (into
 * temp.coverage_gap) and how many deliveries fall in them, are one
 * statement over the store's tables; the cost is one scan of the serves
 * in the window and one of the cache events in it, and a second scan of
 * the serves when there are gaps.
 */
#include "config.h"

#include "coverage.h"
#include "schema.h"
#include "sql.h"

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

/* The gaps' table: where they are kept for the joins of the caller. */
static const char gap_table_sql[] =
	"CREATE TEMP TABLE IF NOT EXISTS coverage_gap (node INTEGER NOT NULL,\n"
	"  hour INTEGER NOT NULL, serves INTEGER NOT NULL,\n"
	"  deliveries INTEGER NOT NULL, PRIMARY KEY (node, hour));\n"
	"DELETE FROM temp.coverage_gap";

#define GAP_INSERT \
	"INSERT INTO temp.coverage_gap (node, hour, serves, deliveries)\n"

static const char build_gaps_sql[] =
	GAP_CTE GAP_INSERT
	"SELECT g.node, g.hour,\n"
	"  count(*), count(CASE WHEN " DELIVERED("s") " THEN 1 END)\n"
	GAP_SERVES
	"GROUP BY g.hour, g.node";

static const char count_sql[] =
	GAP_CTE "SELECT count(*)\n" GAP_SERVES "  AND " DELIVERED("s");

/* The same two questions from the tallies, for a window of whole hours. */
#define TALLY_GAPS \
	"FROM main.node_hour WHERE hour >= :from AND hour < :to\n" \
	"  AND serves > 0 AND cache_lines = 0\n"

static const char tally_build_gaps_sql[] =
	GAP_INSERT "SELECT node, hour, serves, deliveries\n" TALLY_GAPS;

static const char tally_count_sql[] =
	"SELECT coalesce(sum(deliveries), 0)\n" TALLY_GAPS;

/* The events the tallies count, one row each; in: "" or a condition and. */
#define TALLY_EVENTS(in) \
	"(SELECT " HOUR_OF("ts") " AS hour, node, 1 AS serves,\n" \
	"    " DELIVERED("serve") " AS deliveries, 0 AS cache_lines\n" \
	"    FROM main.serve WHERE " in "node IS NOT NULL\n" \
	"  UNION ALL SELECT " HOUR_OF("ts") ", node, 0, 0, 1\n" \
	"    FROM main.fill WHERE " in "node IS NOT NULL\n" \
	"  UNION ALL SELECT " HOUR_OF("ts") ", node, 0, 0, 1\n" \
	"    FROM main.removal WHERE " in "node IS NOT NULL)"

/*
 * Their tallies, times ?3, added to the rows; a rebuild adds every id's
 * to none.  (WHERE true: SQLite's rule for an upsert from a SELECT.)
 */
static const char tally_add_sql[] =
	"INSERT INTO main.node_hour (hour, node, serves, deliveries, cache_lines)\n"
	"SELECT hour, node, ?3 * sum(serves), ?3 * sum(deliveries),\n"
	"  ?3 * sum(cache_lines)\n"
	"FROM " TALLY_EVENTS("id BETWEEN ?1 AND ?2 AND ") "\n"
	"WHERE true GROUP BY hour, node\n"
	"ON CONFLICT (hour, node) DO UPDATE SET\n"
	"  serves = serves + excluded.serves,\n"
	"  deliveries = deliveries + excluded.deliveries,\n"
	"  cache_lines = cache_lines + excluded.cache_lines";

/* What was taken away to nothing goes, so that a rebuild gives the same rows. */
static const char tally_prune_sql[] =
	"DELETE FROM main.node_hour WHERE serves = 0 AND cache_lines = 0";

/* A rebuild into a scratch table, and the rows on either side alone. */
static const char tally_fresh_sql[] =
	"CREATE TEMP TABLE IF NOT EXISTS fresh_node_hour (hour INTEGER, node INTEGER,"
	" serves INTEGER, deliveries INTEGER, cache_lines INTEGER);"
	"DELETE FROM temp.fresh_node_hour;"
	"INSERT INTO temp.fresh_node_hour SELECT hour, node, sum(serves),"
	" sum(deliveries), sum(cache_lines) FROM " TALLY_EVENTS("")
	" GROUP BY hour, node";

/* The (hour, node) keys whose row differs or is on one side only. */
static const char tally_diff_sql[] =
	"SELECT count(*) FROM (SELECT DISTINCT hour, node FROM (\n"
	"  SELECT * FROM (SELECT hour, node, serves, deliveries, cache_lines\n"
	"    FROM main.node_hour EXCEPT SELECT * FROM temp.fresh_node_hour)\n"
	"  UNION ALL\n"
	"  SELECT * FROM (SELECT * FROM temp.fresh_node_hour EXCEPT\n"
	"    SELECT hour, node, serves, deliveries, cache_lines FROM main.node_hour)))";

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

/* The statement for this window, prepared once per store, with bindings. */
static sqlite3_stmt *prepare_window(struct store *st, const char *sql,
				    int64_t since, int64_t until)
{
	sqlite3_stmt *stmt = store_prepare(st, sql);

	if (!stmt)
		return NULL;
	store_bind_named(stmt, ":since", since);
	store_bind_named(stmt, ":until", until);
	store_bind_named(stmt, ":from", hour_floor(since));
	store_bind_named(stmt, ":to", hour_ceiling(until));
	return stmt;
}

/*
 * Whether the tallies answer for this window: it is whole hours, and they
 * are current (they are kept and rebuilt with the verdicts); 1, 0 or -1.
 */
static int use_tallies(struct store *st, int64_t since, int64_t until)
{
	if (hour_floor(since) != since || hour_ceiling(until) != until)
		return 0;
	return schema_verdicts_current(st);
}

/* The statement answering a question for this window, bound; or NULL. */
static sqlite3_stmt *prepare_question(struct store *st, const char *tally_sql,
				      const char *event_sql, int64_t since,
				      int64_t until)
{
	int tallies = use_tallies(st, since, until);

	if (tallies < 0)
		return NULL;
	return prepare_window(st, tallies ? tally_sql : event_sql, since, until);
}

static const char each_gap_sql[] = COVERAGE_GAP_ROWS;

int coverage_build_gaps(struct store *st, int64_t since, int64_t until,
			uint64_t *count)
{
	sqlite3_stmt *stmt;

	*count = 0;
	if (store_exec(st, gap_table_sql, "finding coverage gaps") ||
	    !(stmt = prepare_question(st, tally_build_gaps_sql, build_gaps_sql,
				      since, until)) ||
	    store_step_done(st, stmt, "finding coverage gaps"))
		return -1;
	*count = (uint64_t)store_changes(st);
	return 0;
}

int coverage_each_gap(struct store *st, int64_t since, int64_t until,
		      int (*fn)(const struct coverage_gap *gap, void *ctx),
		      void *ctx)
{
	sqlite3_stmt *stmt;
	struct coverage_gap gap;
	uint64_t count;
	int rc = SQLITE_DONE, stop = 0;

	if (coverage_build_gaps(st, since, until, &count) ||
	    !(stmt = store_prepare(st, each_gap_sql)))
		return -1;
	while (!stop && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		gap.hour = sqlite3_column_int64(stmt, 0);
		gap.node.ptr = (const char *)sqlite3_column_text(stmt, 1);
		gap.node.len = (size_t)sqlite3_column_bytes(stmt, 1);
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
	sqlite3_stmt *stmt = prepare_question(st, tally_count_sql, count_sql,
					      since, until);
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

int coverage_tally(struct store *st, int64_t lo, int64_t hi, int sign)
{
	sqlite3_stmt *stmt = store_prepare(st, tally_add_sql);

	if (!stmt)
		return -1;
	sqlite3_bind_int64(stmt, 1, lo);
	sqlite3_bind_int64(stmt, 2, hi);
	sqlite3_bind_int(stmt, 3, sign);
	if (store_step_done(st, stmt, "counting cache nodes' hours"))
		return -1;
	return sign < 0 ? store_exec(st, tally_prune_sql,
				     "counting cache nodes' hours") : 0;
}

int coverage_tally_all(struct store *st)
{
	return store_exec(st, "DELETE FROM main.node_hour",
			  "counting cache nodes' hours") ||
	       coverage_tally(st, INT64_MIN, INT64_MAX, 1) ? -1 : 0;
}

int coverage_tally_check(struct store *st, int repair, uint64_t *differences)
{
	sqlite3_stmt *stmt;
	int rc;

	*differences = 0;
	if (store_exec(st, tally_fresh_sql, "counting cache nodes' hours again") ||
	    !(stmt = store_prepare(st, tally_diff_sql)))
		return -1;
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		*differences = (uint64_t)sqlite3_column_int64(stmt, 0);
	sqlite3_reset(stmt);
	if (rc != SQLITE_ROW) {
		store_error(st, "comparing cache nodes' hours");
		return -1;
	}
	return repair && *differences ? coverage_tally_all(st) : 0;
}
