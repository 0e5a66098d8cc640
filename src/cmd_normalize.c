/*
 * camaudit normalize: read logs as ingest reads them and write their
 * events as export writes them, with their event ids, without a store:
 * the way into another engine from every relay host (docs/scaling.md).
 */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "exitcode.h"
#include "fingerprint.h"
#include "format.h"
#include "ingest.h"
#include "normalize.h"
#include "record.h"
#include "util.h"

static const struct cli_option normalize_options[] = {
	{"quiet", OPT_QUIET, NULL, "no summary on stderr"},
	{"help", OPT_HELP, NULL, "show this help and exit"},
	{NULL, 0, NULL, NULL},
};

static int cmd_normalize(int argc, char **argv);

static const struct cli_option *const normalize_option_tables[] = {
	record_options, format_options, normalize_options, NULL};

const struct command normalize_command = {
	.name = "normalize",
	.fn = cmd_normalize,
	.summary = "write the events of log files as NDJSON or CSV, with no store",
	.description =
	"Read logs as 'camaudit ingest' does and write their events to standard\n"
	"output as 'camaudit export' does, with no database.",
	.usage = "[--quiet] [--format ndjson|csv|tsv] [--no-header] [--events LIST]\n"
	"                          [--formats FILE] [--input-format NAME] FILE...",
	.details =
	"Files, directories, '-' and gzip as for ingest; each file's events in\n"
	"the order of its lines, with the keys of export and its event_id (the\n"
	"log's fingerprint and the line), which stays the same when the log is\n"
	"renamed, rotated, compressed or sent again.  Rejected lines are reported\n"
	"with FILE:LINE as ingest reports them.  Exit status: 0 done (rejected\n"
	"lines included), 2 usage error, 3 a file could not be read completely\n"
	"or no format matched it, or the output could not be written.",
	.options = normalize_option_tables,
};

struct normalize_request {
	struct format_request formats;
	struct record_request records; /* --format, --events, --keep-formulas */
	int quiet;
};

struct normalize_run {
	const struct normalize_request *req;
	const struct format_choice *formats;
	char *ref;              /* NAME:LINE of the file as given */
	size_t ref_name_len;    /* NAME: */
	char event_id_prefix[EVENT_ID_SIZE]; /* the fingerprint and ':' */
	int has_prefix;         /* event_id_prefix is this file's */
	size_t files;
	int files_failed;
	int write_failed;
	struct normalize_result total;
};

/* The digits of n into out; returns their count. */
static size_t put_decimal(uint64_t n, char *out)
{
	char digits[24];
	size_t count = 0, len = 0;

	do
		digits[count++] = (char)('0' + n % 10);
	while ((n /= 10) != 0);
	while (count > 0)
		out[len++] = digits[--count];
	return len;
}

static int write_event(const struct event *ev, uint64_t line,
		       const uint64_t *fingerprint, void *ctx)
{
	struct normalize_run *run = ctx;
	struct emit_cell v[RECORD_KEYS];
	char event_id[EVENT_ID_SIZE];

	if (!(run->req->records.kinds & RECORD_KIND_BIT(ev->kind)))
		return 0;
	/* NAME:LINE, the name written once per file (normalize_one). */
	run->ref[run->ref_name_len + put_decimal(line, run->ref + run->ref_name_len)] = '\0';
	if (fingerprint) {
		/* The 16 hex digits and ':' are the file's; the line follows. */
		if (!run->has_prefix) {
			fingerprint_event_id(*fingerprint, 0, run->event_id_prefix);
			run->has_prefix = 1;
		}
		memcpy(event_id, run->event_id_prefix, 17);
		event_id[17 + put_decimal(line, event_id + 17)] = '\0';
	}
	record_from_event(ev, run->ref, fingerprint ? event_id : NULL, v);
	if (run->req->records.format != EMIT_JSON)
		record_write_delimited(stdout, v, &run->req->records);
	else
		record_write_json(stdout, ev->kind, v);
	/* A full disk or a closed pipe: stop reading for nothing. */
	if (ferror(stdout)) {
		run->write_failed = 1;
		return 1;
	}
	return 0;
}

