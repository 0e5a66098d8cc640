/*
 * camaudit report: the incident report for a window: headline figures
 * (confirmed and upper bound), the exposure window and its bursts, hourly
 * cause hints, the two notification lists and the coverage, as text, one
 * JSON object, one self-contained HTML file, or a CSV or TSV list for mail
 * merge.
 * The figures are report.c's; this file only writes them.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "exitcode.h"
#include "report.h"
#include "report_write.h"
#include "timefmt.h"
#include "tree.h"
#include "util.h"

enum report_format { FORMAT_TEXT, FORMAT_JSON, FORMAT_HTML, FORMAT_CSV,
		     FORMAT_TSV };

static const char *const format_names[] = {
	[FORMAT_TEXT] = "text", [FORMAT_JSON] = "json",
	[FORMAT_HTML] = "html", [FORMAT_CSV] = "csv", [FORMAT_TSV] = "tsv",
};

/* The lists --list names, and the table each one writes. */
static const struct {
	const char *name;
	enum report_table_id table;
} lists[] = {
	{"owners", REPORT_OWNER_EXPOSURES},
	{"recipients", REPORT_RECIPIENT_EXPOSURES},
};

static const struct cli_option report_options[] = {
	{"format", OPT_FORMAT, "FORMAT", "text, json, html, csv or tsv (default: "
	 "text)"},
	{"list", OPT_LIST, "LIST", "with --format csv or tsv: the list to write, "
	 "owners or recipients"},
	{"output", OPT_OUTPUT, "FILE", "write the report to FILE (default: "
	 "standard output)"},
	{NULL, 0, NULL, NULL},
};

static int cmd_report(int argc, char **argv);

static const struct cli_option *const report_option_tables[] = {
	window_options, skew_options, report_options, table_options,
	min_traced_options, common_options, NULL};

const struct command report_command = {
	.name = "report",
	.fn = cmd_report,
	.summary = "write the incident report: who saw whose frames, when",
	.description =
	"Write the incident report for the window: how many owners and\n"
	"recipients, frames and deliveries (confirmed and upper bound), when\n"
	"it began and ended, hourly cause hints, whom to notify, and coverage.",
	.usage = "[--db PATH] [--since TIME] [--until TIME] [--skew DURATION]\n"
	"                       [--format text|json|html|csv|tsv] "
	"[--list owners|recipients]\n"
	"                       [--no-header] [--wide] [--min-traced PCT] "
	"[-o FILE] [--quiet]",
	.details =
	"Confirmed figures count cross_tenant findings; the upper bound adds the\n"
	"unattributed deliveries and those in coverage gaps whose origin was\n"
	"found by key alone.  A pause of more than 30 minutes between\n"
	"cross-tenant deliveries starts a new burst.  Each owner, camera and\n"
	"recipient comes with its first 3 deliveries as evidence (request id,\n"
	"FILE:LINE of serve and fill; audit lists them all), and the report\n"
	"ends with its sources: when, which camaudit, the database and its\n"
	"input files.  The report is marked incomplete when less than\n"
	"--min-traced of the deliveries are traced, deliveries fall in coverage\n"
	"gaps, or nothing was checked: there, no finding means unknown, not\n"
	"clean.  --format csv or tsv writes one notification list, chosen with\n"
	"--list.  Exit status: 0 report written, no cross-tenant delivery;\n"
	"1 report written, cross-tenant deliveries confirmed; 2 usage error;\n"
	"3 could not complete.",
	.options = report_option_tables,
};

struct report_request {
	struct common_request common;
	struct audit_request audit; /* the window and --min-traced */
	enum report_format format;
	int list;            /* index into lists[], or -1 */
	const char *output;  /* -o FILE, or NULL for stdout */
	unsigned flags;      /* EMIT_NO_HEADER, EMIT_WIDE */
};

