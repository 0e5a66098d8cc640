/*
 * camaudit prune: drop events older than a time, to keep the store
 * bounded.  Registry events are kept (ownership at any later time depends
 * on them), and fills and removals (evict, purge, expire) are kept for a
 * day longer than serves, so that a serve just after the cut still finds
 * the fill it came from.
 * What audit --new reported stays reported.
 */
#include "config.h"

#include <stdint.h>

#include "commands.h"
#include "exitcode.h"
#include "timefmt.h"
#include "util.h"
#include "verdict.h"

/* How much longer than serves the cache events are kept. */
#define FILL_MARGIN_MS INT64_C(86400000)

static const struct cli_option prune_options[] = {
	{"before", OPT_BEFORE, "TIME", "drop serves before TIME, fills and "
	 "removals a day before it (required)"},
	{"vacuum", OPT_VACUUM, NULL, "give the freed space back to the file "
	 "system afterwards"},
	{NULL, 0, NULL, NULL},
};

static int cmd_prune(int argc, char **argv);

static const struct cli_option *const prune_option_tables[] = {
	prune_options, wait_options, common_options, NULL};

const struct command prune_command = {
	.name = "prune",
	.fn = cmd_prune,
	.summary = "drop old events from the store",
	.description = "Drop old events from the store, in one transaction.",
	.usage = "--before TIME [--vacuum] [--db PATH] [--quiet] [--wait DURATION]",
	.details =
	"Serves before TIME are dropped, fills and removals (evict, purge,\n"
	"expire) before TIME minus one day; registry events and the record of\n"
	"reported findings are kept.\n"
	"Exit status: 0 done, 2 usage error, 3 database error, 4 another\n"
	"camaudit held the database for longer than --wait.",
	.options = prune_option_tables,
};

struct prune_request {
	struct common_request common;
	int64_t before;
	int have_before;
	int vacuum;
};

static int handle(int key, const char *arg, void *ctx)
{
	struct prune_request *req = ctx;

	switch (key) {
	case OPT_BEFORE:
		if (cli_parse_time(&prune_command, "before", arg, &req->before))
			return -1;
		req->have_before = 1;
		return 0;
	case OPT_VACUUM:
		req->vacuum = 1;
		return 0;
	}
	return option_result(&prune_command,
			     common_option(&prune_command, &req->common, key, arg));
}

/* The deletions, with the time each one cuts at. */
static const struct {
	const char *one, *many; /* what is dropped, for the summary */
	const char *sql;
	int64_t margin_ms;
} cuts[] = {
	{"serve", "serves", "DELETE FROM serve WHERE ts < ?1", 0},
	{"fill", "fills", "DELETE FROM fill WHERE ts < ?1", FILL_MARGIN_MS},
	{"removal", "removals", "DELETE FROM removal WHERE ts < ?1",
	 FILL_MARGIN_MS},
};

static int prune(struct store *st, const struct prune_request *req)
{
	uint64_t dropped[ARRAY_SIZE(cuts)];
	char when[TIMEFMT_SIZE];
	size_t i;

	if (store_begin(st))
		return -1;
	for (i = 0; i < ARRAY_SIZE(cuts); i++) {
		sqlite3_stmt *stmt = store_prepare(st, cuts[i].sql);

		if (!stmt)
			goto fail;
		sqlite3_bind_int64(stmt, 1, req->before - cuts[i].margin_ms);
		if (store_step_done(st, stmt, "pruning"))
			goto fail;
		dropped[i] = (uint64_t)store_changes(st);
	}
	/* The verdicts the dropped events decided are judged again. */
	if (verdict_after_prune(st))
		goto fail;
	if (store_commit(st))
		return -1;
	/* Said before the vacuum, which can fail (it needs room for a copy). */
	if (!req->common.quiet) {
		timefmt_format(req->before, when);
		fprintf(stderr, "camaudit: pruned before %s:", when);
		for (i = 0; i < ARRAY_SIZE(cuts); i++)
			fprintf(stderr, "%s %llu %s", i ? "," : "",
				(unsigned long long)dropped[i],
				plural(dropped[i], cuts[i].one, cuts[i].many));
		fputc('\n', stderr);
	}
	if (req->vacuum && store_exec(st, "VACUUM", "vacuuming")) {
		error("database %s: the prune was committed; only the vacuum "
		      "failed, so the file keeps its size (a vacuum needs room "
		      "for a copy of the database)", store_path(st));
		return -1;
	}
	return 0;
fail:
	store_rollback(st);
	return -1;
}

static int cmd_prune(int argc, char **argv)
{
	struct prune_request req = {0};
	enum store_failure why;
	struct store *st;
	int first, status;

	common_request_init(&req.common);
	if ((first = command_parse(&prune_command, argc, argv, handle, &req,
				   &status)) < 0)
		return status;
	if (first < argc)
		return cli_usage_error(&prune_command, "unexpected argument '%s'",
				       argv[first]);
	if (!req.have_before)
		return cli_usage_error(&prune_command, "--before TIME is required");
	st = store_open_wait(req.common.db, STORE_UPDATE, req.common.wait_ms, &why);
	if (!st)
		return exit_for_store_failure(why);
	status = EXIT_CLEAN;
	if (prune(st, &req))
		status = exit_for_store_error(st);
	store_close(st);
	return status;
}
