/*
 * camaudit status: what the store holds (the sources, the time span of
 * each relay and cache node) and where an audit cannot tell clean from
 * unknown (the coverage gaps of coverage.c), as aligned text or as one
 * JSON object.  The sections and their columns are one table below that
 * both formats read.
 */
#include "config.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "commands.h"
#include "coverage.h"
#include "exitcode.h"
#include "timefmt.h"
#include "util.h"

/* Status's names of emit.h's formats: its tables are text among text. */
static const char *const format_names[] = {
	[EMIT_TABLE] = "text", [EMIT_JSON] = "json", [EMIT_CSV] = "csv",
	[EMIT_TSV] = "tsv",
};

static const struct cli_option status_options[] = {
	{"format", OPT_FORMAT, "FORMAT", "text, json, csv or tsv (default: text)"},
	{"max-age", OPT_MAX_AGE, "DURATION", "exit 7 when a relay's or cache "
	 "node's newest event is older than DURATION"},
	{NULL, 0, NULL, NULL},
};

static int cmd_status(int argc, char **argv);

static const struct cli_option *const status_option_tables[] = {
	status_options, table_options, common_options, NULL};

const struct command status_command = {
	.name = "status",
	.fn = cmd_status,
	.summary = "show sources, time spans and coverage gaps of the store",
	.description =
	"Show what the store holds: the sources ingested, the time span of each\n"
	"relay and cache node, and the coverage gaps.",
	.usage = "[--db PATH] [--format text|json|csv|tsv] [--no-header] [--wide]\n"
	"                       [--max-age DURATION] [--quiet]",
	.details =
	"A coverage gap is an hour (UTC) in which relays served from a cache node\n"
	"that wrote no cache log line in that hour: serves there cannot be traced\n"
	"to a fill, so an audit of that hour means unknown, not clean.  CSV and\n"
	"TSV give each section's rows under its own header, the section's name\n"
	"first on every line.  --quiet drops the warning about gaps on stderr.\n"
	"Exit status: 0 shown, 2 usage error or no database, 3 database error, 7\n"
	"shown, and a relay or cache node has no event within --max-age (a log\n"
	"shipper stopped?).",
	.options = status_option_tables,
};

struct status_request {
	struct common_request common;
	enum emit_format format;
	unsigned flags;              /* EMIT_NO_HEADER, EMIT_WIDE */
	int64_t max_age_ms;          /* --max-age, or -1 */
	const char *max_age;         /* as given, for the warnings */
};

struct section {
	const char *key;   /* JSON key of the array */
	const char *title; /* text heading */
	const char *note;  /* after the count in the text heading, or NULL */
	const char *sql;   /* one row per element, one value per column */
	const struct emit_column *columns;
	size_t column_count;
};

/*
 * The relay and node spans are one scan of a large table each, and the
 * gaps a scan of the serves: they are computed once into small temporary
 * tables, so that the text format can read them twice (widths first).
 */
static const char materialize_sql[] =
	"DROP TABLE IF EXISTS temp.status_relay;\n"
	"CREATE TEMP TABLE status_relay AS\n"
	"  SELECT relay, min(ts) AS first, max(ts) AS last, count(*) AS events\n"
	"  FROM main.serve GROUP BY relay;\n"
	"DROP TABLE IF EXISTS temp.status_node;\n"
	"CREATE TEMP TABLE status_node AS\n"
	"  SELECT node, min(ts) AS first, max(ts) AS last, count(*) AS events\n"
	"  FROM (SELECT node, ts FROM main.fill\n"
	"        UNION ALL SELECT node, ts FROM main.removal)\n"
	"  GROUP BY node;";

/*
 * A source's kind comes from the event tables that hold its lines (each
 * a probe of the table's id range of the source): one bit per kind of log.
 */
