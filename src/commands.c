/*
 * The command layer's shared part: the options several commands take,
 * with their tables and handlers, and the steps several commands run
 * (ingesting the operands, the audit).  The commands call this; it calls
 * the library, never a command.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commands.h"
#include "coverage.h"
#include "exitcode.h"
#include "format.h"
#include "ingest.h"
#include "progress.h"
#include "report.h"
#include "schema.h"
#include "timefmt.h"
#include "util.h"
#include "verdict.h"

/*
 * Below this share of deliveries traced to a fill, "clean" means little:
 * the default of --min-traced.
 */
#define ATTRIBUTION_WARN_PERCENT 90

int option_result(const struct command *cmd, int taken)
{
	if (taken > 0)
		return 0;
	if (taken < 0)
		return -1;
	/* A key in the command's tables that its handler forgot. */
	return cli_usage_error(cmd, "unhandled option"), -1;
}

int command_parse(const struct command *cmd, int argc, char **argv,
		  int (*handle)(int key, const char *arg, void *ctx), void *ctx,
		  int *status)
{
	int first = cli_parse(argc, argv, cmd, cmd->options, handle, ctx);

	if (first >= 0)
		return first;
	*status = first == -2 ? EXIT_CLEAN : EXIT_USAGE;
	return -1;
}

int exit_for_store_failure(enum store_failure why)
{
	switch (why) {
	case STORE_MISSING:
		return EXIT_USAGE;
	case STORE_BUSY:
		return EXIT_BUSY;
	case STORE_FAILED:
		break;
	}
	return EXIT_INCOMPLETE;
}

int exit_for_store_error(struct store *st)
{
	return store_busy(st) ? EXIT_BUSY : EXIT_INCOMPLETE;
}

/* ---- --db, --quiet, --wait ------------------------------------------------ */

const struct cli_option common_options[] = {
	{"db", OPT_DB, "PATH",
	 "the database (default: $CAMAUDIT_DB, else ./" CLI_DEFAULT_DB ")"},
	{"quiet", OPT_QUIET, NULL, "no progress or summary on stderr"},
	{"help", OPT_HELP, NULL, "show this help and exit"},
	{NULL, 0, NULL, NULL},
};

const struct cli_option wait_options[] = {
	{"wait", OPT_WAIT, "DURATION", "wait this long for another camaudit "
	 "writing the database (default: 60s)"},
	{NULL, 0, NULL, NULL},
};

void common_request_init(struct common_request *req)
{
	req->db = cli_default_db();
	req->quiet = 0;
	req->wait_ms = STORE_WAIT_MS;
	progress_on_terminal(0);
}

int common_option(const struct command *cmd, struct common_request *req,
		  int key, const char *arg)
{
	switch (key) {
	case OPT_DB:
		/* SQLite would take "" for a private temporary database. */
		if (!*arg)
			return cli_usage_error(cmd, "--db needs a file name, not "
					       "an empty one"), -1;
		req->db = arg;
		return 1;
	case OPT_QUIET:
		req->quiet = 1;
		progress_on_terminal(1);
		return 1;
	case OPT_WAIT:
		if (timefmt_parse_duration(arg, &req->wait_ms))
			return cli_usage_error(cmd, "invalid --wait '%s' (a duration "
					       "such as 30s, 5m)", arg), -1;
		return 1;
	}
	return 0;
}

/* ---- --since, --until, --skew ---------------------------------------------- */

const struct cli_option window_options[] = {
	{"since", OPT_SINCE, "TIME", "only serves at or after TIME (RFC 3339, "
	 "YYYY-MM-DD, @EPOCH, today, 2h = 2 hours ago, ...)"},
	{"until", OPT_UNTIL, "TIME", "only serves before TIME"},
	{NULL, 0, NULL, NULL},
};

const struct cli_option event_window_options[] = {
	{"since", OPT_SINCE, "TIME", "only events at or after TIME (RFC 3339, "
	 "YYYY-MM-DD, @EPOCH, today, 2h = 2 hours ago, ...)"},
	{"until", OPT_UNTIL, "TIME", "only events before TIME"},
	{NULL, 0, NULL, NULL},
};

const struct cli_option skew_options[] = {
	{"skew", OPT_SKEW, "DURATION", "clock-skew tolerance between relay and "
	 "cache hosts (default: 2s)"},
	{NULL, 0, NULL, NULL},
};

void window_init(struct audit_window *window)
{
	window->since = INT64_MIN;
	window->until = INT64_MAX;
	window->skew_ms = CORRELATE_SKEW_MS;
}

