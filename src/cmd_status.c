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

enum { OPT_FORMAT = 'f', OPT_MAX_AGE = OPT_LONG_ONLY + 1 };

enum status_format { STATUS_TEXT, STATUS_JSON };

static const struct cli_option status_options[] = {
	{"format", OPT_FORMAT, "FORMAT", "text or json (default: text)"},
	{"max-age", OPT_MAX_AGE, "DURATION", "exit 7 when a relay's or cache "
	 "node's newest event is older than DURATION"},
	{NULL, 0, NULL, NULL},
};

static const struct command status_command = {
	"status", cmd_status,
	"Show what the store holds: the sources ingested, the time span of each\n"
	"relay and cache node, and the coverage gaps.",
	"[--db PATH] [--format text|json] [--max-age DURATION] [--quiet]",
	"A coverage gap is an hour (UTC) in which relays served from a cache node\n"
	"that wrote no cache log line in that hour: serves there cannot be traced\n"
	"to a fill, so an audit of that hour means unknown, not clean.  --quiet\n"
	"drops the warning about gaps on stderr.  Exit status: 0 shown, 2 usage\n"
	"error or no database, 3 database error, 7 shown, and a relay or cache\n"
	"node has no event within --max-age (a log shipper stopped?).",
};

struct status_request {
	struct audit_request common; /* --db, --quiet */
	enum status_format format;
	int64_t max_age_ms;          /* --max-age, or -1 */
	const char *max_age;         /* as given, for the warnings */
};

enum value_kind {
	VALUE_TEXT,       /* text, escaped for the terminal or for JSON */
	VALUE_COUNT,      /* an integer: right-aligned, a JSON number */
	VALUE_TIME,       /* ms since the epoch, as RFC 3339 UTC */
	VALUE_FINGERPRINT /* a blob, as 16 hex digits of its FNV-1a 64 */
};

struct column {
	const char *key;     /* JSON key */
	const char *heading; /* text heading */
	enum value_kind kind;
	const char *absent;  /* text shown for NULL; NULL shows "-" */
};

struct section {
	const char *key;   /* JSON key of the array */
	const char *title; /* text heading */
	const char *note;  /* after the count in the text heading, or NULL */
	const char *sql;   /* one row per element, one value per column */
	const struct column *columns;
	size_t column_count;
};

#define MAX_COLUMNS 9
/* Room for a count, a time (TIMEFMT_SIZE) or a fingerprint. */
#define VALUE_SIZE 32

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

/* The output contract: see camaudit(1), the status command. */
static const struct column source_columns[] = {
	{"name", "NAME", VALUE_TEXT, NULL},
	{"fingerprint", "FINGERPRINT", VALUE_FINGERPRINT, NULL},
	{"kind", "KIND", VALUE_TEXT, NULL},
	{"lines", "LINES", VALUE_COUNT, NULL},
	{"bytes", "BYTES", VALUE_COUNT, NULL},
	{"events", "EVENTS", VALUE_COUNT, NULL},
	{"rejected", "REJECTED", VALUE_COUNT, NULL},
	{"last_ingested_at", "LAST_INGESTED", VALUE_TIME, NULL},
	{"damaged", "DAMAGED", VALUE_TEXT, "none"},
};

static const struct column relay_columns[] = {
	{"relay", "RELAY", VALUE_TEXT, NULL},
	{"first_event_at", "FIRST_EVENT", VALUE_TIME, NULL},
	{"last_event_at", "LAST_EVENT", VALUE_TIME, NULL},
	{"events", "EVENTS", VALUE_COUNT, NULL},
};

static const struct column node_columns[] = {
	{"node", "NODE", VALUE_TEXT, NULL},
	{"first_event_at", "FIRST_EVENT", VALUE_TIME, NULL},
	{"last_event_at", "LAST_EVENT", VALUE_TIME, NULL},
	{"events", "EVENTS", VALUE_COUNT, NULL},
};

static const struct column gap_columns[] = {
	{"hour", "HOUR", VALUE_TIME, NULL},
	{"node", "NODE", VALUE_TEXT, NULL},
	{"serves", "SERVES", VALUE_COUNT, NULL},
	{"deliveries", "DELIVERIES", VALUE_COUNT, NULL},
};