static const char sources_sql[] =
	"SELECT name, head,\n"
	"  CASE kinds WHEN 0 THEN NULL WHEN 1 THEN 'relay' WHEN 2 THEN 'cache'\n"
	"    WHEN 4 THEN 'registry' ELSE 'mixed' END,\n"
	"  lines + (tail_bytes > 0), bytes + tail_bytes, events, rejected,\n"
	"  last_ingested_at, damaged\n"
	"FROM (SELECT s.*,\n"
	"  EXISTS (SELECT 1 FROM main.serve WHERE id " SOURCE_EVENTS("s.id") ")\n"
	"  + 2 * (EXISTS (SELECT 1 FROM main.fill WHERE id " SOURCE_EVENTS("s.id") ")\n"
	"     OR EXISTS (SELECT 1 FROM main.removal WHERE id " SOURCE_EVENTS("s.id") "))\n"
	"  + 4 * (EXISTS (SELECT 1 FROM main.binding WHERE id " SOURCE_EVENTS("s.id") ")\n"
	"     OR EXISTS (SELECT 1 FROM main.share WHERE id " SOURCE_EVENTS("s.id") "))\n"
	"  AS kinds FROM main.source s)\n"
	"ORDER BY name, id";

static const char relays_sql[] =
	"SELECT " ATOM("r.relay") " AS name,\n"
	"  r.first, r.last, r.events\n"
	"FROM temp.status_relay r ORDER BY r.relay IS NULL, name";

static const char nodes_sql[] =
	"SELECT " ATOM("n.node") " AS name,\n"
	"  n.first, n.last, n.events\n"
	"FROM temp.status_node n ORDER BY name";

static const char gaps_sql[] = COVERAGE_GAP_ROWS;

/*
 * --max-age: the relays and cache nodes whose newest event is before ?1,
 * oldest first.  A node that relay lines name but that never wrote a
 * cache line has no newest event (NULL): it comes first.  An empty store
 * has nothing fresh either: one row without a name says so.
 */
static const char stale_sql[] =
	"SELECT kind, " ATOM("who") ", last FROM (\n"
	"  SELECT 'relay' AS kind, relay AS who, last FROM temp.status_relay\n"
	"  UNION ALL SELECT 'cache node', node, last FROM temp.status_node\n"
	"  UNION ALL SELECT DISTINCT 'cache node', node, NULL FROM main.serve\n"
	"    WHERE node IS NOT NULL\n"
	"      AND node NOT IN (SELECT node FROM temp.status_node)\n"
	"  UNION ALL SELECT 'store', NULL, NULL\n"
	"    WHERE NOT EXISTS (SELECT 1 FROM temp.status_relay))\n"
	"WHERE last IS NULL OR last < ?1 ORDER BY last IS NOT NULL, last, 2";

/*
 * The output contract: see camaudit(1), the status command.  CSV and TSV
 * put the section's key first (the "section" column).
 */
#define SECTION_COLUMN {"section", NULL, EMIT_LABEL, NULL, 0, 0}

static const struct emit_column source_columns[] = {
	SECTION_COLUMN,
	{"name", "NAME", EMIT_TEXT, NULL, 0, 1},
	{"fingerprint", "FINGERPRINT", EMIT_FINGERPRINT, NULL, 1, 0},
	{"kind", "KIND", EMIT_TEXT, NULL, 0, 0},
	{"lines", "LINES", EMIT_COUNT, NULL, 0, 0},
	{"bytes", "BYTES", EMIT_COUNT, NULL, 2, 0},
	{"events", "EVENTS", EMIT_COUNT, NULL, 0, 0},
	{"rejected", "REJECTED", EMIT_COUNT, NULL, 0, 0},
	{"last_ingested_at", "LAST_INGESTED", EMIT_TIME, NULL, 3, 0},
	{"damaged", "DAMAGED", EMIT_TEXT, "none", 0, 0},
};

/* The time span of a relay or a node, after its name. */
#define SPAN_COLUMNS \
	{"first_event_at", "FIRST_EVENT", EMIT_TIME, NULL, 0, 0}, \
	{"last_event_at", "LAST_EVENT", EMIT_TIME, NULL, 0, 0}, \
	{"events", "EVENTS", EMIT_COUNT, NULL, 0, 0}