int window_option(const struct command *cmd, struct audit_window *window,
		  int key, const char *arg)
{
	switch (key) {
	case OPT_SINCE:
		return cli_parse_time(cmd, "since", arg, &window->since) ? -1 : 1;
	case OPT_UNTIL:
		return cli_parse_time(cmd, "until", arg, &window->until) ? -1 : 1;
	case OPT_SKEW:
		if (timefmt_parse_duration(arg, &window->skew_ms))
			return cli_usage_error(cmd, "invalid --skew '%s' (a duration "
					       "such as 2s, 500ms, 1m)", arg), -1;
		return 1;
	}
	return 0;
}

int window_check(const struct command *cmd, const struct audit_window *window)
{
	if (window->since >= window->until)
		return cli_usage_error(cmd, "--since is not before --until: the "
				       "window is empty"), -1;
	return 0;
}

/* ---- audit's options ----------------------------------------------------- */

const struct cli_option audit_options[] = {
	{"type", OPT_TYPE, "LIST", "finding types, comma-separated, or all "
	 "(default: cross_tenant)"},
	{"format", OPT_FORMAT, "FORMAT", "table, json (one object per line), "
	 "csv or tsv (default: table)"},
	{"keep-formulas", OPT_KEEP_FORMULAS, NULL, "csv, tsv: do not defuse cells "
	 "that start with = + - @"},
	{"min-traced", OPT_MIN_TRACED, "PCT", "exit 5 or 6 (incomplete) when "
	 "less than PCT% of deliveries are traced (default: 90)"},
	{NULL, 0, NULL, NULL},
};

const struct cli_option min_traced_options[] = {
	{"min-traced", OPT_MIN_TRACED, "PCT", "mark the report incomplete when "
	 "less than PCT% of deliveries are traced (default: 90)"},
	{NULL, 0, NULL, NULL},
};

void audit_request_init(struct audit_request *req)
{
	memset(req, 0, sizeof(*req));
	window_init(&req->window);
	req->types = 1u << FINDING_CROSS_TENANT;
	req->format = EMIT_TABLE;
	req->min_traced = ATTRIBUTION_WARN_PERCENT;
}

/* A share in percent, 0 to 100 (0 never blind for the share). */
static int parse_percent(const struct command *cmd, const char *arg,
			 double *percent)
{
	char *end;
	double value;

	errno = 0;
	value = strtod(arg, &end);
	if (end == arg || *end || errno || isnan(value) || value < 0 ||
	    value > 100)
		return cli_usage_error(cmd, "invalid --min-traced '%s' (a "
				       "percentage from 0 to 100)", arg), -1;
	*percent = value;
	return 0;
}

int audit_option(const struct command *cmd, struct audit_request *req, int key,
		 const char *arg)
{
	switch (key) {
	case OPT_TYPE:
		if (finding_types_parse(arg, &req->types))
			return cli_usage_error(cmd, "invalid --type '%s' (use a comma "
					       "list of cross_tenant, device_mismatch, "
					       "unknown_owner, unattributed, or all)",
					       arg), -1;
		return 1;
	case OPT_FORMAT:
		if (emit_format_parse(arg, &req->format))
			return cli_usage_error(cmd, "invalid --format '%s' (use "
					       "table, json, csv or tsv)", arg), -1;
		return 1;
	case OPT_KEEP_FORMULAS:
		req->emit_flags |= EMIT_KEEP_FORMULAS;
		return 1;
	case OPT_MIN_TRACED:
		return parse_percent(cmd, arg, &req->min_traced) ? -1 : 1;
	}
	if (table_option(&req->emit_flags, key))
		return 1;
	return window_option(cmd, &req->window, key, arg);
}

/* ---- --no-header, --wide ---------------------------------------------------- */

const struct cli_option table_options[] = {
	{"no-header", OPT_NO_HEADER, NULL, "no line of column headings (text "
	 "tables, csv, tsv)"},
	{"wide", OPT_WIDE, NULL, "text tables: every column in full, also on a "
	 "terminal (there: 80 columns)"},
	{NULL, 0, NULL, NULL},
};

int table_option(unsigned *flags, int key)
{
	if (key == OPT_NO_HEADER)
		*flags |= EMIT_NO_HEADER;
	else if (key == OPT_WIDE)
		*flags |= EMIT_WIDE;
	else
		return 0;
	return 1;
}

/* ---- the audit step -------------------------------------------------------- */

