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
#include "sql.h"
#include "util.h"
#include "verdict.h"

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
	return name_set_parse(list, type_names, FINDING_TYPE_COUNT, FINDING_ALL,
			      types);
}

/* Count the verdicts a statement selects, by type, into summary. */
static int count_verdicts(struct store *st, const char *sql,
			  const struct audit_window *window,
			  struct audit_summary *summary)
{
	sqlite3_stmt *stmt = store_prepare(st, sql);
	int rc;

	if (!stmt)
		return -1;
	store_bind_named(stmt, ":since", window->since);
	store_bind_named(stmt, ":until", window->until);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		const char *type = (const char *)sqlite3_column_text(stmt, 0);
		uint64_t n = (uint64_t)sqlite3_column_int64(stmt, 1);
		unsigned t;

		summary->deliveries += n;
		summary->attributed += (uint64_t)sqlite3_column_int64(stmt, 2);
		for (t = 0; t < FINDING_TYPE_COUNT; t++)
			if (type && !strcmp(type, type_names[t]))
				summary->by_type[t] = n;
	}
	sqlite3_reset(stmt);
	if (rc != SQLITE_DONE) {
		store_error(st, "counting findings");
		return -1;
	}
	return 0;
}

/* Run an INSERT into temp.verdict with the window's parameters bound. */
static int fill_verdicts(struct store *st, const char *sql,
			 const struct audit_window *window)
{
	sqlite3_stmt *stmt = store_prepare(st, sql);

	if (!stmt)
		return -1;
	store_bind_named(stmt, ":since", window->since);
	store_bind_named(stmt, ":until", window->until);
	store_bind_named(stmt, ":skew", window->skew_ms);
	return store_step_done(st, stmt, "correlating");
}

/*
 * With stored verdicts: the counts and the rows of temp.verdict read from
 * main.verdict, for all time (no serve needs reading) or for a window.
 */
#define COUNT_BY_TYPE(from, where) \
	"SELECT v.type, count(*), count(v.fill) FROM " from where " GROUP BY v.type"
#define STORED_COPY(from) \
	VERDICT_INSERT("temp.verdict") \
	"SELECT v.serve, v.fill, v.rule, v.owner, v.type FROM " from
#define EVERY_VERDICT "main.verdict v"
#define FINDINGS_ONLY " WHERE v.type <> 'ok'"

/*
 * For all time, the findings are counted through their partial index and
 * the ok verdicts (which all have a fill) by the table's row count: a
 * GROUP BY over every verdict would sort them all.
 */
#define EVERY_COUNT \
	"SELECT 'ok', n, n FROM (SELECT (SELECT count(*) FROM main.verdict) -" \
	" (SELECT count(*) FROM main.verdict WHERE type <> 'ok') AS n)" \
	" UNION ALL " COUNT_BY_TYPE(EVERY_VERDICT, FINDINGS_ONLY)

static const struct {
	const char *count, *findings, *deliveries;
} stored_sql[2] = {
	{EVERY_COUNT, STORED_COPY(EVERY_VERDICT) FINDINGS_ONLY,
	 STORED_COPY(EVERY_VERDICT)},
	{COUNT_BY_TYPE(WINDOW_VERDICTS, ""),
	 STORED_COPY(WINDOW_VERDICTS) FINDINGS_ONLY,
	 STORED_COPY(WINDOW_VERDICTS)},
};

/* Judged on the fly: for another skew, or verdicts not yet judged. */
static const char computed_copy_sql[] =
	VERDICT_INSERT("temp.verdict") CORRELATE_WINDOW_SELECT;
static const char computed_count_sql[] = COUNT_BY_TYPE("temp.verdict v", "");

int correlate_run(struct store *st, const struct audit_window *window,
		  enum correlate_keep keep, int writable,
		  struct audit_summary *summary)
{
	enum verdict_state state;

	memset(summary, 0, sizeof(*summary));
	if (store_exec(st, "CREATE TEMP TABLE IF NOT EXISTS verdict "
		       VERDICT_TABLE_COLUMNS ";"
		       "DELETE FROM temp.verdict", "correlating") ||
	    verdict_state(st, window->skew_ms, writable, &state) ||
	    state == VERDICT_LOADING)
		return -1;
	if (state == VERDICT_STORED) {
		int windowed = window->since != INT64_MIN || window->until != INT64_MAX;

		return count_verdicts(st, stored_sql[windowed].count, window, summary) ||
		       fill_verdicts(st, keep == CORRELATE_DELIVERIES ?
				     stored_sql[windowed].deliveries :
				     stored_sql[windowed].findings, window) ? -1 : 0;
	}
	return fill_verdicts(st, computed_copy_sql, window) ||
	       count_verdicts(st, computed_count_sql, window, summary) ? -1 : 0;
}

/*
 * A verdict v of one of the wanted types: bind_types() binds ?1..?4 to
 * their names; an unwanted type stays NULL, which matches nothing.
 */
#define OF_TYPES "v.type IN (?1, ?2, ?3, ?4)"
_Static_assert(FINDING_TYPE_COUNT == 4,
	       "OF_TYPES has one parameter per finding type");

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
		" SELECT 1 FROM main.reported r WHERE r.serve = verdict.serve"
		" AND r.type = verdict.type)";
	sqlite3_stmt *stmt = store_prepare(st, sql);

	if (!stmt || store_step_done(st, stmt, "leaving out reported findings"))
		return -1;
	*dropped = (uint64_t)store_changes(st);
	return 0;
}

int correlate_record_reported(struct store *st, unsigned types)
{
	static const char sql[] =
		"INSERT OR IGNORE INTO main.reported (serve, type, reported_at)"
		" SELECT v.serve, v.type, ?5 FROM temp.verdict v"
		" WHERE " OF_TYPES;
	sqlite3_stmt *stmt = store_prepare(st, sql);

	if (!stmt)
		return -1;
	bind_types(stmt, types);
	sqlite3_bind_int64(stmt, 5, (sqlite3_int64)time(NULL) * 1000);
	return store_step_done(st, stmt, "recording reported findings");
}

static const char findings_sql[] =
	"SELECT v.type, s.ts, s.req, " ATOM("s.account") ", " ATOM("s.device") ",\n"
	"  " ATOM("s.key") ", coalesce(s.frame, f.frame),\n"
	"  " ATOM("s.cache") ", " ATOM("s.relay") ",\n"
	"  coalesce(" ATOM("s.node") ", " ATOM("f.node") "),\n"
	"  " ATOM("f.device") ", " ATOM("v.owner") ", f.ts,\n"
	"  " SOURCE_NAME("s.source") ", s.line,\n"
	"  " SOURCE_NAME("f.source") ", f.line\n"
	"FROM temp.verdict v\n"
	SERVE_AND_FILL("v") "\n"
	"WHERE " OF_TYPES "\n"
	"ORDER BY s.ts, s.id";

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
