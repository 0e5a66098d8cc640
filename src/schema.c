/*
 * The schema and its versions.  Each migration takes the database from
 * one version (PRAGMA user_version) to the next; a new database runs them
 * all.  Never change a migration that has shipped: append one.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fingerprint.h"
#include "schema.h"
#include "sql.h"
#include "util.h"

static const char schema_v1[] =
	/* Interned strings; ids are stable for the life of the database. */
	"CREATE TABLE atom (id INTEGER PRIMARY KEY, text TEXT NOT NULL UNIQUE);\n"
	/* One row per log content ever ingested, whatever names it had. */
	"CREATE TABLE source (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  name TEXT NOT NULL,\n"              /* path it was last read from */
	"  head BLOB NOT NULL,\n"              /* its first bytes, up to 4096 */
	"  lines INTEGER NOT NULL DEFAULT 0,\n"
	"  bytes INTEGER NOT NULL DEFAULT 0,\n"
	"  crc INTEGER NOT NULL DEFAULT 0,\n"
	"  tail_bytes INTEGER NOT NULL DEFAULT 0,\n"
	"  tail_crc INTEGER NOT NULL DEFAULT 0,\n"
	"  events INTEGER NOT NULL DEFAULT 0,\n"
	"  rejected INTEGER NOT NULL DEFAULT 0,\n"
	"  compressed INTEGER NOT NULL DEFAULT 0,\n"
	"  damaged TEXT,\n"
	"  first_ingested_at INTEGER NOT NULL,\n"
	"  last_ingested_at INTEGER NOT NULL);\n"
	/* Finding a source by its first bytes (see source.c). */
	"CREATE INDEX source_head ON source(substr(head, 1, 64));\n"
	"CREATE INDEX source_short_head ON source(head) WHERE length(head) < 64;\n"
	/* Events.  Times are ms since the epoch; text columns are atom ids. */
	"CREATE TABLE serve (id INTEGER PRIMARY KEY, source INTEGER NOT NULL,\n"
	"  line INTEGER NOT NULL, ts INTEGER NOT NULL, account INTEGER NOT NULL,\n"
	"  key INTEGER NOT NULL, device INTEGER, frame INTEGER, node INTEGER,\n"
	"  relay INTEGER, cache INTEGER, req TEXT, status, bytes, rtt_ms);\n"
	"CREATE TABLE fill (id INTEGER PRIMARY KEY, source INTEGER NOT NULL,\n"
	"  line INTEGER NOT NULL, ts INTEGER NOT NULL, node INTEGER NOT NULL,\n"
	"  key INTEGER NOT NULL, device INTEGER NOT NULL, frame INTEGER,\n"
	"  ttl_ms, gen);\n"
	"CREATE TABLE removal (id INTEGER PRIMARY KEY, source INTEGER NOT NULL,\n"
	"  line INTEGER NOT NULL, ts INTEGER NOT NULL, node INTEGER NOT NULL,\n"
	"  key INTEGER NOT NULL, op TEXT NOT NULL);\n"
	"CREATE TABLE binding (id INTEGER PRIMARY KEY, source INTEGER NOT NULL,\n"
	"  line INTEGER NOT NULL, ts INTEGER NOT NULL, device INTEGER NOT NULL,\n"
	"  account INTEGER NOT NULL, bound INTEGER NOT NULL);\n"
	"CREATE TABLE share (id INTEGER PRIMARY KEY, source INTEGER NOT NULL,\n"
	"  line INTEGER NOT NULL, ts INTEGER NOT NULL, device INTEGER NOT NULL,\n"
	"  account INTEGER NOT NULL, granted INTEGER NOT NULL);\n"
	"CREATE TABLE reject (source INTEGER NOT NULL, line INTEGER NOT NULL,\n"
	"  reason TEXT NOT NULL, PRIMARY KEY (source, line)) WITHOUT ROWID;\n"
	/* The correlation's access paths (see correlate.c). */
	"CREATE INDEX serve_ts ON serve(ts);\n"
	"CREATE INDEX serve_line ON serve(source, line);\n"
	"CREATE INDEX fill_key_node_ts ON fill(key, node, ts);\n"
	"CREATE INDEX fill_frame_ts ON fill(frame, ts) WHERE frame IS NOT NULL;\n"
	"CREATE INDEX fill_line ON fill(source, line);\n"
	"CREATE INDEX removal_key_node_ts ON removal(key, node, ts);\n"
	"CREATE INDEX removal_line ON removal(source, line);\n"
	"CREATE INDEX binding_device_ts ON binding(device, ts);\n"
	"CREATE INDEX binding_line ON binding(source, line);\n"
	"CREATE INDEX share_account_device_ts ON share(account, device, ts);\n"
	"CREATE INDEX share_line ON share(source, line);\n";