static void print_summary(const struct audit_summary *s, const uint64_t *new_printed)
{
	unsigned t;

	fprintf(stderr, "camaudit: %llu %s checked, %llu (%.1f%%) traced "
		"to a fill; findings:", (unsigned long long)s->deliveries,
		plural(s->deliveries, "delivery", "deliveries"),
		(unsigned long long)s->attributed, report_traced_percent(s));
	for (t = 0; t < FINDING_TYPE_COUNT; t++)
		fprintf(stderr, "%s %s %llu", t ? "," : "",
			finding_type_name((enum finding_type)t),
			(unsigned long long)s->by_type[t]);
	if (new_printed)
		fprintf(stderr, "; new: %llu printed, %llu reported before",
			(unsigned long long)*new_printed,
			(unsigned long long)s->reported);
	fputc('\n', stderr);
}

/*
 * An incomplete answer is a result, not a remark: say why in one line,
 * --quiet or not (a cron job's only trace), and return 1; 0 when the
 * answer is complete.
 */
static int report_blindness(const struct audit_summary *s, double min_traced)
{
	char share[160] = "", gaps[200] = "";
	unsigned why = report_blind_reasons(s, min_traced);

	if (why & REPORT_BLIND_NOTHING_CHECKED) {
		warning("no deliveries in the store for this window: nothing was "
			"checked");
		return 1;
	}
	if (why & REPORT_BLIND_LITTLE_TRACED)
		snprintf(share, sizeof(share), "only %.1f%% of deliveries could be "
			 "traced to a fill (--min-traced %g; are cache logs "
			 "missing?)", report_traced_percent(s), min_traced);
	if (why & REPORT_BLIND_GAPS)
		snprintf(gaps, sizeof(gaps), "%llu %s in coverage gaps "
			 "(hours in which the cache node that served %s wrote no "
			 "cache log line; see 'camaudit status')",
			 (unsigned long long)s->in_gaps,
			 plural(s->in_gaps, "delivery falls", "deliveries fall"),
			 plural(s->in_gaps, "it", "them"));
	if (!*share && !*gaps)
		return 0;
	warning("%s%s%s: an absence of findings means unknown, not clean", share,
		*share && *gaps ? " and " : "", gaps);
	return 1;
}

/* Print the findings and, with --new, record them; returns -1 on error. */
static int print_findings(struct store *st, const struct audit_request *req,
			  struct audit_summary *summary, uint64_t *printed)
{
	if (correlate_run(st, &req->window, CORRELATE_FINDINGS, req->only_new,
			  summary) ||
	    coverage_count_gap_deliveries(st, req->window.since, req->window.until,
					  &summary->in_gaps))
		return -1;
	if (req->only_new && correlate_drop_reported(st, &summary->reported))
		return -1;
	if (emit_findings(st, req->types, req->format, req->emit_flags, stdout,
			  printed))
		return -1;
	/*
	 * --new records what it printed only once stdout took it all: a run
	 * killed or failing in between prints those findings again next
	 * time rather than never (at least once, never lost).
	 */
	if (cli_finish_output())
		return -1;
	if (req->only_new && correlate_record_reported(st, req->types))
		return -1;
	return 0;
}

int audit_execute(struct store *st, const struct audit_request *req, int quiet)
{
	struct audit_summary summary;
	uint64_t printed = 0;
	int failed;

	/*
	 * One snapshot for the classification and the passes that print it,
	 * so that an ingest running meanwhile cannot change a finding between
	 * the two.  --new also takes the write lock, so that two overlapping
	 * runs cannot both print the same new finding.
	 */
	if (req->only_new ? store_begin(st) : store_begin_read(st))
		return exit_for_store_error(st);
	failed = print_findings(st, req, &summary, &printed);
	if (failed || !req->only_new)
		store_rollback(st); /* a plain audit changed only temp tables */
	else if (store_commit(st))
		failed = 1;
	if (failed)
		return exit_for_store_error(st);
	if (!quiet)
		print_summary(&summary, req->only_new ? &printed : NULL);
	if (report_blindness(&summary, req->min_traced))
		return printed ? EXIT_FINDINGS_BLIND : EXIT_BLIND;
	return printed ? EXIT_FINDINGS : EXIT_CLEAN;
}

/* ---- --formats, --input-format --------------------------------------------- */

const struct cli_option format_options[] = {
	{"formats", OPT_FORMATS, "FILE", "format definitions to add to the "
	 "presets; may be given again (default: the colon-separated files in "
	 "$CAMAUDIT_FORMATS)"},
	{"input-format", OPT_INPUT_FORMAT, "NAME", "read every file with this "
	 "format instead of sniffing each (see 'camaudit formats list')"},
	{NULL, 0, NULL, NULL},
};

void format_request_init(struct format_request *req)
{
	const char *env = getenv("CAMAUDIT_FORMATS");

	memset(req, 0, sizeof(*req));
	req->env = env && *env ? env : NULL;
}