static const struct emit_column relay_columns[] = {
	SECTION_COLUMN,
	{"relay", "RELAY", EMIT_TEXT, NULL, 0, 0},
	SPAN_COLUMNS,
};

static const struct emit_column node_columns[] = {
	SECTION_COLUMN,
	{"node", "NODE", EMIT_TEXT, NULL, 0, 0},
	SPAN_COLUMNS,
};

static const struct emit_column gap_columns[] = {
	SECTION_COLUMN,
	{"hour", "HOUR", EMIT_TIME, NULL, 0, 0},
	{"node", "NODE", EMIT_TEXT, NULL, 0, 0},
	{"serves", "SERVES", EMIT_COUNT, NULL, 0, 0},
	{"deliveries", "DELIVERIES", EMIT_COUNT, NULL, 0, 0},
};

#define SECTION(key, title, note, sql, columns) \
	{key, title, note, sql, columns, ARRAY_SIZE(columns)}

static const struct section sections[] = {
	SECTION("sources", "sources", NULL, sources_sql, source_columns),
	SECTION("relays", "relays", NULL, relays_sql, relay_columns),
	SECTION("nodes", "cache nodes", NULL, nodes_sql, node_columns),
	SECTION("gaps", "coverage gaps", "(hours in which relays served from a "
		"cache node that wrote no cache log line)", gaps_sql, gap_columns),
};

/* A section's query, run once for each pass of its writer. */
struct section_rows {
	struct store *st;
	const struct section *sec;
};

/* Each row: the section's key (column 0, for CSV and TSV), then the
 * query's columns. */
static int section_rows(struct emit_writer *w, void *ctx)
{
	const struct section_rows *r = ctx;
	const struct section *sec = r->sec;
	sqlite3_stmt *stmt = store_prepare(r->st, sec->sql);
	struct emit_value row[EMIT_MAX_COLUMNS];
	size_t i;
	int rc;

	if (!stmt)
		return -1;
	if (sqlite3_column_count(stmt) + 1 != (int)sec->column_count ||
	    sec->column_count > EMIT_MAX_COLUMNS)
		die("status: section %s: the query does not match its columns",
		    sec->key);
	row[0] = (struct emit_value){0, 0, sec->key, strlen(sec->key)};
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		for (i = 1; i < sec->column_count; i++)
			row[i] = emit_sql_value(stmt, (int)i - 1, sec->columns[i].kind);
		emit_row(row, w);
	}
	sqlite3_reset(stmt);
	if (rc != SQLITE_DONE) {
		store_error(r->st, "reading the status");
		return -1;
	}
	return 0;
}

/* A section: JSON, an array under its key; text, a table under
 * "TITLE: N (NOTE)"; CSV and TSV, its rows under a header of their own. */
static int print_section(struct store *st, const struct section *sec,
			 const struct status_request *req, int first)
{
	struct section_rows rows = {st, sec};
	struct emit_writer w;

	emit_writer_init(&w, stdout, req->format, req->flags | EMIT_JSON_ARRAY,
			 sec->columns, sec->column_count, 2);
	if (emit_measure(&w, section_rows, &rows))
		return -1;
	if (req->format == EMIT_JSON)
		printf("%s\"%s\":", first ? "" : ",", sec->key);
	if (req->format == EMIT_TABLE) {
		if (!first)
			putchar('\n');
		if (!emit_title(&w, sec->title, sec->note))
			return 0;
	}
	return emit_write(&w, section_rows, &rows);
}

/*
 * Warn about each relay and node with nothing newer than max_age_ms (on
 * stderr, --quiet or not: it is the answer to --max-age).  Returns the
 * number warned about, or -1 on a database error.
 */
