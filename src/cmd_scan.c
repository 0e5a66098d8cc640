/*
 * camaudit scan: ingest into a private temporary store and audit it, in
 * one step.  SQLite creates the temporary file itself (mode 0600, removed
 * as soon as it is opened), so nothing is left behind, even on a signal.
 */
#include "config.h"

#include "commands.h"
#include "exitcode.h"
#include "format.h"
#include "progress.h"

static int cmd_scan(int argc, char **argv);

static const struct cli_option scan_options[] = {
	{"quiet", OPT_QUIET, NULL, "no progress or summary on stderr"},
	{"help", OPT_HELP, NULL, "show this help and exit"},
	{NULL, 0, NULL, NULL},
};

static const struct cli_option *const scan_option_tables[] = {
	window_options, audit_options, table_options, skew_options,
	format_options, scan_options, NULL};

const struct command scan_command = {
	.name = "scan",
	.fn = cmd_scan,
	.summary = "ingest files into a temporary store and audit them",
	.description =
	"Ingest log files into a temporary database and audit them in one step.",
	.usage = "[--quiet] [--since TIME] [--until TIME] [--type LIST]\n"
	"                     [--format table|json|csv|tsv] [--no-header] [--wide]\n"
	"                     [--skew DURATION]"
	" [--min-traced PCT] [--formats FILE]\n"
	"                     [--input-format NAME] FILE...",
	.details =
	"Takes the files of 'camaudit ingest' and the options of 'camaudit audit'.\n"
	"Exit status: 0 nothing found, 1 findings printed, 2 usage error, 3 a\n"
	"file could not be read completely (findings from the rest are printed),\n"
	"5 or 6 as 0 or 1 but the answer is incomplete (see 'camaudit audit --help').",
	.options = scan_option_tables,
};

struct scan_request {
	struct audit_request audit;
	struct format_request formats;
	int quiet;
};

static int handle(int key, const char *arg, void *ctx)
{
	struct scan_request *req = ctx;
	int taken = 1;

	if (key == OPT_QUIET) {
		req->quiet = 1;
		progress_on_terminal(1);
	} else if (!format_option(&req->formats, key, arg)) {
		taken = audit_option(&scan_command, &req->audit, key, arg);
	}
	return option_result(&scan_command, taken);
}

static int cmd_scan(int argc, char **argv)
{
	struct scan_request req = {.quiet = 0};
	struct format_choice formats;
	struct store *st;
	int first, ingested, status;

	audit_request_init(&req.audit);
	format_request_init(&req.formats);
	progress_on_terminal(0);
	if ((first = command_parse(&scan_command, argc, argv, handle, &req,
				   &status)) < 0)
		return status;
	if (window_check(&scan_command, &req.audit.window))
		return EXIT_USAGE;
	if (first == argc)
		return cli_usage_error(&scan_command, "no files to scan");
	if ((status = format_request_load(&scan_command, &req.formats, &formats)))
		return status;
	if (!(st = store_open(NULL, STORE_TEMPORARY, NULL))) {
		format_set_free(formats.set);
		return EXIT_INCOMPLETE;
	}
	ingested = ingest_operands(st, argv + first, argc - first, req.quiet, 0,
				   &formats);
	status = audit_execute(st, &req.audit, req.quiet);
	store_close(st);
	format_set_free(formats.set);
	/* A file that could not be read makes the answer incomplete. */
	return ingested == EXIT_CLEAN || status == EXIT_USAGE ? status
							      : EXIT_INCOMPLETE;
}