/*
 * Version 2: what audit --new has reported, and views with readable
 * columns for people who query the store with sqlite3 (documented in the
 * man page, FILES).  Their column names are those of the JSON output.
 */
#define TIME(col) "strftime('%Y-%m-%dT%H:%M:%fZ', " col " / 1000.0, 'unixepoch')"

static const char schema_v2[] =
	"CREATE TABLE reported (type TEXT NOT NULL, serve TEXT NOT NULL,\n"
	"  reported_at INTEGER NOT NULL, PRIMARY KEY (type, serve)) WITHOUT ROWID;\n"
	"CREATE VIEW serves AS SELECT " TIME("ts") " AS served_at, req AS request_id,\n"
	"  " VIEW_ATOM("account") " AS viewer_account, "
		VIEW_ATOM("device") " AS requested_device,\n"
	"  " VIEW_ATOM("key") " AS key, " VIEW_ATOM("frame") " AS frame, "
		VIEW_ATOM("cache") " AS cache,\n"
	"  " VIEW_ATOM("relay") " AS relay, "
		VIEW_ATOM("node") " AS node, status, bytes, rtt_ms,\n"
	"  " VIEW_EVENT_REF("source", "line") " AS serve_ref, ts AS served_ms FROM serve;\n"
	"CREATE VIEW fills AS SELECT " TIME("ts") " AS filled_at, "
		VIEW_ATOM("node") " AS node,\n"
	"  " VIEW_ATOM("key") " AS key, " VIEW_ATOM("device") " AS origin_device,\n"
	"  " VIEW_ATOM("frame") " AS frame, ttl_ms, gen,\n"
	"  " VIEW_EVENT_REF("source", "line") " AS fill_ref, ts AS filled_ms FROM fill;\n"
	"CREATE VIEW removals AS SELECT " TIME("ts") " AS removed_at, op,\n"
	"  " VIEW_ATOM("node") " AS node, " VIEW_ATOM("key") " AS key,\n"
	"  " VIEW_EVENT_REF("source", "line") " AS ref, ts AS removed_ms FROM removal;\n"
	"CREATE VIEW bindings AS SELECT " TIME("ts") " AS at,\n"
	"  CASE bound WHEN 1 THEN 'bind' ELSE 'unbind' END AS op,\n"
	"  " VIEW_ATOM("device") " AS device, " VIEW_ATOM("account") " AS account,\n"
	"  " VIEW_EVENT_REF("source", "line") " AS ref, ts AS at_ms FROM binding;\n"
	"CREATE VIEW shares AS SELECT " TIME("ts") " AS at,\n"
	"  CASE granted WHEN 1 THEN 'share' ELSE 'unshare' END AS op,\n"
	"  " VIEW_ATOM("device") " AS device, " VIEW_ATOM("account") " AS account,\n"
	"  " VIEW_EVENT_REF("source", "line") " AS ref, ts AS at_ms FROM share;\n";

/* The findings view runs the rules with the default skew over all time. */
static const char findings_view[] =
	"CREATE VIEW findings AS SELECT v.type AS type,\n"
	"  " TIME("s.ts") " AS served_at, s.req AS request_id,\n"
	"  " VIEW_ATOM("s.account") " AS viewer_account,\n"
	"  " VIEW_ATOM("s.device") " AS requested_device, "
		VIEW_ATOM("s.key") " AS key,\n"
	"  coalesce(s.frame, f.frame) AS frame,\n"
	"  " VIEW_ATOM("s.cache") " AS cache, " VIEW_ATOM("s.relay") " AS relay,\n"
	"  coalesce(" VIEW_ATOM("s.node") ", " VIEW_ATOM("f.node") ") AS node,\n"
	"  " VIEW_ATOM("f.device") " AS origin_device, "
		VIEW_ATOM("v.owner") " AS owner_account,\n"
	"  " TIME("f.ts") " AS filled_at,\n"
	"  " VIEW_EVENT_REF("s.source", "s.line") " AS serve_ref,\n"
	"  " VIEW_EVENT_REF("f.source", "f.line") " AS fill_ref\n"
	"FROM verdicts v JOIN serve s ON s.id = v.serve\n"
	"LEFT JOIN fill f ON f.id = v.fill WHERE v.type <> 'ok';\n";

