/*
 * camaudit check: judge every serve from scratch and compare with the
 * verdicts that ingest kept in the store; with --repair, store the new
 * ones.  For tests, for operators after an upgrade, and for doubt.
 */
#include "config.h"

#include <stdlib.h>

#include "commands.h"
#include "coverage.h"
#include "exitcode.h"
#include "source.h"
#include "util.h"
#include "verdict.h"

static const struct cli_option check_options[] = {
	{"repair", OPT_REPAIR, NULL, "replace the stored verdicts and coverage "
	 "tallies that differ with the new ones"},
	{NULL, 0, NULL, NULL},
};

static int cmd_check(int argc, char **argv);

static const struct cli_option *const check_option_tables[] = {
	check_options, wait_options, common_options, NULL};

const struct command check_command = {
	.name = "check",
	.fn = cmd_check,
	.summary = "judge every serve again and compare with the stored verdicts",
	.description =
	"Judge every serve in the store from scratch and compare each verdict\n"
	"with the one ingest kept; print every serve where they differ.",
	.usage = "[--db PATH] [--quiet] [--wait DURATION] [--repair]",
	.details =
	"Each difference is one line on stdout: the serve's FILE:LINE, then the\n"
	"stored and the new verdict (type and fill).  The coverage tallies are\n"
	"counted again too; a warning says how many differ.  Exit status: 0 all\n"
	"equal, 1 differences found (with --repair: and replaced), 2 usage error,\n"
	"3 database error, 4 another camaudit held the database past --wait.",
	.options = check_option_tables,
};

struct check_request {
	struct common_request common;
	int repair;
};

static int handle(int key, const char *arg, void *ctx)
{
	struct check_request *req = ctx;

	if (key == OPT_REPAIR) {
		req->repair = 1;
		return 0;
	}
	return option_result(&check_command,
			     common_option(&check_command, &req->common, key, arg));
}

/* "TYPE (fill FILE:LINE)", or "none" for a serve without a verdict. */
static void print_side(struct store *st, const struct verdict_row *v)
{
	char *ref;

	if (!v->present) {
		fputs("none", stdout);
		return;
	}
	fputs(v->type, stdout);
	if (v->fill) {
		ref = source_event_ref(st, v->fill);
		printf(" (fill %s)", ref);
		free(ref);
	}
	if (v->owner.ptr) {
		char *owner = safe_memdup(v->owner.ptr, v->owner.len);

		printf(" owner %s", owner);
		free(owner);
	}
}

static int print_difference(int64_t serve, const struct verdict_row *stored,
			    const struct verdict_row *judged, void *ctx)
{
	struct store *st = ctx;
	char *ref = source_event_ref(st, serve);

	printf("%s: stored ", ref);
	print_side(st, stored);
	fputs(", judged now ", stdout);
	print_side(st, judged);
	putchar('\n');
	free(ref);
	return ferror(stdout) ? -1 : 0;
}

static int cmd_check(int argc, char **argv)
{
	struct check_request req = {0};
	enum store_failure why;
	struct store *st;
	uint64_t checked = 0, differences = 0, tallies = 0;
	int first, failed, status;

	common_request_init(&req.common);
	if ((first = command_parse(&check_command, argc, argv, handle, &req,
				   &status)) < 0)
		return status;
	if (first < argc)
		return cli_usage_error(&check_command, "unexpected argument '%s'",
				       argv[first]);
	st = store_open_wait(req.common.db, req.repair ? STORE_UPDATE : STORE_READ,
			     req.common.wait_ms, &why);
	if (!st)
		return exit_for_store_failure(why);
	/* One snapshot; --repair holds the write lock from the first read. */
	failed = req.repair ? store_begin(st) : store_begin_read(st);
	if (!failed)
		failed = verdict_check(st, req.repair, print_difference, st,
				       &checked, &differences) != 0 ||
			 coverage_tally_check(st, req.repair, &tallies) != 0;
	if (failed || !req.repair)
		store_rollback(st);
	else if (store_commit(st))
		failed = 1;
	if (failed) {
		status = exit_for_store_error(st);
		store_close(st);
		return status;
	}
	store_close(st);
	if (cli_finish_output())
		return EXIT_INCOMPLETE;
	if (!req.common.quiet)
		fprintf(stderr, "camaudit: %llu %s judged again, %llu %s%s\n",
			(unsigned long long)checked,
			plural(checked, "verdict", "verdicts"),
			(unsigned long long)differences,
			plural(differences, "differs", "differ"),
			differences && req.repair ? " (replaced)" : "");
	/* Said even with -q: the coverage gaps read from them were wrong. */
	if (tallies)
		warning("%llu of the cache nodes' hourly tallies %s from a "
			"count from scratch%s", (unsigned long long)tallies,
			plural(tallies, "differs", "differ"),
			req.repair ? " (counted again)" : "");
	return differences || tallies ? EXIT_FINDINGS : EXIT_CLEAN;
}
