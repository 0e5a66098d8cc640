/*
 * camaudit audit: correlate what the store holds and print the findings.
 * The options and the audit step are commands.c's, which scan shares.
 */
#include "config.h"

#include "commands.h"
#include "exitcode.h"

static int cmd_audit(int argc, char **argv);

static const struct cli_option new_options[] = {
	{"new", OPT_NEW, NULL, "print only findings no earlier --new run printed, "
	 "and record them"},
	{NULL, 0, NULL, NULL},
};

static const struct cli_option *const audit_option_tables[] = {
	window_options, audit_options, table_options, skew_options, new_options,
	wait_options, common_options, NULL};

const struct command audit_command = {
	.name = "audit",
	.fn = cmd_audit,
	.summary = "correlate the store and print cross-tenant deliveries",
	.usage = "[--db PATH] [--quiet] [--since TIME] [--until TIME] [--type LIST]\n"
	"                      [--format table|json|csv|tsv] [--no-header] [--wide]\n"
	"                      [--skew DURATION] [--min-traced PCT]\n"
	"                      [--new [--wait DURATION]]",
	.description =
	"Correlate the served frames in the store with the fills, cameras and "
	"owners\nbehind them, and print every delivery of the requested types.",
	.details =
	"Types: cross_tenant (a frame reached an account that neither owns nor\n"
	"shares its camera), device_mismatch (an allowed camera, but not the one\n"
	"asked for), unknown_owner (no account owned the camera), unattributed\n"
	"(no fill explains the frame).  Exit status: 0 nothing found, 1 findings\n"
	"printed, 2 usage error, 3 could not complete, 4 database busy (--new),\n"
	"5 nothing found but the answer is incomplete (coverage gaps, too little\n"
	"traced, nothing checked), 6 findings printed and the answer incomplete.",
	.options = audit_option_tables,
};

struct audit_command_request {
	struct common_request common;
	struct audit_request audit;
};

static int handle(int key, const char *arg, void *ctx)
{
	struct audit_command_request *req = ctx;
	int taken = 1;

	if (key == OPT_NEW)
		req->audit.only_new = 1;
	else if (!(taken = audit_option(&audit_command, &req->audit, key, arg)))
		taken = common_option(&audit_command, &req->common, key, arg);
	return option_result(&audit_command, taken);
}

static int cmd_audit(int argc, char **argv)
{
	struct audit_command_request req;
	enum store_failure why;
	struct store *st;
	int first, status;

	common_request_init(&req.common);
	audit_request_init(&req.audit);
	if ((first = command_parse(&audit_command, argc, argv, handle, &req,
				   &status)) < 0)
		return status;
	if (first < argc)
		return cli_usage_error(&audit_command, "unexpected argument '%s' "
				       "(audit reads the database; to audit files use "
				       "'camaudit scan')", argv[first]);
	if (window_check(&audit_command, &req.audit.window))
		return EXIT_USAGE;
	st = store_open_wait(req.common.db,
			     req.audit.only_new ? STORE_UPDATE : STORE_READ,
			     req.common.wait_ms, &why);
	if (!st)
		return exit_for_store_failure(why);
	status = audit_execute(st, &req.audit, req.common.quiet);
	store_close(st);
	return status;
}