/* The verdicts view: the rules' SELECT with its parameters fixed. */
static char *verdicts_view(void)
{
	static const struct {
		const char *name, *value;
	} params[] = {
		{":since", "-9223372036854775807"},
		{":until", "9223372036854775807"},
		{":skew", "2000"}, /* audit's default --skew, then */
	};
	const char *p = CORRELATE_WINDOW_SELECT;
	char *sql = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&sql, &size);

	if (!out)
		die("out of memory (building a view)");
	fputs("CREATE VIEW verdicts AS ", out);
	while (*p) {
		size_t i;

		for (i = 0; i < ARRAY_SIZE(params); i++) {
			size_t len = strlen(params[i].name);

			if (!strncmp(p, params[i].name, len)) {
				fputs(params[i].value, out);
				p += len;
				break;
			}
		}
		if (i == ARRAY_SIZE(params))
			fputc(*p++, out);
	}
	fputs(";\n", out);
	if (fclose(out) != 0)
		die("out of memory (building a view)");
	return sql;
}

/*
 * Version 3, for size and speed (issue 8).  An event's id is its evidence:
 * source << 32 | line (EVENT_ID in store.h), so the (source, line) indexes
 * go and source and line become virtual columns computed from the id.
 * The serve table keeps no index of its own: the correlation reads every
 * serve of a window once, and a window is narrowed to the sources whose
 * serves fall in it (source.serve_min_ts and serve_max_ts, kept by
 * source_save()).  Serves no longer keep bytes and rtt_ms, which no rule
 * or report reads; the log line keeps them (see explain).
 */
#define EVENT_COLUMNS \
	"  source INTEGER GENERATED ALWAYS AS (id >> 32) VIRTUAL,\n" \
	"  line INTEGER GENERATED ALWAYS AS (id & 4294967295) VIRTUAL"
#define REBUILD(table, columns, old_columns) \
	"CREATE TABLE new_" table " (id INTEGER PRIMARY KEY, " columns ",\n" \
	EVENT_COLUMNS ");\n" \
	"INSERT INTO new_" table " SELECT (source << 32) | line, " old_columns \
	" FROM " table ";\n" \
	"DROP TABLE " table ";\n" \
	"ALTER TABLE new_" table " RENAME TO " table ";\n"

static const char schema_v3[] =
	"DROP VIEW findings;\n"
	"DROP VIEW verdicts;\n"
	"DROP VIEW serves;\n"
	REBUILD("serve", "ts INTEGER NOT NULL, account INTEGER NOT NULL,\n"
		"  key INTEGER NOT NULL, device INTEGER, frame INTEGER, node INTEGER,\n"
		"  relay INTEGER, cache INTEGER, req TEXT, status",
		"ts, account, key, device, frame, node, relay, cache, req, status")
	REBUILD("fill", "ts INTEGER NOT NULL, node INTEGER NOT NULL,\n"
		"  key INTEGER NOT NULL, device INTEGER NOT NULL, frame INTEGER,\n"
		"  ttl_ms, gen", "ts, node, key, device, frame, ttl_ms, gen")
	REBUILD("removal", "ts INTEGER NOT NULL, node INTEGER NOT NULL,\n"
		"  key INTEGER NOT NULL, op TEXT NOT NULL", "ts, node, key, op")
	REBUILD("binding", "ts INTEGER NOT NULL, device INTEGER NOT NULL,\n"
		"  account INTEGER NOT NULL, bound INTEGER NOT NULL",
		"ts, device, account, bound")
	REBUILD("share", "ts INTEGER NOT NULL, device INTEGER NOT NULL,\n"
		"  account INTEGER NOT NULL, granted INTEGER NOT NULL",
		"ts, device, account, granted")
	"ALTER TABLE source ADD COLUMN serve_min_ts INTEGER;\n"
	"ALTER TABLE source ADD COLUMN serve_max_ts INTEGER;\n"
	"UPDATE source SET (serve_min_ts, serve_max_ts) = (SELECT min(ts), max(ts)\n"
	"  FROM serve WHERE id " SOURCE_EVENTS("source.id") ");\n"
	"CREATE VIEW serves AS SELECT " TIME("ts") " AS served_at, req AS request_id,\n"
	"  " VIEW_ATOM("account") " AS viewer_account, "
		VIEW_ATOM("device") " AS requested_device,\n"
	"  " VIEW_ATOM("key") " AS key, " VIEW_ATOM("frame") " AS frame, "
		VIEW_ATOM("cache") " AS cache,\n"
	"  " VIEW_ATOM("relay") " AS relay, " VIEW_ATOM("node") " AS node, status,\n"
	"  " VIEW_EVENT_REF("source", "line") " AS serve_ref, ts AS served_ms FROM serve;\n";

