/*
 * Unit tests of the schema's migrations (src/schema.c, included to reach
 * its list of migrations): a store at every older version, empty or with
 * rows, is brought to the latest with a fresh store's tables, rows and
 * verdicts; a version this camaudit cannot know is refused, unchanged.
 */
#include "config.h"

#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../src/schema.c"
#include "fingerprint.h"
#include "logfmt.h"
#include "source.h"
#include "store_open.h"
#include "verdict.h"

struct fixture {
	char dir[64];
	char fresh[128]; /* the rows below, stored by this camaudit */
	char old[128];   /* the store under test */
	char err[128];   /* what the store said on stderr */
};

/* ---- Helpers -------------------------------------------------------------- */

static void remove_store(const char *path)
{
	static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
	char name[160];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(suffixes); i++) {
		snprintf(name, sizeof(name), "%s%s", path, suffixes[i]);
		unlink(name);
	}
}

/* Run sql on path with a connection of its own (not the store's). */
static void raw_exec(const char *path, const char *sql)
{
	sqlite3 *db;
	char *message = NULL;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	if (sqlite3_exec(db, sql, NULL, NULL, &message) != SQLITE_OK)
		fail_msg("%s: %s", path, message);
	sqlite3_close(db);
}

static int64_t raw_int(const char *path, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *stmt;
	int64_t v;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
	v = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	sqlite3_close(db);
	return v;
}

static int64_t store_int(struct store *st, const char *sql)
{
	sqlite3_stmt *stmt = store_prepare(st, sql);
	int64_t v;

	assert_non_null(stmt);
	assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
	v = sqlite3_column_int64(stmt, 0);
	sqlite3_reset(stmt);
	return v;
}

/*
 * The same for a query written at run time: store_prepare() keeps a
 * statement by its text's address, which a buffer reused would alias.
 */
static int64_t store_int_of(struct store *st, const char *sql)
{
	char *insert;
	size_t size = strlen(sql) + 64;

	assert_int_equal(store_exec(st, "CREATE TEMP TABLE IF NOT EXISTS answer (v);"
				    " DELETE FROM temp.answer", "asking"), 0);
	insert = malloc(size);
	snprintf(insert, size, "INSERT INTO temp.answer %s", sql);
	assert_int_equal(store_exec(st, insert, "asking"), 0);
	free(insert);
	return store_int(st, "SELECT v FROM temp.answer");
}

/* Open path as a command would, keeping what it says on stderr in fx->err. */
static struct store *open_capturing(struct fixture *fx, const char *path,
				    enum store_mode mode, char *said, size_t size)
{
	int saved = dup(2);
	FILE *err = fopen(fx->err, "w+");
	struct store *st;
	size_t n;

	assert_true(saved >= 0);
	assert_non_null(err);
	fflush(stderr);
	assert_true(dup2(fileno(err), 2) >= 0);
	st = store_open(path, mode, NULL);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(err);
	n = fread(said, 1, size - 1, err);
	said[n] = '\0';
	fclose(err);
	return st;
}

/* ---- The rows: three logs, as ingest stores them -------------------------- */