#define SECTION(key, title, note, sql, columns) \
	{key, title, note, sql, columns, ARRAY_SIZE(columns)}

static const struct section sections[] = {
	SECTION("sources", "sources", NULL, sources_sql, source_columns),
	SECTION("relays", "relays", NULL, relays_sql, relay_columns),
	SECTION("nodes", "cache nodes", NULL, nodes_sql, node_columns),
	SECTION("gaps", "coverage gaps", "hours in which relays served from a "
		"cache node that wrote no cache log line", gaps_sql, gap_columns),
};

struct layout {
	size_t width[MAX_COLUMNS];
	uint64_t rows;
};

static uint64_t fingerprint(const unsigned char *p, size_t len)
{
	uint64_t h = UINT64_C(14695981039346656037);

	while (len--)
		h = (h ^ *p++) * UINT64_C(1099511628211);
	return h;
}

/* The value of column i as text with its length (text may hold NUL
 * bytes); ptr NULL when absent. */
static struct text column_value(sqlite3_stmt *stmt, int i,
				const struct column *c, char buf[VALUE_SIZE])
{
	struct text v = {NULL, 0};

	if (sqlite3_column_type(stmt, i) == SQLITE_NULL)
		return v;
	switch (c->kind) {
	case VALUE_TEXT:
		v.ptr = (const char *)sqlite3_column_text(stmt, i);
		v.len = (size_t)sqlite3_column_bytes(stmt, i);
		return v;
	case VALUE_COUNT:
		snprintf(buf, VALUE_SIZE, "%" PRId64,
			 (int64_t)sqlite3_column_int64(stmt, i));
		break;
	case VALUE_TIME:
		timefmt_format(sqlite3_column_int64(stmt, i), buf);
		break;
	case VALUE_FINGERPRINT:
		snprintf(buf, VALUE_SIZE, "%016" PRIx64,
			 fingerprint(sqlite3_column_blob(stmt, i),
				     (size_t)sqlite3_column_bytes(stmt, i)));
		break;
	}
	v.ptr = buf;
	v.len = strlen(buf);
	return v;
}

static struct text shown_value(sqlite3_stmt *stmt, int i,
			       const struct column *c, char buf[VALUE_SIZE])
{
	struct text v = column_value(stmt, i, c, buf);

	if (!v.ptr) {
		v.ptr = c->absent ? c->absent : "-";
		v.len = strlen(v.ptr);
	}
	return v;
}

static void measure_row(const struct section *sec, sqlite3_stmt *stmt,
			struct layout *lay)
{
	char buf[VALUE_SIZE];
	size_t i;

	for (i = 0; i < sec->column_count; i++) {
		struct text v = shown_value(stmt, (int)i, &sec->columns[i], buf);
		size_t w = safe_width(v.ptr, v.len);

		if (w > lay->width[i])
			lay->width[i] = w;
	}
	lay->rows++;
}

/* One row of a text section, or its heading when stmt is NULL. */
static void print_text_row(FILE *out, const struct section *sec,
			   sqlite3_stmt *stmt, const struct layout *lay)
{
	char buf[VALUE_SIZE];
	size_t i;

	fputs("  ", out);
	for (i = 0; i < sec->column_count; i++) {
		const struct column *c = &sec->columns[i];
		struct text v = {c->heading, strlen(c->heading)};
		size_t w;
		int right = c->kind == VALUE_COUNT;

		if (stmt)
			v = shown_value(stmt, (int)i, c, buf);
		w = safe_width(v.ptr, v.len);
		if (i)
			fputs("  ", out);
		if (right)
			fprintf(out, "%*s", (int)(lay->width[i] - w), "");
		fput_safe(out, v.ptr, v.len);
		if (!right && i + 1 < sec->column_count)
			fprintf(out, "%*s", (int)(lay->width[i] - w), "");
	}
	fputc('\n', out);
}

static void print_json_row(FILE *out, const struct section *sec,
			   sqlite3_stmt *stmt, int first)
{
	char buf[VALUE_SIZE];
	size_t i;

	fputs(first ? "{" : ",{", out);
	for (i = 0; i < sec->column_count; i++) {
		const struct column *c = &sec->columns[i];
		struct text v = column_value(stmt, (int)i, c, buf);

		fprintf(out, "%s\"%s\":", i ? "," : "", c->key);
		if (!v.ptr)
			fputs("null", out);
		else if (c->kind == VALUE_COUNT)
			fwrite(v.ptr, 1, v.len, out);
		else
			emit_json_string(out, v.ptr, v.len);
	}
	fputc('}', out);
}