static int handle(int key, const char *arg, void *ctx)
{
	struct report_request *req = ctx;
	size_t i;
	int taken, found;

	switch (key) {
	case OPT_FORMAT:
		found = name_lookup(format_names, ARRAY_SIZE(format_names), arg);
		if (found < 0)
			return cli_usage_error(&report_command, "invalid --format '%s' "
					       "(use text, json, html, csv or tsv)",
					       arg), -1;
		req->format = (enum report_format)found;
		return 0;
	case OPT_LIST:
		for (i = 0; i < ARRAY_SIZE(lists); i++) {
			if (!strcmp(arg, lists[i].name)) {
				req->list = (int)i;
				return 0;
			}
		}
		return cli_usage_error(&report_command, "invalid --list '%s' (use "
				       "owners or recipients)", arg), -1;
	case OPT_OUTPUT:
		req->output = arg;
		return 0;
	}
	if (table_option(&req->flags, key))
		return 0;
	taken = audit_option(&report_command, &req->audit, key, arg);
	if (!taken)
		taken = common_option(&report_command, &req->common, key, arg);
	return option_result(&report_command, taken);
}

/* --- values as text ------------------------------------------------------- */

static uint64_t ok_deliveries(const struct report_summary *sum)
{
	uint64_t ok = sum->checked.deliveries;
	unsigned t;

	for (t = 0; t < FINDING_TYPE_COUNT; t++)
		ok -= sum->checked.by_type[t];
	return ok;
}

/* --- text ----------------------------------------------------------------- */

/* A table's rows, for emit.h's writer. */
struct table_rows {
	struct store *st;
	enum report_table_id id;
};

static int table_rows(struct emit_writer *ew, void *ctx)
{
	const struct table_rows *rows = ctx;

	return report_each_row(rows->st, rows->id, NULL, emit_row, ew);
}

/* A table under "TITLE: N NOTE", in columns sized by a first pass. */
static int text_table(struct writer *w, enum report_table_id id, const char *note)
{
	const struct report_table *table = &report_tables[id];
	struct table_rows rows = {w->st, id};
	struct emit_writer ew;

	emit_writer_init(&ew, w->out, EMIT_TABLE, w->flags, table->columns,
			 table->column_count, 2);
	if (emit_measure(&ew, table_rows, &rows))
		return -1;
	putc('\n', w->out);
	if (!emit_title(&ew, table->title, note))
		return 0;
	return emit_write(&ew, table_rows, &rows);
}

static int write_text(struct writer *w)
{
	const struct report_summary *sum = w->sum;
	FILE *out = w->out;
	char first[TIMEFMT_SIZE], last[TIMEFMT_SIZE];
	char why[REPORT_BLIND_WORDS_SIZE], evidence_note[80];
	unsigned t;
	int f;

	snprintf(evidence_note, sizeof(evidence_note), "(the first %d deliveries "
		 "of each; audit lists them all)", REPORT_EVIDENCE_PER_PAIR);
	fputs("camaudit report: ", out);
	report_text_window(sum, out);
	fprintf(out, "\nchecked: %" PRIu64 " deliveries, %" PRIu64 " (%.1f%%) "
		"traced to a fill;", sum->checked.deliveries, sum->checked.attributed,
		report_percent(sum->checked.attributed, sum->checked.deliveries));
	for (t = 0; t < FINDING_TYPE_COUNT; t++)
		fprintf(out, "%s %s %" PRIu64, t ? "," : "",
			finding_type_name((enum finding_type)t),
			sum->checked.by_type[t]);
	fprintf(out, ", ok %" PRIu64 "\n", ok_deliveries(sum));
	report_blind_words(sum, why, sizeof(why));
	if (*why)
		fprintf(out, "INCOMPLETE: %s;\n  where no finding is shown, that means "
			"unknown, not clean\n", why);
	fprintf(out, "\nheadline:\n  %-21s  %9s  %11s\n", "FIGURE", "CONFIRMED",
		"UPPER_BOUND");
	for (f = 0; f < REPORT_FIGURE_COUNT; f++)
		fprintf(out, "  %-21s  %9" PRIu64 "  %11" PRIu64 "\n",
			report_figure_label((enum report_figure)f), sum->confirmed[f],
			sum->upper_bound[f]);
	fprintf(out, "  The upper bound adds %" PRIu64 " unattributed deliveries "
		"and %" PRIu64 " uncertain ones\n  (in coverage gaps, judged by key "
		"alone); each of their %" PRIu64 " frames may be\n  one more "
		"owner's, up to the %" PRIu64 " other owners in the registry.\n",
		report_unattributed(sum), sum->uncertain, report_unconfirmed_frames(sum),
		sum->owner_cap);
	if (sum->has_exposure) {
		timefmt_format(sum->first_exposure, first);
		timefmt_format(sum->last_exposure, last);
		fprintf(out, "\nexposure: first %s, last %s\n", first, last);
	} else {
		fputs("\nexposure: no cross-tenant delivery\n", out);
	}
	if (text_table(w, REPORT_EXPOSURE_RELAYS, NULL) ||
	    text_table(w, REPORT_EXPOSURE_NODES, NULL) ||
	    text_table(w, REPORT_BURSTS, "(a pause of more than 30 minutes "
		       "starts a new burst)") ||
	    text_table(w, REPORT_BURST_RELAYS, NULL) ||
	    text_table(w, REPORT_BURST_NODES, NULL) ||
	    text_table(w, REPORT_HOURS, "(UTC; cross_tenant and unattributed are "
		       "deliveries)") ||
	    text_table(w, REPORT_HOUR_NODES, "(GEN: in effect at the end of "
		       "the hour)") ||
	    text_table(w, REPORT_GENERATIONS, NULL) ||
	    text_table(w, REPORT_OWNERS_LIST, NULL) ||
	    text_table(w, REPORT_OWNER_EXPOSURES, NULL) ||
	    text_table(w, REPORT_PAIR_EVIDENCE, evidence_note) ||
	    text_table(w, REPORT_RECIPIENTS_LIST, NULL) ||
	    text_table(w, REPORT_RECIPIENT_EXPOSURES, NULL))
		return -1;
	fprintf(out, "\ncoverage: %" PRIu64 " deliveries in coverage gaps, %"
		PRIu64 " unattributed, %" PRIu64 " uncertain\n",
		sum->gap_deliveries, report_unattributed(sum), sum->uncertain);
	if (text_table(w, REPORT_GAPS, "(hours in which a cache node that "
		       "served wrote no cache log line)") ||
	    text_table(w, REPORT_UNATTRIBUTED, NULL))
		return -1;
	timefmt_format(sum->generated_at, first);
	fprintf(out, "\ngenerated: %s by camaudit " PACKAGE_VERSION " from ",
		first);
	fput_safe(out, sum->store, strlen(sum->store));
	fputc('\n', out);
	return text_table(w, REPORT_SOURCES, NULL);
}