static const char *const relay_lines[] = {
	"ts=2019-12-26T08:00:01.250Z req=r-01 account=acct-1 device=cam-1 "
	"key=still/cam-1/hd node=cache-1 relay=relay-a cache=MISS status=200",
	/* Another tenant's frame, twice under one request id (relays reuse them). */
	"ts=2019-12-26T08:14:03.000Z req=r-03 account=acct-2 device=cam-2 "
	"key=still/low node=cache-2 relay=relay-b cache=HIT status=200 frame=f-2",
	"ts=2019-12-26T08:14:02.000Z req=r-03 account=acct-2 device=cam-2 "
	"key=still/low node=cache-2 relay=relay-a cache=HIT status=200",
	"ts=2019-12-26T08:30:00.000Z req=r-04 account=acct-9 device=cam-9 "
	"key=still/cam-9/hd node=cache-1 relay=relay-a cache=HIT status=200",
	NULL,
};
static const char *const cache_lines[] = {
	"ts=2019-12-26T08:00:00.000Z op=fill node=cache-1 key=still/cam-1/hd "
	"device=cam-1 frame=f-1 ttl_ms=60000 gen=41",
	"ts=2019-12-26T08:14:00.000Z op=fill node=cache-2 key=still/low "
	"device=cam-1 frame=f-2 ttl_ms=60000 gen=42",
	"ts=2019-12-26T08:20:00.000Z op=evict node=cache-2 key=still/low",
	NULL,
};
static const char *const registry_lines[] = {
	"ts=2019-12-01T00:00:00Z op=bind device=cam-1 account=acct-1",
	"ts=2019-12-01T00:00:00Z op=bind device=cam-2 account=acct-2",
	"ts=2019-12-02T00:00:00Z op=share device=cam-1 account=acct-3",
	NULL,
};

/* One log into st as ingest would leave it; a line that does not parse is rejected. */
static void store_log(struct store *st, const char *name,
		      const char *const *lines, int64_t *id)
{
	struct source src = {0};
	struct fingerprint fp;
	size_t i;

	for (i = 0; lines[i]; i++) {
		size_t len = strlen(lines[i]);

		assert_true(src.head_len + len + 1 <= SOURCE_HEAD_MAX);
		memcpy(src.head + src.head_len, lines[i], len);
		src.head[src.head_len + len] = '\n';
		src.head_len += len + 1;
	}
	assert_int_equal(source_create(st, name, &src), 0);
	for (i = 0; lines[i]; i++) {
		char *copy = strdup(lines[i]);
		struct event ev;

		assert_int_equal(logfmt_parse_line(copy, strlen(copy), &ev), 0);
		assert_int_equal(store_insert_event(st, src.id, i + 1, &ev), 0);
		free(copy);
	}
	assert_int_equal(store_insert_reject(st, src.id, i + 1, "no ts"), 0);
	src.lines = i + 1;
	src.bytes = src.head_len + 8;
	src.crc = 0x1234;
	fingerprint_init(&fp);
	fingerprint_update(&fp, src.head, src.head_len);
	src.has_fingerprint = fingerprint_value(&fp, &src.fingerprint);
	assert_true(src.has_fingerprint);
	assert_int_equal(source_save(st, &src, NULL, 0, NULL), 0);
	*id = src.id;
}

static int64_t relay_id;

static void build_fresh(const char *path)
{
	struct store *st = store_open(path, STORE_WRITE, NULL);
	int64_t cache_id, registry_id;

	assert_non_null(st);
	assert_int_equal(store_begin(st), 0);
	store_log(st, "registry.log", registry_lines, &registry_id);
	store_log(st, "cache.log", cache_lines, &cache_id);
	store_log(st, "relay.log", relay_lines, &relay_id);
	assert_int_equal(schema_mark_stale(st), 0);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(verdict_finish_load(st), 0);
	/* Not a test of nothing: the rows hold findings. */
	assert_true(store_int(st, "SELECT count(*) FROM verdict WHERE type <> 'ok'") > 0);
	store_close(st);
}

/* ---- A store at an older version, made by the migrations up to it -------- */

static void drop_everything(struct store *st)
{
	static const char sql[] =
		"SELECT type, name FROM sqlite_schema WHERE type IN ('view', 'table')"
		" AND name NOT LIKE 'sqlite_%' ORDER BY type = 'table'";
	sqlite3_stmt *stmt = store_prepare(st, sql);
	char **drops = NULL;
	size_t n = 0, i;

	assert_non_null(stmt);
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		char drop[128];

		snprintf(drop, sizeof(drop), "DROP %s %s",
			 !strcmp((const char *)sqlite3_column_text(stmt, 0), "view")
			 ? "VIEW" : "TABLE", sqlite3_column_text(stmt, 1));
		drops = realloc(drops, (n + 1) * sizeof(*drops));
		drops[n++] = strdup(drop);
	}
	sqlite3_reset(stmt);
	assert_true(n > 0);
	for (i = 0; i < n; i++) {
		assert_int_equal(store_exec(st, drops[i], "dropping"), 0);
		free(drops[i]);
	}
	free(drops);
	assert_int_equal(store_exec(st, "PRAGMA user_version = 0", "resetting"), 0);
}

