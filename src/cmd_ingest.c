/*
 * camaudit ingest: load log files into the store, adding only what is new.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "exitcode.h"
#include "format.h"
#include "ingest.h"
#include "schema.h"
#include "util.h"

static const struct command ingest_command = {
	"ingest", cmd_ingest,
	"Load relay, cache and registry logs into the store.  Files may be plain\n"
	"or gzip (by content, whatever their name); '-' reads standard input; a\n"
	"directory stands for the files under it.  Lines ingested before, under\n"
	"any name, are skipped, so re-running over a rotated directory is safe.",
	"[--db PATH] [--quiet] [--wait DURATION] [--formats FILE]\n"
	"                       [--input-format NAME] FILE...",
	"Each file's format (logfmt, a preset such as nginx or squid, or one of\n"
	"--formats; see 'camaudit formats list') is sniffed from its first lines\n"
	"unless --input-format names it.\n"
	"Per file, stderr shows lines read, events stored, lines already ingested\n"
	"and lines rejected (the first few with FILE:LINE and the reason), and\n"
	"when there are any, lines the format skips and NUL bytes passed over.\n"
	"Exit status: 0 done (rejected lines included), 2 usage error, 3 a file\n"
	"or the database could not be read or written (the rest was done), 4\n"
	"another camaudit held the database for longer than --wait.",
};

struct ingest_run {
	struct store *st;
	int quiet;
	int per_file;           /* report each file, not only the total */
	int store_failed;
	int files_failed;
	const struct format_choice *formats;
	size_t files;
	struct ingest_result total;
};

static void report(const char *name, const struct ingest_result *r)
{
	char how[INGEST_HOW_SIZE];

	ingest_how_read(how, r->compressed, r->format);
	fprintf(stderr, "camaudit: %s%s: %llu %s read, %llu %s stored, "
		"%llu already ingested, %llu rejected", name, how,
		(unsigned long long)r->lines_read,
		plural(r->lines_read, "line", "lines"),
		(unsigned long long)r->events, plural(r->events, "event", "events"),
		(unsigned long long)r->skipped, (unsigned long long)r->rejected);
	ingest_write_notes(stderr, r->omitted, r->nul_bytes, r->provisional);
	fputc('\n', stderr);
}

static int ingest_one(const char *path, void *ctx)
{
	struct ingest_run *run = ctx;
	struct ingest_result r;
	enum ingest_status status;
	char *shown;

	if (run->store_failed)
		return -1;
	/* File names come from the logs' owners: never raw to a terminal. */
	shown = safe_strdup(strcmp(path, "-") ? path : "<stdin>");
	if (strcmp(path, "-") && store_owns_file(run->st, path)) {
		if (!run->quiet)
			fprintf(stderr, "camaudit: %s: skipped: it is the database "
				"being written\n", shown);
		free(shown);
		return 0;
	}
	status = ingest_file_as(run->st, path, shown,
				!run->quiet && isatty(STDERR_FILENO), run->formats, &r);
	run->files++;
	run->total.lines_read += r.lines_read;
	run->total.skipped += r.skipped;
	run->total.omitted += r.omitted;
	run->total.nul_bytes += r.nul_bytes;
	/* A database failure rolled the file's rows back: none was stored. */
	if (status != INGEST_STORE_FAILED) {
		run->total.events += r.events;
		run->total.rejected += r.rejected;
	}
	if (status == INGEST_FILE_FAILED)
		run->files_failed++;
	if (status == INGEST_STORE_FAILED)
		run->store_failed = 1;
	else if (!run->quiet && run->per_file)
		report(shown, &r);
	free(shown);
	return status == INGEST_STORE_FAILED ? -1 : 0;
}

int ingest_operands(struct store *st, char **paths, int count, int quiet,
		    int per_file, const struct format_choice *formats)
{
	struct ingest_run run = {.st = st, .quiet = quiet, .per_file = per_file,
				 .formats = formats};
	int i, listing_failed = 0;

	/* A first load builds its indexes and verdicts once, after its rows. */
	if (schema_defer_indexes(st))
		return store_busy(st) ? EXIT_BUSY : EXIT_INCOMPLETE;
	for (i = 0; i < count && !run.store_failed; i++)
		if (ingest_expand(paths[i], ingest_one, &run) && !run.store_failed)
			listing_failed = 1;
	if (schema_finish_load(st))
		run.store_failed = 1;
	if (!quiet && (run.files > 1 || !per_file)) {
		char name[32];

		snprintf(name, sizeof(name), "%zu %s", run.files,
			 plural(run.files, "file", "files"));
		report(name, &run.total);
	}
	if (run.store_failed)
		return store_busy(st) ? EXIT_BUSY : EXIT_INCOMPLETE;
	return run.files_failed || listing_failed ? EXIT_INCOMPLETE : EXIT_CLEAN;
}

struct ingest_request {
	struct audit_request audit;
	struct format_request formats;
};

/* --db and --quiet mean the same as for audit. */
static int handle(int key, const char *arg, void *ctx)
{
	struct ingest_request *req = ctx;

	if (format_option(&req->formats, key, arg))
		return 0;
	return audit_option(&ingest_command, &req->audit, key, arg);
}

int cmd_ingest(int argc, char **argv)
{
	static const struct cli_option *const tables[] = {
		wait_options, format_options, cli_common_options, NULL};
	struct ingest_request req;
	struct format_choice formats;
	enum store_failure why;
	struct store *st;
	int first, status;

	audit_request_init(&req.audit);
	format_request_init(&req.formats);
	first = cli_parse(argc, argv, &ingest_command, tables, handle, &req);
	if (first == -2)
		return EXIT_CLEAN;
	if (first < 0)
		return EXIT_USAGE;
	if (first == argc)
		return cli_usage_error(&ingest_command, "no files to ingest (give "
				       "files, directories, or - for stdin)");
	if ((status = format_request_load(&ingest_command, &req.formats, &formats)))
		return status;
	if (!(st = store_open_wait(req.audit.db, STORE_WRITE, req.audit.wait_ms,
				   &why))) {
		format_set_free(formats.set);
		return store_exit_status(why);
	}
	status = ingest_operands(st, argv + first, argc - first, req.audit.quiet, 1,
				 &formats);
	/* A run that failed before storing anything leaves no empty store. */
	if (status == EXIT_CLEAN)
		store_close(st);
	else
		store_close_discarding_unused(st);
	format_set_free(formats.set);
	return status;
}