/* --- json ----------------------------------------------------------------- */

static int json_table(struct writer *w, enum report_table_id id,
		      const struct emit_value *parent);

static int json_row(const struct emit_value *row, void *ctx)
{
	struct writer *w = ctx;
	enum report_table_id id = w->table;
	const struct report_table *table = &report_tables[id];
	int nested = w->nested;
	size_t c;
	int child;

	tree_object(&w->tree, NULL);
	for (c = nested ? table->parent_columns : 0; c < table->column_count; c++) {
		const struct emit_column *col = &table->columns[c];

		if (col->kind == EMIT_KEY)
			continue;
		if (row[c].null)
			tree_null(&w->tree, col->key);
		else if (col->kind == EMIT_TEXT)
			tree_text_len(&w->tree, col->key, row[c].text, row[c].len);
		else if (col->kind == EMIT_TIME)
			tree_time(&w->tree, col->key, row[c].number);
		else if (col->kind == EMIT_FLAG)
			tree_bool(&w->tree, col->key, row[c].number != 0);
		else
			tree_int(&w->tree, col->key, row[c].number);
	}
	for (child = 0; child < REPORT_TABLE_COUNT; child++) {
		if (report_tables[child].parent != (int)id)
			continue;
		if (json_table(w, (enum report_table_id)child,
			       &row[table->link_column]))
			return -1;
	}
	w->table = id;
	w->nested = nested;
	tree_end(&w->tree);
	return 0;
}

/* An array of a table's rows; a child table's under its parent row. */
static int json_table(struct writer *w, enum report_table_id id,
		      const struct emit_value *parent)
{
	tree_array(&w->tree, report_tables[id].key);
	w->table = id;
	w->nested = parent != NULL;
	if (report_each_row(w->st, id, parent, json_row, w))
		return -1;
	tree_end(&w->tree);
	return 0;
}

static void json_time_or_null(struct tree *t, const char *key, int present,
			      int64_t ms)
{
	if (present)
		tree_time(t, key, ms);
	else
		tree_null(t, key);
}

static void json_figures(struct tree *t, const char *key, const uint64_t *figures)
{
	int f;

	tree_object(t, key);
	for (f = 0; f < REPORT_FIGURE_COUNT; f++)
		tree_int(t, report_figure_key((enum report_figure)f),
			 (int64_t)figures[f]);
	tree_end(t);
}