/* The fresh store's rows as schema 1 kept them (frames as atoms, no ids). */
static const char copy_v1[] =
	"INSERT INTO atom SELECT id, text FROM fresh.atom;\n"
	"INSERT OR IGNORE INTO atom (text) SELECT frame FROM fresh.serve\n"
	"  WHERE frame IS NOT NULL UNION SELECT frame FROM fresh.fill\n"
	"  WHERE frame IS NOT NULL;\n"
	"INSERT INTO source (id, name, head, lines, bytes, crc, tail_bytes,\n"
	"  tail_crc, events, rejected, compressed, damaged, first_ingested_at,\n"
	"  last_ingested_at) SELECT id, name, head, lines, bytes, crc, tail_bytes,\n"
	"  tail_crc, events, rejected, compressed, damaged, first_ingested_at,\n"
	"  last_ingested_at FROM fresh.source;\n"
	"INSERT INTO serve (source, line, ts, account, key, device, frame, node,\n"
	"  relay, cache, req, status) SELECT source, line, ts, account, key,\n"
	"  device, (SELECT id FROM main.atom WHERE text = s.frame), node, relay,\n"
	"  cache, req, status FROM fresh.serve s;\n"
	"INSERT INTO fill (source, line, ts, node, key, device, frame, ttl_ms, gen)\n"
	"  SELECT source, line, ts, node, key, device,\n"
	"  (SELECT id FROM main.atom WHERE text = f.frame), ttl_ms, gen\n"
	"  FROM fresh.fill f;\n"
	"INSERT INTO removal (source, line, ts, node, key, op)\n"
	"  SELECT source, line, ts, node, key, op FROM fresh.removal;\n"
	"INSERT INTO binding (source, line, ts, device, account, bound)\n"
	"  SELECT source, line, ts, device, account, bound FROM fresh.binding;\n"
	"INSERT INTO share (source, line, ts, device, account, granted)\n"
	"  SELECT source, line, ts, device, account, granted FROM fresh.share;\n"
	"INSERT INTO reject SELECT source, line, reason FROM fresh.reject;\n";

/*
 * A store at version (1 to the latest but one), written by this
 * camaudit's own migrations up to it; with rows, the fresh store's rows
 * in that version's tables and two findings that audit --new reported,
 * as schemas 2 to 4 recorded them: by request id and by line.
 */
static void build_old(struct fixture *fx, int version, int rows)
{
	struct store *st;
	char sql[512];
	int v;

	remove_store(fx->old);
	st = store_open(fx->old, STORE_WRITE, NULL);
	assert_non_null(st);
	drop_everything(st);
	if (rows) {
		snprintf(sql, sizeof(sql), "ATTACH '%s' AS fresh", fx->fresh);
		assert_int_equal(store_exec(st, sql, "attaching"), 0);
	}
	assert_int_equal(store_exec(st, "BEGIN IMMEDIATE", "building"), 0);
	for (v = 0; v < version; v++) {
		assert_int_equal(migrations[v](st), 0);
		if (rows && v == 0)
			assert_int_equal(store_exec(st, copy_v1, "copying"), 0);
		if (rows && v == 1) {
			snprintf(sql, sizeof(sql),
				 "INSERT INTO reported VALUES ('device_mismatch', "
				 "'req:r-03', 1111), ('unknown_owner', 'line:%lld:4', "
				 "2222)", (long long)relay_id);
			assert_int_equal(store_exec(st, sql, "reporting"), 0);
		}
	}
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", version);
	assert_int_equal(store_exec(st, sql, "setting the version"), 0);
	assert_int_equal(store_exec(st, "COMMIT", "building"), 0);
	if (rows)
		assert_int_equal(store_exec(st, "DETACH fresh", "detaching"), 0);
	store_close(st);
	assert_int_equal(raw_int(fx->old, "PRAGMA user_version"), version);
}