enum pass { PASS_MEASURE, PASS_TEXT, PASS_JSON };

/* Run a section's query once, measuring or printing each row. */
static int section_pass(struct store *st, const struct section *sec,
			enum pass pass, struct layout *lay)
{
	sqlite3_stmt *stmt = store_prepare(st, sec->sql);
	uint64_t rows = 0;
	int rc;

	if (!stmt)
		return -1;
	if (sqlite3_column_count(stmt) != (int)sec->column_count ||
	    sec->column_count > MAX_COLUMNS)
		die("status: section %s: the query does not match its columns",
		    sec->key);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (pass == PASS_MEASURE)
			measure_row(sec, stmt, lay);
		else if (pass == PASS_TEXT)
			print_text_row(stdout, sec, stmt, lay);
		else
			print_json_row(stdout, sec, stmt, rows == 0);
		rows++;
	}
	sqlite3_reset(stmt);
	if (rc != SQLITE_DONE) {
		store_error(st, "reading the status");
		return -1;
	}
	return 0;
}

static int print_section(struct store *st, const struct section *sec,
			 enum status_format format, int first)
{
	struct layout lay;
	size_t i;

	if (format == STATUS_JSON) {
		printf("%s\"%s\":[", first ? "" : ",", sec->key);
		if (section_pass(st, sec, PASS_JSON, NULL))
			return -1;
		fputc(']', stdout);
		return 0;
	}
	memset(&lay, 0, sizeof(lay));
	for (i = 0; i < sec->column_count; i++)
		lay.width[i] = strlen(sec->columns[i].heading);
	if (section_pass(st, sec, PASS_MEASURE, &lay))
		return -1;
	if (!first)
		fputc('\n', stdout);
	if (lay.rows == 0) {
		printf("%s: none\n", sec->title);
		return 0;
	}
	printf("%s: %" PRIu64 "%s%s%s\n", sec->title, lay.rows,
	       sec->note ? " (" : "", sec->note ? sec->note : "",
	       sec->note ? ")" : "");
	print_text_row(stdout, sec, NULL, &lay);
	return section_pass(st, sec, PASS_TEXT, &lay);
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
	if (req->format == STATUS_JSON)
		fputc('{', stdout);
	for (i = 0; i < ARRAY_SIZE(sections); i++)
		if (print_section(st, &sections[i], req->format, i == 0))
			goto fail;
	if (req->format == STATUS_JSON)
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

static int report_bad_format(const char *arg)
{
	char *shown = safe_strdup(arg);

	cli_usage_error(&status_command, "invalid --format '%s' (use text or "
			"json)", shown);
	free(shown);
	return -1;
}

static int handle(int key, const char *arg, void *ctx)
{
	struct status_request *req = ctx;

	if (key == OPT_MAX_AGE) {
		if (timefmt_parse_duration(arg, &req->max_age_ms))
			return cli_usage_error(&status_command, "invalid --max-age "
					       "'%s' (a duration such as 90m, 2h, 1d)",
					       arg), -1;
		req->max_age = arg;
		return 0;
	}
	if (key != OPT_FORMAT) /* --db, --quiet: as for audit */
		return audit_option(&status_command, &req->common, key, arg);
	if (!strcmp(arg, "text"))
		req->format = STATUS_TEXT;
	else if (!strcmp(arg, "json"))
		req->format = STATUS_JSON;
	else
		return report_bad_format(arg);
	return 0;
}

int cmd_status(int argc, char **argv)
{
	static const struct cli_option *const tables[] = {
		status_options, cli_common_options, NULL};
	struct status_request req = {.format = STATUS_TEXT, .max_age_ms = -1};
	struct store *st;
	int first, missing, status;

	audit_request_init(&req.common);
	first = cli_parse(argc, argv, &status_command, tables, handle, &req);
	if (first == -2)
		return EXIT_CLEAN;
	if (first < 0)
		return EXIT_USAGE;
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