static int write_json(struct writer *w)
{
	const struct report_summary *sum = w->sum;
	struct tree *t = &w->tree;
	unsigned type, bit;

	tree_init(t, w->out, 1);
	tree_object(t, NULL);
	tree_time(t, "generated_at", sum->generated_at);
	tree_text(t, "camaudit_version", PACKAGE_VERSION);
	tree_text(t, "store", sum->store);
	json_time_or_null(t, "since", sum->window.since != INT64_MIN,
			  sum->window.since);
	json_time_or_null(t, "until", sum->window.until != INT64_MAX,
			  sum->window.until);
	tree_int(t, "skew_ms", sum->window.skew_ms);
	tree_int(t, "burst_gap_ms", REPORT_BURST_GAP_MS);
	tree_int(t, "evidence_per_pair", REPORT_EVIDENCE_PER_PAIR);
	tree_object(t, "checked");
	tree_int(t, "deliveries", (int64_t)sum->checked.deliveries);
	tree_int(t, "attributed", (int64_t)sum->checked.attributed);
	for (type = 0; type < FINDING_TYPE_COUNT; type++)
		tree_int(t, finding_type_name((enum finding_type)type),
			 (int64_t)sum->checked.by_type[type]);
	tree_int(t, "ok", (int64_t)ok_deliveries(sum));
	tree_end(t);
	tree_object(t, "completeness");
	tree_bool(t, "complete", sum->blind == 0);
	tree_real(t, "min_traced_percent", sum->min_traced);
	tree_array(t, "incomplete_because");
	for (bit = 1; bit <= sum->blind; bit <<= 1)
		if (sum->blind & bit)
			tree_text(t, NULL, report_blind_key(bit));
	tree_end(t);
	tree_end(t);
	tree_object(t, "headline");
	json_figures(t, "confirmed", sum->confirmed);
	json_figures(t, "upper_bound", sum->upper_bound);
	tree_end(t);
	tree_object(t, "exposure");
	json_time_or_null(t, "first_at", sum->has_exposure, sum->first_exposure);
	json_time_or_null(t, "last_at", sum->has_exposure, sum->last_exposure);
	if (json_table(w, REPORT_EXPOSURE_RELAYS, NULL) ||
	    json_table(w, REPORT_EXPOSURE_NODES, NULL))
		return -1;
	tree_end(t);
	if (json_table(w, REPORT_BURSTS, NULL) ||
	    json_table(w, REPORT_HOURS, NULL) ||
	    json_table(w, REPORT_GENERATIONS, NULL) ||
	    json_table(w, REPORT_OWNERS_LIST, NULL) ||
	    json_table(w, REPORT_RECIPIENTS_LIST, NULL))
		return -1;
	tree_object(t, "coverage");
	tree_int(t, "gap_deliveries", (int64_t)sum->gap_deliveries);
	tree_int(t, "unattributed_deliveries", (int64_t)report_unattributed(sum));
	tree_int(t, "uncertain_deliveries", (int64_t)sum->uncertain);
	tree_int(t, "unconfirmed_frames", (int64_t)report_unconfirmed_frames(sum));
	tree_int(t, "other_registry_owners", (int64_t)sum->owner_cap);
	if (json_table(w, REPORT_GAPS, NULL) ||
	    json_table(w, REPORT_UNATTRIBUTED, NULL))
		return -1;
	tree_end(t);
	if (json_table(w, REPORT_SOURCES, NULL))
		return -1;
	tree_end(t);
	tree_finish(t);
	return 0;
}

/* --- csv ------------------------------------------------------------------ */

/* One notification list, CSV (RFC 4180) or TSV, header line first. */
static int write_list(struct writer *w, enum emit_format format,
		      enum report_table_id id)
{
	const struct report_table *table = &report_tables[id];
	struct table_rows rows = {w->st, id};
	struct emit_writer ew;

	emit_writer_init(&ew, w->out, format, w->flags, table->columns,
			 table->column_count, 0);
	return emit_write(&ew, table_rows, &rows);
}

/* --- running -------------------------------------------------------------- */

/*
 * The output file: created (mode 0600, like the database: it says who saw
 * whose camera) or truncated, never through a symbolic link.
 */