/*
 * Build a store at version (with rows or not) and open it as a command
 * would, which upgrades it; what it said goes to said.
 */
static struct store *upgrade(struct fixture *fx, int version, int rows,
			     char *said, size_t size)
{
	struct store *st;

	build_old(fx, version, rows);
	st = open_capturing(fx, fx->old, STORE_WRITE, said, size);
	assert_non_null(st);
	return st;
}

/* ---- Comparing a store with the fresh one -------------------------------- */

/* Rows of `what` in one store and not the other, both ways. */
static int64_t differing(struct store *st, const char *what)
{
	char sql[512];

	snprintf(sql, sizeof(sql),
		 "SELECT (SELECT count(*) FROM (SELECT * FROM main.%s EXCEPT"
		 " SELECT * FROM fresh.%s)) + (SELECT count(*) FROM (SELECT *"
		 " FROM fresh.%s EXCEPT SELECT * FROM main.%s))",
		 what, what, what, what);
	return store_int_of(st, sql);
}

static void attach_fresh(struct fixture *fx, struct store *st)
{
	char sql[256];

	snprintf(sql, sizeof(sql), "ATTACH '%s' AS fresh", fx->fresh);
	assert_int_equal(store_exec(st, sql, "attaching"), 0);
}

/* The tables, indexes, views and triggers are the fresh store's, to the letter. */
static void assert_latest_schema(struct store *st)
{
	assert_int_equal(store_int(st, "PRAGMA main.user_version"), schema_latest());
	assert_int_equal(store_int(st,
		"SELECT count(*) FROM (SELECT type, name, tbl_name, sql FROM"
		" main.sqlite_schema EXCEPT SELECT type, name, tbl_name, sql FROM"
		" fresh.sqlite_schema)"), 0);
	assert_int_equal(store_int(st,
		"SELECT count(*) FROM (SELECT type, name, tbl_name, sql FROM"
		" fresh.sqlite_schema EXCEPT SELECT type, name, tbl_name, sql FROM"
		" main.sqlite_schema)"), 0);
	assert_int_equal(schema_missing_indexes(st), 0);
}

/* The verdicts stored are those that judging every serve again gives. */
static void assert_verdicts_as_judged_afresh(struct store *st)
{
	uint64_t checked, differences;

	assert_int_equal(store_begin(st), 0);
	assert_int_equal(verdict_check(st, 0, NULL, NULL, &checked, &differences), 0);
	store_rollback(st);
	assert_int_equal(differences, 0);
	assert_int_equal(checked, store_int(st, "SELECT count(*) FROM main.verdict"));
}

/* ---- Fixture -------------------------------------------------------------- */

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	const char *tmp = getenv("TMPDIR");

	snprintf(fx->dir, sizeof(fx->dir), "%s/test_schema.XXXXXX",
		 tmp && *tmp && strlen(tmp) < 32 ? tmp : "/tmp");
	assert_non_null(mkdtemp(fx->dir));
	snprintf(fx->fresh, sizeof(fx->fresh), "%s/fresh.db", fx->dir);
	snprintf(fx->old, sizeof(fx->old), "%s/old.db", fx->dir);
	snprintf(fx->err, sizeof(fx->err), "%s/stderr", fx->dir);
	build_fresh(fx->fresh);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	remove_store(fx->fresh);
	remove_store(fx->old);
	unlink(fx->err);
	rmdir(fx->dir);
	free(fx);
	return 0;
}

