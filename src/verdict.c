/*
 * Keeping the stored verdicts current.  A verdict depends on a bounded
 * set of other events (docs/engine.md): the fills and removals of the
 * serve's key since a little before it, the fills of its frame, the
 * bindings of the chosen fill's camera up to the fill, and the viewer's
 * shares of that camera up to the serve.  So new events name the serves
 * they can change, and only those are judged again, with the same SQL as
 * a full recompute (CORRELATE_SET_SELECT, sql.h).
 */
#include "config.h"

#include "coverage.h"
#include "schema.h"
#include "sql.h"
#include "util.h"
#include "verdict.h"

/* The scratch tables of re-judging; they live as long as the connection. */
static int scratch(struct store *st)
{
	return store_exec(st,
		"CREATE TEMP TABLE IF NOT EXISTS rejudge (serve INTEGER PRIMARY KEY);"
		/* kind: 1 fill, 2 removal, 3 binding or unbinding, 4 share. */
		"CREATE TEMP TABLE IF NOT EXISTS changed (kind INTEGER NOT NULL,"
		" ts INTEGER NOT NULL, key INTEGER, node INTEGER, frame TEXT,"
		" device INTEGER, account INTEGER);"
		"CREATE INDEX IF NOT EXISTS temp.changed_key ON changed(key)"
		" WHERE key IS NOT NULL;",
		"preparing to judge serves");
}

/* Bind :skew, and :since/:until where a statement has them. */
static void bind_window(sqlite3_stmt *stmt, int64_t since, int64_t until)
{
	store_bind_named(stmt, ":skew", CORRELATE_SKEW_MS);
	store_bind_named(stmt, ":since", since);
	store_bind_named(stmt, ":until", until);
}

/* Run a statement of this file with ?1..?2 an id range; 0 or -1. */
static int run_range(struct store *st, const char *sql, int64_t lo, int64_t hi,
		     const char *what)
{
	sqlite3_stmt *stmt = store_prepare(st, sql);

	if (!stmt)
		return -1;
	sqlite3_bind_int64(stmt, 1, lo);
	sqlite3_bind_int64(stmt, 2, hi);
	bind_window(stmt, INT64_MIN, INT64_MAX);
	return store_step_done(st, stmt, what);
}

/* The head of an INSERT of serves to judge again, a SELECT to follow. */
#define REJUDGE "INSERT OR IGNORE INTO temp.rejudge (serve)"

/*
 * The events with ids in [?1, ?2] that other verdicts depend on go into
 * temp.changed, and the serves among them into temp.rejudge.
 */
static const char *const collect_sql[] = {
	"INSERT INTO temp.changed (kind, ts, key, node, frame, device)"
	" SELECT 1, ts, key, node, frame, device FROM main.fill"
	" WHERE id BETWEEN ?1 AND ?2",
	"INSERT INTO temp.changed (kind, ts, key, node)"
	" SELECT 2, ts, key, node FROM main.removal WHERE id BETWEEN ?1 AND ?2",
	"INSERT INTO temp.changed (kind, ts, device, account)"
	" SELECT 3, ts, device, account FROM main.binding WHERE id BETWEEN ?1 AND ?2",
	"INSERT INTO temp.changed (kind, ts, device, account)"
	" SELECT 4, ts, device, account FROM main.share WHERE id BETWEEN ?1 AND ?2",
	REJUDGE " SELECT id FROM main.serve WHERE id BETWEEN ?1 AND ?2",
};

static int collect(struct store *st, int64_t lo, int64_t hi)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(collect_sql); i++)
		if (run_range(st, collect_sql[i], lo, hi, "noting new events"))
			return -1;
	return 0;
}

/* The serves d of the window with their verdicts v and origin fills f. */
#define WINDOW_ORIGINS WINDOW_VERDICTS " JOIN main.fill f ON f.id = v.fill"

/*
 * The serves each kind of changed event can give another verdict
 * (docs/engine.md has the argument).  Each scans only the serves from
 * the earliest such event on (less the skew), through the window the
 * statement binds, and keeps those the event can reach.
 */
