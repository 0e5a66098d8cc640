/*
 * camaudit explain: for one serve, the chain of evidence behind its
 * verdict: the log line, the fill chosen and by which rule, the fills not
 * chosen and why, the camera's owner at fill time, the viewer's shares,
 * and the verdict.  The verdict and the fill come from the same SQL that
 * audit runs (correlate_run over the serve's millisecond), so the two
 * cannot disagree; the reasons for the other fills are worked out here.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "exitcode.h"
#include "source.h"
#include "timefmt.h"
#include "tree.h"
#include "util.h"

/* Fills of the serve's key or frame shown around its time. */
#define MAX_CANDIDATES 12
/* Share events of the viewer for the camera shown, latest first. */
#define MAX_SHARES 5

static int cmd_explain(int argc, char **argv);

static const struct cli_option explain_options[] = {
	{"format", OPT_FORMAT, "FORMAT", "text or json (default: text)"},
	{NULL, 0, NULL, NULL},
};

static const struct cli_option *const explain_option_tables[] = {
	explain_options, skew_options, common_options, NULL};

const struct command explain_command = {
	.name = "explain",
	.fn = cmd_explain,
	.summary = "show the evidence behind the verdict on one serve",
	.description =
	"Show the evidence behind the verdict on one serve: its log line, the\n"
	"fill chosen and by which rule, the fills not chosen and why, the owner\n"
	"of the camera, the viewer's shares, and the verdict audit gives it.",
	.usage = "[--db PATH] [--skew DURATION] [--format text|json] REQUEST_ID|FILE:LINE...",
	.details =
	"A FILE:LINE names the serve's source as audit's serve_ref does (a\n"
	"trailing part of the path is enough).  JSON is one object per serve\n"
	"per line.  Exit status: 0 explained and none is a finding, 1 explained\n"
	"and a finding among them, 2 usage error or no such serve, 3 database\n"
	"error.",
	.options = explain_option_tables,
};

struct explain_request {
	struct common_request common;
	struct audit_window window; /* --skew */
	int json;
};

/* The serve and the columns kept from it. */
struct serve {
	int64_t id, ts, source, line, key, node, account, device;
	int has_node;
};

static int handle(int key, const char *arg, void *ctx)
{
	struct explain_request *req = ctx;

	int taken;

	if (key == OPT_FORMAT) {
		if (strcmp(arg, "text") && strcmp(arg, "json"))
			return cli_usage_error(&explain_command, "invalid --format "
					       "'%s' (use text or json)", arg), -1;
		req->json = !strcmp(arg, "json");
		return 0;
	}
	if (!(taken = window_option(&explain_command, &req->window, key, arg)))
		taken = common_option(&explain_command, &req->common, key, arg);
	return option_result(&explain_command, taken);
}

static sqlite3_stmt *prepare(struct store *st, const char *sql)
{
	return store_prepare(st, sql);
}

static const char *text_col(sqlite3_stmt *stmt, int col)
{
	return (const char *)sqlite3_column_text(stmt, col);
}

/* A text column under key, with its length: a value may hold NUL bytes. */
static void tree_col(struct tree *t, const char *key, sqlite3_stmt *stmt, int col)
{
	const char *v = text_col(stmt, col);

	tree_text_len(t, key, v, (size_t)sqlite3_column_bytes(stmt, col));
}

/*
 * The serve's log line, re-read and checked against what ingest recorded
 * (source_read_line): shown only when the file still holds the bytes that
 * were ingested; otherwise the stored fields above are the evidence.
 */
static int write_line(struct store *st, struct tree *t, int64_t source,
		      const char *path, int64_t number)
{
	static const char *const checks[] = {
		[SOURCE_LINE_VERIFIED] = "verified: the file holds the bytes ingested",
		[SOURCE_LINE_CHANGED] = "the file changed since ingest: the line is "
		"not shown; the stored fields above are the evidence",
		[SOURCE_LINE_UNREADABLE] = "the file cannot be read here: the stored "
		"fields above are the evidence",
	};
	enum source_line found;
	char *line;
	size_t len;

	if (source_read_line(st, source, path, (uint64_t)number, &line, &len, &found))
		return -1;
	tree_text_len(t, "line", line, len);
	tree_text(t, "line_check", checks[found]);
	free(line);
	return 0;
}