/* ---- Upgrades -------------------------------------------------------------- */

static void test_an_empty_store_of_every_older_version_is_upgraded(void **state)
{
	struct fixture *fx = *state;
	char said[512], expected[256];
	int version;

	for (version = 1; version < schema_latest(); version++) {
		struct store *st;

		st = upgrade(fx, version, 0, said, sizeof(said));
		snprintf(expected, sizeof(expected), "camaudit: warning: database "
			 "%s: upgraded from schema %d to %d\n", fx->old, version,
			 schema_latest());
		assert_string_equal(said, expected);
		attach_fresh(fx, st);
		assert_latest_schema(st);
		assert_int_equal(store_int(st, "SELECT count(*) FROM serve"), 0);
		store_close(st);
	}
}

static void test_a_store_with_rows_keeps_them_through_every_upgrade(void **state)
{
	struct fixture *fx = *state;
	static const char *const tables[] = {
		"source", "serve", "fill", "removal", "binding", "share", "reject",
		"verdict", "node_hour", "setting",
	};
	char said[512];
	int version;
	size_t i;

	for (version = 1; version < schema_latest(); version++) {
		struct store *st;

		st = upgrade(fx, version, 1, said, sizeof(said));
		assert_non_null(strstr(said, "upgraded from schema"));
		attach_fresh(fx, st);
		assert_latest_schema(st);
		for (i = 0; i < ARRAY_SIZE(tables); i++) {
			if (differing(st, tables[i]) != 0)
				fail_msg("from schema %d: table %s differs from a "
					 "fresh store's", version, tables[i]);
		}
		assert_int_equal(store_int(st, "SELECT count(*) FROM serve"), 4);
		/* Every string a fresh store knows, by the same id. */
		assert_int_equal(store_int(st, "SELECT count(*) FROM (SELECT * FROM"
					   " fresh.atom EXCEPT SELECT * FROM main.atom)"), 0);
		assert_verdicts_as_judged_afresh(st);
		store_close(st);
	}
}

/*
 * What audit --new reported by request id goes to the earliest serve with
 * it (the one printed then), what it reported by line to that line.
 */
static void test_reported_findings_are_kept_by_their_serve(void **state)
{
	struct fixture *fx = *state;
	char said[512], sql[256];
	int version;

	for (version = 2; version < schema_latest(); version++) {
		struct store *st;

		st = upgrade(fx, version, 1, said, sizeof(said));
		assert_int_equal(store_int(st, "SELECT count(*) FROM reported"), 2);
		/* r-03's serves are lines 2 and 3; line 3 is the earlier. */
		snprintf(sql, sizeof(sql), "SELECT reported_at FROM reported WHERE"
			 " serve = %lld AND type = 'device_mismatch'",
			 (long long)EVENT_ID(relay_id, 3));
		assert_int_equal(store_int_of(st, sql), 1111);
		snprintf(sql, sizeof(sql), "SELECT reported_at FROM reported WHERE"
			 " serve = %lld AND type = 'unknown_owner'",
			 (long long)EVENT_ID(relay_id, 4));
		assert_int_equal(store_int_of(st, sql), 2222);
		store_close(st);
	}
}

/* A read-only command on an older store upgrades it too: its queries know only the latest. */
static void test_an_older_store_opened_for_reading_is_upgraded(void **state)
{
	struct fixture *fx = *state;
	char said[512];
	struct store *st;

	build_old(fx, 3, 1);
	st = open_capturing(fx, fx->old, STORE_READ, said, sizeof(said));
	assert_non_null(st);
	assert_non_null(strstr(said, "upgraded from schema 3 to"));
	store_close(st);
	assert_int_equal(raw_int(fx->old, "PRAGMA user_version"), schema_latest());
	assert_int_equal(raw_int(fx->old, "SELECT count(*) FROM serve"), 4);
}