static FILE *open_output(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
		      0600);
	FILE *out;

	if (fd < 0) {
		if (errno == ELOOP)
			error("%s: is a symbolic link; not writing through it", path);
		else
			error("%s: %s", path, strerror(errno));
		return NULL;
	}
	if (!(out = fdopen(fd, "w"))) {
		error("%s: %s", path, strerror(errno));
		close(fd);
	}
	return out;
}

/* Close the output file; a failed report leaves no partial file behind. */
static int close_output(FILE *out, const char *path, int failed)
{
	struct stat sb;
	int regular = fstat(fileno(out), &sb) == 0 && S_ISREG(sb.st_mode);

	if (!failed) {
		int why = fflush(out) != 0 ? errno : 0;

		if (why || ferror(out)) {
			error("%s: %s", path, why ? strerror(why) : "write error");
			failed = 1;
		}
	}
	if (fclose(out) != 0 && !failed) {
		error("%s: %s", path, strerror(errno));
		failed = 1;
	}
	if (failed && regular)
		unlink(path);
	return failed ? -1 : 0;
}

static int write_report(struct writer *w, const struct report_request *req)
{
	switch (req->format) {
	case FORMAT_TEXT:
		return write_text(w);
	case FORMAT_JSON:
		return write_json(w);
	case FORMAT_HTML:
		return report_write_html(w);
	case FORMAT_CSV:
	case FORMAT_TSV:
		return write_list(w, req->format == FORMAT_CSV ? EMIT_CSV : EMIT_TSV,
				  lists[req->list].table);
	}
	return -1;
}

static void print_warnings(const struct report_summary *sum)
{
	char why[REPORT_BLIND_WORDS_SIZE];

	report_blind_words(sum, why, sizeof(why));
	if (*why)
		warning("the report is incomplete: %s: an absence of findings "
			"means unknown, not clean", why);
}

/* Build and write the report from one snapshot; returns the exit status. */
static int report_execute(struct store *st, const struct report_request *req)
{
	struct report_summary sum;
	struct writer w;
	int failed;

	memset(&w, 0, sizeof(w));
	w.st = st;
	w.sum = &sum;
	w.flags = req->flags;
	if (store_begin_read(st))
		return EXIT_INCOMPLETE;
	if (report_build(st, &req->audit.window, req->audit.min_traced, &sum)) {
		store_rollback(st);
		return EXIT_INCOMPLETE;
	}
	/* Opened only now: a usage or database error leaves FILE alone. */
	w.out = req->output ? open_output(req->output) : stdout;
	if (!w.out) {
		store_rollback(st);
		return EXIT_INCOMPLETE;
	}
	failed = write_report(&w, req) != 0;
	store_rollback(st); /* only temporary tables were written */
	if (req->output)
		failed = close_output(w.out, req->output, failed) || failed;
	else if (cli_finish_output())
		failed = 1;
	if (failed)
		return EXIT_INCOMPLETE;
	if (!req->common.quiet)
		print_warnings(&sum);
	return sum.has_exposure ? EXIT_FINDINGS : EXIT_CLEAN;
}

static int cmd_report(int argc, char **argv)
{
	struct report_request req = {.format = FORMAT_TEXT, .list = -1};
	enum store_failure why;
	struct store *st;
	int first, status, list_format;

	common_request_init(&req.common);
	audit_request_init(&req.audit);
	if ((first = command_parse(&report_command, argc, argv, handle, &req,
				   &status)) < 0)
		return status;
	if (first < argc)
		return cli_usage_error(&report_command, "unexpected argument '%s' "
				       "(report reads the database; give it with "
				       "--db)", argv[first]);
	if (window_check(&report_command, &req.audit.window))
		return EXIT_USAGE;
	list_format = req.format == FORMAT_CSV || req.format == FORMAT_TSV;
	if (list_format && req.list < 0)
		return cli_usage_error(&report_command, "--format %s writes one "
				       "list: add --list owners or --list "
				       "recipients", format_names[req.format]);
	if (!list_format && req.list >= 0)
		return cli_usage_error(&report_command, "--list goes with --format "
				       "csv or tsv");
	if (req.output && !*req.output)
		return cli_usage_error(&report_command, "--output needs a file name");
	st = store_open_wait(req.common.db, STORE_READ, 0, &why);
	if (!st)
		return exit_for_store_failure(why);
	status = report_execute(st, &req);
	store_close(st);
	return status;
}