/* "NAME:LINE" of a source and line, in buf. */
static const char *ref(char *buf, size_t size, const char *name, int64_t line)
{
	snprintf(buf, size, "%s:%lld", name ? name : "?", (long long)line);
	return buf;
}

/*
 * The serves that `what` names: FILE:LINE when a source of that name (or
 * ending in /NAME) has a serve at that line, else a request id.
 */
static int find_serves(struct store *st, const char *what, int64_t **ids,
		       size_t *count)
{
	static const char by_line[] =
		"SELECT s.id FROM source src JOIN serve s"
		"  ON s.id = (src.id << 32) | ?2"
		" WHERE (src.name = ?1"
		"  OR substr(src.name, -length(?1) - 1) = '/' || ?1)"
		" ORDER BY s.id";
	static const char by_request[] =
		"SELECT id FROM serve WHERE req = ?1 ORDER BY ts, id";
	const char *colon = strrchr(what, ':');
	sqlite3_stmt *stmt;
	int rc, pass;

	*ids = NULL;
	*count = 0;
	for (pass = 0; pass < 2 && *count == 0; pass++) {
		char *end;
		long long line = 0;

		if (pass == 0) {
			if (!colon || colon == what || !colon[1])
				continue;
			errno = 0;
			line = strtoll(colon + 1, &end, 10);
			if (errno || *end || line <= 0)
				continue;
			if (!(stmt = prepare(st, by_line)))
				return -1;
			sqlite3_bind_text(stmt, 1, what, (int)(colon - what),
					  SQLITE_STATIC);
			sqlite3_bind_int64(stmt, 2, line);
		} else {
			if (!(stmt = prepare(st, by_request)))
				return -1;
			sqlite3_bind_text(stmt, 1, what, -1, SQLITE_STATIC);
		}
		while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
			*ids = xrealloc(*ids, (*count + 1) * sizeof(**ids));
			(*ids)[(*count)++] = sqlite3_column_int64(stmt, 0);
		}
		sqlite3_reset(stmt);
		if (rc != SQLITE_DONE) {
			store_error(st, "looking up the serve");
			return -1;
		}
	}
	return 0;
}

static int write_serve(struct store *st, struct tree *t, int64_t id,
		       struct serve *s)
{
	static const char sql[] =
		"SELECT s.ts, s.source, s.line, " SOURCE_NAME("s.source") ", s.req,"
		" " ATOM("s.account") ", " ATOM("s.device") ", " ATOM("s.key") ","
		" s.frame, " ATOM("s.node") ", " ATOM("s.relay") ","
		" " ATOM("s.cache") ", s.status, s.key, s.node, s.account,"
		" s.device FROM serve s WHERE s.id = ?1";
	sqlite3_stmt *stmt = prepare(st, sql);
	char buf[4200];

	if (!stmt)
		return -1;
	sqlite3_bind_int64(stmt, 1, id);
	if (sqlite3_step(stmt) != SQLITE_ROW) {
		store_error(st, "reading the serve");
		sqlite3_reset(stmt);
		return -1;
	}
	s->id = id;
	s->ts = sqlite3_column_int64(stmt, 0);
	s->source = sqlite3_column_int64(stmt, 1);
	s->line = sqlite3_column_int64(stmt, 2);
	s->key = sqlite3_column_int64(stmt, 13);
	s->has_node = sqlite3_column_type(stmt, 14) != SQLITE_NULL;
	s->node = sqlite3_column_int64(stmt, 14);
	s->account = sqlite3_column_int64(stmt, 15);
	s->device = sqlite3_column_int64(stmt, 16);

