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
#include "timefmt.h"
#include "util.h"

enum {
	OPT_FORMAT = 'f',
	OPT_EVENTS = 'e',
	OPT_KEEP_FORMULAS = OPT_LONG_ONLY + 64,
};

static const struct cli_option export_options[] = {
	{"format", OPT_FORMAT, "FORMAT", "ndjson or csv (default: ndjson)"},
	{"events", OPT_EVENTS, "LIST", "event kinds, comma-separated, or all "
	 "(default: all)"},
	{"keep-formulas", OPT_KEEP_FORMULAS, NULL, "csv: do not defuse cells "
	 "that start with = + - @"},
	{NULL, 0, NULL, NULL},
};

static const struct command export_command = {
	"export", cmd_export,
	"Write the events of the store to standard output, one record per event,\n"
	"oldest first: serves, fills, removals, bindings and shares.",
	"[--db PATH] [--quiet] [--format ndjson|csv] [--events LIST]\n"
	"                       [--since TIME] [--until TIME] [--wait DURATION]",
	"Kinds: serve, fill, removal (evict, purge, expire), binding (bind,\n"
	"unbind), share (share, unshare).  Each record has its kind, its time\n"
	"(ts, and ts_ms in milliseconds), its evidence (ref, FILE:LINE) and the\n"
	"fields of its log line under their logfmt names.  The order is by time,\n"
	"then evidence, so two exports of one store are byte-identical.  Exit\n"
	"status: 0 written, 2 usage error or no database, 3 database or write\n"
	"error, 4 database busy (upgrading an older database, see --wait).",
};

enum export_format { EXPORT_NDJSON, EXPORT_CSV };

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
	 "SELECT 'serve' AS kind, served_ms AS ms, serve_ref AS ref, NULL AS op,"
	 " node, key, requested_device AS device, frame, viewer_account AS account,"
	 " relay, cache, request_id AS req, status, NULL AS ttl_ms, NULL AS gen"
	 " FROM serves WHERE :serve AND served_ms >= :since AND served_ms < :until"},
	{"fill", "fills",
	 "SELECT 'fill', filled_ms, fill_ref, 'fill', node, key, origin_device,"
	 " frame, NULL, NULL, NULL, NULL, NULL, ttl_ms, gen"
	 " FROM fills WHERE :fill AND filled_ms >= :since AND filled_ms < :until"},
	{"removal", "removals",
	 "SELECT 'removal', removed_ms, ref, op, node, key, NULL, NULL, NULL,"
	 " NULL, NULL, NULL, NULL, NULL, NULL"
	 " FROM removals WHERE :removal AND removed_ms >= :since"
	 " AND removed_ms < :until"},
	{"binding", "bindings",
	 "SELECT 'binding', at_ms, ref, op, NULL, NULL, device, NULL, account,"
	 " NULL, NULL, NULL, NULL, NULL, NULL"
	 " FROM bindings WHERE :binding AND at_ms >= :since AND at_ms < :until"},
	{"share", "shares",
	 "SELECT 'share', at_ms, ref, op, NULL, NULL, device, NULL, account,"
	 " NULL, NULL, NULL, NULL, NULL, NULL"
	 " FROM shares WHERE :share AND at_ms >= :since AND at_ms < :until"},
};

#define KIND_ALL ((1u << ARRAY_SIZE(kinds)) - 1)
#define SERVE (1u << 0)
#define FILL (1u << 1)
#define REMOVAL (1u << 2)
#define BINDING (1u << 3)
#define SHARE (1u << 4)

enum value_kind {
	VALUE_TEXT,   /* a string (JSON string, CSV field defused) */
	VALUE_TIME,   /* ms since the epoch, as RFC 3339 UTC */
	VALUE_NUMBER  /* an integer as a number; other text as logged, a string */
};

/*
 * The output contract (see camaudit(1), the export command): the keys, in
 * order.  NDJSON records carry the keys of their kind (null when the line
 * had no such field); CSV has every column, empty where absent.  The
 * query's columns are these, in this order: the time twice, as ts and ts_ms.
 */