/*
 * Version 4, for speed and size (issue 8): a frame id is kept as text in
 * the serve and fill rows instead of as an atom.  Nearly every fill
 * brings a frame never seen before, so interning it cost a lookup and an
 * insert into atom's unique index per fill (nearly half the time of
 * storing a fill, 18% of ingest on bench/gen's logs) and stored the text
 * twice, once in atom and once in its index.  The columns are TEXT so that a frame id made of digits is
 * kept as written.  The atoms the frames leave behind stay, unreferenced,
 * as prune leaves atoms: finding which ones no other column uses would
 * read every event row.
 */
#define RETYPE_FRAME(table, columns, names) \
	"CREATE TABLE new_" table " (id INTEGER PRIMARY KEY, " columns ",\n" \
	EVENT_COLUMNS ");\n" \
	"INSERT INTO new_" table " (id, " names ", frame) SELECT id, " names ",\n" \
	"  " VIEW_ATOM(table ".frame") " FROM " table ";\n" \
	"DROP TABLE " table ";\n" \
	"ALTER TABLE new_" table " RENAME TO " table ";\n"

static const char schema_v4[] =
	"DROP VIEW findings;\n"
	"DROP VIEW verdicts;\n"
	"DROP VIEW serves;\n"
	"DROP VIEW fills;\n"
	RETYPE_FRAME("serve", "ts INTEGER NOT NULL, account INTEGER NOT NULL,\n"
		"  key INTEGER NOT NULL, device INTEGER, frame TEXT, node INTEGER,\n"
		"  relay INTEGER, cache INTEGER, req TEXT, status",
		"ts, account, key, device, node, relay, cache, req, status")
	RETYPE_FRAME("fill", "ts INTEGER NOT NULL, node INTEGER NOT NULL,\n"
		"  key INTEGER NOT NULL, device INTEGER NOT NULL, frame TEXT,\n"
		"  ttl_ms, gen", "ts, node, key, device, ttl_ms, gen")
	"CREATE VIEW serves AS SELECT " TIME("ts") " AS served_at, req AS request_id,\n"
	"  " VIEW_ATOM("account") " AS viewer_account, "
		VIEW_ATOM("device") " AS requested_device,\n"
	"  " VIEW_ATOM("key") " AS key, frame, " VIEW_ATOM("cache") " AS cache,\n"
	"  " VIEW_ATOM("relay") " AS relay, " VIEW_ATOM("node") " AS node, status,\n"
	"  " VIEW_EVENT_REF("source", "line") " AS serve_ref, ts AS served_ms FROM serve;\n"
	"CREATE VIEW fills AS SELECT " TIME("ts") " AS filled_at, "
		VIEW_ATOM("node") " AS node,\n"
	"  " VIEW_ATOM("key") " AS key, " VIEW_ATOM("device") " AS origin_device,\n"
	"  frame, ttl_ms, gen,\n"
	"  " VIEW_EVENT_REF("source", "line") " AS fill_ref, ts AS filled_ms FROM fill;\n";

/*
 * Version 5 (issue 18): verdicts are data.  Every delivered serve has a
 * row in verdict, which ingest keeps current (verdict.c); setting holds
 * the stamp of the rules and skew they were judged with.  audit --new
 * records a finding by its serve's id (the event id, store.h), not by
 * its request id, which relays reuse: a row of the old table names a
 * request id, and goes to the earliest serve with it (the one --new
 * printed then), so that a later serve with the same id, never printed,
 * is printed once after the upgrade.
 */