	tree_object(t, "serve");
	tree_text(t, "serve_ref", ref(buf, sizeof(buf), text_col(stmt, 3), s->line));
	tree_time(t, "served_at", s->ts);
	tree_col(t, "request_id", stmt, 4);
	tree_col(t, "viewer_account", stmt, 5);
	tree_col(t, "requested_device", stmt, 6);
	tree_col(t, "key", stmt, 7);
	tree_col(t, "frame", stmt, 8);
	tree_col(t, "node", stmt, 9);
	tree_col(t, "relay", stmt, 10);
	tree_col(t, "cache", stmt, 11);
	if (sqlite3_column_type(stmt, 12) == SQLITE_INTEGER)
		tree_int(t, "status", sqlite3_column_int64(stmt, 12));
	else
		tree_col(t, "status", stmt, 12);
	if (write_line(st, t, s->source, text_col(stmt, 3), s->line)) {
		sqlite3_reset(stmt);
		return -1;
	}
	tree_end(t);
	sqlite3_reset(stmt);
	return 0;
}

/* The verdict audit gives the serve: its fill, rule, owner and type. */
struct verdict {
	int found;          /* a delivery, classified */
	int64_t fill;       /* 0 when none */
	char rule[16];
	char type[32];
};

static int classify(struct store *st, const struct explain_request *req,
		    const struct serve *s, struct verdict *v)
{
	static const char sql[] =
		"SELECT fill, rule, type FROM temp.verdict WHERE serve = ?1";
	struct audit_window window = {s->ts, s->ts + 1, req->window.skew_ms};
	struct audit_summary summary;
	sqlite3_stmt *stmt;

	memset(v, 0, sizeof(*v));
	if (correlate_run(st, &window, CORRELATE_DELIVERIES, 0, &summary) ||
	    !(stmt = prepare(st, sql)))
		return -1;
	sqlite3_bind_int64(stmt, 1, s->id);
	if (sqlite3_step(stmt) == SQLITE_ROW) {
		v->found = 1;
		v->fill = sqlite3_column_int64(stmt, 0);
		snprintf(v->rule, sizeof(v->rule), "%s",
			 text_col(stmt, 1) ? text_col(stmt, 1) : "");
		snprintf(v->type, sizeof(v->type), "%s", text_col(stmt, 2));
	}
	sqlite3_reset(stmt);
	return 0;
}

/*
 * The fills shown as candidates: the nearest in time of the serve's key,
 * and of its frame, each with the tests of the rules (sql.h, the
 * same fragments audit's verdicts are judged with) that it passes: d is
 * the serve, g the fill.
 */
static const char candidates_sql[] =
	"SELECT * FROM (SELECT g.id, g.ts, g.source, g.line,"
	"  " SOURCE_NAME("g.source") ", " ATOM("g.node") ", " ATOM("g.device") ","
	"  g.frame, g.ttl_ms,"
	/* 9: on another node than the one the serve names */
	"  (d.node IS NOT NULL AND g.node <> d.node),"
	/* 10: filled too late to be the origin */
	"  NOT " FILLED_BEFORE("g", "d") ","
	/* 11: another key: found by the frame only */
	"  g.key <> d.key,"
	/* 12: the fill that replaced it on its node before the serve */
	"  (SELECT e.id FROM main.fill e WHERE e.key = g.key AND e.node = g.node"
	"    AND (e.ts > g.ts OR (e.ts = g.ts AND e.id > g.id))"
	"    AND " FILLED_BEFORE("e", "d") " ORDER BY e.ts, e.id LIMIT 1),"
	/* 13: the removal that ended it before the serve */
	"  (SELECT r.id FROM main.removal r WHERE " REMOVED_BETWEEN("r", "g", "d")
	"    ORDER BY r.ts, r.id LIMIT 1),"
	/* 14: its TTL had run out */
	"  NOT " WITHIN_TTL("g", "d") ","
	"  " SKEW("g", "d")
	"  FROM main.serve d JOIN main.fill g"
	"  ON g.key = d.key OR g.frame = d.frame"
	"  WHERE d.id = :serve ORDER BY abs(g.ts - d.ts) LIMIT " "12"
	") ORDER BY 2, 1";

/* "TIME (FILE:LINE)" of a fill or removal, and a removal's op. */
static const char fill_at_sql[] =
	"SELECT ts, line, " SOURCE_NAME("source") ", NULL FROM main.fill WHERE id = ?1";