static const struct column {
	const char *name;
	enum value_kind kind;
	unsigned kinds; /* the event kinds that have this field */
} columns[] = {
	{"kind", VALUE_TEXT, KIND_ALL},
	{"ts", VALUE_TIME, KIND_ALL},
	{"ts_ms", VALUE_NUMBER, KIND_ALL},
	{"ref", VALUE_TEXT, KIND_ALL},
	{"op", VALUE_TEXT, FILL | REMOVAL | BINDING | SHARE},
	{"node", VALUE_TEXT, SERVE | FILL | REMOVAL},
	{"key", VALUE_TEXT, SERVE | FILL | REMOVAL},
	{"device", VALUE_TEXT, SERVE | FILL | BINDING | SHARE},
	{"frame", VALUE_TEXT, SERVE | FILL},
	{"account", VALUE_TEXT, SERVE | BINDING | SHARE},
	{"relay", VALUE_TEXT, SERVE},
	{"cache", VALUE_TEXT, SERVE},
	{"req", VALUE_TEXT, SERVE},
	{"status", VALUE_NUMBER, SERVE},
	{"ttl_ms", VALUE_NUMBER, FILL},
	{"gen", VALUE_NUMBER, FILL},
};

/*
 * Ties in time are broken by the evidence: the source name, then the line
 * as a number (the line is the digits after the last ':', so rtrim() of
 * the digits leaves "NAME:").  The remaining keys make the order total, so
 * that even two sources ingested under one name export the same way twice.
 */
#define REF_NAME "rtrim(ref, '0123456789')"
#define REF_LINE "CAST(substr(ref, length(" REF_NAME ") + 1) AS INTEGER)"

static const char select_sql[] =
	"SELECT kind, ms, ms, ref, op, node, key, device, frame, account, relay,"
	" cache, req, status, ttl_ms, gen FROM (";
static const char order_sql[] =
	") ORDER BY ms, " REF_NAME ", " REF_LINE ", kind, op, node, key, device,"
	" frame, account, relay, cache, req, status, ttl_ms, gen";

struct export_request {
	struct audit_request common; /* --db, --quiet, --since, --until, --wait */
	enum export_format format;
	unsigned kinds;
};

/* Room for a time or a 64-bit integer. */
#define VALUE_SIZE 32

/* The value of column i as text, ptr NULL when absent; *number says it
 * is an integer to be written bare.  Text keeps its length: it may hold
 * NUL bytes. */
static struct text column_value(sqlite3_stmt *stmt, int i, const struct column *c,
				char buf[VALUE_SIZE], int *number)
{
	struct text v = {NULL, 0};

	*number = 0;
	if (sqlite3_column_type(stmt, i) == SQLITE_NULL)
		return v;
	if (c->kind == VALUE_TIME) {
		timefmt_format(sqlite3_column_int64(stmt, i), buf);
		v.ptr = buf;
	} else if (c->kind == VALUE_NUMBER &&
		   sqlite3_column_type(stmt, i) == SQLITE_INTEGER) {
		snprintf(buf, VALUE_SIZE, "%" PRId64,
			 (int64_t)sqlite3_column_int64(stmt, i));
		*number = 1;
		v.ptr = buf;
	} else {
		v.ptr = (const char *)sqlite3_column_text(stmt, i);
		v.len = (size_t)sqlite3_column_bytes(stmt, i);
		return v;
	}
	v.len = strlen(buf);
	return v;
}

static void print_json_record(FILE *out, sqlite3_stmt *stmt, unsigned kind)
{
	char buf[VALUE_SIZE];
	size_t i;
	int first = 1, number;

	fputc('{', out);
	for (i = 0; i < ARRAY_SIZE(columns); i++) {
		const struct column *c = &columns[i];
		struct text v;

		if (!(c->kinds & kind))
			continue;
		v = column_value(stmt, (int)i, c, buf, &number);
		fprintf(out, "%s\"%s\":", first ? "" : ",", c->name);
		first = 0;
		if (!v.ptr)
			fputs("null", out);
		else if (number)
			fputs(v.ptr, out);
		else
			emit_json_string(out, v.ptr, v.len);
	}
	fputs("}\n", out);
}

/* One CSV row, or the header when stmt is NULL. */
static void print_csv_record(FILE *out, sqlite3_stmt *stmt, unsigned flags)
{
	char buf[VALUE_SIZE];
	size_t i;
	int number = 0;

	for (i = 0; i < ARRAY_SIZE(columns); i++) {
		struct text v = {columns[i].name, strlen(columns[i].name)};

		if (stmt)
			v = column_value(stmt, (int)i, &columns[i], buf, &number);
		if (i)
			fputc(',', out);
		/* A number we formatted cannot be a formula; -5 stays a number. */
		if (v.ptr && stmt && number)
			fputs(v.ptr, out);
		else if (v.ptr)
			emit_csv_field(out, v.ptr, v.len, flags & EMIT_KEEP_FORMULAS);
	}
	fputs("\r\n", out);
}