/* Stores that older camaudits wrote (tests/data), not this one's migrations. */
static void test_stores_written_by_older_camaudits_are_upgraded(void **state)
{
	struct fixture *fx = *state;
	static const struct {
		const char *file;
		int version;
	} dumps[] = {
		{"store-v2.sql", 2},
		{"store-v4.sql", 4},
		{"store-v5.sql", 5},
	};
	static const char *const tables[] = {"source", "serve", "fill", "removal",
					     "binding", "share", "reject"};
	const char *srcdir = getenv("srcdir");
	size_t d, i;

	for (d = 0; d < ARRAY_SIZE(dumps); d++) {
		char path[512], said[512], *text;
		int64_t counts[ARRAY_SIZE(tables)];
		struct store *st;
		FILE *fp;
		long size;

		snprintf(path, sizeof(path), "%s/tests/data/%s",
			 srcdir && *srcdir ? srcdir : ".", dumps[d].file);
		fp = fopen(path, "r");
		if (!fp)
			fail_msg("cannot read %s (is $srcdir set?)", path);
		assert_int_equal(fseek(fp, 0, SEEK_END), 0);
		size = ftell(fp);
		rewind(fp);
		text = calloc(1, (size_t)size + 1);
		assert_int_equal(fread(text, 1, (size_t)size, fp), (size_t)size);
		fclose(fp);
		remove_store(fx->old);
		raw_exec(fx->old, text);
		free(text);
		assert_int_equal(raw_int(fx->old, "PRAGMA user_version"),
				 dumps[d].version);
		for (i = 0; i < ARRAY_SIZE(tables); i++) {
			char sql[64];

			snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", tables[i]);
			counts[i] = raw_int(fx->old, sql);
		}
		assert_true(counts[1] > 0);

		st = open_capturing(fx, fx->old, STORE_WRITE, said, sizeof(said));
		assert_non_null(st);
		assert_non_null(strstr(said, "upgraded from schema"));
		attach_fresh(fx, st);
		assert_latest_schema(st);
		for (i = 0; i < ARRAY_SIZE(tables); i++) {
			char sql[64];

			snprintf(sql, sizeof(sql), "SELECT count(*) FROM main.%s",
				 tables[i]);
			if (store_int_of(st, sql) != counts[i])
				fail_msg("%s: table %s lost or gained rows",
					 dumps[d].file, tables[i]);
		}
		/* Every source has its fingerprint, so every event its id. */
		assert_int_equal(store_int(st, "SELECT count(*) FROM main.source"
					   " WHERE fingerprint IS NULL"), 0);
		store_close(st);
		/* The next command finds the verdicts of the rules it has. */
		st = store_open(fx->old, STORE_WRITE, NULL);
		assert_non_null(st);
		assert_int_equal(schema_verdicts_current(st), 1);
		assert_true(store_int(st, "SELECT count(*) FROM main.verdict"
				      " WHERE type <> 'ok'") > 0);
		assert_verdicts_as_judged_afresh(st);
		store_close(st);
	}
}

/* ---- A first load ------------------------------------------------------------ */

static int64_t raw_index_count(const char *path)
{
	return raw_int(path, "SELECT count(*) FROM sqlite_schema WHERE type = 'index'"
		       " AND name IN ('fill_key_node_ts', 'fill_frame_ts',"
		       " 'removal_key_node_ts', 'binding_device_bound_ts',"
		       " 'share_account_device_ts', 'serve_frame')");
}

/*
 * A first load defers the indexes and verdicts; one stopped before it
 * built them leaves them to the next command, even one that only reads.
 */