static const char schema_v5[] =
	"CREATE TABLE setting (name TEXT PRIMARY KEY, value) WITHOUT ROWID;\n"
	"CREATE TABLE verdict (serve INTEGER PRIMARY KEY, fill INTEGER,\n"
	"  rule TEXT, owner INTEGER, type TEXT NOT NULL);\n"
	"CREATE INDEX verdict_finding ON verdict(type) WHERE type <> 'ok';\n"
	/* Per cache node and hour, for the coverage gaps (coverage.h). */
	"CREATE TABLE node_hour (hour INTEGER NOT NULL, node INTEGER NOT NULL,\n"
	"  serves INTEGER NOT NULL, deliveries INTEGER NOT NULL,\n"
	"  cache_lines INTEGER NOT NULL, PRIMARY KEY (hour, node)) WITHOUT ROWID;\n"
	"ALTER TABLE reported RENAME TO reported_v4;\n"
	"CREATE TABLE reported (serve INTEGER NOT NULL, type TEXT NOT NULL,\n"
	"  reported_at INTEGER NOT NULL, PRIMARY KEY (serve, type)) WITHOUT ROWID;\n"
	"INSERT OR IGNORE INTO reported (serve, type, reported_at)\n"
	"  SELECT (CAST(substr(rest, 1, instr(rest, ':') - 1) AS INTEGER) << 32)\n"
	"    | CAST(substr(rest, instr(rest, ':') + 1) AS INTEGER), type, reported_at\n"
	"  FROM (SELECT substr(serve, 6) AS rest, type, reported_at\n"
	"    FROM reported_v4 WHERE substr(serve, 1, 5) = 'line:');\n"
	"CREATE INDEX reported_v4_serve ON reported_v4(serve);\n"
	"INSERT OR IGNORE INTO reported (serve, type, reported_at)\n"
	"  SELECT id, type, reported_at FROM (SELECT s.id AS id, r.type AS type,\n"
	"    r.reported_at AS reported_at, row_number() OVER\n"
	"      (PARTITION BY r.type, r.serve ORDER BY s.ts, s.id) AS n\n"
	"    FROM serve s CROSS JOIN reported_v4 r ON r.serve = 'req:' || s.req\n"
	"    WHERE s.req IS NOT NULL)\n"
	"  WHERE n = 1;\n"
	"DROP TABLE reported_v4;\n"
	"DROP VIEW findings;\n"
	"DROP VIEW verdicts;\n"
	"CREATE VIEW verdicts AS SELECT serve, fill, rule, owner, type FROM verdict;\n";

/*
 * Version 6 (issue 14): a source's fingerprint (fingerprint.h), which
 * with a line number makes an event id that other engines share, and
 * that id in the event views.  NULL until the source's first data line
 * has been read whole; the migration takes it from the stored heads.
 */
#define VIEW_EVENT_ID(src, line) \
	"(SELECT printf('%016x:%d', fingerprint, " line ") FROM source" \
	" WHERE id = " src " AND fingerprint IS NOT NULL)"

static const char schema_v6[] =
	"ALTER TABLE source ADD COLUMN fingerprint INTEGER;\n"
	"DROP VIEW serves;\n"
	"DROP VIEW fills;\n"
	"DROP VIEW removals;\n"
	"DROP VIEW bindings;\n"
	"DROP VIEW shares;\n"
	"CREATE VIEW serves AS SELECT " TIME("ts") " AS served_at, req AS request_id,\n"
	"  " VIEW_ATOM("account") " AS viewer_account, "
		VIEW_ATOM("device") " AS requested_device,\n"
	"  " VIEW_ATOM("key") " AS key, frame, " VIEW_ATOM("cache") " AS cache,\n"
	"  " VIEW_ATOM("relay") " AS relay, " VIEW_ATOM("node") " AS node, status,\n"
	"  " VIEW_EVENT_REF("source", "line") " AS serve_ref, ts AS served_ms,\n"
	"  " VIEW_EVENT_ID("source", "line") " AS event_id FROM serve;\n"
	"CREATE VIEW fills AS SELECT " TIME("ts") " AS filled_at, "
		VIEW_ATOM("node") " AS node,\n"
	"  " VIEW_ATOM("key") " AS key, " VIEW_ATOM("device") " AS origin_device,\n"
	"  frame, ttl_ms, gen,\n"
	"  " VIEW_EVENT_REF("source", "line") " AS fill_ref, ts AS filled_ms,\n"
	"  " VIEW_EVENT_ID("source", "line") " AS event_id FROM fill;\n"
	"CREATE VIEW removals AS SELECT " TIME("ts") " AS removed_at, op,\n"
	"  " VIEW_ATOM("node") " AS node, " VIEW_ATOM("key") " AS key,\n"
	"  " VIEW_EVENT_REF("source", "line") " AS ref, ts AS removed_ms,\n"
	"  " VIEW_EVENT_ID("source", "line") " AS event_id FROM removal;\n"
	"CREATE VIEW bindings AS SELECT " TIME("ts") " AS at,\n"
	"  CASE bound WHEN 1 THEN 'bind' ELSE 'unbind' END AS op,\n"
	"  " VIEW_ATOM("device") " AS device, " VIEW_ATOM("account") " AS account,\n"
	"  " VIEW_EVENT_REF("source", "line") " AS ref, ts AS at_ms,\n"
	"  " VIEW_EVENT_ID("source", "line") " AS event_id FROM binding;\n"
	"CREATE VIEW shares AS SELECT " TIME("ts") " AS at,\n"
	"  CASE granted WHEN 1 THEN 'share' ELSE 'unshare' END AS op,\n"
	"  " VIEW_ATOM("device") " AS device, " VIEW_ATOM("account") " AS account,\n"
	"  " VIEW_EVENT_REF("source", "line") " AS ref, ts AS at_ms,\n"
	"  " VIEW_EVENT_ID("source", "line") " AS event_id FROM share;\n";

