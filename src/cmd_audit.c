/*
 * camaudit audit: correlate what the store holds and print the findings.
 * Also home of the audit options and steps that scan reuses.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "coverage.h"
#include "exitcode.h"
#include "report.h"
#include "timefmt.h"
#include "util.h"

enum {
	OPT_SINCE = 's',
	OPT_UNTIL = 'u',
	OPT_TYPE = 't',
	OPT_FORMAT = 'f',
	OPT_SKEW = OPT_LONG_ONLY + 1,
	OPT_NEW,
	OPT_WAIT,
	OPT_KEEP_FORMULAS,
	OPT_MIN_TRACED,
};

/*
 * Below this share of deliveries traced to a fill, "clean" means little:
 * the default of --min-traced.
 */
#define ATTRIBUTION_WARN_PERCENT 90

const struct cli_option window_options[] = {
	{"since", OPT_SINCE, "TIME", "only serves at or after TIME (RFC 3339, "
	 "YYYY-MM-DD, @EPOCH, today, 2h = 2 hours ago, ...)"},
	{"until", OPT_UNTIL, "TIME", "only serves before TIME"},
	{NULL, 0, NULL, NULL},
};

/* The same keys for a command that selects events of every kind (export). */
const struct cli_option event_window_options[] = {
	{"since", OPT_SINCE, "TIME", "only events at or after TIME (RFC 3339, "
	 "YYYY-MM-DD, @EPOCH, today, 2h = 2 hours ago, ...)"},
	{"until", OPT_UNTIL, "TIME", "only events before TIME"},
	{NULL, 0, NULL, NULL},
};

const struct cli_option audit_options[] = {
	{"type", OPT_TYPE, "LIST", "finding types, comma-separated, or all "
	 "(default: cross_tenant)"},
	{"format", OPT_FORMAT, "FORMAT", "table, json (one object per line) or "
	 "csv (default: table)"},
	{"keep-formulas", OPT_KEEP_FORMULAS, NULL, "csv: do not defuse cells "
	 "that start with = + - @"},
	{"min-traced", OPT_MIN_TRACED, "PCT", "exit 5 or 6 (incomplete) when "
	 "less than PCT% of deliveries are traced (default: 90)"},
	{NULL, 0, NULL, NULL},
};

/* --min-traced alone, for report, which marks its output incomplete. */
const struct cli_option min_traced_options[] = {
	{"min-traced", OPT_MIN_TRACED, "PCT", "mark the report incomplete when "
	 "less than PCT% of deliveries are traced (default: 90)"},
	{NULL, 0, NULL, NULL},
};

const struct cli_option skew_options[] = {
	{"skew", OPT_SKEW, "DURATION", "clock-skew tolerance between relay and "
	 "cache hosts (default: 2s)"},
	{NULL, 0, NULL, NULL},
};

const struct cli_option wait_options[] = {
	{"wait", OPT_WAIT, "DURATION", "wait this long for another camaudit "
	 "writing the database (default: 60s)"},
	{NULL, 0, NULL, NULL},
};

static const struct cli_option new_options[] = {
	{"new", OPT_NEW, NULL, "print only findings no earlier --new run printed, "
	 "and record them"},
	{NULL, 0, NULL, NULL},
};

static const struct command audit_command = {
	"audit", cmd_audit,
	"Correlate the served frames in the store with the fills, cameras and "
	"owners\nbehind them, and print every delivery of the requested types.",
	"[--db PATH] [--quiet] [--since TIME] [--until TIME] [--type LIST]\n"
	"                      [--format table|json|csv] [--skew DURATION]\n"
	"                      [--min-traced PCT] [--new [--wait DURATION]]",
	"Types: cross_tenant (a frame reached an account that neither owns nor\n"
	"shares its camera), device_mismatch (an allowed camera, but not the one\n"
	"asked for), unknown_owner (no account owned the camera), unattributed\n"
	"(no fill explains the frame).  Exit status: 0 nothing found, 1 findings\n"
	"printed, 2 usage error, 3 could not complete, 4 database busy (--new),\n"
	"5 nothing found but the answer is incomplete (coverage gaps, too little\n"
	"traced, nothing checked), 6 findings printed and the answer incomplete.",
};