static const char removal_at_sql[] =
	"SELECT ts, line, " SOURCE_NAME("source") ", op FROM main.removal WHERE id = ?1";

static void event_at(struct store *st, const char *sql, int64_t id,
		     char *buf, size_t size, char *op, size_t op_size)
{
	char when[TIMEFMT_SIZE], where[4096];
	sqlite3_stmt *q;

	snprintf(buf, size, "?");
	if (op_size)
		op[0] = '\0';
	if (!(q = prepare(st, sql)))
		return;
	sqlite3_bind_int64(q, 1, id);
	if (sqlite3_step(q) == SQLITE_ROW) {
		timefmt_format(sqlite3_column_int64(q, 0), when);
		snprintf(buf, size, "%s (%s)", when, ref(where, sizeof(where),
			 text_col(q, 2), sqlite3_column_int64(q, 1)));
		if (op_size && text_col(q, 3))
			snprintf(op, op_size, "%s", text_col(q, 3));
	}
	sqlite3_reset(q);
}

/*
 * Why a fill that is not the origin was passed over: the first test of
 * the rules that it fails, in the order the man page states them.
 */
static void why_not(struct store *st, const struct serve *s,
		    const struct verdict *v, sqlite3_stmt *f, char *why,
		    size_t size)
{
	static const struct {
		const char *op, *verb;
	} removals[] = {
		{"evict", "evicted"}, {"purge", "purged"}, {"expire", "expired"},
	};
	int64_t ts = sqlite3_column_int64(f, 1);
	char at[4200], op[16];
	size_t i;

	if (v->found && !strcmp(v->rule, "frame")) {
		snprintf(why, size, "the frame served identifies another fill");
	} else if (sqlite3_column_int(f, 9)) {
		snprintf(why, size, "on another node than the serve's");
	} else if (sqlite3_column_int(f, 10)) {
		snprintf(why, size, sqlite3_column_int64(f, 15) ?
			 "filled %.3f s after the serve, beyond the skew" :
			 "filled after the serve, in the same log",
			 (double)(ts - s->ts) / 1000.0);
	} else if (sqlite3_column_int(f, 11)) {
		snprintf(why, size, "another key: found by the frame only");
	} else if (sqlite3_column_type(f, 12) != SQLITE_NULL) {
		event_at(st, fill_at_sql, sqlite3_column_int64(f, 12), at, sizeof(at),
			 op, 0);
		snprintf(why, size, "replaced on its node by the fill at %s", at);
	} else if (sqlite3_column_type(f, 13) != SQLITE_NULL) {
		event_at(st, removal_at_sql, sqlite3_column_int64(f, 13), at, sizeof(at),
			 op, sizeof(op));
		for (i = 0; i < ARRAY_SIZE(removals) - 1; i++)
			if (!strcmp(op, removals[i].op))
				break;
		snprintf(why, size, "%s at %s, before the serve", removals[i].verb,
			 at);
	} else if (sqlite3_column_int(f, 14)) {
		char when[TIMEFMT_SIZE];

		timefmt_format(ts + sqlite3_column_int64(f, 8), when);
		snprintf(why, size, "its TTL ran out at %s", when);
	} else {
		snprintf(why, size, "not the origin");
	}
}

