/*
 * camaudit ingest: load log files into the store, adding only what is new.
 */
#include "config.h"

#include "commands.h"
#include "exitcode.h"
#include "format.h"

static int cmd_ingest(int argc, char **argv);

static const struct cli_option *const ingest_option_tables[] = {
	wait_options, format_options, common_options, NULL};

const struct command ingest_command = {
	.name = "ingest",
	.fn = cmd_ingest,
	.summary = "load relay, cache and registry logs into the store",
	.description =
	"Load relay, cache and registry logs into the store.  Files may be plain\n"
	"or gzip (by content, whatever their name); '-' reads standard input; a\n"
	"directory stands for the files under it.  Lines ingested before, under\n"
	"any name, are skipped, so re-running over a rotated directory is safe.",
	.usage = "[--db PATH] [--quiet] [--wait DURATION] [--formats FILE]\n"
	"                       [--input-format NAME] FILE...",
	.details =
	"Each file's format (logfmt, a preset such as nginx or squid, or one of\n"
	"--formats; see 'camaudit formats list') is sniffed from its first lines\n"
	"unless --input-format names it.\n"
	"Per file, stderr shows lines read, events stored, lines already ingested\n"
	"and lines rejected (the first few with FILE:LINE and the reason), and\n"
	"when there are any, lines the format skips and NUL bytes passed over.\n"
	"Exit status: 0 done (rejected lines included), 2 usage error, 3 a file\n"
	"or the database could not be read or written (the rest was done), 4\n"
	"another camaudit held the database for longer than --wait.",
	.options = ingest_option_tables,
};

struct ingest_request {
	struct common_request common;
	struct format_request formats;
};

static int handle(int key, const char *arg, void *ctx)
{
	struct ingest_request *req = ctx;

	if (format_option(&req->formats, key, arg))
		return 0;
	return option_result(&ingest_command,
			     common_option(&ingest_command, &req->common, key, arg));
}

static int cmd_ingest(int argc, char **argv)
{
	struct ingest_request req;
	struct format_choice formats;
	enum store_failure why;
	struct store *st;
	int first, status;

	common_request_init(&req.common);
	format_request_init(&req.formats);
	if ((first = command_parse(&ingest_command, argc, argv, handle, &req,
				   &status)) < 0)
		return status;
	if (first == argc)
		return cli_usage_error(&ingest_command, "no files to ingest (give "
				       "files, directories, or - for stdin)");
	if ((status = format_request_load(&ingest_command, &req.formats, &formats)))
		return status;
	if (!(st = store_open_wait(req.common.db, STORE_WRITE, req.common.wait_ms,
				   &why))) {
		format_set_free(formats.set);
		return exit_for_store_failure(why);
	}
	status = ingest_operands(st, argv + first, argc - first, req.common.quiet,
				 1, &formats);
	/* A run that failed before storing anything leaves no empty store. */
	if (status == EXIT_CLEAN)
		store_close(st);
	else
		store_close_discarding_unused(st);
	format_set_free(formats.set);
	return status;
}