void audit_request_init(struct audit_request *req)
{
	memset(req, 0, sizeof(*req));
	req->window.since = INT64_MIN;
	req->window.until = INT64_MAX;
	req->window.skew_ms = CORRELATE_SKEW_MS;
	req->types = 1u << FINDING_CROSS_TENANT;
	req->format = EMIT_TABLE;
	req->wait_ms = STORE_WAIT_MS;
	req->min_traced = ATTRIBUTION_WARN_PERCENT;
	req->db = cli_default_db();
}

int store_exit_status(enum store_failure why)
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
	case OPT_DB:
		/* SQLite would take "" for a private temporary database. */
		if (!*arg)
			return cli_usage_error(cmd, "--db needs a file name, not "
					       "an empty one");
		req->db = arg;
		return 0;
	case OPT_QUIET:
		req->quiet = 1;
		return 0;
	case OPT_SINCE:
	case OPT_UNTIL:
		return cli_parse_time(cmd, key == OPT_SINCE ? "since" : "until", arg,
				      key == OPT_SINCE ? &req->window.since :
				      &req->window.until);
	case OPT_TYPE:
		if (finding_types_parse(arg, &req->types))
			return cli_usage_error(cmd, "invalid --type '%s' (use a comma "
					       "list of cross_tenant, device_mismatch, "
					       "unknown_owner, unattributed, or all)",
					       arg), -1;
		return 0;
	case OPT_FORMAT:
		if (emit_format_parse(arg, &req->format))
			return cli_usage_error(cmd, "invalid --format '%s' (use "
					       "table, json or csv)", arg), -1;
		return 0;
	case OPT_SKEW:
		if (timefmt_parse_duration(arg, &req->window.skew_ms))
			return cli_usage_error(cmd, "invalid --skew '%s' (a duration "
					       "such as 2s, 500ms, 1m)", arg), -1;
		return 0;
	case OPT_WAIT:
		if (timefmt_parse_duration(arg, &req->wait_ms))
			return cli_usage_error(cmd, "invalid --wait '%s' (a duration "
					       "such as 30s, 5m)", arg), -1;
		return 0;
	case OPT_NEW:
		req->only_new = 1;
		return 0;
	case OPT_KEEP_FORMULAS:
		req->emit_flags |= EMIT_KEEP_FORMULAS;
		return 0;
	case OPT_MIN_TRACED:
		return parse_percent(cmd, arg, &req->min_traced);
	}
	return cli_usage_error(cmd, "unhandled option"), -1;
}

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

int audit_request_check(const struct command *cmd,
			const struct audit_request *req)
{
	if (req->window.since >= req->window.until)
		return cli_usage_error(cmd, "--since is not before --until: the "
				       "window is empty");
	return 0;
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

int audit_execute(struct store *st, const struct audit_request *req)
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
		return store_busy(st) ? EXIT_BUSY : EXIT_INCOMPLETE;
	failed = print_findings(st, req, &summary, &printed);
	if (failed || !req->only_new)
		store_rollback(st); /* a plain audit changed only temp tables */
	else if (store_commit(st))
		failed = 1;
	if (failed)
		return store_busy(st) ? EXIT_BUSY : EXIT_INCOMPLETE;
	if (!req->quiet)
		print_summary(&summary, req->only_new ? &printed : NULL);
	if (report_blindness(&summary, req->min_traced))
		return printed ? EXIT_FINDINGS_BLIND : EXIT_BLIND;
	return printed ? EXIT_FINDINGS : EXIT_CLEAN;
}

static int handle(int key, const char *arg, void *ctx)
{
	return audit_option(&audit_command, ctx, key, arg);
}

int cmd_audit(int argc, char **argv)
{
	static const struct cli_option *const tables[] = {
		window_options, audit_options, skew_options, new_options,
		wait_options, cli_common_options, NULL};
	struct audit_request req;
	enum store_failure why;
	struct store *st;
	int first, status;

	audit_request_init(&req);
	first = cli_parse(argc, argv, &audit_command, tables, handle, &req);
	if (first == -2)
		return EXIT_CLEAN;
	if (first < 0)
		return EXIT_USAGE;
	if (first < argc)
		return cli_usage_error(&audit_command, "unexpected argument '%s' "
				       "(audit reads the database; to audit files use "
				       "'camaudit scan')", argv[first]);
	if (audit_request_check(&audit_command, &req))
		return EXIT_USAGE;
	st = store_open_wait(req.db, req.only_new ? STORE_UPDATE : STORE_READ,
			     req.wait_ms, &why);
	if (!st)
		return store_exit_status(why);
	status = audit_execute(st, &req);
	store_close(st);
	return status;
}