/*
 * The correlation's access paths (see correlate.c), as they are now.  A
 * first load builds them after its rows (schema_defer_indexes): one sort
 * at the end is faster than a b-tree insert per row, and packs the pages.
 */
static const struct {
	const char *name;
	const char *sql;
} indexes[] = {
	{"fill_key_node_ts",
	 "CREATE INDEX IF NOT EXISTS fill_key_node_ts ON fill(key, node, ts)"},
	{"fill_frame_ts",
	 "CREATE INDEX IF NOT EXISTS fill_frame_ts ON fill(frame, ts)"
	 " WHERE frame IS NOT NULL"},
	{"removal_key_node_ts",
	 "CREATE INDEX IF NOT EXISTS removal_key_node_ts"
	 " ON removal(key, node, ts)"},
	{"binding_device_bound_ts",
	 "CREATE INDEX IF NOT EXISTS binding_device_bound_ts"
	 " ON binding(device, bound, ts)"},
	{"share_account_device_ts",
	 "CREATE INDEX IF NOT EXISTS share_account_device_ts"
	 " ON share(account, device, ts)"},
	/*
	 * Schema 5: the serves of a frame, which a new fill of that frame
	 * can give another verdict at any time (verdict.c).  Empty where
	 * the relays log no frame ids.
	 */
	{"serve_frame",
	 "CREATE INDEX IF NOT EXISTS serve_frame ON serve(frame)"
	 " WHERE frame IS NOT NULL"},
};

/* Whether index i exists: 1, 0, or -1 (reported). */
static int has_index(struct store *st, size_t i)
{
	static const char sql[] =
		"SELECT 1 FROM sqlite_schema WHERE type = 'index' AND name = ?1";
	sqlite3_stmt *stmt = store_prepare(st, sql);
	int rc;

	if (!stmt)
		return -1;
	sqlite3_bind_text(stmt, 1, indexes[i].name, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	sqlite3_reset(stmt);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		store_error(st, "looking for an index");
		return -1;
	}
	return rc == SQLITE_ROW;
}

int schema_missing_indexes(struct store *st)
{
	size_t i;
	int missing = 0, rc;

	for (i = 0; i < ARRAY_SIZE(indexes); i++) {
		if ((rc = has_index(st, i)) < 0)
			return -1;
		missing += !rc;
	}
	return missing;
}

int schema_create_indexes(struct store *st)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(indexes); i++)
		if (store_exec(st, indexes[i].sql, "building an index"))
			return -1;
	return 0;
}

/*
 * What the stored verdicts were judged with: the text of the rules and
 * the skew.  A camaudit whose rules differ (an upgrade that changes them)
 * sees another stamp and judges every serve again, once.
 */
static const char *rules_stamp(void)
{
	static char stamp[48];

	if (!stamp[0])
		snprintf(stamp, sizeof(stamp), "%016llx/%d", (unsigned long long)
			 fnv1a64(CORRELATE_ALL_SELECT, strlen(CORRELATE_ALL_SELECT)),
			 CORRELATE_SKEW_MS);
	return stamp;
}

static int set_stamp(struct store *st, const char *stamp)
{
	static const char sql[] =
		"INSERT OR REPLACE INTO main.setting (name, value)"
		" VALUES ('verdict_rules', ?1)";
	sqlite3_stmt *stmt = store_prepare(st, sql);

	if (!stmt)
		return -1;
	sqlite3_bind_text(stmt, 1, stamp, -1, SQLITE_STATIC);
	return store_step_done(st, stmt, "stamping the verdicts");
}

int schema_stamp_verdicts(struct store *st)
{
	return set_stamp(st, rules_stamp());
}

int schema_mark_stale(struct store *st)
{
	return set_stamp(st, "stale");
}