static const struct {
	int kind;
	const char *sql;
} reach[] = {
	/*
	 * A fill or removal of the key on the serve's node (or any node, for
	 * a serve that names none), at most :skew after the serve: it may be
	 * the latest fill before the serve, or end the chosen one's life.
	 */
	{1, REJUDGE
	    " SELECT d.id FROM " WINDOW_SERVES("d")
	    " WHERE " DELIVERED("d") " AND EXISTS (SELECT 1 FROM temp.changed c"
	    "  WHERE c.key = d.key AND c.kind IN (1, 2)"
	    "  AND (d.node IS NULL OR d.node = c.node) AND c.ts <= d.ts + :skew)"},
	/* A fill of a frame: every serve of that frame, at any time (rule 1a). */
	{1, REJUDGE
	    " SELECT s.id FROM temp.changed c JOIN main.serve s ON s.frame = c.frame"
	    " WHERE c.kind = 1 AND c.frame IS NOT NULL"},
	/*
	 * A binding or unbinding of a camera: the serves whose fill is of
	 * that camera and no earlier than the change (rule 2 reads the
	 * bindings up to the fill).
	 */
	{3, REJUDGE
	    " SELECT d.id FROM " WINDOW_ORIGINS
	    " WHERE EXISTS (SELECT 1 FROM temp.changed c WHERE c.kind = 3"
	    "  AND c.device = f.device AND c.ts <= f.ts)"},
	/* A share or unshare: the viewer's serves of that camera from then on. */
	{4, REJUDGE
	    " SELECT d.id FROM " WINDOW_ORIGINS
	    " WHERE EXISTS (SELECT 1 FROM temp.changed c WHERE c.kind = 4"
	    "  AND c.account = d.account AND c.device = f.device AND c.ts <= d.ts)"},
};

/* The earliest changed event of a kind (removals count as fills): 0/1/-1. */
static int earliest(struct store *st, int kind, int64_t *ts)
{
	static const char sql[] =
		"SELECT min(ts) FROM temp.changed WHERE kind = ?1"
		" OR (?1 = 1 AND kind = 2)";
	sqlite3_stmt *stmt = store_prepare(st, sql);
	int rc, found = 0;

	if (!stmt)
		return -1;
	sqlite3_bind_int(stmt, 1, kind);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW && sqlite3_column_type(stmt, 0) != SQLITE_NULL) {
		*ts = sqlite3_column_int64(stmt, 0);
		found = 1;
	}
	sqlite3_reset(stmt);
	if (rc != SQLITE_ROW) {
		store_error(st, "reading new events");
		return -1;
	}
	return found;
}

/* Replace the verdicts of the serves in temp.rejudge, then empty it. */
static int rejudge(struct store *st)
{
	static const char insert_sql[] =
		VERDICT_INSERT("main.verdict") CORRELATE_SET_SELECT;
	sqlite3_stmt *stmt;

	if (store_exec(st, "DELETE FROM main.verdict WHERE serve IN"
		       " (SELECT serve FROM temp.rejudge)", "judging serves"))
		return -1;
	if (!(stmt = store_prepare(st, insert_sql)))
		return -1;
	bind_window(stmt, INT64_MIN, INT64_MAX);
	if (store_step_done(st, stmt, "judging serves"))
		return -1;
	return store_exec(st, "DELETE FROM temp.rejudge; DELETE FROM temp.changed",
			  "judging serves");
}

/* The serves that temp.changed can reach, into temp.rejudge. */
static int reach_changed(struct store *st)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(reach); i++) {
		sqlite3_stmt *stmt;
		int64_t since = 0;
		int found = earliest(st, reach[i].kind, &since);

		if (found <= 0) {
			if (found < 0)
				return -1;
			continue;
		}
		if (!(stmt = store_prepare(st, reach[i].sql)))
			return -1;
		/* Fills reach serves up to :skew before them. */
		bind_window(stmt, since - (reach[i].kind == 1 ? CORRELATE_SKEW_MS : 0),
			    INT64_MAX);
		if (store_step_done(st, stmt, "finding the serves to judge again"))
			return -1;
	}
	return 0;
}