int format_option(struct format_request *req, int key, const char *arg)
{
	if (key == OPT_FORMATS) {
		if (req->path_count < FORMAT_FILES_MAX)
			req->paths[req->path_count] = arg;
		req->path_count++; /* too many: reported when loading */
	} else if (key == OPT_INPUT_FORMAT) {
		req->name = arg;
	} else {
		return 0;
	}
	return 1;
}

/*
 * Every file of $CAMAUDIT_FORMATS, split at colons as PATH is (empty
 * elements are skipped); the number of errors.
 */
static int load_env_list(struct format_set *set, const char *list)
{
	char *copy = xstrdup(list), *at = copy;
	int errors = 0;

	while (at) {
		char *colon = strchr(at, ':');

		if (colon)
			*colon = '\0';
		if (*at)
			errors += format_set_add_file(set, at);
		at = colon ? colon + 1 : NULL;
	}
	free(copy);
	return errors;
}

int format_request_load(const struct command *cmd, const struct format_request *req,
			struct format_choice *choice)
{
	size_t i;
	int errors = 0;

	if (req->path_count > FORMAT_FILES_MAX)
		return cli_usage_error(cmd, "--formats given %zu times (at most %d; "
				       "put the definitions in fewer files)",
				       req->path_count, FORMAT_FILES_MAX);
	choice->set = format_set_new();
	choice->forced = NULL;
	/* All files are read, so that every mistake is reported at once. */
	for (i = 0; i < req->path_count; i++)
		errors += format_set_add_file(choice->set, req->paths[i]);
	if (req->path_count == 0 && req->env)
		errors += load_env_list(choice->set, req->env);
	if (errors) {
		format_set_free(choice->set);
		choice->set = NULL;
		return EXIT_USAGE;
	}
	if (req->name && !(choice->forced = format_set_find(choice->set, req->name))) {
		format_set_free(choice->set);
		choice->set = NULL;
		return cli_usage_error(cmd, "unknown input format '%s' (see "
				       "'camaudit formats list')", req->name);
	}
	return EXIT_CLEAN;
}

/* ---- ingesting the operands ------------------------------------------------ */

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
	status = ingest_file_as(run->st, path, shown, run->formats, &r);
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

/* The files the operands name, in order, with their sizes (0 for "-"). */
struct file_list {
	char **path;
	uint64_t *size;
	size_t count, allocated;
	uint64_t total;
};

static int list_file(const char *path, void *ctx)
{
	struct file_list *files = ctx;
	struct stat sb;

	if (files->count == files->allocated) {
		files->allocated = files->allocated ? 2 * files->allocated : 16;
		files->path = xrealloc(files->path,
				       files->allocated * sizeof(*files->path));
		files->size = xrealloc(files->size,
				       files->allocated * sizeof(*files->size));
	}
	files->size[files->count] = strcmp(path, "-") && stat(path, &sb) == 0 ?
				    (uint64_t)sb.st_size : 0;
	files->total += files->size[files->count];
	files->path[files->count++] = xstrdup(path);
	return 0;
}

int ingest_operands(struct store *st, char **paths, int count, int quiet,
		    int per_file, const struct format_choice *formats)
{
	struct ingest_run run = {.st = st, .quiet = quiet, .per_file = per_file,
				 .formats = formats};
	struct file_list files = {0};
	int i, listing_failed = 0;
	size_t k;

	/* A first load builds its indexes and verdicts once, after its rows. */
	if (schema_defer_indexes(st))
		return exit_for_store_error(st);
	/*
	 * The files first, then their ingest: the status line can then say
	 * how far the whole run is, from the bytes of all of them.
	 */
	for (i = 0; i < count; i++)
		if (ingest_expand(paths[i], list_file, &files))
			listing_failed = 1;
	progress_plan(files.count > 1 ? files.total : 0); /* one file: its own line */
	for (k = 0; k < files.count; k++) {
		if (!run.store_failed)
			ingest_one(files.path[k], &run);
		progress_file_done(files.size[k]);
		free(files.path[k]);
	}
	free(files.path);
	free(files.size);
	if (verdict_finish_load(st))
		run.store_failed = 1;
	if (!quiet && (run.files > 1 || !per_file)) {
		char name[32];

		snprintf(name, sizeof(name), "%zu %s", run.files,
			 plural(run.files, "file", "files"));
		report(name, &run.total);
	}
	if (run.store_failed)
		return exit_for_store_error(st);
	return run.files_failed || listing_failed ? EXIT_INCOMPLETE : EXIT_CLEAN;
}