static void report(const char *name, const struct normalize_result *r)
{
	char how[INGEST_HOW_SIZE];

	ingest_how_read(how, r->compressed, r->format);
	fprintf(stderr, "camaudit: %s%s: %llu %s read, %llu %s written, "
		"%llu rejected", name, how, (unsigned long long)r->lines_read,
		plural(r->lines_read, "line", "lines"),
		(unsigned long long)r->events, plural(r->events, "event", "events"),
		(unsigned long long)r->rejected);
	ingest_write_notes(stderr, r->omitted, r->nul_bytes, r->unfinished);
	fputc('\n', stderr);
}

static int normalize_one(const char *path, void *ctx)
{
	struct normalize_run *run = ctx;
	struct normalize_result r;
	/* File names come from the logs' owners: never raw to a terminal. */
	char *shown = safe_strdup(strcmp(path, "-") ? path : "<stdin>");
	const char *name;
	int rc;

	if (run->write_failed) {
		free(shown);
		return -1;
	}
	/* ref names the file as given, as ingest's evidence does. */
	name = strcmp(path, "-") ? path : "<stdin>";
	run->ref_name_len = strlen(name) + 1;
	run->ref = xrealloc(run->ref, run->ref_name_len + 24);
	memcpy(run->ref, name, run->ref_name_len - 1);
	run->ref[run->ref_name_len - 1] = ':';
	run->has_prefix = 0;
	rc = normalize_file(path, shown, run->formats, write_event, run, &r);
	run->files++;
	run->total.lines_read += r.lines_read;
	run->total.events += r.events;
	run->total.rejected += r.rejected;
	run->total.omitted += r.omitted;
	run->total.nul_bytes += r.nul_bytes;
	if (rc && !run->write_failed)
		run->files_failed++;
	if (!run->req->quiet && !run->write_failed)
		report(shown, &r);
	free(shown);
	return run->write_failed ? -1 : 0;
}

static int handle(int key, const char *arg, void *ctx)
{
	struct normalize_request *req = ctx;
	int taken = 1;

	if (key == OPT_QUIET)
		req->quiet = 1;
	else if (!format_option(&req->formats, key, arg))
		taken = record_option(&normalize_command, &req->records, key, arg);
	return option_result(&normalize_command, taken);
}

static int cmd_normalize(int argc, char **argv)
{
	struct normalize_request req = {0};
	struct normalize_run run = {.req = &req};
	struct format_choice formats;
	int first, i, status, listing_failed = 0;

	format_request_init(&req.formats);
	record_request_init(&req.records);
	if ((first = command_parse(&normalize_command, argc, argv, handle, &req,
				   &status)) < 0)
		return status;
	if (first == argc)
		return cli_usage_error(&normalize_command, "no files to normalize "
				       "(give files, directories, or - for stdin)");
	if ((status = format_request_load(&normalize_command, &req.formats,
					  &formats)))
		return status;
	run.formats = &formats;
	if (req.records.format != EMIT_JSON)
		record_write_delimited(stdout, NULL, &req.records);
	for (i = first; i < argc && !run.write_failed; i++)
		if (ingest_expand(argv[i], normalize_one, &run) && !run.write_failed)
			listing_failed = 1;
	if (!req.quiet && !run.write_failed && run.files > 1) {
		char name[32];

		snprintf(name, sizeof(name), "%zu files", run.files);
		report(name, &run.total);
	}
	free(run.ref);
	format_set_free(formats.set);
	if (cli_finish_output() || run.write_failed)
		return EXIT_INCOMPLETE;
	return run.files_failed || listing_failed ? EXIT_INCOMPLETE : EXIT_CLEAN;
}