static int64_t warn_stale(struct store *st, int64_t max_age_ms,
			  const char *max_age)
{
	sqlite3_stmt *stmt = store_prepare(st, stale_sql);
	int64_t cutoff = (int64_t)time(NULL) * 1000 - max_age_ms, count = 0;
	char newest[TIMEFMT_SIZE];
	int rc;

	if (!stmt)
		return -1;
	sqlite3_bind_int64(stmt, 1, cutoff);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		const char *kind = (const char *)sqlite3_column_text(stmt, 0);
		const char *name = (const char *)sqlite3_column_text(stmt, 1);

		count++;
		if (sqlite3_column_type(stmt, 2) != SQLITE_NULL) {
			timefmt_format(sqlite3_column_int64(stmt, 2), newest);
			warning("%s %s: newest event %s, older than --max-age %s",
				kind, name ? name : "(relay lines naming none)",
				newest, max_age);
		} else if (name)
			warning("%s %s: relay lines name it but it wrote no cache "
				"line at all", kind, name);
		else
			warning("no relay line in the store: nothing is fresh");
	}
	sqlite3_reset(stmt);
	if (rc != SQLITE_DONE) {
		store_error(st, "reading the newest events");
		return -1;
	}
	return count;
}

static int status_execute(struct store *st, const struct status_request *req)
{
	uint64_t gaps;
	int64_t stale = 0;
	size_t i;

	/* One snapshot for every section, while an ingest may be running. */
	if (store_begin_read(st))
		return EXIT_INCOMPLETE;
	if (store_exec(st, materialize_sql, "summarising the store") ||
	    coverage_build_gaps(st, INT64_MIN, INT64_MAX, &gaps))
		goto fail;
	if (req->format == EMIT_JSON)
		fputc('{', stdout);
	for (i = 0; i < ARRAY_SIZE(sections); i++)
		if (print_section(st, &sections[i], req, i == 0))
			goto fail;
	if (req->format == EMIT_JSON)
		fputs("}\n", stdout);
	if (req->max_age_ms >= 0 &&
	    (stale = warn_stale(st, req->max_age_ms, req->max_age)) < 0)
		goto fail;
	store_rollback(st); /* nothing to keep: only temp tables changed */
	if (cli_finish_output())
		return EXIT_INCOMPLETE;
	if (gaps && !req->common.quiet)
		warning("%" PRIu64 " coverage %s (%s in which relays served from "
			"a cache node that wrote no cache log line): an audit there "
			"means unknown, not clean; are cache logs missing?",
			gaps, plural(gaps, "gap", "gaps"),
			plural(gaps, "an hour", "hours"));
	return stale ? EXIT_STALE : EXIT_CLEAN;
fail:
	store_rollback(st);
	return EXIT_INCOMPLETE;
}

static int handle(int key, const char *arg, void *ctx)
{
	struct status_request *req = ctx;
	int i;

	switch (key) {
	case OPT_MAX_AGE:
		if (timefmt_parse_duration(arg, &req->max_age_ms))
			return cli_usage_error(&status_command, "invalid --max-age "
					       "'%s' (a duration such as 90m, 2h, 1d)",
					       arg), -1;
		req->max_age = arg;
		return 0;
	case OPT_FORMAT:
		if ((i = name_lookup(format_names, ARRAY_SIZE(format_names), arg)) < 0)
			return cli_usage_error(&status_command, "invalid --format "
					       "'%s' (use text, json, csv or tsv)",
					       arg), -1;
		req->format = (enum emit_format)i;
		return 0;
	}
	if (table_option(&req->flags, key))
		return 0;
	return option_result(&status_command,
			     common_option(&status_command, &req->common, key, arg));
}

static int cmd_status(int argc, char **argv)
{
	struct status_request req = {.format = EMIT_TABLE, .max_age_ms = -1};
	struct store *st;
	int first, missing, status;

	common_request_init(&req.common);
	if ((first = command_parse(&status_command, argc, argv, handle, &req,
				   &status)) < 0)
		return status;
	if (first < argc) {
		/* An operand may be a file name: never raw to a terminal. */
		char *shown = safe_strdup(argv[first]);

		cli_usage_error(&status_command, "unexpected argument '%s' (status "
				"reads the database; give it with --db)", shown);
		free(shown);
		return EXIT_USAGE;
	}
	if (!(st = store_open(req.common.db, STORE_READ, &missing)))
		return missing ? EXIT_USAGE : EXIT_INCOMPLETE;
	status = status_execute(st, &req);
	store_close(st);
	return status;
}