static int write_candidates(struct store *st, struct tree *t,
			    const struct serve *s, int64_t skew,
			    const struct verdict *v)
{
	sqlite3_stmt *f = prepare(st, candidates_sql);
	char buf[4200], why[4400];
	int rc;

	_Static_assert(MAX_CANDIDATES == 12, "the LIMIT above");
	if (!f)
		return -1;
	sqlite3_bind_int64(f, sqlite3_bind_parameter_index(f, ":serve"), s->id);
	sqlite3_bind_int64(f, sqlite3_bind_parameter_index(f, ":skew"), skew);
	tree_array(t, "candidates");
	while ((rc = sqlite3_step(f)) == SQLITE_ROW) {
		int chosen = v->fill == sqlite3_column_int64(f, 0);

		tree_object(t, NULL);
		tree_text(t, "fill_ref", ref(buf, sizeof(buf), text_col(f, 4),
					    sqlite3_column_int64(f, 3)));
		tree_time(t, "filled_at", sqlite3_column_int64(f, 1));
		tree_col(t, "node", f, 5);
		tree_col(t, "origin_device", f, 6);
		tree_col(t, "frame", f, 7);
		tree_bool(t, "chosen", chosen);
		if (chosen)
			snprintf(why, sizeof(why), "%s", !strcmp(v->rule, "frame") ?
				 "the fill of the frame served" :
				 "the latest fill of the key the node held, still cached");
		else
			why_not(st, s, v, f, why, sizeof(why));
		tree_text(t, "why", why);
		tree_end(t);
	}
	sqlite3_reset(f);
	tree_end(t);
	if (rc != SQLITE_DONE) {
		store_error(st, "reading fills");
		return -1;
	}
	return 0;
}

/* The chosen fill, the camera's owner when it was filled, and shares. */
static int write_origin(struct store *st, struct tree *t, const struct serve *s,
			const struct verdict *v, int64_t *device)
{
	static const char fill_sql[] =
		"SELECT f.ts, f.line, " SOURCE_NAME("f.source") ", " ATOM("f.node") ","
		" " ATOM("f.device") ", f.frame, f.ttl_ms, f.gen, f.device"
		" FROM fill f WHERE f.id = ?1";
	static const char owner_sql[] =
		"SELECT b.ts, b.line, " SOURCE_NAME("b.source") ", " ATOM("b.account") ","
		" (SELECT u.ts FROM binding u WHERE u.device = b.device"
		"   AND u.account = b.account AND u.bound = 0 AND u.ts <= ?2"
		"   AND (u.ts > b.ts OR (u.ts = b.ts AND u.id > b.id))"
		"   ORDER BY u.ts LIMIT 1)"
		" FROM binding b WHERE b.device = ?1 AND b.bound = 1 AND b.ts <= ?2"
		" ORDER BY b.ts DESC, b.id DESC LIMIT 1";
	sqlite3_stmt *f = prepare(st, fill_sql), *o;
	char buf[4200];
	int64_t filled_at;

	*device = 0;
	if (!f)
		return -1;
	if (!v->fill) {
		tree_null(t, "origin");
		tree_null(t, "owner");
		return 0;
	}
	sqlite3_bind_int64(f, 1, v->fill);
	if (sqlite3_step(f) != SQLITE_ROW) {
		sqlite3_reset(f);
		store_error(st, "reading the fill");
		return -1;
	}
	filled_at = sqlite3_column_int64(f, 0);
	*device = sqlite3_column_int64(f, 8);
	tree_object(t, "origin");
	tree_text(t, "fill_ref", ref(buf, sizeof(buf), text_col(f, 2),
				    sqlite3_column_int64(f, 1)));
	tree_text(t, "rule", !strcmp(v->rule, "frame") ? "frame identity" :
		  "latest fill of the key on the node, within skew, still cached");
	tree_time(t, "filled_at", filled_at);
	tree_col(t, "node", f, 3);
	tree_col(t, "origin_device", f, 4);
	tree_col(t, "frame", f, 5);
	tree_col(t, "gen", f, 7);
	tree_end(t);
	sqlite3_reset(f);

	if (!(o = prepare(st, owner_sql)))
		return -1;
	sqlite3_bind_int64(o, 1, *device);
	sqlite3_bind_int64(o, 2, filled_at);
	if (sqlite3_step(o) == SQLITE_ROW) {
		tree_object(t, "owner");
		if (sqlite3_column_type(o, 4) == SQLITE_NULL)
			tree_col(t, "owner_account", o, 3);
		else
			tree_null(t, "owner_account");
		tree_text(t, "binding_ref", ref(buf, sizeof(buf), text_col(o, 2),
					       sqlite3_column_int64(o, 1)));
		tree_time(t, "bound_at", sqlite3_column_int64(o, 0));
		if (sqlite3_column_type(o, 4) != SQLITE_NULL)
			tree_time(t, "unbound_at", sqlite3_column_int64(o, 4));
		tree_end(t);
	} else {
		tree_null(t, "owner");
	}
	sqlite3_reset(o);
	(void)s;
	return 0;
}