int schema_verdicts_current(struct store *st)
{
	static const char sql[] =
		"SELECT value = ?1 FROM main.setting WHERE name = 'verdict_rules'";
	sqlite3_stmt *stmt = store_prepare(st, sql);
	int rc, current = 0;

	if (!stmt)
		return -1;
	sqlite3_bind_text(stmt, 1, rules_stamp(), -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		current = sqlite3_column_int(stmt, 0);
	sqlite3_reset(stmt);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		store_error(st, "reading the verdicts' stamp");
		return -1;
	}
	return current;
}

int schema_defer_indexes(struct store *st)
{
	static const char empty_sql[] =
		"SELECT NOT EXISTS (SELECT 1 FROM serve) AND NOT EXISTS"
		" (SELECT 1 FROM fill) AND NOT EXISTS (SELECT 1 FROM removal)";
	sqlite3_stmt *stmt;
	size_t i;
	int empty, rc;

	if (store_begin(st))
		return -1;
	if (!(stmt = store_prepare(st, empty_sql)))
		goto fail;
	rc = sqlite3_step(stmt);
	empty = rc == SQLITE_ROW && sqlite3_column_int(stmt, 0);
	sqlite3_reset(stmt);
	if (rc != SQLITE_ROW) {
		store_error(st, "looking at the store");
		goto fail;
	}
	/* The verdicts too are judged once, after the rows (verdict.h). */
	if (empty && schema_mark_stale(st))
		goto fail;
	/*
	 * Ingest into a store that has rows inserts into its frame and key
	 * indexes at random places: with 16 MiB of page cache, the dirty
	 * pages of a store of 47 hours were spilled to the WAL and written
	 * again (108,000 writes for an hour against 79,000 with 32 MiB;
	 * bench/hourly).  A first load builds its indexes by sorting, and
	 * SQLite's sorter takes as much memory as the page cache: it keeps
	 * 16 MiB, within issue 8's 64 MiB of peak RSS.
	 */
	if (!empty && store_exec(st, "PRAGMA cache_size = -32768",
				 "setting the page cache"))
		goto fail;
	for (i = 0; empty && i < ARRAY_SIZE(indexes); i++) {
		char sql[96];

		snprintf(sql, sizeof(sql), "DROP INDEX IF EXISTS %s", indexes[i].name);
		if (store_exec(st, sql, "deferring an index"))
			goto fail;
	}
	return store_commit(st);
fail:
	store_rollback(st);
	return -1;
}

/* The views that run the rules, as the rules and tables are now. */
static int create_rule_views(struct store *st, const char *what)
{
	char *verdicts = verdicts_view();
	int rc = store_exec(st, verdicts, what) ||
		 store_exec(st, findings_view, what);

	free(verdicts);
	return rc ? -1 : 0;
}

static int migrate_v2(struct store *st)
{
	/* Version 3 drops its rule views and makes them again. */
	return store_exec(st, schema_v2, "adding schema version 2") ||
			create_rule_views(st, "adding schema version 2") ? -1 : 0;
}

/* A migration that rebuilds tables, then their indexes and rule views. */
static int migrate_rebuilding(struct store *st, const char *sql,
			      const char *what)
{
	int rc;

	/* Renaming a table must not rewrite or check the views over it. */
	if (store_exec(st, "PRAGMA legacy_alter_table = ON", what))
		return -1;
	rc = store_exec(st, sql, what) || schema_create_indexes(st) ||
	     create_rule_views(st, what);
	if (store_exec(st, "PRAGMA legacy_alter_table = OFF", what))
		return -1;
	return rc ? -1 : 0;
}

static int migrate_v3(struct store *st)
{
	return migrate_rebuilding(st, schema_v3, "adding schema version 3");
}

static int migrate_v4(struct store *st)
{
	return migrate_rebuilding(st, schema_v4, "adding schema version 4");
}

/* The verdicts are judged once the store is open (store_open.c). */
static int migrate_v5(struct store *st)
{
	const char *what = "adding schema version 5";

	return store_exec(st, schema_v5, what) ||
			store_exec(st, findings_view, what) ||
			schema_mark_stale(st) ? -1 : 0;
}

/*
 * The fingerprints of the sources ingested before version 6, from their
 * heads; a header longer than a head leaves it NULL until the source is
 * read again (ingest records it then).
 */
