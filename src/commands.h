/*
 * The commands (one file each, cmd_NAME.c) and the audit step that audit
 * and scan share.
 */
#ifndef CAMAUDIT_COMMANDS_H
#define CAMAUDIT_COMMANDS_H

#include "cli.h"
#include "correlate.h"
#include "emit.h"
#include "store.h"

int cmd_ingest(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_scan(int argc, char **argv);
int cmd_prune(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_explain(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_formats(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_normalize(int argc, char **argv);
int cmd_check(int argc, char **argv);

struct format_choice; /* format.h */

/*
 * Ingest every operand (files, directories, "-") into st and report per
 * file (or only the total); returns EXIT_CLEAN or EXIT_INCOMPLETE.
 */
int ingest_operands(struct store *st, char **paths, int count, int quiet,
		    int per_file, const struct format_choice *formats);

/* --formats and --input-format, for the commands that read logs. */
enum { OPT_FORMATS = OPT_LONG_ONLY + 32, OPT_INPUT_FORMAT };
extern const struct cli_option format_options[];
/* --formats files one command line may give. */
#define FORMAT_FILES_MAX 16
struct format_request {
	const char *paths[FORMAT_FILES_MAX]; /* each --formats, in order */
	size_t path_count;   /* how many were given (may pass the maximum) */
	const char *env;     /* $CAMAUDIT_FORMATS (PATH-like list), else NULL */
	const char *name;    /* --input-format, else NULL: sniff each file */
};
void format_request_init(struct format_request *req);
/* Take key if it is one of format_options: 1 when it was, else 0. */
int format_option(struct format_request *req, int key, const char *arg);
/*
 * The presets plus the user's formats, and the forced one; EXIT_CLEAN,
 * or EXIT_USAGE after reporting (every definition error, an unknown
 * name).  Free choice->set with format_set_free().
 */
int format_request_load(const struct command *cmd, const struct format_request *req,
			struct format_choice *choice);

/* What audit and scan are asked for, from their shared options. */
struct audit_request {
	struct audit_window window;
	unsigned types;
	enum emit_format format;
	int quiet;
	int only_new;      /* --new: print and record what was not reported */
	unsigned emit_flags; /* EMIT_KEEP_FORMULAS */
	int64_t wait_ms;   /* --wait */
	double min_traced; /* --min-traced: a smaller traced share is blind */
	const char *db;
};

/*
 * The shared option tables: --since/--until, audit's output options
 * (--type, --format, --keep-formulas), --skew and --wait.  audit_option()
 * handles all of them and the common --db and --quiet.
 */
extern const struct cli_option window_options[];
/* --since/--until worded for events of every kind, not only serves. */
extern const struct cli_option event_window_options[];
extern const struct cli_option audit_options[];
/* audit's --min-traced, worded for report. */
extern const struct cli_option min_traced_options[];
extern const struct cli_option skew_options[];
/* --wait, for the commands that write to the store. */
extern const struct cli_option wait_options[];

/* The exit status for a store that could not be opened or written. */
int store_exit_status(enum store_failure why);
/* Defaults: every time, --type cross_tenant, --format table, --skew 2s,
 * --min-traced 90. */
void audit_request_init(struct audit_request *req);
/* Handle one of audit_options (and --quiet, --db); -1 after a usage error. */
int audit_option(const struct command *cmd, struct audit_request *req, int key,
		 const char *arg);
/* A usage error (reported) when the options contradict each other. */
int audit_request_check(const struct command *cmd,
			const struct audit_request *req);
/*
 * Correlate, print findings and the summary; returns the exit status
 * (EXIT_BLIND or EXIT_FINDINGS_BLIND when the answer is incomplete).
 */
int audit_execute(struct store *st, const struct audit_request *req);

#endif