static void test_a_stopped_first_load_is_finished_by_the_next_reader(void **state)
{
	struct fixture *fx = *state;
	int64_t registry_id, cache_id, id;
	char said[512];
	struct store *st;

	remove_store(fx->old);
	st = store_open(fx->old, STORE_WRITE, NULL);
	assert_non_null(st);
	assert_int_equal(schema_defer_indexes(st), 0);
	assert_int_equal(schema_missing_indexes(st), (int)ARRAY_SIZE(indexes));
	assert_int_equal(schema_verdicts_current(st), 0);
	assert_int_equal(store_begin(st), 0);
	store_log(st, "registry.log", registry_lines, &registry_id);
	store_log(st, "cache.log", cache_lines, &cache_id);
	store_log(st, "relay.log", relay_lines, &id);
	assert_int_equal(store_commit(st), 0);
	store_close(st); /* stopped here: no verdict_finish_load() */
	assert_int_equal(raw_index_count(fx->old), 0);
	assert_int_equal(raw_int(fx->old, "SELECT count(*) FROM verdict"), 0);

	st = open_capturing(fx, fx->old, STORE_READ, said, sizeof(said));
	assert_non_null(st);
	assert_string_equal(said, "");
	assert_int_equal(schema_missing_indexes(st), 0);
	assert_int_equal(schema_verdicts_current(st), 1);
	attach_fresh(fx, st);
	assert_int_equal(differing(st, "verdict"), 0);
	assert_int_equal(differing(st, "node_hour"), 0);
	store_close(st);
	assert_int_equal(raw_index_count(fx->old), (int64_t)ARRAY_SIZE(indexes));
}

/*
 * An upgrade commits the new schema, then judges every serve
 * (store_open.c): one stopped between the two leaves the verdicts to the
 * next command, even one that only reads, as a stopped first load does.
 */
static void test_an_upgrade_stopped_before_judging_is_finished_next(void **state)
{
	struct fixture *fx = *state;
	char said[512];
	struct store *st;

	build_old(fx, 4, 1);
	st = store_connect(fx->old, STORE_UPDATE, STORE_WAIT_MS, NULL);
	assert_non_null(st);
	assert_int_equal(schema_prepare(st, 0), 0); /* the migrations alone */
	assert_int_equal(schema_verdicts_current(st), 0);
	store_close(st); /* stopped here: no verdict_finish_load() */
	assert_int_equal(raw_int(fx->old, "PRAGMA user_version"), schema_latest());
	assert_int_equal(raw_int(fx->old, "SELECT count(*) FROM verdict"), 0);

	st = open_capturing(fx, fx->old, STORE_READ, said, sizeof(said));
	assert_non_null(st);
	assert_string_equal(said, "");
	assert_int_equal(schema_verdicts_current(st), 1);
	attach_fresh(fx, st);
	assert_int_equal(differing(st, "verdict"), 0);
	assert_int_equal(differing(st, "node_hour"), 0);
	store_close(st);
}

/* A store that holds rows keeps its indexes and verdicts through a load. */
static void test_a_load_into_a_store_with_rows_defers_nothing(void **state)
{
	struct fixture *fx = *state;
	struct store *st = store_open(fx->fresh, STORE_WRITE, NULL);

	assert_non_null(st);
	assert_int_equal(schema_defer_indexes(st), 0);
	assert_int_equal(schema_missing_indexes(st), 0);
	assert_int_equal(schema_verdicts_current(st), 1);
	store_close(st);
}

/* ---- Refusals -------------------------------------------------------------- */

/* A file with only a user_version: what a damaged or foreign header says. */
static void make_versioned_file(struct fixture *fx, int64_t version)
{
	char sql[64];

	remove_store(fx->old);
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %lld", (long long)version);
	raw_exec(fx->old, sql);
	assert_int_equal(raw_int(fx->old, "PRAGMA user_version"), version);
}

static void assert_refused_unchanged(struct fixture *fx, int64_t version,
				     enum store_mode mode, const char *why)
{
	char said[512];
	struct store *st;