static int write_shares(struct store *st, struct tree *t, const struct serve *s,
			int64_t device)
{
	static const char sql[] =
		"SELECT ts, line, " SOURCE_NAME("source") ", granted FROM share"
		" WHERE account = ?1 AND device = ?2 AND ts <= ?3"
		" ORDER BY ts DESC, id DESC LIMIT 5";
	sqlite3_stmt *q = prepare(st, sql);
	char buf[4200];

	_Static_assert(MAX_SHARES == 5, "the LIMIT above");
	if (!q)
		return -1;
	sqlite3_bind_int64(q, 1, s->account);
	sqlite3_bind_int64(q, 2, device);
	sqlite3_bind_int64(q, 3, s->ts);
	tree_array(t, "shares");
	while (device && sqlite3_step(q) == SQLITE_ROW) {
		tree_object(t, NULL);
		tree_text(t, "op", sqlite3_column_int(q, 3) ? "share" : "unshare");
		tree_time(t, "at", sqlite3_column_int64(q, 0));
		tree_text(t, "ref", ref(buf, sizeof(buf), text_col(q, 2),
				       sqlite3_column_int64(q, 1)));
		tree_end(t);
	}
	tree_end(t);
	sqlite3_reset(q);
	return 0;
}

/* Explain one serve; 1 if it is a finding, 0 if not, -1 on error. */
static int explain(struct store *st, const struct explain_request *req,
		   struct tree *t, int64_t id)
{
	struct serve s;
	struct verdict v;
	int64_t device;

	tree_object(t, NULL);
	if (write_serve(st, t, id, &s) || classify(st, req, &s, &v))
		return -1;
	tree_bool(t, "delivered", v.found);
	if (write_origin(st, t, &s, &v, &device) ||
	    write_candidates(st, t, &s, req->window.skew_ms, &v) ||
	    write_shares(st, t, &s, device))
		return -1;
	tree_text(t, "verdict", v.found ? v.type : NULL);
	tree_end(t);
	tree_finish(t);
	return v.found && strcmp(v.type, "ok") != 0;
}

static int cmd_explain(int argc, char **argv)
{
	struct explain_request req = {0};
	enum store_failure why;
	struct store *st;
	struct tree t;
	int64_t *ids = NULL;
	size_t count = 0, i, shown = 0;
	int first, status = EXIT_CLEAN;

	common_request_init(&req.common);
	window_init(&req.window);
	if ((first = command_parse(&explain_command, argc, argv, handle, &req,
				   &status)) < 0)
		return status;
	if (first == argc)
		return cli_usage_error(&explain_command, "give a REQUEST_ID or "
				       "FILE:LINE");
	if (!(st = store_open_wait(req.common.db, STORE_READ, 0, &why)))
		return exit_for_store_failure(why);
	tree_init(&t, stdout, req.json);
	if (store_begin_read(st))
		status = EXIT_INCOMPLETE;
	for (; first < argc && status != EXIT_INCOMPLETE; first++) {
		if (find_serves(st, argv[first], &ids, &count)) {
			status = EXIT_INCOMPLETE;
			break;
		}
		if (count == 0) {
			error("no serve has request id or FILE:LINE '%s'", argv[first]);
			status = EXIT_USAGE;
		}
		for (i = 0; i < count; i++) {
			int finding;

			if (!req.json && shown++)
				fputc('\n', stdout);
			finding = explain(st, &req, &t, ids[i]);
			if (finding < 0) {
				status = EXIT_INCOMPLETE;
				break;
			}
			if (finding && status == EXIT_CLEAN)
				status = EXIT_FINDINGS;
		}
		free(ids);
		ids = NULL;
	}
	store_rollback(st);
	free(ids);
	store_close(st);
	if (cli_finish_output())
		return EXIT_INCOMPLETE;
	return status;
}