static unsigned kind_bit(const char *name)
{
	size_t k;

	for (k = 0; k < ARRAY_SIZE(kinds); k++)
		if (name && !strcmp(kinds[k].name, name))
			return 1u << k;
	return 0;
}

/* "serve,fill" or "all" into a bit set; -1 when a name is unknown. */
static int parse_kinds(const char *list, unsigned *set)
{
	const char *p = list;

	*set = 0;
	if (!strcmp(list, "all")) {
		*set = KIND_ALL;
		return 0;
	}
	while (*p) {
		size_t len = strcspn(p, ","), k;

		for (k = 0; k < ARRAY_SIZE(kinds); k++)
			if (strlen(kinds[k].name) == len &&
			    !strncmp(kinds[k].name, p, len))
				break;
		if (k == ARRAY_SIZE(kinds))
			return -1;
		*set |= 1u << k;
		p += len;
		if (*p == ',' && *++p == '\0')
			return -1;
	}
	return *set ? 0 : -1;
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
				 (req->kinds >> k) & 1);
	}
	sqlite3_bind_int64(stmt, sqlite3_bind_parameter_index(stmt, ":since"),
			   req->common.window.since);
	sqlite3_bind_int64(stmt, sqlite3_bind_parameter_index(stmt, ":until"),
			   req->common.window.until);
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

	if (sqlite3_prepare_v2(store_db(st), sql, -1, &stmt, NULL) != SQLITE_OK) {
		store_error(st, "preparing the export");
		free(sql);
		return EXIT_INCOMPLETE;
	}
	free(sql);
	if (sqlite3_column_count(stmt) != (int)ARRAY_SIZE(columns))
		die("export: the query does not match its columns");
	bind_request(stmt, req);
	if (req->format == EXPORT_CSV)
		print_csv_record(stdout, NULL, req->common.emit_flags);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		unsigned kind = kind_bit((const char *)sqlite3_column_text(stmt, 0));
		size_t k;

		if (req->format == EXPORT_CSV)
			print_csv_record(stdout, stmt, req->common.emit_flags);
		else
			print_json_record(stdout, stmt, kind);
		for (k = 0; k < ARRAY_SIZE(kinds); k++)
			count[k] += (kind >> k) & 1;
		total++;
		/* A full disk or closed file: stop reading the store for nothing. */
		if (ferror(stdout))
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		store_error(st, "reading the events");
		status = store_busy(st) ? EXIT_BUSY : EXIT_INCOMPLETE;
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

	switch (key) {
	case OPT_FORMAT:
		if (!strcmp(arg, "ndjson")) {
			req->format = EXPORT_NDJSON;
			return 0;
		}
		if (!strcmp(arg, "csv")) {
			req->format = EXPORT_CSV;
			return 0;
		}
		return cli_usage_error(&export_command, "invalid --format '%s' "
				       "(use ndjson or csv)", arg), -1;
	case OPT_EVENTS:
		if (!parse_kinds(arg, &req->kinds))
			return 0;
		return cli_usage_error(&export_command, "invalid --events '%s' "
				       "(use a comma list of serve, fill, removal, "
				       "binding, share, or all)", arg), -1;
	case OPT_KEEP_FORMULAS:
		req->common.emit_flags |= EMIT_KEEP_FORMULAS;
		return 0;
	}
	/* --db, --quiet, --since, --until, --wait: as for audit. */
	return audit_option(&export_command, &req->common, key, arg);
}

int cmd_export(int argc, char **argv)
{
	static const struct cli_option *const tables[] = {
		export_options, event_window_options, wait_options,
		cli_common_options, NULL};
	struct export_request req = {.format = EXPORT_NDJSON, .kinds = KIND_ALL};
	enum store_failure why;
	struct store *st;
	int first, status;

	audit_request_init(&req.common);
	first = cli_parse(argc, argv, &export_command, tables, handle, &req);
	if (first == -2)
		return EXIT_CLEAN;
	if (first < 0)
		return EXIT_USAGE;
	if (first < argc) /* error() escapes it: it may be any file name */
		return cli_usage_error(&export_command, "unexpected argument '%s' "
				       "(export reads the database; give it with "
				       "--db)", argv[first]);
	if (audit_request_check(&export_command, &req.common))
		return EXIT_USAGE;
	/* An older database is upgraded first: that waits for the write lock. */
	st = store_open_wait(req.common.db, STORE_READ, req.common.wait_ms, &why);
	if (!st)
		return store_exit_status(why);
	status = export_execute(st, &req);
	store_close(st);
	return status;
}