	st = open_capturing(fx, fx->old, mode, said, sizeof(said));
	if (st)
		fail_msg("schema %lld was opened (mode %d)", (long long)version, mode);
	if (!strstr(said, why))
		fail_msg("schema %lld, mode %d: expected \"%s\" in \"%s\"",
			 (long long)version, mode, why, said);
	assert_non_null(strstr(said, fx->old));
	/* One line, one error. */
	assert_non_null(strchr(said, '\n'));
	assert_int_equal(strchr(said, '\n')[1], '\0');
	assert_int_equal(raw_int(fx->old, "PRAGMA user_version"), version);
	assert_int_equal(raw_int(fx->old, "SELECT count(*) FROM sqlite_schema"), 0);
}

static void test_a_negative_version_is_refused_as_damaged(void **state)
{
	struct fixture *fx = *state;
	static const int64_t versions[] = {-1, -2, INT_MIN};
	static const enum store_mode modes[] = {STORE_WRITE, STORE_UPDATE, STORE_READ};
	size_t v, m;

	for (v = 0; v < ARRAY_SIZE(versions); v++) {
		for (m = 0; m < ARRAY_SIZE(modes); m++) {
			char why[128];

			make_versioned_file(fx, versions[v]);
			snprintf(why, sizeof(why), "damaged or not a camaudit database "
				 "(schema version %lld)", (long long)versions[v]);
			assert_refused_unchanged(fx, versions[v], modes[m], why);
		}
	}
}

static void test_a_newer_version_is_refused_with_the_way_out(void **state)
{
	struct fixture *fx = *state;
	const int64_t versions[] = {schema_latest() + 1, 99, INT_MAX};
	static const enum store_mode modes[] = {STORE_WRITE, STORE_UPDATE, STORE_READ};
	size_t v, m;

	for (v = 0; v < ARRAY_SIZE(versions); v++) {
		for (m = 0; m < ARRAY_SIZE(modes); m++) {
			char why[160];

			make_versioned_file(fx, versions[v]);
			snprintf(why, sizeof(why), "written by a newer camaudit (schema "
				 "%lld, this camaudit knows %d); upgrade camaudit",
				 (long long)versions[v], schema_latest());
			assert_refused_unchanged(fx, versions[v], modes[m], why);
		}
	}
}

/* Someone else's database given by mistake is left alone. */
static void test_a_database_of_other_tables_is_refused_unchanged(void **state)
{
	struct fixture *fx = *state;
	char said[512];

	remove_store(fx->old);
	raw_exec(fx->old, "CREATE TABLE invoices (n); INSERT INTO invoices VALUES (7)");
	assert_null(open_capturing(fx, fx->old, STORE_WRITE, said, sizeof(said)));
	assert_non_null(strstr(said, "not a camaudit database (it holds other tables)"));
	assert_int_equal(raw_int(fx->old, "SELECT count(*) FROM sqlite_schema"), 1);
	assert_int_equal(raw_int(fx->old, "SELECT n FROM invoices"), 7);
	assert_int_equal(raw_int(fx->old, "PRAGMA user_version"), 0);
	assert_null(open_capturing(fx, fx->old, STORE_READ, said, sizeof(said)));
	assert_non_null(strstr(said, "not a camaudit database (no camaudit schema)"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define TEST(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
		TEST(test_an_empty_store_of_every_older_version_is_upgraded),
		TEST(test_a_store_with_rows_keeps_them_through_every_upgrade),
		TEST(test_reported_findings_are_kept_by_their_serve),
		TEST(test_an_older_store_opened_for_reading_is_upgraded),
		TEST(test_an_upgrade_stopped_before_judging_is_finished_next),
		TEST(test_stores_written_by_older_camaudits_are_upgraded),
		TEST(test_a_stopped_first_load_is_finished_by_the_next_reader),
		TEST(test_a_load_into_a_store_with_rows_defers_nothing),
		TEST(test_a_negative_version_is_refused_as_damaged),
		TEST(test_a_newer_version_is_refused_with_the_way_out),
		TEST(test_a_database_of_other_tables_is_refused_unchanged),
#undef TEST
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
