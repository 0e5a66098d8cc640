/*
 * camaudit export: stream the store's events (serves, fills, removals,
 * bindings, shares) as NDJSON or CSV, for a distributed SQL engine or for
 * loading back into camaudit.  It reads only the documented views of
 * schema.c, never the tables under them, which may change between versions.
 */
#include "config.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "exitcode.h"
#include "record.h"
#include "timefmt.h"
#include "util.h"

static int cmd_export(int argc, char **argv);

static const struct cli_option *const export_option_tables[] = {
	record_options, event_window_options, wait_options, common_options, NULL};

const struct command export_command = {
	.name = "export",
	.fn = cmd_export,
	.summary = "stream the store's events as NDJSON or CSV",
	.description =
	"Write the events of the store to standard output, one record per event,\n"
	"oldest first: serves, fills, removals, bindings and shares.",
	.usage = "[--db PATH] [--quiet] [--format ndjson|csv|tsv] [--no-header]\n"
	"                       [--events LIST] [--since TIME] [--until TIME]\n"
	"                       [--wait DURATION]",
	.details =
	"Kinds: serve, fill, removal (evict, purge, expire), binding (bind,\n"
	"unbind), share (share, unshare).  Each record has its kind, its time\n"
	"(ts, and ts_ms in milliseconds), its evidence (ref, FILE:LINE), its\n"
	"event_id (the log's fingerprint and the line) and the fields of its\n"
	"log line under their logfmt names.  The order is by time,\n"
	"then evidence, so two exports of one store are byte-identical.  Exit\n"
	"status: 0 written, 2 usage error or no database, 3 database or write\n"
	"error, 4 database busy (upgrading an older database, see --wait).",
	.options = export_option_tables,
};

/*
 * The kinds, in the order of their bits, with the view each is read from.
 * Every SELECT yields the same columns, in the order of `columns` below;
 * what a kind does not have is NULL.  The views' own names are mapped back
 * to the logfmt field names (viewer_account is the serve's account).
 */
static const struct kind {
	const char *name;    /* --events name, "kind" value, :parameter */
	const char *plural;  /* for the summary */
	const char *select;
} kinds[] = {
	{"serve", "serves",
	 "SELECT 'serve' AS kind, served_ms AS ms, serve_ref AS ref, event_id, NULL AS op,"
	 " node, key, requested_device AS device, frame, viewer_account AS account,"
	 " relay, cache, request_id AS req, status, NULL AS ttl_ms, NULL AS gen"
	 " FROM serves WHERE :serve AND served_ms >= :since AND served_ms < :until"},
	{"fill", "fills",
	 "SELECT 'fill', filled_ms, fill_ref, event_id, 'fill', node, key, origin_device,"
	 " frame, NULL, NULL, NULL, NULL, NULL, ttl_ms, gen"
	 " FROM fills WHERE :fill AND filled_ms >= :since AND filled_ms < :until"},
	{"removal", "removals",
	 "SELECT 'removal', removed_ms, ref, event_id, op, node, key, NULL, NULL, NULL,"
	 " NULL, NULL, NULL, NULL, NULL, NULL"
	 " FROM removals WHERE :removal AND removed_ms >= :since"
	 " AND removed_ms < :until"},
	{"binding", "bindings",
	 "SELECT 'binding', at_ms, ref, event_id, op, NULL, NULL, device, NULL, account,"
	 " NULL, NULL, NULL, NULL, NULL, NULL"
	 " FROM bindings WHERE :binding AND at_ms >= :since AND at_ms < :until"},
	{"share", "shares",
	 "SELECT 'share', at_ms, ref, event_id, op, NULL, NULL, device, NULL, account,"
	 " NULL, NULL, NULL, NULL, NULL, NULL"
	 " FROM shares WHERE :share AND at_ms >= :since AND at_ms < :until"},
};

/* The kinds are in the order of enum event_kind, as record.h counts them. */
_Static_assert(ARRAY_SIZE(kinds) == EVENT_SHARE + 1, "one kind per event kind");

/*
 * Ties in time are broken by the evidence: the source name, then the line
 * as a number (the line is the digits after the last ':', so rtrim() of
 * the digits leaves "NAME:").  The remaining keys make the order total, so
 * that even two sources ingested under one name export the same way twice.
 */
#define REF_NAME "rtrim(ref, '0123456789')"
#define REF_LINE "CAST(substr(ref, length(" REF_NAME ") + 1) AS INTEGER)"

static const char select_sql[] =
	"SELECT kind, ms, ms, ref, event_id, op, node, key, device, frame, account,"
	" relay, cache, req, status, ttl_ms, gen FROM (";
static const char order_sql[] =
	") ORDER BY ms, " REF_NAME ", " REF_LINE ", kind, op, node, key, device,"
	" frame, account, relay, cache, req, status, ttl_ms, gen";

struct export_request {
	struct common_request common;
	struct audit_window window;    /* --since, --until */
	struct record_request records; /* --format, --events, --keep-formulas */
};

/*
 * Row stmt as a record: the query's columns are the record's keys, in
 * order.  status, ttl_ms and gen are numbers when the store kept an
 * integer, else text as logged.
 */