int verdict_note_line(struct store *st, int64_t source, uint64_t line)
{
	int current = schema_verdicts_current(st);

	if (current <= 0)
		return current;
	if (scratch(st) ||
	    coverage_tally(st, EVENT_ID(source, line), EVENT_ID(source, line), -1))
		return -1;
	return collect(st, EVENT_ID(source, line), EVENT_ID(source, line));
}

int verdict_update(struct store *st, int64_t source, uint64_t first)
{
	int current = schema_verdicts_current(st);

	if (current <= 0)
		return current;
	if (scratch(st) ||
	    coverage_tally(st, EVENT_ID(source, first),
			   EVENT_ID(source, EVENT_LINE_MAX), 1) ||
	    collect(st, EVENT_ID(source, first), EVENT_ID(source, EVENT_LINE_MAX)) ||
	    reach_changed(st))
		return -1;
	return rejudge(st);
}

/* Judge every serve from scratch, indexes first, and stamp the verdicts
 * current; in the caller's transaction. */
static int judge_all(struct store *st)
{
	static const char sql[] =
		VERDICT_INSERT("main.verdict") CORRELATE_ALL_SELECT;
	sqlite3_stmt *stmt;

	if (schema_create_indexes(st) ||
	    store_exec(st, "DELETE FROM main.verdict", "judging every serve") ||
	    !(stmt = store_prepare(st, sql)))
		return -1;
	bind_window(stmt, INT64_MIN, INT64_MAX);
	if (store_step_done(st, stmt, "judging every serve") ||
	    coverage_tally_all(st))
		return -1;
	return schema_stamp_verdicts(st);
}

int verdict_load_finished(struct store *st)
{
	int missing = schema_missing_indexes(st), current;

	if (missing < 0 || (current = schema_verdicts_current(st)) < 0)
		return -1;
	return !missing && current;
}

int verdict_finish_load(struct store *st)
{
	int finished = verdict_load_finished(st);

	if (finished != 0)
		return finished < 0 ? -1 : 0;
	if (store_begin(st))
		return -1;
	/* Another camaudit may have finished it while we waited. */
	if ((finished = verdict_load_finished(st)) < 0 ||
	    (!finished && judge_all(st))) {
		store_rollback(st);
		return -1;
	}
	return store_commit(st);
}

int verdict_state(struct store *st, int64_t skew_ms, int writable,
		  enum verdict_state *state)
{
	int current = schema_verdicts_current(st), missing;

	if (current < 0)
		return -1;
	if (!current && writable) {
		if (judge_all(st))
			return -1;
		current = 1;
	}
	if (current) {
		*state = skew_ms == CORRELATE_SKEW_MS ? VERDICT_STORED : VERDICT_COMPUTE;
		return 0;
	}
	/* Judging on the fly without the indexes would take hours. */
	if ((missing = schema_missing_indexes(st)) < 0)
		return -1;
	*state = missing ? VERDICT_LOADING : VERDICT_COMPUTE;
	if (missing)
		error("database %s: its first load is still being ingested (the "
		      "indexes and verdicts are built when it ends); try again "
		      "then", store_path(st));
	return 0;
}

int verdict_after_prune(struct store *st)
{
	int current = schema_verdicts_current(st);

	if (current <= 0)
		return current;
	/* Prune is rare and may cut any hour: the tallies are rebuilt. */
	if (scratch(st) || coverage_tally_all(st) ||
	    store_exec(st,
		"DELETE FROM main.verdict WHERE NOT EXISTS"
		" (SELECT 1 FROM main.serve s WHERE s.id = verdict.serve);"
		REJUDGE " SELECT v.serve"
		" FROM main.verdict v WHERE v.fill IS NOT NULL AND NOT EXISTS"
		" (SELECT 1 FROM main.fill f WHERE f.id = v.fill)",
		"finding the verdicts that pruned events decided"))
		return -1;
	return rejudge(st);
}