static int fingerprint_heads(struct store *st)
{
	sqlite3_stmt *select = store_prepare(st,
		"SELECT id, head FROM source WHERE fingerprint IS NULL");
	sqlite3_stmt *update = store_prepare(st,
		"UPDATE source SET fingerprint = ?2 WHERE id = ?1");
	int rc;

	if (!select || !update)
		return -1;
	while ((rc = sqlite3_step(select)) == SQLITE_ROW) {
		struct fingerprint fp;
		uint64_t value;

		fingerprint_init(&fp);
		fingerprint_update(&fp, sqlite3_column_blob(select, 1),
				   (size_t)sqlite3_column_bytes(select, 1));
		if (!fingerprint_value(&fp, &value))
			continue;
		sqlite3_bind_int64(update, 1, sqlite3_column_int64(select, 0));
		sqlite3_bind_int64(update, 2, (sqlite3_int64)value);
		if (store_step_done(st, update, "recording a fingerprint")) {
			sqlite3_reset(select);
			return -1;
		}
	}
	sqlite3_reset(select);
	if (rc != SQLITE_DONE) {
		store_error(st, "reading the sources");
		return -1;
	}
	return 0;
}

static int migrate_v6(struct store *st)
{
	return store_exec(st, schema_v6, "adding schema version 6") ||
	       fingerprint_heads(st) ? -1 : 0;
}

static int migrate_v1(struct store *st)
{
	return store_exec(st, schema_v1, "creating the schema");
}

/* migrations[n] takes a database from version n to n + 1. */
static int (*const migrations[])(struct store *st) = {
	migrate_v1,
	migrate_v2,
	migrate_v3,
	migrate_v4,
	migrate_v5,
	migrate_v6,
};

int schema_latest(void)
{
	return (int)ARRAY_SIZE(migrations);
}

static int user_version(struct store *st, int *version)
{
	sqlite3_stmt *stmt;
	int rc;

	if (store_prepare_once(st, "PRAGMA user_version", &stmt, NULL,
			       "reading the schema version"))
		return -1;
	rc = sqlite3_step(stmt);
	*version = rc == SQLITE_ROW ? sqlite3_column_int(stmt, 0) : 0;
	sqlite3_finalize(stmt);
	if (rc != SQLITE_ROW) {
		store_error(st, "reading the schema version");
		return -1;
	}
	return 0;
}

/* Whether the database holds any table (a database of something else). */
static int has_tables(struct store *st)
{
	sqlite3_stmt *stmt;
	int found = 0;

	if (store_prepare_once(st, "SELECT 1 FROM sqlite_schema LIMIT 1", &stmt,
			       NULL, "reading the schema") == 0) {
		found = sqlite3_step(stmt) == SQLITE_ROW;
		sqlite3_finalize(stmt);
	}
	return found;
}

int schema_prepare(struct store *st, int read_only)
{
	int version, from, latest = schema_latest();
	char pragma[64];

	if (user_version(st, &version))
		return -1;
	/* The file chooses the number: it indexes migrations[] only in range. */
	if (version < 0) {
		error("database %s: damaged or not a camaudit database (schema "
		      "version %d)", store_path(st), version);
		return -1;
	}
	if (version > latest) {
		error("database %s: written by a newer camaudit (schema %d, this "
		      "camaudit knows %d); upgrade camaudit", store_path(st),
		      version, latest);
		return -1;
	}
	if (version == latest)
		return 0;
	if (read_only && version == 0) {
		error("database %s: not a camaudit database (no camaudit schema)",
		      store_path(st));
		return -1;
	}
	if (read_only)
		return SCHEMA_OUTDATED;
	if (store_read_only(st)) {
		error("database %s: written by an older camaudit (schema %d, this "
		      "camaudit needs %d) and not writable here; run camaudit "
		      "once as a user who may write it, to upgrade it",
		      store_path(st), version, latest);
		return -1;
	}
	if (store_exec(st, "BEGIN IMMEDIATE", "updating the schema"))
		return -1;
	/* Another process may have migrated it while we waited for the lock. */
	if (user_version(st, &version))
		goto fail;
	from = version;
	if (version < 0 || version > latest) {
		error("database %s: its schema version changed to %d while it was "
		      "being opened; nothing was changed", store_path(st), version);
		goto fail;
	}
	if (version == 0 && has_tables(st)) {
		error("database %s: not a camaudit database (it holds other "
		      "tables); give camaudit a database of its own with --db",
		      store_path(st));
		goto fail;
	}
	for (; version < latest; version++)
		if (migrations[version](st))
			goto fail;
	snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", latest);
	if (store_exec(st, pragma, "updating the schema") ||
	    store_exec(st, "COMMIT", "updating the schema"))
		goto fail;
	if (from > 0 && from < latest) /* not when another run just made it */
		warning("database %s: upgraded from schema %d to %d",
			store_path(st), from, latest);
	return 0;
fail:
	store_rollback(st);
	return -1;
}