static void row_record(sqlite3_stmt *stmt, struct emit_cell v[RECORD_KEYS])
{
	int i;

	for (i = 0; i < RECORD_KEYS; i++) {
		v[i].text = NULL;
		v[i].number = sqlite3_column_int64(stmt, i);
		if (sqlite3_column_type(stmt, i) == SQLITE_NULL)
			v[i].type = EMIT_CELL_NULL;
		else if (i == RECORD_TS)
			v[i].type = EMIT_CELL_TIME;
		else if (sqlite3_column_type(stmt, i) == SQLITE_INTEGER)
			v[i].type = EMIT_CELL_INTEGER;
		else
			v[i].type = EMIT_CELL_TEXT;
		if (v[i].type == EMIT_CELL_TEXT) {
			v[i].text = (const char *)sqlite3_column_text(stmt, i);
			v[i].len = (size_t)sqlite3_column_bytes(stmt, i);
		}
	}
}

/* The whole query: the kinds' SELECTs as one sorted union. */
static char *export_sql(void)
{
	char *sql = NULL;
	size_t size = 0, k;
	FILE *out = open_memstream(&sql, &size);

	if (!out)
		die("out of memory (building the export query)");
	fputs(select_sql, out);
	for (k = 0; k < ARRAY_SIZE(kinds); k++)
		fprintf(out, "%s%s", k ? "\nUNION ALL " : "", kinds[k].select);
	fputs(order_sql, out);
	if (fclose(out) != 0)
		die("out of memory (building the export query)");
	return sql;
}

static void bind_request(sqlite3_stmt *stmt, const struct export_request *req)
{
	char name[32];
	size_t k;

	for (k = 0; k < ARRAY_SIZE(kinds); k++) {
		snprintf(name, sizeof(name), ":%s", kinds[k].name);
		sqlite3_bind_int(stmt, sqlite3_bind_parameter_index(stmt, name),
				 (req->records.kinds >> k) & 1);
	}
	sqlite3_bind_int64(stmt, sqlite3_bind_parameter_index(stmt, ":since"),
			   req->window.since);
	sqlite3_bind_int64(stmt, sqlite3_bind_parameter_index(stmt, ":until"),
			   req->window.until);
}

static void print_summary(const uint64_t count[], uint64_t total)
{
	size_t k;

	fprintf(stderr, "camaudit: %" PRIu64 " %s exported:", total,
		plural(total, "event", "events"));
	for (k = 0; k < ARRAY_SIZE(kinds); k++)
		fprintf(stderr, "%s %" PRIu64 " %s", k ? "," : "", count[k],
			plural(count[k], kinds[k].name, kinds[k].plural));
	fputc('\n', stderr);
}

/* Stream the records; returns the exit status. */
static int export_execute(struct store *st, const struct export_request *req)
{
	uint64_t count[ARRAY_SIZE(kinds)] = {0}, total = 0;
	char *sql = export_sql();
	sqlite3_stmt *stmt = NULL;
	int rc, status = EXIT_CLEAN;

	if (store_prepare_once(st, sql, &stmt, NULL, "preparing the export")) {
		free(sql);
		return EXIT_INCOMPLETE;
	}
	free(sql);
	if (sqlite3_column_count(stmt) != RECORD_KEYS)
		die("export: the query does not match its columns");
	bind_request(stmt, req);
	if (req->records.format != EMIT_JSON)
		record_write_delimited(stdout, NULL, &req->records);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		int kind = record_kind_lookup((const char *)sqlite3_column_text(stmt, 0));
		struct emit_cell v[RECORD_KEYS];

		if (kind < 0)
			die("export: the query gave an unknown kind");
		row_record(stmt, v);
		if (req->records.format != EMIT_JSON)
			record_write_delimited(stdout, v, &req->records);
		else
			record_write_json(stdout, (enum event_kind)kind, v);
		count[kind]++;
		total++;
		/* A full disk or closed file: stop reading the store for nothing. */
		if (ferror(stdout))
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		store_error(st, "reading the events");
		status = exit_for_store_error(st);
	}
	sqlite3_finalize(stmt);
	if (cli_finish_output())
		return EXIT_INCOMPLETE;
	if (status == EXIT_CLEAN && !req->common.quiet)
		print_summary(count, total);
	return status;
}

static int handle(int key, const char *arg, void *ctx)
{
	struct export_request *req = ctx;
	int taken = record_option(&export_command, &req->records, key, arg);

	if (!taken)
		taken = window_option(&export_command, &req->window, key, arg);
	if (!taken)
		taken = common_option(&export_command, &req->common, key, arg);
	return option_result(&export_command, taken);
}

static int cmd_export(int argc, char **argv)
{
	struct export_request req;
	enum store_failure why;
	struct store *st;
	int first, status;

	common_request_init(&req.common);
	window_init(&req.window);
	record_request_init(&req.records);
	if ((first = command_parse(&export_command, argc, argv, handle, &req,
				   &status)) < 0)
		return status;
	if (first < argc) /* error() escapes it: it may be any file name */
		return cli_usage_error(&export_command, "unexpected argument '%s' "
				       "(export reads the database; give it with "
				       "--db)", argv[first]);
	if (window_check(&export_command, &req.window))
		return EXIT_USAGE;
	/* An older database is upgraded first: that waits for the write lock. */
	st = store_open_wait(req.common.db, STORE_READ, req.common.wait_ms, &why);
	if (!st)
		return exit_for_store_failure(why);
	status = export_execute(st, &req);
	store_close(st);
	return status;
}