/* One side of a comparison, from columns col.. of a row. */
static void read_row(sqlite3_stmt *stmt, int col, struct verdict_row *row)
{
	row->present = sqlite3_column_type(stmt, col + 4) != SQLITE_NULL;
	row->fill = sqlite3_column_int64(stmt, col);
	row->rule = (const char *)sqlite3_column_text(stmt, col + 1);
	row->owner.ptr = (const char *)sqlite3_column_text(stmt, col + 2);
	row->owner.len = (size_t)sqlite3_column_bytes(stmt, col + 2);
	row->type = (const char *)sqlite3_column_text(stmt, col + 4);
}

int verdict_check(struct store *st, int repair,
		  int (*fn)(int64_t serve, const struct verdict_row *stored,
			    const struct verdict_row *recomputed, void *ctx),
		  void *ctx, uint64_t *checked, uint64_t *differences)
{
	static const char judge_sql[] =
		"CREATE TEMP TABLE IF NOT EXISTS judged " VERDICT_TABLE_COLUMNS ";"
		"DELETE FROM temp.judged";
	/* Both sides of every serve that either judges, where they differ. */
	static const char diff_sql[] =
		"WITH pairs AS (SELECT serve FROM main.verdict UNION"
		" SELECT serve FROM temp.judged)\n"
		"SELECT p.serve, a.fill, a.rule, " ATOM("a.owner") ","
		" a.owner, a.type, b.fill, b.rule,"
		" " ATOM("b.owner") ", b.owner, b.type\n"
		"FROM pairs p LEFT JOIN main.verdict a ON a.serve = p.serve\n"
		"LEFT JOIN temp.judged b ON b.serve = p.serve\n"
		"WHERE a.type IS NOT b.type OR a.fill IS NOT b.fill\n"
		"  OR a.rule IS NOT b.rule OR a.owner IS NOT b.owner\n"
		"ORDER BY p.serve";
	static const char insert_sql[] =
		VERDICT_INSERT("temp.judged") CORRELATE_ALL_SELECT;
	sqlite3_stmt *stmt;
	int rc, stop = 0;

	*checked = *differences = 0;
	if (schema_missing_indexes(st) != 0) {
		error("database %s: its indexes are not built yet; run 'camaudit "
		      "ingest' or 'camaudit audit --new' once first", store_path(st));
		return -1;
	}
	if (store_exec(st, judge_sql, "judging every serve") ||
	    !(stmt = store_prepare(st, insert_sql)))
		return -1;
	bind_window(stmt, INT64_MIN, INT64_MAX);
	if (store_step_done(st, stmt, "judging every serve"))
		return -1;
	if (!(stmt = store_prepare(st, "SELECT count(*) FROM temp.judged")))
		return -1;
	if (sqlite3_step(stmt) == SQLITE_ROW)
		*checked = (uint64_t)sqlite3_column_int64(stmt, 0);
	sqlite3_reset(stmt);

	if (!(stmt = store_prepare(st, diff_sql)))
		return -1;
	while (!stop && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct verdict_row a, b;

		read_row(stmt, 1, &a);
		read_row(stmt, 6, &b);
		(*differences)++;
		if (fn)
			stop = fn(sqlite3_column_int64(stmt, 0), &a, &b, ctx);
	}
	sqlite3_reset(stmt);
	if (stop)
		return stop;
	if (rc != SQLITE_DONE) {
		store_error(st, "comparing verdicts");
		return -1;
	}
	if (repair && *differences &&
	    (store_exec(st, "DELETE FROM main.verdict;"
			"INSERT INTO main.verdict SELECT * FROM temp.judged",
			"replacing the verdicts") ||
	     schema_stamp_verdicts(st)))
		return -1;
	return 0;
}
